// CommitPipeline: group commit (docs/design.md#commit). Writers queue; the
// one at the front is the leader. The leader asks the host to make room
// (backpressure, memtable switch), takes a group from the front of the
// queue, validates each member in queue order, gives the group a
// contiguous range of sequence numbers, appends one WAL record, syncs once
// if any member asked, has the host insert the group into the memtable,
// then publishes the group's last sequence number. In a versioned DB
// (EnableTimestamps) the group also gets a commit timestamp, logged in
// front of its batch (docs/wal_format.md) and handed to the host with it.
//
// Invariants:
//   1. At most one leader (the queue's front). Only the leader touches the
//      WAL and calls the host's MakeRoom, Apply and LogFailed.
//   2. LastSequence() only grows, and is published (release) after Apply
//      returned: a reader that sees sequence N sees every write numbered
//      <= N, and never half of a batch.
//   3. After a failed WAL append or sync the record is cut from the log
//      (WritableFile::Truncate), the host is told (LogFailed), no member of
//      the group gets OK, and nothing more is written to that log.
//   4. A sync write first syncs every earlier log not synced yet, so a
//      synced write never becomes durable ahead of earlier acknowledged
//      writes (recovery stops at a sequence gap: what it replays is a
//      prefix).
//   5. Commit timestamps strictly increase from group to group: each is
//      max(clock now, last + 1), from the last one recovered at open, so
//      they keep increasing when the clock stands still or goes back.
//
// The pipeline's mutex guards the queue only; it is a leaf: the leader
// never holds it while calling the host or doing I/O, and validators run
// under it (they must not block, do I/O or enter the pipeline).
//
// Thread-safety: Write, ForceMemTableSwitch, Pause, Resume, Close and
// LastSequence are safe from any thread. The log methods (SetLog,
// FlushLog, TrimLog, SwitchLog, CloseLogs) belong to the leader — called from
// the host's MakeRoom — or to the owner while no writer can be queued (before
// the first write, after Close()).

#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "key/internal_key.h"
#include "strata/env.h"
#include "strata/status.h"
#include "strata/write_batch.h"
#include "wal/log_writer.h"

namespace strata::internal {

// What the pipeline needs from the store it commits into. Called by the
// leader, without the pipeline's mutex.
class CommitHost {
 public:
  virtual ~CommitHost() = default;
  // Before a group forms: returns once the memtable has room for a write
  // (it may wait for background work, and may freeze a full memtable and
  // switch to a new log with CommitPipeline::SwitchLog). `force` (a
  // ForceMemTableSwitch request): freeze the memtable if it holds anything.
  // A non-OK result (e.g. writes are stopped) fails the whole group.
  virtual Status MakeRoom(bool force) = 0;
  // Inserts a group, logged and numbered (WriteBatchInternal::Sequence),
  // into the memtable. `commit_timestamp`: the group's (0 unless
  // EnableTimestamps was called).
  virtual void Apply(const WriteBatch& group, uint64_t commit_timestamp) = 0;
  // The group's WAL append or sync failed with `error`; the record was cut
  // from log `log_number` (`cut`: how that went). Later writes must fail
  // until reopen.
  virtual void LogFailed(uint64_t log_number, const Status& error,
                         const Status& cut) = 0;
};

// Decides whether a member may commit; see CommitPipeline::Write.
using CommitValidator = std::function<Status(SequenceNumber first_sequence)>;
// Sees every member accepted into a group, in order, with the sequence its
// first record gets; see CommitPipeline::SetRecorder.
using CommitRecorder =
    std::function<void(const WriteBatch& batch, SequenceNumber first)>;

class CommitPipeline {
 public:
  // `host` is borrowed and must outlive the pipeline. `name` (the DB's
  // path) goes into error messages.
  CommitPipeline(CommitHost* host, std::string name);
  ~CommitPipeline();

  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // Commits `batch` (validated and non-empty) and returns its status; with
  // `sync`, the WAL is synced before it returns. `validate`, when set, is
  // the seam where a transaction layer checks conflicts and commits
  // atomically inside the pipeline (validate-and-record): the leader calls
  // it in queue order with the sequence number the batch's first record
  // gets if accepted; every member accepted before it, its own group's
  // included, has a lower one. A non-OK result leaves the batch out and
  // becomes its status. If the group's WAL write then fails, every member
  // gets that error, so nothing a validator recorded becomes visible.
  // InvalidArgument once Close() has begun.
  Status Write(WriteBatch* batch, bool sync, CommitValidator validate = {});
  // Queues a request that leads a group of its own and calls
  // host->MakeRoom(force = true) (Flush freezes the memtable this way).
  Status ForceMemTableSwitch();
  // Queues `fn` like a writer and runs it once at the front, as the leader
  // of a group of its own: no write is being logged meanwhile, and `fn` may
  // use the log methods below (SyncLogs). Its status is returned.
  // InvalidArgument once Close() has begun.
  Status RunExclusive(const std::function<Status()>& fn);

