// Tests of strata_bench's latency bookkeeping: the histogram, and the
// timers that feed it one operation or one batch of scan steps at a time.

#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "bench/runner.h"

namespace strata::bench {
namespace {

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.Percentile(50), 50.0);
  EXPECT_DOUBLE_EQ(h.Percentile(99), 99.0);
  EXPECT_DOUBLE_EQ(h.Percentile(100), 100.0);
  EXPECT_DOUBLE_EQ(h.Mean(), 50.5);
}

TEST(HistogramTest, LargeValuesWithinOnePercent) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);
  EXPECT_NEAR(h.Percentile(50), 50000.0 * 1000, 50000.0 * 1000 * 0.01);
  EXPECT_NEAR(h.Percentile(99.9), 99900.0 * 1000, 99900.0 * 1000 * 0.01);
  EXPECT_EQ(h.max(), 100000u * 1000);
  Histogram huge;
  huge.Record(UINT64_MAX);
  EXPECT_EQ(huge.max(), UINT64_MAX);
  EXPECT_GT(huge.Percentile(50), 1e19);
}

TEST(HistogramTest, MergeAddsCounts) {
  Histogram a;
  Histogram b;
  for (int i = 0; i < 10; ++i) a.Record(10);
  for (int i = 0; i < 30; ++i) b.Record(1000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 40u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 1000u);
  EXPECT_DOUBLE_EQ(a.Percentile(25), 10.0);
  EXPECT_NEAR(a.Percentile(26), 1000.0, 10.0);
}

TEST(HistogramTest, ABatchCountsEachOfItsOperations) {
  Histogram h;
  h.Record(100, 63);
  h.Record(1, 0);  // an empty batch: nothing, not even a new minimum
  h.Record(10000);
  EXPECT_EQ(h.count(), 64u);
  EXPECT_EQ(h.min(), 100u);
  EXPECT_EQ(h.max(), 10000u);
  EXPECT_DOUBLE_EQ(h.Mean(), (63 * 100.0 + 10000.0) / 64);
  EXPECT_DOUBLE_EQ(h.Percentile(98), 100.0);
  EXPECT_NEAR(h.Percentile(100), 10000.0, 100.0);
}

TEST(HistogramTest, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.Percentile(99), 0.0);
  EXPECT_EQ(h.min(), 0u);
}

TEST(OpTimerTest, ABatchLapRecordsItsMeanOncePerOperation) {
  Histogram h;
  OpTimer timer(/*deadline=*/5000, /*now=*/1000);
  EXPECT_TRUE(timer.Lap(&h, 1640, 64));  // 64 operations in 640 ns
  EXPECT_TRUE(timer.Lap(&h, 1700));      // one in 60 ns
  EXPECT_TRUE(timer.Lap(&h, 1800, 0));   // none: nothing recorded
  EXPECT_FALSE(timer.Lap(&h, 5300, 7));  // 7 in 3500 ns, past the deadline
  EXPECT_EQ(h.count(), 72u);
  EXPECT_EQ(h.min(), 10u);
  EXPECT_EQ(h.max(), 500u);
  EXPECT_DOUBLE_EQ(h.Percentile(50), 10.0);
}

TEST(OpTimerTest, ABatchMeanIsRoundedToTheNearestNanosecond) {
  Histogram h;
  OpTimer timer(/*deadline=*/UINT64_MAX, /*now=*/0);
  timer.Lap(&h, 191, 64);  // 2.98 ns each
  EXPECT_EQ(h.min(), 3u);
  EXPECT_DOUBLE_EQ(h.Mean(), 3.0);
}

TEST(BatchTimerTest, ReadsTheClockOnceABatchAndStopsWithinOne) {
  Histogram h;
  uint64_t now = 0;
  int reads = 0;
  auto clock = [&] {
    ++reads;
    return now;
  };
  BatchTimer timer(/*deadline=*/1000, /*now=*/0, /*batch=*/8);
  int steps = 0;
  for (;;) {
    now += 10;  // each step takes 10 ns
    ++steps;
    if (!timer.Step(&h, clock)) break;
    ASSERT_LT(steps, 1000) << "the deadline never stopped the scan";
  }
  // Laps at 80, 160, ..., 1040 ns: the first past the deadline stops it,
  // within a batch of it.
  EXPECT_EQ(steps, 104);
  EXPECT_EQ(reads, 13);
  EXPECT_EQ(h.count(), 104u);
  EXPECT_EQ(h.min(), 10u);
  EXPECT_EQ(h.max(), 10u);
  timer.Finish(&h, now);  // nothing pending
  EXPECT_EQ(h.count(), 104u);
}

TEST(BatchTimerTest, FinishLapsThePartialBatch) {
  Histogram h;
  BatchTimer timer(/*deadline=*/UINT64_MAX, /*now=*/100, /*batch=*/64);
  const auto never = []() -> uint64_t {
    ADD_FAILURE() << "a partial batch read the clock";
    return 0;
  };
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(timer.Step(&h, never));
  EXPECT_EQ(h.count(), 0u);
  timer.Finish(&h, 600);  // 5 steps in 500 ns
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.min(), 100u);
  EXPECT_EQ(h.max(), 100u);
}

}  // namespace
}  // namespace strata::bench
