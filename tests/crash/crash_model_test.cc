// Tests of the crash test's verifier (crash_model.h) on hand-made reports
// and recovered states: it passes every state a crash may leave and names
// each kind of damage it must catch.

#include "tests/crash/crash_model.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/crash/crash_workload.h"

namespace strata::crash {
namespace {

class CrashModelTest : public ::testing::Test {
 protected:
  CrashModelTest() : state_(static_cast<size_t>(keys_.Size())) {}

  static Op Put(int key) { return Op{OpKind::kPut, key, 0}; }
  static Op Del(int key) { return Op{OpKind::kDelete, key, 0}; }

  // Reports "I" for batch n of writer w in `log`.
  void Issue(CycleLog* log, int w, int64_t n, std::vector<Op> data) {
    std::vector<Op> ops = WithMetaOps(keys_, w, n, std::move(data));
    std::string line = "I " + std::to_string(w) + " " + std::to_string(n);
    AppendOps(ops, &line);
    std::string error;
    ASSERT_TRUE(log->AddLine(line, &error)) << error;
    ops_[{w, n}] = std::move(ops);
  }

  void Ack(CycleLog* log, int w, int64_t n) {
    std::string error;
    ASSERT_TRUE(log->AddLine("A " + std::to_string(w) + " " + std::to_string(n),
                             &error))
        << error;
  }

  void IssueAndAck(CycleLog* log, int w, int64_t n, std::vector<Op> data) {
    Issue(log, w, n, std::move(data));
    Ack(log, w, n);
  }

  // Applies batch n of writer w to the simulated DB, as recovery would.
  void Apply(uint32_t cycle, int w, int64_t n) {
    for (const Op& op : ops_.at({w, n})) {
      if (op.kind == OpKind::kPut) {
        state_[static_cast<size_t>(op.key)] =
            ExpectedValue(BatchId{cycle, w, n}, keys_.Name(op.key));
      } else {
        for (int k = op.key;
             k < (op.kind == OpKind::kDelete ? op.key + 1 : op.end); ++k) {
          state_[static_cast<size_t>(k)].reset();
        }
      }
    }
  }

  Recovered Found() const {
    Recovered found;
    found.values = state_;
    return found;
  }

  // Checks the simulated DB against the model (which moves on if it passes).
  CheckResult Check(const CycleLog& log) {
    return model_.CheckCycle(log, Found());
  }

  const KeySpace keys_{/*data_keys=*/10, /*writers=*/2};
  Model model_{keys_};
  std::map<std::pair<int, int64_t>, std::vector<Op>> ops_;
  std::vector<std::optional<std::string>> state_;
};

TEST_F(CrashModelTest, EveryAcknowledgedBatchPresentPasses) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1), Put(2)});
  IssueAndAck(&log, 1, 0, {Put(2), Del(1)});
  IssueAndAck(&log, 0, 1, {Put(3)});
  Apply(0, 0, 0);
  Apply(0, 1, 0);
  Apply(0, 0, 1);
  const CheckResult r = Check(log);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(r.messages);
  EXPECT_EQ(r.batches_acked, 3u);
  EXPECT_EQ(r.batches_applied, 3u);
}

TEST_F(CrashModelTest, InFlightBatchMayBeThereOrNot) {
  for (bool applied : {false, true}) {
    Model model(keys_);
    state_.assign(state_.size(), std::nullopt);
    CycleLog log(keys_, 0);
    IssueAndAck(&log, 0, 0, {Put(1)});
    Issue(&log, 1, 0, {Put(1), Put(4)});
    Apply(0, 0, 0);
    if (applied) Apply(0, 1, 0);
    const CheckResult r = model.CheckCycle(log, Found());
    EXPECT_TRUE(r.ok()) << applied << ::testing::PrintToString(r.messages);
  }
}

TEST_F(CrashModelTest, LostAcknowledgedBatchIsCaught) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1)});
  IssueAndAck(&log, 0, 1, {Put(2)});
  Apply(0, 0, 0);
  const CheckResult r = Check(log);
  EXPECT_EQ(r.lost_acked, 1u);
  EXPECT_FALSE(r.ok());
}

TEST_F(CrashModelTest, BatchSeenByAReaderMustSurvive) {
  CycleLog log(keys_, 0);
  Issue(&log, 0, 0, {Put(1)});
  std::string error;
  ASSERT_TRUE(log.AddLine("V 0 -1", &error)) << error;
  EXPECT_EQ(Check(log).lost_acked, 1u);  // not acknowledged, but it was seen
}

TEST_F(CrashModelTest, HalfAppliedBatchIsCaught) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1), Put(2)});
  Apply(0, 0, 0);
  state_[2].reset();  // the batch's marker survived, one of its keys did not
  const CheckResult r = Check(log);
  EXPECT_EQ(r.half_applied, 1u);
  EXPECT_FALSE(r.ok());
}

