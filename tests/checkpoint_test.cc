// Checkpoints, restore, the WAL barrier and whole-DB verification
// (issue 17):
//   - a checkpoint taken while a writer writes holds exactly the writes up
//     to its sequence (the model replayed to it), with flushes,
//     compactions and the value log running meanwhile;
//   - a versioned DB's checkpoint keeps its history;
//   - a crash at any step of a checkpoint leaves no target directory, or a
//     whole one (CrashAt on every file operation);
//   - restore replaces the DB atomically: verified first (a damaged
//     checkpoint changes nothing), a crash at any step opens as the old DB
//     or the restored one;
//   - FlushWAL(true) makes unsynced writes survive a power loss;
//   - VerifyChecksums finds a flipped byte in a table and in a value log.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "db/db_files.h"
#include "db/restore.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata {
namespace {

using testing::DescribeDifference;
using testing::FaultInjectionEnv;
using testing::FaultOp;
using testing::ModelState;
using testing::ReadAll;

enum class Flavor { kPlain, kValueLog, kVersioned };

std::string FlavorName(const ::testing::TestParamInfo<Flavor>& info) {
  switch (info.param) {
    case Flavor::kPlain:
      return "Plain";
    case Flavor::kValueLog:
      return "ValueLog";
    case Flavor::kVersioned:
      return "Versioned";
  }
  return "?";
}

class CheckpointTest : public ::testing::TestWithParam<Flavor> {
 protected:
  CheckpointTest() : mem_(NewMemEnv()), fault_(mem_.get()) {
    options_.env = &fault_;
    options_.write_buffer_size = 64 << 10;  // flushes and compactions happen
    options_.level0_idle_compaction_ms = 0;
    if (GetParam() == Flavor::kValueLog) {
      options_.enable_value_log = true;
      options_.value_log_threshold = 64;
    }
    if (GetParam() == Flavor::kVersioned) options_.enable_versioning = true;
    EXPECT_TRUE(env()->CreateDirIfMissing("/t").ok());
  }

  Env* env() { return &fault_; }

  std::unique_ptr<DB> OpenDb(const std::string& path) {
    std::unique_ptr<DB> db;
    const Status s = DB::Open(options_, path, &db);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
    return db;
  }

  // Every key and value of the DB in `path`.
  ModelState StateOf(const std::string& path) {
    ModelState state;
    std::unique_ptr<DB> db = OpenDb(path);
    if (db == nullptr) return state;
    EXPECT_TRUE(ReadAll(db.get(), ReadOptions(), &state).ok());
    return state;
  }

  static std::string Value(internal::Random* rnd, int i) {
    // Some values go to the value log (threshold 64), some stay inline.
    return std::to_string(i) + std::string(rnd->Uniform(2) ? 100 : 8, 'v');
  }

