// Fuzz target: one table block (docs/table_format.md#blocks) parsed and
// iterated directly, as a data, index or properties block, optionally after
// decompression; the same bytes as a bloom filter block; and compression
// round trips.
//
// Input: one flags byte, then the block's stored bytes.
//   flags & 0x03  how to read the block: 0 data block, bytewise keys;
//                 1 data block, DB internal keys; 2 index block (values
//                 are block handles); 3 properties block
//   flags >> 2 & 3  the block's compression (0 none, 1 snappy, 2 LZ4,
//                 3 zstd): decompress it first
//   flags & 0x10  also compress the bytes with that compression and check
//                 that they decompress to themselves
// Checks, on a block that parses:
//  - forward iteration that ends without error is matched exactly, in
//    reverse, by SeekToLast + Prev;
//  - when those keys strictly increase, Seek and SeekForPrev to each key
//    land on it, and Seek just past it lands on the next one;
//  - every error is Corruption.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "key/internal_key.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/compression.h"
#include "table/format.h"
#include "tests/fuzz/fuzz_util.h"

namespace strata::fuzz {
namespace {

using internal::Block;
using internal::BlockIter;
using Entries = std::vector<std::pair<std::string, std::string>>;

// `min_key_size`: keys shorter than this cannot be given to `cmp` (8 for
// internal keys); the harness then only lets the block's own seeks compare.
void CheckIterators(const Block& block, const Comparator* cmp,
                    size_t min_key_size) {
  // As a table of internal keys does: the block refuses shorter keys.
  internal::BlockErrorContext context;
  context.min_key_size = min_key_size;
  BlockIter it(cmp, &block, nullptr, context);
  Entries forward;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    forward.emplace_back(it.key().ToString(), it.value().ToString());
  }
  if (!it.status().ok()) {
    STRATA_FUZZ_CHECK(it.status().IsCorruption(), it.status().ToString());
    return;
  }

  BlockIter back(cmp, &block, nullptr, context);
  Entries backward;
  for (back.SeekToLast(); back.Valid(); back.Prev()) {
    backward.emplace_back(back.key().ToString(), back.value().ToString());
  }
  STRATA_FUZZ_CHECK(back.status().ok(), back.status().ToString());
  STRATA_FUZZ_CHECK(Entries(backward.rbegin(), backward.rend()) == forward,
                    "backward iteration differs from forward");

  bool sorted = true;
  for (const auto& entry : forward) {
    sorted = sorted && entry.first.size() >= min_key_size;
  }
  for (size_t i = 1; i < forward.size() && sorted; ++i) {
    sorted = cmp->Compare(forward[i - 1].first, forward[i].first) < 0;
  }
  if (!sorted) {
    // Seeks over unsorted (or unorderable) keys have no right answer; they
    // must not crash.
    BlockIter seek(cmp, &block, nullptr, context);
    for (size_t i = 0; i < forward.size() && i < 32; ++i) {
      seek.Seek(forward[i].first);
      seek.SeekForPrev(forward[i].first);
    }
    return;
  }
  BlockIter seek(cmp, &block, nullptr, context);
  const size_t step = forward.size() / 64 + 1;
  for (size_t i = 0; i < forward.size(); i += step) {
    const std::string& key = forward[i].first;
    seek.Seek(key);
    STRATA_FUZZ_CHECK(seek.Valid() && seek.key() == Slice(key), "Seek");
    seek.SeekForPrev(key);
    STRATA_FUZZ_CHECK(seek.Valid() && seek.key() == Slice(key), "SeekForPrev");
    if (i > 0) {
      seek.Prev();
      STRATA_FUZZ_CHECK(
          seek.Valid() && seek.key() == Slice(forward[i - 1].first),
          "Prev after seek");
    }
  }
}

void CheckIndexValues(const Block& block) {
  BlockIter it(BytewiseComparator(), &block, nullptr,
               internal::BlockErrorContext{});
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    Slice v = it.value();
    internal::BlockHandle h;
    if (h.DecodeFrom(&v)) {
      const std::string enc = h.Encode();
      internal::BlockHandle again;
      Slice in(enc);
      STRATA_FUZZ_CHECK(again.DecodeFrom(&in) && in.empty() &&
                            again.offset == h.offset && again.size == h.size,
                        "handle round trip");
    }
  }
}

