#include "key/versioned_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "key/internal_key.h"

namespace strata::internal {
namespace {

std::string V(const std::string& key, uint64_t ts) {
  std::string out;
  AppendVersionedKey(&out, key, ts);
  return out;
}

std::string IK(const std::string& key, uint64_t ts, SequenceNumber seq,
               ValueType type = ValueType::kValue) {
  std::string out;
  AppendInternalKey(&out, V(key, ts), seq, static_cast<uint8_t>(type));
  return out;
}

// Orders keys backwards, to show the key order is the comparator's.
class ReverseComparator final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return BytewiseComparator()->Compare(b, a);
  }
  const char* Name() const override { return "test.Reverse"; }
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

TEST(VersionedKeyTest, TheTimestampRoundTrips) {
  for (const uint64_t ts :
       {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{1} << 40,
        kMaxTimestamp - 1, kMaxTimestamp}) {
    const std::string v = V("key", ts);
    EXPECT_EQ(3 + kTimestampSize, v.size());
    EXPECT_EQ("key", StripTimestamp(v).ToString());
    EXPECT_EQ(ts, ExtractTimestamp(v));
  }
  EXPECT_EQ(7u, ExtractTimestamp(V("", 7)));  // an empty key part
}

TEST(VersionedKeyTest, VersionsOfAKeySortNewestFirst) {
  const VersionedComparator cmp(BytewiseComparator());
  EXPECT_LT(cmp.Compare(V("k", 9), V("k", 8)), 0);
  EXPECT_GT(cmp.Compare(V("k", 1), V("k", 256)), 0);
  EXPECT_EQ(cmp.Compare(V("k", 5), V("k", 5)), 0);
  EXPECT_LT(cmp.Compare(V("k", kMaxTimestamp), V("k", 0)), 0);
  // The key decides first, whatever the timestamps.
  EXPECT_LT(cmp.Compare(V("a", 1), V("b", 9)), 0);
  EXPECT_LT(cmp.Compare(V("a", 9), V("ab", 1)), 0);
  const ReverseComparator reverse;
  const VersionedComparator rcmp(&reverse);
  EXPECT_GT(rcmp.Compare(V("a", 1), V("b", 9)), 0);
  EXPECT_LT(rcmp.Compare(V("k", 9), V("k", 8)), 0);  // still newest first
  EXPECT_STREQ("strata.Versioned(test.Reverse)", rcmp.Name());
}

TEST(VersionedKeyTest, InternalKeysOrderKeyThenTimeThenSequence) {
  const InternalKeyComparator icmp(BytewiseComparator(), /*versioned=*/true);
  ASSERT_TRUE(icmp.versioned());
  EXPECT_EQ(BytewiseComparator(), icmp.key_comparator());
  // A back-dated write (sequence 9 at time 5) sorts after the newer time
  // written earlier (sequence 1 at time 10).
  const std::vector<std::string> sorted = {
      IK("a", 3, 1), IK("k", 10, 1), IK("k", 5, 9),
      IK("k", 5, 4), IK("k", 1, 20), IK("z", 100, 2),
  };
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    EXPECT_LT(icmp.Compare(sorted[i], sorted[i + 1]), 0) << i;
    EXPECT_GT(icmp.Compare(sorted[i + 1], sorted[i]), 0) << i;
  }
  EXPECT_TRUE(SameUserKey(icmp, IK("k", 10, 1), IK("k", 1, 20)));
  EXPECT_FALSE(SameUserKey(icmp, IK("k", 10, 1), IK("z", 10, 1)));
  // Without versioning the suffix is part of the key.
  const InternalKeyComparator plain(BytewiseComparator());
  EXPECT_FALSE(plain.versioned());
  EXPECT_FALSE(SameUserKey(plain, IK("k", 10, 1), IK("k", 1, 20)));
  EXPECT_TRUE(SameUserKey(plain, IK("k", 10, 1), IK("k", 10, 7)));
  // Filters see the key alone: tag and timestamp are cut off.
  EXPECT_EQ(kTagSize + kTimestampSize, icmp.FilterKeySuffixLength());
  EXPECT_EQ(kTagSize, plain.FilterKeySuffixLength());
}

TEST(VersionedKeyTest, AnAsOfSeekFindsTheNewestVersionAtOrBeforeIt) {
  const InternalKeyComparator icmp(BytewiseComparator(), /*versioned=*/true);
  std::vector<std::string> keys = {IK("k", 30, 3), IK("k", 20, 2),
                                   IK("k", 10, 1), IK("k", 15, 7),
                                   IK("j", 25, 5), IK("l", 5, 6)};
  std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    return icmp.Compare(a, b) < 0;
  });
  const auto seek = [&](uint64_t as_of) {
    std::string t;
    AppendInternalKey(&t, V("k", as_of), kMaxSequenceNumber, kTypeForSeek);
    const auto it = std::lower_bound(
        keys.begin(), keys.end(), t,
        [&](const auto& a, const auto& b) { return icmp.Compare(a, b) < 0; });
    if (it == keys.end() || !SameUserKey(icmp, *it, t)) return uint64_t{0};
    return ExtractTimestamp(ExtractUserKey(*it));
  };
  EXPECT_EQ(30u, seek(kMaxTimestamp));
  EXPECT_EQ(30u, seek(30));
  EXPECT_EQ(20u, seek(29));
  EXPECT_EQ(15u, seek(19));  // the back-dated version
  EXPECT_EQ(10u, seek(14));
  EXPECT_EQ(0u, seek(9));  // before the first version: the next key is "l"
}

TEST(VersionedKeyTest, SeparatorsStayBetweenAndSortBeforeTheirVersions) {
  const VersionedComparator cmp(BytewiseComparator());
  std::mt19937_64 rnd(17);
  const auto random_key = [&] {
    std::string k(1 + rnd() % 12, 'a');
    for (char& c : k) c = static_cast<char>('a' + rnd() % 4);
    return k;
  };
  for (int i = 0; i < 2000; ++i) {
    std::string a = V(random_key(), rnd() % 100);
    std::string b = V(random_key(), rnd() % 100);
    if (cmp.Compare(a, b) > 0) std::swap(a, b);
    if (cmp.Compare(a, b) == 0) continue;
    std::string sep = a;
    cmp.FindShortestSeparator(&sep, b);
    EXPECT_LE(cmp.Compare(a, sep), 0) << i;
    EXPECT_LT(cmp.Compare(sep, b), 0) << i;
    EXPECT_GE(sep.size(), kTimestampSize);
    std::string succ = a;
    cmp.FindShortSuccessor(&succ);
    EXPECT_LE(cmp.Compare(a, succ), 0) << i;
    EXPECT_GE(succ.size(), kTimestampSize);
  }
  // A shortened separator carries the newest timestamp.
  std::string sep = V("abcdef", 3);
  cmp.FindShortestSeparator(&sep, V("abzzzz", 9));
  EXPECT_EQ("abd", StripTimestamp(sep).ToString());
  EXPECT_EQ(kMaxTimestamp, ExtractTimestamp(sep));
  // Versions of one key are never separated by a shorter key.
  sep = V("same", 9);
  cmp.FindShortestSeparator(&sep, V("same", 3));
  EXPECT_EQ(V("same", 9), sep);
}

}  // namespace
}  // namespace strata::internal
