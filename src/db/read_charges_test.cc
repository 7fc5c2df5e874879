#include "db/read_charges.h"

#include <gtest/gtest.h>

namespace strata::internal {
namespace {

// The idle fold's count: armed with L0 bytes / bytes_per_read reads (at
// least kMinBudget), counted down by charges; the charge that pays it
// wakes the background once; later charges change nothing.
TEST(ReadChargeInboxTest, Level0CountWakesOnceWhenPaid) {
  ReadChargeInbox inbox(1000);
  EXPECT_TRUE(inbox.Level0Paid()) << "never armed: nothing owed";
  inbox.ArmLevel0(250 * 1000);  // 250 reads
  EXPECT_FALSE(inbox.Level0Paid());
  for (int i = 0; i < 249; ++i) inbox.ChargeLevel0();
  EXPECT_FALSE(inbox.Level0Paid());
  EXPECT_FALSE(inbox.TakeWake());
  inbox.ChargeLevel0();
  EXPECT_TRUE(inbox.Level0Paid());
  EXPECT_TRUE(inbox.TakeWake());
  EXPECT_FALSE(inbox.TakeWake());
  for (int i = 0; i < 10; ++i) inbox.ChargeLevel0();
  EXPECT_TRUE(inbox.Level0Paid());
  EXPECT_FALSE(inbox.TakeWake());
  // A small L0 still waits for kMinBudget reads; arming again starts over.
  inbox.ArmLevel0(10);
  for (uint64_t i = 0; i + 1 < ReadChargeInbox::kMinBudget; ++i) {
    inbox.ChargeLevel0();
  }
  EXPECT_FALSE(inbox.Level0Paid());
  inbox.ChargeLevel0();
  EXPECT_TRUE(inbox.Level0Paid());
  EXPECT_TRUE(inbox.TakeWake());
}

// An iterator's charges count only in the generation it was made in: one
// kept across a re-arming (a change of L0) pays nothing.
TEST(ReadChargeInboxTest, IteratorChargesCountInTheirGenerationOnly) {
  ReadChargeInbox inbox(1000);
  inbox.ArmLevel0(0);
  const uint64_t old_generation = inbox.Level0Generation();
  inbox.ArmLevel0(0);
  const uint64_t generation = inbox.Level0Generation();
  EXPECT_NE(old_generation, generation);
  for (uint64_t i = 0; i < 2 * ReadChargeInbox::kMinBudget; ++i) {
    inbox.ChargeLevel0(old_generation);
  }
  EXPECT_FALSE(inbox.Level0Paid());
  for (uint64_t i = 0; i < ReadChargeInbox::kMinBudget; ++i) {
    inbox.ChargeLevel0(generation);
  }
  EXPECT_TRUE(inbox.Level0Paid());
  EXPECT_TRUE(inbox.TakeWake());
}

}  // namespace
}  // namespace strata::internal
