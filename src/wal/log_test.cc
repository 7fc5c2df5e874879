// Tests of the log framing: writer output byte for byte, round trips of
// every size class, and torn tails in every recovery mode. Damage (bit
// flips, zero-filled space, sequencing and I/O errors) is in
// log_damage_test.cc. Files live in strings, not in an Env.

#include "wal/log_test_util.h"

namespace strata::internal::log {
namespace {

using namespace testutil;  // NOLINT: test helpers

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

}  // namespace
}  // namespace strata::internal::log
