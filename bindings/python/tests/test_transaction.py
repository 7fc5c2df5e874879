"""Transactions: commit on success, rollback on exception, Conflict."""

import pytest

import strata


def test_commit_on_success(db):
    db[b"a"] = b"1"
    with db.transaction() as t:
        assert t[b"a"] == b"1"
        t[b"b"] = b"2"
        t.put(b"c", b"3")
        t.delete(b"a")
        # Its own writes are visible to it, not to others.
        assert t.get(b"b") == b"2" and b"a" not in t
        assert db.get(b"b") is None and db[b"a"] == b"1"
        assert list(t.items()) == [(b"b", b"2"), (b"c", b"3")]
        assert t.count() == 2
    assert t.ended
    assert list(db.items()) == [(b"b", b"2"), (b"c", b"3")]


def test_rollback_on_exception(db):
    with pytest.raises(ZeroDivisionError):
        with db.transaction() as t:
            t[b"a"] = b"1"
            1 / 0
    assert t.ended
    assert b"a" not in db


def test_explicit_commit_and_rollback(db):
    t = db.transaction()
    t[b"a"] = b"1"
    t.commit()
    assert db[b"a"] == b"1"
    with pytest.raises(strata.InvalidArgument, match="committed"):
        t[b"b"] = b"2"
    with pytest.raises(strata.InvalidArgument):
        t.commit()
    t2 = db.transaction()
    t2[b"a"] = b"2"
    t2.rollback()
    assert db[b"a"] == b"1"
    with pytest.raises(strata.InvalidArgument, match="rolled back"):
        t2.get(b"a")
    # Ending it inside the block: the exit does nothing more.
    with db.transaction() as t3:
        t3[b"z"] = b"1"
        t3.rollback()
    assert b"z" not in db


def test_conflict_in_context_manager(db):
    db[b"k"] = b"0"
    with pytest.raises(strata.Conflict):
        with db.transaction() as t:
            t[b"k"] = t[b"k"] + b"t"
            db[b"k"] = b"other"  # another writer commits first
    assert db[b"k"] == b"other"
    assert t.ended


def test_get_for_update_conflict(db):
    db[b"k"] = b"0"
    t = db.transaction()
    assert t.get_for_update(b"k") == b"0"
    assert t.get_for_update(b"absent", b"d") == b"d"
    t[b"other"] = b"x"
    db[b"k"] = b"1"
    with pytest.raises(strata.Conflict):
        t.commit()


def test_snapshot_isolation_allows_read_skew_serializable_does_not(db):
    db[b"r"] = b"0"
    t = db.transaction()
    t.get(b"r")
    t[b"w"] = b"1"
    db[b"r"] = b"1"
    t.commit()  # snapshot isolation: the read is not checked
    s = db.transaction(isolation="serializable")
    s.get(b"r")
    s[b"w"] = b"2"
    db[b"r"] = b"2"
    with pytest.raises(strata.Conflict):
        s.commit()
    assert db[b"w"] == b"1"


def test_retry_loop(db):
    db[b"n"] = b"0"
    interfered = False
    for _ in range(5):
        try:
            with db.transaction() as t:
                n = int(t[b"n"])
                if not interfered:
                    interfered = True
                    db[b"n"] = b"100"
                t[b"n"] = b"%d" % (n + 1)
            break
        except strata.Conflict:
            continue
    assert db[b"n"] == b"101"


def test_modes(db):
    db[b"a"] = b"1"
    with db.transaction("read_only") as r:
        db[b"a"] = b"2"
        assert r[b"a"] == b"1"
        with pytest.raises(strata.InvalidArgument):
            r[b"x"] = b"y"
    with db.transaction(mode="write_only") as w:
        w[b"b"] = b"2"
        with pytest.raises(strata.InvalidArgument):
            w.get(b"a")
    assert db[b"b"] == b"2"
    with pytest.raises(ValueError, match="mode"):
        db.transaction("bogus")
    with pytest.raises(ValueError, match="isolation"):
        db.transaction(isolation="bogus")
    with db.transaction(sync=True, max_write_bytes=10) as t:
        with pytest.raises(strata.InvalidArgument):
            t[b"k"] = b"v" * 100


def test_savepoints(db):
    with db.transaction() as t:
        t[b"a"] = b"1"
        t.savepoint()
        t[b"b"] = b"2"
        t.savepoint()
        t[b"c"] = b"3"
        t.rollback_to_savepoint()
        assert b"c" not in t and t[b"b"] == b"2"
        t.rollback_to_savepoint()
        assert b"b" not in t and t[b"a"] == b"1"
        with pytest.raises(strata.NotFound):
            t.rollback_to_savepoint()
    assert list(db.keys()) == [b"a"]


def test_delete_range_in_transaction(db):
    for k in (b"a", b"b", b"c", b"d"):
        db[k] = b"v"
    with db.transaction() as t:
        t.delete_range(b"b", b"d")
        del t[b"a"]
        assert list(t.keys()) == [b"d"]
    assert list(db.keys()) == [b"d"]


def test_transaction_iterator_invalidated_at_end(db):
    for i in range(300):
        db[b"%03d" % i] = b"v"
    t = db.transaction()
    it = t.keys()
    assert next(it) == b"000"
    t.commit()
    with pytest.raises(strata.InvalidArgument, match="committed"):
        next(it)
    t2 = db.transaction()
    it2 = t2.items(reverse=True)
    t2.rollback()
    with pytest.raises(strata.InvalidArgument, match="rolled back"):
        list(it2)


def test_versioned_transaction(vdb):
    vdb.put_at(b"k", b"old", 1000)
    with vdb.transaction() as t:
        assert t.get(b"k", as_of=1500) == b"old"
        t.put_at(b"k", b"back", 2000)
        t.delete_at(b"j", 2500)
        t.put(b"k", b"now")
    assert vdb.get(b"k", as_of=2000) == b"back"
    assert vdb[b"k"] == b"now"
