// RepairDB (issue 17): a DB whose MANIFEST or CURRENT is gone or damaged,
// whose tables or logs are damaged, or missing a table, is rebuilt from
// what verifies:
//   - with only the metadata lost, the repaired DB equals the model
//     exactly, though overwrites and deletes sit in several levels and in
//     the WAL (the repair's full compaction puts the versions in order);
//   - a damaged table goes to lost/ and is reported; the rest stays;
//   - a damaged log record is dropped and counted, the rest salvaged;
//   - a versioned DB keeps its history, a value-log DB its values.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata {
namespace {

using testing::DescribeDifference;
using testing::ModelState;
using testing::ReadAll;

class RepairTest : public ::testing::Test {
 protected:
  RepairTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.write_buffer_size = 64 << 10;
    options_.level0_idle_compaction_ms = 0;
    options_.flush_on_close = false;  // the last writes stay in the WAL
  }

  // Writes overwrites, deletes and range deletes with flushes and
  // compactions in between, leaving the last writes in the WAL; returns
  // the state.
  ModelState Fill(uint64_t seed) {
    std::unique_ptr<DB> db;
    EXPECT_TRUE(DB::Open(options_, "/db", &db).ok());
    internal::Random rnd(seed);
    for (int round = 0; round < 6; ++round) {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "k" + std::to_string(rnd.Uniform(900) + 100);
        const int r = static_cast<int>(rnd.Uniform(20));
        if (r < 16) {
          EXPECT_TRUE(db->Put(WriteOptions(), key,
                              key + "@" + std::to_string(round) +
                                  std::string(rnd.Uniform(2) ? 90 : 5, 'v'))
                          .ok());
        } else if (r < 19) {
          EXPECT_TRUE(db->Delete(WriteOptions(), key).ok());
        } else if (!options_.enable_versioning) {
          EXPECT_TRUE(db->DeleteRange(WriteOptions(), key, key + "5").ok());
        }
      }
      if (round == 2) {
        EXPECT_TRUE(db->CompactRange(nullptr, nullptr).ok());
      }
    }
    ModelState state;
    EXPECT_TRUE(ReadAll(db.get(), ReadOptions(), &state).ok());
    EXPECT_TRUE(db->Close().ok());
    return state;
  }

  std::vector<std::string> Files(const std::string& suffix) {
    std::vector<std::string> names, out;
    EXPECT_TRUE(env_->GetChildren("/db", &names).ok());
    for (const std::string& n : names) {
      if (n.ends_with(suffix)) out.push_back(n);
    }
    return out;
  }

  // Flushes what the WAL holds, then writes keys "z..." (none of Fill's)
  // into a table of their own, and returns its name.
  std::string AddTableOfOtherKeys() {
    // No L0 compaction meanwhile: the new table stays a table of its own.
    Options o = options_;
    o.level0_compaction_trigger = 100;
    o.level0_slowdown_writes_trigger = 100;
    o.level0_stop_writes_trigger = 100;
    std::unique_ptr<DB> db;
    EXPECT_TRUE(DB::Open(o, "/db", &db).ok());
    EXPECT_TRUE(db->Flush().ok());
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(db->Put(WriteOptions(), "z" + std::to_string(i), "z").ok());
    }
    EXPECT_TRUE(db->Flush().ok());
    db.reset();
    std::vector<std::string> tables = Files(".sst");
    EXPECT_GE(tables.size(), 2u);
    std::sort(tables.begin(), tables.end());
    return tables.empty() ? "" : tables.back();
  }

  ModelState State() {
    std::unique_ptr<DB> db;
    const Status s = DB::Open(options_, "/db", &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ModelState state;
    if (s.ok()) {
      EXPECT_TRUE(ReadAll(db.get(), ReadOptions(), &state).ok());
    }
    return state;
  }

  void FlipByte(const std::string& path, size_t offset) {
    std::string contents;
    ASSERT_TRUE(internal::ReadFileToString(env_.get(), path, &contents).ok());
    ASSERT_LT(offset, contents.size());
    contents[offset] ^= 0x10;
    ASSERT_TRUE(
        internal::WriteStringToFile(env_.get(), contents, path, true).ok());
  }

  std::unique_ptr<Env> env_;
  Options options_;
};

