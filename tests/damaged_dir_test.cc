// Damaged and foreign directories (issue 20): an open never creates a DB
// over another DB's files, never deletes a file it cannot prove to be its
// own garbage, and a failed open leaves no trace.
//
//  - CURRENT missing beside tables, logs or a MANIFEST: Corruption naming
//    CURRENT and the way back, with the directory left byte for byte as it
//    was (create_if_missing or not).
//  - IDENTITY missing beside everything else: the DB opens and writes a new
//    IDENTITY.
//  - User files (report.tmp, 42.sst, 2024.log, ...) in the directory of a
//    new DB survive open, flush, compaction, reopen and DestroyDB; a file
//    named exactly like strata's (002024.log) in a non-DB directory is
//    Corruption, not a new DB, and not a NotFound for a file that is not
//    there.
//  - A MANIFEST cut at every byte of its last edit: where that edit was
//    acknowledged (its WAL is gone), the table and log only it accounted
//    for are moved to lost/ and reported, never deleted, and with
//    paranoid_checks the open is Corruption and changes nothing; where the
//    edit was in flight at a crash (its WAL still there), the open recovers
//    every write and deletes the leftover table as garbage.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/thread.h"
#include "env/env_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"
#include "testing/workload.h"

namespace strata::testing {
namespace {

constexpr char kDb[] = "/db";

std::string Value(int i) {
  return "value-" + std::to_string(i) + "-xxxxxxxxxxxx";
}

Options BaseOptions(Env* env) {
  Options o;
  o.env = env;
  o.flush_on_close = false;         // keep data in the WAL at close
  o.level0_idle_compaction_ms = 0;  // the L0 layout stays as written
  return o;
}

std::vector<std::string> Listing(Env* env, const std::string& dir) {
  std::vector<std::string> names;
  (void)env->GetChildren(dir, &names);
  std::sort(names.begin(), names.end());
  return names;
}

void Put(DB* db, int from, int to) {
  for (int i = from; i < to; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), NumberedKey(i), Value(i)).ok());
  }
}

// Counts keys in [from, to) that read back with their value; fails the
// test on a wrong value.
int Readable(DB* db, int from, int to) {
  int n = 0;
  for (int i = from; i < to; ++i) {
    std::string v;
    const Status s = db->Get(ReadOptions(), NumberedKey(i), &v);
    if (s.ok()) {
      EXPECT_EQ(Value(i), v) << NumberedKey(i);
      ++n;
    } else {
      EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    }
  }
  return n;
}

class DamagedDirTest : public ::testing::Test {
 protected:
  DamagedDirTest() : env_(NewMemEnv()) {}

  // Two tables (keys [0, 100) and [100, 200)) and keys [200, 250) only in
  // the WAL; closed.
  void MakeDb() {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(BaseOptions(env_.get()), kDb, &db).ok());
    Put(db.get(), 0, 100);
    ASSERT_TRUE(db->Flush().ok());
    Put(db.get(), 100, 200);
    ASSERT_TRUE(db->Flush().ok());
    Put(db.get(), 200, 250);
    ASSERT_TRUE(db->Close().ok());
  }

  std::unique_ptr<Env> env_;
};

TEST_F(DamagedDirTest, MissingCurrentIsCorruptionAndChangesNothing) {
  MakeDb();
  ASSERT_TRUE(env_->RemoveFile(std::string(kDb) + "/CURRENT").ok());
  DiskImage before;
  ASSERT_TRUE(CaptureImage(env_.get(), kDb, &before).ok());
  for (const bool create : {true, false}) {
    Options o = BaseOptions(env_.get());
    o.create_if_missing = create;
    std::unique_ptr<DB> db;
    const Status s = DB::Open(o, kDb, &db);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("CURRENT")) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("RepairDB")) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("MANIFEST-"))
        << s.ToString();
    DiskImage after;
    ASSERT_TRUE(CaptureImage(env_.get(), kDb, &after).ok());
    EXPECT_TRUE(before == after) << "the open changed the directory";
  }
  // Putting CURRENT back, as the message says, recovers every key.
  std::string manifest;
  for (const auto& [name, content] : before) {
    if (name.rfind("MANIFEST-", 0) == 0) manifest = name;
  }
  ASSERT_TRUE(internal::WriteStringToFile(env_.get(), manifest + "\n",
                                          std::string(kDb) + "/CURRENT", true)
                  .ok());
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(BaseOptions(env_.get()), kDb, &db).ok());
  EXPECT_EQ(250, Readable(db.get(), 0, 250));
}

