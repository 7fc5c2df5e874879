#include "version/version_edit.h"

#include <cassert>
#include <cinttypes>
#include <cstdio>

#include "base/coding.h"
#include "base/result.h"

namespace strata::internal {

namespace {

void PutTag(std::string* dst, EditTag tag) {
  PutVarint32(dst, static_cast<uint32_t>(tag));
}

Status FieldError(const char* field, const std::string& problem) {
  return Status::Corruption(std::string("VersionEdit ") + field, problem);
}

// Decodes a level and checks its bound.
Status GetLevel(Slice* input, const char* field, int* level) {
  uint32_t v = 0;
  if (!GetVarint32(input, &v)) return FieldError(field, "bad level");
  if (v >= static_cast<uint32_t>(kMaxNumLevels)) {
    return FieldError(field, "level " + std::to_string(v) +
                                 " >= " + std::to_string(kMaxNumLevels));
  }
  *level = static_cast<int>(v);
  return Status::OK();
}

// Decodes a length-prefixed internal key: a user key and the 8-byte tag.
bool GetInternalKey(Slice* input, InternalKey* key) {
  Slice s;
  Slice user_key;
  SequenceNumber sequence = 0;
  uint8_t type = 0;
  if (!GetLengthPrefixedSlice(input, &s) ||
      !SplitInternalKey(s, &user_key, &sequence, &type)) {
    return false;
  }
  *key = InternalKey(user_key, sequence, type);
  return true;
}

// The body of a kNewFile field, after its tag.
// See docs/manifest_format.md#new-file.
Status DecodeNewFile(Slice* input, int* level, FileMetaData* f) {
  constexpr char kField[] = "new file";
  STRATA_RETURN_IF_ERROR(GetLevel(input, kField, level));
  if (!GetVarint64(input, &f->number)) return FieldError(kField, "bad number");
  if (!GetVarint64(input, &f->file_size)) {
    return FieldError(kField, "bad file size");
  }
  if (!GetInternalKey(input, &f->smallest)) {
    return FieldError(kField, "bad smallest key");
  }
  if (!GetInternalKey(input, &f->largest)) {
    return FieldError(kField, "bad largest key");
  }
  if (!GetVarint64(input, &f->smallest_seqno)) {
    return FieldError(kField, "bad smallest sequence");
  }
  if (!GetVarint64(input, &f->largest_seqno)) {
    return FieldError(kField, "bad largest sequence");
  }
  if (!GetVarint64(input, &f->num_entries)) {
    return FieldError(kField, "bad entry count");
  }
  if (!GetVarint64(input, &f->num_deletions)) {
    return FieldError(kField, "bad deletion count");
  }
  if (f->largest_seqno > kMaxSequenceNumber) {
    return FieldError(kField, "largest sequence out of range");
  }
  if (f->smallest_seqno > f->largest_seqno) {
    return FieldError(kField, "smallest sequence > largest sequence");
  }
  if (f->num_deletions > f->num_entries) {
    return FieldError(kField, "more deletions than entries");
  }
  return Status::OK();
}

// The vlog list of a kNewFileWithVlogs field: varint32 count, then that
// many varint64 numbers, strictly ascending.
Status DecodeVlogList(Slice* input, FileMetaData* f) {
  constexpr char kField[] = "new file vlogs";
  uint32_t n = 0;
  if (!GetVarint32(input, &n) || n == 0) return FieldError(kField, "bad count");
  if (n > input->size()) return FieldError(kField, "count past the edit");
  f->vlog_files.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t number = 0;
    if (!GetVarint64(input, &number) || number == 0) {
      return FieldError(kField, "bad number");
    }
    if (!f->vlog_files.empty() && number <= f->vlog_files.back()) {
      return FieldError(kField, "not ascending");
    }
    f->vlog_files.push_back(number);
  }
  return Status::OK();
}

}  // namespace

