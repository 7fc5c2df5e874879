// InternalIterator: the iterator every storage source (memtable, table,
// merging and level iterators) exposes to the DB. Keys are internal keys
// (db/dbformat.h); ordering is the source's comparator.
//
// Thread-safety: one thread at a time. key()/value() stay valid until the
// iterator moves. Errors are kept in status(); an iterator with a non-OK
// status is not Valid().

#pragma once

#include <memory>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

class InternalIterator {
 public:
  InternalIterator() = default;
  InternalIterator(const InternalIterator&) = delete;
  InternalIterator& operator=(const InternalIterator&) = delete;
  virtual ~InternalIterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry >= target.
  virtual void Seek(const Slice& target) = 0;
  // Last entry <= target.
  virtual void SeekForPrev(const Slice& target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual Slice key() const = 0;
  virtual Slice value() const = 0;
  virtual Status status() const = 0;

  // Range-deletion support (only merging iterators implement it). Moves
  // every child whose entries all have a sequence below `sequence` (as
  // declared when the merge was built) past `target` in the direction of
  // travel: forward, to its first entry >= target, if it stands before
  // it; backward, to its last entry <= target, if it stands after it.
  // Returns true if the child of the current entry moved (the iterator
  // now stands at a later entry in the direction of travel); false if it
  // did not (other children may have; the caller steps with Next/Prev).
  // The default does nothing and returns false.
  // REQUIRES: Valid(); `forward` is the direction of the last move.
  virtual bool SkipOlderChildren(const Slice& target, uint64_t sequence,
                                 bool forward) {
    (void)target;
    (void)sequence;
    (void)forward;
    return false;
  }
};

// An iterator with no entries whose status() is `status` (how a source
// that failed to open reports itself inside a merge).
std::unique_ptr<InternalIterator> NewErrorInternalIterator(Status status);

}  // namespace strata::internal
