"""The exception hierarchy and the mapping of every status code."""

import glob
import os

import pytest

import strata


def test_hierarchy():
    assert issubclass(strata.Error, Exception)
    for cls in (strata.NotFound, strata.Corruption, strata.IOError,
                strata.Conflict, strata.InvalidArgument, strata.NotSupported,
                strata.TryAgain):
        assert issubclass(cls, strata.Error)
        assert cls.__module__ == "strata"
        assert cls.__doc__
    assert issubclass(strata.NotFound, KeyError)
    assert issubclass(strata.IOError, OSError)
    assert issubclass(strata.InvalidArgument, ValueError)
    assert not issubclass(strata.Conflict, (KeyError, OSError, ValueError))
    assert strata.IOError is not OSError


def test_invalid_argument_message_is_status_string(db):
    with pytest.raises(strata.InvalidArgument) as info:
        db.put(b"", b"")
    assert str(info.value) == "InvalidArgument: empty key"


def test_locked_db_is_ioerror(db_path, db):
    with pytest.raises(strata.IOError) as info:
        strata.DB(db_path)
    assert isinstance(info.value, OSError)
    assert str(info.value).startswith("IOError: ")
    assert "lock" in str(info.value)


def test_destroy_open_db_is_ioerror(db_path, db):
    with pytest.raises(strata.IOError):
        strata.destroy(db_path)


def test_corruption(db_path):
    with strata.DB(db_path, compression="none") as d:
        for i in range(2000):
            d[b"key%05d" % i] = b"value%05d" % i * 10
        d.flush()
    tables = glob.glob(os.path.join(db_path, "*.sst"))
    assert tables
    with open(tables[0], "r+b") as f:
        f.seek(100)
        f.write(b"\xde\xad\xbe\xef" * 8)
    with strata.DB(db_path) as d:
        with pytest.raises(strata.Corruption) as info:
            d.verify_checksums()
        assert str(info.value).startswith("Corruption: ")
        with pytest.raises(strata.Corruption):
            list(d.items())


def test_conflict_is_busy(db):
    t1 = db.transaction()
    t2 = db.transaction()
    t1[b"k"] = b"1"
    t2[b"k"] = b"2"
    t1.commit()
    with pytest.raises(strata.Conflict) as info:
        t2.commit()
    assert str(info.value).startswith("Busy: ")
    assert db[b"k"] == b"1"


def test_notfound_savepoint(db):
    with db.transaction() as t:
        with pytest.raises(strata.NotFound):
            t.rollback_to_savepoint()


def test_as_of_on_unversioned_db(db):
    with pytest.raises(strata.InvalidArgument, match="enable_versioning"):
        db.get(b"k", as_of=1)
    with pytest.raises(strata.InvalidArgument):
        db.items(as_of=1)
    with pytest.raises(strata.InvalidArgument):
        db.history()
    with pytest.raises(strata.InvalidArgument):
        db.put_at(b"k", b"v", 5)


def test_bad_timestamps(vdb):
    with pytest.raises(TypeError, match="as_of"):
        vdb.get(b"k", as_of="yesterday")
    with pytest.raises(ValueError, match="as_of"):
        vdb.get(b"k", as_of=-1)
    with pytest.raises(TypeError):
        vdb.get(b"k", as_of=True)