TEST_F(RepairTest, LostMetadataRepairsToExactlyTheSameState) {
  const ModelState expected = Fill(1);
  ASSERT_FALSE(Files(".sst").empty());
  ASSERT_FALSE(Files(".log").empty());
  for (const std::string& m : Files("")) {
    if (m.starts_with("MANIFEST-") || m == "CURRENT") {
      ASSERT_TRUE(env_->RemoveFile("/db/" + m).ok());
    }
  }
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(options_, "/db", &db).IsCorruption());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ(0u, report.tables_lost);
  EXPECT_GE(report.tables_kept, 1u);
  EXPECT_GE(report.logs_salvaged, 1u);
  EXPECT_GT(report.log_records, 0u);
  EXPECT_EQ(0u, report.log_bytes_dropped);
  EXPECT_FALSE(report.notes.empty());
  EXPECT_EQ("", DescribeDifference(expected, State()));
  // The converted logs are in lost/, nothing was deleted.
  std::vector<std::string> lost;
  ASSERT_TRUE(env_->GetChildren("/db/lost", &lost).ok());
  EXPECT_EQ(report.lost_files.size(), lost.size());
}

TEST_F(RepairTest, ATruncatedManifestRepairs) {
  const ModelState expected = Fill(2);
  const std::vector<std::string> manifests = Files("");
  for (const std::string& m : manifests) {
    if (!m.starts_with("MANIFEST-")) continue;
    std::string contents;
    ASSERT_TRUE(
        internal::ReadFileToString(env_.get(), "/db/" + m, &contents).ok());
    contents.resize(contents.size() / 3);
    ASSERT_TRUE(
        internal::WriteStringToFile(env_.get(), contents, "/db/" + m, true)
            .ok());
  }
  {
    const Status rs = RepairDB("/db", options_);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ("", DescribeDifference(expected, State()));
}

TEST_F(RepairTest, ADamagedTableGoesToLostAndTheRestStays) {
  const ModelState expected = Fill(3);
  const std::string victim = AddTableOfOtherKeys();
  ASSERT_FALSE(victim.empty());
  uint64_t size = 0;
  ASSERT_TRUE(env_->GetFileSize("/db/" + victim, &size).ok());
  FlipByte("/db/" + victim, size / 2);
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ(1u, report.tables_lost);
  ASSERT_FALSE(report.lost_files.empty());
  EXPECT_TRUE(env_->FileExists("/db/lost/" + victim));
  bool noted = false;
  for (const std::string& n : report.notes) {
    noted |= n.find(victim) != std::string::npos &&
             n.find("Corruption") != std::string::npos;
  }
  EXPECT_TRUE(noted);
  // Everything but the damaged table's keys is there.
  EXPECT_EQ("", DescribeDifference(expected, State()));
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  EXPECT_TRUE(db->VerifyChecksums().ok());
}

TEST_F(RepairTest, AMissingTableLeavesTheRestReadable) {
  const ModelState expected = Fill(4);
  const std::string victim = AddTableOfOtherKeys();
  ASSERT_FALSE(victim.empty());
  ASSERT_TRUE(env_->RemoveFile("/db/" + victim).ok());
  std::unique_ptr<DB> db;
  EXPECT_FALSE(DB::Open(options_, "/db", &db).ok());
  {
    const Status rs = RepairDB("/db", options_);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ("", DescribeDifference(expected, State()));
}

TEST_F(RepairTest, ADamagedLogRecordIsDroppedAndCounted) {
  options_.write_buffer_size = 4 << 20;  // everything stays in the log
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "k" + std::to_string(1000 + i), "v").ok());
  }
  db.reset();
  const std::vector<std::string> logs = Files(".log");
  ASSERT_EQ(1u, logs.size());
  FlipByte("/db/" + logs[0], 500);
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_GT(report.log_bytes_dropped, 0u);
  EXPECT_GT(report.log_records, 250u);
  EXPECT_LT(report.log_records, 300u);
  const ModelState after = State();
  EXPECT_EQ(report.log_records, after.size());
  EXPECT_EQ(1u, after.count("k1299"));  // after the damage
}

