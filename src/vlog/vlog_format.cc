// The value log's format: see vlog_format.h and docs/vlog_format.md.

#include "vlog/vlog_format.h"

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/result.h"
#include "table/compression.h"

namespace strata::internal::vlog {

void ValuePointer::EncodeTo(std::string* dst) const {
  PutVarint64(dst, file_number);
  PutVarint64(dst, offset);
  PutVarint32(dst, record_size);
  PutFixed32(dst, record_crc);
  PutVarint32(dst, value_size);
}

Status ValuePointer::DecodeFrom(Slice input) {
  if (!GetVarint64(&input, &file_number) || !GetVarint64(&input, &offset) ||
      !GetVarint32(&input, &record_size) || !GetFixed32(&input, &record_crc) ||
      !GetVarint32(&input, &value_size)) {
    return Status::Corruption("value pointer", "truncated or malformed");
  }
  if (!input.empty()) {
    return Status::Corruption("value pointer", "trailing bytes");
  }
  if (file_number == 0 || offset < kFileHeaderSize ||
      record_size <= kRecordPrefixSize) {
    return Status::Corruption("value pointer", "impossible location");
  }
  return Status::OK();
}

void EncodeFileHeader(std::string* dst) {
  const size_t start = dst->size();
  PutFixed64(dst, kFileMagic);
  PutFixed32(dst, kFormatVersion);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, 12)));
}

Status CheckFileHeader(const Slice& input) {
  if (input.size() < kFileHeaderSize) {
    return Status::Corruption("value log", "shorter than its header");
  }
  if (DecodeFixed64(input.data()) != kFileMagic) {
    return Status::Corruption("value log", "not a value log (bad magic)");
  }
  if (crc32c::Unmask(DecodeFixed32(input.data() + 12)) !=
      crc32c::Value(input.data(), 12)) {
    return Status::Corruption("value log", "header checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(input.data() + 8);
  if (version != kFormatVersion) {
    return Status::Corruption("value log",
                              "format version " + std::to_string(version) +
                                  " (this build reads " +
                                  std::to_string(kFormatVersion) + ")");
  }
  return Status::OK();
}

void EncodeFooter(const Footer& footer, std::string* dst) {
  const size_t start = dst->size();
  PutFixed64(dst, footer.records);
  PutFixed64(dst, footer.value_bytes);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst->data() + start, 16)));
  PutFixed32(dst, kFooterMagic);
}

Status DecodeFooter(const Slice& input, Footer* footer) {
  if (input.size() != kFooterSize ||
      DecodeFixed32(input.data() + 20) != kFooterMagic) {
    return Status::Corruption("value log", "no footer");
  }
  if (crc32c::Unmask(DecodeFixed32(input.data() + 16)) !=
      crc32c::Value(input.data(), 16)) {
    return Status::Corruption("value log", "footer checksum mismatch");
  }
  footer->records = DecodeFixed64(input.data());
  footer->value_bytes = DecodeFixed64(input.data() + 8);
  return Status::OK();
}

uint32_t EncodeRecord(const Slice& key, const Slice& stored_value,
                      Compression type, std::string* dst) {
  const size_t start = dst->size();
  PutFixed32(dst, 0);  // the checksum, filled in below
  dst->push_back(static_cast<char>(type));
  PutVarint32(dst, static_cast<uint32_t>(key.size()));
  PutVarint32(dst, static_cast<uint32_t>(stored_value.size()));
  dst->append(key.data(), key.size());
  dst->append(stored_value.data(), stored_value.size());
  const uint32_t crc = crc32c::Mask(
      crc32c::Value(dst->data() + start + 4, dst->size() - start - 4));
  EncodeFixed32(dst->data() + start, crc);
  return crc;
}

namespace {

// The two lengths after a record's prefix, and where its key starts.
Status DecodeRecordHeader(const Slice& input, uint32_t* key_size,
                          uint32_t* value_size, size_t* header_size) {
  if (input.size() < kRecordPrefixSize) {
    return Status::Corruption("value log record", "truncated header");
  }
  Slice rest(input.data() + kRecordPrefixSize,
             input.size() - kRecordPrefixSize);
  if (!GetVarint32(&rest, key_size) || !GetVarint32(&rest, value_size)) {
    return Status::Corruption("value log record", "truncated header");
  }
  *header_size = static_cast<size_t>(rest.data() - input.data());
  return Status::OK();
}

}  // namespace

Status DecodeRecordSize(const Slice& input, size_t* size) {
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  size_t header_size = 0;
  STRATA_RETURN_IF_ERROR(
      DecodeRecordHeader(input, &key_size, &value_size, &header_size));
  *size = header_size + key_size + value_size;
  return Status::OK();
}

Status DecodeRecord(const Slice& input, bool verify_checksum, Record* record) {
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  size_t header_size = 0;
  STRATA_RETURN_IF_ERROR(
      DecodeRecordHeader(input, &key_size, &value_size, &header_size));
  record->crc = DecodeFixed32(input.data());
  const uint8_t type = static_cast<uint8_t>(input[4]);
  if (!IsKnownCompression(type)) {
    return Status::Corruption("value log record",
                              "unknown compression " + std::to_string(type));
  }
  record->compression = static_cast<Compression>(type);
  if (input.size() - header_size < uint64_t{key_size} + value_size) {
    return Status::Corruption("value log record", "truncated body");
  }
  const char* key = input.data() + header_size;
  record->key = Slice(key, key_size);
  record->stored_value = Slice(key + key_size, value_size);
  record->size = header_size + key_size + value_size;
  if (verify_checksum &&
      crc32c::Unmask(record->crc) !=
          crc32c::Value(input.data() + 4, record->size - 4)) {
    return Status::Corruption("value log record", "checksum mismatch");
  }
  return Status::OK();
}

}  // namespace strata::internal::vlog
