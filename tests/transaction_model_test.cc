// Randomized model test of transactions (issue 15). A seeded driver keeps
// several transactions open at once and interleaves their steps, one call
// at a time, with plain writes, flushes and compactions; a model executes
// the committed ones serially in commit order. Checked:
//  - every read of every transaction (Get, GetForUpdate, iterators in both
//    directions with bounds, Count) against its snapshot plus its own
//    writes, savepoints included;
//  - every commit's outcome, exactly: Busy if and only if a key it wrote
//    (or, serializable, read or scanned, phantoms included) was written by
//    a commit after its snapshot; a transaction that wrote nothing commits;
//  - the DB's state against the model's after every commit.
// Runs with the commit index at its default bound and at a bound so small
// that commits decide from the tree. Each run prints its seed;
// STRATA_SEED=<seed> replays it.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/transaction.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr uint64_t kDefaultSeed = 0x7a5c7105;
using State = std::map<std::string, std::string>;

// What a committed write touched, at which commit.
struct Written {
  std::map<std::string, uint64_t> keys;  // key -> last commit writing it
  struct Range {
    std::string begin, end;
    uint64_t commit;
  };
  std::vector<Range> ranges;
  bool KeyAfter(const std::string& k, uint64_t after) const {
    auto it = keys.find(k);
    if (it != keys.end() && it->second > after) return true;
    for (const Range& r : ranges) {
      if (r.commit > after && r.begin <= k && k < r.end) return true;
    }
    return false;
  }
  // [lo, hi) (empty: open) met by a write after `after`.
  bool RangeAfter(const std::string& lo, const std::string& hi,
                  uint64_t after) const {
    for (const auto& [k, c] : keys) {
      if (c > after && k >= lo && (hi.empty() || k < hi)) return true;
    }
    for (const Range& r : ranges) {
      if (r.commit > after && r.end > lo && (hi.empty() || r.begin < hi)) {
        return true;
      }
    }
    return false;
  }
};

struct Op {
  enum Kind { kPut, kDelete, kDeleteRange } kind;
  std::string a, b;
};

void Apply(const Op& op, State* s) {
  switch (op.kind) {
    case Op::kPut:
      (*s)[op.a] = op.b;
      break;
    case Op::kDelete:
      s->erase(op.a);
      break;
    case Op::kDeleteRange:
      s->erase(s->lower_bound(op.a), s->lower_bound(op.b));
      break;
  }
}

struct Open {
  std::unique_ptr<Transaction> txn;
  IsolationLevel isolation;
  uint64_t snapshot = 0;  // commits visible to it
  std::vector<Op> ops;
  std::vector<std::string> checked_keys;  // reads under the check
  std::vector<std::pair<std::string, std::string>> scanned;
  struct Save {
    size_t ops, keys, scanned;
  };
  std::vector<Save> saves;
};

