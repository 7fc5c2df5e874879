// Compaction end to end: a randomized model test with compactions running
// constantly (both styles), plus the properties the issue asks for: L0
// stays bounded, a full compaction leaves the data in the last level with
// little space amplification, tombstones disappear at the bottom unless a
// snapshot needs what they hide, obsolete files are deleted, and readers
// run safely while versions change under them.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

// ThreadSanitizer runs ~30x slower: keep the model runs affordable there.
#if defined(__SANITIZE_THREAD__)
constexpr int kModelOps = 600;
#else
constexpr int kModelOps = 6000;
#endif

Options SmallTreeOptions(Env* env, CompactionStyle style) {
  Options o;
  o.env = env;
  o.compaction_style = style;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.max_bytes_for_level_base = 256 << 10;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_writes_trigger = 8;
  o.level0_stop_writes_trigger = 16;
  o.block_size = 1024;
  return o;
}

uint64_t Prop(DB* db, const std::string& name) {
  std::string v;
  EXPECT_TRUE(db->GetProperty(name, &v)) << name;
  return v.empty() ? 0 : std::stoull(v);
}

// The scheduler seam: returns once the background has run everything due
// now (DBImpl::SettleBackground).
void Settle(DB* db) {
  const Status s = internal::ImplOf(db)->SettleBackground();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

uint64_t TotalTables(DB* db) {
  uint64_t n = 0;
  for (int level = 0; level < 7; ++level) {
    n += Prop(db, "strata.num-files-at-level" + std::to_string(level));
  }
  return n;
}

size_t SstFilesOnDisk(Env* env, const std::string& dbname) {
  std::vector<std::string> names;
  EXPECT_TRUE(env->GetChildren(dbname, &names).ok());
  size_t n = 0;
  for (const std::string& name : names) n += name.ends_with(".sst");
  return n;
}

std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%08llu",
                static_cast<unsigned long long>(i));
  return buf;
}

// Random operations against the DB and ModelDB with compactions running
// all the time; checks at snapshots, after CompactRange and reopen.
void RunCompactionModel(CompactionStyle style, uint64_t seed, int ops) {
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (replay with STRATA_SEED)");
  std::unique_ptr<Env> env = NewMemEnv();
  const std::string dbname = "/db";
  Options options = SmallTreeOptions(env.get(), style);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, dbname, &db).ok());
  ModelDB model;
  internal::Random rnd(seed);
  struct Snap {
    ModelDB::SnapshotId id;
    const Snapshot* snapshot;
  };
  std::vector<Snap> snaps;
  auto verify = [&](const char* what, uint64_t op) {
    VerifyContext ctx{seed, op, what};
    internal::Random vr(seed + op);
    EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &vr, ctx));
    for (const Snap& s : snaps) {
      EXPECT_TRUE(VerifyDB(db.get(), model, s.id, s.snapshot, &vr, ctx));
    }
  };
  const uint64_t key_space = 3000;
  uint64_t flushes = 0;  // per open; summed over reopens
  for (int op = 0; op < ops && !::testing::Test::HasFailure(); ++op) {
    const uint64_t r = rnd.Uniform(1000);
    if (r < 600) {
      const std::string k = Key(rnd.Uniform(key_space));
      const std::string v =
          std::to_string(op) + std::string(rnd.Uniform(200), 'v');
      ASSERT_TRUE(db->Put(WriteOptions(), k, v).ok());
      model.Put(k, v);
    } else if (r < 780) {
      const std::string k = Key(rnd.Uniform(key_space));
      ASSERT_TRUE(db->Delete(WriteOptions(), k).ok());
      model.Delete(k);
    } else if (r < 800) {
      // A range delete of up to 200 keys, across memtables and levels.
      const uint64_t first = rnd.Uniform(key_space);
      const std::string a = Key(first);
      const std::string b = Key(first + 1 + rnd.Uniform(200));
      ASSERT_TRUE(db->DeleteRange(WriteOptions(), a, b).ok());
      model.DeleteRange(a, b);
    } else if (r < 900) {
      ModelBatch batch;
      const uint64_t first = rnd.Uniform(key_space);
      for (uint64_t i = 0; i < 1 + rnd.Uniform(20); ++i) {
        if (rnd.OneIn(3)) {
          batch.Delete(Key(first + i));
        } else {
          batch.Put(Key(first + i), "b" + std::to_string(op));
        }
      }
      WriteBatch wb = batch.ToWriteBatch();
      ASSERT_TRUE(db->Write(WriteOptions(), &wb).ok());
      model.Write(batch);
    } else if (r < 930) {
      if (snaps.size() < 4) {
        snaps.push_back({model.TakeSnapshot(), db->GetSnapshot()});
      } else {
        const size_t i = rnd.Uniform(snaps.size());
        db->ReleaseSnapshot(snaps[i].snapshot);
        model.ReleaseSnapshot(snaps[i].id);
        snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(i));
      }
    } else if (r < 945) {
      // A manual compaction of a random range, or of everything.
      if (rnd.OneIn(3)) {
        ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
      } else {
        std::string a = Key(rnd.Uniform(key_space));
        std::string b = Key(rnd.Uniform(key_space));
        if (b < a) std::swap(a, b);
        const Slice sa(a);
        const Slice sb(b);
        ASSERT_TRUE(db->CompactRange(&sa, &sb).ok());
      }
      verify("after CompactRange", static_cast<uint64_t>(op));
    } else if (r < 950) {
      // Reopen: snapshots do not survive it.
      for (const Snap& s : snaps) {
        db->ReleaseSnapshot(s.snapshot);
        model.ReleaseSnapshot(s.id);
      }
      snaps.clear();
      flushes += Prop(db.get(), "strata.num-flushes");
      ASSERT_TRUE(db->Close().ok());
      db.reset();
      ASSERT_TRUE(DB::Open(options, dbname, &db).ok());
      verify("after reopen", static_cast<uint64_t>(op));
    } else if (r < 960) {
      verify("periodic", static_cast<uint64_t>(op));
    } else {
      std::string value;
      const std::string k = Key(rnd.Uniform(key_space));
      const Status s = db->Get(ReadOptions(), k, &value);
      const auto expected = model.Get(k);
      if (expected) {
        ASSERT_TRUE(s.ok()) << k << " at op " << op << ": " << s.ToString();
        ASSERT_EQ(*expected, value) << k << " at op " << op;
      } else {
        ASSERT_TRUE(s.IsNotFound())
            << k << " at op " << op << ": " << s.ToString();
      }
    }
  }
  verify("final", static_cast<uint64_t>(ops));
  for (const Snap& s : snaps) db->ReleaseSnapshot(s.snapshot);
  flushes += Prop(db.get(), "strata.num-flushes");
  EXPECT_GT(flushes, 5u);
  ASSERT_TRUE(db->Close().ok());
}

