#include "base/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace strata::internal {
namespace {

// Builds a string from byte values (so 0x00 and 0x80+ are easy to write).
std::string Bytes(std::initializer_list<unsigned> bytes) {
  std::string s;
  for (unsigned b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string Varint32(uint32_t v) {
  std::string s;
  PutVarint32(&s, v);
  return s;
}

std::string Varint64(uint64_t v) {
  std::string s;
  PutVarint64(&s, v);
  return s;
}

// Copies `bytes` into a heap buffer of exactly that size, so reading one
// byte past the end is a heap overflow under ASan.
std::unique_ptr<char[]> ExactBuffer(const std::string& bytes) {
  auto buf = std::make_unique<char[]>(bytes.size());
  std::memcpy(buf.get(), bytes.data(), bytes.size());
  return buf;
}

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  EXPECT_EQ(s, Bytes({0x01, 0x02, 0x03, 0x04}));
  char buf[4];
  EncodeFixed32(buf, 0xdeadbeefu);
  EXPECT_EQ(std::string(buf, 4), Bytes({0xef, 0xbe, 0xad, 0xde}));
  EXPECT_EQ(DecodeFixed32(buf), 0xdeadbeefu);
}

TEST(CodingTest, Fixed64IsLittleEndian) {
  std::string s;
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, Bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
  char buf[8];
  EncodeFixed64(buf, 0xfedcba9876543210ull);
  EXPECT_EQ(std::string(buf, 8),
            Bytes({0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe}));
  EXPECT_EQ(DecodeFixed64(buf), 0xfedcba9876543210ull);
}

TEST(CodingTest, Fixed16RoundTrip) {
  char buf[2];
  EncodeFixed16(buf, 0xbeefu);
  EXPECT_EQ(std::string(buf, 2), Bytes({0xef, 0xbe}));
  EXPECT_EQ(DecodeFixed16(buf), 0xbeefu);
}

TEST(CodingTest, Fixed32RoundTripsManyValues) {
  std::string s;
  for (uint32_t v = 0; v < 100000; ++v) PutFixed32(&s, v * 40503u);
  ASSERT_EQ(s.size(), 400000u);
  Slice in(s);
  for (uint32_t v = 0; v < 100000; ++v) {
    uint32_t got = 0;
    ASSERT_TRUE(GetFixed32(&in, &got));
    ASSERT_EQ(got, v * 40503u);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Fixed64RoundTripsPowersOfTwoAndNeighbours) {
  std::string s;
  std::vector<uint64_t> values;
  for (int power = 0; power <= 63; ++power) {
    const uint64_t v = uint64_t{1} << power;
    values.push_back(v - 1);
    values.push_back(v);
    values.push_back(v + 1);
  }
  for (uint64_t v : values) PutFixed64(&s, v);
  Slice in(s);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetFixed64(&in, &got));
    ASSERT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, GetFixedFailsOnShortInput) {
  const std::string s = Bytes({1, 2, 3, 4, 5, 6, 7});
  uint32_t v32 = 0;
  uint64_t v64 = 0;
  Slice three(s.data(), 3);
  EXPECT_FALSE(GetFixed32(&three, &v32));
  Slice seven(s);
  EXPECT_FALSE(GetFixed64(&seven, &v64));
  Slice empty;
  EXPECT_FALSE(GetFixed32(&empty, &v32));
}

TEST(CodingTest, VarintExactEncodingsAtBoundaries) {
  EXPECT_EQ(Varint32(0), Bytes({0x00}));
  EXPECT_EQ(Varint32(1), Bytes({0x01}));
  EXPECT_EQ(Varint32(127), Bytes({0x7f}));
  EXPECT_EQ(Varint32(128), Bytes({0x80, 0x01}));
  EXPECT_EQ(Varint32(300), Bytes({0xac, 0x02}));
  EXPECT_EQ(Varint32(16383), Bytes({0xff, 0x7f}));
  EXPECT_EQ(Varint32(16384), Bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(Varint32(UINT32_MAX), Bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));

  EXPECT_EQ(Varint64(0), Bytes({0x00}));
  EXPECT_EQ(Varint64(127), Bytes({0x7f}));
  EXPECT_EQ(Varint64(128), Bytes({0x80, 0x01}));
  EXPECT_EQ(Varint64(16383), Bytes({0xff, 0x7f}));
  EXPECT_EQ(Varint64(16384), Bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(Varint64(UINT32_MAX), Bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
  EXPECT_EQ(Varint64(uint64_t{1} << 32), Bytes({0x80, 0x80, 0x80, 0x80, 0x10}));
  EXPECT_EQ(Varint64(uint64_t{1} << 63), Bytes({0x80, 0x80, 0x80, 0x80, 0x80,
                                                0x80, 0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(Varint64(UINT64_MAX), Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0x01}));
}

TEST(CodingTest, EncodeVarintReturnsEndOfEncoding) {
  char buf[10];
  EXPECT_EQ(EncodeVarint32(buf, 0) - buf, 1);
  EXPECT_EQ(EncodeVarint32(buf, UINT32_MAX) - buf, 5);
  EXPECT_EQ(EncodeVarint64(buf, 16384) - buf, 3);
  EXPECT_EQ(EncodeVarint64(buf, UINT64_MAX) - buf, 10);
}

TEST(CodingTest, VarintLengthAtBoundaries) {
  struct Case {
    uint64_t value;
    int length;
  };
  const Case cases[] = {
      {0, 1},
      {127, 1},
      {128, 2},
      {16383, 2},
      {16384, 3},
      {(uint64_t{1} << 21) - 1, 3},
      {uint64_t{1} << 21, 4},
      {(uint64_t{1} << 28) - 1, 4},
      {uint64_t{1} << 28, 5},
      {UINT32_MAX, 5},
      {uint64_t{1} << 35, 6},
      {(uint64_t{1} << 63) - 1, 9},
      {uint64_t{1} << 63, 10},
      {UINT64_MAX, 10},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(VarintLength(c.value), c.length) << c.value;
    EXPECT_EQ(static_cast<int>(Varint64(c.value).size()), c.length) << c.value;
  }
}

TEST(CodingTest, Varint32RoundTrips) {
  std::vector<uint32_t> values = {0, 127, 128, 16383, 16384, UINT32_MAX};
  for (int power = 0; power < 32; ++power) {
    const uint32_t v = uint32_t{1} << power;
    values.push_back(v - 1);
    values.push_back(v);
    values.push_back(v + 1);
  }
  std::string s;
  for (uint32_t v : values) PutVarint32(&s, v);
  Slice in(s);
  for (uint32_t v : values) {
    uint32_t got = 0;
    const size_t before = in.size();
    ASSERT_TRUE(GetVarint32(&in, &got)) << v;
    ASSERT_EQ(got, v);
    ASSERT_EQ(before - in.size(), static_cast<size_t>(VarintLength(v))) << v;
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint64RoundTrips) {
  std::vector<uint64_t> values = {
      0, 127, 128, 16383, 16384, UINT32_MAX, uint64_t{1} << 63, UINT64_MAX};
  for (int power = 0; power < 64; ++power) {
    const uint64_t v = uint64_t{1} << power;
    values.push_back(v - 1);
    values.push_back(v);
    values.push_back(v + 1);
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  Slice in(s);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got)) << v;
    ASSERT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint32DecodesMaximalValuesOfEachLength) {
  // The largest value of each encoded length, decoded by both entry points.
  for (int len = 1; len <= 5; ++len) {
    const uint32_t v = len == 5 ? UINT32_MAX : (uint32_t{1} << (7 * len)) - 1;
    const std::string enc = Varint32(v);
    ASSERT_EQ(static_cast<int>(enc.size()), len);
    uint32_t got = 0;
    const char* end = GetVarint32Ptr(enc.data(), enc.data() + enc.size(), &got);
    ASSERT_EQ(end, enc.data() + enc.size());
    EXPECT_EQ(got, v);
  }
}

TEST(CodingTest, TruncatedVarintsFail) {
  for (uint64_t v : {uint64_t{128}, uint64_t{16384}, uint64_t{UINT32_MAX},
                     uint64_t{1} << 63, UINT64_MAX}) {
    const std::string enc = Varint64(v);
    for (size_t len = 0; len < enc.size(); ++len) {
      Slice in(enc.data(), len);
      uint64_t got64 = 0;
      EXPECT_FALSE(GetVarint64(&in, &got64)) << v << " cut to " << len;
      if (v <= UINT32_MAX) {
        Slice in32(enc.data(), len);
        uint32_t got32 = 0;
        EXPECT_FALSE(GetVarint32(&in32, &got32)) << v << " cut to " << len;
      }
    }
  }
}

TEST(CodingTest, Varint32WithTooManyBytesFails) {
  uint32_t got = 0;
  // Six bytes: a continuation bit on the fifth.
  const std::string six_bytes = Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  Slice six(six_bytes);
  EXPECT_FALSE(GetVarint32(&six, &got));
  // Five bytes whose value needs more than 32 bits (2^32).
  const std::string overflow_bytes = Bytes({0x80, 0x80, 0x80, 0x80, 0x10});
  Slice overflow(overflow_bytes);
  EXPECT_FALSE(GetVarint32(&overflow, &got));
  const std::string overflow_max_bytes = Bytes({0xff, 0xff, 0xff, 0xff, 0x1f});
  Slice overflow_max(overflow_max_bytes);
  EXPECT_FALSE(GetVarint32(&overflow_max, &got));
  // The same bytes are a fine varint64.
  const std::string as64_bytes = Bytes({0x80, 0x80, 0x80, 0x80, 0x10});
  Slice as64(as64_bytes);
  uint64_t got64 = 0;
  ASSERT_TRUE(GetVarint64(&as64, &got64));
  EXPECT_EQ(got64, uint64_t{1} << 32);
}

TEST(CodingTest, Varint64WithBadTenthByteFails) {
  uint64_t got = 0;
  // Tenth byte 0x02 would set bit 64.
  const std::string two_bytes =
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
  Slice two(two_bytes);
  EXPECT_FALSE(GetVarint64(&two, &got));
  const std::string big_bytes =
      Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f});
  Slice big(big_bytes);
  EXPECT_FALSE(GetVarint64(&big, &got));
  // Eleven bytes: a continuation bit on the tenth.
  const std::string eleven_bytes =
      Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00});
  Slice eleven(eleven_bytes);
  EXPECT_FALSE(GetVarint64(&eleven, &got));
  // Tenth byte 0x01 is the largest allowed.
  const std::string one_bytes =
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  Slice one(one_bytes);
  ASSERT_TRUE(GetVarint64(&one, &got));
  EXPECT_EQ(got, UINT64_MAX);
}

TEST(CodingTest, LengthPrefixedSliceRoundTrip) {
  std::string s;
  PutLengthPrefixedSlice(&s, Slice("abc"));
  PutLengthPrefixedSlice(&s, Slice());
  const std::string long_value(200, 'x');
  PutLengthPrefixedSlice(&s, Slice(long_value));
  EXPECT_EQ(s.substr(0, 5), Bytes({0x03, 'a', 'b', 'c', 0x00}));
  EXPECT_EQ(s.substr(5, 2), Bytes({0xc8, 0x01}));  // 200
  ASSERT_EQ(s.size(), 7u + 200u);

  Slice in(s);
  Slice v;
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ(v.ToString(), "abc");
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ(v.ToString(), "");
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ(v.ToString(), long_value);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetLengthPrefixedSlice(&in, &v));
}

