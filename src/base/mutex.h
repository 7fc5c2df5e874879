// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with
// clang thread-safety annotations. In debug builds AssertHeld() really checks
// that the calling thread owns the mutex.

#pragma once

#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/thread_annotations.h"

namespace strata::internal {

class STRATA_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() STRATA_ACQUIRE() {
    mu_.lock();
#ifndef NDEBUG
    // relaxed: only the owner writes; other threads only compare to self.
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
#endif
  }
  void Unlock() STRATA_RELEASE() {
#ifndef NDEBUG
    owner_.store(std::thread::id(), std::memory_order_relaxed);
#endif
    mu_.unlock();
  }
  void AssertHeld() const STRATA_ASSERT_CAPABILITY(this) {
#ifndef NDEBUG
    assert(owner_.load(std::memory_order_relaxed) ==
           std::this_thread::get_id());
#endif
  }

 private:
  friend class CondVar;
  std::mutex mu_;
#ifndef NDEBUG
  std::atomic<std::thread::id> owner_{};
#endif
};

class STRATA_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) STRATA_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() STRATA_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable bound to one Mutex.
class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // REQUIRES: the mutex is held. Releases it while waiting.
  //
  // Checked at run time (AssertHeld, debug builds), not by the annotation
  // STRATA_REQUIRES(mu_): clang's analysis names the capability after the
  // expression `cv.mu_`, which it cannot match with the caller's `mu_`, so
  // every correct caller would be flagged.
  void Wait() {
    mu_->AssertHeld();
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
#ifndef NDEBUG
    mu_->owner_.store(std::thread::id(), std::memory_order_relaxed);
#endif
    cv_.wait(lock);
#ifndef NDEBUG
    mu_->owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
#endif
    lock.release();
  }
  // As Wait(), but returns after at most `micros` microseconds.
  void WaitFor(uint64_t micros) {
    mu_->AssertHeld();
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
#ifndef NDEBUG
    mu_->owner_.store(std::thread::id(), std::memory_order_relaxed);
#endif
    cv_.wait_for(lock, std::chrono::microseconds(micros));
#ifndef NDEBUG
    mu_->owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
#endif
    lock.release();
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex* const mu_;
  std::condition_variable cv_;
};

}  // namespace strata::internal