TEST(CompactionTest, LeveledModel) {
  const uint64_t seed = TestSeed(0xc0ffee01);
  for (uint64_t s = seed; s < seed + 2; ++s) {
    RunCompactionModel(CompactionStyle::kLeveled, s, kModelOps);
  }
}

TEST(CompactionTest, SizeTieredModel) {
  const uint64_t seed = TestSeed(0xc0ffee11);
  for (uint64_t s = seed; s < seed + 2; ++s) {
    RunCompactionModel(CompactionStyle::kSizeTiered, s, kModelOps);
  }
}

TEST(CompactionTest, LevelZeroStaysBoundedAndFullCompactionSettles) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options = SmallTreeOptions(env.get(), CompactionStyle::kLeveled);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  internal::Random rnd(7);
  std::map<std::string, std::string> expected;
  uint64_t max_l0 = 0;
  for (int i = 0; i < 60000; ++i) {
    const std::string k = Key(rnd.Uniform(20000));
    const std::string v = std::to_string(i) + std::string(90, 'x');
    const Status put = db->Put(WriteOptions(), k, v);
    ASSERT_TRUE(put.ok()) << put.ToString();
    expected[k] = v;
    if (i % 1000 == 0)
      max_l0 = std::max(max_l0, Prop(db.get(), "strata.num-files-at-level0"));
  }
  EXPECT_LE(max_l0, static_cast<uint64_t>(options.level0_stop_writes_trigger));
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(0u, Prop(db.get(), "strata.num-files-at-level0"));
  EXPECT_GT(Prop(db.get(), "strata.num-files-at-level6"), 0u);
  // Space amplification after a full compaction: table bytes over the
  // bytes of the live keys and values (blocks, index and filter included).
  uint64_t logical = 0;
  for (const auto& [k, v] : expected) logical += k.size() + v.size();
  const double space_amp =
      static_cast<double>(Prop(db.get(), "strata.total-sst-bytes")) /
      static_cast<double>(logical);
  EXPECT_LT(space_amp, 1.2) << "total-sst-bytes over live bytes";
  EXPECT_EQ(SstFilesOnDisk(env.get(), "/db"), TotalTables(db.get()));
  for (const auto& [k, v] : expected) {
    std::string got;
    ASSERT_TRUE(db->Get(ReadOptions(), k, &got).ok()) << k;
    ASSERT_EQ(v, got) << k;
  }
  std::string stats;
  ASSERT_TRUE(db->GetProperty("strata.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("write amplification")) << stats;
  // Keys inside the tables' ranges that were never written: the filters
  // answer almost all of them without reading a block.
  for (int i = 0; i < 1000; ++i) {
    std::string got;
    ASSERT_TRUE(db->Get(ReadOptions(), Key(rnd.Uniform(20000)) + "x", &got)
                    .IsNotFound());
  }
  std::string counters;
  ASSERT_TRUE(db->GetProperty("strata.counters", &counters));
  auto counter = [&](const std::string& name) {
    const size_t at = counters.find(name + " ");
    EXPECT_NE(std::string::npos, at) << counters;
    return at == std::string::npos
               ? 0
               : std::stoull(counters.substr(at + name.size() + 1));
  };
  EXPECT_GE(counter("bloom.useful"), 950u) << counters;
  EXPECT_GT(counter("user.bytes.written"), 60000u * 100) << counters;
  EXPECT_GT(counter("compaction.bytes.written"), 0u) << counters;
  EXPECT_GT(counter("block.cache.hits") + counter("block.cache.misses"), 0u)
      << counters;
  // Latency histograms: every Put above was timed; every Get counted, one
  // in DBImpl::kGetTimingPeriod timed.
  EXPECT_NE(std::string::npos, counters.find("write.micros count 60000 "))
      << counters;
  const uint64_t gets = expected.size() + 1000;
  EXPECT_EQ(gets, counter("get.micros count")) << counters;
  const uint64_t timed =
      counter("get.micros count " + std::to_string(gets) + " timed");
  EXPECT_GT(timed, gets / 8 / 2) << counters;
  EXPECT_LT(timed, gets / 8 * 2) << counters;
  EXPECT_NE(std::string::npos, counters.find(" p99.9 ")) << counters;
  ASSERT_TRUE(db->Close().ok());
}

// "strata.background-work-pending" says "0" only when no flush or
// compaction runs and none would be picked, so a caller can wait for a
// settled tree (strata_bench does, before timing reads).
TEST(CompactionTest, BackgroundWorkPendingIsZeroOnlyWhenSettled) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options = SmallTreeOptions(env.get(), CompactionStyle::kLeveled);
  // The picks by score alone (the idle fold has its own tests below).
  options.level0_idle_compaction_ms = 0;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  const auto pending = [&db] {
    std::string v;
    EXPECT_TRUE(db->GetProperty("strata.background-work-pending", &v));
    EXPECT_TRUE(v == "0" || v == "1") << v;
    return v == "1";
  };
  EXPECT_FALSE(pending());  // an empty DB has nothing to do
  internal::Random rnd(11);
  int seen_pending = 0;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Key(rnd.Uniform(20000)),
                          std::string(100, 'v'))
                      .ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    if (pending()) {
      ++seen_pending;
    } else {
      // Settled: L0 is below the compaction trigger.
      EXPECT_LT(Prop(db.get(), "strata.num-files-at-level0"),
                static_cast<uint64_t>(options.level0_compaction_trigger));
    }
  }
  // Flushes keep handing L0 tables to compactions (trigger: 2 tables).
  EXPECT_GT(seen_pending, 0);
  Settle(db.get());
  ASSERT_FALSE(pending()) << "settled, yet work is pending";
  EXPECT_LT(Prop(db.get(), "strata.num-files-at-level0"),
            static_cast<uint64_t>(options.level0_compaction_trigger));
  // Nothing was left half done: the tables on disk are the tree's.
  EXPECT_EQ(SstFilesOnDisk(env.get(), "/db"), TotalTables(db.get()));
  ASSERT_TRUE(db->Close().ok());
}

