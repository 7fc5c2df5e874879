// The write path: checks, then the commit pipeline (see db_impl.h).

#include <cassert>
#include <chrono>
#include <cinttypes>
#include <thread>

#include "db/db_impl.h"
#include "db/write_batch_internal.h"

namespace strata::internal {

namespace {

// A group stops growing at this many bytes so one leader's I/O stays short.
constexpr size_t kMaxGroupBytes = 1 << 20;
// A small leader batch only takes this much more, to keep latency low for
// small writes when a big one is queued behind it.
constexpr size_t kSmallBatchBytes = 128 << 10;

}  // namespace

Status DBImpl::CheckOpen() const {
  // acquire: pairs with the release store in Close().
  if (closed_.load(std::memory_order_acquire)) {
    return Status::InvalidArgument(dbname_, "the DB is closed");
  }
  return Status::OK();
}

Status DBImpl::WritesStoppedLocked() const {
  mu_.AssertHeld();
  return bg_error_.WithContext(
      "writes are stopped until the DB is reopened, after this error");
}

Status DBImpl::CheckBatch(const WriteBatch& batch) const {
  BatchSummary summary;
  STRATA_RETURN_IF_ERROR(
      WriteBatchInternal::Validate(batch, &summary, options_.comparator));
  if (summary.has_empty_key) {
    return Status::InvalidArgument("empty key");
  }
  if (summary.max_key_size > options_.max_key_size) {
    return Status::InvalidArgument(
        "key too large", std::to_string(summary.max_key_size) + " bytes > max_key_size " +
                             std::to_string(options_.max_key_size));
  }
  if (summary.max_value_size > options_.max_value_size) {
    return Status::InvalidArgument(
        "value too large", std::to_string(summary.max_value_size) +
                               " bytes > max_value_size " +
                               std::to_string(options_.max_value_size));
  }
  if (summary.has_bad_range) {
    return Status::InvalidArgument("DeleteRange", "begin must be < end");
  }
  return Status::OK();
}

Status DBImpl::Put(const WriteOptions& options, const Slice& key,
                   const Slice& value) {
  // Checked before the batch copies anything.
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > options_.max_key_size) {
    return Status::InvalidArgument(
        "key too large", std::to_string(key.size()) + " bytes > max_key_size " +
                             std::to_string(options_.max_key_size));
  }
  if (value.size() > options_.max_value_size) {
    return Status::InvalidArgument(
        "value too large", std::to_string(value.size()) +
                               " bytes > max_value_size " +
                               std::to_string(options_.max_value_size));
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  WriteBatch batch;
  batch.Put(key, value);
  return TimedWrite(options, &batch, /*checked=*/true);
}

Status DBImpl::Delete(const WriteOptions& options, const Slice& key) {
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > options_.max_key_size) {
    return Status::InvalidArgument(
        "key too large", std::to_string(key.size()) + " bytes > max_key_size " +
                             std::to_string(options_.max_key_size));
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  WriteBatch batch;
  batch.Delete(key);
  return TimedWrite(options, &batch, /*checked=*/true);
}

Status DBImpl::DeleteRange(const WriteOptions& options, const Slice& begin,
                           const Slice& end) {
  if (begin.empty() || end.empty()) {
    return Status::InvalidArgument("DeleteRange", "empty bound");
  }
  if (internal_comparator_.CompareUserKeys(begin, end) >= 0) {
    return Status::InvalidArgument("DeleteRange", "begin must be < end");
  }
  if (begin.size() > options_.max_key_size || end.size() > options_.max_key_size) {
    return Status::InvalidArgument(
        "DeleteRange", "bound longer than max_key_size " +
                           std::to_string(options_.max_key_size));
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  WriteBatch batch;
  batch.DeleteRange(begin, end);
  return TimedWrite(options, &batch, /*checked=*/true);
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  return TimedWrite(options, batch, /*checked=*/false);
}

Status DBImpl::TimedWrite(const WriteOptions& options, WriteBatch* batch,
                          bool checked) {
  const auto start = std::chrono::steady_clock::now();
  Status s = WriteImpl(options, batch, checked);
  write_micros_.Record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start)
          .count()));
  return s;
}

Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch,
                         bool checked) {
  if (batch == nullptr) return Status::InvalidArgument("null batch");
  STRATA_RETURN_IF_ERROR(CheckOpen());
  if (!checked) STRATA_RETURN_IF_ERROR(CheckBatch(*batch));
  if (batch->Count() == 0) return Status::OK();
  Writer w(&mu_);
  w.batch = batch;
  w.sync = options.sync;
  return WriteThroughPipeline(&w);
}

