#include "db/db_iter.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "base/coding.h"
#include "key/versioned_key.h"

namespace strata::internal {
namespace {

// *dst = src, without std::string::assign's general path (it allows the
// source inside the string, and cost 55 instructions a step forward, a
// third of the cursor's own): the same length is a no-op resize and one
// copy. REQUIRES: src does not point into *dst.
void CopyInto(std::string* dst, const Slice& src) {
  dst->resize(src.size());
  if (!src.empty()) std::memcpy(dst->data(), src.data(), src.size());
}

// Invariants:
//  - direction kForward: when valid, `source_` is at the newest visible
//    version of the current user key, which key()/value() read directly.
//  - direction kReverse: when valid, the current entry is copied into
//    `saved_key_`/`saved_value_`, and `source_` is positioned before every
//    version of it (at an older user key, or invalid).
//
// Versioned (a DB with timestamps): the source's user keys are key ‖ ts.
// Entries group by key (by key and timestamp with all_versions); of each
// group the newest visible entry decides, as the newest version does
// without versioning. A version a range tombstone covers is passed over
// alone: in a versioned DB a later back-dated write may follow it with a
// newer sequence. `saved_key_` holds the source's user key (with its
// timestamp); key() strips it.
template <bool kVersioned>
class DBIter final : public Iterator {
 public:
  DBIter(DBIterOptions&& options, std::unique_ptr<InternalIterator> source,
         std::shared_ptr<const void> pinned)
      : pinned_(std::move(pinned)),
        ucmp_(options.user_comparator),
        bytewise_(ucmp_ == BytewiseComparator()),
        vcmp_(options.versioned_comparator),
        sequence_(options.sequence),
        min_ts_(options.min_timestamp),
        max_ts_(options.max_timestamp),
        lower_(std::move(options.lower_bound)),
        upper_(std::move(options.upper_bound)),
        keys_only_(options.keys_only),
        resolve_pointer_(std::move(options.resolve_pointer)),
        all_versions_(options.all_versions),
        include_deleted_(options.include_deleted),
        limit_(options.history_limit),
        range_tombstones_(std::move(options.range_tombstones)),
        tcmp_(range_tombstones_ != nullptr
                  ? range_tombstones_->user_comparator()
                  : nullptr),
        retired_(options.retired),
        sample_read_(std::move(options.sample_read)),
        sample_period_(std::max<uint64_t>(options.sample_period, 1)),
        on_seek_(std::move(options.on_seek)),
        source_(std::move(source)) {
    assert(kVersioned == options.versioned);
    assert(!kVersioned || vcmp_ != nullptr);
    if (sample_read_) {
      sample_state_ = reinterpret_cast<uintptr_t>(this) | 1;
      entries_until_sample_ = NextSamplePeriod();
    }
  }

  bool Valid() const override { return valid_; }

  Slice key() const override {
    assert(valid_);
    return KeyOf(CurrentUserKey());
  }

  Slice value() const override {
    assert(valid_);
    if (keys_only_) return Slice();
    if (resolved_) return Slice(resolved_value_);
    return direction_ == Direction::kForward ? source_->value()
                                             : Slice(saved_value_);
  }

  Status status() const override {
    return status_.ok() ? source_->status() : status_;
  }

  uint64_t timestamp() const override {
    assert(valid_);
    if constexpr (kVersioned) {
      return ExtractTimestamp(CurrentUserKey());
    } else {
      return 0;
    }
  }

  bool IsDeleted() const override {
    assert(valid_);
    if constexpr (kVersioned) {
      return direction_ == Direction::kForward
                 ? ExtractType(source_->key()) ==
                       static_cast<uint8_t>(ValueType::kDeletion)
                 : saved_deleted_;
    } else {
      return false;
    }
  }

  void SeekToFirst() override {
    direction_ = Direction::kForward;
    if (lower_) {
      SeekInternal(*lower_);
    } else {
      source_->SeekToFirst();
    }
    FindNextUserEntry(/*skipping=*/false, Slice());
    Positioned(/*first=*/true);
  }

