// Tests of the log framing: writer output byte for byte, round trips of
// every size class, and the reader's handling of torn tails, bit flips,
// zero-filled space, sequencing errors and I/O errors in every recovery
// mode. Files live in strings (StringSink / StringSource), not in an Env.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/random.h"
#include "strata/env.h"
#include "strata/options.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace strata::internal::log {
namespace {

constexpr char kFileName[] = "000007.log";

// A WritableFile appending to a string; counts calls, can fail appends.
class StringSink final : public WritableFile {
 public:
  Status Append(const Slice& data) override {
    if (fail_appends_) return Status::IOError("sink", "injected append error");
    ++appends_;
    contents_.append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override {
    ++flushes_;
    return Status::OK();
  }
  Status Sync() override {
    ++syncs_;
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return contents_.size(); }

  std::string contents_;
  int appends_ = 0;
  int flushes_ = 0;
  int syncs_ = 0;
  bool fail_appends_ = false;
};

// A SequentialFile reading a borrowed string. Copies into the caller's
// scratch unless `zero_copy`; the read numbered `fail_at_read` (0-based)
// and every later one fail with IOError.
class StringSource final : public SequentialFile {
 public:
  explicit StringSource(const std::string& contents) : contents_(contents) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    if (fail_at_read_ >= 0 && reads_ >= fail_at_read_) {
      ++reads_;
      *result = Slice();
      return Status::IOError("source", "injected read error");
    }
    ++reads_;
    n = std::min(n, contents_.size() - pos_);
    if (zero_copy_) {
      *result = Slice(contents_.data() + pos_, n);
    } else {
      std::memcpy(scratch, contents_.data() + pos_, n);
      *result = Slice(scratch, n);
    }
    pos_ += n;
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    pos_ += static_cast<size_t>(std::min<uint64_t>(n, contents_.size() - pos_));
    return Status::OK();
  }

  int fail_at_read_ = -1;
  bool zero_copy_ = false;
  int reads_ = 0;

 private:
  const std::string& contents_;
  size_t pos_ = 0;
};

struct Drop {
  uint64_t offset;
  uint64_t bytes;
  Status reason;
};

class RecordingReporter final : public Reader::Reporter {
 public:
  void Dropped(uint64_t offset, uint64_t bytes, const Status& reason) override {
    drops_.push_back({offset, bytes, reason});
  }
  std::vector<Drop> drops_;
};

// Everything one pass of a Reader produced.
struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> record_offsets;  // LastRecordOffset after each
  std::vector<uint64_t> record_ends;     // EndOfValidData after each
  Status status;
  uint64_t torn_tail_bytes = 0;
  uint64_t end_of_valid_data = 0;
  std::vector<Drop> drops;
};

ReadResult ReadAll(const std::string& contents, WalRecoveryMode mode,
                   int fail_at_read = -1, bool zero_copy = false) {
  StringSource source(contents);
  source.fail_at_read_ = fail_at_read;
  source.zero_copy_ = zero_copy;
  RecordingReporter reporter;
  Reader reader(&source, kFileName, mode, &reporter);
  ReadResult r;
  Slice record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) {
    r.records.push_back(record.ToString());
    r.record_offsets.push_back(reader.LastRecordOffset());
    r.record_ends.push_back(reader.EndOfValidData());
  }
  // The end is sticky.
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
  r.status = reader.status();
  r.torn_tail_bytes = reader.TornTailBytes();
  r.end_of_valid_data = reader.EndOfValidData();
  r.drops = std::move(reporter.drops_);
  return r;
}

// Offset of the first fragment of a record written when the file was
// `size_before` bytes long: a block trailer too small for a header is
// skipped.
uint64_t FirstFragmentOffset(uint64_t size_before) {
  const uint64_t leftover = kBlockSize - size_before % kBlockSize;
  return leftover < kHeaderSize ? size_before + leftover : size_before;
}

// A log written by the Writer, with where each record landed.
struct Log {
  std::string contents;
  std::vector<std::string> records;
  std::vector<uint64_t> size_before;  // Writer::Size() before each record
  std::vector<uint64_t> size_after;   // Writer::Size() after each record
};

Log WriteLog(const std::vector<std::string>& records) {
  StringSink sink;
  Writer writer(&sink);
  Log log;
  for (const std::string& r : records) {
    log.size_before.push_back(writer.Size());
    EXPECT_TRUE(writer.AddRecord(r).ok());
    log.size_after.push_back(writer.Size());
    EXPECT_EQ(writer.Size(), sink.contents_.size());
  }
  log.contents = sink.contents_;
  log.records = records;
  return log;
}

std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rnd->Next() & 0xff);
  return s;
}

// An independent encoder of one fragment, for golden comparisons and for
// forging fragments the writer never produces.
std::string EncodeFragment(uint8_t type, const std::string& payload) {
  std::string f(kHeaderSize, '\0');
  EncodeFixed32(f.data() + 4,
                crc32c::Mask(crc32c::Value(payload.data(), payload.size())));
  EncodeFixed16(f.data() + 8, static_cast<uint16_t>(payload.size()));
  f[10] = static_cast<char>(type);
  EncodeFixed32(f.data(), crc32c::Mask(crc32c::Value(f.data() + 4, 7)));
  return f + payload;
}

std::string EncodeFragment(RecordType type, const std::string& payload) {
  return EncodeFragment(static_cast<uint8_t>(type), payload);
}

void ExpectCorruptionAt(const Status& s, uint64_t offset,
                        const std::string& problem) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  const std::string prefix =
      std::string(kFileName) + " offset " + std::to_string(offset) + ": ";
  EXPECT_EQ(s.message().substr(0, prefix.size()), prefix) << s.ToString();
  EXPECT_NE(s.message().find(problem), std::string::npos) << s.ToString();
}

void ExpectRecordsEqual(const ReadResult& r,
                        const std::vector<std::string>& expected) {
  ASSERT_EQ(r.records.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(r.records[i] == expected[i]) << "record " << i;
  }
}

