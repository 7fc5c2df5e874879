// Power-loss tests (issue 7, part 2). The scripted workload of
// testing/workload.h (a few hundred writes over 64 KiB memtables: automatic
// flushes and L0 compactions, Flush(), CompactRange(), a reopen, MANIFEST
// roll-overs past 1 KiB, sync and non-sync writes, batches and deletes) runs
// on FaultInjectionEnv(MemEnv) under a CutEnv, which cuts the power right
// after I/O call k: from then on nothing reaches the disk; the DB is
// abandoned and every unsynced byte and directory change is dropped.
//
// Pass: the DB reopens with default options every time (so never with
// Corruption), and holds the model after some prefix of the attempted
// writes, in order, containing every durable one (synced, or followed by a
// successful Flush()/CompactRange()/Close()/Open()). No batch is half there.
// The reopen deletes no table or log holding a sequence number past what it
// recovered (issue 20): such a file is kept in lost/.
//
// CutAfterEveryCall cuts after every call of one run in turn; for a subset
// of those it also cuts the recovering open after one of its calls (and
// for a few, after each of its calls), and then demands that a third open
// finds the same state as an uncut recovery. RandomCuts makes 2,000 random
// cuts in random scripts (seeded; STRATA_SEED=<seed> replays).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/cut_env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"
#include "testing/workload.h"

