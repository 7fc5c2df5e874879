// BlockCache: the sharded LRU cache of table blocks shared by every table of
// a DB, with a hard capacity in bytes.
//
// Entries are immutable, shared objects (`std::shared_ptr<const void>`,
// normally a parsed block). A reader that got an entry keeps it alive for as
// long as it holds the pointer, even after the cache evicted it, so eviction
// never frees memory in use. The cache's own holdings never exceed its
// capacity: an insert evicts least-recently-used entries of its shard first,
// and an entry larger than a shard's capacity is not cached at all.
//
// Keys are (cache id, offset): a table reader takes a fresh id from
// NewId() when it opens a file, so two files (or two opens of one file)
// never share keys.
//
// Thread-safety: every method is safe to call from many threads; each shard
// has its own mutex, so readers of different blocks rarely contend.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace strata::internal {

struct BlockCacheKey {
  uint64_t id = 0;      // from NewId(): one per opened table file
  uint64_t offset = 0;  // the block's offset in that file
};

class BlockCache {
 public:
  // `capacity` bytes in all, split evenly over 2^num_shard_bits shards.
  explicit BlockCache(size_t capacity, int num_shard_bits = 4);
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The entry for `key`, or nullptr. Counts a hit or a miss and makes a hit
  // the most recently used entry of its shard.
  std::shared_ptr<const void> Lookup(const BlockCacheKey& key);

  // Caches `value` under `key`, charging `charge` bytes, replacing an
  // existing entry for the key. Evicts LRU entries of the shard to stay
  // within its capacity; does nothing if `charge` exceeds it.
  void Insert(const BlockCacheKey& key, std::shared_ptr<const void> value,
              size_t charge);

  // Drops the entry for `key`, if any.
  void Erase(const BlockCacheKey& key);

  // Admission for blocks a reader could serve without caching them (a
  // point read that decompresses only part of a block): false the first
  // time `key` is asked about, true when it is asked again before about
  // capacity()/4 KiB other keys have taken its slot. A block read once at
  // random then does not push out blocks that are read again, and one that
  // is read again gets cached. A table of one 8-byte tag per 4 KiB of
  // capacity, rounded up to a power of 2 (64 to 2^22 slots): memory of
  // 0.2-0.4% of the capacity, not charged to it. A collision only forgets
  // a key or, once in 2^64, admits one early; two readers racing on one
  // slot may admit a block twice (the second insert replaces the first).
  bool AdmitOnRepeat(const BlockCacheKey& key);

  // A cache id never returned before by this cache.
  uint64_t NewId() {
    // relaxed: only uniqueness matters.
    return next_id_.fetch_add(1, std::memory_order_relaxed);
  }

  size_t capacity() const { return capacity_; }
  // Bytes charged by the entries now cached (<= capacity()).
  size_t Usage() const;
  size_t EntryCount() const;
  uint64_t Hits() const;
  uint64_t Misses() const;

 private:
  class Shard;

  Shard& ShardFor(uint64_t hash);

  const size_t capacity_;
  const int num_shard_bits_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> next_id_{1};
  // AdmitOnRepeat's tags (0: empty); ghost_mask_ + 1 slots, a power of 2.
  std::unique_ptr<std::atomic<uint64_t>[]> ghosts_;
  size_t ghost_mask_ = 0;
};

}  // namespace strata::internal
