#include "memtable/skiplist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/arena.h"
#include "base/coding.h"
#include "base/random.h"

namespace strata::internal {
namespace {

// $STRATA_SEED if set, else `fallback`; printed so a failure can be replayed.
// (This test links only base..memtable, so it cannot use testing/.)
uint64_t Seed(uint64_t fallback) {
  const char* env = std::getenv("STRATA_SEED");
  const uint64_t seed =
      env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
  std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

struct U64Compare {
  int operator()(const uint64_t& a, const uint64_t& b) const {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
};

struct ReverseU64Compare {
  int operator()(const uint64_t& a, const uint64_t& b) const {
    return U64Compare()(b, a);
  }
};

using U64List = SkipList<uint64_t, U64Compare>;

std::vector<uint64_t> ForwardScan(const U64List& list) {
  std::vector<uint64_t> out;
  U64List::Iterator it(&list);
  for (it.SeekToFirst(); it.Valid(); it.Next()) out.push_back(it.key());
  return out;
}

std::vector<uint64_t> BackwardScan(const U64List& list) {
  std::vector<uint64_t> out;
  U64List::Iterator it(&list);
  for (it.SeekToLast(); it.Valid(); it.Prev()) out.push_back(it.key());
  return out;
}

// "" if Seek(target) and Contains(target) agree with `model`, else what
// went wrong.
std::string SeekMismatch(const U64List& list, const std::set<uint64_t>& model,
                         uint64_t target) {
  U64List::Iterator it(&list);
  it.Seek(target);
  const auto want = model.lower_bound(target);
  const std::string at = " at target " + std::to_string(target);
  if (it.Valid() != (want != model.end())) return "Seek validity" + at;
  if (it.Valid() && it.key() != *want) return "Seek key" + at;
  if (list.Contains(target) != (model.count(target) == 1)) {
    return "Contains" + at;
  }
  return "";
}

TEST(SkipListTest, EmptyListHasNoEntries) {
  Arena arena;
  U64List list(U64Compare(), &arena);
  EXPECT_FALSE(list.Contains(0));
  EXPECT_FALSE(list.Contains(10));

  U64List::Iterator it(&list);
  EXPECT_FALSE(it.Valid());
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(100);
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev(100);
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev(0);
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, SingleEntryNextAndPrevLeaveTheList) {
  Arena arena;
  U64List list(U64Compare(), &arena);
  list.Insert(42);
  EXPECT_TRUE(list.Contains(42));
  EXPECT_FALSE(list.Contains(41));
  EXPECT_FALSE(list.Contains(43));

  U64List::Iterator it(&list);
  it.SeekToFirst();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 42u);
  it.Next();
  EXPECT_FALSE(it.Valid());

  it.SeekToLast();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 42u);
  it.Prev();
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, InsertAndContainsMatchModel) {
  Random rnd(Seed(301));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  constexpr uint64_t kRange = 10000;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t key = rnd.Uniform(kRange);
    if (model.insert(key).second) list.Insert(key);
  }
  ASSERT_GT(model.size(), 3000u);  // enough entries for several levels
  for (uint64_t key = 0; key < kRange + 2; ++key) {
    ASSERT_EQ(list.Contains(key), model.count(key) == 1) << "key " << key;
  }
}

// Inserts in ascending order take the append path (after the last node of
// every level); mixing them with inserts before the end, at the front and
// in descending runs must leave every level correctly linked, which Seek
// (descending through the upper levels) and both scans check.
TEST(SkipListTest, AscendingRunsMixedWithOtherInsertsMatchModel) {
  Random rnd(Seed(303));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  const auto insert = [&](uint64_t key) {
    if (model.insert(key).second) list.Insert(key);
  };
  uint64_t next = 1000000;
  for (int round = 0; round < 40; ++round) {
    int run = 1 + static_cast<int>(rnd.Uniform(300));
    switch (rnd.Uniform(4)) {
      case 0:  // ascending past the end
        for (int i = 0; i < run; ++i) insert(next += 1 + rnd.Uniform(3));
        break;
      case 1:  // random, mostly before the end
        for (int i = 0; i < run; ++i) insert(rnd.Uniform(next + 10));
        break;
      case 2:  // descending, below everything so far
        for (int i = 0; i < run; ++i) insert(rnd.Uniform(1000));
        break;
      default:  // ascending from the middle (before the end)
        for (uint64_t k = rnd.Uniform(next); k < next && run-- > 0; k += 7) {
          insert(k);
        }
        break;
    }
  }
  ASSERT_GT(model.size(), 2000u);
  EXPECT_EQ(ForwardScan(list),
            std::vector<uint64_t>(model.begin(), model.end()));
  EXPECT_EQ(BackwardScan(list),
            std::vector<uint64_t>(model.rbegin(), model.rend()));
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(SeekMismatch(list, model, rnd.Uniform(next + 100)), "");
  }
}

