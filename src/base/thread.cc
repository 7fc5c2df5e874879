#include "base/thread.h"

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

namespace strata::internal {
namespace {

// Thread starts to let through before the injected failure; -1: none
// armed. relaxed: a counter for tests; it orders nothing else.
std::atomic<int> g_skip{-1};

// Whether this start is the one the test seam fails.
bool TakeInjectedFailure() {
  int n = g_skip.load(std::memory_order_relaxed);
  while (n >= 0 &&
         !g_skip.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) {
  }
  return n == 0;
}

}  // namespace

Status StartThread(const std::string& what, std::function<void()> fn,
                   std::thread* thread) {
  try {
    if (TakeInjectedFailure()) {
      throw std::system_error(EAGAIN, std::generic_category(),
                              "injected thread-start failure");
    }
    *thread = std::thread(std::move(fn));
  } catch (const std::system_error& e) {
    return Status::IOError("cannot start " + what, e.what());
  }
  return Status::OK();
}

void FailThreadStartForTest(int skip) {
  g_skip.store(skip, std::memory_order_relaxed);
}

}  // namespace strata::internal