namespace strata::testing {
namespace {

constexpr char kDbName[] = "/power-db";
constexpr uint64_t kScriptSeed = 0x90e1;
constexpr uint64_t kDefaultRandomSeed = 0x9c75;

// The script's options, with the value log on when asked: values of 64
// bytes and more move to value-log files at flush and compaction, and
// garbage collection starts at a 20% dead share.
Options CutOptions(Env* env, bool value_log) {
  Options o = ScriptOptions(env);
  if (value_log) {
    o.enable_value_log = true;
    o.value_log_threshold = 64;
    o.value_log_max_file_size = 64 << 10;
    o.value_log_gc_discard_ratio = 0.2;
  }
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

struct CutStats {
  int runs = 0;
  int first_open_failed = 0;    // the cut hit the first open
  int completed = 0;            // the cut came after the script's last call
  int lost_unsynced = 0;        // runs that lost acknowledged unsynced writes
  std::set<size_t> acked;       // distinct numbers of acknowledged writes
  int second_cuts = 0;          // cut recovering opens
  int second_cuts_in_open = 0;  // ... of which the open failed
};

// Where the second cut falls: after call j of the recovering open, for each
// j in `points` (empty: no second cut). `all_points` instead cuts after
// every call of the open in turn.
struct SecondCut {
  std::vector<uint64_t> points;  // taken modulo (calls of the open + 1)
  bool all_points = false;
};

// Opens the image on a fresh disk with the script's options, counts the
// calls the open makes and what it recovers, and closes.
::testing::AssertionResult MeasureRecovery(const DiskImage& image,
                                           bool value_log, uint64_t* calls,
                                           ModelState* recovered) {
  CrashWorld world;
  Status s = RestoreImage(image, world.mem(), kDbName);
  if (!s.ok())
    return ::testing::AssertionFailure() << "restore: " << s.ToString();
  std::unique_ptr<DB> db;
  s = DB::Open(CutOptions(world.env(), value_log), kDbName, &db);
  *calls = world.cut()->calls();
  if (!s.ok()) return ::testing::AssertionFailure() << "open: " << s.ToString();
  s = ReadAll(db.get(), ReadOptions(), recovered);
  if (!s.ok()) return ::testing::AssertionFailure() << "read: " << s.ToString();
  s = db->Close();
  if (!s.ok())
    return ::testing::AssertionFailure() << "close: " << s.ToString();
  return ::testing::AssertionSuccess();
}

// Restores `image`, opens it with the power cut after call `j` of the open,
// drops unsynced data, and checks that an open with default options then
// finds `expected` (what an uncut recovery of the image finds).
void CutRecovery(const DiskImage& image, uint64_t j, bool value_log,
                 const RunLog& log, const ModelState& expected,
                 const std::string& context, CutStats* stats) {
  const std::string where = context + "; second cut after call " +
                            std::to_string(j) + " of the open: ";
  CrashWorld world;
  const Status restored = RestoreImage(image, world.mem(), kDbName);
  ASSERT_TRUE(restored.ok()) << where << restored.ToString();
  world.cut()->CutAfter(j);
  std::unique_ptr<DB> db;
  const Status cut_open =
      DB::Open(CutOptions(world.env(), value_log), kDbName, &db);
  ++stats->second_cuts;
  if (!cut_open.ok()) ++stats->second_cuts_in_open;
  ASSERT_TRUE(world.PowerLoss(&db)) << where;
  Options defaults;
  defaults.env = world.env();
  ModelState recovered;
  const Status s = OpenReadClose(defaults, kDbName, &recovered);
  ASSERT_TRUE(s.ok()) << where << "third open: " << s.ToString()
                      << " (the cut open said " << cut_open.ToString() << ")";
  ASSERT_TRUE(CheckRecovered(log, recovered, /*power_loss=*/true)) << where;
  ASSERT_EQ(DescribeDifference(expected, recovered), "")
      << where << "a cut recovery changed what is recovered";
}

// Runs `script` with the power cut after call `cut` (none: after the last
// call), reopens with default options and checks the result; then cuts the
// recovering open as `second` says.
void RunCut(const std::vector<ScriptStep>& script, std::optional<uint64_t> cut,
            const SecondCut& second, const std::string& label, CutStats* stats,
            bool value_log = false) {
  CrashWorld world;
  if (cut) world.cut()->CutAfter(*cut);
  ScriptRunner runner(CutOptions(world.env(), value_log), kDbName);
  runner.Run(script, OnError::kStop);
  const RunLog& log = runner.log();
  const bool cut_done = world.cut()->cut_done();
  const CallRecord cut_call = world.cut()->cut_call();
  const std::string context =
      label + (cut ? "cut after call " + std::to_string(*cut) : "no cut") +
      (cut_done && cut_call.index > 0
           ? std::string(" (") + IoCallName(cut_call.call) + " of " +
                 cut_call.path + ")"
           : std::string()) +
      ": the run stopped at " + log.stopped_at + " with " +
      std::to_string(log.acked) + " writes acknowledged and " +
      std::to_string(log.durable) + " durable since the last open";
  ASSERT_TRUE(log.violations.empty()) << context << ": " << log.violations[0];
  if (!cut_done) {
    // Without a cut nothing fails.
    ASSERT_EQ(log.api_errors, 0) << context;
    ++stats->completed;
  }
  ++stats->runs;
  if (log.open_failed) ++stats->first_open_failed;
  ASSERT_TRUE(world.PowerLoss(runner.db())) << context;

  DiskImage image;
  {
    const Status s = CaptureImage(world.mem(), kDbName, &image);
    ASSERT_TRUE(s.ok() || s.IsNotFound()) << context << s.ToString();
  }

  Options defaults;
  defaults.env = world.env();
  ModelState recovered;
  uint64_t recovered_sequence = 0;
  const Status s =
      OpenReadClose(defaults, kDbName, &recovered, &recovered_sequence);
  ASSERT_TRUE(s.ok()) << context << "; reopen: " << s.ToString();
  // The recovering open deleted no file holding writes it did not recover
  // (a table or log it could not account for goes to lost/ instead).
  std::string problem;
  ASSERT_TRUE(NothingNeededWasDeleted(image, world.mem(), kDbName,
                                      recovered_sequence, &problem))
      << context << "; " << problem;
  size_t matched = 0;
  ASSERT_TRUE(CheckRecovered(log, recovered, /*power_loss=*/true, &matched))
      << context;
  stats->acked.insert(log.writes_acked);
  if (matched < log.acked) ++stats->lost_unsynced;

  if (second.points.empty() && !second.all_points) return;
  uint64_t open_calls = 0;
  ModelState expected;
  ASSERT_TRUE(MeasureRecovery(image, value_log, &open_calls, &expected))
      << context;
  ASSERT_EQ(DescribeDifference(recovered, expected), "")
      << context << "; two recoveries of one image differ";
  std::vector<uint64_t> points;
  if (second.all_points) {
    for (uint64_t j = 0; j <= open_calls; ++j) points.push_back(j);
  } else {
    for (const uint64_t p : second.points)
      points.push_back(p % (open_calls + 1));
  }
  for (const uint64_t j : points) {
    CutRecovery(image, j, value_log, log, expected, context, stats);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// What an uncut run of a script did.
struct DryRunReport {
  uint64_t calls = 0;               // I/O calls until the script ended
  uint64_t flushes = 0;             // memtables written to tables
  uint64_t compaction_bytes = 0;    // bytes written by compactions
  size_t manifests_first_open = 0;  // MANIFESTs used before the reopen
  int reopens = 0;
  size_t writes_acked = 0;
  uint64_t vlog_bytes = 0;      // written to value logs
  uint64_t vlog_relocated = 0;  // values garbage collection moved
};

uint64_t CounterValue(const std::string& counters, const std::string& name) {
  const size_t pos = counters.find(name + " ");
  return pos == std::string::npos
             ? 0
             : std::stoull(counters.substr(pos + name.size() + 1));
}

// Runs `script` without a cut and reports what it did, read from the DB's
// properties and the directory after each step (on the MemEnv, so as not to
// count as calls).
void DryRun(const std::vector<ScriptStep>& script, DryRunReport* report,
            bool value_log = false) {
  CrashWorld world;
  ScriptRunner runner(CutOptions(world.env(), value_log), kDbName);
  uint64_t session_flushes = 0;
  uint64_t session_compaction_bytes = 0;
  uint64_t session_vlog_bytes = 0;
  uint64_t session_relocated = 0;
  std::set<std::string> manifests;
  bool reopened = false;
  runner.Run(script, OnError::kStop, [&](size_t step, DB* db) {
    if (script[step].kind == ScriptStep::Kind::kReopen) {
      report->flushes += session_flushes;
      report->compaction_bytes += session_compaction_bytes;
      report->vlog_bytes += session_vlog_bytes;
      report->vlog_relocated += session_relocated;
      report->manifests_first_open = manifests.size();
      reopened = true;
    }
    std::string value;
    ASSERT_TRUE(db->GetProperty("strata.num-flushes", &value));
    session_flushes = std::stoull(value);
    ASSERT_TRUE(db->GetProperty("strata.counters", &value));
    session_compaction_bytes = CounterValue(value, "compaction.bytes.written");
    session_vlog_bytes = CounterValue(value, "vlog.bytes.written");
    session_relocated = CounterValue(value, "vlog.relocated.values");
    std::vector<std::string> names;
    ASSERT_TRUE(world.mem()->GetChildren(kDbName, &names).ok());
    for (const std::string& name : names) {
      if (!reopened && name.starts_with("MANIFEST-")) manifests.insert(name);
    }
  });
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  report->calls = world.cut()->calls();
  report->flushes += session_flushes;
  report->compaction_bytes += session_compaction_bytes;
  report->vlog_bytes += session_vlog_bytes;
  report->vlog_relocated += session_relocated;
  report->reopens = runner.log().reopens;
  report->writes_acked = runner.log().writes_acked;
  ASSERT_EQ(runner.log().api_errors, 0) << runner.log().stopped_at;
  ASSERT_TRUE(runner.log().violations.empty()) << runner.log().violations[0];
  ASSERT_TRUE(world.PowerLoss(runner.db()));
}

TEST(PowerLossTest, CutAfterEveryCall) {
  // A fixed script: the coverage checks below hold for it.
  const std::vector<ScriptStep> script = MakeScript(kScriptSeed);
  const auto start = std::chrono::steady_clock::now();

  // The script does what it is meant to. Background work makes the number
  // of calls vary a little from run to run: sweep up to the most seen.
  uint64_t total_calls = 0;
  for (int i = 0; i < 3; ++i) {
    DryRunReport dry;
    DryRun(script, &dry);
    ASSERT_FALSE(HasFatalFailure());
    total_calls = std::max(total_calls, dry.calls);
    if (i > 0) continue;
    std::fprintf(stderr,
                 "  uncut: %llu calls, %zu writes, %llu flushes, %llu bytes "
                 "compacted, %zu MANIFESTs before the reopen\n",
                 static_cast<unsigned long long>(dry.calls), dry.writes_acked,
                 static_cast<unsigned long long>(dry.flushes),
                 static_cast<unsigned long long>(dry.compaction_bytes),
                 dry.manifests_first_open);
    EXPECT_GE(dry.writes_acked, 200u);
    EXPECT_GE(dry.flushes, 4u);
    EXPECT_GT(dry.compaction_bytes, 0u);
    EXPECT_GE(dry.manifests_first_open, 2u) << "no MANIFEST roll";
    EXPECT_EQ(dry.reopens, 1);
  }

  CutStats stats;
  int second_cut_runs = 0;
  int full_second_sweeps = 0;
  const uint64_t sweep_every = total_calls / 8 + 1;
  for (uint64_t k = 0; k <= total_calls; ++k) {
    SecondCut second;
    if (k % sweep_every == sweep_every / 2) {
      second.all_points = true;
      ++full_second_sweeps;
    } else if (k % 16 == 5) {
      second.points.push_back(k * 7 + 3);
      ++second_cut_runs;
    }
    RunCut(script, k, second, "", &stats);
    ASSERT_FALSE(HasFatalFailure()) << "cut after call " << k;
  }
  std::fprintf(
      stderr,
      "  %d cut runs, after each of calls 0..%llu (%d cut the first open, %d "
      "came after the run's last call), %zu distinct acknowledged counts, %d "
      "lost unsynced writes; %d cut recoveries (%d failed open) in %d single "
      "and %d full second-cut sweeps; %.1f s\n",
      stats.runs, static_cast<unsigned long long>(total_calls),
      stats.first_open_failed, stats.completed, stats.acked.size(),
      stats.lost_unsynced, stats.second_cuts, stats.second_cuts_in_open,
      second_cut_runs, full_second_sweeps, SecondsSince(start));
  EXPECT_GT(stats.first_open_failed, 0);
  EXPECT_GT(stats.lost_unsynced, 0) << "no cut lost an unsynced write";
  EXPECT_GT(stats.acked.size(), 150u);
  EXPECT_GT(stats.second_cuts_in_open, 0);
}

// The same sweep with the value log on (issue 16): the cuts fall inside
// flushes that separate values, compactions that move pointers, and
// garbage collection runs; the reopen (default options: the value log off)
// reads every pointer that survived.
TEST(PowerLossTest, CutAfterEveryCallWithTheValueLog) {
  const std::vector<ScriptStep> script = MakeScript(kScriptSeed);
  const auto start = std::chrono::steady_clock::now();
  uint64_t total_calls = 0;
  for (int i = 0; i < 3; ++i) {
    DryRunReport dry;
    DryRun(script, &dry, /*value_log=*/true);
    ASSERT_FALSE(HasFatalFailure());
    total_calls = std::max(total_calls, dry.calls);
    if (i > 0) continue;
    std::fprintf(stderr,
                 "  uncut: %llu calls, %llu flushes, %llu value-log bytes, "
                 "%llu values relocated\n",
                 static_cast<unsigned long long>(dry.calls),
                 static_cast<unsigned long long>(dry.flushes),
                 static_cast<unsigned long long>(dry.vlog_bytes),
                 static_cast<unsigned long long>(dry.vlog_relocated));
    EXPECT_GT(dry.vlog_bytes, 0u);
    EXPECT_GT(dry.vlog_relocated, 0u) << "no garbage collection ran";
  }
  CutStats stats;
  const uint64_t sweep_every = total_calls / 4 + 1;
  for (uint64_t k = 0; k <= total_calls; ++k) {
    SecondCut second;
    if (k % sweep_every == sweep_every / 2) second.all_points = true;
    if (k % 16 == 9) second.points.push_back(k * 5 + 1);
    RunCut(script, k, second, "value log: ", &stats, /*value_log=*/true);
    ASSERT_FALSE(HasFatalFailure()) << "cut after call " << k;
  }
  std::fprintf(stderr,
               "  %d cut runs with the value log, %d cut recoveries; %.1f s\n",
               stats.runs, stats.second_cuts, SecondsSince(start));
  EXPECT_GT(stats.acked.size(), 150u);
}

// At least 2,000 cuts at random calls of random scripts (their sizes, sync
// rates and value sizes drawn too); a quarter also cut the recovering open.
TEST(PowerLossTest, RandomCuts) {
  const uint64_t seed = TestSeed(kDefaultRandomSeed);
  std::fprintf(stderr, "seed=%llu (STRATA_SEED=<seed> replays)\n",
               static_cast<unsigned long long>(seed));
  const auto start = std::chrono::steady_clock::now();
  internal::Random rnd(seed);
  constexpr int kWantedCuts = 2000;
  CutStats stats;
  int attempts = 0;
  int landed = 0;
  while (landed < kWantedCuts) {
    ASSERT_LT(attempts, 2 * kWantedCuts) << "too few cuts land in the scripts";
    ScriptShape shape;
    shape.writes_before_flush = 5 + static_cast<int>(rnd.Uniform(100));
    shape.writes_before_compaction = 5 + static_cast<int>(rnd.Uniform(60));
    shape.writes_before_reopen = 5 + static_cast<int>(rnd.Uniform(60));
    shape.writes_after_reopen = 5 + static_cast<int>(rnd.Uniform(100));
    shape.sync_one_in = 1 + rnd.Uniform(12);
    shape.max_value_size = 50 + rnd.Uniform(3000);
    const uint64_t script_seed = rnd.Next64();
    const std::vector<ScriptStep> script = MakeScript(script_seed, shape);
    // The default script makes about 6 calls per step.
    const uint64_t k = rnd.Uniform(7 * script.size() + 1);
    SecondCut second;
    if (rnd.OneIn(4)) second.points.push_back(rnd.Next64());
    const int completed = stats.completed;
    RunCut(script, k, second,
           "seed=" + std::to_string(seed) + " attempt " +
               std::to_string(attempts) + " (script seed " +
               std::to_string(script_seed) + ", " +
               std::to_string(script.size()) + " steps): ",
           &stats);
    ASSERT_FALSE(HasFatalFailure());
    ++attempts;
    if (stats.completed == completed) ++landed;
  }
  std::fprintf(stderr,
               "  %d random cuts in %d runs, %zu distinct acknowledged "
               "counts, %d lost unsynced writes, %d cut recoveries (%d failed "
               "open); %.1f s\n",
               landed, attempts, stats.acked.size(), stats.lost_unsynced,
               stats.second_cuts, stats.second_cuts_in_open,
               SecondsSince(start));
  EXPECT_GT(stats.lost_unsynced, 0);
  EXPECT_GT(stats.second_cuts_in_open, 0);
}

}  // namespace
}  // namespace strata::testing
