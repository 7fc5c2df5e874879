// Small, fast, seedable pseudo-random generators for tests, skiplist heights
// and benchmarks. Not for cryptography.
//
// Thread-safety: an instance is used by one thread at a time.

#pragma once

#include <cstdint>

namespace strata::internal {

// xorshift64* — good statistical quality, one multiply per draw.
class Random {
 public:
  explicit Random(uint64_t seed)
      : state_(seed == 0 ? 0x9e3779b97f4a7c15ull : seed) {
    // Scramble low-entropy seeds (0, 1, 2, ...) before first use.
    for (int i = 0; i < 4; ++i) Next64();
  }

  uint64_t Next64() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  uint32_t Next() { return static_cast<uint32_t>(Next64() >> 32); }

  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) { return Next64() % n; }
  // True with probability 1/n. REQUIRES: n > 0.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // Picks a bit width uniformly in [0, max_log], then a value below 2^width:
  // small numbers are common, large ones still appear.
  uint64_t Skewed(int max_log) {
    return Uniform(uint64_t{1} << Uniform(max_log + 1));
  }

 private:
  uint64_t state_;
};

}  // namespace strata::internal