TEST_F(DamagedDirTest, MissingIdentityIsRewritten) {
  MakeDb();
  ASSERT_TRUE(env_->RemoveFile(std::string(kDb) + "/IDENTITY").ok());
  Options o = BaseOptions(env_.get());
  o.create_if_missing = false;
  std::unique_ptr<DB> db;
  const Status s = DB::Open(o, kDb, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(250, Readable(db.get(), 0, 250));
  EXPECT_TRUE(env_->FileExists(std::string(kDb) + "/IDENTITY"));
}

TEST_F(DamagedDirTest, UserFilesSurviveEverything) {
  ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
  const std::vector<std::string> user = {
      "report.tmp",  "notes.tmp",  "42.sst",  "2024.log",
      "0000042.sst", "MANIFEST-7", "data.txt"};
  for (const std::string& name : user) {
    ASSERT_TRUE(internal::WriteStringToFile(env_.get(), "mine: " + name,
                                            std::string(kDb) + "/" + name, true)
                    .ok());
  }
  const auto check = [&](const char* when) {
    for (const std::string& name : user) {
      std::string content;
      ASSERT_TRUE(internal::ReadFileToString(
                      env_.get(), std::string(kDb) + "/" + name, &content)
                      .ok())
          << name << " is gone " << when;
      EXPECT_EQ("mine: " + name, content) << when;
    }
  };
  {
    Options o = BaseOptions(env_.get());
    o.write_buffer_size = 64 << 10;
    o.level0_compaction_trigger = 2;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    check("after the first open");
    Put(db.get(), 0, 3000);
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
    check("after flushes and compactions");
    ASSERT_TRUE(db->Close().ok());
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    EXPECT_EQ(3000, Readable(db.get(), 0, 3000));
    check("after a reopen");
  }
  ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env_.get())).ok());
  check("after DestroyDB");
  // DestroyDB removed strata's files and left the user's and the directory.
  std::vector<std::string> expected = user;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(expected, Listing(env_.get(), kDb));
}

TEST_F(DamagedDirTest, AStrataNamedFileInAForeignDirectoryIsNotANewDb) {
  ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
  ASSERT_TRUE(internal::WriteStringToFile(env_.get(), "not a log",
                                          std::string(kDb) + "/002024.log",
                                          true)
                  .ok());
  std::unique_ptr<DB> db;
  const Status s = DB::Open(BaseOptions(env_.get()), kDb, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("CURRENT")) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("002024.log")) << s.ToString();
  EXPECT_EQ(std::vector<std::string>{"002024.log"}, Listing(env_.get(), kDb));
}

TEST_F(DamagedDirTest, AForeignLogFileIsNotOverwritten) {
  ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
  ASSERT_TRUE(internal::WriteStringToFile(env_.get(), "my log",
                                          std::string(kDb) + "/LOG", true)
                  .ok());
  std::unique_ptr<DB> db;
  const Status s = DB::Open(BaseOptions(env_.get()), kDb, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(std::vector<std::string>{"LOG"}, Listing(env_.get(), kDb));
}

TEST_F(DamagedDirTest, AFailedCreationLeavesNothingBehind) {
  FaultInjectionEnv fault(env_.get());
  for (const FaultOp op : {FaultOp::kSync, FaultOp::kRename, FaultOp::kCreate,
                           FaultOp::kDirSync}) {
    for (uint64_t n = 0; n < 6; ++n) {
      SCOPED_TRACE(std::to_string(static_cast<int>(op)) + " #" +
                   std::to_string(n));
      // Into a directory that does not exist yet, and into one with a file
      // of the user's.
      for (const bool dir_exists : {false, true}) {
        if (dir_exists) {
          ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
          ASSERT_TRUE(internal::WriteStringToFile(
                          env_.get(), "x", std::string(kDb) + "/mine.txt", true)
                          .ok());
        }
        fault.FailAfter(op, n, Status::IOError("injected"), true);
        Options o = BaseOptions(&fault);
        std::unique_ptr<DB> db;
        const Status s = DB::Open(o, kDb, &db);
        fault.ClearFaults();
        if (s.ok()) {
          ASSERT_TRUE(db->Close().ok());
          db.reset();
        } else if (dir_exists) {
          EXPECT_EQ(std::vector<std::string>{"mine.txt"},
                    Listing(env_.get(), kDb))
              << s.ToString();
        } else {
          EXPECT_FALSE(env_->FileExists(kDb)) << s.ToString();
        }
        ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env_.get())).ok());
        (void)env_->RemoveFile(std::string(kDb) + "/mine.txt");
        (void)env_->RemoveDir(kDb);
      }
    }
  }
}

