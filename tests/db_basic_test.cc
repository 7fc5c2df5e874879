// DB-level behaviour of the foundation: basic operations, iterators,
// snapshots, reopen, bad input, locking, and the calls later issues build.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/env.h"
#include "testing/test_util.h"

namespace strata {
namespace {

// Runs each test over the in-memory env and over POSIX in a temp dir.
class DBBasicTest : public ::testing::TestWithParam<bool> {
 protected:
  DBBasicTest() {
    if (GetParam()) {
      mem_env_ = NewMemEnv();
      options_.env = mem_env_.get();
      dbname_ = "/db";
    } else {
      dir_ = testing::NewTempDir("db_basic");
      dbname_ = dir_ + "/db";
    }
  }
  ~DBBasicTest() override {
    db_.reset();
    if (!dir_.empty()) testing::RemoveTempDir(dir_);
  }

  void Open() { ASSERT_TRUE(TryOpen().ok()); }
  Status TryOpen() {
    db_.reset();
    return DB::Open(options_, dbname_, &db_);
  }
  void Reopen() {
    if (db_ != nullptr) {
      ASSERT_TRUE(db_->Close().ok());
    }
    Open();
  }
  std::string Get(const std::string& key, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string value;
    Status s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return value;
  }
  // All entries as "k=v,k=v" through a forward scan.
  std::string Contents(const ReadOptions& ro = ReadOptions()) {
    std::string r;
    auto it = db_->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!r.empty()) r += ",";
      r += it->key().ToString() + "=" + it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return r;
  }
  std::string ReverseKeys(const ReadOptions& ro = ReadOptions()) {
    std::string r;
    auto it = db_->NewIterator(ro);
    for (it->SeekToLast(); it->Valid(); it->Prev()) r += it->key().ToString();
    return r;
  }
  uint64_t LastSequence() {
    std::string v;
    EXPECT_TRUE(db_->GetProperty("strata.last-sequence", &v));
    return std::stoull(v);
  }

