#include "db/db_handle.h"

#include <utility>

#include "db/db_files.h"
#include "db/resolved_options.h"
#include "db/restore.h"
#include "env/env_util.h"
#include "env/filename.h"

namespace strata {

Status DB::Open(const Options& options, const std::string& path,
                std::unique_ptr<DB>* db) {
  if (db == nullptr) return Status::InvalidArgument("null DB pointer");
  db->reset();
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (path.empty()) return Status::InvalidArgument("empty DB path");
  auto impl = std::make_unique<internal::DBImpl>(options, path);
  STRATA_RETURN_IF_ERROR(impl->OpenImpl());
  *db = std::make_unique<internal::DBHandle>(options, path, std::move(impl));
  return Status::OK();
}

namespace internal {

DBHandle::DBHandle(const Options& options, std::string path,
                   std::unique_ptr<DBImpl> impl)
    : options_(options), path_(std::move(path)), current_(impl.get()) {
  MutexLock lock(&mu_);
  impls_.push_back(std::move(impl));
}

DBHandle::~DBHandle() {
  // The current DBImpl closes in its destructor (the retired ones are
  // closed); newest first, so the directory is released before the rest
  // of the old memory goes.
  MutexLock lock(&mu_);
  while (!impls_.empty()) impls_.pop_back();
}

Status DBHandle::Close() {
  MutexLock lock(&mu_);
  return impl()->Close();
}

void DBHandle::ReleaseSnapshot(const Snapshot* snapshot) {
  MutexLock lock(&mu_);
  // A snapshot taken before a restore belongs to a retired DBImpl: each
  // ignores one it does not hold.
  for (const std::unique_ptr<DBImpl>& impl : impls_) {
    if (impl->HoldsSnapshot(snapshot)) {
      impl->ReleaseSnapshot(snapshot);
      return;
    }
  }
  impl()->ReleaseSnapshot(snapshot);  // notes an unknown one in the LOG
}

Status DBHandle::RestoreFromCheckpoint(const std::string& checkpoint_dir) {
  STRATA_RETURN_IF_ERROR(impl()->CheckOpen());
  if (checkpoint_dir.empty()) {
    return Status::InvalidArgument("restore", "empty checkpoint directory");
  }
  const Options resolved = ResolveOptions(options_);
  Env* env = resolved.env;
  const std::string from = NormalizePath(checkpoint_dir);
  if (from == NormalizePath(path_)) {
    return Status::InvalidArgument(checkpoint_dir, "is the DB itself");
  }
  // Everything is checked before anything changes (and before mu_ is
  // taken): the DB stays open and as it was if the checkpoint does not
  // verify.
  StoredDb checkpoint;
  STRATA_RETURN_IF_ERROR(ReadVerifiedCheckpoint(resolved, from, &checkpoint));
  MutexLock lock(&mu_);
  DBImpl* old = impl();
  STRATA_RETURN_IF_ERROR(old->CheckOpen());
  // The old state ends here: its writers drain, its background, a
  // checkpoint or CompactRange in progress stop, its logs are synced (so
  // that, should staging fail, it reopens whole), and the directory lock
  // passes to this call.
  std::unique_ptr<FileLock> dir_lock;
  const Status retired = old->Retire(&dir_lock);
  if (dir_lock == nullptr) return retired;  // lost the lock: nothing more
  Status s = StageRestore(env, from, checkpoint, path_);
  // Past the commit point the restore stands, whatever failed after it:
  // the open below finishes it.
  if (!s.ok() && env->FileExists(RestoreMarkerFileName(path_))) {
    s = Status::OK();
  }
  if (s.ok()) s = FinishRestore(env, path_);
  // Opens the restored state, or, if staging failed before the commit
  // point, the old one again (an open also finishes a committed restore).
  Options reopen = options_;
  reopen.create_if_missing = false;
  reopen.error_if_exists = false;
  auto fresh = std::make_unique<DBImpl>(reopen, path_);
  fresh->AdoptLock(std::move(dir_lock));
  const Status opened = fresh->OpenImpl();
  if (!opened.ok()) {
    // Every call now fails on the retired DBImpl; reopening the DB (after
    // fixing what `opened` says) finishes what was committed.
    return s.ok() ? opened : s;
  }
  current_.store(fresh.get(), std::memory_order_release);
  impls_.push_back(std::move(fresh));
  return s;
}

DBImpl* ImplOf(DB* db) { return static_cast<DBHandle*>(db)->impl(); }

}  // namespace internal
}  // namespace strata
