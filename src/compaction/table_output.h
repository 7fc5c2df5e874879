// Writing tables out: the one writer behind both a flush (one L0 table,
// compaction/flush_job.h) and a compaction (tables split at a target size,
// compaction/compaction_job.h). Entries go in in internal-key order; the
// writer opens, fills, finishes, syncs and closes one output after another,
// spreads range tombstones over them, and remembers every file it created
// so that a failed job removes them. A later value log separates large
// values here, for flushes and compactions alike.
//
// Thread-safety: one writer is used by one thread. Ownership: borrows what
// its options point to.
//
// Value separation (the value log, docs/vlog_format.md): with a threshold
// set, every value of at least that many bytes goes to a value-log file
// this writer creates (rolled at a maximum size), and the table gets a
// value pointer in its place (entry type kValuePointer). Entries that are
// pointers already pass through. Each output records the value-log files
// its pointers name; Finish() finishes (syncs, closes) the open value-log
// file too, so all of them are durable before the caller names the tables
// in the MANIFEST.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "strata/env.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "version/version_edit.h"
#include "vlog/vlog_writer.h"

namespace strata::internal {

struct TableOutputOptions {
  Env* env = nullptr;
  std::string dbname;  // outputs are TableFileName(dbname, number)
  // How outputs are built. table_options.comparator must be `icmp`.
  TableOptions table_options;
  const InternalKeyComparator* icmp = nullptr;
  // An output is closed once it holds at least this many bytes, at the next
  // change of user key (UINT64_MAX: one output): an output can exceed it by
  // the versions of one key and by its last data block and meta blocks.
  uint64_t max_output_file_size = 64ull << 20;
  // Allocates the number of each output.
  std::function<uint64_t()> new_file_number;
  // Unix seconds, recorded in each output's properties.
  uint64_t creation_time = 0;
  // Values of at least this many bytes are separated (0: none).
  uint64_t vlog_threshold = 0;
  // A value-log file is finished once it holds at least this many bytes.
  uint64_t vlog_max_file_size = 256ull << 20;
  // How separated values are compressed (when it saves an eighth).
  Compression vlog_compression = Compression::kNone;
  // Allocates the number of each value-log file (null: new_file_number).
  std::function<uint64_t()> new_vlog_file_number;
  // Garbage collection: value-log files whose live values move out. A
  // pointer into one of them is replaced by the value, read through
  // `vlog_read` (given the entry's stored key and the pointer) and
  // separated again into this writer's value log (inline when
  // vlog_threshold is 0); its old record becomes garbage.
  std::set<uint64_t> vlog_relocate;
  // Stops relocating once this many value bytes moved (0: no cap); later
  // pointers pass through, and a later job goes on. Bounds the random
  // reads of one job, so that it does not hold the compaction slot long.
  uint64_t vlog_relocate_max_bytes = 0;
  std::function<Status(const Slice& stored_key, const Slice& pointer,
                       std::string* value)>
      vlog_read;
  // Called after each relocated value with its size (null: nothing);
  // returning false stops relocation for the rest of the job, as the cap
  // does. Where the DB paces garbage collection that runs on its own.
  std::function<bool(uint64_t value_bytes)> vlog_after_relocate;
};

// Writes the surviving entries into one output table after another, and
// remembers every file it created so that a failed job can remove them.
class TableOutputWriter {
 public:
  // `tombstones` (nullable): the range tombstones to spread over the
  // outputs, each output taking the ones overlapping its key range.
  TableOutputWriter(TableOutputOptions o, RangeTombstoneListPtr tombstones)
      : o_(std::move(o)), tombstones_(std::move(tombstones)) {}
  TableOutputWriter(const TableOutputWriter&) = delete;
  TableOutputWriter& operator=(const TableOutputWriter&) = delete;
  ~TableOutputWriter() {
    if (builder_ != nullptr) builder_->Abandon();
  }

  // Appends an entry; first closes the open output if it is full and `key`
  // starts a new user key, and opens an output if none is open.
  // REQUIRES: `key` is a valid internal key sorting after every key added
  // before.
  Status Add(const Slice& key, const Slice& value);

  // Finishes the last output: gives it the remaining tombstones (opening
  // one just for them if needed), syncs and closes it; then finishes the
  // open value-log file.
  Status Finish();

  uint64_t tombstones_written() const { return tombstones_written_; }

  // Gives up: abandons the open output and removes every file created.
  void RemoveAll();

