// CommitPipeline: see commit_pipeline.h.

#include "db/commit_pipeline.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "base/coding.h"
#include "base/result.h"
#include "base/spin_wait.h"
#include "db/write_batch_internal.h"

namespace strata::internal {

namespace {

// A group stops growing at this many bytes so one leader's I/O stays short.
constexpr size_t kMaxGroupBytes = 1 << 20;
// A small leader batch only takes this much more, to keep latency low for
// small writes when a big one is queued behind it.
constexpr size_t kSmallBatchBytes = 128 << 10;
// How long a queued writer spins before it sleeps: a group without a sync
// takes a few microseconds, an fsync much longer.
constexpr std::chrono::microseconds kSpinBudget(20);

}  // namespace

// A member of the queue. One without a batch is a ForceMemTableSwitch
// request, an exclusive section (RunExclusive) or, as pause_, a pause,
// and leads only itself.
struct CommitPipeline::Writer {
  explicit Writer(Mutex* mu) : cv(mu) {}
  WriteBatch* batch = nullptr;
  const std::function<Status()>* exclusive = nullptr;
  bool sync = false;
  CommitValidator validate;
  bool skipped = false;  // failed validation; `status` says why
  bool done = false;     // set once the writer has left the queue
  Status status;
  CondVar cv;
  // Set (release), after `done`, `status` and `cv`, when the writer is
  // done or has come to the front: what a spinning writer polls. Once it
  // reads true with `done` set the writer may return (and be destroyed)
  // without the mutex, so Wake() touches nothing after the store.
  std::atomic<bool> woken{false};

  void Wake() {
    cv.Signal();
    woken.store(true, std::memory_order_release);
  }
};

CommitPipeline::CommitPipeline(CommitHost* host, std::string name)
    : host_(host), name_(std::move(name)) {}

CommitPipeline::~CommitPipeline() = default;

Status CommitPipeline::Write(WriteBatch* batch, bool sync,
                             CommitValidator validate) {
  assert(batch != nullptr);
  Writer w(&mu_);
  w.batch = batch;
  w.sync = sync;
  w.validate = std::move(validate);
  return Run(&w);
}

Status CommitPipeline::ForceMemTableSwitch() {
  Writer w(&mu_);
  return Run(&w);
}

Status CommitPipeline::RunExclusive(const std::function<Status()>& fn) {
  Writer w(&mu_);
  w.exclusive = &fn;
  return Run(&w);
}

Status CommitPipeline::Run(Writer* w) {
  bool leads = false;
  {
    MutexLock lock(&mu_);
    if (closed_) return Status::InvalidArgument(name_, "the DB is closed");
    writers_.push_back(w);
    leads = w == writers_.front();
  }
  if (!leads) {
    // A follower first spins for its wake-up (the group ahead of it is
    // being logged), then sleeps.
    if (SpinUntil([w] { return w->woken.load(std::memory_order_acquire); },
                  kSpinBudget) &&
        w->done) {
      return w->status;  // set before `woken`; the leader is done with `w`
    }
    MutexLock lock(&mu_);
    while (!w->done && w != writers_.front()) w->cv.Wait();
    if (w->done) return w->status;
  }

  // This writer leads: the group is writers_.front() .. last. Followers
  // stay queued (and the queue's front stays this writer) until it is done,
  // so the leader may work without the mutex.
  Writer* last = w;
  Status status;
  if (w->exclusive != nullptr) {
    status = (*w->exclusive)();
  } else if (writer_ == nullptr) {
    status = Status::IOError(name_, "no write-ahead log is open");
  } else {
    // The host stops writes after a failed log write (LogFailed) and says
    // so; the pipeline's own record of it is the backstop.
    status = host_->MakeRoom(/*force=*/w->batch == nullptr);
    if (status.ok()) status = log_error_;
  }
  if (status.ok() && w->batch != nullptr) {
    WriteBatch* group = nullptr;
    bool sync = false;
    {
      MutexLock lock(&mu_);
      group = BuildGroupLocked(&last, &sync);
    }
    if (group != nullptr) {
      const SequenceNumber first =
          last_sequence_.load(std::memory_order_relaxed) + 1;
      const uint32_t count = WriteBatchInternal::Count(*group);
      WriteBatchInternal::SetSequence(group, first);
      uint64_t timestamp = 0;
      if (clock_ != nullptr) {
        // Invariant 5: strictly after the last one, whatever the clock says.
        timestamp =
            std::max(clock_->NowNanos(),
                     last_timestamp_.load(std::memory_order_relaxed) + 1);
      }
      status = LogGroup(*group, timestamp, sync);
      if (status.ok()) {
        host_->Apply(*group, timestamp);
        bytes_committed_.fetch_add(WriteBatchInternal::ByteSize(*group),
                                   std::memory_order_relaxed);
        if (clock_ != nullptr) {
          last_timestamp_.store(timestamp, std::memory_order_release);
        }
        // release: the memtable holds every entry up to here (invariant 2).
        last_sequence_.store(first + count - 1, std::memory_order_release);
      }
      if (group == &group_batch_) group_batch_.Clear();
    }
  }

  // Hand every member its result, then wake the next leader. A member is
  // marked done only once it has left the queue, so it cannot return (and
  // destroy itself) while the queue still points to it.
  MutexLock lock(&mu_);
  for (;;) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    // Decided first: once woken, `ready` may return and be gone.
    const bool is_last = ready == last;
    if (ready != w) {
      if (!ready->skipped) ready->status = status;
      ready->done = true;
      ready->Wake();
    }
    if (is_last) break;
  }
  if (w->skipped) status = w->status;  // the leader failed validation
  SignalNextLocked();
  return status;
}

