// DBImpl: the DB behind the public API, split by concern into
//   db_impl.cc      open, close, snapshots, DestroyDB
//   db_properties.cc GetProperty: a table of names and handlers
//   db_write.cc     the commit pipeline (group commit), memtable switches
//   db_read.cc      Get, iterators, Count
//   db_flush.cc     background threads; flush of frozen memtables to L0
//                   tables; obsolete-file deletion
//   db_compaction.cc compactions (automatic and CompactRange), stats
//   db_recovery.cc  MANIFEST + WAL replay at open
//
// Commit pipeline (docs/design.md#commit). Writers queue in `writers_`; the one
// at the front is the leader. The leader takes a group from the front of
// the queue, assigns it a contiguous range of sequence numbers, appends one
// WAL record, syncs once if any member asked, inserts the group into the
// memtable, then publishes the group's last sequence number. Invariants:
//   1. Only the leader touches the WAL and inserts into the memtable, and
//      there is at most one leader (the front of `writers_`).
//   2. `last_sequence_` only grows, and is published (release) after the
//      memtable holds every entry up to it: a reader that sees sequence N
//      sees every write numbered <= N, and never half of a batch.
//   3. After a failed WAL append or sync, `bg_error_` is set and every later
//      write fails with it until reopen; no member of a failed group gets OK.
//      The failed record is cut from the log (WritableFile::Truncate) and
//      nothing more is written to it, so it never appears after a reopen.
//
// Memtables: the active memtable `mem_` takes writes; when it reaches
// write_buffer_size the leader freezes it (it joins `imm_`), starts a new
// WAL and a new memtable. The background thread writes the oldest frozen
// memtable to an L0 table, syncs it, and records it with one MANIFEST edit
// that also advances the WAL number below which logs are obsolete.
// Invariants:
//   4. Every WAL numbered >= versions_->log_number() holds data that is in
//      no table yet; older WALs are deleted only after that edit is durable.
//   5. A sync write first syncs every earlier WAL not yet synced, so a
//      synced write never becomes durable ahead of earlier acknowledged
//      writes. Sequence numbers are dense, so if a power loss keeps a later
//      WAL's unsynced bytes but loses an earlier one's, recovery sees the
//      gap and stops there: what it replays is always a prefix.
//   6. Readers pin a SuperVersion (memtables + version) and take no lock.
//
// Lock order: `mu_` before `sv_mu_` (a leaf). Neither is held across file
// I/O.
// (VersionSet has its own lock for MANIFEST writes, taken without `mu_`.)

#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/latency_histogram.h"
#include "env/info_log.h"
#include "base/mutex.h"
#include "base/result.h"
#include "cache/block_cache.h"
#include "compaction/picker.h"
#include "key/internal_key.h"
#include "db/idle_clock.h"
#include "db/snapshot_list.h"
#include "db/table_cache.h"
#include "memtable/memtable.h"
#include "strata/db.h"
#include "strata/env.h"
#include "table/table.h"
#include "version/version_edit.h"
#include "version/version_set.h"
#include "wal/log_writer.h"

namespace strata::internal {

// Memtable arena blocks: an eighth of the write buffer, within [4 KiB, 1 MiB],
// so that small buffers still fill in many steps and big ones allocate rarely.
inline size_t ArenaBlockSize(size_t write_buffer_size) {
  const size_t b = write_buffer_size / 8;
  return b < (4 << 10) ? (4 << 10) : (b > (1 << 20) ? (1 << 20) : b);
}

// What readers pin: the memtables and the version of the table files that
// together hold the DB's state (invariant 6).
struct SuperVersion {
  std::shared_ptr<const MemTable> mem;
  std::vector<std::shared_ptr<const MemTable>> imm;  // newest first
  std::shared_ptr<const Version> version;
};

class DBImpl final : public DB {
 public:
  friend struct DBProperties;  // db_properties.cc

  DBImpl(const Options& options, const std::string& dbname);
  ~DBImpl() override;

  // Opens the DB: decide from the directory's files whether it holds a DB
  // (CURRENT) and refuse to create one over another DB's files; lock,
  // recover, start a new WAL and the background threads. On failure
  // nothing keeps running, and a DB this call was creating leaves no file
  // behind.
  Status OpenImpl();

