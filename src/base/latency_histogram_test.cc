#include "base/latency_histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace strata::internal {
namespace {

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(0u, h.Count());
  EXPECT_EQ(0.0, h.Percentile(50));
  EXPECT_EQ(0.0, h.Average());
}

TEST(LatencyHistogramTest, CountSumMaxAreExactAndPercentilesWithinABucket) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(1000u, h.Count());
  EXPECT_EQ(1000u, h.Max());
  EXPECT_DOUBLE_EQ(500.5, h.Average());
  // Power-of-two buckets: within a factor of two of the true value.
  EXPECT_GE(h.Percentile(50), 250.0);
  EXPECT_LE(h.Percentile(50), 1000.0);
  EXPECT_GE(h.Percentile(99), 512.0);
  EXPECT_LE(h.Percentile(99), 1000.0);
  EXPECT_LE(h.Percentile(100), 1000.0);
  EXPECT_NE(std::string::npos, h.Summary().find("count 1000"));
}

TEST(LatencyHistogramTest, ManyThreadsLoseNothing) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i)
        h.Record(static_cast<uint64_t>(t * 10 + i % 7));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(40000u, h.Count());
  EXPECT_EQ(36u, h.Max());
}

TEST(LatencyHistogramTest, UntimedEventsCountButDoNotMoveTheTimings) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  for (int i = 0; i < 700; ++i) h.CountUntimed();
  EXPECT_EQ(800u, h.Count());
  EXPECT_EQ(100u, h.Timed());
  EXPECT_EQ(100u, h.Max());
  EXPECT_DOUBLE_EQ(50.5, h.Average());
  EXPECT_GE(h.Percentile(50), 32.0);
  EXPECT_LE(h.Percentile(50), 64.0);
  EXPECT_NE(std::string::npos, h.Summary().find("count 800 timed 100 avg"))
      << h.Summary();
  LatencyHistogram all;
  all.Record(3);
  EXPECT_EQ(0u, all.Summary().rfind("count 1 timed 1 avg 3.0 p50 ", 0))
      << all.Summary();
}

TEST(LatencyHistogramTest, MoreThreadsThanStripesLoseNothing) {
  // Some threads share a stripe: every event still counts.
  LatencyHistogram h;
  std::vector<std::thread> threads;
  const int n = static_cast<int>(kStripes) + 3;
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 1000; ++i) {
        h.Record(static_cast<uint64_t>(t));
        h.CountUntimed();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(uint64_t{2000} * n, h.Count());
  EXPECT_EQ(uint64_t{1000} * n, h.Timed());
  EXPECT_EQ(static_cast<uint64_t>(n - 1), h.Max());
  // Sum of 1000 * t over t < n, over 1000 * n events.
  EXPECT_DOUBLE_EQ((n - 1) / 2.0, h.Average());
}

}  // namespace
}  // namespace strata::internal
