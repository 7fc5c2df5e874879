// strata/comparator.h — the total order over user keys.
//
// Thread-safety: implementations must be safe to call from many threads at
// once; strata calls them concurrently. A comparator must outlive every DB
// opened with it, and its Name() must not change between opens of one DB.

#pragma once

#include <string>

#include "strata/slice.h"

namespace strata {

class Comparator {
 public:
  virtual ~Comparator() = default;

  // Three-way comparison: <0 if a < b, 0 if equal, >0 if a > b.
  virtual int Compare(const Slice& a, const Slice& b) const = 0;

  // Identifies the ordering; stored with the DB so that a DB is never opened
  // with an incompatible order.
  virtual const char* Name() const = 0;

  // Shortens `*start` to a key in [*start, limit) when that saves space in
  // index blocks. Implementations may leave `*start` unchanged.
  virtual void FindShortestSeparator(std::string* start,
                                     const Slice& limit) const = 0;

  // Shortens `*key` to a key >= *key. May leave it unchanged.
  virtual void FindShortSuccessor(std::string* key) const = 0;
};

// The default: lexicographic order of unsigned bytes. Never deleted.
const Comparator* BytewiseComparator();

}  // namespace strata
