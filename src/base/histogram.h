// Histogram of non-negative samples (latencies in microseconds, sizes) in
// exponentially spaced buckets, with percentiles by interpolation.
//
// Thread-safety: not synchronised; merge per-thread histograms with Merge().

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::internal {

class Histogram {
 public:
  Histogram();

  void Clear();
  void Add(double value);
  void Merge(const Histogram& other);

  uint64_t Count() const { return count_; }
  double Min() const { return count_ == 0 ? 0 : min_; }
  double Max() const { return max_; }
  double Sum() const { return sum_; }
  double Average() const;
  double StandardDeviation() const;
  // p in [0, 100].
  double Percentile(double p) const;

  // A multi-line text summary with a bucket table.
  std::string ToString() const;

 private:
  static const std::vector<double>& BucketLimits();

  double min_;
  double max_;
  uint64_t count_;
  double sum_;
  double sum_squares_;
  std::vector<uint64_t> buckets_;
};

}  // namespace strata::internal
