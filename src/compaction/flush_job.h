// RunFlush: one memtable becomes one L0 table. Called by the background
// flush and by recovery (db_flush.cc, db_recovery.cc); writes through the
// same TableOutputWriter as a compaction (compaction/table_output.h).
//
// Range tombstones go in whole, one per snapshot stripe and fragment
// (SurvivingTombstones, never bottommost): an L0 table spans whatever its
// memtable held.
//
// Durability: the table is finished, synced and closed, and its directory
// entry synced, before RunFlush returns OK, so the caller may name it in
// the MANIFEST. Failure: the file is removed (best effort) and the error
// returned; a memtable entry that is not a valid internal key is
// Corruption.
//
// Thread-safety: runs on any thread without the DB mutex; the memtable
// must not be written meanwhile (it is frozen). Ownership: borrows what
// its options point to.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compaction/table_output.h"
#include "key/internal_key.h"
#include "memtable/memtable.h"
#include "strata/env.h"
#include "table/format.h"
#include "version/version_edit.h"

namespace strata::internal {

// The table is written as TableOutputOptions says (env, dbname,
// table_options, icmp, creation_time); max_output_file_size and
// new_file_number are RunFlush's own (one table, numbered by the caller).
struct FlushJobOptions : TableOutputOptions {
  // Live snapshot sequences, ascending.
  std::vector<SequenceNumber> snapshots;
};

// Writes `mem` as table `number` and fills `*meta`, and `*vlogs` with the
// value-log files written (with options.vlog_threshold set; numbered by
// options.new_vlog_file_number). An empty memtable (no entry, no
// surviving tombstone) writes no file and gives meta->file_size == 0.
Status RunFlush(const FlushJobOptions& options, const MemTable& mem,
                uint64_t number, FileMetaData* meta,
                std::vector<VlogFileMeta>* vlogs);

}  // namespace strata::internal
