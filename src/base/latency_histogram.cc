#include "base/latency_histogram.h"

#include <algorithm>
#include <cstdio>

namespace strata::internal {

LatencyHistogram::Totals LatencyHistogram::Read() const {
  Totals t;
  for (const Stripe& s : stripes_) {
    for (size_t b = 0; b < t.buckets.size(); ++b) {
      const uint64_t n = s.buckets[b].load(std::memory_order_relaxed);
      t.buckets[b] += n;
      t.timed += n;
    }
    t.sum += s.sum.load(std::memory_order_relaxed);
    t.max = std::max(t.max, s.max.load(std::memory_order_relaxed));
    t.untimed += s.untimed.load(std::memory_order_relaxed);
  }
  return t;
}

double LatencyHistogram::Totals::Average() const {
  return timed == 0 ? 0.0
                    : static_cast<double>(sum) / static_cast<double>(timed);
}

double LatencyHistogram::Totals::Percentile(double p) const {
  if (timed == 0) return 0.0;
  const double threshold = static_cast<double>(timed) * p / 100.0;
  double cumulative = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    if (buckets[b] == 0) continue;
    const double before = cumulative;
    cumulative += static_cast<double>(buckets[b]);
    if (cumulative >= threshold) {
      const double lo =
          b == 0 ? 0.0 : static_cast<double>(uint64_t{1} << (b - 1));
      const double hi = std::min(static_cast<double>(uint64_t{1} << b),
                                 static_cast<double>(max));
      const double f = (threshold - before) / static_cast<double>(buckets[b]);
      return std::max(lo, std::min(hi, lo + (hi - lo) * f));
    }
  }
  return static_cast<double>(max);
}

std::string LatencyHistogram::Summary() const {
  const Totals t = Read();
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "count %llu timed %llu avg %.1f p50 %.1f p99 %.1f p99.9 %.1f "
                "max %llu",
                static_cast<unsigned long long>(t.Count()),
                static_cast<unsigned long long>(t.timed), t.Average(),
                t.Percentile(50), t.Percentile(99), t.Percentile(99.9),
                static_cast<unsigned long long>(t.max));
  return buf;
}

}  // namespace strata::internal
