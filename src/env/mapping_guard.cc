// env/mapping_guard.cc — see mapping_guard.h.

#include "env/mapping_guard.h"

#include <pthread.h>
#include <ucontext.h>
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

// True for a kernel-raised SIGBUS that re-runs the faulting access when
// the handler returns (every code but an asynchronous machine-check
// report, which names a bad page no instruction touched yet).
bool Refaults(const siginfo_t* info) {
  if (info == nullptr || info->si_code <= 0) return false;  // sent
#ifdef BUS_MCEERR_AO
  if (info->si_code == BUS_MCEERR_AO) return false;
#endif
  return true;
}

// Hands a SIGBUS that is not a guarded copy's to the disposition that was
// in place before ours.
void ChainToPrevious(int sig, siginfo_t* info, void* context) {
  // SIG_DFL and SIG_IGN are values of sa_handler whatever the flags say
  // (sa_handler and sa_sigaction share storage).
  const bool ignore = g_previous.sa_handler == SIG_IGN;
  if (g_previous.sa_handler != SIG_DFL && !ignore) {
    if ((g_previous.sa_flags & SA_SIGINFO) != 0) {
      g_previous.sa_sigaction(sig, info, context);
    } else {
      g_previous.sa_handler(sig);
    }
    return;
  }
  const bool refaults = Refaults(info);
  // An ignored SIGBUS stays ignored, except a fault, which the kernel
  // never lets be ignored.
  if (ignore && !refaults) return;
  // Default action: restore it, then let it happen. A fault re-runs the
  // access and dies of it with its own address; anything else is raised
  // again.
  struct sigaction restore;
  std::memset(&restore, 0, sizeof(restore));
  restore.sa_handler = SIG_DFL;
  sigemptyset(&restore.sa_mask);
  sigaction(sig, &restore, nullptr);
  if (!refaults) raise(sig);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  GuardFrame* const frame = t_frame;
  if (frame != nullptr && Refaults(info)) {
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    if (address >= frame->first_page && address < frame->end_page) {
      // The jump skips the handler's return, which would have restored the
      // signal mask the copy ran with. SA_NODEFER keeps the kernel from
      // blocking SIGBUS during the handler, but a layer between
      // (ThreadSanitizer's handler, say) may block it and more, and a
      // SIGBUS raised while blocked ends the process: put back the mask
      // the copy had (a system call, but only on a fault).
      if (context != nullptr) {
        pthread_sigmask(SIG_SETMASK,
                        &static_cast<ucontext_t*>(context)->uc_sigmask,
                        nullptr);
      } else {
        sigset_t bus;
        sigemptyset(&bus);
        sigaddset(&bus, SIGBUS);
        pthread_sigmask(SIG_UNBLOCK, &bus, nullptr);
      }
      siglongjmp(frame->jump, 1);
    }
  }
  const int saved_errno = errno;
  ChainToPrevious(sig, info, context);
  errno = saved_errno;
}

}  // namespace

size_t PageSize() {
  static const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

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

namespace {

// Copies front to back, each store after the one before it: a process
// killed during the copy leaves a prefix of `src` at `dst` (memcpy may
// store the end first), which a log reader can tell from a damaged record.
void CopyInOrder(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(dst + i) & 7) != 0; ++i) {
    *static_cast<volatile char*>(dst + i) = src[i];
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    // Aligned, and volatile: the compiler keeps the stores in order.
    *reinterpret_cast<volatile uint64_t*>(dst + i) = word;
  }
  for (; i < n; ++i) *static_cast<volatile char*>(dst + i) = src[i];
}

// Runs `body()` under a guard for the pages of [mapped, mapped + n): true
// when it ran to its end, false when it met a SIGBUS in those pages (and
// was abandoned there). `body` is a copy, or a visit that keeps nothing
// needing a destructor in its own frames.
template <typename Body>
bool Guarded(const char* mapped, size_t n, const Body& body) {
  if (n == 0) {
    body();
    return true;
  }
  const uintptr_t page = PageSize();
  GuardFrame frame;
  frame.first_page = reinterpret_cast<uintptr_t>(mapped) & ~(page - 1);
  frame.end_page =
      (reinterpret_cast<uintptr_t>(mapped) + n + page - 1) & ~(page - 1);
  GuardFrame* const outer = t_frame;
  if (sigsetjmp(frame.jump, 0) != 0) {
    t_frame = outer;
    return false;
  }
  t_frame = &frame;
  // The frame is published before the body reads a byte, and withdrawn
  // after its last, as far as this thread's signal handler can see.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  body();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_frame = outer;
  return true;
}

}  // namespace

bool CopyFromMapping(char* dst, const char* src, size_t n) {
  if (n == 0) return true;
  return Guarded(src, n, [&] { std::memcpy(dst, src, n); });
}

bool CopyToMapping(char* dst, const char* src, size_t n) {
  if (n == 0) return true;
  return Guarded(dst, n, [&] { CopyInOrder(dst, src, n); });
}

bool VisitMapping(const char* src, size_t n,
                  void (*visitor)(void* arg, const Slice& bytes), void* arg) {
  return Guarded(src, n, [&] { visitor(arg, Slice(src, n)); });
}

}  // namespace strata::internal
