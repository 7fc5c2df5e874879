// DBImpl: the DB behind the public API, split by concern into
//   db_impl.cc       open, close, snapshots, DestroyDB
//   db_properties.cc GetProperty: a table of names and handlers
//   db_write.cc      argument checks; the CommitHost side of the commit
//                    pipeline: backpressure, memtable switches
//   db_read.cc       Get, iterators, Count
//   db_flush.cc      the background loop; flush of frozen memtables to L0
//                    tables; obsolete-file deletion
//   db_compaction.cc compactions (automatic and CompactRange), stats
//   db_recovery.cc   MANIFEST + WAL replay at open
// and the components it holds: CommitPipeline (commit_pipeline.h: writer
// queue, WAL, sequence), ReadState (super_version.h: what readers pin),
// DeletionHolds and SelectObsoleteFiles (obsolete_files.h).
//
// Invariants (numbered as docs/design.md cites them; the commit pipeline's
// own are in commit_pipeline.h):
//   3. After a failed WAL append or sync, `bg_error_` is set and every later
//      write fails with it until reopen; no member of a failed group gets OK.
//      The failed record is cut from the log and nothing more is written to
//      it, so it never appears after a reopen.
//   4. Every WAL numbered >= versions_->log_number() holds data that is in
//      no table yet; older WALs are deleted only after that edit is durable.
//   5. A sync write first syncs every earlier WAL not yet synced
//      (CommitPipeline invariant 4), so recovery replays a prefix.
//   6. Readers pin a SuperVersion (memtables + version) and never take
//      `mu_`.
//
// Memtables: the active memtable `mem_` takes writes; when it reaches
// write_buffer_size the leader freezes it (it joins `imm_`), starts a new
// WAL and a new memtable. The background thread writes the oldest frozen
// memtable to an L0 table, syncs it, and records it with one MANIFEST edit
// that also advances the WAL number below which logs are obsolete.
//
// Lock order: `mu_` before the ReadState's lock (a leaf); the pipeline's own
// mutex is a leaf too, never held while `mu_` is taken. None is held across
// file I/O. (VersionSet has its own lock for MANIFEST writes, taken without
// `mu_`.)

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
#include "base/mutex.h"
#include "base/pacer.h"
#include "base/result.h"
#include "base/stripes.h"
#include "cache/block_cache.h"
#include "compaction/picker.h"
#include "compaction/table_output.h"
#include "db/commit_pipeline.h"
#include "db/db_iter.h"
#include "db/idle_clock.h"
#include "db/obsolete_files.h"
#include "db/read_charges.h"
#include "db/resolved_options.h"
#include "db/snapshot_list.h"
#include "db/super_version.h"
#include "db/table_cache.h"
#include "env/info_log.h"
#include "key/internal_key.h"
#include "memtable/memtable.h"
#include "strata/db.h"
#include "strata/env.h"
#include "table/table.h"
#include "txn/commit_index.h"
#include "txn/txn_host.h"
#include "version/version_edit.h"
#include "version/version_set.h"
#include "vlog/vlog_cache.h"
#include "wal/log_writer.h"

namespace strata::internal {

struct BatchSummary;

// Memtable arena blocks: an eighth of the write buffer, within [4 KiB, 1 MiB],
// so that small buffers still fill in many steps and big ones allocate rarely.
inline size_t ArenaBlockSize(size_t write_buffer_size) {
  const size_t b = write_buffer_size / 8;
  return b < (4 << 10) ? (4 << 10) : (b > (1 << 20) ? (1 << 20) : b);
}

// What a DB iterator keeps alive to read through, the DB object's lifetime
// notwithstanding. Members are destroyed in reverse order: the pinned state
// before the table cache, the table cache before the block cache its tables
// release blocks into.
struct ReadPins {
  std::shared_ptr<const std::atomic<bool>> retired;  // DBImpl::retired_
  std::shared_ptr<const InternalKeyComparator> icmp;
  std::shared_ptr<BlockCache> block_cache;
  std::shared_ptr<TableCache> table_cache;
  std::shared_ptr<const SuperVersion> sv;
  // Where the iterator's sampled reads are charged (may be null).
  std::shared_ptr<ReadChargeInbox> read_inbox;
};

class DBImpl final : public DB, private CommitHost, private TxnHost {
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
  Status Count(const ReadOptions& options, const Slice& begin, const Slice& end,
               uint64_t* count) override;
  Status GetApproximateSizes(const Range* ranges, int n,
                             uint64_t* sizes) override;

  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;

