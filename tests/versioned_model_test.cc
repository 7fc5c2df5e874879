// Randomized model test of time travel (issue 14): a seeded driver applies
// puts, deletes, back-dated and future-dated PutAt/DeleteAt, purges,
// replaces, range deletes (at the commit time or a chosen one) and
// multi-operation batches to a versioned strata DB and to an in-memory
// model of key -> versions (timestamp, sequence, value or tombstone) plus
// the purges and replaces that hide older ones, and the range deletes:
// tombstones at (timestamp, sequence) over every key of their range. Flushes,
// compactions, reopens (replaying the WAL or not) and snapshots are mixed
// in, and the clock stands still or goes back now and then. Every so often
// the two are compared by as-of Get, as-of iteration in both directions
// with bounds, as-of Count and history scans (tombstones in or out, a
// window, a limit) at random timestamps and snapshots.
//
// Each run prints its seed; STRATA_SEED=<seed> replays it.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr uint64_t kDefaultSeed = 0x7135eed1;

// What the model knows of one key.
struct ModelKey {
  struct Version {
    uint64_t ts = 0;
    uint64_t seq = 0;
    bool deleted = false;
    std::string value;
  };
  // Hides the versions with ts <= max_ts and a sequence below seq (a purge:
  // max_ts = every timestamp; a replace: its timestamp - 1).
  struct Hide {
    uint64_t max_ts = 0;
    uint64_t seq = 0;
  };
  std::vector<Version> versions;
  std::vector<Hide> hides;
};

// One version as a reader sees it.
struct Seen {
  std::string key;
  uint64_t ts = 0;
  bool deleted = false;
  std::string value;
  bool operator==(const Seen&) const = default;
};

std::string Describe(const std::vector<Seen>& seen) {
  std::string out;
  for (const Seen& s : seen) {
    out += s.key + "@" + std::to_string(s.ts) +
           (s.deleted ? "=DEL " : "=" + s.value + " ");
  }
  return out;
}

class VersionedModel {
 public:
  // A live key's newest version as of `as_of` at sequence `seq`, a range
  // delete at a newer (timestamp, sequence) aside; nullopt if none.
  std::optional<Seen> Newest(const std::string& key, uint64_t seq,
                             uint64_t as_of) const {
    const std::vector<Seen> v = Versions(key, seq, 0, as_of);
    if (v.empty() || v.front().deleted) return std::nullopt;
    uint64_t version_seq = 0;  // the sequence of v.front()
    for (const ModelKey::Version& x : keys_.at(key).versions) {
      if (x.ts == v.front().ts && x.seq <= seq) {
        version_seq = std::max(version_seq, x.seq);
      }
    }
    for (const RangeDelete& r : range_deletes_) {
      if (r.seq > seq || r.ts > as_of || key < r.begin || key >= r.end) {
        continue;
      }
      if (r.ts > v.front().ts ||
          (r.ts == v.front().ts && r.seq > version_seq)) {
        return std::nullopt;
      }
    }
    return v.front();
  }

  // The versions of `key` a reader at sequence `seq` sees with timestamps
  // in [min_ts, max_ts]: one per timestamp (the newest sequence), newest
  // timestamp first, tombstones included.
  std::vector<Seen> Versions(const std::string& key, uint64_t seq,
                             uint64_t min_ts, uint64_t max_ts) const {
    std::vector<Seen> out;
    auto it = keys_.find(key);
    if (it == keys_.end()) return out;
    std::map<uint64_t, std::pair<uint64_t, const ModelKey::Version*>,
             std::greater<>>
        by_ts;  // ts -> (seq, version)
    for (const ModelKey::Version& v : it->second.versions) {
      if (v.seq > seq || v.ts < min_ts || v.ts > max_ts) continue;
      bool hidden = false;
      for (const ModelKey::Hide& h : it->second.hides) {
        if (h.seq <= seq && v.seq < h.seq && v.ts <= h.max_ts) hidden = true;
      }
      if (hidden) continue;
      auto [pos, inserted] = by_ts.try_emplace(v.ts, v.seq, &v);
      if (!inserted && v.seq > pos->second.first) pos->second = {v.seq, &v};
    }
    for (const auto& [ts, entry] : by_ts) {
      out.push_back(Seen{key, ts, entry.second->deleted, entry.second->value});
    }
    return out;
  }

