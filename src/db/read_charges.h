// ReadChargeInbox: read-triggered compaction's meeting point
// (Options::read_compaction_bytes). Reads charge the table they looked in
// before having to look in an older one (a Get that went on, or an
// iterator's sample of the entries it read); a table whose charges reach
// its budget lands here once, for the background to take and compact.
//
// Shared by the DB and its iterators, which may outlive it: charging never
// touches the DB. The DB wakes its background when TakeWake() says so, on
// its own threads' next read.
//
// Thread-safety: every method may be called from any thread. The inbox's
// lock is a leaf: nothing else is locked while it is held.

#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "version/version_edit.h"

namespace strata::internal {

class ReadChargeInbox {
 public:
  // `bytes_per_read`: a table's budget is its size / this, at least 100.
  // REQUIRES: bytes_per_read > 0.
  explicit ReadChargeInbox(uint64_t bytes_per_read)
      : bytes_per_read_(bytes_per_read) {}
  ReadChargeInbox(const ReadChargeInbox&) = delete;
  ReadChargeInbox& operator=(const ReadChargeInbox&) = delete;

  // Table `f` was read before an older one had to be: one charge. The one
  // charge that reaches its budget posts it.
  void Charge(const FileMetaData& f) {
    const uint64_t budget =
        std::max<uint64_t>(kMinBudget, f.file_size / bytes_per_read_);
    if (f.read_charges.Add() != budget) return;
    {
      MutexLock lock(&mu_);
      files_.push_back(f.number);
    }
    // relaxed: a hint; the files themselves are handed over under mu_.
    wake_.store(true, std::memory_order_relaxed);
  }

  // True once after tables were posted: the caller wakes the background.
  bool TakeWake() {
    return wake_.load(std::memory_order_relaxed) &&
           wake_.exchange(false, std::memory_order_relaxed);
  }

  // The tables posted since the last call, oldest first.
  std::vector<uint64_t> Take() {
    MutexLock lock(&mu_);
    std::vector<uint64_t> files;
    files.swap(files_);
    return files;
  }

  static constexpr uint64_t kMinBudget = 100;

 private:
  const uint64_t bytes_per_read_;
  Mutex mu_;
  std::vector<uint64_t> files_ STRATA_GUARDED_BY(mu_);
  std::atomic<bool> wake_{false};
};

}  // namespace strata::internal
