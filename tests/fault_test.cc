// Fault tests for the write path and recovery: power loss, process crash,
// a cut after every write and sync call, sticky I/O errors, failures at
// open, and damaged logs under each WalRecoveryMode.
//
// The crash tests run a random workload over FaultInjectionEnv(MemEnv) and,
// after each simulated crash, demand that the reopened DB equals the model
// after some prefix of the acknowledged operations: at least every op up to
// the last acknowledged sync (power loss) or every acknowledged op (process
// crash). Multi-key batches write keys carrying the batch id, and each such
// group must be all there or all gone. Seeds are printed; STRATA_SEED=<seed>
// replays one.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "env/env_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

constexpr char kDbName[] = "/fault-db";
constexpr uint64_t kDefaultSeed = 0xfa0171;

// ---- Workload ---------------------------------------------------------------

// One acknowledged-or-not write: a put, a delete or a batch.
struct WorkloadOp {
  ModelBatch batch;
  bool sync = false;
  uint64_t batch_id = 0;    // nonzero: the batch writes "B<id>/<j>" keys,
  uint64_t batch_keys = 0;  // this many of them
};

std::string SmallKey(uint64_t n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%02llu",
                static_cast<unsigned long long>(n));
  return buf;
}

std::string BatchKey(uint64_t id, uint64_t j) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "B%08llu/%llu",
                static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(j));
  return buf;
}

// `op_id` makes values and batch ids unique. Puts and deletes hit a small
// key space; batches write 2..6 fresh keys named after the batch (plus
// sometimes a small-space put or delete); a few values are large, so their
// records span several log blocks.
WorkloadOp RandomOp(internal::Random* rnd, uint64_t op_id, uint64_t sync_one_in,
                    size_t large_value_size) {
  WorkloadOp op;
  op.sync = rnd->OneIn(sync_one_in);
  const uint64_t r = rnd->Uniform(100);
  const std::string value = "v" + std::to_string(op_id);
  if (r < 45) {
    op.batch.Put(SmallKey(rnd->Uniform(50)), value);
  } else if (r < 60) {
    op.batch.Delete(SmallKey(rnd->Uniform(50)));
  } else if (r < 95) {
    op.batch_id = op_id;
    const uint64_t n = 2 + rnd->Uniform(5);
    op.batch_keys = n;
    for (uint64_t j = 0; j < n; ++j) op.batch.Put(BatchKey(op_id, j), value);
    if (rnd->OneIn(2)) {
      if (rnd->OneIn(2)) {
        op.batch.Delete(SmallKey(rnd->Uniform(50)));
      } else {
        op.batch.Put(SmallKey(rnd->Uniform(50)), value);
      }
    }
  } else {
    op.batch.Put("L" + std::to_string(rnd->Uniform(4)),
                 value + std::string(large_value_size, 'L'));
  }
  return op;
}

Status Apply(DB* db, const WorkloadOp& op) {
  WriteOptions wo;
  wo.sync = op.sync;
  const std::vector<ModelOp>& ops = op.batch.ops();
  if (ops.size() == 1 && !ops[0].is_delete) {
    return db->Put(wo, ops[0].key, ops[0].value);
  }
  if (ops.size() == 1) return db->Delete(wo, ops[0].key);
  WriteBatch batch = op.batch.ToWriteBatch();
  return db->Write(wo, &batch);
}

// Every batch's "B<id>/<j>" keys are all present or all absent (they are
// written once, by their batch, and never deleted).
::testing::AssertionResult BatchesAreAtomic(
    const ModelState& state, const std::map<uint64_t, size_t>& sizes) {
  std::map<uint64_t, size_t> seen;
  for (const auto& [key, value] : state) {
    if (key.empty() || key[0] != 'B') continue;
    seen[std::stoull(key.substr(1, 8))]++;
  }
  for (const auto& [id, count] : seen) {
    const auto it = sizes.find(id);
    if (it == sizes.end() || count != it->second) {
      return ::testing::AssertionFailure()
             << "batch " << id << " is half-applied: " << count << " of "
             << (it == sizes.end() ? 0 : it->second) << " keys present";
    }
  }
  return ::testing::AssertionSuccess();
}

