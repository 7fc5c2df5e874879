// Flush tests: memtables become L0 tables, and reads, snapshots, reopen,
// obsolete-file deletion, damaged or missing tables, write stalls and
// concurrent readers all behave while they do.
//
// Most tests run over the in-memory env and over POSIX in a temp dir (the
// POSIX runs write fewer keys: every flush there is three fsyncs). Tests
// that need to hold a flush at a known point use GatedEnv, which blocks the
// creation of table files until the test lets it go (failed flushes are
// in flush_fault_test.cc). Tests that count tables keep automatic compaction
// off (KeepTablesInL0), so every table is a flush's output and stays in L0;
// the others run with compaction at its defaults, racing the flushes.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "db/db_impl.h"
#include "env/env_util.h"
#include "env/env_wrapper.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr size_t kSmallBuffer = 64 << 10;

// Sanitizer builds run the biggest loops smaller (they are 5-20x slower).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Raises the L0 triggers above any table count these tests reach and
// turns the idle fold off: no automatic compaction starts, no write is
// slowed for L0 files, and every table on disk is a flush's output, in L0.
void KeepTablesInL0(Options* options) {
  options->level0_idle_compaction_ms = 0;
  options->level0_compaction_trigger = 1 << 20;
  options->level0_slowdown_writes_trigger = 1 << 20;
  options->level0_stop_writes_trigger = 1 << 20;
}

// ---- Keys, values and properties --------------------------------------------

// A 16-byte key for index `i`, scattered over the key space so that
// consecutive indexes land in different places.
std::string ScatteredKey(uint64_t i) {
  uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(x));
  return std::string(buf, 16);
}

// A 100-byte value naming the key index and the write that made it.
std::string ValueFor(uint64_t index, uint64_t write) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "i%llu.w%llu.",
                static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(write));
  std::string v(buf);
  // Filler that varies with the write, so blocks compress only partly.
  while (v.size() < 100) {
    v.push_back(static_cast<char>('a' + (write + v.size() * 7) % 26));
  }
  return v;
}

// The value of property `name` as a number; a test failure if it is missing.
uint64_t Property(DB* db, const std::string& name) {
  std::string value;
  if (!db->GetProperty(name, &value)) {
    ADD_FAILURE() << "property " << name << " is missing";
    return 0;
  }
  return std::stoull(value);
}

uint64_t TablesInLevels(DB* db) {
  uint64_t n = 0;
  for (int level = 0; level < Options().num_levels; ++level) {
    n += Property(db, "strata.num-files-at-level" + std::to_string(level));
  }
  return n;
}

// The DB's files by kind, as names.
struct DirListing {
  std::vector<std::string> logs;
  std::vector<std::string> tables;
  std::vector<std::string> manifests;
  std::vector<std::string> temps;
};

DirListing ListDB(Env* env, const std::string& dbname) {
  DirListing listing;
  std::vector<std::string> names;
  const Status s = env->GetChildren(dbname, &names);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (const std::string& name : names) {
    uint64_t number = 0;
    internal::FileType type;
    if (!internal::ParseFileName(name, &number, &type)) continue;
    switch (type) {
      case internal::FileType::kLogFile:
        listing.logs.push_back(name);
        break;
      case internal::FileType::kTableFile:
        listing.tables.push_back(name);
        break;
      case internal::FileType::kManifestFile:
        listing.manifests.push_back(name);
        break;
      case internal::FileType::kTempFile:
        listing.temps.push_back(name);
        break;
      default:
        break;
    }
  }
  std::sort(listing.tables.begin(), listing.tables.end());
  return listing;
}

uint64_t FileSize(Env* env, const std::string& path) {
  uint64_t size = 0;
  const Status s = env->GetFileSize(path, &size);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return size;
}

// Waits (polling, up to 30 s) until `condition` holds.
::testing::AssertionResult Eventually(const std::function<bool()>& condition,
                                      const std::string& what) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return ::testing::AssertionFailure() << "timed out waiting for " << what;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return ::testing::AssertionSuccess();
}

// ---- An env that can hold table creation ------------------------------------

// Forwards every call to a borrowed base env. While held, creating a table
// file ("*.sst") blocks until Release(): the background flush then stops
// before writing anything, and the memtable it flushes stays frozen. The
// destructor releases, so no thread stays blocked.
class GatedEnv final : public internal::EnvWrapper {
 public:
  explicit GatedEnv(Env* base) : EnvWrapper(base) {}
  ~GatedEnv() override { Release(); }

  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Threads currently blocked creating a table.
  int blocked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return blocked_;
  }

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    if (path.ends_with(".sst")) {
      std::unique_lock<std::mutex> lock(mu_);
      ++blocked_;
      cv_.wait(lock, [this] { return !held_; });
      --blocked_;
    }
    return target()->NewWritableFile(path, result);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int blocked_ = 0;
};

// Releases a GatedEnv when it goes out of scope. Declared after the DB, it
// runs before the DB closes, so that a failed assertion cannot leave
// Close() waiting for a held flush.
class GateReleaser {
 public:
  explicit GateReleaser(GatedEnv* env) : env_(env) {}
  ~GateReleaser() { env_->Release(); }
  GateReleaser(const GateReleaser&) = delete;
  GateReleaser& operator=(const GateReleaser&) = delete;

