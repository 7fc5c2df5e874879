#include "txn/commit_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace strata::internal {
namespace {

using Answer = CommitIndex::Answer;

// Writes of `keys` from sequence `first` on, one each. The strings live
// in a static store, as the batch's bytes live through Record.
std::vector<CommitIndex::Write> Puts(const std::vector<std::string>& keys,
                                     SequenceNumber first) {
  static std::vector<std::unique_ptr<std::string>> store;
  std::vector<CommitIndex::Write> writes;
  for (const std::string& k : keys) {
    store.push_back(std::make_unique<std::string>(k));
    writes.push_back(
        CommitIndex::Write{*store.back(), Slice(), false, first++});
  }
  return writes;
}

Answer Check(const CommitIndex& index, const std::vector<std::string>& keys,
             const std::vector<ScannedRange>& ranges, SequenceNumber after) {
  std::string what;
  return index.Check(keys, ranges, after, &what);
}

TEST(CommitIndexTest, RecordsOnlyWhileATransactionIsLive) {
  CommitIndex index(BytewiseComparator(), 1 << 20);
  index.Record(Puts({"a"}, 5));  // nobody live: not kept
  EXPECT_EQ(0u, index.NumEntries());
  index.Register();
  index.SetSnapshot(5);
  index.Record(Puts({"a", "b"}, 6));  // a@6, b@7
  EXPECT_EQ(2u, index.NumEntries());
  EXPECT_EQ(Answer::kConflict, Check(index, {"b"}, {}, 6));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {"b"}, {}, 7));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {"c"}, {}, 5));
  // Two members of one group: the second sees the first.
  index.Record(Puts({"c"}, 8));
  EXPECT_EQ(Answer::kConflict, Check(index, {"c"}, {}, 7));
  index.Unregister(5);
  EXPECT_EQ(0u, index.NumEntries());
  EXPECT_EQ(0u, index.ApproximateBytes());
}

TEST(CommitIndexTest, RangesPointsAndScans) {
  CommitIndex index(BytewiseComparator(), 1 << 20);
  index.Register();
  index.SetSnapshot(10);
  index.Record({CommitIndex::Write{"f", "h", true, 11},
                CommitIndex::Write{"m", Slice(), false, 12}});
  EXPECT_EQ(Answer::kConflict, Check(index, {"g"}, {}, 10));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {"h"}, {}, 10));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {"g"}, {}, 11));
  // Scans: [a, f) misses the range, [a, f] meets it; [n, ...) misses m.
  EXPECT_EQ(Answer::kNoConflict, Check(index, {}, {{"a", "f", false}}, 10));
  EXPECT_EQ(Answer::kConflict, Check(index, {}, {{"a", "f", true}}, 10));
  EXPECT_EQ(Answer::kConflict, Check(index, {}, {{"i", "m", true}}, 11));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {}, {{"i", "m", false}}, 11));
  EXPECT_EQ(Answer::kNoConflict, Check(index, {}, {{"n", "", false}}, 10));
  EXPECT_EQ(Answer::kConflict, Check(index, {}, {{"", "", false}}, 11));
  index.Unregister(10);
}

TEST(CommitIndexTest, PrunesWhatNoLiveTransactionNeeds) {
  CommitIndex index(BytewiseComparator(), 1 << 20);
  index.Register();
  index.SetSnapshot(10);
  index.Record(Puts({"a"}, 11));
  index.Register();
  index.SetSnapshot(11);
  index.Record(Puts({"b"}, 12));
  EXPECT_EQ(2u, index.NumEntries());
  index.Unregister(10);  // the oldest is now 11: a@11 goes
  EXPECT_EQ(1u, index.NumEntries());
  EXPECT_EQ(Answer::kConflict, Check(index, {"b"}, {}, 11));
  EXPECT_EQ(0u, index.floor());  // nothing a live one needs was dropped
  index.Unregister(11);
}

TEST(CommitIndexTest, TheMemoryBoundRaisesTheFloor) {
  CommitIndex index(BytewiseComparator(), 300);  // about three entries
  index.Register();
  index.SetSnapshot(1);
  for (SequenceNumber s = 2; s < 12; ++s) {
    index.Record(Puts({"key" + std::to_string(s)}, s));
  }
  EXPECT_LE(index.ApproximateBytes(), 300u);
  EXPECT_GT(index.floor(), 1u);
  // A window older than the floor is not answered from memory.
  EXPECT_EQ(Answer::kUnknown, Check(index, {"key2"}, {}, 1));
  EXPECT_EQ(Answer::kConflict, Check(index, {"key11"}, {}, index.floor()));
  index.Unregister(1);
}

// A commit pins the sequence it checked the tree up to: past the memory
// bound the floor stays at or below it, so its validation is answered.
TEST(CommitIndexTest, APinHoldsTheFloor) {
  CommitIndex index(BytewiseComparator(), 300);
  index.Register();
  index.SetSnapshot(1);
  ASSERT_TRUE(index.Pin(5));
  for (SequenceNumber s = 2; s < 30; ++s) {
    index.Record(Puts({"key" + std::to_string(s)}, s));
  }
  EXPECT_LE(index.floor(), 5u);
  EXPECT_GT(index.ApproximateBytes(), 300u);  // over the bound meanwhile
  EXPECT_EQ(Answer::kConflict, Check(index, {"key29"}, {}, 5));
  index.Unpin(5);
  EXPECT_LE(index.ApproximateBytes(), 300u);
  EXPECT_GT(index.floor(), 5u);
  EXPECT_FALSE(index.Pin(5));  // below the floor now: refused
  index.Unregister(1);
}

}  // namespace
}  // namespace strata::internal
