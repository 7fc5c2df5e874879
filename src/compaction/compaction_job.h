// RunCompaction: the mechanism of one compaction. It merges the input
// tables, filters the merged stream through a CompactionIterator and writes
// what survives into new tables, split at a target size. Deciding what to
// compact (the picker) and installing the result (a VersionEdit applied by
// the DB) are not its business: it does no MANIFEST work.
//
// Durability: like a flush (db_flush.cc), each output is built, finished,
// synced and closed, and the directory is synced once all are written, so
// on success every output's data and directory entry are durable before
// the caller names them in the MANIFEST.
//
// Failure: any error (opening or reading an input, corrupt input, creating,
// writing, syncing or closing an output, syncing the directory) ends the
// job; every output it created is removed (best effort) and the error is
// returned. A partial result is never reported as success.
//
// Thread-safety: RunCompaction may run on any thread, without the DB
// mutex; the callbacks in the options must be safe to call from it.
// Ownership: borrows everything the options point to for the duration of
// the call.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/internal_iterator.h"
#include "base/result.h"
#include "compaction/compaction_iterator.h"
#include "compaction/table_output.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "strata/env.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "version/version_edit.h"

namespace strata::internal {

// The outputs are written as TableOutputOptions says (env, dbname,
// table_options, icmp, max_output_file_size, new_file_number — the DB also
// records each number as a pending output, so it is not deleted as obsolete
// meanwhile — and creation_time).
struct CompactionJobOptions : TableOutputOptions {
  // Live snapshot sequences, ascending, and whether the outputs are at the
  // bottom (see CompactionIterator).
  std::vector<SequenceNumber> snapshots;
  bool bottommost = false;
  // Versioned DBs: versions older than this may go (see CompactionIterator
  // rule 4); 0 keeps every version.
  uint64_t retention_horizon = 0;
  // RepairDB's merge: exact repeats are one write (CompactionIterator).
  bool drop_repeats = false;
  // Opens an iterator over an input table (the DB goes through its table
  // cache). An input that cannot be opened is reported as an iterator
  // whose status() is the error (NewErrorInternalIterator).
  std::function<std::unique_ptr<InternalIterator>(const FileMetaData&)>
      open_input;
  // The range tombstones of an input table (null: none). An input that
  // cannot be opened is an error.
  std::function<Result<RangeTombstoneListPtr>(const FileMetaData&)>
      open_input_range_tombstones;
};

struct CompactionJobResult {
  // Synced, with durable directory entries; in key order, and disjoint in
  // user keys (the versions of one user key never straddle two outputs).
  // Empty when nothing survives.
  std::vector<FileMetaData> outputs;
  uint64_t bytes_read = 0;     // sum of the inputs' file_size
  uint64_t bytes_written = 0;  // sum of the outputs' file_size
  CompactionIterator::Stats stats;
  uint64_t range_tombstones_in = 0;   // (fragment, sequence) pairs read
  uint64_t range_tombstones_out = 0;  // and written, over all outputs
  // Value-log files written (finished and synced), and the garbage the
  // dropped entries leave in existing ones (file number → bytes).
  std::vector<VlogFileMeta> vlog_outputs;
  std::map<uint64_t, uint64_t> vlog_garbage;
  uint64_t vlog_bytes_written = 0;  // the sum of vlog_outputs' file sizes
  // Values moved out of the files of vlog_relocate, and their bytes.
  uint64_t vlog_relocated_values = 0;
  uint64_t vlog_relocated_bytes = 0;
};

// Compacts `inputs` (all files of all input levels, in any order) into new
// tables, range tombstones included (each output gets the ones
// overlapping its key range, clipped to it; at the bottom, tombstones in
// the oldest stripe are dropped, having dropped what they cover). Each
// output's FileMetaData carries its number, file_size,
// smallest and largest internal keys, smallest and largest sequence
// numbers, num_entries and num_deletions; its table properties record the
// deletions, sequence range and creation_time.
// REQUIRES: o.env, o.icmp, o.new_file_number, o.open_input and
// o.open_input_range_tombstones are set;
// o.table_options.comparator == o.icmp; o.max_output_file_size > 0;
// every input is non-null.
Result<CompactionJobResult> RunCompaction(
    const CompactionJobOptions& o,
    const std::vector<std::shared_ptr<const FileMetaData>>& inputs);

}  // namespace strata::internal
