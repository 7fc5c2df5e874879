#include "compaction/table_output.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "base/result.h"
#include "env/filename.h"
#include "vlog/vlog_format.h"

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

  Slice entry_key = key;
  Slice entry_value = value;
  if (ikey.type == ValueType::kValue && o_.vlog_threshold > 0 &&
      value.size() >= o_.vlog_threshold) {
    STRATA_RETURN_IF_ERROR(Separate(ikey, value, &pointer_));
    separated_key_.clear();
    AppendInternalKey(&separated_key_, ikey.user_key, ikey.sequence,
                      static_cast<uint8_t>(ValueType::kValuePointer));
    entry_key = separated_key_;
    entry_value = pointer_;
  } else if (ikey.type == ValueType::kValuePointer) {
    vlog::ValuePointer p;
    const Status s = p.DecodeFrom(value);
    if (!s.ok()) {
      return Status::Corruption("compaction input",
                                "malformed value pointer: " + s.ToString());
    }
    if (o_.vlog_relocate.count(p.file_number) == 0 || relocation_stopped_ ||
        (o_.vlog_relocate_max_bytes > 0 &&
         relocated_bytes_ >= o_.vlog_relocate_max_bytes)) {
      NameVlog(p.file_number);
    } else {
      // Garbage collection: the value moves to this writer's value log (or
      // back into the table), and its old record is garbage.
      assert(o_.vlog_read);
      relocated_value_.clear();
      STRATA_RETURN_IF_ERROR(
          o_.vlog_read(ikey.user_key, value, &relocated_value_));
      relocated_garbage_[p.file_number] += p.record_size;
      ++relocated_values_;
      relocated_bytes_ += relocated_value_.size();
      if (o_.vlog_after_relocate &&
          !o_.vlog_after_relocate(relocated_value_.size())) {
        relocation_stopped_ = true;
      }
      if (o_.vlog_threshold > 0) {
        STRATA_RETURN_IF_ERROR(Separate(ikey, relocated_value_, &pointer_));
        entry_value = pointer_;
      } else {
        separated_key_.clear();
        AppendInternalKey(&separated_key_, ikey.user_key, ikey.sequence,
                          static_cast<uint8_t>(ValueType::kValue));
        entry_key = separated_key_;
        entry_value = relocated_value_;
      }
    }
  }

  if (current_.num_entries == 0) current_.smallest.SetEncoded(entry_key);
  last_key_.assign(entry_key.data(), entry_key.size());
  current_.smallest_seqno = std::min(current_.smallest_seqno, ikey.sequence);
  current_.largest_seqno = std::max(current_.largest_seqno, ikey.sequence);
  current_.num_entries++;
  if (ikey.type == ValueType::kDeletion) current_.num_deletions++;
  builder_->Add(entry_key, entry_value);
  return builder_->status();
}

void TableOutputWriter::NameVlog(uint64_t number) {
  std::vector<uint64_t>& v = current_.vlog_files;
  const auto it = std::lower_bound(v.begin(), v.end(), number);
  if (it == v.end() || *it != number) v.insert(it, number);
}

Status TableOutputWriter::Separate(const ParsedInternalKey& ikey,
                                   const Slice& value, std::string* pointer) {
  if (vlog_ == nullptr) {
    const uint64_t number = o_.new_vlog_file_number ? o_.new_vlog_file_number()
                                                    : o_.new_file_number();
    const std::string path = VlogFileName(o_.dbname, number);
    created_paths_.push_back(path);  // before the attempt, as for tables
    std::unique_ptr<WritableFile> file;
    STRATA_RETURN_IF_ERROR(o_.env->NewWritableFile(path, &file));
    vlog_ = std::make_unique<vlog::Writer>(std::move(file), number,
                                           o_.vlog_compression);
  }
  vlog::ValuePointer p;
  STRATA_RETURN_IF_ERROR(vlog_->Add(ikey.user_key, value, &p));
  separated_bytes_ += value.size();
  NameVlog(p.file_number);
  pointer->clear();
  p.EncodeTo(pointer);
  if (vlog_->file_size() >= o_.vlog_max_file_size) {
    STRATA_RETURN_IF_ERROR(FinishVlog());
  }
  return Status::OK();
}

