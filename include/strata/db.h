// strata/db.h — the database.
//
// A DB is a persistent, ordered map from byte-string keys to byte-string
// values, stored in one directory. All methods are safe to call from many
// threads at once. Only one DB object (in one process) may have a directory
// open at a time; a second open fails with IOError saying it is locked.
//
// Every fallible call returns a Status; after Close() every call returns
// InvalidArgument. After a background flush or compaction fails, or a WAL
// write or sync fails, every write returns that error, prefixed with
// "writes are stopped until the DB is reopened"; reads go on.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"

namespace strata {

// One file of a checkpoint (DB::CreateCheckpoint).
struct CheckpointFile {
  std::string name;     // its name inside the checkpoint directory
  uint64_t bytes = 0;   // its size
  bool linked = false;  // a hard link to the DB's file (false: a copy)
};

// What DB::CreateCheckpoint made.
struct CheckpointMetadata {
  std::string directory;   // the checkpoint's directory
  uint64_t sequence = 0;   // the last write it holds (strata.last-sequence)
  uint64_t timestamp = 0;  // that write's commit timestamp; 0 unversioned
  std::vector<CheckpointFile> files;  // every file, in name order
  uint64_t total_bytes = 0;           // the files' bytes added up
};

// A key range [start, limit) (DB::GetApproximateSizes).
struct Range {
  Slice start;
  Slice limit;
  Range() = default;
  Range(const Slice& s, const Slice& l) : start(s), limit(l) {}
};

class DB {
 public:
  // Opens (or, with create_if_missing, creates) the DB in directory `path`.
  // On success stores it in `*db`; on failure leaves `*db` empty.
  //  - A DB exists where CURRENT does. Tables, logs or a MANIFEST without
  //    CURRENT are Corruption naming CURRENT, and nothing is written: a new
  //    DB is never created over another's files.
  //  - Only files named exactly as strata names them are its own (see
  //    docs/manifest_format.md); anything else in the directory is never
  //    read, replaced or deleted. A new DB refuses a directory holding a
  //    LOG or LOG.old it would overwrite.
  //  - A table or log holding writes the recovered state lacks (a MANIFEST
  //    cut short, a log past a sequence gap) is moved to `path`/lost/ and
  //    named by the property strata.lost-files; with paranoid_checks the
  //    open fails with Corruption instead and changes nothing.
  //  - A failed open leaves nothing running, and a DB it was creating
  //    leaves no file behind.
  static Status Open(const Options& options, const std::string& path,
                     std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes the DB if Close() was not called, discarding its status.
  virtual ~DB() = default;

  virtual Status Put(const WriteOptions& options, const Slice& key,
                     const Slice& value) = 0;
  virtual Status Delete(const WriteOptions& options, const Slice& key) = 0;
  // Removes every key in [begin, end). InvalidArgument if begin >= end.
  virtual Status DeleteRange(const WriteOptions& options, const Slice& begin,
                             const Slice& end) = 0;
  // Applies `batch` atomically.
  virtual Status Write(const WriteOptions& options, WriteBatch* batch) = 0;

  // Stores the value of `key` in `*value`; NotFound when absent.
  virtual Status Get(const ReadOptions& options, const Slice& key,
                     std::string* value) = 0;
  // An iterator over the DB as of options.snapshot (or now). Check its
  // status(); made after Close(), or with a snapshot that is not a live
  // one of this DB, it is invalid with InvalidArgument. It may outlive
  // this DB object (see strata/iterator.h).
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  // Counts live keys in [begin, end) without reading values.
  virtual Status Count(const ReadOptions& options, const Slice& begin,
                       const Slice& end, uint64_t* count) = 0;

  // Pins the current state. Release with ReleaseSnapshot(). nullptr after
  // Close(). A snapshot belongs to the DB that made it: reads on another DB
  // through it (ReadOptions::snapshot), or through one already released,
  // are InvalidArgument.
  virtual const Snapshot* GetSnapshot() = 0;
  // Releases a snapshot of this DB. A snapshot released already, another
  // DB's, or nullptr: nothing happens (noted in the info LOG). Once
  // released, the pointer must not be used: a later snapshot may reuse its
  // address.
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // For each of the `n` ranges, the approximate bytes its keys take in the
  // table files (as stored: compressed; values in the value log and
  // writes still in the memtables are not counted). A range whose limit
  // is at or before its start is 0. Reads index blocks only, so it is
  // cheap; it may be off by a block at each end of each table, and a
  // table that cannot be opened counts nothing.
  virtual Status GetApproximateSizes(const Range* ranges, int n,
                                     uint64_t* sizes) = 0;

  // Writes the memtable to a table on disk and waits.
  virtual Status Flush() = 0;
  // Compacts the key range [*begin, *end] through every level and waits;
  // nullptr leaves that end open.
  virtual Status CompactRange(const Slice* begin, const Slice* end) = 0;
  // Stores a property's value; false for an unknown name. Names:
  // strata.stats (per-level table), strata.counters, strata.mem-usage,
  // strata.block-cache-usage, strata.open-tables, strata.total-sst-bytes,
  // strata.num-files-at-level<N>, strata.num-flushes, strata.stall-micros,
  // strata.last-sequence, strata.num-snapshots, strata.estimate-num-keys,
  // strata.num-range-deletions, strata.num-immutable-mem-table,
  // strata.lost-files (the files this open moved to lost/, one per line),
  // strata.sstables (the tables of each level with their key ranges),
  // strata.size-all-mem-tables (bytes of the active and immutable
  // memtables; strata.mem-usage counts the active one),
  // strata.num-entries-active-mem-table, strata.num-deletes-active-mem-table,
  // and strata.background-work-pending: "1" while a flush or compaction
  // runs or is due, including the idle fold of L0 still to come once reads
  // have paid for it (Options::level0_idle_compaction_ms), "0" once
  // nothing is left. A fold still waiting for reads is not counted: "0"
  // does not mean the tree keeps its shape, as reads may start that fold.
  // With the fold on and paid for, a writer that writes more often than
  // its delay keeps it at "1" while L0 holds a table: wait for "0" only
  // once writes stop.
  virtual bool GetProperty(const Slice& name, std::string* value) = 0;
  // Makes a consistent copy of the DB in `dir`: a DB that opens in exactly
  // the state of one moment (every write up to one sequence; in a
  // versioned DB, its history too), while writers go on. Tables and
  // value-log files are hard-linked (copied when `dir` is on another file
  // system); the write-ahead log is copied up to that moment, and a
  // MANIFEST naming exactly those files is written. Fills `*meta` when
  // given. `dir` must not exist (InvalidArgument); its parent must. The
  // checkpoint is built in `dir`.strata-tmp and renamed into place when
  // whole, so a crash leaves no `dir` that opens half-made; a later call
  // removes what such a crash left.
  virtual Status CreateCheckpoint(const std::string& dir,
                                  CheckpointMetadata* meta = nullptr) = 0;
  // Replaces this open DB's files and state with the checkpoint in
  // `checkpoint_dir` (which is left as it is). Every file of the
  // checkpoint is verified first; if one fails, nothing changes and the DB
  // stays open as it was. Then writers drain, background work stops, the
  // checkpoint is swapped in atomically (a crash at any point opens as the
  // old state or the restored one) and the DB goes on from the restored
  // state. What belonged to the state before fails cleanly: its iterators
  // turn invalid with InvalidArgument at their next step; its snapshots,
  // and its transactions' calls, are InvalidArgument saying so. A call
  // racing the restore may still run on the old state, or fail that way.
  virtual Status RestoreFromCheckpoint(const std::string& checkpoint_dir) = 0;
  // Hands the write-ahead log's buffered bytes to the OS and, with `sync`,
  // makes every write acknowledged so far durable (fsync): the barrier for
  // writers that write with WriteOptions::sync = false. A failed sync
  // stops writes, as a failed sync write does.
  virtual Status FlushWAL(bool sync) = 0;
  // Reads every block of every live table and every record of every live
  // value-log file and checks its checksum. Corruption names the file and
  // the offset of the first damage found.
  virtual Status VerifyChecksums() = 0;

  // Syncs the WAL, releases the directory lock and ends the DB's use.
  virtual Status Close() = 0;

  // Begins a transaction (strata/transaction.h) at the current state.
  // Never null: after Close, every call on it fails.
  virtual std::unique_ptr<Transaction> BeginTransaction(
      const WriteOptions& options,
      const TransactionOptions& txn_options = TransactionOptions()) = 0;
};

// Deletes the DB in `path` and its files. OK if there is none. Fails with
// IOError if the DB is open.
Status DestroyDB(const std::string& path, const Options& options);

// What RepairDB kept and what it set aside.
struct RepairReport {
  uint64_t tables_kept = 0;  // tables that verified (salvaged logs' too)
  uint64_t tables_lost = 0;  // tables that did not: moved to lost/
  uint64_t vlog_files_kept = 0;
  uint64_t vlog_files_lost = 0;         // whose header could not be read
  uint64_t logs_salvaged = 0;           // logs turned into tables
  uint64_t log_records = 0;             // records they gave
  uint64_t log_bytes_dropped = 0;       // damaged log bytes left out
  uint64_t entries = 0;                 // entries in the kept tables
  std::vector<std::string> lost_files;  // names under lost/, as moved
  std::vector<std::string> notes;       // one line per decision, in order
};

// Rebuilds the MANIFEST of the closed DB in `path` from its files, for a
// DB whose MANIFEST or CURRENT is lost or damaged
// (docs/manifest_format.md#repair):
//  - every table is read whole and checked; those that verify, and every
//    write-ahead log salvaged record by record (damaged records are left
//    out and counted), are merged into new tables at the last level, one
//    copy of each write;
//  - every value-log file whose header reads is kept (values past damage
//    in it read as Corruption);
//  - unreadable files, the logs and the old MANIFESTs go to `path`/lost/.
// Options must match the DB's versioning: a mismatch is InvalidArgument,
// with nothing changed. `*report` (optional) says what was kept and lost.
// IOError if the DB is open.
Status RepairDB(const std::string& path, const Options& options,
                RepairReport* report);
Status RepairDB(const std::string& path, const Options& options);

// Replaces the DB in `db_dir` (closed; created if missing) with the
// checkpoint in `checkpoint_dir`, which is left as it is. Every file of
// the checkpoint is verified first (tables, value-log files, logs,
// MANIFEST); if any fails nothing changes. The switch is atomic: after a
// crash the next Open finds either the old DB or the restored one, never a
// mix. The DB keeps its IDENTITY, info LOG and lost/ folder.
Status RestoreFromCheckpoint(const std::string& checkpoint_dir,
                             const std::string& db_dir, const Options& options);

}  // namespace strata