 private:
  GatedEnv* const env_;
};

// ---- Fixture: MemEnv or POSIX -----------------------------------------------

class DBFlushTest : public ::testing::TestWithParam<bool> {
 protected:
  DBFlushTest() {
    if (posix()) {
      dir_ = NewTempDir("db_flush");
      dbname_ = dir_ + "/db";
      env_ = Env::Default();
    } else {
      mem_env_ = NewMemEnv();
      env_ = mem_env_.get();
      dbname_ = "/flush-db";
    }
    options_.env = env_;
    options_.write_buffer_size = kSmallBuffer;
    KeepTablesInL0(&options_);
  }
  ~DBFlushTest() override {
    if (db_ != nullptr) (void)db_->Close();  // a failed test may leave it open
    db_.reset();
    if (!dir_.empty() && !HasFailure()) RemoveTempDir(dir_);
  }

  bool posix() const { return GetParam(); }
  // POSIX runs do less: each flush there costs real fsyncs. Sanitizer
  // builds do the POSIX amount everywhere.
  uint64_t Scaled(uint64_t mem_count, uint64_t posix_count) const {
    return posix() || kSanitized ? posix_count : mem_count;
  }

  Status TryOpen() {
    db_.reset();
    return DB::Open(options_, dbname_, &db_);
  }
  void Open() {
    const Status s = TryOpen();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Close() {
    const Status s = db_->Close();
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset();
  }
  void Reopen() {
    ASSERT_NO_FATAL_FAILURE(Close());
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  // "NOT_FOUND", the status text, or the value.
  std::string Get(const std::string& key, const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return value;
  }

  uint64_t Prop(const std::string& name) { return Property(db_.get(), name); }
  DirListing List() { return ListDB(env_, dbname_); }
  std::string Path(const std::string& name) const {
    return dbname_ + "/" + name;
  }

  std::unique_ptr<Env> mem_env_;
  Env* env_ = nullptr;
  std::string dir_;
  std::string dbname_;
  Options options_;
  std::unique_ptr<DB> db_;
};

// Every key of `model` reads back with Get, and forward and reverse scans
// give exactly `model`.
void ExpectDBEquals(DB* db, const std::map<std::string, std::string>& model,
                    const std::string& when) {
  SCOPED_TRACE(when);
  size_t wrong = 0;
  for (const auto& [key, value] : model) {
    std::string got;
    const Status s = db->Get(ReadOptions(), key, &got);
    if (!s.ok() || got != value) {
      if (++wrong <= 3) {
        ADD_FAILURE() << "Get(" << key << "): expected " << value << ", got "
                      << (s.ok() ? got : s.ToString());
      }
    }
  }
  EXPECT_EQ(wrong, 0u);

  auto it = db->NewIterator(ReadOptions());
  auto m = model.begin();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m, ++n) {
    ASSERT_NE(m, model.end())
        << "forward scan: extra key " << it->key().ToString();
    ASSERT_EQ(it->key().ToString(), m->first) << "forward scan entry " << n;
    ASSERT_EQ(it->value().ToString(), m->second) << "forward scan entry " << n;
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  ASSERT_EQ(n, model.size()) << "forward scan ended early";

  auto r = model.rbegin();
  n = 0;
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r, ++n) {
    ASSERT_NE(r, model.rend())
        << "reverse scan: extra key " << it->key().ToString();
    ASSERT_EQ(it->key().ToString(), r->first) << "reverse scan entry " << n;
    ASSERT_EQ(it->value().ToString(), r->second) << "reverse scan entry " << n;
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  ASSERT_EQ(n, model.size()) << "reverse scan ended early";
}

// ---- Many flushes -----------------------------------------------------------

// 100,000 random puts of 16-byte keys and 100-byte values through 64 KiB
// memtables end up in hundreds of L0 tables; every key reads back with its
// latest value before and after a reopen.
TEST_P(DBFlushTest, ManyRandomPutsFlushIntoManyTables) {
  const uint64_t writes = Scaled(100000, 20000);
  const uint64_t key_space = writes * 2 / 3;  // about 1 in 3 puts overwrites
  ASSERT_NO_FATAL_FAILURE(Open());
  internal::Random rnd(TestSeed(301));
  std::map<std::string, std::string> model;
  for (uint64_t w = 0; w < writes; ++w) {
    const uint64_t index = rnd.Uniform(key_space);
    const std::string key = ScatteredKey(index);
    const std::string value = ValueFor(index, w);
    ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok()) << "put " << w;
    model[key] = value;
  }
  // Background flushes may still run: the counts only grow.
  EXPECT_GT(Prop("strata.num-files-at-level0"), 20u);
  EXPECT_GT(Prop("strata.num-flushes"), 20u);
  EXPECT_EQ(Prop("strata.last-sequence"), writes);
  ASSERT_NO_FATAL_FAILURE(ExpectDBEquals(db_.get(), model, "before reopen"));

  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Prop("strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(Prop("strata.num-entries-active-mem-table"), 0u);
  const uint64_t tables = Prop("strata.num-files-at-level0");
  EXPECT_EQ(Prop("strata.num-flushes"), tables);  // every flush made a table
  EXPECT_EQ(List().tables.size(), tables);
  uint64_t bytes = 0;
  for (const std::string& name : List().tables) {
    bytes += FileSize(env_, Path(name));
  }
  EXPECT_EQ(Prop("strata.total-sst-bytes"), bytes);
  EXPECT_GT(Prop("strata.block-cache-usage"), 0u);
  EXPECT_LE(Prop("strata.block-cache-usage"), options_.block_cache_capacity);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(Prop("strata.num-files-at-level0"), tables);
  EXPECT_EQ(Prop("strata.last-sequence"), writes);
  ASSERT_NO_FATAL_FAILURE(ExpectDBEquals(db_.get(), model, "after reopen"));
}

// With max_open_files = 16 and ~40 tables, the table cache evicts and
// reopens tables all the time; reads stay right, and an iterator keeps the
// tables it reads from usable while they are evicted under it.
TEST_P(DBFlushTest, SmallTableCacheEvictsAndReopensTables) {
  options_.max_open_files = 16;
  const uint64_t writes = Scaled(20000, 12000);
  ASSERT_NO_FATAL_FAILURE(Open());
  internal::Random rnd(TestSeed(302));
  std::map<std::string, std::string> model;
  for (uint64_t w = 0; w < writes; ++w) {
    const uint64_t index = rnd.Uniform(writes / 2);
    const std::string key = ScatteredKey(index);
    const std::string value = ValueFor(index, w);
    ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok());
    model[key] = value;
  }
  ASSERT_TRUE(db_->Flush().ok());
  const uint64_t tables = Prop("strata.num-files-at-level0");
  ASSERT_GT(tables, 20u) << "too few tables to overflow the table cache";

  // An iterator opened now pins every table; Gets evict them from the cache.
  auto pinned = db_->NewIterator(ReadOptions());
  pinned->SeekToFirst();
  ASSERT_TRUE(pinned->Valid());
  EXPECT_LE(Prop("strata.open-tables"), 16u);
  // A sample (two keys in three, one under sanitizers) keeps this short:
  // each Get may open several tables.
  const uint64_t keep_in_3 = kSanitized ? 1 : 2;
  size_t checked = 0;
  for (const auto& [key, value] : model) {
    if (rnd.Uniform(3) >= keep_in_3) continue;
    ASSERT_EQ(Get(key), value) << key;
    if (++checked % 500 == 0) {
      ASSERT_LE(Prop("strata.open-tables"), 16u);
    }
  }
  EXPECT_GT(checked, model.size() * keep_in_3 / 4);
  auto m = model.begin();
  for (size_t step = 0; pinned->Valid(); pinned->Next(), ++m, ++step) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(pinned->key().ToString(), m->first);
    ASSERT_EQ(pinned->value().ToString(), m->second);
    if (step % (kSanitized ? 16 : 4) != 0) continue;
    // Reads between steps keep evicting the iterator's tables.
    const std::string probe = ScatteredKey(rnd.Uniform(writes / 2));
    const auto want = model.find(probe);
    ASSERT_EQ(Get(probe), want == model.end() ? "NOT_FOUND" : want->second);
  }
  ASSERT_TRUE(pinned->status().ok()) << pinned->status().ToString();
  EXPECT_EQ(m, model.end());
  pinned.reset();
  EXPECT_LE(Prop("strata.open-tables"), 16u);
  EXPECT_GT(Prop("strata.open-tables"), 0u);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_NO_FATAL_FAILURE(ExpectDBEquals(db_.get(), model, "after reopen"));
  EXPECT_LE(Prop("strata.open-tables"), 16u);
}

