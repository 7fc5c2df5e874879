#include "base/stripes.h"

#include <cassert>

namespace strata::internal {

size_t ThreadStripe() {
  static std::atomic<size_t> next{0};
  // relaxed: only distinctness matters, and fetch_add gives it.
  thread_local const size_t stripe =
      next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

bool ThreadSampleOneIn(uint32_t period) {
  assert(period != 0 && (period & (period - 1)) == 0);
  // xorshift64, seeded apart per thread by the address of its own state.
  thread_local uint64_t state = 0;
  if (state == 0) {
    state = reinterpret_cast<uintptr_t>(&state) * 0x9e3779b97f4a7c15ull | 1;
  }
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return ((state >> 32) & (period - 1)) == 0;
}

}  // namespace strata::internal
