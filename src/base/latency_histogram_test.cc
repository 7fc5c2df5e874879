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

}  // namespace
}  // namespace strata::internal
