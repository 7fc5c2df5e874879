// strata/options.h — settings for opening a DB, reading and writing.
//
// Options are plain values with defaults chosen for a general workload on a
// small server. DB::Open checks them (Options::Validate) and names the bad
// field in its error.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "strata/status.h"

namespace strata {

class Comparator;
class Env;
class Snapshot;

// On disk: never renumber or reuse.
enum class Compression : uint8_t {
  kNone = 0,
  kSnappy = 1,
  kLZ4 = 2,
  kZstd = 3,
};

// "none", "snappy", "lz4" or "zstd"; "unknown" for any other value.
const char* CompressionName(Compression type);

// How WAL replay treats damaged records at open.
enum class WalRecoveryMode : uint8_t {
  // Default. A record cut short by a crash at the very end of a log is
  // dropped (it was never acknowledged as synced); any other damage fails
  // the open with Corruption naming the file and offset.
  kTolerateTornTail = 0,
  // Any damage, a torn tail included, fails the open with Corruption.
  kAbsoluteConsistency = 1,
  // Skips every record whose checksum fails and keeps the rest; what was
  // skipped is written to the info LOG. For recovering what can be proven
  // good from a damaged log.
  kSalvage = 2,
};

enum class CompactionStyle : uint8_t {
  kLeveled = 0,
  kSizeTiered = 1,
};

struct Options {
  // Open creates the DB when the directory holds none.
  bool create_if_missing = true;
  // Open fails when a DB already exists in the directory.
  bool error_if_exists = false;
  // Check more aggressively and stop at the first sign of damage:
  //  - Open fails with Corruption, changing nothing, where it would
  //    otherwise move a table or log holding writes the recovered state
  //    lacks to lost/ (see DB::Open);
  //  - Open reads and checks every live table's footer, index, filter and
  //    meta blocks, failing with Corruption naming the first damaged one;
  //  - every block a read takes from a table is checksum-verified, even
  //    when ReadOptions::verify_checksums is false.
  bool paranoid_checks = false;

  // Bytes a memtable may hold before it is frozen and flushed.
  size_t write_buffer_size = 64 << 20;
  // Memtables (active plus frozen) that may exist before writers stall.
  int max_write_buffer_number = 4;

