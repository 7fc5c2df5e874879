// Randomized model test: a seeded driver applies thousands of operations to
// a strata DB and to ModelDB (testing/model_db.h) and checks that they agree
// — after every read, periodically in full, at every live snapshot, and
// after every reopen. Each run prints its seed; STRATA_SEED=<seed> replays
// it (it becomes the first seed run).
//
// The flush-heavy runs use 64 KiB memtables and larger values, so data
// moves into L0 tables all the time; they mix explicit Flush() calls and
// flush-then-reopen into the operations, and draw the memtable count,
// table block size, compression, bloom filter and table cache size at
// random. Automatic compaction runs at its defaults, merging the tables
// under the flushes.

#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr uint64_t kDefaultSeed = 0x5eed0001;
constexpr size_t kLargeValueSize = 100 << 10;

struct DriverConfig {
  uint64_t seed = 0;
  int num_ops = 0;
  Env* env = nullptr;
  std::string dbname;
  // One in this many writes asks for sync.
  uint64_t sync_one_in = 4;
  // Full verification every this many operations.
  int verify_every = 250;
  // Random values get up to this many random bytes (after "<op>:").
  uint64_t max_random_value = 40;
  // 64 KiB memtables, random table options, and Flush() and
  // flush-then-reopen among the operations.
  bool flush_heavy = false;
  // Options::allow_mmap_reads (tables read through a mapping).
  bool mmap_reads = false;
  // The value log on, with a random threshold, discard ratio and small
  // files; one reopen in four turns it off or on again.
  bool value_log = false;
};

class ModelDriver {
 public:
  explicit ModelDriver(const DriverConfig& config)
      : config_(config), rnd_(config.seed) {
    options_ = RandomOptions();
    options_.allow_mmap_reads = config.mmap_reads;
    MakeKeyPool();
  }

  ModelDriver(const ModelDriver&) = delete;
  ModelDriver& operator=(const ModelDriver&) = delete;

  // Runs the whole workload; stops at the first failure (a gtest failure
  // is recorded with the seed and operation index).
  void Run() {
    ASSERT_TRUE(Open());
    for (op_ = 0; op_ < static_cast<uint64_t>(config_.num_ops); ++op_) {
      ASSERT_TRUE(Step());
      if (op_ % static_cast<uint64_t>(config_.verify_every) == 0) {
        ASSERT_TRUE(VerifyAll("periodic verification"));
      }
    }
    ASSERT_TRUE(VerifyAll("final verification"));
    ASSERT_TRUE(Reopen());
    ASSERT_TRUE(VerifyAll("verification after the final reopen"));
    ReleaseAllSnapshots();
    CountFlushes();
    const Status s = db_->Close();
    ASSERT_TRUE(s.ok()) << Where("Close") << s.ToString();
    std::fprintf(stderr,
                 "  %d ops: %d writes (%d sync), %d reopens, %d large values, "
                 "%zu keys at the end\n",
                 config_.num_ops, writes_, sync_writes_, reopens_,
                 large_values_, model_.State().size());
    if (config_.value_log) {
      std::fprintf(stderr,
                   "  value log: threshold %zu, discard ratio %.1f, max file "
                   "%llu KiB; %llu bytes written, %llu GC compactions, %llu "
                   "values relocated\n",
                   options_.value_log_threshold,
                   options_.value_log_gc_discard_ratio,
                   static_cast<unsigned long long>(
                       options_.value_log_max_file_size >> 10),
                   static_cast<unsigned long long>(vlog_bytes_),
                   static_cast<unsigned long long>(vlog_gc_),
                   static_cast<unsigned long long>(vlog_relocated_));
    }
    if (config_.flush_heavy) {
      std::fprintf(stderr,
                   "  %llu flushes (%d asked for), %d memtables, block_size "
                   "%zu, compression %d, bloom_bits_per_key %d, "
                   "max_open_files %d, flush_on_close %d\n",
                   static_cast<unsigned long long>(flushes_), explicit_flushes_,
                   options_.max_write_buffer_number, options_.block_size,
                   static_cast<int>(options_.compression),
                   options_.bloom_bits_per_key, options_.max_open_files,
                   options_.flush_on_close ? 1 : 0);
    }
  }