Status DBImpl::WriteThroughPipeline(Writer* w) {
  MutexLock lock(&mu_);
  if (closed_.load(std::memory_order_acquire)) {
    return Status::InvalidArgument(dbname_, "the DB is closed");
  }
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.Wait();
  if (w->done) return w->status;

  // This writer leads a group: writers_.front() .. last_writer. A writer
  // without a batch is a Flush() request and leads only itself.
  Writer* last_writer = w;
  Status status = WritesStoppedLocked();
  if (status.ok() && log_ == nullptr) {
    status = Status::IOError(dbname_, "no write-ahead log is open");
  }
  if (status.ok()) status = MakeRoomForWriteLocked(/*force=*/w->batch == nullptr);
  if (status.ok() && w->batch != nullptr) {
    WriteBatch* group = BuildBatchGroupLocked(&last_writer);
    if (group != nullptr) {
      const SequenceNumber first =
          last_sequence_.load(std::memory_order_relaxed) + 1;
      const uint32_t count = WriteBatchInternal::Count(*group);
      WriteBatchInternal::SetSequence(group, first);
      bool sync = false;
      for (auto it = writers_.begin();; ++it) {
        sync |= (*it)->sync && !(*it)->skipped;
        if (*it == last_writer) break;
      }

      // I/O and the memtable insert happen without the mutex: only the
      // leader touches the WAL and memtable (invariant 1), and followers
      // stay queued until it is done.
      const uint64_t log_number = log_number_;
      mu_.Unlock();
      const uint64_t log_size_before = log_file_->Size();
      status = log_->AddRecord(WriteBatchInternal::Contents(*group));
      if (status.ok()) status = log_file_->Flush();
      if (status.ok() && sync) {
        // Invariant 5: earlier logs become durable before this write does.
        for (UnsyncedLog& l : unsynced_logs_) {
          status = l.file->Sync();
          if (!status.ok()) break;
        }
        if (status.ok()) {
          for (UnsyncedLog& l : unsynced_logs_) (void)l.file->Close();  // synced
          unsynced_logs_.clear();
          status = log_file_->Sync();
        }
      }
      if (status.ok()) {
        WriteBatchInternal::InsertInto(*group, mem_.get());
      } else {
        // Take the record back: a write that returned an error must never
        // appear after a reopen, and nothing more is written to this log
        // (invariant 3). The file drops what it had buffered by itself;
        // this also cuts what reached the OS.
        const Status cut = log_file_->Truncate(log_size_before);
        if (!cut.ok()) {
          info_log_->Log("write-ahead log %06" PRIu64 ": cannot cut the "
                         "failed record at offset %" PRIu64 ": %s",
                         log_number, log_size_before, cut.ToString().c_str());
        }
      }
      mu_.Lock();

      if (status.ok()) {
        user_bytes_written_ += WriteBatchInternal::ByteSize(*group);
        // release: the memtable holds every entry up to here (invariant 2).
        last_sequence_.store(first + count - 1, std::memory_order_release);
      } else {
        // A failed append or sync may have left part of the record in the
        // file; nothing after it can be trusted, so writes stop until reopen
        // (invariant 3). A failed fsync is never retried as if it worked.
        bg_error_ = status;
        info_log_->Log("write-ahead log %06" PRIu64 " failed; writes stop: %s",
                       log_number_, status.ToString().c_str());
      }
      if (group == &group_batch_) group_batch_.Clear();
    }
  }

  // Hand every member of the group its result, then wake the next leader.
  // A member is marked done only once it has left the queue, so it cannot
  // return (and destroy itself) while the queue still points to it.
  for (;;) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != w) {
      if (!ready->skipped) ready->status = status;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last_writer) break;
  }
  if (w->skipped) status = w->status;  // the leader failed validation
  if (!writers_.empty()) {
    writers_.front()->cv.Signal();
  } else {
    writers_drained_cv_.SignalAll();
  }
  return status;
}

Status DBImpl::WriteValidated(const WriteOptions& options, WriteBatch* batch,
                              std::function<Status(SequenceNumber)> validate) {
  if (batch == nullptr) return Status::InvalidArgument("null batch");
  STRATA_RETURN_IF_ERROR(CheckOpen());
  STRATA_RETURN_IF_ERROR(CheckBatch(*batch));
  if (batch->Count() == 0) return Status::OK();
  Writer w(&mu_);
  w.batch = batch;
  w.sync = options.sync;
  w.validate = std::move(validate);
  return WriteThroughPipeline(&w);
}

Status DBImpl::PauseWrites() {
  MutexLock lock(&mu_);
  if (closed_.load(std::memory_order_acquire)) {
    return Status::InvalidArgument(dbname_, "the DB is closed");
  }
  if (pause_ != nullptr) {
    return Status::InvalidArgument(dbname_, "writes are paused already");
  }
  pause_ = std::make_unique<Writer>(&mu_);
  Writer* w = pause_.get();
  writers_.push_back(w);
  // Once at the front it stays there, holding every later writer back.
  while (w != writers_.front()) w->cv.Wait();
  return Status::OK();
}

void DBImpl::ResumeWrites() {
  MutexLock lock(&mu_);
  if (pause_ == nullptr) return;
  assert(writers_.front() == pause_.get());
  writers_.pop_front();
  pause_.reset();
  if (!writers_.empty()) {
    writers_.front()->cv.Signal();
  } else {
    writers_drained_cv_.SignalAll();
  }
}