  void Seek(const Slice& target) override {
    direction_ = Direction::kForward;
    if (lower_ && ucmp_->Compare(target, *lower_) < 0) {
      SeekInternal(*lower_);
    } else {
      SeekInternal(target);
    }
    FindNextUserEntry(/*skipping=*/false, Slice());
    Positioned(/*first=*/true);
  }

  void SeekToLast() override {
    direction_ = Direction::kReverse;
    if (upper_) {
      PositionBeforeUserKey(*upper_);
    } else {
      source_->SeekToLast();
    }
    FindPrevUserEntry();
    Positioned(/*first=*/true);
  }

  void SeekForPrev(const Slice& target) override {
    direction_ = Direction::kReverse;
    if (upper_ && ucmp_->Compare(target, *upper_) >= 0) {
      PositionBeforeUserKey(*upper_);
    } else {
      // The smallest internal key of `target` is (target, 0, lowest type)
      // (in a versioned DB with the smallest timestamp suffix, ts 0): the
      // last entry <= it is the oldest version of target, or earlier.
      scratch_.clear();
      if constexpr (kVersioned) {
        AppendVersionedKey(&scratch_, target, 0);
        PutFixed64(&scratch_, PackTag(0, 0));
      } else {
        AppendInternalKey(&scratch_, target, 0, 0);
      }
      source_->SeekForPrev(scratch_);
    }
    FindPrevUserEntry();
    Positioned(/*first=*/true);
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
      Positioned(/*first=*/false);
      return;
    }
    // Skip the rest of the current key's versions.
    CopyInto(&saved_key_, ExtractUserKey(source_->key()));
    source_->Next();
    FindNextUserEntry(/*skipping=*/true, saved_key_);
    Positioned(/*first=*/false);
  }

  void Prev() override {
    assert(valid_);
    if (direction_ == Direction::kForward) {
      // Move `source_` before every version of the current key.
      CopyInto(&saved_key_, ExtractUserKey(source_->key()));
      for (;;) {
        source_->Prev();
        if (!source_->Valid()) break;
        ParsedInternalKey ikey;
        if (!Parse(&ikey)) return;
        if (GroupCompare(ikey.user_key, saved_key_) < 0) break;
      }
      direction_ = Direction::kReverse;
    }
    FindPrevUserEntry();
    Positioned(/*first=*/false);
  }

 private:
  enum class Direction { kForward, kReverse };

  // The source's user key of the current entry.
  Slice CurrentUserKey() const {
    return direction_ == Direction::kForward ? ExtractUserKey(source_->key())
                                             : Slice(saved_key_);
  }

  // The key of a source user key, without its timestamp.
  static Slice KeyOf(const Slice& user_key) {
    if constexpr (kVersioned) {
      return StripTimestamp(user_key);
    } else {
      return user_key;
    }
  }

  // Orders source user keys by the groups whose newest visible entry is
  // yielded: keys (versions of one key compare equal), or with
  // all_versions keys and timestamps.
  int GroupCompare(const Slice& a, const Slice& b) const {
    if constexpr (kVersioned) {
      if (all_versions_) return vcmp_->Compare(a, b);
      return UserCompare(StripTimestamp(a), StripTimestamp(b));
    } else {
      return UserCompare(a, b);
    }
  }

  // Orders keys by ucmp_: the default order inline, without the virtual
  // call (every step forward compares once).
  int UserCompare(const Slice& a, const Slice& b) const {
    return bytewise_ ? a.compare(b) : ucmp_->Compare(a, b);
  }

  bool Visible(const ParsedInternalKey& ikey) const {
    if (ikey.sequence > sequence_) return false;
    if constexpr (kVersioned) {
      const uint64_t ts = ExtractTimestamp(ikey.user_key);
      return ts >= min_ts_ && ts <= max_ts_;
    } else {
      return true;
    }
  }

