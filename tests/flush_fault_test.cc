// Crash tests for flushes: a scripted workload over 64 KiB memtables (auto
// flushes, explicit Flush() calls and reopens, each reopen flushing the
// replayed log) is cut at every create, write, sync, rename and directory
// sync call in turn. From the cut on, every call of that kind fails; then
// the power fails (unsynced data dropped) or the process dies (data handed
// to the OS kept), and the DB is reopened without faults.
//
// Each reopen must succeed and yield the model after some prefix of the
// attempted writes that holds every write known durable (synced, or
// followed by a successful Flush() or Close()) — after a process crash,
// every acknowledged write. No batch may be half-applied, and the reopened
// DB must hold no orphan files: every table referenced, one MANIFEST (the
// one CURRENT names), one log, no temporary files.
//
// Then single failed syncs during flushes: the error sticks, reads go on,
// and a reopen recovers every acknowledged write from the logs.
//
// Automatic compaction is off throughout (NoAutoCompaction): its I/O would
// land at different call counts in every run, and its outputs would race
// the orphan checks.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr char kDbName[] = "/flush-fault-db";
constexpr size_t kBufferSize = 64 << 10;

// Raises the L0 triggers above any table count reached here and turns the
// idle fold off: no automatic compaction, no write slowed for L0 files.
void NoAutoCompaction(Options* options) {
  options->level0_idle_compaction_ms = 0;
  options->level0_compaction_trigger = 1 << 20;
  options->level0_slowdown_writes_trigger = 1 << 20;
  options->level0_stop_writes_trigger = 1 << 20;
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

// Table files in `dbname`.
uint64_t TableFiles(Env* env, const std::string& dbname) {
  std::vector<std::string> names;
  EXPECT_TRUE(env->GetChildren(dbname, &names).ok());
  return static_cast<uint64_t>(
      std::count_if(names.begin(), names.end(),
                    [](const std::string& n) { return n.ends_with(".sst"); }));
}

// ---- The script
// ---------------------------------------------------------------

// One step of the workload: a write (a put, a delete or a batch), an
// explicit Flush(), or Close() and then Open() with the given
// flush_on_close (which decides what the next Close() does).
struct Step {
  enum class Kind { kWrite, kFlush, kReopen };
  Kind kind = Kind::kWrite;
  ModelBatch batch;
  bool sync = false;
  uint64_t batch_id = 0;    // nonzero: the batch writes "B<id>/<j>" keys,
  uint64_t batch_keys = 0;  // this many of them, all or none
  bool flush_on_close = true;
};

std::string SmallKey(uint64_t n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%02llu",
                static_cast<unsigned long long>(n));
  return buf;
}

std::string BatchKey(uint64_t id, uint64_t j) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "B%06llu/%llu",
                static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(j));
  return buf;
}

// A write with a value of about `value_size` bytes. Puts and deletes hit a
// small key space; batches add 2..4 keys of their own and sometimes touch
// the small key space too.
Step RandomWrite(internal::Random* rnd, uint64_t id, size_t value_size) {
  Step step;
  step.sync = rnd->OneIn(6);
  std::string value = "v" + std::to_string(id) + ":";
  value.resize(value_size / 2 + rnd->Uniform(value_size),
               static_cast<char>('a' + id % 26));
  const uint64_t r = rnd->Uniform(100);
  if (r < 50) {
    step.batch.Put(SmallKey(rnd->Uniform(60)), value);
  } else if (r < 65) {
    step.batch.Delete(SmallKey(rnd->Uniform(60)));
  } else {
    step.batch_id = id;
    step.batch_keys = 2 + rnd->Uniform(3);
    for (uint64_t j = 0; j < step.batch_keys; ++j) {
      step.batch.Put(BatchKey(id, j), value.substr(0, value.size() / 2));
    }
    if (rnd->OneIn(2)) step.batch.Delete(SmallKey(rnd->Uniform(60)));
  }
  return step;
}

Step MakeFlush() {
  Step step;
  step.kind = Step::Kind::kFlush;
  return step;
}