  // The state as of `as_of` at sequence `seq`: each live key's newest
  // version, keys in [lower, upper).
  std::vector<Seen> State(uint64_t seq, uint64_t as_of,
                          const std::optional<std::string>& lower,
                          const std::optional<std::string>& upper) const {
    std::vector<Seen> out;
    for (const auto& [key, unused] : keys_) {
      if ((lower && key < *lower) || (upper && key >= *upper)) continue;
      if (auto v = Newest(key, seq, as_of)) out.push_back(*v);
    }
    return out;
  }

  std::vector<Seen> History(uint64_t seq, uint64_t min_ts, uint64_t max_ts,
                            bool include_deleted,
                            const std::optional<std::string>& lower,
                            const std::optional<std::string>& upper) const {
    std::vector<Seen> out;
    for (const auto& [key, unused] : keys_) {
      if ((lower && key < *lower) || (upper && key >= *upper)) continue;
      for (const Seen& s : Versions(key, seq, min_ts, max_ts)) {
        if (include_deleted || !s.deleted) out.push_back(s);
      }
    }
    return out;
  }

  void Add(const std::string& key, uint64_t ts, uint64_t seq, bool deleted,
           const std::string& value) {
    keys_[key].versions.push_back({ts, seq, deleted, value});
  }
  void Hide(const std::string& key, uint64_t max_ts, uint64_t seq) {
    keys_[key].hides.push_back({max_ts, seq});
  }
  void DeleteRange(const std::string& begin, const std::string& end,
                   uint64_t ts, uint64_t seq) {
    range_deletes_.push_back({begin, end, ts, seq});
  }

 private:
  struct RangeDelete {
    std::string begin;
    std::string end;
    uint64_t ts = 0;
    uint64_t seq = 0;
  };
  std::map<std::string, ModelKey> keys_;
  // History lists the versions written: range deletes are not among them.
  std::vector<RangeDelete> range_deletes_;
};

struct Config {
  uint64_t seed = 0;
  int num_ops = 0;
  bool posix = false;
  // Options::version_retention (0: none). Reads then ask only for times at
  // or after the horizon, where they must be exact, or before it, where
  // they must be refused.
  uint64_t retention_micros = 0;
};

class Driver {
 public:
  explicit Driver(const Config& config)
      : config_(config),
        rnd_(config.seed),
        base_(config.posix ? nullptr : NewMemEnv()),
        clock_(config.posix ? Env::Default() : base_.get(), 1000) {
    dbname_ = config.posix ? NewTempDir("versioned_model") : "/vdb";
    options_.env = &clock_;
    options_.enable_versioning = true;
    options_.write_buffer_size = 64 << 10;
    options_.level0_idle_compaction_ms = 0;
    options_.bloom_bits_per_key = rnd_.OneIn(4) ? 0 : 10;
    options_.block_size = rnd_.OneIn(2) ? 256 : 4096;
    options_.version_retention =
        std::chrono::microseconds(config.retention_micros);
  }

  ~Driver() {
    if (config_.posix) RemoveTempDir(dbname_);
  }

  void Run() {
    ASSERT_OK(DB::Open(options_, dbname_, &db_));
    for (int op = 0; op < config_.num_ops; ++op) {
      Step();
      if (::testing::Test::HasFatalFailure()) return;
      if (op % 200 == 199) {
        VerifyAll();
        if (::testing::Test::HasFailure()) {
          ADD_FAILURE() << "after op " << op << " (seed " << config_.seed
                        << ")";
          return;
        }
      }
    }
    VerifyAll();
    for (const auto& [seq, snapshot] : snapshots_)
      db_->ReleaseSnapshot(snapshot);
    ASSERT_OK(db_->Close());
  }

 private:
  std::string Key() { return "k" + std::to_string(rnd_.Uniform(40)); }

  // A timestamp near the history written so far: back-dated, now, or
  // slightly in the future.
  uint64_t SomeTimestamp() {
    const uint64_t span = last_ts_ + 5000;
    return 1 + rnd_.Uniform(span);
  }

  // With retention: no compaction has used a horizon above this (the
  // clock's largest reading minus the retention), so reads at or after it
  // are exact.
  uint64_t ExactFrom() const {
    const uint64_t retention = config_.retention_micros * 1000;
    return max_clock_ns_ > retention ? max_clock_ns_ - retention : 0;
  }

  // A time to read as of: SomeTimestamp(), or with retention one at or
  // after ExactFrom().
  uint64_t SomeReadTimestamp() {
    const uint64_t from = ExactFrom();
    if (from == 0) return SomeTimestamp();
    const uint64_t end = std::max(last_ts_, from) + 5000;
    return from + rnd_.Uniform(end - from);
  }