  // Ends every positioning: the history limit, then the value.
  void Positioned(bool first) {
    if (first && on_seek_) on_seek_();
    if (retired_ != nullptr && retired_->load(std::memory_order_relaxed)) {
      // The DB was restored from a checkpoint: this iterator's state is
      // gone (its files stay pinned until it is destroyed).
      valid_ = false;
      status_ = Status::InvalidArgument(
          "the DB was restored from a checkpoint after this iterator was "
          "made; make a new one");
      return;
    }
    CountYield(first);
    ResolveValue();
  }

  // When the entry landed on holds a value pointer: reads its value (an
  // error ends the iteration).
  void ResolveValue() {
    resolved_ = false;
    if (!valid_ || keys_only_) return;
    // Forward, FindNextUserEntry noted the entry's type; reverse, the
    // saved entry's.
    const bool pointer =
        direction_ == Direction::kForward ? current_pointer_ : saved_pointer_;
    if (!pointer) return;
    const Slice raw = direction_ == Direction::kForward ? source_->value()
                                                        : Slice(saved_value_);
    Status s = resolve_pointer_
                   ? resolve_pointer_(CurrentUserKey(), raw, &resolved_value_)
                   : Status::Corruption(
                         "iterator",
                         "a value pointer, and no value log to resolve it");
    if (!s.ok()) {
      status_ = std::move(s);
      valid_ = false;
      return;
    }
    resolved_ = true;
  }

  // With all_versions and a limit: ends the iteration once the limit is
  // passed. `first`: the call began a new positioning (a seek).
  void CountYield(bool first) {
    if constexpr (kVersioned) {
      if (limit_ == 0) return;
      if (first) yielded_ = 0;
      if (!valid_) return;
      if (++yielded_ > limit_) valid_ = false;
    } else {
      (void)first;
    }
  }

  // Seeks to the first entry of `key` (in a versioned DB, its first version
  // at or before the as-of time) visible at sequence_.
  void SeekInternal(const Slice& key) {
    scratch_.clear();
    if constexpr (kVersioned) {
      AppendVersionedKey(&scratch_, key, max_ts_);
      PutFixed64(&scratch_, PackTag(sequence_, kTypeForSeek));
    } else {
      AppendInternalKey(&scratch_, key, sequence_, kTypeForSeek);
    }
    source_->Seek(scratch_);
  }

  // Positions `source_` at the last entry whose key is < `key`.
  void PositionBeforeUserKey(const Slice& key) {
    scratch_.clear();
    if constexpr (kVersioned) {
      AppendVersionedKey(&scratch_, key, kMaxTimestamp);
      PutFixed64(&scratch_, PackTag(kMaxSequenceNumber, kTypeForSeek));
    } else {
      AppendInternalKey(&scratch_, key, kMaxSequenceNumber, kTypeForSeek);
    }
    source_->Seek(scratch_);
    if (source_->Valid()) {
      source_->Prev();
    } else if (source_->status().ok()) {
      source_->SeekToLast();
    }
  }

  bool Parse(ParsedInternalKey* ikey) {
    if (!ParseInternalKey(source_->key(), ikey) ||
        (kVersioned && ikey->user_key.size() < kTimestampSize)) {
      status_ = Status::Corruption("iterator", "malformed internal key");
      valid_ = false;
      return false;
    }
    // Without a sampler the count starts too high to run out.
    if (--entries_until_sample_ == 0) {
      entries_until_sample_ = NextSamplePeriod();
      sample_read_(source_->key());
    }
    return true;
  }

  // Uniform in [1, 2 * sample_period_] (xorshift64).
  uint64_t NextSamplePeriod() {
    sample_state_ ^= sample_state_ << 13;
    sample_state_ ^= sample_state_ >> 7;
    sample_state_ ^= sample_state_ << 17;
    return 1 + sample_state_ % (2 * sample_period_);
  }

  // The index of the tombstone fragment holding `user_key`, or the list's
  // size() if none does. REQUIRES: range_tombstones_ != nullptr.
  size_t FragmentOf(const Slice& user_key) {
    const FragmentedRangeTombstoneList& list = *range_tombstones_;
    // Reads move through keys in order, so the last fragment is often the
    // one wanted again.
    if (fragment_hint_ >= list.size() ||
        tcmp_->Compare(user_key, list.fragment(fragment_hint_).begin) < 0 ||
        tcmp_->Compare(user_key, list.fragment(fragment_hint_).end) >= 0) {
      fragment_hint_ = list.Find(user_key);
    }
    return fragment_hint_;
  }

