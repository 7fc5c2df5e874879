#include "table/bloom.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

#include "base/coding.h"

namespace strata::internal {
namespace {

// See docs/table_format.md#filter-block: the line comes from the hash's
// high 32 bits (multiply-shift range reduction), the first bit position
// from bits [0, 9) and the odd stride from bits [9, 18). An odd stride
// makes the k positions distinct (512 is a power of two).
inline uint32_t LineOf(uint64_t hash, uint32_t num_lines) {
  return static_cast<uint32_t>(((hash >> 32) * num_lines) >> 32);
}
inline uint32_t FirstBit(uint64_t hash) {
  return static_cast<uint32_t>(hash) & (kBloomLineBits - 1);
}
inline uint32_t Stride(uint64_t hash) {
  return (static_cast<uint32_t>(hash >> 9) & (kBloomLineBits - 1)) | 1;
}

inline uint64_t HashKey(const Slice& key) {
  return XXH3_64bits(key.data(), key.size());
}

}  // namespace

int BloomNumProbes(int bits_per_key) {
  const auto k = static_cast<int>(std::lround(bits_per_key * 0.69));
  return std::clamp(k, 1, kBloomMaxProbes);
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(bits_per_key, 0)) {}

void BloomFilterBuilder::AddKey(const Slice& filter_key) {
  if (!enabled()) return;
  const uint64_t h = HashKey(filter_key);
  if (!hashes_.empty() && hashes_.back() == h) return;
  hashes_.push_back(h);
}

std::string BloomFilterBuilder::Finish() {
  std::string out;
  if (!enabled() || hashes_.empty()) return out;
  const uint64_t total_bits = static_cast<uint64_t>(hashes_.size()) *
                              static_cast<uint64_t>(bits_per_key_);
  const uint64_t lines64 =
      std::max<uint64_t>(1, (total_bits + kBloomLineBits - 1) / kBloomLineBits);
  const auto num_lines =
      static_cast<uint32_t>(std::min<uint64_t>(lines64, UINT32_MAX));
  const int k = BloomNumProbes(bits_per_key_);

  out.assign(static_cast<size_t>(num_lines) * kBloomLineBytes, '\0');
  for (const uint64_t h : hashes_) {
    char* line = out.data() +
                 static_cast<size_t>(LineOf(h, num_lines)) * kBloomLineBytes;
    uint32_t bit = FirstBit(h);
    const uint32_t stride = Stride(h);
    for (int i = 0; i < k; ++i) {
      line[bit >> 3] = static_cast<char>(line[bit >> 3] | (1 << (bit & 7)));
      bit = (bit + stride) & (kBloomLineBits - 1);
    }
  }
  PutFixed32(&out, num_lines);
  out.push_back(static_cast<char>(k));
  out.push_back(static_cast<char>(FilterKind::kBlockedBloomXxh3));
  hashes_.clear();
  hashes_.shrink_to_fit();
  return out;
}

Status BloomFilter::Parse(const Slice& contents, BloomFilter* filter) {
  *filter = BloomFilter();
  if (contents.empty()) return Status::OK();
  if (contents.size() < kBloomMetadataSize) {
    return Status::Corruption("filter block too short");
  }
  const char* meta = contents.data() + contents.size() - kBloomMetadataSize;
  const auto kind = static_cast<uint8_t>(meta[5]);
  if (kind != static_cast<uint8_t>(FilterKind::kBlockedBloomXxh3)) {
    return Status::OK();  // a kind from a later version: match everything
  }
  const uint32_t num_lines = DecodeFixed32(meta);
  const int num_probes = static_cast<uint8_t>(meta[4]);
  if (num_lines == 0 || num_probes < 1 || num_probes > kBloomMaxProbes) {
    return Status::Corruption("filter block has bad parameters");
  }
  if (contents.size() - kBloomMetadataSize !=
      static_cast<uint64_t>(num_lines) * kBloomLineBytes) {
    return Status::Corruption("filter block size does not match its lines");
  }
  filter->lines_ = contents.data();
  filter->num_lines_ = num_lines;
  filter->num_probes_ = num_probes;
  return Status::OK();
}

uint64_t BloomFilter::Hash(const Slice& filter_key) {
  return HashKey(filter_key);
}

void BloomFilter::Prefetch(uint64_t h) const {
  if (num_lines_ == 0) return;
  __builtin_prefetch(lines_ + static_cast<size_t>(LineOf(h, num_lines_)) *
                                  kBloomLineBytes);
}

bool BloomFilter::HashMayMatch(uint64_t h) const {
  if (num_lines_ == 0) return true;
  const char* line =
      lines_ + static_cast<size_t>(LineOf(h, num_lines_)) * kBloomLineBytes;
  uint32_t bit = FirstBit(h);
  const uint32_t stride = Stride(h);
  for (int i = 0; i < num_probes_; ++i) {
    if ((line[bit >> 3] & (1 << (bit & 7))) == 0) return false;
    bit = (bit + stride) & (kBloomLineBits - 1);
  }
  return true;
}

}  // namespace strata::internal