TEST_F(RepairTest, AVersionedDbKeepsItsHistory) {
  options_.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  WriteBatch b;
  b.PutAt("k", "v1", 100);
  b.PutAt("k", "v2", 200);
  ASSERT_TRUE(db->Write(WriteOptions(), &b).ok());
  ASSERT_TRUE(db->Flush().ok());
  WriteBatch c;
  c.PutAt("k", "v3", 300);
  ASSERT_TRUE(db->Write(WriteOptions(), &c).ok());
  db.reset();
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  {
    const Status rs = RepairDB("/db", options_);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ("v3", v);
  ReadOptions ro;
  ro.as_of = 150;
  ASSERT_TRUE(db->Get(ro, "k", &v).ok());
  EXPECT_EQ("v1", v);
  ro.as_of = 250;
  ASSERT_TRUE(db->Get(ro, "k", &v).ok());
  EXPECT_EQ("v2", v);
}

TEST_F(RepairTest, NewWritesAfterARepairGetLaterTimestamps) {
  options_.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  // A version an hour ahead of the clock: the repaired DB must hand out
  // commit timestamps after it, or a new write would hide behind it.
  const uint64_t future = env_->NowNanos() + 3600ull * 1000000000;
  WriteBatch b;
  b.PutAt("k", "ahead", future);
  ASSERT_TRUE(db->Write(WriteOptions(), &b).ok());
  ASSERT_TRUE(db->Flush().ok());
  db.reset();
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  {
    const Status rs = RepairDB("/db", options_);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "now").ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ("now", v);
}

TEST_F(RepairTest, TheWrongVersioningIsRefusedBeforeAnythingChanges) {
  options_.enable_versioning = true;
  const ModelState expected = Fill(6);
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  std::vector<std::string> before;
  ASSERT_TRUE(env_->GetChildren("/db", &before).ok());
  Options unversioned = options_;
  unversioned.enable_versioning = false;
  const Status s = RepairDB("/db", unversioned);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("nothing was changed"));
  std::vector<std::string> after;
  ASSERT_TRUE(env_->GetChildren("/db", &after).ok());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(before, after);
  {
    const Status rs = RepairDB("/db", options_);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ("", DescribeDifference(expected, State()));
}

TEST_F(RepairTest, ALogBesideTheTableItWasFlushedToIsMergedOnce) {
  // A crash between a flush's MANIFEST edit and the log's deletion leaves
  // both: the table holds the log's writes (large values as pointers into
  // the value log), the log holds them again (inline).
  options_.enable_value_log = true;
  options_.value_log_threshold = 64;
  options_.write_buffer_size = 4 << 20;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  ModelState expected;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string value = std::string(i % 2 ? 100 : 10, 'a' + i % 26);
    ASSERT_TRUE(db->Put(WriteOptions(), key, value).ok());
    expected[key] = value;
  }
  ASSERT_TRUE(db->FlushWAL(true).ok());
  const std::vector<std::string> logs = Files(".log");
  ASSERT_EQ(1u, logs.size());
  std::string log;
  ASSERT_TRUE(
      internal::ReadFileToString(env_.get(), "/db/" + logs[0], &log).ok());
  ASSERT_TRUE(db->Flush().ok());
  db.reset();
  ASSERT_FALSE(env_->FileExists("/db/" + logs[0]));  // obsolete, deleted
  ASSERT_TRUE(
      internal::WriteStringToFile(env_.get(), log, "/db/" + logs[0], true)
          .ok());
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_EQ(300u, report.log_records);
  EXPECT_EQ(300u, report.entries);  // one copy of each write
  EXPECT_EQ("", DescribeDifference(expected, State()));
  std::unique_ptr<DB> repaired;
  ASSERT_TRUE(DB::Open(options_, "/db", &repaired).ok());
  EXPECT_TRUE(repaired->VerifyChecksums().ok());
}

