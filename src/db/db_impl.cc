// DBImpl: open, close, snapshots, properties, DestroyDB, and the calls whose
// machinery later issues build.

#include "db/db_impl.h"

#include <algorithm>
#include <cinttypes>
#include <random>
#include <vector>

#include "base/thread.h"
#include "db/db_files.h"
#include "db/db_iter.h"
#include "db/restore.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "txn/transaction_impl.h"

namespace strata {

ManagedSnapshot::ManagedSnapshot(DB* db)
    : db_(db), snapshot_(db->GetSnapshot()) {}

ManagedSnapshot::~ManagedSnapshot() {
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
}

namespace internal {

namespace {

CompactionPolicyOptions MakePolicy(const Options& options,
                                   const InternalKeyComparator& icmp) {
  CompactionPolicyOptions p;
  p.style = options.compaction_style;
  // Orders the user keys of table bounds by key alone: in a versioned DB a
  // range takes every version of the keys it meets, so one key's versions
  // never end up in two tables of a level.
  p.user_comparator = icmp.key_only_comparator();
  p.versioned = icmp.versioned();
  p.num_levels = options.num_levels;
  p.level0_file_num_compaction_trigger = options.level0_compaction_trigger;
  p.max_bytes_for_level_base = options.max_bytes_for_level_base;
  p.target_file_size = options.target_file_size;
  p.max_compaction_bytes = 25 * static_cast<uint64_t>(options.target_file_size);
  return p;
}

// Where a file of an abandoned creation comes in the order of removal:
// data first, then CURRENT, the MANIFEST, the rest, and IDENTITY last.
int RemovalRank(FileType type) {
  switch (type) {
    case FileType::kTableFile:
    case FileType::kVlogFile:
    case FileType::kLogFile:
    case FileType::kDamagedLogFile:
      return 0;
    case FileType::kCurrentFile:
      return 1;
    case FileType::kManifestFile:
      return 2;
    case FileType::kIdentityFile:
      return 4;
    default:
      return 3;
  }
}

}  // namespace

DBImpl::DBImpl(const Options& options, const std::string& dbname)
    : options_(ResolveOptions(options)),
      dbname_(dbname),
      env_(options_.env),
      icmp_(std::make_shared<const InternalKeyComparator>(
          options_.comparator, options_.enable_versioning)),
      block_cache_(std::make_shared<BlockCache>(options_.block_cache_capacity)),
      table_options_(
          MakeTableOptions(options_, icmp_.get(), block_cache_.get())),
      pipeline_(this, dbname_),
      commit_index_(options_.comparator, options_.max_transaction_index_bytes),
      bg_(options_.level0_idle_compaction_ms * 1000),
      counters_(options_.num_levels),
      gc_pace_(options_.value_log_gc_bytes_per_second),
      policy_(MakePolicy(options_, *icmp_)) {
  if (options_.read_compaction_bytes > 0 &&
      options_.compaction_style == CompactionStyle::kLeveled) {
    read_inbox_ =
        std::make_shared<ReadChargeInbox>(options_.read_compaction_bytes);
  }
  // Every accepted write goes into the commit index while a read-write
  // transaction is live (one atomic load otherwise).
  pipeline_.SetRecorder([this](const WriteBatch& batch, SequenceNumber first) {
    RecordCommitted(batch, first);
  });
}

DBImpl::~DBImpl() {
  if (!closed_.load(std::memory_order_acquire) && versions_ != nullptr) {
    (void)Close();  // the destructor cannot report; Close() can
  }
}

Status DBImpl::ScanDirectory(DirectoryScan* scan) const {
  std::vector<std::string> names;
  const Status s = env_->GetChildren(dbname_, &names);
  if (s.IsNotFound()) return Status::OK();  // no directory: a new DB
  if (!s.ok()) {
    return Status::IOError("cannot list the DB directory " + dbname_,
                           s.ToString());
  }
  scan->exists = true;
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;  // not strata's
    scan->names.push_back(name);
    switch (type) {
      case FileType::kCurrentFile:
        scan->has_current = true;
        break;
      case FileType::kIdentityFile:
        scan->has_identity = true;
        break;
      case FileType::kInfoLogFile:
        scan->has_info_log = true;
        break;
      case FileType::kRestoreMarker:
        scan->has_restore_marker = true;
        break;
      case FileType::kManifestFile:
        scan->manifests.push_back(number);
        break;
      case FileType::kTableFile:
      case FileType::kVlogFile:
      case FileType::kLogFile:
      case FileType::kDamagedLogFile:
        scan->data_files.push_back(name);
        break;
      default:
        break;  // LOCK, temporary files
    }
  }
  return Status::OK();
}

Status DBImpl::JudgeDirectory(const DirectoryScan& scan) const {
  // A committed restore (db/restore.h) is finished under the lock before
  // the directory is judged again.
  if (scan.has_restore_marker) return Status::OK();
  // A creation that crashed before CURRENT existed leaves IDENTITY and at
  // most the first MANIFEST (which then names no file): no data to lose.
  const bool interrupted_creation =
      !scan.has_current && scan.has_identity && scan.data_files.empty() &&
      (scan.manifests.empty() ||
       (scan.manifests.size() == 1 && scan.manifests[0] == 1));
  if (!scan.has_current &&
      (!scan.data_files.empty() || !scan.manifests.empty()) &&
      !interrupted_creation) {
    // Never create a new DB over the files of an existing one.
    std::string newest;
    if (!scan.manifests.empty()) {
      newest = BaseName(ManifestFileName(
          dbname_,
          *std::max_element(scan.manifests.begin(), scan.manifests.end())));
    }
    const std::string example =
        !scan.data_files.empty() ? scan.data_files.front() : newest;
    return Status::Corruption(
        CurrentFileName(dbname_),
        "is missing, but the directory holds DB files (" +
            std::to_string(scan.data_files.size()) + " table/log file(s), " +
            std::to_string(scan.manifests.size()) + " MANIFEST(s), e.g. " +
            example + "); nothing was changed. To recover, " +
            (newest.empty()
                 ? std::string("run RepairDB")
                 : "write CURRENT holding \"" + newest +
                       "\\n\" (the newest MANIFEST) or run RepairDB"));
  }
  const bool exists = scan.has_current;
  if (exists && options_.error_if_exists) {
    return Status::InvalidArgument(dbname_,
                                   "database exists (error_if_exists is set)");
  }
  if (!exists && !options_.create_if_missing) {
    return Status::InvalidArgument(
        dbname_, std::string("database does not exist (") +
                     (scan.exists ? "no CURRENT file" : "no such directory") +
                     "; create_if_missing is not set)");
  }
  if (!exists && scan.has_info_log && !scan.has_identity) {
    // A new DB writes LOG and keeps the last one as LOG.old: files of those
    // names that strata did not write would be overwritten.
    return Status::InvalidArgument(
        dbname_,
        "the directory holds no DB but a LOG or LOG.old file, which "
        "a new DB would overwrite; use another directory");
  }
  return Status::OK();
}

Status DBImpl::OpenImpl() {
  // Decide before writing anything, so a refused open leaves no trace.
  DirectoryScan scan;
  STRATA_RETURN_IF_ERROR(ScanDirectory(&scan));
  STRATA_RETURN_IF_ERROR(JudgeDirectory(scan));
  open_.created_dir = !scan.exists;
  open_.lock_existed = std::find(scan.names.begin(), scan.names.end(),
                                 "LOCK") != scan.names.end();
  if (open_.created_dir) {
    const Status s = env_->CreateDirIfMissing(dbname_);
    if (!s.ok()) {
      const std::string parent = DirName(dbname_);
      if (s.IsNotFound()) {
        return Status::NotFound(dbname_,
                                "cannot create the DB directory: its "
                                "parent directory " +
                                    parent + " does not exist");
      }
      return Status::IOError("cannot create the DB directory " + dbname_,
                             s.ToString());
    }
  }
  // A restore of an open DB hands its lock over (AdoptLock).
  Status s = db_lock_ != nullptr
                 ? Status::OK()
                 : env_->LockFile(LockFileName(dbname_), &db_lock_);
  if (!s.ok()) {
    // Another open may be creating this DB: remove nothing but the
    // directory this call made, if it is still empty.
    if (open_.created_dir && !env_->FileExists(LockFileName(dbname_))) {
      (void)env_->RemoveDir(dbname_);
    }
    if (s.message().find("held by") != std::string::npos) {
      return Status::IOError(
          "database " + dbname_ + " is locked",
          "open in this or another process: " + s.ToString());
    }
    return Status::IOError("cannot take the lock of database " + dbname_,
                           "opening " + LockFileName(dbname_) +
                               " failed (check the permissions of the "
                               "directory and of LOCK): " +
                               s.ToString());
  }
  // Judged again under the lock: another process may have created or
  // changed the DB since the first look. What this open creates, and may
  // remove again if it fails, is decided from this look alone.
  // A restore committed before a crash is finished first; a staging that
  // never committed goes.
  s = FinishRestore(env_, dbname_);
  if (!s.ok()) {
    db_lock_.reset();
    return s;
  }
  DirectoryScan locked;
  s = ScanDirectory(&locked);
  if (s.ok()) s = JudgeDirectory(locked);
  if (s.ok()) {
    open_.creating = !locked.has_current;
    open_.existing_names = std::move(locked.names);
    s = OpenLocked(locked.has_current && !locked.has_identity);
  }
  if (!s.ok()) AbandonFailedOpen();
  open_.succeeded = s.ok();
  return s;
}

Status DBImpl::OpenLocked(bool identity_missing) {
  // IDENTITY is made durable before anything else a creation writes (LOG
  // included): a creation killed at any later step leaves a directory that
  // the next open recognises as strata's (JudgeDirectory) and creates again.
  std::string new_identity;
  if ((open_.creating || identity_missing) &&
      !env_->FileExists(IdentityFileName(dbname_))) {
    STRATA_RETURN_IF_ERROR(CreateIdentity(dbname_, &new_identity));
  }
  // The previous open's LOG is kept as LOG.old.
  if (env_->FileExists(InfoLogFileName(dbname_))) {
    (void)env_->RenameFile(InfoLogFileName(dbname_),
                           OldInfoLogFileName(dbname_));  // advisory file
  }
  std::unique_ptr<WritableFile> log_file;
  if (!env_->NewWritableFile(InfoLogFileName(dbname_), &log_file).ok()) {
    log_file.reset();  // the LOG is advisory: run without it
  }
  info_log_ = std::make_unique<InfoLogger>(env_, std::move(log_file));
  info_log_->Log("opening %s", dbname_.c_str());
  if (identity_missing) {
    info_log_->Log("IDENTITY is missing; wrote a new one");
  }
  if (!new_identity.empty()) {
    info_log_->Log("%s, identity %s",
                   open_.creating ? "created database" : "identity rewritten",
                   new_identity.c_str());
  }
  table_cache_ = std::make_shared<TableCache>(env_, dbname_, table_options_,
                                              options_.max_open_files,
                                              options_.allow_mmap_reads);
  vlog_cache_ = std::make_shared<vlog::Cache>(
      env_, dbname_, static_cast<size_t>(std::max(options_.max_open_files, 16)),
      options_.allow_mmap_reads);
  VersionSetOptions vs;
  vs.env = env_;
  vs.dbname = dbname_;
  vs.icmp = icmp_.get();
  vs.num_levels = options_.num_levels;
  vs.info_log = info_log_.get();
  vs.max_manifest_size = options_.max_manifest_file_size;
  versions_ = std::make_unique<VersionSet>(vs);
  STRATA_RETURN_IF_ERROR(Recover());
  STRATA_RETURN_IF_ERROR(StartBackgroundThreads());
  MutexLock lock(&mu_);
  info_log_->Log("opened; writing log %06" PRIu64, log_number_);
  return Status::OK();
}

Status DBImpl::StartBackgroundThreads() {
  for (int i = 0; i < options_.max_background_jobs; ++i) {
    std::thread t;
    STRATA_RETURN_IF_ERROR(StartThread(
        "background thread " + std::to_string(i + 1) + " of " +
            std::to_string(options_.max_background_jobs) +
            " (Options::max_background_jobs)",
        [this] { BackgroundLoop(); }, &t));
    bg_threads_.push_back(std::move(t));
  }
  return Status::OK();
}

void DBImpl::AbandonFailedOpen() {
  {
    MutexLock lock(&mu_);
    closed_.store(true, std::memory_order_release);
    bg_.shutting_down = true;
    bg_cv_.SignalAll();
  }
  for (std::thread& t : bg_threads_) t.join();
  bg_threads_.clear();
  if (open_.succeeded) {
    // A last pass: tables a reader kept alive past the last compaction's
    // own pass go now, so a closed DB holds no obsolete table (RepairDB,
    // which has no MANIFEST to tell, would take one for live data). Only
    // after an open that succeeded: before it the version is not the DB's.
    MutexLock lock(&mu_);
    DeleteObsoleteFilesLocked();
  }
  // Nothing was acknowledged: close the log without syncing.
  (void)pipeline_.CloseLogs(/*sync=*/false);
  versions_.reset();
  if (table_cache_ != nullptr) table_cache_.reset();
  if (info_log_ != nullptr) info_log_->Log("open failed");
  info_log_.reset();
  if (open_.creating && db_lock_ != nullptr) {
    // A new DB that failed to open leaves nothing behind: remove every file
    // of strata's this open created (the directory held none of its data
    // files, so those are all new), and the directory if it made it.
    // Removed in the reverse order of creation, IDENTITY last, so that a
    // kill part way through leaves what an interrupted creation leaves.
    std::vector<std::string> names;
    if (env_->GetChildren(dbname_, &names).ok()) {
      std::vector<std::pair<int, std::string>> ours;
      for (const std::string& name : names) {
        uint64_t number = 0;
        FileType type;
        if (!ParseFileName(name, &number, &type) ||
            type == FileType::kLockFile ||
            std::find(open_.existing_names.begin(), open_.existing_names.end(),
                      name) != open_.existing_names.end()) {
          continue;
        }
        ours.emplace_back(RemovalRank(type), name);
      }
      std::sort(ours.begin(), ours.end());
      for (const auto& [rank, name] : ours) {
        (void)env_->RemoveFile(dbname_ + "/" + name);
      }
    }
    db_lock_.reset();
    // (As DestroyDB does, the LOCK this open created goes too.)
    if (!open_.lock_existed) (void)env_->RemoveFile(LockFileName(dbname_));
    if (open_.created_dir) (void)env_->RemoveDir(dbname_);
  }
  db_lock_.reset();
}

Status DBImpl::CreateIdentity(const std::string& dir, std::string* identity) {
  std::random_device rd;
  char id[40];
  std::snprintf(id, sizeof(id), "%08x%08x%08x%08x\n", rd(), rd(), rd(),
                static_cast<unsigned>(env_->NowMicros()));
  // Written aside and renamed into place, so IDENTITY is whole or absent.
  const std::string temp = TempFileName(dir, "IDENTITY");
  STRATA_RETURN_IF_ERROR(WriteStringToFile(env_, id, temp, /*sync=*/true));
  STRATA_RETURN_IF_ERROR(env_->RenameFile(temp, IdentityFileName(dir)));
  STRATA_RETURN_IF_ERROR(env_->SyncDir(dir));
  identity->assign(id, 32);
  return Status::OK();
}

Status DBImpl::CreateLogFile(uint64_t number,
                             std::unique_ptr<WritableFile>* file) {
  const std::string path = LogFileName(dbname_, number);
  // A mapped log ends in preallocated zeros after a crash, which
  // kAbsoluteConsistency would refuse as a torn tail.
  const bool mapped =
      options_.allow_mmap_writes &&
      options_.wal_recovery_mode != WalRecoveryMode::kAbsoluteConsistency;
  STRATA_RETURN_IF_ERROR(mapped ? env_->NewMappedWritableFile(path, file)
                                : env_->NewWritableFile(path, file));
  // The log's directory entry must be durable before any sync write into
  // it is acknowledged.
  return env_->SyncDir(dbname_);
}

Status DBImpl::Close() {
  // release: pairs with the acquire in CheckOpen().
  if (closed_.exchange(true, std::memory_order_acq_rel)) {
    return Status::InvalidArgument(dbname_, "the DB is closed");
  }
  Status s;
  // Writers already queued finish; new ones are refused.
  pipeline_.Close();
  {
    MutexLock lock(&mu_);
    if (options_.flush_on_close && !retiring_ && bg_error_.ok() &&
        mem_ != nullptr && pipeline_.HasLog() && !mem_->IsEmpty()) {
      // No writer is queued, so Close may act as the leader.
      while (bg_error_.ok() &&
             imm_.size() + 1 >=
                 static_cast<size_t>(options_.max_write_buffer_number)) {
        bg_cv_.Wait();
      }
      if (bg_error_.ok()) (void)SwitchMemTableLocked();  // sets bg_error_
    }
    if (options_.flush_on_close && !retiring_) {
      while (bg_error_.ok() && !imm_.empty()) bg_cv_.Wait();
    }
    bg_.shutting_down = true;
    bg_cv_.SignalAll();
    // A CompactRange running in a caller's thread stops at its next pick;
    // the job it is running installs (or fails) first. Nothing of this
    // state touches a file once Close returns (a restore relies on it).
    while (bg_.manual_compactions > 0) bg_cv_.Wait();
    s = bg_error_;
  }
  for (std::thread& t : bg_threads_) t.join();
  bg_threads_.clear();
  if (open_.succeeded) {
    // A last pass: tables a reader kept alive past the last compaction's
    // own pass go now, so a closed DB holds no obsolete table (RepairDB,
    // which has no MANIFEST to tell, would take one for live data). Only
    // after an open that succeeded: before it the version is not the DB's.
    MutexLock lock(&mu_);
    DeleteObsoleteFilesLocked();
  }
  // A compaction still running above, or one that failed without having
  // recorded it yet, has finished now: its error is reported too. (The
  // logs below are synced or not by the status from before the join: the
  // memtables were flushed by then, and a compaction never writes a log.)
  Status background;
  {
    MutexLock lock(&mu_);
    background = bg_error_;
  }
  // After a failed WAL write or sync the logs are not synced again: a
  // retried fsync can report success for data the kernel already dropped.
  const Status logs = pipeline_.CloseLogs(/*sync=*/s.ok());
  if (s.ok()) s = logs;
  if (s.ok()) s = background;
  if (info_log_ != nullptr) {
    info_log_->Log("closed: %s", s.ToString().c_str());
  }
  // Release last: the files are consistent by now. (Retire keeps it.)
  if (!retiring_) db_lock_.reset();
  return s;
}

Status DBImpl::Retire(std::unique_ptr<FileLock>* lock) {
  retired_->store(true, std::memory_order_release);
  retiring_ = true;
  // A checkpoint in progress ends first (a later one finds the DB closed).
  MutexLock checkpoint_lock(&checkpoint_mu_);
  const Status s = Close();
  *lock = std::move(db_lock_);
  return s;
}

Status DBImpl::RestoreFromCheckpoint(const std::string& /*checkpoint_dir*/) {
  return Status::InvalidArgument(
      dbname_, "restore an open DB through the DB that DB::Open returned");
}

const Snapshot* DBImpl::GetSnapshot() {
  if (!CheckOpen().ok()) return nullptr;
  MutexLock lock(&mu_);
  const Snapshot* snapshot = snapshots_.New(pipeline_.LastSequence());
  read_state_.AddSnapshot(snapshot);
  return snapshot;
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  MutexLock lock(&mu_);
  if (!snapshots_.Contains(snapshot)) {
    // Released already, or another DB's: nothing to do, and nothing read.
    if (info_log_ != nullptr) {
      info_log_->Log(
          "ReleaseSnapshot: %p is not a live snapshot of this DB "
          "(released twice, or another DB's); ignored",
          static_cast<const void*>(snapshot));
    }
    return;
  }
  // Once gone from the read state no reader can be looking at it.
  read_state_.RemoveSnapshot(snapshot);
  snapshots_.Release(snapshot);
}

Status DBImpl::Flush() {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  // Freeze the memtable through the pipeline (the leader owns it) ...
  STRATA_RETURN_IF_ERROR(pipeline_.ForceMemTableSwitch());
  // ... then wait until every frozen memtable is in a table.
  MutexLock lock(&mu_);
  while (bg_error_.ok() && !imm_.empty() && !bg_.shutting_down) bg_cv_.Wait();
  if (bg_.shutting_down && bg_error_.ok()) return CheckOpen();
  return WritesStoppedLocked();
}

std::unique_ptr<Transaction> DBImpl::BeginTransaction(
    const WriteOptions& options, const TransactionOptions& txn_options) {
  return NewTransaction(this, options, txn_options);
}

}  // namespace internal

