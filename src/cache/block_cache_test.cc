#include "cache/block_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "base/random.h"

namespace strata::internal {
namespace {

// $STRATA_SEED if set, else `fallback`; printed so a failure can be replayed.
// (This test links only base..cache, so it cannot use testing/.)
uint64_t Seed(uint64_t fallback) {
  const char* env = std::getenv("STRATA_SEED");
  const uint64_t seed =
      env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
  std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// A cached value that remembers its own charge, so that a test can add up
// the charges of whatever is still cached.
struct Value {
  uint64_t tag;
  size_t charge;
};

std::shared_ptr<const void> MakeValue(uint64_t tag, size_t charge = 1) {
  return std::make_shared<const Value>(Value{tag, charge});
}

// The tag of `value`, or -1 for nullptr.
int64_t TagOf(const std::shared_ptr<const void>& value) {
  if (value == nullptr) return -1;
  return static_cast<int64_t>(static_cast<const Value*>(value.get())->tag);
}

BlockCacheKey Key(uint64_t id, uint64_t offset) {
  return BlockCacheKey{id, offset};
}

TEST(BlockCacheTest, InsertLookupErase) {
  BlockCache cache(1000, 2);
  EXPECT_EQ(cache.capacity(), 1000u);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), -1);

  cache.Insert(Key(1, 0), MakeValue(10), 5);
  cache.Insert(Key(1, 4096), MakeValue(11), 7);
  cache.Insert(Key(2, 0), MakeValue(20), 9);
  EXPECT_EQ(cache.Usage(), 21u);
  EXPECT_EQ(cache.EntryCount(), 3u);

  // Ids and offsets are both part of the key.
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 10);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 4096))), 11);
  EXPECT_EQ(TagOf(cache.Lookup(Key(2, 0))), 20);
  EXPECT_EQ(TagOf(cache.Lookup(Key(2, 4096))), -1);
  EXPECT_EQ(TagOf(cache.Lookup(Key(0, 0))), -1);

  cache.Erase(Key(1, 4096));
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 4096))), -1);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 10);
  EXPECT_EQ(cache.Usage(), 14u);
  EXPECT_EQ(cache.EntryCount(), 2u);

  // Erasing a missing key is harmless.
  cache.Erase(Key(7, 7));
  EXPECT_EQ(cache.Usage(), 14u);
  EXPECT_EQ(cache.EntryCount(), 2u);

  cache.Erase(Key(1, 0));
  cache.Erase(Key(2, 0));
  EXPECT_EQ(cache.Usage(), 0u);
  EXPECT_EQ(cache.EntryCount(), 0u);
}

TEST(BlockCacheTest, EvictsLeastRecentlyUsed) {
  // One shard, so that the LRU order is global.
  BlockCache cache(100, 0);
  for (uint64_t i = 0; i < 10; ++i) {
    cache.Insert(Key(1, i), MakeValue(i), 10);
  }
  EXPECT_EQ(cache.Usage(), 100u);
  // Touch 0 and 2: now 1 is the least recently used, then 3, 4, ...
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 0);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 2))), 2);

  cache.Insert(Key(1, 10), MakeValue(10), 10);  // evicts 1
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 1))), -1);
  cache.Insert(Key(1, 11), MakeValue(11), 25);  // evicts 3, 4, 5
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 3))), -1);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 4))), -1);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 5))), -1);

  for (uint64_t i : {0, 2, 6, 7, 8, 9, 10, 11}) {
    EXPECT_EQ(TagOf(cache.Lookup(Key(1, i))), static_cast<int64_t>(i)) << i;
  }
  EXPECT_EQ(cache.Usage(), 95u);
  EXPECT_EQ(cache.EntryCount(), 8u);
}

TEST(BlockCacheTest, OversizedEntryIsNotCached) {
  BlockCache cache(100, 0);
  cache.Insert(Key(1, 0), MakeValue(0), 40);
  cache.Insert(Key(1, 1), MakeValue(1), 101);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 1))), -1);
  // Nothing was evicted to make room for it.
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 0);
  EXPECT_EQ(cache.Usage(), 40u);
  EXPECT_EQ(cache.EntryCount(), 1u);

  // Exactly the capacity fits (and evicts everything else).
  cache.Insert(Key(1, 2), MakeValue(2), 100);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 2))), 2);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), -1);
  EXPECT_EQ(cache.Usage(), 100u);
}

