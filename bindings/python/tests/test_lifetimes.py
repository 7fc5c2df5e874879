"""Lifetimes from Python: close with live children, collection order,
threads racing close, and the GIL released around calls."""

import gc
import os
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
            except strata.InvalidArgument as e:
                # Only the close may end a call, and `closed` says so by
                # then. Recorded, not raised: an exception escaping a
                # thread is only a warning to pytest.
                if not db.closed or "DB is closed" not in str(e):
                    errors.append(("closed=%s" % db.closed, e))
                    return
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


def test_closed_is_set_before_children_are_ended(db_path):
    # A big memtable: close() flushes it, which takes a while after the
    # children are ended. A thread watching them must find `closed` set
    # as soon as it sees them ended.
    db = strata.DB(db_path, write_buffer_size=256 << 20)
    value = b"v" * 1000
    with db.write_batch() as b:
        for i in range(20000):
            b.put(b"%08d" % i, value)
    txn = db.transaction()
    snap = db.snapshot()
    seen = {}

    def watch():
        while not (txn.ended and snap.released):
            pass
        seen["closed"] = db.closed

    t = threading.Thread(target=watch)
    t.start()
    db.close()
    t.join()
    assert seen == {"closed": True}


def test_close_is_not_starved_by_readers(db_path):
    """Readers that always overlap keep a reader-preferring lock held
    forever; close() must stop new calls and finish."""
    db = strata.DB(db_path)
    fill(db, 20000)
    db.flush()
    stop = threading.Event()
    calls = [0]
    errors = []

    def reader():
        while not stop.is_set():
            try:
                db.count()  # holds the DB lock shared for a while
                calls[0] += 1
            except strata.InvalidArgument as e:
                if not db.closed:
                    errors.append(e)
                return
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    readers = [threading.Thread(target=reader) for _ in range(8)]
    for t in readers:
        t.start()
    deadline = time.monotonic() + 10
    while calls[0] < 20 and time.monotonic() < deadline:
        time.sleep(0.001)
    closer = threading.Thread(target=db.close)
    closer.start()
    closer.join(timeout=5)
    starved = closer.is_alive()
    stop.set()  # lets a starved close() finish
    closer.join()
    for t in readers:
        t.join()
    assert not starved, "close() waited for 5 s behind steady readers"
    assert not errors, errors
    assert db.closed


def test_calls_are_refused_while_close_waits(db_path):
    """While close() waits for a call in flight, a new call raises at once
    instead of joining the readers (which, with a reader-preferring lock,
    is how a stream of them starves close())."""
    db = strata.DB(db_path, write_buffer_size=8 << 20)
    block = os.urandom(256 << 10)  # incompressible: compaction has work
    for i in range(128):  # 32 MiB over a few tables
        db[b"%04d" % i] = block
    db.flush()
    state = {"compacting": False, "done": False}

    def compact():
        state["compacting"] = True
        try:
            db.compact_range()  # rewrites it all, holding the DB lock
        finally:
            state["done"] = True

    compactor = threading.Thread(target=compact)
    compactor.start()
    while not state["compacting"]:
        time.sleep(0.001)
    time.sleep(0.01)  # into the call
    closer = threading.Thread(target=db.close)
    closer.start()
    # close() marks the DB closed as it starts (50 ms is plenty for the
    # thread to get there; without the mark, the wait is all there is).
    deadline = time.monotonic() + 0.05
    while not db.closed and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.01)  # close() is waiting for the lock by now
    outcome = None
    try:
        db.get(b"0001")
        outcome = "ran"
    except strata.InvalidArgument as e:
        outcome = str(e)
    compacting = not state["done"]
    compactor.join()
    closer.join()
    assert compacting, "the compaction ended too soon for the test"
    assert outcome is not None and "DB is closed" in outcome, outcome


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
def test_gil_is_released_during_calls(tmp_path, op):
    """One call of `op` in a worker thread; the main thread must run while
    it is in progress.

    Why it cannot pass unless the call releases the GIL: with a switch
    interval of 1000 s no thread is ever asked to drop the GIL, so the
    main thread (waiting for it since t.start()) gets it only when the
    worker releases it voluntarily, by blocking. The worker does nothing
    that blocks except the library call under test: `in_call` is set
    just before that call and cleared right after it, with the GIL held
    throughout (any setup, such as the writes flush() needs, is done
    before). So the main thread either runs inside the call, where it sees
    `in_call` True, or only after the call has returned and the worker has
    cleared `in_call` (or ended). The data makes each call last
    milliseconds, longer than the main thread takes to wake when the GIL
    is let go on an idle machine; on a loaded one the main thread may not
    be scheduled within one call, so the call is repeated (up to 20
    times) until the main thread has run inside one. Without the release
    no repetition can pass.
    """
    db = strata.DB(str(tmp_path / "db"), write_buffer_size=4 << 20)
    value = b"v" * 200
    with db.write_batch() as b:
        for i in range(40000):
            b.put(b"%08d" % i, value)
    db.flush()
    attempt = [0]

    def prepare():
        attempt[0] += 1
        if op == "flush":
            with db.write_batch() as b:  # a memtable to flush, written first
                for i in range(40000, 60000):
                    b.put(b"%08d" % i, value)

    calls = {
        "verify_checksums": db.verify_checksums,
        "count": db.count,
        "compact_range": db.compact_range,
        "checkpoint": lambda: db.checkpoint(
            str(tmp_path / ("cp%d" % attempt[0]))),
        "flush": db.flush,
        "items": lambda: list(db.items()),
    }
    call = calls[op]
    errors = []
    seen = False
    timed_out = False
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        for _ in range(20):
            prepare()
            state = {"in_call": False, "done": False}

            def work(state=state):
                try:
                    state["in_call"] = True
                    call()
                except BaseException as e:  # noqa: BLE001 - reported below
                    errors.append(e)
                finally:
                    state["in_call"] = False
                    state["done"] = True

            t = threading.Thread(target=work)
            t.start()
            deadline = time.monotonic() + 60
            while not state["done"]:
                if state["in_call"]:
                    seen = True
                if time.monotonic() > deadline:
                    timed_out = True
                    break
                time.sleep(0)  # lets the worker have the GIL back
            t.join(timeout=60)
            if seen or timed_out or errors:
                break
    finally:
        sys.setswitchinterval(old)
    if not timed_out:
        db.close()  # else the call is still running: close() would wait
    assert not timed_out, "%s did not finish in 60 s" % op
    assert not errors, errors
    assert seen, "the main thread never ran during %s()" % op
