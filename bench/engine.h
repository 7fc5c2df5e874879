// bench/engine.h — the one interface strata_bench drives every engine through.
//
// Each engine (strata, RocksDB, LevelDB, LMDB) has one small adapter in
// bench/engine_<name>.cc. The workloads see only this interface, so every
// engine runs exactly the same operations with the same keys and values.
//
// Thread-safety: an Engine is opened, flushed and closed by one thread while
// no Session exists. Each worker thread makes its own Session (LMDB needs a
// read transaction per thread); a Session and its Cursors are used by that
// one thread only. Cursors must be destroyed before their Session, and every
// Session before the Engine is closed.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::bench {

// The settings every engine is configured with; the same values go to each.
struct EngineConfig {
  std::string path;                    // directory of this engine's DB
  size_t write_buffer_size = 4 << 20;  // memtable bytes before a flush
  size_t cache_size = 8 << 20;         // block cache bytes
  int bloom_bits_per_key = 10;
  size_t block_size = 4096;  // uncompressed data block bytes
  Compression compression = Compression::kSnappy;
  int max_background_jobs = 2;           // flush + compaction threads
  int threads = 1;                       // worker threads that will read
  uint64_t lmdb_map_size = 64ull << 30;  // LMDB address space reservation
  // Read tables through memory mappings: LevelDB always does (and LMDB is
  // a mapping), so strata and RocksDB do too unless --mmap_reads=0.
  bool mmap_reads = true;
  // LMDB opened with MDB_NORDAHEAD, as its users open it when the data
  // outgrows memory (--lmdb_nordahead; on by itself with --memory_limit).
  bool lmdb_no_readahead = false;
  // strata's Options::level0_idle_compaction_ms (--strata_idle_fold_ms);
  // -1: strata's default.
  int64_t strata_idle_fold_ms = -1;
  // strata's Options::allow_mmap_writes (--strata_mmap_writes); strata's
  // default (on) unless turned off.
  bool strata_mmap_writes = true;
  // strata's Options::block_restart_interval (--strata_restart_interval,
  // at least 1); -1 keeps strata's default. The peers keep theirs (16).
  int64_t strata_restart_interval = -1;
  // strata's Options::compression_unit_size (--strata_compression_unit;
  // 0: whole-block compression); -1 keeps strata's default.
  int64_t strata_compression_unit = -1;
  // strata's Options::block_page_size (--strata_block_page_size; -1 leaves
  // strata's default, 0 turns page packing off).
  int64_t strata_block_page_size = -1;
  // strata's Options::read_compaction_bytes (--strata_read_compaction;
  // 0: no read-triggered compaction); -1 keeps strata's default.
  int64_t strata_read_compaction = -1;
  // strata's Options::target_file_size and max_bytes_for_level_base
  // (--strata_target_file_size, --strata_level_base); 0 keeps strata's
  // defaults.
  int64_t strata_target_file_size = 0;
  int64_t strata_level_base = 0;
  // Time travel (--versions): strata opens with enable_versioning, RocksDB
  // with a comparator carrying an 8-byte user-defined timestamp; engines
  // without versions are skipped.
  bool versioned = false;
  // Values of at least this many bytes live outside the tree (0: off):
  // strata's value log (enable_value_log, value_log_threshold, its other
  // value-log options at their defaults), RocksDB's integrated BlobDB
  // (enable_blob_files, min_blob_size, enable_blob_garbage_collection).
  // The engine strata-inline keeps every value in its tables whatever
  // this says (the value log off), for a side-by-side.
  uint64_t value_log_threshold = 0;
  // strata's Options::value_log_gc_bytes_per_second (--value_log_gc_rate);
  // UINT64_MAX: strata's default.
  uint64_t value_log_gc_rate = UINT64_MAX;
  // readwhilegc: the value log's garbage collection held back while the
  // workload makes garbage (strata: value_log_gc_discard_ratio = 1).
  bool value_log_gc_held = false;
};

// Ordered traversal, positioned on a point-in-time view taken at creation.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First key >= target.
  virtual void Seek(const Slice& target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;
  virtual bool Valid() const = 0;
  // REQUIRES: Valid(). Stays valid until the cursor moves.
  virtual Slice key() const = 0;
  virtual Slice value() const = 0;
  // OK unless an error ended the traversal.
  virtual Status status() const = 0;
};

// A transaction (Session::BeginTxn).
class Txn {
 public:
  virtual ~Txn() = default;
  // OK with *found = false when the key is absent.
  virtual Status Get(const Slice& key, std::string* value, bool* found) = 0;
  virtual Status Put(const Slice& key, const Slice& value) = 0;
  // Busy when the transaction conflicted with another (nothing of it is
  // written; begin a new one to retry). The transaction is over either way.
  virtual Status Commit() = 0;
};