// A creating open killed at any step (kill -9: no cleanup runs), with or
// without a power loss after it, leaves a directory that the next open
// takes for an interrupted creation and creates again, never for a foreign
// directory or a damaged DB. (Found by the crash driver: a kill after LOG
// was written but before IDENTITY was refused as a foreign LOG.)
TEST_F(DamagedDirTest, ACreationKilledAtAnyStepIsCreatedAgain) {
  int crashes = 0;
  for (const FaultOp op : {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync,
                           FaultOp::kRename, FaultOp::kDirSync}) {
    for (const bool power_loss : {false, true}) {
      for (uint64_t n = 0;; ++n) {
        SCOPED_TRACE(std::to_string(static_cast<int>(op)) + " #" +
                     std::to_string(n) + (power_loss ? " power loss" : ""));
        ASSERT_LT(n, 50u) << "the creation never got past this kind of call";
        // A fresh model each round: the last round cleaned up behind it.
        FaultInjectionEnv fault(env_.get());
        fault.CrashAt(op, n);
        {
          // The kill may also come after the open returned (a background
          // job or the close makes the call).
          std::unique_ptr<DB> db;
          Status s = DB::Open(BaseOptions(&fault), kDb, &db);
          if (s.ok()) s = db->Close();
          if (fault.IsFilesystemActive()) {
            // Open and close got through: every later n would too.
            fault.ClearFaults();
            ASSERT_TRUE(s.ok()) << s.ToString();
            db.reset();
            ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env_.get())).ok());
            (void)env_->RemoveDir(kDb);
            break;
          }
          // (s may be OK: a write to LOG, which is advisory, was the one.)
        }  // the "killed" DB is destroyed while the filesystem is down
        ++crashes;
        fault.ClearFaults();
        fault.SetFilesystemActive(true);
        if (power_loss) {
          ASSERT_TRUE(fault.DropUnsyncedData().ok());
        }
        std::unique_ptr<DB> db;
        Status s = DB::Open(BaseOptions(&fault), kDb, &db);
        ASSERT_TRUE(s.ok())
            << s.ToString() << " after the creation left "
            << ::testing::PrintToString(Listing(env_.get(), kDb));
        ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
        ASSERT_TRUE(db->Close().ok());
        db.reset();
        Options again = BaseOptions(&fault);
        again.create_if_missing = false;
        s = DB::Open(again, kDb, &db);
        ASSERT_TRUE(s.ok()) << s.ToString();
        std::string v;
        ASSERT_TRUE(db->Get(ReadOptions(), "k", &v).ok());
        EXPECT_EQ("v", v);
        ASSERT_TRUE(db->Close().ok());
        db.reset();
        ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env_.get())).ok());
        (void)env_->RemoveDir(kDb);
      }
    }
  }
  EXPECT_GT(crashes, 10);
}

// A creation that fails at its last step (here: no background thread)
// removes what it made; killed at any step of that cleanup, it leaves what
// an interrupted creation leaves, which the next open creates again.
TEST_F(DamagedDirTest, ACleanupKilledAtAnyStepIsCreatedAgain) {
  struct Disarm {
    ~Disarm() { internal::FailThreadStartForTest(-1); }
  } disarm;
  FaultInjectionEnv fault(env_.get());
  for (uint64_t n = 0;; ++n) {
    SCOPED_TRACE("removal #" + std::to_string(n));
    ASSERT_LT(n, 50u);
    ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());  // the cleanup keeps it
    internal::FailThreadStartForTest(0);
    fault.CrashAt(FaultOp::kRemove, n);
    {
      std::unique_ptr<DB> db;
      EXPECT_TRUE(DB::Open(BaseOptions(&fault), kDb, &db).IsIOError());
    }
    internal::FailThreadStartForTest(-1);
    if (fault.IsFilesystemActive()) {  // the whole cleanup ran
      fault.ClearFaults();
      EXPECT_EQ(std::vector<std::string>{}, Listing(env_.get(), kDb));
      break;
    }
    fault.ClearFaults();
    fault.SetFilesystemActive(true);
    const std::vector<std::string> left = Listing(env_.get(), kDb);
    std::unique_ptr<DB> db;
    const Status s = DB::Open(BaseOptions(&fault), kDb, &db);
    ASSERT_TRUE(s.ok()) << s.ToString() << " after the cleanup left "
                        << ::testing::PrintToString(left);
    ASSERT_TRUE(db->Close().ok());
    db.reset();
    ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env_.get())).ok());
  }
}