// ---- The idle fold ----------------------------------------------------------

// Tables under the L0 trigger, a snapshot, overwrites and deletes spread
// over them: what the model holds, now and at the snapshot. The idle delay
// runs on a clock the test moves, and the test steps the background with
// Settle().
struct IdleFoldFixture {
  std::unique_ptr<Env> env = NewMemEnv();
  ManualClockEnv clock{env.get()};
  Options options;
  std::unique_ptr<DB> db;
  ModelDB model;
  ModelDB::SnapshotId model_snapshot = ModelDB::kLatest;
  const Snapshot* snapshot = nullptr;

  explicit IdleFoldFixture(uint64_t idle_ms) {
    options = SmallTreeOptions(&clock, CompactionStyle::kLeveled);
    options.level0_compaction_trigger = 4;
    options.level0_idle_compaction_ms = idle_ms;
  }

  void Load() {
    ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
    internal::Random rnd(29);
    for (int table = 0; table < 3; ++table) {
      for (int i = 0; i < 400; ++i) {
        const std::string k = Key(rnd.Uniform(1000));
        if (rnd.OneIn(8)) {
          ASSERT_TRUE(db->Delete(WriteOptions(), k).ok());
          model.Delete(k);
        } else {
          const std::string v = std::to_string(table) + "-" + std::to_string(i);
          ASSERT_TRUE(db->Put(WriteOptions(), k, v).ok());
          model.Put(k, v);
        }
      }
      if (table == 1) {
        snapshot = db->GetSnapshot();
        model_snapshot = model.TakeSnapshot();
      }
      ASSERT_TRUE(db->Flush().ok());
    }
  }

  // `n` Gets of absent keys inside every L0 table's range: each meets an
  // L0 table and goes on to another, one of the reads the fold waits for
  // (100 at least: Options::level0_idle_compaction_ms).
  void PayReads(int n) {
    for (int i = 0; i < n; ++i) {
      std::string value;
      const Status s =
          db->Get(ReadOptions(), Key(100 + (i % 800)) + "+", &value);
      ASSERT_TRUE(s.IsNotFound()) << s.ToString();
    }
  }

  uint64_t Level0() { return Prop(db.get(), "strata.num-files-at-level0"); }

  // The fold comes `micros` of the idle clock from now, to the
  // millisecond: L0 keeps its tables one millisecond before, and is empty
  // after.
  void ExpectFoldIn(uint64_t micros) {
    const uint64_t tables = Level0();
    clock.Advance(micros - 1000);
    Settle(db.get());
    EXPECT_EQ(Level0(), tables) << "folded early";
    clock.Advance(1000);
    Settle(db.get());
    EXPECT_EQ(Level0(), 0u) << "not folded in time";
  }

  // Releases the snapshot and closes the DB.
  void Finish() {
    if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
    snapshot = nullptr;
    ASSERT_TRUE(db->Close().ok());
  }

  bool Pending() {
    std::string v;
    EXPECT_TRUE(db->GetProperty("strata.background-work-pending", &v));
    return v == "1";
  }

