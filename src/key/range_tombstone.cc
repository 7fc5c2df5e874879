#include "key/range_tombstone.h"

#include <algorithm>
#include <cassert>
#include <functional>

#include "base/coding.h"

namespace strata::internal {

void EncodeRangeTombstone(const RangeTombstone& t, std::string* internal_key,
                          std::string* value) {
  internal_key->clear();
  value->clear();
  if (t.timestamp == 0) {
    AppendInternalKey(internal_key, t.begin, t.sequence,
                      static_cast<uint8_t>(ValueType::kRangeDeletion));
  } else {
    AppendInternalKey(internal_key, t.begin, t.sequence,
                      static_cast<uint8_t>(ValueType::kTimedRangeDeletion));
    PutFixed64(value, t.timestamp);
  }
  value->append(t.end);
}

Status DecodeRangeTombstone(const Comparator* ucmp, const Slice& internal_key,
                            const Slice& value, RangeTombstone* out) {
  Slice begin;
  SequenceNumber sequence = 0;
  uint8_t type = 0;
  if (!SplitInternalKey(internal_key, &begin, &sequence, &type)) {
    return Status::Corruption("range tombstone with a short key");
  }
  Slice end = value;
  uint64_t timestamp = 0;
  if (type == static_cast<uint8_t>(ValueType::kTimedRangeDeletion)) {
    if (end.size() < kTimestampSize) {
      return Status::Corruption("timed range tombstone without a timestamp");
    }
    timestamp = DecodeFixed64(end.data());
    end.remove_prefix(kTimestampSize);
    if (timestamp == 0) {
      return Status::Corruption("timed range tombstone at timestamp 0");
    }
  } else if (type != static_cast<uint8_t>(ValueType::kRangeDeletion)) {
    return Status::Corruption("range tombstone with type " +
                              std::to_string(type));
  }
  if (begin.empty() || end.empty() || ucmp->Compare(begin, end) >= 0) {
    return Status::Corruption(
        "range tombstone with an empty or reversed range");
  }
  out->begin.assign(begin.data(), begin.size());
  out->end.assign(end.data(), end.size());
  out->sequence = sequence;
  out->timestamp = timestamp;
  return Status::OK();
}

FragmentedRangeTombstoneList::FragmentedRangeTombstoneList(
    const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
    SequenceNumber upper_sequence, bool newest_only, size_t max_pairs,
    uint64_t max_timestamp)
    : ucmp_(ucmp) {
  assert(ucmp != nullptr);
  std::erase_if(tombstones, [&](const RangeTombstone& t) {
    return t.sequence > upper_sequence || t.timestamp > max_timestamp;
  });
  if (tombstones.empty()) return;
  const auto less = [ucmp](const Slice& a, const Slice& b) {
    return ucmp->Compare(a, b) < 0;
  };
  std::sort(tombstones.begin(), tombstones.end(),
            [&less](const RangeTombstone& a, const RangeTombstone& b) {
              return less(a.begin, b.begin);
            });

  // Every begin and end is a cut point.
  std::vector<Slice> cuts;
  cuts.reserve(tombstones.size() * 2);
  for (const RangeTombstone& t : tombstones) {
    assert(less(t.begin, t.end));
    cuts.emplace_back(t.begin);
    cuts.emplace_back(t.end);
  }
  std::sort(cuts.begin(), cuts.end(), less);
  cuts.erase(std::unique(cuts.begin(), cuts.end(),
                         [ucmp](const Slice& a, const Slice& b) {
                           return ucmp->Compare(a, b) == 0;
                         }),
             cuts.end());

  const auto newer = [](const TimedTombstone& a, const TimedTombstone& b) {
    return a.NewerThan(b.timestamp, b.sequence);
  };
  const auto same = [](const TimedTombstone& a, const TimedTombstone& b) {
    return a.timestamp == b.timestamp && a.sequence == b.sequence;
  };
  // Sweep the cuts left to right; `active` holds the tombstones that begin
  // at or before the current cut and end after it.
  std::vector<const RangeTombstone*> active;
  std::vector<SequenceNumber> covering;
  std::vector<TimedTombstone> timed;
  size_t next = 0;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const Slice lo = cuts[i];
    const Slice hi = cuts[i + 1];
    while (next < tombstones.size() &&
           ucmp->Compare(tombstones[next].begin, lo) <= 0) {
      active.push_back(&tombstones[next++]);
    }
    std::erase_if(active, [&](const RangeTombstone* t) {
      return ucmp->Compare(t->end, lo) <= 0;
    });
    if (active.empty()) continue;
    covering.clear();
    timed.clear();
    for (const RangeTombstone* t : active) {
      if (t->timestamp == 0) {
        covering.push_back(t->sequence);
      } else {
        timed.push_back(TimedTombstone{t->timestamp, t->sequence});
      }
    }
    std::sort(covering.begin(), covering.end(), std::greater<>());
    covering.erase(std::unique(covering.begin(), covering.end()),
                   covering.end());
    std::sort(timed.begin(), timed.end(), newer);
    timed.erase(std::unique(timed.begin(), timed.end(), same), timed.end());
    if (newest_only) {
      covering.resize(std::min<size_t>(covering.size(), 1));
      timed.resize(std::min<size_t>(timed.size(), 1));
    }

    // Extend the previous fragment when it touches this one and carries
    // the same tombstones, so a run of equal coverage is one fragment.
    if (!fragments_.empty()) {
      Fragment& prev = fragments_.back();
      if (ucmp->Compare(prev.end, lo) == 0 &&
          prev.seq_end - prev.seq_begin == covering.size() &&
          prev.timed_end - prev.timed_begin == timed.size() &&
          std::equal(covering.begin(), covering.end(),
                     seqs_.begin() + static_cast<ptrdiff_t>(prev.seq_begin)) &&
          std::equal(timed.begin(), timed.end(),
                     timed_.begin() + static_cast<ptrdiff_t>(prev.timed_begin),
                     same)) {
        prev.end.assign(hi.data(), hi.size());
        continue;
      }
    }
    if (covering.size() + timed.size() > max_pairs - NumTombstones()) {
      fragments_.clear();
      seqs_.clear();
      timed_.clear();
      overflowed_ = true;
      return;
    }
    Fragment f;
    f.begin.assign(lo.data(), lo.size());
    f.end.assign(hi.data(), hi.size());
    f.seq_begin = seqs_.size();
    seqs_.insert(seqs_.end(), covering.begin(), covering.end());
    f.seq_end = seqs_.size();
    f.timed_begin = timed_.size();
    timed_.insert(timed_.end(), timed.begin(), timed.end());
    f.timed_end = timed_.size();
    fragments_.push_back(std::move(f));
  }
}

