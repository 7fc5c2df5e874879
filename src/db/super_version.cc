// ReadState: see super_version.h.

#include "db/super_version.h"

#include <utility>

namespace strata::internal {

void ReadState::Install(std::shared_ptr<const SuperVersion> sv) {
  std::shared_ptr<const SuperVersion> old;
  {
    MutexLock lock(&mu_);
    old = std::move(current_);
    current_ = std::move(sv);
  }
  // `old` is released here, outside the lock.
}

std::shared_ptr<const SuperVersion> ReadState::Current() const {
  MutexLock lock(&mu_);
  return current_;
}

void ReadState::AddSnapshot(const Snapshot* snapshot) {
  MutexLock lock(&mu_);
  snapshots_.insert(snapshot);
}

void ReadState::RemoveSnapshot(const Snapshot* snapshot) {
  MutexLock lock(&mu_);
  snapshots_.erase(snapshot);
}

Status ReadState::SnapshotSequenceLocked(const Snapshot* snapshot,
                                         SequenceNumber* sequence) const {
  // Checked before it is read: a released snapshot or another DB's is
  // never dereferenced. It cannot be released while the lock is held.
  if (snapshots_.count(snapshot) == 0) {
    return Status::InvalidArgument(
        "ReadOptions::snapshot",
        "not a live snapshot of this DB (released, or another DB's)");
  }
  *sequence = snapshot->sequence();
  return Status::OK();
}

}  // namespace strata::internal