  // Memtable flushes over every open of the run (after Run()).
  uint64_t flushes() const { return flushes_; }

 private:
  struct LiveSnapshot {
    ModelDB::SnapshotId id;
    const Snapshot* snapshot;
  };

  Options RandomOptions() {
    Options o;
    o.env = config_.env;
    const size_t buffers[] = {64 << 10, 256 << 10, 4 << 20, 64 << 20};
    o.write_buffer_size = buffers[rnd_.Uniform(4)];
    o.paranoid_checks = rnd_.OneIn(2);
    o.flush_on_close = rnd_.OneIn(2);
    // Cleanly closed logs hold no damage, so every mode must open them.
    o.wal_recovery_mode = static_cast<WalRecoveryMode>(rnd_.Uniform(3));
    o.max_key_size = 64 + rnd_.Uniform(1000);  // above every key used
    if (config_.flush_heavy) {
      o.write_buffer_size = 64 << 10;
      o.max_write_buffer_number = 2 + static_cast<int>(rnd_.Uniform(3));
      o.block_size = size_t{256} << rnd_.Uniform(5);  // 256 .. 4096
      // Consecutive seeds cover all four kinds.
      o.compression = static_cast<Compression>(config_.seed % 4);
      o.bloom_bits_per_key = rnd_.OneIn(2) ? 0 : 10;
      o.max_open_files = rnd_.OneIn(2) ? 16 : 1000;
    }
    if (config_.value_log) {
      o.enable_value_log = true;
      const size_t thresholds[] = {16, 200, 1000};
      o.value_log_threshold = thresholds[rnd_.Uniform(3)];
      const double ratios[] = {0.1, 0.3, 0.6, 1.0};
      o.value_log_gc_discard_ratio = ratios[rnd_.Uniform(4)];
      o.value_log_max_file_size = (64 << 10) << rnd_.Uniform(3);
      o.value_log_verify_checksums = !rnd_.OneIn(4);
      // Unpaced, or the default pace (which these small runs stay under).
      if (rnd_.OneIn(2)) o.value_log_gc_bytes_per_second = 0;
    }
    return o;
  }

  // A smallish key space, so overwrites and deletes hit live keys. Keys are
  // 1..40 bytes and use 0x00 and 0xff often.
  void MakeKeyPool() {
    const size_t target = 40 + rnd_.Uniform(360);
    std::set<std::string> keys;
    while (keys.size() < target) {
      std::string key(1 + rnd_.Uniform(40), '\0');
      for (char& c : key) {
        const uint64_t r = rnd_.Uniform(10);
        c = r == 0   ? '\0'
            : r == 1 ? '\xff'
            : r < 5  ? static_cast<char>(rnd_.Uniform(256))
                     : static_cast<char>('a' + rnd_.Uniform(4));
      }
      keys.insert(std::move(key));
    }
    key_pool_.assign(keys.begin(), keys.end());
  }

  std::string Where(const std::string& what) const {
    return "seed=" + std::to_string(config_.seed) +
           " op=" + std::to_string(op_) + " " + what + ": ";
  }

  VerifyContext Context(const std::string& what) const {
    return VerifyContext{config_.seed, op_, what};
  }

  const std::string& PoolKey() {
    return key_pool_[rnd_.Uniform(key_pool_.size())];
  }

  // A key of the current state when there is one, else a pool key.
  std::string LiveKey() {
    const ModelState& state = model_.State();
    if (state.empty()) return PoolKey();
    return std::next(state.begin(),
                     static_cast<std::ptrdiff_t>(rnd_.Uniform(state.size())))
        ->first;
  }

