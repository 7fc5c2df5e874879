#include "wal/log_reader.h"

#include <cassert>
#include <cstring>
#include <utility>

#include "base/coding.h"
#include "base/crc32c.h"

namespace strata::internal::log {
namespace {

// Index of the first non-zero byte of [p, p + n), or n if all are zero.
size_t FindNonZero(const char* p, size_t n) {
  size_t i = 0;
  // Word at a time through long zero runs (preallocated space).
  for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
    uint64_t word;
    std::memcpy(&word, p + i, sizeof(word));
    if (word != 0) break;
  }
  for (; i < n; ++i) {
    if (p[i] != 0) return i;
  }
  return n;
}

bool AllZero(const Slice& s) {
  return FindNonZero(s.data(), s.size()) == s.size();
}

}  // namespace

Reader::Reader(SequentialFile* file, std::string file_name,
               WalRecoveryMode mode, Reporter* reporter, bool cut_short_tail)
    : file_(file),
      file_name_(std::move(file_name)),
      mode_(mode),
      reporter_(reporter),
      cut_short_tail_(cut_short_tail),
      block_(std::make_unique_for_overwrite<char[]>(kBlockSize)) {
  assert(file_ != nullptr);
}

Reader::~Reader() = default;

bool Reader::ReadRecord(Slice* record, std::string* scratch) {
  *record = Slice();
  scratch->clear();
  in_record_ = false;
  if (done_) return false;

  Fragment f;
  while (true) {
    switch (ReadFragment(&f)) {
      case Next::kIOError:
        done_ = true;
        return false;
      case Next::kEndOfFile:
        HandleEndOfFile(f);
        done_ = true;
        return false;
      case Next::kDamaged:
        if (!HandleDamage(f.offset, f.size, f.problem)) {
          done_ = true;
          return false;
        }
        continue;
      case Next::kFragment:
        break;
    }

    switch (Assemble(f, record, scratch)) {
      case Step::kMore:
        continue;
      case Step::kRecord:
        return true;
      case Step::kStop:
        done_ = true;
        return false;
    }
  }
}

// See docs/wal_format.md#sequencing.
Reader::Step Reader::Assemble(const Fragment& f, Slice* record,
                              std::string* scratch) {
  switch (f.type) {
    case RecordType::kFull:
    case RecordType::kFirst:
      if (in_record_ &&
          !HandleDamage(f.offset, 0,
                        "fragment starts a record while the record begun at "
                        "offset " +
                            std::to_string(record_start_) +
                            " has no last fragment")) {
        return Step::kStop;
      }
      if (f.type == RecordType::kFull) {
        *record = f.payload;
        AcceptRecord(f.offset, f.offset + f.size);
        return Step::kRecord;
      }
      scratch->assign(f.payload.data(), f.payload.size());
      in_record_ = true;
      record_start_ = f.offset;
      return Step::kMore;
    case RecordType::kMiddle:
    case RecordType::kLast:
      if (!in_record_) {
        const char* which = f.type == RecordType::kMiddle ? "middle" : "last";
        return HandleDamage(
                   f.offset, f.size,
                   std::string(which) + " fragment without a first fragment")
                   ? Step::kMore
                   : Step::kStop;
      }
      scratch->append(f.payload.data(), f.payload.size());
      if (f.type == RecordType::kMiddle) return Step::kMore;
      *record = Slice(*scratch);
      AcceptRecord(record_start_, f.offset + f.size);
      return Step::kRecord;
    case RecordType::kZero:
      break;
  }
  assert(false);  // ReadFragment rejects kZero and unknown types
  return Step::kStop;
}