// Finds every k in [lo, hi] such that `base` with ops[0, k) applied equals
// `recovered`. Fails, describing the nearest miss, when there is none.
::testing::AssertionResult MatchesPrefix(const ModelState& base,
                                         const std::vector<WorkloadOp>& ops,
                                         size_t lo, size_t hi,
                                         const ModelState& recovered,
                                         size_t* matched) {
  ModelState state = base;
  std::vector<size_t> matches;
  std::string at_lo;
  for (size_t k = 0; k <= hi; ++k) {
    if (k > 0) ops[k - 1].batch.ApplyTo(&state);
    if (k == lo) at_lo = DescribeDifference(state, recovered);
    if (k >= lo && state == recovered) matches.push_back(k);
  }
  if (!matches.empty()) {
    *matched = matches.back();
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "recovered state is no prefix of the operations in [" << lo << ", "
         << hi << "] (of " << ops.size() << "); against the prefix of " << lo
         << " ops: " << at_lo << "; against all " << hi
         << " ops: " << DescribeDifference(state, recovered)
         << "; recovered holds " << recovered.size() << " keys";
}

// ---- A crashable DB ---------------------------------------------------------

class CrashableDB {
 public:
  CrashableDB()
      : base_(NewMemEnv()),
        env_(std::make_unique<FaultInjectionEnv>(base_.get())) {
    options_.env = env_.get();
  }

  FaultInjectionEnv* env() { return env_.get(); }
  Options* options() { return &options_; }
  DB* db() { return db_.get(); }

  Status Open() { return DB::Open(options_, kDbName, &db_); }

  Status Close() {
    Status s = db_->Close();
    db_.reset();
    return s;
  }

  // kill -9: the DB object is abandoned; bytes handed to the OS stay.
  void ProcessCrash() {
    env_->SetFilesystemActive(false);
    db_.reset();
    env_->SetFilesystemActive(true);
  }

  // Power loss: as ProcessCrash, and every unsynced byte and directory
  // entry is lost.
  ::testing::AssertionResult PowerLoss() {
    env_->SetFilesystemActive(false);
    db_.reset();
    const Status s = env_->DropUnsyncedData();
    env_->SetFilesystemActive(true);
    if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
    return ::testing::AssertionSuccess();
  }

 private:
  std::unique_ptr<Env> base_;
  std::unique_ptr<FaultInjectionEnv> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

// ---- Crash cycles -----------------------------------------------------------

enum class CrashKind { kPowerLoss, kProcessCrash, kMixed };

struct CrashStats {
  int power_losses = 0;
  int lost_ops = 0;  // acknowledged ops that a power loss took
};

// Runs `cycles` rounds of writes followed by a crash (or, in kMixed, a
// crash of either kind or a clean close) and checks each recovery. Adds
// to `*stats`.
void RunCrashCycles(CrashKind kind, uint64_t seed, int cycles,
                    CrashStats* stats) {
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (replay with STRATA_SEED=" + std::to_string(seed) + ")");
  internal::Random rnd(seed);
  CrashableDB h;
  ASSERT_TRUE(h.Open().ok());

  ModelDB model;
  // What is known durable, and the acknowledged ops since, in order. A sync
  // covers every op before it, so ops[0, synced) survive a power loss.
  ModelState durable;
  std::vector<WorkloadOp> ops;
  size_t synced = 0;
  std::map<uint64_t, size_t> batch_sizes;
  uint64_t next_op_id = 1;
  int power_losses = 0;
  int lost_ops = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    const std::string where = "seed=" + std::to_string(seed) +
                              " cycle=" + std::to_string(cycle) + ": ";
    const uint64_t n = rnd.Uniform(80);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t id = next_op_id++;
      WorkloadOp op = RandomOp(&rnd, id, 5, rnd.OneIn(10) ? 100 << 10 : 3000);
      const Status s = Apply(h.db(), op);
      ASSERT_TRUE(s.ok()) << where << "op " << id << ": " << s.ToString();
      model.Write(op.batch);
      if (op.batch_id != 0) batch_sizes[op.batch_id] = op.batch_keys;
      ops.push_back(std::move(op));
      if (ops.back().sync) synced = ops.size();
    }

    CrashKind now = kind;
    if (kind == CrashKind::kMixed) {
      const uint64_t r = rnd.Uniform(5);
      now = r < 2 ? CrashKind::kPowerLoss : CrashKind::kProcessCrash;
      if (r == 4) {  // a clean close makes everything durable
        ASSERT_TRUE(h.Close().ok()) << where;
        ASSERT_TRUE(h.Open().ok()) << where;
        durable = model.State();
        ops.clear();
        synced = 0;
        continue;
      }
    }
    if (now == CrashKind::kPowerLoss) {
      ASSERT_TRUE(h.PowerLoss()) << where;
      ++power_losses;
    } else {
      h.ProcessCrash();
    }
    const Status s = h.Open();
    ASSERT_TRUE(s.ok()) << where << "reopen: " << s.ToString();

    ModelState recovered;
    ASSERT_TRUE(ReadAll(h.db(), ReadOptions(), &recovered).ok()) << where;
    ASSERT_TRUE(BatchesAreAtomic(recovered, batch_sizes)) << where;
    const size_t lo = now == CrashKind::kPowerLoss ? synced : ops.size();
    size_t k = 0;
    ASSERT_TRUE(MatchesPrefix(durable, ops, lo, ops.size(), recovered, &k))
        << where
        << (now == CrashKind::kPowerLoss ? "power loss" : "process crash")
        << " after " << ops.size() << " ops since the last durable point, "
        << synced << " of them synced";
    model.ResetState(recovered);
    ASSERT_TRUE(VerifyDB(
        h.db(), model, ModelDB::kLatest, nullptr, &rnd,
        VerifyContext{seed, static_cast<uint64_t>(cycle), "after recovery"}));
    if (now == CrashKind::kPowerLoss) {
      // What survived a power loss is on disk for good.
      lost_ops += static_cast<int>(ops.size() - k);
      durable = recovered;
      ops.clear();
      synced = 0;
    }
  }
  ASSERT_TRUE(h.Close().ok());
  std::fprintf(stderr, "  seed=%llu: %d cycles, %d power losses, %d ops lost\n",
               static_cast<unsigned long long>(seed), cycles, power_losses,
               lost_ops);
  stats->power_losses += power_losses;
  stats->lost_ops += lost_ops;
}

