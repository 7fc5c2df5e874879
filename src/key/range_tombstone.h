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
// and hand them to readers as a FragmentedRangeTombstoneList: the plain
// tombstones cut at every begin and end into non-overlapping fragments,
// each carrying the sequences of the tombstones that cover it, so that a
// lookup is a binary search over fragments and an iterator can jump over a
// whole fragment at once (docs/table_format.md#range-deletion-block); the
// timed ones whole (every timestamp may matter to some as-of read, so
// fragments of nested ones would grow with the square of their number),
// with a fragmented index for lookups while it stays small.
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

// The entry a source stores for `t` (the layout above); `internal_key` may
// be null when only the value is wanted.
void EncodeRangeTombstone(const RangeTombstone& t, std::string* internal_key,
                          std::string* value);

// Decodes a source entry (the layout above). Corruption if the key is
// malformed or of another type, a timed entry's value is too short or its
// timestamp 0, or the range is empty or reversed under `ucmp`.
Status DecodeRangeTombstone(const Comparator* ucmp, const Slice& internal_key,
                            const Slice& value, RangeTombstone* out);

// Every begin and end of `tombstones`, sorted and distinct under `ucmp`
// (the slices point into `tombstones`).
std::vector<Slice> RangeTombstoneCutPoints(
    const Comparator* ucmp, const std::vector<RangeTombstone>& tombstones);

// Sweeps the pieces between consecutive cut points of `tombstones` (sorted
// by begin under `ucmp`), left to right, calling visit(lo, hi, active) for
// each piece [lo, hi) some tombstone covers, `active` holding the ones
// that do. Time: pieces times the tombstones active on each.
template <typename Visit>
void SweepRangeTombstones(const Comparator* ucmp,
                          const std::vector<RangeTombstone>& tombstones,
                          Visit&& visit) {
  const std::vector<Slice> cuts = RangeTombstoneCutPoints(ucmp, tombstones);
  std::vector<const RangeTombstone*> active;
  size_t next = 0;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const Slice lo = cuts[i];
    const Slice hi = cuts[i + 1];
    while (next < tombstones.size() &&
           ucmp->Compare(tombstones[next].begin, lo) <= 0) {
      active.push_back(&tombstones[next++]);
    }
    std::erase_if(active, [&](const RangeTombstone* t) {
      return ucmp->Compare(t->end, lo) <= 0;
    });
    if (!active.empty()) visit(lo, hi, active);
  }
}

class FragmentedRangeTombstoneList {
 public:
  // A piece [begin, end) of the key space on which the same plain
  // tombstones apply: their sequences are seqs()[seq_begin, seq_end),
  // descending and distinct.
  struct Fragment {
    std::string begin;
    std::string end;
    size_t seq_begin = 0;
    size_t seq_end = 0;
  };

  // Takes `tombstones` (any order, overlaps and duplicates allowed): the
  // plain ones fragmented, the timed ones whole, with an index for lookups
  // (see timed_indexed()). Tombstones with sequence above `upper_sequence`,
  // and timed ones with timestamp above `max_timestamp`, are left out; when
  // `newest_only`, each fragment keeps only its newest plain sequence and
  // the index its newest timed tombstone (enough for a reader at one
  // snapshot and one as-of time). REQUIRES: every tombstone has begin < end
  // under `ucmp`, which must outlive the list.
  // At most `max_pairs` (fragment, sequence) pairs are kept: nested plain
  // tombstones make their number grow with the square of the tombstones'.
  // Past it the list is left empty and overflowed() is true.
  FragmentedRangeTombstoneList(
      const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
      SequenceNumber upper_sequence = kMaxSequenceNumber,
      bool newest_only = false, size_t max_pairs = SIZE_MAX,
      uint64_t max_timestamp = kMaxTimestamp);

  bool overflowed() const { return overflowed_; }

  // Plain tombstones, fragmented.
  bool empty() const { return fragments_.empty() && timed_.empty(); }
  size_t size() const { return fragments_.size(); }
  const Fragment& fragment(size_t i) const { return fragments_[i]; }
  SequenceNumber seq(size_t i) const { return seqs_[i]; }
  // Number of (fragment, sequence) pairs plus timed tombstones: the
  // tombstones a table stores.
  size_t NumTombstones() const { return seqs_.size() + timed_.size(); }

  // Timed tombstones, whole: ordered by begin, then sequence descending.
  bool has_timed() const { return !timed_.empty(); }
  const std::vector<RangeTombstone>& timed() const { return timed_; }
  // Whether lookups of timed tombstones use a fragmented index (binary
  // search) rather than a scan. Fragmenting nested timed tombstones needs
  // a pair per (fragment, tombstone) (every timestamp may matter to some
  // as-of read), so a list whose index would pass kMaxTimedIndexPairs
  // keeps none and scans.
  bool timed_indexed() const { return timed_indexed_; }
  static constexpr size_t kMaxTimedIndexPairs = size_t{1} << 16;

  // Index of the fragment containing `user_key`, or size() if none does.
  size_t Find(const Slice& user_key) const;
  // Index of the first fragment whose end is above `user_key` (the one
  // containing it, or the next one), or size().
  size_t LowerBound(const Slice& user_key) const;

  // The newest sequence <= `read_sequence` among the plain tombstones
  // covering `user_key`; 0 if none does.
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

  // Whether a tombstone of either kind ends after `user_key`.
  bool AnyEndsAfter(const Slice& user_key) const;

  // Appends every plain (fragment, sequence) pair as a tombstone, in
  // internal key order of their begin keys, then every timed tombstone.
  void AppendTombstones(std::vector<RangeTombstone>* out) const;

  const Comparator* user_comparator() const { return ucmp_; }

 private:
  // A piece of the key space on which the same timed tombstones apply:
  // timed_pairs_[pair_begin, pair_end), newest first.
  struct TimedFragment {
    std::string begin;
    std::string end;
    size_t pair_begin = 0;
    size_t pair_end = 0;
  };

  void FragmentPlain(std::vector<RangeTombstone> plain, bool newest_only,
                     size_t max_pairs);
  void IndexTimed(bool newest_only);

  const Comparator* const ucmp_;
  std::vector<Fragment> fragments_;  // sorted, disjoint
  std::vector<SequenceNumber> seqs_;
  bool overflowed_ = false;
  std::vector<RangeTombstone> timed_;
  bool timed_indexed_ = false;
  std::vector<TimedFragment> timed_fragments_;  // sorted, disjoint
  std::vector<TimedTombstone> timed_pairs_;
};

using RangeTombstoneListPtr =
    std::shared_ptr<const FragmentedRangeTombstoneList>;

}  // namespace strata::internal
