// Tests of the leveled compaction policy on hand-built Versions: level
// targets, scores, the L0 / idle / level-size / tombstone / manual picks,
// user-key expansion, busy files, trivial moves, bottommost and the
// max_compaction_bytes bound. Every test checks exact file numbers. The
// size-tiered picks are in picker_tiered_test.cc.

#include "compaction/picker.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "compaction/picker_test_util.h"

namespace strata::internal {
namespace {

// ---- Level targets ----------------------------------------------------------

TEST_F(PickerTest, TargetsOfAnEmptyDbPutTheBaseAtTheLastLevel) {
  o_ = CompactionPolicyOptions();  // 7 levels, 256 MiB base
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 6);
  EXPECT_EQ(t.target_bytes,
            (std::vector<uint64_t>{0, 0, 0, 0, 0, 0, 256 * kMiB}));
}

TEST_F(PickerTest, TargetsIgnoreLevel0) {
  o_ = CompactionPolicyOptions();
  Add(0, File(1, "a", "z", 100 * kGiB));
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 6);
  EXPECT_EQ(t.target_bytes,
            (std::vector<uint64_t>{0, 0, 0, 0, 0, 0, 256 * kMiB}));
}

TEST_F(PickerTest, TargetsOfASmallLastLevelAreTheBaseSize) {
  Add(3, File(1, "a", "z", 10));
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 3);
  EXPECT_EQ(t.target_bytes, (std::vector<uint64_t>{0, 0, 0, 1000}));
}

TEST_F(PickerTest, BaseLevelMovesUpAsTheLastLevelGrows) {
  o_ = CompactionPolicyOptions();
  struct Case {
    uint64_t last_bytes;
    int base_level;
  };
  // The base moves up while its target would pass 256 MiB: a last level
  // just above 256 MiB already puts the base at L5.
  const Case cases[] = {
      {256 * kMiB, 6},  {256 * kMiB + 1, 5},   {1 * kGiB, 5},
      {2560 * kMiB, 5}, {2560 * kMiB + 10, 4}, {100 * kGiB, 3},
      {1024 * kGiB, 2}, {10240 * kGiB, 1},     {1024000 * kGiB, 1}};
  for (const Case& c : cases) {
    edit_.Clear();
    Add(6, File(1, "a", "z", c.last_bytes));
    const auto v = Build();
    const LevelTargets t = ComputeLevelTargets(*v, o_);
    EXPECT_EQ(t.base_level, c.base_level) << c.last_bytes;
    EXPECT_EQ(t.target_bytes[6], c.last_bytes);
    for (int level = 1; level < 6; ++level) {
      if (level < t.base_level) {
        EXPECT_EQ(t.target_bytes[static_cast<size_t>(level)], 0u);
      } else {
        // Within rounding of a tenth of the level below; above the base
        // size except at the base level, which is at most it (unless L1).
        EXPECT_EQ(t.target_bytes[static_cast<size_t>(level)],
                  static_cast<uint64_t>(
                      static_cast<double>(
                          t.target_bytes[static_cast<size_t>(level) + 1]) /
                      10));
        if (level > t.base_level) {
          EXPECT_GT(t.target_bytes[static_cast<size_t>(level)], 256 * kMiB);
        } else if (level > 1) {
          EXPECT_LE(t.target_bytes[static_cast<size_t>(level)], 256 * kMiB);
          EXPECT_GT(t.target_bytes[static_cast<size_t>(level)], 25 * kMiB);
        }
      }
    }
  }
}

TEST_F(PickerTest, AboutNinetyPercentOfTheTargetsSitInTheLastLevel) {
  o_ = CompactionPolicyOptions();
  Add(6, File(1, "a", "z", 100 * kGiB));
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 3);
  EXPECT_EQ(t.target_bytes,
            (std::vector<uint64_t>{0, 0, 0, 1 * kGiB / 10, 1 * kGiB, 10 * kGiB,
                                   100 * kGiB}));
  uint64_t total = 0;
  for (const uint64_t b : t.target_bytes) total += b;
  const double last_share =
      static_cast<double>(t.target_bytes[6]) / static_cast<double>(total);
  EXPECT_GT(last_share, 0.90);
  EXPECT_LT(last_share, 0.91);
}

