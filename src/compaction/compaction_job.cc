#include "compaction/compaction_job.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "table/merging_iterator.h"
#include "table/table_builder.h"
#include "version/version_set.h"

namespace strata::internal {
namespace {

// Writes the surviving entries into one output table after another, and
// remembers every file it created so that a failed job can remove them.
class OutputWriter {
 public:
  explicit OutputWriter(const CompactionJobOptions& o) : o_(o) {}
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;
  ~OutputWriter() {
    if (builder_ != nullptr) builder_->Abandon();
  }

  // Appends an entry; first closes the open output if it is full and `key`
  // starts a new user key, and opens an output if none is open.
  // REQUIRES: `key` is a valid internal key sorting after every key added
  // before.
  Status Add(const Slice& key, const Slice& value);

  // Finishes, syncs and closes the open output, if any.
  Status FinishOutput();

  // Gives up: abandons the open output and removes every file created.
  void RemoveAll();

  const std::vector<FileMetaData>& outputs() const { return outputs_; }
  std::vector<FileMetaData> TakeOutputs() { return std::move(outputs_); }

 private:
  Status OpenOutput();

  const CompactionJobOptions& o_;
  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;  // null when no output is open
  FileMetaData current_;                   // of the open output
  std::string last_key_;                   // last key added to it
  std::vector<std::string> created_paths_;
  std::vector<FileMetaData> outputs_;  // finished ones, in key order
};

Status OutputWriter::Add(const Slice& key, const Slice& value) {
  ParsedInternalKey ikey;
  const bool parsed = ParseInternalKey(key, &ikey);
  assert(parsed);  // the CompactionIterator lets only valid keys through
  (void)parsed;
  // Outputs of one level must stay disjoint in user keys, so a full output
  // still takes the remaining versions of its last user key.
  if (builder_ != nullptr && builder_->FileSize() >= o_.max_output_file_size &&
      o_.icmp->CompareUserKeys(ikey.user_key, ExtractUserKey(last_key_)) != 0) {
    STRATA_RETURN_IF_ERROR(FinishOutput());
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

Status OutputWriter::OpenOutput() {
  assert(builder_ == nullptr);
  current_ = FileMetaData();
  current_.number = o_.new_file_number();
  current_.smallest_seqno = kMaxSequenceNumber;
  const std::string path = TableFileName(o_.dbname, current_.number);
  // Recorded before the attempt: a failed create may still leave a file.
  created_paths_.push_back(path);
  STRATA_RETURN_IF_ERROR(o_.env->NewWritableFile(path, &file_));
  builder_ = std::make_unique<TableBuilder>(o_.table_options, file_.get());
  return Status::OK();
}

Status OutputWriter::FinishOutput() {
  if (builder_ == nullptr) return Status::OK();
  // TODO(#5): widen smallest/largest to the range tombstones clipped to
  // this output, write them into its range-deletion block and count them
  // in num_range_deletions.
  current_.largest.SetEncoded(last_key_);
  TableProperties props;
  props.num_deletions = current_.num_deletions;
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

void OutputWriter::RemoveAll() {
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

// Opens every input and merges them in internal key order.
Result<std::unique_ptr<InternalIterator>> OpenInputs(
    const CompactionJobOptions& o,
    const std::vector<std::shared_ptr<const FileMetaData>>& inputs) {
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.reserve(inputs.size());
  for (const auto& f : inputs) {
    assert(f != nullptr);
    std::unique_ptr<InternalIterator> child = o.open_input(*f);
    if (child == nullptr) {
      return Status::InvalidArgument("compaction could not open input ",
                                     TableFileName(o.dbname, f->number));
    }
    children.push_back(std::move(child));
  }
  return NewMergingIterator(o.icmp, std::move(children));
}

// Feeds every surviving entry to `out`; stops at the first error.
Status WriteSurvivors(CompactionIterator* iter, OutputWriter* out) {
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    STRATA_RETURN_IF_ERROR(out->Add(iter->key(), iter->value()));
  }
  return iter->status();
}

}  // namespace

Result<CompactionJobResult> RunCompaction(
    const CompactionJobOptions& o,
    const std::vector<std::shared_ptr<const FileMetaData>>& inputs) {
  assert(o.env != nullptr && o.icmp != nullptr);
  assert(o.new_file_number && o.open_input);
  assert(o.table_options.comparator == o.icmp);
  assert(o.max_output_file_size > 0);

  CompactionJobResult result;
  for (const auto& f : inputs) result.bytes_read += f->file_size;
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<InternalIterator> merged,
                          OpenInputs(o, inputs));

  CompactionIteratorOptions iter_options;
  iter_options.icmp = o.icmp;
  iter_options.snapshots = o.snapshots;
  iter_options.bottommost = o.bottommost;
  CompactionIterator iter(iter_options, merged.get());

  OutputWriter out(o);
  Status s = WriteSurvivors(&iter, &out);
  if (s.ok()) s = out.FinishOutput();
  // The outputs' directory entries are durable before the caller can name
  // them in the MANIFEST.
  if (s.ok() && !out.outputs().empty()) s = o.env->SyncDir(o.dbname);
  if (!s.ok()) {
    out.RemoveAll();
    return s;
  }

  result.outputs = out.TakeOutputs();
  for (const FileMetaData& f : result.outputs) {
    result.bytes_written += f.file_size;
  }
  result.stats = iter.stats();
  return result;
}

}  // namespace strata::internal
