// DB::RestoreFromCheckpoint on an open DB (issue 17): the DB goes on from
// the checkpoint's state; what belonged to the state before — iterators,
// snapshots, transactions — fails cleanly with InvalidArgument; a damaged
// checkpoint changes nothing and the DB stays usable; readers and writers
// racing a restore get OK or that error, never a crash or a mix; a crash
// at any step of it opens as the old state or the restored one.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "env/env_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"

namespace strata {
namespace {

using testing::DescribeDifference;
using testing::FaultInjectionEnv;
using testing::FaultOp;
using testing::ModelState;
using testing::ReadAll;

class OnlineRestoreTest : public ::testing::Test {
 protected:
  OnlineRestoreTest() : mem_(NewMemEnv()), fault_(mem_.get()) {
    options_.env = &fault_;
    options_.write_buffer_size = 64 << 10;
    options_.level0_idle_compaction_ms = 0;
  }

  void Open() {
    const Status s = DB::Open(options_, "/db", &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Fill(const std::string& prefix, int n, const std::string& value) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(
          db_->Put(WriteOptions(), prefix + std::to_string(i), value).ok());
    }
  }

  ModelState State() {
    ModelState state;
    EXPECT_TRUE(ReadAll(db_.get(), ReadOptions(), &state).ok());
    return state;
  }

  std::unique_ptr<Env> mem_;
  FaultInjectionEnv fault_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(OnlineRestoreTest, TheDbGoesOnFromTheCheckpoint) {
  Open();
  Fill("a", 2000, std::string(50, 'x'));
  ASSERT_TRUE(db_->CreateCheckpoint("/cp").ok());
  const ModelState at_checkpoint = State();
  Fill("b", 1000, "later");
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), "a1", "a5").ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());

  ASSERT_TRUE(db_->RestoreFromCheckpoint("/cp").ok());
  EXPECT_EQ("", DescribeDifference(at_checkpoint, State()));
  // Writes go on, and survive a reopen with the restored data.
  ASSERT_TRUE(db_->Put(WriteOptions(), "after", "restore").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ModelState expected = at_checkpoint;
  expected["after"] = "restore";
  EXPECT_EQ("", DescribeDifference(expected, State()));
  ASSERT_TRUE(db_->Close().ok());
  Open();
  EXPECT_EQ("", DescribeDifference(expected, State()));
  // Twice in a row, and back again.
  ASSERT_TRUE(db_->RestoreFromCheckpoint("/cp").ok());
  EXPECT_EQ("", DescribeDifference(at_checkpoint, State()));
  EXPECT_TRUE(db_->RestoreFromCheckpoint("/db").IsInvalidArgument());
}

TEST_F(OnlineRestoreTest, WhatBelongedToTheOldStateFailsCleanly) {
  Open();
  Fill("a", 500, "old");
  ASSERT_TRUE(db_->CreateCheckpoint("/cp").ok());
  Fill("b", 500, "old");
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  const Snapshot* snapshot = db_->GetSnapshot();
  ASSERT_NE(nullptr, snapshot);
  std::unique_ptr<Transaction> txn = db_->BeginTransaction(WriteOptions());
  ASSERT_TRUE(txn->Put("t", "1").ok());

  ASSERT_TRUE(db_->RestoreFromCheckpoint("/cp").ok());

  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsInvalidArgument()) << it->status().ToString();
  EXPECT_NE(std::string::npos, it->status().ToString().find("restored"));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  std::string v;
  EXPECT_TRUE(db_->Get(at_snapshot, "a1", &v).IsInvalidArgument());
  db_->ReleaseSnapshot(snapshot);  // accepted, and nothing happens
  const Status commit = txn->Commit();
  EXPECT_TRUE(commit.IsInvalidArgument()) << commit.ToString();
  EXPECT_NE(std::string::npos, commit.ToString().find("restored"));
  EXPECT_TRUE(db_->Get(ReadOptions(), "t", &v).IsNotFound());
  // New ones work on the restored state.
  std::unique_ptr<Iterator> fresh = db_->NewIterator(ReadOptions());
  int n = 0;
  for (fresh->SeekToFirst(); fresh->Valid(); fresh->Next()) ++n;
  EXPECT_TRUE(fresh->status().ok());
  EXPECT_EQ(500, n);
  const Snapshot* s2 = db_->GetSnapshot();
  ReadOptions ro;
  ro.snapshot = s2;
  EXPECT_TRUE(db_->Get(ro, "a1", &v).ok());
  db_->ReleaseSnapshot(s2);
  std::unique_ptr<Transaction> t2 = db_->BeginTransaction(WriteOptions());
  ASSERT_TRUE(t2->Put("t", "2").ok());
  ASSERT_TRUE(t2->Commit().ok());
}