// One worker thread's handle on an open engine.
class Session {
 public:
  virtual ~Session() = default;
  // `sync`: the write is durable (fsynced) before the call returns.
  virtual Status Put(const Slice& key, const Slice& value, bool sync) = 0;
  // Deleting an absent key is OK.
  virtual Status Delete(const Slice& key) = 0;
  // Removes every key in [begin, end) with one write. Engines without
  // range deletes return NotSupported (the workload is then skipped).
  virtual Status DeleteRange(const Slice& begin, const Slice& end) {
    (void)begin;
    (void)end;
    return Status::NotSupported("range deletes");
  }
  // OK with *found = false when the key is absent.
  virtual Status Get(const Slice& key, std::string* value, bool* found) = 0;
  virtual std::unique_ptr<Cursor> NewCursor() = 0;

  // Engines with transactions; the others return NotSupported. A
  // read-only transaction never conflicts.
  virtual Status BeginTxn(bool read_only, std::unique_ptr<Txn>* txn) {
    (void)read_only;
    txn->reset();
    return Status::NotSupported("transactions");
  }

  // Versioned engines (EngineConfig::versioned); the others return
  // NotSupported. A version of `key` at timestamp `ts` (> 0).
  virtual Status PutAt(const Slice& key, const Slice& value, uint64_t ts) {
    (void)key;
    (void)value;
    (void)ts;
    return Status::NotSupported("versions");
  }
  // The newest version of `key` at or before `ts` (UINT64_MAX: the
  // latest); *found = false when there is none.
  virtual Status GetAt(const Slice& key, uint64_t ts, std::string* value,
                       bool* found) {
    (void)key;
    (void)ts;
    (void)value;
    (void)found;
    return Status::NotSupported("versions");
  }
  // Reads every version of every key in [begin, end) (keys ascending,
  // newest version first); counts them in *versions and their key and
  // value bytes in *bytes.
  virtual Status History(const Slice& begin, const Slice& end,
                         uint64_t* versions, uint64_t* bytes) {
    (void)begin;
    (void)end;
    (void)versions;
    (void)bytes;
    return Status::NotSupported("versions");
  }
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::string_view name() const = 0;

  // OK when the engine can run with `config` as given; otherwise
  // NotSupported saying why (e.g. a compression it does not have).
  virtual Status CheckSupported(const EngineConfig& config) const = 0;

  // Every setting the engine is run with, as "name = value" lines: the
  // matched ones from `config` and the engine's own relevant defaults.
  virtual std::vector<std::string> Describe(
      const EngineConfig& config) const = 0;

  // Opens config.path, creating the DB if missing.
  // REQUIRES: not open.
  virtual Status Open(const EngineConfig& config) = 0;
  // REQUIRES: open and no Session alive. Safe to call when not open.
  virtual Status Close() = 0;
  // Moves buffered writes into the engine's on-disk structure and waits
  // (memtable to table, or a data sync for LMDB). Engines without a public
  // flush (LevelDB) return OK: their settle step is the reopen that follows.
  // REQUIRES: open.
  virtual Status Flush() = 0;
  // Waits, at most `max_seconds`, until the engine's background flushes and
  // compactions have nothing left to do, so that a timed workload does not
  // share the machine with leftovers of the load (each adapter says how it
  // tells; LMDB has no background work). OK also when the time runs out.
  // REQUIRES: open.
  virtual Status WaitForBackgroundWork(double max_seconds) = 0;
  // REQUIRES: open.
  virtual std::unique_ptr<Session> NewSession() = 0;

  // Whether the engine, with config.value_log_threshold > 0, collects its
  // value log's garbage in work of its own that EngineConfig::
  // value_log_gc_held can hold back (readwhilegc); RocksDB's BlobDB
  // collects only inside compactions.
  virtual bool HasOwnValueLogGc() const { return false; }
};

// The adapters. `name` is one of EngineNames(), or "rocksdb-otxn" /
// "rocksdb-ptxn" (RocksDB opened as an OptimisticTransactionDB or a
// TransactionDB, for the transactional workloads); nullptr otherwise.
std::unique_ptr<Engine> NewEngine(std::string_view name);
const std::vector<std::string>& EngineNames();

std::unique_ptr<Engine> NewStrataEngine();
// strata with the value log off whatever --value_log_threshold says.
std::unique_ptr<Engine> NewStrataInlineEngine();
std::unique_ptr<Engine> NewRocksDbEngine();
std::unique_ptr<Engine> NewRocksDbOptimisticEngine();
std::unique_ptr<Engine> NewRocksDbPessimisticEngine();
std::unique_ptr<Engine> NewLevelDbEngine();
std::unique_ptr<Engine> NewLmdbEngine();

// Calls `done` every 50 ms until it returns true or `max_seconds` have
// passed; OK either way (adapters' WaitForBackgroundWork).
Status PollUntil(double max_seconds, const std::function<bool()>& done);

// Whether LevelDB's size triggers call for a compaction, judged from its
// "leveldb.stats" text: level 0 holding 4 or more tables, or a level L >= 1
// holding more than 10^L MB. Sizes there are whole megabytes, so a level
// within half a megabyte of its limit may be judged either way.
bool LevelDbCompactionDue(std::string_view stats);

// Parses a CompressionName() (strata/options.h); false if unknown.
bool ParseCompression(std::string_view name, Compression* c);

}  // namespace strata::bench