// Reads `log` back in every mode and expects every record, exact offsets,
// OK and nothing dropped.
void ExpectRoundTrip(const Log& log) {
  for (WalRecoveryMode mode :
       {WalRecoveryMode::kTolerateTornTail,
        WalRecoveryMode::kAbsoluteConsistency, WalRecoveryMode::kSalvage}) {
    SCOPED_TRACE(static_cast<int>(mode));
    const ReadResult r = ReadAll(log.contents, mode);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    ExpectRecordsEqual(r, log.records);
    for (size_t i = 0; i < r.records.size(); ++i) {
      EXPECT_EQ(r.record_offsets[i], FirstFragmentOffset(log.size_before[i]))
          << "record " << i;
      EXPECT_EQ(r.record_ends[i], log.size_after[i]) << "record " << i;
    }
    EXPECT_EQ(r.torn_tail_bytes, 0u);
    EXPECT_TRUE(r.drops.empty());
    EXPECT_EQ(r.end_of_valid_data, log.contents.size());
  }
}

constexpr WalRecoveryMode kAllModes[] = {WalRecoveryMode::kTolerateTornTail,
                                         WalRecoveryMode::kAbsoluteConsistency,
                                         WalRecoveryMode::kSalvage};

// ---------------------------------------------------------------------------
// Writer output.

TEST(LogWriterTest, EmptyRecordGoldenBytes) {
  // Pins the format (docs/wal_format.md): a kFull fragment of length 0.
  const std::string expected(
      "\xac\x24\x13\x45"  // header_crc
      "\xd8\xea\x82\xa2"  // payload_crc = Mask(crc32c(""))
      "\x00\x00"          // length 0
      "\x01",             // kFull
      11);
  const Log log = WriteLog({""});
  EXPECT_EQ(log.contents, expected);
}

TEST(LogWriterTest, SmallRecordGoldenBytes) {
  const std::string expected(
      "\x03\xbb\x35\x65"  // header_crc
      "\x6e\x57\xf1\x21"  // payload_crc = Mask(0x364b3fb7)
      "\x03\x00"          // length 3
      "\x01"              // kFull
      "abc",
      14);
  const Log log = WriteLog({"abc"});
  EXPECT_EQ(log.contents, expected);
  EXPECT_EQ(log.contents, EncodeFragment(RecordType::kFull, "abc"));
}

TEST(LogWriterTest, LargeRecordIsSplitIntoFirstMiddleLast) {
  Random rnd(301);
  const std::string record = RandomBytes(&rnd, 2 * kMaxFragmentPayload + 100);
  const Log log = WriteLog({record});
  const std::string expected =
      EncodeFragment(RecordType::kFirst,
                     record.substr(0, kMaxFragmentPayload)) +
      EncodeFragment(RecordType::kMiddle,
                     record.substr(kMaxFragmentPayload, kMaxFragmentPayload)) +
      EncodeFragment(RecordType::kLast, record.substr(2 * kMaxFragmentPayload));
  EXPECT_TRUE(log.contents == expected);
  EXPECT_EQ(log.contents.size(), 2 * kBlockSize + kHeaderSize + 100);
}

TEST(LogWriterTest, TrailerIsZeroPaddedAndNextRecordStartsNextBlock) {
  for (size_t leftover = 0; leftover <= kHeaderSize + 1; ++leftover) {
    SCOPED_TRACE(leftover);
    const std::string first(kMaxFragmentPayload - leftover, 'a');
    const Log log = WriteLog({first, "xyz"});
    const std::string block0 = EncodeFragment(RecordType::kFull, first);
    ASSERT_EQ(log.contents.substr(0, block0.size()), block0);
    ASSERT_EQ(log.size_after[0], kBlockSize - leftover);
    if (leftover < kHeaderSize) {
      EXPECT_EQ(log.contents.substr(block0.size(), leftover),
                std::string(leftover, '\0'));
      EXPECT_EQ(log.contents.substr(kBlockSize),
                EncodeFragment(RecordType::kFull, "xyz"));
    } else {
      // A header still fits: a kFirst with what room is left ends the
      // block, and the kLast opens the next one.
      const size_t head = leftover - kHeaderSize;  // 0 or 1
      EXPECT_EQ(log.contents.substr(kBlockSize - leftover),
                EncodeFragment(RecordType::kFirst, std::string("xyz", head)) +
                    EncodeFragment(RecordType::kLast,
                                   std::string("xyz").substr(head)));
    }
  }
}

TEST(LogWriterTest, EmptyRecordFitsExactlyInHeaderSizedTrailer) {
  const std::string first(kMaxFragmentPayload - kHeaderSize, 'a');
  const Log log = WriteLog({first, ""});
  EXPECT_EQ(log.contents.size(), kBlockSize);
  EXPECT_EQ(log.contents.substr(kBlockSize - kHeaderSize),
            EncodeFragment(RecordType::kFull, ""));
}

TEST(LogWriterTest, NeitherFlushesNorSyncsAndAppendsSmallRecordsOnce) {
  StringSink sink;
  Writer writer(&sink);
  ASSERT_TRUE(writer.AddRecord("hello").ok());
  ASSERT_TRUE(writer.AddRecord("").ok());
  EXPECT_EQ(sink.appends_, 2);
  EXPECT_EQ(sink.flushes_, 0);
  EXPECT_EQ(sink.syncs_, 0);
  EXPECT_EQ(writer.Size(), 2 * kHeaderSize + 5);
}

TEST(LogWriterTest, AppendErrorIsReturnedAndSticky) {
  StringSink sink;
  Writer writer(&sink);
  ASSERT_TRUE(writer.AddRecord("before").ok());
  sink.fail_appends_ = true;
  Status s = writer.AddRecord("during");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  sink.fail_appends_ = false;
  s = writer.AddRecord("after");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(sink.contents_, EncodeFragment(RecordType::kFull, "before"));
}

