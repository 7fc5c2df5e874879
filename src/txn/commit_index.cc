// CommitIndex: see commit_index.h.

#include "txn/commit_index.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace strata::internal {

namespace {

// Bytes an entry costs beside its key: map node, order entry, allocator.
constexpr size_t kEntryOverhead = 80;

}  // namespace

CommitIndex::CommitIndex(const Comparator* ucmp, size_t max_bytes)
    : ucmp_(ucmp), max_bytes_(max_bytes), keys_(Less{ucmp}) {}

void CommitIndex::Register() {
  MutexLock lock(&mu_);
  live_.fetch_add(1, std::memory_order_seq_cst);
}

void CommitIndex::SetSnapshot(SequenceNumber snapshot) {
  MutexLock lock(&mu_);
  assert(snapshots_.size() < live_.load(std::memory_order_relaxed));
  snapshots_.insert(snapshot);
  PruneLocked();
}

void CommitIndex::Unregister(SequenceNumber snapshot, bool declared) {
  MutexLock lock(&mu_);
  assert(live_.load(std::memory_order_relaxed) > 0);
  live_.fetch_sub(1, std::memory_order_seq_cst);
  if (declared) {
    const auto it = snapshots_.find(snapshot);
    assert(it != snapshots_.end());
    if (it != snapshots_.end()) snapshots_.erase(it);
  }
  if (live_.load(std::memory_order_relaxed) == 0) {
    // Nobody can conflict with anything recorded: start afresh. The floor
    // stays: a later transaction's window never reaches below its own
    // registration, which is after everything here.
    keys_.clear();
    order_.clear();
    ranges_.clear();
    bytes_ = 0;
    return;
  }
  PruneLocked();
}

void CommitIndex::Record(const std::vector<Write>& writes) {
  MutexLock lock(&mu_);
  if (live_.load(std::memory_order_relaxed) == 0) return;
  for (const Write& w : writes) {
    if (w.is_range) {
      AddRange(w.key, w.end, w.sequence);
    } else {
      AddKey(w.key, w.sequence);
    }
  }
  PruneLocked();
}

void CommitIndex::AddKey(const Slice& key, SequenceNumber seq) {
  auto [it, inserted] = keys_.try_emplace(key.ToString(), seq);
  if (inserted) {
    bytes_ += key.size() + kEntryOverhead;
  } else {
    it->second = seq;  // the older order entry now points at a newer one
  }
  order_.push_back(Recorded{seq, it});
}

void CommitIndex::AddRange(const Slice& begin, const Slice& end,
                           SequenceNumber seq) {
  ranges_.push_back(DeletedRange{begin.ToString(), end.ToString(), seq});
  bytes_ += begin.size() + end.size() + kEntryOverhead;
}

SequenceNumber CommitIndex::DropOldest() {
  const bool key_first =
      !order_.empty() &&
      (ranges_.empty() || order_.front().sequence <= ranges_.front().sequence);
  if (key_first) {
    const Recorded r = order_.front();
    order_.pop_front();
    // The node is this entry's only if no later write of the key took it.
    if (r.key->second == r.sequence) {
      bytes_ -= r.key->first.size() + kEntryOverhead;
      keys_.erase(r.key);
    }
    return r.sequence;
  }
  assert(!ranges_.empty());
  const DeletedRange& r = ranges_.front();
  const SequenceNumber seq = r.sequence;
  bytes_ -= r.begin.size() + r.end.size() + kEntryOverhead;
  ranges_.pop_front();
  return seq;
}

void CommitIndex::PruneLocked() {
  const auto has_entries = [this]() STRATA_REQUIRES(mu_) {
    return !order_.empty() || !ranges_.empty();
  };
  const auto oldest_entry = [this]() STRATA_REQUIRES(mu_) {
    SequenceNumber seq = kMaxSequenceNumber;
    if (!order_.empty()) seq = order_.front().sequence;
    if (!ranges_.empty()) seq = std::min(seq, ranges_.front().sequence);
    return seq;
  };
  // What no live transaction's window reaches: at or below the oldest
  // snapshot, once every live one has declared its snapshot.
  if (!snapshots_.empty() &&
      snapshots_.size() == live_.load(std::memory_order_relaxed)) {
    const SequenceNumber oldest = *snapshots_.begin();
    while (has_entries() && oldest_entry() <= oldest) (void)DropOldest();
  }
  // Past the bound: the oldest go, and the floor rises past them, but not
  // past a pinned sequence.
  const SequenceNumber limit =
      pins_.empty() ? kMaxSequenceNumber : *pins_.begin();
  while (bytes_ > max_bytes_ && has_entries() && oldest_entry() <= limit) {
    floor_ = std::max(floor_, DropOldest());
  }
}

