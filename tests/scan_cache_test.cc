// A scan fills at most its share of the block cache: a cursor's run of
// blocks read in order caches the first eighth of the cache's capacity and
// then reads without caching, and the run goes on from one table of a
// level into the next, so that a scan over many tables leaves the cache
// about as it found it. A short scan still caches what it reads, and a
// seek after a long scan starts a new run.

#include <gtest/gtest.h>

#include <cstdio>
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

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

class ScanCacheTest : public ::testing::Test {
 protected:
  static constexpr size_t kCapacity = 256 << 10;
  // An eighth of the cache, in 4 KiB blocks.
  static constexpr size_t kRunBytes = kCapacity / 8;

  void SetUp() override {
    options_.env = env_.get();
    options_.compression = Compression::kNone;  // 4 KiB blocks, read whole
    options_.block_cache_capacity = kCapacity;
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 64 << 10;  // many tables in the last level
    ASSERT_TRUE(DB::Open(options_, "/scan-cache", &db_).ok());
    internal::Random rnd(17);
    for (int i = 0; i < 6000; ++i) {
      const std::string value = RandomBytes(&rnd, 200);
      ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), value).ok());
      model_[Key(i)] = value;
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

TEST_F(ScanCacheTest, AScanOverManyTablesFillsAnEighthOfTheCache) {
  // ~1.2 MB of data in tables of ~64 KiB: a run per table would fill the
  // cache (each table's first eighth of it, 32 KiB, times 18 or so).
  const uint64_t tables = Prop("strata.num-files-at-level" +
                               std::to_string(options_.num_levels - 1));
  ASSERT_GE(tables, 12u);
  const uint64_t before = Prop("strata.block-cache-usage");
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  ASSERT_NO_FATAL_FAILURE(Scan(it.get(), "", -1));
  const uint64_t after_scan = Prop("strata.block-cache-usage");
  // The run's first eighth, give or take a block.
  EXPECT_GE(after_scan - before, kRunBytes - (8 << 10));
  EXPECT_LE(after_scan - before, kRunBytes + (8 << 10));
  // Again, with another cursor: the same first blocks, from the cache.
  {
    std::unique_ptr<Iterator> again = db_->NewIterator(ReadOptions());
    ASSERT_NO_FATAL_FAILURE(Scan(again.get(), "", -1));
  }
  EXPECT_EQ(Prop("strata.block-cache-usage"), after_scan);

  // The same cursor's seek after its long scan starts a new run: a short
  // scan from the middle caches the blocks it reads (200 entries of ~215
  // bytes: 43 KB).
  ASSERT_NO_FATAL_FAILURE(Scan(it.get(), Key(3000), 200));
  const uint64_t after_short = Prop("strata.block-cache-usage");
  EXPECT_GE(after_short - after_scan, 24u << 10);
  EXPECT_LE(after_short - after_scan, 64u << 10);
}

}  // namespace
}  // namespace strata::testing