TEST(LogWriterTest, SizeStartsAtExistingLength) {
  StringSink sink;
  sink.contents_ = WriteLog({"abc"}).contents;
  Writer writer(&sink, sink.contents_.size());
  EXPECT_EQ(writer.Size(), kHeaderSize + 3);
  ASSERT_TRUE(writer.AddRecord("de").ok());
  EXPECT_EQ(writer.Size(), 2 * kHeaderSize + 5);
  EXPECT_EQ(writer.Size(), sink.contents_.size());
}

// ---------------------------------------------------------------------------
// Round trips.

TEST(LogTest, EmptyFile) {
  for (WalRecoveryMode mode : kAllModes) {
    const ReadResult r = ReadAll("", mode);
    EXPECT_TRUE(r.status.ok());
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.end_of_valid_data, 0u);
    EXPECT_EQ(r.torn_tail_bytes, 0u);
  }
}

TEST(LogTest, EmptyRecord) { ExpectRoundTrip(WriteLog({""})); }

TEST(LogTest, EmptyRecordsBetweenOthers) {
  ExpectRoundTrip(WriteLog({"", "foo", "", "", "bar", ""}));
}

TEST(LogTest, SmallRecords) {
  ExpectRoundTrip(WriteLog({"foo", "bar", "baz", std::string(1000, 'q')}));
}

TEST(LogTest, RecordExactlyFillingABlock) {
  const Log log = WriteLog({std::string(kMaxFragmentPayload, 'f'), "next"});
  EXPECT_EQ(log.size_after[0], kBlockSize);
  ExpectRoundTrip(log);
}

TEST(LogTest, EveryTrailerSizeRoundTrips) {
  // Leaves 0..12 bytes at the end of block 0, then writes records of several
  // shapes (empty, small, spanning) after it.
  for (size_t leftover = 0; leftover <= kHeaderSize + 1; ++leftover) {
    for (size_t next_size :
         {size_t{0}, size_t{1}, size_t{100}, kMaxFragmentPayload + 1}) {
      SCOPED_TRACE(::testing::Message() << leftover << " " << next_size);
      const Log log =
          WriteLog({std::string(kMaxFragmentPayload - leftover, 'a'),
                    std::string(next_size, 'b'), "tail"});
      ExpectRoundTrip(log);
      const ReadResult r =
          ReadAll(log.contents, WalRecoveryMode::kAbsoluteConsistency);
      ASSERT_EQ(r.record_offsets.size(), 3u);
      EXPECT_EQ(r.record_offsets[1],
                leftover < kHeaderSize ? kBlockSize : kBlockSize - leftover);
    }
  }
}

TEST(LogTest, RecordSpanningTwoBlocks) {
  Random rnd(7);
  ExpectRoundTrip(WriteLog({"head", RandomBytes(&rnd, 40000), "tail"}));
}

TEST(LogTest, RecordSpanningManyBlocks) {
  Random rnd(8);
  const Log log = WriteLog({"head", RandomBytes(&rnd, 1 << 20), "", "tail"});
  EXPECT_GT(log.contents.size(), 32 * kBlockSize);
  ExpectRoundTrip(log);
}

TEST(LogTest, HugeRecord) {
  Random rnd(9);
  std::string big = RandomBytes(&rnd, 4096);
  while (big.size() < (size_t{16} << 20)) big += big;  // 16 MiB
  big[12345678] ^= 1;                                  // not purely periodic
  const Log log = WriteLog({big, "after"});
  const ReadResult r =
      ReadAll(log.contents, WalRecoveryMode::kTolerateTornTail);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_TRUE(r.records[0] == big);
  EXPECT_EQ(r.records[1], "after");
}

TEST(LogTest, ManyRandomRecords) {
  const uint64_t seed = 1234;
  SCOPED_TRACE(seed);
  Random rnd(seed);
  std::vector<std::string> records;
  for (int i = 0; i < 2000; ++i) {
    size_t n = static_cast<size_t>(rnd.Skewed(17));
    if (rnd.OneIn(50)) n = kMaxFragmentPayload - rnd.Uniform(2 * kHeaderSize);
    records.push_back(RandomBytes(&rnd, n));
  }
  ExpectRoundTrip(WriteLog(records));
}

TEST(LogTest, RecordsMayPointIntoFileOwnedMemory) {
  Random rnd(10);
  const Log log = WriteLog({"a", RandomBytes(&rnd, 50000), "b", "", "c"});
  const ReadResult r = ReadAll(log.contents, WalRecoveryMode::kTolerateTornTail,
                               -1, /*zero_copy=*/true);
  EXPECT_TRUE(r.status.ok());
  ExpectRecordsEqual(r, log.records);
}

TEST(LogTest, WriterResumesOnExistingFile) {
  Random rnd(11);
  // Split points chosen to land mid-block, at a trailer and at a boundary.
  for (size_t first_size :
       {size_t{10}, kMaxFragmentPayload - 5, kMaxFragmentPayload,
        kMaxFragmentPayload - kHeaderSize, size_t{70000}}) {
    SCOPED_TRACE(first_size);
    std::vector<std::string> records = {RandomBytes(&rnd, first_size)};
    Log first = WriteLog(records);

    StringSink sink;
    sink.contents_ = first.contents;
    Writer writer(&sink, sink.contents_.size());
    Log log = first;
    for (size_t n : {size_t{0}, size_t{3}, size_t{40000}, size_t{17}}) {
      log.records.push_back(RandomBytes(&rnd, n));
      log.size_before.push_back(writer.Size());
      ASSERT_TRUE(writer.AddRecord(log.records.back()).ok());
      log.size_after.push_back(writer.Size());
    }
    log.contents = sink.contents_;
    ExpectRoundTrip(log);
  }
}

// ---------------------------------------------------------------------------
// Torn tails.

