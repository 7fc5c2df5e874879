// Tests of the blocked bloom filter: no false negatives, a measured false
// positive rate, layout and malformed filter blocks.

#include "table/bloom.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "base/coding.h"

namespace strata::internal {
namespace {

std::string Key(uint64_t i, char tag) {
  std::string key = "key";
  key.push_back(tag);
  PutFixed64(&key, i);
  return key;
}

// Builds a filter over keys [0, n) and parses it into `*filter`; returns
// the block (which the filter borrows).
std::string Build(int bits_per_key, uint64_t n, BloomFilter* filter) {
  BloomFilterBuilder builder(bits_per_key);
  for (uint64_t i = 0; i < n; ++i) builder.AddKey(Key(i, 'a'));
  std::string block = builder.Finish();
  EXPECT_TRUE(BloomFilter::Parse(block, filter).ok());
  return block;
}

double FalsePositiveRate(const BloomFilter& filter, uint64_t probes) {
  uint64_t hits = 0;
  for (uint64_t i = 0; i < probes; ++i) {
    if (filter.KeyMayMatch(Key(i, 'b'))) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(probes);
}

TEST(BloomTest, NumProbes) {
  EXPECT_EQ(1, BloomNumProbes(1));
  EXPECT_EQ(4, BloomNumProbes(6));
  EXPECT_EQ(7, BloomNumProbes(10));
  EXPECT_EQ(11, BloomNumProbes(16));
  EXPECT_EQ(30, BloomNumProbes(100));
}

TEST(BloomTest, MillionKeysAtTenBitsPerKey) {
  constexpr uint64_t kKeys = 1000000;
  BloomFilter filter;
  const std::string block = Build(10, kKeys, &filter);
  // ceil(10^7 / 512) lines of 64 bytes, plus 6 bytes of metadata.
  EXPECT_EQ(19532u * 64 + kBloomMetadataSize, block.size());
  for (uint64_t i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(filter.KeyMayMatch(Key(i, 'a'))) << "false negative " << i;
  }
  const double rate = FalsePositiveRate(filter, kKeys);
  std::printf("bloom: 10 bits/key, 1000000 keys: false positive rate %.4f%%\n",
              rate * 100);
  EXPECT_LT(rate, 0.02);
  EXPECT_GT(rate, 0.001);  // a filter this size cannot do much better
}

TEST(BloomTest, RateFallsWithMoreBitsPerKey) {
  constexpr uint64_t kKeys = 100000;
  double previous = 1.0;
  for (const int bits : {2, 5, 10, 16, 20}) {
    BloomFilter filter;
    const std::string block = Build(bits, kKeys, &filter);
    for (uint64_t i = 0; i < kKeys; ++i) {
      ASSERT_TRUE(filter.KeyMayMatch(Key(i, 'a'))) << bits << " bits, " << i;
    }
    const double rate = FalsePositiveRate(filter, kKeys);
    std::printf("bloom: %2d bits/key: false positive rate %.4f%% (%zu bytes)\n",
                bits, rate * 100, block.size());
    EXPECT_LT(rate, previous);
    previous = rate;
  }
  EXPECT_LT(previous, 0.002);
}

TEST(BloomTest, SmallFiltersHaveNoFalseNegatives) {
  for (uint64_t n : {1, 2, 7, 100, 1000}) {
    BloomFilter filter;
    const std::string block = Build(10, n, &filter);
    EXPECT_EQ(1u, static_cast<uint8_t>(block.back()));             // kind
    EXPECT_EQ(7u, static_cast<uint8_t>(block[block.size() - 2]));  // probes
    for (uint64_t i = 0; i < n; ++i)
      EXPECT_TRUE(filter.KeyMayMatch(Key(i, 'a')));
    EXPECT_TRUE(filter.active());
  }
}

TEST(BloomTest, ZeroBitsMatchesEverything) {
  BloomFilterBuilder builder(0);
  EXPECT_FALSE(builder.enabled());
  builder.AddKey("a");
  EXPECT_EQ("", builder.Finish());
  BloomFilter filter;
  ASSERT_TRUE(BloomFilter::Parse("", &filter).ok());
  EXPECT_FALSE(filter.active());
  for (uint64_t i = 0; i < 1000; ++i)
    EXPECT_TRUE(filter.KeyMayMatch(Key(i, 'z')));
  // A default-constructed filter too.
  EXPECT_TRUE(BloomFilter().KeyMayMatch("anything"));
}

TEST(BloomTest, ConsecutiveDuplicatesCountOnce) {
  BloomFilterBuilder builder(10);
  builder.AddKey("a");
  builder.AddKey("a");
  builder.AddKey("b");
  builder.AddKey("b");
  builder.AddKey("a");
  EXPECT_EQ(3u, builder.NumKeys());
}

TEST(BloomTest, MalformedFiltersAreCorruption) {
  BloomFilter filter;
  const std::string good = Build(10, 100, &filter);
  ASSERT_EQ(64u * 2 + 6, good.size());  // ceil(1000 / 512) = 2 lines

  BloomFilter f;
  EXPECT_TRUE(BloomFilter::Parse("abc", &f).IsCorruption());
  std::string s = good;
  s.erase(0, 1);  // one byte short of its lines
  EXPECT_TRUE(BloomFilter::Parse(s, &f).IsCorruption());
  s = good;
  s[s.size() - 2] = 0;  // zero probes
  EXPECT_TRUE(BloomFilter::Parse(s, &f).IsCorruption());
  s[s.size() - 2] = 31;  // too many probes
  EXPECT_TRUE(BloomFilter::Parse(s, &f).IsCorruption());
  s = good;
  EncodeFixed32(s.data() + 128, 0);  // zero lines
  EXPECT_TRUE(BloomFilter::Parse(s, &f).IsCorruption());
  EncodeFixed32(s.data() + 128, 0xffffffffu);  // more lines than bytes
  EXPECT_TRUE(BloomFilter::Parse(s, &f).IsCorruption());

  // An unknown kind (from a later version) matches everything.
  s = good;
  s.back() = 9;
  ASSERT_TRUE(BloomFilter::Parse(s, &f).ok());
  EXPECT_FALSE(f.active());
  EXPECT_TRUE(f.KeyMayMatch(Key(12345, 'q')));
}

TEST(BloomTest, FilterBitsFollowTheDocumentedLayout) {
  // docs/table_format.md#filter-block: XXH3_64bits("hello") =
  // 0x9555e8555c62dcfd; one line; first bit h & 511 = 253, stride
  // ((h >> 9) & 511) | 1 = 367; 7 probes at (253 + i * 367) mod 512.
  BloomFilterBuilder builder(10);
  builder.AddKey("hello");
  const std::string block = builder.Finish();
  ASSERT_EQ(64u + 6u, block.size());
  std::string expected(64, '\0');
  for (const int bit : {253, 108, 475, 330, 185, 40, 407}) {
    expected[bit / 8] = static_cast<char>(expected[bit / 8] | (1 << (bit % 8)));
  }
  EXPECT_EQ(expected, block.substr(0, 64));
  EXPECT_EQ(1u, DecodeFixed32(block.data() + 64));  // num_lines
  EXPECT_EQ(7, block[68]);                          // num_probes
  EXPECT_EQ(1, block[69]);                          // kind
}

}  // namespace
}  // namespace strata::internal