  std::unique_ptr<Env> mem_;
  FaultInjectionEnv fault_;
  Options options_;
};

INSTANTIATE_TEST_SUITE_P(Flavors, CheckpointTest,
                         ::testing::Values(Flavor::kPlain, Flavor::kValueLog,
                                           Flavor::kVersioned),
                         FlavorName);

TEST_P(CheckpointTest, CheckpointsTakenDuringWritesHoldExactlyTheirPrefix) {
  const uint64_t seed = testing::TestSeed(17);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  // One writer, one batch after another: batch i ends at sequence
  // ends[i], so the state at any sequence is a prefix of the batches.
  struct Op {
    int kind;  // 0 put, 1 delete, 2 delete range
    std::string key, value, end;
  };
  constexpr int kBatches = 3000;
  std::vector<Op> ops(kBatches);
  std::vector<uint64_t> ends(kBatches);
  internal::Random rnd(seed);
  for (int i = 0; i < kBatches; ++i) {
    Op& op = ops[static_cast<size_t>(i)];
    const int r = static_cast<int>(rnd.Uniform(20));
    op.kind = r < 16 ? 0 : (r < 19 ? 1 : 2);
    op.key = "k" + std::to_string(rnd.Uniform(500) + 100);
    op.value = Value(&rnd, i);
    op.end = "k" + std::to_string(std::stoi(op.key.substr(1)) + 1 +
                                  static_cast<int>(rnd.Uniform(5)));
  }
  std::string start;
  ASSERT_TRUE(db->GetProperty("strata.last-sequence", &start));
  std::atomic<int> written{0};
  Status write_status;
  std::thread writer([&] {
    uint64_t seq = std::stoull(start);
    for (int i = 0; i < kBatches && write_status.ok(); ++i) {
      const Op& op = ops[static_cast<size_t>(i)];
      WriteBatch b;
      if (op.kind == 0) b.Put(op.key, op.value);
      if (op.kind == 1) b.Delete(op.key);
      if (op.kind == 2) b.DeleteRange(op.key, op.end);
      seq += b.Count();
      ends[static_cast<size_t>(i)] = seq;
      write_status = db->Write(WriteOptions(), &b);
      written.store(i + 1, std::memory_order_release);
    }
  });
  std::vector<CheckpointMetadata> metas;
  for (int c = 0; c < 6; ++c) {
    // Spread over the run: wait for the writer to get further.
    while (written.load(std::memory_order_acquire) < (c + 1) * kBatches / 7) {
      std::this_thread::yield();
    }
    CheckpointMetadata meta;
    const std::string dir = "/t/cp" + std::to_string(c);
    ASSERT_TRUE(db->CreateCheckpoint(dir, &meta).ok());
    metas.push_back(meta);
  }
  writer.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  db.reset();

  for (size_t c = 0; c < metas.size(); ++c) {
    const CheckpointMetadata& meta = metas[c];
    SCOPED_TRACE("checkpoint " + std::to_string(c) + " at sequence " +
                 std::to_string(meta.sequence));
    ModelState model;
    bool found = meta.sequence == std::stoull(start);
    for (int i = 0;
         i < kBatches && ends[static_cast<size_t>(i)] <= meta.sequence; ++i) {
      const Op& op = ops[static_cast<size_t>(i)];
      if (op.kind == 0) model[op.key] = op.value;
      if (op.kind == 1) model.erase(op.key);
      if (op.kind == 2) {
        model.erase(model.lower_bound(op.key), model.lower_bound(op.end));
      }
      found |= ends[static_cast<size_t>(i)] == meta.sequence;
    }
    ASSERT_TRUE(found) << "a checkpoint sequence inside a batch";
    EXPECT_EQ("", DescribeDifference(model, StateOf(meta.directory)));
    // The metadata names every file, with its size.
    uint64_t total = 0;
    bool has_current = false;
    for (const CheckpointFile& f : meta.files) {
      total += f.bytes;
      has_current |= f.name == "CURRENT";
    }
    EXPECT_TRUE(has_current);
    EXPECT_EQ(total, meta.total_bytes);
    EXPECT_EQ(GetParam() == Flavor::kVersioned, meta.timestamp > 0);
  }
}

TEST_P(CheckpointTest, MetadataNamesLinkedFilesAndTheTargetMustBeNew) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  internal::Random rnd(3);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "key" + std::to_string(i), Value(&rnd, i))
            .ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "tail", "in the WAL only").ok());
  CheckpointMetadata meta;
  ASSERT_TRUE(db->CreateCheckpoint("/t/cp", &meta).ok());
  EXPECT_EQ("/t/cp", meta.directory);
  std::string last;
  ASSERT_TRUE(db->GetProperty("strata.last-sequence", &last));
  EXPECT_EQ(last, std::to_string(meta.sequence));
  int tables = 0, logs = 0;
  for (const CheckpointFile& f : meta.files) {
    uint64_t size = 0;
    ASSERT_TRUE(env()->GetFileSize("/t/cp/" + f.name, &size).ok()) << f.name;
    EXPECT_EQ(size, f.bytes) << f.name;
    uint64_t number = 0;
    internal::FileType type;
    ASSERT_TRUE(internal::ParseFileName(f.name, &number, &type)) << f.name;
    if (type == internal::FileType::kTableFile) {
      ++tables;
      EXPECT_TRUE(f.linked) << f.name;
    }
    if (type == internal::FileType::kLogFile) ++logs;
  }
  EXPECT_GT(tables, 0);
  EXPECT_GT(logs, 0);
  EXPECT_TRUE(
      std::is_sorted(meta.files.begin(), meta.files.end(),
                     [](const CheckpointFile& a, const CheckpointFile& b) {
                       return a.name < b.name;
                     }));

  // The target must not exist; nor may it be the DB itself.
  EXPECT_TRUE(db->CreateCheckpoint("/t/cp").IsInvalidArgument());
  EXPECT_TRUE(db->CreateCheckpoint("/t/db").IsInvalidArgument());
  EXPECT_TRUE(db->CreateCheckpoint("").IsInvalidArgument());
  EXPECT_FALSE(db->CreateCheckpoint("/no/such/parent/cp").ok());
  EXPECT_FALSE(env()->FileExists("/no/such/parent/cp"));

  // A "staging" directory that is really a DB someone opened is not
  // taken for a leftover: nothing in it is removed.
  {
    std::unique_ptr<DB> other = OpenDb("/t/cp2.strata-tmp");
    ASSERT_NE(nullptr, other);
    ASSERT_TRUE(other->Put(WriteOptions(), "mine", "1").ok());
  }
  const Status taken = db->CreateCheckpoint("/t/cp2");
  EXPECT_TRUE(taken.IsInvalidArgument()) << taken.ToString();
  EXPECT_EQ(1u, StateOf("/t/cp2.strata-tmp").count("mine"));
  EXPECT_FALSE(env()->FileExists("/t/cp2"));

  // The DB goes on; the checkpoint is a DB of its own, with the tail.
  ASSERT_TRUE(db->Put(WriteOptions(), "later", "x").ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ModelState cp = StateOf("/t/cp");
  EXPECT_EQ(2001u, cp.size());
  EXPECT_EQ("in the WAL only", cp["tail"]);
  EXPECT_EQ(0u, cp.count("later"));
  std::string id_db, id_cp;
  ASSERT_TRUE(internal::ReadFileToString(env(), "/t/db/IDENTITY", &id_db).ok());
  ASSERT_TRUE(internal::ReadFileToString(env(), "/t/cp/IDENTITY", &id_cp).ok());
  EXPECT_NE(id_db, id_cp);
}

