#include "compaction/flush_job.h"

#include <cassert>
#include <limits>
#include <utility>

#include "compaction/table_output.h"

namespace strata::internal {

Status RunFlush(const FlushJobOptions& o, const MemTable& mem, uint64_t number,
                FileMetaData* meta, std::vector<VlogFileMeta>* vlogs) {
  assert(o.vlog_threshold == 0 || o.new_vlog_file_number);
  vlogs->clear();
  assert(o.env != nullptr && o.icmp != nullptr);
  assert(o.table_options.comparator == o.icmp);
  *meta = FileMetaData();
  meta->number = number;
  RangeTombstoneListPtr tombstones = mem.RangeTombstones();
  if (tombstones != nullptr) {
    tombstones =
        SurvivingTombstones(o.snapshots, /*bottommost=*/false, *tombstones);
  }

  TableOutputOptions output = o;
  output.max_output_file_size = std::numeric_limits<uint64_t>::max();
  bool numbered = false;
  output.new_file_number = [number, &numbered] {
    assert(!numbered);  // one output, never split
    numbered = true;
    return number;
  };
  TableOutputWriter out(std::move(output), std::move(tombstones));

  auto iter = mem.NewIterator();
  Status s;
  for (iter->SeekToFirst(); s.ok() && iter->Valid(); iter->Next()) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(iter->key(), &parsed)) {
      s = Status::Corruption("memtable holds a malformed key");
      break;
    }
    s = out.Add(iter->key(), iter->value());
  }
  if (s.ok()) s = out.Finish();
  // The directory entry is durable before any MANIFEST edit names it.
  if (s.ok() && !out.outputs().empty()) s = o.env->SyncDir(o.dbname);
  if (!s.ok()) {
    out.RemoveAll();
    return s;
  }
  if (!out.outputs().empty()) *meta = out.outputs().front();
  *vlogs = out.vlog_outputs();
  return Status::OK();
}

}  // namespace strata::internal
