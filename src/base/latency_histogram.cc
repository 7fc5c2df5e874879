#include "base/latency_histogram.h"

#include <algorithm>
#include <cstdio>

namespace strata::internal {

std::array<uint64_t, LatencyHistogram::kBuckets>
LatencyHistogram::BucketCounts() const {
  std::array<uint64_t, kBuckets> counts{};
  for (const Stripe& s : stripes_) {
    for (size_t b = 0; b < counts.size(); ++b)
      counts[b] += s.buckets[b].load(std::memory_order_relaxed);
  }
  return counts;
}

uint64_t LatencyHistogram::Timed() const {
  uint64_t n = 0;
  for (const uint64_t c : BucketCounts()) n += c;
  return n;
}

uint64_t LatencyHistogram::Count() const {
  uint64_t n = Timed();
  for (const Stripe& s : stripes_)
    n += s.untimed.load(std::memory_order_relaxed);
  return n;
}

uint64_t LatencyHistogram::Max() const {
  uint64_t max = 0;
  for (const Stripe& s : stripes_)
    max = std::max(max, s.max.load(std::memory_order_relaxed));
  return max;
}

double LatencyHistogram::Average() const {
  const uint64_t n = Timed();
  if (n == 0) return 0.0;
  uint64_t sum = 0;
  for (const Stripe& s : stripes_) sum += s.sum.load(std::memory_order_relaxed);
  return static_cast<double>(sum) / static_cast<double>(n);
}

double LatencyHistogram::Percentile(double p) const {
  const std::array<uint64_t, kBuckets> counts = BucketCounts();
  uint64_t total = 0;
  for (const uint64_t c : counts) total += c;
  if (total == 0) return 0.0;
  const double threshold = static_cast<double>(total) * p / 100.0;
  double cumulative = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    const double before = cumulative;
    cumulative += static_cast<double>(counts[b]);
    if (cumulative >= threshold) {
      const double lo =
          b == 0 ? 0.0 : static_cast<double>(uint64_t{1} << (b - 1));
      const double hi = std::min(static_cast<double>(uint64_t{1} << b),
                                 static_cast<double>(Max()));
      const double f = (threshold - before) / static_cast<double>(counts[b]);
      return std::max(lo, std::min(hi, lo + (hi - lo) * f));
    }
  }
  return static_cast<double>(Max());
}

std::string LatencyHistogram::Summary() const {
  const uint64_t count = Count();
  const uint64_t timed = Timed();
  char timed_part[48] = "";
  if (timed != count) {
    std::snprintf(timed_part, sizeof(timed_part), " timed %llu",
                  static_cast<unsigned long long>(timed));
  }
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "count %llu%s avg %.1f p50 %.1f p99 %.1f p99.9 %.1f max %llu",
                static_cast<unsigned long long>(count), timed_part, Average(),
                Percentile(50), Percentile(99), Percentile(99.9),
                static_cast<unsigned long long>(Max()));
  return buf;
}

}  // namespace strata::internal
