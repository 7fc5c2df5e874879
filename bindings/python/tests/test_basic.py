"""Point reads and writes, options, open and close."""

import datetime
import os
import pathlib

import pytest

import strata


def test_put_get_roundtrip(db):
    db.put(b"k1", b"v1")
    db[b"k2"] = b"v2"
    assert db.get(b"k1") == b"v1"
    assert db[b"k2"] == b"v2"
    assert isinstance(db[b"k2"], bytes)
    assert db.get(b"absent") is None
    assert db.get(b"absent", b"dflt") == b"dflt"
    assert db.get(b"absent", default=7) == 7
    assert b"k1" in db and b"absent" not in db


def test_overwrite_and_empty_value(db):
    db[b"k"] = b"1"
    db[b"k"] = b""
    assert db[b"k"] == b""
    assert b"k" in db


def test_getitem_missing_raises_notfound_keyerror(db):
    with pytest.raises(KeyError) as info:
        db[b"missing"]
    assert isinstance(info.value, strata.NotFound)
    assert info.value.args == (b"missing",)


def test_delete_and_delitem(db):
    db[b"a"] = b"1"
    db[b"b"] = b"2"
    db[b"c"] = b"3"
    db.delete(b"a")
    del db[b"b"]
    db.__delitem__(bytearray(b"c"))  # the method, not only the slot
    assert b"a" not in db and b"b" not in db and b"c" not in db
    # delete() is blind: an absent key is fine.
    db.delete(b"never")
    # del is a mapping's: KeyError (strata.NotFound) for an absent key, as
    # for db[key]; and nothing is written.
    seq = db.stats()["last_sequence"]
    with pytest.raises(KeyError) as info:
        del db[b"never"]
    assert isinstance(info.value, strata.NotFound)
    assert info.value.args == (b"never",)
    with pytest.raises(strata.NotFound):
        db.__delitem__(b"b")  # deleted already
    assert db.stats()["last_sequence"] == seq
    with pytest.raises(TypeError):
        del db["str"]


def test_delete_range(db):
    for i in range(10):
        db[b"k%d" % i] = b"v"
    db.delete_range(b"k3", b"k7")
    assert list(db.keys()) == [b"k0", b"k1", b"k2", b"k7", b"k8", b"k9"]
    with pytest.raises(strata.InvalidArgument):
        db.delete_range(b"k7", b"k3")


def test_sync_writes(db):
    db.put(b"a", b"1", sync=True)
    db.delete(b"a", sync=True)
    db.delete_range(b"a", b"b", sync=True)
    db.put(b"b", b"2", sync=False)
    assert list(db.items()) == [(b"b", b"2")]


def test_binary_keys_and_large_values(db):
    key = bytes(range(256))
    value = os.urandom(3 << 20)
    db[key] = value
    db[b"\x00"] = b"\x00\x00"
    assert db[key] == value
    assert db[b"\x00"] == b"\x00\x00"
    db.flush()
    assert db[key] == value


def test_persistence_across_reopen(db_path):
    with strata.DB(db_path) as d:
        d[b"x"] = b"y"
        d.put(b"z", b"w", sync=True)
    with strata.DB(db_path, create_if_missing=False) as d:
        assert d[b"x"] == b"y" and d[b"z"] == b"w"


def test_context_manager_closes(db_path):
    with strata.DB(db_path) as d:
        assert not d.closed
    assert d.closed
    assert "closed" in repr(d)


def test_close_twice_and_ops_after_close(db_path):
    d = strata.DB(db_path)
    d[b"a"] = b"1"
    d.close()
    d.close()
    for op in (
        lambda: d[b"a"],
        lambda: d.get(b"a"),
        lambda: d.put(b"a", b"1"),
        lambda: b"a" in d,
        lambda: d.items(),
        lambda: d.snapshot(),
        lambda: d.transaction(),
        lambda: d.flush(),
        lambda: d.stats(),
        lambda: d.write_batch().write(),
    ):
        with pytest.raises(strata.InvalidArgument, match="DB is closed"):
            op()


def test_paths(tmp_path):
    p = tmp_path / "pathlib-db"
    with strata.DB(p) as d:
        assert d.path == str(p)
        d[b"a"] = b"b"
    with strata.DB(pathlib.PurePath(p)) as d:
        assert d[b"a"] == b"b"
    with strata.DB(os.fsencode(str(p))) as d:
        assert d[b"a"] == b"b"
    with pytest.raises(TypeError):
        strata.DB(42)


