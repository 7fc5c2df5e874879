// Version: an immutable snapshot of the live table files, level by level.
// VersionBuilder: applies VersionEdits to a base Version to make the next.
//
// Invariants of every Version a VersionBuilder produces:
//  1. Level 0 is ordered newest first: largest_seqno descending, then file
//     number descending. Its files may overlap each other.
//  2. Each level >= 1 is ordered by smallest internal key, and its files'
//     internal-key ranges are disjoint: for consecutive files a, b,
//     a.largest < b.smallest. (Adjacent files may share a user key, whose
//     versions were split between them.)
//  3. Every file has smallest <= largest, and a file number appears at most
//     once in the whole version.
//
// Thread-safety: a Version is immutable after construction, so any number
// of threads may read it. Readers keep it (and so its files) alive by
// holding a std::shared_ptr<const Version>. A VersionBuilder is used by one
// thread at a time.
// Ownership: a Version borrows the comparator, which must outlive it.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "key/internal_key.h"
#include "key/key_prefixes.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "version/version_edit.h"

namespace strata::internal {

class Version {
 public:
  // An empty version with `num_levels` levels.
  // REQUIRES: icmp != nullptr; 1 <= num_levels <= kMaxNumLevels.
  Version(const InternalKeyComparator* icmp, int num_levels);

  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;

  int num_levels() const { return static_cast<int>(files_.size()); }
  // The order of the keys in this version's files.
  const InternalKeyComparator* icmp() const { return icmp_; }

  // The files of `level` in the order of invariants 1 and 2.
  // REQUIRES: 0 <= level < num_levels().
  const std::vector<std::shared_ptr<const FileMetaData>>& files(
      int level) const;

  // REQUIRES (all three): 0 <= level < num_levels().
  int NumFiles(int level) const;
  uint64_t LevelBytes(int level) const;  // sum of file_size
  uint64_t TotalFiles() const;

  // Index of the first file in `level` whose largest key >= `internal_key`,
  // or files(level).size() if there is none. Binary search: under the
  // bytewise comparator, first over 8 bytes of each largest key past the
  // bytes they all share (one array, no key to load), then among the
  // files whose 8 bytes tie.
  // REQUIRES: 1 <= level < num_levels().
  size_t FindFile(int level, const Slice& internal_key) const;
  // Index of the first file in `level` that ends at or after `user_key`'s
  // key (in a versioned DB, any version of it), or files(level).size().
  // REQUIRES: 1 <= level < num_levels().
  size_t FindFirstFileOfKey(int level, const Slice& user_key) const;

  // The walk of a point lookup: calls `visit` on each table that may hold
  // a version of the internal key `internal_key` at or below its sequence,
  // newest first: the L0 tables whose user-key range holds it (newest
  // first), then at most one table per deeper level (binary search). Stops
  // as soon as `visit` returns false. `visit` takes the table, or the table
  // and its level.
  template <typename Visit>
  void ForEachCandidate(const Slice& internal_key, Visit&& visit) const;

  // The files of `level` whose user-key range [smallest, largest] meets
  // [*begin_user_key, *end_user_key], in level order, comparing keys alone
  // (in a versioned DB, without their timestamps: a range takes every
  // version of the keys it meets). A null bound is open.
  // REQUIRES: 0 <= level < num_levels().
  std::vector<std::shared_ptr<const FileMetaData>> Overlapping(
      int level, const Slice* begin_user_key, const Slice* end_user_key) const;

  // The value-log files its tables name (by number), each held by at
  // least one table.
  const std::map<uint64_t, std::shared_ptr<const VlogFileMeta>>& vlog_files()
      const {
    return vlog_files_;
  }
  // The sum of their file sizes.
  uint64_t VlogBytes() const { return vlog_bytes_; }

  // One line per level and one per file, then one per value-log file.
  std::string DebugString() const;

 private:
  friend class VersionBuilder;

  const InternalKeyComparator* const icmp_;
  std::vector<std::vector<std::shared_ptr<const FileMetaData>>> files_;
  // Per level >= 1 under the bytewise comparator (else empty): the files'
  // largest user keys, for FindFile.
  std::vector<KeyPrefixes> largest_keys_;
  std::vector<uint64_t> level_bytes_;
  std::map<uint64_t, std::shared_ptr<const VlogFileMeta>> vlog_files_;
  uint64_t vlog_bytes_ = 0;
};

template <typename Visit>
void Version::ForEachCandidate(const Slice& internal_key, Visit&& visit) const {
  const auto call = [&visit](const FileMetaData& f, int level) {
    if constexpr (std::is_invocable_v<Visit&, const FileMetaData&, int>) {
      return visit(f, level);
    } else {
      return visit(f);
    }
  };
  const Slice user_key = ExtractUserKey(internal_key);
  for (int level = 0; level < num_levels(); ++level) {
    const auto& fs = files(level);
    if (fs.empty()) continue;
    if (level == 0) {
      // L0 tables overlap; they are ordered newest first.
      for (const auto& f : fs) {
        // By key alone at the low end: in a versioned DB a table that
        // starts at an older version of the key (after the lookup's
        // timestamp) may hold the version wanted.
        if (icmp_->CompareKeysOnly(user_key, f->smallest.user_key()) < 0 ||
            icmp_->CompareUserKeys(user_key, f->largest.user_key()) > 0) {
          continue;
        }
        if (!call(*f, 0)) return;
      }
      continue;
    }
    // Deeper levels hold disjoint sorted tables: at most one can hold it.
    const size_t index = FindFile(level, internal_key);
    if (index >= fs.size()) continue;
    const FileMetaData& f = *fs[index];
    if (icmp_->CompareKeysOnly(user_key, f.smallest.user_key()) < 0) continue;
    if (!call(f, level)) return;
  }
}

// Builds a Version from a base and a sequence of edits. Within an edit,
// deletions apply before additions, so an edit may move a file between
// levels by deleting and re-adding its number.
class VersionBuilder {
 public:
  // Starts from `base`, or from an empty version if `base` is null.
  // Borrows `icmp` and `base` for the builder's lifetime.
  // REQUIRES: base == nullptr || base->num_levels() == num_levels.
  VersionBuilder(const InternalKeyComparator* icmp, int num_levels,
                 const Version* base);

  VersionBuilder(const VersionBuilder&) = delete;
  VersionBuilder& operator=(const VersionBuilder&) = delete;

  // Applies `edit`. Corruption if it deletes a file its level does not
  // hold, adds a number that is already live (at any level, a value-log
  // file's included), adds a file at a level >= num_levels or one whose
  // smallest key is above its largest, or counts garbage in a value-log
  // file it does not hold or past its record bytes. After an error the
  // builder must not be used again.
  [[nodiscard]] Status Apply(const VersionEdit& edit);

  // The version holding the result of every edit applied so far, with the
  // value-log files its tables name (those no table names any more are
  // gone from it). Corruption if two files of a level >= 1 overlap
  // (invariant 2), or a table names a value-log file the builder does not
  // hold.
  Result<std::shared_ptr<const Version>> Finish() const;

  // The largest file number live in the result, value logs included (0
  // if none).
  uint64_t MaxFileNumber() const;

 private:
  const InternalKeyComparator* const icmp_;
  const int num_levels_;
  // Per level: number → file. Shares the FileMetaData with the base.
  std::vector<std::map<uint64_t, std::shared_ptr<const FileMetaData>>> levels_;
  std::unordered_map<uint64_t, int> level_of_;  // number → its level
  std::map<uint64_t, std::shared_ptr<const VlogFileMeta>> vlog_files_;
};

}  // namespace strata::internal
