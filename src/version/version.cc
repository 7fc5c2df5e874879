#include "version/version.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cstdio>

namespace strata::internal {

namespace {

std::string FileLabel(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "table %06" PRIu64, number);
  return buf;
}

std::string VlogLabel(uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "value log %06" PRIu64, number);
  return buf;
}

}  // namespace

// ---- Version ----------------------------------------------------------------

Version::Version(const InternalKeyComparator* icmp, int num_levels)
    : icmp_(icmp),
      files_(static_cast<size_t>(num_levels)),
      largest_keys_(static_cast<size_t>(num_levels)),
      level_bytes_(static_cast<size_t>(num_levels), 0) {
  assert(icmp != nullptr);
  assert(num_levels >= 1 && num_levels <= kMaxNumLevels);
}

const std::vector<std::shared_ptr<const FileMetaData>>& Version::files(
    int level) const {
  assert(level >= 0 && level < num_levels());
  return files_[static_cast<size_t>(level)];
}

int Version::NumFiles(int level) const {
  return static_cast<int>(files(level).size());
}

uint64_t Version::LevelBytes(int level) const {
  assert(level >= 0 && level < num_levels());
  return level_bytes_[static_cast<size_t>(level)];
}

uint64_t Version::TotalFiles() const {
  uint64_t n = 0;
  for (const auto& level : files_) n += level.size();
  return n;
}

size_t Version::FindFile(int level, const Slice& internal_key) const {
  assert(level >= 1);
  const auto& fs = files(level);
  auto first = fs.begin();
  auto last = fs.end();
  const KeyPrefixes& largest = largest_keys_[static_cast<size_t>(level)];
  if (!largest.empty()) {
    // Files whose largest keys' numbers are below the key's end before it;
    // those above end after it: only a tie is compared.
    size_t lo = 0;
    size_t hi = 0;
    largest.Narrow(ExtractUserKey(internal_key), &lo, &hi);
    first += static_cast<std::ptrdiff_t>(lo);
    last = fs.begin() + static_cast<std::ptrdiff_t>(hi);
  }
  const auto it = std::lower_bound(
      first, last, internal_key,
      [this](const std::shared_ptr<const FileMetaData>& f, const Slice& key) {
        return icmp_->Compare(f->largest.Encode(), key) < 0;
      });
  return static_cast<size_t>(it - fs.begin());
}

size_t Version::FindFirstFileOfKey(int level, const Slice& user_key) const {
  // The first internal key of the key (in a versioned DB, with the newest
  // timestamp): every file holding the key ends at or after it.
  std::string first;
  if (icmp_->versioned()) {
    AppendVersionedKey(&first, StripTimestamp(user_key), kMaxTimestamp);
  } else {
    first.assign(user_key.data(), user_key.size());
  }
  const InternalKey start(first, kMaxSequenceNumber, kTypeForSeek);
  return FindFile(level, start.Encode());
}

std::vector<std::shared_ptr<const FileMetaData>> Version::Overlapping(
    int level, const Slice* begin_user_key, const Slice* end_user_key) const {
  const auto& fs = files(level);
  std::vector<std::shared_ptr<const FileMetaData>> result;
  // By key alone: in a versioned DB a range takes every version of the
  // keys it meets.
  const auto after_end = [&](const FileMetaData& f) {
    return end_user_key != nullptr &&
           icmp_->CompareKeysOnly(f.smallest.user_key(), *end_user_key) > 0;
  };
  const auto before_begin = [&](const FileMetaData& f) {
    return begin_user_key != nullptr &&
           icmp_->CompareKeysOnly(f.largest.user_key(), *begin_user_key) < 0;
  };
  if (level == 0) {
    for (const auto& f : fs) {
      if (!before_begin(*f) && !after_end(*f)) result.push_back(f);
    }
    return result;
  }
  size_t i = 0;
  if (begin_user_key != nullptr) {
    i = FindFirstFileOfKey(level, *begin_user_key);
  }
  for (; i < fs.size() && !after_end(*fs[i]); ++i) result.push_back(fs[i]);
  return result;
}