TEST(FaultTest, PowerLossKeepsTheSyncedPrefix) {
  CrashStats stats;
  const uint64_t seed = TestSeed(kDefaultSeed);
  for (uint64_t i = 0; i < 6; ++i) {
    std::fprintf(stderr, "FaultTest.PowerLossKeepsTheSyncedPrefix seed=%llu\n",
                 static_cast<unsigned long long>(seed + i));
    RunCrashCycles(CrashKind::kPowerLoss, seed + i, 40, &stats);
    if (HasFatalFailure()) return;
  }
  // Unsynced writes did vanish: the crashes were real.
  EXPECT_EQ(stats.power_losses, 6 * 40);
  EXPECT_GT(stats.lost_ops, 0);
}

TEST(FaultTest, ProcessCrashKeepsEveryAcknowledgedWrite) {
  CrashStats stats;
  const uint64_t seed = TestSeed(kDefaultSeed + 10);
  for (uint64_t i = 0; i < 4; ++i) {
    std::fprintf(
        stderr, "FaultTest.ProcessCrashKeepsEveryAcknowledgedWrite seed=%llu\n",
        static_cast<unsigned long long>(seed + i));
    RunCrashCycles(CrashKind::kProcessCrash, seed + i, 30, &stats);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(stats.power_losses, 0);
}

// Process crashes, power losses and clean closes in one history: writes
// recovered after a process crash are not yet durable, and a later power
// loss must still leave a prefix.
TEST(FaultTest, MixedCrashesKeepTheSyncedPrefix) {
  CrashStats stats;
  const uint64_t seed = TestSeed(kDefaultSeed + 20);
  for (uint64_t i = 0; i < 6; ++i) {
    std::fprintf(stderr,
                 "FaultTest.MixedCrashesKeepTheSyncedPrefix seed=%llu\n",
                 static_cast<unsigned long long>(seed + i));
    RunCrashCycles(CrashKind::kMixed, seed + i, 40, &stats);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(stats.power_losses, 0);
}

// The smallest history that loses data in MixedCrashesKeepTheSyncedPrefix:
// a process crash leaves unsynced writes in the old log, the reopened DB
// acknowledges a sync write in a new log, then the power fails.
TEST(FaultTest, SyncAfterProcessCrashCoversRecoveredWrites) {
  CrashableDB h;
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.db()->Put(WriteOptions(), "a", "1").ok());  // not synced
  h.ProcessCrash();
  ASSERT_TRUE(h.Open().ok());
  std::string value;
  ASSERT_TRUE(h.db()->Get(ReadOptions(), "a", &value).ok());
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(h.db()->Put(sync, "b", "2").ok());  // acknowledged durable
  ASSERT_TRUE(h.PowerLoss());
  ASSERT_TRUE(h.Open().ok());
  // "b" is durable, and the log is a prefix: "a", written before it, must
  // be there too.
  EXPECT_TRUE(h.db()->Get(ReadOptions(), "b", &value).ok());
  const Status a = h.db()->Get(ReadOptions(), "a", &value);
  EXPECT_TRUE(a.ok()) << "a write acknowledged before a synced one was lost: "
                      << a.ToString();
  ASSERT_TRUE(h.Close().ok());
}

// ---- A cut after every write and sync call ----------------------------------

struct CutCoverage {
  std::vector<bool> acked;  // acked[n]: some run acknowledged exactly n ops
  int failed_opens = 0;
  int runs_losing_acked_ops = 0;
};

// Runs `workload` on a fresh env with every call of kind `cut->first` from
// the `cut->second`-th on failing, then crashes, reopens with default
// options and checks the prefix properties. Without `cut`, stores the
// number of write and sync calls the open and workload made.
void RunWithCut(const std::vector<WorkloadOp>& workload,
                std::optional<std::pair<FaultOp, uint64_t>> cut,
                bool power_loss, CutCoverage* coverage, uint64_t* writes,
                uint64_t* syncs) {
  const std::string where =
      std::string(power_loss ? "power loss" : "process crash") +
      (cut ? std::string(cut->first == FaultOp::kWrite ? " at write #"
                                                       : " at sync #") +
                 std::to_string(cut->second)
           : std::string(" without a cut")) +
      ": ";
  CrashableDB h;
  if (cut) {
    h.env()->FailAfter(cut->first, cut->second,
                       Status::IOError("injected: the power is gone"),
                       /*persistent=*/true);
  }
  size_t attempted = 0;
  size_t acked = 0;
  size_t synced = 0;
  std::map<uint64_t, size_t> batch_sizes;
  if (h.Open().ok()) {
    for (const WorkloadOp& op : workload) {
      ++attempted;
      if (op.batch_id != 0) batch_sizes[op.batch_id] = op.batch_keys;
      if (!Apply(h.db(), op).ok()) break;
      ++acked;
      if (op.sync) synced = acked;
    }
  } else {
    ++coverage->failed_opens;
  }
  if (writes != nullptr) *writes = h.env()->OpCount(FaultOp::kWrite);
  if (syncs != nullptr) *syncs = h.env()->OpCount(FaultOp::kSync);

  if (power_loss) {
    ASSERT_TRUE(h.PowerLoss()) << where;
  } else {
    h.ProcessCrash();
  }
  h.env()->ClearFaults();
  const Status s = h.Open();
  ASSERT_TRUE(s.ok()) << where << "reopen: " << s.ToString();
  ModelState recovered;
  ASSERT_TRUE(ReadAll(h.db(), ReadOptions(), &recovered).ok()) << where;
  ASSERT_TRUE(BatchesAreAtomic(recovered, batch_sizes)) << where;
  size_t k = 0;
  ASSERT_TRUE(MatchesPrefix(ModelState(), workload, power_loss ? synced : acked,
                            attempted, recovered, &k))
      << where << acked << " ops acknowledged, " << synced << " synced, "
      << attempted << " attempted";
  coverage->acked[acked] = true;
  if (k < acked) ++coverage->runs_losing_acked_ops;

  // The recovered DB takes writes and keeps them across a clean reopen.
  ASSERT_TRUE(h.db()->Put(WriteOptions(), "after", "cut").ok()) << where;
  ASSERT_TRUE(h.Close().ok()) << where;
  ASSERT_TRUE(h.Open().ok()) << where;
  recovered["after"] = "cut";
  ModelState reread;
  ASSERT_TRUE(ReadAll(h.db(), ReadOptions(), &reread).ok()) << where;
  ASSERT_EQ(DescribeDifference(recovered, reread), "") << where;
  ASSERT_TRUE(h.Close().ok()) << where;
}

TEST(FaultTest, CutAfterEveryWriteAndSyncCall) {
  internal::Random rnd(TestSeed(kDefaultSeed + 30));
  std::vector<WorkloadOp> workload;
  for (uint64_t id = 1; id <= 36; ++id) {
    workload.push_back(RandomOp(&rnd, id, 4, 3000));
  }
  // Records that span blocks and overflow the env's write buffer.
  workload[10].batch = ModelBatch();
  workload[10].batch.Put("L-big", std::string(100 << 10, 'x'));
  workload[10].batch_id = 0;
  workload[11].sync = true;

  for (const bool power_loss : {true, false}) {
    CutCoverage coverage;
    coverage.acked.assign(workload.size() + 1, false);
    uint64_t writes = 0;
    uint64_t syncs = 0;
    RunWithCut(workload, std::nullopt, power_loss, &coverage, &writes, &syncs);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_GT(syncs, 5u);
    ASSERT_GT(writes, workload.size());
    for (uint64_t n = 0; n <= writes; ++n) {
      RunWithCut(workload, std::make_pair(FaultOp::kWrite, n), power_loss,
                 &coverage, nullptr, nullptr);
      ASSERT_FALSE(HasFatalFailure());
    }
    for (uint64_t n = 0; n <= syncs; ++n) {
      RunWithCut(workload, std::make_pair(FaultOp::kSync, n), power_loss,
                 &coverage, nullptr, nullptr);
      ASSERT_FALSE(HasFatalFailure());
    }
    std::fprintf(stderr,
                 "  %s: %llu write and %llu sync cut points, %d failed "
                 "opens, %d runs lost unsynced acknowledged ops\n",
                 power_loss ? "power loss" : "process crash",
                 static_cast<unsigned long long>(writes + 1),
                 static_cast<unsigned long long>(syncs + 1),
                 coverage.failed_opens, coverage.runs_losing_acked_ops);
    // The cuts landed everywhere: before the open finished, and after each
    // number of acknowledged ops.
    EXPECT_GT(coverage.failed_opens, 0);
    for (size_t n = 0; n < coverage.acked.size(); ++n) {
      EXPECT_TRUE(coverage.acked[n])
          << "no run acknowledged exactly " << n << " ops";
    }
    if (power_loss) {
      EXPECT_GT(coverage.runs_losing_acked_ops, 0);
    } else {
      EXPECT_EQ(coverage.runs_losing_acked_ops, 0);
    }
  }
}

// A closed DB whose only log holds 30 puts ("r<i>" -> "value-<i>-...")
// and then damage, written durably through the env's own model: the last
// record cut short (`torn`), or a byte flipped inside record 15. Sets
// `*expected` to what the recovering open must keep.
::testing::AssertionResult MakeDamagedLogDB(CrashableDB* h, bool torn,
                                            ModelState* expected) {
  constexpr int kPuts = 30;
  auto value = [](int i) {
    return "value-" + std::to_string(i) + "-" + std::string(60, 'v');
  };
  // Keep the data in the WAL at close, so there is a log to damage.
  h->options()->flush_on_close = false;
  if (!h->Open().ok()) return ::testing::AssertionFailure() << "open";
  for (int i = 0; i < kPuts; ++i) {
    if (!h->db()->Put(WriteOptions(), "r" + std::to_string(i), value(i)).ok()) {
      return ::testing::AssertionFailure() << "put " << i;
    }
  }
  if (!h->Close().ok()) return ::testing::AssertionFailure() << "close";
  std::vector<std::string> names;
  if (!h->env()->GetChildren(kDbName, &names).ok()) {
    return ::testing::AssertionFailure() << "list";
  }
  std::string log;
  for (const std::string& name : names) {
    if (name.ends_with(".log")) log = std::string(kDbName) + "/" + name;
  }
  std::string contents;
  if (log.empty() ||
      !internal::ReadFileToString(h->env(), log, &contents).ok()) {
    return ::testing::AssertionFailure() << "read the log";
  }
  const int damaged = torn ? kPuts - 1 : 15;
  if (torn) {
    contents.resize(contents.size() - 7);
  } else {
    const size_t pos = contents.find(value(damaged));
    if (pos == std::string::npos)
      return ::testing::AssertionFailure() << "find";
    contents[pos + 20] ^= 0x01;
  }
  if (!internal::WriteStringToFile(h->env(), contents, log, true).ok() ||
      !h->env()->SyncDir(kDbName).ok()) {
    return ::testing::AssertionFailure() << "rewrite the log";
  }
  expected->clear();
  for (int i = 0; i < kPuts; ++i) {
    if (i != damaged) (*expected)["r" + std::to_string(i)] = value(i);
  }
  return ::testing::AssertionSuccess();
}

// The open that repairs a damaged log (rewrite aside, rename, directory
// sync; for salvage also a link to NNNNNN.log.damaged) can itself be cut at
// any call; the next open must still succeed and keep exactly the
// undamaged records, and after it even the strictest mode opens the DB.
void CheckPowerLossDuringRepair(bool torn, WalRecoveryMode mode) {
  {
    // The setup really is damaged.
    CrashableDB h;
    ModelState expected;
    ASSERT_TRUE(MakeDamagedLogDB(&h, torn, &expected));
    h.options()->wal_recovery_mode = WalRecoveryMode::kAbsoluteConsistency;
    const Status s = h.Open();
    ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  }
  const FaultOp kinds[] = {
      FaultOp::kCreate,  FaultOp::kWrite,  FaultOp::kSync, FaultOp::kRename,
      FaultOp::kDirSync, FaultOp::kRemove, FaultOp::kLink};
  const char* const kind_names[] = {"create",  "write",  "sync", "rename",
                                    "dirsync", "remove", "link"};
  int cuts = 0;
  for (size_t kind = 0; kind < std::size(kinds); ++kind) {
    for (uint64_t n = 0;; ++n) {
      const std::string where = std::string("cut at ") + kind_names[kind] +
                                " #" + std::to_string(n) + ": ";
      CrashableDB h;
      ModelState expected;
      ASSERT_TRUE(MakeDamagedLogDB(&h, torn, &expected)) << where;
      h.options()->wal_recovery_mode = mode;
      const uint64_t before = h.env()->OpCount(kinds[kind]);
      h.env()->FailAfter(kinds[kind], n, Status::IOError("injected: power cut"),
                         /*persistent=*/true);
      const Status first = h.Open();
      const bool reached = h.env()->OpCount(kinds[kind]) - before > n;
      ASSERT_TRUE(h.PowerLoss()) << where;
      h.env()->ClearFaults();
      const Status s = h.Open();
      ASSERT_TRUE(s.ok()) << where << "reopen: " << s.ToString()
                          << " (the cut open said " << first.ToString() << ")";
      ModelState state;
      ASSERT_TRUE(ReadAll(h.db(), ReadOptions(), &state).ok()) << where;
      ASSERT_EQ(DescribeDifference(expected, state), "") << where;
      ASSERT_TRUE(h.Close().ok()) << where;
      h.options()->wal_recovery_mode = WalRecoveryMode::kAbsoluteConsistency;
      const Status strict = h.Open();
      ASSERT_TRUE(strict.ok()) << where << strict.ToString();
      ASSERT_TRUE(h.Close().ok()) << where;
      if (!reached) break;  // the open made no more calls of this kind
      ++cuts;
    }
  }
  std::fprintf(stderr, "  %d cut points in the repairing open\n", cuts);
  EXPECT_GT(cuts, 5);
}

TEST(FaultTest, PowerLossDuringTornTailRepair) {
  CheckPowerLossDuringRepair(/*torn=*/true, WalRecoveryMode::kTolerateTornTail);
}

TEST(FaultTest, PowerLossDuringSalvage) {
  CheckPowerLossDuringRepair(/*torn=*/false, WalRecoveryMode::kSalvage);
}

// ---- Sticky I/O errors ------------------------------------------------------

// Writes acknowledged ops, then fails the next call of kind `op` (after
// `skip` successful ones) during a write, and checks that the error sticks,
// reads keep working, and a reopen recovers every acknowledged write.
void CheckStickyError(FaultOp op, uint64_t skip, const Status& injected,
                      bool persistent, bool sync_write,
                      const std::string& expected_text) {
  CrashableDB h;
  ASSERT_TRUE(h.Open().ok());
  ModelDB model;
  internal::Random rnd(99);
  for (uint64_t i = 0; i < 40; ++i) {
    WorkloadOp w = RandomOp(&rnd, i + 1, 3, 2000);
    ASSERT_TRUE(Apply(h.db(), w).ok());
    model.Write(w.batch);
  }

  h.env()->FailAfter(op, skip, injected, persistent);
  WriteOptions wo;
  wo.sync = sync_write;
  const Status failed = h.db()->Put(wo, "failed-key", "failed-value");
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.IsIOError()) << failed.ToString();
  EXPECT_NE(failed.ToString().find(expected_text), std::string::npos)
      << failed.ToString();

  // Sticky, even with the disk healthy again.
  h.env()->ClearFaults();
  WriteOptions sync;
  sync.sync = true;
  WriteBatch batch;
  batch.Put("x", "1");
  batch.Delete("y");
  const Status later[] = {
      h.db()->Put(WriteOptions(), "later", "1"),
      h.db()->Put(sync, "later", "2"),
      h.db()->Delete(WriteOptions(), "k01"),
      h.db()->Write(sync, &batch),
  };
  // The same code and error, saying that writes are stopped.
  for (const Status& s : later) {
    EXPECT_EQ(s.code(), failed.code());
    EXPECT_EQ(s.ToString(),
              failed
                  .WithContext("writes are stopped until the DB is "
                               "reopened, after this error")
                  .ToString());
  }

  // Reads see exactly the acknowledged writes.
  internal::Random vr(5);
  EXPECT_TRUE(VerifyDB(h.db(), model, ModelDB::kLatest, nullptr, &vr,
                       VerifyContext{0, 0, "reads after a write error"}));
  EXPECT_FALSE(h.Close().ok()) << "Close must report the write error";

  ASSERT_TRUE(h.Open().ok());
  ModelState recovered;
  ASSERT_TRUE(ReadAll(h.db(), ReadOptions(), &recovered).ok());
  // Exactly the acknowledged writes: the failed one was cut from the log.
  EXPECT_EQ(DescribeDifference(model.State(), recovered), "");
  ASSERT_TRUE(h.db()->Put(sync, "fresh", "ok").ok());
  ASSERT_TRUE(h.Close().ok());
}