// ---- Snapshots and flushes --------------------------------------------------

// Snapshots taken while their data sat in memtables read the same state
// after every write has moved into tables (and, compaction being on here,
// after tables were merged under them).
TEST_P(DBFlushTest, SnapshotsReadTheirStateAfterFlushes) {
  const Options defaults;
  options_.level0_compaction_trigger = defaults.level0_compaction_trigger;
  options_.level0_slowdown_writes_trigger =
      defaults.level0_slowdown_writes_trigger;
  options_.level0_stop_writes_trigger = defaults.level0_stop_writes_trigger;
  ASSERT_NO_FATAL_FAILURE(Open());
  internal::Random rnd(TestSeed(303));
  ModelDB model;
  struct Pinned {
    ModelDB::SnapshotId id;
    const Snapshot* snapshot;
  };
  std::vector<Pinned> pinned;
  const uint64_t rounds = 6;
  const uint64_t ops_per_round = Scaled(1500, 600);
  uint64_t op = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    for (uint64_t i = 0; i < ops_per_round; ++i, ++op) {
      const std::string key = ScatteredKey(rnd.Uniform(400));
      if (rnd.OneIn(5)) {
        ASSERT_TRUE(db_->Delete(WriteOptions(), key).ok());
        model.Delete(key);
      } else {
        const std::string value =
            ValueFor(op, op) + std::string(rnd.Uniform(100), 'p');
        ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok());
        model.Put(key, value);
      }
    }
    pinned.push_back(Pinned{model.TakeSnapshot(), db_->GetSnapshot()});
    ASSERT_NE(pinned.back().snapshot, nullptr);
  }
  const uint64_t flushes_before = Prop("strata.num-flushes");
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_GT(Prop("strata.num-flushes"), flushes_before);
  EXPECT_GE(Prop("strata.num-flushes"), rounds);
  EXPECT_EQ(Prop("strata.num-snapshots"), rounds);
  for (const Pinned& p : pinned) {
    EXPECT_TRUE(VerifyDB(db_.get(), model, p.id, p.snapshot, &rnd,
                         VerifyContext{303, p.id, "snapshot after flushes"}));
  }
  // Overwrite or delete every key, flush again: the snapshots still see the
  // old versions, which now exist only in tables.
  for (const auto& [key, value] : ModelState(model.State())) {
    if (rnd.OneIn(2)) {
      ASSERT_TRUE(db_->Delete(WriteOptions(), key).ok());
      model.Delete(key);
    } else {
      ASSERT_TRUE(db_->Put(WriteOptions(), key, "new-" + value).ok());
      model.Put(key, "new-" + value);
    }
  }
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_TRUE(VerifyDB(db_.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{303, 0, "latest after overwrites"}));
  for (const Pinned& p : pinned) {
    EXPECT_TRUE(
        VerifyDB(db_.get(), model, p.id, p.snapshot, &rnd,
                 VerifyContext{303, p.id, "snapshot after overwrites"}));
    db_->ReleaseSnapshot(p.snapshot);
    model.ReleaseSnapshot(p.id);
  }
  EXPECT_EQ(Prop("strata.num-snapshots"), 0u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(VerifyDB(db_.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{303, 0, "after reopen"}));
}