// Cuts `log` at every length inside its last record and checks all modes.
void CheckTornLastRecord(const Log& log, const std::vector<uint64_t>& cuts) {
  const uint64_t start = log.size_before.back();
  std::vector<std::string> earlier(log.records.begin(), log.records.end() - 1);
  for (uint64_t cut : cuts) {
    SCOPED_TRACE(cut);
    ASSERT_GT(cut, start);
    ASSERT_LT(cut, log.contents.size());
    const std::string torn = log.contents.substr(0, cut);

    for (WalRecoveryMode mode :
         {WalRecoveryMode::kTolerateTornTail, WalRecoveryMode::kSalvage}) {
      const ReadResult r = ReadAll(torn, mode);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r, earlier);
      EXPECT_EQ(r.torn_tail_bytes, cut - start);
      EXPECT_EQ(r.end_of_valid_data, start);
      ASSERT_EQ(r.drops.size(), 1u);
      EXPECT_EQ(r.drops[0].offset, start);
      EXPECT_EQ(r.drops[0].bytes, cut - start);
      EXPECT_TRUE(r.drops[0].reason.IsCorruption());
      EXPECT_NE(r.drops[0].reason.message().find("torn tail"),
                std::string::npos);
    }

    const ReadResult r = ReadAll(torn, WalRecoveryMode::kAbsoluteConsistency);
    ExpectRecordsEqual(r, earlier);
    EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
    EXPECT_NE(r.status.message().find(std::string(kFileName) + " offset "),
              std::string::npos);
    EXPECT_NE(r.status.message().find("torn tail"), std::string::npos);
    EXPECT_TRUE(r.drops.empty());
  }
}

std::vector<uint64_t> AllCutsInLastRecord(const Log& log) {
  std::vector<uint64_t> cuts;
  for (uint64_t c = log.size_before.back() + 1; c < log.contents.size(); ++c) {
    cuts.push_back(c);
  }
  return cuts;
}

TEST(LogTornTailTest, SmallLastRecordCutAtEveryOffset) {
  const Log log = WriteLog({"one", "", "three", std::string(200, 'x')});
  CheckTornLastRecord(log, AllCutsInLastRecord(log));
}

TEST(LogTornTailTest, EmptyLastRecordCutAtEveryOffset) {
  const Log log = WriteLog({"one", "two", ""});
  CheckTornLastRecord(log, AllCutsInLastRecord(log));
}

TEST(LogTornTailTest, LastRecordAfterTrailerCutAtEveryOffset) {
  // Block 0 ends with a 6-byte trailer, so the last record's bytes begin
  // with padding; a cut inside the padding is a torn tail too.
  const Log log =
      WriteLog({"one", std::string(kMaxFragmentPayload - 6 - 14, 'p'),
                std::string(50, 'z')});
  ASSERT_EQ(log.size_before.back(), kBlockSize - 6);
  CheckTornLastRecord(log, AllCutsInLastRecord(log));
}

TEST(LogTornTailTest, LastRecordSpanningTwoBlocksCutNearEveryEdge) {
  // Every offset near the record's start, the block boundary and its end,
  // and a sample of the payloads in between (every offset would be slow
  // under sanitizers without testing anything new).
  Random rnd(12);
  const Log log =
      WriteLog({"one", RandomBytes(&rnd, 100), RandomBytes(&rnd, kBlockSize)});
  const uint64_t start = log.size_before.back();
  const uint64_t end = log.contents.size();
  std::vector<uint64_t> cuts;
  for (uint64_t c = start + 1; c < end; ++c) {
    const bool near_edge = c < start + 64 ||
                           (c + 64 > kBlockSize && c < kBlockSize + 64) ||
                           c + 64 > end;
    if (near_edge || c % 97 == 0) cuts.push_back(c);
  }
  CheckTornLastRecord(log, cuts);
}

TEST(LogTornTailTest, MultiBlockLastRecordCutAtBlockBoundaries) {
  Random rnd(13);
  const Log log = WriteLog({"one", RandomBytes(&rnd, 5 * kBlockSize + 77)});
  std::vector<uint64_t> cuts;
  for (uint64_t b = kBlockSize; b < log.contents.size(); b += kBlockSize) {
    for (int64_t delta : {-12, -11, -1, 0, 1, 10, 11, 12}) {
      const uint64_t cut = b + delta;
      if (cut > log.size_before.back() && cut < log.contents.size()) {
        cuts.push_back(cut);
      }
    }
  }
  CheckTornLastRecord(log, cuts);
}

TEST(LogTornTailTest, CutAtRecordBoundaryIsClean) {
  Random rnd(14);
  const Log log = WriteLog({"one", RandomBytes(&rnd, 40000), "", "four"});
  for (size_t i = 0; i < log.records.size(); ++i) {
    const std::string prefix = log.contents.substr(0, log.size_after[i]);
    for (WalRecoveryMode mode : kAllModes) {
      const ReadResult r = ReadAll(prefix, mode);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r,
                         std::vector<std::string>(log.records.begin(),
                                                  log.records.begin() + i + 1));
      EXPECT_EQ(r.torn_tail_bytes, 0u);
      EXPECT_TRUE(r.drops.empty());
    }
  }
}

// ---------------------------------------------------------------------------
// Bit flips.

// One read of a damaged log for the bit-flip test. Records are matched
// against `originals` as they come instead of being copied.
struct FlipRead {
  Status status;
  size_t count = 0;         // records returned
  bool prefix = true;       // record i equalled originals[i], for every i
  bool subsequence = true;  // each record equalled a later original
  uint64_t torn_tail_bytes = 0;
  std::vector<Drop> drops;
};

FlipRead ReadAgainst(const std::string& data, WalRecoveryMode mode,
                     const std::vector<std::string>& originals) {
  StringSource source(data);
  source.zero_copy_ = true;
  RecordingReporter reporter;
  Reader reader(&source, kFileName, mode, &reporter);
  FlipRead r;
  Slice record;
  std::string scratch;
  size_t next = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    if (r.count >= originals.size() || record != Slice(originals[r.count])) {
      r.prefix = false;
    }
    while (next < originals.size() && record != Slice(originals[next])) ++next;
    if (next == originals.size()) {
      r.subsequence = false;
    } else {
      ++next;
    }
    ++r.count;
  }
  r.status = reader.status();
  r.torn_tail_bytes = reader.TornTailBytes();
  r.drops = std::move(reporter.drops_);
  return r;
}

