// Helpers of the compaction policy tests (picker_test.cc,
// picker_tiered_test.cc): files with chosen keys and sizes, and a fixture
// that builds Versions from them under small, round-numbered options.

#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compaction/picker.h"
#include "key/internal_key.h"
#include "strata/comparator.h"
#include "version/version.h"
#include "version/version_edit.h"

namespace strata::internal {

using N = std::vector<uint64_t>;
using Reason = CompactionPlan::Reason;

inline constexpr auto kValue = static_cast<uint8_t>(ValueType::kValue);
inline constexpr uint64_t kMiB = 1ull << 20;
inline constexpr uint64_t kGiB = 1ull << 30;

// A file whose smallest key is (smallest, small_seq) and largest key is
// (largest, large_seq).
inline FileMetaData KeyedFile(uint64_t number, const std::string& smallest,
                              SequenceNumber small_seq,
                              const std::string& largest,
                              SequenceNumber large_seq, uint64_t size) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = InternalKey(smallest, small_seq, kValue);
  f.largest = InternalKey(largest, large_seq, kValue);
  f.smallest_seqno = std::min(small_seq, large_seq);
  f.largest_seqno = std::max(small_seq, large_seq);
  return f;
}

// Keys at sequence `number`, so L0 orders files by number, newest first.
inline FileMetaData File(uint64_t number, const std::string& smallest,
                         const std::string& largest, uint64_t size) {
  return KeyedFile(number, smallest, number, largest, number, size);
}

inline FileMetaData WithEntries(FileMetaData f, uint64_t entries,
                                uint64_t deletions) {
  f.num_entries = entries;
  f.num_deletions = deletions;
  return f;
}

inline N Numbers(
    const std::vector<std::shared_ptr<const FileMetaData>>& files) {
  N r;
  for (const auto& f : files) r.push_back(f->number);
  return r;
}

// The numbers of inputs[i], or {} when the plan has no such input.
inline N In(const CompactionPlan& p, size_t i) {
  return i < p.inputs.size() ? Numbers(p.inputs[i].files) : N{};
}

class PickerTest : public ::testing::Test {
 protected:
  PickerTest() {
    o_.num_levels = 4;
    o_.level0_file_num_compaction_trigger = 4;
    o_.max_bytes_for_level_base = 1000;
    o_.level_size_multiplier = 10;
    o_.target_file_size = 100;
    o_.max_compaction_bytes = 1000000;
    o_.tombstone_ratio_trigger = 0.5;
    o_.tombstone_min_entries = 10;
  }

  void Add(int level, const FileMetaData& f) { edit_.AddFile(level, f); }

  // The version holding every file added so far.
  std::shared_ptr<const Version> Build() {
    VersionBuilder builder(&icmp_, o_.num_levels, nullptr);
    EXPECT_TRUE(builder.Apply(edit_).ok());
    auto v = builder.Finish();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v.value() : nullptr;
  }

  // With 4 levels and the options above: L3 (last) holds 100000 bytes over
  // [a..z], so the targets are L1 = 1000, L2 = 10000, base_level = 1.
  void AddBigLastLevel(uint64_t number = 90) {
    Add(3, File(number, "a", "z", 100000));
  }

  std::optional<CompactionPlan> Pick(const Version& v,
                                     const std::set<uint64_t>& busy = {}) {
    return PickCompaction(v, o_, busy);
  }

  const InternalKeyComparator icmp_{BytewiseComparator()};
  CompactionPolicyOptions o_;
  VersionEdit edit_;
};

}  // namespace strata::internal
