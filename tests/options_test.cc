// tests/options_test.cc — compaction sizes derived from the write buffer
// when left at 0 (Options::target_file_size, max_bytes_for_level_base);
// Options::block_page_size reaching the tables a DB writes.

#include "strata/options.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "db/resolved_options.h"
#include "env/env_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "table/table_test_util.h"
#include "testing/test_util.h"

namespace strata {
namespace {

TEST(OptionsTest, CompactionSizesFollowTheWriteBuffer) {
  Options o;
  EXPECT_EQ(o.target_file_size, 0u);
  EXPECT_EQ(o.max_bytes_for_level_base, 0u);
  ASSERT_TRUE(o.Validate().ok());
  // The default buffer gives the sizes strata had before they were derived.
  Options r = internal::ResolveOptions(o);
  EXPECT_EQ(r.target_file_size, size_t{64} << 20);
  EXPECT_EQ(r.max_bytes_for_level_base, uint64_t{256} << 20);

  o.write_buffer_size = 4 << 20;
  r = internal::ResolveOptions(o);
  EXPECT_EQ(r.target_file_size, size_t{4} << 20);
  EXPECT_EQ(r.max_bytes_for_level_base, uint64_t{16} << 20);

  // Small buffers: tables of at least 2 MiB, and a base level that holds
  // one.
  o.write_buffer_size = 256 << 10;
  o.level0_compaction_trigger = 2;
  r = internal::ResolveOptions(o);
  EXPECT_EQ(r.target_file_size, size_t{2} << 20);
  EXPECT_EQ(r.max_bytes_for_level_base, uint64_t{2} << 20);
  o.write_buffer_size = 4 << 20;
  r = internal::ResolveOptions(o);
  EXPECT_EQ(r.max_bytes_for_level_base, uint64_t{8} << 20);
  // A product past 64 bits saturates.
  o.write_buffer_size = SIZE_MAX / 2;
  o.level0_compaction_trigger = 4;
  r = internal::ResolveOptions(o);
  EXPECT_EQ(r.max_bytes_for_level_base, UINT64_MAX);
  o.write_buffer_size = 4 << 20;

  // Sizes set explicitly are kept.
  o.target_file_size = 8 << 20;
  o.max_bytes_for_level_base = 1 << 30;
  r = internal::ResolveOptions(o);
  EXPECT_EQ(r.target_file_size, size_t{8} << 20);
  EXPECT_EQ(r.max_bytes_for_level_base, uint64_t{1} << 30);
}

TEST(OptionsTest, CompactionSizesAreZeroOrAtLeast64KiB) {
  Options o;
  o.target_file_size = (64 << 10) - 1;
  Status s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("target_file_size"), std::string::npos);
  o.target_file_size = 64 << 10;
  EXPECT_TRUE(o.Validate().ok());
  o.max_bytes_for_level_base = 1000;
  s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("max_bytes_for_level_base"), std::string::npos);
  o.max_bytes_for_level_base = 0;
  EXPECT_TRUE(o.Validate().ok());
}

// The tables a DB writes, by flush and by compaction, keep every data
// block that fits in a page within one (and with the option at 0, they do
// not: the check can tell).
TEST(OptionsTest, ADbPacksItsDataBlocksIntoPages) {
  for (size_t page : {size_t{4096}, size_t{0}}) {
    const std::string dir = testing::NewTempDir("options_test_pages");
    Options o;
    o.create_if_missing = true;
    o.write_buffer_size = 256 << 10;
    o.block_page_size = page;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir, &db).ok());
    internal::Random rnd(17);
    for (int i = 0; i < 30000; ++i) {
      const std::string key = internal::table_test::UserKey(rnd.Uniform(20000));
      ASSERT_TRUE(
          db->Put(WriteOptions(), key,
                  internal::table_test::HalfCompressibleValue(&rnd, 100))
              .ok());
    }
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
    ASSERT_TRUE(db->Close().ok());
    std::vector<std::string> children;
    Env* env = Env::Default();
    ASSERT_TRUE(env->GetChildren(dir, &children).ok());
    int tables = 0;
    int crossing = 0;
    for (const std::string& name : children) {
      if (name.size() < 4 || name.substr(name.size() - 4) != ".sst") continue;
      ++tables;
      std::string contents;
      ASSERT_TRUE(
          internal::ReadFileToString(env, dir + "/" + name, &contents).ok());
      for (const auto& h : internal::table_test::DataBlockHandles(contents)) {
        const uint64_t end = h.offset + h.size + internal::kBlockTrailerSize;
        if (end - h.offset <= 4096 && h.offset / 4096 != (end - 1) / 4096) {
          ++crossing;
        }
      }
    }
    EXPECT_GT(tables, 0);
    if (page != 0) {
      EXPECT_EQ(crossing, 0);
    } else {
      EXPECT_GT(crossing, 10);
    }
    testing::RemoveTempDir(dir);
  }
}

}  // namespace
}  // namespace strata
