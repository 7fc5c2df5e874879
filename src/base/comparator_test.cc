#include "strata/comparator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "base/random.h"

namespace strata {
namespace {

using internal::Random;

const Comparator* Cmp() { return BytewiseComparator(); }

int Sign(int x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

int Compare(const std::string& a, const std::string& b) {
  return Sign(Cmp()->Compare(a, b));
}

std::string Separator(std::string start, const std::string& limit) {
  Cmp()->FindShortestSeparator(&start, limit);
  return start;
}

std::string Successor(std::string key) {
  Cmp()->FindShortSuccessor(&key);
  return key;
}

// A random string over bytes that exercise the edges: 0x00, 0x01, 0x7f,
// 0x80, 0xfe, 0xff and two letters.
std::string RandomEdgyString(Random* rnd, size_t max_len) {
  static constexpr unsigned char kAlphabet[] = {0x00, 0x01, 0x7f, 0x80,
                                                0xfe, 0xff, 'a',  'b'};
  std::string s(rnd->Uniform(max_len + 1), '\0');
  for (char& c : s) {
    c = static_cast<char>(kAlphabet[rnd->Uniform(sizeof(kAlphabet))]);
  }
  return s;
}

// Either a random edgy string or fully random bytes.
std::string RandomKey(Random* rnd) {
  if (rnd->OneIn(2)) return RandomEdgyString(rnd, 6);
  std::string s(rnd->Uniform(8), '\0');
  for (char& c : s) c = static_cast<char>(rnd->Next());
  return s;
}

TEST(BytewiseComparatorTest, NameIsStable) {
  // Stored with each DB: changing it makes existing DBs unopenable.
  EXPECT_STREQ(Cmp()->Name(), "strata.BytewiseComparator");
  EXPECT_EQ(BytewiseComparator(), BytewiseComparator());
}

TEST(BytewiseComparatorTest, OrdersBytesAsUnsigned) {
  EXPECT_EQ(Compare("a", "a"), 0);
  EXPECT_EQ(Compare("", ""), 0);
  EXPECT_EQ(Compare("a", "b"), -1);
  EXPECT_EQ(Compare("b", "a"), 1);
  EXPECT_EQ(Compare("abc", "abd"), -1);
  // 0x80 and 0xff sort after every ASCII byte (they are negative as char).
  EXPECT_EQ(Compare("\x7f", "\x80"), -1);
  EXPECT_EQ(Compare("\xff", "a"), 1);
  EXPECT_EQ(Compare("\x80", "\xff"), -1);
  EXPECT_EQ(Compare(std::string(1, '\0'), "\x01"), -1);
  EXPECT_EQ(Compare("a\xff", "b"), -1);
}

TEST(BytewiseComparatorTest, PrefixSortsFirst) {
  EXPECT_EQ(Compare("", "a"), -1);
  EXPECT_EQ(Compare("ab", "abc"), -1);
  EXPECT_EQ(Compare("abc", "ab"), 1);
  // A trailing NUL still makes the longer string larger.
  EXPECT_EQ(Compare("ab", std::string("ab\0", 3)), -1);
  EXPECT_EQ(Compare(std::string("a\0b", 3), std::string("a\0a", 3)), 1);
}

TEST(BytewiseComparatorTest, CompareAgreesWithStdStringOnUnsignedBytes) {
  // std::string compares via char_traits<char>::compare, which the standard
  // defines as unsigned-char order (memcmp).
  Random rnd(701);
  for (int i = 0; i < 20000; ++i) {
    const std::string a = RandomKey(&rnd);
    const std::string b = RandomKey(&rnd);
    ASSERT_EQ(Compare(a, b), Sign(a.compare(b)));
    ASSERT_EQ(Compare(b, a), -Compare(a, b));
  }
}

// Slices of up to 48 bytes sharing long prefixes: compare() takes them
// eight bytes at a time (up to 32 common bytes) or through memcmp, and
// either way must agree with memcmp's unsigned order, wherever in a word
// the first difference falls.
TEST(BytewiseComparatorTest, LongKeysAgreeWithMemcmpWhereverTheyDiffer) {
  Random rnd(709);
  for (int i = 0; i < 50000; ++i) {
    std::string a = RandomEdgyString(&rnd, 48);
    std::string b =
        a.substr(0, rnd.Uniform(static_cast<uint32_t>(a.size()) + 1));
    b += RandomEdgyString(&rnd, 48 - b.size());
    if (rnd.OneIn(4)) b = a;
    const int expected = Sign(a.compare(b));
    ASSERT_EQ(Sign(Slice(a).compare(Slice(b))), expected) << i;
    ASSERT_EQ(Sign(Slice(b).compare(Slice(a))), -expected) << i;
    ASSERT_EQ(Compare(a, b), expected) << i;
  }
}

TEST(BytewiseComparatorTest, ShortestSeparatorEdgeCases) {
  // Cut right after an incrementable differing byte.
  EXPECT_EQ(Separator("abcdef", "abzz"), "abd");
  EXPECT_EQ(Separator("foo", "hello"), "g");
  EXPECT_EQ(Separator(std::string("\xff\x01zz", 4), "\xff\x05"), "\xff\x02");
  // Increment crosses 0x7f -> 0x80 as unsigned bytes.
  EXPECT_EQ(Separator("\x7f"
                      "abc",
                      "\x81"),
            "\x80");
  // Adjacent differing bytes: no room, unchanged.
  EXPECT_EQ(Separator("abc", "abd"), "abc");
  EXPECT_EQ(Separator("abcxyz", "abd"), "abcxyz");
  EXPECT_EQ(Separator("a\xff\xff", "b"), "a\xff\xff");
  // One is a prefix of the other: unchanged.
  EXPECT_EQ(Separator("ab", "abc"), "ab");
  EXPECT_EQ(Separator("", "a"), "");
  // 0xff bytes in start before the difference are kept.
  EXPECT_EQ(Separator("\xff\xff"
                      "a",
                      "\xff\xff"
                      "z"),
            "\xff\xff"
            "b");
}

TEST(BytewiseComparatorTest, ShortestSeparatorIsInRangeAndNoLonger) {
  Random rnd(702);
  int shortened = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string start = RandomKey(&rnd);
    std::string limit = RandomKey(&rnd);
    if (Compare(start, limit) == 0) continue;
    if (Compare(start, limit) > 0) start.swap(limit);
    const std::string r = Separator(start, limit);
    ASSERT_LE(Compare(start, r), 0) << i;
    ASSERT_LT(Compare(r, limit), 0) << i;
    ASSERT_LE(r.size(), start.size()) << i;
    if (r != start) ++shortened;
  }
  // The function must actually do something on random input.
  EXPECT_GT(shortened, 1000);
}

TEST(BytewiseComparatorTest, ShortSuccessorEdgeCases) {
  EXPECT_EQ(Successor("abc"), "b");
  EXPECT_EQ(Successor("\xff\xff"
                      "abc"),
            "\xff\xff"
            "b");
  EXPECT_EQ(Successor("\x7f"), "\x80");
  EXPECT_EQ(Successor(std::string("\0\0", 2)), "\x01");
  // All 0xff (and empty): no shorter successor exists, unchanged.
  EXPECT_EQ(Successor("\xff\xff\xff"), "\xff\xff\xff");
  EXPECT_EQ(Successor(""), "");
}

TEST(BytewiseComparatorTest, ShortSuccessorIsNotSmallerAndNoLonger) {
  Random rnd(703);
  for (int i = 0; i < 20000; ++i) {
    const std::string key = RandomKey(&rnd);
    const std::string r = Successor(key);
    ASSERT_GE(Compare(r, key), 0) << i;
    ASSERT_LE(r.size(), key.size()) << i;
  }
}

}  // namespace
}  // namespace strata
