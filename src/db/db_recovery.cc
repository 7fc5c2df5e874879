// Recovery at open: read the MANIFEST, replay the WALs it says are not yet
// in tables into memtables, write those to L0 tables, and record them with
// a new WAL in one MANIFEST edit. Replayed logs then become obsolete.

#include <algorithm>
#include <cinttypes>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "db/db_files.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "version/version_edit.h"
#include "version/version_set.h"
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
                   file_name_.c_str(), bytes, offset,
                   reason.ToString().c_str());
  }

  uint64_t dropped_bytes() const { return dropped_bytes_; }

 private:
  InfoLogger* const info_log_;
  const std::string file_name_;
  uint64_t dropped_bytes_ = 0;
};

// Sets `*only_zeros` to whether the file at `path` holds nothing but zero
// bytes (or nothing at all).
Status HoldsOnlyZeros(Env* env, const std::string& path, bool* only_zeros) {
  *only_zeros = false;
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env->NewSequentialFile(path, &file));
  constexpr size_t kChunk = 64 << 10;
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  while (true) {
    Slice chunk;
    STRATA_RETURN_IF_ERROR(file->Read(kChunk, &chunk, scratch.get()));
    if (chunk.empty()) break;
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (chunk[i] != 0) return Status::OK();
    }
  }
  *only_zeros = true;
  return Status::OK();
}

}  // namespace

Status DecodeLogRecord(const Comparator* ucmp, bool versioned, Slice record,
                       SequenceNumber prev_max_sequence, WriteBatch* batch,
                       uint64_t* commit_timestamp) {
  *commit_timestamp = 0;
  if (versioned) {
    if (record.size() < kTimestampSize) {
      return Status::Corruption("record shorter than its commit timestamp");
    }
    *commit_timestamp = DecodeFixed64(record.data());
    record.remove_prefix(kTimestampSize);
    if (*commit_timestamp == 0) {
      return Status::Corruption("commit timestamp 0");
    }
  }
  STRATA_RETURN_IF_ERROR(WriteBatchInternal::SetContents(batch, record));
  BatchSummary summary;
  STRATA_RETURN_IF_ERROR(WriteBatchInternal::Validate(*batch, &summary, ucmp));
  if (summary.count == 0) {
    return Status::Corruption("empty write batch");
  }
  if (summary.has_empty_key || summary.has_bad_range) {
    // The write path refuses both, so a log holding one is damaged.
    return Status::Corruption("write batch with an empty key or range");
  }
  // Likewise for what the write path refuses by the DB's versioning.
  if (!versioned && (summary.timestamped > 0 || summary.purges > 0)) {
    return Status::Corruption(
        "write batch with timestamps or versioned operations (PutAt/"
        "DeleteAt/DeleteRangeAt/Purge/Replace) in a DB without versioning");
  }
  if (versioned && summary.has_zero_timestamp) {
    return Status::Corruption("write batch with timestamp 0");
  }
  const SequenceNumber seq = WriteBatchInternal::Sequence(*batch);
  if (seq <= prev_max_sequence ||
      seq + summary.count - 1 > kMaxSequenceNumber) {
    return Status::Corruption("sequence " + std::to_string(seq) +
                              " does not follow " +
                              std::to_string(prev_max_sequence));
  }
  if (seq != prev_max_sequence + 1) {
    // Sequence numbers are dense: a gap means writes before this record
    // were lost (see RecordGap).
    return Status::TryAgain("sequence gap: " + std::to_string(seq) + " after " +
                            std::to_string(prev_max_sequence));
  }
  return Status::OK();
}

