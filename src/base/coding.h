// Little-endian fixed-width and LEB128-style varint encodings used by every
// on-disk format. Decoders never read past the input they are given.
//
// Thread-safety: pure functions.

#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "strata/slice.h"

namespace strata::internal {

inline void EncodeFixed16(char* dst, uint16_t v) {
  dst[0] = static_cast<char>(v & 0xff);
  dst[1] = static_cast<char>(v >> 8);
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint16_t DecodeFixed16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) |
         (static_cast<uint32_t>(u[3]) << 24);
}
inline uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) |
         (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// Varint32 length followed by the bytes.
void PutLengthPrefixedSlice(std::string* dst, const Slice& value);

// Writes a varint at `dst` (room for 5 / 10 bytes) and returns the byte
// after it.
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
int VarintLength(uint64_t v);

// Decoders: on success consume from `*input` and return true; on malformed
// or truncated input return false and leave `*input` unspecified.
bool GetFixed32(Slice* input, uint32_t* value);
bool GetFixed64(Slice* input, uint64_t* value);
bool GetVarint32(Slice* input, uint32_t* value);
bool GetVarint64(Slice* input, uint64_t* value);
bool GetLengthPrefixedSlice(Slice* input, Slice* result);

// Pointer-based decoding within [p, limit). Returns the byte after the value,
// or nullptr when the varint is malformed or runs past `limit`.
const char* GetVarint32PtrSlow(const char* p, const char* limit, uint32_t* v);
inline const char* GetVarint32Ptr(const char* p, const char* limit,
                                  uint32_t* v) {
  // Most lengths in blocks and records are below 128: one byte, inline.
  if (p < limit) {
    const auto byte = static_cast<uint32_t>(static_cast<unsigned char>(*p));
    if ((byte & 0x80) == 0) {
      *v = byte;
      return p + 1;
    }
  }
  return GetVarint32PtrSlow(p, limit, v);
}
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* v);

// Appends `s` for a message or the info LOG: printable ASCII as is, other
// bytes (and backslash and single quote) as \xNN.
void AppendEscaped(std::string* dst, const Slice& s);

}  // namespace strata::internal
