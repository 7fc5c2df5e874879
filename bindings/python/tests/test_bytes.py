"""Keys and values: bytes-like inputs in, bytes out, str refused."""

import array
import os
import threading
import tracemalloc

import pytest

import strata


@pytest.mark.parametrize(
    "make",
    [bytes, bytearray, memoryview, lambda b: memoryview(bytearray(b))],
    ids=["bytes", "bytearray", "memoryview", "memoryview-of-bytearray"],
)
def test_bytes_like_keys_and_values(db, make):
    db.put(make(b"key"), make(b"value"))
    assert db[make(b"key")] == b"value"
    assert make(b"key") in db
    assert db.get(make(b"key")) == b"value"
    assert list(db.items(make(b"k"), make(b"l"))) == [(b"key", b"value")]
    db.delete(make(b"key"))
    assert b"key" not in db


def test_memoryview_slice_and_array(db):
    buf = b"xxkeyxx"
    db.put(memoryview(buf)[2:5], array.array("B", b"val"))
    assert db[b"key"] == b"val"
    # A wider item type is taken as its raw bytes.
    a = array.array("H", [1, 2])
    db.put(b"arr", a)
    assert db[b"arr"] == a.tobytes()


def test_non_contiguous_memoryview_refused(db):
    mv = memoryview(b"abcdef")[::2]
    with pytest.raises(TypeError, match="contiguous"):
        db.put(b"k", mv)


@pytest.mark.parametrize("bad", ["str", 1, 1.5, None, [1, 2], object()])
def test_non_bytes_refused(db, bad):
    with pytest.raises(TypeError, match="bytes-like"):
        db.put(bad, b"v")
    with pytest.raises(TypeError, match="bytes-like"):
        db.put(b"k", bad)
    with pytest.raises(TypeError, match="bytes-like"):
        db.get(bad)


def test_str_message_says_encode(db):
    with pytest.raises(TypeError, match=r"not str: encode it first"):
        db[b"k"] = "value"
    with pytest.raises(TypeError, match="not str"):
        "k" in db


def test_bytearray_mutated_after_put_does_not_change_stored_value(db):
    b = bytearray(b"before")
    db.put(b"k", b)
    b[:] = b"after!"
    assert db[b"k"] == b"before"


def test_empty_key_is_invalid_argument(db):
    with pytest.raises(strata.InvalidArgument, match="empty key"):
        db.put(b"", b"v")
    with pytest.raises(strata.InvalidArgument):
        db.get(b"")
    with pytest.raises(ValueError):
        db[b""] = b"v"


def test_results_are_bytes_not_views(db):
    db[b"k"] = bytearray(b"v")
    for v in (db[b"k"], db.get(b"k"), next(db.values()), next(db.items())[1]):
        assert type(v) is bytes


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


BIG = 40 << 20  # above glibc's largest mmap threshold: freed memory is unmapped


@pytest.fixture
def big_db(tmp_path):
    with strata.DB(tmp_path / "big", max_value_size=48 << 20) as d:
        d[b"big"] = b"x" * BIG
        yield d


def test_contains_makes_no_bytes_of_the_value(big_db):
    tracemalloc.start()
    try:
        assert b"big" in big_db
        assert b"other" not in big_db
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BIG // 4, peak


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="Linux")
def test_reads_do_not_keep_the_largest_value(big_db):
    # In a new thread: the buffer reads share is per thread, and this
    # one's starts empty (measured while the thread lives, as the buffer
    # goes with it).
    grown = []

    def reads():
        before = rss_bytes()
        for read in (lambda: len(big_db[b"big"]),
                     lambda: len(big_db.get(b"big")),
                     lambda: b"big" in big_db):
            assert read()
            grown.append(rss_bytes() - before)

    t = threading.Thread(target=reads)
    t.start()
    t.join()
    assert len(grown) == 3
    assert max(grown) < BIG // 2, "a read kept %s bytes" % grown