size_t FragmentedRangeTombstoneList::LowerBound(const Slice& user_key) const {
  const auto it =
      std::upper_bound(fragments_.begin(), fragments_.end(), user_key,
                       [this](const Slice& key, const Fragment& f) {
                         return ucmp_->Compare(key, f.end) < 0;
                       });
  return static_cast<size_t>(it - fragments_.begin());
}

size_t FragmentedRangeTombstoneList::Find(const Slice& user_key) const {
  const size_t i = LowerBound(user_key);
  if (i < fragments_.size() &&
      ucmp_->Compare(fragments_[i].begin, user_key) <= 0) {
    return i;
  }
  return fragments_.size();
}

SequenceNumber FragmentedRangeTombstoneList::FragmentMaxSequence(
    size_t i, SequenceNumber read_sequence) const {
  assert(i < fragments_.size());
  const Fragment& f = fragments_[i];
  // Descending: the first one not above read_sequence.
  for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
    if (seqs_[j] <= read_sequence) return seqs_[j];
  }
  return 0;
}

SequenceNumber FragmentedRangeTombstoneList::MaxCoveringSequence(
    const Slice& user_key, SequenceNumber read_sequence) const {
  if (fragments_.empty()) return 0;
  const size_t i = Find(user_key);
  if (i == fragments_.size()) return 0;
  return FragmentMaxSequence(i, read_sequence);
}

TimedTombstone FragmentedRangeTombstoneList::FragmentMaxTimed(
    size_t i, uint64_t as_of, SequenceNumber read_sequence) const {
  assert(i < fragments_.size());
  const Fragment& f = fragments_[i];
  // Newest first: the first one the reader sees is the newest it sees.
  for (size_t j = f.timed_begin; j < f.timed_end; ++j) {
    if (timed_[j].timestamp <= as_of && timed_[j].sequence <= read_sequence) {
      return timed_[j];
    }
  }
  return TimedTombstone{};
}

TimedTombstone FragmentedRangeTombstoneList::MaxCoveringTimed(
    const Slice& user_key, uint64_t as_of, SequenceNumber read_sequence) const {
  if (timed_.empty()) return TimedTombstone{};
  const size_t i = Find(user_key);
  if (i == fragments_.size()) return TimedTombstone{};
  return FragmentMaxTimed(i, as_of, read_sequence);
}

void FragmentedRangeTombstoneList::AppendFragmentTombstones(
    size_t i, std::vector<RangeTombstone>* out) const {
  assert(i < fragments_.size());
  const Fragment& f = fragments_[i];
  // Plain and timed merged by sequence, descending: internal key order for
  // one begin key (a sequence belongs to one tombstone, of either kind).
  std::vector<TimedTombstone> timed(
      timed_.begin() + static_cast<ptrdiff_t>(f.timed_begin),
      timed_.begin() + static_cast<ptrdiff_t>(f.timed_end));
  std::sort(timed.begin(), timed.end(),
            [](const TimedTombstone& a, const TimedTombstone& b) {
              return a.sequence > b.sequence;
            });
  size_t j = f.seq_begin;
  size_t k = 0;
  while (j < f.seq_end || k < timed.size()) {
    if (k == timed.size() || (j < f.seq_end && seqs_[j] > timed[k].sequence)) {
      out->push_back(RangeTombstone{f.begin, f.end, seqs_[j++], 0});
    } else {
      out->push_back(RangeTombstone{f.begin, f.end, timed[k].sequence,
                                    timed[k].timestamp});
      ++k;
    }
  }
}

void FragmentedRangeTombstoneList::AppendTombstones(
    std::vector<RangeTombstone>* out) const {
  for (size_t i = 0; i < fragments_.size(); ++i) {
    AppendFragmentTombstones(i, out);
  }
}

}  // namespace strata::internal