TEST(SkipListTest, ForwardAndBackwardIterationMatchModel) {
  Random rnd(Seed(302));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  for (int i = 0; i < 4000; ++i) {
    // Full 64-bit keys, including the extremes.
    const uint64_t key = i == 0 ? 0 : (i == 1 ? UINT64_MAX : rnd.Next64());
    if (model.insert(key).second) list.Insert(key);
  }
  const std::vector<uint64_t> forward(model.begin(), model.end());
  const std::vector<uint64_t> backward(model.rbegin(), model.rend());
  EXPECT_EQ(ForwardScan(list), forward);
  EXPECT_EQ(BackwardScan(list), backward);
}

// A long forward scan is read ahead (Iterator::ReadAheadNodes): from the
// first node and from any Seek, the lanes ask for about as many nodes as
// the scan reaches (a read-ahead whose lanes stop, their ring stuck
// behind the scan, asks for a few hundred); a short scan, and any scan
// after Prev, SeekToLast or SeekForPrev, is not read ahead. The scans
// still match the model. (The count cannot tell a node asked for ahead of
// the scan from one behind it; the timings in docs/benchmarks.md can.)
TEST(SkipListTest, LongScansAreReadAhead) {
  Random rnd(Seed(311));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  while (model.size() < 20000) {
    const uint64_t key = rnd.Next64();
    if (model.insert(key).second) list.Insert(key);
  }
  U64List::Iterator it(&list);
  size_t n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next()) ++n;
  EXPECT_EQ(n, model.size());
  // All but the first few, and those a lane had not reached when the
  // scan did (about 90 % in all).
  EXPECT_GE(it.ReadAheadNodes(), model.size() * 3 / 4);

  for (int round = 0; round < 50; ++round) {
    const uint64_t target = rnd.Next64();
    auto want = model.lower_bound(target);
    it.Seek(target);
    size_t steps = 0;
    for (; it.Valid() && steps < 3000; it.Next(), ++want, ++steps) {
      ASSERT_NE(want, model.end());
      ASSERT_EQ(it.key(), *want) << "round " << round << " step " << steps;
    }
    ASSERT_EQ(it.Valid(), want != model.end());
    if (steps == 3000) {
      EXPECT_GE(it.ReadAheadNodes(), steps * 3 / 4) << "round " << round;
    }
    // Short scans and backward moves: none.
    it.Seek(rnd.Next64());
    for (int i = 0; i < 7 && it.Valid(); ++i) it.Next();
    EXPECT_EQ(it.ReadAheadNodes(), 0u);
    it.SeekForPrev(rnd.Next64());
    for (int i = 0; i < 100 && it.Valid(); ++i) it.Next();
    EXPECT_EQ(it.ReadAheadNodes(), 0u);
    it.Seek(rnd.Next64());
    if (it.Valid()) {
      it.Prev();
      for (int i = 0; i < 100 && it.Valid(); ++i) it.Next();
      EXPECT_EQ(it.ReadAheadNodes(), 0u);
    }
  }
  it.SeekToLast();
  for (int i = 0; i < 50 && it.Valid(); ++i) it.Prev();
  for (int i = 0; i < 100 && it.Valid(); ++i) it.Next();
  EXPECT_EQ(it.ReadAheadNodes(), 0u);
}

