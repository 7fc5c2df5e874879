#include "base/latency_histogram.h"

#include <algorithm>
#include <cstdio>

namespace strata::internal {

double LatencyHistogram::Average() const {
  const uint64_t n = Count();
  return n == 0 ? 0.0
                : static_cast<double>(sum_.load(std::memory_order_relaxed)) /
                      static_cast<double>(n);
}

double LatencyHistogram::Percentile(double p) const {
  std::array<uint64_t, kBuckets> counts;
  uint64_t total = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    counts[b] = buckets_[b].load(std::memory_order_relaxed);
    total += counts[b];
  }
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
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                "count %llu avg %.1f p50 %.1f p99 %.1f p99.9 %.1f max %llu",
                static_cast<unsigned long long>(Count()), Average(),
                Percentile(50), Percentile(99), Percentile(99.9),
                static_cast<unsigned long long>(Max()));
  return buf;
}

}  // namespace strata::internal