TEST_F(PickerTest, TargetsFollowTheLargestLevelWhileTheLastIsSmall) {
  o_ = CompactionPolicyOptions();
  Add(5, File(1, "a", "m", 50 * kGiB));
  Add(6, File(2, "n", "z", 1 * kGiB));
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 3);
  EXPECT_EQ(t.target_bytes[6], 50 * kGiB);
  EXPECT_EQ(t.target_bytes[5], 5 * kGiB);
  EXPECT_EQ(t.target_bytes[4], 512 * kMiB);
  EXPECT_EQ(t.target_bytes[3], 512 * kMiB / 10);
}

TEST_F(PickerTest, BaseLevelNeverLiesBelowTheFirstNonEmptyLevel) {
  // The walk alone would stop at L2 (100000 / 10 = 10000, / 10 = 1000); a
  // few bytes left in L1 make L1 the base, with a small target to drain it.
  o_.max_bytes_for_level_base = 5000;
  Add(1, File(1, "a", "b", 5));
  Add(3, File(2, "a", "z", 100000));
  const auto v = Build();
  const LevelTargets t = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t.base_level, 1);
  EXPECT_EQ(t.target_bytes, (std::vector<uint64_t>{0, 1000, 10000, 100000}));

  o_.max_bytes_for_level_base = 20000;  // the walk stops at L3
  const LevelTargets t2 = ComputeLevelTargets(*v, o_);
  EXPECT_EQ(t2.base_level, 1);
  EXPECT_EQ(t2.target_bytes, (std::vector<uint64_t>{0, 1000, 10000, 100000}));
}

// ---- Scores -----------------------------------------------------------------

TEST_F(PickerTest, Scores) {
  AddBigLastLevel();
  for (uint64_t n = 1; n <= 6; ++n) Add(0, File(n, "a", "z", 1));
  Add(1, File(10, "a", "c", 700));
  Add(1, File(11, "d", "f", 800));
  Add(2, File(20, "a", "z", 5000));
  const auto v = Build();
  EXPECT_EQ(ComputeScores(*v, o_), (std::vector<double>{1.5, 1.5, 0.5, 0}));

  o_.style = CompactionStyle::kSizeTiered;
  EXPECT_EQ(ComputeScores(*v, o_), (std::vector<double>{1.5, 0, 0, 0}));
}

TEST_F(PickerTest, NothingToDoBelowEveryTrigger) {
  AddBigLastLevel();
  for (uint64_t n = 1; n <= 3; ++n) Add(0, File(n, "a", "z", 1));
  Add(1, File(10, "a", "c", 999));
  Add(2, File(20, "a", "z", 9999));
  const auto v = Build();
  EXPECT_FALSE(Pick(*v).has_value());
}

// ---- Level 0 ----------------------------------------------------------------

TEST_F(PickerTest, Level0TriggerTakesTheOverlappingL0FilesAndBaseOverlap) {
  AddBigLastLevel();
  // Oldest first: 10 [c..e], 11 [b..g], 12 [e..h], 13 [c..d]: union [b..h].
  Add(0, File(10, "c", "e", 10));
  Add(0, File(11, "b", "g", 10));
  Add(0, File(12, "e", "h", 10));
  Add(0, File(13, "c", "d", 10));
  Add(1, File(20, "a", "b", 100));
  Add(1, File(21, "d", "f", 100));
  Add(1, File(22, "x", "z", 100));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevel0Files);
  EXPECT_DOUBLE_EQ(plan->score, 1.0);
  EXPECT_EQ(plan->output_level, 1);
  EXPECT_EQ(plan->inputs[0].level, 0);
  EXPECT_EQ(In(*plan, 0), (N{13, 12, 11, 10}));
  EXPECT_EQ(plan->inputs[1].level, 1);
  EXPECT_EQ(In(*plan, 1), (N{20, 21}));
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_FALSE(plan->bottommost);  // L3 overlaps
  EXPECT_EQ(plan->max_output_file_size, 100u);
  EXPECT_EQ(plan->TotalInputBytes(), 240u);
}