// ---- Flush(), flush_on_close and the logs -----------------------------------

TEST_P(DBFlushTest, FlushOfAnEmptyMemtableCreatesNoTable) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Prop("strata.num-flushes"), 0u);
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 0u);
  EXPECT_EQ(List().tables.size(), 0u);

  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Prop("strata.num-flushes"), 1u);
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 1u);
  // Nothing new since: both flushes are no-ops.
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Prop("strata.num-flushes"), 1u);
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 1u);
  EXPECT_EQ(List().tables.size(), 1u);
  EXPECT_EQ(Get("k"), "v");
}

// After Flush() the data is in a table, so a close without flush_on_close
// leaves only empty logs and the reopen replays nothing (makes no table).
TEST_P(DBFlushTest, FlushThenReopenReplaysNoLogData) {
  options_.flush_on_close = false;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 0)).ok());
  }
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_NO_FATAL_FAILURE(Close());
  const DirListing listing = List();
  ASSERT_EQ(listing.tables.size(), 1u);
  ASSERT_EQ(listing.logs.size(), 1u);
  EXPECT_EQ(FileSize(env_, Path(listing.logs[0])), 0u);

  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 1u);
  EXPECT_EQ(List().tables, listing.tables);  // recovery wrote no table
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(Get(ScatteredKey(i)), ValueFor(i, 0));
  }
}

TEST_P(DBFlushTest, FlushOnCloseLeavesNoLogData) {
  options_.flush_on_close = true;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 1)).ok());
  }
  ASSERT_TRUE(db_->Delete(WriteOptions(), ScatteredKey(7)).ok());
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 0u);
  ASSERT_NO_FATAL_FAILURE(Close());
  const DirListing listing = List();
  EXPECT_EQ(listing.tables.size(), 1u);
  for (const std::string& log : listing.logs) {
    EXPECT_EQ(FileSize(env_, Path(log)), 0u) << log;
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(List().tables, listing.tables);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Get(ScatteredKey(i)), i == 7 ? "NOT_FOUND" : ValueFor(i, 1));
  }
}

TEST_P(DBFlushTest, WithoutFlushOnCloseTheLogKeepsTheData) {
  options_.flush_on_close = false;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 2)).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Close());
  DirListing listing = List();
  EXPECT_EQ(listing.tables.size(), 0u);
  uint64_t log_bytes = 0;
  for (const std::string& log : listing.logs) {
    log_bytes += FileSize(env_, Path(log));
  }
  EXPECT_GT(log_bytes, 100u * 100u);

  // Recovery replays the log into a table, and the replayed log goes.
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Get(ScatteredKey(i)), ValueFor(i, 2));
  }
  EXPECT_EQ(Prop("strata.num-files-at-level0"), 1u);
  listing = List();
  EXPECT_EQ(listing.tables.size(), 1u);
  ASSERT_EQ(listing.logs.size(), 1u);
  EXPECT_EQ(FileSize(env_, Path(listing.logs[0])), 0u);
}

// ---- Obsolete files ---------------------------------------------------------