  std::unique_ptr<Env> mem_env_;
  std::string dir_;
  std::string dbname_;
  Options options_;
  std::unique_ptr<DB> db_;
  WriteOptions wo_;
};

TEST_P(DBBasicTest, PutGetDelete) {
  Open();
  EXPECT_EQ("NOT_FOUND", Get("a"));
  ASSERT_TRUE(db_->Put(wo_, "a", "1").ok());
  ASSERT_TRUE(db_->Put(wo_, "b", "2").ok());
  EXPECT_EQ("1", Get("a"));
  ASSERT_TRUE(db_->Put(wo_, "a", "3").ok());
  EXPECT_EQ("3", Get("a"));
  ASSERT_TRUE(db_->Delete(wo_, "a").ok());
  EXPECT_EQ("NOT_FOUND", Get("a"));
  ASSERT_TRUE(db_->Delete(wo_, "never-there").ok());
  ASSERT_TRUE(db_->Put(wo_, "empty", "").ok());
  EXPECT_EQ("", Get("empty"));
  EXPECT_EQ("b=2,empty=", Contents());
  EXPECT_EQ(6u, LastSequence());
}

TEST_P(DBBasicTest, BinaryKeysAndValues) {
  Open();
  const std::string k1("\x00\x01", 2);
  const std::string k2("\xff\xfe", 2);
  const std::string v("\x00\xff\x00", 3);
  ASSERT_TRUE(db_->Put(wo_, k1, v).ok());
  ASSERT_TRUE(db_->Put(wo_, k2, v).ok());
  EXPECT_EQ(v, Get(k1));
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(k1, it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(k2, it->key().ToString());  // unsigned order: 0xff sorts last
}

TEST_P(DBBasicTest, WriteBatchIsAtomicAndOrdered) {
  Open();
  WriteBatch batch;
  batch.Put("x", "1");
  batch.Put("y", "2");
  batch.Delete("x");
  batch.Put("z", "3");
  ASSERT_TRUE(db_->Write(wo_, &batch).ok());
  EXPECT_EQ("y=2,z=3", Contents());
  EXPECT_EQ(4u, LastSequence());
  WriteBatch empty;
  ASSERT_TRUE(db_->Write(wo_, &empty).ok());
  EXPECT_EQ(4u, LastSequence());
}

TEST_P(DBBasicTest, DataSurvivesReopen) {
  Open();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        db_->Put(wo_, "k" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db_->Delete(wo_, "k7").ok());
  const uint64_t seq = LastSequence();
  Reopen();
  EXPECT_EQ(seq, LastSequence());
  EXPECT_EQ("v42", Get("k42"));
  EXPECT_EQ("NOT_FOUND", Get("k7"));
  // Sequence numbers continue after recovery.
  ASSERT_TRUE(db_->Put(wo_, "k7", "back").ok());
  EXPECT_EQ(seq + 1, LastSequence());
  Reopen();
  Reopen();
  EXPECT_EQ("back", Get("k7"));
  EXPECT_EQ(seq + 1, LastSequence());
}

TEST_P(DBBasicTest, SnapshotsPinAState) {
  Open();
  ASSERT_TRUE(db_->Put(wo_, "k", "v1").ok());
  const Snapshot* s1 = db_->GetSnapshot();
  ASSERT_NE(nullptr, s1);
  ASSERT_TRUE(db_->Put(wo_, "k", "v2").ok());
  ASSERT_TRUE(db_->Put(wo_, "other", "o").ok());
  const Snapshot* s2 = db_->GetSnapshot();
  ASSERT_TRUE(db_->Delete(wo_, "k").ok());
  EXPECT_EQ("v1", Get("k", s1));
  EXPECT_EQ("NOT_FOUND", Get("other", s1));
  EXPECT_EQ("v2", Get("k", s2));
  EXPECT_EQ("NOT_FOUND", Get("k"));
  ReadOptions ro;
  ro.snapshot = s1;
  EXPECT_EQ("k=v1", Contents(ro));
  ro.snapshot = s2;
  EXPECT_EQ("k=v2,other=o", Contents(ro));
  std::string n;
  ASSERT_TRUE(db_->GetProperty("strata.num-snapshots", &n));
  EXPECT_EQ("2", n);
  db_->ReleaseSnapshot(s1);
  db_->ReleaseSnapshot(s2);
  ASSERT_TRUE(db_->GetProperty("strata.num-snapshots", &n));
  EXPECT_EQ("0", n);
  {
    ManagedSnapshot managed(db_.get());
    ASSERT_TRUE(db_->Put(wo_, "k", "v3").ok());
    EXPECT_EQ("NOT_FOUND", Get("k", managed.get()));
    ASSERT_TRUE(db_->GetProperty("strata.num-snapshots", &n));
    EXPECT_EQ("1", n);
  }
  ASSERT_TRUE(db_->GetProperty("strata.num-snapshots", &n));
  EXPECT_EQ("0", n);
}

TEST_P(DBBasicTest, IteratorSeeksAndDirectionChanges) {
  Open();
  for (const char* k : {"a", "c", "e", "g"})
    ASSERT_TRUE(db_->Put(wo_, k, k).ok());
  ASSERT_TRUE(db_->Put(wo_, "c", "c2").ok());  // older version must be hidden
  ASSERT_TRUE(db_->Put(wo_, "d", "d").ok());
  ASSERT_TRUE(db_->Delete(wo_, "d").ok());  // deleted key must be hidden
  auto it = db_->NewIterator(ReadOptions());
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  EXPECT_EQ("c2", it->value().ToString());
  it->Next();
  EXPECT_EQ("e", it->key().ToString());
  it->Prev();
  EXPECT_EQ("c", it->key().ToString());
  EXPECT_EQ("c2", it->value().ToString());
  it->Prev();
  EXPECT_EQ("a", it->key().ToString());
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("d");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  it->SeekForPrev("e");
  EXPECT_EQ("e", it->key().ToString());
  it->Next();
  EXPECT_EQ("g", it->key().ToString());
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->Seek("h");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("0");
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_EQ("g", it->key().ToString());
  it->Prev();
  EXPECT_EQ("e", it->key().ToString());
  it->Next();
  EXPECT_EQ("g", it->key().ToString());
  EXPECT_EQ("geca", ReverseKeys());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(DBBasicTest, IteratorBoundsAndKeysOnly) {
  Open();
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(db_->Put(wo_, k, std::string(k) + "v").ok());
  }
  ReadOptions ro;
  ro.lower_bound = "b";
  ro.upper_bound = "d";
  EXPECT_EQ("b=bv,c=cv", Contents(ro));
  EXPECT_EQ("cb", ReverseKeys(ro));
  auto it = db_->NewIterator(ro);
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->Seek("d");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());

  ReadOptions keys_only;
  keys_only.keys_only = true;
  it = db_->NewIterator(keys_only);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a", it->key().ToString());
  EXPECT_TRUE(it->value().empty());
  it->SeekToLast();
  EXPECT_EQ("e", it->key().ToString());
  EXPECT_TRUE(it->value().empty());

  ReadOptions reversed;
  reversed.lower_bound = "d";
  reversed.upper_bound = "b";
  it = db_->NewIterator(reversed);
  EXPECT_TRUE(it->status().IsInvalidArgument());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

TEST_P(DBBasicTest, IteratorIsAPointInTimeView) {
  Open();
  ASSERT_TRUE(db_->Put(wo_, "a", "1").ok());
  auto it = db_->NewIterator(ReadOptions());
  ASSERT_TRUE(db_->Put(wo_, "b", "2").ok());
  ASSERT_TRUE(db_->Delete(wo_, "a").ok());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a", it->key().ToString());
  it->Next();
  EXPECT_FALSE(it->Valid());
}

TEST_P(DBBasicTest, CountLiveKeysInRange) {
  Open();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(100 + i), "v").ok());
  }
  for (int i = 0; i < 50; i += 5) {
    ASSERT_TRUE(db_->Delete(wo_, "k" + std::to_string(100 + i)).ok());
  }
  uint64_t n = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), "k100", "k150", &n).ok());
  EXPECT_EQ(40u, n);
  ASSERT_TRUE(db_->Count(ReadOptions(), "k110", "k120", &n).ok());
  EXPECT_EQ(8u, n);  // k110 and k115 are deleted
  ASSERT_TRUE(db_->Count(ReadOptions(), "x", "y", &n).ok());
  EXPECT_EQ(0u, n);
  EXPECT_TRUE(db_->Count(ReadOptions(), "y", "x", &n).IsInvalidArgument());
}

