// Shared helpers for the log framing tests (log_test.cc,
// log_damage_test.cc): files held in strings (StringSink /
// StringSource), a recording reporter, and read-back checks.

#pragma once

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
namespace testutil {

inline constexpr char kFileName[] = "000007.log";

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

inline ReadResult ReadAll(const std::string& contents, WalRecoveryMode mode,
                          int fail_at_read = -1, bool zero_copy = false,
                          bool cut_short_tail = false) {
  StringSource source(contents);
  source.fail_at_read_ = fail_at_read;
  source.zero_copy_ = zero_copy;
  RecordingReporter reporter;
  Reader reader(&source, kFileName, mode, &reporter, cut_short_tail);
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
inline uint64_t FirstFragmentOffset(uint64_t size_before) {
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

inline Log WriteLog(const std::vector<std::string>& records) {
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

inline std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rnd->Next() & 0xff);
  return s;
}

// An independent encoder of one fragment, for golden comparisons and for
// forging fragments the writer never produces.
inline std::string EncodeFragment(uint8_t type, const std::string& payload) {
  std::string f(kHeaderSize, '\0');
  EncodeFixed32(f.data() + 4,
                crc32c::Mask(crc32c::Value(payload.data(), payload.size())));
  EncodeFixed16(f.data() + 8, static_cast<uint16_t>(payload.size()));
  f[10] = static_cast<char>(type);
  EncodeFixed32(f.data(), crc32c::Mask(crc32c::Value(f.data() + 4, 7)));
  return f + payload;
}

inline std::string EncodeFragment(RecordType type, const std::string& payload) {
  return EncodeFragment(static_cast<uint8_t>(type), payload);
}

inline void ExpectCorruptionAt(const Status& s, uint64_t offset,
                               const std::string& problem) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  const std::string prefix =
      std::string(kFileName) + " offset " + std::to_string(offset) + ": ";
  EXPECT_EQ(s.message().substr(0, prefix.size()), prefix) << s.ToString();
  EXPECT_NE(s.message().find(problem), std::string::npos) << s.ToString();
}

inline void ExpectRecordsEqual(const ReadResult& r,
                               const std::vector<std::string>& expected) {
  ASSERT_EQ(r.records.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(r.records[i] == expected[i]) << "record " << i;
  }
}

// Reads `log` back in every mode and expects every record, exact offsets,
// OK and nothing dropped.
inline void ExpectRoundTrip(const Log& log) {
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

inline constexpr WalRecoveryMode kAllModes[] = {
    WalRecoveryMode::kTolerateTornTail, WalRecoveryMode::kAbsoluteConsistency,
    WalRecoveryMode::kSalvage};
}  // namespace testutil
}  // namespace strata::internal::log