  void Verify(const char* what) {
    internal::Random vr(7);
    EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &vr,
                         VerifyContext{29, 0, what}));
    if (snapshot != nullptr) {
      EXPECT_TRUE(VerifyDB(db.get(), model, model_snapshot, snapshot, &vr,
                           VerifyContext{29, 1, what}));
    }
  }
};

// Once writes pause and reads have met the L0 tables, the tables (below
// the trigger) are compacted into the level below; reads at the latest
// state and at a snapshot see what they saw before, and the background
// then reports nothing pending.
TEST(CompactionTest, IdleFoldEmptiesLevel0OnceWritesPause) {
  IdleFoldFixture f(50);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());  // the background sees the last write at this time
  ASSERT_NO_FATAL_FAILURE(f.PayReads(100));
  f.clock.Advance(50000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  EXPECT_FALSE(f.Pending());
  EXPECT_GT(TotalTables(f.db.get()), 0u);
  EXPECT_EQ(SstFilesOnDisk(f.env.get(), "/db"), TotalTables(f.db.get()));
  f.Verify("after the idle fold");
  f.db->ReleaseSnapshot(f.snapshot);
  f.snapshot = nullptr;
  ASSERT_TRUE(f.db->Close().ok());
  ASSERT_TRUE(DB::Open(f.options, "/db", &f.db).ok());
  f.Verify("reopened after the idle fold");
  ASSERT_TRUE(f.db->Close().ok());
}

// Once reads have paid for the fold, a tenth of the delay (here 360 s of
// an hour) without writes is enough; before it has passed the tables stay
// in L0, and the fold still to come counts as pending work.
TEST(CompactionTest, IdleFoldWaitsForItsDelay) {
  IdleFoldFixture f(3600 * 1000);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());
  ASSERT_NO_FATAL_FAILURE(f.PayReads(100));
  f.clock.Advance(359999ull * 1000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u);
  EXPECT_TRUE(f.Pending());
  f.Verify("before the idle fold");
  f.clock.Advance(1000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  f.Verify("after the idle fold");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// Reads paid for, then a write before the pause: reads between writes are
// no read phase, so the fold waits for the whole delay after the write.
TEST(CompactionTest, IdleFoldAfterAWriteWaitsForTheWholeDelay) {
  IdleFoldFixture f(1000);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());
  ASSERT_NO_FATAL_FAILURE(f.PayReads(100));
  Settle(f.db.get());  // the background sees the count paid
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(5000), "late").ok());
  f.model.Put(Key(5000), "late");
  Settle(f.db.get());  // and the write
  EXPECT_EQ(f.Level0(), 3u);
  f.ExpectFoldIn(1000 * 1000);
  f.Verify("after a fold a whole delay after the write");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// The reads owed are the L0 tables' bytes / read_compaction_bytes when that
// is over 100: with 32 bytes a read, 100 and 300 reads do not pay for
// three tables of several KiB each; L0's bytes / 32 of them do.
TEST(CompactionTest, IdleFoldOwesReadsByLevel0Bytes) {
  IdleFoldFixture f(50);
  f.options.read_compaction_bytes = 32;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  const uint64_t level0_bytes = Prop(f.db.get(), "strata.total-sst-bytes");
  ASSERT_GT(level0_bytes / 32, 400u);
  Settle(f.db.get());
  f.clock.Advance(50000);
  Settle(f.db.get());
  int paid = 0;
  for (const int n : {100, 200}) {
    ASSERT_NO_FATAL_FAILURE(f.PayReads(n));
    paid += n;
    Settle(f.db.get());
    EXPECT_EQ(f.Level0(), 3u) << paid << " reads of " << level0_bytes / 32;
  }
  while (f.Level0() != 0 && paid < 100000) {
    ASSERT_NO_FATAL_FAILURE(f.PayReads(50));
    paid += 50;
    Settle(f.db.get());
  }
  EXPECT_EQ(f.Level0(), 0u);
  EXPECT_GE(static_cast<uint64_t>(paid), level0_bytes / 32);
  EXPECT_LT(static_cast<uint64_t>(paid), level0_bytes / 32 + 50);
  f.Verify("after a fold a budget of bytes paid for");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// Close() flushes the memtable; once it has begun, no fold takes that table
// (Close would only wait for it), even when the pause is long past.
TEST(CompactionTest, CloseDoesNotFoldItsOwnFlush) {
  IdleFoldFixture f(50);
  // No reads to wait for: Close's own table would otherwise wait for them.
  f.options.read_compaction_bytes = 0;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  f.db->ReleaseSnapshot(f.snapshot);
  f.snapshot = nullptr;
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(5000), "in the memtable").ok());
  f.model.Put(Key(5000), "in the memtable");
  Settle(f.db.get());
  f.clock.Advance(50000);
  Settle(f.db.get());
  ASSERT_EQ(f.Level0(), 0u);
  f.clock.Advance(3600ull * 1000 * 1000);  // the pause is long past
  Settle(f.db.get());
  ASSERT_TRUE(f.db->Close().ok());
  f.options.level0_idle_compaction_ms = 0;  // look before any fold
  ASSERT_TRUE(DB::Open(f.options, "/db", &f.db).ok());
  EXPECT_EQ(f.Level0(), 1u);
  f.Verify("reopened after Close flushed the memtable");
  ASSERT_TRUE(f.db->Close().ok());
}

