// crash_driver: the kill -9 crash test. Each cycle starts crash_child on
// the same DB directory, reads its reports, kills it with SIGKILL at a
// random moment (20..500 ms after it opened the DB; in one cycle of eight,
// --early_one_in, within 1.5 times its usual open time from its start, so
// mostly inside DB::Open, the first cycle's creating one too), reopens
// the DB here and checks it against the model (crash_model.h). State
// accumulates across cycles. Exits 0 when every cycle passes, 1 at the
// first failing cycle (the DB is kept and the replay command printed), 2 on
// a usage or setup error.
//
// Every choice (child seeds, kill times, options) comes from one seed,
// --seed or $STRATA_SEED, else the clock; it is printed first. Replaying a
// seed replays those choices; thread timing still differs run to run.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "testing/test_util.h"
#include "tests/crash/crash_model.h"
#include "tests/crash/crash_workload.h"

extern char** environ;

namespace strata::crash {
namespace {

using Clock = std::chrono::steady_clock;

struct DriverFlags {
  uint64_t cycles = 200;
  uint64_t seed = 0;
  std::string db;
  std::string child;
  KeySpace keys;
  bool range_deletes = false;
  // A versioned DB (Options::enable_versioning); the verifier also checks
  // that the recovered commit timestamp is above every surviving version.
  bool versioning = false;
  // The value log on (Options::enable_value_log, CrashDbOptions).
  bool value_log = false;
  int min_kill_ms = 20;
  int max_kill_ms = 500;
  // One cycle in this many kills the child while it opens the DB.
  int early_one_in = 8;
  // One cycle in this many (0: none) makes the child's MANIFEST syncs take
  // slow_manifest_us longer, so flushes and compactions overlap there.
  int slow_manifest_one_in = 4;
  int slow_manifest_us = 3000;
  // How long a child may take to open the DB (sanitizer builds are slow).
  int open_timeout_s = 120;
  bool keep_db = false;
  bool verbose = false;
  // Passed to the child (crash_child.cc); the run must then fail.
  std::string sabotage;
};

std::string ReplayCommand(const char* argv0, const DriverFlags& f) {
  std::string cmd =
      std::string(argv0) + " --seed=" + std::to_string(f.seed) +
      " --cycles=" + std::to_string(f.cycles) +
      " --keys=" + std::to_string(f.keys.data_keys) +
      " --writers=" + std::to_string(f.keys.writers) +
      " --min_kill_ms=" + std::to_string(f.min_kill_ms) +
      " --max_kill_ms=" + std::to_string(f.max_kill_ms) +
      " --early_one_in=" + std::to_string(f.early_one_in) +
      " --slow_manifest_one_in=" + std::to_string(f.slow_manifest_one_in) +
      " --slow_manifest_us=" + std::to_string(f.slow_manifest_us);
  if (f.range_deletes) cmd += " --range_deletes";
  if (f.versioning) cmd += " --versioning";
  if (f.value_log) cmd += " --value_log";
  if (!f.sabotage.empty()) cmd += " --sabotage=" + f.sabotage;
  return cmd;
}

// What the driver decides for one cycle, all drawn from the run's seed.
struct CyclePlan {
  uint32_t cycle = 0;
  uint64_t child_seed = 0;
  uint64_t variant = 0;  // DB options (CrashDbOptions)
  // Early: killed `early_kill_micros` after the child's start, aimed at
  // its DB::Open; else `kill_ms` after it reported READY.
  bool early = false;
  int64_t early_kill_micros = 0;
  int kill_ms = 0;
  bool flush_on_close = false;  // for the verifier's Close
  int slow_manifest_us = 0;     // for the child's MANIFEST syncs
};

// Runs one child to its SIGKILL, feeding its reports to `log`. Returns ""
// or what went wrong. `*open_micros` is the moving average of how long
// children take to report READY; early kills aim inside that window.
std::string RunChild(const DriverFlags& flags, const CyclePlan& plan,
                     CycleLog* log, double* open_micros) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return std::string("pipe: ") + std::strerror(errno);
  }
  std::vector<std::string> args = {
      flags.child,
      "--db=" + flags.db,
      "--cycle=" + std::to_string(plan.cycle),
      "--seed=" + std::to_string(plan.child_seed),
      "--variant=" + std::to_string(plan.variant),
      "--writers=" + std::to_string(flags.keys.writers),
      "--keys=" + std::to_string(flags.keys.data_keys),
      flags.range_deletes ? "--range_deletes=1" : "--range_deletes=0",
      flags.versioning ? "--versioning=1" : "--versioning=0",
      flags.value_log ? "--value_log=1" : "--value_log=0",
      "--slow_manifest_us=" + std::to_string(plan.slow_manifest_us)};
  if (!flags.sabotage.empty()) args.push_back("--sabotage=" + flags.sabotage);
  std::vector<char*> argv;
  for (const std::string& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));  // posix_spawn's signature
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the child's stdout.
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, flags.child.c_str(), &actions, nullptr,
                               argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return "cannot start " + flags.child + ": " + std::strerror(rc);
  }

  const Clock::time_point start = Clock::now();
  Clock::time_point deadline =
      plan.early ? start + std::chrono::microseconds(plan.early_kill_micros)
                 : start + std::chrono::seconds(flags.open_timeout_s);
  bool deadline_is_kill = plan.early;
  bool killed = false;
  std::string error;
  std::string pending;
  char buf[1 << 16];
  for (;;) {
    int timeout_ms = -1;
    if (!killed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (ready > 0) {
      const ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // every write end is closed: the child is gone
      pending.append(buf, static_cast<size_t>(n));
      size_t begin = 0;
      for (size_t nl; (nl = pending.find('\n', begin)) != std::string::npos;
           begin = nl + 1) {
        const std::string_view line(pending.data() + begin, nl - begin);
        std::string line_error;
        if (!log->AddLine(line, &line_error) && error.empty()) {
          error = line_error;
        }
        if (line == "READY") {
          const Clock::time_point now = Clock::now();
          const double took =
              std::chrono::duration<double, std::micro>(now - start).count();
          *open_micros = 0.8 * *open_micros + 0.2 * took;
          if (!plan.early) {
            deadline = now + std::chrono::milliseconds(plan.kill_ms);
            deadline_is_kill = true;
          }
        }
      }
      pending.erase(0, begin);
    }
    if (!killed && Clock::now() >= deadline) {
      if (!deadline_is_kill && error.empty()) {
        error = "the child did not open the DB within " +
                std::to_string(flags.open_timeout_s) + " s";
      }
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  if (!killed) ::kill(pid, SIGKILL);  // a read error: do not leave it behind
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!pending.empty() && error.empty()) {
    error = "unterminated report: " + pending.substr(0, 200);
  }
  if (!killed && error.empty()) {
    error = WIFEXITED(status) ? "the child exited by itself with status " +
                                    std::to_string(WEXITSTATUS(status))
                              : "the child died of signal " +
                                    std::to_string(WTERMSIG(status));
  }
  for (const std::string& f : log->failures()) {
    error += (error.empty() ? "" : "; ") + std::string("child: ") + f;
  }
  return error;
}

std::string Describe(const CyclePlan& plan) {
  char buf[96];
  if (plan.early) {
    std::snprintf(buf, sizeof(buf), "early kill %.1f ms after the start",
                  static_cast<double>(plan.early_kill_micros) / 1000.0);
  } else {
    std::snprintf(buf, sizeof(buf), "kill %d ms after READY", plan.kill_ms);
  }
  std::string text = buf;
  if (plan.slow_manifest_us > 0) {
    text +=
        ", MANIFEST syncs +" + std::to_string(plan.slow_manifest_us) + " us";
  }
  return text;
}

struct Totals {
  uint64_t acked = 0;
  uint64_t applied = 0;
  uint64_t in_flight_applied = 0;
  uint64_t issued = 0;
  uint64_t killed_before_ready = 0;
};

void PrintFailure(const CheckResult& r) {
  std::fprintf(stderr,
               "  lost acknowledged: %" PRIu64 "  wrong values: %" PRIu64
               "  half-applied: %" PRIu64 "  holes: %" PRIu64
               "  order violations: %" PRIu64 "  garbage keys: %" PRIu64
               "  read errors: %" PRIu64 "\n",
               r.lost_acked, r.wrong_values, r.half_applied, r.holes,
               r.order_violations, r.garbage_keys, r.read_errors);
  for (const std::string& m : r.messages) {
    std::fprintf(stderr, "  %s\n", m.c_str());
  }
}

// A versioned DB after recovery: the next commit timestamp must be above
// every version that survived (the pipeline resumes from the newest one in
// the WAL and MANIFEST, whatever the clock says), and every key's versions
// come newest timestamp first. Returns "" or what is wrong.
std::string CheckTimestamps(DB* db) {
  std::string last;
  if (!db->GetProperty("strata.last-timestamp", &last)) {
    return "no strata.last-timestamp property";
  }
  const uint64_t last_timestamp = std::strtoull(last.c_str(), nullptr, 10);
  ReadOptions ro;
  ro.all_versions = true;
  ro.include_deleted = true;
  std::unique_ptr<Iterator> it = db->NewIterator(ro);
  std::string previous_key;
  uint64_t previous_ts = 0;
  uint64_t versions = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++versions) {
    const uint64_t ts = it->timestamp();
    if (ts == 0 || ts > last_timestamp) {
      return "version of " + it->key().ToString() + " at timestamp " +
             std::to_string(ts) + ", but the recovered last timestamp is " +
             last;
    }
    if (it->key() == Slice(previous_key) && ts >= previous_ts) {
      return "versions of " + previous_key + " out of timestamp order";
    }
    previous_key = it->key().ToString();
    previous_ts = ts;
  }
  if (!it->status().ok()) return "history scan: " + it->status().ToString();
  if (versions > 0 && last_timestamp == 0) return "no last timestamp";
  return "";
}