TEST_P(CheckpointTest, TwoCheckpointsIntoOneDirectoryOneWinsNothingBreaks) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  internal::Random rnd(21);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "k" + std::to_string(i), Value(&rnd, i)).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  for (int round = 0; round < 20; ++round) {
    const std::string dir = "/t/same" + std::to_string(round);
    Status a, b;
    std::thread other([&] { b = db->CreateCheckpoint(dir); });
    a = db->CreateCheckpoint(dir);
    other.join();
    // Exactly one made it; the other found the directory there.
    EXPECT_NE(a.ok(), b.ok()) << a.ToString() << " / " << b.ToString();
    EXPECT_TRUE(a.ok() || a.IsInvalidArgument()) << a.ToString();
    EXPECT_TRUE(b.ok() || b.IsInvalidArgument()) << b.ToString();
  }
  // The DB's own files are whole (a copy over a link would have cut them).
  EXPECT_TRUE(db->VerifyChecksums().ok());
  db.reset();
  ModelState state = StateOf("/t/db");
  EXPECT_EQ(2000u, state.size());
  EXPECT_EQ("", DescribeDifference(state, StateOf("/t/same7")));
}

TEST_P(CheckpointTest, ACrashAtAnyStepLeavesNoTargetOrAWholeOne) {
  // Builds the same DB afresh for each crash point, so the file operations
  // of every run line up.
  internal::Random rnd(5);
  std::vector<std::string> values;
  for (int i = 0; i < 600; ++i) values.push_back(Value(&rnd, i));
  int crashes = 0, whole = 0;
  for (const FaultOp op :
       {FaultOp::kCreate, FaultOp::kLink, FaultOp::kSync, FaultOp::kDirSync,
        FaultOp::kRename, FaultOp::kWrite}) {
    for (uint64_t n = 0;; ++n) {
      SCOPED_TRACE("crash at op " + std::to_string(static_cast<int>(op)) +
                   " #" + std::to_string(n));
      ASSERT_TRUE(DestroyDB("/t/db", options_).ok());
      ASSERT_TRUE(internal::RemoveStrataDirectory(env(), "/t/cp").ok());
      ASSERT_TRUE(
          internal::RemoveStrataDirectory(env(), "/t/cp.strata-tmp").ok());
      std::unique_ptr<DB> db = OpenDb("/t/db");
      ASSERT_NE(nullptr, db);
      for (int i = 0; i < 600; ++i) {
        ASSERT_TRUE(
            db->Put(WriteOptions(), "k" + std::to_string(i), values[i]).ok());
        if (i == 300) {
          ASSERT_TRUE(db->Flush().ok());
        }
      }
      // Durable before the crash, so the power loss takes none of it.
      ASSERT_TRUE(db->FlushWAL(/*sync=*/true).ok());
      ModelState expected;
      ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &expected).ok());
      fault_.CrashAt(op, n);
      const Status s = db->CreateCheckpoint("/t/cp");
      const bool crashed = !fault_.IsFilesystemActive();
      db.reset();
      fault_.ClearFaults();
      fault_.SetFilesystemActive(true);
      ASSERT_TRUE(fault_.DropUnsyncedData().ok());
      if (!crashed) {
        // The crash point lies beyond the checkpoint's last operation.
        ASSERT_TRUE(s.ok()) << s.ToString();
        ASSERT_GT(n, 0u);
        break;
      }
      ++crashes;
      if (env()->FileExists("/t/cp")) {
        ++whole;
        EXPECT_EQ("", DescribeDifference(expected, StateOf("/t/cp")));
      }
      // A retry after the crash removes what the crash left and succeeds.
      std::unique_ptr<DB> again = OpenDb("/t/db");
      ASSERT_NE(nullptr, again);
      (void)internal::RemoveStrataDirectory(env(), "/t/cp");
      ASSERT_TRUE(again->CreateCheckpoint("/t/cp").ok());
      again.reset();
      EXPECT_EQ("", DescribeDifference(expected, StateOf("/t/cp")));
    }
  }
  // Every kind of step was crashed at, several times each; a crash after
  // the rename leaves the whole checkpoint.
  EXPECT_GT(crashes, 20);
  EXPECT_GT(whole, 0);
}