std::string Version::DebugString() const {
  std::string r;
  char buf[96];
  for (int level = 0; level < num_levels(); ++level) {
    std::snprintf(buf, sizeof(buf),
                  "--- level %d: %d files, %" PRIu64 " bytes ---\n", level,
                  NumFiles(level), LevelBytes(level));
    r.append(buf);
    for (const auto& f : files(level)) {
      r.append("  ");
      r.append(FileMetaDataDebugString(*f));
      r.push_back('\n');
    }
  }
  for (const auto& [number, f] : vlog_files_) {
    std::snprintf(buf, sizeof(buf),
                  "  vlog %" PRIu64 ":%" PRIu64 " records=%" PRIu64
                  " garbage=%" PRIu64 "/%" PRIu64 "\n",
                  number, f->file_size, f->records, f->garbage_bytes,
                  f->record_bytes);
    r.append(buf);
  }
  return r;
}

// ---- VersionBuilder ---------------------------------------------------------

VersionBuilder::VersionBuilder(const InternalKeyComparator* icmp,
                               int num_levels, const Version* base)
    : icmp_(icmp),
      num_levels_(num_levels),
      levels_(static_cast<size_t>(num_levels)) {
  assert(base == nullptr || base->num_levels() == num_levels);
  if (base == nullptr) return;
  vlog_files_ = base->vlog_files_;
  for (int level = 0; level < num_levels; ++level) {
    for (const auto& f : base->files(level)) {
      levels_[static_cast<size_t>(level)].emplace(f->number, f);
      level_of_.emplace(f->number, level);
    }
  }
}

Status VersionBuilder::Apply(const VersionEdit& edit) {
  for (const auto& [level, number] : edit.deleted_files()) {
    auto it = level_of_.find(number);
    if (level >= num_levels_ || it == level_of_.end() || it->second != level) {
      return Status::Corruption("version edit deletes " + FileLabel(number) +
                                " from level " + std::to_string(level) +
                                ", which does not hold it");
    }
    levels_[static_cast<size_t>(level)].erase(number);
    level_of_.erase(it);
  }
  for (const auto& [level, f] : edit.new_files()) {
    if (level >= num_levels_) {
      return Status::Corruption("version edit adds " + FileLabel(f.number) +
                                " at level " + std::to_string(level) +
                                ", but there are only " +
                                std::to_string(num_levels_) + " levels");
    }
    const auto [it, inserted] = level_of_.emplace(f.number, level);
    if (!inserted) {
      return Status::Corruption("version edit adds " + FileLabel(f.number) +
                                " at level " + std::to_string(level) +
                                ", but it is already live at level " +
                                std::to_string(it->second));
    }
    if (!HasInternalKeySuffix(f.smallest.Encode()) ||
        !HasInternalKeySuffix(f.largest.Encode()) ||
        icmp_->Compare(f.smallest.Encode(), f.largest.Encode()) > 0) {
      return Status::Corruption("version edit adds " + FileLabel(f.number) +
                                " with smallest key above largest key");
    }
    if (vlog_files_.count(f.number) > 0) {
      return Status::Corruption("version edit adds " + FileLabel(f.number) +
                                ", but that number is a live value log");
    }
    // A copy: its read charges start at 0 (ReadCharges).
    levels_[static_cast<size_t>(level)].emplace(
        f.number, std::make_shared<const FileMetaData>(f));
  }
  for (const VlogFileMeta& f : edit.new_vlog_files()) {
    if (level_of_.count(f.number) > 0 ||
        !vlog_files_.emplace(f.number, std::make_shared<const VlogFileMeta>(f))
             .second) {
      return Status::Corruption("version edit adds " + VlogLabel(f.number) +
                                ", but that number is live already");
    }
  }
  for (const auto& [number, bytes] : edit.vlog_garbage()) {
    auto it = vlog_files_.find(number);
    if (it == vlog_files_.end()) {
      return Status::Corruption("version edit counts garbage in " +
                                VlogLabel(number) + ", which is not live");
    }
    auto updated = std::make_shared<VlogFileMeta>(*it->second);
    if (bytes > updated->record_bytes - updated->garbage_bytes) {
      return Status::Corruption(
          "version edit counts " + std::to_string(bytes) +
          " more garbage bytes in " + VlogLabel(number) + ", which has " +
          std::to_string(updated->record_bytes - updated->garbage_bytes) +
          " live");
    }
    updated->garbage_bytes += bytes;
    it->second = std::move(updated);
  }
  return Status::OK();
}

