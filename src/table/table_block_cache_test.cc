// Tests of a table's block cache and readahead: point reads admit a block
// on a repeated read, iterators fill the cache (a long run only its first
// eighth, verified either way), stay within its capacity and pin their
// blocks; scans ask the file for the bytes ahead of them (Prefetch
// windows, the next block's lines) and seeks do not.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "cache/block_cache.h"
#include "key/internal_key.h"
#include "table/format.h"
#include "table/table.h"
#include "table/table_test_util.h"

namespace strata::internal::table_test {
namespace {
// ---- Block cache ----------------------------------------------------------

TEST(TableTest, SecondReadHitsTheBlockCache) {
  Random rnd(3);
  const Model model = MakeModel(&rnd, 300, 100);
  BlockCache cache(1 << 20);
  TableOptions options = DbTableOptions(Compression::kSnappy, 1024);
  const std::string contents = BuildTable(options, model);
  options.block_cache = &cache;
  std::atomic<int> reads{0};
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "c.sst", &table, &reads).ok());
  const int reads_after_open = reads.load();

  const std::string lookup =
      IKey(UserKey(100), kMaxSequenceNumber, ValueType::kValue);
  const uint64_t hits0 = cache.Hits();
  // A point read caches a block the second time it reads it
  // (BlockCache::AdmitOnRepeat), and the third finds it there.
  GetResult first = DoGet(*table, TableReadOptions(), lookup);
  ASSERT_TRUE(first.called);
  EXPECT_EQ(reads_after_open + 1, reads.load());
  EXPECT_EQ(hits0, cache.Hits());
  EXPECT_EQ(0u, cache.EntryCount());
  GetResult second = DoGet(*table, TableReadOptions(), lookup);
  EXPECT_EQ(first.value, second.value);
  EXPECT_EQ(reads_after_open + 2, reads.load());
  EXPECT_EQ(hits0, cache.Hits());
  EXPECT_EQ(1u, cache.EntryCount());
  GetResult third = DoGet(*table, TableReadOptions(), lookup);
  EXPECT_EQ(first.value, third.value);
  EXPECT_EQ(hits0 + 1, cache.Hits());
  EXPECT_EQ(reads_after_open + 2, reads.load());  // no file read

  // A full scan reads each block once (but the cached one) and caches
  // it; a second scan reads none.
  CheckScans(*table, model);
  const int reads_after_scan = reads.load();
  EXPECT_EQ(reads_after_open + 2 +
                static_cast<int>(table->properties().num_data_blocks) - 1,
            reads_after_scan);
  CheckScans(*table, model);
  EXPECT_EQ(reads_after_scan, reads.load());
}

TEST(TableTest, FillCacheFalseDoesNotFill) {
  Random rnd(4);
  const Model model = MakeModel(&rnd, 300, 100);
  BlockCache cache(1 << 20);
  TableOptions options = DbTableOptions(Compression::kLZ4, 1024);
  const std::string contents = BuildTable(options, model);
  options.block_cache = &cache;
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "f.sst", &table).ok());
  TableReadOptions no_fill;
  no_fill.fill_cache = false;
  auto it = table->NewIterator(no_fill);
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(model.size(), n);
  const std::string lookup =
      IKey(UserKey(10), kMaxSequenceNumber, ValueType::kValue);
  EXPECT_TRUE(DoGet(*table, no_fill, lookup).called);
  EXPECT_EQ(0u, cache.EntryCount());
  EXPECT_EQ(0u, cache.Usage());
  // Filling reads (the second caches the block: AdmitOnRepeat), then a
  // non-filling read still finds the cached block.
  EXPECT_TRUE(DoGet(*table, TableReadOptions(), lookup).called);
  EXPECT_EQ(0u, cache.EntryCount());
  EXPECT_TRUE(DoGet(*table, TableReadOptions(), lookup).called);
  EXPECT_EQ(1u, cache.EntryCount());
  const uint64_t hits = cache.Hits();
  EXPECT_TRUE(DoGet(*table, no_fill, lookup).called);
  EXPECT_EQ(hits + 1, cache.Hits());
}

// A scan asks the file for the bytes ahead of it once it has read blocks in
// order, in contiguous windows doubling from 64 KiB to 1 MiB that stop at
// the end of the data; seeks that read a block or two never ask; a
// whole-table scan (a compaction) asks for 2 MiB from its first block on.
// With page packing (a page size) too: the padding between two blocks
// must not make a scan look like a seek.
class TableReadaheadTest : public ::testing::TestWithParam<size_t> {};

