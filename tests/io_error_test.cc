// I/O-error tests (issue 7, part 3). The scripted workload of
// testing/workload.h (the one power_loss_test cuts) runs with one kind of
// I/O call failing: each call of that kind in turn — write (append or
// flush), sync, directory sync, rename, create, read — with EIO and with
// ENOSPC (not for reads), once or from then on (persistent). The run goes on
// after errors (OnError::kContinue), and its reopen step reopens the DB when
// the faults allow.
//
// Pass, for every run:
//  - No broken promise during the run: no write, Flush() or CompactRange()
//    returns OK after an earlier one failed (after a failed WAL or MANIFEST
//    write or sync the DB refuses writes until reopen, so a failed fsync is
//    never retried as if it had worked), Close() reports the error, no Get or
//    scan returns wrong data (read errors are errors), and the reopen step
//    recovers every acknowledged write.
//  - Every injected failure of a call on a file other than the advisory info
//    LOG makes some call of the same open return an error naming it, and no
//    call fails without an injected failure.
//  - With the faults cleared the DB reopens with default options holding
//    every acknowledged write (process-crash semantics: the bytes the DB
//    handed to the OS stay), in order and with no hole; and after a power
//    loss instead, every durable one.
//
// CommitGroupsShareTheLeadersFailure fails one WAL append or sync while four
// threads make sync writes: no writer of the failed group may get OK.
//
// Leaks and crashes are left to the ASan build.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/cut_env.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"
#include "testing/test_util.h"
#include "testing/workload.h"

