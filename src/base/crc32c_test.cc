#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/random.h"

namespace strata::internal::crc32c {
namespace {

uint32_t ValueOf(const std::string& s) { return Value(s.data(), s.size()); }

// RFC 3720 (iSCSI), appendix B.4 "CRC Examples".
TEST(Crc32cTest, Rfc3720Vectors) {
  std::string buf(32, '\0');
  EXPECT_EQ(ValueOf(buf), 0x8a9136aau);

  buf.assign(32, static_cast<char>(0xff));
  EXPECT_EQ(ValueOf(buf), 0x62a8ab43u);

  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(ValueOf(buf), 0x46dd794eu);

  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(ValueOf(buf), 0x113fdb5cu);

  // An iSCSI SCSI Read (10) command PDU.
  const unsigned char read_command[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  EXPECT_EQ(
      Value(reinterpret_cast<const char*>(read_command), sizeof(read_command)),
      0xd9963a56u);
}

TEST(Crc32cTest, CheckValueAndEmptyInput) {
  // The standard CRC-32C check value.
  EXPECT_EQ(ValueOf("123456789"), 0xe3069283u);
  EXPECT_EQ(Value("", 0), 0u);
  // Extending by nothing leaves the CRC unchanged.
  EXPECT_EQ(Extend(0xe3069283u, "", 0), 0xe3069283u);
}

TEST(Crc32cTest, PortablePathMatchesVectorsToo) {
  const std::string check = "123456789";
  EXPECT_EQ(ExtendPortable(0, check.data(), check.size()), 0xe3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(ExtendPortable(0, zeros.data(), zeros.size()), 0x8a9136aau);
}

TEST(Crc32cTest, DifferentInputsDiffer) {
  EXPECT_NE(ValueOf("a"), ValueOf("foo"));
  EXPECT_NE(ValueOf("foo"), ValueOf("bar"));
  EXPECT_NE(ValueOf(std::string(1, '\0')), ValueOf(std::string(2, '\0')));
}

TEST(Crc32cTest, ExtendEqualsValueOfConcatenation) {
  EXPECT_EQ(Extend(ValueOf("hello "), "world", 5), ValueOf("hello world"));

  Random rnd(401);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rnd.Next());
  for (size_t split = 0; split <= data.size(); split += 37) {
    const uint32_t prefix = Value(data.data(), split);
    EXPECT_EQ(Extend(prefix, data.data() + split, data.size() - split),
              ValueOf(data))
        << "split " << split;
  }
}

TEST(Crc32cTest, HardwareAndPortableAgreeAtEveryLengthAndAlignment) {
  std::printf("crc32c hardware accelerated: %s\n",
              IsHardwareAccelerated() ? "yes" : "no");
  RecordProperty("hardware_accelerated", IsHardwareAccelerated() ? 1 : 0);

  Random rnd(402);
  constexpr size_t kMaxLen = 300;
  constexpr size_t kMaxOffset = 15;
  std::vector<char> buf(kMaxLen + kMaxOffset);
  for (char& c : buf) c = static_cast<char>(rnd.Next());
  for (size_t offset = 0; offset <= kMaxOffset; ++offset) {
    for (size_t len = 0; len <= kMaxLen; ++len) {
      const char* p = buf.data() + offset;
      const uint32_t init = static_cast<uint32_t>(rnd.Next());
      ASSERT_EQ(Extend(0, p, len), ExtendPortable(0, p, len))
          << "offset " << offset << " len " << len;
      ASSERT_EQ(Extend(init, p, len), ExtendPortable(init, p, len))
          << "offset " << offset << " len " << len;
    }
  }
}

// The hardware path joins three stripes of 1024, 256 or 64 bytes: every
// length up to past two groups of the longest stripe, and lengths around each
// multiple of each group size, must agree with the byte-at-a-time tables.
TEST(Crc32cTest, HardwareAndPortableAgreeAcrossStripeGroups) {
  Random rnd(77);
  constexpr size_t kMaxLen = 6 * 1024 + 600;
  std::vector<char> buf(64 * 1024 + 16);
  for (char& c : buf) c = static_cast<char>(rnd.Next());
  for (size_t len = 0; len <= kMaxLen; ++len) {
    const char* p = buf.data() + (len % 8);
    ASSERT_EQ(Extend(0, p, len), ExtendPortable(0, p, len)) << "len " << len;
  }
  for (size_t group : {size_t{192}, size_t{768}, size_t{3072}}) {
    for (size_t k = 1; k * group + 9 <= 64 * 1024; k = k * 2 + 1) {
      for (size_t len = k * group - 9; len <= k * group + 9; ++len) {
        const uint32_t init = static_cast<uint32_t>(rnd.Next());
        ASSERT_EQ(Extend(init, buf.data() + 3, len),
                  ExtendPortable(init, buf.data() + 3, len))
            << "len " << len;
      }
    }
  }
}

TEST(Crc32cTest, MaskChangesValueAndUnmaskRestoresIt) {
  EXPECT_EQ(Mask(0), kMaskDelta);  // rotation of 0 is 0
  const uint32_t crc = ValueOf("foo");
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Unmask(Mask(Mask(crc)))), crc);

  Random rnd(403);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t x =
        i < 2 ? (i == 0 ? 0u : 0xffffffffu) : static_cast<uint32_t>(rnd.Next());
    ASSERT_EQ(Unmask(Mask(x)), x);
    ASSERT_NE(Mask(x), x);
    ASSERT_NE(Mask(Mask(x)), x);
  }
}

}  // namespace
}  // namespace strata::internal::crc32c