// After flushes only the live log, one MANIFEST (the one CURRENT names) and
// the tables the version references remain. (Right after Flush() returns,
// the flush thread may still be deleting: Flush() waits until the data is
// in tables, not for the clean-up, so the check there waits for the old
// logs to go. Open() cleans up before it returns.)
TEST_P(DBFlushTest, ObsoleteFilesAreDeleted) {
  options_.flush_on_close = false;
  auto expect_clean = [&](const std::string& when) {
    SCOPED_TRACE(when);
    EXPECT_TRUE(Eventually([&] { return List().logs.size() == 1; },
                           "the old logs to be deleted"));
    const DirListing listing = List();
    EXPECT_EQ(listing.logs.size(), 1u);
    EXPECT_EQ(listing.temps.size(), 0u);
    ASSERT_EQ(listing.manifests.size(), 1u);
    std::string current;
    ASSERT_TRUE(
        internal::ReadFileToString(env_, Path("CURRENT"), &current).ok());
    EXPECT_EQ(current, listing.manifests[0] + "\n");
    EXPECT_EQ(listing.tables.size(), TablesInLevels(db_.get()));
    EXPECT_EQ(listing.tables.size(), Prop("strata.num-files-at-level0"));
  };
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < Scaled(3000, 1200); ++i) {
      ASSERT_TRUE(
          db_->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, round)).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_NO_FATAL_FAILURE(
        expect_clean("after flush " + std::to_string(round)));
    // Counted since this round's open.
    EXPECT_GE(Prop("strata.num-flushes"), 2u);
    // Unflushed data stays in the log across a reopen, and the reopen
    // retires the old log and MANIFEST.
    ASSERT_TRUE(
        db_->Put(WriteOptions(), "unflushed", std::to_string(round)).ok());
    ASSERT_NO_FATAL_FAILURE(Reopen());
    ASSERT_NO_FATAL_FAILURE(
        expect_clean("after reopen " + std::to_string(round)));
    EXPECT_EQ(Get("unflushed"), std::to_string(round));
    EXPECT_EQ(Get(ScatteredKey(5)), ValueFor(5, round));
  }
}

// ---- Missing and damaged tables ---------------------------------------------

TEST_P(DBFlushTest, MissingTableFailsOpenNamingIt) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int t = 0; t < 3; ++t) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(t), "v").ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_NO_FATAL_FAILURE(Close());
  const DirListing listing = List();
  ASSERT_EQ(listing.tables.size(), 3u);
  const std::string victim = listing.tables[1];
  ASSERT_TRUE(env_->RemoveFile(Path(victim)).ok());

  const Status s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(victim), std::string::npos) << s.ToString();
  EXPECT_EQ(db_, nullptr);
  // The refused open deleted nothing.
  EXPECT_EQ(List().tables.size(), 2u);
  EXPECT_EQ(List().manifests, listing.manifests);
}

// A flipped byte inside a data block makes reads of that block fail with
// Corruption naming the table; they never return wrong data, and other
// tables (and other blocks of the same table) stay readable.
TEST_P(DBFlushTest, DamagedTableBlockIsCorruptionNamingTheFile) {
  options_.compression = Compression::kNone;  // so the flip hits a value
  options_.flush_on_close = false;
  ASSERT_NO_FATAL_FAILURE(Open());
  auto key = [](char table, int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%c%04d", table, i);
    return std::string(buf);
  };
  for (const char table : {'a', 'b'}) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), key(table, i), ValueFor(i, 0)).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_NO_FATAL_FAILURE(Close());
  const DirListing listing = List();
  ASSERT_EQ(listing.tables.size(), 2u);
  const std::string damaged = listing.tables[0];  // the 'a' keys, flushed first
  std::string contents;
  ASSERT_TRUE(internal::ReadFileToString(env_, Path(damaged), &contents).ok());
  ASSERT_GT(contents.size(), 8000u);
  // 1000 bytes in: the middle of the first 4 KiB data block, which holds
  // a0000 .. a0030 or so.
  contents[1000] ^= 0x20;
  ASSERT_TRUE(
      internal::WriteStringToFile(env_, contents, Path(damaged), true).ok());

  ASSERT_NO_FATAL_FAILURE(Open());  // a fresh block cache
  for (int attempt = 0; attempt < 2;
       ++attempt) {  // the error is not cached away
    std::string value;
    const Status s = db_->Get(ReadOptions(), key('a', 0), &value);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.ToString().find(damaged), std::string::npos) << s.ToString();
  }
  // The last keys of the damaged table are in another block.
  EXPECT_EQ(Get(key('a', 199)), ValueFor(199, 0));
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(Get(key('b', i)), ValueFor(i, 0));
  }

  // A full scan stops at the damage with the same error.
  auto it = db_->NewIterator(ReadOptions());
  int seen = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++seen;
  EXPECT_EQ(seen, 0);
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_NE(it->status().ToString().find(damaged), std::string::npos)
      << it->status().ToString();
  // A scan of the other table's range is whole.
  ReadOptions bounded;
  bounded.lower_bound = "b";
  auto b = db_->NewIterator(bounded);
  int b_keys = 0;
  for (b->SeekToFirst(); b->Valid(); b->Next(), ++b_keys) {
    ASSERT_EQ(b->key().ToString(), key('b', b_keys));
    ASSERT_EQ(b->value().ToString(), ValueFor(b_keys, 0));
  }
  EXPECT_TRUE(b->status().ok()) << b->status().ToString();
  EXPECT_EQ(b_keys, 200);
}

INSTANTIATE_TEST_SUITE_P(Envs, DBFlushTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Posix" : "Mem";
                         });

// ---- Reads across memtables, frozen memtables and tables --------------------