// See docs/wal_format.md#blocks.
Reader::Next Reader::ReadFragment(Fragment* f) {
  f->problem.clear();
  while (true) {
    if (buffer_.empty()) {
      if (eof_) {
        f->offset = end_of_buffer_offset_;
        return Next::kEndOfFile;
      }
      if (!ReadBlock()) return Next::kIOError;
      continue;
    }

    const uint64_t offset = BufferOffset();
    const size_t leftover =
        kBlockSize - static_cast<size_t>(offset % kBlockSize);
    f->offset = offset;
    if (leftover < kHeaderSize) {
      // The block trailer: zero padding the writer left because no header
      // fits. A file ending here is handled by HandleEndOfFile.
      const size_t n = buffer_.size();
      const bool zero = AllZero(buffer_);
      buffer_.clear();
      if (zero) continue;
      f->size = n;
      f->problem = "non-zero bytes in block trailer";
      return Next::kDamaged;
    }
    if (buffer_.size() < kHeaderSize) {
      // Blocks are read whole, so only the end of the file cuts a header.
      assert(eof_);
      f->problem = "truncated fragment header (" +
                   std::to_string(buffer_.size()) + " of " +
                   std::to_string(kHeaderSize) + " bytes)";
      buffer_.clear();
      return Next::kEndOfFile;
    }

    if (AllZero(Slice(buffer_.data(), kHeaderSize))) return SkipZeros(f);
    return ParseFragment(leftover, f);
  }
}

// See docs/wal_format.md#fragment-header.
Reader::Next Reader::ParseFragment(size_t leftover, Fragment* f) {
  const char* header = buffer_.data();
  const uint32_t header_crc =
      crc32c::Value(header + kPayloadCrcOffset, kHeaderCrcCoveredSize);
  if (header_crc != crc32c::Unmask(DecodeFixed32(header + kHeaderCrcOffset))) {
    // Nothing in this header can be trusted, not even the length: skip to
    // the next block, the only place a fragment is known to start.
    f->size = buffer_.size();
    f->problem = "bad header checksum";
    const bool cut_header =
        cut_short_tail_ && header[kTypeOffset] == 0 &&
        AllZero(Slice(header + kHeaderSize, buffer_.size() - kHeaderSize));
    buffer_.clear();
    if (cut_header && CutShortIntoZeros(f)) return Next::kEndOfFile;
    return status_.ok() ? Next::kDamaged : Next::kIOError;
  }
  const size_t length = DecodeFixed16(header + kLengthOffset);
  const auto type = static_cast<uint8_t>(header[kTypeOffset]);
  if (kHeaderSize + length > leftover) {
    // Verified, so not a flipped bit: no writer produces this.
    f->size = buffer_.size();
    f->problem = "fragment length " + std::to_string(length) +
                 " runs past the end of the block";
    buffer_.clear();
    return Next::kDamaged;
  }
  if (kHeaderSize + length > buffer_.size()) {
    // Blocks are read whole, so only the end of the file cuts a payload.
    assert(eof_);
    f->problem = "truncated payload (" +
                 std::to_string(buffer_.size() - kHeaderSize) + " of " +
                 std::to_string(length) + " bytes)";
    buffer_.clear();
    return Next::kEndOfFile;
  }

  const char* payload = header + kHeaderSize;
  f->size = kHeaderSize + length;
  buffer_.remove_prefix(f->size);
  if (type == static_cast<uint8_t>(RecordType::kZero) ||
      type > kMaxRecordType) {
    f->problem = "unknown fragment type " + std::to_string(type);
    return Next::kDamaged;
  }
  if (crc32c::Value(payload, length) !=
      crc32c::Unmask(DecodeFixed32(header + kPayloadCrcOffset))) {
    f->problem = "bad payload checksum";
    if (cut_short_tail_ && length > 0 && payload[length - 1] == 0 &&
        AllZero(buffer_)) {
      f->size += buffer_.size();
      buffer_.clear();
      if (CutShortIntoZeros(f)) return Next::kEndOfFile;
    }
    return status_.ok() ? Next::kDamaged : Next::kIOError;
  }
  f->type = static_cast<RecordType>(type);
  f->payload = Slice(payload, length);
  return Next::kFragment;
}

Reader::Next Reader::SkipZeros(Fragment* f) {
  const uint64_t start = BufferOffset();
  f->offset = start;
  while (true) {
    const size_t i = FindNonZero(buffer_.data(), buffer_.size());
    if (i < buffer_.size()) {
      const uint64_t data_offset = BufferOffset() + i;
      // Resume at a block start: at the data if it begins one, else at the
      // next block (or the end of the file).
      if (data_offset % kBlockSize != 0) buffer_.clear();
      f->size = BufferOffset() - start;
      f->problem = "zero-filled bytes followed by data at offset " +
                   std::to_string(data_offset);
      return Next::kDamaged;
    }
    buffer_.clear();
    if (eof_) {
      f->problem = "zero-filled tail (" +
                   std::to_string(end_of_buffer_offset_ - start) + " bytes)";
      return Next::kEndOfFile;
    }
    if (!ReadBlock()) return Next::kIOError;
  }
}