  void Step() {
    // The clock: mostly forward, sometimes still, sometimes back.
    const uint64_t r = rnd_.Uniform(20);
    if (r == 0) {
      clock_.Set(clock_.NowMicros() > 3 ? clock_.NowMicros() - 3 : 1);
    } else if (r > 2) {
      clock_.Advance(1 + rnd_.Uniform(3));
    }
    max_clock_ns_ = std::max(max_clock_ns_, clock_.NowNanos());
    const uint64_t what = rnd_.Uniform(100);
    if (what < 70) {
      Write();
    } else if (what < 75) {
      ASSERT_OK(db_->Flush());
    } else if (what < 77) {
      ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    } else if (what < 79) {
      Reopen();
    } else if (what < 82) {
      if (snapshots_.size() < 4) {
        snapshots_.emplace_back(last_seq_, db_->GetSnapshot());
      } else {
        const size_t i = rnd_.Uniform(snapshots_.size());
        db_->ReleaseSnapshot(snapshots_[i].second);
        snapshots_.erase(snapshots_.begin() + static_cast<long>(i));
      }
    } else {
      CheckOneRead();
    }
  }

  void Write() {
    WriteBatch batch;
    // Applied to the model once the write succeeds: (op, key, value, ts).
    struct Op {
      // 0 put, 1 delete, 2 put-at, 3 delete-at, 4 purge, 5 replace,
      // 6 delete-range, 7 delete-range-at ([key, value) the range)
      int kind;
      std::string key;
      std::string value;
      uint64_t ts = 0;
    };
    std::vector<Op> ops;
    const int n = rnd_.OneIn(5) ? 1 + static_cast<int>(rnd_.Uniform(5)) : 1;
    for (int i = 0; i < n; ++i) {
      Op op;
      const uint64_t k = rnd_.Uniform(100);
      op.kind = k < 40   ? 0
                : k < 52 ? 1
                : k < 74 ? 2
                : k < 84 ? 3
                : k < 90 ? 4
                : k < 96 ? 5
                : k < 98 ? 6
                         : 7;
      op.key = Key();
      op.value = "v" + std::to_string(++values_);
      if (op.kind >= 6) {
        // A range of a few keys (in the keys' string order).
        op.value = Key();
        if (op.value < op.key) std::swap(op.key, op.value);
        if (op.value == op.key) op.value += "~";
      }
      switch (op.kind) {
        case 0:
          batch.Put(op.key, op.value);
          break;
        case 1:
          batch.Delete(op.key);
          break;
        case 2:
          op.ts = SomeTimestamp();
          batch.PutAt(op.key, op.value, op.ts);
          break;
        case 3:
          op.ts = SomeTimestamp();
          batch.DeleteAt(op.key, op.ts);
          break;
        case 4:
          batch.Purge(op.key);
          break;
        case 5:
          batch.Replace(op.key, op.value);
          break;
        case 6:
          batch.DeleteRange(op.key, op.value);
          break;
        case 7:
          op.ts = SomeTimestamp();
          batch.DeleteRangeAt(op.key, op.value, op.ts);
          break;
      }
      ops.push_back(std::move(op));
    }
    WriteOptions wo;
    wo.sync = rnd_.OneIn(10);
    ASSERT_OK(db_->Write(wo, &batch));
    // One group: one commit timestamp, consecutive sequences.
    const uint64_t now = clock_.NowNanos();
    const uint64_t commit = std::max(now, last_ts_ + 1);
    last_ts_ = commit;
    for (const Op& op : ops) {
      const uint64_t seq = ++last_seq_;
      switch (op.kind) {
        case 0:
          model_.Add(op.key, commit, seq, false, op.value);
          break;
        case 1:
          model_.Add(op.key, commit, seq, true, "");
          break;
        case 2:
          model_.Add(op.key, op.ts, seq, false, op.value);
          break;
        case 3:
          model_.Add(op.key, op.ts, seq, true, "");
          break;
        case 4:
          model_.Hide(op.key, ~uint64_t{0}, seq);
          break;
        case 5:
          model_.Hide(op.key, commit - 1, seq);
          model_.Add(op.key, commit, seq, false, op.value);
          break;
        case 6:
          model_.DeleteRange(op.key, op.value, commit, seq);
          break;
        case 7:
          model_.DeleteRange(op.key, op.value, op.ts, seq);
          break;
      }
    }
  }

  void Reopen() {
    for (const auto& [seq, snapshot] : snapshots_)
      db_->ReleaseSnapshot(snapshot);
    snapshots_.clear();
    options_.flush_on_close = rnd_.OneIn(2);
    ASSERT_OK(db_->Close());
    db_.reset();
    ASSERT_OK(DB::Open(options_, dbname_, &db_));
  }

