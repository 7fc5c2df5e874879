// A scan fills at most its share of the block cache: a cursor's run of
// blocks read in order caches the first eighth of the cache's capacity and
// then reads without caching, and the run goes on from one table of a
// level into the next, so that a scan over many tables leaves the cache
// about as it found it. A seek starts a new run, even one landing in the
// block the cursor stands in, and its short scan caches what it reads.
// Unit-compressed tables too, whose first two blocks of a run are read as
// units (and admitted to the cache only when read again).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

class ScanCacheTest : public ::testing::TestWithParam<Compression> {
 protected:
  static constexpr size_t kCapacity = 1 << 20;
  // An eighth of the cache: 32 blocks of 4 KiB.
  static constexpr size_t kRunBytes = kCapacity / 8;
  static constexpr size_t kBlock = 4 << 10;

  void SetUp() override {
    options_.env = env_.get();
    // Without compression blocks are read whole; with snappy (values half
    // random, half repeated) a table's first two blocks of a run are read
    // as units.
    options_.compression = GetParam();
    options_.block_cache_capacity = kCapacity;
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 64 << 10;  // many tables in the last level
    ASSERT_TRUE(DB::Open(options_, "/scan-cache", &db_).ok());
    internal::Random rnd(17);
    for (int i = 0; i < 12000; ++i) {
      const std::string value = RandomBytes(&rnd, 100) + std::string(100, 'v');
      ASSERT_TRUE(db_->Put(WriteOptions(), NumberedKey(i), value).ok());
      model_[NumberedKey(i)] = value;
    }
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  }

  uint64_t Prop(const std::string& name) {
    std::string v;
    EXPECT_TRUE(db_->GetProperty(name, &v)) << name;
    return std::stoull(v);
  }

  // Reads `n` entries from `start` on (all of them with n < 0) with `it`,
  // checking each against the model.
  void Scan(Iterator* it, const std::string& start, int n) {
    auto m = model_.lower_bound(start);
    int read = 0;
    for (it->Seek(start); it->Valid() && read != n; it->Next(), ++m, ++read) {
      ASSERT_NE(m, model_.end());
      ASSERT_EQ(m->first, it->key().ToString());
      ASSERT_EQ(m->second, it->value().ToString());
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    if (n < 0) {
      EXPECT_EQ(m, model_.end());
    }
  }

  std::unique_ptr<Env> env_ = NewMemEnv();
  Options options_;
  std::unique_ptr<DB> db_;
  std::map<std::string, std::string> model_;
};

TEST_P(ScanCacheTest, AScanOverManyTablesFillsAnEighthOfTheCache) {
  // 2.5 MB of entries in tables of ~64 KiB stored: a run per table would
  // cache every block of every table (16 or more a table) up to the
  // capacity.
  const uint64_t tables = Prop("strata.num-files-at-level" +
                               std::to_string(options_.num_levels - 1));
  ASSERT_GE(tables, 16u);
  const uint64_t before = Prop("strata.block-cache-usage");
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  // Two thirds of the DB, stopping inside a block.
  ASSERT_NO_FATAL_FAILURE(Scan(it.get(), "", 8001));
  const uint64_t after_scan = Prop("strata.block-cache-usage");
  // The run's first eighth: 32 blocks of a little under 4 KiB each (a
  // unit-compressed table's first two are read as units, cached only when
  // read again).
  EXPECT_GE(after_scan - before, kRunBytes * 3 / 4);
  EXPECT_LE(after_scan - before, kRunBytes + 2 * kBlock);

  // A seek into the block the cursor stands in starts a new run: the
  // blocks after it are cached (200 entries of ~210 bytes: 42 KB).
  ASSERT_NO_FATAL_FAILURE(Scan(it.get(), NumberedKey(8001), 200));
  const uint64_t after_short = Prop("strata.block-cache-usage");
  EXPECT_GE(after_short - after_scan, 6 * kBlock);
  EXPECT_LE(after_short - after_scan, 16 * kBlock);

  // Whole scans with new cursors, twice: the first blocks again (the two
  // read as units now admitted, being read again), and nothing else, from
  // no table.
  for (int pass = 0; pass < 2; ++pass) {
    std::unique_ptr<Iterator> again = db_->NewIterator(ReadOptions());
    ASSERT_NO_FATAL_FAILURE(Scan(again.get(), "", -1));
  }
  EXPECT_LE(Prop("strata.block-cache-usage") - after_short, 3 * kBlock);
}

INSTANTIATE_TEST_SUITE_P(Compressions, ScanCacheTest,
                         ::testing::Values(Compression::kNone,
                                           Compression::kSnappy));

}  // namespace
}  // namespace strata::testing