std::string FileMetaDataDebugString(const FileMetaData& f) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 "[", f.number,
                f.file_size);
  std::string r = buf;
  r.append(InternalKeyDebugString(f.smallest.Encode()));
  r.append(" .. ");
  r.append(InternalKeyDebugString(f.largest.Encode()));
  std::snprintf(
      buf, sizeof(buf),
      "] seq=%" PRIu64 "..%" PRIu64 " entries=%" PRIu64 " deletions=%" PRIu64,
      f.smallest_seqno, f.largest_seqno, f.num_entries, f.num_deletions);
  r.append(buf);
  for (size_t i = 0; i < f.vlog_files.size(); ++i) {
    r.append(i == 0 ? " vlogs=" : ",");
    r.append(std::to_string(f.vlog_files[i]));
  }
  return r;
}

void VersionEdit::Clear() { *this = VersionEdit(); }

void VersionEdit::SetComparatorName(const Slice& name) {
  has_comparator_name_ = true;
  comparator_name_ = name.ToString();
}

void VersionEdit::SetLogNumber(uint64_t n) {
  has_log_number_ = true;
  log_number_ = n;
}

void VersionEdit::SetNextFileNumber(uint64_t n) {
  has_next_file_number_ = true;
  next_file_number_ = n;
}

void VersionEdit::SetLastSequence(SequenceNumber s) {
  has_last_sequence_ = true;
  last_sequence_ = s;
}

void VersionEdit::SetLastTimestamp(uint64_t ts) {
  has_last_timestamp_ = true;
  last_timestamp_ = ts;
}

void VersionEdit::SetRetentionHorizon(uint64_t ts) {
  has_retention_horizon_ = true;
  retention_horizon_ = ts;
}

void VersionEdit::AddFile(int level, const FileMetaData& f) {
  assert(level >= 0 && level < kMaxNumLevels);
  new_files_.emplace_back(level, f);
}

void VersionEdit::DeleteFile(int level, uint64_t number) {
  assert(level >= 0 && level < kMaxNumLevels);
  deleted_files_.emplace(level, number);
}

void VersionEdit::AddVlogFile(const VlogFileMeta& f) {
  assert(f.garbage_bytes == 0);
  new_vlog_files_.push_back(f);
}

void VersionEdit::AddVlogGarbage(uint64_t number, uint64_t bytes) {
  vlog_garbage_[number] += bytes;
}

// See docs/manifest_format.md#edit-encoding. Fields go out in tag order;
// the decoder accepts any order.
void VersionEdit::EncodeTo(std::string* dst) const {
  if (has_comparator_name_) {
    PutTag(dst, EditTag::kComparator);
    PutLengthPrefixedSlice(dst, comparator_name_);
  }
  if (has_log_number_) {
    PutTag(dst, EditTag::kLogNumber);
    PutVarint64(dst, log_number_);
  }
  if (has_next_file_number_) {
    PutTag(dst, EditTag::kNextFileNumber);
    PutVarint64(dst, next_file_number_);
  }
  if (has_last_sequence_) {
    PutTag(dst, EditTag::kLastSequence);
    PutVarint64(dst, last_sequence_);
  }
  for (const auto& [level, number] : deleted_files_) {
    PutTag(dst, EditTag::kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    // A table without value pointers keeps the original field.
    PutTag(dst, f.vlog_files.empty() ? EditTag::kNewFile
                                     : EditTag::kNewFileWithVlogs);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixedSlice(dst, f.smallest.Encode());
    PutLengthPrefixedSlice(dst, f.largest.Encode());
    PutVarint64(dst, f.smallest_seqno);
    PutVarint64(dst, f.largest_seqno);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.num_deletions);
    if (!f.vlog_files.empty()) {
      PutVarint32(dst, static_cast<uint32_t>(f.vlog_files.size()));
      for (const uint64_t number : f.vlog_files) PutVarint64(dst, number);
    }
  }
  if (has_last_timestamp_) {
    PutTag(dst, EditTag::kLastTimestamp);
    PutVarint64(dst, last_timestamp_);
  }
  if (has_retention_horizon_) {
    PutTag(dst, EditTag::kRetentionHorizon);
    PutVarint64(dst, retention_horizon_);
  }
  for (const VlogFileMeta& f : new_vlog_files_) {
    PutTag(dst, EditTag::kNewVlogFile);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutVarint64(dst, f.records);
    PutVarint64(dst, f.record_bytes);
  }
  for (const auto& [number, bytes] : vlog_garbage_) {
    PutTag(dst, EditTag::kVlogGarbage);
    PutVarint64(dst, number);
    PutVarint64(dst, bytes);
  }
  PutTag(dst, EditTag::kEnd);
}

