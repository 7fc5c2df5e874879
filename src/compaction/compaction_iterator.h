// CompactionIterator: filters a merged stream of internal keys (sorted by
// InternalKeyComparator: user key ascending, sequence descending) down to
// the entries a compaction must keep.
//
// Snapshot stripes. The live snapshots s_0 < s_1 < ... < s_{n-1} cut the
// sequence space into stripes: stripe(seq) is the smallest live snapshot
// >= seq, or "above all snapshots" when there is none. A reader at any
// snapshot (or at the latest state) sees, for each user key, the newest
// version in its own stripe or an older one; so within a stripe only the
// newest version of a key can ever be read.
//
// Rules, applied to each entry in input order:
//  1. A version is kept iff it is the newest version of its user key in its
//     stripe. Older versions in the same stripe are shadowed and dropped.
//  2. A deletion that rule 1 keeps is nevertheless dropped, together with
//     every older version of its key, when the compaction is `bottommost`
//     (nothing older can exist in the levels below) and the deletion lies
//     in the oldest stripe (seq <= the earliest snapshot, or there are no
//     snapshots): every reader that sees the deletion would find the key
//     absent without it too. The older versions lie in that same oldest
//     stripe and count as shadowed. Not in a versioned DB
//     (icmp->versioned()): there a user key is key ‖ timestamp, the older
//     timestamps are other user keys, and the deletion hides them from
//     as-of reads after it.
//
// Invariants of the output:
//  1. It is a subsequence of the input, so it is sorted.
//  2. For every snapshot s and for the latest state, the value visible for
//     each user key (the newest version with seq <= s, a deletion meaning
//     "absent") is the same in the output as in the input. With rule 4
//     (retention), for a versioned key's as-of reads at or after the
//     horizon.
//  3. No two kept versions of a user key lie in the same stripe.
//
// Dropped value pointers (entry type kValuePointer) are counted as
// garbage of their value-log files (vlog_garbage()); a malformed pointer
// among them is Corruption.
//
// Errors: a key that does not parse as a point internal key, or input out
// of order (a user key going backwards, or a sequence not strictly falling
// within one user key), makes status() Corruption; the entry is never
// silently skipped. One exception, with options.drop_repeats (RepairDB's
// merge): an entry equal to the one before it in
// user key and sequence, and of the same type or both values (one inline,
// one a value pointer), is the same write held twice (RepairDB merges a
// salvaged log beside the table it was flushed to, or an obsolete table a
// crash left), so it is dropped (dropped_duplicates), the first copy kept,
// and a value pointer in it is not counted as garbage: its record may
// still be named by the first copy. An input error is reported through
// status(). Either way the iterator becomes invalid and stays so until
// SeekToFirst().
//
//  3. A version that rule 1 keeps is nevertheless dropped when a range
//     tombstone (options.range_tombstones: every tombstone of the inputs)
//     newer than it covers its key and lies in its stripe: every reader
//     that could see the version sees the tombstone too. Range tombstones
//     never travel in the point stream (ParseInternalKey rejects them as
//     Corruption); the compaction job writes them to the outputs itself.
//  4. Retention (a versioned DB with options.retention_horizon H > 0):
//     readers may ask only for the state as of H or later, and see, of the
//     versions of a key at or before H, the newest their snapshot admits.
//     A reader in stripe i sees a version in stripe s <= i unless a range
//     tombstone newer than it, in a stripe c <= i, covers it; it takes the
//     first version (input order: newest timestamp first) it sees. So of
//     the versions at or before H that rules 1 and 3 keep, one is kept
//     only if it is the first seen by some stripe in [s, c); the others
//     go. A tombstone
//     kept this way stays even at the bottom: a newer source (above the
//     compaction) may hold a back-dated version older than it, which only
//     the tombstone hides from reads as of the horizon or later.
//
// Thread-safety: one thread at a time.
// Ownership: borrows `input` and the comparator; both must outlive the
// iterator. key()/value() point into the input and stay valid until the
// iterator moves.

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/internal_iterator.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

struct CompactionIteratorOptions {
  const InternalKeyComparator* icmp = nullptr;  // borrowed
  // Sequence numbers of the live snapshots, ascending (duplicates allowed).
  std::vector<SequenceNumber> snapshots;
  // True when no level below the compaction's output can hold older
  // versions of any key it writes.
  bool bottommost = false;
  // Every range tombstone of the inputs, fragmented (null: none).
  RangeTombstoneListPtr range_tombstones;
  // Versioned DBs: rule 4's horizon (0: every version is kept).
  uint64_t retention_horizon = 0;
  // RepairDB's merge only: an exact repeat is the same write held twice
  // and dropped (see Errors). Otherwise it is Corruption, as in any
  // compaction of a healthy DB, where it cannot happen.
  bool drop_repeats = false;
};