TEST(FaultTest, SyncErrorIsStickyAndReopenRecovers) {
  CheckStickyError(FaultOp::kSync, 0, Status::IOError("injected sync failure"),
                   /*persistent=*/false, /*sync_write=*/true,
                   "injected sync failure");
}

TEST(FaultTest, AppendErrorIsStickyAndReopenRecovers) {
  CheckStickyError(
      FaultOp::kWrite, 0, Status::IOError("injected write failure"),
      /*persistent=*/false, /*sync_write=*/false, "injected write failure");
}

TEST(FaultTest, FlushErrorIsStickyAndReopenRecovers) {
  // The first write call of a Put is the log append, the second its flush.
  CheckStickyError(
      FaultOp::kWrite, 1, Status::IOError("injected flush failure"),
      /*persistent=*/false, /*sync_write=*/false, "injected flush failure");
}

TEST(FaultTest, NoSpaceIsStickyAndNamed) {
  CheckStickyError(FaultOp::kWrite, 0, FaultInjectionEnv::NoSpaceError(),
                   /*persistent=*/true, /*sync_write=*/true,
                   "No space left on device");
}

// Opens the DB in `h` with the `n`-th file create of the open failing, and
// checks that the open either succeeds or fails with exactly the injected
// error, and that an open without faults then finds `*expected` (to which
// it adds a key).
void OpenWithFailedCreate(CrashableDB* h, uint64_t n, bool is_last,
                          ModelState* expected) {
  SCOPED_TRACE("failing create #" + std::to_string(n));
  const Status injected = Status::IOError("injected create failure");
  h->env()->FailAfter(FaultOp::kCreate, n, injected, /*persistent=*/false);
  const Status s = h->Open();
  h->env()->ClearFaults();
  if (is_last) {
    // The WAL is the last file an open creates; without it, no open.
    EXPECT_EQ(s.ToString(), injected.ToString());
  }
  if (s.ok()) {
    ASSERT_TRUE(h->Close().ok());
  } else {
    EXPECT_EQ(s.ToString(), injected.ToString());
    EXPECT_EQ(h->db(), nullptr);
  }
  // Failing cleanly: the lock is free and nothing was damaged.
  const Status reopen = h->Open();
  ASSERT_TRUE(reopen.ok()) << reopen.ToString();
  ModelState state;
  ASSERT_TRUE(ReadAll(h->db(), ReadOptions(), &state).ok());
  EXPECT_EQ(DescribeDifference(*expected, state), "");
  const std::string key = "n" + std::to_string(n);
  ASSERT_TRUE(h->db()->Put(WriteOptions(), key, "x").ok());
  (*expected)[key] = "x";
  ASSERT_TRUE(h->Close().ok());
}

