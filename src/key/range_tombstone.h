// Range tombstones: DeleteRange(begin, end) at sequence `seq` hides every
// version of every user key in [begin, end) whose sequence is below `seq`,
// for readers whose snapshot is at or above `seq`.
//
// A versioned DB has a second kind, the timed tombstone of its DeleteRange
// at timestamp T (docs/key_format.md#deleterange): for a reader whose
// snapshot is at or above `seq` and whose as-of time is at or after T, it
// is a tombstone version at (T, seq) of every key in [begin, end) — newer
// than the versions it meets with an older (timestamp, sequence), older
// than the rest. Readers before T do not see it, and it hides no version
// for good: only retention (compaction) drops what it makes unreachable.
// Its range is over versioned keys at whole keys: [begin ‖ ~MAX, end ‖
// ~MAX), every version of the keys from begin up to end.
//
// Sources (memtables, tables) hold tombstones as entries
//   key = internal key (begin, seq, kRangeDeletion)         value = end
//   key = internal key (begin, seq, kTimedRangeDeletion)    value = fixed64(T)
//   ‖ end
// and hand them to readers as a FragmentedRangeTombstoneList: the same
// tombstones cut at every begin and end into non-overlapping fragments,
// each carrying the sequences of the plain tombstones and the (timestamp,
// sequence) pairs of the timed ones that cover it. A lookup is then a
// binary search over fragments, and an iterator can jump over a whole
// fragment at once (docs/table_format.md#range-deletion-block).
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
#include "key/versioned_key.h"
#include "strata/comparator.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

struct RangeTombstone {
  std::string begin;  // inclusive user key
  std::string end;    // exclusive user key
  SequenceNumber sequence = 0;
  // 0: a plain tombstone. Otherwise a timed one's timestamp (see above).
  uint64_t timestamp = 0;
};

// A timed tombstone as a fragment holds it.
struct TimedTombstone {
  uint64_t timestamp = 0;  // 0: none
  SequenceNumber sequence = 0;

  // Newer: a later timestamp, or the same one written later.
  bool NewerThan(uint64_t ts, SequenceNumber seq) const {
    return timestamp > ts || (timestamp == ts && sequence > seq);
  }
};

// The entry a source stores for `t` (the layout above).
void EncodeRangeTombstone(const RangeTombstone& t, std::string* internal_key,
                          std::string* value);

// Decodes a source entry (the layout above). Corruption if the key is
// malformed or of another type, a timed entry's value is too short or its
// timestamp 0, or the range is empty or reversed under `ucmp`.
Status DecodeRangeTombstone(const Comparator* ucmp, const Slice& internal_key,
                            const Slice& value, RangeTombstone* out);

class FragmentedRangeTombstoneList {
 public:
  // A piece [begin, end) of the key space on which the same tombstones
  // apply: the plain ones' sequences are seqs()[seq_begin, seq_end),
  // descending and distinct; the timed ones are timed()[timed_begin,
  // timed_end), newest first.
  struct Fragment {
    std::string begin;
    std::string end;
    size_t seq_begin = 0;
    size_t seq_end = 0;
    size_t timed_begin = 0;
    size_t timed_end = 0;
  };

  // Fragments `tombstones` (any order, overlaps and duplicates allowed).
  // Tombstones with sequence above `upper_sequence`, and timed ones with
  // timestamp above `max_timestamp`, are left out; when `newest_only`, each
  // fragment keeps only its newest plain sequence and its newest timed
  // tombstone (enough for a reader at one snapshot and one as-of time).
  // REQUIRES: every tombstone has begin < end under `ucmp`, which must
  // outlive the list.
  // At most `max_pairs` (fragment, tombstone) pairs are kept: nested
  // tombstones make their number grow with the square of the tombstones'.
  // Past it the list is left empty and overflowed() is true.
  FragmentedRangeTombstoneList(
      const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
      SequenceNumber upper_sequence = kMaxSequenceNumber,
      bool newest_only = false, size_t max_pairs = SIZE_MAX,
      uint64_t max_timestamp = kMaxTimestamp);

  bool overflowed() const { return overflowed_; }

  bool empty() const { return fragments_.empty(); }
  size_t size() const { return fragments_.size(); }
  const Fragment& fragment(size_t i) const { return fragments_[i]; }
  SequenceNumber seq(size_t i) const { return seqs_[i]; }
  const TimedTombstone& timed(size_t i) const { return timed_[i]; }
  // Number of (fragment, tombstone) pairs: the tombstones a table stores.
  size_t NumTombstones() const { return seqs_.size() + timed_.size(); }
  // Whether any fragment holds a timed tombstone.
  bool has_timed() const { return !timed_.empty(); }

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

  // The newest timed tombstone covering `user_key` (a versioned key: any
  // version of the key finds it) that a reader at `read_sequence` and as-of
  // time `as_of` sees; timestamp 0 if none.
  TimedTombstone MaxCoveringTimed(const Slice& user_key, uint64_t as_of,
                                  SequenceNumber read_sequence) const;
  // The same within fragment `i`. REQUIRES: i < size().
  TimedTombstone FragmentMaxTimed(size_t i, uint64_t as_of,
                                  SequenceNumber read_sequence) const;

  // Appends every (fragment, tombstone) pair as a tombstone, in internal
  // key order of their begin keys and sequences: the form a table stores.
  void AppendTombstones(std::vector<RangeTombstone>* out) const;
  // The same for fragment `i` alone. REQUIRES: i < size().
  void AppendFragmentTombstones(size_t i,
                                std::vector<RangeTombstone>* out) const;

  const Comparator* user_comparator() const { return ucmp_; }

 private:
  const Comparator* const ucmp_;
  std::vector<Fragment> fragments_;  // sorted, disjoint
  std::vector<SequenceNumber> seqs_;
  std::vector<TimedTombstone> timed_;
  bool overflowed_ = false;
};

using RangeTombstoneListPtr =
    std::shared_ptr<const FragmentedRangeTombstoneList>;

}  // namespace strata::internal