TEST(LogBitFlipTest, EveryFlipInACompleteLogIsDetected) {
  // Block 0: r0, r1 (empty), r2 (kFirst) ; block 1: r2 (kLast), r3 sized to
  // leave a 5-byte trailer; block 2: r4.
  Random rnd(15);
  std::vector<std::string> records = {RandomBytes(&rnd, 300), "",
                                      RandomBytes(&rnd, kBlockSize - 100)};
  Log log = WriteLog(records);
  const uint64_t in_block1 = log.size_after.back() % kBlockSize;
  records.push_back(
      RandomBytes(&rnd, kBlockSize - in_block1 - kHeaderSize - 5));
  records.push_back(RandomBytes(&rnd, 40));
  log = WriteLog(records);
  ASSERT_EQ(log.size_after[3], 2 * kBlockSize - 5);
  ASSERT_EQ(log.size_after[2] / kBlockSize, 1u);

  // Header byte positions (every bit flipped there) and length fields.
  std::vector<bool> is_header(log.contents.size(), false);
  std::vector<bool> is_length(log.contents.size(), false);
  for (uint64_t pos = 0; pos < log.contents.size();) {
    const uint64_t leftover = kBlockSize - pos % kBlockSize;
    if (leftover < kHeaderSize) {
      pos += leftover;
      continue;
    }
    for (size_t i = 0; i < kHeaderSize; ++i) is_header[pos + i] = true;
    is_length[pos + 8] = is_length[pos + 9] = true;
    pos += kHeaderSize + DecodeFixed16(log.contents.data() + pos + 8);
  }

  std::string data = log.contents;
  int flips = 0;
  for (size_t pos = 0; pos < data.size(); ++pos) {
    const int bits = is_header[pos] ? 8 : 1;
    for (int b = 0; b < bits; ++b) {
      const int bit = is_header[pos] ? b : static_cast<int>(pos % 8);
      data[pos] ^= static_cast<char>(1 << bit);
      ++flips;
      const auto where = [&] {
        return ::testing::Message() << "pos " << pos << " bit " << bit;
      };

      for (WalRecoveryMode mode : {WalRecoveryMode::kTolerateTornTail,
                                   WalRecoveryMode::kAbsoluteConsistency}) {
        const FlipRead r = ReadAgainst(data, mode, records);
        ASSERT_TRUE(r.status.IsCorruption()) << where() << r.status.ToString();
        ASSERT_NE(r.status.message().find(kFileName), std::string::npos);
        ASSERT_EQ(r.status.message().find("torn tail"), std::string::npos)
            << where() << r.status.ToString();
        ASSERT_EQ(r.torn_tail_bytes, 0u) << where();
        ASSERT_TRUE(r.drops.empty()) << where();
        // What was returned is an exact prefix of what was written.
        ASSERT_TRUE(r.prefix) << where();
        ASSERT_LT(r.count, records.size()) << where();
        if (is_length[pos]) {
          ASSERT_NE(r.status.message().find("bad header checksum"),
                    std::string::npos)
              << where() << r.status.ToString();
        }
      }

      const FlipRead r = ReadAgainst(data, WalRecoveryMode::kSalvage, records);
      ASSERT_TRUE(r.status.ok()) << where() << r.status.ToString();
      ASSERT_FALSE(r.drops.empty()) << where();
      ASSERT_TRUE(r.subsequence) << where() << ": salvage invented a record";
      // Dropped regions are ordered, disjoint and inside the file.
      uint64_t prev_end = 0;
      for (const Drop& d : r.drops) {
        ASSERT_GE(d.offset, prev_end) << where();
        ASSERT_LE(d.offset + d.bytes, data.size()) << where();
        ASSERT_TRUE(d.reason.IsCorruption()) << where();
        prev_end = d.offset + d.bytes;
      }
      data[pos] ^= static_cast<char>(1 << bit);
    }
  }
  EXPECT_GT(flips, 2 * static_cast<int>(kBlockSize));
}

// ---------------------------------------------------------------------------
// Zero-filled space.

TEST(LogZeroTailTest, HundredZeroBytes) {
  const Log log = WriteLog({"one", "two", "three"});
  const std::string data = log.contents + std::string(100, '\0');
  for (WalRecoveryMode mode :
       {WalRecoveryMode::kTolerateTornTail, WalRecoveryMode::kSalvage}) {
    const ReadResult r = ReadAll(data, mode);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    ExpectRecordsEqual(r, log.records);
    EXPECT_EQ(r.torn_tail_bytes, 100u);
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].offset, log.contents.size());
    EXPECT_EQ(r.drops[0].bytes, 100u);
  }
  const ReadResult r = ReadAll(data, WalRecoveryMode::kAbsoluteConsistency);
  ExpectRecordsEqual(r, log.records);
  ExpectCorruptionAt(r.status, log.contents.size(), "zero-filled tail");
}

TEST(LogZeroTailTest, FewerZerosThanAHeader) {
  const Log log = WriteLog({"one", "two"});
  const std::string data = log.contents + std::string(5, '\0');
  ReadResult r = ReadAll(data, WalRecoveryMode::kTolerateTornTail);
  EXPECT_TRUE(r.status.ok());
  ExpectRecordsEqual(r, log.records);
  EXPECT_EQ(r.torn_tail_bytes, 5u);
  r = ReadAll(data, WalRecoveryMode::kAbsoluteConsistency);
  ExpectCorruptionAt(r.status, log.contents.size(),
                     "truncated fragment header");
}