TEST_P(TableReadaheadTest, ScansReadAheadAndSeeksDoNot) {
  Random rnd(5);
  const Model model = MakeModel(&rnd, 6000, 100);
  TableOptions options = DbTableOptions(Compression::kNone, 1024);
  options.page_size = GetParam();
  const std::string contents = BuildTable(options, model);
  if (GetParam() > 0) {  // there are gaps between blocks
    const std::vector<BlockHandle> handles = DataBlockHandles(contents);
    int gaps = 0;
    for (size_t i = 1; i < handles.size(); ++i) {
      gaps += handles[i].offset >
              handles[i - 1].offset + handles[i - 1].size + kBlockTrailerSize;
    }
    ASSERT_GT(gaps, 100);
  }
  auto owned = std::make_unique<StringSource>(contents);
  const StringSource* source = owned.get();
  std::unique_ptr<Table> table;
  ASSERT_TRUE(
      Table::Open(options, std::move(owned), contents.size(), "r.sst", &table)
          .ok());
  ASSERT_GT(contents.size(), size_t{1} << 20);
  const size_t after_open = source->prefetches().size();

  // Seeks, each followed by a Next or two: never a hint.
  for (int i = 0; i < 300; ++i) {
    auto it = table->NewIterator(TableReadOptions());
    it->Seek(IKey(UserKey(rnd.Uniform(12000)), kMaxSequenceNumber,
                  ValueType::kValue));
    for (int n = 0; n < 2 && it->Valid(); ++n) it->Next();
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  EXPECT_EQ(source->prefetches().size(), after_open);

  // The last data block starts here; the data ends before the file does.
  const std::string last_key = model.rbegin()->first;
  const uint64_t last_block = table->ApproximateOffsetOf(last_key);
  const auto check_windows = [&](size_t from, uint64_t first_window,
                                 uint64_t max_window,
                                 uint64_t first_start_max) {
    const auto p = source->prefetches();
    ASSERT_GT(p.size(), from + 2);
    EXPECT_LE(p[from].first, first_start_max);
    EXPECT_GT(p[from].first, 0u);
    uint64_t window = first_window;
    for (size_t i = from; i < p.size(); ++i) {
      SCOPED_TRACE(i);
      if (i > from) {  // contiguous
        EXPECT_EQ(p[i].first, p[i - 1].first + p[i - 1].second);
      }
      if (i + 1 < p.size()) {
        EXPECT_EQ(p[i].second, window);
      }
      EXPECT_LE(p[i].second, window);
      window = std::min(window * 2, max_window);
    }
    const uint64_t end = p.back().first + p.back().second;
    EXPECT_GT(end, last_block);
    EXPECT_LT(end, contents.size());
  };

  // A scan from the start.
  {
    auto it = table->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(n, model.size());
  }
  // The third block read in order asks first (blocks are ~1 KiB).
  check_windows(after_open, 64 << 10, 1 << 20, 4 << 10);
  const size_t after_scan = source->prefetches().size();

  // A compaction's scan: 2 MiB windows from the first block.
  {
    TableReadOptions ro;
    ro.whole_table_scan = true;
    ro.fill_cache = false;
    auto it = table->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  const auto p = source->prefetches();
  ASSERT_EQ(p.size(), after_scan + 1);  // the data is under 2 MiB
  EXPECT_LE(p[after_scan].first, 2u << 10);
  EXPECT_GT(p[after_scan].first + p[after_scan].second, last_block);

  // Backwards: no hint.
  {
    auto it = table->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToLast(); it->Valid(); it->Prev()) ++n;
    EXPECT_EQ(n, model.size());
  }
  EXPECT_EQ(source->prefetches().size(), after_scan + 1);
}

// Reading blocks in order, forward or backward, a cursor asks for the
// lines of the block it reads next while it reads this one, from the
// third block of the run on (as the windows above): forward, the bytes
// from this block's end on (a padding block included); backward, those
// that end where this block begins. Each is about a block long.
TEST_P(TableReadaheadTest, RunsHintTheBlockTheyReadNext) {
  Random rnd(6);
  const Model model = MakeModel(&rnd, 3000, 100);
  TableOptions options = DbTableOptions(Compression::kNone, 1024);
  options.page_size = GetParam();
  const std::string contents = BuildTable(options, model);
  const std::vector<BlockHandle> handles = DataBlockHandles(contents);
  ASSERT_GT(handles.size(), 100u);
  auto owned = std::make_unique<StringSource>(contents);
  const StringSource* source = owned.get();
  std::unique_ptr<Table> table;
  ASSERT_TRUE(
      Table::Open(options, std::move(owned), contents.size(), "n.sst", &table)
          .ok());
  const auto end_of = [](const BlockHandle& h) {
    return h.offset + h.size + kBlockTrailerSize;
  };
  const auto hinted = [&](size_t from) {
    const auto all = source->next_hints();
    return std::vector<std::pair<uint64_t, size_t>>(
        all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
  };
  // Seeks with a few steps (two blocks at most, ~1 KiB a block): no hint.
  for (int i = 0; i < 200; ++i) {
    auto it = table->NewIterator(TableReadOptions());
    it->Seek(IKey(UserKey(rnd.Uniform(6000)), kMaxSequenceNumber,
                  ValueType::kValue));
    for (int n = 0; n < 6 && it->Valid(); ++n) it->Next();
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  EXPECT_TRUE(source->next_hints().empty());
  size_t before = source->next_hints().size();
  {
    auto it = table->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(n, model.size());
  }
  {
    // From the third block on, each asks for what follows it, up to where
    // the index block begins, which the last one meets.
    const uint64_t index_offset = DecodeFooter(contents).index_handle.offset;
    ASSERT_EQ(end_of(handles.back()), index_offset);
    const auto hints = hinted(before);
    ASSERT_EQ(hints.size(), handles.size() - 3);
    for (size_t i = 2; i + 1 < handles.size(); ++i) {
      SCOPED_TRACE(i);
      const auto [offset, n] = hints[i - 2];
      EXPECT_EQ(offset, end_of(handles[i]));
      EXPECT_EQ(n, std::min<uint64_t>(handles[i].size + kBlockTrailerSize,
                                      index_offset - offset));
      EXPECT_LE(offset, handles[i + 1].offset);
      // Reaches into the next block (unless padding fills the span).
      if (GetParam() == 0) {
        EXPECT_GT(offset + n, handles[i + 1].offset);
      }
    }
  }
  before = source->next_hints().size();
  {
    auto it = table->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToLast(); it->Valid(); it->Prev()) ++n;
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(n, model.size());
  }
  {
    const auto hints = hinted(before);
    ASSERT_EQ(hints.size(), handles.size() - 3);
    for (size_t i = handles.size() - 3; i >= 1; --i) {
      SCOPED_TRACE(i);
      const auto [offset, n] = hints[handles.size() - 3 - i];
      EXPECT_EQ(offset + n, handles[i].offset);
      EXPECT_EQ(n, std::min<uint64_t>(handles[i].size + kBlockTrailerSize,
                                      handles[i].offset));
      EXPECT_LT(offset, end_of(handles[i - 1]));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PageSizes, TableReadaheadTest,
                         ::testing::Values(size_t{0}, size_t{4096}));

// A run of blocks read in order puts its first eighth of the cache's
// capacity in blocks into the cache, and reads the rest without caching
// them (a hit still serves them): a scan of a whole table fills an eighth
// of the cache, not all of it, however often it runs. Short scans cache
// every block they read, as before.
TEST(TableTest, LongRunsCacheOnlyTheirFirstBlocks) {
  Random rnd(12);
  const Model model = MakeModel(&rnd, 6000, 100);
  TableOptions options = DbTableOptions(Compression::kNone, 1024);
  const std::string contents = BuildTable(options, model);
  const size_t num_blocks = DataBlockHandles(contents).size();
  ASSERT_GT(num_blocks, 400u);
  for (const size_t capacity : {size_t{256} << 10, size_t{1} << 20}) {
    SCOPED_TRACE(capacity);
    const size_t cached_run = capacity / 8 / options.block_size;  // 32, 128
    BlockCache cache(capacity, 0);
    options.block_cache = &cache;
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(options, contents, "l.sst", &table).ok());

    // Forward from the first block, then backward from the last: two runs.
    CheckScans(*table, model);
    EXPECT_EQ(cache.EntryCount(), 2 * cached_run);
    const uint64_t hits = cache.Hits();
    // Each run meets both cached ends (the second end as a run that is
    // long already: served from the cache, nothing added).
    EXPECT_EQ(hits, cached_run);
    CheckScans(*table, model);
    EXPECT_EQ(cache.EntryCount(), 2 * cached_run);
    EXPECT_EQ(cache.Hits(), hits + 4 * cached_run);

    // A short scan from the middle caches each block it reads.
    {
      auto it = table->NewIterator(TableReadOptions());
      auto m = model.begin();
      std::advance(m, model.size() / 2);
      it->Seek(m->first);
      for (int i = 0; i < 100; ++i, ++m) {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(m->first, it->key().ToString());
        it->Next();
      }
    }
    const size_t after_short = cache.EntryCount();
    EXPECT_GT(after_short, 2 * cached_run + 5);
    EXPECT_LT(after_short, 2 * cached_run + 30);

    // Not filling the cache, nothing is added.
    TableReadOptions no_fill;
    no_fill.fill_cache = false;
    auto it = table->NewIterator(no_fill);
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_EQ(n, model.size());
    EXPECT_EQ(cache.EntryCount(), after_short);
  }
}

TEST(TableTest, CacheStaysWithinCapacityAndIteratorsPinBlocks) {
  constexpr size_t kCapacity = 64 << 10;
  BlockCache cache(kCapacity, 2);
  Random rnd(8);
  std::vector<std::unique_ptr<Table>> tables;
  std::vector<Model> models;
  for (int t = 0; t < 24; ++t) {
    models.push_back(MakeModel(&rnd, 150, 150));
    TableOptions options = DbTableOptions(Compression::kNone, 2048);
    const std::string contents = BuildTable(options, models.back());
    options.block_cache = &cache;
    tables.emplace_back();
    ASSERT_TRUE(OpenTable(options, contents, "t" + std::to_string(t) + ".sst",
                          &tables.back())
                    .ok());
  }
  // An iterator positioned in table 0, held while everything else churns
  // the cache.
  auto pinned = tables[0]->NewIterator(TableReadOptions());
  pinned->SeekToFirst();
  ASSERT_TRUE(pinned->Valid());
  const std::string pinned_key = pinned->key().ToString();
  const std::string pinned_value = pinned->value().ToString();
  const Slice pinned_value_slice = pinned->value();

  for (int round = 0; round < 2; ++round) {
    for (size_t t = 0; t < tables.size(); ++t) {
      CheckScans(*tables[t], models[t]);
      ASSERT_LE(cache.Usage(), kCapacity);
    }
  }
  EXPECT_GT(cache.EntryCount(), 0u);
  // The pinned block is alive (ASan would catch a use after free).
  EXPECT_EQ(pinned_key, pinned->key().ToString());
  EXPECT_EQ(pinned_value, pinned_value_slice.ToString());
  pinned->Next();
  ASSERT_TRUE(pinned->Valid());
  EXPECT_EQ(std::next(models[0].begin())->first, pinned->key().ToString());
}

// The blocks of a long run that enter no cache are verified as those that
// do, whatever verify_checksums says: a damaged block far into a scan
// that does not verify is still Corruption, not wrong data.
TEST(TableTest, LongRunsVerifyTheBlocksTheyDoNotCache) {
  Random rnd(13);
  const Model model = MakeModel(&rnd, 6000, 100);
  TableOptions options = DbTableOptions(Compression::kNone, 1024);
  std::string contents = BuildTable(options, model);
  const std::vector<BlockHandle> handles = DataBlockHandles(contents);
  ASSERT_GT(handles.size(), 400u);
  BlockCache cache(256 << 10, 0);  // a run caches 32 blocks
  options.block_cache = &cache;
  // A value byte in the middle of block 300: the block still parses.
  contents[handles[300].offset + handles[300].size / 2] ^= 0x20;
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "v.sst", &table).ok());
  TableReadOptions no_verify;
  no_verify.verify_checksums = false;
  auto it = table->NewIterator(no_verify);
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(m->first, it->key().ToString());
    ASSERT_EQ(m->second, it->value().ToString()) << "silently wrong data";
  }
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_NE(m, model.end());
  EXPECT_EQ(cache.EntryCount(), 32u);
}

// Get hands the handler the following entries for as long as it asks,
// across block boundaries (a versioned read skips versions that way).
}  // namespace
}  // namespace strata::internal::table_test
