// Fuzz target: the WriteBatch encoding (docs/batch_format.md) as WAL replay
// decodes it: SetContents, Validate, Iterate, then InsertInto a memtable.
//
// Input: the bytes of one encoded batch (a WAL record's payload).
// Checks:
//  - Validate and Iterate agree (both OK or both Corruption), and an OK
//    summary matches what Iterate delivered;
//  - a batch rebuilt from the decoded operations decodes to the same
//    operations, and appending it to itself doubles them;
//  - a valid batch that WAL replay would accept (no empty key, no empty or
//    reversed range) inserted into a memtable adds exactly its point
//    entries and range deletions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "db/write_batch_internal.h"
#include "key/internal_key.h"
#include "memtable/memtable.h"
#include "strata/comparator.h"
#include "strata/write_batch.h"
#include "tests/fuzz/fuzz_util.h"

namespace strata::fuzz {
namespace {

// kind (BatchOp), a, b, timestamp
using Op = std::tuple<int, std::string, std::string, uint64_t>;

class Recorder final : public WriteBatch::Handler {
 public:
  void Put(const Slice& key, const Slice& value) override {
    ops.emplace_back(1, key.ToString(), value.ToString(), 0);
  }
  void Delete(const Slice& key) override {
    ops.emplace_back(0, key.ToString(), std::string(), 0);
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    ops.emplace_back(2, begin.ToString(), end.ToString(), 0);
  }
  void PutAt(const Slice& key, const Slice& value, uint64_t ts) override {
    ops.emplace_back(3, key.ToString(), value.ToString(), ts);
  }
  void DeleteAt(const Slice& key, uint64_t ts) override {
    ops.emplace_back(4, key.ToString(), std::string(), ts);
  }
  void Purge(const Slice& key) override {
    ops.emplace_back(5, key.ToString(), std::string(), 0);
  }
  void Replace(const Slice& key, const Slice& value) override {
    ops.emplace_back(6, key.ToString(), value.ToString(), 0);
  }
  void DeleteRangeAt(const Slice& begin, const Slice& end,
                     uint64_t ts) override {
    ops.emplace_back(7, begin.ToString(), end.ToString(), ts);
  }
  std::vector<Op> ops;
};

WriteBatch Rebuild(const std::vector<Op>& ops) {
  WriteBatch b;
  for (const auto& [kind, x, y, ts] : ops) {
    if (kind == 1) {
      b.Put(x, y);
    } else if (kind == 0) {
      b.Delete(x);
    } else if (kind == 2) {
      b.DeleteRange(x, y);
    } else if (kind == 3) {
      b.PutAt(x, y, ts);
    } else if (kind == 4) {
      b.DeleteAt(x, ts);
    } else if (kind == 5) {
      b.Purge(x);
    } else if (kind == 6) {
      b.Replace(x, y);
    } else {
      b.DeleteRangeAt(x, y, ts);
    }
  }
  return b;
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;        // NOLINT(google-build-using-namespace)
  using namespace strata::fuzz;  // NOLINT(google-build-using-namespace)
  using internal::WriteBatchInternal;

  WriteBatch batch;
  const Slice contents(reinterpret_cast<const char*>(data), size);
  const Status set = WriteBatchInternal::SetContents(&batch, contents);
  if (!set.ok()) {
    STRATA_FUZZ_CHECK(size < internal::kBatchHeaderSize, set.ToString());
    return 0;
  }
  internal::BatchSummary summary;
  const Status valid =
      WriteBatchInternal::Validate(batch, &summary, BytewiseComparator());
  Recorder recorder;
  const Status iterated = batch.Iterate(&recorder);
  STRATA_FUZZ_CHECK(valid.ok() == iterated.ok(),
                    "Validate and Iterate disagree");
  if (!valid.ok()) {
    STRATA_FUZZ_CHECK(valid.IsCorruption(), valid.ToString());
    return 0;
  }
  STRATA_FUZZ_CHECK(
      summary.count == batch.Count() && summary.count == recorder.ops.size(),
      "summary count");
  uint32_t ranges = 0;
  uint32_t timestamped = 0;
  uint32_t purges = 0;
  for (const auto& op : recorder.ops) {
    ranges += std::get<0>(op) == 2 || std::get<0>(op) == 7;
    timestamped +=
        std::get<0>(op) == 3 || std::get<0>(op) == 4 || std::get<0>(op) == 7;
    purges += std::get<0>(op) == 5 || std::get<0>(op) == 6;
  }
  STRATA_FUZZ_CHECK(summary.range_deletions == ranges, "range count");
  STRATA_FUZZ_CHECK(summary.timestamped == timestamped, "timestamp count");
  STRATA_FUZZ_CHECK(summary.purges == purges, "purge count");

  WriteBatch rebuilt = Rebuild(recorder.ops);
  Recorder again;
  STRATA_FUZZ_CHECK(rebuilt.Iterate(&again).ok() && again.ops == recorder.ops,
                    "rebuilt batch decodes differently");
  WriteBatch doubled = rebuilt;
  doubled.Append(batch);
  Recorder twice;
  STRATA_FUZZ_CHECK(doubled.Iterate(&twice).ok() &&
                        twice.ops.size() == 2 * recorder.ops.size(),
                    "appended batch");

  // As WAL replay does: a batch with an empty key or a range that is empty
  // or reversed is refused, and so is one with versioned operations in a
  // DB without versioning; any other valid one goes into the memtable.
  if (!summary.has_empty_key && !summary.has_bad_range && summary.count > 0 &&
      summary.timestamped == 0 && summary.purges == 0) {
    static const internal::InternalKeyComparator icmp(BytewiseComparator());
    auto mem = std::make_shared<internal::MemTable>(icmp, 4096);
    WriteBatchInternal::SetSequence(&batch, 1);
    WriteBatchInternal::InsertInto(batch, mem.get());
    STRATA_FUZZ_CHECK(mem->NumEntries() == summary.count - ranges &&
                          mem->NumRangeDeletions() == ranges,
                      "memtable entries");
    auto it = mem->NewIterator();
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    STRATA_FUZZ_CHECK(n == summary.count - ranges, "memtable iteration");
  }
  // And a versioned DB's replay (no timestamp 0): a purge is one range
  // tombstone, a replace a value and a range tombstone, a range delete a
  // timed range tombstone.
  if (!summary.has_empty_key && !summary.has_bad_range && summary.count > 0 &&
      !summary.has_zero_timestamp) {
    static const internal::InternalKeyComparator vicmp(BytewiseComparator(),
                                                       /*versioned=*/true);
    auto mem = std::make_shared<internal::MemTable>(vicmp, 4096);
    WriteBatchInternal::SetSequence(&batch, 1);
    WriteBatchInternal::InsertInto(batch, mem.get(), /*versioned=*/true,
                                   /*commit_timestamp=*/1000);
    uint32_t purge_only = 0;
    for (const auto& op : recorder.ops) purge_only += std::get<0>(op) == 5;
    STRATA_FUZZ_CHECK(
        mem->NumEntries() == summary.count - purge_only - ranges &&
            mem->NumRangeDeletions() == purges + ranges,
        "versioned memtable entries");
    // Every tombstone decodes (the memtable's list asserts it).
    STRATA_FUZZ_CHECK(
        (mem->RangeTombstones() != nullptr) == (purges + ranges > 0),
        "versioned memtable tombstones");
  }
  return 0;
}
