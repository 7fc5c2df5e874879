#include "key/range_tombstone.h"

#include <gtest/gtest.h>

#include <cstdio>
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

// Timed tombstones (a versioned DB's DeleteRange) are kept whole beside the
// fragmented plain ones and answer their own lookups, by as-of time and
// sequence.
TEST(RangeTombstoneTest, TimedTombstonesAreKeptWholeBesideThePlainOnes) {
  const std::vector<RangeTombstone> t = {{"a", "e", 10, 0},
                                         {"c", "g", 20, 500},
                                         {"b", "d", 30, 300},
                                         {"c", "d", 15, 0}};
  FragmentedRangeTombstoneList list(Ucmp(), t);
  EXPECT_TRUE(list.has_timed());
  EXPECT_TRUE(list.timed_indexed());
  EXPECT_EQ("[a,c)@10 [c,d)@15,10 [d,e)@10 ", Describe(list));
  EXPECT_EQ(4u + 2, list.NumTombstones());
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
  EXPECT_TRUE(list.AnyEndsAfter("f"));
  EXPECT_FALSE(list.AnyEndsAfter("g"));
  // Stored and read back: the same list.
  std::vector<RangeTombstone> stored;
  list.AppendTombstones(&stored);
  ASSERT_EQ(list.NumTombstones(), stored.size());
  for (const RangeTombstone& x : stored) {
    std::string key;
    std::string value;
    EncodeRangeTombstone(x, &key, &value);
    RangeTombstone back;
    ASSERT_TRUE(DecodeRangeTombstone(Ucmp(), key, value, &back).ok());
    EXPECT_EQ(x.begin, back.begin);
    EXPECT_EQ(x.end, back.end);
    EXPECT_EQ(x.sequence, back.sequence);
    EXPECT_EQ(x.timestamp, back.timestamp);
  }
  FragmentedRangeTombstoneList again(Ucmp(), stored);
  EXPECT_EQ(Describe(list), Describe(again));
  EXPECT_EQ(list.timed().size(), again.timed().size());
  // A reader's list: its sequence and as-of time, the newest of each kind.
  FragmentedRangeTombstoneList reader(Ucmp(), t, 30, true, SIZE_MAX, 499);
  EXPECT_EQ("[a,c)@10 [c,d)@15 [d,e)@10 ", Describe(reader));
  ASSERT_EQ(1u, reader.timed().size());  // 500 is after the as-of time
  EXPECT_EQ(300u, reader.MaxCoveringTimed("c", 499, 30).timestamp);
  EXPECT_EQ(0u, reader.MaxCoveringTimed("c", 299, 30).timestamp);
  EXPECT_EQ(0u, reader.MaxCoveringTimed("f", 499, 30).timestamp);
}

// Lookups of timed tombstones match a brute-force answer, through the
// index and, for tombstones too nested to index, through the scan.
TEST(RangeTombstoneTest, TimedLookupsMatchABruteForceModel) {
  Random rnd(77);
  const auto key = [](uint32_t i) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%04u", i);
    return std::string(buf);
  };
  for (const bool nested : {false, true}) {
    std::vector<RangeTombstone> tombstones;
    const uint32_t n = nested ? 400 : 60;
    for (uint32_t i = 0; i < n; ++i) {
      RangeTombstone t;
      if (nested) {  // [i, 2n - i): n(n + 1) / 2 index pairs
        t.begin = key(i);
        t.end = key(2 * n - i);
      } else {
        const uint32_t a = rnd.Uniform(100);
        t.begin = key(a);
        t.end = key(a + 1 + rnd.Uniform(20));
      }
      t.sequence = 1 + i;
      t.timestamp = 1 + rnd.Uniform(50);
      tombstones.push_back(t);
    }
    const FragmentedRangeTombstoneList list(Ucmp(), tombstones);
    EXPECT_EQ(!nested, list.timed_indexed());
    for (int probe = 0; probe < 2000; ++probe) {
      const std::string k = key(rnd.Uniform(nested ? 2 * n + 2 : 125));
      const uint64_t as_of = 1 + rnd.Uniform(52);
      const SequenceNumber seq = rnd.Uniform(n + 2);
      TimedTombstone want;
      for (const RangeTombstone& t : tombstones) {
        if (t.begin <= k && k < t.end && t.timestamp <= as_of &&
            t.sequence <= seq &&
            TimedTombstone{t.timestamp, t.sequence}.NewerThan(want.timestamp,
                                                              want.sequence)) {
          want = TimedTombstone{t.timestamp, t.sequence};
        }
      }
      const TimedTombstone got = list.MaxCoveringTimed(k, as_of, seq);
      ASSERT_EQ(want.timestamp, got.timestamp) << k << " " << as_of;
      ASSERT_EQ(want.sequence, got.sequence) << k << " " << as_of;
    }
  }
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
