// SpinUntil: wait a short while for a condition another thread is about to
// make true, without a trip through the kernel.
//
// A commit group without a sync is logged and applied in a few
// microseconds; a thread that sleeps on a condition variable for that long
// pays a futex wait and a wake-up (a context switch on each side) that cost
// more than the wait itself. SpinUntil first polls with the CPU's pause
// hint, then yields the core between polls (so that, with more threads than
// cores, the thread it waits for gets to run), and gives up after `budget`
// so that the caller can block for long waits (an fsync).
//
// Thread-safety: `done` is called from the calling thread only; it must
// read shared state with acquire loads.

#pragma once

#include <chrono>
#include <thread>

namespace strata::internal {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Returns true as soon as `done()` is true, false once `budget` has passed
// without it.
template <typename Done>
bool SpinUntil(Done done, std::chrono::microseconds budget) {
  // A few microseconds of pause hints (outside `budget`): enough for a
  // hand-over between two running threads, too little to matter when the
  // other thread is asleep.
  constexpr int kPauses = 128;
  for (int i = 0; i < kPauses; ++i) {
    if (done()) return true;
    CpuRelax();
  }
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace strata::internal
