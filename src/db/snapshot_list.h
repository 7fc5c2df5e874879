// The live snapshots of a DB, oldest first.
//
// Thread-safety: guarded by the DB mutex (every method REQUIRES it).
// Ownership: the list owns the snapshots; callers hold borrowed pointers
// until they hand them back to Release.

#pragma once

#include <cassert>
#include <list>
#include <vector>

#include "db/dbformat.h"
#include "strata/snapshot.h"

namespace strata::internal {

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : sequence_(seq) {}
  uint64_t sequence() const override { return sequence_; }

 private:
  friend class SnapshotList;
  const SequenceNumber sequence_;
  std::list<SnapshotImpl>::iterator self_;
};

class SnapshotList {
 public:
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }

  // REQUIRES: !empty().
  SequenceNumber Oldest() const { return list_.front().sequence(); }

  // REQUIRES: `seq` >= every live snapshot's sequence.
  const SnapshotImpl* New(SequenceNumber seq) {
    assert(list_.empty() || list_.back().sequence() <= seq);
    list_.emplace_back(seq);
    auto it = std::prev(list_.end());
    it->self_ = it;
    return &*it;
  }

  // Every live snapshot's sequence, ascending.
  std::vector<SequenceNumber> Sequences() const {
    std::vector<SequenceNumber> r;
    r.reserve(list_.size());
    for (const SnapshotImpl& s : list_) r.push_back(s.sequence());
    return r;
  }

  // REQUIRES: `snapshot` came from New() on this list and is live.
  void Release(const SnapshotImpl* snapshot) { list_.erase(snapshot->self_); }

 private:
  std::list<SnapshotImpl> list_;
};

}  // namespace strata::internal
