// bench/result.h — one workload's measurements, their text form (how a
// --compare child hands results to its parent) and medians over repeats.

#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::bench {

struct Result {
  std::string engine;
  std::string workload;
  int repeat = 0;
  bool skipped = false;  // the engine cannot run it; `note` says why
  uint64_t ops = 0;      // completed operations (readers' for readwhilewriting)
  double seconds = 0;
  uint64_t bytes = 0;  // user bytes of keys and values moved by the ops
  // Latency per operation, microseconds.
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  // Fills only (NaN otherwise): process bytes written to storage over user
  // bytes written, and bytes on disk over logical bytes, after settling.
  double write_amp = NAN;
  double space_amp = NAN;
  uint64_t peak_rss = 0;  // bytes, during this workload
  // While the workload's operations ran (the untimed load and settle left
  // out), the whole process: bytes fetched from storage and major faults,
  // per operation (SetStorage()); zero while the data fit in the page
  // cache, NaN without operations. In a median, the medians of the runs'
  // figures, like the rates.
  double read_bytes_per_op = NAN;
  double major_faults_per_op = NAN;
  std::string note;  // e.g. "190000 of 200000 found"

  // Rates: ops / seconds and bytes / seconds in MiB (SetRates()); in a
  // median, the medians of the runs' rates.
  double ops_per_sec = 0;
  double mb_per_sec = 0;

  // From the workload's totals, over `ops` (set first).
  void SetStorage(uint64_t read_bytes, uint64_t major_faults) {
    const auto n = static_cast<double>(ops);
    read_bytes_per_op = ops > 0 ? static_cast<double>(read_bytes) / n : NAN;
    major_faults_per_op = ops > 0 ? static_cast<double>(major_faults) / n : NAN;
  }

  // Whether the workload read from storage at all.
  bool ReadStorage() const {
    return read_bytes_per_op > 0 || major_faults_per_op > 0;
  }

  void SetRates() {
    ops_per_sec = seconds > 0 ? static_cast<double>(ops) / seconds : 0;
    mb_per_sec = seconds > 0
                     ? static_cast<double>(bytes) / seconds / (1024.0 * 1024.0)
                     : 0;
  }
};

// One line, tab-separated key=value fields; the note has tabs and newlines
// replaced by spaces.
std::string SerializeResult(const Result& r);
// false if `line` is not a serialized result.
bool ParseResult(const std::string& line, Result* r);

// The median of each measurement over `runs` (one engine, one workload);
// skipped runs are left out. `repeat` is -1 and `note` the first run's.
// REQUIRES: !runs.empty().
Result MedianOf(const std::vector<Result>& runs);

// The median of `values` ignoring NaNs; NaN if none remain.
double Median(std::vector<double> values);

}  // namespace strata::bench