  // Approximate uncompressed size of a table data block.
  size_t block_size = 4096;
  // Keys between restart points of prefix compression in a block.
  int block_restart_interval = 16;
  // Bloom filter bits per key; 0 turns filters off.
  int bloom_bits_per_key = 10;
  // Per-block compression. LZ4 by default: on 4 KiB blocks of db_bench-like
  // values it stores as small as snappy (0.56 of raw) and decompresses
  // faster (~9 GB/s vs ~7 GB/s); zstd saves ~15% more at a third of the
  // speed (docs/table_format.md has the measurement).
  Compression compression = Compression::kLZ4;
  // Data blocks are compressed in independent units, each a run of whole
  // restart intervals of at least this many uncompressed bytes, with a
  // small directory of the units and a separator key between each two
  // (docs/table_format.md#unit-compressed-blocks). A point read that
  // misses the block cache then checks and decompresses only the unit that
  // can hold its key, not the whole block; scans read whole blocks as
  // before. 0 compresses each block whole. The cost is space: a directory
  // of ~70 bytes per ~2.3 KiB stored block, and units compress a little
  // less well apart; at 1,000,000 db_bench-like keys the tables take 5%
  // more (space amplification 0.61 against 0.58) and fills write 5% more.
  // The gain: readrandom with an 8 MiB cache 1.1-1.25x, seekrandom about
  // even (docs/benchmarks.md, "Choosing the defaults").
  size_t compression_unit_size = 1024;
  // Data blocks are packed into pages of this many bytes, the page size of
  // the storage and page cache they are read through: a block that fits in
  // a page never crosses a page boundary. A block is cut short when its
  // next entry would carry it over the boundary (its stored size estimated
  // as it fills), and what is left of a page is padded when it is less
  // than an eighth of the page or too little for the next entry
  // (docs/table_format.md#page-packing). A point
  // read that misses the page cache then reads one page, not the two a
  // block across a boundary needs: with data 4x the memory, readrandom
  // and seekrandom read fewer bytes per operation (docs/benchmarks.md).
  // The cost: padding, a few percent of the tables, and blocks a little
  // smaller on average. 0 turns packing off, as does a block_size above
  // it. Must be 0 or a power of two in [512 B, 64 KiB].
  size_t block_page_size = 4096;
  // Hard capacity of the shared block cache, in bytes.
  size_t block_cache_capacity = 32 << 20;
  // Table files kept open at once (each holds its index and filter in
  // memory). Up to three quarters of them stay open for as long as the DB
  // holds them (a read reaches those without taking a lock); the rest are
  // kept least recently used first, closed past this.
  int max_open_files = 1000;
  // Read table files, and value-log files, through a memory mapping (where
  // the Env supports it, as the POSIX one does): a block read from a table
  // is then checked and decompressed in the page cache, without a pread(2)
  // system call or a copy (a block stored raw is copied once): at 1,000,000
  // keys and an 8 MiB cache, readrandom 1.47x,
  // seekrandom 1.32x and readseq 1.21x the rate with pread, measured
  // before the advice below took 5-15% of it back (docs/benchmarks.md,
  // "Choosing the defaults"). Mappings are advised
  // MADV_RANDOM, so a fault reads its own page and not the device's whole
  // readahead window; scans and compactions ask for what lies ahead
  // (RandomAccessFile::Prefetch). The costs of the advice: in memory, a
  // fault maps its own page and not the cached ones around it (point reads
  // 5-15% slower than without it), and with data larger than memory a
  // block that straddles two pages is two reads from the device where one
  // pread(2) would be one (readrandom 0.78x pread's at 10M keys in 256 MiB).
  // A page the kernel cannot bring in — a disk error under it, or another
  // program truncating the file — raises SIGBUS in the reading thread;
  // strata catches it around its own reads of the mapping (the copies, and
  // the checksums and decompressions of blocks read where they lie) and
  // returns an IOError naming the file and offset, like a failed pread (a
  // program that replaces the SIGBUS handler after the first open takes
  // that over: src/env/mapping_guard.h). The pages read count in the
  // process's resident size as page cache the kernel may reclaim, not as
  // memory strata allocates. At most 4096 files are mapped at once,
  // process-wide; the rest are read with pread(2). LevelDB always maps its
  // tables; RocksDB's allow_mmap_reads is this option.
  bool allow_mmap_reads = true;
  // Write the WAL through a shared memory mapping (where the Env supports
  // it, as the POSIX one does; Env::NewMappedWritableFile): a write copies
  // its record into the page cache, with no write(2) per write group, and
  // survives the process's death as a write(2) would (sync writes still
  // fdatasync). The log is preallocated ahead of its data (64 KiB at
  // first, doubling to 1 MiB at a time), so after a crash the last log
  // ends in zero bytes, and a record the crash interrupted ends in them
  // too; recovery reads both as a torn tail (reported, and not an error,
  // in kTolerateTornTail and kSalvage; docs/wal_format.md). Not used with
  // WalRecoveryMode::kAbsoluteConsistency, which rejects a torn tail (a DB
  // whose process died while writing a mapped log, reopened in that mode,
  // fails on the tail: open it once in kTolerateTornTail first). Env
  // wrappers that do not forward Env::NewMappedWritableFile get plain
  // logs.
  bool allow_mmap_writes = true;

