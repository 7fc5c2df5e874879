// DBImpl: open, close, snapshots, properties, DestroyDB, and the calls whose
// machinery later issues build.

#include "db/db_impl.h"

#include <cinttypes>
#include <random>
#include <vector>

#include "db/db_iter.h"
#include "db/filename.h"
#include "env/env_util.h"

namespace strata {

ManagedSnapshot::ManagedSnapshot(DB* db)
    : db_(db), snapshot_(db->GetSnapshot()) {}

ManagedSnapshot::~ManagedSnapshot() {
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
}

Status DB::Open(const Options& options, const std::string& path,
                std::unique_ptr<DB>* db) {
  if (db == nullptr) return Status::InvalidArgument("null DB pointer");
  db->reset();
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (path.empty()) return Status::InvalidArgument("empty DB path");
  auto impl = std::make_unique<internal::DBImpl>(options, path);
  STRATA_RETURN_IF_ERROR(impl->OpenImpl());
  *db = std::move(impl);
  return Status::OK();
}

namespace internal {
namespace {

Options ResolveOptions(const Options& options) {
  Options r = options;
  if (r.env == nullptr) r.env = Env::Default();
  if (r.comparator == nullptr) r.comparator = BytewiseComparator();
  return r;
}

// Every call on a transaction says what is missing, and nothing pretends
// to work.
class UnsupportedTransaction final : public Transaction {
 public:
  Status Get(const ReadOptions&, const Slice&, std::string*) override {
    return Missing();
  }
  Status Put(const Slice&, const Slice&) override { return Missing(); }
  Status Delete(const Slice&) override { return Missing(); }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions&) override {
    return NewErrorIterator(Missing());
  }
  Status Commit() override { return Missing(); }
  Status Rollback() override { return Missing(); }

