#include "key/range_tombstone.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/random.h"

namespace strata::internal {
namespace {

const Comparator* Ucmp() { return BytewiseComparator(); }

std::string Describe(const FragmentedRangeTombstoneList& list) {
  std::string r;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& f = list.fragment(i);
    r += "[" + f.begin + "," + f.end + ")";
    for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
      r += (j == f.seq_begin ? "@" : ",") + std::to_string(list.seq(j));
    }
    r += " ";
  }
  return r;
}

TEST(RangeTombstoneTest, FragmentsOverlapsIntoDisjointPieces) {
  FragmentedRangeTombstoneList list(
      Ucmp(), {{"a", "e", 10}, {"c", "g", 20}, {"c", "d", 5}, {"x", "z", 7}});
  EXPECT_EQ("[a,c)@10 [c,d)@20,10,5 [d,e)@20,10 [e,g)@20 [x,z)@7 ",
            Describe(list));
  EXPECT_EQ(8u, list.NumTombstones());
}

TEST(RangeTombstoneTest, MergesTouchingFragmentsWithEqualCoverage) {
  FragmentedRangeTombstoneList list(
      Ucmp(), {{"a", "c", 3}, {"c", "f", 3}, {"f", "g", 4}});
  EXPECT_EQ("[a,f)@3 [f,g)@4 ", Describe(list));
  FragmentedRangeTombstoneList dup(Ucmp(), {{"a", "c", 3}, {"a", "c", 3}});
  EXPECT_EQ("[a,c)@3 ", Describe(dup));
}

TEST(RangeTombstoneTest, UpperSequenceAndNewestOnly) {
  const std::vector<RangeTombstone> t = {{"a", "e", 10}, {"c", "g", 20}};
  FragmentedRangeTombstoneList at15(Ucmp(), t, 15);
  EXPECT_EQ("[a,e)@10 ", Describe(at15));
  FragmentedRangeTombstoneList newest(Ucmp(), t, kMaxSequenceNumber, true);
  EXPECT_EQ("[a,c)@10 [c,g)@20 ", Describe(newest));
  FragmentedRangeTombstoneList none(Ucmp(), t, 9);
  EXPECT_TRUE(none.empty());
}

TEST(RangeTombstoneTest, LookupsMatchABruteForceModel) {
  Random rnd(301);
  for (int round = 0; round < 50; ++round) {
    std::vector<RangeTombstone> tombstones;
    const int n = 1 + static_cast<int>(rnd.Uniform(30));
    for (int i = 0; i < n; ++i) {
      char a = static_cast<char>('a' + rnd.Uniform(26));
      char b = static_cast<char>('a' + rnd.Uniform(26));
      if (a == b) continue;
      if (b < a) std::swap(a, b);
      tombstones.push_back(
          {std::string(1, a), std::string(1, b), 1 + rnd.Uniform(100)});
    }
    FragmentedRangeTombstoneList list(Ucmp(), tombstones);
    // Fragments are sorted and disjoint.
    for (size_t i = 1; i < list.size(); ++i) {
      ASSERT_LE(list.fragment(i - 1).end, list.fragment(i).begin);
    }
    for (char k = 'a' - 1; k <= 'z'; ++k) {
      const std::string key(1, k);
      for (SequenceNumber read : {SequenceNumber{0}, SequenceNumber{30},
                                  SequenceNumber{70}, kMaxSequenceNumber}) {
        SequenceNumber want = 0;
        for (const RangeTombstone& t : tombstones) {
          if (t.begin <= key && key < t.end && t.sequence <= read) {
            want = std::max(want, t.sequence);
          }
        }
        ASSERT_EQ(want, list.MaxCoveringSequence(key, read))
            << "key " << key << " read " << read << " in " << Describe(list);
      }
    }
    // Re-fragmenting the stored form gives the same list.
    std::vector<RangeTombstone> stored;
    list.AppendTombstones(&stored);
    FragmentedRangeTombstoneList again(Ucmp(), stored);
    ASSERT_EQ(Describe(list), Describe(again));
  }
}

TEST(RangeTombstoneTest, DecodeRejectsBadEntries) {
  RangeTombstone t;
  std::string key;
  AppendInternalKey(&key, "b", 7,
                    static_cast<uint8_t>(ValueType::kRangeDeletion));
  ASSERT_TRUE(DecodeRangeTombstone(Ucmp(), key, "d", &t).ok());
  EXPECT_EQ("b", t.begin);
  EXPECT_EQ("d", t.end);
  EXPECT_EQ(7u, t.sequence);
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, "b", &t).IsCorruption());
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, "a", &t).IsCorruption());
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, "", &t).IsCorruption());
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), "short", "d", &t).IsCorruption());
  std::string point;
  AppendInternalKey(&point, "b", 7, static_cast<uint8_t>(ValueType::kValue));
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), point, "d", &t).IsCorruption());
}