// The pause is counted from the last write: with the clock held nothing is
// folded; a write 40 ms into a 50 ms delay restarts it, so 80 ms after the
// load (40 after the write) L0 is still whole; the fold comes once the
// clock passes the delay after the write. With read_compaction_bytes 0 the
// fold waits for no reads, and for the whole delay.
TEST(CompactionTest, IdleFoldCountsFromTheLastWrite) {
  IdleFoldFixture f(50);
  f.options.read_compaction_bytes = 0;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u) << "folded with the clock held";
  f.clock.Advance(40000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u) << "folded before the delay";
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(5000), "late").ok());
  f.model.Put(Key(5000), "late");
  Settle(f.db.get());  // the background sees the write at 40 ms
  f.clock.Advance(40000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u) << "the write did not restart the pause";
  f.clock.Advance(10000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  f.Verify("after a fold timed by the manual clock");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// The fold waits for reads: with writes paused long past the delay, L0
// stays whole and nothing is pending until 100 reads (the least a fold
// waits for) have met an L0 table and another table: 99 Gets leave it, the
// 100th folds it.
TEST(CompactionTest, IdleFoldWaitsForReadsThatMeetLevel0) {
  IdleFoldFixture f(50);
  f.options.level0_compaction_trigger = 5;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  // A fourth table whose one key a Get finds in the newest table: such
  // Gets look in no other table and do not count; nor do Gets the
  // memtable answers.
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(500) + "+", "newest").ok());
  f.model.Put(Key(500) + "+", "newest");
  ASSERT_TRUE(f.db->Flush().ok());
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(7000), "new").ok());
  f.model.Put(Key(7000), "new");
  Settle(f.db.get());  // armed for the four tables
  for (int i = 0; i < 200; ++i) {
    std::string value;
    ASSERT_TRUE(f.db->Get(ReadOptions(), Key(7000), &value).ok());
    ASSERT_TRUE(f.db->Get(ReadOptions(), Key(500) + "+", &value).ok());
    ASSERT_EQ(value, "newest");
  }
  Settle(f.db.get());
  f.clock.Advance(3600ull * 1000 * 1000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 4u);
  EXPECT_FALSE(f.Pending()) << "a fold no read paid for is not pending";
  ASSERT_NO_FATAL_FAILURE(f.PayReads(99));
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 4u);
  EXPECT_FALSE(f.Pending());
  ASSERT_NO_FATAL_FAILURE(f.PayReads(1));
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  EXPECT_FALSE(f.Pending());
  f.Verify("after a fold the reads paid for");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// An iterator's seeks count as the fold's reads, one a seek (whichever
// kind), while it merges an L0 table with another; a table flushed
// afterwards re-arms the count for the new L0.
TEST(CompactionTest, IdleFoldCountsSeeksAndRearmsWhenLevel0Changes) {
  IdleFoldFixture f(50);
  f.options.level0_compaction_trigger = 5;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  // Seeks alone: no sampled entry counts.
  internal::ImplOf(f.db.get())->SetReadSamplePeriodForTest(uint64_t{1} << 40);
  Settle(f.db.get());
  {
    std::unique_ptr<Iterator> it = f.db->NewIterator(ReadOptions());
    for (int i = 0; i < 99; ++i) {
      switch (i % 4) {
        case 0:
          it->Seek(Key(i));
          break;
        case 1:
          it->SeekForPrev(Key(i));
          break;
        case 2:
          it->SeekToFirst();
          break;
        default:
          it->SeekToLast();
          break;
      }
      ASSERT_TRUE(it->Valid());
      it->Next();  // moves do not count
    }
    ASSERT_TRUE(it->status().ok());
  }
  f.clock.Advance(50000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u);
  // A write restarts the pause; then the 100th read, and a flush that
  // brings a new L0, whose fold waits for reads of its own.
  ASSERT_TRUE(f.db->Put(WriteOptions(), Key(500), "fourth table").ok());
  f.model.Put(Key(500), "fourth table");
  ASSERT_NO_FATAL_FAILURE(f.PayReads(1));
  ASSERT_TRUE(f.db->Flush().ok());
  Settle(f.db.get());
  f.clock.Advance(50000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 4u);
  EXPECT_FALSE(f.Pending());
  {
    std::unique_ptr<Iterator> it = f.db->NewIterator(ReadOptions());
    for (int i = 0; i < 100; ++i) it->Seek(Key(i));
    ASSERT_TRUE(it->status().ok());
  }
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  f.Verify("after a fold seeks paid for");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// A scan's sampled entries count as the fold's reads, one an entry whose
// range holds an L0 table and another: a whole scan with no entry sampled
// is one read (its seek) and leaves L0 whole; the same scan with every
// entry or every other one sampled (gaps of 1 or 2) folds it.
TEST(CompactionTest, IdleFoldCountsSampledScanEntries) {
  IdleFoldFixture f(50);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());
  f.clock.Advance(50000);
  Settle(f.db.get());
  const auto scan = [&f] {
    std::unique_ptr<Iterator> it = f.db->NewIterator(ReadOptions());
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_TRUE(it->status().ok());
    EXPECT_GT(n, 250);
  };
  internal::ImplOf(f.db.get())->SetReadSamplePeriodForTest(uint64_t{1} << 40);
  scan();
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u);
  internal::ImplOf(f.db.get())->SetReadSamplePeriodForTest(1);
  scan();
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  f.Verify("after a fold a scan paid for");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// In a versioned DB too (its own Get path), the fold waits for 100 reads
// that meet an L0 table and another.
TEST(CompactionTest, IdleFoldWaitsForReadsInAVersionedDB) {
  IdleFoldFixture f(50);
  f.options.enable_versioning = true;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  Settle(f.db.get());
  f.clock.Advance(50000);
  ASSERT_NO_FATAL_FAILURE(f.PayReads(99));
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u);
  ASSERT_NO_FATAL_FAILURE(f.PayReads(1));
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 0u);
  f.Verify("after a fold in a versioned DB");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// A tombstone-dense L0 table (half its entries deletes, 1000 entries at