class Driver {
 public:
  Driver(uint64_t seed, size_t index_bytes) : rnd_(seed), env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.write_buffer_size = 64 << 10;
    options_.max_transaction_index_bytes = index_bytes;
  }

  void Run(int steps) {
    ASSERT_OK(DB::Open(options_, "/db", &db_));
    states_.push_back(State());
    for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) Step();
    while (!open_.empty()) {
      open_.back().txn.reset();  // rolls back
      open_.pop_back();
    }
    ASSERT_OK(db_->Close());
  }

 private:
  std::string Key() {
    return "k" + std::to_string(rnd_.Uniform(30) + 10);  // k10..k39
  }
  const State& Latest() const { return states_.back(); }

  // Its snapshot plus its own writes.
  State View(const Open& t) const {
    State s = states_[t.snapshot];
    for (const Op& op : t.ops) Apply(op, &s);
    return s;
  }

  void Commit(const std::vector<Op>& ops) {
    State s = Latest();
    const uint64_t commit = states_.size();
    for (const Op& op : ops) {
      Apply(op, &s);
      if (op.kind == Op::kDeleteRange) {
        written_.ranges.push_back({op.a, op.b, commit});
      } else {
        written_.keys[op.a] = commit;
      }
    }
    states_.push_back(std::move(s));
  }

  void CheckDb() {
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
    State got;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      got[it->key().ToString()] = it->value().ToString();
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(Latest(), got);
  }

  void Step() {
    const uint64_t r = rnd_.Uniform(100);
    if (r < 12 && open_.size() < 5) {
      Begin();
    } else if (r < 20) {
      PlainWrite();
    } else if (r < 22) {
      ASSERT_OK(db_->Flush());
    } else if (r < 23) {
      ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    } else if (!open_.empty()) {
      const size_t i = rnd_.Uniform(open_.size());
      if (r < 33) {
        CommitOne(i);
      } else if (r < 35) {
        ASSERT_OK(open_[i].txn->Rollback());
        open_.erase(open_.begin() + static_cast<long>(i));
      } else {
        TxnStep(&open_[i]);
      }
    }
  }

  void Begin() {
    Open t;
    t.isolation = rnd_.OneIn(2) ? IsolationLevel::kSerializable
                                : IsolationLevel::kSnapshot;
    TransactionOptions o;
    o.isolation = t.isolation;
    t.txn = db_->BeginTransaction(WriteOptions(), o);
    t.snapshot = states_.size() - 1;
    open_.push_back(std::move(t));
  }

  Op RandomOp() {
    Op op;
    const uint64_t k = rnd_.Uniform(10);
    op.kind = k < 6 ? Op::kPut : k < 9 ? Op::kDelete : Op::kDeleteRange;
    op.a = Key();
    if (op.kind == Op::kPut) op.b = "v" + std::to_string(++values_);
    if (op.kind == Op::kDeleteRange) {
      op.b = Key();
      if (op.b < op.a) std::swap(op.a, op.b);
      if (op.a == op.b) op.b += "~";
    }
    return op;
  }

  void PlainWrite() {
    const Op op = RandomOp();
    switch (op.kind) {
      case Op::kPut:
        ASSERT_OK(db_->Put(WriteOptions(), op.a, op.b));
        break;
      case Op::kDelete:
        ASSERT_OK(db_->Delete(WriteOptions(), op.a));
        break;
      case Op::kDeleteRange:
        ASSERT_OK(db_->DeleteRange(WriteOptions(), op.a, op.b));
        break;
    }
    Commit({op});
  }

  void CommitOne(size_t i) {
    Open& t = open_[i];
    bool conflict = false;
    if (!t.ops.empty()) {
      for (const Op& op : t.ops) {
        conflict |= op.kind == Op::kDeleteRange
                        ? written_.RangeAfter(op.a, op.b, t.snapshot)
                        : written_.KeyAfter(op.a, t.snapshot);
      }
      for (const std::string& k : t.checked_keys) {
        conflict |= written_.KeyAfter(k, t.snapshot);
      }
      for (const auto& [lo, hi] : t.scanned) {
        conflict |= written_.RangeAfter(lo, hi, t.snapshot);
      }
    }
    const Status s = t.txn->Commit();
    if (conflict) {
      ASSERT_TRUE(s.IsBusy()) << "expected a conflict: " << s.ToString();
    } else {
      ASSERT_OK(s);
      if (!t.ops.empty()) Commit(t.ops);
    }
    open_.erase(open_.begin() + static_cast<long>(i));
    CheckDb();
  }

  void TxnStep(Open* t) {
    const uint64_t r = rnd_.Uniform(100);
    const bool serializable = t->isolation == IsolationLevel::kSerializable;
    if (r < 35) {
      const Op op = RandomOp();
      Status s;
      switch (op.kind) {
        case Op::kPut:
          s = t->txn->Put(op.a, op.b);
          break;
        case Op::kDelete:
          s = t->txn->Delete(op.a);
          break;
        case Op::kDeleteRange:
          s = t->txn->DeleteRange(op.a, op.b);
          break;
      }
      ASSERT_OK(s);
      t->ops.push_back(op);
    } else if (r < 60) {
      const std::string k = Key();
      const bool for_update = rnd_.OneIn(4);
      std::string v;
      const Status s = for_update ? t->txn->GetForUpdate(ReadOptions(), k, &v)
                                  : t->txn->Get(ReadOptions(), k, &v);
      const State view = View(*t);
      auto it = view.find(k);
      if (it == view.end()) {
        ASSERT_TRUE(s.IsNotFound()) << k << ": " << s.ToString();
      } else {
        ASSERT_OK(s);
        ASSERT_EQ(it->second, v) << k;
      }
      if (for_update || serializable) t->checked_keys.push_back(k);
    } else if (r < 80) {
      Scan(t, serializable);
    } else if (r < 90) {
      t->txn->SetSavePoint();
      t->saves.push_back(
          {t->ops.size(), t->checked_keys.size(), t->scanned.size()});
    } else {
      const Status s = t->txn->RollbackToSavePoint();
      if (t->saves.empty()) {
        ASSERT_TRUE(s.IsNotFound());
        return;
      }
      ASSERT_OK(s);
      const Open::Save save = t->saves.back();
      t->saves.pop_back();
      t->ops.resize(save.ops);
      if (serializable) {
        t->checked_keys.resize(save.keys);
        t->scanned.resize(save.scanned);
      }
    }
  }

  // A whole scan of random bounds, forward or backward, or a Count.
  void Scan(Open* t, bool serializable) {
    ReadOptions ro;
    std::string lo;
    std::string hi;
    if (rnd_.OneIn(2)) lo = Key();
    if (rnd_.OneIn(2)) hi = Key();
    if (!lo.empty() && !hi.empty() && hi < lo) std::swap(lo, hi);
    if (!lo.empty()) ro.lower_bound = lo;
    if (!hi.empty()) ro.upper_bound = hi;
    const State view = View(*t);
    std::vector<std::string> want;
    for (const auto& [k, v] : view) {
      if ((lo.empty() || k >= lo) && (hi.empty() || k < hi)) {
        want.push_back(k + "=" + v);
      }
    }
    if (rnd_.OneIn(4)) {
      uint64_t count = 0;
      const std::string b = lo.empty() ? "a" : lo;
      const std::string e = hi.empty() ? "z" : hi;
      ASSERT_OK(t->txn->Count(ReadOptions(), b, e, &count));
      ASSERT_EQ(want.size(), count);
      if (serializable) t->scanned.push_back({b, e});
      return;
    }
    std::unique_ptr<Iterator> it = t->txn->NewIterator(ro);
    std::vector<std::string> got;
    if (rnd_.OneIn(2)) {
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        got.push_back(it->key().ToString() + "=" + it->value().ToString());
      }
    } else {
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
        got.insert(got.begin(),
                   it->key().ToString() + "=" + it->value().ToString());
      }
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(want, got) << "scan [" << lo << ", " << hi << ")";
    if (serializable) t->scanned.push_back({lo, hi});
  }

  internal::Random rnd_;
  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::vector<State> states_;  // after each commit; [0] empty
  Written written_;
  std::vector<Open> open_;
  uint64_t values_ = 0;
};

void RunSeeds(size_t index_bytes, int seeds, int steps) {
  const uint64_t first = TestSeed(kDefaultSeed);
  for (int i = 0; i < seeds; ++i) {
    const uint64_t seed = first + static_cast<uint64_t>(i);
    std::fprintf(stderr, "transaction model: seed %llu (index %zu bytes)\n",
                 static_cast<unsigned long long>(seed), index_bytes);
    Driver driver(seed, index_bytes);
    driver.Run(steps);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "replay with STRATA_SEED=" << seed;
      return;
    }
  }
}

TEST(TransactionModelTest, FromTheIndex) { RunSeeds(64 << 20, 6, 3000); }

TEST(TransactionModelTest, FromTheTree) { RunSeeds(1, 6, 3000); }

}  // namespace
}  // namespace strata::testing