TEST_F(PickerTest, Level0CompactsIntoTheBaseLevel) {
  // Small DB: the base level is the last one.
  for (uint64_t n = 1; n <= 4; ++n) Add(0, File(n, "a", "z", 10));
  Add(3, File(30, "m", "n", 10));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_EQ(In(*plan, 0), (N{4, 3, 2, 1}));
  EXPECT_EQ(In(*plan, 1), (N{30}));
  EXPECT_TRUE(plan->bottommost);
}

TEST_F(PickerTest, Level0LeavesOutFilesThatWouldBreakAgeOrder) {
  AddBigLastLevel();
  Add(0, File(10, "a", "b", 10));  // oldest: the range starts as [a..b]
  Add(0, File(11, "m", "n", 10));  // misses [a..b]: left out
  Add(0, File(12, "a", "a", 10));  // meets it: in
  Add(0, File(13, "b", "m", 10));  // meets it, but overlaps 11 (older): out
  Add(0, File(14, "a", "b", 10));  // overlaps 13 (left out): out
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevel0Files);
  EXPECT_EQ(In(*plan, 0), (N{12, 10}));
  EXPECT_EQ(In(*plan, 1), N{});
}

TEST_F(PickerTest, Level0RespectsMaxCompactionBytes) {
  AddBigLastLevel();
  for (uint64_t n = 10; n <= 14; ++n) Add(0, File(n, "c", "d", 100));
  Add(1, File(20, "a", "c", 50));
  Add(1, File(21, "e", "f", 50));
  // Two L0 files and their 50 bytes of L1 fit; a third would make 350.
  o_.max_compaction_bytes = 300;
  auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{11, 10}));
  EXPECT_EQ(In(*plan, 1), (N{20}));
  EXPECT_EQ(plan->TotalInputBytes(), 250u);
  o_.max_compaction_bytes = 350;
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{12, 11, 10}));
  EXPECT_EQ(plan->TotalInputBytes(), 350u);

  // The oldest file is always taken, even past the bound.
  o_.max_compaction_bytes = 10;
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{10}));
  EXPECT_EQ(In(*plan, 1), (N{20}));
}

TEST_F(PickerTest, Level0StopsBeforeABusyBaseFile) {
  AddBigLastLevel();
  Add(0, File(10, "a", "b", 10));
  Add(0, File(11, "a", "b", 10));
  Add(0, File(12, "b", "e", 10));  // would reach busy 21
  Add(0, File(13, "a", "a", 10));
  Add(1, File(20, "a", "a", 10));
  Add(1, File(21, "d", "e", 10));
  const auto v = Build();
  const auto plan = Pick(*v, {21});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{11, 10}));
  EXPECT_EQ(In(*plan, 1), (N{20}));
  // When the oldest file itself needs the busy file, no L0 compaction.
  EXPECT_FALSE(Pick(*v, {20}).has_value());
}