  Status Flush() override;
  Status CompactRange(const Slice* begin, const Slice* end) override;
  bool GetProperty(const Slice& name, std::string* value) override;
  // db_checkpoint.cc
  Status CreateCheckpoint(const std::string& dir,
                          CheckpointMetadata* meta) override;
  Status FlushWAL(bool sync) override;
  Status VerifyChecksums() override;
  Status Close() override;
  std::unique_ptr<Transaction> BeginTransaction(
      const WriteOptions& options,
      const TransactionOptions& txn_options) override;

  // Write() with a validator (CommitPipeline::Write): the transaction
  // layer's commit.
  Status WriteValidated(const WriteOptions& options, WriteBatch* batch,
                        CommitValidator validate);

  // ---- The transaction layer's host (txn/txn_host.h; db_txn.cc) -------
  Status BeginTxn(bool track, std::shared_ptr<const TxnView>* view,
                  SequenceNumber* exact_from) override;
  void EndTxn(bool tracked, const TxnView& view) override;
  Status CommitTxn(const WriteOptions& options, const std::vector<TxnOp>& ops,
                   bool check, SequenceNumber snapshot,
                   SequenceNumber exact_from,
                   const std::vector<std::string>& keys,
                   const std::vector<ScannedRange>& ranges) override;
  Status TxnGet(const ReadOptions& options, const TxnView& view,
                const Slice& key, std::string* value,
                uint64_t* timestamp) override;
  std::unique_ptr<Iterator> TxnNewIterator(const ReadOptions& options,
                                           const TxnView& view) override;
  Status TxnCheckOp(const TxnOp& op) const override;
  const Comparator* TxnComparator() const override {
    return options_.comparator;
  }
  bool TxnVersioned() const override { return icmp_->versioned(); }
  // For tests: the commit index.
  const CommitIndex& commit_index() const { return commit_index_; }

  // Only DBHandle (db_handle.h) restores an open DB; a DBImpl is always
  // behind one.
  Status RestoreFromCheckpoint(const std::string& checkpoint_dir) override;

  // ---- For DBHandle -----------------------------------------------------
  // OK while open; InvalidArgument once closed (saying so, or that a
  // restore replaced this state).
  Status CheckOpen() const;
  // Whether a restore retired this state (Retire).
  bool retired() const { return retired_->load(std::memory_order_acquire); }
  // Whether `snapshot` is a live snapshot of this DB.
  bool HoldsSnapshot(const Snapshot* snapshot) {
    MutexLock lock(&mu_);
    return snapshots_.Contains(snapshot);
  }
  // Ends this state for a restore: marks it retired (its iterators,
  // snapshots and transactions then fail with InvalidArgument saying so),
  // waits for a checkpoint in progress, closes it without flushing the
  // memtable (its logs are synced, so the state reopens whole if the
  // restore fails; Close also waits for a CompactRange in progress), and
  // hands the directory lock to `*lock` instead of releasing it. After it
  // returns, this state touches no file. Returns Close()'s status.
  Status Retire(std::unique_ptr<FileLock>* lock);
  // Before OpenImpl: the directory lock is already held (handed over by
  // Retire), and OpenImpl keeps it.
  void AdoptLock(std::unique_ptr<FileLock> lock) { db_lock_ = std::move(lock); }

