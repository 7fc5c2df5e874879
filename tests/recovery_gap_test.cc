// Recovery stops at a hole in the sequence numbers (db_impl.h invariant 5):
// a power loss may keep a later WAL's unsynced bytes while losing an
// earlier WAL's, and replaying past the hole would recover a state that
// is not a prefix of the acknowledged writes.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "db/write_batch_internal.h"
#include "strata/db.h"
#include "strata/env.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

// Writes one log holding Put(key, value) batches with the given sequences.
void WriteLog(Env* env, const std::string& path,
              const std::vector<std::pair<uint64_t, std::string>>& records) {
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env->NewWritableFile(path, &file).ok());
  internal::log::Writer writer(file.get());
  for (const auto& [seq, key] : records) {
    WriteBatch batch;
    batch.Put(key, "v" + std::to_string(seq));
    internal::WriteBatchInternal::SetSequence(&batch, seq);
    ASSERT_TRUE(
        writer.AddRecord(internal::WriteBatchInternal::Contents(batch)).ok());
  }
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Close().ok());
}

class RecoveryGapTest : public ::testing::Test {
 protected:
  RecoveryGapTest() : env_(NewMemEnv()) {
    // An empty DB (its MANIFEST names log 2 and sequence 0) ...
    EXPECT_TRUE(Open(WalRecoveryMode::kTolerateTornTail).ok());
    EXPECT_TRUE(db_->Close().ok());
    db_.reset();
    // ... then two logs: 1..2 in the first, then 4..5 in the second: 3 is
    // missing.
    WriteLog(env_.get(), "/db/000010.log", {{1, "a"}, {2, "b"}});
    WriteLog(env_.get(), "/db/000011.log", {{4, "d"}, {5, "e"}});
  }

  Status Open(WalRecoveryMode mode) {
    Options options;
    options.env = env_.get();
    options.wal_recovery_mode = mode;
    db_.reset();
    return DB::Open(options, "/db", &db_);
  }

  std::string Get(const std::string& key) {
    std::string v;
    const Status s = db_->Get(ReadOptions(), key, &v);
    return s.ok() ? v : s.ToString();
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<DB> db_;
};

TEST_F(RecoveryGapTest, DefaultModeKeepsThePrefixBeforeTheGap) {
  ASSERT_TRUE(Open(WalRecoveryMode::kTolerateTornTail).ok());
  EXPECT_EQ("v1", Get("a"));
  EXPECT_EQ("v2", Get("b"));
  EXPECT_EQ("NotFound", Get("d"));
  EXPECT_EQ("NotFound", Get("e"));
  std::string seq;
  ASSERT_TRUE(db_->GetProperty("strata.last-sequence", &seq));
  EXPECT_EQ("2", seq);
  // The log past the gap was not replayed: it is kept in lost/, not
  // deleted, and reported.
  EXPECT_TRUE(env_->FileExists("/db/lost/000011.log"));
  EXPECT_FALSE(env_->FileExists("/db/000011.log"));
  std::string lost;
  ASSERT_TRUE(db_->GetProperty("strata.lost-files", &lost));
  EXPECT_EQ("000011.log\n", lost);
  // New writes continue the prefix, and a reopen keeps exactly that.
  ASSERT_TRUE(db_->Put(WriteOptions(), "f", "new").ok());
  ASSERT_TRUE(db_->Close().ok());
  ASSERT_TRUE(Open(WalRecoveryMode::kAbsoluteConsistency).ok());
  EXPECT_EQ("v2", Get("b"));
  EXPECT_EQ("new", Get("f"));
  EXPECT_EQ("NotFound", Get("d"));
}

TEST_F(RecoveryGapTest, AbsoluteConsistencyRefusesTheGap) {
  const Status s = Open(WalRecoveryMode::kAbsoluteConsistency);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("000011.log")) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("gap")) << s.ToString();
}

TEST_F(RecoveryGapTest, SalvageKeepsEverythingReadable) {
  ASSERT_TRUE(Open(WalRecoveryMode::kSalvage).ok());
  EXPECT_EQ("v1", Get("a"));
  EXPECT_EQ("v2", Get("b"));
  EXPECT_EQ("v4", Get("d"));
  EXPECT_EQ("v5", Get("e"));
}

TEST_F(RecoveryGapTest, ParanoidChecksRefuseTheGapAndChangeNothing) {
  Options options;
  options.env = env_.get();
  options.paranoid_checks = true;
  std::vector<std::string> before;
  ASSERT_TRUE(env_->GetChildren("/db", &before).ok());
  const Status s = DB::Open(options, "/db", &db_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("000011.log")) << s.ToString();
  std::vector<std::string> after;
  ASSERT_TRUE(env_->GetChildren("/db", &after).ok());
  std::erase(after, "LOG.old");
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  // The info LOG is rotated by every open; nothing else changes.
  EXPECT_EQ(before, after);
  EXPECT_TRUE(env_->FileExists("/db/000010.log"));
  EXPECT_TRUE(env_->FileExists("/db/000011.log"));
}

// A logged batch with a timestamp cannot come from this DB's write path
// (it refuses them without versioning): the log is damaged, and the open
// says where rather than replaying the record as a plain write.
TEST(RecoveryTimestampTest, ATimestampInAnUnversionedLogIsCorruption) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env->NewWritableFile("/db/000010.log", &file).ok());
    internal::log::Writer writer(file.get());
    WriteBatch batch;
    batch.PutAt("k", "v", 42);
    internal::WriteBatchInternal::SetSequence(&batch, 1);
    ASSERT_TRUE(
        writer.AddRecord(internal::WriteBatchInternal::Contents(batch)).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  const Status s = DB::Open(options, "/db", &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("000010.log offset 0"))
      << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("timestamps")) << s.ToString();
}

}  // namespace
}  // namespace strata