TEST(LogZeroTailTest, FullZeroBlocks) {
  Random rnd(16);
  // Unaligned end, and an end exactly at a block boundary.
  for (const Log& log : {WriteLog({"one", RandomBytes(&rnd, 50000)}),
                         WriteLog({std::string(kMaxFragmentPayload, 'x')})}) {
    for (size_t zeros : {kBlockSize, 3 * kBlockSize + 5}) {
      const std::string data = log.contents + std::string(zeros, '\0');
      ReadResult r = ReadAll(data, WalRecoveryMode::kTolerateTornTail);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r, log.records);
      EXPECT_EQ(r.torn_tail_bytes, zeros);
      r = ReadAll(data, WalRecoveryMode::kSalvage);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r, log.records);
      r = ReadAll(data, WalRecoveryMode::kAbsoluteConsistency);
      ExpectRecordsEqual(r, log.records);
      ExpectCorruptionAt(r.status, log.contents.size(), "zero-filled tail");
    }
  }
}

TEST(LogZeroTailTest, ZerosAfterFirstFragmentAreATornTail) {
  // A multi-block write that reached the disk only in part, in a
  // preallocated file.
  Random rnd(17);
  const Log log = WriteLog({"one", RandomBytes(&rnd, 3 * kBlockSize)});
  std::string data = log.contents.substr(0, kBlockSize);
  data.resize(4 * kBlockSize, '\0');
  const ReadResult r = ReadAll(data, WalRecoveryMode::kTolerateTornTail);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ExpectRecordsEqual(r, {"one"});
  EXPECT_EQ(r.torn_tail_bytes, data.size() - log.size_before[1]);
}

TEST(LogZeroTailTest, ZerosThenDataIsCorruption) {
  const Log log = WriteLog({"one", "two"});
  for (size_t zeros : {size_t{100}, kBlockSize - log.contents.size()}) {
    SCOPED_TRACE(zeros);
    const std::string data = log.contents + std::string(zeros, '\0') +
                             EncodeFragment(RecordType::kFull, "later");
    for (WalRecoveryMode mode : {WalRecoveryMode::kTolerateTornTail,
                                 WalRecoveryMode::kAbsoluteConsistency}) {
      const ReadResult r = ReadAll(data, mode);
      ExpectRecordsEqual(r, log.records);
      ExpectCorruptionAt(r.status, log.contents.size(),
                         "zero-filled bytes followed by data at offset " +
                             std::to_string(log.contents.size() + zeros));
      EXPECT_EQ(r.torn_tail_bytes, 0u);
    }
  }
}

TEST(LogZeroTailTest, SalvageSkipsZerosAndResumesAtNextBlock) {
  const Log log = WriteLog({"one", "two"});
  // Zeros up to the block end, then a log resumed at block 1.
  StringSink sink;
  sink.contents_ = log.contents;
  sink.contents_.resize(kBlockSize, '\0');
  Writer writer(&sink, kBlockSize);
  ASSERT_TRUE(writer.AddRecord("three").ok());
  ASSERT_TRUE(writer.AddRecord(std::string(40000, 'f')).ok());
  // Then zeros in the middle of block 2 followed by garbage mid-block, and
  // a record at the start of block 3.
  const uint64_t mid = sink.contents_.size();
  sink.contents_.resize(mid + 200, '\0');
  sink.contents_ += "garbage";
  sink.contents_.resize(3 * kBlockSize, '\0');
  Writer writer2(&sink, 3 * kBlockSize);
  ASSERT_TRUE(writer2.AddRecord("five").ok());

  const ReadResult r = ReadAll(sink.contents_, WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ExpectRecordsEqual(r,
                     {"one", "two", "three", std::string(40000, 'f'), "five"});
  ASSERT_EQ(r.drops.size(), 2u);
  EXPECT_EQ(r.drops[0].offset, log.contents.size());
  EXPECT_EQ(r.drops[0].bytes, kBlockSize - log.contents.size());
  EXPECT_EQ(r.drops[1].offset, mid);
  // Resumes at the block after the one where data reappeared.
  EXPECT_EQ(r.drops[1].bytes, 3 * kBlockSize - mid);
  EXPECT_NE(r.drops[1].reason.message().find("followed by data at offset " +
                                             std::to_string(mid + 200)),
            std::string::npos);
  EXPECT_EQ(r.torn_tail_bytes, 0u);
}

// ---------------------------------------------------------------------------
// Each kind of damage, on forged logs.

class LogDamageTest : public ::testing::Test {
 protected:
  // Two good records, "one" at 0 and "two" at 14, then `damaged` at 28.
  static constexpr uint64_t kDamageOffset = 28;

  std::string Build(const std::string& damaged) {
    std::string data = EncodeFragment(RecordType::kFull, "one") +
                       EncodeFragment(RecordType::kFull, "two");
    EXPECT_EQ(data.size(), kDamageOffset);
    data += damaged;
    return data;
  }

  // Fills the rest of the block with one kFull record and appends "four" in
  // the next block, so damage is followed by more file.
  std::string WithFollowers(std::string data) {
    const size_t room = kBlockSize - data.size() % kBlockSize;
    if (room >= kHeaderSize) {
      data += EncodeFragment(RecordType::kFull,
                             std::string(room - kHeaderSize, 'f'));
    } else {
      data.append(room, '\0');
    }
    return data + EncodeFragment(RecordType::kFull, "four");
  }

  void ExpectStopsWithCorruption(const std::string& data, uint64_t offset,
                                 const std::string& problem) {
    for (WalRecoveryMode mode : {WalRecoveryMode::kTolerateTornTail,
                                 WalRecoveryMode::kAbsoluteConsistency}) {
      SCOPED_TRACE(static_cast<int>(mode));
      const ReadResult r = ReadAll(data, mode);
      ExpectRecordsEqual(r, {"one", "two"});
      ExpectCorruptionAt(r.status, offset, problem);
      EXPECT_EQ(r.torn_tail_bytes, 0u);
      EXPECT_TRUE(r.drops.empty());
      EXPECT_EQ(r.end_of_valid_data, kDamageOffset);
    }
  }
};

TEST_F(LogDamageTest, BadHeaderChecksum) {
  std::string frag = EncodeFragment(RecordType::kFull, "three");
  frag[0] ^= 0x40;
  const std::string data = WithFollowers(Build(frag));
  ExpectStopsWithCorruption(data, kDamageOffset, "bad header checksum");
  const ReadResult r = ReadAll(data, WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok());
  ExpectRecordsEqual(r, {"one", "two", "four"});
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].offset, kDamageOffset);
  EXPECT_EQ(r.drops[0].bytes, kBlockSize - kDamageOffset);
  EXPECT_EQ(r.drops[0].reason.ToString(),
            "Corruption: 000007.log offset 28: bad header checksum");
}

