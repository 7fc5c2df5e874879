// Tests of the VersionEdit encoding: golden bytes, round trips of every
// combination of fields, and a Corruption naming the field for every
// truncation, unknown tag, out-of-range level and malformed value.

#include "version/version_edit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "base/coding.h"
#include "key/internal_key.h"

namespace strata::internal {
namespace {

FileMetaData MakeFile(uint64_t number, const std::string& smallest,
                      SequenceNumber small_seq, const std::string& largest,
                      SequenceNumber large_seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = number * 1000 + 7;
  f.smallest =
      InternalKey(smallest, small_seq, static_cast<uint8_t>(ValueType::kValue));
  f.largest = InternalKey(largest, large_seq,
                          static_cast<uint8_t>(ValueType::kDeletion));
  f.smallest_seqno = std::min(small_seq, large_seq);
  f.largest_seqno = std::max(small_seq, large_seq);
  f.num_entries = number + 10;
  f.num_deletions = number % 10;
  return f;
}

void ExpectSameFile(const FileMetaData& a, const FileMetaData& b) {
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.file_size, b.file_size);
  EXPECT_EQ(a.smallest.Encode().ToString(), b.smallest.Encode().ToString());
  EXPECT_EQ(a.largest.Encode().ToString(), b.largest.Encode().ToString());
  EXPECT_EQ(a.smallest_seqno, b.smallest_seqno);
  EXPECT_EQ(a.largest_seqno, b.largest_seqno);
  EXPECT_EQ(a.num_entries, b.num_entries);
  EXPECT_EQ(a.num_deletions, b.num_deletions);
  EXPECT_EQ(a.vlog_files, b.vlog_files);
}

void ExpectSameEdit(const VersionEdit& a, const VersionEdit& b) {
  EXPECT_EQ(a.has_comparator_name(), b.has_comparator_name());
  EXPECT_EQ(a.comparator_name(), b.comparator_name());
  EXPECT_EQ(a.has_log_number(), b.has_log_number());
  EXPECT_EQ(a.log_number(), b.log_number());
  EXPECT_EQ(a.has_next_file_number(), b.has_next_file_number());
  EXPECT_EQ(a.next_file_number(), b.next_file_number());
  EXPECT_EQ(a.has_last_sequence(), b.has_last_sequence());
  EXPECT_EQ(a.last_sequence(), b.last_sequence());
  EXPECT_EQ(a.has_last_timestamp(), b.has_last_timestamp());
  EXPECT_EQ(a.last_timestamp(), b.last_timestamp());
  EXPECT_EQ(a.has_retention_horizon(), b.has_retention_horizon());
  EXPECT_EQ(a.retention_horizon(), b.retention_horizon());
  EXPECT_EQ(a.deleted_files(), b.deleted_files());
  ASSERT_EQ(a.new_files().size(), b.new_files().size());
  for (size_t i = 0; i < a.new_files().size(); ++i) {
    EXPECT_EQ(a.new_files()[i].first, b.new_files()[i].first);
    ExpectSameFile(a.new_files()[i].second, b.new_files()[i].second);
  }
  ASSERT_EQ(a.new_vlog_files().size(), b.new_vlog_files().size());
  for (size_t i = 0; i < a.new_vlog_files().size(); ++i) {
    const VlogFileMeta& x = a.new_vlog_files()[i];
    const VlogFileMeta& y = b.new_vlog_files()[i];
    EXPECT_EQ(x.number, y.number);
    EXPECT_EQ(x.file_size, y.file_size);
    EXPECT_EQ(x.records, y.records);
    EXPECT_EQ(x.record_bytes, y.record_bytes);
  }
  EXPECT_EQ(a.vlog_garbage(), b.vlog_garbage());
}

// Bit i of `mask` turns on field i: comparator, log number, next file
// number, last sequence, deleted files, new files, last timestamp,
// retention horizon, value-log files (a table naming them, the files, and
// garbage).
VersionEdit EditWithFields(unsigned mask) {
  VersionEdit edit;
  if (mask & 1) edit.SetComparatorName("strata.Bytewise\x01\xff");
  if (mask & 2) edit.SetLogNumber(uint64_t{1} << 40);
  if (mask & 4) edit.SetNextFileNumber(UINT64_MAX);
  if (mask & 8) edit.SetLastSequence(kMaxSequenceNumber);
  if (mask & 16) {
    edit.DeleteFile(0, 3);
    edit.DeleteFile(kMaxNumLevels - 1, UINT64_MAX);
    edit.DeleteFile(2, 300);
  }
  if (mask & 32) {
    edit.AddFile(6, MakeFile(12, std::string("a\0b", 3), 5, "zz", 99));
    edit.AddFile(0, MakeFile(7, "", 0, "", 0));  // empty user keys
    edit.AddFile(kMaxNumLevels - 1,
                 MakeFile(UINT64_MAX - 1, std::string(300, '\xff'),
                          kMaxSequenceNumber, std::string(1, '\0'), 1));
  }
  if (mask & 64) edit.SetLastTimestamp(UINT64_MAX);
  if (mask & 128) edit.SetRetentionHorizon(uint64_t{1} << 62);
  if (mask & 256) {
    FileMetaData f = MakeFile(40, "k", 3, "m", 4);
    f.vlog_files = {41, 43, UINT64_MAX};
    edit.AddFile(1, f);
    edit.AddVlogFile(VlogFileMeta{41, 5000, 7, 4960, 0});
    edit.AddVlogFile(VlogFileMeta{43, 40, 0, 0, 0});
    edit.AddVlogGarbage(41, 100);
    edit.AddVlogGarbage(41, 20);  // adds up
    edit.AddVlogGarbage(UINT64_MAX, 0);
  }
  return edit;
}

std::string Encode(const VersionEdit& edit) {
  std::string s;
  edit.EncodeTo(&s);
  return s;
}

TEST(VersionEditTest, GoldenBytes) {
  VersionEdit edit;
  EXPECT_EQ(Encode(edit), std::string(1, '\0'));  // just the end tag

  edit.SetLogNumber(5);
  edit.DeleteFile(1, 300);
  EXPECT_EQ(Encode(edit), std::string("\x02\x05\x05\x01\xac\x02\x00", 7));

  VersionEdit file_edit;
  FileMetaData f;
  f.number = 9;
  f.file_size = 200;
  f.smallest = InternalKey("a", 3, static_cast<uint8_t>(ValueType::kValue));
  f.largest = InternalKey("b", 4, static_cast<uint8_t>(ValueType::kDeletion));
  f.smallest_seqno = 3;
  f.largest_seqno = 4;
  f.num_entries = 2;
  f.num_deletions = 1;
  file_edit.AddFile(0, f);
  const std::string expected(
      "\x06\x00\x09\xc8\x01"
      "\x09"
      "a\x01\x03\x00\x00\x00\x00\x00\x00"
      "\x09"
      "b\x00\x04\x00\x00\x00\x00\x00\x00"
      "\x03\x04\x02\x01\x00",
      30);
  EXPECT_EQ(Encode(file_edit), expected);

  VersionEdit stamped;  // tag 7, varint64, after every other field
  stamped.SetLastTimestamp(300);
  stamped.SetLogNumber(5);
  EXPECT_EQ(Encode(stamped), std::string("\x02\x05\x07\xac\x02\x00", 6));
}

TEST(VersionEditTest, RoundTripOfEveryFieldCombination) {
  for (unsigned mask = 0; mask < 512; ++mask) {
    SCOPED_TRACE("mask " + std::to_string(mask));
    const VersionEdit edit = EditWithFields(mask);
    const std::string encoded = Encode(edit);
    VersionEdit decoded;
    ASSERT_TRUE(decoded.DecodeFrom(encoded).ok());
    ExpectSameEdit(edit, decoded);
    EXPECT_EQ(Encode(decoded), encoded);
  }
}

TEST(VersionEditTest, DecodeReplacesEarlierContents) {
  VersionEdit edit = EditWithFields(63);
  VersionEdit small;
  small.SetLastSequence(17);
  ASSERT_TRUE(edit.DecodeFrom(Encode(small)).ok());
  ExpectSameEdit(small, edit);
}

TEST(VersionEditTest, ClearRemovesEveryField) {
  VersionEdit edit = EditWithFields(63);
  edit.Clear();
  ExpectSameEdit(VersionEdit(), edit);
  EXPECT_EQ(Encode(edit), std::string(1, '\0'));
}

TEST(VersionEditTest, EveryTruncationIsCorruption) {
  for (unsigned mask : {0u, 1u, 2u, 16u, 32u, 63u, 256u}) {
    const std::string encoded = Encode(EditWithFields(mask));
    for (size_t len = 0; len < encoded.size(); ++len) {
      VersionEdit decoded;
      const Status s = decoded.DecodeFrom(Slice(encoded.data(), len));
      EXPECT_TRUE(s.IsCorruption())
          << "mask " << mask << " length " << len << ": " << s.ToString();
      EXPECT_NE(s.message().find("VersionEdit "), std::string::npos);
    }
  }
}

TEST(VersionEditTest, VlogFieldsGoldenBytesAndMalformed) {
  VersionEdit edit;
  edit.AddVlogFile(VlogFileMeta{5, 300, 2, 200, 0});
  edit.AddVlogGarbage(5, 7);
  edit.AddVlogGarbage(5, 3);
  // kNewVlogFile 5 300 2 200, kVlogGarbage 5 10, end.
  EXPECT_EQ(std::string("\x0a\x05\xac\x02\x02\xc8\x01\x0b\x05\x0a\x00", 11),
            Encode(edit));
  EXPECT_EQ(10u, edit.vlog_garbage().at(5));

  const auto corrupt = [](const std::string& bytes, const char* what) {
    VersionEdit e;
    const Status s = e.DecodeFrom(bytes);
    EXPECT_TRUE(s.IsCorruption()) << what;
    EXPECT_NE(s.ToString().find(what), std::string::npos) << s.ToString();
  };
  corrupt(std::string("\x0a\x00\x01\x01\x01\x00", 6), "new vlog file");
  corrupt(std::string("\x0a\x05\x01\x01\x02\x00", 6),
          "more record bytes than file bytes");
  corrupt(std::string("\x0a\x05\x01\x01\x01\x0a\x05\x01\x01\x01\x00", 11),
          "repeated");
  corrupt(std::string("\x0b\x05\x01\x0b\x05\x02\x00", 7), "repeated");
  corrupt(std::string("\x0b\x00\x01\x00", 4), "vlog garbage");
  // A table naming no vlog file, one not ascending, one numbered 0.
  FileMetaData f = MakeFile(40, "k", 3, "m", 4);
  f.vlog_files = {9, 8};
  VersionEdit bad;
  bad.AddFile(1, f);
  corrupt(Encode(bad), "not ascending");
  f.vlog_files = {0};
  bad.Clear();
  bad.AddFile(1, f);
  corrupt(Encode(bad), "new file vlogs");
  // Tables without pointers keep the old field (tag 6).
  VersionEdit plain;
  plain.AddFile(1, MakeFile(40, "k", 3, "m", 4));
  EXPECT_EQ('\x06', Encode(plain)[0]);
}

TEST(VersionEditTest, TrailingBytesAreCorruption) {
  std::string encoded = Encode(EditWithFields(63));
  encoded.push_back('\x02');
  VersionEdit decoded;
  const Status s = decoded.DecodeFrom(encoded);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("end tag: 1 trailing byte(s)"), std::string::npos)
      << s.ToString();
}

