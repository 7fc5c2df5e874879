// VersionEdit: one change to the set of live table files and to the
// counters that go with it (log number, next file number, last sequence).
// Each MANIFEST record is one encoded VersionEdit; docs/manifest_format.md
// gives the byte-level grammar.
//
// FileMetaData describes one table file as the version machinery sees it.
//
// Thread-safety: plain values; one thread at a time per object.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "key/internal_key.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

// Levels are numbered [0, kMaxNumLevels). The decoder rejects any level at
// or above this bound; a VersionSet may use fewer levels.
constexpr int kMaxNumLevels = 64;

// Counts the reads that looked in a table and then had to look in an older
// one (read-triggered compaction: Options::read_compaction_bytes). In
// memory only; a version shares it with the versions after it while they
// hold the table at the same level. A copy starts at 0: the metadata a
// VersionBuilder adds (a new table, or one moved to another level) is a
// copy, so each starts a new budget.
class ReadCharges {
 public:
  ReadCharges() = default;
  ReadCharges(const ReadCharges& /*other*/) noexcept {}
  ReadCharges& operator=(const ReadCharges& /*other*/) noexcept {
    n_.store(0, std::memory_order_relaxed);
    return *this;
  }
  // Adds one (from any thread; the metadata is otherwise immutable) and
  // returns the new count.
  uint64_t Add() const {
    // relaxed: a count; whoever reaches a threshold first acts on it.
    return n_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  uint64_t Count() const { return n_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<uint64_t> n_{0};
};

class Table;  // table/table.h

// The open table of one file, kept with the file's metadata by the table
// cache (db/table_cache.h: TableCache::Borrow and NewIterator pin it while
// the cache has room), so that a read reaches the table through the version it
// already holds, without the cache's lock, hash lookup or reference count. Set
// once; the table and a token from the cache are released with the
// metadata (the token's destructor gives the cache back its room). In
// memory only; a copy starts empty.
class TablePin {
 public:
  TablePin() = default;
  TablePin(const TablePin& /*other*/) noexcept {}
  // Metadata assigned another file's loses its pin (not while it is read:
  // a version's metadata is never assigned).
  TablePin& operator=(const TablePin& /*other*/) noexcept {
    raw_.store(nullptr, std::memory_order_relaxed);
    token_.reset();
    table_.reset();
    return *this;
  }

  // The pinned table, or null. Valid while the metadata lives.
  const Table* get() const { return raw_.load(std::memory_order_acquire); }
  // The pinned table as shared. REQUIRES: get() != nullptr.
  const std::shared_ptr<const Table>& shared() const { return table_; }

  // Pins `table`, and keeps `token` as long as it. Called once, by one
  // thread at a time (the table cache, under its lock): false, changing
  // nothing, if a table is pinned already.
  bool Set(std::shared_ptr<const Table> table,
           std::shared_ptr<const void> token) const {
    if (raw_.load(std::memory_order_relaxed) != nullptr) return false;
    table_ = std::move(table);
    token_ = std::move(token);
    // release: a reader that sees the pointer sees table_ set.
    raw_.store(table_.get(), std::memory_order_release);
    return true;
  }

 private:
  // Written once, before raw_; never again until the metadata dies.
  mutable std::shared_ptr<const Table> table_;
  mutable std::shared_ptr<const void> token_;
  mutable std::atomic<const Table*> raw_{nullptr};
};

// One table file.
struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  InternalKey smallest;  // smallest internal key in the table
  InternalKey largest;   // largest internal key in the table
  SequenceNumber smallest_seqno = 0;
  SequenceNumber largest_seqno = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  // The value-log files its value pointers name, ascending (empty without
  // the value log).
  std::vector<uint64_t> vlog_files;
  ReadCharges read_charges;  // not on disk
  TablePin table;            // not on disk
};

// A value-log file (docs/vlog_format.md) as the MANIFEST records it. It
// stays in a version while a table of that version names it.
struct VlogFileMeta {
  uint64_t number = 0;
  uint64_t file_size = 0;
  uint64_t records = 0;
  uint64_t record_bytes = 0;  // its records' bytes, headers included
  // Of those, the bytes of records no table points to any more (dropped
  // or relocated by compactions): what GC would reclaim.
  uint64_t garbage_bytes = 0;
};

// "<number>:<size>[<smallest> .. <largest>] seq=<lo>..<hi> entries=<n>
// deletions=<d>[ vlogs=<a>,<b>...]", keys printed with non-printable bytes
// escaped.
std::string FileMetaDataDebugString(const FileMetaData& f);

// The tag that starts each field of an encoded edit.
// See docs/manifest_format.md#tags.
// On disk: never renumber or reuse.
enum class EditTag : uint32_t {
  kEnd = 0,               // ends every edit; nothing follows it
  kComparator = 1,        // length-prefixed comparator name
  kLogNumber = 2,         // varint64
  kNextFileNumber = 3,    // varint64
  kLastSequence = 4,      // varint64
  kDeletedFile = 5,       // varint32 level, varint64 number
  kNewFile = 6,           // varint32 level, then the FileMetaData fields
  kLastTimestamp = 7,     // varint64; versioned DBs only
  kRetentionHorizon = 8,  // varint64; versioned DBs with retention only
  kNewFileWithVlogs = 9,  // kNewFile's fields, then the vlog files it names
  kNewVlogFile = 10,      // varint64 number, size, records, record bytes
  kVlogGarbage = 11,      // varint64 number, varint64 bytes (added)
};

class VersionEdit {
 public:
  VersionEdit() = default;