Status VersionEdit::DecodeFrom(const Slice& src) {
  Clear();
  Slice input = src;
  while (true) {
    uint32_t raw_tag = 0;
    if (input.empty()) return FieldError("end tag", "missing (truncated edit)");
    if (!GetVarint32(&input, &raw_tag)) return FieldError("tag", "bad varint");
    switch (static_cast<EditTag>(raw_tag)) {
      case EditTag::kEnd:
        if (!input.empty()) {
          return FieldError("end tag",
                            std::to_string(input.size()) + " trailing byte(s)");
        }
        return Status::OK();

      case EditTag::kComparator: {
        Slice name;
        if (has_comparator_name_) return FieldError("comparator", "repeated");
        if (!GetLengthPrefixedSlice(&input, &name)) {
          return FieldError("comparator", "bad length or truncated name");
        }
        SetComparatorName(name);
        break;
      }

      case EditTag::kLogNumber: {
        uint64_t n = 0;
        if (has_log_number_) return FieldError("log number", "repeated");
        if (!GetVarint64(&input, &n)) return FieldError("log number", "bad");
        SetLogNumber(n);
        break;
      }

      case EditTag::kNextFileNumber: {
        uint64_t n = 0;
        if (has_next_file_number_) {
          return FieldError("next file number", "repeated");
        }
        if (!GetVarint64(&input, &n)) {
          return FieldError("next file number", "bad");
        }
        SetNextFileNumber(n);
        break;
      }

      case EditTag::kLastSequence: {
        uint64_t s = 0;
        if (has_last_sequence_) return FieldError("last sequence", "repeated");
        if (!GetVarint64(&input, &s)) return FieldError("last sequence", "bad");
        if (s > kMaxSequenceNumber) {
          return FieldError("last sequence", "out of range");
        }
        SetLastSequence(s);
        break;
      }

      case EditTag::kLastTimestamp: {
        uint64_t ts = 0;
        if (has_last_timestamp_) {
          return FieldError("last timestamp", "repeated");
        }
        if (!GetVarint64(&input, &ts)) {
          return FieldError("last timestamp", "bad");
        }
        SetLastTimestamp(ts);
        break;
      }

      case EditTag::kRetentionHorizon: {
        uint64_t ts = 0;
        if (has_retention_horizon_) {
          return FieldError("retention horizon", "repeated");
        }
        if (!GetVarint64(&input, &ts)) {
          return FieldError("retention horizon", "bad");
        }
        SetRetentionHorizon(ts);
        break;
      }

      case EditTag::kDeletedFile: {
        int level = 0;
        uint64_t number = 0;
        STRATA_RETURN_IF_ERROR(GetLevel(&input, "deleted file", &level));
        if (!GetVarint64(&input, &number)) {
          return FieldError("deleted file", "bad number");
        }
        if (!deleted_files_.emplace(level, number).second) {
          return FieldError("deleted file", "repeated");
        }
        break;
      }

      case EditTag::kNewFile:
      case EditTag::kNewFileWithVlogs: {
        int level = 0;
        FileMetaData f;
        STRATA_RETURN_IF_ERROR(DecodeNewFile(&input, &level, &f));
        if (static_cast<EditTag>(raw_tag) == EditTag::kNewFileWithVlogs) {
          STRATA_RETURN_IF_ERROR(DecodeVlogList(&input, &f));
        }
        new_files_.emplace_back(level, std::move(f));
        break;
      }

      case EditTag::kNewVlogFile: {
        constexpr char kField[] = "new vlog file";
        VlogFileMeta f;
        if (!GetVarint64(&input, &f.number) || f.number == 0 ||
            !GetVarint64(&input, &f.file_size) ||
            !GetVarint64(&input, &f.records) ||
            !GetVarint64(&input, &f.record_bytes)) {
          return FieldError(kField, "truncated or malformed");
        }
        if (f.record_bytes > f.file_size) {
          return FieldError(kField, "more record bytes than file bytes");
        }
        for (const VlogFileMeta& other : new_vlog_files_) {
          if (other.number == f.number) return FieldError(kField, "repeated");
        }
        new_vlog_files_.push_back(f);
        break;
      }

      case EditTag::kVlogGarbage: {
        constexpr char kField[] = "vlog garbage";
        uint64_t number = 0;
        uint64_t bytes = 0;
        if (!GetVarint64(&input, &number) || number == 0 ||
            !GetVarint64(&input, &bytes)) {
          return FieldError(kField, "truncated or malformed");
        }
        if (!vlog_garbage_.emplace(number, bytes).second) {
          return FieldError(kField, "repeated");
        }
        break;
      }

      default:
        return FieldError("tag", "unknown tag " + std::to_string(raw_tag));
    }
  }
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {";
  if (has_comparator_name_) {
    r.append("\n  Comparator: ");
    AppendEscaped(&r, comparator_name_);
  }
  char buf[64];
  if (has_log_number_) {
    std::snprintf(buf, sizeof(buf), "\n  LogNumber: %" PRIu64, log_number_);
    r.append(buf);
  }
  if (has_next_file_number_) {
    std::snprintf(buf, sizeof(buf), "\n  NextFileNumber: %" PRIu64,
                  next_file_number_);
    r.append(buf);
  }
  if (has_last_sequence_) {
    std::snprintf(buf, sizeof(buf), "\n  LastSequence: %" PRIu64,
                  last_sequence_);
    r.append(buf);
  }
  if (has_last_timestamp_) {
    std::snprintf(buf, sizeof(buf), "\n  LastTimestamp: %" PRIu64,
                  last_timestamp_);
    r.append(buf);
  }
  if (has_retention_horizon_) {
    std::snprintf(buf, sizeof(buf), "\n  RetentionHorizon: %" PRIu64,
                  retention_horizon_);
    r.append(buf);
  }
  for (const auto& [level, number] : deleted_files_) {
    std::snprintf(buf, sizeof(buf), "\n  DeleteFile: L%d %" PRIu64, level,
                  number);
    r.append(buf);
  }
  for (const auto& [level, f] : new_files_) {
    std::snprintf(buf, sizeof(buf), "\n  AddFile: L%d ", level);
    r.append(buf);
    r.append(FileMetaDataDebugString(f));
  }
  for (const VlogFileMeta& f : new_vlog_files_) {
    std::snprintf(buf, sizeof(buf), "\n  AddVlogFile: %" PRIu64 ":%" PRIu64,
                  f.number, f.file_size);
    r.append(buf);
    std::snprintf(buf, sizeof(buf), " records=%" PRIu64 " bytes=%" PRIu64,
                  f.records, f.record_bytes);
    r.append(buf);
  }
  for (const auto& [number, bytes] : vlog_garbage_) {
    std::snprintf(buf, sizeof(buf), "\n  VlogGarbage: %" PRIu64 " +%" PRIu64,
                  number, bytes);
    r.append(buf);
  }
  r.append("\n}\n");
  return r;
}

}  // namespace strata::internal