// Timed tombstones (a versioned DB's DeleteRange) share the fragments of
// the plain ones but answer their own lookups, by as-of time and sequence.
TEST(RangeTombstoneTest, TimedTombstonesFragmentBesideThePlainOnes) {
  const std::vector<RangeTombstone> t = {{"a", "e", 10, 0},
                                         {"c", "g", 20, 500},
                                         {"b", "d", 30, 300},
                                         {"c", "d", 15, 0}};
  FragmentedRangeTombstoneList list(Ucmp(), t);
  EXPECT_TRUE(list.has_timed());
  // [a,b) 1, [b,c) 2, [c,d) 4, [d,e) 2, [e,g) 1.
  EXPECT_EQ(10u, list.NumTombstones());
  // Plain lookups see the plain ones alone.
  EXPECT_EQ(10u, list.MaxCoveringSequence("b", kMaxSequenceNumber));
  EXPECT_EQ(15u, list.MaxCoveringSequence("c", kMaxSequenceNumber));
  EXPECT_EQ(0u, list.MaxCoveringSequence("f", kMaxSequenceNumber));
  // Timed: the newest (timestamp, sequence) at or before the as-of time
  // among those the sequence admits.
  const auto timed = [&](const char* key, uint64_t as_of, SequenceNumber seq) {
    const TimedTombstone x = list.MaxCoveringTimed(key, as_of, seq);
    return std::to_string(x.timestamp) + "#" + std::to_string(x.sequence);
  };
  EXPECT_EQ("0#0", timed("a", kMaxTimestamp, kMaxSequenceNumber));
  EXPECT_EQ("300#30", timed("b", kMaxTimestamp, kMaxSequenceNumber));
  EXPECT_EQ("500#20", timed("c", kMaxTimestamp, kMaxSequenceNumber));
  EXPECT_EQ("300#30", timed("c", 499, kMaxSequenceNumber));
  EXPECT_EQ("500#20", timed("c", kMaxTimestamp, 29));
  EXPECT_EQ("0#0", timed("c", 499, 29));
  EXPECT_EQ("500#20", timed("f", 500, 20));
  EXPECT_EQ("0#0", timed("g", kMaxTimestamp, kMaxSequenceNumber));
  // Stored and read back: the same fragments, in internal key order.
  std::vector<RangeTombstone> stored;
  list.AppendTombstones(&stored);
  ASSERT_EQ(list.NumTombstones(), stored.size());
  const InternalKeyComparator icmp(Ucmp());
  std::string previous;
  for (const RangeTombstone& x : stored) {
    std::string key;
    std::string value;
    EncodeRangeTombstone(x, &key, &value);
    if (!previous.empty()) {
      EXPECT_LT(icmp.Compare(previous, key), 0);
    }
    previous = key;
    RangeTombstone back;
    ASSERT_TRUE(DecodeRangeTombstone(Ucmp(), key, value, &back).ok());
    EXPECT_EQ(x.begin, back.begin);
    EXPECT_EQ(x.end, back.end);
    EXPECT_EQ(x.sequence, back.sequence);
    EXPECT_EQ(x.timestamp, back.timestamp);
  }
  FragmentedRangeTombstoneList again(Ucmp(), stored);
  EXPECT_EQ(Describe(list), Describe(again));
  // A reader's list: its sequence and as-of time, the newest of each kind
  // per fragment: [a,b)@10 [b,c)@10+300#30 [c,d)@15+300#30 [d,e)@10.
  FragmentedRangeTombstoneList reader(Ucmp(), t, 30, true, SIZE_MAX, 499);
  EXPECT_EQ(6u, reader.NumTombstones());
  EXPECT_EQ("[a,b)@10 [b,c)@10 [c,d)@15 [d,e)@10 ", Describe(reader));
  EXPECT_EQ(300u, reader.MaxCoveringTimed("c", 499, 30).timestamp);
  EXPECT_EQ(0u, reader.MaxCoveringTimed("c", 299, 30).timestamp);
  EXPECT_EQ(0u, reader.MaxCoveringTimed("f", 499, 30).timestamp);
}

TEST(RangeTombstoneTest, DecodeRejectsBadTimedEntries) {
  RangeTombstone t;
  t.begin = "b";
  t.end = "d";
  t.sequence = 7;
  t.timestamp = 99;
  std::string key;
  std::string value;
  EncodeRangeTombstone(t, &key, &value);
  EXPECT_EQ(static_cast<uint8_t>(ValueType::kTimedRangeDeletion),
            ExtractType(key));
  RangeTombstone back;
  ASSERT_TRUE(DecodeRangeTombstone(Ucmp(), key, value, &back).ok());
  EXPECT_EQ(99u, back.timestamp);
  // A value too short for its timestamp, a timestamp 0, an empty range.
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, value.substr(0, 7), &back)
                  .IsCorruption());
  std::string zero = value;
  zero.replace(0, 8, 8, '\0');
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, zero, &back).IsCorruption());
  EXPECT_TRUE(DecodeRangeTombstone(Ucmp(), key, value.substr(0, 8), &back)
                  .IsCorruption());
}

}  // namespace
}  // namespace strata::internal