Step MakeReopen(bool flush_on_close) {
  Step step;
  step.kind = Step::Kind::kReopen;
  step.flush_on_close = flush_on_close;
  return step;
}

// About 340 writes in five phases, starting on a DB opened without
// flush_on_close:
//   1. 110 writes of 500..1500-byte values (an auto flush), then Flush();
//   2. 20 small writes, then Flush() — a flush with nothing else running,
//      appending to the MANIFEST;
//   3. 40 small writes, then a reopen: Close() leaves them in the log, and
//      the open's recovery flushes the log into a table, writes a new
//      MANIFEST and switches CURRENT — again with nothing else running;
//      the DB is opened with flush_on_close;
//   4. 130 writes of 500..1500-byte values (auto flushes), then a reopen whose
//      Close() flushes the memtable; opened without flush_on_close again;
//   5. 40 writes.
// Sets `*quiet_flush` and `*quiet_reopen` to the indexes of the steps of
// phases 2 and 3.
std::vector<Step> MakeScript(uint64_t seed, size_t* quiet_flush,
                             size_t* quiet_reopen) {
  internal::Random rnd(seed);
  std::vector<Step> script;
  uint64_t id = 1;
  auto writes = [&](int n, size_t value_size) {
    for (int i = 0; i < n; ++i) {
      script.push_back(RandomWrite(&rnd, id++, value_size));
    }
  };
  writes(110, 1000);
  script.push_back(MakeFlush());
  writes(20, 100);
  *quiet_flush = script.size();
  script.push_back(MakeFlush());
  writes(40, 100);
  *quiet_reopen = script.size();
  script.push_back(MakeReopen(/*flush_on_close=*/true));
  writes(130, 1000);
  script.push_back(MakeReopen(/*flush_on_close=*/false));
  writes(40, 300);
  return script;
}

// ---- Checks -----------------------------------------------------------------

// Every "B<id>/<j>" group is whole or absent.
::testing::AssertionResult NoHalfBatches(
    const ModelState& state, const std::map<uint64_t, uint64_t>& batch_keys) {
  std::map<uint64_t, uint64_t> present;
  for (const auto& entry : state) {
    const std::string& key = entry.first;
    if (key.empty() || key[0] != 'B') continue;
    present[std::stoull(key.substr(1, 6))]++;
  }
  for (const auto& [id, n] : present) {
    const auto it = batch_keys.find(id);
    const uint64_t want = it == batch_keys.end() ? 0 : it->second;
    if (n != want) {
      return ::testing::AssertionFailure()
             << "batch " << id << " is half-applied: " << n << " of " << want
             << " keys present";
    }
  }
  return ::testing::AssertionSuccess();
}