Status DestroyDB(const std::string& path, const Options& options) {
  if (path.empty()) return Status::InvalidArgument("empty DB path");
  Env* env = options.env != nullptr ? options.env : Env::Default();
  std::vector<std::string> names;
  Status s = env->GetChildren(path, &names);
  if (s.IsNotFound()) return Status::OK();  // nothing to destroy
  STRATA_RETURN_IF_ERROR(s);
  std::unique_ptr<FileLock> lock;
  s = env->LockFile(internal::LockFileName(path), &lock);
  if (!s.ok()) {
    return Status::IOError("database " + path + " is locked", s.message());
  }
  Status result;
  for (const std::string& name : names) {
    uint64_t number;
    internal::FileType type;
    if (!internal::ParseFileName(name, &number, &type) ||
        type == internal::FileType::kLockFile) {
      continue;  // not ours, or still needed until the end
    }
    const Status del = env->RemoveFile(path + "/" + name);
    if (result.ok() && !del.ok() && !del.IsNotFound()) result = del;
  }
  // lost/ holds files an open set aside (env/filename.h); destroying the
  // DB is the one call that removes them.
  const std::string lost = internal::LostDirName(path);
  std::vector<std::string> lost_names;
  if (env->GetChildren(lost, &lost_names).ok()) {
    for (const std::string& name : lost_names) {
      // Only what an open moved there: a name of strata's, perhaps with a
      // ".N" suffix that kept it apart from an earlier one (MoveToLost).
      std::string base = name;
      const size_t dot = base.rfind('.');
      if (dot != std::string::npos &&
          base.find_first_not_of("0123456789", dot + 1) == std::string::npos &&
          dot + 1 < base.size()) {
        base.resize(dot);
      }
      uint64_t number;
      internal::FileType type;
      if (!internal::ParseFileName(name, &number, &type) &&
          !internal::ParseFileName(base, &number, &type)) {
        continue;  // not strata's
      }
      const Status del = env->RemoveFile(lost + "/" + name);
      if (result.ok() && !del.ok() && !del.IsNotFound()) result = del;
    }
    (void)env->RemoveDir(lost);
  }
  // A restore being staged (db/restore.h) goes too.
  const Status staging =
      internal::RemoveStrataDirectory(env, internal::RestoreDirName(path));
  if (result.ok() && !staging.ok()) result = staging;
  lock.reset();
  (void)env->RemoveFile(internal::LockFileName(path));  // may be gone already
  // Fails (and is ignored) when the directory holds files strata does not own.
  (void)env->RemoveDir(path);
  return result;
}

}  // namespace strata
