#include "bench/compare.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bench/cgroup.h"
#include "bench/proc_stats.h"
#include "bench/report.h"
#include "bench/result.h"

namespace strata::bench {
namespace {

// The child running now (0: none) and the signal that asked the run to
// stop (0: none). A SIGINT or SIGTERM ends the child, and the parent then
// ends the run itself, removing the child's cgroup on its way out.
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int sig) {
  g_stop_signal = sig;
  const pid_t child = static_cast<pid_t>(g_child);
  if (child > 0) ::kill(child, SIGKILL);
}

// Installs OnStopSignal for SIGINT and SIGTERM while alive.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

struct ChildOutput {
  std::vector<Result> results;
  std::vector<std::string> settings;
};

// Runs this binary with `flags`, its stdout and stderr going to `log`, in
// `cgroup` when given. Returns the child's exit status, or -1 if it could
// not run.
int RunChild(const std::vector<std::string>& flags, const std::string& log,
             const MemoryCgroup* cgroup) {
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copy = flags;
  for (std::string& f : copy) argv.push_back(f.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // The child dies with the run's stop signals as a process of its own.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    if (cgroup != nullptr && !cgroup->AddProcess(0)) ::_exit(125);
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out == nullptr) ::_exit(126);
    ::dup2(::fileno(stdout), STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  g_child = pid;
  // A stop signal that arrived before g_child was set finds no child.
  if (g_stop_signal != 0) ::kill(pid, SIGKILL);
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  g_child = 0;
  if (waited != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

ChildOutput ReadChildOutput(const std::string& path) {
  ChildOutput out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    Result r;
    if (ParseResult(line, &r)) {
      out.results.push_back(r);
    } else if (line.rfind("setting\t", 0) == 0) {
      out.settings.push_back(line.substr(8));
    }
  }
  return out;
}

void PrintTail(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  const auto keep = static_cast<size_t>(lines);
  const size_t from = all.size() > keep ? all.size() - keep : 0;
  for (size_t i = from; i < all.size(); ++i) {
    std::printf("    | %s\n", all[i].c_str());
  }
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int RunCompare(const BenchConfig& config) {
  namespace fs = std::filesystem;
  const std::vector<std::string>& engines = config.Engines();
  const std::vector<std::string>& workloads = config.Benchmarks();
  const std::string logs = config.db + "/logs";
  std::error_code ec;
  fs::create_directories(logs, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", logs.c_str(),
                 ec.message().c_str());
    return 1;
  }

  std::printf(
      "strata_bench --compare: %zu engines x %d repeats, each run in "
      "its own process\n",
      engines.size(), config.repeats);
  std::printf("machine: %s\n", MachineDescription().c_str());
  for (const std::string& line : DescribeRun(config)) {
    std::printf("  %s\n", line.c_str());
  }
  std::printf("per-run logs: %s\n\n", logs.c_str());

  std::vector<Result> runs;
  std::map<std::string, std::vector<std::string>> settings;
  std::map<std::string, uint64_t> peak_memory;  // with --memory_limit
  int failures = 0;
  const int total = config.repeats * static_cast<int>(engines.size());
  int done = 0;
  const StopSignals stop_signals;
  for (int rep = 0; rep < config.repeats; ++rep) {
    for (size_t i = 0; i < engines.size(); ++i) {
      const std::string& engine =
          engines[(i + static_cast<size_t>(rep)) % engines.size()];
      const std::string stem =
          logs + "/" + engine + ".r" + std::to_string(rep + 1);
      BenchConfig child = config;
      child.compare = false;
      child.engine = engine;
      child.repeat_index = rep;
      std::vector<std::string> flags = ToFlags(child);
      flags.push_back("--result_file=" + stem + ".results");
      flags.push_back("--repeat_index=" + std::to_string(rep));
      fs::remove(stem + ".results", ec);

      std::printf("[%2d/%d] %-8s repeat %d/%d ... ", ++done, total,
                  engine.c_str(), rep + 1, config.repeats);
      std::fflush(stdout);
      std::unique_ptr<MemoryCgroup> cgroup;
      if (config.memory_limit > 0) {
        std::string error;
        cgroup =
            MemoryCgroup::Create(std::to_string(::getpid()) + "-" + engine +
                                     "-r" + std::to_string(rep + 1),
                                 config.memory_limit, &error);
        if (cgroup == nullptr) {
          std::printf("\n%s\n", error.c_str());
          return 1;
        }
      }
      const auto start = std::chrono::steady_clock::now();
      const int status = RunChild(flags, stem + ".log", cgroup.get());
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
      if (g_stop_signal != 0) {
        // The child is gone; its cgroup goes with `cgroup`.
        std::printf("stopped by signal %d after %.1f s\n",
                    static_cast<int>(g_stop_signal), seconds);
        return 128 + static_cast<int>(g_stop_signal);
      }
      ChildOutput out = ReadChildOutput(stem + ".results");
      if (settings[engine].empty()) settings[engine] = out.settings;
      runs.insert(runs.end(), out.results.begin(), out.results.end());
      std::string memory;
      if (cgroup != nullptr) {
        const uint64_t peak = cgroup->PeakBytes();
        peak_memory[engine] = std::max(peak_memory[engine], peak);
        memory = ", cgroup peak " + std::to_string(peak >> 20) + " MiB" +
                 (cgroup->OomKilled() ? ", OOM-KILLED" : "");
      }
      if (status == 0) {
        std::printf("%.1f s%s\n", seconds, memory.c_str());
      } else {
        ++failures;
        std::printf("FAILED (exit %d) after %.1f s%s; end of %s.log:\n", status,
                    seconds, memory.c_str(), stem.c_str());
        PrintTail(stem + ".log", 8);
      }
      // The DB is not needed any more; its space is.
      fs::remove_all(config.db + "/" + engine, ec);
    }
  }

  if (config.memory_limit > 0) {
    std::printf(
        "\nPeak memory charged to each engine's cgroup (limit %llu "
        "MiB, page cache included), highest of its runs:\n",
        static_cast<unsigned long long>(config.memory_limit >> 20));
    for (const std::string& engine : engines) {
      std::printf("  %-8s %llu MiB\n", engine.c_str(),
                  static_cast<unsigned long long>(peak_memory[engine] >> 20));
    }
  }

  std::printf("\nSettings per engine (beyond the common ones above):\n");
  for (const std::string& engine : engines) {
    std::printf("  %s:\n", engine.c_str());
    for (const std::string& line : settings[engine]) {
      std::printf("    %s\n", line.c_str());
    }
  }

  std::vector<Result> medians;
  for (const std::string& engine : engines) {
    for (const std::string& w : workloads) {
      std::vector<Result> group;
      for (const Result& r : runs) {
        if (r.engine == engine && r.workload == w) group.push_back(r);
      }
      if (!group.empty()) medians.push_back(MedianOf(group));
    }
  }
  std::printf(
      "\n%s",
      ComparisonTables(medians, engines, workloads, config.repeats).c_str());

  // Cells without a measurement, and why.
  bool header = false;
  for (const Result& m : medians) {
    if (!m.skipped) continue;
    if (!header) {
      std::printf("\nNot run:\n");
      header = true;
    }
    std::printf("  %s %s: %s\n", m.engine.c_str(), m.workload.c_str(),
                m.note.c_str());
  }

  char subtitle[256];
  std::snprintf(
      subtitle, sizeof(subtitle),
      "num=%llu, %zu-byte keys, %zu-byte values, %s, threads=%d, "
      "median of %d runs",
      static_cast<unsigned long long>(config.num), config.key_size,
      config.value_size,
      std::string(CompressionName(config.engine_config.compression)).c_str(),
      config.threads, config.repeats);
  if (!config.csv.empty()) {
    if (WriteFile(config.csv, ResultsCsv(runs, medians))) {
      std::printf("\nCSV: %s\n", config.csv.c_str());
    } else {
      std::fprintf(stderr, "cannot write %s\n", config.csv.c_str());
      ++failures;
    }
  }
  if (!config.svg.empty()) {
    if (WriteFile(config.svg,
                  RatioSvg(medians, engines, workloads, subtitle))) {
      std::printf("SVG: %s\n", config.svg.c_str());
    } else {
      std::fprintf(stderr, "cannot write %s\n", config.svg.c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace strata::bench
