#include "db/db_iter.h"

#include <cassert>
#include <utility>

namespace strata::internal {
namespace {

// Invariants:
//  - direction kForward: when valid, `source_` is at the newest visible
//    version of the current user key, which key()/value() read directly.
//  - direction kReverse: when valid, the current entry is copied into
//    `saved_key_`/`saved_value_`, and `source_` is positioned before every
//    version of it (at an older user key, or invalid).
class DBIter final : public Iterator {
 public:
  DBIter(const DBIterOptions& options, std::unique_ptr<InternalIterator> source,
         std::shared_ptr<const void> pinned)
      : ucmp_(options.user_comparator),
        sequence_(options.sequence),
        lower_(options.lower_bound),
        upper_(options.upper_bound),
        keys_only_(options.keys_only),
        range_tombstones_(options.range_tombstones),
        pinned_(std::move(pinned)),
        source_(std::move(source)) {}

  bool Valid() const override { return valid_; }

  Slice key() const override {
    assert(valid_);
    return direction_ == Direction::kForward ? ExtractUserKey(source_->key())
                                             : Slice(saved_key_);
  }

  Slice value() const override {
    assert(valid_);
    if (keys_only_) return Slice();
    return direction_ == Direction::kForward ? source_->value()
                                             : Slice(saved_value_);
  }

  Status status() const override {
    return status_.ok() ? source_->status() : status_;
  }

  void SeekToFirst() override {
    direction_ = Direction::kForward;
    if (lower_) {
      SeekInternal(*lower_);
    } else {
      source_->SeekToFirst();
    }
    FindNextUserEntry(/*skipping=*/false, Slice());
  }

  void Seek(const Slice& target) override {
    direction_ = Direction::kForward;
    if (lower_ && ucmp_->Compare(target, *lower_) < 0) {
      SeekInternal(*lower_);
    } else {
      SeekInternal(target);
    }
    FindNextUserEntry(/*skipping=*/false, Slice());
  }

  void SeekToLast() override {
    direction_ = Direction::kReverse;
    if (upper_) {
      PositionBeforeUserKey(*upper_);
    } else {
      source_->SeekToLast();
    }
    FindPrevUserEntry();
  }

  void SeekForPrev(const Slice& target) override {
    direction_ = Direction::kReverse;
    if (upper_ && ucmp_->Compare(target, *upper_) >= 0) {
      PositionBeforeUserKey(*upper_);
    } else {
      // The smallest internal key of `target` is (target, 0, lowest type):
      // the last entry <= it is the oldest version of target, or earlier.
      scratch_.clear();
      AppendInternalKey(&scratch_, target, 0, 0);
      source_->SeekForPrev(scratch_);
    }
    FindPrevUserEntry();
  }

  void Next() override {
    assert(valid_);
    if (direction_ == Direction::kReverse) {
      // `source_` is before the current key; step onto its versions.
      direction_ = Direction::kForward;
      if (!source_->Valid()) {
        source_->SeekToFirst();
      } else {
        source_->Next();
      }
      // Now at the first version of the current key (saved_key_), which we
      // skip along with its older versions.
      FindNextUserEntry(/*skipping=*/true, saved_key_);
      return;
    }
    // Skip the rest of the current key's versions.
    saved_key_.assign(ExtractUserKey(source_->key()).data(),
                      ExtractUserKey(source_->key()).size());
    source_->Next();
    FindNextUserEntry(/*skipping=*/true, saved_key_);
  }

  void Prev() override {
    assert(valid_);
    if (direction_ == Direction::kForward) {
      // Move `source_` before every version of the current key.
      saved_key_.assign(ExtractUserKey(source_->key()).data(),
                        ExtractUserKey(source_->key()).size());
      for (;;) {
        source_->Prev();
        if (!source_->Valid()) break;
        ParsedInternalKey ikey;
        if (!Parse(&ikey)) return;
        if (ucmp_->Compare(ikey.user_key, saved_key_) < 0) break;
      }
      direction_ = Direction::kReverse;
    }
    FindPrevUserEntry();
  }

 private:
  enum class Direction { kForward, kReverse };

  void SeekInternal(const Slice& user_key) {
    scratch_.clear();
    AppendInternalKey(&scratch_, user_key, sequence_, kTypeForSeek);
    source_->Seek(scratch_);
  }

  // Positions `source_` at the last entry whose user key is < `user_key`.
  void PositionBeforeUserKey(const Slice& user_key) {
    scratch_.clear();
    AppendInternalKey(&scratch_, user_key, kMaxSequenceNumber, kTypeForSeek);
    source_->Seek(scratch_);
    if (source_->Valid()) {
      source_->Prev();
    } else if (source_->status().ok()) {
      source_->SeekToLast();
    }
  }

  bool Parse(ParsedInternalKey* ikey) {
    if (!ParseInternalKey(source_->key(), ikey)) {
      status_ = Status::Corruption("iterator", "malformed internal key");
      valid_ = false;
      return false;
    }
    return true;
  }