  // Holds the commit pipeline (CommitPipeline::Pause): writes and Flush
  // queued after it wait until ResumeWrites(); meanwhile the WAL holds
  // exactly the writes up to strata.last-sequence. A seam for tests
  // (checkpoints take their moment with CommitPipeline::RunExclusive).
  // Close() waits for ResumeWrites().
  Status PauseWrites() {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    return pipeline_.Pause();
  }
  void ResumeWrites() { pipeline_.Resume(); }
  // For tests: writers queued now (a pause counts as one).
  size_t QueuedWritersForTest() { return pipeline_.QueuedForTest(); }
  // For tests: iterators created from now on sample one in about this
  // many entries they read (read-triggered compaction; DBIterOptions).
  void SetReadSamplePeriodForTest(uint64_t entries) {
    read_sample_period_.store(entries, std::memory_order_relaxed);
  }
  // For tests: how many sources (memtables, L0 tables, deeper levels) an
  // iterator made now with `options` would merge.
  Result<size_t> CursorSourcesForTest(const ReadOptions& options);
  // The burst a paced garbage-collection job may move at once
  // (Options::value_log_gc_bytes_per_second).
  static constexpr uint64_t kGcPaceBurstBytes = 4ull << 20;
  // Waits for a garbage-collection job's pace begun so far, and whether
  // one is under way.
  uint64_t GcPaceWaitsForTest(bool* waiting) {
    MutexLock lock(&mu_);
    *waiting = bg_.gc_pacing;
    return bg_.gc_pace_waits;
  }

  // While held (calls nest), no file is deleted as obsolete: a checkpoint
  // or backup may link or copy the live files meanwhile. Returns once any
  // deletion pass already running has finished. The deletions held back
  // run when the last hold is released.
  void HoldFileDeletions();
  void ReleaseFileDeletions();

  // The scheduler seam: wakes the background and returns once a pass that
  // began after the call found nothing due now while no flush or
  // compaction ran — everything the state called for (flushes, picked
  // compactions, an idle fold already due by the Env's clock and paid for
  // by reads) has run. Work due later (an idle fold whose delay has not
  // passed, or that still waits for reads) is not waited for: tests step
  // it by moving the Env's clock, reading, and settling again.
  // Returns the background error, if any (then nothing more will run).
  Status SettleBackground();

 private:
  // A read at a fixed sequence from a pinned state (a read-only
  // transaction's view), instead of the one options.snapshot names.
  struct PinnedRead {
    SequenceNumber sequence = 0;
    const std::shared_ptr<const SuperVersion>* sv = nullptr;
  };

  // Get and NewIterator, at `pinned` when given.
  Status GetImpl(const ReadOptions& options, const Slice& key,
                 std::string* value, uint64_t* timestamp = nullptr,
                 const PinnedRead* pinned = nullptr);
  std::unique_ptr<Iterator> NewIteratorImpl(const ReadOptions& options,
                                            const PinnedRead* pinned);
  // db_txn.cc: whether a key of `keys`, or a key inside one of `ranges`,
  // was written by a sequence in (after, upto], read from the tree (the
  // memtables and tables at `upto`). Sets `*what` when one was.
  Status WrittenInTree(const std::vector<std::string>& keys,
                       const std::vector<ScannedRange>& ranges,
                       SequenceNumber after, SequenceNumber upto, bool* written,
                       std::string* what);
  // Waits until every write up to `sequence` is published (a group being
  // logged); an error if writes stopped meanwhile.
  Status WaitForSequence(SequenceNumber sequence);
  // Commits `batch` under the conflict check of CommitTxn.
  Status CommitChecked(const WriteOptions& options, WriteBatch* batch,
                       SequenceNumber snapshot, SequenceNumber exact_from,
                       const std::vector<std::string>& keys,
                       const std::vector<ScannedRange>& ranges);
  // The pipeline's recorder: the writes of an accepted batch into the
  // commit index, while a transaction is live.
  void RecordCommitted(const WriteBatch& batch, SequenceNumber first);
  // InvalidArgument for read options this DB cannot honour: versioned ones
  // without versioning, history options without all_versions.
  Status CheckReadOptions(const ReadOptions& options) const;
  // InvalidArgument for an as_of older than the retention horizon. Called
  // once the read state is pinned.
  Status CheckHorizon(const ReadOptions& options) const;
  // The oldest time an as-of read may ask for: now - version_retention by
  // the Env's clock, or the newest horizon a compaction used if that is
  // later (0: every version is kept).
  uint64_t RetentionHorizon() const;
  // Write(), timed into request_stats_.write_micros. `checked`: the caller
  // built the batch from arguments it has validated already (Put, Delete,
  // DeleteRange), so the batch is not walked again.
  Status TimedWrite(const WriteOptions& options, WriteBatch* batch,
                    bool checked);
  // TimedWrite() without the timing.
  Status WriteImpl(const WriteOptions& options, WriteBatch* batch,
                   bool checked);

