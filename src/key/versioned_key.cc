// Versioned keys: see versioned_key.h.

#include "key/versioned_key.h"

#include <cstring>

namespace strata::internal {

namespace {

void AppendSuffix(std::string* dst, uint64_t ts) {
  const uint64_t inverted = ~ts;
  char buf[kTimestampSize];
  for (size_t i = 0; i < kTimestampSize; ++i) {
    buf[i] = static_cast<char>(inverted >> (8 * (kTimestampSize - 1 - i)));
  }
  dst->append(buf, kTimestampSize);
}

}  // namespace

void AppendVersionedKey(std::string* dst, const Slice& key, uint64_t ts) {
  dst->append(key.data(), key.size());
  AppendSuffix(dst, ts);
}

uint64_t ExtractTimestamp(const Slice& versioned_key) {
  if (versioned_key.size() < kTimestampSize) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(
      versioned_key.data() + versioned_key.size() - kTimestampSize);
  uint64_t inverted = 0;
  for (size_t i = 0; i < kTimestampSize; ++i) inverted = inverted << 8 | p[i];
  return ~inverted;
}

VersionedComparator::VersionedComparator(const Comparator* key_comparator)
    : key_comparator_(key_comparator),
      name_(std::string("strata.Versioned(") + key_comparator->Name() + ")") {}

int VersionedComparator::Compare(const Slice& a, const Slice& b) const {
  const int r = key_comparator_->Compare(StripTimestamp(a), StripTimestamp(b));
  if (r != 0) return r;
  if (a.size() < kTimestampSize || b.size() < kTimestampSize) {
    // A damaged key (never written): ordered, never read out of bounds.
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  // Complemented big-endian: byte order is descending timestamp order.
  return std::memcmp(a.data() + a.size() - kTimestampSize,
                     b.data() + b.size() - kTimestampSize, kTimestampSize);
}

KeyOnlyComparator::KeyOnlyComparator(const Comparator* key_comparator)
    : key_comparator_(key_comparator),
      name_(std::string("strata.KeyOnly(") + key_comparator->Name() + ")") {}

void VersionedComparator::FindShortestSeparator(std::string* start,
                                                const Slice& limit) const {
  const Slice start_key = StripTimestamp(*start);
  const Slice limit_key = StripTimestamp(limit);
  std::string tmp(start_key.data(), start_key.size());
  key_comparator_->FindShortestSeparator(&tmp, limit_key);
  if (tmp.size() < start_key.size() &&
      key_comparator_->Compare(start_key, tmp) < 0) {
    // start < tmp ‖ any < limit, since tmp < limit_key.
    AppendSuffix(&tmp, kMaxTimestamp);
    start->swap(tmp);
  }
}

void VersionedComparator::FindShortSuccessor(std::string* key) const {
  const Slice k = StripTimestamp(*key);
  std::string tmp(k.data(), k.size());
  key_comparator_->FindShortSuccessor(&tmp);
  if (tmp.size() < k.size() && key_comparator_->Compare(k, tmp) < 0) {
    AppendSuffix(&tmp, kMaxTimestamp);
    key->swap(tmp);
  }
}

}  // namespace strata::internal
