// DBImpl: checkpoints, the WAL barrier and whole-DB verification
// (docs/manifest_format.md#checkpoints).

#include <algorithm>

#include "db/db_files.h"
#include "db/db_impl.h"
#include "env/env_util.h"
#include "env/filename.h"

namespace strata::internal {

Status DBImpl::FlushWAL(bool sync) {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  {
    MutexLock lock(&mu_);
    STRATA_RETURN_IF_ERROR(WritesStoppedLocked());
  }
  return pipeline_.RunExclusive(
      [this, sync] { return pipeline_.SyncLogs(sync); });
}

Status DBImpl::VerifyChecksums() {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  // The pinned version keeps its files from deletion (AddLiveFiles).
  const std::shared_ptr<const Version> v = versions_->current();
  for (int level = 0; level < v->num_levels(); ++level) {
    for (const auto& f : v->files(level)) {
      std::shared_ptr<const Table> table;
      STRATA_RETURN_IF_ERROR(table_cache_->Find(*f, &table));
      STRATA_RETURN_IF_ERROR(table->VerifyChecksums());
    }
  }
  for (const auto& [number, f] : v->vlog_files()) {
    STRATA_RETURN_IF_ERROR(VerifyVlogFile(env_, VlogFileName(dbname_, number),
                                          number, f->file_size));
  }
  return Status::OK();
}

Status DBImpl::CaptureCheckpointPoint(CheckpointPoint* point) {
  // As the pipeline's leader no write is being logged: the logs hold
  // exactly the writes up to LastSequence(), and every one of them is in
  // a memtable or a table of the current version.
  return pipeline_.RunExclusive([this, point] {
    STRATA_RETURN_IF_ERROR(pipeline_.SyncLogs(/*sync=*/false));
    point->sequence = pipeline_.LastSequence();
    point->timestamp = pipeline_.LastTimestamp();
    point->last_log = pipeline_.LogNumber();
    point->last_log_size = pipeline_.LogSize();
    versions_->CurrentState(&point->version, &point->min_log,
                            &point->version_sequence);
    return Status::OK();
  });
}

Status DBImpl::WriteCheckpoint(const CheckpointPoint& point,
                               const std::string& staging,
                               CheckpointMetadata* meta) {
  auto record = [meta](const std::string& path, uint64_t bytes, bool linked) {
    meta->files.push_back(CheckpointFile{BaseName(path), bytes, linked});
    meta->total_bytes += bytes;
  };
  const Version& v = *point.version;
  for (int level = 0; level < v.num_levels(); ++level) {
    for (const auto& f : v.files(level)) {
      const std::string to = TableFileName(staging, f->number);
      bool linked = false;
      STRATA_RETURN_IF_ERROR(LinkOrCopyFile(
          env_, TableFileName(dbname_, f->number), to, f->file_size, &linked));
      record(to, f->file_size, linked);
    }
  }
  for (const auto& [number, f] : v.vlog_files()) {
    const std::string to = VlogFileName(staging, number);
    bool linked = false;
    STRATA_RETURN_IF_ERROR(LinkOrCopyFile(env_, VlogFileName(dbname_, number),
                                          to, f->file_size, &linked));
    record(to, f->file_size, linked);
  }
  // The logs the version's tables do not cover; the one being written only
  // up to the captured moment.
  std::vector<uint64_t> logs;
  STRATA_RETURN_IF_ERROR(
      LogNumbersIn(env_, dbname_, point.min_log, point.last_log, &logs));
  for (const uint64_t number : logs) {
    uint64_t size = point.last_log_size;
    if (number != point.last_log) {
      STRATA_RETURN_IF_ERROR(
          env_->GetFileSize(LogFileName(dbname_, number), &size));
    }
    const std::string to = LogFileName(staging, number);
    STRATA_RETURN_IF_ERROR(
        CopyFilePrefix(env_, LogFileName(dbname_, number), to, size));
    record(to, size, false);
  }
  // A checkpoint is a DB of its own.
  std::string identity;
  STRATA_RETURN_IF_ERROR(CreateIdentity(staging, &identity));
  STRATA_RETURN_IF_ERROR(env_->SyncDir(staging));
  const uint64_t manifest = versions_->NewFileNumber();
  // The logs replay from the sequence after the version's own.
  VersionEdit snapshot = versions_->SnapshotEdit(v, point.min_log, manifest + 1,
                                                 point.version_sequence);
  if (icmp_->versioned()) {
    snapshot.SetLastTimestamp(
        std::max(point.timestamp, versions_->last_timestamp()));
    if (versions_->retention_horizon() > 0) {
      snapshot.SetRetentionHorizon(versions_->retention_horizon());
    }
  }
  STRATA_RETURN_IF_ERROR(
      WriteStandaloneManifest(env_, staging, manifest, snapshot));
  for (const std::string& path :
       {ManifestFileName(staging, manifest), CurrentFileName(staging),
        IdentityFileName(staging)}) {
    uint64_t size = 0;
    STRATA_RETURN_IF_ERROR(env_->GetFileSize(path, &size));
    record(path, size, false);
  }
  return Status::OK();
}

Status DBImpl::CreateCheckpoint(const std::string& dir,
                                CheckpointMetadata* meta) {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  if (dir.empty()) {
    return Status::InvalidArgument("checkpoint", "empty directory name");
  }
  const std::string target = NormalizePath(dir);
  if (target == NormalizePath(dbname_)) {
    return Status::InvalidArgument(dir, "is the DB's own directory");
  }
  // One checkpoint at a time: two into one directory would share its
  // staging directory.
  MutexLock checkpoint_lock(&checkpoint_mu_);
  STRATA_RETURN_IF_ERROR(CheckOpen());  // a restore may have retired it
  if (env_->FileExists(target)) {
    return Status::InvalidArgument(
        dir, "exists already; a checkpoint goes into a new directory");
  }
  {
    MutexLock lock(&mu_);
    STRATA_RETURN_IF_ERROR(WritesStoppedLocked());
  }
  // Built aside and renamed into place whole. What a crash left there
  // before is removed first.
  const std::string staging = target + ".strata-tmp";
  // Only a staging directory a checkpoint left is removed: one never
  // opened as a DB (a checkpoint writes no LOCK or LOG into it).
  if (env_->FileExists(LockFileName(staging)) ||
      env_->FileExists(InfoLogFileName(staging))) {
    return Status::InvalidArgument(
        staging,
        "holds a DB that was opened, not a checkpoint left "
        "unfinished; nothing was removed (move it, or choose "
        "another checkpoint directory)");
  }
  STRATA_RETURN_IF_ERROR(RemoveStrataDirectory(env_, staging));
  Status s = env_->CreateDirIfMissing(staging);
  if (!s.ok()) {
    return Status::IOError("cannot create checkpoint directory " + staging,
                           s.ToString());
  }
  CheckpointMetadata local;
  CheckpointMetadata* m = meta != nullptr ? meta : &local;
  *m = CheckpointMetadata();
  HoldFileDeletions();
  CheckpointPoint point;
  s = CaptureCheckpointPoint(&point);
  if (s.ok()) s = WriteCheckpoint(point, staging, m);
  ReleaseFileDeletions();
  if (s.ok()) s = env_->RenameFile(staging, target);
  if (s.ok()) s = env_->SyncDir(DirName(target));
  if (!s.ok()) {
    (void)RemoveStrataDirectory(env_, staging);  // best effort
    *m = CheckpointMetadata();
    return s;
  }
  m->directory = target;
  m->sequence = point.sequence;
  m->timestamp = point.timestamp;
  std::sort(m->files.begin(), m->files.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) {
              return a.name < b.name;
            });
  info_log_->Log(
      "checkpoint %s: sequence %llu, %zu files, %llu bytes", target.c_str(),
      static_cast<unsigned long long>(point.sequence), m->files.size(),
      static_cast<unsigned long long>(m->total_bytes));
  return Status::OK();
}

}  // namespace strata::internal
