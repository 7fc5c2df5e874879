#include "cache/block_cache.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace strata::internal {
namespace {

// More shards than this only wastes memory: 2^20 mutexes and tables would
// dwarf any useful cache. Out-of-range arguments are clamped to [0, max].
constexpr int kMaxShardBits = 20;

// A 64-bit mix of both key halves (splitmix64's finalizer over a
// multiplicative combine). Every input bit affects every output bit, so
// both the shard (top bits) and the hash-table bucket (low bits) spread
// well even though ids are small consecutive integers and offsets are
// multiples of a block size.
uint64_t HashKey(const BlockCacheKey& key) {
  uint64_t h = key.id * 0x9e3779b97f4a7c15ull ^ key.offset;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Values an insert pushed out of a shard. They are released only after the
// shard's lock is gone, because dropping the last reference runs the value's
// destructor. Nearly every insert drops at most a few, so those need no heap
// allocation.
class DroppedValues {
 public:
  void Add(std::shared_ptr<const void> value) {
    if (value == nullptr) return;
    if (count_ < inline_.size()) {
      inline_[count_++] = std::move(value);
    } else {
      more_.push_back(std::move(value));
    }
  }

 private:
  std::array<std::shared_ptr<const void>, 4> inline_;
  size_t count_ = 0;
  std::vector<std::shared_ptr<const void>> more_;
};

}  // namespace

// One LRU partition of the cache with its own lock.
//
// Entries live in one array (entries_), so that an entry costs no
// allocation of its own; slot 0 is the head of the LRU ring, linked by
// index. The index is an open-addressing table (linear probing) of entry
// numbers, each stored with the low 32 bits of its key's hash, so that a
// probe compares keys only when those bits agree and finds the key's home
// slot without rehashing.
//
// Invariants (under mu_):
//  1. Every live entry (number >= 1, not on free_) is in the LRU ring once
//     and in table_ once; free entries are in neither and hold no value.
//  2. usage_ is the sum of the live entries' charges, and
//     usage_ <= capacity_.
//  3. The ring runs from most (entries_[0].next) to least (entries_[0].prev)
//     recently used.
//  4. table_ has a power-of-two size, at least twice the number of live
//     entries (so probes stay short and always meet an empty slot), and no
//     empty slot lies between any live slot and its home (hash & mask), as
//     linear probing requires.
//
// Aligned to a cache line so that neighbouring shards' mutexes and counters
// do not share one.
class alignas(64) BlockCache::Shard {
 public:
  Shard() : entries_(1), table_(kMinTableSize) {
    entries_[0].prev = entries_[0].next = 0;
  }
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Called once, by the BlockCache constructor, before the shard is shared.
  void SetCapacity(size_t capacity) {
    MutexLock lock(&mu_);
    capacity_ = capacity;
  }

  std::shared_ptr<const void> Lookup(const BlockCacheKey& key, uint64_t hash) {
    std::shared_ptr<const void> result;
    {
      MutexLock lock(&mu_);
      const size_t slot = FindSlot(key, static_cast<uint32_t>(hash));
      if (table_[slot].entry != 0) {
        const uint32_t e = table_[slot].entry;
        Unlink(e);
        LinkFront(e);
        result = entries_[e].value;
      } else if (Live() > 0) {
        // A miss is usually followed by an insert that evicts the LRU
        // entry, whose object has long left the CPU's caches: fetch it now,
        // while the caller reads the block, so that dropping it later does
        // not stall.
        __builtin_prefetch(entries_[entries_[0].prev].value.get());
      }
    }
    // relaxed: statistics only; nothing is published through them.
    if (result != nullptr) {
      hits_.fetch_add(1, std::memory_order_relaxed);
    } else {
      misses_.fetch_add(1, std::memory_order_relaxed);
    }
    return result;
  }