// True if some k in [lo, hi] makes the state after the first k writes of
// `writes` equal `recovered`; otherwise says how it differs at both ends.
::testing::AssertionResult IsPrefixState(const std::vector<const Step*>& writes,
                                         size_t lo, size_t hi,
                                         const ModelState& recovered) {
  ModelState state;
  std::string at_lo;
  for (size_t k = 0; k <= hi; ++k) {
    if (k > 0) writes[k - 1]->batch.ApplyTo(&state);
    if (k == lo) at_lo = DescribeDifference(state, recovered);
    if (k >= lo && state == recovered) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "the recovered state (" << recovered.size()
         << " keys) is the state after no prefix of " << lo << ".." << hi
         << " writes; after " << lo << ": " << at_lo << "; after " << hi << ": "
         << DescribeDifference(state, recovered);
}

// `dbname` holds no file the open DB `db` does not use.
::testing::AssertionResult NoOrphans(DB* db, Env* env,
                                     const std::string& dbname) {
  std::vector<std::string> names;
  const Status s = env->GetChildren(dbname, &names);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  size_t tables = 0;
  std::vector<std::string> manifests;
  std::vector<std::string> logs;
  for (const std::string& name : names) {
    uint64_t number = 0;
    internal::FileType type;
    if (!internal::ParseFileName(name, &number, &type)) continue;
    if (type == internal::FileType::kTableFile) ++tables;
    if (type == internal::FileType::kManifestFile) manifests.push_back(name);
    if (type == internal::FileType::kLogFile) logs.push_back(name);
    if (type == internal::FileType::kTempFile) {
      return ::testing::AssertionFailure()
             << "temporary file " << name << " left";
    }
  }
  const uint64_t referenced = TablesInLevels(db);
  if (tables != referenced) {
    return ::testing::AssertionFailure()
           << tables << " table files on disk, " << referenced << " referenced";
  }
  std::string current;
  const Status c =
      internal::ReadFileToString(env, dbname + "/CURRENT", &current);
  if (!c.ok()) return ::testing::AssertionFailure() << c.ToString();
  if (manifests.size() != 1 || current != manifests[0] + "\n") {
    std::string all;
    for (const std::string& m : manifests) all += " " + m;
    return ::testing::AssertionFailure()
           << "MANIFESTs on disk:" << all << "; CURRENT says " << current;
  }
  if (logs.size() != 1) {
    return ::testing::AssertionFailure() << logs.size() << " logs on disk";
  }
  return ::testing::AssertionSuccess();
}

// ---- One run ----------------------------------------------------------------

struct Cut {
  FaultOp kind;
  const char* name;
  uint64_t n;  // the n-th call (from 0) of `kind` and every later one fail
};

struct RunResult {
  bool open_failed = false;  // the cut hit the first open
  size_t acked = 0;          // writes acknowledged
  size_t steps_done = 0;     // script steps that succeeded
  // Calls of each kind (in kCutKinds order) made before each step the run
  // began, and before the crash.
  std::vector<std::vector<uint64_t>> counts_before_step;
  std::vector<uint64_t> counts_at_end;
};

const FaultOp kCutKinds[] = {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync,
                             FaultOp::kRename, FaultOp::kDirSync};
const char* const kCutNames[] = {"create", "write", "sync", "rename",
                                 "dirsync"};

std::vector<uint64_t> Counts(const FaultInjectionEnv& env) {
  std::vector<uint64_t> counts;
  for (const FaultOp kind : kCutKinds) counts.push_back(env.OpCount(kind));
  return counts;
}

// Runs `script` with `cut` (none: a dry run), crashes, reopens without
// faults and checks the result. Fills `*result`.
void RunScript(const std::vector<Step>& script, std::optional<Cut> cut,
               bool power_loss, RunResult* result) {
  const std::string where =
      std::string(power_loss ? "power loss" : "process crash") +
      (cut ? std::string(" after a cut at ") + cut->name + " #" +
                 std::to_string(cut->n)
           : std::string(" without a cut")) +
      ": ";
  std::unique_ptr<Env> mem = NewMemEnv();
  FaultInjectionEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kBufferSize;
  options.flush_on_close = false;  // see MakeScript
  NoAutoCompaction(&options);
  if (cut) {
    env.FailAfter(cut->kind, cut->n, Status::IOError("injected: disk gone"),
                  /*persistent=*/true);
  }

  std::vector<const Step*> writes;  // attempted, in order
  std::map<uint64_t, uint64_t> batch_keys;
  size_t acked = 0;
  size_t durable = 0;  // writes known durable: synced, flushed or closed
  std::string stopped_at = "the end of the script";
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, kDbName, &db);
  result->open_failed = !s.ok();
  if (!s.ok()) stopped_at = "the first open (" + s.ToString() + ")";
  for (size_t i = 0; s.ok() && i < script.size(); ++i) {
    const Step& step = script[i];
    result->counts_before_step.push_back(Counts(env));
    switch (step.kind) {
      case Step::Kind::kWrite: {
        writes.push_back(&step);
        if (step.batch_id != 0) batch_keys[step.batch_id] = step.batch_keys;
        WriteOptions wo;
        wo.sync = step.sync;
        WriteBatch batch = step.batch.ToWriteBatch();
        s = db->Write(wo, &batch);
        if (s.ok()) {
          ++acked;
          if (step.sync) durable = acked;
        }
        break;
      }
      case Step::Kind::kFlush:
        s = db->Flush();
        if (s.ok()) durable = acked;  // every write is in a synced table
        break;
      case Step::Kind::kReopen:
        s = db->Close();
        db.reset();
        if (s.ok()) durable = acked;
        options.flush_on_close = step.flush_on_close;
        if (s.ok()) s = DB::Open(options, kDbName, &db);
        break;
    }
    if (!s.ok()) {
      stopped_at = "step " + std::to_string(i) + " (" + s.ToString() + ")";
    } else {
      result->steps_done = i + 1;
    }
  }
  result->acked = acked;
  result->counts_at_end = Counts(env);

  env.SetFilesystemActive(false);
  db.reset();  // the process dies
  if (power_loss) {
    const Status drop = env.DropUnsyncedData();
    ASSERT_TRUE(drop.ok()) << where << drop.ToString();
  }
  env.SetFilesystemActive(true);
  env.ClearFaults();

  options.flush_on_close = true;
  const std::string context = where + "the run stopped at " + stopped_at +
                              " with " + std::to_string(acked) + " of " +
                              std::to_string(writes.size()) +
                              " attempted writes acknowledged, " +
                              std::to_string(durable) + " durable; ";
  s = DB::Open(options, kDbName, &db);
  ASSERT_TRUE(s.ok()) << context << "reopen: " << s.ToString();
  ModelState recovered;
  s = ReadAll(db.get(), ReadOptions(), &recovered);
  ASSERT_TRUE(s.ok()) << context << "read: " << s.ToString();
  ASSERT_TRUE(NoHalfBatches(recovered, batch_keys)) << context;
  ASSERT_TRUE(IsPrefixState(writes, power_loss ? durable : acked, writes.size(),
                            recovered))
      << context;
  ASSERT_TRUE(NoOrphans(db.get(), &env, kDbName))
      << context << "after the reopen";
  s = db->Close();
  ASSERT_TRUE(s.ok()) << context << "close: " << s.ToString();
}

