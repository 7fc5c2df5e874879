"""Versioned DBs: as_of reads, history, put_at and delete_at."""

import datetime

import pytest

import strata


def test_as_of_and_history(vdb):
    vdb.put_at(b"k", b"v1", 1_000)
    vdb.put_at(b"k", b"v2", 2_000)
    vdb.delete_at(b"k", 3_000)
    vdb.put_at(b"k", b"v4", 4_000)
    vdb.put_at(b"j", b"j1", 1_500)
    assert vdb.get(b"k", as_of=999) is None
    assert vdb.get(b"k", as_of=1_000) == b"v1"
    assert vdb.get(b"k", as_of=2_999) == b"v2"
    assert vdb.get(b"k", as_of=3_500) is None
    assert vdb[b"k"] == b"v4"
    assert list(vdb.items(as_of=2_000)) == [(b"j", b"j1"), (b"k", b"v2")]
    assert list(vdb.keys(as_of=3_000)) == [b"j"]
    assert list(vdb.values(as_of=1_200)) == [b"v1"]
    assert vdb.count(as_of=1_200) == 1

    assert list(vdb.history()) == [
        (b"j", 1_500, b"j1"),
        (b"k", 4_000, b"v4"),
        (b"k", 2_000, b"v2"),
        (b"k", 1_000, b"v1"),
    ]
    assert list(vdb.history(b"k", include_deleted=True)) == [
        (b"k", 4_000, b"v4"),
        (b"k", 3_000, None),
        (b"k", 2_000, b"v2"),
        (b"k", 1_000, b"v1"),
    ]
    assert list(vdb.history(b"k", since=1_500, until=3_000,
                            include_deleted=True)) == [
        (b"k", 3_000, None),
        (b"k", 2_000, b"v2"),
    ]
    assert len(list(vdb.history(limit=2))) == 2
    assert list(vdb.history(None, b"k")) == [(b"j", 1_500, b"j1")]
    assert list(vdb.history(reverse=True))[0] == (b"k", 1_000, b"v1")
    vdb.flush()
    vdb.compact_range()
    assert vdb.get(b"k", as_of=2_500) == b"v2"


def test_commit_timestamps_increase(vdb):
    vdb[b"a"] = b"1"
    vdb[b"a"] = b"2"
    (_, t2, v2), (_, t1, v1) = list(vdb.history())
    assert t2 > t1 > 0 and (v2, v1) == (b"2", b"1")
    assert vdb.get(b"a", as_of=t1) == b"1"
    assert vdb.stats()["last_timestamp"] == t2


def test_datetime_timestamps(vdb):
    utc = datetime.timezone.utc
    when = datetime.datetime(2020, 5, 17, 12, 0, 0, 123456, tzinfo=utc)
    ns = 1589716800_123456000
    vdb.put_at(b"k", b"then", when)
    assert list(vdb.history()) == [(b"k", ns, b"then")]
    assert vdb.get(b"k", as_of=when) == b"then"
    assert vdb.get(b"k", as_of=when - datetime.timedelta(microseconds=1)) is None
    # A naive datetime is local time, as datetime.timestamp() says.
    naive = datetime.datetime(2021, 1, 1, 0, 0, 0)
    vdb.put_at(b"n", b"x", naive)
    (_, ts, _), = list(vdb.history(b"n"))
    assert ts == int(naive.timestamp()) * 1_000_000_000
    with pytest.raises(ValueError, match="epoch"):
        vdb.put_at(b"k", b"v", datetime.datetime(1960, 1, 1, tzinfo=utc))


def test_snapshot_as_of(vdb):
    vdb.put_at(b"k", b"v1", 1_000)
    with vdb.snapshot() as s:
        vdb.put_at(b"k", b"v2", 2_000)
        assert s[b"k"] == b"v1"
        assert s.get(b"k", as_of=2_500) == b"v1"
        assert list(s.items(as_of=500)) == []
    assert vdb.get(b"k", as_of=2_500) == b"v2"


def test_delete_at_and_retention(tmp_path):
    with strata.DB(tmp_path / "r", enable_versioning=True,
                   version_retention=datetime.timedelta(hours=1)) as d:
        d[b"k"] = b"v"
        with pytest.raises(strata.InvalidArgument, match="retention horizon"):
            d.get(b"k", as_of=1)


# 2**64 - 1 nanoseconds after the epoch: the last instant a timestamp holds.
LAST_NS = 2**64 - 1
LAST = datetime.datetime(2554, 7, 21, 23, 34, 33, 709551,
                         tzinfo=datetime.timezone.utc)


def test_datetime_timestamps_out_of_range(vdb):
    utc = datetime.timezone.utc
    far = datetime.datetime(2600, 1, 1, tzinfo=utc)
    # Once wrapped around modulo 2**64 (a 2015 timestamp stored silently).
    for call in (lambda: vdb.put_at(b"k", b"far", far),
                 lambda: vdb.delete_at(b"k", far),
                 lambda: vdb.transaction().put_at(b"k", b"far", far),
                 lambda: vdb.write_batch().put_at(b"k", b"far", far)):
        with pytest.raises(ValueError, match=r"^ts .*2554"):
            call()
    with pytest.raises(ValueError, match="^as_of "):
        vdb.get(b"k", as_of=far)
    with pytest.raises(ValueError, match="^since "):
        vdb.history(since=far)
    with pytest.raises(ValueError, match="^ts "):
        vdb.put_at(b"k", b"v", LAST + datetime.timedelta(microseconds=1))
    with pytest.raises(ValueError, match="^ts "):
        vdb.put_at(b"k", b"v", datetime.datetime.max.replace(tzinfo=utc))
    for bad in (2**64, -1):
        with pytest.raises(ValueError, match="^ts "):
            vdb.put_at(b"k", b"v", bad)
    with pytest.raises(ValueError, match="^ts .*epoch"):
        vdb.put_at(b"k", b"v", datetime.datetime(1969, 12, 31, 23, 59, 59,
                                                 999999, tzinfo=utc))
    assert list(vdb.history(include_deleted=True)) == []
    # The edges themselves convert exactly.
    # (The library's timestamps start at 1 ns.)
    vdb.put_at(b"k", b"first",
               datetime.datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=utc))
    vdb.put_at(b"k", b"late", datetime.datetime(2500, 1, 1, tzinfo=utc))
    assert [t for _, t, _ in vdb.history(b"k")] == [16725225600 * 10**9, 1000]
    assert vdb.get(b"k", as_of=LAST) == b"late"
    assert vdb.get(b"k", as_of=LAST_NS) == b"late"


@pytest.mark.parametrize("retention", [
    datetime.timedelta(days=999_999_999),   # overflowed int64 nanoseconds
    datetime.timedelta(days=106_752),        # just past 2**63 - 1 ns
    datetime.timedelta(days=-1),
    10**400,                                 # not even a float
    1e300,
    -1,
    float("nan"),
])
def test_duration_out_of_range(tmp_path, retention):
    with pytest.raises(ValueError, match="^version_retention "):
        strata.DB(tmp_path / "d", enable_versioning=True,
                  version_retention=retention)


def test_duration_limits(tmp_path):
    # The largest timedelta that fits int64 nanoseconds is accepted.
    with strata.DB(tmp_path / "d", enable_versioning=True,
                   version_retention=datetime.timedelta(days=106_751)) as d:
        d[b"k"] = b"v"