Status TableOutputWriter::FinishVlog() {
  if (vlog_ == nullptr) return Status::OK();
  const Status s = vlog_->Finish();
  if (s.ok()) {
    VlogFileMeta meta;
    meta.number = vlog_->file_number();
    meta.file_size = vlog_->file_size();
    meta.records = vlog_->records();
    meta.record_bytes = vlog_->record_bytes();
    vlog_outputs_.push_back(meta);
  }
  vlog_.reset();
  return s;
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
    if (has_lower_ ? tombstones_->AnyEndsAfter(lower_)
                   : !tombstones_->empty()) {
      STRATA_RETURN_IF_ERROR(OpenOutput());
    }
  }
  STRATA_RETURN_IF_ERROR(FinishOutput(nullptr));
  return FinishVlog();
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
  if (vlog_ != nullptr) {
    vlog_->Abandon();
    vlog_.reset();
  }
  vlog_outputs_.clear();
  file_.reset();  // closes it, discarding any error: the job failed already
  for (const std::string& path : created_paths_) {
    // Best effort: no version names these files, and the DB deletes any
    // leftover that is not a pending output as obsolete.
    (void)o_.env->RemoveFile(path);
  }
  created_paths_.clear();
  outputs_.clear();
}

namespace {

// The timed tombstones of `timed` (ordered by begin) at or before
// `horizon` that some reader still needs: on some piece of the key space,
// the newest (timestamp, sequence) a reader stripe sees. Every as-of read
// is at or after the horizon, so it sees all of them and takes the newest.
std::vector<bool> NeededBehindHorizon(
    const Comparator* ucmp, const std::vector<RangeTombstone>& timed,
    uint64_t horizon, const std::vector<SequenceNumber>& snapshots) {
  std::vector<bool> needed(timed.size(), false);
  std::vector<RangeTombstone> behind;
  std::vector<size_t> index;  // of each `behind` in `timed`
  for (size_t i = 0; i < timed.size(); ++i) {
    if (timed[i].timestamp <= horizon) {
      behind.push_back(timed[i]);
      index.push_back(i);
    }
  }
  const auto stripe_of = [&snapshots](SequenceNumber seq) {
    return static_cast<size_t>(
        std::lower_bound(snapshots.begin(), snapshots.end(), seq) -
        snapshots.begin());
  };
  std::vector<const RangeTombstone*> order;
  SweepRangeTombstones(
      ucmp, behind,
      [&](const Slice&, const Slice&,
          const std::vector<const RangeTombstone*>& active) {
        order = active;
        std::sort(order.begin(), order.end(),
                  [](const RangeTombstone* a, const RangeTombstone* b) {
                    return TimedTombstone{a->timestamp, a->sequence}.NewerThan(
                        b->timestamp, b->sequence);
                  });
        // Newest first: one is the newest for the stripes from its own up
        // to (not including) the lowest stripe of any newer one.
        size_t lowest_newer = snapshots.size() + 1;
        for (const RangeTombstone* t : order) {
          const size_t stripe = stripe_of(t->sequence);
          if (stripe < lowest_newer) {
            needed[index[static_cast<size_t>(t - behind.data())]] = true;
            lowest_newer = stripe;
          }
        }
      });
  return needed;
}

}  // namespace