// Fills the active memtable with filler puts until `frozen` memtables are
// frozen (the background flush is held, so they stay).
::testing::AssertionResult FillUntilFrozen(DB* db, ModelDB* model,
                                           uint64_t frozen, int* filler) {
  for (int i = 0; i < 5000; ++i) {
    if (Property(db, "strata.num-immutable-mem-table") >= frozen) {
      return ::testing::AssertionSuccess();
    }
    char key[16];
    std::snprintf(key, sizeof(key), "x%05d", (*filler)++);
    const std::string value(200, static_cast<char>('A' + *filler % 26));
    const Status s = db->Put(WriteOptions(), key, value);
    if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
    model->Put(key, value);
  }
  return ::testing::AssertionFailure() << "no memtable switch";
}

TEST(DBFlushReadTest, ReadsMergeActiveFrozenAndTableData) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 4;
  KeepTablesInL0(&options);
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/merge-db", &db).ok());
  ModelDB model;
  internal::Random rnd(304);
  auto put = [&](const std::string& k, const std::string& v) {
    ASSERT_TRUE(db->Put(WriteOptions(), k, v).ok());
    model.Put(k, v);
  };
  auto del = [&](const std::string& k) {
    ASSERT_TRUE(db->Delete(WriteOptions(), k).ok());
    model.Delete(k);
  };
  std::vector<std::pair<ModelDB::SnapshotId, const Snapshot*>> snapshots;
  auto snap = [&] {
    snapshots.emplace_back(model.TakeSnapshot(), db->GetSnapshot());
  };

  // Table 1 (oldest) and table 2.
  put("a", "a1");
  put("b", "b1");
  del("c");
  put("f", "f1");
  put("g", "g1");
  put("d", "d1");
  ASSERT_TRUE(db->Flush().ok());
  del("a");        // a delete in a newer table hides a1
  put("c", "c2");  // a value in a newer table hides the older delete
  put("d", "d2");
  del("f");
  put("h", "h2");
  ASSERT_TRUE(db->Flush().ok());
  snap();

  // Frozen memtable 1, then frozen memtable 2; their flush is held.
  env.Hold();
  int filler = 0;
  put("a", "a3");  // a value in a frozen memtable hides the table's delete
  put("d", "d3");
  put("e", "e3");
  del("g");  // a delete in a frozen memtable hides the table's value
  snap();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  del("e");  // a delete in the newer frozen memtable hides the older value
  put("d", "d4");
  put("i", "i4");
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 2, &filler));
  snap();
  // The active memtable.
  del("b");  // a delete in the memtable hides the table's value
  put("d", "d5");
  del("i");
  put("j", "j5");
  snap();

  ASSERT_TRUE(Eventually([&] { return env.blocked() == 1; }, "a held flush"));
  EXPECT_EQ(Property(db.get(), "strata.num-immutable-mem-table"), 2u);
  EXPECT_EQ(Property(db.get(), "strata.num-files-at-level0"), 2u);
  EXPECT_EQ(Property(db.get(), "strata.num-flushes"), 2u);
  auto expect_point_reads = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const std::map<std::string, std::string> want = {
        {"a", "a3"},        {"b", "NOT_FOUND"}, {"c", "c2"},        {"d", "d5"},
        {"e", "NOT_FOUND"}, {"f", "NOT_FOUND"}, {"g", "NOT_FOUND"}, {"h", "h2"},
        {"i", "NOT_FOUND"}, {"j", "j5"}};
    for (const auto& [k, v] : want) {
      std::string value;
      const Status s = db->Get(ReadOptions(), k, &value);
      EXPECT_EQ(s.ok() ? value : (s.IsNotFound() ? "NOT_FOUND" : s.ToString()),
                v)
          << k;
    }
  };
  auto verify_all = [&](const std::string& when) {
    expect_point_reads(when);
    EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                         VerifyContext{304, 0, when}));
    for (const auto& [id, snapshot] : snapshots) {
      EXPECT_TRUE(VerifyDB(db.get(), model, id, snapshot, &rnd,
                           VerifyContext{304, id, when + " at a snapshot"}));
    }
  };
  verify_all("spread over memtable, 2 frozen memtables and 2 tables");

  env.Release();
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(Property(db.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(Property(db.get(), "strata.num-files-at-level0"), 5u);
  verify_all("all in 5 tables");
  for (const auto& [id, snapshot] : snapshots) {
    db->ReleaseSnapshot(snapshot);
    model.ReleaseSnapshot(id);
  }
  ASSERT_TRUE(db->Close().ok());
  ASSERT_TRUE(DB::Open(options, "/merge-db", &db).ok());
  expect_point_reads("after reopen");
  EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{304, 0, "after reopen"}));
  ASSERT_TRUE(db->Close().ok());
}

// Writes that land in the newer log while an older memtable is being
// flushed are replayed after a reopen that does not flush on close (and
// after a crash, which leaves the same files).
TEST(DBFlushReadTest, WritesDuringAFlushSurviveReopenWithoutFlushOnClose) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.flush_on_close = false;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/seq-db", &db).ok());
  ModelDB model;
  int filler = 0;
  env.Hold();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  // In the active memtable and the newer log, while the flush is held.
  ASSERT_TRUE(db->Put(WriteOptions(), "late", "write").ok());
  model.Put("late", "write");
  ASSERT_TRUE(Eventually([&] { return env.blocked() == 1; }, "a held flush"));
  env.Release();
  ASSERT_TRUE(
      Eventually([&] { return Property(db.get(), "strata.num-flushes") == 1; },
                 "the flush"));
  const uint64_t last_sequence = Property(db.get(), "strata.last-sequence");
  ASSERT_TRUE(db->Close().ok());
  db.reset();

  const Status s = DB::Open(options, "/seq-db", &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Property(db.get(), "strata.last-sequence"), last_sequence);
  ModelState recovered;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &recovered).ok());
  EXPECT_EQ(DescribeDifference(model.State(), recovered), "");
  ASSERT_TRUE(db->Close().ok());
}

