#include "bench/histogram.h"

#include <algorithm>
#include <bit>

namespace strata::bench {

void Histogram::Clear() {
  buckets_.fill(0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

int Histogram::BucketFor(uint64_t v) {
  if (v < 2 * kSubBuckets) return static_cast<int>(v);
  const int e = std::bit_width(v) - 1;  // 2^e <= v < 2^(e+1), e > bits
  const int shift = e - kSubBucketBits;
  const uint64_t sub = (v >> shift) - kSubBuckets;  // [0, kSubBuckets)
  return static_cast<int>((shift + 1) * kSubBuckets + sub);
}

uint64_t Histogram::BucketLow(int b) {
  const uint64_t ub = static_cast<uint64_t>(b);
  if (ub < 2 * kSubBuckets) return ub;
  const int shift = static_cast<int>(ub / kSubBuckets) - 1;
  const uint64_t sub = ub % kSubBuckets;
  return (kSubBuckets + sub) << shift;
}

uint64_t Histogram::BucketHigh(int b) {
  const uint64_t ub = static_cast<uint64_t>(b);
  if (ub < 2 * kSubBuckets) return ub + 1;
  const int shift = static_cast<int>(ub / kSubBuckets) - 1;
  return BucketLow(b) + (uint64_t{1} << shift);
}

void Histogram::Record(uint64_t nanos, uint64_t count) {
  if (count == 0) return;
  buckets_[static_cast<size_t>(BucketFor(nanos))] += count;
  count_ += count;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<long double>(nanos) * count;
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::Mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / count_);
}

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0.0;
  // The rank (1-based) of the value asked for.
  const double want = std::max(1.0, p / 100.0 * static_cast<double>(count_));
  uint64_t seen = 0;
  for (int b = 0; b < kNumBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (static_cast<double>(seen) >= want) {
      const uint64_t low = BucketLow(b);
      const uint64_t high = BucketHigh(b);
      // Exact buckets hold a single value; wider ones report the midpoint.
      const double v =
          high - low == 1
              ? static_cast<double>(low)
              : (static_cast<double>(low) + static_cast<double>(high - 1)) /
                    2.0;
      return std::clamp(v, static_cast<double>(min_),
                        static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

}  // namespace strata::bench