WriteBatch* CommitPipeline::BuildGroupLocked(Writer** last, bool* sync) {
  mu_.AssertHeld();
  // The sequence the next accepted member's first record gets.
  SequenceNumber next_first =
      last_sequence_.load(std::memory_order_relaxed) + 1;
  const Writer* front = writers_.front();
  const size_t front_size = WriteBatchInternal::ByteSize(*front->batch);
  const size_t max_size = front_size <= kSmallBatchBytes
                              ? front_size + kSmallBatchBytes
                              : kMaxGroupBytes;

  WriteBatch* result = nullptr;
  size_t size = 0;
  for (Writer* member : writers_) {
    // A request without a batch leads its own group.
    if (member->batch == nullptr) break;
    const size_t member_size = WriteBatchInternal::ByteSize(*member->batch);
    if (result != nullptr && size + member_size > max_size) {
      break;  // left for the next group
    }
    *last = member;
    if (member->validate) {
      // A member whose validation fails leaves the group with that status.
      Status v = member->validate(next_first);
      if (!v.ok()) {
        member->status = std::move(v);
        member->skipped = true;
        continue;
      }
    }
    const SequenceNumber first = next_first;
    next_first += WriteBatchInternal::Count(*member->batch);
    // seq_cst: before the recorder looks for transactions (CommitIndex,
    // Completeness).
    assigned_sequence_.store(next_first - 1, std::memory_order_seq_cst);
    if (recorder_) recorder_(*member->batch, first);
    *sync |= member->sync;
    size += member_size;
    if (result == nullptr) {
      result = member->batch;
      continue;
    }
    if (result != &group_batch_) {
      // Second member: switch to the scratch batch so callers' batches are
      // never modified beyond their sequence header.
      group_batch_.Clear();
      WriteBatchInternal::Append(&group_batch_, *result);
      result = &group_batch_;
    }
    WriteBatchInternal::Append(&group_batch_, *member->batch);
  }
  return result;
}

Status CommitPipeline::LogGroup(const WriteBatch& group, uint64_t timestamp,
                                bool sync) {
  const uint64_t size_before = log_file_->Size();
  Slice record = WriteBatchInternal::Contents(group);
  if (clock_ != nullptr) {
    record_.clear();
    PutFixed64(&record_, timestamp);
    record_.append(record.data(), record.size());
    record = record_;
  }
  log_trimmed_ = false;  // the log grows again
  Status status = writer_->AddRecord(record);
  if (status.ok()) status = log_file_->Flush();
  // Invariant 4: earlier logs become durable before this write does.
  if (status.ok() && sync) status = SyncEveryLog();
  if (status.ok()) return status;
  // Take the record back: a write that returned an error must never appear
  // after a reopen, and nothing more is written to this log (invariant 3).
  // The file drops what it had buffered by itself; this also cuts what
  // reached the OS. A failed fsync is never retried as if it worked.
  const Status cut = log_file_->Truncate(size_before);
  log_error_ = status;
  host_->LogFailed(log_number_, status, cut);
  return status;
}

void CommitPipeline::SignalNextLocked() {
  mu_.AssertHeld();
  if (!writers_.empty()) {
    writers_.front()->Wake();
  } else {
    drained_cv_.SignalAll();
  }
}