void CheckFilter(const Slice& contents, const Block* block) {
  internal::BloomFilter filter;
  const Status s = internal::BloomFilter::Parse(contents, &filter);
  if (!s.ok()) {
    STRATA_FUZZ_CHECK(s.IsCorruption(), s.ToString());
    return;
  }
  (void)filter.KeyMayMatch(Slice());
  (void)filter.KeyMayMatch(contents);
  if (block == nullptr) return;
  BlockIter it(BytewiseComparator(), block, nullptr,
               internal::BlockErrorContext{});
  int n = 0;
  for (it.SeekToFirst(); it.Valid() && n < 64; it.Next(), ++n) {
    (void)filter.KeyMayMatch(it.key());
  }
}

void CompressionRoundTrip(Compression type, const Slice& input) {
  internal::Compressor compressor(type);
  std::string compressed;
  if (!compressor.Compress(input, &compressed)) return;
  std::unique_ptr<char[]> output;
  size_t output_size = 0;
  const Status s =
      internal::UncompressBlock(type, compressed, &output, &output_size);
  STRATA_FUZZ_CHECK(s.ok(), s.ToString());
  STRATA_FUZZ_CHECK(Slice(output.get(), output_size) == input,
                    "compression round trip changed the bytes");
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;        // NOLINT(google-build-using-namespace)
  using namespace strata::fuzz;  // NOLINT(google-build-using-namespace)

  ByteReader in(data, size);
  const uint8_t flags = in.Byte();
  const int kind = flags & 0x03;
  const auto compression = static_cast<Compression>((flags >> 2) & 0x03);
  const std::string_view rest = in.Rest();
  const Slice stored(rest.data(), rest.size());

  if ((flags & 0x10) != 0 && compression != Compression::kNone) {
    CompressionRoundTrip(compression, stored);
  }

  Slice contents = stored;
  std::unique_ptr<char[]> uncompressed;
  if (compression != Compression::kNone) {
    size_t n = 0;
    const Status s =
        internal::UncompressBlock(compression, stored, &uncompressed, &n);
    if (!s.ok()) {
      STRATA_FUZZ_CHECK(s.IsCorruption(), s.ToString());
      return 0;
    }
    STRATA_FUZZ_CHECK(
        n <= internal::MaxUncompressedSize(compression, stored.size()),
        "decompressed past the bound");
    contents = Slice(uncompressed.get(), n);
  }

  auto parsed = Block::ParseCopy(contents);
  if (!parsed.ok()) {
    STRATA_FUZZ_CHECK(parsed.status().IsCorruption(),
                      parsed.status().ToString());
    CheckFilter(contents, nullptr);
    return 0;
  }
  const std::unique_ptr<Block> block = std::move(parsed).value();
  static const internal::InternalKeyComparator icmp(BytewiseComparator());
  switch (kind) {
    case 0:
      CheckIterators(*block, BytewiseComparator(), 0);
      break;
    case 1:
      CheckIterators(*block, &icmp, internal::InternalKeySuffixLength());
      break;
    case 2:
      CheckIterators(*block, BytewiseComparator(), 0);
      CheckIndexValues(*block);
      break;
    case 3: {
      internal::TableProperties props;
      const Status s = internal::DecodeProperties(*block, &props);
      STRATA_FUZZ_CHECK(s.ok() || s.IsCorruption(), s.ToString());
      break;
    }
  }
  CheckFilter(contents, block.get());
  return 0;
}