TEST_F(CrashModelTest, KeyFromABatchPastTheMarkerIsCaught) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1)});
  Issue(&log, 0, 1, {Put(5)});
  Apply(0, 0, 0);
  state_[5] = ExpectedValue(BatchId{0, 0, 1}, keys_.Name(5));
  EXPECT_EQ(Check(log).half_applied, 1u);
}

TEST_F(CrashModelTest, HoleInAWriterIsCaught) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1)});
  IssueAndAck(&log, 0, 1, {Put(2)});
  IssueAndAck(&log, 0, 2, {Put(3)});
  Apply(0, 0, 0);
  Apply(0, 0, 2);  // batch 1 is missing: its key and its ring record
  const CheckResult r = Check(log);
  EXPECT_EQ(r.holes, 2u);
  EXPECT_EQ(r.half_applied, 0u);
}

TEST_F(CrashModelTest, WrongBytesAreCaught) {
  CycleLog log(keys_, 0);
  IssueAndAck(&log, 0, 0, {Put(1)});
  Apply(0, 0, 0);
  state_[1]->back() ^= 1;
  EXPECT_EQ(Check(log).wrong_values, 1u);
}

TEST_F(CrashModelTest, GarbageKeyIsCaught) {
  CycleLog log(keys_, 0);
  Recovered found = Found();
  found.unknown_keys.push_back("zz");
  EXPECT_EQ(model_.CheckCycle(log, found).garbage_keys, 1u);
}

TEST_F(CrashModelTest, OrderNoCommitOrderExplainsIsCaught) {
  CycleLog log(keys_, 0);
  // Writer 0's batch was acknowledged before writer 1's was issued, yet
  // the key both wrote shows writer 0's value.
  IssueAndAck(&log, 0, 0, {Put(1)});
  IssueAndAck(&log, 1, 0, {Put(1)});
  Apply(0, 1, 0);
  Apply(0, 0, 0);
  const CheckResult r = Check(log);
  EXPECT_EQ(r.order_violations, 1u);
  EXPECT_EQ(r.lost_acked + r.half_applied + r.holes + r.wrong_values, 0u);
}

TEST_F(CrashModelTest, TwoKeysDisagreeingOnTheOrderAreCaught) {
  CycleLog log(keys_, 0);
  // Concurrent batches (neither acknowledged before the other was issued)
  // may commit in either order, but not in both.
  Issue(&log, 0, 0, {Put(1), Put(2)});
  Issue(&log, 1, 0, {Put(1), Put(2)});
  Ack(&log, 0, 0);
  Ack(&log, 1, 0);
  Apply(0, 0, 0);
  Apply(0, 1, 0);
  EXPECT_TRUE(Check(log).ok());
  state_[2] = ExpectedValue(BatchId{0, 0, 0}, keys_.Name(2));
  EXPECT_EQ(Check(log).order_violations, 1u);
}

TEST_F(CrashModelTest, StateCarriesOverToTheNextCycle) {
  CycleLog first(keys_, 0);
  IssueAndAck(&first, 0, 0, {Put(1), Put(2)});
  Apply(0, 0, 0);
  ASSERT_TRUE(Check(first).ok());

  CycleLog second(keys_, 1);
  IssueAndAck(&second, 1, 0, {Del(1)});
  Apply(1, 1, 0);
  EXPECT_TRUE(Check(second).ok());

  // Cycle 2 writes nothing; key 1 coming back, or key 2 vanishing, is
  // damage to state verified before.
  CycleLog third(keys_, 2);
  const auto saved = state_;
  state_[1] = ExpectedValue(BatchId{0, 0, 0}, keys_.Name(1));
  EXPECT_EQ(Check(third).wrong_values, 1u);
  state_ = saved;
  state_[2].reset();
  EXPECT_EQ(Check(third).lost_acked, 1u);
  state_ = saved;
  EXPECT_TRUE(Check(third).ok());
}

TEST_F(CrashModelTest, MalformedReportsAreRejected) {
  CycleLog log(keys_, 0);
  std::string error;
  EXPECT_FALSE(log.AddLine("A 0 0", &error));      // never issued
  EXPECT_FALSE(log.AddLine("I 0 1 p1", &error));   // skips batch 0
  EXPECT_FALSE(log.AddLine("I 2 0 p1", &error));   // no writer 2
  EXPECT_FALSE(log.AddLine("I 0 0 p99", &error));  // no key 99
  EXPECT_FALSE(log.AddLine("V 0 -1", &error));     // shows an unissued batch
  EXPECT_TRUE(log.AddLine("I 0 0 p1 r2:5", &error)) << error;
  EXPECT_TRUE(log.AddLine("READY", &error));
  EXPECT_TRUE(log.AddLine("F boom", &error));
  ASSERT_EQ(log.failures().size(), 1u);
  EXPECT_EQ(log.failures()[0], "boom");
}

}  // namespace
}  // namespace strata::crash