TEST(VersionEditTest, UnknownTagIsCorruption) {
  for (uint32_t tag : {12u, 13u, 127u, 1000u, UINT32_MAX}) {
    std::string encoded;
    PutVarint32(&encoded, 2);  // a valid log number field first
    PutVarint64(&encoded, 1);
    PutVarint32(&encoded, tag);
    PutVarint64(&encoded, 1);
    PutVarint32(&encoded, 0);
    VersionEdit decoded;
    const Status s = decoded.DecodeFrom(encoded);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find("unknown tag " + std::to_string(tag)),
              std::string::npos)
        << s.ToString();
  }
}

TEST(VersionEditTest, HugeLevelIsCorruption) {
  for (uint32_t level : {64u, 65u, 1u << 20, UINT32_MAX}) {
    SCOPED_TRACE("level " + std::to_string(level));
    std::string deleted;
    PutVarint32(&deleted, static_cast<uint32_t>(EditTag::kDeletedFile));
    PutVarint32(&deleted, level);
    PutVarint64(&deleted, 4);
    PutVarint32(&deleted, 0);
    VersionEdit decoded;
    Status s = decoded.DecodeFrom(deleted);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find("deleted file: level " + std::to_string(level) +
                                " >= 64"),
              std::string::npos)
        << s.ToString();

    // A new file at level 63 encodes fine; patch its level byte(s).
    VersionEdit edit;
    edit.AddFile(63, MakeFile(4, "a", 1, "b", 2));
    const std::string good = Encode(edit);
    std::string added;
    PutVarint32(&added, static_cast<uint32_t>(EditTag::kNewFile));
    PutVarint32(&added, level);
    added.append(good.substr(2));  // tag 6 and level 63 are one byte each
    s = decoded.DecodeFrom(added);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find("new file: level " + std::to_string(level) +
                                " >= 64"),
              std::string::npos)
        << s.ToString();
  }
}

