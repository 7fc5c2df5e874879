// Versioned keys (time travel; docs/key_format.md). In a DB created with
// versioning, the user key the engine stores and orders is
//
//   versioned key = key ‖ fixed64 big-endian(~timestamp)
//
// and VersionedComparator orders it: key ascending by the user's comparator,
// then timestamp descending (the complemented big-endian suffix makes that a
// byte comparison). The internal key appends the tag as always, so versions
// of one key sort newest timestamp first and, within one timestamp, newest
// sequence first: a back-dated write lands where its time says, and an
// as-of read is one seek to key ‖ ~as_of.
//
// A DB without versioning never sees a suffix: its keys, order and speed
// are unchanged.
//
// Thread-safety: pure functions and an immutable comparator.

#pragma once

#include <cassert>
#include <cstdint>
#include <string>

#include "strata/comparator.h"
#include "strata/slice.h"

namespace strata::internal {

// Bytes a versioned key adds after the key.
constexpr size_t kTimestampSize = 8;
// The newest possible timestamp: key ‖ ~kMaxTimestamp sorts before every
// version of key (a seek to "the newest version").
constexpr uint64_t kMaxTimestamp = ~uint64_t{0};

// Appends key ‖ suffix(ts) to `*dst`.
void AppendVersionedKey(std::string* dst, const Slice& key, uint64_t ts);

// The key of a versioned key, without its timestamp. Total, so that a
// damaged key read from a file is never read out of bounds: a key shorter
// than a timestamp strips to the empty key (the readers that parse keys
// from files refuse such a key as Corruption).
inline Slice StripTimestamp(const Slice& versioned_key) {
  return Slice(versioned_key.data(), versioned_key.size() >= kTimestampSize
                                         ? versioned_key.size() - kTimestampSize
                                         : 0);
}

// The timestamp of a versioned key; 0 for a key shorter than a timestamp
// (damaged: timestamp 0 is never written).
uint64_t ExtractTimestamp(const Slice& versioned_key);

// Orders versioned keys: key ascending under `key_comparator` (borrowed;
// it must outlive this), then timestamp descending.
class VersionedComparator final : public Comparator {
 public:
  explicit VersionedComparator(const Comparator* key_comparator);

  const Comparator* key_comparator() const { return key_comparator_; }

  int Compare(const Slice& a, const Slice& b) const override;
  // "strata.Versioned(<key comparator's name>)".
  const char* Name() const override { return name_.c_str(); }
  // Both shorten the key part only; a shortened key gets the newest
  // timestamp, so it sorts before every version of itself.
  void FindShortestSeparator(std::string* start,
                             const Slice& limit) const override;
  void FindShortSuccessor(std::string* key) const override;

 private:
  const Comparator* const key_comparator_;
  const std::string name_;
};

// Orders versioned keys by their keys alone: two versions of one key
// compare equal. For the compaction policy, whose ranges must take whole
// keys: a level's tables never split one key's versions, so ranges of
// tables overlap by key, not by version (docs/key_format.md).
class KeyOnlyComparator final : public Comparator {
 public:
  explicit KeyOnlyComparator(const Comparator* key_comparator);

  int Compare(const Slice& a, const Slice& b) const override {
    return key_comparator_->Compare(StripTimestamp(a), StripTimestamp(b));
  }
  // "strata.KeyOnly(<key comparator's name>)".
  const char* Name() const override { return name_.c_str(); }
  // Never used to build tables: both leave the key unchanged.
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}

 private:
  const Comparator* const key_comparator_;
  const std::string name_;
};

}  // namespace strata::internal