// How many files an open of the DB in `h` creates.
uint64_t CountCreatesOfOpen(CrashableDB* h) {
  const uint64_t before = h->env()->OpCount(FaultOp::kCreate);
  EXPECT_TRUE(h->Open().ok());
  const uint64_t creates = h->env()->OpCount(FaultOp::kCreate) - before;
  EXPECT_TRUE(h->Close().ok());
  return creates;
}

TEST(FaultTest, CreateFailureAtOpenOfNewDBFailsCleanly) {
  uint64_t creates = 0;
  {
    CrashableDB h;
    creates = CountCreatesOfOpen(&h);
    ASSERT_GE(creates, 2u);
  }
  for (uint64_t n = 0; n < creates; ++n) {
    CrashableDB h;
    ModelState expected;
    OpenWithFailedCreate(&h, n, n + 1 == creates, &expected);
    ASSERT_FALSE(HasFatalFailure());
  }
}

TEST(FaultTest, CreateFailureAtOpenOfExistingDBFailsCleanly) {
  CrashableDB h;
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.db()->Put(WriteOptions(), "kept", "1").ok());
  ASSERT_TRUE(h.Close().ok());
  ModelState expected{{"kept", "1"}};
  const uint64_t creates = CountCreatesOfOpen(&h);
  ASSERT_GE(creates, 2u);
  for (uint64_t n = 0; n < creates; ++n) {
    OpenWithFailedCreate(&h, n, n + 1 == creates, &expected);
    ASSERT_FALSE(HasFatalFailure());
  }
}