TEST(VersionEditTest, RepeatedSingleFieldIsCorruption) {
  const struct {
    EditTag tag;
    const char* field;
  } cases[] = {
      {EditTag::kLogNumber, "log number"},
      {EditTag::kNextFileNumber, "next file number"},
      {EditTag::kLastSequence, "last sequence"},
      {EditTag::kLastTimestamp, "last timestamp"},
      {EditTag::kRetentionHorizon, "retention horizon"},
  };
  for (const auto& c : cases) {
    std::string encoded;
    for (int i = 0; i < 2; ++i) {
      PutVarint32(&encoded, static_cast<uint32_t>(c.tag));
      PutVarint64(&encoded, 3);
    }
    PutVarint32(&encoded, 0);
    VersionEdit decoded;
    const Status s = decoded.DecodeFrom(encoded);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find(std::string(c.field) + ": repeated"),
              std::string::npos)
        << s.ToString();
  }
  std::string names;
  for (int i = 0; i < 2; ++i) {
    PutVarint32(&names, static_cast<uint32_t>(EditTag::kComparator));
    PutLengthPrefixedSlice(&names, "x");
  }
  PutVarint32(&names, 0);
  VersionEdit decoded;
  EXPECT_NE(decoded.DecodeFrom(names).ToString().find("comparator: repeated"),
            std::string::npos);

  std::string deletes;
  for (int i = 0; i < 2; ++i) {
    PutVarint32(&deletes, static_cast<uint32_t>(EditTag::kDeletedFile));
    PutVarint32(&deletes, 1);
    PutVarint64(&deletes, 8);
  }
  PutVarint32(&deletes, 0);
  EXPECT_NE(
      decoded.DecodeFrom(deletes).ToString().find("deleted file: repeated"),
      std::string::npos);
}

