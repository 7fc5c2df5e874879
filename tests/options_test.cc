// tests/options_test.cc — compaction sizes derived from the write buffer
// when left at 0 (Options::target_file_size, max_bytes_for_level_base).

#include "strata/options.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "db/resolved_options.h"

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

}  // namespace
}  // namespace strata
