// MemTable: the in-memory sorted buffer every write lands in first.
//
// Entries live in an arena and are indexed by a concurrent skiplist. The
// skiplist's nodes (a pointer to the entry and 1.33 links on average; 16
// bytes for three in four nodes, 32 or more for the rest, as the arena
// aligns them to 16) live in an arena of their own: a search or a scan walks
// the nodes, which then lie densely together instead of each beside its entry,
// so fewer of its steps miss the cache. An entry is varint32(internal key
// length) ‖ internal key ‖ varint32(value length) ‖ value (internal key as
// in key/internal_key.h). Range tombstones (kRangeDeletion and
// kTimedRangeDeletion entries, key/range_tombstone.h) are kept in a second
// skiplist of the same form, so point lookups and scans never step over them;
// readers get them fragmented (key/range_tombstone.h), built once per change.
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
  uint64_t NumEntries() const {
    // relaxed: a statistic.
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

 private:
  class Iter;

  // Orders memtable entries (length-prefixed internal keys).
  struct KeyComparator {
    const InternalKeyComparator comparator;
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, KeyComparator>;

  KeyComparator comparator_;
  Arena arena_;       // the entries
  Arena node_arena_;  // the skiplists' nodes
  Table table_;
  Table range_del_table_;
  // Writer only: inside a group (StartGroup), the entries FinishGroup links.
  // Its capacity is kept between groups up to kKeptGroupCapacity.
  static constexpr size_t kKeptGroupCapacity = 4096;
  bool grouping_ = false;
  std::vector<const char*> group_;
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
