#include "db/idle_clock.h"

#include <gtest/gtest.h>

namespace strata::internal {
namespace {

TEST(IdleClockTest, CountsFromTheFirstLookAtASequence) {
  IdleClock clock(1000);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10000), 1000u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10400), 600u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10999), 1u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 11000), 0u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 50000), 0u);  // stays idle
}

// A delay given with the look replaces the clock's own, counted from the
// same first look (the idle fold's tenth of the delay in a read phase).
TEST(IdleClockTest, AGivenDelayCountsFromTheSameLook) {
  IdleClock clock(1000);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10000), 1000u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10050, 100), 50u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10100, 100), 0u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 10100), 900u);
  EXPECT_EQ(clock.MicrosUntilIdle(6, 10200, 100), 100u);  // a write
}

TEST(IdleClockTest, AWriteRestartsTheCount) {
  IdleClock clock(1000);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 0), 1000u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 900), 100u);
  EXPECT_EQ(clock.MicrosUntilIdle(6, 950), 1000u);  // a write came
  EXPECT_EQ(clock.MicrosUntilIdle(6, 1100), 850u);
  EXPECT_EQ(clock.MicrosUntilIdle(6, 1950), 0u);
  EXPECT_EQ(clock.MicrosUntilIdle(7, 5000), 1000u);  // idle, then a write
}

TEST(IdleClockTest, AClockThatGoesBackRestartsTheCount) {
  IdleClock clock(1000);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 5000), 1000u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 4000), 1000u);
  EXPECT_EQ(clock.MicrosUntilIdle(5, 4500), 500u);
}

TEST(IdleClockTest, SequenceZeroIsASequenceLikeAnyOther) {
  IdleClock clock(10);
  EXPECT_EQ(clock.MicrosUntilIdle(0, 100), 10u);
  EXPECT_EQ(clock.MicrosUntilIdle(0, 110), 0u);
}

}  // namespace
}  // namespace strata::internal