// ---- The sweep --------------------------------------------------------------

// Cuts the script at every call of every kind, under power loss and under
// process crash.
void SweepCuts(bool power_loss) {
  size_t quiet_flush = 0;
  size_t quiet_reopen = 0;
  const std::vector<Step> script =
      MakeScript(TestSeed(0xf1a5), &quiet_flush, &quiet_reopen);
  RunResult dry;
  RunScript(script, std::nullopt, power_loss, &dry);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ASSERT_FALSE(dry.open_failed);
  ASSERT_EQ(dry.steps_done, script.size());

  const auto start = std::chrono::steady_clock::now();
  int runs = 0;
  int failed_opens = 0;
  std::vector<bool> acked_seen(script.size() + 1, false);
  for (size_t k = 0; k < std::size(kCutKinds); ++k) {
    const uint64_t total = dry.counts_at_end[k];
    // The calls of the two quiet steps land on the same counts in every
    // run (but see below): the steps start with no flush running.
    const auto range = [&](size_t step) {
      return std::make_pair(dry.counts_before_step[step][k],
                            step + 1 < dry.counts_before_step.size()
                                ? dry.counts_before_step[step + 1][k]
                                : total);
    };
    const auto flush_range = range(quiet_flush);
    const auto reopen_range = range(quiet_reopen);
    // The quiet flush appends to the MANIFEST (no rename); the quiet
    // reopen uses every kind.
    if (kCutKinds[k] != FaultOp::kRename) {
      ASSERT_LT(flush_range.first, flush_range.second) << kCutNames[k];
    }
    ASSERT_LT(reopen_range.first, reopen_range.second) << kCutNames[k];
    for (uint64_t n = 0; n <= total; ++n) {
      RunResult r;
      RunScript(script, Cut{kCutKinds[k], kCutNames[k], n}, power_loss, &r);
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
      ++runs;
      if (r.open_failed) ++failed_opens;
      // Each kind is used by the first open, which the first cut stops.
      if (n == 0) {
        EXPECT_TRUE(r.open_failed) << kCutNames[k] << " #0";
      }
      acked_seen[r.acked] = true;
      // A run that got past the quiet steps made the same calls before
      // and in them as the dry run, so the ranges above are exact. Write
      // calls are the exception: they include the info LOG's, and the
      // last lines of a flush (its obsolete-file deletions) may be written
      // after Flush() returns. (Every call is cut either way.)
      if (r.counts_before_step.size() > quiet_reopen + 1) {
        for (const size_t step :
             {quiet_flush, quiet_flush + 1, quiet_reopen, quiet_reopen + 1}) {
          std::vector<uint64_t> got = r.counts_before_step[step];
          std::vector<uint64_t> want = dry.counts_before_step[step];
          got[1] = want[1] = 0;  // kCutKinds[1] is kWrite
          EXPECT_EQ(got, want)
              << kCutNames[k] << " #" << n << ": step " << step;
        }
      }
    }
    std::fprintf(stderr,
                 "  %s: %llu %s calls (quiet flush %llu..%llu, quiet reopen "
                 "%llu..%llu)\n",
                 power_loss ? "power loss" : "process crash",
                 static_cast<unsigned long long>(total), kCutNames[k],
                 static_cast<unsigned long long>(flush_range.first),
                 static_cast<unsigned long long>(flush_range.second),
                 static_cast<unsigned long long>(reopen_range.first),
                 static_cast<unsigned long long>(reopen_range.second));
  }
  size_t distinct = 0;
  for (const bool seen : acked_seen) distinct += seen ? 1 : 0;
  std::fprintf(
      stderr,
      "  %d runs, %d failed first opens, %zu distinct acked "
      "counts, %.1f s\n",
      runs, failed_opens, distinct,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  // The cuts fell everywhere: in the first open, at many points of the
  // script, and after its end.
  EXPECT_GE(failed_opens, static_cast<int>(std::size(kCutKinds)));
  EXPECT_GT(distinct, 30u);
  EXPECT_TRUE(acked_seen[dry.acked]) << "no cut let every write through";
}

TEST(FlushFaultTest, PowerLossAtEveryCallKeepsTheDurablePrefix) {
  SweepCuts(/*power_loss=*/true);
}

TEST(FlushFaultTest, ProcessCrashAtEveryCallKeepsEveryAcknowledgedWrite) {
  SweepCuts(/*power_loss=*/false);
}

std::string NumberedKey(uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "key%08llu",
                static_cast<unsigned long long>(i));
  return buf;
}