  int num_levels = 7;
  CompactionStyle compaction_style = CompactionStyle::kLeveled;
  // Threads for flushes and compactions (one flush and one compaction run
  // at a time; a second thread lets a flush proceed during a compaction).
  // In [1, 64]. If the system refuses a thread, Open fails with IOError.
  int max_background_jobs = 2;
  // Compaction outputs are split into tables of about this size. 0 (the
  // default): write_buffer_size, at least 2 MiB (64 MiB at the default
  // buffer). Otherwise at least 64 KiB.
  size_t target_file_size = 0;
  // Target size of the level L0 compacts into; deeper levels grow by
  // 10x each, sized from the last level up as the data grows. 0 (the
  // default): write_buffer_size * level0_compaction_trigger, what L0
  // holds when it is compacted (256 MiB at the defaults), so that an L0
  // compaction merges about as much from L0 as from the level below; at
  // least target_file_size.
  // Otherwise at least 64 KiB.
  uint64_t max_bytes_for_level_base = 0;
  // L0 files that trigger a compaction, that start slowing writers down,
  // and that stop writers until compaction catches up.
  int level0_compaction_trigger = 4;
  int level0_slowdown_writes_trigger = 20;
  int level0_stop_writes_trigger = 36;
  // The idle fold: once writes pause, the tables still in L0 (fewer than
  // level0_compaction_trigger) are compacted into the level below, so the
  // reads and scans that follow a load meet one sorted run per level
  // instead of several overlapping L0 tables: a seek merges fewer sources,
  // a Get probes fewer filters. It waits for reads that would use it:
  // since L0 last changed, as many reads as read-triggered compaction
  // would charge for the L0 tables' bytes (their size /
  // read_compaction_bytes, at least 100) must have met an L0 table and
  // another table besides — a Get that looked in an L0 table and went on
  // to another, a seek of an iterator that merges an L0 table with another
  // table, or an iterator's sampled entry with both under it (reads before
  // the pause count too). Then it runs once no write has arrived for this
  // many milliseconds, counted from the background's first look after the
  // last write; a tenth of it when no write has come since the reads were
  // seen to have paid (a read phase). So a load that is closed or left
  // alone is not rewritten; the first reads after a load pay the merge of
  // L0 until they are counted and the fold is done, and overwritten
  // versions in the level below keep their space until then (or until the
  // next compaction). When any L0 table is half deletes or more (1000
  // entries at least), all of L0 is folded after the whole delay without
  // waiting for reads: deletes free space only once compacted. The price:
  // a writer that pauses longer than this after every flush, with reads in
  // between, rewrites the level below once per flush instead of once per
  // level0_compaction_trigger flushes. With read_compaction_bytes 0 the
  // fold waits for no reads. Leveled style only; 0 turns it off; at most
  // 30 days.
  uint64_t level0_idle_compaction_ms = 1000;
  // Read-triggered compaction (leveled style). A point read that reads a
  // table of level 1 or below (its bloom filter let the key through) and
  // then has to look in an older table too charges the first; so does an
  // iterator, for about one entry in 8192 it reads (at random), when an
  // older table under the entry's table holds its key's range. Once a
  // table's charges reach its size / this (at least 100), it is compacted
  // into the next level when no other compaction is due. So a read-mostly
  // key range comes to one sorted run, whose Gets probe one table and
  // whose scans merge one source. The price is write amplification paid
  // for reads: each such compaction rewrites the table and its overlap
  // below (about 11 times its size). LevelDB's seek compaction does the
  // same with this constant (one read per 16 KiB), charging a read its
  // filter turned away too. The same constant sets how many reads the idle
  // fold waits for (level0_idle_compaction_ms). 0 turns read-triggered
  // compaction off, and the idle fold then waits for no reads.
  uint64_t read_compaction_bytes = 16 << 10;

  WalRecoveryMode wal_recovery_mode = WalRecoveryMode::kTolerateTornTail;
  // Close() flushes the memtable to a table so the next open replays no log.
  bool flush_on_close = true;
  // A MANIFEST that has grown past this is replaced, at the next change of
  // the file set, by a new one holding a snapshot of the current state.
  uint64_t max_manifest_file_size = 64 << 20;