Status CommitPipeline::Pause() {
  MutexLock lock(&mu_);
  if (closed_) return Status::InvalidArgument(name_, "the DB is closed");
  if (pause_ != nullptr) {
    return Status::InvalidArgument(name_, "writes are paused already");
  }
  pause_ = std::make_unique<Writer>(&mu_);
  Writer* w = pause_.get();
  writers_.push_back(w);
  // Once at the front it stays there, holding every later writer back.
  while (w != writers_.front()) w->cv.Wait();
  return Status::OK();
}

void CommitPipeline::Resume() {
  MutexLock lock(&mu_);
  if (pause_ == nullptr) return;
  assert(writers_.front() == pause_.get());
  writers_.pop_front();
  pause_.reset();
  SignalNextLocked();
}

size_t CommitPipeline::QueuedForTest() {
  MutexLock lock(&mu_);
  return writers_.size();
}

void CommitPipeline::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
  // Writers already queued finish; new ones see `closed_` and refuse.
  while (!writers_.empty()) drained_cv_.Wait();
}

void CommitPipeline::EnableTimestamps(Env* clock, uint64_t last_timestamp) {
  assert(clock != nullptr);
  clock_ = clock;
  last_timestamp_.store(last_timestamp, std::memory_order_release);
}

void CommitPipeline::SetLog(uint64_t number,
                            std::unique_ptr<WritableFile> file) {
  assert(writer_ == nullptr);
  log_number_ = number;
  log_file_ = std::move(file);
  log_trimmed_ = false;
  writer_ = std::make_unique<log::Writer>(log_file_.get());
}

Status CommitPipeline::FlushLog() {
  if (log_file_ == nullptr) return Status::OK();
  return log_file_->Flush();
}

Status CommitPipeline::SyncEveryLog() {
  for (UnsyncedLog& l : unsynced_logs_) {
    STRATA_RETURN_IF_ERROR(l.file->Sync());
  }
  for (UnsyncedLog& l : unsynced_logs_) (void)l.file->Close();  // synced
  unsynced_logs_.clear();
  return log_file_->Sync();
}

Status CommitPipeline::SyncLogs(bool sync) {
  if (log_file_ == nullptr) {
    return Status::IOError(name_, "no write-ahead log is open");
  }
  STRATA_RETURN_IF_ERROR(log_error_);
  Status status = log_file_->Flush();
  if (status.ok() && sync) status = SyncEveryLog();
  if (status.ok()) return status;
  // What the failed call left in the log cannot be trusted: as after a
  // failed group, nothing more is written to it (invariant 3). There is
  // no record to cut.
  log_error_ = status;
  host_->LogFailed(log_number_, status, Status::OK());
  return status;
}

void CommitPipeline::TrimLog() {
  if (log_file_ != nullptr && log_error_.ok()) {
    log_trimmed_ = log_file_->Truncate(log_file_->Size()).ok();
  }
}

void CommitPipeline::SwitchLog(uint64_t number,
                               std::unique_ptr<WritableFile> file,
                               uint64_t min_live_log) {
  std::erase_if(unsynced_logs_, [min_live_log](UnsyncedLog& l) {
    if (l.number >= min_live_log) return false;
    (void)l.file->Close();  // obsolete: its data is in a synced table
    return true;
  });
  if (log_file_ != nullptr) {
    // Nothing more is appended to it: a log that preallocates space ahead
    // of its data (Env::NewMappedWritableFile) gives it back, so that only
    // the log being written can end in zeros (a checkpoint copies the
    // others whole, and requires them to end cleanly). Done already if
    // TrimLog() was.
    if (log_error_.ok() && !log_trimmed_) {
      (void)log_file_->Truncate(log_file_->Size());
    }
    unsynced_logs_.push_back(UnsyncedLog{log_number_, std::move(log_file_)});
  }
  writer_.reset();
  SetLog(number, std::move(file));
}

Status CommitPipeline::CloseLogs(bool sync) {
  Status s;
  for (UnsyncedLog& l : unsynced_logs_) {
    if (sync && s.ok()) s = l.file->Sync();
    const Status c = l.file->Close();
    if (sync && s.ok()) s = c;
  }
  unsynced_logs_.clear();
  if (log_file_ != nullptr) {
    if (sync && s.ok()) s = log_file_->Sync();
    const Status c = log_file_->Close();
    if (sync && s.ok()) s = c;
  }
  writer_.reset();
  log_file_.reset();
  return s;
}

}  // namespace strata::internal