// A 100-byte value naming the key index and the write that made it.
std::string NumberedValue(uint64_t index, uint64_t write) {
  std::string v =
      "i" + std::to_string(index) + ".w" + std::to_string(write) + ".";
  v.resize(100, static_cast<char>('a' + write % 26));
  return v;
}

// ---- Sticky flush errors ----------------------------------------------------

// The table sync of a flush fails: Flush() reports it, the error sticks for
// every later write, reads still see every acknowledged write, and a reopen
// without faults recovers all of them from the log.
TEST(FlushErrorTest, FailedTableSyncIsStickyAndReopenRecovers) {
  std::unique_ptr<Env> mem = NewMemEnv();
  FaultInjectionEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kBufferSize;
  NoAutoCompaction(&options);
  const std::string dbname = "/sync-fail-db";
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, dbname, &db).ok());
  ModelDB model;
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < 300; ++i) {
    const std::string key = NumberedKey(i % 200);
    const std::string value = NumberedValue(i, 1);
    ASSERT_TRUE(db->Put(i % 50 == 0 ? sync : WriteOptions(), key, value).ok());
    model.Put(key, value);
  }
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < 150; ++i) {  // well under one memtable
    const std::string key = NumberedKey(i * 3);
    if (i % 10 == 0) {
      ASSERT_TRUE(db->Delete(WriteOptions(), key).ok());
      model.Delete(key);
    } else {
      ASSERT_TRUE(db->Put(WriteOptions(), key, NumberedValue(i, 2)).ok());
      model.Put(key, NumberedValue(i, 2));
    }
  }
  const uint64_t tables = Property(db.get(), "strata.num-files-at-level0");
  ASSERT_GE(tables, 1u);
  ASSERT_EQ(TableFiles(&env, dbname), tables);

  // Flush(): the memtable switch does not sync the old log (a later sync
  // write does), so the first sync is the table's.
  const uint64_t syncs = env.OpCount(FaultOp::kSync);
  env.FailAfter(FaultOp::kSync, 0,
                Status::IOError("injected table sync failure"),
                /*persistent=*/false);
  const Status failed = db->Flush();
  EXPECT_TRUE(failed.IsIOError()) << failed.ToString();
  EXPECT_NE(failed.ToString().find("injected table sync failure"),
            std::string::npos)
      << failed.ToString();
  EXPECT_EQ(env.OpCount(FaultOp::kSync) - syncs, 1u);
  env.ClearFaults();
  EXPECT_EQ(Property(db.get(), "strata.num-files-at-level0"), tables);
  EXPECT_EQ(Property(db.get(), "strata.num-immutable-mem-table"), 1u);
  // The half-made table is gone.
  EXPECT_EQ(TableFiles(&env, dbname), tables);

  // Sticky: every later write and flush fails with the same error.
  WriteBatch batch;
  batch.Put("x", "1");
  batch.Delete("y");
  const Status later[] = {db->Put(WriteOptions(), "later", "1"),
                          db->Put(sync, "later", "2"),
                          db->Delete(WriteOptions(), NumberedKey(1)),
                          db->Write(sync, &batch), db->Flush()};
  for (const Status& s : later) {
    EXPECT_EQ(s.ToString(), failed.ToString());
  }

  internal::Random rnd(305);
  EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{305, 0, "reads after a failed flush"}));
  EXPECT_FALSE(db->Close().ok()) << "Close must report the flush error";
  db.reset();

  ASSERT_TRUE(DB::Open(options, dbname, &db).ok());
  ModelState recovered;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &recovered).ok());
  EXPECT_EQ(DescribeDifference(model.State(), recovered), "");
  EXPECT_TRUE(NoOrphans(db.get(), &env, dbname));
  ASSERT_TRUE(db->Put(sync, "fresh", "ok").ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Close().ok());
}