TEST_F(PickerTest, NoLevel0CompactionWhileAnL0FileIsBusy) {
  AddBigLastLevel();
  for (uint64_t n = 1; n <= 5; ++n) Add(0, File(n, "a", "z", 10));
  Add(1, File(20, "a", "c", 600));
  Add(1, File(21, "d", "f", 600));
  const auto v = Build();
  // Only 4 of 5 L0 files count (score 1.0 < L1's 1.2) ...
  auto plan = Pick(*v, {1});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  // ... and even as the top score, L0 is skipped while one of it is busy.
  for (uint64_t n = 6; n <= 9; ++n) Add(0, File(n, "a", "z", 10));
  const auto v2 = Build();
  plan = Pick(*v2, {1});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  EXPECT_EQ(In(*plan, 0), (N{20}));
  // Nothing busy: L0 (score 9/4) goes first, every file at once.
  plan = Pick(*v2);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevel0Files);
  EXPECT_EQ(In(*plan, 0), (N{9, 8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(In(*plan, 1), (N{20, 21}));
}

// ---- Idle fold --------------------------------------------------------------

TEST_F(PickerTest, IdleFoldTakesLevel0BelowItsTrigger) {
  AddBigLastLevel();
  Add(0, File(10, "c", "e", 10));  // oldest
  Add(0, File(11, "d", "g", 10));
  Add(1, File(20, "a", "b", 100));
  Add(1, File(21, "d", "f", 100));
  const auto v = Build();
  EXPECT_FALSE(Pick(*v).has_value());  // 2 of 4 files: no score pick
  const auto plan = PickIdleCompaction(*v, o_, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kIdle);
  EXPECT_DOUBLE_EQ(plan->score, 0.5);
  EXPECT_EQ(plan->output_level, 1);
  EXPECT_EQ(In(*plan, 0), (N{11, 10}));
  EXPECT_EQ(In(*plan, 1), (N{21}));
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_FALSE(plan->bottommost);  // L3 overlaps
}

TEST_F(PickerTest, IdleFoldOfOneTableWithNothingBelowIsAMove) {
  AddBigLastLevel();
  Add(0, File(10, "c", "e", 10));
  Add(1, File(20, "x", "y", 100));
  const auto v = Build();
  const auto plan = PickIdleCompaction(*v, o_, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{10}));
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_TRUE(plan->trivial_move);
}

TEST_F(PickerTest, IdleFoldNeedsAnIdleLevel0) {
  AddBigLastLevel();
  Add(1, File(20, "a", "b", 100));
  const auto empty = Build();
  EXPECT_FALSE(PickIdleCompaction(*empty, o_, {}).has_value());
  Add(0, File(10, "a", "b", 10));
  Add(0, File(11, "a", "b", 10));
  const auto v = Build();
  EXPECT_TRUE(PickIdleCompaction(*v, o_, {}).has_value());
  EXPECT_FALSE(PickIdleCompaction(*v, o_, {10}).has_value());  // L0 busy
  EXPECT_FALSE(PickIdleCompaction(*v, o_, {20}).has_value());  // overlap busy
}

TEST_F(PickerTest, IdleFoldFollowsLevel0AgeOrderAndItsByteBound) {
  AddBigLastLevel();
  for (uint64_t n = 10; n <= 12; ++n) Add(0, File(n, "c", "d", 100));
  Add(1, File(20, "a", "c", 50));
  o_.max_compaction_bytes = 260;  // the oldest file, its overlap, one more
  const auto v = Build();
  const auto plan = PickIdleCompaction(*v, o_, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{11, 10}));
  EXPECT_EQ(In(*plan, 1), (N{20}));
}

// ---- Read-triggered compaction
// ------------------------------------------------

TEST_F(PickerTest, ReadCompactionTakesTheChargedFileIntoTheNextLevel) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 100));
  Add(1, KeyedFile(21, "e", 40, "h", 30, 100));
  Add(1, KeyedFile(22, "h", 29, "k", 28, 100));  // shares h with 21
  Add(2, File(30, "a", "b", 500));
  Add(2, File(31, "f", "g", 500));
  Add(2, File(32, "i", "m", 500));
  const auto v = Build();
  EXPECT_FALSE(Pick(*v).has_value());  // no level is over its target
  const auto plan = PickReadCompaction(*v, o_, {}, 21);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kReads);
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_EQ(In(*plan, 0), (N{21, 22}));
  EXPECT_EQ(In(*plan, 1), (N{31, 32}));
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_FALSE(plan->bottommost);  // L3 overlaps
  EXPECT_STREQ(CompactionReasonName(Reason::kReads), "reads");
}

TEST_F(PickerTest, ReadCompactionOfAFileWithNothingBelowIsAMove) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 100));
  Add(2, File(30, "x", "y", 500));
  const auto v = Build();
  const auto plan = PickReadCompaction(*v, o_, {}, 20);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_TRUE(plan->trivial_move);
}

