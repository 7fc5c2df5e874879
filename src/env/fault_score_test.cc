// env/fault_score_test.cc — FaultScore: cold after slow copies, warm again
// after fast ones, bounded both ways.

#include "env/fault_score.h"

#include <gtest/gtest.h>

#include <chrono>

namespace strata::internal {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

TEST(FaultScoreTest, InMemoryStaysWarm) {
  FaultScore score;
  for (int i = 0; i < 1000; ++i) score.Note(nanoseconds(300));
  EXPECT_FALSE(score.Cold());
  EXPECT_EQ(score.score(), 0);
}

TEST(FaultScoreTest, TwoSlowCopiesMakeItCold) {
  FaultScore score;
  score.Note(FaultScore::kSlowCopy);
  EXPECT_FALSE(score.Cold());
  score.Note(microseconds(80));
  EXPECT_TRUE(score.Cold());
}

TEST(FaultScoreTest, MissesMixedWithHitsStayCold) {
  // Out of memory, most reads miss and some hit: one miss in three keeps
  // the file cold.
  FaultScore score;
  for (int i = 0; i < 300; ++i) {
    score.Note(i % 3 == 0 ? microseconds(60) : nanoseconds(400));
    if (i >= 9) {
      ASSERT_TRUE(score.Cold()) << i;
    }
  }
}

TEST(FaultScoreTest, FastCopiesWarmItUpAgainAndTheScoreIsBounded) {
  FaultScore score;
  for (int i = 0; i < 1000; ++i) score.Note(microseconds(100));
  EXPECT_EQ(score.score(), FaultScore::kMaxScore);
  int fast = 0;
  while (score.Cold()) {
    score.Note(nanoseconds(500));
    ++fast;
  }
  // Warm after as many fast copies as the score was above the threshold.
  EXPECT_EQ(fast, FaultScore::kMaxScore - FaultScore::kColdAt + 1);
  for (int i = 0; i < 1000; ++i) score.Note(nanoseconds(500));
  EXPECT_EQ(score.score(), 0);
}

// While warm, one copy in kWarmSample of the thread's is timed, whatever
// the offsets (a file of few blocks too); after a slow one, every copy
// until warm again; never a copy of more than kMaxTimedPages.
TEST(FaultScoreTest, TimesASampleWhileWarmAndEveryCopyOtherwise) {
  FaultScore score;
  int timed = 0;
  constexpr int kReads = 64000;
  for (int i = 0; i < kReads; ++i) timed += score.ShouldTime(1) ? 1 : 0;
  EXPECT_EQ(timed, kReads / static_cast<int>(FaultScore::kWarmSample));
  score.Note(microseconds(80));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(score.ShouldTime(2)) << i;
  EXPECT_FALSE(score.ShouldTime(FaultScore::kMaxTimedPages + 1));
  // A run of misses found by sampling turns the file cold within a
  // sample's reads and two more.
  FaultScore cold;
  int reads = 0;
  while (!cold.Cold()) {
    ASSERT_LE(++reads, static_cast<int>(FaultScore::kWarmSample) + 2);
    if (cold.ShouldTime(1)) cold.Note(microseconds(60));
  }
  // Warm again: back to sampling.
  while (cold.score() > 0) cold.Note(nanoseconds(300));
  timed = 0;
  for (int i = 0; i < 1600; ++i) timed += cold.ShouldTime(1) ? 1 : 0;
  EXPECT_EQ(timed, 1600 / static_cast<int>(FaultScore::kWarmSample));
}

TEST(PagesSpannedTest, FirstPageAndLength) {
  constexpr uint64_t kPage = 4096;
  uint64_t first = 1;
  uint64_t length = 1;
  EXPECT_EQ(PagesSpanned(100, 0, kPage, &first, &length), 0u);
  EXPECT_EQ(length, 0u);
  // Inside one page, to its last byte, from its first.
  EXPECT_EQ(PagesSpanned(100, 200, kPage, &first, &length), 1u);
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(length, kPage);
  EXPECT_EQ(PagesSpanned(4000, 96, kPage, &first, &length), 1u);
  EXPECT_EQ(length, kPage);
  EXPECT_EQ(PagesSpanned(2 * kPage, kPage, kPage, &first, &length), 1u);
  EXPECT_EQ(first, 2 * kPage);
  // One byte over a boundary; a block over three pages.
  EXPECT_EQ(PagesSpanned(4000, 97, kPage, &first, &length), 2u);
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(length, 2 * kPage);
  EXPECT_EQ(PagesSpanned(kPage + 10, 2 * kPage, kPage, &first, &length), 3u);
  EXPECT_EQ(first, kPage);
  EXPECT_EQ(length, 3 * kPage);
}

}  // namespace
}  // namespace strata::internal
