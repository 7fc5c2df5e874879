// vlog::Writer: see vlog_writer.h.

#include "vlog/vlog_writer.h"

#include <utility>

#include "base/result.h"

namespace strata::internal::vlog {

Writer::Writer(std::unique_ptr<WritableFile> file, uint64_t file_number,
               Compression compression)
    : file_(std::move(file)),
      file_number_(file_number),
      compressor_(compression) {}

Writer::~Writer() { Abandon(); }

Status Writer::Append(const std::string& bytes) {
  if (!error_.ok()) return error_;
  error_ = file_->Append(bytes);
  if (error_.ok()) size_ += bytes.size();
  return error_;
}

Status Writer::Add(const Slice& key, const Slice& value,
                   ValuePointer* pointer) {
  if (closed_) return Status::InvalidArgument("value log", "file is closed");
  if (!header_written_) {
    record_.clear();
    EncodeFileHeader(&record_);
    STRATA_RETURN_IF_ERROR(Append(record_));
    header_written_ = true;
  }
  Slice stored = value;
  Compression type = Compression::kNone;
  if (compressor_.type() != Compression::kNone &&
      compressor_.Compress(value, &compressed_) &&
      compressed_.size() <= value.size() - value.size() / 8) {
    stored = compressed_;
    type = compressor_.type();
  }
  record_.clear();
  const uint32_t crc = EncodeRecord(key, stored, type, &record_);
  const uint64_t offset = size_;
  STRATA_RETURN_IF_ERROR(Append(record_));
  pointer->file_number = file_number_;
  pointer->offset = offset;
  pointer->record_size = static_cast<uint32_t>(record_.size());
  pointer->record_crc = crc;
  pointer->value_size = static_cast<uint32_t>(value.size());
  footer_.records++;
  footer_.value_bytes += value.size();
  record_bytes_ += record_.size();
  return Status::OK();
}

Status Writer::Finish() {
  if (closed_) return Status::InvalidArgument("value log", "file is closed");
  record_.clear();
  if (!header_written_) EncodeFileHeader(&record_);
  header_written_ = true;
  EncodeFooter(footer_, &record_);
  Status s = Append(record_);
  if (s.ok()) s = file_->Sync();
  const Status c = file_->Close();
  closed_ = true;
  if (s.ok()) s = c;
  if (!s.ok() && error_.ok()) error_ = s;
  return s;
}

void Writer::Abandon() {
  if (closed_ || file_ == nullptr) return;
  closed_ = true;
  (void)file_->Close();
}

}  // namespace strata::internal::vlog
