// Recovery at open: replay every write-ahead log, in order, into a fresh
// memtable, continuing the sequence numbers where the logs end.

#include <algorithm>
#include <cinttypes>
#include <vector>

#include "db/db_impl.h"
#include "db/filename.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "wal/log_reader.h"

namespace strata::internal {
namespace {

// Counts and logs every region the log reader drops.
class DropReporter final : public log::Reader::Reporter {
 public:
  DropReporter(InfoLogger* info_log, std::string file_name)
      : info_log_(info_log), file_name_(std::move(file_name)) {}

  void Dropped(uint64_t offset, uint64_t bytes, const Status& reason) override {
    dropped_bytes_ += bytes;
    info_log_->Log("%s: dropped %" PRIu64 " bytes at offset %" PRIu64 ": %s",
                   file_name_.c_str(), bytes, offset, reason.ToString().c_str());
  }

  uint64_t dropped_bytes() const { return dropped_bytes_; }

 private:
  InfoLogger* const info_log_;
  const std::string file_name_;
  uint64_t dropped_bytes_ = 0;
};

// Decodes a WAL record into `*batch` and checks that it follows
// `prev_max_sequence`. The reader has already verified its checksums.
Status DecodeRecord(const Slice& record, SequenceNumber prev_max_sequence,
                    WriteBatch* batch) {
  STRATA_RETURN_IF_ERROR(WriteBatchInternal::SetContents(batch, record));
  BatchSummary summary;
  STRATA_RETURN_IF_ERROR(WriteBatchInternal::Validate(*batch, &summary));
  if (summary.count == 0) {
    return Status::Corruption("empty write batch");
  }
  if (summary.range_deletions > 0) {
    return Status::NotSupported(
        "log holds range deletions, which this build cannot replay (issue #5)");
  }
  const SequenceNumber seq = WriteBatchInternal::Sequence(*batch);
  if (seq <= prev_max_sequence || seq + summary.count - 1 > kMaxSequenceNumber) {
    return Status::Corruption("sequence " + std::to_string(seq) +
                              " does not follow " +
                              std::to_string(prev_max_sequence));
  }
  return Status::OK();
}

}  // namespace

Status DBImpl::Recover() {
  mem_ = std::make_shared<MemTable>(internal_comparator_);
  std::vector<std::string> names;
  STRATA_RETURN_IF_ERROR(env_->GetChildren(dbname_, &names));
  std::vector<uint64_t> logs;
  uint64_t max_number = 0;
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    max_number = std::max(max_number, number);
    if (type == FileType::kLogFile) {
      logs.push_back(number);
    } else if (type == FileType::kTempFile) {
      // Left by a crash in the middle of an atomic replace; never live.
      info_log_->Log("removing leftover temporary file %s", name.c_str());
      (void)env_->RemoveFile(dbname_ + "/" + name);  // garbage either way
    }
  }
  std::sort(logs.begin(), logs.end());

  SequenceNumber max_sequence = 0;
  bool removed_empty = false;
  for (const uint64_t number : logs) {
    // A log that never received a write (its DB closed or crashed before
    // the first one) holds nothing: remove it rather than keep it forever.
    uint64_t size = 0;
    if (env_->GetFileSize(LogFileName(dbname_, number), &size).ok() && size == 0) {
      STRATA_RETURN_IF_ERROR(env_->RemoveFile(LogFileName(dbname_, number)));
      removed_empty = true;
      continue;
    }
    STRATA_RETURN_IF_ERROR(ReplayLog(number, &max_sequence));
    // What was just recovered may sit unsynced in the OS (the previous
    // process acknowledged it without sync, then died). Writes after this
    // open are logged to a new file; a sync write there must not become
    // durable while the older writes it follows are not, or a power loss
    // would leave a hole. So every replayed log is made durable first.
    STRATA_RETURN_IF_ERROR(SyncLog(number));
  }
  if (removed_empty) STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  {
    MutexLock lock(&mu_);
    next_file_number_ = max_number + 1;
  }
  last_sequence_.store(max_sequence, std::memory_order_release);
  info_log_->Log("recovered %zu log(s); last sequence %" PRIu64
                 "; %" PRIu64 " memtable entries",
                 logs.size(), max_sequence, mem_->NumEntries());
  return Status::OK();
}

