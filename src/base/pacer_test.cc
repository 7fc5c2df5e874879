// Pacer: the waits it asks for keep work at the rate, a first burst and
// the burst after an idle while are free, an idle while earns no more
// credit than the burst, a clock set back does not stall it, and a zero
// rate never waits.

#include "base/pacer.h"

#include <gtest/gtest.h>

namespace strata::internal {
namespace {

TEST(PacerTest, ZeroRateNeverWaits) {
  Pacer p(0, 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(0u, p.Record(1 << 30, 5));
}

TEST(PacerTest, WorkPastTheBurstWaitsForTheRate) {
  Pacer p(1000, 100);  // 1,000 units a second: one unit per millisecond
  const uint64_t t = 50000000;
  EXPECT_EQ(0u, p.Record(100, t));     // the first burst is free
  EXPECT_EQ(10000u, p.Record(10, t));  // 10 more: due in 10 ms
  EXPECT_EQ(15000u, p.Record(5, t));   // and 5 more after those
  // Waiting as told, then going on at the rate, never waits longer.
  uint64_t now = t + 15000;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t wait = p.Record(2, now);
    EXPECT_EQ(2000u, wait) << i;
    now += wait;
  }
  // 100 + 15 + 2,000 units took 2.015 s: the rate, less the one burst.
  EXPECT_EQ(t + 2015000, now);
}

TEST(PacerTest, AnIdleWhileEarnsNoMoreThanTheBurst) {
  Pacer p(1000, 100);
  uint64_t now = 1000000;
  EXPECT_EQ(0u, p.Record(100, now));
  EXPECT_EQ(50000u, p.Record(50, now));
  now += 3600000000;                   // an hour idle
  EXPECT_EQ(0u, p.Record(100, now));   // one burst of credit
  EXPECT_EQ(1000u, p.Record(1, now));  // and no more
  // Slower than the rate: no waits, and still no more than a burst saved.
  for (int i = 0; i < 20; ++i) {
    now += 10000;
    EXPECT_EQ(0u, p.Record(1, now));
  }
  // The last unit was done now: 99 more are free, 5 beyond them are not.
  EXPECT_EQ(0u, p.Record(98, now));
  EXPECT_EQ(4000u, p.Record(5, now));
}

TEST(PacerTest, AClockSetBackMovesTheScheduleWithIt) {
  Pacer p(1000, 100);
  uint64_t now = 7200000000;
  EXPECT_EQ(0u, p.Record(100, now));
  EXPECT_EQ(10000u, p.Record(10, now));
  now -= 3600000000;                     // an hour back
  EXPECT_EQ(20000u, p.Record(10, now));  // not an hour and 20 ms
}

TEST(PacerTest, EarlyClockAndHugeCountsDoNotOverflow) {
  Pacer p(1, 1);
  EXPECT_EQ(0u, p.Record(1, 0));  // a clock starting at 0
  EXPECT_GT(p.Record(UINT64_MAX / 2, 0), uint64_t{1} << 50);
  Pacer fast(UINT64_MAX, 1000);  // taken as 1e12 a second
  EXPECT_EQ(0u, fast.Record(1000, 7));
  const uint64_t wait = fast.Record(1000000000000, 7);  // a second's worth
  EXPECT_GE(wait, 999990u);
  EXPECT_LE(wait, 1000001u);
}

}  // namespace
}  // namespace strata::internal
