// strata_bench: strata beside RocksDB, LevelDB and LMDB, measured with the
// same workloads and settings. `strata_bench --help` lists workloads and
// flags; docs/benchmarks.md has the recorded results and how to run them.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/compare.h"
#include "bench/config.h"
#include "bench/engine.h"
#include "bench/proc_stats.h"
#include "bench/report.h"
#include "bench/result.h"
#include "bench/runner.h"

namespace strata::bench {
namespace {

// Runs every workload on config.engine in this process.
int RunOne(const BenchConfig& config) {
  std::unique_ptr<Engine> engine = NewEngine(config.engine);
  const std::string path = config.db + "/" + config.engine;
  EngineConfig engine_config = config.engine_config;
  engine_config.path = path;

  std::FILE* results = nullptr;
  if (!config.result_file.empty()) {
    results = std::fopen(config.result_file.c_str(), "a");
    if (results == nullptr) {
      std::perror(config.result_file.c_str());
      return 1;
    }
  }
  std::printf("strata_bench: engine %s, db %s\n", config.engine.c_str(),
              path.c_str());
  std::printf("machine: %s\n", MachineDescription().c_str());
  for (const std::string& line : DescribeRun(config)) {
    std::printf("  %s\n", line.c_str());
  }
  std::printf("%s settings:\n", config.engine.c_str());
  for (const std::string& line : engine->Describe(engine_config)) {
    std::printf("  %s\n", line.c_str());
    if (results != nullptr)
      std::fprintf(results, "setting\t%s\n", line.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);

  const Status supported = engine->CheckSupported(engine_config);
  int exit_code = 0;
  {
    Runner runner(config, engine.get(), path, stdout);
    for (const std::string& workload : config.Benchmarks()) {
      Result r;
      if (supported.ok()) {
        if (!runner.Run(workload, &r).ok()) exit_code = 1;
      } else {
        r.engine = config.engine;
        r.workload = workload;
        r.repeat = config.repeat_index;
        r.skipped = true;
        r.note = supported.message();
      }
      std::printf("%s\n", FormatResultLine(r).c_str());
      std::fflush(stdout);
      if (results != nullptr) {
        std::fprintf(results, "%s\n", SerializeResult(r).c_str());
        std::fflush(results);
      }
    }
    const Status closed = runner.Close();
    if (!closed.ok()) {
      std::printf("close: %s\n", closed.ToString().c_str());
      exit_code = 1;
    }
  }
  if (results != nullptr && std::fclose(results) != 0) exit_code = 1;
  return exit_code;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  strata::bench::BenchConfig config;
  bool help = false;
  std::string error;
  if (!strata::bench::ParseFlags(argc, argv, &config, &help, &error)) {
    std::fprintf(stderr, "strata_bench: %s\n", error.c_str());
    return 2;
  }
  if (help) {
    std::fputs(strata::bench::Usage(), stdout);
    return 0;
  }
  return config.compare ? strata::bench::RunCompare(config)
                        : strata::bench::RunOne(config);
}
