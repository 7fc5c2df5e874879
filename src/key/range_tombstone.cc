#include "key/range_tombstone.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace strata::internal {

Status DecodeRangeTombstone(const Comparator* ucmp, const Slice& internal_key,
                            const Slice& end, RangeTombstone* out) {
  Slice begin;
  SequenceNumber sequence = 0;
  uint8_t type = 0;
  if (!SplitInternalKey(internal_key, &begin, &sequence, &type)) {
    return Status::Corruption("range tombstone with a short key");
  }
  if (type != static_cast<uint8_t>(ValueType::kRangeDeletion)) {
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
  return Status::OK();
}

FragmentedRangeTombstoneList::FragmentedRangeTombstoneList(
    const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
    SequenceNumber upper_sequence, bool newest_only, size_t max_pairs)
    : ucmp_(ucmp) {
  assert(ucmp != nullptr);
  std::erase_if(tombstones, [upper_sequence](const RangeTombstone& t) {
    return t.sequence > upper_sequence;
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

  // Sweep the cuts left to right; `active` holds the tombstones that begin
  // at or before the current cut and end after it.
  std::vector<const RangeTombstone*> active;
  std::vector<SequenceNumber> covering;
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
    for (const RangeTombstone* t : active) covering.push_back(t->sequence);
    std::sort(covering.begin(), covering.end(), std::greater<>());
    covering.erase(std::unique(covering.begin(), covering.end()),
                   covering.end());
    if (newest_only) covering.resize(1);

    // Extend the previous fragment when it touches this one and carries
    // the same sequences, so a run of equal coverage is one fragment.
    if (!fragments_.empty()) {
      Fragment& prev = fragments_.back();
      const size_t n = prev.seq_end - prev.seq_begin;
      if (ucmp->Compare(prev.end, lo) == 0 && n == covering.size() &&
          std::equal(covering.begin(), covering.end(),
                     seqs_.begin() + static_cast<ptrdiff_t>(prev.seq_begin))) {
        prev.end.assign(hi.data(), hi.size());
        continue;
      }
    }
    if (covering.size() > max_pairs - seqs_.size()) {
      fragments_.clear();
      seqs_.clear();
      overflowed_ = true;
      return;
    }
    Fragment f;
    f.begin.assign(lo.data(), lo.size());
    f.end.assign(hi.data(), hi.size());
    f.seq_begin = seqs_.size();
    seqs_.insert(seqs_.end(), covering.begin(), covering.end());
    f.seq_end = seqs_.size();
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

void FragmentedRangeTombstoneList::AppendTombstones(
    std::vector<RangeTombstone>* out) const {
  for (const Fragment& f : fragments_) {
    for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
      out->push_back(RangeTombstone{f.begin, f.end, seqs_[j]});
    }
  }
}

}  // namespace strata::internal