TEST_F(LogDamageTest, BadHeaderChecksumAtEndOfFileIsNotATornTail) {
  std::string frag = EncodeFragment(RecordType::kFull, "three");
  frag[8] ^= 0x01;  // length 3 -> 2: still inside the file
  ExpectStopsWithCorruption(Build(frag), kDamageOffset, "bad header checksum");
  frag[8] ^= 0x01;
  frag[9] ^= 0x10;  // length runs past the end of the file
  ExpectStopsWithCorruption(Build(frag), kDamageOffset, "bad header checksum");
}

TEST_F(LogDamageTest, BadPayloadChecksum) {
  std::string frag = EncodeFragment(RecordType::kFull, "three");
  frag[kHeaderSize + 2] ^= 0x04;
  const std::string data = WithFollowers(Build(frag));
  ExpectStopsWithCorruption(data, kDamageOffset, "bad payload checksum");
  // The damaged record is the last one in the file: still corruption.
  ExpectStopsWithCorruption(Build(frag), kDamageOffset, "bad payload checksum");

  const ReadResult r =
      ReadAll(Build(frag) + EncodeFragment(RecordType::kFull, "four"),
              WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok());
  ExpectRecordsEqual(r, {"one", "two", "four"});
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].offset, kDamageOffset);
  EXPECT_EQ(r.drops[0].bytes, kHeaderSize + 5);
}

TEST_F(LogDamageTest, UnknownType) {
  for (uint8_t type : {uint8_t{0}, uint8_t{5}, uint8_t{0xff}}) {
    SCOPED_TRACE(static_cast<int>(type));
    const std::string frag = EncodeFragment(type, "three");
    ExpectStopsWithCorruption(WithFollowers(Build(frag)), kDamageOffset,
                              "unknown fragment type " + std::to_string(type));
    const ReadResult r =
        ReadAll(Build(frag) + EncodeFragment(RecordType::kFull, "four"),
                WalRecoveryMode::kSalvage);
    EXPECT_TRUE(r.status.ok());
    ExpectRecordsEqual(r, {"one", "two", "four"});
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].bytes, kHeaderSize + 5);
  }
}

TEST_F(LogDamageTest, ZeroTypeWithZeroLengthIsNotAZeroRegion) {
  // A verified header of type 0: only an all-zero header marks zero space.
  const std::string frag = EncodeFragment(RecordType::kZero, "");
  ExpectStopsWithCorruption(Build(frag), kDamageOffset,
                            "unknown fragment type 0");
}

TEST_F(LogDamageTest, LengthPastEndOfBlock) {
  // A verified header whose length runs past the block: no writer does that.
  std::string data = Build("");
  data += EncodeFragment(
      RecordType::kFull,
      std::string(kBlockSize - 20 - data.size() - kHeaderSize, 'x'));
  ASSERT_EQ(data.size(), kBlockSize - 20);
  std::string frag = EncodeFragment(RecordType::kFull, std::string(30, 'y'));
  data += frag;
  data = WithFollowers(data);
  const uint64_t at = kBlockSize - 20;
  for (WalRecoveryMode mode : {WalRecoveryMode::kTolerateTornTail,
                               WalRecoveryMode::kAbsoluteConsistency}) {
    const ReadResult r = ReadAll(data, mode);
    ExpectCorruptionAt(r.status, at, "fragment length 30 runs past the end");
  }
}

TEST_F(LogDamageTest, MiddleOrLastWithoutFirst) {
  for (RecordType type : {RecordType::kMiddle, RecordType::kLast}) {
    const std::string frag = EncodeFragment(type, "three");
    const char* which = type == RecordType::kMiddle ? "middle" : "last";
    ExpectStopsWithCorruption(Build(frag), kDamageOffset,
                              std::string(which) + " fragment without a first");
    const ReadResult r =
        ReadAll(Build(frag) + EncodeFragment(RecordType::kFull, "four"),
                WalRecoveryMode::kSalvage);
    EXPECT_TRUE(r.status.ok());
    ExpectRecordsEqual(r, {"one", "two", "four"});
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].offset, kDamageOffset);
    EXPECT_EQ(r.drops[0].bytes, kHeaderSize + 5);
  }
}

TEST_F(LogDamageTest, RecordStartedWhileAnotherIsOpen) {
  for (RecordType type : {RecordType::kFull, RecordType::kFirst}) {
    SCOPED_TRACE(static_cast<int>(type));
    const std::string open = EncodeFragment(RecordType::kFirst, "thr") +
                             EncodeFragment(RecordType::kMiddle, "ee");
    const uint64_t next = kDamageOffset + open.size();
    std::string data = Build(open) + EncodeFragment(type, "four");
    if (type == RecordType::kFirst) {
      data += EncodeFragment(RecordType::kLast, "!");
    }
    ExpectStopsWithCorruption(data, next,
                              "record begun at offset 28 has no last fragment");
    const ReadResult r = ReadAll(data, WalRecoveryMode::kSalvage);
    EXPECT_TRUE(r.status.ok());
    ExpectRecordsEqual(
        r, {"one", "two", type == RecordType::kFull ? "four" : "four!"});
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].offset, kDamageOffset);
    EXPECT_EQ(r.drops[0].bytes, open.size());
    EXPECT_NE(r.drops[0].reason.message().find("incomplete record dropped"),
              std::string::npos);
  }
}