 private:
  // A frozen memtable waiting to be flushed, and the WAL its data starts in.
  struct FrozenMemTable {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number = 0;
  };

  // Checks a batch before anything is written: sizes, empty keys, and
  // operations whose machinery does not exist yet.
  Status CheckBatch(const WriteBatch& batch) const;
  // The checks of CheckBatch on a batch's summary (Validate).
  Status CheckSummary(const BatchSummary& summary) const;
  // OK, or bg_error_ saying that writes are stopped until reopen.
  Status WritesStoppedLocked() const STRATA_REQUIRES(mu_);

  // db_impl.cc
  // What an open finds in the DB directory, by strata's own names.
  struct DirectoryScan {
    bool exists = false;  // the directory exists
    bool has_current = false;
    bool has_identity = false;
    bool has_info_log = false;            // LOG or LOG.old
    bool has_restore_marker = false;      // RESTORE (db/restore.h)
    std::vector<uint64_t> manifests;      // MANIFEST numbers
    std::vector<std::string> data_files;  // tables, logs, damaged logs
    std::vector<std::string> names;       // every name of strata's
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
  // Writes a new IDENTITY into `dir` durably (aside, renamed, directory
  // synced) and returns its 32 hex digits in *identity.
  Status CreateIdentity(const std::string& dir, std::string* identity);
  // Creates WAL `number` and makes its directory entry durable.
  Status CreateLogFile(uint64_t number, std::unique_ptr<WritableFile>* file);

