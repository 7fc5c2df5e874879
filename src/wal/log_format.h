// The record framing shared by the write-ahead log and the MANIFEST: a file
// is a sequence of fixed-size blocks, and each logical record is stored as
// one or more checksummed fragments that never cross a block boundary.
// See docs/wal_format.md for the byte-level grammar.
//
// Thread-safety: constants and pure functions only.

#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::internal::log {

// The kind of a fragment: a whole record, or its first, a middle or its last
// piece. Stored in byte 10 of the fragment header.
// On disk: never renumber or reuse.
enum class RecordType : uint8_t {
  // Never written. A header whose bytes are all zero is preallocated or
  // zero-filled space, not a fragment.
  kZero = 0,
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};

// The largest RecordType value a v1 reader understands.
inline constexpr uint8_t kMaxRecordType =
    static_cast<uint8_t>(RecordType::kLast);

// The file is read and written in blocks of this many bytes.
inline constexpr size_t kBlockSize = 32768;

// Fragment header layout (all fields little-endian):
//   [0, 4)   header_crc   masked crc32c of header bytes [4, 11)
//   [4, 8)   payload_crc  masked crc32c of the payload
//   [8, 10)  length       payload length in bytes
//   [10, 11) type         RecordType
inline constexpr size_t kHeaderCrcOffset = 0;
inline constexpr size_t kPayloadCrcOffset = 4;
inline constexpr size_t kLengthOffset = 8;
inline constexpr size_t kTypeOffset = 10;
inline constexpr size_t kHeaderSize = 11;

// Bytes of the header covered by header_crc: [kPayloadCrcOffset, kHeaderSize).
inline constexpr size_t kHeaderCrcCoveredSize = kHeaderSize - kPayloadCrcOffset;

// The largest payload one fragment can carry (a fragment filling a block).
inline constexpr size_t kMaxFragmentPayload = kBlockSize - kHeaderSize;

static_assert(kMaxFragmentPayload <= UINT16_MAX,
              "a fragment length must fit the 16-bit length field");

}  // namespace strata::internal::log
