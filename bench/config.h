// bench/config.h — strata_bench's flags.
//
// One BenchConfig describes a run; --compare turns it back into flags for
// each child process (ToFlags), so parent and children agree on every
// setting by construction.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/engine.h"

namespace strata::bench {

struct BenchConfig {
  // What to run.
  std::string engine = "strata";
  std::vector<std::string> benchmarks;  // empty = DefaultBenchmarks()
  // Data set and operation counts.
  uint64_t num = 1000000;  // keys loaded / written by fills
  int64_t reads = -1;      // ops of each read workload; -1 = num
  int64_t writes = -1;     // ops of overwrite and deleterandom; -1 = num
  int64_t sync_num = -1;   // ops of fillsync; -1 = max(num / 100, 100)
  int64_t ycsb_ops = -1;   // ops of each YCSB workload; -1 = reads
  size_t key_size = 16;
  size_t value_size = 100;
  double compression_ratio = 0.5;
  int threads = 1;
  int seek_nexts = 10;        // seekrandom: Next calls after each Seek
  int scan_max_length = 100;  // YCSB E: scan lengths uniform in [1, this]
  uint64_t seed = 301;
  // The untimed load of the read workloads' data set writes the keys in
  // random order (as fillrandom does), or in key order (--load_order=
  // sequential: much faster for a B+tree whose pages no longer fit in
  // memory; every engine ends up holding the same data either way).
  bool sequential_load = false;
  double duration = 0;  // seconds; a workload stops at this limit; 0 = none
  // Time travel: each of `num` keys gets this many versions, and only the
  // versioned workloads (VersionedBenchmarks()) run; 0 = off.
  uint64_t versions = 0;
  // --compare: each engine's process runs in a memory cgroup of this many
  // bytes, page cache included (bench/cgroup.h); 0 = no limit.
  uint64_t memory_limit = 0;
  // Engine settings (identical for every engine).
  EngineConfig engine_config;
  std::string db =
      "/tmp/strata_bench";  // parent dir; engine DB in <db>/<engine>
  // --compare.
  bool compare = false;
  std::vector<std::string> engines;  // empty = all
  int repeats = 3;
  std::string csv;
  std::string svg;
  // Internal: a --compare child writes its results here.
  std::string result_file;
  int repeat_index = 0;

  uint64_t ReadOps() const;
  uint64_t WriteOps() const;
  uint64_t SyncOps() const;
  uint64_t YcsbOps() const;
  const std::vector<std::string>& Benchmarks() const;
  const std::vector<std::string>& Engines() const;
};

// Every workload name, in the default order.
const std::vector<std::string>& DefaultBenchmarks();
// The time-travel workloads; they need --versions and run only with it.
const std::vector<std::string>& VersionedBenchmarks();
// The transactional workloads (run only when named in --benchmarks).
const std::vector<std::string>& TransactionBenchmarks();
// Run only when named: readwhilegc.
const std::vector<std::string>& ValueLogBenchmarks();
bool IsKnownBenchmark(const std::string& name);

// Parses argv into *config. On error returns false and sets *error.
// "--help" sets *help.
bool ParseFlags(int argc, char** argv, BenchConfig* config, bool* help,
                std::string* error);

// The flags that reproduce `config`'s run settings for one engine (no
// --compare, --csv, --svg, --repeats, --engines).
std::vector<std::string> ToFlags(const BenchConfig& config);

// The common settings, one "name = value" per line, for the run header.
std::vector<std::string> DescribeRun(const BenchConfig& config);

const char* Usage();

}  // namespace strata::bench
