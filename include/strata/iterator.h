// strata/iterator.h — ordered traversal of key/value pairs.
//
// Thread-safety: one iterator must not be used from two threads at once
// without external synchronisation; distinct iterators are independent.
// An iterator sees a consistent point-in-time view (its snapshot) and keeps
// the data it reads alive until it is destroyed. key() and value() stay
// valid until the next call that moves the iterator.
//
// Lifetime: an iterator from DB::NewIterator may outlive the DB object that
// made it, whether or not Close() was called: it keeps the memtables,
// tables and caches it reads alive and goes on reading its snapshot. The
// comparator and Env given in Options must outlive it, as they must the DB.

#pragma once

#include <cstdint>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry. False at either end or on error
  // (check status()).
  virtual bool Valid() const = 0;

  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(const Slice& target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(const Slice& target) = 0;

  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;

  // REQUIRES: Valid().
  virtual Slice key() const = 0;
  // REQUIRES: Valid(). Empty when the iterator was made with keys_only.
  virtual Slice value() const = 0;

  // OK unless an error (for example Corruption) stopped the iteration.
  virtual Status status() const = 0;

  // REQUIRES: Valid(). In a versioned DB the timestamp of the version at
  // the iterator; 0 otherwise.
  virtual uint64_t timestamp() const { return 0; }
  // REQUIRES: Valid(). Whether the version at the iterator is a tombstone:
  // only ever true for ReadOptions::all_versions with include_deleted.
  virtual bool IsDeleted() const { return false; }
};

}  // namespace strata
