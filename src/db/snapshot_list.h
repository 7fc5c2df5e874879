// The live snapshots of a DB, oldest first.
//
// Thread-safety: guarded by the DB mutex (every method REQUIRES it).
// Misuse is safe: Release() and Contains() accept any pointer, so a
// snapshot released twice or one from another DB is refused, never
// dereferenced. (A released snapshot's address may be reused by a later
// one, which a stale pointer then names: the one misuse this cannot tell.)
// Ownership: the list owns the snapshots; callers hold borrowed pointers
// until they hand them back to Release.

#pragma once

#include <cassert>
#include <list>
#include <unordered_set>
#include <vector>

#include "key/internal_key.h"
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
    live_.insert(&*it);
    return &*it;
  }

  // Every live snapshot's sequence, ascending.
  std::vector<SequenceNumber> Sequences() const {
    std::vector<SequenceNumber> r;
    r.reserve(list_.size());
    for (const SnapshotImpl& s : list_) r.push_back(s.sequence());
    return r;
  }

  // Whether `snapshot` is a live snapshot of this list. Never dereferences
  // it: any pointer may be asked about (one released, or another DB's).
  bool Contains(const Snapshot* snapshot) const {
    return live_.count(snapshot) > 0;
  }

  // Releases `snapshot` and returns true if it is live in this list;
  // otherwise (released already, or another list's) returns false and
  // touches nothing.
  bool Release(const Snapshot* snapshot) {
    if (live_.erase(snapshot) == 0) return false;
    list_.erase(static_cast<const SnapshotImpl*>(snapshot)->self_);
    return true;
  }

 private:
  std::list<SnapshotImpl> list_;
  std::unordered_set<const Snapshot*> live_;  // the elements of list_
};

}  // namespace strata::internal