  // db_write.cc
  // CommitHost, called by the pipeline's leader.
  Status MakeRoom(bool force) override STRATA_EXCLUDES(mu_);
  // `commit_timestamp`: the group's in a versioned DB, else 0.
  void Apply(const WriteBatch& group, uint64_t commit_timestamp) override;
  void LogFailed(uint64_t log_number, const Status& error,
                 const Status& cut) override STRATA_EXCLUDES(mu_);
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
  // L0 holds tables, reads have paid for the fold (ArmLevel0ReadsLocked;
  // Level0FoldReadsLocked) and no write has arrived for the delay (a
  // tenth of it when no write came since the reads were seen paid).
  // Otherwise returns the microseconds until the delay passes, or 0 when
  // the clock is not what it waits for: off, L0 empty, its files busy, or
  // the delay passed with reads still owed (the last one wakes the
  // background).
  uint64_t IdleCompactionLocked(std::optional<CompactionPlan>* plan)
      STRATA_REQUIRES(mu_);
  // Whenever L0's tables differ from the ones last armed for, arms
  // read_inbox_'s count of the reads the idle fold waits for
  // (ReadChargeInbox::ArmLevel0). Nothing without a read_inbox_.
  void ArmLevel0ReadsLocked() STRATA_REQUIRES(mu_);
  // Where the idle fold stands with reads: still owed some; paid for by
  // them (a tenth of the delay then suffices); or not waiting for them (no
  // read_inbox_, or an L0 table is tombstone-dense: its deletes free space
  // only once compacted).
  enum class FoldReads { kOwed, kPaid, kNotNeeded };
  FoldReads Level0FoldReadsLocked() STRATA_REQUIRES(mu_);
  // Read-triggered compaction: the plan for the oldest table reads charged
  // past its budget that still makes one (the others are dropped), or
  // nullopt.
  std::optional<CompactionPlan> ReadCompactionLocked() STRATA_REQUIRES(mu_);
  // A background thread found nothing to do in the pass that began at
  // settle request `settle_request`: answers SettleBackground() if nothing
  // runs elsewhere.
  void MarkSettledLocked(uint64_t settle_request) STRATA_REQUIRES(mu_);
  // Flushes the oldest frozen memtable and installs the result.
  Status FlushOldestLocked() STRATA_REQUIRES(mu_);
  // Writes `mem` as table `number`, synced with a durable directory entry.
  // Fills `*meta`; an empty memtable gives meta->file_size == 0 and no file.
  // `snapshots`: the live snapshot sequences, ascending (tombstones are
  // kept once per snapshot stripe).
  // With the value log on, large values go to value-log files, listed in
  // `*vlogs`: their numbers stay pending outputs until the caller has
  // installed them (or, on failure, are released here).
  Status WriteLevel0Table(const MemTable& mem, uint64_t number,
                          const std::vector<SequenceNumber>& snapshots,
                          FileMetaData* meta, std::vector<VlogFileMeta>* vlogs)
      STRATA_EXCLUDES(mu_);
  // The value-separation settings of flush and compaction outputs (none
  // with the value log off); numbers come from `number` and stay pending.
  void SetValueSeparation(TableOutputOptions* o,
                          std::function<uint64_t()> number) const;
  // Replaces the value pointer in `*value` (of the entry whose stored key
  // is `stored_key`, in `version`) with the value it names.
  // The value the pointer `raw` names into `*value` (`raw` must not point
  // into it). `verify`: check the value's checksum.
  Status ReadValuePointer(const Version& version, const Slice& stored_key,
                          const Slice& raw, bool verify,
                          std::string* value) const;
  Status ResolveValuePointer(const Version& version, const Slice& stored_key,
                             std::string* value) const {
    std::string resolved;
    STRATA_RETURN_IF_ERROR(ReadValuePointer(version, stored_key, *value,
                                            options_.value_log_verify_checksums,
                                            &resolved));
    *value = std::move(resolved);
    return Status::OK();
  }
  // Garbage collection moves at most this many value bytes per compaction.
  static constexpr uint64_t kMaxRelocatedBytesPerCompaction = 64ull << 20;
  // Garbage collection that runs on its own (a compaction picked for it):
  // after each value it moved, of `bytes`, keeps the job to
  // options_.value_log_gc_bytes_per_second and tells whether it may go on
  // moving values (false once other work is due). Called only from the
  // running compaction.
  bool ValueLogGcMayGoOn(uint64_t bytes) STRATA_EXCLUDES(mu_);
  // Waits `micros` (on env_'s clock) for the pace. False, early, once the
  // job should stop moving values.
  bool PaceValueLogGc(uint64_t micros) STRATA_EXCLUDES(mu_);
  // The job should stop moving values: the DB is closing or failed, a
  // manual compaction waits, a frozen memtable waits for a thread, or
  // another compaction is due. Counts a yield when true.
  bool ValueLogGcShouldStopLocked() STRATA_REQUIRES(mu_);
  // Waits shorter than this are left to add up (the pace holds on
  // average); other work is looked for at most this often.
  static constexpr uint64_t kGcMinPaceWaitMicros = 1000;
  static constexpr uint64_t kGcCheckMicros = 10000;
  void InstallSuperVersionLocked() STRATA_REQUIRES(mu_);
  // Deletes WALs, tables and MANIFESTs no live state needs.
  void DeleteObsoleteFilesLocked() STRATA_REQUIRES(mu_);

