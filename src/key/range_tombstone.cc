#include "key/range_tombstone.h"

#include <algorithm>
#include <cassert>
#include <functional>

#include "base/coding.h"

namespace strata::internal {

void EncodeRangeTombstone(const RangeTombstone& t, std::string* internal_key,
                          std::string* value) {
  if (internal_key != nullptr) {
    internal_key->clear();
    AppendInternalKey(internal_key, t.begin, t.sequence,
                      static_cast<uint8_t>(
                          t.timestamp == 0 ? ValueType::kRangeDeletion
                                           : ValueType::kTimedRangeDeletion));
  }
  value->clear();
  if (t.timestamp != 0) PutFixed64(value, t.timestamp);
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

std::vector<Slice> RangeTombstoneCutPoints(
    const Comparator* ucmp, const std::vector<RangeTombstone>& tombstones) {
  std::vector<Slice> cuts;
  cuts.reserve(tombstones.size() * 2);
  for (const RangeTombstone& t : tombstones) {
    assert(ucmp->Compare(t.begin, t.end) < 0);
    cuts.emplace_back(t.begin);
    cuts.emplace_back(t.end);
  }
  std::sort(cuts.begin(), cuts.end(), [ucmp](const Slice& a, const Slice& b) {
    return ucmp->Compare(a, b) < 0;
  });
  cuts.erase(std::unique(cuts.begin(), cuts.end(),
                         [ucmp](const Slice& a, const Slice& b) {
                           return ucmp->Compare(a, b) == 0;
                         }),
             cuts.end());
  return cuts;
}

FragmentedRangeTombstoneList::FragmentedRangeTombstoneList(
    const Comparator* ucmp, std::vector<RangeTombstone> tombstones,
    SequenceNumber upper_sequence, bool newest_only, size_t max_pairs,
    uint64_t max_timestamp)
    : ucmp_(ucmp) {
  assert(ucmp != nullptr);
  std::vector<RangeTombstone> plain;
  for (RangeTombstone& t : tombstones) {
    if (t.sequence > upper_sequence || t.timestamp > max_timestamp) continue;
    (t.timestamp == 0 ? plain : timed_).push_back(std::move(t));
  }
  const auto by_begin = [ucmp](const RangeTombstone& a,
                               const RangeTombstone& b) {
    const int r = ucmp->Compare(a.begin, b.begin);
    return r != 0 ? r < 0 : a.sequence > b.sequence;
  };
  std::sort(plain.begin(), plain.end(), by_begin);
  std::sort(timed_.begin(), timed_.end(), by_begin);
  // A tombstone is one sequence: the same one twice (from two sources'
  // copies of it) is kept once.
  timed_.erase(
      std::unique(timed_.begin(), timed_.end(),
                  [ucmp](const RangeTombstone& a, const RangeTombstone& b) {
                    return a.sequence == b.sequence &&
                           ucmp->Compare(a.begin, b.begin) == 0 &&
                           ucmp->Compare(a.end, b.end) == 0;
                  }),
      timed_.end());
  FragmentPlain(std::move(plain), newest_only, max_pairs);
  if (overflowed_) {
    timed_.clear();
    return;
  }
  IndexTimed(newest_only);
}

void FragmentedRangeTombstoneList::FragmentPlain(
    std::vector<RangeTombstone> plain, bool newest_only, size_t max_pairs) {
  std::vector<SequenceNumber> covering;
  SweepRangeTombstones(
      ucmp_, plain,
      [&](const Slice& lo, const Slice& hi,
          const std::vector<const RangeTombstone*>& active) {
        if (overflowed_) return;
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
          if (ucmp_->Compare(prev.end, lo) == 0 && n == covering.size() &&
              std::equal(
                  covering.begin(), covering.end(),
                  seqs_.begin() + static_cast<ptrdiff_t>(prev.seq_begin))) {
            prev.end.assign(hi.data(), hi.size());
            return;
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
      });
}

void FragmentedRangeTombstoneList::IndexTimed(bool newest_only) {
  if (timed_.empty()) return;
  timed_indexed_ = true;
  std::vector<TimedTombstone> pairs;
  SweepRangeTombstones(
      ucmp_, timed_,
      [&](const Slice& lo, const Slice& hi,
          const std::vector<const RangeTombstone*>& active) {
        if (!timed_indexed_) return;
        pairs.clear();
        for (const RangeTombstone* t : active) {
          pairs.push_back(TimedTombstone{t->timestamp, t->sequence});
        }
        const auto newer = [](const TimedTombstone& a,
                              const TimedTombstone& b) {
          return a.NewerThan(b.timestamp, b.sequence);
        };
        if (newest_only) {
          // min_element under "newer": the newest.
          pairs = {*std::min_element(pairs.begin(), pairs.end(), newer)};
        } else {
          std::sort(pairs.begin(), pairs.end(), newer);
        }
        const auto same = [](const TimedTombstone& a, const TimedTombstone& b) {
          return a.timestamp == b.timestamp && a.sequence == b.sequence;
        };
        if (!timed_fragments_.empty()) {
          TimedFragment& prev = timed_fragments_.back();
          if (ucmp_->Compare(prev.end, lo) == 0 &&
              prev.pair_end - prev.pair_begin == pairs.size() &&
              std::equal(pairs.begin(), pairs.end(),
                         timed_pairs_.begin() +
                             static_cast<ptrdiff_t>(prev.pair_begin),
                         same)) {
            prev.end.assign(hi.data(), hi.size());
            return;
          }
        }
        if (timed_pairs_.size() + pairs.size() > kMaxTimedIndexPairs) {
          // Too nested to index: lookups scan the tombstones instead.
          timed_indexed_ = false;
          timed_fragments_.clear();
          timed_pairs_.clear();
          return;
        }
        TimedFragment f;
        f.begin.assign(lo.data(), lo.size());
        f.end.assign(hi.data(), hi.size());
        f.pair_begin = timed_pairs_.size();
        timed_pairs_.insert(timed_pairs_.end(), pairs.begin(), pairs.end());
        f.pair_end = timed_pairs_.size();
        timed_fragments_.push_back(std::move(f));
      });
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

TimedTombstone FragmentedRangeTombstoneList::MaxCoveringTimed(
    const Slice& user_key, uint64_t as_of, SequenceNumber read_sequence) const {
  const auto sees = [&](uint64_t ts, SequenceNumber seq) {
    return ts <= as_of && seq <= read_sequence;
  };
  TimedTombstone best;
  if (timed_.empty()) return best;
  if (timed_indexed_) {
    const auto it = std::upper_bound(
        timed_fragments_.begin(), timed_fragments_.end(), user_key,
        [this](const Slice& key, const TimedFragment& f) {
          return ucmp_->Compare(key, f.end) < 0;
        });
    if (it == timed_fragments_.end() ||
        ucmp_->Compare(it->begin, user_key) > 0) {
      return best;
    }
    // Newest first: the first one the reader sees is the newest it sees.
    for (size_t j = it->pair_begin; j < it->pair_end; ++j) {
      if (sees(timed_pairs_[j].timestamp, timed_pairs_[j].sequence)) {
        return timed_pairs_[j];
      }
    }
    return best;
  }
  for (const RangeTombstone& t : timed_) {
    if (ucmp_->Compare(t.begin, user_key) > 0) break;  // ordered by begin
    if (ucmp_->Compare(user_key, t.end) < 0 && sees(t.timestamp, t.sequence) &&
        TimedTombstone{t.timestamp, t.sequence}.NewerThan(best.timestamp,
                                                          best.sequence)) {
      best = TimedTombstone{t.timestamp, t.sequence};
    }
  }
  return best;
}

bool FragmentedRangeTombstoneList::AnyEndsAfter(const Slice& user_key) const {
  if (LowerBound(user_key) < fragments_.size()) return true;
  for (const RangeTombstone& t : timed_) {
    if (ucmp_->Compare(t.end, user_key) > 0) return true;
  }
  return false;
}

void FragmentedRangeTombstoneList::AppendTombstones(
    std::vector<RangeTombstone>* out) const {
  for (const Fragment& f : fragments_) {
    for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
      out->push_back(RangeTombstone{f.begin, f.end, seqs_[j], 0});
    }
  }
  out->insert(out->end(), timed_.begin(), timed_.end());
}

}  // namespace strata::internal
