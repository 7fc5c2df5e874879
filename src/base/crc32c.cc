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
// The crc32 instruction has a latency of three cycles but can start one per
// cycle, so one dependent chain uses a third of it. Long inputs are cut into
// three equal stripes whose CRCs run as independent chains in one loop and
// are then joined.
//
// Joining rests on linearity: the state after A||B is the state after A
// followed by len(B) zero bytes, XOR the state B alone yields from zero.
// ZeroShift<kLen> applies "followed by kLen zero bytes" to a state as four
// table lookups, one per state byte.
template <size_t kLen>
struct ZeroShift {
  std::array<std::array<uint32_t, 256>, 4> t{};
  constexpr ZeroShift() {
    // The image of each state bit, by feeding kLen zero bytes.
    std::array<uint32_t, 32> bit{};
    for (int i = 0; i < 32; ++i) {
      uint32_t c = uint32_t{1} << i;
      for (size_t k = 0; k < kLen; ++k) c = (c >> 8) ^ kTables.t[0][c & 0xff];
      bit[i] = c;
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t c = 0;
        for (int i = 0; i < 8; ++i) {
          if ((b >> i) & 1) c ^= bit[8 * k + i];
        }
        t[k][b] = c;
      }
    }
  }
  uint32_t operator()(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^
           t[3][c >> 24];
  }
};

constexpr ZeroShift<1024> kShift1024;
constexpr ZeroShift<256> kShift256;
constexpr ZeroShift<64> kShift64;

__attribute__((target("sse4.2"))) inline uint64_t Crc64(
    uint64_t crc, const unsigned char* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return _mm_crc32_u64(crc, word);
}

// Consumes whole groups of three kLen-byte stripes from *p.
template <size_t kLen>
__attribute__((target("sse4.2"))) inline void ExtendStripes(
    uint64_t* crc, const unsigned char** p, size_t* n,
    const ZeroShift<kLen>& shift) {
  static_assert(kLen % 8 == 0);
  while (*n >= 3 * kLen) {
    const unsigned char* a = *p;
    uint64_t c0 = *crc;
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    for (size_t i = 0; i < kLen; i += 8) {
      c0 = Crc64(c0, a + i);
      c1 = Crc64(c1, a + kLen + i);
      c2 = Crc64(c2, a + 2 * kLen + i);
    }
    const uint32_t ab =
        shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    *crc = shift(ab) ^ static_cast<uint32_t>(c2);
    *p += 3 * kLen;
    *n -= 3 * kLen;
  }
}

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t init_crc,
                                                          const char* data,
                                                          size_t n) {
  uint64_t crc = init_crc ^ 0xffffffffu;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  ExtendStripes(&crc, &p, &n, kShift1024);
  ExtendStripes(&crc, &p, &n, kShift256);
  ExtendStripes(&crc, &p, &n, kShift64);
  while (n >= 8) {
    crc = Crc64(crc, p);
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