  std::string RandomValue() {
    if (rnd_.OneIn(20)) return std::string();
    if (rnd_.OneIn(400)) {
      ++large_values_;
      return RandomBytes(&rnd_, kLargeValueSize);
    }
    // The op index makes overwrites visible even with equal random bytes.
    return std::to_string(op_) + ":" +
           RandomBytes(&rnd_, rnd_.Uniform(config_.max_random_value));
  }

  WriteOptions RandomWriteOptions() {
    WriteOptions w;
    w.sync = rnd_.OneIn(config_.sync_one_in);
    ++writes_;
    if (w.sync) ++sync_writes_;
    return w;
  }

  ::testing::AssertionResult Check(const Status& s, const std::string& what) {
    if (s.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << Where(what) << s.ToString();
  }

  ::testing::AssertionResult Open() {
    const Status s = DB::Open(options_, config_.dbname, &db_);
    return Check(s, "Open");
  }

  void ReleaseAllSnapshots() {
    for (const LiveSnapshot& live : snapshots_) {
      db_->ReleaseSnapshot(live.snapshot);
      model_.ReleaseSnapshot(live.id);
    }
    snapshots_.clear();
  }

  // Adds this open's flushes to the run's count.
  void CountFlushes() {
    std::string value;
    if (db_ != nullptr && db_->GetProperty("strata.num-flushes", &value)) {
      flushes_ += std::stoull(value);
    }
    // The value log's work over the open, from strata.counters.
    if (db_ != nullptr && db_->GetProperty("strata.counters", &value)) {
      const auto counter = [&value](const std::string& name) -> uint64_t {
        const size_t at = value.find(name + " ");
        return at == std::string::npos
                   ? 0
                   : std::stoull(value.substr(at + name.size() + 1));
      };
      vlog_bytes_ += counter("vlog.bytes.written");
      vlog_gc_ += counter("vlog.gc.compactions");
      vlog_relocated_ += counter("vlog.relocated.values");
    }
  }

  // Flush() moves every write into tables and leaves no memtable data.
  ::testing::AssertionResult FlushNow() {
    ++explicit_flushes_;
    auto r = Check(db_->Flush(), "Flush");
    if (!r) return r;
    for (const char* name : {"strata.num-immutable-mem-table",
                             "strata.num-entries-active-mem-table"}) {
      std::string value;
      if (!db_->GetProperty(name, &value) || value != "0") {
        return ::testing::AssertionFailure()
               << Where("after Flush") << name << " is " << value;
      }
    }
    return ::testing::AssertionSuccess();
  }

  // Close and open again; the model is unchanged (snapshots end with the
  // DB object, so they are checked and released first).
  ::testing::AssertionResult Reopen() {
    auto r = VerifyAll("verification before reopen");
    if (!r) return r;
    ReleaseAllSnapshots();
    ++reopens_;
    CountFlushes();
    r = Check(db_->Close(), "Close");
    if (!r) return r;
    db_.reset();
    if (config_.value_log && rnd_.OneIn(4)) {
      // Pointers written stay readable with it off; it may come back.
      options_.enable_value_log = !options_.enable_value_log;
    }
    r = Open();
    if (!r) return r;
    return VerifyLatest("verification after reopen");
  }

  ::testing::AssertionResult VerifyLatest(const std::string& what) {
    return VerifyDB(db_.get(), model_, ModelDB::kLatest, nullptr, &rnd_,
                    Context(what));
  }

  ::testing::AssertionResult VerifyAll(const std::string& what) {
    auto r = VerifyLatest(what);
    if (!r) return r;
    for (const LiveSnapshot& live : snapshots_) {
      r = VerifyDB(db_.get(), model_, live.id, live.snapshot, &rnd_,
                   Context(what));
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult CheckGet(const std::string& key,
                                      const LiveSnapshot* live) {
    ReadOptions ro;
    ro.snapshot = live != nullptr ? live->snapshot : nullptr;
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    const std::optional<std::string> want =
        model_.Get(key, live != nullptr ? live->id : ModelDB::kLatest);
    const std::string what =
        "Get(" + Printable(key) + ")" +
        (live != nullptr ? " at snapshot " + std::to_string(live->id) : "");
    if (!want) {
      if (s.IsNotFound()) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure()
             << Where(what) << "expected NotFound, got "
             << (s.ok() ? Printable(value) : s.ToString());
    }
    if (!s.ok() || value != *want) {
      return ::testing::AssertionFailure()
             << Where(what) << "expected " << Printable(*want) << ", got "
             << (s.ok() ? Printable(value) : s.ToString());
    }
    return ::testing::AssertionSuccess();
  }

  // One random operation on both the DB and the model.
  ::testing::AssertionResult Step() {
    if (config_.flush_heavy) {
      const uint64_t f = rnd_.Uniform(200);
      if (f < 2) return FlushNow();
      if (f == 2) {  // reopen right after a flush: the logs hold nothing
        auto r = FlushNow();
        if (!r) return r;
        return Reopen();
      }
      if (f == 3) {  // compact everything: tombstones meet what they cover
        return Check(db_->CompactRange(nullptr, nullptr), "CompactRange");
      }
    }
    const uint64_t r = rnd_.Uniform(100);
    if (r < 28) {  // put
      const std::string key = PoolKey();
      const std::string value = RandomValue();
      model_.Put(key, value);
      return Check(db_->Put(RandomWriteOptions(), key, value), "Put");
    }
    if (r < 40) {  // overwrite a live key
      const std::string key = LiveKey();
      const std::string value = RandomValue();
      model_.Put(key, value);
      return Check(db_->Put(RandomWriteOptions(), key, value), "overwrite");
    }
    if (r < 46 && rnd_.OneIn(2)) {  // a range delete
      std::string begin = PoolKey();
      std::string end = PoolKey();
      if (end < begin) std::swap(begin, end);
      if (begin == end) end.push_back('\0');
      model_.DeleteRange(begin, end);
      return Check(db_->DeleteRange(RandomWriteOptions(), begin, end),
                   "DeleteRange");
    }
    if (r < 52) {  // delete, mostly of a live key
      const std::string key = rnd_.OneIn(3) ? PoolKey() : LiveKey();
      model_.Delete(key);
      return Check(db_->Delete(RandomWriteOptions(), key), "Delete");
    }
    if (r < 67) {  // a batch of mixed puts and deletes, possibly empty
      ModelBatch batch;
      const uint64_t n = rnd_.OneIn(30) ? 0 : 1 + rnd_.Uniform(12);
      for (uint64_t i = 0; i < n; ++i) {
        const std::string key = rnd_.OneIn(2) ? PoolKey() : LiveKey();
        if (rnd_.OneIn(12)) {
          std::string end = PoolKey();
          if (end <= key) {
            batch.Put(key, RandomValue());
          } else {
            batch.DeleteRange(key, end);
          }
        } else if (rnd_.OneIn(3)) {
          batch.Delete(key);
        } else {
          batch.Put(key, RandomValue());
        }
      }
      model_.Write(batch);
      WriteBatch wb = batch.ToWriteBatch();
      return Check(db_->Write(RandomWriteOptions(), &wb),
                   "Write(batch of " + std::to_string(n) + ")");
    }
    if (r < 82) {  // a point read, now or at a snapshot
      const LiveSnapshot* live =
          !snapshots_.empty() && rnd_.OneIn(2)
              ? &snapshots_[rnd_.Uniform(snapshots_.size())]
              : nullptr;
      const ModelState& state =
          model_.State(live != nullptr ? live->id : ModelDB::kLatest);
      return CheckGet(RandomProbeKey(state, &rnd_), live);
    }
    if (r < 87) {  // take a snapshot
      if (snapshots_.size() >= 8) return ::testing::AssertionSuccess();
      const Snapshot* snapshot = db_->GetSnapshot();
      if (snapshot == nullptr) {
        return ::testing::AssertionFailure()
               << Where("GetSnapshot") << "nullptr";
      }
      snapshots_.push_back(LiveSnapshot{model_.TakeSnapshot(), snapshot});
      return ::testing::AssertionSuccess();
    }
    if (r < 92) {  // release a snapshot after checking it in full
      if (snapshots_.empty()) return ::testing::AssertionSuccess();
      const size_t i = rnd_.Uniform(snapshots_.size());
      const LiveSnapshot live = snapshots_[i];
      auto v = VerifyDB(db_.get(), model_, live.id, live.snapshot, &rnd_,
                        Context("verification before ReleaseSnapshot"));
      if (!v) return v;
      db_->ReleaseSnapshot(live.snapshot);
      model_.ReleaseSnapshot(live.id);
      snapshots_.erase(snapshots_.begin() + static_cast<std::ptrdiff_t>(i));
      return ::testing::AssertionSuccess();
    }
    if (r < 99) {  // a short bounded scan
      ReadOptions ro;
      const ModelState& state = model_.State();
      ro.lower_bound = RandomProbeKey(state, &rnd_);
      ro.upper_bound = RandomProbeKey(state, &rnd_);
      if (*ro.upper_bound < *ro.lower_bound) {
        std::swap(ro.lower_bound, ro.upper_bound);
      }
      ro.keys_only = rnd_.OneIn(2);
      std::unique_ptr<Iterator> it = db_->NewIterator(ro);
      VerifyOptions vo;
      vo.random_seeks = 4;
      auto v = VerifyIterator(it.get(), state, ro.lower_bound, ro.upper_bound,
                              ro.keys_only, &rnd_, Context("bounded scan"), vo);
      if (!v) return v;
      // Count() agrees with the model over the same range.
      uint64_t count = 0;
      const Status s =
          db_->Count(ReadOptions(), *ro.lower_bound, *ro.upper_bound, &count);
      const auto want = static_cast<uint64_t>(
          std::distance(state.lower_bound(*ro.lower_bound),
                        state.lower_bound(*ro.upper_bound)));
      if (!s.ok() || count != want) {
        return ::testing::AssertionFailure()
               << Where("Count(" + Printable(*ro.lower_bound) + ", " +
                        Printable(*ro.upper_bound) + ")")
               << "expected " << want << ", got "
               << (s.ok() ? std::to_string(count) : s.ToString());
      }
      return ::testing::AssertionSuccess();
    }
    return Reopen();
  }

  const DriverConfig config_;
  internal::Random rnd_;
  Options options_;
  std::vector<std::string> key_pool_;
  ModelDB model_;
  std::unique_ptr<DB> db_;
  std::vector<LiveSnapshot> snapshots_;
  uint64_t op_ = 0;
  // Statistics printed at the end, to show what a seed exercised.
  int writes_ = 0;
  int sync_writes_ = 0;
  int reopens_ = 0;
  int large_values_ = 0;
  int explicit_flushes_ = 0;
  uint64_t flushes_ = 0;
  uint64_t vlog_bytes_ = 0;
  uint64_t vlog_gc_ = 0;
  uint64_t vlog_relocated_ = 0;
};

TEST(ModelTest, RandomOpsOverMemEnv) {
  const uint64_t base_seed = TestSeed(kDefaultSeed);
  for (uint64_t i = 0; i < 5; ++i) {
    const uint64_t seed = base_seed + i;
    std::fprintf(stderr, "ModelTest.RandomOpsOverMemEnv seed=%llu\n",
                 static_cast<unsigned long long>(seed));
    SCOPED_TRACE("seed=" + std::to_string(seed) +
                 " (replay with STRATA_SEED=" + std::to_string(seed) + ")");
    std::unique_ptr<Env> env = NewMemEnv();
    DriverConfig config;
    config.seed = seed;
    config.num_ops = 3000;
    config.env = env.get();
    config.dbname = "/model-db";
    ModelDriver driver(config);
    driver.Run();
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ModelTest, RandomOpsOverPosixEnv) {
  const uint64_t seed = TestSeed(kDefaultSeed + 100);
  std::fprintf(stderr, "ModelTest.RandomOpsOverPosixEnv seed=%llu\n",
               static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (replay with STRATA_SEED=" + std::to_string(seed) + ")");
  const std::string dir = NewTempDir("model_test");
  DriverConfig config;
  config.seed = seed;
  config.num_ops = 1000;
  config.env = Env::Default();
  config.dbname = dir + "/db";
  config.sync_one_in = 25;  // real fsyncs are slow
  config.verify_every = 200;
  ModelDriver driver(config);
  driver.Run();
  if (!::testing::Test::HasFailure()) RemoveTempDir(dir);
}

// The flush-heavy workload over a MemEnv: four seeds from `seed_offset`
// (consecutive seeds cover every compression kind).
void RunFlushHeavyOverMemEnv(const char* test, uint64_t seed_offset,
                             bool value_log) {
  const uint64_t base_seed = TestSeed(kDefaultSeed + seed_offset);
  for (uint64_t i = 0; i < 4; ++i) {
    const uint64_t seed = base_seed + i;
    std::fprintf(stderr, "ModelTest.%s seed=%llu\n", test,
                 static_cast<unsigned long long>(seed));
    SCOPED_TRACE("seed=" + std::to_string(seed) +
                 " (replay with STRATA_SEED=" + std::to_string(seed) + ")");
    std::unique_ptr<Env> env = NewMemEnv();
    DriverConfig config;
    config.seed = seed;
    config.num_ops = 2000;
    config.env = env.get();
    config.dbname = "/model-flush-db";
    config.max_random_value = 1500;
    config.flush_heavy = true;
    config.value_log = value_log;
    ModelDriver driver(config);
    driver.Run();
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_GT(driver.flushes(), 20u);
  }
}

// The same over the POSIX env, one seed, fewer operations, tables mapped.
void RunFlushHeavyOverPosixEnv(const char* test, uint64_t seed_offset,
                               bool value_log) {
  const uint64_t seed = TestSeed(kDefaultSeed + seed_offset);
  std::fprintf(stderr, "ModelTest.%s seed=%llu\n", test,
               static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (replay with STRATA_SEED=" + std::to_string(seed) + ")");
  const std::string dir = NewTempDir("model_flush_test");
  DriverConfig config;
  config.seed = seed;
  config.num_ops = 1000;
  config.env = Env::Default();
  config.dbname = dir + "/db";
  config.sync_one_in = 25;  // real fsyncs are slow
  config.verify_every = 200;
  config.max_random_value = 1500;
  config.flush_heavy = true;
  config.mmap_reads = true;  // the POSIX env maps the tables
  config.value_log = value_log;
  ModelDriver driver(config);
  driver.Run();
  if (::testing::Test::HasFatalFailure()) return;
  EXPECT_GT(driver.flushes(), 5u);
  if (!::testing::Test::HasFailure()) RemoveTempDir(dir);
}

// 64 KiB memtables and values of ~750 bytes on average: a memtable fills
// every hundred operations or so, under random table options, with Flush()
// and flush-then-reopen mixed in.
TEST(ModelTest, FlushHeavyRandomOpsOverMemEnv) {
  RunFlushHeavyOverMemEnv("FlushHeavyRandomOpsOverMemEnv", 200, false);
}

TEST(ModelTest, FlushHeavyRandomOpsOverPosixEnv) {
  RunFlushHeavyOverPosixEnv("FlushHeavyRandomOpsOverPosixEnv", 300, false);
}

// The flush-heavy workload with the value log (issue 16): values move to
// value-log files at flush and compaction, garbage collection moves them
// again, and the log is turned off and on across reopens.
TEST(ModelTest, ValueLogRandomOpsOverMemEnv) {
  RunFlushHeavyOverMemEnv("ValueLogRandomOpsOverMemEnv", 400, true);
}

TEST(ModelTest, ValueLogRandomOpsOverPosixEnv) {
  RunFlushHeavyOverPosixEnv("ValueLogRandomOpsOverPosixEnv", 500, true);
}

// The checks must notice every kind of difference, or the tests above
// could pass against a broken DB.
TEST(ModelTest, VerifierReportsTheFirstDifference) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/verify-db", &db).ok());
  ModelDB model;
  for (const std::string& key : {std::string("a"), std::string("b\xff"),
                                 std::string("c"), std::string("d\0x", 3)}) {
    ASSERT_TRUE(db->Put(WriteOptions(), key, "v" + key).ok());
    model.Put(key, "v" + key);
  }
  internal::Random rnd(7);
  const VerifyContext context{42, 17, "self-check"};
  EXPECT_TRUE(
      VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd, context));

  ModelDB missing = model;  // the DB holds a key the model lacks
  missing.Delete("c");
  auto r =
      VerifyDB(db.get(), missing, ModelDB::kLatest, nullptr, &rnd, context);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("seed=42 op=17 self-check"),
            std::string::npos)
      << r.message();
  EXPECT_NE(std::string(r.message()).find("\"c\""), std::string::npos)
      << r.message();

  ModelDB changed = model;  // a value differs
  changed.Put("b\xff", "other");
  r = VerifyDB(db.get(), changed, ModelDB::kLatest, nullptr, &rnd, context);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("\"other\""), std::string::npos)
      << r.message();

  ModelDB extra = model;  // the model holds a key the DB lacks
  extra.Put("bb", "x");
  r = VerifyDB(db.get(), extra, ModelDB::kLatest, nullptr, &rnd, context);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("\"bb\""), std::string::npos)
      << r.message();

  // A snapshot check compares against the pinned state, not the latest.
  const Snapshot* snap = db->GetSnapshot();
  const ModelDB::SnapshotId id = model.TakeSnapshot();
  ASSERT_TRUE(db->Delete(WriteOptions(), "a").ok());
  model.Delete("a");
  EXPECT_TRUE(VerifyDB(db.get(), model, id, snap, &rnd, context));
  EXPECT_TRUE(
      VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd, context));
  EXPECT_FALSE(VerifyDB(db.get(), model, id, nullptr, &rnd, context));
  db->ReleaseSnapshot(snap);
  model.ReleaseSnapshot(id);