  // The sequence of the tombstone covering `user_key` (0: none), and in
  // `*fragment` the index of its fragment.
  SequenceNumber Covering(const Slice& user_key, size_t* fragment) {
    const FragmentedRangeTombstoneList& list = *range_tombstones_;
    // Reads move through keys in order, so the last fragment is often the
    // one wanted again.
    if (fragment_hint_ >= list.size() ||
        ucmp_->Compare(user_key, list.fragment(fragment_hint_).begin) < 0 ||
        ucmp_->Compare(user_key, list.fragment(fragment_hint_).end) >= 0) {
      fragment_hint_ = list.Find(user_key);
      if (fragment_hint_ == list.size()) return 0;
    }
    *fragment = fragment_hint_;
    return list.seq(list.fragment(fragment_hint_).seq_begin);
  }

  // Moves forward from the current source position to the newest visible
  // live version of the next user key. When `skipping`, versions of
  // `skip_key` are passed over.
  void FindNextUserEntry(bool skipping, Slice skip_key) {
    std::string skip_storage;
    while (source_->Valid()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) return;
      if (ikey.sequence > sequence_ ||  // too new for this view
          (skipping && ucmp_->Compare(ikey.user_key, skip_key) <= 0)) {
        source_->Next();
        continue;
      }
      if (upper_ && ucmp_->Compare(ikey.user_key, *upper_) >= 0) break;
      size_t fragment = 0;
      const SequenceNumber covering =
          range_tombstones_ != nullptr ? Covering(ikey.user_key, &fragment) : 0;
      if (ikey.type == ValueType::kDeletion || ikey.sequence < covering) {
        // Hide this key's older versions too.
        skip_storage.assign(ikey.user_key.data(), ikey.user_key.size());
        skip_key = skip_storage;
        skipping = true;
        if (ikey.sequence < covering) {
          // Every source older than the tombstone leaves the fragment at
          // once; newer ones are stepped through.
          scratch_.clear();
          AppendInternalKey(&scratch_,
                            range_tombstones_->fragment(fragment).end,
                            kMaxSequenceNumber, kTypeForSeek);
          if (source_->SkipOlderChildren(scratch_, covering, true)) continue;
        }
        source_->Next();
        continue;
      }
      valid_ = true;
      return;
    }
    valid_ = false;
  }

  // Moves backward from the current source position to the previous user
  // key with a visible live version, and saves it.
  void FindPrevUserEntry() {
    bool have_value = false;  // saved_* hold the newest visible version seen
    while (source_->Valid()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) return;
      if (lower_ && ucmp_->Compare(ikey.user_key, *lower_) < 0) break;
      if (ikey.sequence > sequence_) {
        source_->Prev();
        continue;
      }
      if (have_value && ucmp_->Compare(ikey.user_key, saved_key_) < 0) {
        break;  // an older user key: the saved one is the answer
      }
      size_t fragment = 0;
      const SequenceNumber covering =
          range_tombstones_ != nullptr ? Covering(ikey.user_key, &fragment) : 0;
      // Going backward, versions of one key come oldest first: each visible
      // one replaces what we saved.
      if (ikey.type == ValueType::kDeletion || ikey.sequence < covering) {
        have_value = false;
        saved_value_.clear();
        if (ikey.sequence < covering) {
          // Sources older than the tombstone jump before its fragment; the
          // smallest internal key of the fragment's begin is the target.
          scratch_.clear();
          AppendInternalKey(&scratch_,
                            range_tombstones_->fragment(fragment).begin,
                            kMaxSequenceNumber, kTypeForSeek);
          if (source_->SkipOlderChildren(scratch_, covering, false)) continue;
        }
      } else {
        saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
        if (!keys_only_) {
          const Slice v = source_->value();
          saved_value_.assign(v.data(), v.size());
        }
        have_value = true;
      }
      source_->Prev();
    }
    if (!status().ok()) have_value = false;
    valid_ = have_value;
  }

  const Comparator* const ucmp_;
  const SequenceNumber sequence_;
  const std::optional<std::string> lower_;
  const std::optional<std::string> upper_;
  const bool keys_only_;
  const RangeTombstoneListPtr range_tombstones_;
  // Declared before source_, so destroyed after it: source_ reads from it.
  std::shared_ptr<const void> pinned_;
  std::unique_ptr<InternalIterator> source_;

  Direction direction_ = Direction::kForward;
  bool valid_ = false;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  std::string scratch_;
  size_t fragment_hint_ = 0;
};

class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(const Slice&) override {}
  void SeekForPrev(const Slice&) override {}
  void Next() override { assert(false); }
  void Prev() override { assert(false); }
  Slice key() const override {
    assert(false);
    return Slice();
  }
  Slice value() const override {
    assert(false);
    return Slice();
  }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(
    const DBIterOptions& options, std::unique_ptr<InternalIterator> source,
    std::shared_ptr<const void> pinned) {
  return std::make_unique<DBIter>(options, std::move(source),
                                  std::move(pinned));
}

std::unique_ptr<Iterator> NewErrorIterator(Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

}  // namespace strata::internal
