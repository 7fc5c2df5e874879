// Value-log files (docs/vlog_format.md): golden bytes of the header,
// record and pointer; round trips under every compression; records walked
// back; and damage — every byte of a small file flipped, truncations, a
// pointer into the wrong record — always Corruption naming the file and an
// offset, never a wrong value.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "env/env_test_util.h"
#include "env/env_util.h"
#include "strata/env.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_reader.h"
#include "vlog/vlog_writer.h"

namespace strata::internal::vlog {
namespace {

TEST(VlogFormatTest, GoldenBytes) {
  std::string header;
  EncodeFileHeader(&header);
  ASSERT_EQ(kFileHeaderSize, header.size());
  EXPECT_EQ("STRATAVL", header.substr(0, 8));
  EXPECT_EQ(std::string("\x01\x00\x00\x00", 4), header.substr(8, 4));
  EXPECT_OK(CheckFileHeader(header));

  std::string record;
  const uint32_t crc = EncodeRecord("k", "vv", Compression::kNone, &record);
  // crc ‖ type 0 ‖ key size 1 ‖ value size 2 ‖ "k" ‖ "vv"
  EXPECT_EQ(std::string("\x00\x01\x02kvv", 6), record.substr(4));
  EXPECT_EQ(crc, DecodeFixed32(record.data()));

  ValuePointer p{7, 300, 9, 0xdeadbeef, 2};
  std::string encoded;
  p.EncodeTo(&encoded);
  EXPECT_EQ(std::string("\x07\xac\x02\x09\xef\xbe\xad\xde\x02", 9), encoded);
  ValuePointer back;
  ASSERT_OK(back.DecodeFrom(encoded));
  EXPECT_EQ(p, back);
}

TEST(VlogFormatTest, MalformedPointersAreCorruption) {
  ValuePointer p{7, 300, 9, 1, 2};
  std::string encoded;
  p.EncodeTo(&encoded);
  ValuePointer back;
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_TRUE(back.DecodeFrom(Slice(encoded.data(), n)).IsCorruption()) << n;
  }
  EXPECT_TRUE(back.DecodeFrom(encoded + "x").IsCorruption());
  ValuePointer zero{0, 300, 9, 1, 2};
  encoded.clear();
  zero.EncodeTo(&encoded);
  EXPECT_TRUE(back.DecodeFrom(encoded).IsCorruption());
}

std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rnd->Uniform(256));
  return s;
}

class VlogFileTest : public ::testing::TestWithParam<Compression> {
 protected:
  VlogFileTest() : env_(NewMemEnv()) {
    EXPECT_OK(env_->CreateDirIfMissing("/vlog"));
  }

  struct Written {
    std::vector<std::string> keys, values;
    std::vector<ValuePointer> pointers;
    uint64_t size = 0;
  };

  // Writes `n` records, values of every shape (empty, tiny, compressible,
  // random, large).
  Written Write(int n, uint64_t number = 5) {
    std::unique_ptr<WritableFile> file;
    EXPECT_OK(env_->NewWritableFile(Path(number), &file));
    Writer w(std::move(file), number, GetParam());
    Random rnd(301);
    Written out;
    for (int i = 0; i < n; ++i) {
      std::string value;
      switch (i % 4) {
        case 0:
          value = std::string(static_cast<size_t>(i), 'a');
          break;
        case 1:
          value = RandomBytes(&rnd, 100 + i);
          break;
        case 2:
          value = std::string(5000 + i, static_cast<char>('a' + i % 26));
          break;
        default:
          value = RandomBytes(&rnd, 300 << 10);  // past a chunk
          break;
      }
      ValuePointer p;
      EXPECT_OK(w.Add("key" + std::to_string(i), value, &p));
      out.keys.push_back("key" + std::to_string(i));
      out.values.push_back(value);
      out.pointers.push_back(p);
    }
    EXPECT_OK(w.Finish());
    out.size = w.file_size();
    EXPECT_EQ(static_cast<uint64_t>(n), w.records());
    return out;
  }

  std::string Path(uint64_t number) const {
    return "/vlog/" + std::to_string(number) + ".vlog";
  }

  std::unique_ptr<Reader> Open(uint64_t size, uint64_t number = 5) {
    std::unique_ptr<Reader> r;
    EXPECT_OK(Reader::Open(env_.get(), Path(number), number, size,
                           /*mapped=*/false, &r));
    return r;
  }

  std::unique_ptr<Env> env_;
};

TEST_P(VlogFileTest, RoundTripsAndWalks) {
  const Written w = Write(12);
  std::unique_ptr<Reader> r = Open(w.size);
  ASSERT_NE(nullptr, r);
  for (size_t i = 0; i < w.keys.size(); ++i) {
    std::string value;
    ASSERT_OK(r->Get(w.pointers[i], w.keys[i], true, &value));
    EXPECT_EQ(w.values[i], value) << i;
    EXPECT_EQ(w.values[i].size(), w.pointers[i].value_size);
  }
  if (GetParam() != Compression::kNone) {
    // The compressible values were stored compressed.
    EXPECT_LT(w.pointers[2].record_size, w.values[2].size());
  }
  size_t i = 0;
  ASSERT_OK(r->ForEachRecord([&](uint64_t offset, const Record& rec) {
    EXPECT_EQ(w.pointers[i].offset, offset);
    EXPECT_EQ(w.keys[i], rec.key.ToString());
    EXPECT_EQ(w.pointers[i].record_size, rec.size);
    ++i;
    return Status::OK();
  }));
  EXPECT_EQ(w.keys.size(), i);
}