  void Insert(const BlockCacheKey& key, uint64_t hash,
              std::shared_ptr<const void> value, size_t charge) {
    const auto tag = static_cast<uint32_t>(hash);
    DroppedValues dropped;  // destroyed after `lock`
    MutexLock lock(&mu_);
    // The old value is stale once a new one is offered, even when the new
    // one is too large to keep, so it goes either way.
    const size_t existing = FindSlot(key, tag);
    if (table_[existing].entry != 0) dropped.Add(RemoveSlot(existing));
    // A zero-capacity shard caches nothing, not even zero-charge entries.
    if (capacity_ == 0 || charge > capacity_) return;
    // A subtraction, so that it cannot overflow (usage_ <= capacity_).
    while (charge > capacity_ - usage_) {
      const uint32_t lru = entries_[0].prev;
      assert(lru != 0);  // usage_ > 0 implies an entry to evict
      const Entry& victim = entries_[lru];
      dropped.Add(RemoveSlot(FindSlot(victim.key, victim.tag)));
    }
    const uint32_t e = AllocateEntry();
    Entry& entry = entries_[e];
    entry.key = key;
    entry.tag = tag;
    entry.value = std::move(value);
    entry.charge = charge;
    LinkFront(e);
    usage_ += charge;
    if (2 * Live() > table_.size()) Resize(2 * table_.size());
    // Placed after a resize, so the probe runs over the final table.
    table_[FindSlot(key, tag)] = Slot{e, tag};
  }

  void Erase(const BlockCacheKey& key, uint64_t hash) {
    DroppedValues dropped;  // released after unlocking
    MutexLock lock(&mu_);
    const size_t slot = FindSlot(key, static_cast<uint32_t>(hash));
    if (table_[slot].entry != 0) dropped.Add(RemoveSlot(slot));
  }

  size_t Usage() {
    MutexLock lock(&mu_);
    return usage_;
  }

  size_t EntryCount() {
    MutexLock lock(&mu_);
    return Live();
  }

  uint64_t Hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t Misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kMinTableSize = 16;

  struct Entry {
    BlockCacheKey key;
    std::shared_ptr<const void> value;
    size_t charge = 0;
    uint32_t tag = 0;   // low 32 bits of the key's hash
    uint32_t prev = 0;  // LRU ring links, entry numbers
    uint32_t next = 0;
  };

  struct Slot {
    uint32_t entry = 0;  // 0: empty
    uint32_t tag = 0;
  };

  size_t Mask() const STRATA_REQUIRES(mu_) { return table_.size() - 1; }

  // Entries in use: all but the ring's head and the free ones.
  size_t Live() const STRATA_REQUIRES(mu_) {
    return entries_.size() - 1 - free_.size();
  }

  // The slot holding `key`, or the empty slot where its probe ends.
  size_t FindSlot(const BlockCacheKey& key, uint32_t tag) const
      STRATA_REQUIRES(mu_) {
    const size_t mask = Mask();
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
      const Slot& slot = table_[i];
      if (slot.entry == 0) return i;
      if (slot.tag == tag) {
        const BlockCacheKey& k = entries_[slot.entry].key;
        if (k.id == key.id && k.offset == key.offset) return i;
      }
    }
  }

  void Unlink(uint32_t e) STRATA_REQUIRES(mu_) {
    entries_[entries_[e].prev].next = entries_[e].next;
    entries_[entries_[e].next].prev = entries_[e].prev;
  }

  void LinkFront(uint32_t e) STRATA_REQUIRES(mu_) {
    entries_[e].prev = 0;
    entries_[e].next = entries_[0].next;
    entries_[entries_[0].next].prev = e;
    entries_[0].next = e;
  }

  uint32_t AllocateEntry() STRATA_REQUIRES(mu_) {
    if (!free_.empty()) {
      const uint32_t e = free_.back();
      free_.pop_back();
      return e;
    }
    entries_.emplace_back();
    return static_cast<uint32_t>(entries_.size() - 1);
  }

  // Removes the live entry in `slot` from the table and the ring, frees it,
  // and returns its value, so that the caller can release it outside the
  // lock.
  std::shared_ptr<const void> RemoveSlot(size_t slot) STRATA_REQUIRES(mu_) {
    const uint32_t e = table_[slot].entry;
    Entry& entry = entries_[e];
    std::shared_ptr<const void> value = std::move(entry.value);
    entry.value = nullptr;
    usage_ -= entry.charge;
    Unlink(e);
    free_.push_back(e);
    // Backward-shift deletion: pull later entries of the probe run into the
    // hole unless that would move one before its home slot.
    const size_t mask = Mask();
    size_t hole = slot;
    for (size_t i = (slot + 1) & mask; table_[i].entry != 0;
         i = (i + 1) & mask) {
      const size_t home = table_[i].tag & mask;
      // Distance from home to i versus from home to the hole, both taken
      // forward around the table: the entry may move if the hole lies on
      // its probe path.
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        table_[hole] = table_[i];
        hole = i;
      }
    }
    table_[hole] = Slot{};
    return value;
  }

  void Resize(size_t size) STRATA_REQUIRES(mu_) {
    std::vector<Slot> old = std::move(table_);
    table_.assign(size, Slot{});
    const size_t mask = size - 1;
    for (const Slot& s : old) {
      if (s.entry == 0) continue;
      size_t i = s.tag & mask;
      while (table_[i].entry != 0) i = (i + 1) & mask;
      table_[i] = s;
    }
  }

  Mutex mu_;
  size_t capacity_ STRATA_GUARDED_BY(mu_) = 0;
  size_t usage_ STRATA_GUARDED_BY(mu_) = 0;
  std::vector<Entry> entries_ STRATA_GUARDED_BY(mu_);
  std::vector<uint32_t> free_ STRATA_GUARDED_BY(mu_);
  std::vector<Slot> table_ STRATA_GUARDED_BY(mu_);
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

