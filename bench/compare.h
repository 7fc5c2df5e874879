// bench/compare.h — --compare: every engine in its own process.
//
// For each repeat, runs this same binary once per engine (the order rotates
// between repeats so that no engine always goes first), each child with the
// same flags, its own DB directory and a result file. Then prints every
// engine's settings, the tables of medians and ratios, and writes the CSV
// and SVG if asked.

#pragma once

#include "bench/config.h"

namespace strata::bench {

// Returns the process exit status: 0 when every run succeeded.
int RunCompare(const BenchConfig& config);

}  // namespace strata::bench
