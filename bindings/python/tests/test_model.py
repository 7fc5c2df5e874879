"""A stateful property test: strata against a dict model, with flushes,
compactions, reopens, batches, transactions and snapshots mixed in."""

import shutil
import tempfile

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

import strata

# Few distinct keys, so that writes collide; 0xff bytes exercise prefixes.
keys = st.binary(min_size=1, max_size=3).map(
    lambda b: bytes(c % 4 if c < 250 else 0xff for c in b))
values = st.binary(max_size=12)


def model_range(model, start=None, stop=None, prefix=None):
    return [(k, model[k]) for k in sorted(model)
            if (start is None or k >= start) and (stop is None or k < stop)
            and (prefix is None or k.startswith(prefix))]


class DBMachine(RuleBasedStateMachine):
    snapshots = Bundle("snapshots")
    # Where each example's DB goes: set under pytest's basetemp by the
    # fixture below (None: the system's temporary directory).
    base = None

    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="model-", dir=self.base)
        self.path = self.dir + "/db"
        self.options = dict(write_buffer_size=64 << 10,
                            level0_compaction_trigger=2,
                            level0_idle_compaction_ms=0)
        try:
            self.db = strata.DB(self.path, **self.options)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.model = {}
        self.live_snapshots = []

    def teardown(self):
        try:
            self.db.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @rule(k=keys, v=values)
    def put(self, k, v):
        self.db[k] = v
        self.model[k] = v

    @rule(k=keys)
    def delitem(self, k):
        # A mapping's del: KeyError for an absent key.
        if k in self.model:
            del self.db[k]
            del self.model[k]
        else:
            with pytest.raises(KeyError):
                del self.db[k]

    @rule(k=keys)
    def delete(self, k):
        self.db.delete(k)  # blind: an absent key is fine
        self.model.pop(k, None)

    @rule(a=keys, b=keys)
    def delete_range(self, a, b):
        if a == b:
            return
        a, b = min(a, b), max(a, b)
        self.db.delete_range(a, b)
        for k in [k for k in self.model if a <= k < b]:
            del self.model[k]

    @rule(ops=st.lists(st.tuples(st.booleans(), keys, values), max_size=8),
          fail=st.booleans())
    def batch(self, ops, fail):
        try:
            with self.db.write_batch() as b:
                for is_put, k, v in ops:
                    if is_put:
                        b.put(k, v)
                    else:
                        b.delete(k)
                if fail:
                    raise KeyboardInterrupt  # not an Exception: still dropped
        except KeyboardInterrupt:
            return
        for is_put, k, v in ops:
            if is_put:
                self.model[k] = v
            else:
                self.model.pop(k, None)

    @rule(ops=st.lists(st.tuples(st.sampled_from(["put", "del", "get"]), keys,
                                 values), max_size=8),
          fail=st.booleans())
    def transaction(self, ops, fail):
        view = dict(self.model)
        try:
            with self.db.transaction() as t:
                for op, k, v in ops:
                    if op == "put":
                        t[k] = v
                        view[k] = v
                    elif op == "del":
                        del t[k]
                        view.pop(k, None)
                    else:
                        assert t.get(k) == view.get(k)
                assert list(t.items()) == model_range(view)
                if fail:
                    raise ValueError("roll back")
        except ValueError:
            return
        self.model = view

    @rule()
    def flush(self):
        self.db.flush()

    @rule(a=st.none() | keys, b=st.none() | keys)
    def compact(self, a, b):
        if a is not None and b is not None and a > b:
            a, b = b, a
        self.db.compact_range(a, b)

    @rule()
    def reopen(self):
        self.db.close()
        self.live_snapshots.clear()  # the close released them
        self.db = strata.DB(self.path, **self.options)

    @rule(target=snapshots)
    def take_snapshot(self):
        snap = self.db.snapshot()
        self.live_snapshots.append(snap)
        return (snap, dict(self.model))

    @rule(s=snapshots)
    def check_snapshot(self, s):
        snap, model = s
        if snap not in self.live_snapshots:
            return
        assert list(snap.items()) == model_range(model)
        for k in list(model)[:3]:
            assert snap[k] == model[k]

    @rule(k=keys)
    def get(self, k):
        assert self.db.get(k) == self.model.get(k)
        assert (k in self.db) == (k in self.model)

    @rule(a=st.none() | keys, b=st.none() | keys, prefix=st.none() | keys,
          reverse=st.booleans())
    def scan(self, a, b, prefix, reverse):
        want = model_range(self.model, a, b, prefix)
        if reverse:
            want.reverse()
        assert list(self.db.items(a, b, reverse, prefix)) == want
        assert list(self.db.keys(a, b, reverse, prefix)) == [k for k, _ in want]
        if prefix is None:
            assert self.db.count(a, b) == len(want)

    @invariant()
    def full_scan_matches(self):
        assert list(self.db.items()) == model_range(self.model)


DBMachine.TestCase.settings = settings(max_examples=100,
                                       stateful_step_count=50)
TestDBModel = DBMachine.TestCase


@pytest.fixture(autouse=True, scope="module")
def _model_base(tmp_path_factory):
    DBMachine.base = str(tmp_path_factory.mktemp("model"))
    yield
    DBMachine.base = None
