// Tests of the size-tiered compaction policy on hand-built Versions: which
// window of similar runs merges, the fallback when too many runs pile up,
// busy runs, bottommost, and manual merges in L0.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "compaction/picker.h"
#include "compaction/picker_test_util.h"

namespace strata::internal {
namespace {

// ---- Size-tiered ------------------------------------------------------------

class SizeTieredTest : public PickerTest {
 protected:
  SizeTieredTest() { o_.style = CompactionStyle::kSizeTiered; }

  // L0 runs numbered 1.. from the OLDEST, all over [a..z]; `sizes` is
  // given newest first, as L0 lists them.
  void AddRuns(const std::vector<uint64_t>& sizes) {
    uint64_t number = sizes.size();
    for (const uint64_t size : sizes) Add(0, File(number--, "a", "z", size));
  }
};

TEST_F(SizeTieredTest, MergesARunOfSimilarSizes) {
  AddRuns({10, 11, 12, 14, 100, 1000});  // numbers 6, 5, 4, 3, 2, 1
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kSizeTiered);
  EXPECT_DOUBLE_EQ(plan->score, 1.0);
  EXPECT_EQ(plan->output_level, 0);
  EXPECT_EQ(In(*plan, 0), (N{6, 5, 4, 3}));
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_FALSE(plan->bottommost);  // older runs 2 and 1 overlap
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_EQ(plan->max_output_file_size, UINT64_MAX);
}

TEST_F(SizeTieredTest, NoIdleFold) {
  AddRuns({10, 11});
  const auto v = Build();
  EXPECT_FALSE(PickIdleCompaction(*v, o_, {}).has_value());
}

TEST_F(SizeTieredTest, DissimilarRunsAreLeftAlone) {
  // 10..16 is a ratio of 1.6 > 1.5: no four similar runs in a row.
  AddRuns({10, 16, 10, 16, 10, 16, 100, 1000});
  const auto v = Build();
  EXPECT_FALSE(Pick(*v).has_value());
}

TEST_F(SizeTieredTest, LongestWindowWinsCappedAtTheMaxWidth) {
  o_.tiered_max_merge_width = 5;
  AddRuns({10, 10, 10, 10, 140, 130, 100, 110, 120, 100});
  // numbers:  10  9  8  7   6    5    4    3    2    1
  // Six similar runs (6..1) beat four (10..7); of their two 5-run windows,
  // 5..1 holds fewer bytes (560) than 6..2 (600).
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_DOUBLE_EQ(plan->score, 5.0 / 4);
  EXPECT_EQ(In(*plan, 0), (N{5, 4, 3, 2, 1}));
  EXPECT_TRUE(plan->bottommost);  // includes the oldest run
}

TEST_F(SizeTieredTest, EqualLengthPrefersFewerBytes) {
  AddRuns({100, 100, 100, 100, 10, 10, 10, 10});
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{4, 3, 2, 1}));
  EXPECT_TRUE(plan->bottommost);
}

TEST_F(SizeTieredTest, BusyRunsSplitWindows) {
  AddRuns({10, 10, 10, 10, 10, 10, 10});  // numbers 7..1
  const auto v = Build();
  auto plan = Pick(*v, {4});
  EXPECT_FALSE(plan.has_value());  // 3 + 3 runs around the busy one
  plan = Pick(*v, {3});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{7, 6, 5, 4}));
  EXPECT_FALSE(plan->bottommost);
}

TEST_F(SizeTieredTest, TooManyRunsMergeTheOldest) {
  o_.tiered_min_merge_width = 2;
  o_.tiered_max_merge_width = 4;
  // Each run twice the next newer one: no two similar.
  AddRuns({1, 2, 4, 8, 16, 32, 64});  // numbers 7..1
  auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kSizeTiered);
  EXPECT_DOUBLE_EQ(plan->score, 7.0 / 4);
  EXPECT_EQ(In(*plan, 0), (N{4, 3, 2, 1}));  // 7 - 4 + 1 = 4 runs
  EXPECT_TRUE(plan->bottommost);
  EXPECT_FALSE(Pick(*v, {1}).has_value());

  edit_.Clear();
  AddRuns({1, 2, 4, 8, 16});  // 5 runs: 2 oldest merge
  v = Build();
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{2, 1}));

  edit_.Clear();
  AddRuns({1, 2, 4, 8});  // within the limit
  v = Build();
  EXPECT_FALSE(Pick(*v).has_value());
}

TEST_F(SizeTieredTest, BottommostOnlyWhenNoOlderRunOverlaps) {
  Add(0, File(4, "a", "c", 10));
  Add(0, File(3, "a", "c", 10));
  Add(0, File(2, "b", "b", 10));
  Add(0, File(1, "x", "z", 1000));  // older, but apart from [a..c]
  o_.tiered_min_merge_width = 3;
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{4, 3, 2}));
  EXPECT_TRUE(plan->bottommost);
}

TEST_F(SizeTieredTest, ManualMergesTheOverlappingRunsInLevel0) {
  Add(0, File(4, "a", "c", 10));
  Add(0, File(3, "x", "z", 10));
  Add(0, File(2, "b", "d", 10));
  Add(0, File(1, "d", "f", 10));
  const auto v = Build();
  const Slice a("a");
  const auto plan = PickManualCompaction(*v, o_, 0, &a, &a, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kManual);
  EXPECT_EQ(plan->output_level, 0);
  EXPECT_EQ(In(*plan, 0), (N{4, 2, 1}));
  EXPECT_TRUE(plan->bottommost);
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_EQ(plan->max_output_file_size, UINT64_MAX);
}

}  // namespace
}  // namespace strata::internal