Status DBImpl::Recover() {
  if (env_->FileExists(CurrentFileName(dbname_))) {
    STRATA_RETURN_IF_ERROR(versions_->Recover());
  } else {
    // A new DB, or one whose creation crashed before CURRENT existed (its
    // logs, if any, are replayed below from number 0).
    STRATA_RETURN_IF_ERROR(versions_->CreateNew());
  }
  const std::shared_ptr<const Version> version = versions_->current();
  for (int level = 0; level < version->num_levels(); ++level) {
    for (const auto& f : version->files(level)) {
      if (!env_->FileExists(TableFileName(dbname_, f->number))) {
        return Status::Corruption(
            "missing table file " + TableFileName(dbname_, f->number),
            "referenced by MANIFEST-" +
                std::to_string(versions_->manifest_file_number()) +
                " at level " + std::to_string(level));
      }
      if (options_.paranoid_checks) {
        // Every live table's footer, index, filter, properties and
        // range-deletion block are read and checked before the DB opens.
        std::shared_ptr<const Table> table;
        STRATA_RETURN_IF_ERROR(table_cache_->Find(*f, &table));
      }
    }
  }
  for (const auto& [number, f] : version->vlog_files()) {
    const std::string path = VlogFileName(dbname_, number);
    uint64_t size = 0;
    const Status s = env_->GetFileSize(path, &size);
    if (!s.ok() || size != f->file_size) {
      return Status::Corruption(
          (s.ok() ? "value log file of the wrong size "
                  : "missing value log file ") +
              path,
          "MANIFEST-" + std::to_string(versions_->manifest_file_number()) +
              " records " + std::to_string(f->file_size) + " bytes");
    }
    if (options_.paranoid_checks) {
      std::shared_ptr<const vlog::Reader> reader;
      STRATA_RETURN_IF_ERROR(vlog_cache_->Find(number, f->file_size, &reader));
    }
  }

  std::vector<std::string> names;
  STRATA_RETURN_IF_ERROR(env_->GetChildren(dbname_, &names));
  std::vector<uint64_t> logs;
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kLogFile && number >= versions_->log_number()) {
      logs.push_back(number);
    } else if (type == FileType::kTempFile) {
      // Left by a crash in the middle of an atomic replace; never live.
      info_log_->Log("removing leftover temporary file %s", name.c_str());
      (void)env_->RemoveFile(dbname_ + "/" + name);  // garbage either way
    }
  }
  std::sort(logs.begin(), logs.end());

  SequenceNumber max_sequence = versions_->last_sequence();
  // The newest commit timestamp: the MANIFEST's, raised by the logs'.
  uint64_t max_timestamp = versions_->last_timestamp();
  VersionEdit edit;
  mem_ = std::make_shared<MemTable>(*icmp_,
                                    ArenaBlockSize(options_.write_buffer_size));
  // The newest log holding data: the only one a crash can have left with
  // a record cut short in preallocated space (a mapped log). Later logs,
  // if any, are empty or zero-filled: made by a recovery that was itself
  // cut short.
  uint64_t newest_log = 0;
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
    bool only_zeros = false;
    STRATA_RETURN_IF_ERROR(
        HoldsOnlyZeros(env_, LogFileName(dbname_, *it), &only_zeros));
    if (!only_zeros) {
      newest_log = *it;
      break;
    }
  }
  bool stopped = false;  // a gap ended the durable prefix
  uint64_t partly_replayed_log = 0;
  std::vector<uint64_t> unreplayed_logs;
  for (const uint64_t number : logs) {
    if (stopped) {
      info_log_->Log(
          "not replaying %06" PRIu64 ".log: it follows a sequence gap", number);
      unreplayed_logs.push_back(number);
      continue;
    }
    STRATA_RETURN_IF_ERROR(ReplayLog(number, number == newest_log,
                                     &max_sequence, &max_timestamp, &edit,
                                     &stopped));
    if (stopped) partly_replayed_log = number;
  }
  STRATA_RETURN_IF_ERROR(FlushRecoveredMemTable(&mem_, &edit));
  Status set_aside = SetAsideUnprovenFiles(
      names, unreplayed_logs, partly_replayed_log, max_sequence, edit);
  if (!set_aside.ok()) {
    // Nothing recorded the tables recovery wrote: remove them again.
    for (const auto& [level, meta] : edit.new_files()) {
      (void)env_->RemoveFile(TableFileName(dbname_, meta.number));
    }
    for (const VlogFileMeta& v : edit.new_vlog_files()) {
      (void)env_->RemoveFile(VlogFileName(dbname_, v.number));
    }
    return set_aside;
  }

  // The new WAL, then one edit: the recovered tables, and the log number
  // that makes every replayed log obsolete.
  const uint64_t log_number = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> log_file;
  STRATA_RETURN_IF_ERROR(CreateLogFile(log_number, &log_file));
  pipeline_.SetLog(log_number, std::move(log_file));
  edit.SetLogNumber(log_number);
  versions_->SetLastSequence(max_sequence);
  if (max_timestamp > 0) {
    // Recorded before the replayed logs become obsolete, so the next
    // commit timestamps stay above theirs even if the clock went back.
    edit.SetLastTimestamp(max_timestamp);
  }
  STRATA_RETURN_IF_ERROR(versions_->LogAndApply(&edit));
  pipeline_.SetLastSequence(max_sequence);
  // Never below a retention horizon a compaction used either: a version
  // stamped below it would count as past retention at once.
  if (icmp_->versioned()) {
    pipeline_.EnableTimestamps(
        env_, std::max(max_timestamp, versions_->retention_horizon()));
  }
  {
    MutexLock lock(&mu_);
    log_number_ = log_number;
    InstallSuperVersionLocked();
    DeleteObsoleteFilesLocked();
  }
  info_log_->Log("recovered %zu log(s); last sequence %" PRIu64
                 "; %d L0 tables",
                 logs.size(), max_sequence, versions_->current()->NumFiles(0));
  return Status::OK();
}

