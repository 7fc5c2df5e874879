// The table's bloom filter: one per table, over filter keys (a table key
// minus TableOptions::filter_key_suffix_len bytes), cache-line blocked so
// that a probe touches one 64-byte line. Byte layout and hashing are in
// docs/table_format.md#filter-block.
//
// Thread-safety: a builder is used by one thread; a BloomFilter is
// immutable and safe to probe from many threads.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

// Filter kinds, stored in the last byte of a filter block.
// On disk: never renumber or reuse.
enum class FilterKind : uint8_t {
  kBlockedBloomXxh3 = 1,
};

inline constexpr size_t kBloomLineBytes = 64;
inline constexpr uint32_t kBloomLineBits = kBloomLineBytes * 8;  // 512
// Bytes after the lines: num_lines fixed32, num_probes u8, kind u8.
inline constexpr size_t kBloomMetadataSize = 6;
inline constexpr int kBloomMaxProbes = 30;

// The number of probes for `bits_per_key`: round(bits_per_key * 0.69),
// clamped to [1, kBloomMaxProbes].
int BloomNumProbes(int bits_per_key);

class BloomFilterBuilder {
 public:
  // `bits_per_key` <= 0 builds no filter.
  explicit BloomFilterBuilder(int bits_per_key);
  BloomFilterBuilder(const BloomFilterBuilder&) = delete;
  BloomFilterBuilder& operator=(const BloomFilterBuilder&) = delete;

  bool enabled() const { return bits_per_key_ > 0; }

  // Adds a key. Consecutive duplicates (versions of one user key) count once.
  void AddKey(const Slice& filter_key);

  // Distinct keys added so far (consecutive duplicates folded).
  size_t NumKeys() const { return hashes_.size(); }

  // The filter block contents; empty when disabled or no key was added.
  // Leaves the builder empty.
  std::string Finish();

 private:
  const int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

// A parsed filter block. Borrows the bytes, which must outlive it.
class BloomFilter {
 public:
  // A filter that matches every key (used when a table has no filter).
  BloomFilter() = default;

  // Parses `contents` (a filter block's bytes). An empty block, or one of
  // a kind this reader does not know, gives a filter matching every key.
  // Malformed contents of a known kind → Corruption(what).
  static Status Parse(const Slice& contents, BloomFilter* filter);

  // False only if `filter_key` was certainly not added.
  bool KeyMayMatch(const Slice& filter_key) const {
    return HashMayMatch(Hash(filter_key));
  }
  // The same for the key of `hash` (Hash(key)): a read that probes the
  // filters of several tables hashes its key once.
  bool HashMayMatch(uint64_t hash) const;
  // Asks for the line HashMayMatch(hash) reads, so that the probes of
  // several tables' filters can wait for memory together.
  void Prefetch(uint64_t hash) const;
  // The hash the filters use (XXH3, 64 bits).
  static uint64_t Hash(const Slice& filter_key);

  // True when the filter can exclude keys (it is not match-all).
  bool active() const { return num_lines_ != 0; }

 private:
  const char* lines_ = nullptr;
  uint32_t num_lines_ = 0;  // 0: matches everything
  int num_probes_ = 0;
};

}  // namespace strata::internal
