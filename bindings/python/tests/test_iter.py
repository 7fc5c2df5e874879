"""items(), keys(), values(): bounds, prefixes, direction, laziness."""

import pytest

import strata

KEYS = [b"a", b"ab", b"abc", b"b", b"b\xff", b"b\xff\xff", b"c", b"\xff", b"\xff\xff"]


@pytest.fixture
def filled(db):
    for i, k in enumerate(KEYS):
        db[k] = b"v%d" % i
    return db


def expected(start=None, stop=None, prefix=None, reverse=False):
    ks = [k for k in KEYS
          if (start is None or k >= start) and (stop is None or k < stop)
          and (prefix is None or k.startswith(prefix))]
    return ks[::-1] if reverse else ks


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize(
    "start, stop, prefix",
    [
        (None, None, None),
        (b"ab", None, None),
        (None, b"b", None),
        (b"ab", b"c", None),
        (None, None, b"a"),
        (None, None, b"b\xff"),
        (None, None, b"\xff"),
        (None, None, b""),
        (b"abc", None, b"a"),
        (None, b"ab", b"a"),
        (b"b", b"a", None),
        (b"c", None, b"a"),
        (None, None, b"zz"),
    ],
)
def test_bounds(filled, start, stop, prefix, reverse):
    want = expected(start, stop, prefix, reverse)
    assert list(filled.keys(start, stop, reverse, prefix)) == want
    assert list(filled.keys(start=start, stop=stop, reverse=reverse,
                            prefix=prefix)) == want
    items = list(filled.items(start, stop, reverse=reverse, prefix=prefix))
    assert [k for k, _ in items] == want
    assert [v for _, v in items] == [b"v%d" % KEYS.index(k) for k in want]
    assert list(filled.values(start, stop, reverse, prefix)) == [v for _, v in items]


def test_iter_db_is_keys(filled):
    assert list(filled) == KEYS
    assert sorted(KEYS) == KEYS


def test_iterator_sees_state_when_made(db):
    for i in range(10):
        db[b"%02d" % i] = b"old"
    it = db.items()
    first = next(it)
    db[b"05"] = b"new"
    db[b"99"] = b"added"
    db.delete(b"09")
    rest = list(it)
    assert [first] + rest == [(b"%02d" % i, b"old") for i in range(10)]
    assert db[b"05"] == b"new"


def test_iterator_is_lazy_and_made_at_call(db):
    it = db.keys()
    db[b"late"] = b"x"
    # Made before the write: the write is not seen.
    assert list(it) == []
    assert list(db.keys()) == [b"late"]


def test_long_iteration_crosses_batches(db):
    n = 5000
    for i in range(n):
        db[b"%06d" % i] = b"%d" % i
    db.flush()
    for i in range(n, n + 500):  # part in the memtable, part in a table
        db[b"%06d" % i] = b"%d" % i
    got = list(db.items())
    assert len(got) == n + 500
    assert got[0] == (b"000000", b"0") and got[-1] == (b"005499", b"5499")
    assert list(db.keys(reverse=True)) == [k for k, _ in reversed(got)]
    big = b"x" * (200 << 10)
    for i in range(5):
        db[b"big%d" % i] = big
    assert list(db.values(prefix=b"big")) == [big] * 5


def test_iterator_protocol_and_close(filled):
    it = filled.keys()
    assert iter(it) is it
    assert next(it) == b"a"
    it.close()
    assert list(it) == []
    it.close()  # twice is fine
    with filled.items() as it2:
        assert next(it2) == (b"a", b"v0")
    with pytest.raises(StopIteration):
        next(it2)
    it3 = filled.keys()
    assert list(it3) == KEYS
    with pytest.raises(StopIteration):
        next(it3)


def test_type_errors(filled):
    with pytest.raises(TypeError):
        filled.items("a")
    with pytest.raises(TypeError):
        filled.keys(prefix="a")