  // The sequence of the plain tombstone covering `user_key` (0: none), and
  // in `*fragment` the index of its fragment.
  SequenceNumber Covering(const Slice& user_key, size_t* fragment) {
    if (range_tombstones_ == nullptr) return 0;
    const size_t i = FragmentOf(user_key);
    if (i == range_tombstones_->size()) return 0;
    *fragment = i;
    const auto& f = range_tombstones_->fragment(i);
    return f.seq_begin < f.seq_end ? range_tombstones_->seq(f.seq_begin) : 0;
  }

  // Versioned, one entry per key: whether a timed tombstone (a DeleteRange
  // at a timestamp this read sees) is newer than the version
  // (`user_key`, `sequence`), the newest visible one of its key, which
  // makes the key deleted for this read.
  bool TimedHides(const Slice& user_key, SequenceNumber sequence) {
    if (!kVersioned || all_versions_ || range_tombstones_ == nullptr ||
        !range_tombstones_->has_timed()) {
      return false;
    }
    return range_tombstones_->MaxCoveringTimed(user_key, max_ts_, sequence_)
        .NewerThan(ExtractTimestamp(user_key), sequence);
  }

  // Moves forward from the current source position to the newest visible
  // live version of the next user key. When `skipping`, versions of
  // `skip_key` are passed over.
  void FindNextUserEntry(bool skipping, Slice skip_key) {
    std::string skip_storage;
    while (source_->Valid()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) return;
      // With versions, the bound first: a whole time window may be
      // invisible (as_of, a history window), and stepping through it past
      // the bound could read the rest of the DB.
      if (kVersioned && upper_ &&
          UserCompare(KeyOf(ikey.user_key), *upper_) >= 0) {
        break;
      }
      if (!Visible(ikey) ||  // too new for this view
          (skipping && GroupCompare(ikey.user_key, skip_key) <= 0)) {
        source_->Next();
        continue;
      }
      if (!kVersioned && upper_ && UserCompare(ikey.user_key, *upper_) >= 0) {
        break;
      }
      size_t fragment = 0;
      const SequenceNumber covering = Covering(ikey.user_key, &fragment);
      if (ikey.sequence < covering) {
        // Every source older than the tombstone leaves the fragment at
        // once; newer ones are stepped through.
        if (!kVersioned) {
          // Without versions every older version of the key is covered
          // too: hide them all.
          skip_storage.assign(ikey.user_key.data(), ikey.user_key.size());
          skip_key = skip_storage;
          skipping = true;
        }
        scratch_.clear();
        AppendInternalKey(&scratch_, range_tombstones_->fragment(fragment).end,
                          kMaxSequenceNumber, kTypeForSeek);
        if (source_->SkipOlderChildren(scratch_, covering, true)) continue;
        source_->Next();
        continue;
      }
      if ((ikey.type == ValueType::kDeletion &&
           !(kVersioned && all_versions_ && include_deleted_)) ||
          TimedHides(ikey.user_key, ikey.sequence)) {
        // Hide this key's older versions too.
        skip_storage.assign(ikey.user_key.data(), ikey.user_key.size());
        skip_key = skip_storage;
        skipping = true;
        source_->Next();
        continue;
      }
      current_pointer_ = ikey.type == ValueType::kValuePointer;
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
      if (lower_ && UserCompare(KeyOf(ikey.user_key), *lower_) < 0) break;
      if (!Visible(ikey)) {
        source_->Prev();
        continue;
      }
      if (have_value && GroupCompare(ikey.user_key, saved_key_) < 0) {
        // An older user key: the saved one is the answer, unless a timed
        // tombstone deletes it (then the search goes on from here).
        if (!TimedHides(saved_key_, saved_sequence_)) break;
        have_value = false;
        saved_value_.clear();
      }
      size_t fragment = 0;
      const SequenceNumber covering = Covering(ikey.user_key, &fragment);
      // Going backward, versions of one key come oldest first: each visible
      // one replaces what we saved.
      const bool yield_deleted =
          kVersioned && all_versions_ && include_deleted_;
      if (ikey.sequence < covering) {
        // Without versions, what was saved of this key is older still and
        // covered too; with them a covered entry is merely invisible.
        if (!kVersioned) {
          have_value = false;
          saved_value_.clear();
        }
        // Sources older than the tombstone jump before its fragment; the
        // smallest internal key of the fragment's begin is the target.
        scratch_.clear();
        AppendInternalKey(&scratch_,
                          range_tombstones_->fragment(fragment).begin,
                          kMaxSequenceNumber, kTypeForSeek);
        if (source_->SkipOlderChildren(scratch_, covering, false)) continue;
      } else if (ikey.type == ValueType::kDeletion && !yield_deleted) {
        have_value = false;
        saved_value_.clear();
      } else {
        CopyInto(&saved_key_, ikey.user_key);
        saved_sequence_ = ikey.sequence;
        saved_deleted_ = ikey.type == ValueType::kDeletion;
        saved_pointer_ = ikey.type == ValueType::kValuePointer;
        if (!keys_only_) {
          CopyInto(&saved_value_, source_->value());
        }
        have_value = true;
      }
      source_->Prev();
    }
    if (have_value && TimedHides(saved_key_, saved_sequence_)) {
      have_value = false;
    }
    if (!status().ok()) have_value = false;
    valid_ = have_value;
  }

