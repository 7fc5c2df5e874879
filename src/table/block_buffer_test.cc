#include "table/block_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "table/block.h"
#include "table/block_builder.h"

namespace strata::internal {
namespace {

// Empties this thread's stash, so that each test starts from nothing.
void DrainStash() {
  // A stashed buffer serves any request up to 512 bytes under its
  // capacity: requests 256 bytes apart take every one.
  std::vector<BlockBuffer> held;
  for (size_t size = 256; size <= (64 << 10); size += 256) {
    held.push_back(AcquireBlockBuffer(size));
  }
  ASSERT_EQ(StashedBlockBuffers(), 0u);
}

TEST(BlockBufferTest, CapacityCoversTheRequestAndIsRounded) {
  DrainStash();
  for (size_t size : {size_t{0}, size_t{1}, size_t{255}, size_t{256},
                      size_t{4097}, size_t{70000}}) {
    BlockBuffer b = AcquireBlockBuffer(size);
    ASSERT_NE(b.data, nullptr);
    EXPECT_GE(b.capacity, std::max<size_t>(size, 1));
    EXPECT_LT(b.capacity, std::max<size_t>(size, 1) + 256);
    std::memset(b.data.get(), 0xab, b.capacity);  // ASan: all of it is ours
  }
}

TEST(BlockBufferTest, RecycledBufferServesACloseSizeOnly) {
  DrainStash();
  BlockBuffer a = AcquireBlockBuffer(4100);
  char* const p = a.data.get();
  const size_t cap = a.capacity;
  RecycleBlockBuffer(std::move(a.data), cap);
  // Far smaller: not served from the 4.3 KiB buffer.
  BlockBuffer small = AcquireBlockBuffer(1000);
  EXPECT_NE(small.data.get(), p);
  // Larger than the buffer: not served either.
  BlockBuffer large = AcquireBlockBuffer(cap + 1);
  EXPECT_NE(large.data.get(), p);
  // Close: the same memory comes back, with its real capacity.
  BlockBuffer again = AcquireBlockBuffer(4000);
  EXPECT_EQ(again.data.get(), p);
  EXPECT_EQ(again.capacity, cap);
  // And only once.
  BlockBuffer other = AcquireBlockBuffer(4000);
  EXPECT_NE(other.data.get(), p);
}

TEST(BlockBufferTest, StashIsBounded) {
  DrainStash();
  std::vector<BlockBuffer> bufs;
  for (int i = 0; i < 8; ++i) bufs.push_back(AcquireBlockBuffer(4096));
  std::vector<const char*> pointers;
  for (BlockBuffer& b : bufs) {
    pointers.push_back(b.data.get());
    RecycleBlockBuffer(std::move(b.data), b.capacity);
  }
  // Only the last four were kept (each recycle past four freed the
  // oldest), and they come back newest first.
  EXPECT_EQ(StashedBlockBuffers(), 4u);
  std::vector<BlockBuffer> again;
  for (int i = 0; i < 4; ++i) {
    again.push_back(AcquireBlockBuffer(4096));
    EXPECT_EQ(again.back().data.get(), pointers[7 - i]) << i;
  }
  EXPECT_EQ(StashedBlockBuffers(), 0u);
}

// A stash full of buffers no request fits (a scan's whole blocks) still
// takes the small ones a point read recycles, and hands them back.
TEST(BlockBufferTest, AFullStashMakesRoomForTheSizesAskedForNow) {
  DrainStash();
  std::vector<BlockBuffer> large;
  for (int i = 0; i < 4; ++i) large.push_back(AcquireBlockBuffer(16 << 10));
  for (BlockBuffer& b : large)
    RecycleBlockBuffer(std::move(b.data), b.capacity);
  ASSERT_EQ(StashedBlockBuffers(), 4u);
  for (int round = 0; round < 3; ++round) {
    BlockBuffer scratch = AcquireBlockBuffer(700);
    BlockBuffer out = AcquireBlockBuffer(1500);
    const char* scratch_data = scratch.data.get();
    const char* out_data = out.data.get();
    RecycleBlockBuffer(std::move(scratch.data), scratch.capacity);
    RecycleBlockBuffer(std::move(out.data), out.capacity);
    EXPECT_EQ(StashedBlockBuffers(), 4u);
    // Allocations of the same sizes: had the two been freed, malloc would
    // hand their memory to these, and the acquires below would get other
    // memory.
    auto soak_scratch = std::make_unique<char[]>(scratch.capacity);
    auto soak_out = std::make_unique<char[]>(out.capacity);
    BlockBuffer scratch2 = AcquireBlockBuffer(650);
    BlockBuffer out2 = AcquireBlockBuffer(1400);
    EXPECT_EQ(scratch2.data.get(), scratch_data) << round;
    EXPECT_EQ(out2.data.get(), out_data) << round;
    RecycleBlockBuffer(std::move(scratch2.data), scratch2.capacity);
    RecycleBlockBuffer(std::move(out2.data), out2.capacity);
  }
}

TEST(BlockBufferTest, LargeAndEmptyBuffersAreNotKept) {
  DrainStash();
  ASSERT_EQ(StashedBlockBuffers(), 0u);
  // (Pointers cannot tell here: malloc may hand the freed memory back.)
  BlockBuffer big = AcquireBlockBuffer(200 << 10);
  RecycleBlockBuffer(std::move(big.data), big.capacity);
  EXPECT_EQ(StashedBlockBuffers(), 0u);
  RecycleBlockBuffer(nullptr, 4096);  // ignored
  RecycleBlockBuffer(std::make_unique<char[]>(1), 0);
  EXPECT_EQ(StashedBlockBuffers(), 0u);
  BlockBuffer small = AcquireBlockBuffer(4096);
  RecycleBlockBuffer(std::move(small.data), small.capacity);
  EXPECT_EQ(StashedBlockBuffers(), 1u);
}

// A parsed block hands its buffer back when it is destroyed, and the next
// block of a similar size decodes into the same memory, intact.
TEST(BlockBufferTest, DestroyedBlockGivesItsBufferToTheNextOne) {
  DrainStash();
  const auto build = [](char tag) {
    BlockBuilder builder(16);
    for (int i = 0; i < 200; ++i) {
      std::string key = "key" + std::to_string(1000 + i);
      builder.Add(key, std::string(10, tag));
    }
    return builder.Finish().ToString();
  };
  const std::string first = build('a');
  BlockBuffer b = AcquireBlockBuffer(first.size());
  std::memcpy(b.data.get(), first.data(), first.size());
  const char* const p = b.data.get();
  {
    auto block = Block::Parse(std::move(b.data), first.size(), b.capacity);
    ASSERT_TRUE(block.ok());
  }
  const std::string second = build('b');
  BlockBuffer c = AcquireBlockBuffer(second.size());
  EXPECT_EQ(c.data.get(), p);
  std::memcpy(c.data.get(), second.data(), second.size());
  auto block = Block::Parse(std::move(c.data), second.size(), c.capacity);
  ASSERT_TRUE(block.ok());
  BlockIter it(BytewiseComparator(), block.value().get(), nullptr,
               BlockErrorContext{});
  int n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    EXPECT_EQ(it.value().ToString(), std::string(10, 'b'));
  }
  EXPECT_EQ(n, 200);
}

// Each thread has its own stash: a buffer recycled on one thread serves
// that thread, not the one that allocated it. Buffers still stashed when a
// thread exits are freed (LeakSanitizer checks this under `make asan`).
TEST(BlockBufferTest, ThreadsKeepTheirOwnStash) {
  DrainStash();
  BlockBuffer mine = AcquireBlockBuffer(4096);
  char* const p = mine.data.get();
  std::thread other([&mine, p] {
    EXPECT_EQ(StashedBlockBuffers(), 0u);
    RecycleBlockBuffer(std::move(mine.data), mine.capacity);
    EXPECT_EQ(StashedBlockBuffers(), 1u);
    BlockBuffer again = AcquireBlockBuffer(4096);
    EXPECT_EQ(again.data.get(), p);  // served from this thread's stash
    RecycleBlockBuffer(std::move(again.data), again.capacity);
  });
  other.join();
  EXPECT_EQ(StashedBlockBuffers(), 0u);  // nothing came to this thread
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 100; ++i) {
        BlockBuffer b = AcquireBlockBuffer(4096 + i);
        b.data[0] = 1;
        RecycleBlockBuffer(std::move(b.data), b.capacity);
        EXPECT_LE(StashedBlockBuffers(), 4u);
      }
      EXPECT_GE(StashedBlockBuffers(), 1u);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace strata::internal
