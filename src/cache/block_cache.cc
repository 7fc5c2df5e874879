#include "cache/block_cache.h"

#include <algorithm>
#include <cassert>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace strata::internal {
namespace {

// More shards than this only wastes memory: 2^20 mutexes and maps would
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

struct KeyHash {
  size_t operator()(const BlockCacheKey& key) const {
    return static_cast<size_t>(HashKey(key));
  }
};

struct KeyEqual {
  bool operator()(const BlockCacheKey& a, const BlockCacheKey& b) const {
    return a.id == b.id && a.offset == b.offset;
  }
};

}  // namespace

// One LRU partition of the cache with its own lock.
//
// Invariants (under mu_):
//  1. index_ holds exactly one iterator per element of lru_, keyed by the
//     element's key.
//  2. usage_ is the sum of the charges of lru_'s elements, and
//     usage_ <= capacity_.
//  3. lru_ runs from most (front) to least (back) recently used.
//
// Aligned to a cache line so that neighbouring shards' mutexes and counters
// do not share one.
class alignas(64) BlockCache::Shard {
 public:
  Shard() = default;
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Called once, by the BlockCache constructor, before the shard is shared.
  void SetCapacity(size_t capacity) {
    MutexLock lock(&mu_);
    capacity_ = capacity;
  }

  std::shared_ptr<const void> Lookup(const BlockCacheKey& key) {
    std::shared_ptr<const void> result;
    {
      MutexLock lock(&mu_);
      auto it = index_.find(key);
      if (it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        result = it->second->value;
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

  void Insert(const BlockCacheKey& key, std::shared_ptr<const void> value,
              size_t charge) {
    // Values dropped by this insert. They are released only after the lock
    // is gone, because dropping the last reference runs the value's
    // destructor, which may be arbitrarily expensive.
    std::vector<std::shared_ptr<const void>> dropped;
    MutexLock lock(&mu_);
    auto existing = index_.find(key);
    if (existing != index_.end()) {
      // The old value is stale once a new one is offered, even when the new
      // one is too large to keep, so it goes either way.
      dropped.push_back(RemoveLocked(existing));
    }
    // A zero-capacity shard caches nothing, not even zero-charge entries.
    if (capacity_ == 0 || charge > capacity_) return;
    // A subtraction, so that it cannot overflow (usage_ <= capacity_).
    while (charge > capacity_ - usage_) {
      assert(!lru_.empty());  // usage_ > 0 implies an entry to evict
      dropped.push_back(RemoveLocked(index_.find(lru_.back().key)));
    }
    lru_.push_front(Entry{key, std::move(value), charge});
    index_.emplace(key, lru_.begin());
    usage_ += charge;
  }

  void Erase(const BlockCacheKey& key) {
    std::shared_ptr<const void> dropped;  // released after unlocking
    MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) dropped = RemoveLocked(it);
  }

  size_t Usage() {
    MutexLock lock(&mu_);
    return usage_;
  }

  size_t EntryCount() {
    MutexLock lock(&mu_);
    return index_.size();
  }

  uint64_t Hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t Misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    BlockCacheKey key;
    std::shared_ptr<const void> value;
    size_t charge;
  };
  using LruList = std::list<Entry>;
  using Index =
      std::unordered_map<BlockCacheKey, LruList::iterator, KeyHash, KeyEqual>;

  // Unlinks the entry at `it` and returns its value, so that the caller can
  // release it outside the lock.
  std::shared_ptr<const void> RemoveLocked(Index::iterator it)
      STRATA_REQUIRES(mu_) {
    LruList::iterator entry = it->second;
    std::shared_ptr<const void> value = std::move(entry->value);
    usage_ -= entry->charge;
    index_.erase(it);
    lru_.erase(entry);
    return value;
  }

  Mutex mu_;
  size_t capacity_ STRATA_GUARDED_BY(mu_) = 0;
  size_t usage_ STRATA_GUARDED_BY(mu_) = 0;
  LruList lru_ STRATA_GUARDED_BY(mu_);
  Index index_ STRATA_GUARDED_BY(mu_);
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
}

BlockCache::~BlockCache() = default;

BlockCache::Shard& BlockCache::ShardFor(const BlockCacheKey& key) {
  if (num_shard_bits_ == 0) return shards_[0];
  // The top bits pick the shard; the hash table inside uses the low ones.
  return shards_[HashKey(key) >> (64 - num_shard_bits_)];
}

std::shared_ptr<const void> BlockCache::Lookup(const BlockCacheKey& key) {
  return ShardFor(key).Lookup(key);
}

void BlockCache::Insert(const BlockCacheKey& key,
                        std::shared_ptr<const void> value, size_t charge) {
  ShardFor(key).Insert(key, std::move(value), charge);
}

void BlockCache::Erase(const BlockCacheKey& key) { ShardFor(key).Erase(key); }

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