Status DBImpl::SetAsideUnprovenFiles(
    const std::vector<std::string>& names,
    const std::vector<uint64_t>& unreplayed_logs, uint64_t partly_replayed_log,
    SequenceNumber max_sequence, const VersionEdit& edit) {
  const std::shared_ptr<const Version> version = versions_->current();
  std::set<uint64_t> referenced;
  for (int level = 0; level < version->num_levels(); ++level) {
    for (const auto& f : version->files(level)) referenced.insert(f->number);
  }
  for (const auto& [level, meta] : edit.new_files()) {
    referenced.insert(meta.number);
  }
  // What each file set aside holds that the recovered state lacks.
  std::vector<std::pair<std::string, std::string>> unproven;  // name, why
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type != FileType::kTableFile ||
        referenced.count(number) > 0) {
      continue;
    }
    // A table no version references: the output of a flush or compaction
    // whose edit never became durable, or one a durable edit made obsolete
    // before a crash kept it from being deleted. Either way every entry it
    // holds is also in the recovered state, so its newest sequence is
    // within it. A newer one holds writes nothing else holds (an edit that
    // was acknowledged is missing from the MANIFEST).
    const std::string path = TableFileName(dbname_, number);
    uint64_t size = 0;
    std::shared_ptr<const Table> table;
    Status s = env_->GetFileSize(path, &size);
    if (s.ok()) s = table_cache_->Find(number, size, &table);
    if (s.ok()) {
      const SequenceNumber newest = table->properties().largest_seqno;
      table.reset();
      table_cache_->Evict(number);
      if (newest > max_sequence) {
        unproven.emplace_back(
            name, "holds sequences up to " + std::to_string(newest) +
                      ", past the recovered " + std::to_string(max_sequence));
      }
      continue;
    }
    table_cache_->Evict(number);
    // Unreadable: a table whose writing a crash cut short is never named
    // by an edit. Only a MANIFEST that ended cleanly proves no edit named
    // it; after a torn MANIFEST it is kept.
    if (versions_->recovered_torn_tail()) {
      unproven.emplace_back(
          name, "cannot be read (" + s.ToString() + ") after a torn MANIFEST");
    }
  }
  if (!unproven.empty()) {
    // A table set aside may point into value-log files no edit names (its
    // own edit is the one missing): they go with it, or the table in lost/
    // would hold pointers into nothing. (Without a table set aside, such a
    // file is the leftover of a job whose edit never became durable, and
    // is deleted as obsolete.)
    std::set<uint64_t> named;
    for (const auto& [number, f] : version->vlog_files()) named.insert(number);
    for (const VlogFileMeta& v : edit.new_vlog_files()) named.insert(v.number);
    for (const std::string& name : names) {
      uint64_t number = 0;
      FileType type{};
      if (ParseFileName(name, &number, &type) && type == FileType::kVlogFile &&
          named.count(number) == 0) {
        unproven.emplace_back(name, "may hold the values of a table set aside");
      }
    }
  }
  for (const uint64_t number : unreplayed_logs) {
    unproven.emplace_back(BaseName(LogFileName(dbname_, number)),
                          "follows a sequence gap and was not replayed");
  }
  if (partly_replayed_log != 0) {
    unproven.emplace_back(BaseName(LogFileName(dbname_, partly_replayed_log)),
                          "holds records past a sequence gap that were not "
                          "replayed");
  }
  if (unproven.empty()) return Status::OK();

  std::string list;
  for (const auto& [name, why] : unproven) {
    if (!list.empty()) list += "; ";
    list += name + " " + why;
  }
  if (options_.paranoid_checks) {
    return Status::Corruption(
        dbname_,
        "files hold writes the recovered state lacks (nothing was "
        "changed; without paranoid_checks they are moved to lost/): " +
            list);
  }
  for (const auto& [name, why] : unproven) {
    const bool link =
        partly_replayed_log != 0 &&
        name == BaseName(LogFileName(dbname_, partly_replayed_log));
    STRATA_RETURN_IF_ERROR(MoveToLost(name, link));
    info_log_->Log("moved %s to lost/: it %s", name.c_str(), why.c_str());
    open_.lost_files.push_back(name);
  }
  return env_->SyncDir(dbname_);
}

Status DBImpl::MoveToLost(const std::string& name, bool link) {
  const std::string dir = LostDirName(dbname_);
  STRATA_RETURN_IF_ERROR(env_->CreateDirIfMissing(dir));
  std::string target = dir + "/" + name;
  for (int i = 1; env_->FileExists(target); ++i) {
    target = dir + "/" + name + "." + std::to_string(i);
  }
  const std::string from = dbname_ + "/" + name;
  STRATA_RETURN_IF_ERROR(link ? env_->LinkFile(from, target)
                              : env_->RenameFile(from, target));
  return env_->SyncDir(dir);
}