// Preallocated space ends at a multiple of this (a page, at least 4 KiB).
constexpr uint64_t kPreallocationAlignment = 4096;

bool Reader::CutShortIntoZeros(Fragment* f) {
  assert(buffer_.empty());
  uint64_t skipped = 0;
  while (!eof_) {
    if (!ReadBlock()) return false;  // status_ holds the IOError
    if (!AllZero(buffer_)) {
      f->size += skipped;
      return false;
    }
    skipped += buffer_.size();
    buffer_.clear();
  }
  f->size += skipped;
  // With no zero byte after it, the fragment ends the file: a mapped
  // window ends on a page boundary, so a cut append can end only there.
  if (f->offset + f->size == end_of_buffer_offset_ &&
      end_of_buffer_offset_ % kPreallocationAlignment != 0) {
    return false;
  }
  f->problem += " in a fragment cut short by zero-filled space (" +
                std::to_string(end_of_buffer_offset_ - f->offset) +
                " bytes to the end of the file)";
  return true;
}

bool Reader::ReadBlock() {
  assert(buffer_.empty() && !eof_);
  assert(end_of_buffer_offset_ % kBlockSize == 0);
  Status s = file_->Read(kBlockSize, &buffer_, block_.get());
  if (!s.ok()) {
    status_ = std::move(s);
    buffer_.clear();
    return false;
  }
  assert(buffer_.size() <= kBlockSize);
  end_of_buffer_offset_ += buffer_.size();
  if (buffer_.size() < kBlockSize) eof_ = true;
  return true;
}

bool Reader::HandleDamage(uint64_t offset, uint64_t bytes,
                          const std::string& problem) {
  if (mode_ != WalRecoveryMode::kSalvage) {
    status_ = Status::Corruption(Where(offset), problem);
    return false;
  }
  if (in_record_) {
    in_record_ = false;
    Report(record_start_, offset - record_start_,
           Status::Corruption(Where(record_start_),
                              "incomplete record dropped: at offset " +
                                  std::to_string(offset) + ": " + problem));
  }
  if (bytes > 0)
    Report(offset, bytes, Status::Corruption(Where(offset), problem));
  consumed_end_ = offset + bytes;
  return true;
}

void Reader::HandleEndOfFile(const Fragment& f) {
  const uint64_t file_size = end_of_buffer_offset_;
  assert(consumed_end_ <= file_size);
  if (consumed_end_ == file_size) return;  // a clean end

  // A torn tail: the file ends inside what the last write began.
  uint64_t where;
  std::string problem = "torn tail: ";
  if (in_record_) {
    where = record_start_;
    problem += f.problem.empty() ? "record has no last fragment"
                                 : "record cut short, " + f.problem;
  } else if (!f.problem.empty()) {
    where = f.offset;
    problem += f.problem;
  } else {
    where = consumed_end_;
    problem += "block trailer padding at end of file";
  }
  const uint64_t bytes = file_size - consumed_end_;
  problem += "; " + std::to_string(bytes) + " bytes dropped";
  torn_tail_bytes_ = bytes;
  Status reason = Status::Corruption(Where(where), problem);
  if (mode_ == WalRecoveryMode::kAbsoluteConsistency) {
    status_ = std::move(reason);
    return;
  }
  Report(consumed_end_, bytes, reason);
  consumed_end_ = file_size;
}

void Reader::AcceptRecord(uint64_t start, uint64_t end) {
  in_record_ = false;
  last_record_offset_ = start;
  end_of_valid_data_ = end;
  consumed_end_ = end;
}

void Reader::Report(uint64_t offset, uint64_t bytes, const Status& reason) {
  if (reporter_ != nullptr) reporter_->Dropped(offset, bytes, reason);
}

std::string Reader::Where(uint64_t offset) const {
  return file_name_ + " offset " + std::to_string(offset);
}

}  // namespace strata::internal::log