TEST(BlockCacheTest, OversizedForItsShardIsNotCached) {
  // 4 shards of 25 bytes: 30 bytes fit the cache but no shard.
  BlockCache cache(100, 2);
  for (uint64_t i = 0; i < 64; ++i) {
    cache.Insert(Key(i, 0), MakeValue(i), 30);
  }
  EXPECT_EQ(cache.Usage(), 0u);
  EXPECT_EQ(cache.EntryCount(), 0u);
  for (uint64_t i = 0; i < 64; ++i) {
    cache.Insert(Key(i, 0), MakeValue(i), 25);
  }
  EXPECT_LE(cache.Usage(), 100u);
  EXPECT_GT(cache.Usage(), 0u);
}

TEST(BlockCacheTest, LastShardTakesTheRemainder) {
  // 103 = 4 * 25 + 3: three shards of 25 and one of 28. Fill every shard with
  // 1-byte entries; the shards then hold exactly 103 bytes in all.
  BlockCache cache(103, 2);
  for (uint64_t i = 0; i < 4000; ++i) {
    cache.Insert(Key(i, i * 4096), MakeValue(i), 1);
  }
  EXPECT_EQ(cache.Usage(), 103u);
  EXPECT_EQ(cache.EntryCount(), 103u);
}

TEST(BlockCacheTest, ZeroCapacityCachesNothing) {
  BlockCache cache(0, 3);
  cache.Insert(Key(1, 0), MakeValue(0), 1);
  cache.Insert(Key(1, 1), MakeValue(1), 0);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), -1);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 1))), -1);
  EXPECT_EQ(cache.Usage(), 0u);
  EXPECT_EQ(cache.EntryCount(), 0u);
  EXPECT_EQ(cache.Misses(), 2u);
}

TEST(BlockCacheTest, ReplacementUpdatesUsage) {
  BlockCache cache(100, 0);
  cache.Insert(Key(1, 0), MakeValue(1), 30);
  cache.Insert(Key(1, 8), MakeValue(2), 20);
  EXPECT_EQ(cache.Usage(), 50u);

  cache.Insert(Key(1, 0), MakeValue(3), 10);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 3);
  EXPECT_EQ(cache.Usage(), 30u);
  EXPECT_EQ(cache.EntryCount(), 2u);

  // Growing an entry to the whole capacity evicts the other one, not itself.
  cache.Insert(Key(1, 0), MakeValue(4), 100);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), 4);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 8))), -1);
  EXPECT_EQ(cache.Usage(), 100u);
  EXPECT_EQ(cache.EntryCount(), 1u);

  // A replacement too large to cache still drops the stale value.
  cache.Insert(Key(1, 0), MakeValue(5), 101);
  EXPECT_EQ(TagOf(cache.Lookup(Key(1, 0))), -1);
  EXPECT_EQ(cache.Usage(), 0u);
  EXPECT_EQ(cache.EntryCount(), 0u);
}