  Status Put(const WriteOptions& options, const Slice& key,
             const Slice& value) override;
  Status Delete(const WriteOptions& options, const Slice& key) override;
  Status DeleteRange(const WriteOptions& options, const Slice& begin,
                     const Slice& end) override;
  Status Write(const WriteOptions& options, WriteBatch* batch) override;

  Status Get(const ReadOptions& options, const Slice& key,
             std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  Status Count(const ReadOptions& options, const Slice& begin,
               const Slice& end, uint64_t* count) override;

  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;

  Status Flush() override;
  Status CompactRange(const Slice* begin, const Slice* end) override;
  bool GetProperty(const Slice& name, std::string* value) override;
  Status CreateCheckpoint(const std::string& dir) override;
  Status Close() override;
  std::unique_ptr<Transaction> BeginTransaction(
      const WriteOptions& options,
      const TransactionOptions& txn_options) override;

  // A member of the commit queue. A writer with no batch asks the leader
  // to freeze the memtable (Flush).
  //
  // `validate`, when set, is the seam where a transaction layer checks
  // conflicts and commits atomically inside the pipeline
  // (validate-and-record). The leader calls it in queue order, under the
  // mutex, with the sequence number the member's first record gets if it
  // is accepted: every member accepted before it in the same group (and
  // every earlier group) has a lower one, so a validator that records what
  // it accepts sees the writes committed ahead of it, its own group's
  // included. A non-OK result removes the member from the group and
  // becomes its status. It must not do I/O or take `mu_` (it runs under
  // it). If the group's WAL write then fails, every member gets that error
  // and writes stop until reopen, so nothing recorded becomes visible.
  struct Writer {
    explicit Writer(Mutex* mu) : cv(mu) {}
    WriteBatch* batch = nullptr;
    bool sync = false;
    std::function<Status(SequenceNumber first_sequence)> validate;
    bool skipped = false;  // failed validation; `status` says why
    bool done = false;     // set once the writer has left the queue
    Status status;
    CondVar cv;
  };

  // Runs `writer` through the commit pipeline and returns its status.
  Status WriteThroughPipeline(Writer* writer);
  // Write() with a validator (see Writer::validate): the transaction
  // layer's commit.
  Status WriteValidated(const WriteOptions& options, WriteBatch* batch,
                        std::function<Status(SequenceNumber)> validate);

  // Holds the commit pipeline: returns once every write queued before the
  // call has finished; writes (and Flush) queued after it wait until
  // ResumeWrites(). Meanwhile the WAL holds exactly the writes up to
  // strata.last-sequence (a checkpoint copies a consistent tail this way).
  // InvalidArgument if already paused or closed. Close() waits for
  // ResumeWrites().
  Status PauseWrites();
  void ResumeWrites();
  // For tests: writers queued now (a pause counts as one).
  size_t QueuedWritersForTest();

  // While held (calls nest), no file is deleted as obsolete: a checkpoint
  // or backup may link or copy the live files meanwhile. Returns once any
  // deletion pass already running has finished. The deletions held back
  // run when the last hold is released.
  void HoldFileDeletions();
  void ReleaseFileDeletions();

 private:
  Status GetImpl(const ReadOptions& options, const Slice& key,
                 std::string* value);
  // Write(), timed into write_micros_. `checked`: the caller built the
  // batch from arguments it has validated already (Put, Delete,
  // DeleteRange), so the batch is not walked again.
  Status TimedWrite(const WriteOptions& options, WriteBatch* batch,
                    bool checked);
  // TimedWrite() without the timing.
  Status WriteImpl(const WriteOptions& options, WriteBatch* batch,
                   bool checked);

 public:

 private:
  // A frozen memtable waiting to be flushed, and the WAL its data starts in.
  struct FrozenMemTable {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number = 0;
  };

  // Checks a batch before anything is written: sizes, empty keys, and
  // operations whose machinery does not exist yet.
  Status CheckBatch(const WriteBatch& batch) const;
  // OK, or bg_error_ saying that writes are stopped until reopen.
  Status WritesStoppedLocked() const STRATA_REQUIRES(mu_);
  Status CheckOpen() const;

  // db_impl.cc
  // What an open finds in the DB directory, by strata's own names.
  struct DirectoryScan {
    bool exists = false;  // the directory exists
    bool has_current = false;
    bool has_identity = false;
    bool has_info_log = false;           // LOG or LOG.old
    std::vector<uint64_t> manifests;     // MANIFEST numbers
    std::vector<std::string> data_files; // tables, logs, damaged logs
    std::vector<std::string> names;      // every name of strata's
  };
  Status ScanDirectory(DirectoryScan* scan) const;
  // OK if the directory may be opened as the options ask: an existing DB
  // (CURRENT), or room for a new one that overwrites nothing of anyone's.
  Status JudgeDirectory(const DirectoryScan& scan) const;
  // OpenImpl once the lock is held and the directory judged under it.
  // `identity_missing`: an existing DB lost its IDENTITY; a new one is
  // written.
  Status OpenLocked(bool identity_missing);
  // Thread-creation failure becomes an IOError.
  Status StartBackgroundThreads();
  // After a failed open: stops what was started, releases every file, and
  // for a new DB removes the files (and directory) this open created.
  void AbandonFailedOpen();
  // Writes a new IDENTITY durably (aside, renamed, directory synced) and
  // returns its 32 hex digits in *identity.
  Status CreateIdentity(std::string* identity);
  // Creates WAL `number` and makes its directory entry durable.
  Status CreateLogFile(uint64_t number, std::unique_ptr<WritableFile>* file);

  // db_write.cc
  // Concatenates the leader's batch with followers' into one group (up to
  // a size limit). Sets `*last_writer` to the last member taken.
  WriteBatch* BuildBatchGroupLocked(Writer** last_writer) STRATA_REQUIRES(mu_);
  // Called by the leader: freezes the memtable when it is full (or, with
  // `force`, when it holds anything), waiting while too many are frozen.
  Status MakeRoomForWriteLocked(bool force) STRATA_REQUIRES(mu_);
  Status SwitchMemTableLocked() STRATA_REQUIRES(mu_);

  // db_compaction.cc
  // Runs `plan` (inputs already marked busy by the caller) and installs
  // the result. Unlocks the mutex for the I/O.
  Status RunCompactionLocked(const CompactionPlan& plan) STRATA_REQUIRES(mu_);
  // Whether writers should wait (`*stop`) or be slowed by `*delay_micros`.
  void WriteBackpressureLocked(bool* stop, uint64_t* delay_micros)
      STRATA_REQUIRES(mu_);
  std::string StatsStringLocked(const Version& v) STRATA_REQUIRES(mu_);

  // db_flush.cc
  void BackgroundLoop();
  // The idle fold (Options::level0_idle_compaction_ms): sets `*plan` once
  // no write has arrived for the delay and L0 holds tables. Otherwise
  // returns the microseconds until the fold may be due (0: nothing to wait
  // for: off, L0 empty, or its files busy).
  uint64_t IdleCompactionLocked(std::optional<CompactionPlan>* plan)
      STRATA_REQUIRES(mu_);
  // Flushes the oldest frozen memtable and installs the result.
  Status FlushOldestLocked() STRATA_REQUIRES(mu_);
  // Writes `mem` as table `number`, synced with a durable directory entry.
  // Fills `*meta`; an empty memtable gives meta->file_size == 0 and no file.
  // `snapshots`: the live snapshot sequences, ascending (tombstones are
  // kept once per snapshot stripe).
  Status WriteLevel0Table(const MemTable& mem, uint64_t number,
                          const std::vector<SequenceNumber>& snapshots,
                          FileMetaData* meta) STRATA_EXCLUDES(mu_);
  void InstallSuperVersionLocked() STRATA_REQUIRES(mu_);
  // Deletes WALs, tables and MANIFESTs no live state needs.
  void DeleteObsoleteFilesLocked() STRATA_REQUIRES(mu_);

  // db_recovery.cc
  Status Recover();
  // Recovery's last step before it records its edit: every table in the
  // directory that the recovered version does not reference, and every log
  // it did not (fully) replay, is judged. A file is garbage only when what
  // it holds is provably elsewhere (a table whose newest sequence is within
  // the recovered state, or one that cannot be read while the MANIFEST
  // ended cleanly); any other is moved (a partly replayed log: linked) to
  // lost/ and reported, or, with paranoid_checks, fails the open with
  // Corruption before anything is moved.
  Status SetAsideUnprovenFiles(const std::vector<std::string>& names,
                               const std::vector<uint64_t>& unreplayed_logs,
                               uint64_t partly_replayed_log,
                               SequenceNumber max_sequence,
                               const VersionEdit& edit);
  // Moves (or, with `link`, hard-links) `name` into lost/.
  Status MoveToLost(const std::string& name, bool link);
  // Sets `*stopped` when a sequence gap ends the durable prefix.
  Status ReplayLog(uint64_t number, SequenceNumber* max_sequence,
                   VersionEdit* edit, bool* stopped);
  // Writes `*mem` to an L0 table recorded in `edit`, then empties it.
  Status FlushRecoveredMemTable(std::shared_ptr<MemTable>* mem,
                                VersionEdit* edit);

  // db_read.cc
  std::shared_ptr<const SuperVersion> GetSuperVersion() const;
  // The merged internal view of `sv` (memtables, L0 tables, one level
  // iterator per deeper level) and, in `*range_tombstones`, the range
  // tombstones visible at `sequence` (null if none). The caller keeps `sv`
  // (and the caches) alive while `*result` lives. Shared by DB iterators
  // and, later, transaction iterators.
  Status NewInternalIterator(const ReadOptions& options, const SuperVersion& sv,
                             SequenceNumber sequence,
                             std::unique_ptr<InternalIterator>* result,
                             RangeTombstoneListPtr* range_tombstones);
  // The sequence a read sees (options.snapshot's, or the latest) and the
  // super-version to read it from. InvalidArgument if options.snapshot is
  // not a live snapshot of this DB.
  Status GetReadState(const ReadOptions& options, SequenceNumber* sequence,
                      std::shared_ptr<const SuperVersion>* sv) const;
  // Looks `lookup` up in the tables of `version`. `*covering` is the
  // newest visible range tombstone covering the key found so far (0: none);
  // it is raised by the tables' tombstones and hides older versions.
  Status GetFromTables(const ReadOptions& options, const Version& version,
                       const LookupKey& lookup, std::string* value,
                       MemTable::GetResult* result, SequenceNumber* covering);

  // Fixed at construction; readable from any thread.
  const Options options_;  // env and comparator resolved to non-null
  const std::string dbname_;
  Env* const env_;
  // Shared with every iterator (with table_cache_), so that an iterator
  // stays usable after the DB object is destroyed (strata/iterator.h).
  const std::shared_ptr<const InternalKeyComparator> icmp_;
  const InternalKeyComparator& internal_comparator_;  // *icmp_
  const std::shared_ptr<BlockCache> block_cache_;
  const TableOptions table_options_;
  std::unique_ptr<InfoLogger> info_log_;
  std::unique_ptr<FileLock> db_lock_;
  std::shared_ptr<TableCache> table_cache_;  // set by OpenImpl
  std::unique_ptr<VersionSet> versions_;

  // acquire/release: written only by the leader after the memtable holds
  // every entry up to it (invariant 2); read by any thread.
  std::atomic<SequenceNumber> last_sequence_{0};
  // What readers pin. Replaced under `mu_`; readers copy it under
  // `sv_mu_` alone, a leaf lock held only for the pointer copy (never
  // across I/O, never while taking another lock), so reads never wait
  // for `mu_`.
  mutable Mutex sv_mu_;
  std::shared_ptr<const SuperVersion> super_version_ STRATA_GUARDED_BY(sv_mu_);
  // The live snapshots (as in snapshots_), for readers to check the one
  // they are given without taking mu_.
  std::unordered_set<const Snapshot*> live_snapshots_ STRATA_GUARDED_BY(sv_mu_);
  // Latency of Get and of Write (incl. Put/Delete), in microseconds.
  LatencyHistogram get_micros_;
  LatencyHistogram write_micros_;
  // Table lookups the bloom filter answered ("not here") / did not.
  std::atomic<uint64_t> bloom_useful_{0};
  std::atomic<uint64_t> bloom_checked_{0};
  // true once Close() has begun; checked by every public call.
  std::atomic<bool> closed_{false};
  // Set by OpenImpl: this open made the directory; and, once it holds the
  // lock, that it creates the DB and the names of strata's files it found.
  bool creating_ = false;
  bool created_dir_ = false;
  bool lock_existed_ = false;  // before this open
  std::vector<std::string> existing_names_;
  // Files recovery moved to lost/ at this open (strata.lost-files).
  std::vector<std::string> lost_files_;

  mutable Mutex mu_;
  CondVar writers_drained_cv_{&mu_};
  // Signalled when background work appears or finishes.
  CondVar bg_cv_{&mu_};
  std::deque<Writer*> writers_ STRATA_GUARDED_BY(mu_);
  // The queue's front while the pipeline is paused (PauseWrites).
  std::unique_ptr<Writer> pause_ STRATA_GUARDED_BY(mu_);
  Status bg_error_ STRATA_GUARDED_BY(mu_);
  SnapshotList snapshots_ STRATA_GUARDED_BY(mu_);
  uint64_t log_number_ STRATA_GUARDED_BY(mu_) = 0;  // the WAL being written
  std::deque<FrozenMemTable> imm_ STRATA_GUARDED_BY(mu_);  // newest first
  std::set<uint64_t> pending_outputs_ STRATA_GUARDED_BY(mu_);
  bool shutting_down_ STRATA_GUARDED_BY(mu_) = false;
  bool flush_running_ STRATA_GUARDED_BY(mu_) = false;
  // One compaction at a time (automatic or manual).
  bool compaction_running_ STRATA_GUARDED_BY(mu_) = false;
  // CompactRange calls waiting or running: automatic picks pause.
  int manual_compactions_ STRATA_GUARDED_BY(mu_) = 0;
  std::set<uint64_t> busy_files_ STRATA_GUARDED_BY(mu_);
  // HoldFileDeletions: holds, passes running (mu_ released during their
  // I/O), and whether a pass was skipped while held.
  int deletion_holds_ STRATA_GUARDED_BY(mu_) = 0;
  int deletions_running_ STRATA_GUARDED_BY(mu_) = 0;
  bool deletions_deferred_ STRATA_GUARDED_BY(mu_) = false;
  // Time since the last write, for the idle fold.
  IdleClock idle_clock_ STRATA_GUARDED_BY(mu_);
  uint64_t flushes_ STRATA_GUARDED_BY(mu_) = 0;

  // Statistics (strata.stats, strata.counters).
  struct LevelStats {
    uint64_t compactions = 0;
    uint64_t bytes_read = 0;     // input bytes of compactions into the level
    uint64_t bytes_written = 0;  // bytes written to the level
    uint64_t micros = 0;
  };
  std::vector<LevelStats> level_stats_ STRATA_GUARDED_BY(mu_);
  uint64_t stall_micros_ STRATA_GUARDED_BY(mu_) = 0;  // slowed or stopped
  uint64_t stop_micros_ STRATA_GUARDED_BY(mu_) = 0;   // of which stopped
  uint64_t user_bytes_written_ STRATA_GUARDED_BY(mu_) = 0;
  uint64_t flush_bytes_written_ STRATA_GUARDED_BY(mu_) = 0;
  uint64_t trivial_moves_ STRATA_GUARDED_BY(mu_) = 0;

  const CompactionPolicyOptions policy_;
  std::vector<std::thread> bg_threads_;

  // Owned by the write leader (invariant 1); outside the leader only Open
  // and Close (when no writer is queued) touch them. `mem_` is replaced
  // only under the mutex, so the flush thread may read it there.
  std::shared_ptr<MemTable> mem_;
  std::unique_ptr<WritableFile> log_file_;
  std::unique_ptr<log::Writer> log_;
  // Earlier WALs written since their last sync, oldest first (invariant 5).
  struct UnsyncedLog {
    uint64_t number = 0;
    std::unique_ptr<WritableFile> file;
  };
  std::vector<UnsyncedLog> unsynced_logs_;
  WriteBatch group_batch_;  // scratch for concatenated groups
};

}  // namespace strata::internal