TEST_F(PickerTest, ReadCompactionSkipsWhatItCannotOrNeedNotFold) {
  AddBigLastLevel();
  Add(0, File(10, "a", "c", 10));
  Add(1, File(20, "a", "c", 100));
  Add(2, File(30, "a", "b", 500));
  const auto v = Build();
  EXPECT_FALSE(PickReadCompaction(*v, o_, {}, 10).has_value());    // L0
  EXPECT_FALSE(PickReadCompaction(*v, o_, {}, 90).has_value());    // last
  EXPECT_FALSE(PickReadCompaction(*v, o_, {}, 77).has_value());    // gone
  EXPECT_FALSE(PickReadCompaction(*v, o_, {20}, 20).has_value());  // busy
  EXPECT_FALSE(PickReadCompaction(*v, o_, {30}, 20).has_value());  // overlap
  o_.max_compaction_bytes = 599;
  EXPECT_FALSE(PickReadCompaction(*v, o_, {}, 20).has_value());  // too big
  o_.max_compaction_bytes = 600;
  EXPECT_TRUE(PickReadCompaction(*v, o_, {}, 20).has_value());
  o_.style = CompactionStyle::kSizeTiered;
  EXPECT_FALSE(PickReadCompaction(*v, o_, {}, 20).has_value());
}

// ---- Level size -------------------------------------------------------------

TEST_F(PickerTest, LevelSizePicksTheCheapestFileAndItsOverlap) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 400));  // overlap 800: ratio 2
  Add(1, File(21, "e", "g", 400));  // overlap 200: ratio 0.5
  Add(1, File(22, "i", "k", 400));  // overlap 300 + 300: ratio 1.5
  Add(2, File(30, "a", "b", 800));
  Add(2, File(31, "f", "f", 200));
  Add(2, File(32, "j", "j", 300));
  Add(2, File(33, "k", "l", 300));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  EXPECT_DOUBLE_EQ(plan->score, 1.2);
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_EQ(plan->inputs[0].level, 1);
  EXPECT_EQ(In(*plan, 0), (N{21}));
  EXPECT_EQ(plan->inputs[1].level, 2);
  EXPECT_EQ(In(*plan, 1), (N{31}));
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_FALSE(plan->bottommost);
}

TEST_F(PickerTest, LevelSizeHighestScoreWins) {
  AddBigLastLevel();
  for (uint64_t n = 1; n <= 5; ++n) Add(0, File(n, "a", "z", 10));  // 1.25
  Add(1, File(20, "a", "c", 1300));                                 // 1.3
  Add(2, File(30, "a", "z", 15000));                                // 1.5
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  EXPECT_DOUBLE_EQ(plan->score, 1.5);
  EXPECT_EQ(In(*plan, 0), (N{30}));
  EXPECT_EQ(In(*plan, 1), (N{90}));
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_TRUE(plan->bottommost);
}

TEST_F(PickerTest, LevelSizePrefersCandidatesWithinMaxCompactionBytes) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 1000));  // overlap 1000: ratio 1, 2000 bytes
  Add(1, File(21, "e", "g", 100));   // overlap 300: ratio 3, 400 bytes
  Add(2, File(30, "b", "b", 1000));
  Add(2, File(31, "f", "f", 300));
  const auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));  // cheapest per byte
  o_.max_compaction_bytes = 1500;
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{21}));  // the only one that fits
  EXPECT_EQ(In(*plan, 1), (N{31}));
  o_.max_compaction_bytes = 100;  // none fits: the cheapest anyway
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));
  EXPECT_EQ(In(*plan, 1), (N{30}));
}

// ---- Whole user keys
// ----------------------------------------------------------

TEST_F(PickerTest, InputsExpandToNeighboursSharingAUserKey) {
  AddBigLastLevel();
  // L1: h's versions are split between 21 and 22, and 22 and 23 share k.
  Add(1, File(20, "a", "c", 300));
  Add(1, KeyedFile(21, "e", 40, "h", 30, 100));
  Add(1, KeyedFile(22, "h", 29, "k", 28, 100));
  Add(1, KeyedFile(23, "k", 27, "k", 26, 100));
  Add(1, File(24, "m", "n", 500));
  Add(2, File(30, "a", "c", 3000));
  Add(2, File(31, "m", "n", 5000));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  EXPECT_EQ(In(*plan, 0), (N{21, 22, 23}));
  EXPECT_EQ(plan->inputs.size(), 1u);  // nothing below overlaps [e..k]
  EXPECT_FALSE(plan->trivial_move);    // three files: rewritten
}

