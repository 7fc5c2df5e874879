"""Write batches: atomic, written on success, dropped on exception."""

import pytest

import strata


def test_batch_written_on_success(db):
    db[b"gone"] = b"x"
    for i in range(5):
        db[b"r%d" % i] = b"x"
    with db.write_batch() as b:
        b.put(b"a", b"1")
        b[b"b"] = bytearray(b"2")
        b.delete(b"gone")
        b.delete_range(b"r1", b"r4")
        del b[b"r4"]
        assert len(b) == 5
        assert b.approximate_size > 0
        # Nothing is visible before the block ends.
        assert b"a" not in db
    assert list(db.items()) == [(b"a", b"1"), (b"b", b"2"), (b"r0", b"x")]
    assert len(b) == 0


def test_batch_dropped_on_exception(db):
    with pytest.raises(RuntimeError):
        with db.write_batch() as b:
            b.put(b"a", b"1")
            raise RuntimeError("boom")
    assert b"a" not in db
    assert len(b) == 0


def test_batch_explicit_write_and_clear(db):
    b = db.write_batch(sync=True)
    b.put(b"x", b"1")
    b.clear()
    b.put(b"y", b"2")
    b.write()
    assert b"x" not in db and db[b"y"] == b"2"
    b.write()  # an empty batch writes nothing
    b.put(b"z", b"3")
    b.write()
    assert db[b"z"] == b"3"


def test_batch_error_writes_nothing(db):
    with pytest.raises(strata.InvalidArgument):
        with db.write_batch() as b:
            b.put(b"ok", b"1")
            b.put(b"", b"empty key")
    assert b"ok" not in db


def test_batch_versioned_ops(vdb):
    with vdb.write_batch() as b:
        b.put_at(b"k", b"v1", 1000)
        b.put_at(b"k", b"v2", 2000)
        b.delete_at(b"j", 1500)
        b.delete_range_at(b"x", b"y", 1200)
    assert vdb[b"k"] == b"v2"
    assert vdb.get(b"k", as_of=1500) == b"v1"
    with vdb.write_batch() as b:
        b.replace(b"k", b"v3")
    assert [v for _, _, v in vdb.history(b"k", b"l")] == [b"v3"]
    with vdb.write_batch() as b:
        b.purge(b"k")
    assert b"k" not in vdb
    assert list(vdb.history(b"k", b"l", include_deleted=True)) == []


def test_batch_versioned_ops_refused_unversioned(db):
    with pytest.raises(strata.InvalidArgument):
        with db.write_batch() as b:
            b.put_at(b"k", b"v", 5)


def test_failed_write_keeps_operations(db_path):
    db = strata.DB(db_path)
    b = db.write_batch()
    b.put(b"a", b"1")
    b.delete(b"gone")
    b.delete_range(b"x", b"y")
    size = b.approximate_size
    db.close()
    for _ in range(2):  # a retry fails the same way, and loses nothing
        with pytest.raises(strata.InvalidArgument, match="DB is closed"):
            b.write()
        assert len(b) == 3 and b.approximate_size == size
    # The context manager's write keeps them too.
    with pytest.raises(strata.InvalidArgument):
        with b:
            b.put(b"c", b"3")
    assert len(b) == 4
    b.clear()
    assert len(b) == 0


def test_failed_write_can_be_retried(db):
    b = db.write_batch()
    b.put(b"a", b"1")
    b.put_at(b"v", b"x", 5)  # refused by an unversioned DB
    with pytest.raises(strata.InvalidArgument):
        b.write()
    assert len(b) == 2 and b"a" not in db
    b.put(b"later", b"2")  # added after the failure: goes after
    assert len(b) == 3
    with pytest.raises(strata.InvalidArgument):
        b.write()
    assert len(b) == 3