TEST(CodingTest, LengthPrefixedSliceLongerThanInputFails) {
  const std::string s = Bytes({0x05, 'a', 'b', 'c', 'd'});
  Slice in(s);
  Slice v;
  EXPECT_FALSE(GetLengthPrefixedSlice(&in, &v));
  // A length prefix that is itself truncated.
  const std::string bad_len_bytes = Bytes({0x80});
  Slice bad_len(bad_len_bytes);
  EXPECT_FALSE(GetLengthPrefixedSlice(&bad_len, &v));
  // Exactly enough bytes succeeds.
  const std::string exact = Bytes({0x04, 'a', 'b', 'c', 'd'});
  Slice ok(exact);
  ASSERT_TRUE(GetLengthPrefixedSlice(&ok, &v));
  EXPECT_EQ(v.ToString(), "abcd");
}

TEST(CodingTest, PointerDecodersNeverReadPastLimit) {
  // Every byte has its continuation bit set, so a decoder that ignored
  // `limit` would read on. The buffer ends exactly at the limit (ASan
  // would catch a read past it).
  for (size_t n = 0; n <= 10; ++n) {
    const std::string bytes(n, static_cast<char>(0x80));
    auto buf = ExactBuffer(bytes);
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    EXPECT_EQ(GetVarint32Ptr(buf.get(), buf.get() + n, &v32), nullptr) << n;
    EXPECT_EQ(GetVarint64Ptr(buf.get(), buf.get() + n, &v64), nullptr) << n;
  }
  // A limit inside a valid encoding: the terminating byte lies beyond the
  // limit and must not be used.
  const std::string enc = Bytes({0x80, 0x80, 0x01});
  uint32_t v32 = 0;
  uint64_t v64 = 0;
  EXPECT_EQ(GetVarint32Ptr(enc.data(), enc.data() + 2, &v32), nullptr);
  EXPECT_EQ(GetVarint64Ptr(enc.data(), enc.data() + 2, &v64), nullptr);
  // With the full range it decodes and returns the byte after the value.
  auto buf = ExactBuffer(enc);
  EXPECT_EQ(GetVarint32Ptr(buf.get(), buf.get() + 3, &v32), buf.get() + 3);
  EXPECT_EQ(v32, 16384u);
  EXPECT_EQ(GetVarint64Ptr(buf.get(), buf.get() + 3, &v64), buf.get() + 3);
  EXPECT_EQ(v64, 16384u);
}

TEST(CodingTest, PointerDecodersStopAtTheValueEnd) {
  // Two values back to back: decoding the first returns the second's start.
  std::string s = Varint64(300) + Varint64(UINT64_MAX);
  const char* limit = s.data() + s.size();
  uint64_t v = 0;
  const char* p = GetVarint64Ptr(s.data(), limit, &v);
  ASSERT_EQ(p, s.data() + 2);
  EXPECT_EQ(v, 300u);
  p = GetVarint64Ptr(p, limit, &v);
  EXPECT_EQ(p, limit);
  EXPECT_EQ(v, UINT64_MAX);
}

}  // namespace
}  // namespace strata::internal
