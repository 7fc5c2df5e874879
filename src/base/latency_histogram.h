// LatencyHistogram: a lock-free histogram of durations in microseconds,
// for latencies recorded on hot paths by many threads at once.
//
// Buckets are powers of two (bucket b holds [2^(b-1), 2^b) us, bucket 0
// holds 0), so percentiles are exact to within a factor of two and are
// interpolated inside a bucket; the count, and the sum and max of what was
// timed, are exact.
//
// A caller may time only a sample of its events (a clock read costs a
// tenth of a Get that the filters answer) and count the rest with
// CountUntimed(): Count() is then every event, and the average,
// percentiles and max are those of the timed ones.
//
// Each thread records into its own stripe (base/stripes.h), so threads
// recording at once do not pass cache lines between them; readers sum
// the stripes.
//
// Thread-safety: Record() and CountUntimed() from any number of threads;
// readers see a consistent-enough snapshot (each counter is read
// atomically; Summary() reads each once).

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "base/stripes.h"

namespace strata::internal {

class LatencyHistogram {
 public:
  static constexpr int kBuckets = 40;  // up to ~2^39 us (6 days)

  void Record(uint64_t micros) {
    int b = 0;
    while (b < kBuckets - 1 && (uint64_t{1} << b) <= micros) ++b;
    Stripe& s = stripes_[ThreadStripe()];
    // relaxed: independent statistics; no data is published through them.
    s.buckets[static_cast<size_t>(b)].fetch_add(1, std::memory_order_relaxed);
    s.sum.fetch_add(micros, std::memory_order_relaxed);
    uint64_t seen = s.max.load(std::memory_order_relaxed);
    while (micros > seen && !s.max.compare_exchange_weak(
                                seen, micros, std::memory_order_relaxed)) {
    }
  }
  // An event that was not timed.
  void CountUntimed() {
    stripes_[ThreadStripe()].untimed.fetch_add(1, std::memory_order_relaxed);
  }

  // Every event, timed or not.
  uint64_t Count() const { return Read().Count(); }
  // The timed events.
  uint64_t Timed() const { return Read().timed; }
  // Of the timed events.
  uint64_t Max() const { return Read().max; }
  // Of the timed events; 0 when none was.
  double Average() const { return Read().Average(); }
  // p in [0, 100], of the timed events; 0 when none was.
  double Percentile(double p) const { return Read().Percentile(p); }
  // "count N timed T avg A p50 B p99 C p99.9 D max E" (microseconds).
  std::string Summary() const;

 private:
  struct alignas(kStripeAlignment) Stripe {
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};
    std::atomic<uint64_t> sum{0};
    std::atomic<uint64_t> max{0};
    std::atomic<uint64_t> untimed{0};
  };
  // The stripes summed, each counter read once.
  struct Totals {
    std::array<uint64_t, kBuckets> buckets{};
    uint64_t timed = 0;  // the buckets' sum
    uint64_t sum = 0;
    uint64_t max = 0;
    uint64_t untimed = 0;

    uint64_t Count() const { return timed + untimed; }
    double Average() const;
    double Percentile(double p) const;
  };
  Totals Read() const;

  std::array<Stripe, kStripes> stripes_{};
};

}  // namespace strata::internal