TEST_F(OnlineRestoreTest, ADamagedCheckpointChangesNothing) {
  Open();
  Fill("a", 1000, std::string(100, 'y'));
  ASSERT_TRUE(db_->Flush().ok());
  CheckpointMetadata meta;
  ASSERT_TRUE(db_->CreateCheckpoint("/cp", &meta).ok());
  Fill("b", 10, "kept");
  const ModelState before = State();
  std::string table;
  for (const CheckpointFile& f : meta.files) {
    if (f.name.ends_with(".sst")) table = "/cp/" + f.name;
  }
  ASSERT_FALSE(table.empty());
  std::string contents;
  ASSERT_TRUE(internal::ReadFileToString(&fault_, table, &contents).ok());
  ASSERT_TRUE(fault_.RemoveFile(table).ok());  // the DB's copy stays whole
  contents[contents.size() / 2] ^= 1;
  ASSERT_TRUE(internal::WriteStringToFile(&fault_, contents, table, true).ok());
  const Status s = db_->RestoreFromCheckpoint("/cp");
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("nothing was changed"));
  // Still open, still the same, still writable.
  EXPECT_EQ("", DescribeDifference(before, State()));
  ASSERT_TRUE(db_->Put(WriteOptions(), "c", "1").ok());
  EXPECT_TRUE(db_->RestoreFromCheckpoint("/nothing").IsCorruption() ||
              db_->RestoreFromCheckpoint("/nothing").IsNotFound() ||
              db_->RestoreFromCheckpoint("/nothing").IsIOError());
}

TEST_F(OnlineRestoreTest, ReadersAndWritersRacingARestoreGetOkOrTheError) {
  Open();
  Fill("a", 300, "old");
  ASSERT_TRUE(db_->CreateCheckpoint("/cp").ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  // a7 is in both states: a read of it is OK, or InvalidArgument when it
  // ran on the state a restore retired — never NotFound.
  auto acceptable = [&bad](const Status& s) {
    if (!s.ok() && !s.IsInvalidArgument()) ++bad;
  };
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int i = 0; !stop.load(); ++i) {
      acceptable(db_->Put(WriteOptions(), "w" + std::to_string(i % 50), "v"));
    }
  });
  threads.emplace_back([&] {
    std::string v;
    while (!stop.load()) {
      acceptable(db_->Get(ReadOptions(), "a7", &v));
      std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
      }
      acceptable(it->status());
    }
  });
  // Compactions and checkpoints of the old state run into the restores:
  // none may touch the restored state's files.
  threads.emplace_back([&] {
    while (!stop.load()) acceptable(db_->CompactRange(nullptr, nullptr));
  });
  threads.emplace_back([&] {
    for (int i = 0; !stop.load(); ++i) {
      const Status s = db_->CreateCheckpoint("/race" + std::to_string(i));
      acceptable(s);
    }
  });
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(db_->RestoreFromCheckpoint("/cp").ok()) << round;
    // The restored state is whole after every round.
    ASSERT_TRUE(db_->VerifyChecksums().ok()) << round;
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(0, bad.load());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "a7", &v).ok());
  // And it reopens whole.
  ASSERT_TRUE(db_->Close().ok());
  Open();
  ModelState state = State();
  EXPECT_EQ(1u, state.count("a299"));
  EXPECT_TRUE(db_->VerifyChecksums().ok());
}

TEST_F(OnlineRestoreTest, ADbOpenedWithErrorIfExistsRestores) {
  Open();
  Fill("a", 100, "x");
  ASSERT_TRUE(db_->CreateCheckpoint("/cp").ok());
  db_.reset();
  options_.error_if_exists = false;
  options_.create_if_missing = true;
  Options strict = options_;
  strict.error_if_exists = true;
  ASSERT_TRUE(DestroyDB("/db2", options_).ok());
  ASSERT_TRUE(DB::Open(strict, "/db2", &db_).ok());
  ASSERT_TRUE(db_->RestoreFromCheckpoint("/cp").ok());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "a5", &v).ok());
}

TEST_F(OnlineRestoreTest, ACrashDuringARestoreOpensAsOldOrRestored) {
  ModelState restored_state;
  {
    Open();
    Fill("c", 600, std::string(40, 'c'));
    ASSERT_TRUE(db_->CreateCheckpoint("/cp").ok());
    restored_state = State();
    db_.reset();
  }
  int old_seen = 0, restored_seen = 0;
  for (const FaultOp op :
       {FaultOp::kCreate, FaultOp::kLink, FaultOp::kSync, FaultOp::kDirSync,
        FaultOp::kRename, FaultOp::kRemove}) {
    for (uint64_t n = 0;; ++n) {
      SCOPED_TRACE("crash at op " + std::to_string(static_cast<int>(op)) +
                   " #" + std::to_string(n));
      ASSERT_TRUE(DestroyDB("/db", options_).ok());
      Open();
      Fill("old", 200, "o");
      ASSERT_TRUE(db_->FlushWAL(true).ok());
      const ModelState old_state = State();
      fault_.CrashAt(op, n);
      const Status s = db_->RestoreFromCheckpoint("/cp");
      const bool crashed = !fault_.IsFilesystemActive();
      db_.reset();
      fault_.ClearFaults();
      fault_.SetFilesystemActive(true);
      ASSERT_TRUE(fault_.DropUnsyncedData().ok());
      Open();
      const ModelState after = State();
      db_.reset();
      if (!crashed) {
        ASSERT_TRUE(s.ok()) << s.ToString();
        EXPECT_EQ("", DescribeDifference(restored_state, after));
        break;
      }
      EXPECT_TRUE(after == old_state || after == restored_state)
          << DescribeDifference(restored_state, after);
      old_seen += after == old_state;
      restored_seen += after == restored_state;
    }
  }
  EXPECT_GT(old_seen, 5);
  EXPECT_GT(restored_seen, 5);
}

}  // namespace
}  // namespace strata
