// MemTable: the in-memory sorted buffer every write lands in first.
//
// Entries live in an arena and are indexed by a concurrent skiplist. The
// skiplist's nodes (a TableKey: the entry's order hint and a pointer to
// it, then 1.33 links on average; 24 bytes for three in four nodes, 32 or
// more for the rest, packed to 8 bytes) live in an arena of their own: a search
// or a scan walks the nodes, which then lie densely together instead of each
// beside its entry, so fewer of its steps miss the cache. A search compares
// hints, which lie in the nodes, and reads an entry only when two hints tie
// or one is missing (OrderHint below). An entry is varint32(internal key
// length) ‖ internal key ‖ varint32(value length) ‖ value (internal key as in
// key/internal_key.h). Range tombstones (kRangeDeletion and kTimedRangeDeletion
// entries, key/range_tombstone.h) are kept in a second skiplist of the same
// form, so point lookups and scans never step over them; readers get them
// fragmented (key/range_tombstone.h), built once per change.
//
// Thread-safety: one writer at a time (the commit pipeline's leader) calls
// Add; any number of readers call Get and iterate concurrently with it,
// without locks. A MemTable is shared by std::shared_ptr: readers and
// iterators hold a reference, so it lives as long as any of them.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/arena.h"
#include "base/internal_iterator.h"
#include "base/mutex.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "memtable/skiplist.h"

namespace strata::internal {

// The order hint of user key `x` against a reference key `ref` (the first
// key a memtable got), for bytewise-ordered keys: a 64-bit number such that
// for any keys x and y, OrderHint(x, ref) < OrderHint(y, ref) implies x < y
// (bytewise); equal hints tell nothing. Never 0 (0 means "no hint").
//
// With p the length of the prefix x shares with ref, x is before, equal to
// or after ref (r = 1, 2, 3), and t the six bytes of x from p on (zeros
// past its end), the hint is r (2 bits) ‖ q (14 bits) ‖ t (48 bits), where
// q = p when x < ref and q = 16383 - p otherwise. Why it orders: of two
// keys before ref, the one sharing less of ref's prefix differs from ref
// (downwards) earlier, so it is the smaller; after ref, the same key is the
// larger; with equal r and p, both differ from ref at p, so they compare
// from p on, where t, zero-padded, orders them unless the six bytes tie.
// A prefix of 16383 bytes or more is counted as 16383 with t = 0, so such
// keys tie with those on the same side of ref and order correctly against
// all others.
uint64_t OrderHint(const Slice& x, const Slice& ref);

class MemTable {
 public:
  // Borrows `comparator`'s user comparator, which must outlive the
  // memtable. Memory is reserved in blocks of `arena_block_size` bytes
  // for entries and of a quarter of that for the skiplists' nodes.
  explicit MemTable(const InternalKeyComparator& comparator,
                    size_t arena_block_size = 64 << 10);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Adds an entry; for a range tombstone, `key` is the begin and `value`
  // as EncodeRangeTombstone makes it (key/range_tombstone.h). REQUIRES: no
  // other thread is adding; (key, seq) is new; a range has begin < end.
  void Add(SequenceNumber seq, ValueType type, const Slice& key,
           const Slice& value);

  // Between StartGroup() and FinishGroup(), Add() encodes point entries
  // but links none: FinishGroup() sorts them and links them in key order
  // (SkipList::InsertAscending), each search starting where the last one
  // ended, which for a large write group of random keys touches a fraction
  // of the nodes that one search per entry would. Until FinishGroup()
  // returns, readers may see any subset of the group's point entries (its
  // sequence is not published yet). Range tombstones are added at once.
  // REQUIRES: the adding thread; groups do not nest.
  void StartGroup();
  void FinishGroup();
  // Ends a group without linking its entries (they stay in the arena,
  // unreachable): for a batch whose insertion failed part way.
  void AbandonGroup() noexcept;

  enum class GetResult { kFound, kDeleted, kNotPresent };

  // Looks up the newest version of key.user_key() with sequence <=
  // key's sequence. kFound stores the value in `*value`; kDeleted means the
  // newest such version is a deletion; kNotPresent means no version. The
  // version's sequence goes to `*found_sequence` (nullable). Range
  // tombstones are not consulted: see RangeTombstones().
  GetResult Get(const LookupKey& key, std::string* value,
                SequenceNumber* found_sequence = nullptr) const;