class CompactionIterator {
 public:
  // What happened to the input entries consumed so far. Each is counted in
  // input_entries and in exactly one of dropped_shadowed,
  // dropped_tombstones, dropped_covered, dropped_retention and
  // output_entries; an entry rejected
  // as Corruption is counted nowhere.
  struct Stats {
    uint64_t input_entries = 0;
    // Shadowed by a newer version in the same stripe (rule 1), or older
    // than a tombstone dropped by rule 2.
    uint64_t dropped_shadowed = 0;
    // Deletions dropped by rule 2.
    uint64_t dropped_tombstones = 0;
    // Covered by a range tombstone in their stripe (rule 3).
    uint64_t dropped_covered = 0;
    // Older than the retention horizon allows (rule 4), tombstones
    // included.
    uint64_t dropped_retention = 0;
    // Exact repeats of the entry before (see Errors).
    uint64_t dropped_duplicates = 0;
    uint64_t output_entries = 0;
  };

  // REQUIRES: options.icmp != nullptr; options.snapshots is ascending;
  // `input` is non-null (its position is irrelevant: SeekToFirst() starts
  // it over).
  CompactionIterator(const CompactionIteratorOptions& options,
                     InternalIterator* input);
  CompactionIterator(const CompactionIterator&) = delete;
  CompactionIterator& operator=(const CompactionIterator&) = delete;

  // Positions at the first surviving entry; resets stats() and status().
  void SeekToFirst();

  bool Valid() const { return valid_; }

  // REQUIRES: Valid().
  void Next();

  // REQUIRES: Valid().
  Slice key() const;
  Slice value() const;

  // The first error met: Corruption for malformed or unordered input, else
  // the input's status.
  Status status() const;

  const Stats& stats() const { return stats_; }
  // Value-log garbage: for each value-log file, the record bytes of the
  // value pointers among the dropped entries (docs/vlog_format.md).
  const std::map<uint64_t, uint64_t>& vlog_garbage() const {
    return vlog_garbage_;
  }

 private:
  // Index of the stripe holding `seq`: i such that snapshots_[i] is the
  // smallest snapshot >= seq, or snapshots_.size() for "above all".
  // Stripe 0 is always the oldest stripe.
  size_t StripeOf(SequenceNumber seq) const;

  // Moves the input forward, from its current entry, to the next entry
  // that survives, setting valid_ and status_.
  void FindNextSurvivor();

  // The stripe of the oldest range tombstone that covers the version and
  // is newer than it (readers from that stripe up see it hidden), or
  // SIZE_MAX if none does. Rule 3 drops the version when that is its own
  // stripe.
  size_t CoverStripe(const ParsedInternalKey& ikey);
  // Rule 4 for a version that rules 1 to 3 keep: whether it goes. Readers
  // in stripes [stripe, cover_stripe) can see it.
  bool BeyondRetention(const ParsedInternalKey& ikey, size_t stripe,
                       size_t cover_stripe);

  // Decides the fate of the input's current entry. Returns true if it
  // survives; false if it is dropped (counted in stats_) or bad (status_ is
  // set).
  bool Admit();

  const InternalKeyComparator* const icmp_;
  const std::vector<SequenceNumber> snapshots_;
  const bool bottommost_;
  const RangeTombstoneListPtr range_tombstones_;
  const uint64_t retention_horizon_;
  InternalIterator* const input_;
  // Fragment of range_tombstones_ at or after the current user key (keys
  // only grow, so the search resumes from it).
  size_t fragment_ = 0;

  bool valid_ = false;
  Status status_;
  std::map<uint64_t, uint64_t> vlog_garbage_;
  Stats stats_;

  // The user key of the last entry consumed, its sequence and the stripe
  // of that entry; meaningful only when has_current_key_.
  bool has_current_key_ = false;
  std::string current_user_key_;
  SequenceNumber last_sequence_ = 0;
  uint8_t last_type_ = 0;
  size_t last_stripe_ = 0;
  // The entry Admit() last refused was an exact repeat.
  bool duplicate_ = false;
  const bool drop_repeats_;

  // Rule 4: the key (without timestamp) whose versions are being seen;
  // served_[i] == retention_generation_ when readers in stripe i already
  // have their version at or before the horizon of that key.
  bool has_retention_key_ = false;
  std::string retention_key_;
  uint64_t retention_generation_ = 0;
  std::vector<uint64_t> served_;
};

}  // namespace strata::internal