// ---- Recovery modes on a damaged log ----------------------------------------

constexpr int kRecords = 60;

std::string RecordKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%03d", i);
  return buf;
}

std::string RecordValue(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "value-%03d-", i);
  return buf + std::string(100, 'x');
}

// The state holding every record except those in `missing`.
ModelState RecordsExcept(std::initializer_list<int> missing) {
  ModelState state;
  for (int i = 0; i < kRecords; ++i) {
    if (std::find(missing.begin(), missing.end(), i) == missing.end()) {
      state[RecordKey(i)] = RecordValue(i);
    }
  }
  return state;
}

enum class Damage { kTornTail, kMidLogFlip };

class RecoveryModeTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      env_ = Env::Default();
      temp_dir_ = NewTempDir("fault_test");
      dbname_ = temp_dir_ + "/db";
    } else {
      mem_env_ = NewMemEnv();
      env_ = mem_env_.get();
      dbname_ = "/recovery-db";
    }
  }

  void TearDown() override {
    if (!temp_dir_.empty() && !HasFailure()) RemoveTempDir(temp_dir_);
  }

  Options MakeOptions(WalRecoveryMode mode) const {
    Options o;
    o.flush_on_close = false;  // keep the data in the WAL, to damage it
    o.env = env_;
    o.wal_recovery_mode = mode;
    return o;
  }

  // Writes kRecords puts, one log record each, closes, and damages the
  // only log. Sets log_path_ and log_name_.
  void MakeDamagedDB(Damage damage) {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(
        DB::Open(MakeOptions(WalRecoveryMode::kTolerateTornTail), dbname_, &db)
            .ok());
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), RecordKey(i), RecordValue(i)).ok());
    }
    ASSERT_TRUE(db->Close().ok());
    db.reset();

    std::vector<std::string> names;
    ASSERT_TRUE(env_->GetChildren(dbname_, &names).ok());
    std::vector<std::string> logs;
    for (const std::string& name : names) {
      if (name.size() > 4 && name.ends_with(".log")) logs.push_back(name);
    }
    ASSERT_EQ(logs.size(), 1u);
    log_name_ = logs[0];
    log_path_ = dbname_ + "/" + log_name_;

    std::string contents;
    ASSERT_TRUE(internal::ReadFileToString(env_, log_path_, &contents).ok());
    if (damage == Damage::kTornTail) {
      contents.resize(contents.size() - 5);
    } else {
      const size_t pos = contents.find(RecordValue(30).substr(0, 10));
      ASSERT_NE(pos, std::string::npos);
      contents[pos + 40] ^= 0x10;  // inside record 30's value
    }
    ASSERT_TRUE(
        internal::WriteStringToFile(env_, contents, log_path_, true).ok());
    damaged_ = contents;
  }

  Status OpenWith(WalRecoveryMode mode, std::unique_ptr<DB>* db) {
    return DB::Open(MakeOptions(mode), dbname_, db);
  }

  // Opens with `mode`, expects success and exactly `expected`, closes.
  void ExpectOpens(WalRecoveryMode mode, const ModelState& expected) {
    std::unique_ptr<DB> db;
    const Status s = OpenWith(mode, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ModelState state;
    ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &state).ok());
    EXPECT_EQ(DescribeDifference(expected, state), "");
    ASSERT_TRUE(db->Close().ok());
  }

  // Opens with `mode`, expects Corruption naming the log, and checks that
  // the failed open left the log as it was.
  void ExpectCorruption(WalRecoveryMode mode) {
    std::unique_ptr<DB> db;
    const Status s = OpenWith(mode, &db);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.ToString().find(log_name_), std::string::npos) << s.ToString();
    EXPECT_EQ(db, nullptr);
    std::string contents;
    ASSERT_TRUE(internal::ReadFileToString(env_, log_path_, &contents).ok());
    EXPECT_TRUE(contents == damaged_) << "a failed open changed the log";
  }

  std::unique_ptr<Env> mem_env_;
  Env* env_ = nullptr;
  std::string temp_dir_;
  std::string dbname_;
  std::string log_name_;
  std::string log_path_;
  std::string damaged_;
};