// Opens the DB after the kill, checks it and closes it. Returns "" or the
// reason the open or close failed; check failures are in `*result`.
std::string Verify(const DriverFlags& flags, const CyclePlan& plan,
                   const CycleLog& log, Model* model, CheckResult* result) {
  // A child killed while creating the DB may leave nothing, or part of a
  // new DB: either must open as an empty DB. (If a DB that existed were
  // lost, the model would see its keys missing.)
  Options options =
      CrashDbOptions(plan.variant, flags.versioning, flags.value_log);
  options.flush_on_close = plan.flush_on_close;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, flags.db, &db);
  if (!s.ok()) return "open after the kill failed: " + s.ToString();
  const Recovered found = ReadRecovered(db.get(), flags.keys);
  *result = model->CheckCycle(log, found);
  if (flags.versioning) {
    const std::string error = CheckTimestamps(db.get());
    if (!error.empty()) return error;
  }
  s = db->Close();
  if (!s.ok()) return "close failed: " + s.ToString();
  return "";
}

bool ParseFlags(int argc, char** argv, DriverFlags* flags) {
  bool have_seed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string v;
    if (ParseFlag(arg, "cycles", &v)) {
      flags->cycles = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(arg, "seed", &v)) {
      flags->seed = std::strtoull(v.c_str(), nullptr, 10);
      have_seed = true;
    } else if (ParseFlag(arg, "db", &v)) {
      flags->db = v;
    } else if (ParseFlag(arg, "child", &v)) {
      flags->child = v;
    } else if (ParseFlag(arg, "keys", &v)) {
      flags->keys.data_keys = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "writers", &v)) {
      flags->keys.writers = std::atoi(v.c_str());
    } else if (arg == "--range_deletes" ||
               ParseFlag(arg, "range_deletes", &v)) {
      flags->range_deletes = v.empty() || v == "1" || v == "true";
    } else if (arg == "--versioning" || ParseFlag(arg, "versioning", &v)) {
      flags->versioning = v.empty() || v == "1" || v == "true";
    } else if (arg == "--value_log" || ParseFlag(arg, "value_log", &v)) {
      flags->value_log = v.empty() || v == "1" || v == "true";
    } else if (ParseFlag(arg, "min_kill_ms", &v)) {
      flags->min_kill_ms = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "max_kill_ms", &v)) {
      flags->max_kill_ms = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "early_one_in", &v)) {
      flags->early_one_in = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "slow_manifest_one_in", &v)) {
      flags->slow_manifest_one_in = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "slow_manifest_us", &v)) {
      flags->slow_manifest_us = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "open_timeout_s", &v)) {
      flags->open_timeout_s = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "sabotage", &v)) {
      flags->sabotage = v;
    } else if (arg == "--help") {
      return false;
    } else if (arg == "--keep_db") {
      flags->keep_db = true;
    } else if (arg == "--verbose") {
      flags->verbose = true;
    } else {
      std::fprintf(stderr, "crash_driver: unknown flag %s\n", argv[i]);
      return false;
    }
  }
  if (!have_seed) {
    const auto now = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
    flags->seed = testing::TestSeed(
        Mix(now, static_cast<uint64_t>(::getpid())) % 1000000000000ull);
  }
  if (flags->child.empty()) {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    flags->child = (ec ? std::filesystem::path(argv[0]) : self)
                       .parent_path()
                       .append("crash_child")
                       .string();
  }
  return flags->cycles > 0 && flags->keys.writers >= 1 &&
         flags->keys.writers <= 16 && flags->keys.data_keys >= 1 &&
         flags->keys.data_keys <= 999999 && flags->min_kill_ms >= 1 &&
         flags->max_kill_ms >= flags->min_kill_ms &&
         flags->open_timeout_s > 0 && flags->early_one_in >= 1 &&
         flags->slow_manifest_one_in >= 0 && flags->slow_manifest_us >= 0;
}

