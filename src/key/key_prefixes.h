// KeyPrefixes: a sorted run of bytewise-ordered keys searched by 8 bytes of
// each instead of whole keys.
//
// The bytes most keys start with are kept once; each key is given a number
// (Number): the 8 bytes after them, big-endian and zero-padded, or for a
// key that does not start with them 0 (below) or the largest number
// (above). Numbers never decrease as keys increase, so a search through a
// dense array of them (8 bytes a key, where a binary search over the keys
// themselves meets one or two cold lines a step) narrows the run to
// the keys whose numbers tie with the one looked for: usually none or one,
// compared whole. It is the bytes after the shared ones that tell keys
// apart, so keys alike in their first 8 bytes (zero-padded numbers, a
// common prefix) still differ in their numbers.
//
// The shared bytes are what the first key and the last but one share: an
// index block's last key is often a short successor ("1" after keys
// "0000..."), which would leave nothing shared if it counted.
//
// Users: Version::FindFile (the files of a sorted level, by largest key)
// and a table's index block (its restart keys; BlockIter::Seek).
//
// Thread-safety: immutable once built; any number of concurrent readers.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "strata/slice.h"

namespace strata::internal {

class KeyPrefixes {
 public:
  // The 8 bytes of `key` from `from` on as a big-endian number, zero-
  // padded: of two keys alike before `from`, a smaller number means a
  // bytewise smaller key. 0 if the key ends at or before `from`.
  static uint64_t Prefix(const Slice& key, size_t from);

  // Builds over `n` keys, `key_at(i)` (a Slice) the i-th. False, leaving
  // the run empty, unless the keys' numbers never decrease — what the
  // searches rely on, and what keys in non-decreasing bytewise order give;
  // a caller whose keys may be damaged then searches them whole.
  template <typename KeyAt>
  bool Build(size_t n, const KeyAt& key_at);

  bool empty() const { return prefixes_.empty(); }
  size_t size() const { return prefixes_.size(); }
  // Bytes of memory held.
  size_t MemoryUsage() const {
    return sizeof(*this) + shared_.capacity() +
           prefixes_.capacity() * sizeof(uint64_t);
  }

  // Where `key` falls among the keys: those in [0, *lo) are bytewise
  // below it, those in [*hi, size()) above it, and those in [*lo, *hi)
  // have the same number as `key`, so only they need comparing whole
  // (*lo == *hi: none does). REQUIRES: !empty().
  void Narrow(const Slice& key, size_t* lo, size_t* hi) const;

 private:
  // The key's number, given the shared bytes: see the file comment.
  static uint64_t Number(const Slice& key, const Slice& shared);

  std::string shared_;  // what the first key and the last but one share
  std::vector<uint64_t> prefixes_;
};

template <typename KeyAt>
bool KeyPrefixes::Build(size_t n, const KeyAt& key_at) {
  shared_.clear();
  prefixes_.clear();
  if (n == 0) return true;
  const Slice first = key_at(size_t{0});
  const Slice last = key_at(n >= 3 ? n - 2 : n - 1);
  size_t shared = 0;
  while (shared < first.size() && shared < last.size() &&
         first[shared] == last[shared]) {
    ++shared;
  }
  const Slice common(first.data(), shared);
  std::vector<uint64_t> prefixes;
  prefixes.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t p = Number(key_at(i), common);
    if (!prefixes.empty() && p < prefixes.back()) return false;
    prefixes.push_back(p);
  }
  shared_.assign(common.data(), common.size());
  prefixes_ = std::move(prefixes);
  return true;
}

}  // namespace strata::internal