TEST_P(RecoveryModeTest, TornTailIsDroppedByDefault) {
  MakeDamagedDB(Damage::kTornTail);
  ASSERT_FALSE(HasFatalFailure());
  ExpectOpens(WalRecoveryMode::kTolerateTornTail,
              RecordsExcept({kRecords - 1}));
  // The DB rewrote the log without the torn record: nothing is damaged now.
  ExpectOpens(WalRecoveryMode::kAbsoluteConsistency,
              RecordsExcept({kRecords - 1}));
}

TEST_P(RecoveryModeTest, TornTailFailsAbsoluteConsistency) {
  MakeDamagedDB(Damage::kTornTail);
  ASSERT_FALSE(HasFatalFailure());
  ExpectCorruption(WalRecoveryMode::kAbsoluteConsistency);
  // The refused open changed nothing: a tolerant one still works.
  ExpectOpens(WalRecoveryMode::kTolerateTornTail,
              RecordsExcept({kRecords - 1}));
}

TEST_P(RecoveryModeTest, TornTailIsDroppedBySalvage) {
  MakeDamagedDB(Damage::kTornTail);
  ASSERT_FALSE(HasFatalFailure());
  ExpectOpens(WalRecoveryMode::kSalvage, RecordsExcept({kRecords - 1}));
  ExpectOpens(WalRecoveryMode::kAbsoluteConsistency,
              RecordsExcept({kRecords - 1}));
}