TEST(SkipListTest, SeekAndSeekForPrevAtBetweenAndOutsideKeys) {
  Arena arena;
  U64List list(U64Compare(), &arena);
  for (uint64_t key : {30, 10, 50, 20, 40}) list.Insert(key);
  U64List::Iterator it(&list);

  struct Case {
    uint64_t target;
    bool seek_valid;
    uint64_t seek_key;
    bool prev_valid;
    uint64_t prev_key;
  };
  const Case cases[] = {
      {0, true, 10, false, 0},           // before the first key
      {9, true, 10, false, 0},           // just before the first key
      {10, true, 10, true, 10},          // at the first key
      {11, true, 20, true, 10},          // between keys
      {25, true, 30, true, 20},          // between keys
      {30, true, 30, true, 30},          // at a middle key
      {49, true, 50, true, 40},          // just before the last key
      {50, true, 50, true, 50},          // at the last key
      {51, false, 0, true, 50},          // just after the last key
      {UINT64_MAX, false, 0, true, 50},  // far after the last key
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("target " + std::to_string(c.target));
    it.Seek(c.target);
    ASSERT_EQ(it.Valid(), c.seek_valid);
    if (c.seek_valid) {
      EXPECT_EQ(it.key(), c.seek_key);
    }
    it.SeekForPrev(c.target);
    ASSERT_EQ(it.Valid(), c.prev_valid);
    if (c.prev_valid) {
      EXPECT_EQ(it.key(), c.prev_key);
    }
  }

  // Moving after a seek continues from the sought position.
  it.Seek(25);
  it.Next();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 40u);
  it.SeekForPrev(25);
  it.Prev();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 10u);
}

TEST(SkipListTest, SeekAndSeekForPrevMatchModelForEveryTarget) {
  Random rnd(Seed(303));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  constexpr uint64_t kRange = 6000;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t key = 1 + rnd.Uniform(kRange);  // leave 0 absent
    if (model.insert(key).second) list.Insert(key);
  }
  U64List::Iterator it(&list);
  for (uint64_t target = 0; target <= kRange + 2; ++target) {
    const auto ge = model.lower_bound(target);
    it.Seek(target);
    ASSERT_EQ(it.Valid(), ge != model.end()) << "Seek " << target;
    if (it.Valid()) {
      ASSERT_EQ(it.key(), *ge) << "Seek " << target;
    }

    const auto gt = model.upper_bound(target);
    it.SeekForPrev(target);
    ASSERT_EQ(it.Valid(), gt != model.begin()) << "SeekForPrev " << target;
    if (it.Valid()) {
      ASSERT_EQ(it.key(), *std::prev(gt)) << "SeekForPrev " << target;
    }
  }
}

TEST(SkipListTest, OrderComesFromTheComparator) {
  Arena arena;
  SkipList<uint64_t, ReverseU64Compare> list(ReverseU64Compare(), &arena);
  for (uint64_t key : {2, 5, 1, 4, 3}) list.Insert(key);
  std::vector<uint64_t> seen;
  SkipList<uint64_t, ReverseU64Compare>::Iterator it(&list);
  for (it.SeekToFirst(); it.Valid(); it.Next()) seen.push_back(it.key());
  EXPECT_EQ(seen, (std::vector<uint64_t>{5, 4, 3, 2, 1}));
  it.Seek(3);  // first entry "at or after" 3 in descending order
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 3u);
  it.Prev();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), 4u);
}

// ---- Concurrency ------------------------------------------------------------
//
// Keys are `const char*` into the arena, as in the memtable. Each entry is
// 24 bytes: fixed64 logical key k, fixed64 generation g (1, 2, ... per k),
// fixed64 Check(k, g). Entries sort by (k, g). A reader that reached a node
// whose bytes were not yet written would see a wrong check value.

constexpr uint64_t kNumLogicalKeys = 8;
constexpr size_t kEntrySize = 24;