TEST_P(VlogFileTest, AnEmptyFileHasAHeaderAndAFooter) {
  const Written w = Write(0);
  EXPECT_EQ(kFileHeaderSize + kFooterSize, w.size);
  std::unique_ptr<Reader> r = Open(w.size);
  int n = 0;
  ASSERT_OK(r->ForEachRecord([&](uint64_t, const Record&) {
    ++n;
    return Status::OK();
  }));
  EXPECT_EQ(0, n);
}

TEST_P(VlogFileTest, APointerToAnotherRecordOrKeyIsCorruption) {
  const Written w = Write(4);
  std::unique_ptr<Reader> r = Open(w.size);
  std::string value;
  // The right place, the wrong key.
  Status s = r->Get(w.pointers[1], w.keys[2], true, &value);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("5.vlog offset "));
  // Another record's checksum, size or file.
  ValuePointer p = w.pointers[1];
  p.record_crc ^= 1;
  EXPECT_TRUE(r->Get(p, w.keys[1], false, &value).IsCorruption());
  p = w.pointers[1];
  p.record_size -= 1;
  EXPECT_TRUE(r->Get(p, w.keys[1], true, &value).IsCorruption());
  p = w.pointers[1];
  p.offset += 1;
  EXPECT_TRUE(r->Get(p, w.keys[1], true, &value).IsCorruption());
  p = w.pointers[1];
  p.file_number = 6;
  EXPECT_TRUE(r->Get(p, w.keys[1], true, &value).IsCorruption());
  p = w.pointers[1];
  p.offset = w.size - 2;  // past the end
  EXPECT_TRUE(r->Get(p, w.keys[1], true, &value).IsCorruption());
}

// Every byte of a small file flipped: each pointer read is the right value
// or Corruption; the walk fails; nothing crashes.
TEST_P(VlogFileTest, EveryByteFlippedIsCaught) {
  const Written w = Write(3);  // empty, tiny, compressible values
  std::string original;
  ASSERT_OK(ReadFileToString(env_.get(), Path(5), &original));
  ASSERT_EQ(w.size, original.size());
  for (size_t at = 0; at < original.size(); ++at) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    ASSERT_OK(WriteStringToFile(env_.get(), damaged, Path(5), false));
    std::unique_ptr<Reader> r;
    const Status open = Reader::Open(env_.get(), Path(5), 5, w.size,
                                     /*mapped=*/false, &r);
    if (at < kFileHeaderSize) {
      EXPECT_TRUE(open.IsCorruption()) << at;
      continue;
    }
    ASSERT_OK(open);
    bool caught = false;
    for (size_t i = 0; i < w.keys.size(); ++i) {
      std::string value;
      const Status s = r->Get(w.pointers[i], w.keys[i], true, &value);
      if (s.ok()) {
        EXPECT_EQ(w.values[i], value) << "byte " << at << " record " << i;
      } else {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        caught = true;
      }
    }
    const Status walk =
        r->ForEachRecord([](uint64_t, const Record&) { return Status::OK(); });
    EXPECT_TRUE(walk.IsCorruption()) << "byte " << at;
    // A flip inside a record is seen by its Get too.
    if (at < w.size - kFooterSize) {
      EXPECT_TRUE(caught) << "byte " << at;
    }
  }
}

TEST_P(VlogFileTest, TruncatedFilesAreCorruption) {
  const Written w = Write(4);
  std::string original;
  ASSERT_OK(ReadFileToString(env_.get(), Path(5), &original));
  for (const uint64_t cut : {w.size - 1, w.size - kFooterSize,
                             w.pointers[3].offset + 7, uint64_t{20}}) {
    ASSERT_OK(
        WriteStringToFile(env_.get(), original.substr(0, cut), Path(5), false));
    std::unique_ptr<Reader> r = Open(w.size);  // the MANIFEST's size
    std::string value;
    const Status s = r->Get(w.pointers[3], w.keys[3], true, &value);
    if (cut < w.pointers[3].offset + w.pointers[3].record_size) {
      EXPECT_TRUE(s.IsCorruption()) << cut << ": " << s.ToString();
    }
    EXPECT_TRUE(r->ForEachRecord([](uint64_t, const Record&) {
                   return Status::OK();
                 }).IsCorruption())
        << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Compressions, VlogFileTest,
                         ::testing::Values(Compression::kNone,
                                           Compression::kSnappy,
                                           Compression::kLZ4,
                                           Compression::kZstd));

}  // namespace
}  // namespace strata::internal::vlog