Result<std::shared_ptr<const Version>> VersionBuilder::Finish() const {
  auto v = std::make_shared<Version>(icmp_, num_levels_);
  // The value-log files some table names; the others are gone.
  for (const auto& level : levels_) {
    for (const auto& [number, f] : level) {
      for (const uint64_t vlog : f->vlog_files) {
        if (v->vlog_files_.count(vlog) > 0) continue;
        const auto it = vlog_files_.find(vlog);
        if (it == vlog_files_.end()) {
          return Status::Corruption(FileLabel(number) + " points into " +
                                    VlogLabel(vlog) +
                                    ", which the MANIFEST does not hold");
        }
        v->vlog_files_.emplace(vlog, it->second);
        v->vlog_bytes_ += it->second->file_size;
      }
    }
  }
  for (int level = 0; level < num_levels_; ++level) {
    const auto& source = levels_[static_cast<size_t>(level)];
    auto& fs = v->files_[static_cast<size_t>(level)];
    fs.reserve(source.size());
    uint64_t bytes = 0;
    for (const auto& [number, f] : source) {
      fs.push_back(f);
      bytes += f->file_size;
    }
    v->level_bytes_[static_cast<size_t>(level)] = bytes;
    if (level == 0) {
      std::sort(fs.begin(), fs.end(), [](const auto& a, const auto& b) {
        if (a->largest_seqno != b->largest_seqno) {
          return a->largest_seqno > b->largest_seqno;
        }
        return a->number > b->number;
      });
      continue;
    }
    std::sort(fs.begin(), fs.end(), [this](const auto& a, const auto& b) {
      const int r = icmp_->Compare(a->smallest.Encode(), b->smallest.Encode());
      return r != 0 ? r < 0 : a->number < b->number;
    });
    for (size_t i = 1; i < fs.size(); ++i) {
      if (icmp_->Compare(fs[i - 1]->largest.Encode(),
                         fs[i]->smallest.Encode()) >= 0) {
        return Status::Corruption("level " + std::to_string(level) + ": " +
                                  FileLabel(fs[i - 1]->number) + " " +
                                  FileMetaDataDebugString(*fs[i - 1]) +
                                  " overlaps " + FileLabel(fs[i]->number) +
                                  " " + FileMetaDataDebugString(*fs[i]));
      }
      // In a versioned DB one key's versions never span two tables of a
      // level (point lookups visit one table per level).
      if (icmp_->versioned() &&
          BoundsShareKey(*icmp_, fs[i - 1]->largest.Encode(),
                         fs[i]->smallest.Encode())) {
        return Status::Corruption("level " + std::to_string(level) + ": " +
                                  FileLabel(fs[i - 1]->number) + " and " +
                                  FileLabel(fs[i]->number) +
                                  " share the versions of a key");
      }
    }
    if (icmp_->bytewise()) {
      // Sorted and disjoint (checked above), so the build succeeds.
      const bool built = v->largest_keys_[static_cast<size_t>(level)].Build(
          fs.size(), [&fs](size_t i) { return fs[i]->largest.user_key(); });
      assert(built);
      (void)built;
    }
  }
  return std::shared_ptr<const Version>(std::move(v));
}

uint64_t VersionBuilder::MaxFileNumber() const {
  uint64_t max_number = 0;
  for (const auto& [number, level] : level_of_) {
    max_number = std::max(max_number, number);
  }
  if (!vlog_files_.empty()) {
    max_number = std::max(max_number, vlog_files_.rbegin()->first);
  }
  return max_number;
}

}  // namespace strata::internal