  // Visits the entries of key.user_key()'s key (in a versioned DB every
  // version, whatever its timestamp) from `key` on, in order, whatever
  // their sequence: `visit(internal_key, value)` returns whether to go
  // on. The slices are valid for the memtable's lifetime.
  void ForEachVersion(
      const LookupKey& key,
      const std::function<bool(const Slice&, const Slice&)>& visit) const;

  // Versioned DBs: the newest timestamp among the point entries added so
  // far (0 if none). Stored before the entry's sequence is published, so a
  // reader that sees an entry sees a value at least its timestamp.
  uint64_t MaxTimestamp() const {
    return max_timestamp_.load(std::memory_order_relaxed);
  }

  // Every range tombstone added so far, fragmented; null when there is
  // none. Safe to call concurrently with Add (it then sees a prefix).
  RangeTombstoneListPtr RangeTombstones() const;

  // An iterator over internal keys (key() is the internal key). The caller
  // must keep this memtable alive while the iterator exists.
  std::unique_ptr<InternalIterator> NewIterator() const;

  // Bytes of memory held (arena plus index), for write_buffer_size.
  size_t ApproximateMemoryUsage() const {
    return arena_.MemoryUsage() + node_arena_.MemoryUsage();
  }
  // Point entries added so far (counted as they are added, before a
  // group links them).
  uint64_t NumEntries() const {
    // relaxed: a statistic, and published to readers by the pipeline's
    // release of the sequence (a reader that acquired a sequence counts
    // every entry up to it: DBImpl::NewInternalIterator relies on it).
    return num_entries_.load(std::memory_order_relaxed);
  }
  uint64_t NumDeletions() const {
    return num_deletions_.load(std::memory_order_relaxed);
  }
  // No point entry and no range tombstone.
  bool IsEmpty() const { return NumEntries() == 0 && NumRangeDeletions() == 0; }
  uint64_t NumRangeDeletions() const {
    return num_range_deletions_.load(std::memory_order_acquire);
  }
  // The largest sequence added so far (0 when empty).
  SequenceNumber LargestSequence() const {
    return largest_sequence_.load(std::memory_order_relaxed);
  }

 public:
  // The skiplist's key and order, public for tests (nothing outside the
  // memtable holds one).
  //
  // A skiplist key: the order hint of an entry's user key (0: none) and
  // the entry (a length-prefixed internal key, then the value). The hint
  // comes first: at the start of its node, it shares the cache line the
  // node's address names, which is the one a search asks for.
  struct TableKey {
    uint64_t hint;
    const char* entry;
    const char* referenced() const { return entry; }
  };
  // Orders TableKeys: by hints where both have one and they differ, else
  // by the entries' internal keys.
  struct KeyComparator {
    const InternalKeyComparator comparator;
    int operator()(const TableKey& a, const TableKey& b) const {
      if (a.hint != b.hint && a.hint != 0 && b.hint != 0) {
        return a.hint < b.hint ? -1 : +1;
      }
      return CompareEntries(a.entry, b.entry);
    }
    int CompareEntries(const char* a, const char* b) const;
  };

 private:
  class Iter;
  using Table = SkipList<TableKey, KeyComparator>;

  // The TableKey of a search for internal key `internal_key` encoded as an
  // entry key at `entry`: with a hint once the reference key is set.
  TableKey SearchKey(const char* entry, const Slice& internal_key) const;

  KeyComparator comparator_;
  // Hints are given (OrderHint) when user keys are ordered bytewise.
  const bool hinted_;
  // The entry whose user key every hint is measured against: the first
  // one added, set (release) before any node is linked; null until then.
  std::atomic<const char*> hint_reference_{nullptr};
  Arena arena_;       // the entries
  Arena node_arena_;  // the skiplists' nodes
  Table table_;
  Table range_del_table_;
  // Writer only: inside a group (StartGroup), the entries FinishGroup links.
  // Its capacity is kept between groups up to kKeptGroupCapacity.
  static constexpr size_t kKeptGroupCapacity = 4096;
  bool grouping_ = false;
  std::vector<TableKey> group_;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletions_{0};
  // Published with release after the tombstone is in range_del_table_.
  std::atomic<uint64_t> num_range_deletions_{0};
  std::atomic<SequenceNumber> largest_sequence_{0};
  std::atomic<uint64_t> max_timestamp_{0};

  // The fragmented tombstones as of `fragmented_count_` of them.
  mutable Mutex fragment_mu_;
  mutable RangeTombstoneListPtr fragmented_ STRATA_GUARDED_BY(fragment_mu_);
  mutable uint64_t fragmented_count_ STRATA_GUARDED_BY(fragment_mu_) = 0;
};

}  // namespace strata::internal
