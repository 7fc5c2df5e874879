// Flush tests: memtables become L0 tables, and reads, snapshots, reopen,
// obsolete-file deletion and damaged or missing tables all behave while
// they do (write stalls and concurrent readers and writers are in
// db_flush_concurrency_test.cc; failed flushes in flush_fault_test.cc).
//
// Most tests run over the in-memory env and over POSIX in a temp dir (the
// POSIX runs write fewer keys: every flush there is three fsyncs). Tests that
// count tables keep automatic compaction off (KeepTablesInL0), so every table
// is a flush's output and stays in L0; the others run with compaction at its
// defaults, racing the flushes.

#include "tests/db_flush_test_util.h"

namespace strata::testing {
namespace {

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

}  // namespace
}  // namespace strata::testing
