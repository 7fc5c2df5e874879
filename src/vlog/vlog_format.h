// The value log's on-disk format (docs/vlog_format.md): the file header,
// the record, the footer, and the value pointer a table stores in place of
// a separated value.
//
// Thread-safety: pure functions and plain values.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal::vlog {

// "STRATAVL" as a little-endian fixed64: the first 8 bytes of every file.
inline constexpr uint64_t kFileMagic = 0x4c56415441525453ull;
inline constexpr uint32_t kFormatVersion = 1;
// magic ‖ fixed32 version ‖ fixed32 masked crc32c of the 12 bytes before.
inline constexpr size_t kFileHeaderSize = 16;
// "VLFT" as a little-endian fixed32: the last 4 bytes of a finished file.
inline constexpr uint32_t kFooterMagic = 0x54464c56u;
// fixed64 records ‖ fixed64 value bytes ‖ fixed32 masked crc32c of the 16
// bytes before ‖ fixed32 kFooterMagic.
inline constexpr size_t kFooterSize = 24;
// The fixed part of a record before its varints: fixed32 masked crc32c ‖
// uint8 compression.
inline constexpr size_t kRecordPrefixSize = 5;
// The longest record header: the prefix and two varint32s.
inline constexpr size_t kMaxRecordHeaderSize = kRecordPrefixSize + 5 + 5;

// Where a separated value lives: what a table stores in place of it (entry
// type kValuePointer, docs/key_format.md).
struct ValuePointer {
  uint64_t file_number = 0;
  uint64_t offset = 0;       // of the record's first byte in the file
  uint32_t record_size = 0;  // the whole record, header included
  uint32_t record_crc = 0;   // the record's stored (masked) checksum
  uint32_t value_size = 0;   // the value's size, uncompressed

  // varint64 file_number ‖ varint64 offset ‖ varint32 record_size ‖
  // fixed32 record_crc ‖ varint32 value_size.
  void EncodeTo(std::string* dst) const;
  // Parses exactly `input` (no trailing bytes). Corruption when it is not
  // one well-formed pointer.
  [[nodiscard]] Status DecodeFrom(Slice input);

  bool operator==(const ValuePointer&) const = default;
};

// The longest encoded pointer.
inline constexpr size_t kMaxPointerSize = 10 + 10 + 5 + 4 + 5;

// Appends the file header to `dst`.
void EncodeFileHeader(std::string* dst);
// Checks the file header at the start of `input` (kFileHeaderSize bytes).
[[nodiscard]] Status CheckFileHeader(const Slice& input);

struct Footer {
  uint64_t records = 0;
  uint64_t value_bytes = 0;  // the values' uncompressed sizes, summed
};
void EncodeFooter(const Footer& footer, std::string* dst);
// Parses the last kFooterSize bytes of a finished file. Corruption when
// `input` is not a footer (an unfinished file ends in a record instead).
[[nodiscard]] Status DecodeFooter(const Slice& input, Footer* footer);

// Appends one record to `dst`: `key`, and the value as stored
// (`stored_value`: raw for kNone, else compressed with `type` in the
// framing of table/compression.h). Returns its stored checksum.
uint32_t EncodeRecord(const Slice& key, const Slice& stored_value,
                      Compression type, std::string* dst);

// A record read back: the key, and the value as stored (raw, or
// compressed with `compression`).
struct Record {
  Slice key;
  Slice stored_value;
  Compression compression = Compression::kNone;
  uint32_t crc = 0;  // the stored (masked) checksum
  size_t size = 0;   // the whole record's bytes
};

// The size of the whole record whose header starts `input` (which holds
// at least min(kMaxRecordHeaderSize, bytes left) bytes). Corruption when
// the header is malformed.
[[nodiscard]] Status DecodeRecordSize(const Slice& input, size_t* size);

// Parses the record at the start of `input`, which may hold more bytes
// after it. With `verify_checksum`, the checksum must match. Corruption
// (the message says what was wrong; the caller names file and offset)
// when `input` does not start with a whole, well-formed record.
[[nodiscard]] Status DecodeRecord(const Slice& input, bool verify_checksum,
                                  Record* record);

}  // namespace strata::internal::vlog