bool IsEmptyRange(const Comparator* ucmp, const ScannedRange& r) {
  if (r.begin.empty() || r.end.empty()) return false;
  const int c = ucmp->Compare(r.begin, r.end);
  return c > 0 || (c == 0 && !r.end_inclusive);
}

SequenceNumber CommitIndex::PinFloor() {
  MutexLock lock(&mu_);
  pins_.insert(floor_);
  return floor_;
}

bool CommitIndex::Pin(SequenceNumber sequence) {
  MutexLock lock(&mu_);
  if (floor_ > sequence) return false;
  pins_.insert(sequence);
  return true;
}

void CommitIndex::Unpin(SequenceNumber sequence) {
  MutexLock lock(&mu_);
  const auto it = pins_.find(sequence);
  assert(it != pins_.end());
  if (it != pins_.end()) pins_.erase(it);
  PruneLocked();
}

bool CommitIndex::InRange(const Slice& key, const Slice& begin,
                          const Slice& end) const {
  return (begin.empty() || ucmp_->Compare(key, begin) >= 0) &&
         (end.empty() || ucmp_->Compare(key, end) < 0);
}

bool CommitIndex::InScanned(const Slice& key, const ScannedRange& range) const {
  if (!range.begin.empty() && ucmp_->Compare(key, range.begin) < 0) {
    return false;
  }
  if (range.end.empty()) return true;
  const int r = ucmp_->Compare(key, range.end);
  return range.end_inclusive ? r <= 0 : r < 0;
}

CommitIndex::Answer CommitIndex::Check(const std::vector<std::string>& keys,
                                       const std::vector<ScannedRange>& ranges,
                                       SequenceNumber after,
                                       std::string* what) const {
  MutexLock lock(&mu_);
  if (after < floor_) return Answer::kUnknown;
  // Deleted ranges written after `after` (newest last).
  std::vector<const DeletedRange*> recent;
  for (auto it = ranges_.rbegin(); it != ranges_.rend() && it->sequence > after;
       ++it) {
    recent.push_back(&*it);
  }
  for (const std::string& key : keys) {
    const auto it = keys_.find(key);
    if (it != keys_.end() && it->second > after) {
      *what = "key '" + key + "' was written at sequence " +
              std::to_string(it->second);
      return Answer::kConflict;
    }
    for (const DeletedRange* r : recent) {
      if (InRange(key, r->begin, r->end)) {
        *what = "key '" + key + "' was deleted by a range at sequence " +
                std::to_string(r->sequence);
        return Answer::kConflict;
      }
    }
  }
  // Keys written after `after`: the newest entries of the commit order
  // (under the pipeline's mutex, so walked rather than the map, whose
  // entries inside a wide scanned range could be far more).
  std::vector<const Recorded*> recent_keys;
  if (!ranges.empty()) {
    for (auto it = order_.rbegin(); it != order_.rend() && it->sequence > after;
         ++it) {
      recent_keys.push_back(&*it);
    }
  }
  for (const ScannedRange& range : ranges) {
    for (const Recorded* r : recent_keys) {
      if (InScanned(r->key->first, range)) {
        *what = "key '" + r->key->first +
                "' in a scanned range was written at sequence " +
                std::to_string(r->sequence);
        return Answer::kConflict;
      }
    }
    for (const DeletedRange* r : recent) {
      // [r.begin, r.end) meets [range.begin, range.end)?
      const int to_end =
          range.end.empty() ? -1 : ucmp_->Compare(r->begin, range.end);
      const bool before_end = range.end_inclusive ? to_end <= 0 : to_end < 0;
      const bool after_begin =
          range.begin.empty() || ucmp_->Compare(range.begin, r->end) < 0;
      if (before_end && after_begin) {
        *what = "a scanned range was deleted in part at sequence " +
                std::to_string(r->sequence);
        return Answer::kConflict;
      }
    }
  }
  return Answer::kNoConflict;
}

SequenceNumber CommitIndex::floor() const {
  MutexLock lock(&mu_);
  return floor_;
}

size_t CommitIndex::ApproximateBytes() const {
  MutexLock lock(&mu_);
  return bytes_;
}

size_t CommitIndex::NumEntries() const {
  MutexLock lock(&mu_);
  return keys_.size() + ranges_.size();
}

}  // namespace strata::internal
