// The write path: checks, then the commit pipeline (see db_impl.h).

#include <chrono>
#include <cinttypes>
#include <thread>

#include "db/db_impl.h"
#include "db/write_batch_internal.h"

namespace strata::internal {

Status DBImpl::CheckOpen() const {
  // acquire: pairs with the release store in Close().
  if (closed_.load(std::memory_order_acquire)) {
    if (retired_->load(std::memory_order_acquire)) {
      return Status::InvalidArgument(
          dbname_,
          "the DB was restored from a checkpoint; this belongs to "
          "the state before (begin again from the DB)");
    }
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
  return CheckSummary(summary);
}

Status DBImpl::CheckSummary(const BatchSummary& summary) const {
  if (summary.has_empty_key) {
    return Status::InvalidArgument("empty key");
  }
  if (summary.max_key_size > options_.max_key_size) {
    return Status::InvalidArgument("key too large",
                                   std::to_string(summary.max_key_size) +
                                       " bytes > max_key_size " +
                                       std::to_string(options_.max_key_size));
  }
  if (summary.max_value_size > options_.max_value_size) {
    return Status::InvalidArgument("value too large",
                                   std::to_string(summary.max_value_size) +
                                       " bytes > max_value_size " +
                                       std::to_string(options_.max_value_size));
  }
  if (summary.has_bad_range) {
    return Status::InvalidArgument("DeleteRange", "begin must be < end");
  }
  if (!icmp_->versioned()) {
    if (summary.timestamped > 0 || summary.purges > 0) {
      return Status::InvalidArgument(
          summary.timestamped > 0 ? "PutAt/DeleteAt/DeleteRangeAt"
                                  : "Purge/Replace",
          "needs a DB created with Options::enable_versioning; " + dbname_ +
              " keeps no history");
    }
    return Status::OK();
  }
  if (summary.has_zero_timestamp) {
    return Status::InvalidArgument("PutAt/DeleteAt/DeleteRangeAt",
                                   "timestamp 0 (timestamps start at 1 ns)");
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
    return Status::InvalidArgument("value too large",
                                   std::to_string(value.size()) +
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
  if (options_.comparator->Compare(begin, end) >= 0) {
    return Status::InvalidArgument("DeleteRange", "begin must be < end");
  }
  if (begin.size() > options_.max_key_size ||
      end.size() > options_.max_key_size) {
    return Status::InvalidArgument("DeleteRange",
                                   "bound longer than max_key_size " +
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
  request_stats_.write_micros.Record(static_cast<uint64_t>(
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
  return pipeline_.Write(batch, options.sync);
}

Status DBImpl::MakeRoom(bool force) {
  MutexLock lock(&mu_);
  return MakeRoomForWriteLocked(force);
}

void DBImpl::Apply(const WriteBatch& group, uint64_t commit_timestamp) {
  // The leader is the memtable's only writer; mem_ changes only in its
  // MakeRoom (or while no writer is queued).
  WriteBatchInternal::InsertInto(group, mem_.get(), icmp_->versioned(),
                                 commit_timestamp);
}

void DBImpl::LogFailed(uint64_t log_number, const Status& error,
                       const Status& cut) {
  MutexLock lock(&mu_);
  if (!cut.ok()) {
    info_log_->Log("write-ahead log %06" PRIu64
                   ": cannot cut the failed "
                   "record: %s",
                   log_number, cut.ToString().c_str());
  }
  // A failed append or sync may have left part of the record in the file;
  // nothing after it can be trusted, so writes stop until reopen
  // (invariant 3). A failed fsync is never retried as if it worked.
  if (bg_error_.ok()) bg_error_ = error;
  info_log_->Log("write-ahead log %06" PRIu64 " failed; writes stop: %s",
                 log_number, error.ToString().c_str());
}

Status DBImpl::WriteValidated(const WriteOptions& options, WriteBatch* batch,
                              CommitValidator validate) {
  if (batch == nullptr) return Status::InvalidArgument("null batch");
  STRATA_RETURN_IF_ERROR(CheckOpen());
  STRATA_RETURN_IF_ERROR(CheckBatch(*batch));
  if (batch->Count() == 0) return Status::OK();
  return pipeline_.Write(batch, options.sync, std::move(validate));
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
      counters_.stall_micros += waited;
      counters_.stop_micros += waited;
      continue;
    }
    if (delay > 0 && !delayed) {
      // Approaching the limit: slow this group down once, keeping the
      // leader role so later writers are slowed too.
      mu_.Unlock();
      std::this_thread::sleep_for(std::chrono::microseconds(delay));
      mu_.Lock();
      counters_.stall_micros += delay;
      delayed = true;
      continue;
    }
    const bool wanted =
        force ? !mem_->IsEmpty()
              : mem_->ApproximateMemoryUsage() >= options_.write_buffer_size;
    if (!wanted) return Status::OK();
    if (imm_.size() + 1 >=
        static_cast<size_t>(options_.max_write_buffer_number)) {
      // Every memtable is in use: wait for the flush to free one. Later
      // writers queue behind this leader meanwhile.
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      counters_.stall_micros += env_->NowMicros() - start;
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
  Status s = pipeline_.FlushLog();
  if (s.ok()) s = CreateLogFile(number, &file);
  // The old log's preallocated tail goes now, outside the DB mutex: on a
  // file system mounted with `discard` the cut waits for the device.
  if (s.ok()) pipeline_.TrimLog();
  mu_.Lock();
  if (!s.ok()) {
    bg_error_ = s;
    info_log_->Log("switching to log %06" PRIu64 " failed; writes stop: %s",
                   number, s.ToString().c_str());
    return s;
  }
  // The old log is not synced here; logs whose memtables are in synced
  // tables already need no sync at all (db_impl.h invariant 5,
  // CommitPipeline invariant 4).
  pipeline_.SwitchLog(number, std::move(file), versions_->log_number());
  imm_.push_front(FrozenMemTable{mem_, log_number_});
  mem_ = std::make_shared<MemTable>(*icmp_,
                                    ArenaBlockSize(options_.write_buffer_size));
  log_number_ = number;
  InstallSuperVersionLocked();
  bg_cv_.SignalAll();  // the background thread has work
  return Status::OK();
}

}  // namespace strata::internal