Status DBImpl::ReplayLog(uint64_t number, SequenceNumber* max_sequence) {
  const std::string path = LogFileName(dbname_, number);
  const std::string name = BaseName(path);
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(path, &file));
  DropReporter reporter(info_log_.get(), name);
  log::Reader reader(file.get(), name, options_.wal_recovery_mode, &reporter);

  const SequenceNumber start_sequence = *max_sequence;
  uint64_t records = 0;
  uint64_t rejected = 0;
  std::string scratch;
  Slice record;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    Status s = DecodeRecord(record, *max_sequence, &batch);
    if (!s.ok()) {
      const uint64_t offset = reader.LastRecordOffset();
      Status located = s.IsNotSupported()
                           ? s
                           : Status::Corruption(name + " offset " +
                                                    std::to_string(offset),
                                                s.message());
      if (options_.wal_recovery_mode != WalRecoveryMode::kSalvage ||
          s.IsNotSupported()) {
        return located;
      }
      reporter.Dropped(offset, record.size(), located);
      ++rejected;
      continue;
    }
    // A batch is inserted only after it decoded completely, so a damaged
    // record is never half-applied.
    WriteBatchInternal::InsertInto(batch, mem_.get());
    *max_sequence =
        WriteBatchInternal::Sequence(batch) + WriteBatchInternal::Count(batch) - 1;
    ++records;
  }
  STRATA_RETURN_IF_ERROR(reader.status());
  info_log_->Log("replayed %s: %" PRIu64 " records, sequences %" PRIu64
                 "..%" PRIu64 ", %" PRIu64 " bytes dropped",
                 name.c_str(), records, start_sequence + 1, *max_sequence,
                 reporter.dropped_bytes());
  if (reporter.dropped_bytes() > 0 || rejected > 0) {
    // Keep what recovery kept, so the same damage is not met again (and a
    // later open in kAbsoluteConsistency mode succeeds). Damage other than
    // a torn tail keeps the original beside the DB for inspection.
    const bool keep_original =
        rejected > 0 || reporter.dropped_bytes() > reader.TornTailBytes();
    STRATA_RETURN_IF_ERROR(RewriteLog(number, start_sequence, keep_original));
  }
  return Status::OK();
}

Status DBImpl::SyncLog(uint64_t number) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(
      env_->NewAppendableFile(LogFileName(dbname_, number), &file));
  STRATA_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

Status DBImpl::RewriteLog(uint64_t number, SequenceNumber start_sequence,
                          bool keep_original) {
  const std::string path = LogFileName(dbname_, number);
  const std::string name = BaseName(path);
  const std::string temp = TempFileName(dbname_, name);

  std::unique_ptr<SequentialFile> in;
  STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(path, &in));
  std::unique_ptr<WritableFile> out;
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(temp, &out));
  log::Writer writer(out.get());
  // Re-reads with the same mode; what passed the first time passes again.
  DropReporter quiet(info_log_.get(), name + " (rewrite)");
  log::Reader reader(in.get(), name, options_.wal_recovery_mode, &quiet);
  SequenceNumber seq = start_sequence;
  uint64_t kept = 0;
  std::string scratch;
  Slice record;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    if (!DecodeRecord(record, seq, &batch).ok()) continue;
    seq = WriteBatchInternal::Sequence(batch) + WriteBatchInternal::Count(batch) - 1;
    STRATA_RETURN_IF_ERROR(writer.AddRecord(record));
    ++kept;
  }
  STRATA_RETURN_IF_ERROR(reader.status());
  STRATA_RETURN_IF_ERROR(out->Sync());
  STRATA_RETURN_IF_ERROR(out->Close());
  if (keep_original) {
    // Salvage dropped data that was not a torn tail: keep the damaged
    // original as NNNNNN.log.damaged (only DestroyDB removes it).
    (void)env_->RemoveFile(path + ".damaged");  // an older copy, if any
    STRATA_RETURN_IF_ERROR(env_->LinkFile(path, path + ".damaged"));
  }
  STRATA_RETURN_IF_ERROR(env_->RenameFile(temp, path));
  STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  info_log_->Log("rewrote %s with the %" PRIu64 " records recovery kept",
                 name.c_str(), kept);
  return Status::OK();
}

}  // namespace strata::internal