// ---- Write stalls -----------------------------------------------------------

// With max_write_buffer_number = 2 and the flush held, a writer that fills
// a second memtable waits; it finishes once the flush goes on, and the wait
// is reported in strata.stall-micros.
TEST(DBFlushStallTest, WriterWaitsForAHeldFlush) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/stall-db", &db).ok());
  EXPECT_EQ(Property(db.get(), "strata.stall-micros"), 0u);

  env.Hold();
  constexpr int kWrites = 2000;  // 200 KiB of values: over three memtables
  std::atomic<int> written{0};
  Status writer_status;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      const Status s = db->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 0));
      if (!s.ok()) {
        writer_status = s;
        return;
      }
      written.store(i + 1, std::memory_order_release);
    }
  });
  // One memtable frozen and held, the active one full: the writer's next
  // write must wait for the flush.
  const bool stalled = Eventually(
      [&] {
        return env.blocked() == 1 &&
               Property(db.get(), "strata.num-immutable-mem-table") == 1 &&
               Property(db.get(), "strata.mem-usage") >= kSmallBuffer;
      },
      "a full memtable behind a held flush");
  EXPECT_TRUE(stalled);
  // Give the writer time to reach the wait (only the reported stall time
  // depends on this; the writer cannot finish either way).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LT(written.load(std::memory_order_acquire), kWrites);
  const int before_release = written.load(std::memory_order_acquire);
  env.Release();
  writer.join();
  ASSERT_TRUE(writer_status.ok()) << writer_status.ToString();
  EXPECT_GT(kWrites, before_release);
  EXPECT_GT(Property(db.get(), "strata.stall-micros"), 0u);
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < kWrites; ++i) {
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), ScatteredKey(i), &value).ok()) << i;
    ASSERT_EQ(value, ValueFor(i, 0));
  }
  ASSERT_TRUE(db->Close().ok());
}

// Without holding anything: a fast writer against two memtables completes
// and the stall time is reported (possibly zero).
TEST(DBFlushStallTest, ManyWritesWithTwoMemtablesComplete) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/stall-db", &db).ok());
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 0)).ok());
    ASSERT_LE(Property(db.get(), "strata.num-immutable-mem-table"), 1u);
  }
  std::string stall;
  EXPECT_TRUE(db->GetProperty("strata.stall-micros", &stall));
  EXPECT_FALSE(stall.empty());
  EXPECT_GT(Property(db.get(), "strata.num-flushes"), 20u);
  ASSERT_TRUE(db->Close().ok());
}

// ---- Concurrency ------------------------------------------------------------

std::string ConcurrentKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// "<key>#<version>#" padded: a value names the key it belongs to.
std::string ConcurrentValue(int i, int version) {
  std::string v = ConcurrentKey(i) + "#" + std::to_string(version) + "#";
  v.resize(120, 'c');
  return v;
}

bool ValueMatchesKey(const Slice& key, const Slice& value) {
  const std::string prefix = key.ToString() + "#";
  return value.starts_with(prefix) && value.size() == 120;
}