// Encodes a new-file field with the given keys and counters.
std::string NewFileField(const std::string& smallest,
                         const std::string& largest, uint64_t small_seq,
                         uint64_t large_seq, uint64_t entries,
                         uint64_t deletions) {
  std::string s;
  PutVarint32(&s, static_cast<uint32_t>(EditTag::kNewFile));
  PutVarint32(&s, 1);    // level
  PutVarint64(&s, 5);    // number
  PutVarint64(&s, 100);  // size
  PutLengthPrefixedSlice(&s, smallest);
  PutLengthPrefixedSlice(&s, largest);
  PutVarint64(&s, small_seq);
  PutVarint64(&s, large_seq);
  PutVarint64(&s, entries);
  PutVarint64(&s, deletions);
  PutVarint32(&s, 0);
  return s;
}

TEST(VersionEditTest, MalformedNewFileIsCorruptionNamingTheField) {
  const std::string key8(8, '\x01');
  const std::string key7(7, '\x01');
  const struct {
    std::string encoded;
    const char* expected;
  } cases[] = {
      {NewFileField(key8, key8, 1, 2, 3, 1), nullptr},
      {NewFileField(key7, key8, 1, 2, 3, 1), "new file: bad smallest key"},
      {NewFileField(key8, "", 1, 2, 3, 1), "new file: bad largest key"},
      {NewFileField(key8, key8, 3, 2, 3, 1),
       "new file: smallest sequence > largest sequence"},
      {NewFileField(key8, key8, 1, kMaxSequenceNumber + 1, 3, 1),
       "new file: largest sequence out of range"},
      {NewFileField(key8, key8, 1, 2, 3, 4),
       "new file: more deletions than entries"},
  };
  for (const auto& c : cases) {
    VersionEdit decoded;
    const Status s = decoded.DecodeFrom(c.encoded);
    if (c.expected == nullptr) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      continue;
    }
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find(c.expected), std::string::npos) << s.ToString();
  }
}

TEST(VersionEditTest, LastSequenceOutOfRangeIsCorruption) {
  std::string encoded;
  PutVarint32(&encoded, static_cast<uint32_t>(EditTag::kLastSequence));
  PutVarint64(&encoded, kMaxSequenceNumber + 1);
  PutVarint32(&encoded, 0);
  VersionEdit decoded;
  const Status s = decoded.DecodeFrom(encoded);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("last sequence: out of range"),
            std::string::npos);
}

TEST(VersionEditTest, ComparatorLengthPastTheEndIsCorruption) {
  std::string encoded;
  PutVarint32(&encoded, static_cast<uint32_t>(EditTag::kComparator));
  PutVarint32(&encoded, 1000);
  encoded.append("short");
  PutVarint32(&encoded, 0);
  VersionEdit decoded;
  const Status s = decoded.DecodeFrom(encoded);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("comparator: bad length"), std::string::npos);
}

TEST(VersionEditTest, DebugStringShowsEveryField) {
  const std::string d = EditWithFields(63).DebugString();
  for (const char* part :
       {"Comparator: strata.Bytewise\\x01\\xff", "LogNumber: 1099511627776",
        "NextFileNumber: 18446744073709551615",
        "LastSequence: 72057594037927935", "DeleteFile: L2 300",
        "AddFile: L6 12:12007['a\\x00b' @ 5 : 1 .. 'zz' @ 99 : 0]"}) {
    EXPECT_NE(d.find(part), std::string::npos) << part << "\n" << d;
  }
}

}  // namespace
}  // namespace strata::internal
