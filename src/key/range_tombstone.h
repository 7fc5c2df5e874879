// Range tombstones: DeleteRange(begin, end) at sequence `seq` hides every
// version of every user key in [begin, end) whose sequence is below `seq`,
// for readers whose snapshot is at or above `seq`.
//
// Sources (memtables, tables) hold tombstones as entries
//   key = internal key (begin, seq, kRangeDeletion)    value = end
// and hand them to readers as a FragmentedRangeTombstoneList: the same
// tombstones cut at every begin and end into non-overlapping fragments,
// each carrying the sequences of the tombstones that cover it. A lookup is
// then a binary search over fragments, and an iterator can jump over a
// whole fragment at once (docs/table_format.md#range-deletion-block).
//
// Thread-safety: a built list is immutable; any number of threads may read
// it at once. Lists are shared by std::shared_ptr.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

struct RangeTombstone {
  std::string begin;  // inclusive user key
  std::string end;    // exclusive user key
  SequenceNumber sequence = 0;
};

// Decodes a source entry (internal key with type kRangeDeletion, value =
// end key). Corruption if the key is malformed, of another type, or the
// range is empty or reversed under `ucmp`.
Status DecodeRangeTombstone(const Comparator* ucmp, const Slice& internal_key,
                            const Slice& end, RangeTombstone* out);

class FragmentedRangeTombstoneList {
 public:
  // A piece [begin, end) of the key space on which the same tombstones
  // apply: their sequences are seqs()[seq_begin, seq_end), descending and
  // distinct.
  struct Fragment {
    std::string begin;
    std::string end;
    size_t seq_begin = 0;
    size_t seq_end = 0;
  };

  // Fragments `tombstones` (any order, overlaps and duplicates allowed).
  // Tombstones with sequence above `upper_sequence` are left out; when
  // `newest_only`, each fragment keeps only its newest sequence (enough for
  // a reader at one snapshot). REQUIRES: every tombstone has begin < end
  // under `ucmp`, which must outlive the list.
  // At most `max_pairs` (fragment, sequence) pairs are kept: nested
  // tombstones make their number grow with the square of the tombstones'.
  // Past it the list is left empty and overflowed() is true.
  FragmentedRangeTombstoneList(
      const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
      SequenceNumber upper_sequence = kMaxSequenceNumber,
      bool newest_only = false, size_t max_pairs = SIZE_MAX);

  bool overflowed() const { return overflowed_; }

  bool empty() const { return fragments_.empty(); }
  size_t size() const { return fragments_.size(); }
  const Fragment& fragment(size_t i) const { return fragments_[i]; }
  SequenceNumber seq(size_t i) const { return seqs_[i]; }
  // Number of (fragment, sequence) pairs: the tombstones a table stores.
  size_t NumTombstones() const { return seqs_.size(); }

  // Index of the fragment containing `user_key`, or size() if none does.
  size_t Find(const Slice& user_key) const;
  // Index of the first fragment whose end is above `user_key` (the one
  // containing it, or the next one), or size().
  size_t LowerBound(const Slice& user_key) const;

  // The newest sequence <= `read_sequence` among the tombstones covering
  // `user_key`; 0 if none does.
  SequenceNumber MaxCoveringSequence(const Slice& user_key,
                                     SequenceNumber read_sequence) const;
  // The same within fragment `i`. REQUIRES: i < size().
  SequenceNumber FragmentMaxSequence(size_t i,
                                     SequenceNumber read_sequence) const;

  // Appends every (fragment, sequence) pair as a tombstone, in internal
  // key order of their begin keys: the form a table stores.
  void AppendTombstones(std::vector<RangeTombstone>* out) const;

  const Comparator* user_comparator() const { return ucmp_; }

 private:
  const Comparator* const ucmp_;
  std::vector<Fragment> fragments_;  // sorted, disjoint
  std::vector<SequenceNumber> seqs_;
  bool overflowed_ = false;
};

using RangeTombstoneListPtr =
    std::shared_ptr<const FragmentedRangeTombstoneList>;

}  // namespace strata::internal
