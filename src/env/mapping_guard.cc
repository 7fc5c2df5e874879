// env/mapping_guard.cc — see mapping_guard.h.

#include "env/mapping_guard.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace strata::internal {
namespace {

// One guarded copy in progress, on its thread's stack.
struct GuardFrame {
  sigjmp_buf jump;
  // The pages the copy reads: [first_page, end_page).
  uintptr_t first_page;
  uintptr_t end_page;
};

// The calling thread's guarded copy, or null. initial-exec: the signal
// handler reads it, and must not be the code that first touches a
// dynamically allocated TLS block (that may call malloc).
__attribute__((tls_model("initial-exec"))) thread_local GuardFrame* t_frame =
    nullptr;

// The SIGBUS disposition found when the handler was installed. Written once,
// before the handler that reads it is installed.
struct sigaction g_previous;

// Hands a SIGBUS that is not a guarded copy's to the disposition that was
// in place before ours.
void ChainToPrevious(int sig, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, context);
    }
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  const bool from_kernel = info != nullptr && info->si_code > 0;
  if (g_previous.sa_handler == SIG_IGN && !from_kernel) return;
  // Default action (the kernel never lets a fault be ignored): restore it,
  // then let it happen. A fault re-executes the access and dies of it with
  // its own address; a sent signal is sent again.
  struct sigaction restore;
  std::memset(&restore, 0, sizeof(restore));
  restore.sa_handler = SIG_DFL;
  sigemptyset(&restore.sa_mask);
  sigaction(sig, &restore, nullptr);
  if (!from_kernel) raise(sig);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  GuardFrame* const frame = t_frame;
  if (frame != nullptr && info != nullptr && info->si_code > 0) {
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    if (address >= frame->first_page && address < frame->end_page) {
      // The jump skips the handler's return, which would have restored the
      // signal mask. SA_NODEFER keeps the kernel from blocking SIGBUS
      // during the handler, but a layer between (ThreadSanitizer's
      // handler, say) may block it, and a SIGBUS raised while blocked
      // ends the process: unblock it before leaving (a system call, but
      // only on a fault).
      sigset_t bus;
      sigemptyset(&bus);
      sigaddset(&bus, SIGBUS);
      pthread_sigmask(SIG_UNBLOCK, &bus, nullptr);
      siglongjmp(frame->jump, 1);
    }
  }
  const int saved_errno = errno;
  ChainToPrevious(sig, info, context);
  errno = saved_errno;
}

uintptr_t PageSize() {
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

void InstallMappingFaultHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)PageSize();  // initialised here, not first in a copy
    sigaction(SIGBUS, nullptr, &g_previous);
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = OnSigbus;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGBUS, &action, nullptr);
  });
}

bool CopyFromMapping(char* dst, const char* src, size_t n) {
  if (n == 0) return true;
  const uintptr_t page = PageSize();
  GuardFrame frame;
  frame.first_page = reinterpret_cast<uintptr_t>(src) & ~(page - 1);
  frame.end_page =
      (reinterpret_cast<uintptr_t>(src) + n + page - 1) & ~(page - 1);
  GuardFrame* const outer = t_frame;
  if (sigsetjmp(frame.jump, 0) != 0) {
    t_frame = outer;
    return false;
  }
  t_frame = &frame;
  // The frame is published before the copy reads a byte, and withdrawn
  // after its last, as far as this thread's signal handler can see.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memcpy(dst, src, n);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_frame = outer;
  return true;
}

}  // namespace strata::internal
