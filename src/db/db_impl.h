// DBImpl: the DB behind the public API, split by concern into
//   db_impl.cc      open, close, snapshots, properties, DestroyDB
//   db_write.cc     the commit pipeline (group commit)
//   db_read.cc      Get, iterators, Count
//   db_recovery.cc  WAL replay at open
//
// Commit pipeline (design.md#commit). Writers queue in `writers_`; the one
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
//
// Lock order: `mu_` is the only DB lock. It is never held across file I/O.

#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "base/logging.h"
#include "base/result.h"
#include "base/mutex.h"
#include "db/dbformat.h"
#include "db/snapshot_list.h"
#include "memtable/memtable.h"
#include "strata/db.h"
#include "strata/env.h"
#include "wal/log_writer.h"

namespace strata::internal {

// What readers pin: the memtables (and, with later issues, the version of
// the table files) that together hold the DB's state.
struct SuperVersion {
  std::shared_ptr<const MemTable> mem;
};

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, const std::string& dbname);
  ~DBImpl() override;

  // Opens the DB: lock, recover, start a new WAL.
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

  // A member of the commit queue. `validate`, when set, is called by the
  // leader in queue order, under the mutex, before sequence numbers are
  // assigned; a non-OK result removes the member from the group and
  // becomes its status. This is the seam where a transaction layer checks
  // conflicts and commits atomically inside the pipeline.
  struct Writer {
    explicit Writer(Mutex* mu) : cv(mu) {}
    WriteBatch* batch = nullptr;
    bool sync = false;
    std::function<Status(SequenceNumber last_sequence)> validate;
    bool skipped = false;  // failed validation; `status` says why
    bool done = false;     // set once the writer has left the queue
    Status status;
    CondVar cv;
  };

  // Runs `writer` through the commit pipeline and returns its status.
  Status WriteThroughPipeline(Writer* writer);

 private:
  // Checks a batch before anything is written: sizes, empty keys, and
  // operations whose machinery does not exist yet.
  Status CheckBatch(const WriteBatch& batch) const;
  Status CheckOpen() const;

  // db_impl.cc
  Status CreateIdentity();
  uint64_t log_number_unlocked();
  Status NewLogFile();

  // db_write.cc
  // Concatenates the leader's batch with followers' into one group (up to
  // a size limit). Sets `*last_writer` to the last member taken.
  WriteBatch* BuildBatchGroupLocked(Writer** last_writer) STRATA_REQUIRES(mu_);

  // db_recovery.cc
  Status Recover();
  Status ReplayLog(uint64_t number, SequenceNumber* max_sequence);
  // Rewrites log `number` to hold only the records recovery kept (those
  // after `start_sequence` that decode), so damage that a tolerant recovery
  // mode skipped is not met again at the next open.
  Status RewriteLog(uint64_t number, SequenceNumber start_sequence,
                    bool keep_original);
  // Makes every byte of log `number` durable (fsync).
  Status SyncLog(uint64_t number);

  // db_read.cc
  std::shared_ptr<const SuperVersion> GetSuperVersion() const;
  SequenceNumber ReadSequence(const ReadOptions& options) const;

  // Fixed at construction; readable from any thread.
  const Options options_;  // env and comparator resolved to non-null
  const std::string dbname_;
  Env* const env_;
  const InternalKeyComparator internal_comparator_;
  std::unique_ptr<InfoLogger> info_log_;
  std::unique_ptr<FileLock> db_lock_;

  // acquire/release: written only by the leader after the memtable holds
  // every entry up to it (invariant 2); read by any thread.
  std::atomic<SequenceNumber> last_sequence_{0};
  // Readers load it without the mutex; replaced under the mutex.
  std::atomic<std::shared_ptr<const SuperVersion>> super_version_;
  // true once Close() has begun; checked by every public call.
  std::atomic<bool> closed_{false};

  mutable Mutex mu_;
  CondVar writers_drained_cv_{&mu_};
  std::deque<Writer*> writers_ STRATA_GUARDED_BY(mu_);
  Status bg_error_ STRATA_GUARDED_BY(mu_);
  SnapshotList snapshots_ STRATA_GUARDED_BY(mu_);
  uint64_t next_file_number_ STRATA_GUARDED_BY(mu_) = 1;
  uint64_t log_number_ STRATA_GUARDED_BY(mu_) = 0;

  // Owned by the write leader (invariant 1); outside the leader only Open
  // and Close (when no writer is queued) touch them.
  std::shared_ptr<MemTable> mem_;
  std::unique_ptr<WritableFile> log_file_;
  std::unique_ptr<log::Writer> log_;
  WriteBatch group_batch_;  // scratch for concatenated groups
};

}  // namespace strata::internal
