// Tests of the log reader's handling of damage: every bit flip of a
// complete log, zero-filled space, broken fragment sequences, bad
// checksums, and I/O errors, in every recovery mode.

#include "wal/log_test_util.h"

namespace strata::internal::log {
namespace {

using namespace testutil;  // NOLINT: test helpers

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

// A log written through a mapping into preallocated space: a crash during
// the copy of the last record leaves a prefix of its bytes, then zeros to
// the end of the file. Read as the newest log (cut_short_tail), every such
// cut is a torn tail, wherever it falls (a header, a payload, a later
// fragment of a multi-block record); read as any other file (an older log,
// the MANIFEST) a cut inside a fragment is corruption, as before.
TEST(LogZeroTailTest, ARecordCutShortIntoZerosIsATornTail) {
  Random rnd(18);
  for (const std::string& last :
       {RandomBytes(&rnd, 200), RandomBytes(&rnd, 2 * kBlockSize + 300)}) {
    const Log log = WriteLog({"one", RandomBytes(&rnd, 500), last});
    const uint64_t start = log.size_before[2];
    const uint64_t end = log.size_after[2];
    // Every cut in a small record; in a large one, every cut around each
    // fragment header and a sample of the rest.
    std::vector<uint64_t> cuts;
    for (uint64_t at = start + 1; at < end; ++at) {
      const uint64_t in_block = at % kBlockSize;
      if (end - start < 1000 || in_block < 2 * kHeaderSize ||
          at - start < 2 * kHeaderSize || rnd.OneIn(97)) {
        cuts.push_back(at);
      }
    }
    int corrupt_without = 0;
    for (const uint64_t at : cuts) {
      SCOPED_TRACE(at);
      std::string data = log.contents.substr(0, at);
      // Zeros to the end of the file (a page boundary): the preallocated
      // space.
      data.resize((end + kBlockSize + 4095) / 4096 * 4096, '\0');
      ReadResult r = ReadAll(data, WalRecoveryMode::kTolerateTornTail, -1,
                             false, /*cut_short_tail=*/true);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r, {"one", log.records[1]});
      ASSERT_EQ(r.torn_tail_bytes, data.size() - start);
      r = ReadAll(data, WalRecoveryMode::kSalvage, -1, false, true);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ExpectRecordsEqual(r, {"one", log.records[1]});
      r = ReadAll(data, WalRecoveryMode::kAbsoluteConsistency, -1, false, true);
      ASSERT_TRUE(r.status.IsCorruption()) << r.status.ToString();
      r = ReadAll(data, WalRecoveryMode::kTolerateTornTail);
      ExpectRecordsEqual(r, {"one", log.records[1]});
      if (r.status.IsCorruption()) ++corrupt_without;
    }
    // Without the flag only cuts between fragments (a zero header) are
    // torn tails.
    EXPECT_GT(corrupt_without, static_cast<int>(cuts.size()) / 2);
  }
  // A cut fragment that ends the file ends it on a page boundary (the end
  // of a mapped window); anywhere else it is corruption.
  for (const uint64_t file_size : {4096, 4095}) {
    SCOPED_TRACE(file_size);
    const uint64_t first = kHeaderSize + 3;
    const Log log =
        WriteLog({"one", std::string(file_size - first - kHeaderSize, 'x')});
    ASSERT_EQ(log.contents.size(), file_size);
    std::string data = log.contents;
    data.back() = '\0';
    const ReadResult r =
        ReadAll(data, WalRecoveryMode::kTolerateTornTail, -1, false, true);
    ExpectRecordsEqual(r, {"one"});
    if (file_size % 4096 == 0) {
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      EXPECT_EQ(r.torn_tail_bytes, file_size - first);
    } else {
      ExpectCorruptionAt(r.status, first, "bad payload checksum");
    }
  }
}

// What only looks cut short is still corruption: data after the zeros, or
// a damaged payload that does not end in a zero byte. An I/O error while
// looking past the zeros is that error.
TEST(LogZeroTailTest, DamageBeforeZerosThatDataFollowsIsCorruption) {
  const Log log = WriteLog({"one", "two"});
  const std::string cut =
      EncodeFragment(RecordType::kFull, "three\x01").substr(0, kHeaderSize + 3);
  for (uint64_t data_block : {1, 3}) {
    SCOPED_TRACE(data_block);
    std::string data = log.contents + cut;
    data.resize(data_block * kBlockSize + 200, '\0');
    data += "data";
    data.resize((data_block + 1) * kBlockSize, '\0');
    ReadResult r =
        ReadAll(data, WalRecoveryMode::kTolerateTornTail, -1, false, true);
    ExpectRecordsEqual(r, log.records);
    ExpectCorruptionAt(r.status, log.contents.size(), "bad payload checksum");
    // Salvage drops the fragment and the zero blocks after it as one
    // region, then the zeros before the data as the next.
    r = ReadAll(data, WalRecoveryMode::kSalvage, -1, false, true);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    ExpectRecordsEqual(r, log.records);
    ASSERT_GE(r.drops.size(), 2u);
    EXPECT_EQ(r.drops[0].offset, log.contents.size());
    EXPECT_EQ(r.drops[0].offset + r.drops[0].bytes, data_block * kBlockSize);
    EXPECT_EQ(r.drops[1].offset, data_block * kBlockSize);
    // The second block's read fails.
    r = ReadAll(data, WalRecoveryMode::kTolerateTornTail, 1, false, true);
    EXPECT_TRUE(r.status.IsIOError()) << r.status.ToString();
  }

  std::string flipped = EncodeFragment(RecordType::kFull, "three");
  flipped[kHeaderSize + 1] ^= 0x20;
  std::string data = log.contents + flipped;
  data.resize(3 * kBlockSize, '\0');
  const ReadResult r =
      ReadAll(data, WalRecoveryMode::kTolerateTornTail, -1, false, true);
  ExpectRecordsEqual(r, log.records);
  ExpectCorruptionAt(r.status, log.contents.size(), "bad payload checksum");
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