TEST_F(DamagedDirTest, AMissingParentDirectoryIsNamed) {
  std::unique_ptr<DB> db;
  const Status s = DB::Open(BaseOptions(env_.get()), "/no/such/parent/db", &db);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(std::string::npos,
            s.ToString().find("parent directory /no/such/parent"))
      << s.ToString();
}

// paranoid_checks: a damaged table fails the open (default: the open
// succeeds and the first read of the table reports it), and a damaged data
// block is Corruption even where ReadOptions turn verification off.
TEST_F(DamagedDirTest, ParanoidChecksReadEveryTableAtOpenAndEveryBlock) {
  Options o = BaseOptions(env_.get());
  o.compression = Compression::kNone;  // values stand in the file as written
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    Put(db.get(), 0, 100);
    ASSERT_TRUE(db->Flush().ok());  // one table
    ASSERT_TRUE(db->Close().ok());
  }
  std::string table;
  for (const std::string& name : Listing(env_.get(), kDb)) {
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) {
      table = name;
    }
  }
  ASSERT_FALSE(table.empty());
  const std::string path = std::string(kDb) + "/" + table;
  std::string intact;
  ASSERT_TRUE(internal::ReadFileToString(env_.get(), path, &intact).ok());

  // A value byte of key 50, inside a data block.
  std::string damaged = intact;
  const size_t at = damaged.find(Value(50));
  ASSERT_NE(std::string::npos, at);
  damaged[at + 3] ^= 0x01;
  ASSERT_TRUE(
      internal::WriteStringToFile(env_.get(), damaged, path, true).ok());
  ReadOptions unchecked;
  unchecked.verify_checksums = false;
  unchecked.fill_cache = false;
  for (const bool paranoid : {false, true}) {
    o.paranoid_checks = paranoid;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    std::string v;
    const Status s = db->Get(unchecked, NumberedKey(50), &v);
    if (paranoid) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(table)) << s.ToString();
    } else {
      // Unverified, as asked: the damaged value comes back.
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_NE(Value(50), v);
    }
  }

  // The footer: Table::Open fails. Default: the open succeeds and a read
  // of the table reports it; paranoid: the open fails naming the table.
  damaged = intact;
  damaged[damaged.size() - 12] ^= 0x01;
  ASSERT_TRUE(
      internal::WriteStringToFile(env_.get(), damaged, path, true).ok());
  o.paranoid_checks = false;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    std::string v;
    const Status s = db->Get(ReadOptions(), NumberedKey(1), &v);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
  o.paranoid_checks = true;
  std::unique_ptr<DB> db;
  const Status s = DB::Open(o, kDb, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(table)) << s.ToString();
}

// ---- A MANIFEST cut inside its last edit ------------------------------------

class TornManifestTest : public ::testing::Test {
 protected:
  // Two flushes; `pre_` is the directory before the second flush (its keys
  // [100, 200) only in the WAL), `post_` after it and 50 more writes (its
  // WAL deleted; keys [200, 250) in the new WAL). The second flush's edit
  // spans [edit_begin_, edit_end_) of the MANIFEST.
  void SetUp() override {
    std::unique_ptr<Env> env = NewMemEnv();
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(BaseOptions(env.get()), kDb, &db).ok());
    Put(db.get(), 0, 100);
    ASSERT_TRUE(db->Flush().ok());
    Put(db.get(), 100, 200);
    ASSERT_TRUE(CaptureImage(env.get(), kDb, &pre_).ok());
    for (const auto& [name, content] : pre_) {
      if (name.rfind("MANIFEST-", 0) == 0) manifest_ = name;
    }
    edit_begin_ = pre_[manifest_].size();
    ASSERT_TRUE(db->Flush().ok());
    Put(db.get(), 200, 250);
    ASSERT_TRUE(db->Close().ok());
    ASSERT_TRUE(CaptureImage(env.get(), kDb, &post_).ok());
    ASSERT_EQ(1u, post_.count(manifest_)) << "the flush rolled the MANIFEST";
    edit_end_ = post_[manifest_].size();
    ASSERT_GT(edit_end_, edit_begin_);
    for (const auto& [name, content] : post_) {
      if (pre_.count(name) == 0 && name.size() > 4 &&
          name.compare(name.size() - 4, 4, ".sst") == 0) {
        table_ = name;
      }
    }
    ASSERT_FALSE(table_.empty());
  }

  DiskImage pre_, post_;
  std::string manifest_, table_;
  size_t edit_begin_ = 0, edit_end_ = 0;
};

