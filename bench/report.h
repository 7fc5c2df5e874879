// bench/report.h — how results are shown: a line per workload while a run
// goes, tables of medians and strata/other ratios after --compare, CSV, and
// a hand-written SVG bar chart of the throughput ratios.
//
// Ratios are oriented so that > 1 always means strata is better: for
// throughput strata / other, for latency, amplification and memory
// other / strata.

#pragma once

#include <string>
#include <vector>

#include "bench/result.h"

namespace strata::bench {

// "fillseq      :  812.3K ops/s  89.6 MB/s  p50 1.0 ...".
std::string FormatResultLine(const Result& r);

// 812 -> "812", 81234 -> "81.2K", 1234567 -> "1.23M".
std::string FormatCount(double v);

// Finds the median of `engine` on `workload`; nullptr if absent.
const Result* FindResult(const std::vector<Result>& medians,
                         const std::string& engine,
                         const std::string& workload);

// Markdown tables (readable as plain text) of `medians`: throughput with
// strata/other ratios, p99 latency with ratios, and for fills write and
// space amplification and peak RSS. `engines` gives the column order;
// "strata" must be among them for ratio columns.
std::string ComparisonTables(const std::vector<Result>& medians,
                             const std::vector<std::string>& engines,
                             const std::vector<std::string>& workloads,
                             int repeats);

// Every run, then every median (repeat = "median") with its throughput
// ratio strata / this engine.
std::string ResultsCsv(const std::vector<Result>& runs,
                       const std::vector<Result>& medians);

// A bar chart, log scale, one group per workload and one bar per other
// engine: the throughput ratio strata / other. `subtitle` describes the run.
std::string RatioSvg(const std::vector<Result>& medians,
                     const std::vector<std::string>& engines,
                     const std::vector<std::string>& workloads,
                     const std::string& subtitle);

}  // namespace strata::bench