TEST_F(PickerTest, OutputOverlapExpandsToNeighboursSharingAUserKey) {
  AddBigLastLevel();
  Add(1, File(20, "e", "g", 1100));
  Add(2, File(30, "a", "c", 100));
  Add(2, KeyedFile(31, "f", 50, "h", 40, 100));  // meets [e..g]
  Add(2, KeyedFile(32, "h", 39, "j", 38, 100));  // shares h with 31
  Add(2, KeyedFile(33, "k", 37, "m", 36, 100));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));
  EXPECT_EQ(In(*plan, 1), (N{31, 32}));
}

// ---- Busy files -------------------------------------------------------------

TEST_F(PickerTest, BusyFilesAreSkipped) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 400));               // ratio 2
  Add(1, File(21, "e", "g", 400));               // ratio 0.5
  Add(1, KeyedFile(22, "i", 20, "k", 19, 400));  // ratio 1, with 23
  Add(1, KeyedFile(23, "k", 18, "k", 17, 400));
  Add(2, File(30, "a", "b", 800));
  Add(2, File(31, "f", "f", 200));
  Add(2, File(32, "j", "j", 800));
  const auto v = Build();
  auto plan = Pick(*v, {21});  // the cheapest input is busy
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{22, 23}));
  EXPECT_EQ(In(*plan, 1), (N{32}));
  plan = Pick(*v, {31, 23});  // its overlap, and a neighbour of 22
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));
  EXPECT_EQ(In(*plan, 1), (N{30}));
  // Busy files do not count towards the score: 1200 of 1600 bytes is 1.2.
  plan = Pick(*v, {20});
  ASSERT_TRUE(plan.has_value());
  EXPECT_DOUBLE_EQ(plan->score, 1.2);
  EXPECT_EQ(In(*plan, 0), (N{21}));
  // 800 of 1600 bytes: no compaction by size.
  EXPECT_FALSE(Pick(*v, {20, 21}).has_value());
}

// ---- Trivial move and bottommost -------------------------------------------

TEST_F(PickerTest, TrivialMoveWhenNothingOverlapsBelow) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 500));  // overlap 50: ratio 0.1
  Add(1, File(21, "e", "g", 600));  // no overlap: moves
  Add(2, File(30, "b", "b", 50));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{21}));
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_TRUE(plan->trivial_move);
}

TEST_F(PickerTest, TrivialMoveOfTheOldestL0File) {
  AddBigLastLevel();
  Add(0, File(10, "a", "b", 10));
  Add(0, File(11, "c", "d", 10));
  Add(0, File(12, "e", "f", 10));
  Add(0, File(13, "g", "h", 10));
  Add(1, File(20, "x", "y", 10));
  const auto v = Build();
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevel0Files);
  EXPECT_EQ(In(*plan, 0), (N{10}));
  EXPECT_EQ(plan->output_level, 1);
  EXPECT_TRUE(plan->trivial_move);
}

TEST_F(PickerTest, NoTrivialMoveOfATombstoneDenseFileToTheBottom) {
  // L2 -> L3 (last, nothing overlapping): a dense file is rewritten so its
  // tombstones go; a sparse one moves.
  Add(2, WithEntries(File(30, "a", "c", 10000), 100, 60));
  Add(2, File(31, "d", "f", 20000));
  Add(3, File(40, "x", "z", 100000));
  const auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kLevelSize);
  EXPECT_EQ(In(*plan, 0), (N{30}));  // first of the two ratio-0 candidates
  EXPECT_TRUE(plan->bottommost);
  EXPECT_FALSE(plan->trivial_move);

  plan = Pick(*v, {30});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{31}));
  EXPECT_TRUE(plan->trivial_move);
}

TEST_F(PickerTest, Bottommost) {
  Add(1, File(20, "a", "c", 1100));   // score 1.1; L3 [b..b] lies below
  Add(2, File(30, "m", "n", 10100));  // score 1.01; into the last level
  Add(3, File(40, "b", "b", 100000));
  auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_FALSE(plan->bottommost);
  plan = Pick(*v, {20});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{30}));
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_TRUE(plan->bottommost);

  // L1 -> L2 with nothing below the range in L3: bottommost too.
  edit_.Clear();
  Add(1, File(20, "d", "f", 1100));
  Add(3, File(40, "b", "b", 100000));
  v = Build();
  plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20}));
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_TRUE(plan->bottommost);
}