TEST_P(RecoveryModeTest, MidLogDamageFailsByDefault) {
  MakeDamagedDB(Damage::kMidLogFlip);
  ASSERT_FALSE(HasFatalFailure());
  ExpectCorruption(WalRecoveryMode::kTolerateTornTail);
}

TEST_P(RecoveryModeTest, MidLogDamageFailsAbsoluteConsistency) {
  MakeDamagedDB(Damage::kMidLogFlip);
  ASSERT_FALSE(HasFatalFailure());
  ExpectCorruption(WalRecoveryMode::kAbsoluteConsistency);
}

TEST_P(RecoveryModeTest, SalvageKeepsEveryUndamagedRecord) {
  MakeDamagedDB(Damage::kMidLogFlip);
  ASSERT_FALSE(HasFatalFailure());
  ExpectOpens(WalRecoveryMode::kSalvage, RecordsExcept({30}));
  // The damaged original is kept beside the DB, byte for byte.
  std::string kept;
  ASSERT_TRUE(
      internal::ReadFileToString(env_, log_path_ + ".damaged", &kept).ok());
  EXPECT_TRUE(kept == damaged_);
  // The rewritten log holds no damage.
  ExpectOpens(WalRecoveryMode::kAbsoluteConsistency, RecordsExcept({30}));
  ExpectOpens(WalRecoveryMode::kTolerateTornTail, RecordsExcept({30}));
}

INSTANTIATE_TEST_SUITE_P(Envs, RecoveryModeTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Posix" : "Mem";
                         });

}  // namespace
}  // namespace strata::testing