  // db_checkpoint.cc
  // The moment a checkpoint copies: the last write, the version and the
  // logs holding the writes its tables lack (the last one up to
  // `last_log_size` bytes).
  struct CheckpointPoint {
    SequenceNumber sequence = 0;
    uint64_t timestamp = 0;
    std::shared_ptr<const Version> version;
    SequenceNumber version_sequence = 0;  // recorded with `version`
    uint64_t min_log = 0;
    uint64_t last_log = 0;
    uint64_t last_log_size = 0;
  };
  Status CaptureCheckpointPoint(CheckpointPoint* point);
  // Fills `staging` with the files of `point` and a MANIFEST for them.
  Status WriteCheckpoint(const CheckpointPoint& point,
                         const std::string& staging, CheckpointMetadata* meta);

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
  // Sets `*stopped` when a sequence gap ends the durable prefix. Raises
  // `*max_timestamp` to the newest commit timestamp replayed (versioned
  // DBs). `newest`: the newest log holding data, whose last record a crash
  // may have cut short (log::Reader's cut_short_tail).
  Status ReplayLog(uint64_t number, bool newest, SequenceNumber* max_sequence,
                   uint64_t* max_timestamp, VersionEdit* edit, bool* stopped);
  // Writes `*mem` to an L0 table recorded in `edit`, then empties it.
  Status FlushRecoveredMemTable(std::shared_ptr<MemTable>* mem,
                                VersionEdit* edit);

  // db_read.cc
  std::shared_ptr<const SuperVersion> GetSuperVersion() const;
  // The merged internal view of `sv` (memtables, L0 tables, one level
  // iterator per deeper level) and, in `*range_tombstones`, the range
  // tombstones visible at `sequence` (null if none; with a null
  // `range_tombstones` none are gathered, and no table is opened for
  // them). The caller keeps `sv` (and the caches) alive while `*result`
  // lives. `*sources` (when not null) is set to the number of sources
  // merged. `sequence` is kMaxSequenceNumber or a sequence the caller
  // acquired as published (GetReadState, a snapshot's, a pinned read's):
  // an active memtable without point entries is left out of the merge,
  // which only then cannot hide an entry the read should see.
  Status NewInternalIterator(const ReadOptions& options, const SuperVersion& sv,
                             SequenceNumber sequence,
                             std::unique_ptr<InternalIterator>* result,
                             RangeTombstoneListPtr* range_tombstones,
                             size_t* sources = nullptr);
  // The sequence a read sees (options.snapshot's, or the latest) and the
  // super-version to read it from. InvalidArgument if options.snapshot is
  // not a live snapshot of this DB.
  Status GetReadState(const ReadOptions& options, SequenceNumber* sequence,
                      std::shared_ptr<const SuperVersion>* sv) const;
  // Get in a versioned DB: the newest version of `key` at or before
  // options.as_of visible at `seq`, and (when asked) the timestamp of the
  // version that decided, a tombstone's included (0: none).
  Status GetVersioned(const ReadOptions& options, const Slice& key,
                      SequenceNumber seq, const SuperVersion& sv,
                      std::string* value, uint64_t* timestamp = nullptr)
      STRATA_EXCLUDES(mu_);
  // Looks `lookup` up in the tables of `version`. `*covering` is the
  // newest visible range tombstone covering the key found so far (0: none);
  // it is raised by the tables' tombstones and hides older versions.
  // `*pointer`: the value found is a value pointer (ResolveValuePointer),
  // of the entry whose stored key is then in `*stored_key`.
  Status GetFromTables(const ReadOptions& options, const Version& version,
                       const LookupKey& lookup, std::string* value,
                       MemTable::GetResult* result, SequenceNumber* covering,
                       bool* pointer, std::string* stored_key)
      STRATA_EXCLUDES(mu_);
  // A point read looked in table `f` and then had to look in an older one:
  // charges `f` (Options::read_compaction_bytes; ReadChargeInbox).
  void ChargeRead(const FileMetaData& f) {
    if (read_inbox_ != nullptr) read_inbox_->Charge(f);
  }
  // A point read met an L0 table and went on to another table: one of the
  // reads the idle fold waits for (ReadChargeInbox::ChargeLevel0).
  void ChargeLevel0Read() {
    if (read_inbox_ != nullptr) read_inbox_->ChargeLevel0();
  }
  // Wakes the background if reads (this thread's or an iterator's) posted
  // tables for it since the last wake. Takes mu_ then only.
  void WakeForReads() STRATA_EXCLUDES(mu_);

