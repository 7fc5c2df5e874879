"""Snapshots: a pinned view, released explicitly or by `with`."""

import pytest

import strata


def test_snapshot_reads_pinned_state(db):
    db[b"a"] = b"1"
    db[b"b"] = b"2"
    with db.snapshot() as snap:
        db[b"a"] = b"changed"
        db.delete(b"b")
        db[b"c"] = b"3"
        assert snap[b"a"] == b"1"
        assert snap.get(b"b") == b"2"
        assert snap.get(b"c") is None
        assert snap.get(b"c", b"d") == b"d"
        assert b"c" not in snap and b"b" in snap
        with pytest.raises(KeyError):
            snap[b"c"]
        assert list(snap.items()) == [(b"a", b"1"), (b"b", b"2")]
        assert list(snap.keys(reverse=True)) == [b"b", b"a"]
        assert list(snap.values(b"b")) == [b"2"]
        assert list(snap) == [b"a", b"b"]
        assert snap.count() == 2
        assert snap.sequence > 0
        assert not snap.released
        db.flush()
        db.compact_range()
        assert snap[b"a"] == b"1"
    assert snap.released
    with pytest.raises(strata.InvalidArgument, match="released"):
        snap[b"a"]
    with pytest.raises(strata.InvalidArgument, match="released"):
        snap.items()
    snap.release()  # twice is fine


def test_snapshot_iterator_outlives_release(db):
    db[b"a"] = b"1"
    snap = db.snapshot()
    it = snap.items()
    db[b"a"] = b"2"
    snap.release()
    assert list(it) == [(b"a", b"1")]


def test_snapshot_counts_in_stats(db):
    s1 = db.snapshot()
    s2 = db.snapshot()
    assert db.stats()["num_snapshots"] == 2
    s1.release()
    del s2  # collected: released
    import gc
    gc.collect()
    assert db.stats()["num_snapshots"] == 0