TEST_F(LogDamageTest, NonZeroTrailer) {
  std::string data = Build("");
  data += EncodeFragment(
      RecordType::kFull,
      std::string(kBlockSize - data.size() - 7 - kHeaderSize, 'x'));
  const uint64_t trailer = data.size();
  ASSERT_EQ(trailer, kBlockSize - 7);
  data += std::string("\0\0\0\x01\0\0\0", 7);
  data += EncodeFragment(RecordType::kFull, "four");
  for (WalRecoveryMode mode : {WalRecoveryMode::kTolerateTornTail,
                               WalRecoveryMode::kAbsoluteConsistency}) {
    const ReadResult r = ReadAll(data, mode);
    ASSERT_EQ(r.records.size(), 3u);
    ExpectCorruptionAt(r.status, trailer, "non-zero bytes in block trailer");
  }
  const ReadResult r = ReadAll(data, WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok());
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[3], "four");
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].offset, trailer);
  EXPECT_EQ(r.drops[0].bytes, 7u);
}

TEST_F(LogDamageTest, SalvageDropsRecordInterruptedByBadHeader) {
  // kFirst in block 0, its kLast in block 1 has a bad header; a record after
  // it in block 2 is recovered.
  Random rnd(18);
  std::vector<std::string> records = {"one", RandomBytes(&rnd, 40000),
                                      RandomBytes(&rnd, 30000), "tail"};
  const Log log = WriteLog(records);
  std::string data = log.contents;
  data[kBlockSize] ^= 0x01;  // the kLast header of records[1]
  const ReadResult r = ReadAll(data, WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok());
  // records[2] started in block 1 too, so it goes with the rest of the block.
  ExpectRecordsEqual(r, {"one", "tail"});
  ASSERT_EQ(r.drops.size(), 3u);
  EXPECT_EQ(r.drops[0].offset, log.size_before[1]);
  EXPECT_EQ(r.drops[0].bytes, kBlockSize - log.size_before[1]);
  EXPECT_EQ(r.drops[1].offset, kBlockSize);
  EXPECT_EQ(r.drops[1].bytes, kBlockSize);
  // records[2]'s kLast in block 2 is an orphan.
  EXPECT_EQ(r.drops[2].offset, 2 * kBlockSize);
  EXPECT_NE(r.drops[2].reason.message().find("last fragment without a first"),
            std::string::npos);

  ExpectCorruptionAt(ReadAll(data, WalRecoveryMode::kTolerateTornTail).status,
                     kBlockSize, "bad header checksum");
}

TEST_F(LogDamageTest, SalvageReportsDamageThenTornTail) {
  std::string bad = EncodeFragment(RecordType::kFull, "three");
  bad[kHeaderSize] ^= 0x20;
  const std::string torn =
      EncodeFragment(RecordType::kFull, "five").substr(0, 13);
  const std::string data =
      Build(bad) + EncodeFragment(RecordType::kFull, "four") + torn;
  const ReadResult r = ReadAll(data, WalRecoveryMode::kSalvage);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ExpectRecordsEqual(r, {"one", "two", "four"});
  ASSERT_EQ(r.drops.size(), 2u);
  EXPECT_EQ(r.drops[0].offset, kDamageOffset);
  EXPECT_EQ(r.drops[0].bytes, kHeaderSize + 5);
  EXPECT_EQ(r.drops[1].offset, data.size() - torn.size());
  EXPECT_EQ(r.drops[1].bytes, torn.size());
  EXPECT_EQ(r.torn_tail_bytes, torn.size());
  EXPECT_EQ(r.end_of_valid_data, data.size() - torn.size());
}

TEST_F(LogDamageTest, NullReporterIsAllowed) {
  std::string bad = EncodeFragment(RecordType::kFull, "three");
  bad[3] ^= 0x01;
  const std::string data = Build(bad) + std::string(7, '\0');
  for (WalRecoveryMode mode : kAllModes) {
    StringSource source(data);
    Reader reader(&source, kFileName, mode, nullptr);
    Slice record;
    std::string scratch;
    int n = 0;
    while (reader.ReadRecord(&record, &scratch)) ++n;
    EXPECT_EQ(n, 2);
    EXPECT_EQ(reader.status().ok(), mode == WalRecoveryMode::kSalvage);
  }
}

// ---------------------------------------------------------------------------
// I/O errors.

TEST(LogIOErrorTest, ReadErrorIsReturnedAsIsInEveryMode) {
  Random rnd(19);
  const Log log = WriteLog({"one", RandomBytes(&rnd, 40000), "three"});
  for (WalRecoveryMode mode : kAllModes) {
    SCOPED_TRACE(static_cast<int>(mode));
    ReadResult r = ReadAll(log.contents, mode, /*fail_at_read=*/0);
    EXPECT_TRUE(r.status.IsIOError()) << r.status.ToString();
    EXPECT_EQ(r.status.message(), "source: injected read error");
    EXPECT_TRUE(r.records.empty());

    // Block 0 reads fine; the record spanning into block 1 is not returned.
    r = ReadAll(log.contents, mode, /*fail_at_read=*/1);
    EXPECT_TRUE(r.status.IsIOError()) << r.status.ToString();
    ExpectRecordsEqual(r, {"one"});
    EXPECT_TRUE(r.drops.empty());
    EXPECT_EQ(r.torn_tail_bytes, 0u);
  }
}

TEST(LogIOErrorTest, ReadErrorWhileSkippingZeros) {
  const Log log = WriteLog({"one"});
  const std::string data = log.contents + std::string(2 * kBlockSize, '\0');
  for (WalRecoveryMode mode : kAllModes) {
    const ReadResult r = ReadAll(data, mode, /*fail_at_read=*/2);
    EXPECT_TRUE(r.status.IsIOError()) << r.status.ToString();
    EXPECT_EQ(r.torn_tail_bytes, 0u);
  }
}

}  // namespace
}  // namespace strata::internal::log
