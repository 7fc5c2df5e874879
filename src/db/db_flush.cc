// Background flush: frozen memtables become L0 tables, recorded in the
// MANIFEST; files no live state needs are deleted.

#include <cinttypes>
#include <vector>

#include "db/db_impl.h"
#include "db/filename.h"
#include "table/table_builder.h"

namespace strata::internal {

void DBImpl::InstallSuperVersionLocked() {
  mu_.AssertHeld();
  auto sv = std::make_shared<SuperVersion>();
  sv->mem = mem_;
  sv->imm.reserve(imm_.size());
  for (const FrozenMemTable& f : imm_) sv->imm.push_back(f.mem);
  sv->version = versions_->current();
  // release: pairs with the acquire load in GetSuperVersion().
  super_version_.store(std::move(sv), std::memory_order_release);
}

void DBImpl::BackgroundLoop() {
  MutexLock lock(&mu_);
  for (;;) {
    // Work: the oldest frozen memtable, unless a background error stopped
    // all writes (the WAL keeps that data; a reopen recovers it).
    while (!shutting_down_ && (imm_.empty() || !bg_error_.ok())) bg_cv_.Wait();
    if (imm_.empty() || !bg_error_.ok()) break;  // shutting down, idle
    flush_running_ = true;
    const Status s = FlushOldestLocked();
    flush_running_ = false;
    if (!s.ok() && bg_error_.ok()) {
      bg_error_ = s;
      info_log_->Log("flush failed; writes stop until reopen: %s",
                     s.ToString().c_str());
    }
    bg_cv_.SignalAll();  // stalled writers, Flush() and Close() wait on it
  }
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
  {
    mu_.Unlock();
    s = WriteLevel0Table(*oldest.mem, number, &meta);
    if (s.ok()) {
      VersionEdit edit;
      if (meta.file_size > 0) edit.AddFile(0, meta);
      edit.SetLogNumber(next_log);
      versions_->SetLastSequence(last_sequence_.load(std::memory_order_acquire));
      s = versions_->LogAndApply(&edit);
    }
    mu_.Lock();
  }
  pending_outputs_.erase(number);
  if (!s.ok()) return s;

  imm_.pop_back();
  ++flushes_;
  InstallSuperVersionLocked();
  info_log_->Log("flushed memtable (log %06" PRIu64 ") to %06" PRIu64
                 ".sst: %" PRIu64 " entries, %" PRIu64 " bytes, %.1f ms",
                 oldest.log_number, number, meta.num_entries, meta.file_size,
                 static_cast<double>(env_->NowMicros() - start) / 1000.0);
  DeleteObsoleteFilesLocked();
  return Status::OK();
}

Status DBImpl::WriteLevel0Table(const MemTable& mem, uint64_t number,
                                FileMetaData* meta) {
  meta->number = number;
  meta->file_size = 0;
  auto iter = mem.NewIterator();
  iter->SeekToFirst();
  if (!iter->Valid()) return Status::OK();  // nothing to write

  const std::string path = TableFileName(dbname_, number);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(path, &file));
  TableBuilder builder(table_options_, file.get());
  TableProperties props;
  Slice first_key;
  Slice last_key;
  meta->smallest_seqno = kMaxSequenceNumber;
  for (; iter->Valid(); iter->Next()) {
    const Slice key = iter->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      builder.Abandon();
      (void)env_->RemoveFile(path);  // never referenced
      return Status::Corruption("memtable holds a malformed key");
    }
    // Memtable keys stay put while the memtable lives: keep views.
    if (meta->num_entries == 0) first_key = key;
    last_key = key;
    meta->smallest_seqno = std::min(meta->smallest_seqno, parsed.sequence);
    meta->largest_seqno = std::max(meta->largest_seqno, parsed.sequence);
    meta->num_entries++;
    if (parsed.type == ValueType::kDeletion) meta->num_deletions++;
    builder.Add(key, iter->value());
  }
  meta->smallest.SetEncoded(first_key);
  meta->largest.SetEncoded(last_key);
  props.num_deletions = meta->num_deletions;
  props.smallest_seqno = meta->smallest_seqno;
  props.largest_seqno = meta->largest_seqno;
  props.creation_time = env_->NowMicros() / 1000000;
  Status s = builder.Finish(props);
  // The table is synced, and its directory entry made durable, before any
  // MANIFEST edit names it.
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = env_->SyncDir(dbname_);
  if (!s.ok()) {
    file.reset();
    (void)env_->RemoveFile(path);  // garbage; never referenced
    return s;
  }
  meta->file_size = builder.FileSize();
  return Status::OK();
}

void DBImpl::DeleteObsoleteFilesLocked() {
  mu_.AssertHeld();
  if (!bg_error_.ok()) return;  // the state on disk is uncertain: keep all
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
      bool keep = true;
      switch (type) {
        case FileType::kLogFile:
          keep = number >= min_log || number == current_log;
          break;
        case FileType::kTableFile:
          keep = live.count(number) > 0;
          break;
        case FileType::kManifestFile:
          // Only this thread (and recovery, before it starts) rolls the
          // MANIFEST, so any other one is a leftover.
          keep = number == manifest;
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
}

}  // namespace strata::internal