  // Holds the pipeline: returns once every write queued before the call
  // has finished; writes queued after it wait until Resume(). Meanwhile
  // the WAL holds exactly the writes up to LastSequence(). InvalidArgument
  // if paused already or closed. Close() waits for Resume().
  Status Pause();
  void Resume();
  // Writers queued now (a pause counts as one). For tests.
  size_t QueuedForTest();

  // Refuses every later Write (InvalidArgument: closed) and returns once
  // the queue is empty (a pause included). Idempotent.
  void Close();

  // The newest committed sequence (acquire). Set once by recovery.
  SequenceNumber LastSequence() const {
    return last_sequence_.load(std::memory_order_acquire);
  }
  void SetLastSequence(SequenceNumber sequence) {
    last_sequence_.store(sequence, std::memory_order_release);
    assigned_sequence_.store(sequence, std::memory_order_release);
  }
  // The last sequence number given to an accepted member (acquire): at or
  // above LastSequence(), above it while a group is being logged and
  // applied. Every member accepted later gets higher ones.
  // Sequentially consistent (see CommitIndex: Completeness).
  SequenceNumber AssignedSequence() const {
    return assigned_sequence_.load(std::memory_order_seq_cst);
  }
  // Calls `recorder` for every member accepted from now on, under the
  // pipeline's mutex, right after its validator (so a later member's
  // validator sees it), and after AssignedSequence() covers it. The
  // transaction layer's commit index records writes this way. REQUIRES:
  // before the first write.
  void SetRecorder(CommitRecorder recorder) { recorder_ = std::move(recorder); }
  // Bytes of batches committed since open (relaxed).
  uint64_t BytesCommitted() const {
    return bytes_committed_.load(std::memory_order_relaxed);
  }

  // Versioned DBs: from now on every group gets a commit timestamp from
  // `clock` (Env::NowNanos; borrowed, must outlive the pipeline), greater
  // than `last_timestamp` (the newest one recovered) and than every one
  // before it (invariant 5). The group's WAL record is then
  // fixed64(timestamp) ‖ batch. REQUIRES: before the first write.
  void EnableTimestamps(Env* clock, uint64_t last_timestamp);
  // The newest committed timestamp (acquire); 0 without timestamps.
  uint64_t LastTimestamp() const {
    return last_timestamp_.load(std::memory_order_acquire);
  }

  // ---- The WAL (leader, or no writer queued) --------------------------

