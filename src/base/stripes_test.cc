#include "base/stripes.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace strata::internal {
namespace {

TEST(StripesTest, AThreadKeepsItsStripeAndThreadsSpreadOverThem) {
  const size_t mine = ThreadStripe();
  EXPECT_LT(mine, kStripes);
  EXPECT_EQ(mine, ThreadStripe());
  // kStripes new threads (and no other thread asking meanwhile) take
  // kStripes consecutive turns of the round-robin: all different.
  std::vector<size_t> stripes(kStripes);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kStripes; ++t) {
    threads.emplace_back([&stripes, t] {
      stripes[t] = ThreadStripe();
      EXPECT_EQ(stripes[t], ThreadStripe());
    });
  }
  for (auto& t : threads) t.join();
  const std::set<size_t> distinct(stripes.begin(), stripes.end());
  EXPECT_EQ(kStripes, distinct.size());
}

TEST(StripesTest, CounterSumsEveryThreadsAdds) {
  StripedCounter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&counter, t] {
      for (int i = 0; i < 5000; ++i) counter.Add(static_cast<uint64_t>(t));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(uint64_t{5000} * (19 * 20 / 2), counter.Sum());
}

TEST(StripesTest, SamplingKeepsItsRateAndVaries) {
  for (const uint32_t period : {1u, 2u, 8u, 64u}) {
    constexpr int kDraws = 200000;
    int hits = 0;
    int longest_gap = 0;
    int gap = 0;
    for (int i = 0; i < kDraws; ++i) {
      if (ThreadSampleOneIn(period)) {
        ++hits;
        longest_gap = std::max(longest_gap, gap);
        gap = 0;
      } else {
        ++gap;
      }
    }
    const double expected = static_cast<double>(kDraws) / period;
    EXPECT_GT(hits, expected * 0.9) << period;
    EXPECT_LT(hits, expected * 1.1) << period;
    // Not a fixed stride: gaps vary, some much longer than the period.
    if (period > 1) {
      EXPECT_GT(longest_gap, static_cast<int>(period) * 3);
    }
  }
}

TEST(StripesTest, SamplingDoesNotAliasBetweenInterleavedCallers) {
  // Two callers taking turns on one thread (two DBs, say) are each
  // sampled at the rate, where a shared 1-in-8 count would give one all
  // samples and the other none.
  int a = 0;
  int b = 0;
  for (int i = 0; i < 80000; ++i) {
    if (ThreadSampleOneIn(8)) ++a;
    if (ThreadSampleOneIn(8)) ++b;
  }
  EXPECT_GT(a, 9000);
  EXPECT_LT(a, 11000);
  EXPECT_GT(b, 9000);
  EXPECT_LT(b, 11000);
}

}  // namespace
}  // namespace strata::internal
