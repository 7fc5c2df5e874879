// vlog::Reader: see vlog_reader.h.

#include "vlog/vlog_reader.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "base/result.h"
#include "table/compression.h"
#include "table/format.h"

namespace strata::internal::vlog {

Status Reader::Open(Env* env, const std::string& path, uint64_t file_number,
                    uint64_t file_size, bool mapped,
                    std::unique_ptr<Reader>* reader) {
  std::unique_ptr<RandomAccessFile> file;
  const Status open = mapped ? env->NewMappedRandomAccessFile(path, &file)
                             : env->NewRandomAccessFile(path, &file);
  // A value-log file a pointer names and the directory lacks is damage,
  // never "not found" (a read would report an absent key).
  if (open.IsNotFound()) {
    return Status::Corruption(path, "is missing (a value pointer names it)");
  }
  STRATA_RETURN_IF_ERROR(open);
  std::unique_ptr<Reader> r(
      new Reader(std::move(file), path, file_number, file_size));
  char scratch[kFileHeaderSize];
  Slice header;
  STRATA_RETURN_IF_ERROR(r->ReadExactly(0, kFileHeaderSize, &header, scratch));
  const Status s = CheckFileHeader(header);
  if (!s.ok()) return CorruptionAt(path, 0, s.ToString());
  *reader = std::move(r);
  return Status::OK();
}

Reader::Reader(std::unique_ptr<RandomAccessFile> file, std::string path,
               uint64_t file_number, uint64_t file_size)
    : file_(std::move(file)),
      path_(std::move(path)),
      file_number_(file_number),
      file_size_(file_size) {}

Status Reader::ReadExactly(uint64_t offset, size_t n, Slice* result,
                           char* scratch) const {
  if (offset > file_size_ || n > file_size_ - offset) {
    return CorruptionAt(path_, offset,
                        "a read of " + std::to_string(n) +
                            " bytes past the end of the file (" +
                            std::to_string(file_size_) + " bytes)");
  }
  STRATA_RETURN_IF_ERROR(file_->Read(offset, n, result, scratch));
  if (result->size() != n) {
    return CorruptionAt(path_, offset,
                        "file is shorter than recorded (truncated?)");
  }
  return Status::OK();
}

Status Reader::Get(const ValuePointer& pointer, const Slice& key,
                   bool verify_checksum, std::string* value) const {
  if (pointer.file_number != file_number_) {
    return CorruptionAt(
        path_, pointer.offset,
        "pointer names file " + std::to_string(pointer.file_number));
  }
  if (pointer.offset > file_size_ ||
      pointer.record_size > file_size_ - pointer.offset) {
    // Checked before the size can drive an allocation.
    return CorruptionAt(path_, pointer.offset,
                        "the pointer's record runs past the end of the file");
  }
  // A mapped file hands out its own memory: the value is copied once,
  // straight out of it. Otherwise the record is read into the caller's
  // string, which then keeps just the value (no buffer of its own, one
  // move of the bytes at most).
  const bool in_place = file_->ReadsInPlace();
  if (!in_place) value->resize(pointer.record_size);
  Slice bytes;
  STRATA_RETURN_IF_ERROR(ReadExactly(pointer.offset, pointer.record_size,
                                     &bytes,
                                     in_place ? nullptr : value->data()));
  Record record;
  Status s = DecodeRecord(bytes, verify_checksum, &record);
  if (s.ok() && record.size != pointer.record_size) {
    s = Status::Corruption("value log record", "size is not the pointer's");
  }
  if (s.ok() && record.crc != pointer.record_crc) {
    s = Status::Corruption("value log record",
                           "checksum is not the pointer's (another record)");
  }
  if (s.ok() && record.key != key) {
    s = Status::Corruption("value log record", "holds another key");
  }
  if (!s.ok()) return CorruptionAt(path_, pointer.offset, s.ToString());
  if (record.compression == Compression::kNone) {
    if (!in_place && bytes.data() == value->data()) {
      value->erase(
          0, static_cast<size_t>(record.stored_value.data() - value->data()));
      value->resize(record.stored_value.size());
    } else {  // the file handed out its own memory
      value->assign(record.stored_value.data(), record.stored_value.size());
    }
  } else {
    std::unique_ptr<char[]> raw;
    size_t raw_size = 0;
    s = UncompressBlock(record.compression, record.stored_value, &raw,
                        &raw_size);
    if (!s.ok()) return CorruptionAt(path_, pointer.offset, s.ToString());
    value->assign(raw.get(), raw_size);
  }
  if (value->size() != pointer.value_size) {
    return CorruptionAt(path_, pointer.offset,
                        "value size is not the pointer's");
  }
  return Status::OK();
}

Status Reader::ForEachRecord(const RecordFn& fn) const {
  if (file_size_ < kFileHeaderSize + kFooterSize) {
    return CorruptionAt(path_, 0, "too short for a header and a footer");
  }
  const uint64_t end = file_size_ - kFooterSize;
  uint64_t records = 0;
  // Records are read through a window of at least kChunk bytes; a record
  // longer than it gets a window of its own size.
  constexpr size_t kChunk = 256 << 10;
  std::string window;
  uint64_t window_start = 0;
  Slice window_bytes;
  // Makes the window hold [offset, offset + n) (n <= end - offset).
  const auto ensure = [&](uint64_t offset, size_t n) -> Status {
    if (offset >= window_start &&
        offset + n <= window_start + window_bytes.size()) {
      return Status::OK();
    }
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>(std::max(n, kChunk), end - offset));
    window.resize(want);
    window_start = offset;
    // Reading the file in order: ask for this window and the next one
    // together (a mapped file has no readahead of its own).
    file_->Prefetch(offset, 2 * want);
    return ReadExactly(offset, want, &window_bytes, window.data());
  };
  uint64_t offset = kFileHeaderSize;
  while (offset < end) {
    const size_t header_n = static_cast<size_t>(
        std::min<uint64_t>(kMaxRecordHeaderSize, end - offset));
    STRATA_RETURN_IF_ERROR(ensure(offset, header_n));
    const auto at = [&] {
      const size_t skip = static_cast<size_t>(offset - window_start);
      return Slice(window_bytes.data() + skip, window_bytes.size() - skip);
    };
    size_t size = 0;
    Status s = DecodeRecordSize(at(), &size);
    if (s.ok() && size > end - offset) {
      s = Status::Corruption("value log record", "runs into the footer");
    }
    if (s.ok()) s = ensure(offset, size);
    Record record;
    if (s.ok()) s = DecodeRecord(at(), /*verify_checksum=*/true, &record);
    if (!s.ok()) return CorruptionAt(path_, offset, s.ToString());
    STRATA_RETURN_IF_ERROR(fn(offset, record));
    records++;
    offset += record.size;
  }
  char scratch[kFooterSize];
  Slice footer_bytes;
  STRATA_RETURN_IF_ERROR(ReadExactly(end, kFooterSize, &footer_bytes, scratch));
  Footer footer;
  const Status s = DecodeFooter(footer_bytes, &footer);
  if (!s.ok()) return CorruptionAt(path_, end, s.ToString());
  if (footer.records != records) {
    return CorruptionAt(path_, end,
                        "footer counts " + std::to_string(footer.records) +
                            " records, the file holds " +
                            std::to_string(records));
  }
  return Status::OK();
}

}  // namespace strata::internal::vlog