TEST_P(DBBasicTest, BadInputIsRefusedAndWritesNothing) {
  options_.max_key_size = 100;
  options_.max_value_size = 1000;
  Open();
  const uint64_t seq = LastSequence();
  EXPECT_TRUE(db_->Put(wo_, "", "v").IsInvalidArgument());
  EXPECT_TRUE(db_->Delete(wo_, "").IsInvalidArgument());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "", &v).IsInvalidArgument());
  // At the limit is accepted; one past it is refused.
  EXPECT_TRUE(db_->Put(wo_, std::string(100, 'k'), "v").ok());
  EXPECT_TRUE(db_->Put(wo_, std::string(101, 'k'), "v").IsInvalidArgument());
  EXPECT_TRUE(db_->Delete(wo_, std::string(101, 'k')).IsInvalidArgument());
  EXPECT_TRUE(db_->Put(wo_, "k", std::string(1000, 'v')).ok());
  EXPECT_TRUE(db_->Put(wo_, "k2", std::string(1001, 'v')).IsInvalidArgument());
  EXPECT_EQ(seq + 2, LastSequence());
  // A batch with one bad operation is refused whole.
  WriteBatch batch;
  batch.Put("good", "1");
  batch.Put("", "bad");
  EXPECT_TRUE(db_->Write(wo_, &batch).IsInvalidArgument());
  WriteBatch big;
  big.Put("good", "1");
  big.Put("k3", std::string(1001, 'v'));
  EXPECT_TRUE(db_->Write(wo_, &big).IsInvalidArgument());
  EXPECT_EQ(seq + 2, LastSequence());
  EXPECT_EQ("NOT_FOUND", Get("good"));
  // Range deletes with bad bounds, alone or in a batch, write nothing.
  EXPECT_TRUE(db_->DeleteRange(wo_, "b", "a").IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(wo_, "a", "a").IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(wo_, "", "a").IsInvalidArgument());
  WriteBatch ranged;
  ranged.Put("good", "1");
  ranged.DeleteRange("b", "a");
  EXPECT_TRUE(db_->Write(wo_, &ranged).IsInvalidArgument());
  EXPECT_EQ(seq + 2, LastSequence());
  Reopen();
  EXPECT_EQ(seq + 2, LastSequence());
  EXPECT_EQ("NOT_FOUND", Get("good"));
}