// least) is folded once writes have paused for the whole delay, without
// waiting for reads: its deletes free space only once compacted.
TEST(CompactionTest, IdleFoldOfTombstonesDoesNotWaitForReads) {
  IdleFoldFixture f(50);
  f.options.level0_compaction_trigger = 5;
  f.options.write_buffer_size = 1 << 20;  // the deletes in one table
  ASSERT_NO_FATAL_FAILURE(f.Load());
  for (int i = 0; i < 1200; ++i) {
    ASSERT_TRUE(f.db->Delete(WriteOptions(), Key(i)).ok());
    f.model.Delete(Key(i));
  }
  ASSERT_TRUE(f.db->Flush().ok());
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 4u);
  EXPECT_TRUE(f.Pending());
  f.ExpectFoldIn(50000);  // with no reads paid, the whole delay
  f.Verify("after a fold of tombstones");
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

// level0_idle_compaction_ms = 0: the tables stay in L0 and nothing is
// pending.
TEST(CompactionTest, IdleFoldOff) {
  IdleFoldFixture f(0);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  f.clock.Advance(3600ull * 1000 * 1000);
  Settle(f.db.get());
  EXPECT_EQ(f.Level0(), 3u);
  EXPECT_FALSE(f.Pending());
  ASSERT_NO_FATAL_FAILURE(f.Finish());
}

TEST(CompactionTest, TombstonesVanishAtTheBottomUnlessASnapshotNeedsThem) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options = SmallTreeOptions(env.get(), CompactionStyle::kLeveled);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Key(i), std::string(100, 'v')).ok());
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  const Snapshot* snap = db->GetSnapshot();
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(db->Delete(WriteOptions(), Key(i)).ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  // The snapshot still sees every value.
  ReadOptions at_snap;
  at_snap.snapshot = snap;
  uint64_t n = 0;
  ASSERT_TRUE(db->Count(at_snap, Key(0), Key(5000), &n).ok());
  EXPECT_EQ(5000u, n);
  ASSERT_TRUE(db->Count(ReadOptions(), Key(0), Key(5000), &n).ok());
  EXPECT_EQ(0u, n);
  db->ReleaseSnapshot(snap);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  // Nothing can see the old values or the tombstones now: all gone.
  EXPECT_EQ(0u, TotalTables(db.get()));
  EXPECT_EQ(0u, SstFilesOnDisk(env.get(), "/db"));
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  ASSERT_TRUE(db->Count(ReadOptions(), Key(0), Key(5000), &n).ok());
  EXPECT_EQ(0u, n);
}

TEST(CompactionTest, ReadersRunWhileCompactionsSwapVersions) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options = SmallTreeOptions(env.get(), CompactionStyle::kLeveled);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  // Every key i always holds a value that names i; keys < written are set.
  std::atomic<int> written{0};
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  auto value_of = [](int i, int round) {
    return "v" + std::to_string(i) + ":" + std::to_string(round) +
           std::string(80, 'p');
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      internal::Random rnd(100 + static_cast<uint64_t>(t));
      while (!done.load()) {
        const int limit = written.load();
        if (limit == 0) continue;
        const int i =
            static_cast<int>(rnd.Uniform(static_cast<uint64_t>(limit)));
        std::string v;
        const Status s =
            db->Get(ReadOptions(), Key(static_cast<uint64_t>(i)), &v);
        const std::string prefix = "v" + std::to_string(i) + ":";
        if (!s.ok() || v.compare(0, prefix.size(), prefix) != 0) errors++;
        auto it = db->NewIterator(ReadOptions());
        int seen = 0;
        std::string prev;
        for (it->Seek(Key(static_cast<uint64_t>(i))); it->Valid() && seen < 50;
             it->Next(), ++seen) {
          if (!prev.empty() && it->key().ToString() <= prev) errors++;
          prev = it->key().ToString();
        }
        if (!it->status().ok()) errors++;
      }
    });
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8000; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Key(static_cast<uint64_t>(i)),
                          value_of(i, round))
                      .ok());
      if (round == 0) written.store(i + 1);
    }
  }
  const Status compacted = db->CompactRange(nullptr, nullptr);
  done.store(true);
  for (std::thread& t : readers) t.join();
  ASSERT_TRUE(compacted.ok()) << compacted.ToString();
  EXPECT_EQ(0, errors.load());
  ASSERT_TRUE(db->Close().ok());
}

