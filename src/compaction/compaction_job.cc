#include "compaction/compaction_job.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "table/merging_iterator.h"
#include "version/version_set.h"

namespace strata::internal {
namespace {

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
Status WriteSurvivors(CompactionIterator* iter, TableOutputWriter* out) {
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
  assert(o.new_file_number && o.open_input && o.open_input_range_tombstones);
  assert(o.table_options.comparator == o.icmp);
  assert(o.max_output_file_size > 0);

  CompactionJobResult result;
  for (const auto& f : inputs) result.bytes_read += f->file_size;
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<InternalIterator> merged,
                          OpenInputs(o, inputs));

  std::vector<RangeTombstone> tombstones;
  for (const auto& f : inputs) {
    STRATA_ASSIGN_OR_RETURN(RangeTombstoneListPtr list,
                            o.open_input_range_tombstones(*f));
    if (list != nullptr) list->AppendTombstones(&tombstones);
  }
  result.range_tombstones_in = tombstones.size();
  RangeTombstoneListPtr all;
  RangeTombstoneListPtr surviving;
  if (!tombstones.empty()) {
    all = std::make_shared<const FragmentedRangeTombstoneList>(
        o.icmp->user_comparator(), std::move(tombstones));
    surviving = SurvivingTombstones(o.snapshots, o.bottommost, *all,
                                    o.retention_horizon);
  }

  CompactionIteratorOptions iter_options;
  iter_options.icmp = o.icmp;
  iter_options.snapshots = o.snapshots;
  iter_options.bottommost = o.bottommost;
  iter_options.retention_horizon = o.retention_horizon;
  iter_options.drop_repeats = o.drop_repeats;
  iter_options.range_tombstones = all;
  CompactionIterator iter(iter_options, merged.get());

  TableOutputWriter out(o, surviving);
  Status s = WriteSurvivors(&iter, &out);
  if (s.ok()) s = out.Finish();
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
  result.range_tombstones_out = out.tombstones_written();
  result.vlog_outputs = out.vlog_outputs();
  for (const VlogFileMeta& f : result.vlog_outputs) {
    result.vlog_bytes_written += f.file_size;
  }
  result.vlog_garbage = iter.vlog_garbage();
  for (const auto& [number, bytes] : out.relocated_garbage()) {
    result.vlog_garbage[number] += bytes;
  }
  result.vlog_relocated_values = out.relocated_values();
  result.vlog_relocated_bytes = out.relocated_bytes();
  return result;
}

}  // namespace strata::internal
