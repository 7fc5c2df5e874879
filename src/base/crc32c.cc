#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define STRATA_HAVE_X86_CRC 1
#endif

namespace strata::internal::crc32c {
namespace {

constexpr uint32_t kPolyReflected = 0x82f63b78u;

// tables[k][b]: CRC contribution of byte b followed by k zero bytes, for
// slicing-by-4.
struct Tables {
  std::array<std::array<uint32_t, 256>, 4> t{};
  constexpr Tables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPolyReflected : 0);
      t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; ++b) {
      for (int k = 1; k < 4; ++k) {
        t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
      }
    }
  }
};

constexpr Tables kTables;

#ifdef STRATA_HAVE_X86_CRC
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t init_crc,
                                                          const char* data,
                                                          size_t n) {
  uint64_t crc = init_crc ^ 0xffffffffu;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
    p += 8;
    n -= 8;
  }
  auto c = static_cast<uint32_t>(crc);
  while (n > 0) {
    c = _mm_crc32_u8(c, *p);
    ++p;
    --n;
  }
  return c ^ 0xffffffffu;
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
bool DetectHardware() { return false; }
#endif

const bool kHardware = DetectHardware();

}  // namespace

uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  uint32_t c = init_crc ^ 0xffffffffu;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  while (n >= 4) {
    c ^= static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
    c = kTables.t[3][c & 0xff] ^ kTables.t[2][(c >> 8) & 0xff] ^
        kTables.t[1][(c >> 16) & 0xff] ^ kTables.t[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = (c >> 8) ^ kTables.t[0][(c ^ *p) & 0xff];
    ++p;
    --n;
  }
  return c ^ 0xffffffffu;
}

bool IsHardwareAccelerated() { return kHardware; }

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
#ifdef STRATA_HAVE_X86_CRC
  if (kHardware) return ExtendHardware(init_crc, data, n);
#endif
  return ExtendPortable(init_crc, data, n);
}

}  // namespace strata::internal::crc32c