// ---- Read-triggered compaction ---------------------------------------------

// The value of counter `name` in strata.counters.
uint64_t Counter(DB* db, const std::string& name) {
  std::string all;
  EXPECT_TRUE(db->GetProperty("strata.counters", &all));
  const std::string prefix = name + " ";
  size_t at = 0;
  while (at < all.size()) {
    const size_t end = std::min(all.find('\n', at), all.size());
    if (all.compare(at, prefix.size(), prefix) == 0) {
      return std::stoull(all.substr(at + prefix.size(), end - at));
    }
    at = end + 1;
  }
  ADD_FAILURE() << "no counter " << name << " in:\n" << all;
  return 0;
}

// A tree of two levels: even keys 0..5998 compacted to the last level, then
// some odd keys over the whole range flushed into the base level above it
// (two flushes reach the L0 trigger; too few keys for that level's target).
// Gets of even keys read a base-level table first (without bloom filters)
// and then the last level.
struct ReadCompactionFixture {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  std::unique_ptr<DB> db;
  ModelDB model;

  explicit ReadCompactionFixture(uint64_t read_compaction_bytes) {
    options = SmallTreeOptions(env.get(), CompactionStyle::kLeveled);
    options.level0_idle_compaction_ms = 0;
    options.read_compaction_bytes = read_compaction_bytes;
    options.bloom_bits_per_key = 0;  // a filter would turn most reads away
  }

  void Put(uint64_t i, internal::Random* rnd) {
    std::string v(100, ' ');
    for (char& c : v) c = static_cast<char>('a' + rnd->Uniform(26));
    ASSERT_TRUE(db->Put(WriteOptions(), Key(i), v).ok());
    model.Put(Key(i), v);
  }

  void Load() {
    ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
    internal::Random rnd(41);
    for (uint64_t i = 0; i < 6000; i += 2)
      ASSERT_NO_FATAL_FAILURE(Put(i, &rnd));
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
    for (int batch = 0; batch < 2; ++batch) {
      for (uint64_t i = 1 + 2 * static_cast<uint64_t>(batch); i < 6000;
           i += 80) {
        ASSERT_NO_FATAL_FAILURE(Put(i, &rnd));
      }
      ASSERT_TRUE(db->Flush().ok());
    }
    Settle(db.get());
    ASSERT_EQ(Prop(db.get(), "strata.num-files-at-level0"), 0u);
    ASSERT_GT(Prop(db.get(), "strata.num-files-at-level5"), 0u);
    ASSERT_GT(Prop(db.get(), "strata.num-files-at-level6"), 0u);
  }

  // Gets of the odd keys the base level (or L0) holds, `rounds` times over.
  void ReadOddKeys(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (uint64_t i = 1; i < 6000; i += 80) {
        for (uint64_t k : {i, i + 2}) {
          std::string v;
          ASSERT_TRUE(db->Get(ReadOptions(), Key(k), &v).ok()) << Key(k);
        }
      }
    }
  }

  // Gets of every even key, `rounds` times over.
  void ReadEvenKeys(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (uint64_t i = 0; i < 6000; i += 2) {
        std::string v;
        ASSERT_TRUE(db->Get(ReadOptions(), Key(i), &v).ok()) << Key(i);
      }
    }
  }

  void Verify(const char* what) {
    internal::Random vr(5);
    EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &vr,
                         VerifyContext{41, 0, what}));
  }
};

// Reads that pass through the base level to the last one fold the base
// level's tables down, leaving one sorted run; nothing is lost on the way
// or across a reopen.
TEST(CompactionTest, ReadsFoldTheTablesTheyPassThrough) {
  ReadCompactionFixture f(64 << 10);  // budgets of 100 reads (the least)
  ASSERT_NO_FATAL_FAILURE(f.Load());
  ASSERT_EQ(Counter(f.db.get(), "compaction.reads"), 0u);
  // Every base-level table covers hundreds of even keys: one round charges
  // each up to its budget.
  ASSERT_NO_FATAL_FAILURE(f.ReadEvenKeys(1));
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), 0u);
  EXPECT_GT(Counter(f.db.get(), "compaction.reads"), 0u);
  std::string pending;
  ASSERT_TRUE(f.db->GetProperty("strata.background-work-pending", &pending));
  EXPECT_EQ(pending, "0");
  f.Verify("after the read-triggered compactions");
  ASSERT_TRUE(f.db->Close().ok());
  ASSERT_TRUE(DB::Open(f.options, "/db", &f.db).ok());
  f.Verify("reopened after the read-triggered compactions");
  ASSERT_TRUE(f.db->Close().ok());
}

// Iterators charge tables too, by sampling what they read: scans alone
// fold the base level down.
TEST(CompactionTest, ScansFoldTheTablesTheyPassThrough) {
  ReadCompactionFixture f(64 << 10);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  internal::ImplOf(f.db.get())->SetReadSamplePeriodForTest(4);
  // Each scan samples about 400 of its 3,150 entries; an even key's sample
  // charges the base-level table above it.
  for (int scan = 0; scan < 5; ++scan) {
    auto it = f.db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), 0u);
  EXPECT_GT(Counter(f.db.get(), "compaction.reads"), 0u);
  f.Verify("after scans folded the base level");
  ASSERT_TRUE(f.db->Close().ok());
}

