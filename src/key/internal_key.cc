#include "key/internal_key.h"

#include <cinttypes>
#include <cstdio>

namespace strata::internal {

std::string InternalKeyDebugString(const Slice& internal_key) {
  std::string r = "'";
  Slice user_key;
  SequenceNumber sequence = 0;
  uint8_t type = 0;
  if (!SplitInternalKey(internal_key, &user_key, &sequence, &type)) {
    AppendEscaped(&r, internal_key);
    r.append("' (bad internal key)");
    return r;
  }
  AppendEscaped(&r, user_key);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "' @ %" PRIu64 " : %u", sequence,
                static_cast<unsigned>(type));
  r.append(buf);
  return r;
}

}  // namespace strata::internal