  // Largest key and value accepted by writes; larger ones are
  // InvalidArgument, checked before anything is copied.
  size_t max_key_size = 64 << 10;
  size_t max_value_size = 32 << 20;

  // Transactions: the memory the commit index may use (bytes). While
  // read-write transactions are live it holds the latest commit sequence
  // of every key written since the oldest one began (about 80 bytes plus
  // the key per key), so that a commit checks its conflicts in memory.
  // Past this bound its oldest entries go; a transaction older than what
  // it still holds checks its keys in the tree instead (reads at commit,
  // never a Busy that no conflict caused).
  size_t max_transaction_index_bytes = 64 << 20;

  // Time travel (docs/key_format.md). With versioning every write keeps
  // its version, stamped with a timestamp (nanoseconds since the Unix
  // epoch): the commit timestamp of its write group, strictly increasing
  // within the DB (even across a reopen on a clock that went back), or the
  // caller's own (WriteBatch::PutAt/DeleteAt). Reads may then ask for the
  // state as of any past timestamp (ReadOptions::as_of) and for every
  // version (ReadOptions::all_versions); Delete writes a tombstone version
  // that as-of reads before it do not see, and DeleteRange a range
  // tombstone at its timestamp, likewise (WriteBatch::DeleteRangeAt gives
  // the caller's). Fixed when the DB is created:
  // opening it with the other value is InvalidArgument. Without
  // versioning, keys are stored as they are and any timestamp argument is
  // InvalidArgument.
  bool enable_versioning = false;
  // With versioning: how long history is kept. Compaction keeps every
  // version newer than the horizon (now - retention) and the newest one at
  // or before it, so an as-of read at or after the horizon is exact; an
  // as-of read before it is InvalidArgument naming the horizon. Zero keeps
  // every version forever.
  std::chrono::nanoseconds version_retention{0};

  // The value log (WiscKey; docs/vlog_format.md). With it on, values of at
  // least value_log_threshold bytes are moved out of the tables into
  // value-log files when a memtable is flushed or a compaction rewrites a
  // table (never on the write path: the WAL keeps them until then), and
  // the table keeps a small pointer instead: compactions then move keys,
  // not large values. May be turned on for an existing DB (values move as
  // tables are rewritten) and off again (pointers already written keep
  // working; no new value is separated). Keys-only iterators and Count
  // never read the value log.
  bool enable_value_log = false;
  // Values of at least this many bytes are separated (> 0). The default
  // comes from docs/benchmarks.md ("Value log"): from 4 KiB, separating
  // wins on every measure there (against the values in the tables: fills
  // 3.6x, overwrites 2.6x, point reads 1.2x, scans 1.4x, write
  // amplification a third, space within 6%). At 1 KiB it still wins on
  // writes (write amplification under half) and point reads, but scans
  // run at 0.8x and space grows 8%: a trade left to the user.
  size_t value_log_threshold = 4096;
  // A value-log file is finished once it holds this many bytes (at least
  // 64 KiB; it may pass it by its last value); one flush or compaction
  // writes one or more. Open value-log files count against nothing: the
  // DB may keep up to max_open_files of them open besides its tables.
  uint64_t value_log_max_file_size = uint64_t{256} << 20;
  // Garbage collection: a value-log file whose dead bytes (values no
  // table points to any more) reach this share of its records has its
  // live values moved out by compaction (every compaction that rewrites a
  // table pointing into it, and, when no other compaction is due, a
  // rewrite of such a table picked for it, deepest level first; at most
  // 64 MiB of values per compaction, so that one never holds the
  // compaction slot long). Once no table points into it, it is deleted as
  // soon as no iterator or read-only transaction still reads a state that
  // has it (snapshots keep versions, whose values move like the others).
  // In (0, 1]; 1 collects nothing (a file wholly garbage goes anyway).
  // Runs by itself: nothing to schedule. Once the background catches up,
  // the dead share of the value log is below about this ratio, so the
  // space it takes is at most about 1 / (1 - ratio) of its live values;
  // under writes that keep compactions busy it can be higher meanwhile.
  double value_log_gc_discard_ratio = 0.3;
  // The pace of garbage collection that runs on its own (the rewrites
  // picked for it when no other compaction is due): it moves at most this
  // many bytes of values per second (after a burst of 4 MiB once it has
  // been idle), so that reads keep their latency while it runs. Whatever
  // the pace, a rewrite stops moving values (within 10 ms) once another
  // compaction falls due or a memtable waits for a thread to flush it, so
  // that writes never wait for it. Values moved by compactions that run
  // anyway are not paced (writes may be waiting on those). The default
  // comes from docs/benchmarks.md ("readwhilegc"). 0: no limit.
  uint64_t value_log_gc_bytes_per_second = uint64_t{32} << 20;
  // Check each value's checksum when it is read from the value log. Off,
  // a read still checks the record's size, key and the pointer's copy of
  // the checksum, not the bytes of the value.
  bool value_log_verify_checksums = true;