TEST_P(DBBasicTest, DefaultSizeLimits) {
  Open();
  EXPECT_TRUE(db_->Put(wo_, std::string(64 << 10, 'k'), "v").ok());
  EXPECT_TRUE(
      db_->Put(wo_, std::string((64 << 10) + 1, 'k'), "v").IsInvalidArgument());
  if (GetParam()) {  // big writes only in memory, to keep the test fast
    const std::string at_limit(32 << 20, 'v');
    EXPECT_TRUE(db_->Put(wo_, "big", at_limit).ok());
  }
  {
    const std::string past_limit((32 << 20) + 1, 'v');
    EXPECT_TRUE(db_->Put(wo_, "big2", past_limit).IsInvalidArgument());
  }
  EXPECT_EQ("NOT_FOUND", Get("big2"));
}

TEST_P(DBBasicTest, EveryCallAfterCloseIsInvalidArgument) {
  Open();
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  ASSERT_TRUE(db_->Close().ok());
  std::string v;
  uint64_t n;
  EXPECT_TRUE(db_->Put(wo_, "k", "v").IsInvalidArgument());
  EXPECT_TRUE(db_->Delete(wo_, "k").IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(wo_, "a", "b").IsInvalidArgument());
  WriteBatch batch;
  batch.Put("a", "b");
  EXPECT_TRUE(db_->Write(wo_, &batch).IsInvalidArgument());
  EXPECT_TRUE(db_->Get(ReadOptions(), "k", &v).IsInvalidArgument());
  EXPECT_TRUE(db_->NewIterator(ReadOptions())->status().IsInvalidArgument());
  EXPECT_TRUE(db_->Count(ReadOptions(), "a", "b", &n).IsInvalidArgument());
  EXPECT_EQ(nullptr, db_->GetSnapshot());
  EXPECT_TRUE(db_->Flush().IsInvalidArgument());
  EXPECT_TRUE(db_->CompactRange(nullptr, nullptr).IsInvalidArgument());
  EXPECT_FALSE(db_->GetProperty("strata.last-sequence", &v));
  EXPECT_TRUE(db_->CreateCheckpoint(dbname_ + "-cp").IsInvalidArgument());
  EXPECT_TRUE(db_->FlushWAL(true).IsInvalidArgument());
  EXPECT_TRUE(db_->VerifyChecksums().IsInvalidArgument());
  EXPECT_TRUE(db_->Close().IsInvalidArgument());
  // The lock was released: the DB opens again with its data.
  Open();
  EXPECT_EQ("v", Get("k"));
}

