#include "key/internal_key.h"

#include <cinttypes>
#include <cstdio>

namespace strata::internal {

namespace {

void AppendEscaped(std::string* dst, const Slice& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      dst->push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      dst->append(buf);
    }
  }
}

}  // namespace

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
