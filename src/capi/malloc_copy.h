// Copies the C APIs hand out: malloc'd, so that the caller frees them with
// free() (strata_free, leveldb_free).

#pragma once

#include <cstdlib>
#include <cstring>
#include <string>

namespace strata::capi {

// A malloc'd copy of `n` bytes followed by a NUL byte (not counted in the
// length the APIs report). Out of memory aborts, as everywhere in strata.
inline char* MallocCopy(const char* data, size_t n) {
  char* out = static_cast<char*>(std::malloc(n + 1));
  if (out == nullptr) std::abort();
  if (n > 0) std::memcpy(out, data, n);
  out[n] = '\0';
  return out;
}

inline char* MallocCopy(const std::string& s) {
  return MallocCopy(s.data(), s.size());
}

}  // namespace strata::capi
