#include "wal/log_writer.h"

#include <algorithm>
#include <cassert>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/result.h"

namespace strata::internal::log {

Writer::Writer(WritableFile* dest, uint64_t dest_length)
    : dest_(dest),
      size_(dest_length),
      block_offset_(static_cast<size_t>(dest_length % kBlockSize)) {
  assert(dest_ != nullptr);
}

// See docs/wal_format.md#sequencing.
Status Writer::AddRecord(const Slice& record) {
  if (!error_.ok()) return error_;

  const char* ptr = record.data();
  size_t left = record.size();
  bool begin = true;
  // Runs at least once, so an empty record still gets a kFull fragment.
  while (true) {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      // Too small for a header: zero the block trailer, go to the next block.
      pending_.append(leftover, '\0');
      size_ += leftover;
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t length = std::min(left, avail);
    const bool end = length == left;
    RecordType type;
    if (begin && end) {
      type = RecordType::kFull;
    } else if (begin) {
      type = RecordType::kFirst;
    } else if (end) {
      type = RecordType::kLast;
    } else {
      type = RecordType::kMiddle;
    }
    EncodeFragment(type, ptr, length);
    ptr += length;
    left -= length;
    begin = false;
    if (end) break;
    // Keep the staging buffer near one block for huge records.
    if (pending_.size() >= kBlockSize) {
      STRATA_RETURN_IF_ERROR(AppendPending());
    }
  }
  return AppendPending();
}

void Writer::EncodeFragment(RecordType type, const char* payload,
                            size_t length) {
  assert(length <= kMaxFragmentPayload);
  assert(block_offset_ + kHeaderSize + length <= kBlockSize);

  char header[kHeaderSize];
  EncodeFixed32(header + kPayloadCrcOffset,
                crc32c::Mask(crc32c::Value(payload, length)));
  EncodeFixed16(header + kLengthOffset, static_cast<uint16_t>(length));
  header[kTypeOffset] = static_cast<char>(type);
  EncodeFixed32(header + kHeaderCrcOffset,
                crc32c::Mask(crc32c::Value(header + kPayloadCrcOffset,
                                           kHeaderCrcCoveredSize)));

  pending_.append(header, kHeaderSize);
  pending_.append(payload, length);
  size_ += kHeaderSize + length;
  block_offset_ += kHeaderSize + length;
  if (block_offset_ == kBlockSize) block_offset_ = 0;
}

Status Writer::AppendPending() {
  Status s = dest_->Append(Slice(pending_));
  pending_.clear();
  if (!s.ok()) error_ = s;
  return s;
}

}  // namespace strata::internal::log
