// CRC32C (Castagnoli polynomial), the checksum of every on-disk record and
// block. Uses the SSE4.2 crc32 instruction when the CPU has it, a
// table-driven portable version otherwise; both give identical results.
//
// Stored checksums are masked (Mask) so that a CRC computed over data that
// itself contains CRCs does not degenerate.
//
// Thread-safety: pure functions.

#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::internal::crc32c {

// CRC32C of `data[0, n)` continued from `init_crc` (the CRC of a prefix).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// The portable implementation, exposed so tests can compare both paths.
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
// True when Extend uses the hardware instruction.
bool IsHardwareAccelerated();

constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Rotates and offsets a CRC for storage next to the data it covers.
inline uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace strata::internal::crc32c
