// CommitIndex: while read-write transactions are live, the latest commit
// sequence of every key written, and every range deleted, so that a
// committing transaction learns in memory — under the commit pipeline's
// mutex, with no I/O — whether a key it wrote or read, or a range it
// scanned, changed after its snapshot (DESIGN.md "Write path", 4).
//
// What it holds: for each key written since the oldest live transaction's
// snapshot, the newest sequence that wrote it (a Put, Delete, PutAt,
// DeleteAt, Purge or Replace of it: one record of a batch is one sequence);
// each DeleteRange (and DeleteRangeAt) with its sequence. Keys are the
// user's keys (in a versioned DB without timestamps: a write of any version
// is a write of the key). Entries that no live transaction can conflict
// with (at or below the oldest live snapshot) are dropped as transactions
// end; with none live the index is empty and Record costs one check.
//
// Memory bound: about `max_bytes` (keys plus ~80 bytes per entry). Past it
// the oldest entries go and floor() rises: a transaction whose window
// starts below the floor is told kUnknown, and decides by reading the keys'
// newest sequences from the tree instead (slower, never a false Busy).
//
// Completeness: a batch is recorded iff a transaction was registered
// before the pipeline recorded it. The caller of Register reads the
// pipeline's assigned sequence after it: every batch not recorded has
// sequences at or below that value. (The pipeline stores a member's
// assigned sequence before Record reads the live count, and Register
// stores the count before its caller reads the assigned sequence, all
// sequentially consistent: one of the two sees the other.)
//
// Thread-safety: every method is safe from any thread; an internal mutex
// guards the state. Record and Check are called under the pipeline's mutex
// (lock order: pipeline, then index); the index's mutex is a leaf.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/slice.h"

namespace strata::internal {

// A range of user keys a transaction scanned: from `begin` (inclusive;
// empty: from the start of the key space) to `end` (exclusive, or
// inclusive with end_inclusive; empty: to the end of the key space).
struct ScannedRange {
  std::string begin;
  std::string end;
  bool end_inclusive = false;
};

// Whether `r` holds no key under `ucmp` (its end before its begin, or at
// it and exclusive): nothing was scanned.
bool IsEmptyRange(const Comparator* ucmp, const ScannedRange& r);

class CommitIndex {
 public:
  // `ucmp` orders user keys (borrowed; must outlive the index).
  CommitIndex(const Comparator* ucmp, size_t max_bytes);

  CommitIndex(const CommitIndex&) = delete;
  CommitIndex& operator=(const CommitIndex&) = delete;

  // A read-write transaction is live from now on: every batch validated
  // after this call is recorded. Pair with Unregister once it ends.
  void Register();
  // A registered transaction ended; `snapshot` is what it declared with
  // SetSnapshot (or, if it declared none, ignored with `declared` false).
  void Unregister(SequenceNumber snapshot, bool declared = true);
  // Declares the snapshot of a registered transaction, once known (after
  // Register: the registration must come first). Until every registered
  // transaction has declared one, nothing is pruned for age.
  void SetSnapshot(SequenceNumber snapshot);

  // One write of a batch the pipeline accepted: a key, or a deleted range
  // [key, end), at `sequence`.
  struct Write {
    Slice key;
    Slice end;
    bool is_range = false;
    SequenceNumber sequence = 0;
  };
  // Whether a transaction is registered: the recorder asks first, and
  // parses a batch only then (sequentially consistent: see Completeness).
  bool live() const { return live_.load(std::memory_order_seq_cst) > 0; }
  // Records the writes of one accepted batch (called for every accepted
  // member, in order). No-op while no transaction is registered.
  void Record(const std::vector<Write>& writes);

  enum class Answer {
    kNoConflict,  // nothing in `keys` or `ranges` was written after `after`
    kConflict,    // something was; `*what` names it
    kUnknown,     // the index no longer holds everything after `after`
  };
  // Whether any key of `keys`, or any key inside a range of `ranges`, was
  // written by a batch with sequence above `after`.
  Answer Check(const std::vector<std::string>& keys,
               const std::vector<ScannedRange>& ranges, SequenceNumber after,
               std::string* what) const;

  // Holds the floor at or below `sequence` until Unpin(sequence): a commit
  // between its check in the tree (up to `sequence`) and its validation
  // must find the index still covering what follows (else it could be
  // overtaken forever under a steady write load). The memory bound may be
  // passed meanwhile. False (nothing pinned) if the floor is above
  // `sequence` already.
  bool Pin(SequenceNumber sequence);
  // Pins the current floor (which always succeeds) and returns it: a
  // commit that must look in the tree checks it up to at least that.
  SequenceNumber PinFloor();
  void Unpin(SequenceNumber sequence);

  // Entries with sequences at or below this may be gone.
  SequenceNumber floor() const;
  // Approximate bytes held, and entries (keys plus ranges).
  size_t ApproximateBytes() const;
  size_t NumEntries() const;

 private:
  struct Less {
    const Comparator* ucmp;
    bool operator()(const std::string& a, const std::string& b) const {
      return ucmp->Compare(a, b) < 0;
    }
  };
  using KeyMap = std::map<std::string, SequenceNumber, Less>;
  struct DeletedRange {
    std::string begin;
    std::string end;
    SequenceNumber sequence = 0;
  };
  // A key entry in commit order: its map node, which a later write of the
  // key may have taken over (then the node's sequence is newer).
  struct Recorded {
    SequenceNumber sequence = 0;
    KeyMap::iterator key;
  };

  void AddKey(const Slice& key, SequenceNumber seq) STRATA_REQUIRES(mu_);
  void AddRange(const Slice& begin, const Slice& end, SequenceNumber seq)
      STRATA_REQUIRES(mu_);
  // Drops the oldest entry (a key or a range); returns its sequence.
  SequenceNumber DropOldest() STRATA_REQUIRES(mu_);
  // Drops what no live transaction needs, then what exceeds the bound.
  void PruneLocked() STRATA_REQUIRES(mu_);
  bool InRange(const Slice& key, const Slice& begin, const Slice& end) const;
  // Whether `key` lies in `range`.
  bool InScanned(const Slice& key, const ScannedRange& range) const;

  const Comparator* const ucmp_;
  const size_t max_bytes_;
  mutable Mutex mu_;
  // Registered transactions (changed under mu_; Record reads it first
  // without the lock: seq_cst against the pipeline's assigned sequence,
  // see Register), and the snapshots declared so far.
  std::atomic<size_t> live_{0};
  std::multiset<SequenceNumber> snapshots_ STRATA_GUARDED_BY(mu_);
  KeyMap keys_ STRATA_GUARDED_BY(mu_);
  std::deque<DeletedRange> ranges_ STRATA_GUARDED_BY(mu_);  // commit order
  std::deque<Recorded> order_ STRATA_GUARDED_BY(mu_);
  size_t bytes_ STRATA_GUARDED_BY(mu_) = 0;
  SequenceNumber floor_ STRATA_GUARDED_BY(mu_) = 0;
  std::multiset<SequenceNumber> pins_ STRATA_GUARDED_BY(mu_);
};

}  // namespace strata::internal
