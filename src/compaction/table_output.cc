#include "compaction/table_output.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "base/result.h"
#include "env/filename.h"

namespace strata::internal {

Status TableOutputWriter::Add(const Slice& key, const Slice& value) {
  ParsedInternalKey ikey;
  const bool parsed = ParseInternalKey(key, &ikey);
  assert(parsed);  // the CompactionIterator lets only valid keys through
  (void)parsed;
  // Outputs of one level must stay disjoint in user keys, so a full output
  // still takes the remaining versions of its last user key.
  if (builder_ != nullptr && builder_->FileSize() >= o_.max_output_file_size &&
      !SameUserKey(*o_.icmp, key, last_key_)) {
    // The cut, where the range tombstones are split too. In a versioned DB
    // it is the key's first possible version (its newest timestamp), not
    // this entry's: a tombstone over the key's versions (a Purge) may
    // begin before this one, and must not be split between the outputs.
    std::string cut;
    if (o_.icmp->versioned()) {
      AppendVersionedKey(&cut, StripTimestamp(ikey.user_key), kMaxTimestamp);
    } else {
      cut.assign(ikey.user_key.data(), ikey.user_key.size());
    }
    const Slice cut_slice(cut);
    STRATA_RETURN_IF_ERROR(FinishOutput(&cut_slice));
    lower_ = std::move(cut);
    has_lower_ = true;
  }
  if (builder_ == nullptr) STRATA_RETURN_IF_ERROR(OpenOutput());

  if (current_.num_entries == 0) current_.smallest.SetEncoded(key);
  last_key_.assign(key.data(), key.size());
  current_.smallest_seqno = std::min(current_.smallest_seqno, ikey.sequence);
  current_.largest_seqno = std::max(current_.largest_seqno, ikey.sequence);
  current_.num_entries++;
  if (ikey.type == ValueType::kDeletion) current_.num_deletions++;
  builder_->Add(key, value);
  return builder_->status();
}

Status TableOutputWriter::OpenOutput() {
  assert(builder_ == nullptr);
  current_ = FileMetaData();
  last_key_.clear();  // empty until the output's first point entry
  current_.number = o_.new_file_number();
  current_.smallest_seqno = kMaxSequenceNumber;
  const std::string path = TableFileName(o_.dbname, current_.number);
  // Recorded before the attempt: a failed create may still leave a file.
  created_paths_.push_back(path);
  STRATA_RETURN_IF_ERROR(o_.env->NewWritableFile(path, &file_));
  builder_ = std::make_unique<TableBuilder>(o_.table_options, file_.get());
  return Status::OK();
}

Status TableOutputWriter::Finish() {
  if (builder_ == nullptr && tombstones_ != nullptr) {
    // Tombstones past the last point entry (or with no point entry at all)
    // still need an output.
    const size_t first =
        has_lower_ ? tombstones_->LowerBound(lower_) : size_t{0};
    if (first < tombstones_->size()) STRATA_RETURN_IF_ERROR(OpenOutput());
  }
  return FinishOutput(nullptr);
}

Status TableOutputWriter::FinishOutput(const Slice* upper) {
  if (builder_ == nullptr) return Status::OK();
  if (!last_key_.empty()) current_.largest.SetEncoded(last_key_);
  const uint64_t point_deletions = current_.num_deletions;
  if (tombstones_ != nullptr) {
    const Slice lower(lower_);
    tombstones_written_ += AddRangeTombstonesToTable(
        *o_.icmp, *tombstones_, has_lower_ ? &lower : nullptr, upper,
        builder_.get(), &current_);
  }
  TableProperties props;
  props.num_deletions = point_deletions;
  props.smallest_seqno = current_.smallest_seqno;
  props.largest_seqno = current_.largest_seqno;
  props.creation_time = o_.creation_time;
  Status s = builder_->Finish(props);
  if (s.ok()) s = file_->Sync();
  if (s.ok()) s = file_->Close();
  current_.file_size = builder_->FileSize();
  builder_.reset();  // Finish() closed it, even when it failed
  file_.reset();
  STRATA_RETURN_IF_ERROR(s);
  outputs_.push_back(current_);
  return Status::OK();
}

void TableOutputWriter::RemoveAll() {
  if (builder_ != nullptr) {
    builder_->Abandon();
    builder_.reset();
  }
  file_.reset();  // closes it, discarding any error: the job failed already
  for (const std::string& path : created_paths_) {
    // Best effort: no version names these files, and the DB deletes any
    // leftover that is not a pending output as obsolete.
    (void)o_.env->RemoveFile(path);
  }
  created_paths_.clear();
  outputs_.clear();
}

RangeTombstoneListPtr SurvivingTombstones(
    const std::vector<SequenceNumber>& snapshots, bool bottommost,
    const FragmentedRangeTombstoneList& all, uint64_t retention_horizon) {
  const auto stripe_of = [&snapshots](SequenceNumber seq) {
    return static_cast<size_t>(
        std::lower_bound(snapshots.begin(), snapshots.end(), seq) -
        snapshots.begin());
  };
  std::vector<RangeTombstone> keep;
  std::vector<RangeTombstone> fragment;
  std::vector<const RangeTombstone*> newest;  // per reader stripe
  for (size_t i = 0; i < all.size(); ++i) {
    fragment.clear();
    all.AppendFragmentTombstones(i, &fragment);
    // Sequences descending, plain and timed merged.
    bool first = true;
    size_t last_stripe = 0;
    newest.assign(snapshots.size() + 1, nullptr);
    for (const RangeTombstone& t : fragment) {
      if (t.timestamp != 0) {
        // Timed: every one a reader may still ask for stays. At or before
        // the horizon, every reader's as-of time is past it, so a reader
        // whose snapshot admits several takes the newest alone.
        if (t.timestamp > retention_horizon) {
          keep.push_back(t);
          continue;
        }
        for (size_t r = stripe_of(t.sequence); r < newest.size(); ++r) {
          if (newest[r] == nullptr ||
              TimedTombstone{t.timestamp, t.sequence}.NewerThan(
                  newest[r]->timestamp, newest[r]->sequence)) {
            newest[r] = &t;
          }
        }
        continue;
      }
      const size_t stripe = stripe_of(t.sequence);
      if (!first && stripe == last_stripe) continue;
      first = false;
      last_stripe = stripe;
      if (bottommost && stripe == 0) continue;
      keep.push_back(t);
    }
    for (size_t r = 0; r < newest.size(); ++r) {
      if (newest[r] != nullptr && (r == 0 || newest[r] != newest[r - 1])) {
        keep.push_back(*newest[r]);
      }
    }
  }
  if (keep.empty()) return nullptr;
  return std::make_shared<const FragmentedRangeTombstoneList>(
      all.user_comparator(), std::move(keep));
}

uint64_t AddRangeTombstonesToTable(const InternalKeyComparator& icmp,
                                   const FragmentedRangeTombstoneList& list,
                                   const Slice* lower, const Slice* upper,
                                   TableBuilder* builder, FileMetaData* meta) {
  const Comparator* ucmp = icmp.user_comparator();
  uint64_t added = 0;
  std::vector<RangeTombstone> tombstones;
  std::string key;
  std::string value;
  InternalKey bound;
  for (size_t i = lower != nullptr ? list.LowerBound(*lower) : 0;
       i < list.size(); ++i) {
    const auto& f = list.fragment(i);
    if (upper != nullptr && ucmp->Compare(f.begin, *upper) >= 0) break;
    tombstones.clear();
    list.AppendFragmentTombstones(i, &tombstones);
    for (RangeTombstone& t : tombstones) {
      if (lower != nullptr && ucmp->Compare(f.begin, *lower) < 0) {
        t.begin.assign(lower->data(), lower->size());
      }
      if (upper != nullptr && ucmp->Compare(*upper, f.end) < 0) {
        t.end.assign(upper->data(), upper->size());
      }
      EncodeRangeTombstone(t, &key, &value);
      builder->AddRangeTombstone(key, value);
      meta->smallest_seqno = std::min(meta->smallest_seqno, t.sequence);
      meta->largest_seqno = std::max(meta->largest_seqno, t.sequence);
      ++meta->num_entries;
      ++meta->num_deletions;
      ++added;
      // The newest sequence is first: its key is the fragment's smallest.
      if (&t == &tombstones.front() &&
          (meta->smallest.Encode().empty() ||
           icmp.Compare(Slice(key), meta->smallest.Encode()) < 0)) {
        meta->smallest.SetEncoded(key);
      }
    }
    bound = InternalKey(tombstones.back().end, kMaxSequenceNumber,
                        static_cast<uint8_t>(ValueType::kRangeDeletion));
    if (meta->largest.Encode().empty() ||
        icmp.Compare(bound.Encode(), meta->largest.Encode()) > 0) {
      meta->largest = bound;
    }
  }
  return added;
}

}  // namespace strata::internal
