#include "base/arena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/random.h"

namespace strata::internal {
namespace {

// The alignment AllocateAligned promises: enough for any scalar type.
constexpr size_t kAlign = alignof(std::max_align_t) > 8
                              ? alignof(std::max_align_t)
                              : 8;

bool IsAligned(const char* p) {
  return (reinterpret_cast<uintptr_t>(p) & (kAlign - 1)) == 0;
}

// The byte written at position `j` of allocation `i`.
char Pattern(size_t i, size_t j) {
  return static_cast<char>((i * 131 + j * 7 + 1) & 0xff);
}

TEST(ArenaTest, EmptyArenaUsesNoMemory) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

TEST(ArenaTest, AllocationsKeepTheirContents) {
  Random rnd(501);
  Arena arena;
  std::vector<std::pair<char*, size_t>> allocated;
  size_t bytes = 0;
  size_t last_usage = 0;
  constexpr int kAllocations = 3000;
  for (int i = 0; i < kAllocations; ++i) {
    size_t size;
    if (i % 500 == 0) {
      size = 20000 + rnd.Uniform(80000);  // larger than a quarter block
    } else if (i % 50 == 0) {
      size = 5000 + rnd.Uniform(15000);  // near and above block / 4
    } else {
      size = 1 + rnd.Skewed(10);  // mostly small, up to 1 KiB
    }
    const bool aligned = rnd.OneIn(3);
    char* p = aligned ? arena.AllocateAligned(size) : arena.Allocate(size);
    ASSERT_NE(p, nullptr);
    if (aligned) {
      EXPECT_TRUE(IsAligned(p)) << "allocation " << i << " size " << size;
    }
    for (size_t j = 0; j < size; ++j) p[j] = Pattern(allocated.size(), j);
    allocated.emplace_back(p, size);
    bytes += size;

    const size_t usage = arena.MemoryUsage();
    ASSERT_GE(usage, last_usage) << "usage shrank at allocation " << i;
    ASSERT_GE(usage, bytes) << "usage below bytes handed out at " << i;
    last_usage = usage;
  }
  // Usage includes the reserved but unused tail of blocks; it must not be
  // wildly above what was handed out either (one partly used block of 64 KiB
  // plus a pointer per block).
  EXPECT_LE(arena.MemoryUsage(), bytes * 2 + 65536);

  for (size_t i = 0; i < allocated.size(); ++i) {
    const auto [p, size] = allocated[i];
    for (size_t j = 0; j < size; ++j) {
      ASSERT_EQ(p[j], Pattern(i, j)) << "allocation " << i << " byte " << j;
    }
  }
}

TEST(ArenaTest, AllocateAlignedAfterOddSizes) {
  Arena arena;
  for (size_t odd = 1; odd <= 2 * kAlign + 1; ++odd) {
    arena.Allocate(odd);  // leave the bump pointer misaligned
    char* p = arena.AllocateAligned(8);
    EXPECT_TRUE(IsAligned(p)) << "after an allocation of " << odd;
  }
  // A large aligned allocation gets its own block, also aligned.
  EXPECT_TRUE(IsAligned(arena.AllocateAligned(100000)));
}

// A smaller alignment packs objects closer: eight-byte objects aligned to
// 8 lie back to back, and every alignment up to the largest is kept after
// allocations of any size.
TEST(ArenaTest, AllocateAlignedToAGivenAlignment) {
  Arena arena;
  char* const first = arena.AllocateAligned(8, 8);
  EXPECT_EQ(arena.AllocateAligned(24, 8), first + 8);
  for (size_t align = 1; align <= kAlign; align *= 2) {
    for (size_t odd = 1; odd <= 2 * kAlign + 1; ++odd) {
      arena.Allocate(odd);
      const char* const p = arena.AllocateAligned(odd, align);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) & (align - 1), 0u)
          << "align " << align << " after " << odd;
    }
  }
}

TEST(ArenaTest, AllocationsDoNotOverlap) {
  Arena arena;
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  Random rnd(502);
  for (int i = 0; i < 2000; ++i) {
    const size_t size = 1 + rnd.Uniform(i % 100 == 0 ? 40000 : 300);
    char* p = rnd.OneIn(2) ? arena.AllocateAligned(size) : arena.Allocate(size);
    const auto begin = reinterpret_cast<uintptr_t>(p);
    ranges.emplace_back(begin, begin + size);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    ASSERT_LE(ranges[i - 1].second, ranges[i].first) << "overlap at " << i;
  }
}

TEST(ArenaTest, MemoryUsageGrowsByBlocks) {
  Arena arena;
  arena.Allocate(1);
  const size_t one_block = arena.MemoryUsage();
  EXPECT_GT(one_block, 1u);
  // Small allocations come from the same block.
  arena.Allocate(1);
  arena.AllocateAligned(16);
  EXPECT_EQ(arena.MemoryUsage(), one_block);
  // A large allocation gets a block of its own size (plus bookkeeping)...
  constexpr size_t kLarge = size_t{1} << 20;
  arena.Allocate(kLarge);
  const size_t with_large = arena.MemoryUsage();
  EXPECT_GE(with_large, one_block + kLarge);
  EXPECT_LT(with_large, one_block + kLarge + 1024);
  // ...and the current block keeps serving small allocations.
  arena.Allocate(100);
  EXPECT_EQ(arena.MemoryUsage(), with_large);
}

}  // namespace
}  // namespace strata::internal
