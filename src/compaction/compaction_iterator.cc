#include "compaction/compaction_iterator.h"

#include <algorithm>
#include <cassert>

#include "version/version_edit.h"
#include "vlog/vlog_format.h"

namespace strata::internal {

CompactionIterator::CompactionIterator(const CompactionIteratorOptions& options,
                                       InternalIterator* input)
    : icmp_(options.icmp),
      snapshots_(options.snapshots),
      bottommost_(options.bottommost),
      range_tombstones_(options.range_tombstones),
      retention_horizon_(options.icmp->versioned() ? options.retention_horizon
                                                   : 0),
      input_(input),
      drop_repeats_(options.drop_repeats),
      served_(snapshots_.size() + 1, 0) {
  assert(icmp_ != nullptr);
  assert(input_ != nullptr);
  assert(std::is_sorted(snapshots_.begin(), snapshots_.end()));
}

size_t CompactionIterator::StripeOf(SequenceNumber seq) const {
  return static_cast<size_t>(
      std::lower_bound(snapshots_.begin(), snapshots_.end(), seq) -
      snapshots_.begin());
}

void CompactionIterator::SeekToFirst() {
  status_ = Status::OK();
  stats_ = Stats();
  vlog_garbage_.clear();
  has_current_key_ = false;
  current_user_key_.clear();
  has_retention_key_ = false;
  retention_key_.clear();
  fragment_ = 0;
  input_->SeekToFirst();
  FindNextSurvivor();
}

void CompactionIterator::Next() {
  assert(Valid());
  input_->Next();
  FindNextSurvivor();
}

Slice CompactionIterator::key() const {
  assert(Valid());
  return input_->key();
}

Slice CompactionIterator::value() const {
  assert(Valid());
  return input_->value();
}

Status CompactionIterator::status() const {
  if (!status_.ok()) return status_;
  return input_->status();
}

void CompactionIterator::FindNextSurvivor() {
  valid_ = false;
  while (input_->Valid()) {
    if (Admit()) {
      ++stats_.output_entries;
      valid_ = true;
      return;
    }
    if (!status_.ok()) return;  // bad input: stop here, positioned on it
    if (!duplicate_ && ExtractType(input_->key()) ==
                           static_cast<uint8_t>(ValueType::kValuePointer)) {
      vlog::ValuePointer p;
      const Status s = p.DecodeFrom(input_->value());
      if (!s.ok()) {
        status_ = Status::Corruption(
            "compaction input holds a malformed value pointer at ",
            InternalKeyDebugString(input_->key()));
        return;
      }
      vlog_garbage_[p.file_number] += p.record_size;
    }
    input_->Next();
  }
  // The input ended, or failed: its status() tells which.
}

size_t CompactionIterator::CoverStripe(const ParsedInternalKey& ikey) {
  if (range_tombstones_ == nullptr) return SIZE_MAX;
  const FragmentedRangeTombstoneList& list = *range_tombstones_;
  const Comparator* ucmp = icmp_->user_comparator();
  while (fragment_ < list.size() &&
         ucmp->Compare(list.fragment(fragment_).end, ikey.user_key) <= 0) {
    ++fragment_;
  }
  if (fragment_ == list.size()) return SIZE_MAX;
  const auto& f = list.fragment(fragment_);
  if (ucmp->Compare(f.begin, ikey.user_key) > 0) return SIZE_MAX;
  // The oldest tombstone newer than the version: readers from its stripe
  // up see the version hidden. Sequences are descending.
  for (size_t j = f.seq_end; j > f.seq_begin; --j) {
    const SequenceNumber t = list.seq(j - 1);
    if (t > ikey.sequence) return StripeOf(t);
  }
  return SIZE_MAX;
}

bool CompactionIterator::BeyondRetention(const ParsedInternalKey& ikey,
                                         size_t stripe, size_t cover_stripe) {
  const Slice key = StripTimestamp(ikey.user_key);
  if (!has_retention_key_ ||
      icmp_->key_comparator()->Compare(key, retention_key_) != 0) {
    has_retention_key_ = true;
    retention_key_.assign(key.data(), key.size());
    ++retention_generation_;  // no reader stripe is served yet
  }
  if (ExtractTimestamp(ikey.user_key) > retention_horizon_) return false;
  // Readers in stripes [stripe, cover_stripe) can see this version; each
  // takes the first such version at or before the horizon. It is needed
  // if it is the first for any of them.
  const size_t end = std::min(cover_stripe, served_.size());
  bool needed = false;
  for (size_t i = stripe; i < end; ++i) {
    if (served_[i] != retention_generation_) {
      served_[i] = retention_generation_;
      needed = true;
    }
  }
  if (!needed) {
    ++stats_.dropped_retention;
    return true;
  }
  // Kept even when it is a tombstone at the bottom: a newer source may
  // hold a back-dated version of the key, older than the tombstone, that
  // only the tombstone hides from reads as of the horizon or later.
  return false;
}

bool CompactionIterator::Admit() {
  const Slice key = input_->key();
  ParsedInternalKey ikey;
  if (!ParseInternalKey(key, &ikey)) {
    status_ = Status::Corruption("compaction input holds a malformed key: ",
                                 InternalKeyDebugString(key));
    return false;
  }

  // Positive for the first key, as if after the (absent) previous one.
  const int order = has_current_key_ ? icmp_->CompareUserKeys(ikey.user_key,
                                                              current_user_key_)
                                     : 1;
  const bool same_key = order == 0;
  if (order < 0) {
    status_ = Status::Corruption("compaction input out of order at ",
                                 InternalKeyDebugString(key));
    return false;
  }
  // One write held twice: the same type, or a value once inline and once
  // in the value log (a log salvaged beside the table it was flushed to).
  const auto type = static_cast<uint8_t>(ikey.type);
  const auto is_value = [](uint8_t t) {
    return t == static_cast<uint8_t>(ValueType::kValue) ||
           t == static_cast<uint8_t>(ValueType::kValuePointer);
  };
  duplicate_ = drop_repeats_ && same_key && ikey.sequence == last_sequence_ &&
               (type == last_type_ || (is_value(type) && is_value(last_type_)));
  if (duplicate_) {
    ++stats_.dropped_duplicates;
    return false;
  }
  if (same_key && ikey.sequence >= last_sequence_) {
    // Equal sequences for one user key are a duplicate entry; a rising one
    // is out of order. Either way the input cannot be trusted.
    status_ = Status::Corruption("compaction input repeats or reorders ",
                                 InternalKeyDebugString(key));
    return false;
  }

  ++stats_.input_entries;
  const size_t stripe = StripeOf(ikey.sequence);
  const bool shadowed = same_key && stripe == last_stripe_;
  if (!same_key) {
    has_current_key_ = true;
    current_user_key_.assign(ikey.user_key.data(), ikey.user_key.size());
  }
  last_sequence_ = ikey.sequence;
  last_type_ = static_cast<uint8_t>(ikey.type);
  last_stripe_ = stripe;

  if (shadowed) {
    ++stats_.dropped_shadowed;
    return false;
  }
  const size_t cover_stripe = CoverStripe(ikey);
  if (cover_stripe == stripe) {
    // Rule 3. last_stripe_ is this stripe: older versions in it are
    // shadowed.
    ++stats_.dropped_covered;
    return false;
  }
  if (retention_horizon_ > 0) {
    if (ikey.user_key.size() < kTimestampSize) {
      status_ =
          Status::Corruption("compaction input holds a key without ",
                             "its timestamp: " + InternalKeyDebugString(key));
      return false;
    }
    if (BeyondRetention(ikey, stripe, cover_stripe)) return false;
  }
  if (ikey.type == ValueType::kDeletion && bottommost_ && stripe == 0 &&
      !icmp_->versioned()) {
    // Rule 2. last_stripe_ is now 0, so every older version of this key,
    // all in stripe 0 too, is dropped as shadowed. (Not in a versioned DB:
    // there the older timestamps are other keys that the tombstone hides
    // from as-of reads after it; retention decides when it may go.)
    ++stats_.dropped_tombstones;
    return false;
  }
  return true;
}

}  // namespace strata::internal
