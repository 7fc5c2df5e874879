#include "base/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace strata::internal {

const std::vector<double>& Histogram::BucketLimits() {
  // 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 25, ... growing by about
  // 1.2x per bucket up to 1e20, then +inf.
  static const std::vector<double> limits = [] {
    std::vector<double> v;
    double x = 1;
    while (x < 1e20) {
      v.push_back(x);
      const double next = std::floor(x * 1.2);
      x = next > x ? next : x + 1;
    }
    v.push_back(std::numeric_limits<double>::infinity());
    return v;
  }();
  return limits;
}

Histogram::Histogram() { Clear(); }

void Histogram::Clear() {
  min_ = std::numeric_limits<double>::max();
  max_ = 0;
  count_ = 0;
  sum_ = 0;
  sum_squares_ = 0;
  buckets_.assign(BucketLimits().size(), 0);
}

void Histogram::Add(double value) {
  const auto& limits = BucketLimits();
  const size_t b = static_cast<size_t>(
      std::upper_bound(limits.begin(), limits.end() - 1, value) -
      limits.begin());
  buckets_[b] += 1;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += 1;
  sum_ += value;
  sum_squares_ += value * value;
}

void Histogram::Merge(const Histogram& other) {
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
  for (size_t b = 0; b < buckets_.size(); ++b) buckets_[b] += other.buckets_[b];
}

double Histogram::Average() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

double Histogram::StandardDeviation() const {
  if (count_ == 0) return 0;
  const double n = static_cast<double>(count_);
  const double variance = (sum_squares_ * n - sum_ * sum_) / (n * n);
  return variance <= 0 ? 0 : std::sqrt(variance);
}

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  const auto& limits = BucketLimits();
  const double threshold = static_cast<double>(count_) * (p / 100.0);
  double cumulative = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const double before = cumulative;
    cumulative += static_cast<double>(buckets_[b]);
    if (cumulative >= threshold && buckets_[b] > 0) {
      const double left = b == 0 ? 0 : limits[b - 1];
      const double right = std::min(limits[b], max_);
      const double pos =
          (threshold - before) / static_cast<double>(buckets_[b]);
      const double r = left + (right - left) * pos;
      return std::clamp(r, Min(), max_);
    }
  }
  return max_;
}

std::string Histogram::ToString() const {
  std::string r;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Count: %llu  Average: %.4f  StdDev: %.2f\n"
                "Min: %.4f  Median: %.4f  Max: %.4f\n"
                "P50: %.2f  P99: %.2f  P99.9: %.2f\n",
                static_cast<unsigned long long>(count_), Average(),
                StandardDeviation(), Min(), Percentile(50), max_,
                Percentile(50), Percentile(99), Percentile(99.9));
  r.append(buf);
  const auto& limits = BucketLimits();
  uint64_t cumulative = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    if (buckets_[b] == 0) continue;
    cumulative += buckets_[b];
    std::snprintf(
        buf, sizeof(buf), "[ %10.0f, %10.0f ) %10llu %6.2f%% %6.2f%%\n",
        b == 0 ? 0.0 : limits[b - 1], limits[b],
        static_cast<unsigned long long>(buckets_[b]),
        100.0 * static_cast<double>(buckets_[b]) / static_cast<double>(count_),
        100.0 * static_cast<double>(cumulative) / static_cast<double>(count_));
    r.append(buf);
  }
  return r;
}

}  // namespace strata::internal