RangeTombstoneListPtr SurvivingTombstones(
    const std::vector<SequenceNumber>& snapshots, bool bottommost,
    const FragmentedRangeTombstoneList& all, uint64_t retention_horizon) {
  const auto stripe_of = [&snapshots](SequenceNumber seq) {
    return static_cast<size_t>(
        std::lower_bound(snapshots.begin(), snapshots.end(), seq) -
        snapshots.begin());
  };
  std::vector<RangeTombstone> keep;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& f = all.fragment(i);
    bool first = true;
    size_t last_stripe = 0;
    for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
      const size_t stripe = stripe_of(all.seq(j));
      if (!first && stripe == last_stripe) continue;
      first = false;
      last_stripe = stripe;
      if (bottommost && stripe == 0) continue;
      keep.push_back(RangeTombstone{f.begin, f.end, all.seq(j), 0});
    }
  }
  // Timed ones drop nothing, and stay: all of them after the horizon, and
  // of those at or before it the ones some reader still takes.
  const std::vector<RangeTombstone>& timed = all.timed();
  if (retention_horizon == 0) {
    keep.insert(keep.end(), timed.begin(), timed.end());
  } else {
    const std::vector<bool> needed = NeededBehindHorizon(
        all.user_comparator(), timed, retention_horizon, snapshots);
    for (size_t i = 0; i < timed.size(); ++i) {
      if (timed[i].timestamp > retention_horizon || needed[i]) {
        keep.push_back(timed[i]);
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
  // The table's share: each tombstone overlapping [*lower, *upper), cut to
  // it, in internal key order.
  std::vector<RangeTombstone> share;
  const auto take = [&](const Slice& begin, const Slice& end,
                        SequenceNumber seq, uint64_t ts) {
    if (upper != nullptr && ucmp->Compare(begin, *upper) >= 0) return;
    if (lower != nullptr && ucmp->Compare(end, *lower) <= 0) return;
    RangeTombstone t;
    const Slice b =
        lower != nullptr && ucmp->Compare(begin, *lower) < 0 ? *lower : begin;
    const Slice e =
        upper != nullptr && ucmp->Compare(*upper, end) < 0 ? *upper : end;
    t.begin.assign(b.data(), b.size());
    t.end.assign(e.data(), e.size());
    t.sequence = seq;
    t.timestamp = ts;
    share.push_back(std::move(t));
  };
  for (size_t i = lower != nullptr ? list.LowerBound(*lower) : 0;
       i < list.size(); ++i) {
    const auto& f = list.fragment(i);
    if (upper != nullptr && ucmp->Compare(f.begin, *upper) >= 0) break;
    for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
      take(f.begin, f.end, list.seq(j), 0);
    }
  }
  for (const RangeTombstone& t : list.timed()) {
    take(t.begin, t.end, t.sequence, t.timestamp);
  }
  std::sort(share.begin(), share.end(),
            [ucmp](const RangeTombstone& a, const RangeTombstone& b) {
              const int r = ucmp->Compare(a.begin, b.begin);
              return r != 0 ? r < 0 : a.sequence > b.sequence;
            });

  std::string key;
  std::string value;
  for (const RangeTombstone& t : share) {
    EncodeRangeTombstone(t, &key, &value);
    builder->AddRangeTombstone(key, value);
    ExtendMetaByTombstone(icmp, t, key, meta);
  }
  return share.size();
}

void ExtendMetaByTombstone(const InternalKeyComparator& icmp,
                           const RangeTombstone& t, const Slice& encoded_key,
                           FileMetaData* meta) {
  meta->smallest_seqno = std::min(meta->smallest_seqno, t.sequence);
  meta->largest_seqno = std::max(meta->largest_seqno, t.sequence);
  ++meta->num_entries;
  ++meta->num_deletions;
  if (meta->smallest.Encode().empty() ||
      icmp.Compare(encoded_key, meta->smallest.Encode()) < 0) {
    meta->smallest.SetEncoded(encoded_key);
  }
  const InternalKey bound(t.end, kMaxSequenceNumber,
                          static_cast<uint8_t>(ValueType::kRangeDeletion));
  if (meta->largest.Encode().empty() ||
      icmp.Compare(bound.Encode(), meta->largest.Encode()) > 0) {
    meta->largest = bound;
  }
}

}  // namespace strata::internal