  const std::vector<FileMetaData>& outputs() const { return outputs_; }
  std::vector<FileMetaData> TakeOutputs() { return std::move(outputs_); }
  // The value-log files written (finished ones), in order.
  const std::vector<VlogFileMeta>& vlog_outputs() const {
    return vlog_outputs_;
  }
  // The bytes of the values separated (uncompressed), relocated ones
  // included.
  uint64_t separated_bytes() const { return separated_bytes_; }
  // Relocation: the values moved out of vlog_relocate's files, and the
  // garbage that left in them (file number → record bytes).
  uint64_t relocated_values() const { return relocated_values_; }
  uint64_t relocated_bytes() const { return relocated_bytes_; }
  const std::map<uint64_t, uint64_t>& relocated_garbage() const {
    return relocated_garbage_;
  }

 private:
  Status OpenOutput();
  // Moves `value` (of the entry `ikey`) to the value log; `*pointer` gets
  // the pointer's encoding.
  Status Separate(const ParsedInternalKey& ikey, const Slice& value,
                  std::string* pointer);
  Status FinishVlog();
  // Records that the open output names value-log file `number`.
  void NameVlog(uint64_t number);
  // Finishes, syncs and closes the open output, which ends before user key
  // `*upper` (null: the last output).
  Status FinishOutput(const Slice* upper);

  const TableOutputOptions o_;
  const RangeTombstoneListPtr tombstones_;
  // Outputs before the open one end before this user key; the open one
  // starts at it (no lower bound for the first output).
  bool has_lower_ = false;
  std::string lower_;
  uint64_t tombstones_written_ = 0;
  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;  // null when no output is open
  FileMetaData current_;                   // of the open output
  std::string last_key_;                   // last key added to it
  std::vector<std::string> created_paths_;
  std::vector<FileMetaData> outputs_;   // finished ones, in key order
  std::unique_ptr<vlog::Writer> vlog_;  // the open value-log file, if any
  std::vector<VlogFileMeta> vlog_outputs_;
  uint64_t separated_bytes_ = 0;
  uint64_t relocated_values_ = 0;
  uint64_t relocated_bytes_ = 0;
  bool relocation_stopped_ = false;  // vlog_after_relocate said stop
  std::map<uint64_t, uint64_t> relocated_garbage_;
  std::string relocated_value_;  // scratch
  std::string pointer_;          // scratch
  std::string separated_key_;    // scratch
};

// The tombstones an output keeps of `all`: per fragment, the newest plain
// one of each snapshot stripe (an older one in the same stripe hides
// nothing the newer does not, from any reader that sees it), minus, when
// `bottommost`, those of the oldest stripe (the compaction drops every
// version they cover, and nothing older lies below). Timed ones stay (they
// drop nothing), except that of those at or before `retention_horizon`
// (0: none) only the newest each reader stripe sees is kept: every as-of
// read is at or after the horizon and takes the newest. Null when none is
// left. Keeps a table's plain tombstones linear in their number when many
// nest.
RangeTombstoneListPtr SurvivingTombstones(
    const std::vector<SequenceNumber>& snapshots, bool bottommost,
    const FragmentedRangeTombstoneList& all, uint64_t retention_horizon = 0);

// Adds the tombstones of `list` clipped to [*lower, *upper) (a null bound
// is open) to `builder`, in order, and widens `meta` to cover them:
// smallest/largest (a tombstone ending past the last point key makes
// largest the sentinel (end, kMaxSequenceNumber, kRangeDeletion), which
// sorts before every real version of `end`), the sequence range, and
// num_entries and num_deletions (each tombstone counts one in both, so
// the tombstone-density trigger sees it). An
// empty meta->smallest means the table has no point entry yet. Returns
// the number of tombstones added.
uint64_t AddRangeTombstonesToTable(const InternalKeyComparator& icmp,
                                   const FragmentedRangeTombstoneList& list,
                                   const Slice* lower, const Slice* upper,
                                   TableBuilder* builder, FileMetaData* meta);

// Widens `meta` by one tombstone `t` (whose internal key, as
// EncodeRangeTombstone writes it, is `encoded_key`) as
// AddRangeTombstonesToTable does for each it adds.
void ExtendMetaByTombstone(const InternalKeyComparator& icmp,
                           const RangeTombstone& t, const Slice& encoded_key,
                           FileMetaData* meta);

}  // namespace strata::internal