  // Starts writing log `number` into `file` (empty, its directory entry
  // durable). At open; REQUIRES: no log set yet.
  void SetLog(uint64_t number, std::unique_ptr<WritableFile> file);
  bool HasLog() const { return writer_ != nullptr; }
  // Hands the current log's buffered bytes to the OS.
  Status FlushLog();
  // FlushLog(), and with `sync` also fsyncs every log not synced yet,
  // earliest first (DB::FlushWAL). A failed flush or sync is treated as a
  // failed group (invariant 3): the host is told and nothing more is
  // written to the log. Returns the log's sticky error if it has one.
  Status SyncLogs(bool sync);
  // The number of the log being written and its size so far (buffered
  // bytes included: FlushLog first to have them all in the file).
  uint64_t LogNumber() const { return log_number_; }
  uint64_t LogSize() const {
    return log_file_ != nullptr ? log_file_->Size() : 0;
  }
  // Gives back the space a preallocating log (Env::NewMappedWritableFile)
  // holds past its data, right before SwitchLog, which then skips that
  // step: the leader calls it without the host's locks, since cutting a
  // file can wait for the device (a journal, a discard). Does nothing
  // after a log failure.
  void TrimLog();
  // Switches to log `number` in `file`. The current log is not synced
  // here (that would stall every writer for a whole log's fsync): it joins
  // the unsynced logs that the next sync write syncs first (invariant 4).
  // Unsynced logs numbered below `min_live_log` hold only data that is in
  // synced tables already: they are closed without a sync and forgotten.
  void SwitchLog(uint64_t number, std::unique_ptr<WritableFile> file,
                 uint64_t min_live_log);
  // Closes every log: with `sync`, syncs them first (earliest first) and
  // returns the first error; without, closes them as they are (after a
  // failure a retried fsync could report success for lost data).
  Status CloseLogs(bool sync);

 private:
  struct Writer;

  // Queues `w`, leads a group if it comes to the front, returns its status.
  Status Run(Writer* w);
  // Takes the group from the queue's front (up to a size limit), runs the
  // validators, and sets `*last` to the last member taken and `*sync` if a
  // member that stays asked for it. Null if no member stays.
  WriteBatch* BuildGroupLocked(Writer** last, bool* sync) STRATA_REQUIRES(mu_);
  // Appends `group` as one record (after `timestamp` if timestamps are
  // on), flushes, and syncs when asked; on failure cuts the record and
  // tells the host.
  Status LogGroup(const WriteBatch& group, uint64_t timestamp, bool sync);
  // Syncs the unsynced logs, earliest first, then the current one.
  Status SyncEveryLog();
  // Wakes the queue's new front, or Close() when the queue is empty.
  void SignalNextLocked() STRATA_REQUIRES(mu_);

  CommitHost* const host_;
  const std::string name_;

  Mutex mu_;
  CondVar drained_cv_{&mu_};
  std::deque<Writer*> writers_ STRATA_GUARDED_BY(mu_);
  std::unique_ptr<Writer> pause_ STRATA_GUARDED_BY(mu_);
  bool closed_ STRATA_GUARDED_BY(mu_) = false;

  std::atomic<SequenceNumber> last_sequence_{0};
  std::atomic<SequenceNumber> assigned_sequence_{0};
  CommitRecorder recorder_;  // set before the first write
  std::atomic<uint64_t> bytes_committed_{0};
  // Commit timestamps (versioned DBs): the clock, or null without them;
  // the last timestamp is written by the leader, read by anyone.
  Env* clock_ = nullptr;
  std::atomic<uint64_t> last_timestamp_{0};

  // Owned by the leader (invariant 1).
  uint64_t log_number_ = 0;
  std::unique_ptr<WritableFile> log_file_;
  std::unique_ptr<log::Writer> writer_;
  Status log_error_;          // sticky: the current log took a failed record
  bool log_trimmed_ = false;  // TrimLog cut the log; nothing came after
  struct UnsyncedLog {
    uint64_t number = 0;
    std::unique_ptr<WritableFile> file;
  };
  std::vector<UnsyncedLog> unsynced_logs_;  // oldest first
  WriteBatch group_batch_;                  // scratch for concatenated groups
  std::string record_;  // scratch: timestamp ‖ batch (versioned DBs)
};

}  // namespace strata::internal