// An iterator that outlives its DB samples into what it holds alone.
TEST(CompactionTest, AnIteratorSamplingAfterItsDbClosedIsSafe) {
  ReadCompactionFixture f(64 << 10);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  internal::ImplOf(f.db.get())->SetReadSamplePeriodForTest(1);
  auto it = f.db->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  ASSERT_TRUE(f.db->Close().ok());
  f.db.reset();
  // Closed: the iterator is invalid at its next positioning, or reads on
  // from what it pinned; either way sampling touches no freed DB.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
}

// A Get that finds its key in the first table it reads charges nothing,
// however often it runs: only reads that go on to an older table do.
TEST(CompactionTest, ReadsThatEndAtTheirFirstTableChargeNothing) {
  ReadCompactionFixture f(64 << 10);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  const uint64_t tables = Prop(f.db.get(), "strata.num-files-at-level5");
  // 150 keys, 20 rounds: 3,000 reads of the base level's tables, far past
  // their budgets (100 reads each) were they charged.
  ASSERT_NO_FATAL_FAILURE(f.ReadOddKeys(20));
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), tables);
  EXPECT_EQ(Counter(f.db.get(), "compaction.reads"), 0u);
  ASSERT_TRUE(f.db->Close().ok());
}

// Versioned Gets ask every source that might hold a newer version; a table
// whose newest timestamp cannot beat the version found is passed over
// unread and charges nothing. Reads that really go on to the last level
// fold the base level as unversioned ones do.
TEST(CompactionTest, VersionedReadsChargeOnlyWhenTheyReadASecondTable) {
  ReadCompactionFixture f(64 << 10);
  f.options.enable_versioning = true;
  ASSERT_NO_FATAL_FAILURE(f.Load());
  const uint64_t tables = Prop(f.db.get(), "strata.num-files-at-level5");
  ASSERT_NO_FATAL_FAILURE(f.ReadOddKeys(20));
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), tables);
  EXPECT_EQ(Counter(f.db.get(), "compaction.reads"), 0u);
  ASSERT_NO_FATAL_FAILURE(f.ReadEvenKeys(1));
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), 0u);
  EXPECT_GT(Counter(f.db.get(), "compaction.reads"), 0u);
  f.Verify("versioned, after the read-triggered compactions");
  ASSERT_TRUE(f.db->Close().ok());
}

// L0 tables are never charged (the L0 trigger compacts them): a Get that
// reads an L0 table, then the base level, then the last level charges the
// base-level table.
TEST(CompactionTest, ReadsThroughLevel0ChargeTheFirstTableBelowIt) {
  ReadCompactionFixture f(64 << 10);
  ASSERT_NO_FATAL_FAILURE(f.Load());
  ASSERT_TRUE(f.db->Close().ok());
  f.options.level0_compaction_trigger = 8;  // the next flush stays in L0
  f.options.level0_slowdown_writes_trigger = 16;
  f.options.level0_stop_writes_trigger = 24;
  ASSERT_TRUE(DB::Open(f.options, "/db", &f.db).ok());
  internal::Random rnd(43);
  for (uint64_t i = 5; i < 6000; i += 80)
    ASSERT_NO_FATAL_FAILURE(f.Put(i, &rnd));
  ASSERT_TRUE(f.db->Flush().ok());
  Settle(f.db.get());
  ASSERT_EQ(Prop(f.db.get(), "strata.num-files-at-level0"), 1u);
  ASSERT_NO_FATAL_FAILURE(f.ReadEvenKeys(1));
  Settle(f.db.get());
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level0"), 1u);
  EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), 0u);
  EXPECT_GT(Counter(f.db.get(), "compaction.reads"), 0u);
  f.Verify("reads through L0 folded the base level");
  ASSERT_TRUE(f.db->Close().ok());
}

// Below its budget a table stays, and with the option off no read
// compacts anything.
TEST(CompactionTest, ReadCompactionWaitsForTheBudgetAndCanBeTurnedOff) {
  {
    // Budgets of 100 reads; each base-level table sees fewer than 100 here.
    ReadCompactionFixture f(64 << 10);
    ASSERT_NO_FATAL_FAILURE(f.Load());
    const uint64_t tables = Prop(f.db.get(), "strata.num-files-at-level5");
    for (uint64_t i = 0; i < 6000; i += 200) {
      std::string v;
      ASSERT_TRUE(f.db->Get(ReadOptions(), Key(i), &v).ok());
    }
    Settle(f.db.get());
    EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), tables);
    EXPECT_EQ(Counter(f.db.get(), "compaction.reads"), 0u);
    ASSERT_TRUE(f.db->Close().ok());
  }
  {
    ReadCompactionFixture f(0);
    ASSERT_NO_FATAL_FAILURE(f.Load());
    const uint64_t tables = Prop(f.db.get(), "strata.num-files-at-level5");
    ASSERT_NO_FATAL_FAILURE(f.ReadEvenKeys(3));
    Settle(f.db.get());
    EXPECT_EQ(Prop(f.db.get(), "strata.num-files-at-level5"), tables);
    EXPECT_EQ(Counter(f.db.get(), "compaction.reads"), 0u);
    f.Verify("read compaction off");
    ASSERT_TRUE(f.db->Close().ok());
  }
}

}  // namespace
}  // namespace strata::testing