// A value that counts the live instances of its type in `*live`.
struct Tracked {
  Tracked(uint64_t t, int* l) : tag(t), live(l) { ++*live; }
  ~Tracked() { --*live; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  uint64_t tag;
  int* live;
};

int64_t TrackedTag(const std::shared_ptr<const void>& value) {
  if (value == nullptr) return -1;
  return static_cast<int64_t>(static_cast<const Tracked*>(value.get())->tag);
}

TEST(BlockCacheTest, EvictedEntryHeldByCallerStaysAlive) {
  BlockCache cache(10, 0);
  int live = 0;
  auto make_tracked = [&live](uint64_t tag) -> std::shared_ptr<const void> {
    return std::make_shared<const Tracked>(tag, &live);
  };

  cache.Insert(Key(1, 0), make_tracked(0), 10);
  std::shared_ptr<const void> held = cache.Lookup(Key(1, 0));
  std::weak_ptr<const void> watch_held = held;
  ASSERT_EQ(TrackedTag(held), 0);

  cache.Insert(Key(1, 1), make_tracked(1), 10);  // evicts 0
  std::weak_ptr<const void> watch_unheld = cache.Lookup(Key(1, 1));
  EXPECT_EQ(TrackedTag(cache.Lookup(Key(1, 0))), -1);
  EXPECT_EQ(live, 2);
  EXPECT_FALSE(watch_held.expired());
  EXPECT_EQ(TrackedTag(held), 0);  // still readable after eviction

  held.reset();
  EXPECT_TRUE(watch_held.expired());
  EXPECT_EQ(live, 1);

  // An entry nobody holds is freed by eviction itself.
  cache.Insert(Key(1, 2), make_tracked(2), 10);
  EXPECT_TRUE(watch_unheld.expired());
  EXPECT_EQ(live, 1);

  // Erase and destruction drop the cache's references too.
  std::weak_ptr<const void> watch_last = cache.Lookup(Key(1, 2));
  EXPECT_FALSE(watch_last.expired());
  cache.Erase(Key(1, 2));
  EXPECT_TRUE(watch_last.expired());
  EXPECT_EQ(live, 0);
  {
    BlockCache other(100, 1);
    other.Insert(Key(9, 0), make_tracked(3), 10);
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(BlockCacheTest, HitAndMissCountsAreExact) {
  BlockCache cache(1000, 3);
  EXPECT_EQ(cache.Hits(), 0u);
  EXPECT_EQ(cache.Misses(), 0u);
  for (uint64_t i = 0; i < 50; ++i) cache.Insert(Key(3, i), MakeValue(i), 1);
  uint64_t hits = 0;
  uint64_t misses = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    if (cache.Lookup(Key(3, i)) != nullptr) {
      ++hits;
    } else {
      ++misses;
    }
  }
  EXPECT_EQ(hits, 50u);
  EXPECT_EQ(misses, 150u);
  EXPECT_EQ(cache.Hits(), 50u);
  EXPECT_EQ(cache.Misses(), 150u);
  // Insert and Erase count neither.
  cache.Insert(Key(3, 0), MakeValue(0), 1);
  cache.Erase(Key(3, 1));
  EXPECT_EQ(cache.Hits(), 50u);
  EXPECT_EQ(cache.Misses(), 150u);
}

// Checks that the cache holds exactly the entries whose charges add up to
// Usage(), by looking up every key ever inserted. Returns the number found.
size_t CheckConsistent(BlockCache* cache, const std::set<uint64_t>& ids) {
  size_t found = 0;
  size_t charged = 0;
  for (uint64_t id : ids) {
    std::shared_ptr<const void> v = cache->Lookup(Key(id, id * 7));
    if (v != nullptr) {
      ++found;
      const auto* value = static_cast<const Value*>(v.get());
      EXPECT_EQ(value->tag, id);
      charged += value->charge;
    }
  }
  EXPECT_EQ(found, cache->EntryCount());
  EXPECT_EQ(charged, cache->Usage());
  return found;
}

TEST(BlockCacheTest, RandomOpsNeverExceedCapacity) {
  Random rnd(Seed(301));
  for (int shard_bits : {0, 1, 3}) {
    const size_t capacity = 1000 + rnd.Uniform(5000);
    BlockCache cache(capacity, shard_bits);
    const size_t shard_capacity = capacity >> shard_bits;
    const size_t last_shard_capacity =
        capacity - shard_capacity * ((size_t{1} << shard_bits) - 1);
    std::set<uint64_t> ids;
    for (int op = 0; op < 5000; ++op) {
      const uint64_t id = rnd.Uniform(300);
      const int kind = static_cast<int>(rnd.Uniform(10));
      if (kind < 6) {
        // Mostly small, sometimes near or above a shard's capacity.
        const size_t charge = rnd.OneIn(20)
                                  ? shard_capacity - 5 + rnd.Uniform(10)
                                  : rnd.Skewed(8);
        cache.Insert(Key(id, id * 7), MakeValue(id, charge), charge);
        ids.insert(id);
        if (charge > last_shard_capacity) {
          // Larger than every shard: never cached.
          EXPECT_EQ(TagOf(cache.Lookup(Key(id, id * 7))), -1);
        }
      } else if (kind < 9) {
        std::shared_ptr<const void> v = cache.Lookup(Key(id, id * 7));
        if (v != nullptr) {
          EXPECT_EQ(TagOf(v), static_cast<int64_t>(id));
        }
      } else {
        cache.Erase(Key(id, id * 7));
        EXPECT_EQ(TagOf(cache.Lookup(Key(id, id * 7))), -1);
      }
      ASSERT_LE(cache.Usage(), capacity) << "op " << op;
    }
    CheckConsistent(&cache, ids);
  }
}

// One shard against a reference LRU list: after every operation the cache
// holds exactly the model's entries, and evicts exactly the model's victims.
// The key universe is several times what fits, so the index table fills,
// grows and has entries removed from the middle of probe runs all the time.
TEST(BlockCacheTest, SingleShardMatchesReferenceLru) {
  Random rnd(Seed(305));
  for (const size_t capacity : {size_t{40}, size_t{300}, size_t{2000}}) {
    BlockCache cache(capacity, 0);
    struct ModelEntry {
      uint64_t id;
      size_t charge;
      uint64_t tag;
    };
    std::list<ModelEntry> lru;  // most recently used first
    size_t usage = 0;
    const auto find = [&lru](uint64_t id) {
      return std::find_if(lru.begin(), lru.end(),
                          [id](const ModelEntry& e) { return e.id == id; });
    };
    const uint64_t universe = capacity;  // about 3x what fits
    uint64_t next_tag = 1;
    for (int op = 0; op < 30000; ++op) {
      const uint64_t id = rnd.Uniform(universe);
      const BlockCacheKey key = Key(id % 7, id * 4096);
      const int kind = static_cast<int>(rnd.Uniform(10));
      if (kind < 5) {
        const size_t charge = rnd.OneIn(50) ? capacity + 1 : 1 + rnd.Uniform(5);
        const uint64_t tag = next_tag++;
        cache.Insert(key, MakeValue(tag, charge), charge);
        auto it = find(id);
        if (it != lru.end()) {
          usage -= it->charge;
          lru.erase(it);
        }
        if (charge <= capacity) {
          while (usage + charge > capacity) {
            usage -= lru.back().charge;
            lru.pop_back();
          }
          lru.push_front(ModelEntry{id, charge, tag});
          usage += charge;
        }
      } else if (kind < 9) {
        auto it = find(id);
        const int64_t got = TagOf(cache.Lookup(key));
        if (it == lru.end()) {
          ASSERT_EQ(got, -1) << "op " << op << " id " << id;
        } else {
          ASSERT_EQ(got, static_cast<int64_t>(it->tag)) << "op " << op;
          lru.splice(lru.begin(), lru, it);
        }
      } else {
        cache.Erase(key);
        auto it = find(id);
        if (it != lru.end()) {
          usage -= it->charge;
          lru.erase(it);
        }
      }
      ASSERT_EQ(cache.Usage(), usage) << "op " << op;
      ASSERT_EQ(cache.EntryCount(), lru.size()) << "op " << op;
    }
    // Every model entry is present with its value (this refreshes them all,
    // in an order the model need not follow any more).
    for (const ModelEntry& e : lru) {
      EXPECT_EQ(TagOf(cache.Lookup(Key(e.id % 7, e.id * 4096))),
                static_cast<int64_t>(e.tag));
    }
  }
}

TEST(BlockCacheTest, ConcurrentInsertAndLookup) {
  const uint64_t seed = Seed(302);
  constexpr size_t kCapacity = 4096;
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 10000;
  constexpr uint64_t kKeys = 500;
  BlockCache cache(kCapacity, 2);
  std::atomic<uint64_t> lookups{0};
  std::atomic<bool> over_capacity{false};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Random rnd(seed + static_cast<uint64_t>(t));
      uint64_t my_lookups = 0;
      for (int op = 0; op < kOpsPerThread; ++op) {
        const uint64_t id = rnd.Uniform(kKeys);
        const int kind = static_cast<int>(rnd.Uniform(10));
        if (kind < 4) {
          const size_t charge = 1 + rnd.Uniform(64);
          cache.Insert(Key(id, id * 7), MakeValue(id, charge), charge);
        } else if (kind < 9) {
          std::shared_ptr<const void> v = cache.Lookup(Key(id, id * 7));
          ++my_lookups;
          if (v != nullptr && TagOf(v) != static_cast<int64_t>(id)) {
            ADD_FAILURE() << "wrong value for " << id;
          }
        } else {
          cache.Erase(Key(id, id * 7));
        }
        if (op % 64 == 0 && cache.Usage() > kCapacity) {
          // relaxed: read only after join().
          over_capacity.store(true, std::memory_order_relaxed);
        }
      }
      lookups.fetch_add(my_lookups, std::memory_order_relaxed);
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_FALSE(over_capacity.load(std::memory_order_relaxed));
  EXPECT_LE(cache.Usage(), kCapacity);
  EXPECT_EQ(cache.Hits() + cache.Misses(), lookups.load());
  std::set<uint64_t> ids;
  for (uint64_t id = 0; id < kKeys; ++id) ids.insert(id);
  EXPECT_GT(CheckConsistent(&cache, ids), 0u);
}

TEST(BlockCacheTest, NewIdIsUniqueAcrossThreads) {
  BlockCache cache(0);
  constexpr int kThreads = 4;
  constexpr int kIdsPerThread = 5000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &got, t] {
      for (int i = 0; i < kIdsPerThread; ++i) got[t].push_back(cache.NewId());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& ids : got) {
    // Each thread sees its own ids increase.
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), size_t{kThreads} * kIdsPerThread);
  EXPECT_EQ(all.count(0), 0u);  // 0 is the default-constructed key's id
}

}  // namespace
}  // namespace strata::internal
