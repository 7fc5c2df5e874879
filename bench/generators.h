// bench/generators.h — keys, values and request distributions.
//
// Every engine gets the same sequence of keys and values for the same
// --seed: generators are deterministic functions of their seeds.
//
// Thread-safety: none; each worker thread owns its generators.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/slice.h"

namespace strata::bench {

// xoshiro256** seeded through splitmix64: fast, and good enough for
// choosing keys.
class Random64 {
 public:
  explicit Random64(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n);
  // Uniform in [0, 1).
  double UniformDouble();

 private:
  uint64_t s_[4];
};

// A pseudo-random permutation of [0, n), computed one index at a time (a
// Feistel network over the smallest power-of-four domain of at least 4
// holding n, with cycle walking back into range): the random order of fills
// without an n-entry table, which at 10,000,000 keys would be 80 MB of the
// process's memory — memory a --memory_limit run takes from the engine's page
// cache.
class IndexPermutation {
 public:
  // REQUIRES: n > 0.
  IndexPermutation(uint64_t n, uint64_t seed);
  // The index at position i. REQUIRES: i < n.
  uint64_t operator()(uint64_t i) const;
  uint64_t size() const { return n_; }

 private:
  static constexpr int kRounds = 6;
  uint64_t Encrypt(uint64_t x) const;

  uint64_t n_;
  int half_bits_;  // the domain is [0, 2^(2 * half_bits_))
  uint64_t half_mask_;
  uint64_t keys_[kRounds];
};

// YCSB's FNV-1a over the 8 little-endian bytes of `v`, made non-negative as
// a Java long (Utils.fnvhash64).
uint64_t FnvHash64(uint64_t v);

// Writes the db_bench key of index `i`: decimal, zero-padded to key_size.
// REQUIRES: key_size >= DecimalDigits(i).
void FormatKey(uint64_t i, size_t key_size, std::string* out);
// A key that is never written but sorts between FormatKey(i) and
// FormatKey(i+1): FormatKey(i) followed by '.', as db_bench's readmissing.
void FormatMissingKey(uint64_t i, size_t key_size, std::string* out);
// The YCSB key of record `keynum` (YCSB's default hashed insert order):
// FnvHash64(keynum) as 16 hex digits, left-padded with '0' to key_size, or
// its last key_size digits when key_size < 16.
void FormatYcsbKey(uint64_t keynum, size_t key_size, std::string* out);
int DecimalDigits(uint64_t v);

// Values like db_bench's RandomGenerator: a 1 MiB buffer of 100-byte pieces,
// each a random printable string of 100 * compression_ratio bytes repeated
// to 100 bytes, so blocks compress to about `compression_ratio` of their
// size. Values are consecutive slices of the buffer.
class ValueGenerator {
 public:
  ValueGenerator(uint64_t seed, double compression_ratio, size_t max_value);
  // Valid until the generator is destroyed.
  Slice Generate(size_t len);

 private:
  std::string data_;
  size_t pos_ = 0;
};

// YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record
// synthetic databases"): item i of n is drawn with probability proportional
// to 1 / (i+1)^theta, popular items first.
class ZipfianGenerator {
 public:
  static constexpr double kTheta = 0.99;

  // Items [min, max]. Computes zeta(n) in O(n) unless `zetan` is given.
  ZipfianGenerator(uint64_t min, uint64_t max, double theta = kTheta);
  ZipfianGenerator(uint64_t min, uint64_t max, double theta, double zetan);

  // A draw over the items given at construction.
  uint64_t Next(Random64* rnd) { return Next(rnd, items_); }
  // A draw over the first `item_count` items; the count may grow between
  // calls (zeta is extended incrementally, as in YCSB).
  // REQUIRES: item_count >= the count of every previous call.
  uint64_t Next(Random64* rnd, uint64_t item_count);

  // sum_{i=start}^{n-1} 1/(i+1)^theta, plus `initial`.
  static double Zeta(uint64_t start, uint64_t n, double theta, double initial);

 private:
  void UpdateEta(uint64_t item_count);

  uint64_t base_;
  uint64_t items_;
  double theta_;
  double zeta2theta_;
  double alpha_;
  double zetan_;
  double eta_;
  uint64_t count_for_zeta_;
};

// YCSB's ScrambledZipfianGenerator: a zipfian draw over a fixed space of
// 10^10 items (so the constant zeta is precomputed), hashed with FnvHash64
// onto [min, max]. Popular items are spread over the key space instead of
// clustering at its start.
class ScrambledZipfianGenerator {
 public:
  static constexpr uint64_t kItemCount = 10000000000ull;
  static constexpr double kZetan = 26.46902820178302;  // zeta(10^10, 0.99)

  ScrambledZipfianGenerator(uint64_t min, uint64_t max);
  uint64_t Next(Random64* rnd);

 private:
  uint64_t min_;
  uint64_t item_count_;
  ZipfianGenerator gen_;
};

// YCSB's SkewedLatestGenerator: the most recently inserted records are the
// most popular. Next(latest) returns latest - zipfian(latest), a record
// number in (0, latest].
class SkewedLatestGenerator {
 public:
  explicit SkewedLatestGenerator(uint64_t initial_latest);
  uint64_t Next(Random64* rnd, uint64_t latest);

 private:
  ZipfianGenerator gen_;
};

}  // namespace strata::bench
