// bench/histogram.h — latency histogram with bounded relative error.
//
// Records non-negative nanosecond values into log-linear buckets: each power
// of two is split into kSubBuckets equal buckets, so a reported percentile
// is within 1/kSubBuckets (under 1%) of the true value; the maximum and the
// mean are exact. Values below 2 * kSubBuckets ns are exact too.
//
// Thread-safety: none; each thread records into its own Histogram and the
// results are merged with Merge().

#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace strata::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;

  Histogram() { Clear(); }

  void Clear();
  void Record(uint64_t nanos) { Record(nanos, 1); }
  // Records `nanos` `count` times (a batch of operations timed together,
  // each counted at the batch's mean). count 0 records nothing.
  void Record(uint64_t nanos, uint64_t count);
  // Adds every value recorded in `other`.
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double Mean() const;
  // The value below which `p` percent of the recorded values fall
  // (0 < p <= 100): the midpoint of the bucket holding that rank, clamped to
  // [min, max]. 0 when empty.
  double Percentile(double p) const;

 private:
  // Buckets: values < 2*kSubBuckets map one to one; above that each power
  // of two [2^e, 2^(e+1)) has kSubBuckets buckets.
  static constexpr int kNumBuckets = (64 - kSubBucketBits + 1) * kSubBuckets;
  static int BucketFor(uint64_t v);
  static uint64_t BucketLow(int b);
  static uint64_t BucketHigh(int b);  // exclusive

  std::array<uint64_t, kNumBuckets> buckets_;
  uint64_t count_;
  uint64_t min_;
  uint64_t max_;
  long double sum_;
};

}  // namespace strata::bench