// Readers run Gets and full scans while a writer's 64 KiB memtables flush
// over and over, replacing the version under them. A key once written is
// never missing again, and every value names its key.
TEST(DBFlushConcurrencyTest, ReadersRaceFlushes) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  options.max_open_files = 16;  // table cache churn too
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/race-db", &db).ok());

  constexpr int kKeys = 10000;
  constexpr int kWrites = 30000;  // every key, then random overwrites
  std::atomic<int> published{0};  // keys [0, published) are written
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<int> scans{0};
  std::atomic<int> gets{0};
  std::mutex error_mu;
  std::string first_error;
  auto report = [&](const std::string& what) {
    if (errors.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(error_mu);
      first_error = what;
    }
  };

  auto reader = [&](uint64_t seed) {
    internal::Random rnd(seed);
    while (!done.load(std::memory_order_acquire) && errors.load() == 0) {
      const int known = published.load(std::memory_order_acquire);
      if (known == 0) {
        std::this_thread::yield();
        continue;
      }
      if (!rnd.OneIn(20)) {
        const int i = static_cast<int>(rnd.Uniform(known));
        std::string value;
        const Status s = db->Get(ReadOptions(), ConcurrentKey(i), &value);
        if (!s.ok() || !ValueMatchesKey(ConcurrentKey(i), value)) {
          report("Get(" + ConcurrentKey(i) +
                 "): " + (s.ok() ? value : s.ToString()));
        }
        gets.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // A scan sees at least every key published before it began, in
      // order, each with a value naming it.
      auto it = db->NewIterator(ReadOptions());
      int n = 0;
      std::string prev;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
        const std::string key = it->key().ToString();
        if (n < known && key != ConcurrentKey(n)) {
          report("scan entry " + std::to_string(n) + " is " + key);
          break;
        }
        if (!prev.empty() && key <= prev) report("scan out of order at " + key);
        if (!ValueMatchesKey(it->key(), it->value())) {
          report("scan: " + key + " holds " + it->value().ToString());
          break;
        }
        prev = key;
      }
      if (!it->status().ok()) report("scan: " + it->status().ToString());
      if (n < known)
        report("scan saw " + std::to_string(n) + " < " + std::to_string(known));
      scans.fetch_add(1, std::memory_order_relaxed);
    }
  };

  std::thread r1(reader, 1);
  std::thread r2(reader, 2);
  internal::Random rnd(306);
  Status write_status;
  for (int w = 0; w < kWrites && errors.load() == 0; ++w) {
    if (w == 1000) {
      // Make sure the readers are running before most of the writes (and
      // flushes) happen.
      EXPECT_TRUE(
          Eventually([&] { return gets.load() >= 20 && scans.load() >= 2; },
                     "the readers to start"));
    }
    const int i = w < kKeys ? w : static_cast<int>(rnd.Uniform(kKeys));
    write_status =
        db->Put(WriteOptions(), ConcurrentKey(i), ConcurrentValue(i, w));
    if (!write_status.ok()) break;
    if (w < kKeys) published.store(w + 1, std::memory_order_release);
    if (w % 7000 == 6999) {
      write_status = db->Flush();
      if (!write_status.ok()) break;
    }
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_GT(Property(db.get(), "strata.num-flushes"), 10u);
  EXPECT_LE(Property(db.get(), "strata.open-tables"), 16u);
  std::fprintf(stderr, "  %d gets and %d scans raced %llu flushes\n",
               gets.load(), scans.load(),
               static_cast<unsigned long long>(
                   Property(db.get(), "strata.num-flushes")));
  ASSERT_TRUE(db->Close().ok());
}

// Flush() from one thread while another writes: the flush request queues
// in the commit pipeline behind (or among) ordinary writes.
TEST(DBFlushConcurrencyTest, FlushFromAnotherThreadWhileWriting) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/flush-race-db", &db).ok());
  std::atomic<bool> done{false};
  Status flush_status;
  std::atomic<int> flush_calls{0};
  std::thread flusher([&] {
    while (!done.load(std::memory_order_acquire)) {
      flush_status = db->Flush();
      if (!flush_status.ok()) return;
      flush_calls.fetch_add(1, std::memory_order_relaxed);
    }
  });
  Status write_status;
  constexpr int kWrites = 5000;
  for (int i = 0; i < kWrites; ++i) {
    if (i == 500) {
      // The flusher must be running during most of the writes.
      EXPECT_TRUE(Eventually([&] { return flush_calls.load() >= 2; },
                             "the flusher to start"));
    }
    write_status =
        db->Put(WriteOptions(), ConcurrentKey(i), ConcurrentValue(i, 0));
    if (!write_status.ok()) break;
  }
  done.store(true, std::memory_order_release);
  flusher.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  ASSERT_TRUE(flush_status.ok()) << flush_status.ToString();
  EXPECT_GE(flush_calls.load(), 2);
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < kWrites; ++i) {
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), ConcurrentKey(i), &value).ok()) << i;
    ASSERT_EQ(value, ConcurrentValue(i, 0));
  }
  ASSERT_TRUE(db->Close().ok());
}

// A Flush() that queues behind a writer stalled on a full set of
// memtables: when the stall ends, the writer leads a group while the flush
// request waits behind it in the queue.
TEST(DBFlushConcurrencyTest, FlushQueuedBehindAStalledWriter) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/queue-db", &db).ok());
  ModelDB model;
  int filler = 0;
  env.Hold();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  while (Property(db.get(), "strata.mem-usage") < kSmallBuffer) {
    const std::string key = "y" + std::to_string(filler++);
    ASSERT_TRUE(db->Put(WriteOptions(), key, std::string(200, 'y')).ok());
    model.Put(key, std::string(200, 'y'));
  }
  // The writer stalls (one memtable frozen and held, the active one full).
  Status put_status;
  // The commit queue's length is the seam: the writer leads (and stalls),
  // then the Flush() request queues behind it.
  auto* impl = static_cast<internal::DBImpl*>(db.get());
  std::thread writer(
      [&] { put_status = db->Put(WriteOptions(), "stalled", "w"); });
  model.Put("stalled", "w");
  ASSERT_TRUE(Eventually([&] { return impl->QueuedWritersForTest() == 1; },
                         "the writer at the queue's front"));
  Status flush_status;
  std::thread flusher([&] { flush_status = db->Flush(); });
  ASSERT_TRUE(Eventually([&] { return impl->QueuedWritersForTest() == 2; },
                         "the flush request queued behind it"));
  env.Release();
  writer.join();
  flusher.join();
  ASSERT_TRUE(put_status.ok()) << put_status.ToString();
  ASSERT_TRUE(flush_status.ok()) << flush_status.ToString();
  ASSERT_TRUE(db->Flush().ok());
  internal::Random rnd(307);
  EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{307, 0, "after the queued flush"}));
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace strata::testing
