// Small helpers shared by tests: scratch directories and random bytes.

#pragma once

#include <cstdint>
#include <string>

#include "base/random.h"

namespace strata::testing {

// A fresh, empty directory for one test: under $STRATA_TEST_TMPDIR if set,
// else the system temp dir. Named after `name` plus a unique suffix. The
// directory is not removed automatically, so a failing test leaves evidence.
std::string NewTempDir(const std::string& name);

// Removes a directory tree made by NewTempDir (best effort).
void RemoveTempDir(const std::string& dir);

// `len` random bytes (any value, including 0x00 and 0xff).
std::string RandomBytes(internal::Random* rnd, size_t len);

// A random key of printable characters with length in [min_len, max_len].
std::string RandomKey(internal::Random* rnd, size_t min_len, size_t max_len);

// "key" and `i` in six digits, zero-padded ("key000042"): keys that sort
// as their numbers do (for 0 <= i < 1,000,000).
std::string NumberedKey(int i);

// The seed for a randomized test: $STRATA_SEED if set, else `fallback`.
// Tests print the seed they use so a failure can be replayed.
uint64_t TestSeed(uint64_t fallback);

}  // namespace strata::testing