TEST_F(RepairTest, AValueLogDbKeepsItsValues) {
  options_.enable_value_log = true;
  options_.value_log_threshold = 64;
  const ModelState expected = Fill(5);
  ASSERT_FALSE(Files(".vlog").empty());
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  EXPECT_GT(report.vlog_files_kept, 0u);
  EXPECT_EQ("", DescribeDifference(expected, State()));
}

TEST_F(RepairTest, ALostValueLogFileLeavesADbThatOpensAndSaysWhatIsGone) {
  options_.enable_value_log = true;
  options_.value_log_threshold = 64;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), "big" + std::to_string(i),
                        std::string(200, 'b'))
                    .ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "small" + std::to_string(i), "s").ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  db.reset();
  const std::vector<std::string> vlogs = Files(".vlog");
  ASSERT_FALSE(vlogs.empty());
  for (const std::string& v : vlogs) {
    ASSERT_TRUE(env_->RemoveFile("/db/" + v).ok());
  }
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "small7", &v).ok());
  const Status big = db->Get(ReadOptions(), "big7", &v);
  EXPECT_TRUE(big.IsCorruption() || big.IsNotFound() || big.IsIOError())
      << big.ToString();
  EXPECT_NE(std::string::npos, big.ToString().find(".vlog")) << big.ToString();
  // A new value-log file never takes a lost one's number.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), "new" + std::to_string(i),
                        std::string(200, 'n'))
                    .ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  for (const std::string& lost : vlogs) {
    EXPECT_FALSE(env_->FileExists("/db/" + lost)) << lost;
  }
  ASSERT_TRUE(db->Get(ReadOptions(), "new7", &v).ok());
}

TEST_F(RepairTest, AnObsoleteTableLeftBehindDoesNotBringDeletedKeysBack) {
  // A table a compaction replaced, still in the directory (a crash before
  // its deletion): its keys were deleted since, and the compaction dropped
  // them with their tombstones. Merged back, they would return.
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "gone", "old").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "kept", "v").ok());
  ASSERT_TRUE(db->Flush().ok());
  const std::vector<std::string> tables = Files(".sst");
  ASSERT_EQ(1u, tables.size());
  std::string old_table;
  ASSERT_TRUE(
      internal::ReadFileToString(env_.get(), "/db/" + tables[0], &old_table)
          .ok());
  ASSERT_TRUE(db->Delete(WriteOptions(), "gone").ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  db.reset();
  ASSERT_FALSE(env_->FileExists("/db/" + tables[0]));
  ASSERT_TRUE(internal::WriteStringToFile(env_.get(), old_table,
                                          "/db/" + tables[0], true)
                  .ok());
  ASSERT_TRUE(env_->RemoveFile("/db/CURRENT").ok());
  RepairReport report;
  {
    const Status rs = RepairDB("/db", options_, &report);
    ASSERT_TRUE(rs.ok()) << rs.ToString();
  }
  ModelState expected;
  expected["kept"] = "v";
  EXPECT_EQ("", DescribeDifference(expected, State()));
  EXPECT_TRUE(env_->FileExists("/db/lost/" + tables[0]));
}

TEST_F(RepairTest, AnOpenDbIsNotRepaired) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, "/db", &db).ok());
  const Status s = RepairDB("/db", options_);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("locked"));
  EXPECT_TRUE(RepairDB("/nothing", options_).IsNotFound());
}

}  // namespace
}  // namespace strata
