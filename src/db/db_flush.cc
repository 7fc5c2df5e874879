// Background flush: frozen memtables become L0 tables, recorded in the
// MANIFEST; files no live state needs are deleted.

#include <cassert>
#include <cinttypes>
#include <optional>
#include <vector>

#include "db/db_impl.h"
#include "compaction/compaction_job.h"
#include "compaction/flush_job.h"
#include "env/filename.h"
#include "table/table_builder.h"

namespace strata::internal {

void DBImpl::InstallSuperVersionLocked() {
  mu_.AssertHeld();
  auto sv = std::make_shared<SuperVersion>();
  sv->mem = mem_;
  sv->imm.reserve(imm_.size());
  for (const FrozenMemTable& f : imm_) sv->imm.push_back(f.mem);
  sv->version = versions_->current();
  std::shared_ptr<const SuperVersion> old;
  {
    MutexLock lock(&sv_mu_);
    old = std::move(super_version_);
    super_version_ = std::move(sv);
  }
  // `old` is released here, outside sv_mu_ (it may free memtables).
}

void DBImpl::BackgroundLoop() {
  MutexLock lock(&mu_);
  while (!shutting_down_) {
    // Nothing runs after a background error: the state on disk is
    // uncertain, writes have stopped, and the WAL keeps the data.
    if (!bg_error_.ok()) {
      bg_cv_.Wait();
      continue;
    }
    Status s;
    if (!imm_.empty() && !flush_running_) {
      flush_running_ = true;
      s = FlushOldestLocked();
      flush_running_ = false;
    } else if (!compaction_running_ && manual_compactions_ == 0) {
      // Files whose tombstones a snapshot still needs are not worth a
      // compaction of their own yet.
      const SequenceNumber earliest_snapshot =
          snapshots_.empty() ? last_sequence_.load(std::memory_order_acquire)
                             : snapshots_.Oldest();
      std::optional<CompactionPlan> plan = PickCompaction(
          *versions_->current(), policy_, busy_files_, earliest_snapshot);
      if (!plan) {
        const uint64_t wait_micros = IdleCompactionLocked(&plan);
        if (!plan) {
          if (wait_micros > 0) {
            bg_cv_.WaitFor(wait_micros);
          } else {
            bg_cv_.Wait();
          }
          continue;
        }
      }
      compaction_running_ = true;
      s = RunCompactionLocked(*plan);
      compaction_running_ = false;
    } else {
      bg_cv_.Wait();
      continue;
    }
    if (!s.ok() && bg_error_.ok()) {
      bg_error_ = s;
      info_log_->Log("background work failed; writes stop until reopen: %s",
                     s.ToString().c_str());
    }
    // Stalled writers, Flush(), CompactRange(), Close() and the other
    // background threads wait on it.
    bg_cv_.SignalAll();
  }
}

uint64_t DBImpl::IdleCompactionLocked(std::optional<CompactionPlan>* plan) {
  mu_.AssertHeld();
  // Close() flushes the memtable before the background stops: a fold of
  // that last table would only make Close() wait for it.
  if (options_.level0_idle_compaction_ms == 0 ||
      closed_.load(std::memory_order_acquire) ||
      options_.compaction_style != CompactionStyle::kLeveled ||
      versions_->current()->NumFiles(0) == 0) {
    return 0;
  }
  const uint64_t wait = idle_clock_.MicrosUntilIdle(
      last_sequence_.load(std::memory_order_acquire), env_->NowMicros());
  if (wait > 0) return wait;
  *plan = PickIdleCompaction(*versions_->current(), policy_, busy_files_);
  return 0;
}

Status DBImpl::FlushOldestLocked() {
  mu_.AssertHeld();
  const FrozenMemTable oldest = imm_.back();
  // Once this memtable is in a table, its data no longer needs the WALs
  // before the one the next (newer) memtable starts in (invariant 4).
  const uint64_t next_log = imm_.size() >= 2 ? imm_[imm_.size() - 2].log_number
                                             : log_number_;
  const uint64_t number = versions_->NewFileNumber();
  pending_outputs_.insert(number);
  const uint64_t start = env_->NowMicros();

  FileMetaData meta;
  Status s;
  // A snapshot taken later is above every sequence of this memtable, so it
  // splits no stripe among them.
  const std::vector<SequenceNumber> snapshots = snapshots_.Sequences();
  {
    mu_.Unlock();
    s = WriteLevel0Table(*oldest.mem, number, snapshots, &meta);
    if (s.ok()) {
      VersionEdit edit;
      if (meta.file_size > 0) edit.AddFile(0, meta);
      edit.SetLogNumber(next_log);
      // The MANIFEST keeps the sequence counter once WALs are gone: the
      // newest sequence now in a table. (Not last_sequence_: writes still
      // in live WALs must replay after it.) Carried by this edit, so no
      // other edit can record it before this one is durable.
      edit.SetLastSequence(meta.largest_seqno);
      s = versions_->LogAndApply(&edit);
    }
    mu_.Lock();
  }
  pending_outputs_.erase(number);
  if (!s.ok()) return s;

  imm_.pop_back();
  ++flushes_;
  flush_bytes_written_ += meta.file_size;
  level_stats_[0].bytes_written += meta.file_size;
  InstallSuperVersionLocked();
  info_log_->Log("flushed memtable (log %06" PRIu64 ") to %06" PRIu64
                 ".sst: %" PRIu64 " entries, %" PRIu64 " bytes, %.1f ms",
                 oldest.log_number, number, meta.num_entries, meta.file_size,
                 static_cast<double>(env_->NowMicros() - start) / 1000.0);
  DeleteObsoleteFilesLocked();
  return Status::OK();
}

Status DBImpl::WriteLevel0Table(const MemTable& mem, uint64_t number,
                                const std::vector<SequenceNumber>& snapshots,
                                FileMetaData* meta) {
  FlushJobOptions job;
  job.env = env_;
  job.dbname = dbname_;
  job.table_options = table_options_;
  job.icmp = &internal_comparator_;
  job.snapshots = snapshots;
  job.creation_time = env_->NowMicros() / 1000000;
  return RunFlush(job, mem, number, meta);
}

void DBImpl::HoldFileDeletions() {
  MutexLock lock(&mu_);
  ++deletion_holds_;
  // A pass that started before the hold finishes first.
  while (deletions_running_ > 0) bg_cv_.Wait();
}

void DBImpl::ReleaseFileDeletions() {
  MutexLock lock(&mu_);
  assert(deletion_holds_ > 0);
  if (--deletion_holds_ == 0 && deletions_deferred_) {
    deletions_deferred_ = false;
    DeleteObsoleteFilesLocked();
  }
}

void DBImpl::DeleteObsoleteFilesLocked() {
  mu_.AssertHeld();
  if (!bg_error_.ok()) return;  // the state on disk is uncertain: keep all
  if (deletion_holds_ > 0) {
    deletions_deferred_ = true;  // ReleaseFileDeletions() runs it
    return;
  }
  ++deletions_running_;
  // Files numbered from here on are created after this snapshot of the
  // live set (outputs of a flush or compaction running on another thread,
  // a new WAL or MANIFEST): never delete them.
  const uint64_t first_unsafe = versions_->PeekNextFileNumber();
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  const uint64_t min_log = versions_->log_number();
  const uint64_t current_log = log_number_;
  const uint64_t manifest = versions_->manifest_file_number();

  mu_.Unlock();
  std::vector<std::string> names;
  if (env_->GetChildren(dbname_, &names).ok()) {
    for (const std::string& name : names) {
      uint64_t number = 0;
      FileType type;
      if (!ParseFileName(name, &number, &type)) continue;
      if (number >= first_unsafe) continue;
      bool keep = true;
      switch (type) {
        case FileType::kLogFile:
          keep = number >= min_log || number == current_log;
          break;
        case FileType::kTableFile:
          keep = live.count(number) > 0;
          break;
        case FileType::kManifestFile:
          // A newer one may be being written by a roll on another thread;
          // a newer leftover of a crash cannot exist, since recovery rolls
          // to a number above every file found.
          keep = number >= manifest;
          break;
        default:
          break;  // CURRENT, IDENTITY, LOCK, LOG, temp and damaged files
      }
      if (keep) continue;
      if (type == FileType::kTableFile) table_cache_->Evict(number);
      const Status s = env_->RemoveFile(dbname_ + "/" + name);
      info_log_->Log("deleted obsolete %s: %s", name.c_str(),
                     s.ToString().c_str());
    }
  }
  mu_.Lock();
  --deletions_running_;
  bg_cv_.SignalAll();  // HoldFileDeletions() may be waiting
}

}  // namespace strata::internal
