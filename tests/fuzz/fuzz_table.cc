// Fuzz target: a whole table file (docs/table_format.md) opened from bytes
// through an in-memory RandomAccessFile: footer, metaindex, properties,
// index, filter and range-deletion blocks at Open; data blocks (with their
// decompression) through Get, forward and backward iteration, Seek,
// SeekForPrev and VerifyChecksums.
//
// Input: one flags byte, then the file.
//   flags & 0x01  re-sign the footer and every block reachable from it
//                 (fuzz_util.h ResignTable), so that mutations get past
//                 the checksums to the parsers behind them
//   flags & 0x02  DB internal keys: InternalKeyComparator over bytewise
//                 user keys, filter keys without the 8-byte tag; else
//                 plain bytewise keys
//   flags & 0x04  read data blocks without verifying their checksums
//   flags & 0x08  read through a block cache
// Checks: every error is Corruption; when VerifyChecksums passes (the file
// is consistent), iteration is error-free, keys strictly increase, reverse
// iteration is the exact mirror, the entry count is the property's, and
// Get / Seek / SeekForPrev find each key.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cache/block_cache.h"
#include "key/internal_key.h"
#include "table/table.h"
#include "tests/fuzz/fuzz_util.h"

namespace strata::fuzz {
namespace {

using internal::InternalIterator;
using internal::Table;
using Entries = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxEntries = 1 << 16;

void CheckStatus(const Status& s) {
  STRATA_FUZZ_CHECK(s.ok() || s.IsCorruption(), s.ToString());
}

Status Scan(InternalIterator* it, bool forward, Entries* out) {
  if (forward) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  while (it->Valid() && out->size() < kMaxEntries) {
    out->emplace_back(it->key().ToString(), it->value().ToString());
    if (forward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  return it->status();
}

void Exercise(const Table& table, const internal::TableReadOptions& ro,
              const Comparator* cmp, size_t suffix_len) {
  (void)table.MemoryUsage();
  (void)table.range_tombstones();
  Entries forward;
  Entries backward;
  Status forward_status;
  Status backward_status;
  {
    auto it = table.NewIterator(ro);
    forward_status = Scan(it.get(), true, &forward);
    CheckStatus(forward_status);
  }
  {
    auto it = table.NewIterator(ro);
    backward_status = Scan(it.get(), false, &backward);
    CheckStatus(backward_status);
  }
  const Status verified = table.VerifyChecksums();
  CheckStatus(verified);

  auto filter_key = [&](const std::string& key) {
    return Slice(key.data(),
                 key.size() > suffix_len ? key.size() - suffix_len : 0);
  };
  const size_t step = forward.size() / 32 + 1;
  if (!verified.ok()) {
    // No right answers on a damaged table; it must only fail cleanly.
    auto it = table.NewIterator(ro);
    for (size_t i = 0; i < forward.size(); i += step) {
      const std::string& key = forward[i].first;
      it->Seek(key);
      it->SeekForPrev(key);
      CheckStatus(table.Get(ro, key, filter_key(key),
                            [](const Slice&, const Slice&) { return false; }));
    }
    CheckStatus(it->status());
    return;
  }

  STRATA_FUZZ_CHECK(
      forward_status.ok() && backward_status.ok(),
      "a verified table fails to iterate: " + forward_status.ToString() +
          " / " + backward_status.ToString());
  STRATA_FUZZ_CHECK(forward.size() < kMaxEntries, "huge verified table");
  STRATA_FUZZ_CHECK(forward.size() == table.properties().num_entries,
                    "entry count differs from the property");
  STRATA_FUZZ_CHECK(Entries(backward.rbegin(), backward.rend()) == forward,
                    "backward iteration is not the mirror of forward");
  for (size_t i = 1; i < forward.size(); ++i) {
    STRATA_FUZZ_CHECK(cmp->Compare(forward[i - 1].first, forward[i].first) < 0,
                      "verified table has keys out of order");
  }
  auto it = table.NewIterator(ro);
  for (size_t i = 0; i < forward.size(); i += step) {
    const std::string& key = forward[i].first;
    const std::string& value = forward[i].second;
    it->Seek(key);
    STRATA_FUZZ_CHECK(
        it->Valid() && it->key() == Slice(key) && it->value() == Slice(value),
        "Seek missed a key");
    it->SeekForPrev(key);
    STRATA_FUZZ_CHECK(it->Valid() && it->key() == Slice(key),
                      "SeekForPrev missed a key");
    bool found = false;
    bool skipped = false;
    const Status s = table.Get(
        ro, key, filter_key(key),
        [&](const Slice& k, const Slice& v) {
          found = k == Slice(key) && v == Slice(value);
          return false;
        },
        &skipped);
    STRATA_FUZZ_CHECK(s.ok(), s.ToString());
    // A re-signed filter may wrongly exclude a key; a found key must match.
    STRATA_FUZZ_CHECK(skipped || found, "Get missed a key");
  }
  STRATA_FUZZ_CHECK(it->status().ok(), it->status().ToString());
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;        // NOLINT(google-build-using-namespace)
  using namespace strata::fuzz;  // NOLINT(google-build-using-namespace)

  ByteReader in(data, size);
  const uint8_t flags = in.Byte();
  std::string file(in.Rest());
  if ((flags & 0x01) != 0) ResignTable(&file);

  static const internal::InternalKeyComparator icmp(BytewiseComparator());
  const bool internal_keys = (flags & 0x02) != 0;
  internal::TableOptions options;
  options.comparator = internal_keys ? static_cast<const Comparator*>(&icmp)
                                     : BytewiseComparator();
  options.filter_key_suffix_len =
      internal_keys ? internal::InternalKeySuffixLength() : 0;
  options.user_comparator = internal_keys ? BytewiseComparator() : nullptr;
  std::unique_ptr<internal::BlockCache> cache;
  if ((flags & 0x08) != 0) {
    cache = std::make_unique<internal::BlockCache>(1 << 20);
    options.block_cache = cache.get();
  }
  internal::TableReadOptions ro;
  ro.verify_checksums = (flags & 0x04) == 0;

  const uint64_t file_size = file.size();
  std::unique_ptr<Table> table;
  const Status s = Table::Open(
      options, std::make_unique<StringRandomAccessFile>(std::move(file)),
      file_size, "000009.sst", &table);
  if (!s.ok()) {
    CheckStatus(s);
    return 0;
  }
  Exercise(*table, ro, options.comparator, options.filter_key_suffix_len);
  return 0;
}