  // A read point: the latest state or a snapshot, and an as-of time.
  struct ReadPoint {
    const Snapshot* snapshot = nullptr;
    uint64_t seq = 0;
    std::optional<uint64_t> as_of;
  };
  ReadPoint SomeReadPoint() {
    ReadPoint p;
    p.seq = last_seq_;
    if (!snapshots_.empty() && rnd_.OneIn(3)) {
      const auto& s = snapshots_[rnd_.Uniform(snapshots_.size())];
      p.seq = s.first;
      p.snapshot = s.second;
    }
    if (!rnd_.OneIn(4)) p.as_of = SomeReadTimestamp();
    return p;
  }

  std::optional<std::string> SomeBound() {
    if (rnd_.OneIn(2)) return std::nullopt;
    return "k" + std::to_string(rnd_.Uniform(40));
  }

  // With retention: an as-of read before the horizon is refused.
  void CheckBeforeHorizon() {
    const uint64_t retention = config_.retention_micros * 1000;
    const uint64_t now = clock_.NowNanos();
    if (retention == 0 || now <= retention + 1) return;
    ReadOptions ro;
    ro.as_of = rnd_.Uniform(now - retention);
    std::string value;
    const Status s = db_->Get(ro, Key(), &value);
    ASSERT_TRUE(s.IsInvalidArgument())
        << "as of " << *ro.as_of << ": " << s.ToString();
    ASSERT_TRUE(db_->NewIterator(ro)->status().IsInvalidArgument());
  }

  void CheckGet(const std::string& key, const ReadPoint& p) {
    ReadOptions ro;
    ro.snapshot = p.snapshot;
    ro.as_of = p.as_of;
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    const std::optional<Seen> v =
        model_.Newest(key, p.seq, p.as_of.value_or(~uint64_t{0}));
    const std::string where = "Get(" + key + ") as of " +
                              (p.as_of ? std::to_string(*p.as_of) : "now") +
                              " at seq " + std::to_string(p.seq);
    // On a mismatch: every version of the key, in the model and the DB.
    const auto dump = [&] {
      ReadOptions all;
      all.all_versions = true;
      all.include_deleted = true;
      all.lower_bound = key;
      all.upper_bound = key + '\0';
      std::vector<Seen> db_versions;
      std::vector<Seen> unused;
      Scan(all, &db_versions, &unused);
      return "\n  model: " +
             Describe(model_.Versions(key, p.seq, 0, ~uint64_t{0})) +
             "\n  db:    " + Describe(db_versions) + "\n  exact from " +
             std::to_string(ExactFrom());
    };
    if (v) {
      ASSERT_TRUE(s.ok()) << where << ": " << s.ToString() << dump();
      ASSERT_EQ(v->value, value) << where << dump();
    } else {
      ASSERT_TRUE(s.IsNotFound())
          << where << ": " << s.ToString() << " " << value << dump();
    }
  }