  ModelState a{{"k", "1"}};
  ModelState b{{"k", "2"}};
  EXPECT_EQ(DescribeDifference(a, b), "key \"k\": expected \"1\", got \"2\"");
  EXPECT_EQ(DescribeDifference(a, a), "");
  EXPECT_EQ(Printable(std::string("a\0\xff", 3)), "\"a\\x00\\xff\"");
  ASSERT_TRUE(db->Close().ok());
}

TEST(ModelTest, ModelSnapshotsAreIsolated) {
  ModelDB model;
  model.Put("a", "1");
  const ModelDB::SnapshotId s1 = model.TakeSnapshot();
  model.Put("a", "2");
  model.Put("b", "3");
  const ModelDB::SnapshotId s2 = model.TakeSnapshot();
  ModelBatch batch;
  batch.Delete("a");
  batch.Put("c", "4");
  model.Write(batch);
  EXPECT_EQ(model.Get("a", s1), "1");
  EXPECT_EQ(model.Get("b", s1), std::nullopt);
  EXPECT_EQ(model.Get("a", s2), "2");
  EXPECT_EQ(model.Get("a"), std::nullopt);
  EXPECT_EQ(model.Get("c"), "4");
  EXPECT_EQ(model.LiveSnapshots(), (std::vector<ModelDB::SnapshotId>{s1, s2}));
  model.ReleaseSnapshot(s1);
  EXPECT_FALSE(model.IsLive(s1));
  EXPECT_EQ(model.State(s2).size(), 2u);
  model.ResetState(ModelState{{"z", "9"}});
  EXPECT_EQ(model.Get("z"), "9");
  EXPECT_EQ(model.Get("b", s2), "3");
}

}  // namespace
}  // namespace strata::testing