TEST_P(CheckpointTest, RestoreReplacesTheDbAndKeepsTheCheckpoint) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  internal::Random rnd(7);
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "k" + std::to_string(i), Value(&rnd, i)).ok());
  }
  ASSERT_TRUE(db->CreateCheckpoint("/t/cp").ok());
  ModelState at_checkpoint;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &at_checkpoint).ok());
  // The DB moves on: overwrites, deletes, compactions.
  for (int i = 0; i < 1500; i += 2) {
    ASSERT_TRUE(db->Put(WriteOptions(), "k" + std::to_string(i), "new").ok());
  }
  ASSERT_TRUE(db->DeleteRange(WriteOptions(), "k5", "k7").ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ModelState moved_on;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &moved_on).ok());

  // Not while the DB is open.
  Status s = RestoreFromCheckpoint("/t/cp", "/t/db", options_);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("locked")) << s.ToString();
  db.reset();
  EXPECT_TRUE(
      RestoreFromCheckpoint("/t/cp", "/t/cp", options_).IsInvalidArgument());

  ASSERT_TRUE(RestoreFromCheckpoint("/t/cp", "/t/db", options_).ok());
  EXPECT_FALSE(env()->FileExists("/t/db/RESTORE"));
  EXPECT_FALSE(env()->FileExists("/t/db/restore"));
  EXPECT_EQ("", DescribeDifference(at_checkpoint, StateOf("/t/db")));
  // The checkpoint is untouched and restores again; the restored DB takes
  // writes of its own.
  {
    std::unique_ptr<DB> restored = OpenDb("/t/db");
    ASSERT_NE(nullptr, restored);
    ASSERT_TRUE(restored->Put(WriteOptions(), "after", "restore").ok());
    ASSERT_TRUE(restored->Flush().ok());
  }
  EXPECT_EQ("", DescribeDifference(at_checkpoint, StateOf("/t/cp")));
  ASSERT_TRUE(RestoreFromCheckpoint("/t/cp", "/t/db2", options_).ok());
  EXPECT_EQ("", DescribeDifference(at_checkpoint, StateOf("/t/db2")));
  (void)moved_on;
}