// A single failed sync anywhere in the flush cycle (the old log's sync at a
// memtable switch, the table's sync, the MANIFEST's sync) while a writer
// keeps writing: the first write to see the error fails, later ones too,
// and a reopen recovers exactly the acknowledged writes.
TEST(FlushErrorTest, AnyFailedSyncDuringFlushesLosesNoAcknowledgedWrite) {
  for (uint64_t n = 0; n < 9; ++n) {
    SCOPED_TRACE("failing sync #" + std::to_string(n) + " after open");
    std::unique_ptr<Env> mem = NewMemEnv();
    FaultInjectionEnv env(mem.get());
    Options options;
    options.env = &env;
    options.write_buffer_size = kBufferSize;
    NoAutoCompaction(&options);
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(options, "/sync-db", &db).ok());
    env.FailAfter(FaultOp::kSync, n, Status::IOError("injected sync failure"),
                  /*persistent=*/false);
    ModelDB model;
    Status first_error;
    for (int i = 0; i < 6000; ++i) {
      const std::string key = NumberedKey(i % 1500);
      const Status s = db->Put(WriteOptions(), key, NumberedValue(i, i));
      if (!s.ok()) {
        first_error = s;
        break;
      }
      model.Put(key, NumberedValue(i, i));
    }
    ASSERT_FALSE(first_error.ok()) << "the injected failure was never seen";
    EXPECT_NE(first_error.ToString().find("injected sync failure"),
              std::string::npos)
        << first_error.ToString();
    env.ClearFaults();
    EXPECT_EQ(db->Put(WriteOptions(), "later", "x").ToString(),
              first_error.ToString());
    ModelState seen;
    ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &seen).ok());
    EXPECT_EQ(DescribeDifference(model.State(), seen), "");
    EXPECT_FALSE(db->Close().ok());
    db.reset();

    const Status reopen = DB::Open(options, "/sync-db", &db);
    ASSERT_TRUE(reopen.ok()) << reopen.ToString();
    ModelState recovered;
    ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &recovered).ok());
    EXPECT_EQ(DescribeDifference(model.State(), recovered), "");
    EXPECT_TRUE(NoOrphans(db.get(), &env, "/sync-db"));
    ASSERT_TRUE(db->Close().ok());
  }
}

}  // namespace
}  // namespace strata::testing
