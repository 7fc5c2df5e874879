// The files of a DB directory, read and checked without opening the DB:
// what DB::VerifyChecksums, CreateCheckpoint's callers, restore and repair
// share.
//
//   VerifyTableFile / VerifyVlogFile / VerifyLogFile  every byte of one
//       file against its checksums; Corruption names the file and offset
//   ReadStoredDb   the state CURRENT and its MANIFEST record, read only:
//       nothing in the directory is written
//   VerifyStoredDb every file that state needs
//
// Thread-safety: plain functions; as safe as the Env they are given.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/status.h"
#include "strata/write_batch.h"
#include "table/format.h"
#include "version/version.h"

namespace strata::internal {

// Opens table `path` (its size taken from the file system) and reads and
// checks every block (Table::VerifyChecksums), bypassing any cache.
Status VerifyTableFile(Env* env, const TableOptions& table_options,
                       const std::string& path);
// Reads every record of value-log file `path` (number `number`, `size`
// bytes) and checks it and the footer.
Status VerifyVlogFile(Env* env, const std::string& path, uint64_t number,
                      uint64_t size);
// Reads every record of write-ahead log `path`; any damage is Corruption
// naming the offset — a torn tail too, unless `tolerate_torn_tail` (the
// last log of a DB that crashed: an open ignores it). `*records`
// (optional) gets their number.
Status VerifyLogFile(Env* env, const std::string& path,
                     bool tolerate_torn_tail = false,
                     uint64_t* records = nullptr);

// Decodes a WAL record into `*batch` and checks it as recovery does: a
// well-formed batch whose sequence follows `prev_max_sequence` (TryAgain
// for a gap: writes before it are missing; Corruption for one at or below
// it). In a versioned DB the record starts with the group's commit
// timestamp (docs/wal_format.md), returned in `*commit_timestamp`. The
// reader has already verified the record's checksums. Defined in
// db_recovery.cc.
Status DecodeLogRecord(const Comparator* ucmp, bool versioned, Slice record,
                       SequenceNumber prev_max_sequence, WriteBatch* batch,
                       uint64_t* commit_timestamp);

// The numbers of the write-ahead logs in `dir` within [min, max],
// ascending.
Status LogNumbersIn(Env* env, const std::string& dir, uint64_t min,
                    uint64_t max, std::vector<uint64_t>* logs);

// The state a closed DB directory records.
struct StoredDb {
  std::shared_ptr<const InternalKeyComparator> icmp;  // `version` borrows it
  uint64_t manifest_number = 0;
  std::shared_ptr<const Version> version;
  uint64_t log_number = 0;  // logs numbered at or above it are replayed
  uint64_t next_file_number = 0;
  SequenceNumber last_sequence = 0;
  uint64_t last_timestamp = 0;
  uint64_t retention_horizon = 0;
  // The write-ahead logs in the directory numbered at or above
  // log_number, ascending.
  std::vector<uint64_t> logs;
};

// Reads CURRENT and the MANIFEST it names in `dir` under `options` (env
// and comparator resolved: ResolveOptions). The errors of
// VersionSet::Recover: a comparator or versioning that differs is
// InvalidArgument; damage is Corruption naming the file.
Status ReadStoredDb(const Options& options, const std::string& dir,
                    StoredDb* db);

// One file VerifyStoredDb checked, and its size.
using VerifyProgress =
    std::function<void(const std::string& name, uint64_t bytes)>;

// Verifies every file `db` (read from `dir`) needs: each table and
// value-log file of its version (missing or the wrong size is Corruption)
// and each log (the last one's torn tail tolerated when
// `tolerate_torn_tail`). Stops at the first error. `progress` (optional)
// is called after each file.
Status VerifyStoredDb(const Options& options, const std::string& dir,
                      const StoredDb& db, const VerifyProgress& progress = {},
                      bool tolerate_torn_tail = false);

// Removes directory `dir` that strata staged (a checkpoint or restore
// being built, left by a crash): strata's files in it, then the directory.
// OK if it does not exist. A file of someone else's in it is left, with
// the directory: IOError naming it.
Status RemoveStrataDirectory(Env* env, const std::string& dir);

}  // namespace strata::internal
