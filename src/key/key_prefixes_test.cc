// key/key_prefixes_test.cc — KeyPrefixes narrows a sorted run to the keys
// a probe must be compared with: every key before the range is below the
// probe, every key after it above, on random runs with a common stem,
// outliers at both ends and probes inside and outside the stem; and the
// range is a single key or none where keys differ within 8 bytes past the
// stem, even when the last key is a short successor.

#include "key/key_prefixes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/random.h"

namespace strata::internal {
namespace {

std::string Alpha(Random* rnd, size_t n) {
  static const char kAlphabet[] = {'\0', 'a', 'b', '\xff'};
  std::string k(n, ' ');
  for (char& c : k) c = kAlphabet[rnd->Uniform(4)];
  return k;
}

bool Build(KeyPrefixes* p, const std::vector<std::string>& keys) {
  return p->Build(keys.size(), [&keys](size_t i) { return Slice(keys[i]); });
}

// Narrow's promise for `probe`, checked against every key.
void ExpectNarrowed(const KeyPrefixes& p, const std::vector<std::string>& keys,
                    const std::string& probe) {
  size_t lo = 0;
  size_t hi = 0;
  p.Narrow(probe, &lo, &hi);
  ASSERT_LE(lo, hi);
  ASSERT_LE(hi, keys.size());
  for (size_t i = 0; i < lo; ++i) {
    EXPECT_LT(Slice(keys[i]).compare(probe), 0) << i << " of " << keys.size();
  }
  for (size_t i = hi; i < keys.size(); ++i) {
    EXPECT_GT(Slice(keys[i]).compare(probe), 0) << i << " of " << keys.size();
  }
}

TEST(KeyPrefixesTest, PrefixIsBigEndianAndZeroPadded) {
  EXPECT_EQ(KeyPrefixes::Prefix("abc", 3), 0u);
  EXPECT_EQ(KeyPrefixes::Prefix("abc", 9), 0u);
  EXPECT_EQ(KeyPrefixes::Prefix("xab", 1), uint64_t{0x6162} << 48);
  EXPECT_EQ(KeyPrefixes::Prefix("x\x01\x02\x03\x04\x05\x06\x07\x08\x09", 1),
            uint64_t{0x0102030405060708});
  EXPECT_EQ(KeyPrefixes::Prefix(std::string("\xff\xff\xff\xff\xff\xff\xff\xff"
                                            "\xff"),
                                0),
            UINT64_MAX);
}

TEST(KeyPrefixesTest, EveryKeyOutsideTheRangeIsOnItsSide) {
  Random rnd(301);
  for (int round = 0; round < 300; ++round) {
    const std::string stem = Alpha(&rnd, rnd.Uniform(11));
    const std::string blocks[3] = {Alpha(&rnd, rnd.Uniform(10)),
                                   Alpha(&rnd, rnd.Uniform(10)),
                                   Alpha(&rnd, rnd.Uniform(10))};
    const auto key = [&] {
      if (rnd.OneIn(10)) return Alpha(&rnd, rnd.Uniform(13));
      return stem + blocks[rnd.Uniform(3)] + Alpha(&rnd, rnd.Uniform(4));
    };
    std::vector<std::string> keys;
    const int count = 1 + static_cast<int>(rnd.Uniform(40));
    for (int i = 0; i < count; ++i) keys.push_back(key());
    std::sort(keys.begin(), keys.end());
    if (rnd.OneIn(3))
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (rnd.OneIn(4)) keys.push_back(keys.back() + "\xff\xff");
    if (rnd.OneIn(4) && keys.back() < "\xff") keys.emplace_back("\xff");
    KeyPrefixes p;
    ASSERT_TRUE(Build(&p, keys));
    ASSERT_EQ(p.size(), keys.size());
    for (int probe = 0; probe < 100; ++probe) {
      ExpectNarrowed(p, keys, key());
    }
    for (const std::string& k : keys) ExpectNarrowed(p, keys, k);
    ExpectNarrowed(p, keys, "");
    ExpectNarrowed(p, keys, stem);
    ExpectNarrowed(p, keys, std::string(20, '\xff'));
    // Around the bytes the numbers are taken after: those the first and
    // the last-but-one key share, a proper prefix of them, and the
    // smallest and largest numbers after them.
    const std::string& a = keys.front();
    const std::string& b =
        keys[keys.size() >= 3 ? keys.size() - 2 : keys.size() - 1];
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    const std::string shared = a.substr(0, n);
    ExpectNarrowed(p, keys, shared);
    if (n > 0) ExpectNarrowed(p, keys, shared.substr(0, n - 1));
    ExpectNarrowed(p, keys, shared + std::string(1, '\0'));
    ExpectNarrowed(p, keys, shared + std::string(8, '\0'));
    ExpectNarrowed(p, keys, shared + std::string(8, '\xff'));
    ExpectNarrowed(p, keys, shared + std::string(9, '\xff'));
  }
}

TEST(KeyPrefixesTest, NumberedKeysNeedAtMostOneComparison) {
  // Zero-padded numbers, as strata_bench and many applications write
  // them, with an index block's short successor last: a tie on every key
  // if the shared bytes were taken from the first and last keys.
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%016d", i * 37);
    keys.emplace_back(buf);
  }
  keys.emplace_back("1");
  KeyPrefixes p;
  ASSERT_TRUE(Build(&p, keys));
  for (size_t i = 0; i < keys.size(); ++i) {
    size_t lo = 0;
    size_t hi = 0;
    p.Narrow(keys[i], &lo, &hi);
    EXPECT_EQ(lo, i);
    EXPECT_EQ(hi, i + 1);
    ExpectNarrowed(p, keys, keys[i] + "x");
    p.Narrow(keys[i] + "x", &lo, &hi);
    EXPECT_LE(hi - lo, 1u);
  }
}

TEST(KeyPrefixesTest, UnorderedKeysAreRefused) {
  KeyPrefixes p;
  EXPECT_FALSE(Build(&p, {"k1", "k3", "k2", "k4"}));
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(Build(&p, {"b", "a"}));
  EXPECT_TRUE(p.empty());
  // Ties are fine: Narrow leaves them to be compared whole.
  EXPECT_TRUE(Build(&p, {"k", "k", "k"}));
  EXPECT_EQ(p.size(), 3u);
  EXPECT_TRUE(Build(&p, {}));
  EXPECT_TRUE(p.empty());
}

}  // namespace
}  // namespace strata::internal