// ---- Tombstones -------------------------------------------------------------

TEST_F(PickerTest, TombstoneDenseFileIsCompactedAlone) {
  AddBigLastLevel();
  Add(1, WithEntries(File(20, "a", "b", 100), 100, 40));  // 0.4: too sparse
  Add(1, WithEntries(File(21, "d", "e", 100), 100, 60));  // 0.6
  Add(2, WithEntries(File(30, "m", "n", 100), 100, 70));  // 0.7: densest
  Add(2, WithEntries(File(31, "p", "q", 100), 9, 9));     // too few entries
  Add(2, File(32, "r", "s", 100));
  const auto v = Build();
  auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kTombstones);
  EXPECT_DOUBLE_EQ(plan->score, 0.7);
  EXPECT_EQ(In(*plan, 0), (N{30}));
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_EQ(In(*plan, 1), (N{90}));
  EXPECT_FALSE(plan->trivial_move);
  EXPECT_TRUE(plan->bottommost);

  plan = Pick(*v, {30});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kTombstones);
  EXPECT_EQ(In(*plan, 0), (N{21}));
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_EQ(plan->inputs.size(), 1u);  // nothing in L2 overlaps [d..e]
  EXPECT_FALSE(plan->trivial_move);    // never a move for tombstones
  EXPECT_FALSE(plan->bottommost);      // L3 overlaps

  EXPECT_FALSE(Pick(*v, {21, 30}).has_value());
}

TEST_F(PickerTest, TombstoneDenseFileAtTheLastLevelCompactsIntoItself) {
  Add(3, WithEntries(File(40, "a", "c", 1000), 50, 30));
  Add(3, File(41, "d", "f", 1000));
  const auto v = Build();
  auto plan = PickCompaction(*v, o_, {}, /*earliest_snapshot=*/40);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kTombstones);
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_EQ(plan->inputs[0].level, 3);
  EXPECT_EQ(In(*plan, 0), (N{40}));
  EXPECT_TRUE(plan->bottommost);
  EXPECT_FALSE(plan->trivial_move);
  // A snapshot older than some of its entries: the rewrite could not drop
  // every tombstone, so the file is not picked.
  EXPECT_FALSE(PickCompaction(*v, o_, {}, 39).has_value());
  // Nor in a versioned DB, where tombstones stay at the last level: the
  // rewrite would produce the same file, to be picked again forever.
  o_.versioned = true;
  EXPECT_FALSE(PickCompaction(*v, o_, {}, 40).has_value());
}

TEST_F(PickerTest, TombstonePickRespectsMaxCompactionBytes) {
  AddBigLastLevel();
  Add(2, WithEntries(File(30, "m", "n", 100), 100, 70));
  const auto v = Build();
  o_.max_compaction_bytes = 100099;  // 30 and its overlap 90 need 100100
  EXPECT_FALSE(Pick(*v).has_value());
  o_.max_compaction_bytes = 100100;
  const auto plan = Pick(*v);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{30}));
  EXPECT_EQ(In(*plan, 1), (N{90}));
}

// ---- Manual -----------------------------------------------------------------

TEST_F(PickerTest, ManualRangePicksExactlyTheOverlappingFiles) {
  AddBigLastLevel();
  Add(1, File(20, "a", "c", 100));
  Add(1, File(21, "e", "g", 100));
  Add(1, File(22, "i", "k", 100));
  Add(2, File(30, "b", "f", 100));
  Add(2, File(31, "x", "y", 100));
  const auto v = Build();
  const Slice d("d"), f("f"), h("h"), i("i"), q("q");
  auto plan = PickManualCompaction(*v, o_, 1, &d, &i, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kManual);
  EXPECT_EQ(plan->output_level, 2);
  EXPECT_EQ(In(*plan, 0), (N{21, 22}));
  EXPECT_EQ(In(*plan, 1), (N{30}));
  EXPECT_FALSE(plan->trivial_move);

  plan = PickManualCompaction(*v, o_, 1, nullptr, nullptr, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{20, 21, 22}));
  EXPECT_EQ(In(*plan, 1), (N{30}));

  plan = PickManualCompaction(*v, o_, 1, &h, nullptr, {});  // moves
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(In(*plan, 0), (N{22}));
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_TRUE(plan->trivial_move);

  EXPECT_FALSE(PickManualCompaction(*v, o_, 1, &q, nullptr, {}).has_value());
  EXPECT_FALSE(PickManualCompaction(*v, o_, 1, &h, &h, {}).has_value());
  EXPECT_FALSE(PickManualCompaction(*v, o_, 0, nullptr, nullptr, {})
                   .has_value());  // L0 is empty
  // A busy input or output file: no plan (the range does overlap).
  EXPECT_FALSE(PickManualCompaction(*v, o_, 1, &d, &f, {30}).has_value());
  EXPECT_FALSE(PickManualCompaction(*v, o_, 1, &d, &f, {21}).has_value());
  EXPECT_FALSE(v->Overlapping(1, &d, &f).empty());
}

