"""Lifetimes from Python: close with live children, collection order,
threads racing close, and the GIL released around calls."""

import gc
import sys
import threading
import time

import pytest

import strata


def fill(db, n):
    with db.write_batch() as b:
        for i in range(n):
            b.put(b"%06d" % i, b"value-%06d" % i)


def test_close_invalidates_live_children(db_path):
    db = strata.DB(db_path)
    fill(db, 1000)
    it = db.items()
    assert next(it) == (b"000000", b"value-000000")  # read ahead: buffered
    keys = db.keys(reverse=True)
    snap = db.snapshot()
    txn = db.transaction()
    txn[b"pending"] = b"x"
    txn_it = txn.keys()
    batch = db.write_batch()
    batch.put(b"b", b"1")
    db.close()
    for call in (
        lambda: next(it),
        lambda: next(keys),
        lambda: snap[b"000001"],
        lambda: snap.items(),
        lambda: txn.get(b"pending"),
        lambda: txn.put(b"k", b"v"),
        lambda: txn.commit(),
        lambda: next(txn_it),
        lambda: batch.write(),
    ):
        with pytest.raises(strata.InvalidArgument, match="DB is closed"):
            call()
    # Releasing, rolling back or closing what the close ended is harmless.
    snap.release()
    it.close()
    assert snap.released and txn.ended
    with pytest.raises(strata.InvalidArgument):
        txn.rollback()
    db.close()
    # The rolled-back transaction wrote nothing.
    with strata.DB(db_path) as again:
        assert b"pending" not in again and b"b" not in again
        assert again.count() == 1000


def test_context_managers_after_close(db_path):
    db = strata.DB(db_path)
    txn = db.transaction()
    snap = db.snapshot()
    db.close()
    with pytest.raises(strata.InvalidArgument):
        with txn:
            pass
    with snap:
        pass  # release of an ended snapshot is fine


def test_iterator_outlives_db_variable(db_path):
    db = strata.DB(db_path)
    fill(db, 500)
    it = db.items()
    snap = db.snapshot()
    del db
    gc.collect()
    # The iterator and snapshot keep the DB open.
    assert len(list(it)) == 500
    assert snap[b"000001"] == b"value-000001"
    del snap, it
    gc.collect()
    # Everything is gone: the DB was closed, so it opens again.
    with strata.DB(db_path) as db2:
        assert db2.count() == 500


@pytest.mark.parametrize("order", ["children-first", "db-first", "reverse"])
def test_collection_order_does_not_matter(db_path, order):
    db = strata.DB(db_path)
    fill(db, 100)
    objs = [db.items(), db.snapshot(), db.transaction(), db.write_batch(),
            db.transaction().keys()]
    db.close()
    if order == "children-first":
        del objs
        gc.collect()
        del db
    elif order == "db-first":
        del db
        gc.collect()
        del objs
    else:
        objs.reverse()
        while objs:
            objs.pop()
            gc.collect()
        del db
    gc.collect()
    strata.DB(db_path).close()


def test_children_collected_with_db_open(db_path):
    db = strata.DB(db_path)
    fill(db, 10)
    for _ in range(200):
        it = db.items()
        next(it)
        s = db.snapshot()
        t = db.transaction()
        t[b"x"] = b"y"
        tk = t.keys()
        del it, s, t, tk
    gc.collect()
    assert db.stats()["num_snapshots"] == 0
    assert b"x" not in db  # collected transactions roll back
    db.close()


def test_threads_racing_close(db_path):
    db = strata.DB(db_path, write_buffer_size=256 << 10)
    fill(db, 2000)
    stop = threading.Event()
    errors = []
    calls = [0]

    def worker(seed):
        i = seed
        while not stop.is_set():
            i += 1
            try:
                op = i % 8
                if op == 0:
                    db.put(b"%06d" % (i % 3000), b"w%d" % i)
                elif op == 1:
                    db.get(b"%06d" % (i % 3000))
                elif op == 2:
                    for _ in db.items(b"%06d" % (i % 2000), None):
                        pass
                elif op == 3:
                    with db.snapshot() as s:
                        s.get(b"000001")
                        list(s.keys(b"000100", b"000200"))
                elif op == 4:
                    with db.transaction() as t:
                        t[b"t%d" % (i % 50)] = b"x"
                        list(t.keys(b"000000", b"000050"))
                elif op == 5:
                    with db.write_batch() as b:
                        b.put(b"b%d" % i, b"1")
                elif op == 6:
                    db.count(b"000000", b"000500")
                else:
                    db.stats()
                calls[0] += 1
            except strata.Conflict:
                pass  # two workers' transactions met: no failure
            except strata.InvalidArgument:
                if not db.closed:
                    raise
                if stop.is_set():
                    return
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=worker, args=(k * 1000,))
               for k in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while calls[0] < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    db.close()
    time.sleep(0.05)  # calls after the close fail cleanly
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors
    assert calls[0] >= 200
    with pytest.raises(strata.InvalidArgument):
        db.get(b"000001")


def test_concurrent_next_on_one_iterator_never_crashes(db):
    fill(db, 20000)
    it = db.items()
    seen = []
    errors = []

    def consume():
        while True:
            try:
                seen.append(next(it))
            except StopIteration:
                return
            except ValueError as e:  # "iterator already executing"
                assert "already executing" in str(e)
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                return

    threads = [threading.Thread(target=consume) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(seen) == [(b"%06d" % i, b"value-%06d" % i)
                            for i in range(20000)]


@pytest.mark.parametrize("op", ["verify_checksums", "count", "compact_range",
                                "checkpoint", "flush", "items"])
def test_gil_is_released_during_calls(db, tmp_path, op):
    """With a long switch interval the worker keeps the GIL unless a call
    lets it go, so the main thread runs while `in_call` is set only if the
    calls release the GIL."""
    fill(db, 30000)
    db.flush()
    calls = {
        "verify_checksums": db.verify_checksums,
        "count": db.count,
        "compact_range": db.compact_range,
        "checkpoint": lambda: db.checkpoint(str(tmp_path / ("cp%d" % time.monotonic_ns()))),
        "flush": lambda: (fill(db, 30000), db.flush()),
        "items": lambda: list(db.items()),
    }
    call = calls[op]
    state = {"in_call": False, "done": False, "seen": False}

    def work():
        # Until the main thread has run during a call (or 100 calls: a
        # busy machine may not schedule it during every one).
        for _ in range(100):
            state["in_call"] = True
            call()
            state["in_call"] = False
            if state["seen"]:
                break
        state["done"] = True

    old = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    observed = 0
    try:
        t = threading.Thread(target=work)
        t.start()
        while not state["done"]:
            if state["in_call"]:
                observed += 1
                state["seen"] = True
            time.sleep(0)  # lets the worker have the GIL back
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert observed > 0