TEST_P(DBBasicTest, SecondOpenOfALockedDBFails) {
  Open();
  std::unique_ptr<DB> second;
  Status s = DB::Open(options_, dbname_, &second);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("locked")) << s.ToString();
  EXPECT_EQ(nullptr, second);
  // The first handle is unharmed.
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  EXPECT_EQ("v", Get("k"));
  EXPECT_TRUE(DestroyDB(dbname_, options_).IsIOError());
  EXPECT_EQ("v", Get("k"));
}

TEST_P(DBBasicTest, CreateIfMissingAndErrorIfExists) {
  options_.create_if_missing = false;
  Status s = TryOpen();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("does not exist"));
  Env* env = options_.env != nullptr ? options_.env : Env::Default();
  EXPECT_FALSE(env->FileExists(dbname_));  // nothing was written

  options_.create_if_missing = true;
  Open();
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();

  options_.error_if_exists = true;
  std::vector<std::string> before;
  ASSERT_TRUE(env->GetChildren(dbname_, &before).ok());
  s = TryOpen();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("exists"));
  std::vector<std::string> after;
  ASSERT_TRUE(env->GetChildren(dbname_, &after).ok());
  EXPECT_EQ(before.size(), after.size());

  options_.error_if_exists = false;
  options_.create_if_missing = false;
  Open();
  EXPECT_EQ("v", Get("k"));
}

TEST_P(DBBasicTest, InvalidOptionsNameTheField) {
  options_.write_buffer_size = 10;
  Status s = TryOpen();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.ToString().find("write_buffer_size"))
      << s.ToString();
}

TEST_P(DBBasicTest, DestroyDBRemovesEverything) {
  Open();
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  ASSERT_TRUE(DestroyDB(dbname_, options_).ok());
  Env* env = options_.env != nullptr ? options_.env : Env::Default();
  EXPECT_FALSE(env->FileExists(dbname_ + "/IDENTITY"));
  EXPECT_TRUE(DestroyDB(dbname_, options_).ok());  // nothing left: still OK
  Open();
  EXPECT_EQ("NOT_FOUND", Get("k"));
}

TEST_P(DBBasicTest, InfoLogRecordsOpens) {
  Open();
  Reopen();
  Env* env = options_.env != nullptr ? options_.env : Env::Default();
  EXPECT_TRUE(env->FileExists(dbname_ + "/LOG"));
  EXPECT_TRUE(env->FileExists(dbname_ + "/LOG.old"));
  uint64_t size = 0;
  ASSERT_TRUE(env->GetFileSize(dbname_ + "/LOG", &size).ok());
  EXPECT_GT(size, 0u);
}

TEST_P(DBBasicTest, PropertiesReportTheMemtable) {
  Open();
  std::string v;
  EXPECT_FALSE(db_->GetProperty("strata.no-such-property", &v));
  ASSERT_TRUE(db_->Put(wo_, "a", std::string(10000, 'x')).ok());
  ASSERT_TRUE(db_->Put(wo_, "b", "y").ok());
  ASSERT_TRUE(db_->GetProperty("strata.num-entries-active-mem-table", &v));
  EXPECT_EQ("2", v);
  ASSERT_TRUE(db_->GetProperty("strata.mem-usage", &v));
  EXPECT_GE(std::stoull(v), 10000u);
  ASSERT_TRUE(db_->GetProperty("strata.estimate-num-keys", &v));
  EXPECT_EQ("2", v);
}