  // Resets every field to "absent".
  void Clear();

  // The name of the user comparator the keys are ordered by.
  void SetComparatorName(const Slice& name);
  // WALs numbered below `n` are fully contained in tables: obsolete.
  void SetLogNumber(uint64_t n);
  // The smallest file number never handed out.
  void SetNextFileNumber(uint64_t n);
  // The sequence number of the last write contained in the DB.
  void SetLastSequence(SequenceNumber s);
  // Versioned DBs: the newest commit timestamp the DB has handed out, so
  // that timestamps keep increasing across a reopen after the WALs that
  // held it are gone, whatever the clock does.
  void SetLastTimestamp(uint64_t ts);
  // Versioned DBs: the newest retention horizon a compaction has used
  // (Options::version_retention): versions older than it may be gone, so an
  // as-of read before it is refused even after a reopen on a clock that
  // went back.
  void SetRetentionHorizon(uint64_t ts);

  // Adds table `f` at `level`.
  // REQUIRES: 0 <= level < kMaxNumLevels.
  void AddFile(int level, const FileMetaData& f);
  // Removes table `number` from `level`.
  // REQUIRES: 0 <= level < kMaxNumLevels.
  void DeleteFile(int level, uint64_t number);
  // Adds value-log file `f` (its garbage_bytes must be 0; garbage comes in
  // AddVlogGarbage).
  void AddVlogFile(const VlogFileMeta& f);
  // `bytes` more of value-log file `number` are garbage. Calls for one file
  // add up.
  void AddVlogGarbage(uint64_t number, uint64_t bytes);

  bool has_comparator_name() const { return has_comparator_name_; }
  const std::string& comparator_name() const { return comparator_name_; }
  bool has_log_number() const { return has_log_number_; }
  uint64_t log_number() const { return log_number_; }
  bool has_next_file_number() const { return has_next_file_number_; }
  uint64_t next_file_number() const { return next_file_number_; }
  bool has_last_sequence() const { return has_last_sequence_; }
  SequenceNumber last_sequence() const { return last_sequence_; }
  bool has_last_timestamp() const { return has_last_timestamp_; }
  uint64_t last_timestamp() const { return last_timestamp_; }
  bool has_retention_horizon() const { return has_retention_horizon_; }
  uint64_t retention_horizon() const { return retention_horizon_; }
  // In the order AddFile() was called (or the order decoded).
  const std::vector<std::pair<int, FileMetaData>>& new_files() const {
    return new_files_;
  }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const {
    return deleted_files_;
  }
  const std::vector<VlogFileMeta>& new_vlog_files() const {
    return new_vlog_files_;
  }
  const std::map<uint64_t, uint64_t>& vlog_garbage() const {
    return vlog_garbage_;
  }

  // Appends the encoding to `*dst` (docs/manifest_format.md#edit-encoding).
  void EncodeTo(std::string* dst) const;

  // Replaces this edit with the one encoded in `src`, which must be exactly
  // one encoding (the end tag is its last byte). On malformed input returns
  // Corruption naming the field at fault and leaves the edit in an
  // unspecified but valid state. Unknown tags are Corruption: the format is
  // deliberately not forward-compatible, since skipping a field an older
  // binary does not understand could lose track of live files.
  [[nodiscard]] Status DecodeFrom(const Slice& src);

  // A multi-line human-readable rendering, for logs and tests.
  std::string DebugString() const;

 private:
  bool has_comparator_name_ = false;
  bool has_log_number_ = false;
  bool has_next_file_number_ = false;
  bool has_last_sequence_ = false;
  bool has_last_timestamp_ = false;
  bool has_retention_horizon_ = false;
  std::string comparator_name_;
  uint64_t log_number_ = 0;
  uint64_t next_file_number_ = 0;
  SequenceNumber last_sequence_ = 0;
  uint64_t last_timestamp_ = 0;
  uint64_t retention_horizon_ = 0;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
  std::vector<VlogFileMeta> new_vlog_files_;
  std::map<uint64_t, uint64_t> vlog_garbage_;  // number → bytes
};

}  // namespace strata::internal