TEST_F(PickerTest, ManualLastLevelCompactsIntoItself) {
  Add(3, File(40, "a", "c", 100));
  Add(3, KeyedFile(41, "e", 9, "g", 8, 100));
  Add(3, KeyedFile(42, "g", 7, "h", 6, 100));
  Add(3, File(43, "x", "y", 100));
  const auto v = Build();
  const Slice d("d"), f("f");
  const auto plan = PickManualCompaction(*v, o_, 3, &d, &f, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->output_level, 3);
  EXPECT_EQ(In(*plan, 0), (N{41, 42}));  // 42 holds older versions of g
  EXPECT_EQ(plan->inputs.size(), 1u);
  EXPECT_TRUE(plan->bottommost);
  EXPECT_FALSE(plan->trivial_move);
}

TEST_F(PickerTest, ManualLevel0TakesTheOverlapClosureIntoTheBase) {
  AddBigLastLevel();
  Add(0, File(10, "a", "b", 10));
  Add(0, File(11, "b", "d", 10));  // meets [a..a] only through 10
  Add(0, File(12, "d", "e", 10));  // through 11
  Add(0, File(13, "g", "h", 10));  // apart
  Add(1, File(20, "e", "f", 10));
  Add(1, File(21, "g", "g", 10));
  const auto v = Build();
  const Slice a("a");
  const auto plan = PickManualCompaction(*v, o_, 0, &a, &a, {});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->reason, Reason::kManual);
  EXPECT_EQ(plan->output_level, 1);
  EXPECT_EQ(In(*plan, 0), (N{12, 11, 10}));
  EXPECT_EQ(In(*plan, 1), (N{20}));
}

// ---- Rendering --------------------------------------------------------------

TEST_F(PickerTest, DebugString) {
  CompactionPlan plan;
  plan.reason = Reason::kLevelSize;
  plan.score = 1.25;
  plan.output_level = 2;
  plan.inputs.push_back(
      {1, {std::make_shared<const FileMetaData>(File(7, "a", "b", 100))}});
  plan.inputs.push_back(
      {2,
       {std::make_shared<const FileMetaData>(File(12, "a", "a", 10)),
        std::make_shared<const FileMetaData>(File(13, "b", "b", 5))}});
  EXPECT_EQ(plan.TotalInputBytes(), 115u);
  EXPECT_EQ(plan.DebugString(),
            "level-size score=1.25 L1:[7] L2:[12,13] -> L2 bytes=115");
  plan.inputs.pop_back();
  plan.trivial_move = true;
  plan.bottommost = true;
  EXPECT_EQ(plan.DebugString(),
            "level-size score=1.25 L1:[7] -> L2 bytes=100 trivial-move "
            "bottommost");
  EXPECT_STREQ(CompactionReasonName(Reason::kLevel0Files), "level0-files");
  EXPECT_STREQ(CompactionReasonName(Reason::kTombstones), "tombstones");
  EXPECT_STREQ(CompactionReasonName(Reason::kSizeTiered), "size-tiered");
  EXPECT_STREQ(CompactionReasonName(Reason::kManual), "manual");
  EXPECT_STREQ(CompactionReasonName(Reason::kIdle), "idle");
}

}  // namespace
}  // namespace strata::internal