TEST_F(TornManifestTest, AnAcknowledgedEditCutShortLosesNoFile) {
  // Each length from "edit absent" to one byte short of whole.
  for (size_t cut = edit_begin_; cut < edit_end_; ++cut) {
    SCOPED_TRACE("MANIFEST cut to " + std::to_string(cut) + " of " +
                 std::to_string(edit_end_));
    DiskImage damaged = post_;
    damaged[manifest_].resize(cut);
    std::vector<std::string> wals;
    for (const auto& [name, content] : damaged) {
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0 &&
          !content.empty()) {
        wals.push_back(name);
      }
    }
    ASSERT_EQ(1u, wals.size());

    // paranoid_checks: Corruption naming both files, nothing changed.
    {
      std::unique_ptr<Env> env = NewMemEnv();
      ASSERT_TRUE(RestoreImage(damaged, env.get(), kDb).ok());
      Options o = BaseOptions(env.get());
      o.paranoid_checks = true;
      std::unique_ptr<DB> db;
      const Status s = DB::Open(o, kDb, &db);
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(table_)) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(wals[0])) << s.ToString();
      DiskImage after;
      ASSERT_TRUE(CaptureImage(env.get(), kDb, &after).ok());
      for (DiskImage* image : {&after, &damaged}) {
        image->erase("LOG");
        image->erase("LOG.old");
      }
      EXPECT_TRUE(after == damaged) << "a refused open changed the directory";
    }
    // Default: opens with what the MANIFEST accounts for; the table and the
    // log beyond it are in lost/, byte for byte, and reported.
    std::unique_ptr<Env> env = NewMemEnv();
    ASSERT_TRUE(RestoreImage(damaged, env.get(), kDb).ok());
    std::unique_ptr<DB> db;
    const Status s = DB::Open(BaseOptions(env.get()), kDb, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(100, Readable(db.get(), 0, 100));
    EXPECT_EQ(0, Readable(db.get(), 100, 250));
    std::string lost;
    ASSERT_TRUE(db->GetProperty("strata.lost-files", &lost));
    EXPECT_NE(std::string::npos, lost.find(table_)) << lost;
    EXPECT_NE(std::string::npos, lost.find(wals[0])) << lost;
    for (const std::string& name : {table_, wals[0]}) {
      std::string content;
      ASSERT_TRUE(internal::ReadFileToString(
                      env.get(), std::string(kDb) + "/lost/" + name, &content)
                      .ok())
          << name;
      EXPECT_TRUE(content == damaged[name]) << name;
    }
    ASSERT_TRUE(db->Close().ok());
    if (cut + 1 == edit_end_) {
      // DestroyDB removes what the open set aside, and nothing else there.
      const std::string mine = std::string(kDb) + "/lost/notes.txt";
      ASSERT_TRUE(internal::WriteStringToFile(env.get(), "x", mine, true).ok());
      ASSERT_TRUE(DestroyDB(kDb, BaseOptions(env.get())).ok());
      EXPECT_EQ(std::vector<std::string>{"notes.txt"},
                Listing(env.get(), std::string(kDb) + "/lost"));
    }
  }
}

TEST_F(TornManifestTest, AnEditTornByACrashIsTolerated) {
  // The crash came while the second flush's edit was being written: the
  // table is complete, the WAL it came from is still there.
  for (size_t cut = edit_begin_ + 1; cut < edit_end_; ++cut) {
    SCOPED_TRACE("MANIFEST cut to " + std::to_string(cut) + " of " +
                 std::to_string(edit_end_));
    DiskImage crashed = pre_;
    crashed[table_] = post_[table_];
    crashed[manifest_] = post_[manifest_].substr(0, cut);
    for (const bool paranoid : {false, true}) {
      std::unique_ptr<Env> env = NewMemEnv();
      ASSERT_TRUE(RestoreImage(crashed, env.get(), kDb).ok());
      Options o = BaseOptions(env.get());
      o.paranoid_checks = paranoid;
      std::unique_ptr<DB> db;
      const Status s = DB::Open(o, kDb, &db);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(200, Readable(db.get(), 0, 200));
      std::string lost;
      ASSERT_TRUE(db->GetProperty("strata.lost-files", &lost));
      EXPECT_EQ("", lost);
      // The leftover table held nothing the WAL did not: deleted.
      EXPECT_FALSE(env->FileExists(std::string(kDb) + "/" + table_));
      EXPECT_FALSE(env->FileExists(std::string(kDb) + "/lost"));
      ASSERT_TRUE(db->Close().ok());
    }
  }
}

}  // namespace
}  // namespace strata::testing