// Approximate sizes follow the data in the tables: each half of the keys
// takes about half the bytes, an empty or reversed range none, in L0 and
// after a compaction into one sorted level alike; in a versioned DB every
// version of a key counts.
TEST_P(DBBasicTest, ApproximateSizesFollowTheTables) {
  for (const bool versioned : {false, true}) {
    SCOPED_TRACE(versioned ? "versioned" : "plain");
    db_.reset();
    ASSERT_TRUE(DestroyDB(dbname_, options_).ok());
    options_.enable_versioning = versioned;
    options_.compression = Compression::kNone;
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 256 << 10;
    options_.level0_compaction_trigger = 1000;  // L0 stays as flushed
    options_.level0_slowdown_writes_trigger = 1000;
    options_.level0_stop_writes_trigger = 1000;
    options_.level0_idle_compaction_ms = 0;
    Open();
    const int n = 20000;
    const std::string value(100, 'v');
    char key[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(key, sizeof(key), "k%020d", i);
      ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
    char middle[32];
    std::snprintf(middle, sizeof(middle), "k%020d", n / 2 + 17);
    const Range ranges[] = {Range("a", middle), Range(middle, "z"),
                            Range("a", "z"), Range("z", "a"), Range("x", "y")};
    const uint64_t data = uint64_t{n} * (100 + 21);
    for (const bool compacted : {false, true}) {
      SCOPED_TRACE(compacted ? "compacted" : "in L0");
      std::string l0;
      ASSERT_TRUE(db_->GetProperty("strata.num-files-at-level0", &l0));
      EXPECT_EQ(l0 == "0", compacted);
      uint64_t sizes[5] = {1, 1, 1, 1, 1};
      ASSERT_TRUE(db_->GetApproximateSizes(ranges, 5, sizes).ok());
      EXPECT_GT(sizes[0], data / 2 * 9 / 10);
      EXPECT_LT(sizes[0], data / 2 * 13 / 10);
      EXPECT_GT(sizes[1], data / 2 * 9 / 10);
      EXPECT_LT(sizes[1], data / 2 * 13 / 10);
      EXPECT_GE(sizes[2], sizes[0] + sizes[1] - 8192);
      EXPECT_LE(sizes[2], sizes[0] + sizes[1] + 8192);
      EXPECT_EQ(sizes[3], 0u);
      EXPECT_EQ(sizes[4], 0u);
      if (!compacted) {
        ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
      }
    }
    // Overwrites of the first half: a versioned DB keeps both versions,
    // so that half doubles; a plain one keeps the newest only, so once
    // compacted it is as it was.
    for (int i = 0; i < n / 2; ++i) {
      std::snprintf(key, sizeof(key), "k%020d", i);
      ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    uint64_t after[2] = {0, 0};
    ASSERT_TRUE(db_->GetApproximateSizes(ranges, 2, after).ok());
    if (versioned) {
      EXPECT_GT(after[0], data / 2 * 17 / 10);
    } else {
      EXPECT_LT(after[0], data / 2 * 13 / 10);
    }
    EXPECT_LT(after[1], data / 2 * 13 / 10);
    EXPECT_TRUE(
        db_->GetApproximateSizes(nullptr, -1, nullptr).IsInvalidArgument());
    ASSERT_TRUE(db_->Close().ok());
    EXPECT_TRUE(db_->GetApproximateSizes(ranges, 1, after).IsInvalidArgument());
  }
}

INSTANTIATE_TEST_SUITE_P(Envs, DBBasicTest, ::testing::Values(true, false),
                         [](const auto& info) {
                           return info.param ? "MemEnv" : "PosixEnv";
                         });

TEST(DBPosixTest, FilesAreCreatedPrivate) {
  const std::string dir = testing::NewTempDir("db_perms");
  const std::string dbname = dir + "/db";
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), dbname, &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
  struct stat st;
  ASSERT_EQ(0, ::stat(dbname.c_str(), &st));
  EXPECT_EQ(0700u, st.st_mode & 0777);
  ASSERT_TRUE(db->Flush().ok());
  std::vector<std::string> names;
  ASSERT_TRUE(Env::Default()->GetChildren(dbname, &names).ok());
  int tables = 0;
  for (const std::string& name : names) tables += name.ends_with(".sst");
  EXPECT_EQ(1, tables);
  for (const std::string& name : names) {
    ASSERT_EQ(0, ::stat((dbname + "/" + name).c_str(), &st)) << name;
    EXPECT_EQ(0600u, st.st_mode & 0777) << name;  // WAL, table, MANIFEST ...
  }
  db.reset();
  testing::RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata
