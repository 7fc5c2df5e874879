"""Checkpoints, restore, flush, compaction, checksums, stats, repair."""

import glob
import os

import pytest

import strata


def fill(db, n=1000, tag=b"v"):
    for i in range(n):
        db[b"k%05d" % i] = tag + b"%d" % i


def test_checkpoint_and_offline_restore(db, tmp_path):
    fill(db)
    db.flush()
    cp = str(tmp_path / "cp")
    meta = db.checkpoint(cp)
    assert isinstance(meta, strata.Checkpoint)
    assert meta.directory == cp
    assert meta.sequence == db.stats()["last_sequence"]
    names = [f.name for f in meta.files]
    assert "CURRENT" in names and any(n.endswith(".sst") for n in names)
    assert names == sorted(names)
    assert meta.total_bytes == sum(f.bytes for f in meta.files)
    assert all(isinstance(f.linked, bool) for f in meta.files)
    assert "Checkpoint(" in repr(meta) and "CheckpointFile(" in repr(meta.files[0])
    with pytest.raises(strata.InvalidArgument):
        db.checkpoint(cp)  # exists
    with strata.DB(cp) as c:
        assert c.count() == 1000
    target = str(tmp_path / "restored")
    strata.restore(cp, target)
    with strata.DB(target) as r:
        assert r[b"k00010"] == b"v10"


def test_online_restore(db, tmp_path):
    fill(db, 100, b"old")
    cp = str(tmp_path / "cp")
    db.checkpoint(cp)
    fill(db, 200, b"new")
    it = db.keys()
    snap = db.snapshot()
    db.restore(cp)
    assert db[b"k00001"] == b"old1"
    assert db.count() == 100
    with pytest.raises(strata.InvalidArgument):
        snap[b"k00001"]
    with pytest.raises(strata.InvalidArgument):
        list(it)


def test_restore_bad_checkpoint_changes_nothing(db, tmp_path):
    fill(db, 10)
    with pytest.raises(strata.Error):
        db.restore(str(tmp_path / "nowhere"))
    assert db.count() == 10


def test_flush_compact_verify_flush_wal(db):
    fill(db, 3000)
    db.flush()
    assert db.stats()["num_entries_active_mem_table"] == 0
    fill(db, 3000, b"w")
    db.flush()
    db.compact_range()
    db.compact_range(b"k00010", b"k00020")
    db.compact_range(start=b"k00100")
    db.compact_range(stop=b"k00100")
    db.verify_checksums()
    db.flush_wal()
    db.flush_wal(sync=False)
    assert db[b"k00002"] == b"w2"
    assert db.count() == 3000


def test_stats_and_property(db):
    fill(db, 500)
    db.flush()
    db.get(b"k00001")
    s = db.stats()
    for name in ("last_sequence", "estimate_num_keys", "total_sst_bytes",
                 "mem_usage", "block_cache_usage", "num_snapshots",
                 "num_flushes", "num_immutable_mem_table", "stall_micros"):
        assert isinstance(s[name], int), name
    assert s["last_sequence"] == 500
    assert s["num_flushes"] == 1
    assert s["total_sst_bytes"] > 0
    assert isinstance(s["background_work_pending"], bool)
    assert sum(s["files_at_level"]) >= 1
    assert all(isinstance(n, int) for n in s["files_at_level"])
    assert s["lost_files"] == []
    c = s["counters"]
    assert c["user.bytes.written"] > 0
    assert c["get.micros"]["count"] == 1
    assert c["get.micros"]["timed"] in (0, 1)
    assert isinstance(c["get.micros"]["avg"], float)
    assert "Level" in db.property("strata.stats") or db.property("strata.stats")
    assert db.property("strata.last-sequence") == "500"
    assert db.property("no.such.property") is None


def test_destroy(db_path):
    with strata.DB(db_path) as d:
        d[b"a"] = b"1"
    strata.destroy(db_path)
    assert not os.path.exists(os.path.join(db_path, "CURRENT"))
    strata.destroy(db_path)  # nothing there: fine
    with strata.DB(db_path) as d:
        assert d.count() == 0


def test_repair(db_path):
    with strata.DB(db_path) as d:
        fill(d, 200)
        d.flush()
        fill(d, 50, b"late")
    for m in glob.glob(os.path.join(db_path, "MANIFEST-*")):
        os.remove(m)
    os.remove(os.path.join(db_path, "CURRENT"))
    report = strata.repair(db_path)
    assert isinstance(report, strata.RepairReport)
    assert report.tables_kept >= 1
    assert isinstance(report.notes, list) and report.notes
    with strata.DB(db_path) as d:
        assert d.count() == 200
        assert d[b"k00001"] == b"late1"
    with pytest.raises(TypeError):
        strata.repair(db_path, bogus=True)
