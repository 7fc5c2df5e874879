// Tests of block compression: round trips, damaged input, the size bound,
// and a printed micro-measurement of speed and ratio per algorithm.

#include "table/compression.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "table/block_builder.h"

namespace strata::internal {
namespace {

constexpr Compression kCompressed[] = {Compression::kSnappy, Compression::kLZ4,
                                       Compression::kZstd};

std::string Uncompress(Compression c, const std::string& compressed,
                       Status* s) {
  std::unique_ptr<char[]> out;
  size_t n = 0;
  *s = UncompressBlock(c, compressed, &out, &n);
  return s->ok() ? std::string(out.get(), n) : std::string();
}

// The names are public (strata/options.h) and printed by tools and the
// benchmark: they stay as they are.
TEST(CompressionNameTest, NamesAreStable) {
  EXPECT_STREQ(CompressionName(Compression::kNone), "none");
  EXPECT_STREQ(CompressionName(Compression::kSnappy), "snappy");
  EXPECT_STREQ(CompressionName(Compression::kLZ4), "lz4");
  EXPECT_STREQ(CompressionName(Compression::kZstd), "zstd");
  EXPECT_STREQ(CompressionName(static_cast<Compression>(9)), "unknown");
}

TEST(CompressionTest, RoundTrips) {
  Random rnd(1);
  std::vector<std::string> inputs = {"", "a", std::string(100000, 'z')};
  for (int i = 0; i < 20; ++i) {
    std::string s(rnd.Skewed(16), '\0');
    for (auto& c : s)
      c = static_cast<char>(rnd.Uniform(rnd.OneIn(2) ? 4 : 256));
    inputs.push_back(s);
  }
  for (const Compression c : kCompressed) {
    Compressor compressor(c);
    for (const std::string& input : inputs) {
      std::string compressed;
      ASSERT_TRUE(compressor.Compress(input, &compressed))
          << CompressionName(c);
      Status s;
      EXPECT_EQ(input, Uncompress(c, compressed, &s)) << CompressionName(c);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }
  Compressor none(Compression::kNone);
  std::string out;
  EXPECT_FALSE(none.Compress("abc", &out));
}

TEST(CompressionTest, LengthPrefixes) {
  const std::string input(5000, 'q');
  for (const Compression c : kCompressed) {
    Compressor compressor(c);
    std::string compressed;
    ASSERT_TRUE(compressor.Compress(input, &compressed));
    // Every format starts with the varint32 uncompressed length (snappy's
    // own preamble is one).
    Slice in(compressed);
    uint32_t length = 0;
    ASSERT_TRUE(GetVarint32(&in, &length));
    EXPECT_EQ(5000u, length) << CompressionName(c);
  }
}

TEST(CompressionTest, ImpossibleSizesAreRejectedBeforeAllocating) {
  for (const Compression c : kCompressed) {
    std::string claim;
    PutVarint32(&claim, 0xfffffff0u);  // ~4 GiB from a few bytes
    claim.append("abcdef");
    Status s;
    Uncompress(c, claim, &s);
    EXPECT_TRUE(s.IsCorruption()) << CompressionName(c);
    EXPECT_NE(std::string::npos, s.ToString().find("impossible size"))
        << s.ToString();
  }
  EXPECT_EQ(7u, MaxUncompressedSize(Compression::kNone, 7));
  EXPECT_EQ(32u * 10, MaxUncompressedSize(Compression::kSnappy, 10));
  EXPECT_EQ(256u * 10, MaxUncompressedSize(Compression::kLZ4, 10));
  EXPECT_EQ(32768u * 10, MaxUncompressedSize(Compression::kZstd, 10));
  EXPECT_EQ(kMaxUncompressedBlockSize,
            MaxUncompressedSize(Compression::kZstd, size_t{1} << 40));
}

// A zstd block's length prefix must agree with its frame's declared size:
// a damaged prefix, or bytes that are no frame at all, are refused before
// the reader allocates what they claim.
TEST(CompressionTest, ZstdLengthMustMatchTheFrame) {
  Compressor compressor(Compression::kZstd);
  std::string block;
  ASSERT_TRUE(compressor.Compress(std::string(3000, 'z'), &block));
  Slice frame(block);
  uint32_t length = 0;
  ASSERT_TRUE(GetVarint32(&frame, &length));
  ASSERT_EQ(3000u, length);

  std::string wrong;
  PutVarint32(&wrong, 4000);
  wrong.append(frame.data(), frame.size());
  Status s;
  Uncompress(Compression::kZstd, wrong, &s);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(std::string::npos, s.ToString().find("disagree")) << s.ToString();

  std::string garbage;
  PutVarint32(&garbage, (32u << 20) - 1);  // within the ratio bound below
  garbage.append(std::string(4000, '\x10'));
  Uncompress(Compression::kZstd, garbage, &s);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(std::string::npos, s.ToString().find("no valid frame header"))
      << s.ToString();
}

TEST(CompressionTest, WorstCaseRatiosStayWithinTheBound) {
  // Long runs are each format's best case; they must still decode.
  const std::string zeros(4 << 20, '\0');
  for (const Compression c : kCompressed) {
    Compressor compressor(c);
    std::string compressed;
    ASSERT_TRUE(compressor.Compress(zeros, &compressed));
    std::printf("%s: 4 MiB of zeros -> %zu bytes\n", CompressionName(c),
                compressed.size());
    Status s;
    EXPECT_EQ(zeros.size(), Uncompress(c, compressed, &s).size())
        << CompressionName(c);
    EXPECT_TRUE(s.ok()) << CompressionName(c) << " " << s.ToString();
  }
}

TEST(CompressionTest, DamagedInputNeverCrashes) {
  Random rnd(2);
  std::string input;
  for (int i = 0; i < 300; ++i) input += "value" + std::to_string(i % 17);
  for (const Compression c : kCompressed) {
    Compressor compressor(c);
    std::string compressed;
    ASSERT_TRUE(compressor.Compress(input, &compressed));
    int rejected = 0;
    for (size_t i = 0; i < compressed.size(); ++i) {
      std::string d = compressed;
      d[i] = static_cast<char>(d[i] ^ (1 << (i % 8)));
      Status s;
      const std::string out = Uncompress(c, d, &s);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption());
        ++rejected;
      }
      // Truncated.
      Uncompress(c, compressed.substr(0, i), &s);
      EXPECT_TRUE(s.IsCorruption())
          << CompressionName(c) << " truncated at " << i;
    }
    EXPECT_GT(rejected, 0) << CompressionName(c);
  }
}

// ---- Micro-measurement (printed, not asserted) ---------------------------

// 4 KiB data blocks like db_bench's: 16-byte keys, 100-byte values that
// compress to about half.
std::vector<std::string> BenchBlocks(size_t total_bytes) {
  Random rnd(301);
  std::vector<std::string> blocks;
  size_t bytes = 0;
  uint64_t key = 0;
  BlockBuilder builder(16);
  while (bytes < total_bytes) {
    char k[17];
    std::snprintf(k, sizeof(k), "%016llu",
                  static_cast<unsigned long long>(key++));
    std::string chunk(50, ' ');
    for (auto& ch : chunk) ch = static_cast<char>(' ' + rnd.Uniform(95));
    builder.Add(Slice(k, 16), chunk + chunk);
    if (builder.CurrentSizeEstimate() >= 4096) {
      blocks.push_back(builder.Finish().ToString());
      bytes += blocks.back().size();
      builder.Reset();
    }
  }
  return blocks;
}

TEST(CompressionTest, MicroMeasurement) {
  const std::vector<std::string> blocks = BenchBlocks(4 << 20);
  size_t raw = 0;
  for (const auto& b : blocks) raw += b.size();
  std::printf(
      "compression on %zu 4 KiB blocks (%.1f MiB), db_bench-like "
      "values:\n",
      blocks.size(), raw / 1048576.0);
  struct Setting {
    Compression type;
    int zstd_level;
  };
  for (const Setting setting :
       {Setting{Compression::kSnappy, 0}, Setting{Compression::kLZ4, 0},
        Setting{Compression::kZstd, 1}, Setting{Compression::kZstd, 3}}) {
    const Compression c = setting.type;
    Compressor compressor(c, setting.zstd_level);
    std::vector<std::string> compressed(blocks.size());
    // Best of three rounds, so warm-up (allocations, contexts) is excluded.
    double c_s = 1e9;
    double d_s = 1e9;
    size_t stored = 0;
    size_t out_total = 0;
    for (int round = 0; round < 3; ++round) {
      const auto t0 = std::chrono::steady_clock::now();
      for (size_t i = 0; i < blocks.size(); ++i) {
        ASSERT_TRUE(compressor.Compress(blocks[i], &compressed[i]));
      }
      const auto t1 = std::chrono::steady_clock::now();
      stored = 0;
      out_total = 0;
      for (size_t i = 0; i < blocks.size(); ++i) {
        stored += compressed[i].size();
        std::unique_ptr<char[]> out;
        size_t n = 0;
        ASSERT_TRUE(UncompressBlock(c, compressed[i], &out, &n).ok());
        out_total += n;
      }
      const auto t2 = std::chrono::steady_clock::now();
      c_s = std::min(c_s, std::chrono::duration<double>(t1 - t0).count());
      d_s = std::min(d_s, std::chrono::duration<double>(t2 - t1).count());
    }
    ASSERT_EQ(raw, out_total);
    const double mb = raw / 1e6;
    std::printf(
        "  %-6s%-2s ratio %.3f  compress %7.1f MB/s  decompress %7.1f MB/s\n",
        CompressionName(c),
        c == Compression::kZstd
            ? (" " + std::to_string(setting.zstd_level)).c_str()
            : "",
        static_cast<double>(stored) / raw, mb / c_s, mb / d_s);
  }
}

}  // namespace
}  // namespace strata::internal