  // Fixed at construction; readable from any thread.
  const Options options_;  // env and comparator resolved to non-null
  const std::string dbname_;
  Env* const env_;
  // Shared with every iterator (with table_cache_), so that an iterator
  // stays usable after the DB object is destroyed (strata/iterator.h).
  const std::shared_ptr<const InternalKeyComparator> icmp_;
  const std::shared_ptr<BlockCache> block_cache_;
  const TableOptions table_options_;
  std::unique_ptr<InfoLogger> info_log_;
  std::unique_ptr<FileLock> db_lock_;
  std::shared_ptr<TableCache> table_cache_;  // set by OpenImpl
  std::shared_ptr<vlog::Cache> vlog_cache_;  // set by OpenImpl
  std::unique_ptr<VersionSet> versions_;

  // The writer queue, the WAL and the last sequence (its own invariants
  // in commit_pipeline.h; invariants 3 and 5 above are kept with it).
  CommitPipeline pipeline_;
  // What read-write transactions check their commits against; the
  // pipeline records every accepted write into it while any is live.
  CommitIndex commit_index_;
  // What readers pin, and the live snapshots (as in snapshots_) for them
  // to check the one they are given, behind a leaf lock of its own: reads
  // never wait for `mu_`. Installed under `mu_` (invariant 6).
  ReadState read_state_;
  // Statistics kept without a lock (strata.counters): latency of Get
  // (one in kGetTimingPeriod timed) and of Write (incl. Put/Delete) in
  // microseconds; table lookups the bloom filter answered ("not here") and
  // did not. Striped: reader threads bump them without sharing a line.
  struct RequestStats {
    LatencyHistogram get_micros;
    LatencyHistogram write_micros;
    StripedCounter bloom_useful;
    StripedCounter bloom_checked;
  };
  // Two clock reads cost ~50 ns here, a tenth of a Get the filters answer:
  // one Get in this many (at random) is timed, the rest only counted.
  static constexpr uint32_t kGetTimingPeriod = 8;
  RequestStats request_stats_;
  // true once Close() has begun; checked by every public call.
  std::atomic<bool> closed_{false};
  // Set by Retire() before it closes: a restore replaced this state. Its
  // iterators hold it too and check it at every step (relaxed: a step that
  // misses the store reads the old state, still pinned, never freed).
  const std::shared_ptr<std::atomic<bool>> retired_ =
      std::make_shared<std::atomic<bool>>(false);
  // Read-triggered compaction (Options::read_compaction_bytes): where
  // Gets and iterators post the tables they charged past their budget.
  // Null when it is off (0, or the size-tiered style).
  std::shared_ptr<ReadChargeInbox> read_inbox_;
  std::atomic<uint64_t> read_sample_period_{kReadSamplePeriod};
  // Retire(): Close() keeps the lock and flushes nothing.
  bool retiring_ = false;
  // What this open found and did; written by the opening thread only,
  // before the DB is shared.
  struct OpenRecord {
    bool created_dir = false;   // it made the directory
    bool lock_existed = false;  // LOCK was there before it
    // Once it holds the lock: whether it creates the DB, and the names of
    // strata's files it found (a failed creation removes only others).
    bool creating = false;
    std::vector<std::string> existing_names;
    // Files recovery moved to lost/ (strata.lost-files).
    std::vector<std::string> lost_files;
    // OpenImpl returned OK (Close's last deletion pass needs the DB's own
    // version).
    bool succeeded = false;
  };
  OpenRecord open_;

