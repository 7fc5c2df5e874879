// The iterator of a transaction: see txn_iterator.h.

#include "txn/txn_iterator.h"

#include <cassert>
#include <string>
#include <utility>

namespace strata::internal {
namespace {

// Invariant: when valid, `key_`, `value_` and `ts_` hold the current entry;
// `base_` is positioned at the current key if the snapshot has it, else
// past it in the direction of travel, and `own_` likewise among the own
// keys (forward: at or after the current key; reverse: at or before it,
// or !own_valid_ when none is).
class TxnIterator final : public Iterator {
 public:
  TxnIterator(TxnIteratorOptions options, std::unique_ptr<Iterator> base,
              std::shared_ptr<const WriteSet> own)
      : o_(std::move(options)),
        ucmp_(own->comparator()),
        base_(std::move(base)),
        own_set_(std::move(own)),
        keys_(own_set_->keys()) {}

  bool Valid() const override { return valid_; }
  Slice key() const override {
    assert(valid_);
    return key_;
  }
  Slice value() const override {
    assert(valid_);
    return value_;
  }
  uint64_t timestamp() const override {
    assert(valid_);
    return ts_;
  }
  Status status() const override {
    return status_.ok() ? base_->status() : status_;
  }

  void SeekToFirst() override {
    forward_ = true;
    base_->SeekToFirst();
    own_ = o_.read.lower_bound ? keys_.lower_bound(*o_.read.lower_bound)
                               : keys_.begin();
    own_valid_ = own_ != keys_.end();
    FindNext();
    RecordForward(o_.read.lower_bound.value_or(std::string()));
  }

  void Seek(const Slice& target) override {
    forward_ = true;
    std::string from = target.ToString();
    if (o_.read.lower_bound && ucmp_->Compare(from, *o_.read.lower_bound) < 0) {
      from = *o_.read.lower_bound;
    }
    base_->Seek(from);
    own_ = keys_.lower_bound(from);
    own_valid_ = own_ != keys_.end();
    FindNext();
    RecordForward(from);
  }

  void SeekToLast() override {
    forward_ = false;
    base_->SeekToLast();
    SetOwnBefore(o_.read.upper_bound ? &*o_.read.upper_bound : nullptr,
                 /*inclusive=*/false);
    FindPrev();
    if (o_.read.upper_bound) {
      RecordReverse(*o_.read.upper_bound, /*inclusive=*/false);
    } else {
      RecordReverse(std::string(), false);
    }
  }

  void SeekForPrev(const Slice& target) override {
    if (o_.read.upper_bound &&
        ucmp_->Compare(target, *o_.read.upper_bound) >= 0) {
      SeekToLast();
      return;
    }
    forward_ = false;
    const std::string to = target.ToString();
    base_->SeekForPrev(to);
    SetOwnBefore(&to, /*inclusive=*/true);
    FindPrev();
    RecordReverse(to, /*inclusive=*/true);
  }

  void Next() override {
    assert(valid_);
    const std::string from = key_;
    if (!forward_) {
      // Both sides to the first key after the current one.
      forward_ = true;
      base_->Seek(from);
      if (base_->Valid() && ucmp_->Compare(base_->key(), from) == 0) {
        base_->Next();
      }
      own_ = keys_.upper_bound(from);
      own_valid_ = own_ != keys_.end();
    } else {
      if (base_->Valid() && ucmp_->Compare(base_->key(), from) == 0) {
        base_->Next();
      }
      if (own_valid_ && ucmp_->Compare(own_->first, from) == 0)
        StepOwnForward();
    }
    FindNext();
    RecordForward(from);
  }

  void Prev() override {
    assert(valid_);
    const std::string to = key_;
    if (forward_) {
      forward_ = false;
      base_->SeekForPrev(to);
      if (base_->Valid() && ucmp_->Compare(base_->key(), to) == 0) {
        base_->Prev();
      }
      SetOwnBefore(&to, /*inclusive=*/false);
    } else {
      if (base_->Valid() && ucmp_->Compare(base_->key(), to) == 0) {
        base_->Prev();
      }
      if (own_valid_ && ucmp_->Compare(own_->first, to) == 0) StepOwnBack();
    }
    FindPrev();
    RecordReverse(to, /*inclusive=*/true);
  }

 private:
  void StepOwnForward() {
    ++own_;
    own_valid_ = own_ != keys_.end();
  }
  void StepOwnBack() {
    if (own_ == keys_.begin()) {
      own_valid_ = false;
    } else {
      --own_;
    }
  }
  // The own cursor to the last key before `*limit` (or at it, when
  // `inclusive`); null: the last key.
  void SetOwnBefore(const std::string* limit, bool inclusive) {
    own_ = limit == nullptr ? keys_.end()
           : inclusive      ? keys_.upper_bound(*limit)
                            : keys_.lower_bound(*limit);
    own_valid_ = own_ != keys_.begin();
    if (own_valid_) --own_;
  }