  // Reads every entry of `ro` forward and backward.
  void Scan(const ReadOptions& ro, std::vector<Seen>* forward,
            std::vector<Seen>* backward) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    const auto seen = [&] {
      return Seen{it->key().ToString(), it->timestamp(), it->IsDeleted(),
                  it->value().ToString()};
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) forward->push_back(seen());
    ASSERT_OK(it->status());
    for (it->SeekToLast(); it->Valid(); it->Prev()) backward->push_back(seen());
    ASSERT_OK(it->status());
    std::reverse(backward->begin(), backward->end());
  }

  void CheckScan(const ReadPoint& p) {
    ReadOptions ro;
    ro.snapshot = p.snapshot;
    ro.as_of = p.as_of;
    ro.lower_bound = SomeBound();
    ro.upper_bound = SomeBound();
    if (ro.lower_bound && ro.upper_bound && *ro.lower_bound > *ro.upper_bound) {
      std::swap(ro.lower_bound, ro.upper_bound);
    }
    const std::string where = std::string("scan as of ") +
                              (p.as_of ? std::to_string(*p.as_of) : "now") +
                              " at seq " + std::to_string(p.seq);
    std::vector<Seen> expected;
    if (rnd_.OneIn(2)) {
      ro.all_versions = true;
      ro.include_deleted = rnd_.OneIn(2);
      if (rnd_.OneIn(3)) ro.history_from = SomeTimestamp();
      if (rnd_.OneIn(3)) ro.history_to = SomeReadTimestamp();
      if (ExactFrom() > 0) {
        // Versions older than the horizon may be gone.
        ro.history_from = std::max(ro.history_from.value_or(0), ExactFrom());
      }
      if (ro.history_from && ro.history_to &&
          *ro.history_from > *ro.history_to) {
        std::swap(ro.history_from, ro.history_to);
      }
      const uint64_t max_ts = std::min(p.as_of.value_or(~uint64_t{0}),
                                       ro.history_to.value_or(~uint64_t{0}));
      expected =
          model_.History(p.seq, ro.history_from.value_or(0), max_ts,
                         ro.include_deleted, ro.lower_bound, ro.upper_bound);
    } else {
      ro.keys_only = rnd_.OneIn(4);
      expected = model_.State(p.seq, p.as_of.value_or(~uint64_t{0}),
                              ro.lower_bound, ro.upper_bound);
      if (ro.keys_only) {
        for (Seen& s : expected) s.value.clear();
      }
    }
    std::vector<Seen> forward;
    std::vector<Seen> backward;
    Scan(ro, &forward, &backward);
    ASSERT_EQ(Describe(expected), Describe(forward)) << where << " forward";
    ASSERT_EQ(Describe(expected), Describe(backward)) << where << " backward";
    if (!ro.all_versions) {
      uint64_t count = 0;
      const std::string begin = ro.lower_bound.value_or("a");
      const std::string end = ro.upper_bound.value_or("z");
      ASSERT_OK(db_->Count(ro, begin, end, &count));
      ASSERT_EQ(expected.size(), count) << where;
    }
    if (ro.all_versions && !expected.empty()) {
      ro.history_limit = 1 + rnd_.Uniform(expected.size());
      forward.clear();
      backward.clear();
      Scan(ro, &forward, &backward);
      std::vector<Seen> head(
          expected.begin(),
          expected.begin() + static_cast<long>(ro.history_limit));
      std::vector<Seen> tail(
          expected.end() - static_cast<long>(ro.history_limit), expected.end());
      ASSERT_EQ(Describe(head), Describe(forward)) << where << " limited";
      ASSERT_EQ(Describe(tail), Describe(backward)) << where << " limited back";
    }
  }

  void CheckOneRead() {
    const ReadPoint p = SomeReadPoint();
    if (rnd_.OneIn(10)) {
      CheckBeforeHorizon();
    } else if (rnd_.OneIn(3)) {
      CheckScan(p);
    } else {
      CheckGet(Key(), p);
    }
  }

  void VerifyAll() {
    for (int i = 0; i < 40; ++i) {
      CheckGet("k" + std::to_string(i), SomeReadPoint());
      if (::testing::Test::HasFatalFailure()) return;
    }
    for (int i = 0; i < 6; ++i) {
      CheckScan(SomeReadPoint());
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  const Config config_;
  internal::Random rnd_;
  std::unique_ptr<Env> base_;
  ManualClockEnv clock_;
  std::string dbname_;
  Options options_;
  std::unique_ptr<DB> db_;
  VersionedModel model_;
  uint64_t last_seq_ = 0;
  uint64_t last_ts_ = 0;
  uint64_t values_ = 0;
  uint64_t max_clock_ns_ = 0;
  std::vector<std::pair<uint64_t, const Snapshot*>> snapshots_;
};

void RunSeeds(bool posix, int num_seeds, int num_ops,
              uint64_t retention_micros = 0) {
  const uint64_t first = TestSeed(kDefaultSeed);
  for (int i = 0; i < num_seeds; ++i) {
    Config config;
    config.seed = first + static_cast<uint64_t>(i);
    config.num_ops = num_ops;
    config.posix = posix;
    config.retention_micros = retention_micros;
    std::fprintf(stderr, "versioned model: seed %llu (%s, retention %llu us)\n",
                 static_cast<unsigned long long>(config.seed),
                 posix ? "posix" : "memory",
                 static_cast<unsigned long long>(retention_micros));
    Driver driver(config);
    driver.Run();
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "replay with STRATA_SEED=" << config.seed;
      return;
    }
  }
}

TEST(VersionedModelTest, MemEnv) { RunSeeds(/*posix=*/false, 6, 3000); }

TEST(VersionedModelTest, PosixEnv) { RunSeeds(/*posix=*/true, 2, 2000); }

// Retention of 400 µs against a clock that moves 1-3 µs per operation: the
// horizon sweeps over most of the history while compactions drop what it
// leaves behind.
TEST(VersionedModelTest, MemEnvWithRetention) {
  RunSeeds(/*posix=*/false, 6, 3000, /*retention_micros=*/400);
}

}  // namespace
}  // namespace strata::testing