TEST_P(CheckpointTest, ADamagedCheckpointChangesNothing) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  internal::Random rnd(9);
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "k" + std::to_string(i), Value(&rnd, i)).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  CheckpointMetadata meta;
  ASSERT_TRUE(db->CreateCheckpoint("/t/cp", &meta).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k1", "changed").ok());
  ModelState before;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &before).ok());
  db.reset();
  // Damage one table of the checkpoint (a copy: the DB's own is linked).
  std::string table;
  for (const CheckpointFile& f : meta.files) {
    if (f.name.ends_with(".sst")) table = "/t/cp/" + f.name;
  }
  ASSERT_FALSE(table.empty());
  std::string contents;
  ASSERT_TRUE(internal::ReadFileToString(env(), table, &contents).ok());
  ASSERT_TRUE(env()->RemoveFile(table).ok());
  contents[contents.size() / 3] ^= 0x40;
  ASSERT_TRUE(internal::WriteStringToFile(env(), contents, table, true).ok());

  const Status s = RestoreFromCheckpoint("/t/cp", "/t/db", options_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(".sst")) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("nothing was changed"));
  EXPECT_EQ("", DescribeDifference(before, StateOf("/t/db")));
  // A checkpoint that is missing a file says which.
  ASSERT_TRUE(env()->RemoveFile(table).ok());
  const Status missing = RestoreFromCheckpoint("/t/cp", "/t/db", options_);
  EXPECT_TRUE(missing.IsCorruption()) << missing.ToString();
  EXPECT_NE(std::string::npos, missing.ToString().find("missing"));
  EXPECT_EQ("", DescribeDifference(before, StateOf("/t/db")));
}

TEST_P(CheckpointTest, ARestoreCrashedAtAnyStepOpensAsOldOrRestored) {
  internal::Random rnd(11);
  {
    std::unique_ptr<DB> db = OpenDb("/t/db");
    ASSERT_NE(nullptr, db);
    for (int i = 0; i < 800; ++i) {
      ASSERT_TRUE(
          db->Put(WriteOptions(), "k" + std::to_string(i), Value(&rnd, i))
              .ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->CreateCheckpoint("/t/cp").ok());
  }
  const ModelState restored_state = StateOf("/t/cp");
  int old_seen = 0, restored_seen = 0;
  for (const FaultOp op :
       {FaultOp::kCreate, FaultOp::kLink, FaultOp::kSync, FaultOp::kDirSync,
        FaultOp::kRename, FaultOp::kRemove}) {
    for (uint64_t n = 0;; ++n) {
      SCOPED_TRACE("crash at op " + std::to_string(static_cast<int>(op)) +
                   " #" + std::to_string(n));
      // The old DB: different keys, flushed and in the WAL.
      ASSERT_TRUE(DestroyDB("/t/db", options_).ok());
      ModelState old_state;
      {
        std::unique_ptr<DB> db = OpenDb("/t/db");
        ASSERT_NE(nullptr, db);
        for (int i = 0; i < 300; ++i) {
          ASSERT_TRUE(
              db->Put(WriteOptions(), "old" + std::to_string(i), "o").ok());
          if (i == 150) {
            ASSERT_TRUE(db->Flush().ok());
          }
        }
        ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &old_state).ok());
      }
      fault_.CrashAt(op, n);
      const Status s = RestoreFromCheckpoint("/t/cp", "/t/db", options_);
      const bool crashed = !fault_.IsFilesystemActive();
      fault_.ClearFaults();
      fault_.SetFilesystemActive(true);
      ASSERT_TRUE(fault_.DropUnsyncedData().ok());
      const ModelState after = StateOf("/t/db");
      if (!crashed) {
        ASSERT_TRUE(s.ok()) << s.ToString();
        EXPECT_EQ("", DescribeDifference(restored_state, after));
        break;
      }
      EXPECT_TRUE(after == old_state || after == restored_state)
          << "neither old nor restored: "
          << DescribeDifference(restored_state, after);
      old_seen += after == old_state;
      restored_seen += after == restored_state;
      EXPECT_FALSE(env()->FileExists("/t/db/RESTORE"));
      EXPECT_FALSE(env()->FileExists("/t/db/restore"));
      // The checkpoint itself is never touched.
      EXPECT_EQ("", DescribeDifference(restored_state, StateOf("/t/cp")));
    }
  }
  // Crashes before the commit point give the old DB; after it, the next
  // open finishes the restore.
  EXPECT_GT(old_seen, 5);
  EXPECT_GT(restored_seen, 5);
}