size_t DBImpl::QueuedWritersForTest() {
  MutexLock lock(&mu_);
  return writers_.size();
}

Status DBImpl::MakeRoomForWriteLocked(bool force) {
  mu_.AssertHeld();
  bool delayed = false;
  for (;;) {
    if (!bg_error_.ok()) return WritesStoppedLocked();
    bool stop = false;
    uint64_t delay = 0;
    if (!force) WriteBackpressureLocked(&stop, &delay);
    if (stop) {
      // Too many L0 files: wait for compaction to catch up.
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      const uint64_t waited = env_->NowMicros() - start;
      stall_micros_ += waited;
      stop_micros_ += waited;
      continue;
    }
    if (delay > 0 && !delayed) {
      // Approaching the limit: slow this group down once, keeping the
      // leader role so later writers are slowed too.
      mu_.Unlock();
      std::this_thread::sleep_for(std::chrono::microseconds(delay));
      mu_.Lock();
      stall_micros_ += delay;
      delayed = true;
      continue;
    }
    const bool wanted =
        force ? !mem_->IsEmpty()
              : mem_->ApproximateMemoryUsage() >= options_.write_buffer_size;
    if (!wanted) return Status::OK();
    if (imm_.size() + 1 >= static_cast<size_t>(options_.max_write_buffer_number)) {
      // Every memtable is in use: wait for the flush to free one. Later
      // writers queue behind this leader meanwhile.
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      stall_micros_ += env_->NowMicros() - start;
      continue;
    }
    return SwitchMemTableLocked();
  }
}

Status DBImpl::SwitchMemTableLocked() {
  mu_.AssertHeld();
  const uint64_t number = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> file;
  mu_.Unlock();
  // The old log is not synced here (that would stall every writer for a
  // whole log's fsync): a later sync write syncs it first (invariant 5).
  Status s = log_file_->Flush();
  if (s.ok()) s = CreateLogFile(number, &file);
  mu_.Lock();
  if (!s.ok()) {
    bg_error_ = s;
    info_log_->Log("switching to log %06" PRIu64 " failed; writes stop: %s",
                   number, s.ToString().c_str());
    return s;
  }
  // Logs whose memtables are already in synced tables need no sync.
  const uint64_t min_live_log = versions_->log_number();
  std::erase_if(unsynced_logs_, [min_live_log](UnsyncedLog& l) {
    if (l.number >= min_live_log) return false;
    (void)l.file->Close();  // obsolete: its data is in a synced table
    return true;
  });
  unsynced_logs_.push_back(UnsyncedLog{log_number_, std::move(log_file_)});
  log_file_ = std::move(file);
  log_ = std::make_unique<log::Writer>(log_file_.get());
  imm_.push_front(FrozenMemTable{mem_, log_number_});
  mem_ = std::make_shared<MemTable>(internal_comparator_,
                                    ArenaBlockSize(options_.write_buffer_size));
  log_number_ = number;
  InstallSuperVersionLocked();
  bg_cv_.SignalAll();  // the background thread has work
  return Status::OK();
}

WriteBatch* DBImpl::BuildBatchGroupLocked(Writer** last_writer) {
  mu_.AssertHeld();
  // The sequence the next accepted member's first record gets.
  SequenceNumber next_first =
      last_sequence_.load(std::memory_order_relaxed) + 1;
  Writer* first = writers_.front();
  const size_t first_size = WriteBatchInternal::ByteSize(*first->batch);
  const size_t max_size = first_size <= kSmallBatchBytes
                              ? first_size + kSmallBatchBytes
                              : kMaxGroupBytes;

  WriteBatch* result = nullptr;
  size_t size = 0;
  for (Writer* member : writers_) {
    // A Flush() request has no batch and leads its own group.
    if (member->batch == nullptr) break;
    if (result != nullptr) {
      const size_t member_size = WriteBatchInternal::ByteSize(*member->batch);
      if (size + member_size > max_size) break;  // leave it for the next group
    }
    *last_writer = member;
    if (member->validate) {
      // A member whose validation fails leaves the group with that status.
      Status v = member->validate(next_first);
      if (!v.ok()) {
        member->status = std::move(v);
        member->skipped = true;
        continue;
      }
    }
    next_first += WriteBatchInternal::Count(*member->batch);
    if (result == nullptr) {
      result = member->batch;
      size = WriteBatchInternal::ByteSize(*result);
      continue;
    }
    if (result != &group_batch_) {
      // Second member: switch to the scratch batch so callers' batches
      // are never modified beyond their sequence header.
      group_batch_.Clear();
      WriteBatchInternal::Append(&group_batch_, *result);
      result = &group_batch_;
    }
    WriteBatchInternal::Append(&group_batch_, *member->batch);
    size += WriteBatchInternal::ByteSize(*member->batch);
  }
  return result;
}

}  // namespace strata::internal