  // Orders user keys. Borrowed: must outlive the DB. nullptr = bytewise.
  const Comparator* comparator = nullptr;
  // The file system. Borrowed: must outlive the DB. nullptr = Env::Default().
  Env* env = nullptr;

  // OK, or InvalidArgument naming the first bad field.
  Status Validate() const;
};

struct ReadOptions {
  // Read as of this snapshot; nullptr = the latest committed state.
  const Snapshot* snapshot = nullptr;
  // Verify block checksums on every read (not only when blocks are cached).
  bool verify_checksums = true;
  // Put blocks read for this operation in the block cache: every block an
  // iterator reads, but for a long scan: of a run of blocks read in order
  // (a level's tables one after another, each L0 table alone; a seek
  // starts new runs), only the first eighth of the cache's capacity, so
  // that a scan of much of the DB does not push out every block other
  // reads use (a scan fills an eighth for each level and L0 table it
  // reads); a block a Get reads once it reads that block a second time
  // while the cache still remembers the first (so that blocks read once
  // at random push out none that are read again). false: cache nothing
  // (lookups happen either way).
  bool fill_cache = true;
  // Iterators yield only keys >= lower_bound (inclusive) ...
  std::optional<std::string> lower_bound;
  // ... and < upper_bound (exclusive).
  std::optional<std::string> upper_bound;
  // Iterators yield keys only; value() is empty and values are not copied.
  bool keys_only = false;

  // Versioned DBs only (Options::enable_versioning); any of these set on
  // another DB is InvalidArgument.
  // Read the state as of this timestamp: for each key, its newest version
  // at or before it. Combines with `snapshot` (a version must be admitted
  // by both). Older than the retention horizon: InvalidArgument.
  std::optional<uint64_t> as_of;
  // Iterators yield every version in the range instead of the newest: key
  // ascending, newest version first (reverse iteration yields the same in
  // reverse); Iterator::timestamp() tells versions apart. With as_of, only
  // versions at or before it. The versions written to keys: a DeleteRange
  // is not one of them, and hides none of them here.
  bool all_versions = false;
  // With all_versions: tombstone versions are yielded too, with
  // Iterator::IsDeleted() true and an empty value.
  bool include_deleted = false;
  // With all_versions: only versions whose timestamp is within
  // [history_from, history_to] (both inclusive; unset = open). With
  // version_retention, versions older than the horizon may be gone: a
  // history scan shows what compaction has kept of them (the newest one at
  // or before the horizon at least), not an error.
  std::optional<uint64_t> history_from;
  std::optional<uint64_t> history_to;
  // With all_versions: at most this many versions are yielded after each
  // seek (0 = no limit).
  uint64_t history_limit = 0;
};

struct WriteOptions {
  // false: eventual durability — the write survives a process crash once
  // acknowledged, and a power loss once a later sync or flush covers it.
  // true: immediate durability — the WAL is fsynced before the call returns.
  bool sync = false;
};

}  // namespace strata