TEST_P(CheckpointTest, FlushWalWithSyncSurvivesAPowerLoss) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), "a" + std::to_string(i), "1").ok());
  }
  ASSERT_TRUE(db->FlushWAL(/*sync=*/false).ok());
  ASSERT_TRUE(db->FlushWAL(/*sync=*/true).ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), "b" + std::to_string(i), "2").ok());
  }
  // Power is lost without a close: the synced writes are there, the
  // unsynced ones after the barrier are not (the test would fail if
  // FlushWAL did not sync, or if a power loss kept unsynced bytes).
  fault_.SetFilesystemActive(false);
  db.reset();
  fault_.SetFilesystemActive(true);
  ASSERT_TRUE(fault_.DropUnsyncedData().ok());
  const ModelState state = StateOf("/t/db");
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(1u, state.count("a" + std::to_string(i))) << i;
    EXPECT_EQ(0u, state.count("b" + std::to_string(i))) << i;
  }
}

TEST_P(CheckpointTest, AFailedWalSyncStopsWrites) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  ASSERT_TRUE(db->Put(WriteOptions(), "a", "1").ok());
  fault_.FailAfter(FaultOp::kSync, 0, Status::IOError("injected"), false);
  EXPECT_TRUE(db->FlushWAL(true).IsIOError());
  fault_.ClearFaults();
  const Status s = db->Put(WriteOptions(), "b", "2");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(db->FlushWAL(false).IsIOError());
}

TEST_P(CheckpointTest, VerifyChecksumsFindsAFlippedByte) {
  std::unique_ptr<DB> db = OpenDb("/t/db");
  ASSERT_NE(nullptr, db);
  internal::Random rnd(13);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), "k" + std::to_string(i), Value(&rnd, i)).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->VerifyChecksums().ok());
  // Flip a byte in the middle of each table and value-log file in turn.
  std::vector<std::string> names;
  ASSERT_TRUE(env()->GetChildren("/t/db", &names).ok());
  std::vector<std::string> targets;
  for (const std::string& name : names) {
    if (name.ends_with(".sst") ||
        (name.ends_with(".vlog") && GetParam() == Flavor::kValueLog)) {
      targets.push_back(name);
    }
  }
  ASSERT_FALSE(targets.empty());
  db.reset();
  for (const std::string& name : targets) {
    const std::string path = "/t/db/" + name;
    std::string contents;
    ASSERT_TRUE(internal::ReadFileToString(env(), path, &contents).ok());
    std::string damaged = contents;
    damaged[damaged.size() / 2] ^= 0x01;
    ASSERT_TRUE(
        internal::WriteStringToFile(env(), damaged, path, /*sync=*/true).ok());
    db = OpenDb("/t/db");
    ASSERT_NE(nullptr, db);
    const Status s = db->VerifyChecksums();
    EXPECT_TRUE(s.IsCorruption()) << name << ": " << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find(name)) << s.ToString();
    db.reset();
    ASSERT_TRUE(
        internal::WriteStringToFile(env(), contents, path, /*sync=*/true).ok());
    db = OpenDb("/t/db");
    ASSERT_NE(nullptr, db);
    EXPECT_TRUE(db->VerifyChecksums().ok()) << name;
    db.reset();
  }
}

TEST(CheckpointVersionedTest, TheCheckpointKeepsTheHistory) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/db", &db).ok());
  WriteBatch b;
  b.PutAt("k", "v100", 100);
  b.PutAt("k", "v200", 200);
  b.PutAt("k", "v300", 300);
  ASSERT_TRUE(db->Write(WriteOptions(), &b).ok());
  ASSERT_TRUE(db->Flush().ok());
  WriteBatch c;
  c.DeleteAt("k", 400);
  ASSERT_TRUE(db->Write(WriteOptions(), &c).ok());
  ASSERT_TRUE(db->CreateCheckpoint("/cp").ok());
  db.reset();
  ASSERT_TRUE(DB::Open(options, "/cp", &db).ok());
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "k", &v).IsNotFound());
  for (const uint64_t ts : {100, 250, 399}) {
    ReadOptions ro;
    ro.as_of = ts;
    ASSERT_TRUE(db->Get(ro, "k", &v).ok()) << ts;
    EXPECT_EQ(ts == 100 ? "v100" : (ts == 250 ? "v200" : "v300"), v);
  }
  ReadOptions all;
  all.all_versions = true;
  all.include_deleted = true;
  int versions = 0;
  std::unique_ptr<Iterator> it = db->NewIterator(all);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++versions;
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(4, versions);
}

}  // namespace
}  // namespace strata