Status DBImpl::FlushRecoveredMemTable(std::shared_ptr<MemTable>* mem,
                                      VersionEdit* edit) {
  if ((*mem)->IsEmpty()) return Status::OK();
  FileMetaData meta;
  std::vector<VlogFileMeta> vlogs;
  const uint64_t number = versions_->NewFileNumber();
  STRATA_RETURN_IF_ERROR(WriteLevel0Table(**mem, number, {}, &meta, &vlogs));
  if (meta.file_size > 0) edit->AddFile(0, meta);
  {
    // Nothing deletes files during recovery: they need no pending mark.
    MutexLock lock(&mu_);
    for (const VlogFileMeta& v : vlogs) bg_.pending_outputs.erase(v.number);
  }
  for (const VlogFileMeta& v : vlogs) edit->AddVlogFile(v);
  info_log_->Log("recovery wrote %06" PRIu64 ".sst: %" PRIu64 " entries",
                 number, meta.num_entries);
  *mem = std::make_shared<MemTable>(*icmp_,
                                    ArenaBlockSize(options_.write_buffer_size));
  return Status::OK();
}

Status DBImpl::ReplayLog(uint64_t number, bool newest,
                         SequenceNumber* max_sequence, uint64_t* max_timestamp,
                         VersionEdit* edit, bool* stopped) {
  const std::string path = LogFileName(dbname_, number);
  const std::string name = BaseName(path);
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(path, &file));
  DropReporter reporter(info_log_.get(), name);
  log::Reader reader(file.get(), name, options_.wal_recovery_mode, &reporter,
                     /*cut_short_tail=*/newest);

  const SequenceNumber start_sequence = *max_sequence;
  uint64_t records = 0;
  uint64_t rejected = 0;
  std::string scratch;
  Slice record;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    uint64_t commit_timestamp = 0;
    Status s = DecodeLogRecord(options_.comparator, icmp_->versioned(), record,
                               *max_sequence, &batch, &commit_timestamp);
    if (s.IsTryAgain() &&
        options_.wal_recovery_mode == WalRecoveryMode::kSalvage) {
      info_log_->Log("%s offset %" PRIu64 ": %s (salvage keeps going)",
                     name.c_str(), reader.LastRecordOffset(),
                     s.ToString().c_str());
      s = Status::OK();
    } else if (s.IsTryAgain() && options_.wal_recovery_mode ==
                                     WalRecoveryMode::kTolerateTornTail) {
      // A sync write syncs every earlier log first (db_impl.h invariant 5),
      // so everything after a hole was never synced: a power loss kept a
      // later log's unsynced bytes but lost an earlier log's. The durable
      // prefix ends here; replaying past it would leave a hole.
      info_log_->Log("%s offset %" PRIu64
                     ": %s; the durable prefix ends here, "
                     "later records and logs are not replayed",
                     name.c_str(), reader.LastRecordOffset(),
                     s.ToString().c_str());
      *stopped = true;
      break;
    }
    if (!s.ok()) {
      const uint64_t offset = reader.LastRecordOffset();
      Status located = Status::Corruption(
          name + " offset " + std::to_string(offset), s.message());
      if (options_.wal_recovery_mode != WalRecoveryMode::kSalvage) {
        return located;
      }
      reporter.Dropped(offset, record.size(), located);
      ++rejected;
      continue;
    }
    // A batch is inserted only after it decoded completely, so a damaged
    // record is never half-applied.
    WriteBatchInternal::InsertInto(batch, mem_.get(), icmp_->versioned(),
                                   commit_timestamp);
    *max_timestamp = std::max(*max_timestamp, commit_timestamp);
    *max_sequence = WriteBatchInternal::Sequence(batch) +
                    WriteBatchInternal::Count(batch) - 1;
    ++records;
    if (mem_->ApproximateMemoryUsage() >= options_.write_buffer_size) {
      STRATA_RETURN_IF_ERROR(FlushRecoveredMemTable(&mem_, edit));
    }
  }
  STRATA_RETURN_IF_ERROR(reader.status());
  info_log_->Log("replayed %s: %" PRIu64 " records, sequences %" PRIu64
                 "..%" PRIu64 ", %" PRIu64 " bytes dropped",
                 name.c_str(), records, start_sequence + 1, *max_sequence,
                 reporter.dropped_bytes());
  if (rejected > 0 || reporter.dropped_bytes() > reader.TornTailBytes()) {
    // Salvage dropped data that was not a torn tail. The log becomes
    // obsolete once recovery's tables are recorded; keep the damaged
    // original as NNNNNN.log.damaged (only DestroyDB removes it).
    (void)env_->RemoveFile(path + ".damaged");  // an older copy, if any
    STRATA_RETURN_IF_ERROR(env_->LinkFile(path, path + ".damaged"));
    STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  }
  return Status::OK();
}

}  // namespace strata::internal