namespace strata::testing {
namespace {

constexpr char kDbName[] = "/io-error-db";
constexpr uint64_t kScriptSeed = 0x10e7;
constexpr char kInjected[] = "injected fault";

enum class ErrorKind { kEIO, kNoSpace };

Status MakeError(ErrorKind kind) {
  return kind == ErrorKind::kNoSpace
             ? FaultInjectionEnv::NoSpaceError()
             : Status::IOError(kInjected, "Input/output error");
}

bool IsInjected(const Status& s) {
  return s.ToString().find(kInjected) != std::string::npos;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The info LOG is advisory: the DB ignores errors writing it.
bool IsAdvisory(const CallRecord& call) {
  const std::string name = BaseName(call.path);
  return name == "LOG" || name == "LOG.old";
}

// The failed calls whose error was injected.
std::vector<CallRecord> InjectedHits(const CutEnv& env) {
  std::vector<CallRecord> hits;
  for (const CallRecord& call : env.failures()) {
    if (IsInjected(call.status)) hits.push_back(call);
  }
  return hits;
}

std::string Describe(const CallRecord& call) {
  return std::string(IoCallName(call.call)) + " of " + BaseName(call.path) +
         " (call " + std::to_string(call.index) + ")";
}

// DBImpl::Close() once took its status before joining the background
// threads, so a compaction failing during Close() went unreported (found by
// this test; fixed). Setting this to false tolerates and counts such
// failures instead of failing on them.
constexpr bool kCloseReportsCompactionFailures = true;

// Every injected failure outside the info LOG made a call of the same open
// return the injected error: at or after the failure, with no successful
// open in between. No call failed without an injected failure. Sets
// `*tolerated` to the failures of compactions that Close() did not report
// (see above).
::testing::AssertionResult HitsWereReported(const std::vector<CallRecord>& hits,
                                            const RunLog& log,
                                            std::thread::id runner_thread,
                                            int* tolerated) {
  *tolerated = 0;
  if (hits.empty() && !log.errors.empty()) {
    return ::testing::AssertionFailure()
           << "an error without an injected failure: " << log.errors[0].where
           << ": " << log.errors[0].status.ToString();
  }
  for (const CallRecord& hit : hits) {
    if (IsAdvisory(hit)) continue;
    // The first open that succeeded after the hit ends its session, unless
    // a background thread made the call during that open (after the DB
    // was closed, before the open returned): a job the open started can
    // fail before it returns, and the open still succeeds; that session
    // must report it, up to the open after. A call of the open's own
    // thread that failed must make the open fail.
    const auto next_open =
        std::lower_bound(log.opened_at.begin(), log.opened_at.end(), hit.index);
    uint64_t session_end = UINT64_MAX;
    if (next_open != log.opened_at.end()) {
      const uint64_t since =
          next_open == log.opened_at.begin() ? 0 : *std::prev(next_open);
      const bool during_open =
          hit.thread != runner_thread &&
          (next_open == log.opened_at.begin() ||
           std::any_of(log.closes.begin(), log.closes.end(),
                       [&](const RunLog::CloseCall& c) {
                         return c.returned > since && c.returned < hit.index;
                       }));
      if (!during_open) {
        session_end = *next_open;
      } else if (std::next(next_open) != log.opened_at.end()) {
        session_end = *std::next(next_open);
      }
    }
    const bool reported = std::any_of(
        log.errors.begin(), log.errors.end(), [&](const RunLog::Error& e) {
          return e.clock >= hit.index && e.clock <= session_end &&
                 IsInjected(e.status);
        });
    if (reported) continue;
    // A failure of a call a compaction makes, between the return of an
    // open and that of the Close() ending it, which returned OK. (Opens and
    // closes pair up: the runner closes every DB it opened.)
    bool quiet_close = false;
    for (size_t i = 0; i < log.opened_at.size() && i < log.closes.size(); ++i) {
      quiet_close |= log.opened_at[i] < hit.index &&
                     hit.index <= log.closes[i].returned &&
                     log.closes[i].status.ok();
    }
    const std::string name = BaseName(hit.path);
    const bool compaction_call =
        name.ends_with(".sst") || name.starts_with("MANIFEST-") ||
        name.starts_with("CURRENT") || hit.call == IoCall::kSyncDir;
    if (!kCloseReportsCompactionFailures && quiet_close && compaction_call) {
      ++*tolerated;
      continue;
    }
    ::testing::AssertionResult failure = ::testing::AssertionFailure();
    failure << "the injected failure of " << Describe(hit)
            << " was reported by no call of its open; opens returned at call";
    for (const uint64_t t : log.opened_at) failure << " " << t;
    failure << "; closes ran over calls";
    for (const RunLog::CloseCall& c : log.closes) {
      failure << " " << c.begun << ".." << c.returned << " ("
              << c.status.ToString() << ")";
    }
    return failure;
  }
  return ::testing::AssertionSuccess();
}

// ---- The sweep --------------------------------------------------------------

struct SweepParam {
  FaultOp op;
  const char* op_name;
  ErrorKind error;
  bool persistent;
};

std::string ParamName(const SweepParam& p) {
  return std::string(p.op_name) +
         (p.error == ErrorKind::kNoSpace ? "_ENOSPC" : "_EIO") +
         (p.persistent ? "_Persistent" : "_Once");
}

// gtest (and ctest's test list) prints parameters with this.
void PrintTo(const SweepParam& p, std::ostream* os) { *os << ParamName(p); }

struct SweepStats {
  int runs = 0;
  int injected = 0;             // runs in which the failure happened
  int advisory_only = 0;        // ... only in the info LOG
  int with_errors = 0;          // runs in which some call failed
  int refused_writes = 0;       // writes that failed after the first failed one
  int reopened = 0;             // reopen steps that succeeded after an error
  int lost_in_power_loss = 0;   // runs whose power loss took unsynced writes
  int unreported_at_close = 0;  // see kCloseReportsCompactionFailures
};

// Runs the script with the `n`-th call (from 0) of `p.op` failing, then
// checks the run, the DB after a process crash and after a power loss.
void RunInjection(const std::vector<ScriptStep>& script, const SweepParam& p,
                  uint64_t n, SweepStats* stats) {
  CrashWorld world;
  world.fault()->FailAfter(p.op, n, MakeError(p.error), p.persistent);
  CutEnv* cut = world.cut();
  ScriptRunner runner(ScriptOptions(world.env()), kDbName,
                      [cut] { return cut->calls(); });
  runner.Run(script, OnError::kContinue);
  (void)runner.Close();  // an error is in the log
  const RunLog& log = runner.log();
  const std::vector<CallRecord> hits = InjectedHits(*cut);
  std::string context = ParamName(p) + " #" + std::to_string(n) + ": ";
  if (!hits.empty()) context += "first failure " + Describe(hits[0]) + "; ";
  context += "the run stopped at " + log.stopped_at + "; " +
             std::to_string(log.acked) + " writes acknowledged and " +
             std::to_string(log.durable) + " durable since the last open";

  ASSERT_TRUE(log.violations.empty()) << context << ": " << log.violations[0];
  int tolerated = 0;
  ASSERT_TRUE(
      HitsWereReported(hits, log, std::this_thread::get_id(), &tolerated))
      << context;
  stats->unreported_at_close += tolerated;
  ++stats->runs;
  if (!hits.empty()) {
    ++stats->injected;
    if (std::all_of(hits.begin(), hits.end(), IsAdvisory)) {
      ++stats->advisory_only;
    }
  }
  if (!log.errors.empty()) ++stats->with_errors;
  if (log.write_errors > 1) stats->refused_writes += log.write_errors - 1;
  if (!log.errors.empty() && log.reopens > 0 &&
      log.errors[0].clock < log.opened_at.back()) {
    ++stats->reopened;
  }

  // The disk as the process left it, for the process-crash check.
  DiskImage image;
  Status s = CaptureImage(world.mem(), kDbName, &image);
  ASSERT_TRUE(s.ok()) << context << ": " << s.ToString();

  std::unique_ptr<DB> none;
  ASSERT_TRUE(world.PowerLoss(&none)) << context;
  Options defaults;
  defaults.env = world.env();
  ModelState recovered;
  s = OpenReadClose(defaults, kDbName, &recovered);
  ASSERT_TRUE(s.ok()) << context
                      << "; reopen after a power loss: " << s.ToString();
  size_t matched = 0;
  ASSERT_TRUE(CheckRecovered(log, recovered, /*power_loss=*/true, &matched))
      << context << "; after a power loss";
  if (matched < log.acked) ++stats->lost_in_power_loss;

  CrashWorld kept;
  s = RestoreImage(image, kept.mem(), kDbName);
  ASSERT_TRUE(s.ok()) << context << ": " << s.ToString();
  defaults.env = kept.env();
  s = OpenReadClose(defaults, kDbName, &recovered);
  ASSERT_TRUE(s.ok()) << context << "; reopen: " << s.ToString();
  ASSERT_TRUE(CheckRecovered(log, recovered, /*power_loss=*/false))
      << context << "; after the process ended";
}

// Calls of kind `op` in an uncut run of `script` (the most of two runs:
// background work makes the count vary a little).
uint64_t CountCalls(const std::vector<ScriptStep>& script, FaultOp op) {
  uint64_t most = 0;
  for (int i = 0; i < 2; ++i) {
    CrashWorld world;
    ScriptRunner runner(ScriptOptions(world.env()), kDbName);
    runner.Run(script, OnError::kStop);
    EXPECT_EQ(runner.log().api_errors, 0) << runner.log().stopped_at;
    EXPECT_TRUE(runner.Close().ok());
    most = std::max(most, world.fault()->OpCount(op));
  }
  return most;
}

class IoErrorSweep : public ::testing::TestWithParam<SweepParam> {};

TEST_P(IoErrorSweep, EveryCallFails) {
  const SweepParam& p = GetParam();
  const uint64_t script_seed = TestSeed(kScriptSeed);
  const std::vector<ScriptStep> script = MakeScript(script_seed);
  const uint64_t calls = CountCalls(script, p.op);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GT(calls, 0u);
  const auto start = std::chrono::steady_clock::now();
  SweepStats stats;
  for (uint64_t n = 0; n <= calls; ++n) {
    RunInjection(script, p, n, &stats);
    ASSERT_FALSE(HasFatalFailure()) << "script seed " << script_seed;
  }
  std::fprintf(
      stderr,
      "  %s (script seed %llu): %d runs (calls 0..%llu), %d injected (%d only "
      "into the info "
      "LOG), %d saw errors, %d writes refused after an error, %d reopened "
      "after an error, %d lost unsynced writes to the power loss, %d "
      "compaction failures unreported by Close(); %.1f s\n",
      ParamName(p).c_str(), static_cast<unsigned long long>(script_seed),
      stats.runs, static_cast<unsigned long long>(calls), stats.injected,
      stats.advisory_only, stats.with_errors, stats.refused_writes,
      stats.reopened, stats.lost_in_power_loss, stats.unreported_at_close,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  // Background work makes the count vary: the last few may never come.
  EXPECT_GE(stats.injected, static_cast<int>(calls) * 2 / 3);
  EXPECT_GT(stats.with_errors, 0);
}

std::vector<SweepParam> AllParams() {
  struct Op {
    FaultOp op;
    const char* name;
    bool write_side;  // may fail with ENOSPC
  };
  const Op ops[] = {
      {FaultOp::kWrite, "Write", true},     {FaultOp::kSync, "Sync", true},
      {FaultOp::kDirSync, "DirSync", true}, {FaultOp::kRename, "Rename", true},
      {FaultOp::kCreate, "Create", true},   {FaultOp::kRead, "Read", false},
  };
  std::vector<SweepParam> params;
  for (const Op& op : ops) {
    for (const ErrorKind error : {ErrorKind::kEIO, ErrorKind::kNoSpace}) {
      if (error == ErrorKind::kNoSpace && !op.write_side) continue;
      for (const bool persistent : {false, true}) {
        params.push_back(SweepParam{op.op, op.name, error, persistent});
      }
    }
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Calls, IoErrorSweep, ::testing::ValuesIn(AllParams()),
                         [](const ::testing::TestParamInfo<SweepParam>& info) {
                           return ParamName(info.param);
                         });

// ---- Commit groups ----------------------------------------------------------

constexpr int kWriterThreads = 4;
constexpr int kWritesPerThread = 30;

struct WriterRecord {
  std::string key;
  std::string value;
  bool ok = false;
  bool started_after_error = false;  // some writer had seen an error before
};

// Four threads make sync writes of keys of their own while the `n`-th call
// (from 0) of `op` fails once. Every write that starts after any writer saw
// an error must fail; after a power loss every acknowledged write must be
// there (so no member of a group whose log append or sync failed got OK:
// its write would not be durable), and after a process crash too.
void RunWriters(FaultOp op, uint64_t n, int* failed_writes, uint64_t* writes,
                uint64_t* log_syncs) {
  const std::string where =
      std::string(op == FaultOp::kSync ? "sync" : "write") + " #" +
      std::to_string(n) + ": ";
  CrashWorld world;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(ScriptOptions(world.env()), kDbName, &db).ok());
  world.cut()->SetTracing(true);
  world.cut()->SetSyncDelay(100);  // a slow disk: writers queue up
  world.fault()->FailAfter(op, n, MakeError(ErrorKind::kEIO),
                           /*persistent=*/false);
  std::atomic<bool> error_seen{false};
  std::vector<std::vector<WriterRecord>> records(kWriterThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      WriteOptions sync;
      sync.sync = true;
      for (int i = 0; i < kWritesPerThread; ++i) {
        WriterRecord r;
        r.key = "t" + std::to_string(t) + "/" + std::to_string(i);
        r.value = std::string(50 + 37 * i % 200, static_cast<char>('a' + t));
        // acquire: pairs with the release below; an error returned to any
        // writer happens-before this write starts.
        r.started_after_error = error_seen.load(std::memory_order_acquire);
        r.ok = db->Put(sync, r.key, r.value).ok();
        if (!r.ok) error_seen.store(true, std::memory_order_release);
        records[t].push_back(std::move(r));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const CallRecord& call : world.cut()->trace()) {
    if (call.call == IoCall::kSync && call.path.ends_with(".log")) {
      ++*log_syncs;
    }
  }
  world.cut()->SetTracing(false);
  const Status closed = db->Close();
  db.reset();
  int failed = 0;
  for (const auto& per_thread : records) {
    for (const WriterRecord& r : per_thread) {
      ++*writes;
      if (!r.ok) ++failed;
      ASSERT_FALSE(r.ok && r.started_after_error)
          << where << r.key << " was acknowledged after a writer saw an error";
    }
  }
  *failed_writes += failed;
  if (failed > 0) {
    EXPECT_FALSE(closed.ok()) << where << "Close() after a failed write";
  }

  DiskImage image;
  Status s = CaptureImage(world.mem(), kDbName, &image);
  ASSERT_TRUE(s.ok()) << where << s.ToString();
  std::unique_ptr<DB> none;
  ASSERT_TRUE(world.PowerLoss(&none)) << where;
  CrashWorld kept;
  s = RestoreImage(image, kept.mem(), kDbName);
  ASSERT_TRUE(s.ok()) << where << s.ToString();
  for (CrashWorld* w : {&world, &kept}) {
    const char* what =
        w == &world ? "after a power loss" : "after the process ended";
    Options defaults;
    defaults.env = w->env();
    ModelState recovered;
    s = OpenReadClose(defaults, kDbName, &recovered);
    ASSERT_TRUE(s.ok()) << where << what << ": " << s.ToString();
    for (const auto& per_thread : records) {
      for (const WriterRecord& r : per_thread) {
        const auto it = recovered.find(r.key);
        if (it != recovered.end()) {
          ASSERT_EQ(it->second, r.value) << where << what << ": " << r.key;
        } else {
          ASSERT_FALSE(r.ok) << where << what << ": the acknowledged sync "
                             << "write of " << r.key << " is lost";
        }
      }
    }
  }
}

TEST(IoErrorTest, CommitGroupsShareTheLeadersFailure) {
  // Without a failure: groups form (fewer log syncs than sync writes).
  uint64_t writes = 0;
  uint64_t syncs = 0;
  int failed = 0;
  for (int i = 0; i < 5; ++i) {
    RunWriters(FaultOp::kSync, UINT64_MAX, &failed, &writes, &syncs);
    ASSERT_FALSE(HasFatalFailure());
  }
  std::fprintf(stderr, "  no failure: %llu sync writes, %llu log syncs\n",
               static_cast<unsigned long long>(writes),
               static_cast<unsigned long long>(syncs));
  EXPECT_EQ(failed, 0);
  EXPECT_LT(syncs, writes);

  // A log append (or its flush) or a log sync fails, early or late.
  for (const FaultOp op : {FaultOp::kWrite, FaultOp::kSync}) {
    const uint64_t stride = op == FaultOp::kWrite ? 8 : 4;
    failed = 0;
    writes = 0;
    syncs = 0;
    for (uint64_t n = 0; n < 40; ++n) {
      RunWriters(op, n * stride, &failed, &writes, &syncs);
      ASSERT_FALSE(HasFatalFailure());
    }
    std::fprintf(stderr, "  failing %s: %llu sync writes, %d failed\n",
                 op == FaultOp::kSync ? "syncs" : "writes",
                 static_cast<unsigned long long>(writes), failed);
    EXPECT_GT(failed, 0);
    EXPECT_GT(writes - static_cast<uint64_t>(failed), writes / 4);
  }
}

}  // namespace
}  // namespace strata::testing