int Run(int argc, char** argv) {
  DriverFlags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: crash_driver [--cycles=200] [--seed=S] [--db=DIR] "
                 "[--child=PATH] [--keys=2000] [--writers=2] "
                 "[--range_deletes] [--versioning] [--value_log] "
                 "[--min_kill_ms=20] "
                 "[--max_kill_ms=500] "
                 "[--early_one_in=8] [--slow_manifest_one_in=4] "
                 "[--slow_manifest_us=3000] "
                 "[--open_timeout_s=120] [--keep_db] [--verbose] "
                 "[--sabotage=split|early_ack]\n");
    return 2;
  }
  const bool own_dir = flags.db.empty();
  if (own_dir) {
    flags.db = testing::NewTempDir("crash");
  } else {
    // Start from an empty DB: state must accumulate from this run only.
    const Status s = DestroyDB(flags.db, Options());
    std::error_code ec;
    std::filesystem::create_directories(flags.db, ec);
    if (!s.ok() || ec) {
      std::fprintf(stderr, "crash_driver: cannot prepare %s: %s\n",
                   flags.db.c_str(),
                   s.ok() ? ec.message().c_str() : s.ToString().c_str());
      return 2;
    }
  }
  const std::string replay = ReplayCommand(argv[0], flags);
  std::printf("crash_driver: seed=%" PRIu64 " cycles=%" PRIu64 " db=%s\n",
              flags.seed, flags.cycles, flags.db.c_str());
  std::printf("crash_driver: replay with: %s\n", replay.c_str());
  std::fflush(stdout);

  internal::Random rnd(flags.seed);
  Model model(flags.keys);
  Totals totals;
  double open_micros = 5000;  // a first guess; RunChild learns the rest
  const Clock::time_point start = Clock::now();
  const uint64_t progress_every = std::max<uint64_t>(1, flags.cycles / 10);
  for (uint64_t c = 0; c < flags.cycles; ++c) {
    CyclePlan plan;
    plan.cycle = static_cast<uint32_t>(c);
    plan.child_seed = rnd.Next64();
    plan.variant = rnd.Next64() % 1000;
    plan.early = rnd.OneIn(static_cast<uint64_t>(flags.early_one_in));
    // Up to 1.5 times the expected open time: most land inside DB::Open.
    plan.early_kill_micros = static_cast<int64_t>(
        static_cast<double>(rnd.Uniform(1501)) / 1000.0 * open_micros);
    plan.kill_ms =
        flags.min_kill_ms + static_cast<int>(rnd.Uniform(static_cast<uint64_t>(
                                flags.max_kill_ms - flags.min_kill_ms + 1)));
    plan.flush_on_close = rnd.OneIn(2);
    if (flags.slow_manifest_one_in > 0 &&
        rnd.OneIn(static_cast<uint64_t>(flags.slow_manifest_one_in))) {
      plan.slow_manifest_us = flags.slow_manifest_us;
    }

    CycleLog log(flags.keys, plan.cycle);
    std::string error = RunChild(flags, plan, &log, &open_micros);
    CheckResult result;
    if (error.empty()) error = Verify(flags, plan, log, &model, &result);
    if (!error.empty() || !result.ok()) {
      std::fprintf(
          stderr,
          "crash_driver: FAILED in cycle %" PRIu64 " (seed %" PRIu64
          ", %s, variant %" PRIu64 "): %s\n",
          c, flags.seed, Describe(plan).c_str(), plan.variant,
          error.empty() ? "the recovered state is wrong" : error.c_str());
      if (error.empty()) PrintFailure(result);
      std::fprintf(stderr, "crash_driver: the DB is kept in %s\n",
                   flags.db.c_str());
      std::fprintf(stderr, "crash_driver: replay with: %s\n", replay.c_str());
      return 1;
    }
    totals.issued += result.batches_issued;
    totals.acked += result.batches_acked;
    totals.applied += result.batches_applied;
    totals.in_flight_applied += result.batches_applied - result.batches_acked;
    totals.killed_before_ready += log.ready() ? 0 : 1;
    if (flags.verbose || (c + 1) % progress_every == 0 ||
        c + 1 == flags.cycles) {
      std::printf("cycle %" PRIu64 "/%" PRIu64 ": %s, %" PRIu64
                  " batches issued, %" PRIu64 " acknowledged, %" PRIu64
                  " recovered, %" PRIu64 " order edges\n",
                  c + 1, flags.cycles, Describe(plan).c_str(),
                  result.batches_issued, result.batches_acked,
                  result.batches_applied, result.order_edges);
      std::fflush(stdout);
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "crash_driver: PASSED %" PRIu64 " cycles in %.1f s (seed %" PRIu64
      "): %" PRIu64 " batches issued, %" PRIu64 " acknowledged, %" PRIu64
      " verified present (%" PRIu64 " of them in flight at the kill); %" PRIu64
      " kills during open; 0 lost, 0 wrong values, 0 half-applied, 0 holes, "
      "0 failed opens\n",
      flags.cycles, seconds, flags.seed, totals.issued, totals.acked,
      totals.applied, totals.in_flight_applied, totals.killed_before_ready);
  if (!flags.keep_db) {
    (void)DestroyDB(flags.db, Options());  // best effort: the run passed
    if (own_dir) testing::RemoveTempDir(flags.db);
  }
  return 0;
}

}  // namespace
}  // namespace strata::crash

int main(int argc, char** argv) { return strata::crash::Run(argc, argv); }