def test_options_accepted(tmp_path):
    with strata.DB(
        tmp_path / "o",
        create_if_missing=True,
        error_if_exists=False,
        paranoid_checks=True,
        write_buffer_size=1 << 20,
        max_write_buffer_number=3,
        block_size=8192,
        block_restart_interval=8,
        compression_unit_size=512,
        block_page_size=8192,
        bloom_bits_per_key=12,
        compression="zstd",
        block_cache_capacity=8 << 20,
        max_open_files=100,
        allow_mmap_reads=True,
        allow_mmap_writes=False,
        num_levels=5,
        compaction_style="size_tiered",
        max_background_jobs=1,
        target_file_size=1 << 20,
        max_bytes_for_level_base=4 << 20,
        level0_compaction_trigger=2,
        level0_slowdown_writes_trigger=10,
        level0_stop_writes_trigger=20,
        level0_idle_compaction_ms=0,
        read_compaction_bytes=0,
        wal_recovery_mode="absolute_consistency",
        flush_on_close=False,
        max_manifest_file_size=1 << 20,
        max_key_size=1024,
        max_value_size=1 << 20,
        max_transaction_index_bytes=1 << 20,
        enable_value_log=True,
        value_log_threshold=64,
        value_log_max_file_size=1 << 20,
        value_log_gc_discard_ratio=0.5,
        value_log_gc_bytes_per_second=0,
        value_log_verify_checksums=False,
    ) as d:
        d[b"k"] = b"v" * 100  # separated into the value log at flush
        d.flush()
        assert d[b"k"] == b"v" * 100
        assert d.stats()["files_at_level"][:1] == [1]
        assert len(d.stats()["files_at_level"]) == 5
    for c in ("none", "snappy", "lz4", "zstd"):
        with strata.DB(tmp_path / c, compression=c) as d:
            d[b"k"] = b"v" * 1000
            d.flush()
            assert d[b"k"] == b"v" * 1000


def test_versioning_options(tmp_path):
    with strata.DB(tmp_path / "a", enable_versioning=True,
                   version_retention=3600) as d:
        assert d.versioned
    with strata.DB(tmp_path / "b", enable_versioning=True,
                   version_retention=datetime.timedelta(days=2)) as d:
        assert d.versioned
    with strata.DB(tmp_path / "c", enable_versioning=True,
                   version_retention=0.5) as d:
        assert d.versioned


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"no_such_option": 1}, TypeError, "unexpected keyword argument 'no_such_option'"),
        ({"create_if_missing": 1}, TypeError, "True or False"),
        ({"write_buffer_size": "big"}, TypeError, "must be an int"),
        ({"write_buffer_size": True}, TypeError, "must be an int"),
        ({"write_buffer_size": -1}, ValueError, "write_buffer_size"),
        ({"write_buffer_size": 2**70}, ValueError, "write_buffer_size"),
        ({"compression": "gzip"}, ValueError, "'none', 'snappy', 'lz4', 'zstd'"),
        ({"compression": 1}, TypeError, "must be a str"),
        ({"compaction_style": "x"}, ValueError, "compaction_style"),
        ({"wal_recovery_mode": "x"}, ValueError, "wal_recovery_mode"),
        ({"version_retention": -1}, ValueError, "version_retention"),
        ({"version_retention": "1h"}, TypeError, "version_retention"),
        ({"value_log_gc_discard_ratio": "x"}, TypeError, "must be a number"),
        ({"bloom_bits_per_key": 2**40}, ValueError, "out of range"),
    ],
)
def test_bad_options(tmp_path, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        strata.DB(tmp_path / "bad", **kwargs)


def test_option_validation_by_library(tmp_path):
    # Values of the right type that Options::Validate refuses.
    with pytest.raises(strata.InvalidArgument):
        strata.DB(tmp_path / "v", max_background_jobs=0)


def test_open_flags(tmp_path):
    p = tmp_path / "flags"
    with pytest.raises(strata.InvalidArgument, match="create_if_missing"):
        strata.DB(p, create_if_missing=False)
    strata.DB(p).close()
    with pytest.raises(strata.InvalidArgument, match="error_if_exists"):
        strata.DB(p, error_if_exists=True)


def test_version():
    assert isinstance(strata.__version__, str)
    assert strata.__version__.count(".") == 2


def test_count(db):
    for i in range(100):
        db[b"%03d" % i] = b"v"
    assert db.count() == 100
    assert db.count(b"010", b"020") == 10
    assert db.count(b"090") == 10
    assert db.count(None, b"005") == 5
    assert db.count(b"5", b"4") == 0
    db.delete_range(b"000", b"050")
    assert db.count() == 50
