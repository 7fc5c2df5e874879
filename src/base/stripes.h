// Stripes: statistics that many threads bump on every read without sharing
// a cache line.
//
// A counter every Get increments is one cache line that two reader threads
// pass back and forth on every increment: a read-mostly workload on two
// cores then spends more time moving that line than reading. A
// StripedCounter keeps kStripes counters, each on a line of its own; a
// thread adds to the stripe it was given when it first asked
// (ThreadStripe(): threads take stripes round-robin) and a reader sums
// them. Sums are exact: every add is an atomic add to one stripe.
//
// Thread-safety: every function may be called from any thread.

#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace strata::internal {

inline constexpr size_t kStripes = 16;
// Two 64-byte lines: the adjacent-line prefetcher fetches lines in pairs,
// which would couple neighbouring stripes of one line each.
inline constexpr size_t kStripeAlignment = 128;

// The calling thread's stripe, in [0, kStripes): the same for the thread's
// whole life; the stripes of the first kStripes threads to ask all differ.
size_t ThreadStripe();

// True for about one call in `period` (a power of two: REQUIRES), chosen by a
// per-thread pseudo-random sequence rather than a count, so that calls
// interleaved from different sources on one thread (two DBs, say) are
// each sampled at the same rate.
bool ThreadSampleOneIn(uint32_t period);

class StripedCounter {
 public:
  // relaxed: independent statistics; no data is published through them.
  void Add(uint64_t n = 1) {
    stripes_[ThreadStripe()].value.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Sum() const {
    uint64_t sum = 0;
    for (const Stripe& s : stripes_)
      sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(kStripeAlignment) Stripe {
    std::atomic<uint64_t> value{0};
  };
  std::array<Stripe, kStripes> stripes_{};
};

}  // namespace strata::internal