  // First, so destroyed last: resolve_pointer_ holds the version too,
  // whose tables must go before the caches it pins (ReadPins' order), and
  // sample_read_ and on_seek_ may point into what it pins.
  std::shared_ptr<const void> pinned_;
  const Comparator* const ucmp_;
  const bool bytewise_;           // ucmp_ is BytewiseComparator()
  const Comparator* const vcmp_;  // versioned only
  const SequenceNumber sequence_;
  const uint64_t min_ts_;
  const uint64_t max_ts_;
  const std::optional<std::string> lower_;
  const std::optional<std::string> upper_;
  const bool keys_only_;
  const std::function<Status(const Slice&, const Slice&, std::string*)>
      resolve_pointer_;
  const bool all_versions_;
  const bool include_deleted_;
  const uint64_t limit_;
  const RangeTombstoneListPtr range_tombstones_;
  const Comparator* const tcmp_;  // orders the tombstones' keys
  // Declared before source_, so destroyed after it: source_ reads from it.
  const std::atomic<bool>* const retired_;  // DBIterOptions::retired
  const std::function<void(const Slice&)> sample_read_;
  const uint64_t sample_period_;
  uint64_t sample_state_ = 0;
  uint64_t entries_until_sample_ = UINT64_MAX;
  const std::function<void()> on_seek_;
  std::unique_ptr<InternalIterator> source_;

  Direction direction_ = Direction::kForward;
  bool valid_ = false;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  SequenceNumber saved_sequence_ = 0;
  bool saved_deleted_ = false;
  bool saved_pointer_ = false;
  // Forward: the current entry holds a value pointer (its type, noted as
  // FindNextUserEntry lands on it).
  bool current_pointer_ = false;
  // The current entry's value, read through its pointer.
  bool resolved_ = false;
  std::string resolved_value_;
  std::string scratch_;
  size_t fragment_hint_ = 0;
  uint64_t yielded_ = 0;  // since the last seek (history_limit)
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(
    DBIterOptions options, std::unique_ptr<InternalIterator> source,
    std::shared_ptr<const void> pinned) {
  if (options.versioned) {
    return std::make_unique<DBIter<true>>(std::move(options), std::move(source),
                                          std::move(pinned));
  }
  return std::make_unique<DBIter<false>>(std::move(options), std::move(source),
                                         std::move(pinned));
}

}  // namespace strata::internal
