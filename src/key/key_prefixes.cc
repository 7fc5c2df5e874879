#include "key/key_prefixes.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace strata::internal {

uint64_t KeyPrefixes::Prefix(const Slice& key, size_t from) {
  uint64_t p = 0;
  if (from >= key.size()) return p;
  const size_t n = std::min<size_t>(key.size() - from, 8);
  if (n == 8) {
    std::memcpy(&p, key.data() + from, 8);
    if constexpr (std::endian::native == std::endian::little) {
      p = __builtin_bswap64(p);
    }
    return p;
  }
  for (size_t i = 0; i < n; ++i) {
    p |= uint64_t{static_cast<uint8_t>(key[from + i])} << (56 - 8 * i);
  }
  return p;
}

uint64_t KeyPrefixes::Number(const Slice& key, const Slice& shared) {
  // A key below the shared bytes (or a proper prefix of them) is below
  // every key that starts with them; one above is above them all.
  const size_t n = std::min(key.size(), shared.size());
  const int c = Slice(key.data(), n).compare(Slice(shared.data(), n));
  if (c < 0 || (c == 0 && key.size() < shared.size())) return 0;
  if (c > 0) return UINT64_MAX;
  return Prefix(key, shared.size());
}

void KeyPrefixes::Narrow(const Slice& key, size_t* lo, size_t* hi) const {
  // A key whose number is below `key`'s is below it; above, above it.
  const uint64_t p = Number(key, Slice(shared_));
  const auto first = std::lower_bound(prefixes_.begin(), prefixes_.end(), p);
  // Ties are rare (keys alike in 8 bytes past the shared ones): look at the
  // next two numbers before searching the rest of the run for their end.
  auto last = first;
  if (last != prefixes_.end() && *last == p) ++last;
  if (last != prefixes_.end() && *last == p) {
    last = std::upper_bound(last + 1, prefixes_.end(), p);
  }
  *lo = static_cast<size_t>(first - prefixes_.begin());
  *hi = static_cast<size_t>(last - prefixes_.begin());
}

}  // namespace strata::internal
