// LatencyHistogram: a lock-free histogram of durations in microseconds,
// for latencies recorded on hot paths by many threads at once.
//
// Buckets are powers of two (bucket b holds [2^(b-1), 2^b) us, bucket 0
// holds 0), so percentiles are exact to within a factor of two and are
// interpolated inside a bucket; count, sum and max are exact.
//
// Thread-safety: Record() from any number of threads; readers see a
// consistent-enough snapshot (each counter is read atomically).

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace strata::internal {

class LatencyHistogram {
 public:
  static constexpr int kBuckets = 40;  // up to ~2^39 us (6 days)

  void Record(uint64_t micros) {
    int b = 0;
    while (b < kBuckets - 1 && (uint64_t{1} << b) <= micros) ++b;
    // relaxed: independent statistics; no data is published through them.
    buckets_[static_cast<size_t>(b)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(micros, std::memory_order_relaxed);
    uint64_t seen = max_.load(std::memory_order_relaxed);
    while (micros > seen && !max_.compare_exchange_weak(
                                seen, micros, std::memory_order_relaxed)) {
    }
  }

  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t Max() const { return max_.load(std::memory_order_relaxed); }
  double Average() const;
  // p in [0, 100]; 0 when empty.
  double Percentile(double p) const;
  // "count N avg A p50 B p99 C p99.9 D max E" (microseconds).
  std::string Summary() const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> max_{0};
};

}  // namespace strata::internal