  mutable Mutex mu_;
  // Signalled when background work appears or finishes.
  CondVar bg_cv_{&mu_};
  Status bg_error_ STRATA_GUARDED_BY(mu_);
  SnapshotList snapshots_ STRATA_GUARDED_BY(mu_);
  uint64_t log_number_ STRATA_GUARDED_BY(mu_) = 0;  // the WAL being written
  std::deque<FrozenMemTable> imm_ STRATA_GUARDED_BY(mu_);  // newest first
  // HoldFileDeletions, and the deletion passes running (mu_ released
  // during their I/O).
  DeletionHolds deletions_ STRATA_GUARDED_BY(mu_);
  // The background's state (db_flush.cc, db_compaction.cc).
  struct BackgroundState {
    explicit BackgroundState(uint64_t idle_delay_micros)
        : idle_clock(idle_delay_micros) {}
    bool shutting_down = false;
    bool flush_running = false;
    // One compaction at a time (automatic or manual).
    bool compaction_running = false;
    // CompactRange calls waiting or running: automatic picks pause.
    int manual_compactions = 0;
    std::set<uint64_t> busy_files;       // inputs of the running compaction
    std::set<uint64_t> pending_outputs;  // tables being written
    // Time since the last write, for the idle fold.
    IdleClock idle_clock;
    // SettleBackground(): calls made, and the latest one answered.
    uint64_t settle_requests = 0;
    uint64_t settled = 0;
    // A garbage-collection job is waiting for its pace (PaceValueLogGc),
    // and the waits begun.
    bool gc_pacing = false;
    uint64_t gc_pace_waits = 0;
    // Tables whose read charges reached their budget (taken from
    // read_inbox_), oldest first: each is offered to PickReadCompaction
    // once.
    std::deque<uint64_t> read_compaction_files;
    // The L0 tables (numbers, newest first) read_inbox_'s idle-fold count
    // was last armed for, and the last sequence when the idle fold first
    // saw that count paid (none yet: nullopt; no write since: a read
    // phase).
    std::vector<uint64_t> level0_armed;
    std::optional<SequenceNumber> level0_paid_at;
  };
  BackgroundState bg_ STRATA_GUARDED_BY(mu_);

  // Statistics of the background and of stalls (strata.stats,
  // strata.counters).
  struct LevelStats {
    uint64_t compactions = 0;
    uint64_t bytes_read = 0;     // input bytes of compactions into the level
    uint64_t bytes_written = 0;  // bytes written to the level
    uint64_t micros = 0;
  };
  struct Counters {
    explicit Counters(int num_levels)
        : levels(static_cast<size_t>(num_levels)) {}
    std::vector<LevelStats> levels;
    uint64_t flushes = 0;
    uint64_t flush_bytes_written = 0;  // tables and value logs
    // Value-log bytes written by flushes and compactions.
    uint64_t vlog_bytes_written = 0;
    // Garbage collection: compactions picked for it, and the values (and
    // their bytes) any compaction moved out of files past the discard
    // ratio.
    uint64_t vlog_gc_compactions = 0;
    // Compactions (and moves) that reads triggered.
    uint64_t read_compactions = 0;
    uint64_t vlog_relocated_values = 0;
    uint64_t vlog_relocated_bytes = 0;
    // Time garbage collection waited for its pace, and the GC jobs that
    // stopped moving values to give way to a due compaction or a waiting
    // flush.
    uint64_t vlog_gc_paced_micros = 0;
    uint64_t vlog_gc_yields = 0;
    uint64_t trivial_moves = 0;
    uint64_t stall_micros = 0;  // slowed or stopped
    uint64_t stop_micros = 0;   // of which stopped
  };
  Counters counters_ STRATA_GUARDED_BY(mu_);

  // The pace of garbage collection that runs on its own, across its jobs.
  // Not guarded: only the running compaction touches it, and one runs at
  // a time (jobs hand over through mu_).
  struct GcPace {
    explicit GcPace(uint64_t rate) : pacer(rate, kGcPaceBurstBytes) {}
    Pacer pacer;
    uint64_t last_check = 0;  // env_ micros other work was last looked for
  };
  GcPace gc_pace_;

  // Serialises CreateCheckpoint (held across its I/O; taken before mu_).
  Mutex checkpoint_mu_ STRATA_ACQUIRED_BEFORE(mu_);

  const CompactionPolicyOptions policy_;
  std::vector<std::thread> bg_threads_;

  // Written by the write leader (invariant 1); outside the leader only
  // Open and Close (when no writer is queued) touch it. Replaced only under
  // the mutex, so the flush thread may read it there.
  std::shared_ptr<MemTable> mem_;
};

}  // namespace strata::internal