BlockCache::BlockCache(size_t capacity, int num_shard_bits)
    : capacity_(capacity),
      num_shard_bits_(std::clamp(num_shard_bits, 0, kMaxShardBits)),
      shards_(std::make_unique<Shard[]>(size_t{1} << num_shard_bits_)) {
  const size_t num_shards = size_t{1} << num_shard_bits_;
  const size_t per_shard = capacity >> num_shard_bits_;
  for (size_t i = 0; i + 1 < num_shards; ++i) {
    shards_[i].SetCapacity(per_shard);
  }
  // The last shard takes the remainder, so the shards add up to capacity.
  shards_[num_shards - 1].SetCapacity(capacity - per_shard * (num_shards - 1));
  size_t slots = 64;
  while (slots < capacity / 4096 && slots < (size_t{1} << 22)) slots <<= 1;
  ghosts_ = std::make_unique<std::atomic<uint64_t>[]>(slots);
  for (size_t i = 0; i < slots; ++i) {
    ghosts_[i].store(0, std::memory_order_relaxed);
  }
  ghost_mask_ = slots - 1;
}

bool BlockCache::AdmitOnRepeat(const BlockCacheKey& key) {
  const uint64_t hash = HashKey(key);
  const uint64_t tag = hash | 1;  // never the empty 0
  // relaxed: a heuristic; a lost or torn race only delays an admission.
  std::atomic<uint64_t>& slot = ghosts_[hash & ghost_mask_];
  if (slot.load(std::memory_order_relaxed) == tag) {
    slot.store(0, std::memory_order_relaxed);
    return true;
  }
  slot.store(tag, std::memory_order_relaxed);
  return false;
}

BlockCache::~BlockCache() = default;

BlockCache::Shard& BlockCache::ShardFor(uint64_t hash) {
  if (num_shard_bits_ == 0) return shards_[0];
  // The top bits pick the shard; the hash table inside uses the low ones.
  return shards_[hash >> (64 - num_shard_bits_)];
}

std::shared_ptr<const void> BlockCache::Lookup(const BlockCacheKey& key) {
  const uint64_t hash = HashKey(key);
  return ShardFor(hash).Lookup(key, hash);
}

void BlockCache::Insert(const BlockCacheKey& key,
                        std::shared_ptr<const void> value, size_t charge) {
  const uint64_t hash = HashKey(key);
  ShardFor(hash).Insert(key, hash, std::move(value), charge);
}

void BlockCache::Erase(const BlockCacheKey& key) {
  const uint64_t hash = HashKey(key);
  ShardFor(hash).Erase(key, hash);
}

size_t BlockCache::Usage() const {
  // Each shard stays within its own capacity and the shard capacities sum
  // to capacity_, so the total never exceeds it, even though the shards are
  // read one after another rather than at one instant.
  size_t total = 0;
  const size_t num_shards = size_t{1} << num_shard_bits_;
  for (size_t i = 0; i < num_shards; ++i) total += shards_[i].Usage();
  return total;
}

size_t BlockCache::EntryCount() const {
  size_t total = 0;
  const size_t num_shards = size_t{1} << num_shard_bits_;
  for (size_t i = 0; i < num_shards; ++i) total += shards_[i].EntryCount();
  return total;
}

uint64_t BlockCache::Hits() const {
  uint64_t total = 0;
  const size_t num_shards = size_t{1} << num_shard_bits_;
  for (size_t i = 0; i < num_shards; ++i) total += shards_[i].Hits();
  return total;
}

uint64_t BlockCache::Misses() const {
  uint64_t total = 0;
  const size_t num_shards = size_t{1} << num_shard_bits_;
  for (size_t i = 0; i < num_shards; ++i) total += shards_[i].Misses();
  return total;
}

}  // namespace strata::internal