 private:
  static Status Missing() {
    return Status::NotSupported("transactions", "not built yet");
  }
};

CompactionPolicyOptions MakePolicy(const Options& options) {
  CompactionPolicyOptions p;
  p.style = options.compaction_style;
  p.user_comparator = options.comparator;
  p.num_levels = options.num_levels;
  p.level0_file_num_compaction_trigger = options.level0_compaction_trigger;
  p.max_bytes_for_level_base = options.max_bytes_for_level_base;
  p.target_file_size = options.target_file_size;
  p.max_compaction_bytes = 25 * static_cast<uint64_t>(options.target_file_size);
  return p;
}

TableOptions MakeTableOptions(const Options& options,
                              const InternalKeyComparator* icmp,
                              BlockCache* cache) {
  TableOptions t;
  t.comparator = icmp;
  t.filter_key_suffix_len = kTagSize;  // filters see user keys
  t.user_comparator = icmp->user_comparator();
  t.block_size = options.block_size;
  t.block_restart_interval = options.block_restart_interval;
  t.bloom_bits_per_key = options.bloom_bits_per_key;
  t.compression = options.compression;
  t.block_cache = cache;
  return t;
}

}  // namespace

DBImpl::DBImpl(const Options& options, const std::string& dbname)
    : options_(ResolveOptions(options)),
      dbname_(dbname),
      env_(options_.env),
      internal_comparator_(options_.comparator),
      block_cache_(std::make_unique<BlockCache>(options_.block_cache_capacity)),
      table_options_(MakeTableOptions(options_, &internal_comparator_,
                                      block_cache_.get())),
      idle_clock_(options_.level0_idle_compaction_ms * 1000),
      level_stats_(static_cast<size_t>(options_.num_levels)),
      policy_(MakePolicy(options_)) {}

DBImpl::~DBImpl() {
  if (!closed_.load(std::memory_order_acquire)) {
    (void)Close();  // the destructor cannot report; Close() can
  }
}

Status DBImpl::OpenImpl() {
  // Decide before writing anything, so a refused open leaves no trace.
  const bool exists = env_->FileExists(IdentityFileName(dbname_));
  if (exists && options_.error_if_exists) {
    return Status::InvalidArgument(dbname_,
                                   "database exists (error_if_exists is set)");
  }
  if (!exists && !options_.create_if_missing) {
    return Status::InvalidArgument(
        dbname_, "database does not exist (create_if_missing is not set)");
  }
  STRATA_RETURN_IF_ERROR(env_->CreateDirIfMissing(dbname_));
  Status s = env_->LockFile(LockFileName(dbname_), &db_lock_);
  if (!s.ok()) {
    return Status::IOError("database " + dbname_ + " is locked", s.message());
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

  if (!env_->FileExists(IdentityFileName(dbname_))) {
    STRATA_RETURN_IF_ERROR(CreateIdentity());
  }
  table_cache_ = std::make_unique<TableCache>(env_, dbname_, table_options_,
                                              options_.max_open_files,
                                              options_.allow_mmap_reads);
  VersionSetOptions vs;
  vs.env = env_;
  vs.dbname = dbname_;
  vs.icmp = &internal_comparator_;
  vs.num_levels = options_.num_levels;
  vs.info_log = info_log_.get();
  vs.max_manifest_size = options_.max_manifest_file_size;
  versions_ = std::make_unique<VersionSet>(vs);
  STRATA_RETURN_IF_ERROR(Recover());
  for (int i = 0; i < options_.max_background_jobs; ++i) {
    bg_threads_.emplace_back([this] { BackgroundLoop(); });
  }
  MutexLock lock(&mu_);
  info_log_->Log("opened; writing log %06" PRIu64, log_number_);
  return Status::OK();
}

Status DBImpl::CreateIdentity() {
  std::random_device rd;
  char id[40];
  std::snprintf(id, sizeof(id), "%08x%08x%08x%08x\n", rd(), rd(), rd(),
                static_cast<unsigned>(env_->NowMicros()));
  // Written aside and renamed into place, so IDENTITY is whole or absent.
  const std::string temp = TempFileName(dbname_, "IDENTITY");
  STRATA_RETURN_IF_ERROR(WriteStringToFile(env_, id, temp, /*sync=*/true));
  STRATA_RETURN_IF_ERROR(env_->RenameFile(temp, IdentityFileName(dbname_)));
  STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
  info_log_->Log("created database, identity %.32s", id);
  return Status::OK();
}

Status DBImpl::CreateLogFile(uint64_t number,
                             std::unique_ptr<WritableFile>* file) {
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(LogFileName(dbname_, number), file));
  // The log's directory entry must be durable before any sync write into
  // it is acknowledged.
  return env_->SyncDir(dbname_);
}

Status DBImpl::Close() {
  Status s;
  {
    MutexLock lock(&mu_);
    // release: pairs with the acquire in CheckOpen().
    if (closed_.exchange(true, std::memory_order_acq_rel)) {
      return Status::InvalidArgument(dbname_, "the DB is closed");
    }
    // Writers already queued finish; new ones see `closed_` and refuse.
    while (!writers_.empty()) writers_drained_cv_.Wait();
    if (options_.flush_on_close && bg_error_.ok() && mem_ != nullptr &&
        log_ != nullptr && !mem_->IsEmpty()) {
      // No writer is queued, so Close may act as the leader.
      while (bg_error_.ok() &&
             imm_.size() + 1 >= static_cast<size_t>(options_.max_write_buffer_number)) {
        bg_cv_.Wait();
      }
      if (bg_error_.ok()) (void)SwitchMemTableLocked();  // sets bg_error_
    }
    if (options_.flush_on_close) {
      while (bg_error_.ok() && !imm_.empty()) bg_cv_.Wait();
    }
    shutting_down_ = true;
    bg_cv_.SignalAll();
    s = bg_error_;
  }
  for (std::thread& t : bg_threads_) t.join();
  bg_threads_.clear();
  // A compaction still running above, or one that failed without having
  // recorded it yet, has finished now: its error is reported too. (The
  // logs below are synced or not by the status from before the join: the
  // memtables were flushed by then, and a compaction never writes a log.)
  Status background;
  {
    MutexLock lock(&mu_);
    background = bg_error_;
  }
  if (log_file_ != nullptr) {
    // After a failed WAL write or sync the log is not synced again: a
    // retried fsync can report success for data the kernel already dropped.
    for (UnsyncedLog& l : unsynced_logs_) {
      if (s.ok()) s = l.file->Sync();
      const Status c = l.file->Close();
      if (s.ok()) s = c;
    }
    if (s.ok()) s = log_file_->Sync();
    const Status c = log_file_->Close();
    if (s.ok()) s = c;
  }
  unsynced_logs_.clear();
  log_.reset();
  log_file_.reset();
  if (s.ok()) s = background;
  if (info_log_ != nullptr) {
    info_log_->Log("closed: %s", s.ToString().c_str());
  }
  db_lock_.reset();  // release last: the files are consistent by now
  return s;
}

const Snapshot* DBImpl::GetSnapshot() {
  if (!CheckOpen().ok()) return nullptr;
  MutexLock lock(&mu_);
  return snapshots_.New(last_sequence_.load(std::memory_order_acquire));
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  MutexLock lock(&mu_);
  snapshots_.Release(static_cast<const SnapshotImpl*>(snapshot));
}

bool DBImpl::GetProperty(const Slice& name, std::string* value) {
  if (value == nullptr || !CheckOpen().ok()) return false;
  const std::shared_ptr<const SuperVersion> sv = GetSuperVersion();
  const std::string_view n = name;
  if (n == "strata.mem-usage") {
    *value = std::to_string(sv->mem->ApproximateMemoryUsage());
  } else if (n == "strata.num-entries-active-mem-table") {
    *value = std::to_string(sv->mem->NumEntries());
  } else if (n == "strata.num-deletes-active-mem-table") {
    *value = std::to_string(sv->mem->NumDeletions());
  } else if (n == "strata.estimate-num-keys") {
    // Every entry counts once and every deletion cancels one: an estimate
    // (overwritten keys are counted once per version).
    uint64_t entries = sv->mem->NumEntries();
    uint64_t deletes = sv->mem->NumDeletions();
    for (const auto& m : sv->imm) {
      entries += m->NumEntries();
      deletes += m->NumDeletions();
    }
    for (int level = 0; level < sv->version->num_levels(); ++level) {
      for (const auto& f : sv->version->files(level)) {
        entries += f->num_entries;
        deletes += f->num_deletions;
      }
    }
    *value = std::to_string(entries > 2 * deletes ? entries - 2 * deletes : 0);
  } else if (n == "strata.num-range-deletions") {
    // Range tombstones held by the memtables and by every live table (as
    // stored: a tombstone clipped into several tables counts in each).
    uint64_t n_range = sv->mem->NumRangeDeletions();
    for (const auto& m : sv->imm) n_range += m->NumRangeDeletions();
    for (int level = 0; level < sv->version->num_levels(); ++level) {
      for (const auto& f : sv->version->files(level)) {
        if (f->num_deletions == 0) continue;
        std::shared_ptr<const Table> table;
        if (!table_cache_->Find(f->number, f->file_size, &table).ok()) {
          return false;
        }
        n_range += table->properties().num_range_deletions;
      }
    }
    *value = std::to_string(n_range);
  } else if (n == "strata.num-immutable-mem-table") {
    *value = std::to_string(sv->imm.size());
  } else if (n.rfind("strata.num-files-at-level", 0) == 0) {
    const std::string_view level_text = n.substr(25);
    int level = 0;
    for (const char c : level_text) {
      if (c < '0' || c > '9' || level > 1000) return false;
      level = level * 10 + (c - '0');
    }
    if (level_text.empty() || level >= sv->version->num_levels()) return false;
    *value = std::to_string(sv->version->NumFiles(level));
  } else if (n == "strata.total-sst-bytes") {
    uint64_t total = 0;
    for (int level = 0; level < sv->version->num_levels(); ++level) {
      total += sv->version->LevelBytes(level);
    }
    *value = std::to_string(total);
  } else if (n == "strata.block-cache-usage") {
    *value = std::to_string(block_cache_->Usage());
  } else if (n == "strata.open-tables") {
    *value = std::to_string(table_cache_->OpenTables());
  } else if (n == "strata.num-flushes") {
    MutexLock lock(&mu_);
    *value = std::to_string(flushes_);
  } else if (n == "strata.background-work-pending") {
    // "1" while a flush or compaction runs or would be picked now, or
    // while L0 holds tables the idle fold will take once writes pause; "0"
    // once the background has nothing left to do (also after a background
    // error, when nothing more will run).
    MutexLock lock(&mu_);
    bool pending = false;
    if (bg_error_.ok()) {
      const SequenceNumber earliest_snapshot =
          snapshots_.empty() ? last_sequence_.load(std::memory_order_acquire)
                             : snapshots_.Oldest();
      const Version& current = *versions_->current();
      pending = !imm_.empty() || flush_running_ || compaction_running_ ||
                manual_compactions_ > 0 ||
                PickCompaction(current, policy_, busy_files_,
                               earliest_snapshot)
                    .has_value() ||
                (options_.level0_idle_compaction_ms > 0 &&
                 PickIdleCompaction(current, policy_, busy_files_).has_value());
    }
    value->assign(1, pending ? '1' : '0');
  } else if (n == "strata.stall-micros") {
    MutexLock lock(&mu_);
    *value = std::to_string(stall_micros_);
  } else if (n == "strata.stats") {
    MutexLock lock(&mu_);
    *value = StatsStringLocked(*sv->version);
  } else if (n == "strata.counters") {
    MutexLock lock(&mu_);
    uint64_t compaction_written = 0;
    uint64_t compaction_read = 0;
    for (const LevelStats& l : level_stats_) {
      compaction_read += l.bytes_read;
      compaction_written += l.bytes_written;
    }
    *value = "user.bytes.written " + std::to_string(user_bytes_written_) +
             "\nflush.bytes.written " + std::to_string(flush_bytes_written_) +
             "\ncompaction.bytes.read " + std::to_string(compaction_read) +
             "\ncompaction.bytes.written " + std::to_string(compaction_written) +
             "\ncompaction.trivial.moves " + std::to_string(trivial_moves_) +
             "\nblock.cache.hits " + std::to_string(block_cache_->Hits()) +
             "\nblock.cache.misses " + std::to_string(block_cache_->Misses()) +
             "\nbloom.useful " + std::to_string(bloom_useful_.load(std::memory_order_relaxed)) +
             "\nbloom.passed " + std::to_string(bloom_checked_.load(std::memory_order_relaxed)) +
             "\nstall.micros " + std::to_string(stall_micros_) +
             "\nstop.micros " + std::to_string(stop_micros_) +
             "\nget.micros " + get_micros_.Summary() +
             "\nwrite.micros " + write_micros_.Summary() + "\n";
  } else if (n == "strata.last-sequence") {
    *value = std::to_string(last_sequence_.load(std::memory_order_acquire));
  } else if (n == "strata.num-snapshots") {
    MutexLock lock(&mu_);
    *value = std::to_string(snapshots_.size());
  } else {
    return false;
  }
  return true;
}

Status DBImpl::Flush() {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  // Freeze the memtable through the pipeline (the leader owns it) ...
  Writer w(&mu_);
  STRATA_RETURN_IF_ERROR(WriteThroughPipeline(&w));
  // ... then wait until every frozen memtable is in a table.
  MutexLock lock(&mu_);
  while (bg_error_.ok() && !imm_.empty()) bg_cv_.Wait();
  return bg_error_;
}

Status DBImpl::CreateCheckpoint(const std::string& /*dir*/) {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  return Status::NotSupported("CreateCheckpoint", "checkpoints are not built yet");
}

std::unique_ptr<Transaction> DBImpl::BeginTransaction(
    const WriteOptions& /*options*/, const TransactionOptions& /*txn_options*/) {
  return std::make_unique<UnsupportedTransaction>();
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
  lock.reset();
  (void)env->RemoveFile(internal::LockFileName(path));  // may be gone already
  // Fails (and is ignored) when the directory holds files strata does not own.
  (void)env->RemoveDir(path);
  return result;
}

Status RepairDB(const std::string& /*path*/, const Options& /*options*/) {
  return Status::NotSupported("RepairDB", "repair is not built yet");
}

}  // namespace strata
