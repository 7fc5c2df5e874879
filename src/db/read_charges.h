// ReadChargeInbox: read-triggered compaction's meeting point
// (Options::read_compaction_bytes). Reads charge the table they looked in
// before having to look in an older one (a Get that went on, or an
// iterator's sample of the entries it read); a table whose charges reach
// its budget lands here once, for the background to take and compact.
// It also counts the reads the idle fold waits for
// (Options::level0_idle_compaction_ms): reads that met an L0 table and
// another table besides.
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

  // The idle fold's reads. The background arms the count with the reads
  // the fold of the L0 tables at hand waits for (their bytes / this
  // inbox's bytes_per_read, at least kMinBudget) whenever L0 changes; each
  // read that met an L0 table and another table besides counts one down,
  // and the one that reaches 0 wakes the background, as a posted table
  // does. Once paid (or never armed), a charge is one relaxed load.
  // Each arming starts a new generation; an iterator charges with the
  // generation it was made in, so one kept across a change of L0 pays
  // nothing toward a fold of tables it does not read.
  void ArmLevel0(uint64_t level0_bytes) {
    const uint64_t reads =
        std::max<uint64_t>(kMinBudget, level0_bytes / bytes_per_read_);
    // relaxed: counts; the background reads them under its own lock and
    // re-reads them when woken.
    level0_generation_.fetch_add(1, std::memory_order_relaxed);
    level0_wanted_.store(static_cast<int64_t>(reads),
                         std::memory_order_relaxed);
  }
  uint64_t Level0Generation() const {
    return level0_generation_.load(std::memory_order_relaxed);
  }
  // A point read's charge, counted against the L0 at hand.
  void ChargeLevel0() {
    if (level0_wanted_.load(std::memory_order_relaxed) <= 0) return;
    if (level0_wanted_.fetch_sub(1, std::memory_order_relaxed) == 1) {
      wake_.store(true, std::memory_order_relaxed);
    }
  }
  // An iterator's charge: counted only in `generation`.
  void ChargeLevel0(uint64_t generation) {
    if (Level0Generation() == generation) ChargeLevel0();
  }
  // True once the reads armed for have been counted (or none were).
  bool Level0Paid() const {
    return level0_wanted_.load(std::memory_order_relaxed) <= 0;
  }

  // True once after tables were posted or the idle fold's reads were
  // counted: the caller wakes the background.
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
  // The idle fold's reads still wanted (<= 0: none; racing charges may
  // take it below 0).
  std::atomic<int64_t> level0_wanted_{0};
  std::atomic<uint64_t> level0_generation_{0};
};

}  // namespace strata::internal