uint64_t Check(uint64_t k, uint64_t g) {
  // splitmix64 finaliser over a combination of both fields.
  uint64_t z = k * 0x9e3779b97f4a7c15ull + g + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct EntryCompare {
  int operator()(const char* a, const char* b) const {
    const uint64_t ka = DecodeFixed64(a);
    const uint64_t kb = DecodeFixed64(b);
    if (ka != kb) return ka < kb ? -1 : 1;
    const uint64_t ga = DecodeFixed64(a + 8);
    const uint64_t gb = DecodeFixed64(b + 8);
    if (ga != gb) return ga < gb ? -1 : 1;
    return 0;
  }
};

using EntryList = SkipList<const char*, EntryCompare>;

// InsertAscending: sorted groups of every shape (one key, dense runs,
// sparse random keys spanning the list, keys before the first and after
// the last node), mixed with single Inserts, leave every level correctly
// linked: scans, Seek (which descends through the upper levels) and
// Contains all match the model.
TEST(SkipListTest, AscendingGroupsMatchModel) {
  Random rnd(Seed(305));
  Arena arena;
  U64List list(U64Compare(), &arena);
  std::set<uint64_t> model;
  constexpr uint64_t kRange = 1000000;
  for (int round = 0; round < 200; ++round) {
    std::set<uint64_t> group;
    const int size =
        1 + static_cast<int>(rnd.Uniform(rnd.OneIn(4) ? 2000 : 40));
    const uint64_t base = rnd.Uniform(kRange);
    const uint64_t spread = rnd.OneIn(3) ? 50 : kRange;
    for (int i = 0; i < size; ++i) {
      uint64_t key = rnd.OneIn(10) ? rnd.Uniform(kRange * 2)
                                   : (base + rnd.Uniform(spread)) % kRange;
      if (!model.count(key)) group.insert(key);
    }
    const std::vector<uint64_t> keys(group.begin(), group.end());
    list.InsertAscending(keys.data(), keys.size());
    model.insert(keys.begin(), keys.end());
    for (int i = 0; i < 20; ++i) {
      const uint64_t key = rnd.Uniform(kRange);
      if (model.insert(key).second) list.Insert(key);
    }
  }
  ASSERT_GT(model.size(), 20000u);
  EXPECT_EQ(ForwardScan(list),
            std::vector<uint64_t>(model.begin(), model.end()));
  EXPECT_EQ(BackwardScan(list),
            std::vector<uint64_t>(model.rbegin(), model.rend()));
  for (int i = 0; i < 20000; ++i) {
    ASSERT_EQ(SeekMismatch(list, model, rnd.Uniform(kRange * 2 + 10)), "");
  }
  // A group past the end, then single Inserts past it (the append fast
  // path relies on the group having kept tail_ right at every level).
  std::vector<uint64_t> tail_group;
  for (uint64_t k = kRange * 3; tail_group.size() < 3000;
       k += 1 + rnd.Uniform(5)) {
    tail_group.push_back(k);
  }
  list.InsertAscending(tail_group.data(), tail_group.size());
  model.insert(tail_group.begin(), tail_group.end());
  for (uint64_t k = tail_group.back() + 1; k < tail_group.back() + 2000;
       k += 3) {
    list.Insert(k);
    model.insert(k);
  }
  EXPECT_EQ(ForwardScan(list),
            std::vector<uint64_t>(model.begin(), model.end()));
  EXPECT_EQ(BackwardScan(list),
            std::vector<uint64_t>(model.rbegin(), model.rend()));
  for (uint64_t target = tail_group.front() - 5;
       target < tail_group.back() + 2005; target += 7) {
    ASSERT_EQ(SeekMismatch(list, model, target), "");
  }
  // A group into an empty list.
  Arena arena2;
  U64List empty(U64Compare(), &arena2);
  const std::vector<uint64_t> keys = {3, 5, 8, 13, 21};
  empty.InsertAscending(keys.data(), keys.size());
  EXPECT_EQ(ForwardScan(empty), keys);
}

class ConcurrentHarness {
 public:
  ConcurrentHarness() : list_(EntryCompare(), &arena_) {}

  // Writer only: appends the next generation of logical key `k`, then
  // publishes the new generation count.
  void WriteOne(uint64_t k) {
    const uint64_t g = generation_[k].load(std::memory_order_relaxed) + 1;
    char* const entry = arena_.Allocate(kEntrySize);
    EncodeFixed64(entry, k);
    EncodeFixed64(entry + 8, g);
    EncodeFixed64(entry + 16, Check(k, g));
    list_.Insert(entry);
    // release: pairs with the acquire in a reader's Snapshot, so every entry
    // counted there is already linked.
    generation_[k].store(g, std::memory_order_release);
  }

  // Writer only: the next generation of each of the distinct logical keys
  // `ks` (ascending), linked as one InsertAscending group, then published.
  void WriteGroup(const std::vector<uint64_t>& ks) {
    std::vector<const char*> entries;
    for (const uint64_t k : ks) {
      const uint64_t g = generation_[k].load(std::memory_order_relaxed) + 1;
      char* const entry = arena_.Allocate(kEntrySize);
      EncodeFixed64(entry, k);
      EncodeFixed64(entry + 8, g);
      EncodeFixed64(entry + 16, Check(k, g));
      entries.push_back(entry);
    }
    list_.InsertAscending(entries.data(), entries.size());
    for (const uint64_t k : ks) {
      // release: as in WriteOne.
      generation_[k].store(generation_[k].load(std::memory_order_relaxed) + 1,
                           std::memory_order_release);
    }
  }

  // One forward pass from logical key `first` to the end. Returns "" or a
  // description of the first violation.
  std::string ForwardPass(uint64_t first) const {
    const std::vector<uint64_t> initial = Snapshot();
    std::vector<uint64_t> next_gen(kNumLogicalKeys, 1);
    char start[kEntrySize] = {};
    EncodeFixed64(start, first);  // (first, 0) sorts before every real entry
    EntryList::Iterator it(&list_);
    const char* last = nullptr;
    for (it.Seek(start); it.Valid(); it.Next()) {
      std::string err = CheckEntry(it.key(), last, /*forward=*/true);
      if (!err.empty()) return err;
      last = it.key();
      const uint64_t k = DecodeFixed64(last);
      const uint64_t g = DecodeFixed64(last + 8);
      if (k < first) return "forward pass went below its start";
      if (g <= initial[k] && g != next_gen[k]++) {
        return "forward: key " + std::to_string(k) + " gen " +
               std::to_string(g) + " but expected gen " +
               std::to_string(next_gen[k] - 1);
      }
    }
    for (uint64_t k = first; k < kNumLogicalKeys; ++k) {
      if (next_gen[k] != initial[k] + 1) {
        return "forward: key " + std::to_string(k) +
               " missed gens: saw up to " + std::to_string(next_gen[k] - 1) +
               " of " + std::to_string(initial[k]);
      }
    }
    return "";
  }

  size_t CountEntries() const {
    size_t n = 0;
    EntryList::Iterator it(&list_);
    for (it.SeekToFirst(); it.Valid(); it.Next()) ++n;
    return n;
  }

  // One backward pass (Prev) from the last entry of logical key `first` to
  // the start.
  std::string BackwardPass(uint64_t first) const {
    const std::vector<uint64_t> initial = Snapshot();
    std::vector<uint64_t> next_gen = initial;  // counts down to 0
    char start[kEntrySize] = {};
    EncodeFixed64(start, first);
    EncodeFixed64(start + 8, UINT64_MAX);  // after every real entry of first
    EntryList::Iterator it(&list_);
    const char* last = nullptr;
    for (it.SeekForPrev(start); it.Valid(); it.Prev()) {
      std::string err = CheckEntry(it.key(), last, /*forward=*/false);
      if (!err.empty()) return err;
      last = it.key();
      const uint64_t k = DecodeFixed64(last);
      const uint64_t g = DecodeFixed64(last + 8);
      if (k > first) return "backward pass went above its start";
      if (g <= initial[k] && g != next_gen[k]--) {
        return "backward: key " + std::to_string(k) + " gen " +
               std::to_string(g) + " but expected gen " +
               std::to_string(next_gen[k] + 1);
      }
    }
    for (uint64_t k = 0; k <= first; ++k) {
      if (next_gen[k] != 0) {
        return "backward: key " + std::to_string(k) + " missed gens 1.." +
               std::to_string(next_gen[k]);
      }
    }
    return "";
  }

 private:
  std::vector<uint64_t> Snapshot() const {
    std::vector<uint64_t> gens(kNumLogicalKeys);
    for (uint64_t k = 0; k < kNumLogicalKeys; ++k) {
      gens[k] = generation_[k].load(std::memory_order_acquire);
    }
    return gens;
  }

  static std::string CheckEntry(const char* entry, const char* last,
                                bool forward) {
    const uint64_t k = DecodeFixed64(entry);
    const uint64_t g = DecodeFixed64(entry + 8);
    if (k >= kNumLogicalKeys || g == 0 ||
        DecodeFixed64(entry + 16) != Check(k, g)) {
      return "entry not fully written: key " + std::to_string(k) + " gen " +
             std::to_string(g);
    }
    if (last != nullptr) {
      const int c = EntryCompare()(last, entry);
      if (forward ? c >= 0 : c <= 0) {
        return std::string(forward ? "forward" : "backward") +
               " order broken at key " + std::to_string(k) + " gen " +
               std::to_string(g);
      }
    }
    return "";
  }

  Arena arena_;  // writer only (readers touch only the entries)
  EntryList list_;
  std::atomic<uint64_t> generation_[kNumLogicalKeys] = {};
};

TEST(SkipListTest, ConcurrentReadersSeeConsistentPrefixWhileWriting) {
  const uint64_t seed = Seed(304);
  constexpr int kReaders = 3;
  constexpr int kInserts = 20000;
  // Readers keep making passes for as long as the writer runs, then this
  // many more over the final list.
  constexpr int kPassesAfterWriting = 20;

  ConcurrentHarness harness;
  std::atomic<bool> writer_done{false};
  std::vector<std::string> errors(kReaders);
  std::vector<int> passes_while_writing(kReaders, 0);

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      Random rnd(seed + 1 + static_cast<uint64_t>(r));
      int passes_after = 0;
      for (int p = 0; passes_after < kPassesAfterWriting && errors[r].empty();
           ++p) {
        // relaxed: only a stop signal; the passes synchronise through the
        // generation counters.
        if (writer_done.load(std::memory_order_relaxed)) {
          ++passes_after;
        } else {
          ++passes_while_writing[r];
        }
        const uint64_t first = rnd.Uniform(kNumLogicalKeys);
        errors[r] = (p % 2 == 0) ? harness.ForwardPass(first)
                                 : harness.BackwardPass(first);
      }
    });
  }

  Random rnd(seed);
  int written = 0;
  while (written < kInserts) {
    if (rnd.OneIn(2)) {
      harness.WriteOne(rnd.Uniform(kNumLogicalKeys));
      ++written;
    } else {
      // A group: InsertAscending, as a memtable links a write group.
      std::set<uint64_t> ks;
      const int n = 1 + static_cast<int>(rnd.Uniform(50));
      for (int i = 0; i < n && written + static_cast<int>(ks.size()) < kInserts;
           ++i) {
        ks.insert(rnd.Uniform(kNumLogicalKeys));
      }
      harness.WriteGroup(std::vector<uint64_t>(ks.begin(), ks.end()));
      written += static_cast<int>(ks.size());
    }
  }
  writer_done.store(true, std::memory_order_relaxed);
  for (std::thread& t : readers) t.join();

  for (int r = 0; r < kReaders; ++r) {
    EXPECT_EQ(errors[r], "") << "reader " << r;
    // Not asserted (scheduling decides it), but reported.
    std::printf("reader %d: %d passes while writing\n", r,
                passes_while_writing[r]);
  }
  // With the writer quiet, full passes see every entry exactly once.
  EXPECT_EQ(harness.ForwardPass(0), "");
  EXPECT_EQ(harness.BackwardPass(kNumLogicalKeys - 1), "");
  EXPECT_EQ(harness.CountEntries(), static_cast<size_t>(kInserts));
}

}  // namespace
}  // namespace strata::internal