  bool OwnInBounds() const {
    if (!own_valid_) return false;
    const std::string& k = own_->first;
    if (o_.read.lower_bound && ucmp_->Compare(k, *o_.read.lower_bound) < 0) {
      return false;
    }
    if (o_.read.upper_bound && ucmp_->Compare(k, *o_.read.upper_bound) >= 0) {
      return false;
    }
    return true;
  }

  // Decides the entry of `key` from the snapshot's (when `in_base`, base_
  // is at it) and the own writes; true (and saved) if it is live.
  bool Decide(const Slice& key, bool in_base, bool in_own) {
    WriteSet::Effect e;
    if (in_own || (!o_.read.as_of && own_set_->has_ranges())) {
      e = own_set_->Lookup(key, o_.read.as_of);
    }
    bool use_own = false;
    if (e.state != WriteSet::Effect::State::kNone) {
      if (e.untimed || !o_.versioned) {
        use_own = true;
      } else if (in_base) {
        use_own = base_->timestamp() <= e.ts;
      } else if (o_.base_timestamp) {
        // The snapshot may hold a newer tombstone the base iterator hides.
        uint64_t base_ts = 0;
        status_ = o_.base_timestamp(key, &base_ts);
        if (!status_.ok()) return false;
        use_own = base_ts <= e.ts;
      } else {
        use_own = true;
      }
    }
    if (!use_own) {
      if (!in_base) return false;
      key_.assign(key.data(), key.size());
      const Slice v = base_->value();
      value_.assign(v.data(), v.size());
      ts_ = base_->timestamp();
      return true;
    }
    if (e.state == WriteSet::Effect::State::kDeleted) return false;
    key_.assign(key.data(), key.size());
    if (o_.read.keys_only) {
      value_.clear();
    } else {
      value_ = *e.value;
    }
    ts_ = e.untimed ? 0 : e.ts;
    return true;
  }

  void FindNext() { Find(/*forward=*/true); }
  void FindPrev() { Find(/*forward=*/false); }

  // Moves to the first live entry in the direction of travel from where
  // both sides stand: the nearer of the two keys (both, when equal).
  void Find(bool forward) {
    for (;;) {
      if (!status().ok()) break;
      const bool b = base_->Valid();
      const bool o = OwnInBounds();
      if (!b && !o) break;
      // < 0: the base's key comes first in the direction of travel.
      int c = b && o ? ucmp_->Compare(base_->key(), own_->first) : (b ? -1 : 1);
      if (!forward && b && o) c = -c;
      const Slice k = c <= 0 ? base_->key() : Slice(own_->first);
      if (Decide(k, c <= 0, c >= 0)) {
        valid_ = true;
        return;
      }
      if (c <= 0) forward ? base_->Next() : base_->Prev();
      if (c >= 0) forward ? StepOwnForward() : StepOwnBack();
    }
    valid_ = false;
  }

  // Reports `r` unless it is empty (a seek past a bound covers nothing).
  void Report(ScannedRange r) {
    if (!IsEmptyRange(ucmp_, r)) o_.on_scan(std::move(r));
  }

  // Serializable: the range a forward move from `from` (inclusive; empty:
  // the start) covered.
  void RecordForward(const std::string& from) {
    if (!o_.on_scan) return;
    ScannedRange r;
    r.begin = from;
    if (valid_) {
      r.end = key_;
      r.end_inclusive = true;
    } else if (o_.read.upper_bound) {
      r.end = *o_.read.upper_bound;
    }
    Report(std::move(r));
  }
  // The range a backward move to `to` (inclusive or not; empty: the end)
  // covered.
  void RecordReverse(const std::string& to, bool inclusive) {
    if (!o_.on_scan) return;
    ScannedRange r;
    r.end = to;
    r.end_inclusive = inclusive;
    if (valid_) {
      r.begin = key_;
    } else if (o_.read.lower_bound) {
      r.begin = *o_.read.lower_bound;
    }
    Report(std::move(r));
  }

  const TxnIteratorOptions o_;
  const Comparator* const ucmp_;
  std::unique_ptr<Iterator> base_;
  const std::shared_ptr<const WriteSet> own_set_;
  const WriteSet::KeyMap& keys_;
  WriteSet::KeyMap::const_iterator own_;
  bool own_valid_ = false;
  bool forward_ = true;
  bool valid_ = false;
  Status status_;  // the first error of a base_timestamp lookup
  std::string key_;
  std::string value_;
  uint64_t ts_ = 0;
};

}  // namespace

std::unique_ptr<Iterator> NewTxnIterator(TxnIteratorOptions options,
                                         std::unique_ptr<Iterator> base,
                                         std::shared_ptr<const WriteSet> own) {
  return std::make_unique<TxnIterator>(std::move(options), std::move(base),
                                       std::move(own));
}

}  // namespace strata::internal
