// RepairDB (strata/db.h): rebuilds a DB's MANIFEST from the files that
// verify. docs/manifest_format.md#repair gives the steps.

#include <algorithm>
#include <cinttypes>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "compaction/compaction_job.h"
#include "compaction/flush_job.h"
#include "compaction/table_output.h"
#include "db/db_files.h"
#include "db/resolved_options.h"
#include "db/restore.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "key/range_tombstone.h"
#include "memtable/memtable.h"
#include "strata/db.h"
#include "table/table.h"
#include "version/version_edit.h"
#include "version/version_set.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_reader.h"
#include "wal/log_reader.h"

namespace strata::internal {
namespace {

class Repairer {
 public:
  Repairer(const Options& options, std::string dbname, RepairReport* report)
      : options_(options),
        env_(options.env),
        dbname_(std::move(dbname)),
        icmp_(options.comparator, options.enable_versioning),
        table_options_(MakeTableOptions(options, &icmp_, nullptr)),
        report_(report) {}

  Status Run() {
    std::vector<std::string> names;
    STRATA_RETURN_IF_ERROR(env_->GetChildren(dbname_, &names));
    std::vector<uint64_t> logs, tables, vlogs;
    for (const std::string& name : names) {
      uint64_t number = 0;
      FileType type;
      if (!ParseFileName(name, &number, &type)) continue;
      next_number_ = std::max(next_number_, number + 1);
      switch (type) {
        case FileType::kLogFile:
          logs.push_back(number);
          break;
        case FileType::kTableFile:
          tables.push_back(number);
          break;
        case FileType::kVlogFile:
          vlogs.push_back(number);
          break;
        case FileType::kManifestFile:
          manifests_.push_back(name);
          break;
        default:
          break;
      }
    }
    std::sort(logs.begin(), logs.end());
    std::sort(tables.begin(), tables.end());
    // Phase 1 reads only: what can be kept, and whether the options fit
    // the files (a versioning mismatch stops here, with nothing changed).
    // Tables an old MANIFEST, as far as it reads, records as deleted are
    // obsolete (their data went into a compaction's outputs, perhaps
    // without the tombstones that dropped some of it): merged, they would
    // bring deleted keys back. They go to lost/ instead.
    ReadObsoleteTables();
    for (const uint64_t n : vlogs) STRATA_RETURN_IF_ERROR(ScanVlog(n));
    for (const uint64_t n : tables) {
      if (obsolete_.count(n) != 0) {
        const std::string name = BaseName(TableFileName(dbname_, n));
        lost_tables_.push_back(name);
        lost_reasons_[name] = "a MANIFEST records it as deleted";
        continue;
      }
      STRATA_RETURN_IF_ERROR(ScanTable(n));
    }
    for (const uint64_t n : logs) STRATA_RETURN_IF_ERROR(CheckLog(n));
    // Phase 2 writes new files only; nothing of the DB's changes until the
    // new CURRENT, so a crash before it leaves the directory to repair
    // again.
    for (const uint64_t n : logs) STRATA_RETURN_IF_ERROR(ConvertLog(n));
    STRATA_RETURN_IF_ERROR(Merge());
    // What cannot be read goes to lost/ before the new CURRENT: after it,
    // an open would delete such a file as garbage instead.
    STRATA_RETURN_IF_ERROR(SetAsideUnreadable());
    STRATA_RETURN_IF_ERROR(WriteManifest());
    // Phase 3: what the new state no longer needs.
    return CleanUp(logs);
  }

 private:
  // A table kept as an input of the merge.
  struct Input {
    std::shared_ptr<const FileMetaData> meta;
    std::shared_ptr<const Table> table;
    int rank = 0;  // merge order: lower first (wins a tie)
  };

  void Note(const std::string& line) { report_->notes.push_back(line); }

  // Moves `name` into lost/ (a ".N" suffix keeps it apart from an earlier
  // one of that name); the move is durable when this returns.
  Status MoveToLost(const std::string& name, const std::string& why) {
    const std::string lost = LostDirName(dbname_);
    STRATA_RETURN_IF_ERROR(env_->CreateDirIfMissing(lost));
    std::string target = JoinPath(lost, name);
    for (int i = 1; env_->FileExists(target); ++i) {
      target = JoinPath(lost, name + "." + std::to_string(i));
    }
    STRATA_RETURN_IF_ERROR(env_->RenameFile(JoinPath(dbname_, name), target));
    STRATA_RETURN_IF_ERROR(env_->SyncDir(lost));
    STRATA_RETURN_IF_ERROR(env_->SyncDir(dbname_));
    report_->lost_files.push_back(BaseName(target));
    Note(name + ": moved to lost/ (" + why + ")");
    return Status::OK();
  }

  Status ScanVlog(uint64_t number) {
    const std::string path = VlogFileName(dbname_, number);
    const std::string name = BaseName(path);
    uint64_t size = 0;
    STRATA_RETURN_IF_ERROR(env_->GetFileSize(path, &size));
    std::unique_ptr<vlog::Reader> reader;
    Status s = vlog::Reader::Open(env_, path, number, size, false, &reader);
    if (!s.ok()) {
      lost_vlogs_.push_back(name);
      lost_reasons_[name] = s.ToString();
      return Status::OK();
    }
    VlogFileMeta meta;
    meta.number = number;
    meta.file_size = size;
    s = reader->ForEachRecord([&meta](uint64_t, const vlog::Record& r) {
      ++meta.records;
      meta.record_bytes += r.size;
      return Status::OK();
    });
    if (!s.ok()) {
      // Its header holds: the values before the damage are still read
      // through their pointers; one past it reads as Corruption.
      Note(name + ": kept, damaged (" + s.ToString() + ")");
    }
    vlogs_[number] = meta;
    return Status::OK();
  }

  // Opens table `path` and reads its metadata from its entries.
  Status ReadTable(const std::string& path, uint64_t number,
                   std::shared_ptr<const Table>* out, FileMetaData* meta) {
    meta->number = number;
    STRATA_RETURN_IF_ERROR(env_->GetFileSize(path, &meta->file_size));
    std::unique_ptr<RandomAccessFile> file;
    STRATA_RETURN_IF_ERROR(env_->NewRandomAccessFile(path, &file));
    std::unique_ptr<Table> table;
    STRATA_RETURN_IF_ERROR(Table::Open(table_options_, std::move(file),
                                       meta->file_size, BaseName(path),
                                       &table));
    STRATA_RETURN_IF_ERROR(table->VerifyChecksums());
    meta->smallest_seqno = kMaxSequenceNumber;
    std::set<uint64_t> vlog_files;
    TableReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<InternalIterator> it = table->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(it->key(), &parsed)) {
        return Status::Corruption(BaseName(path), "malformed internal key");
      }
      if (meta->num_entries == 0) meta->smallest.SetEncoded(it->key());
      meta->largest.SetEncoded(it->key());
      meta->smallest_seqno = std::min(meta->smallest_seqno, parsed.sequence);
      meta->largest_seqno = std::max(meta->largest_seqno, parsed.sequence);
      ++meta->num_entries;
      if (parsed.type == ValueType::kDeletion) ++meta->num_deletions;
      if (parsed.type == ValueType::kValuePointer) {
        vlog::ValuePointer pointer;
        STRATA_RETURN_IF_ERROR(pointer.DecodeFrom(it->value()));
        vlog_files.insert(pointer.file_number);
        // A missing file's number is never handed out again.
        if (pointer.file_number < kMaxFileNumber) {
          next_number_ = std::max(next_number_, pointer.file_number + 1);
        }
      }
    }
    STRATA_RETURN_IF_ERROR(it->status());
    if (const RangeTombstoneListPtr& list = table->range_tombstones()) {
      std::vector<RangeTombstone> all;
      for (size_t i = 0; i < list->size(); ++i) {
        const auto& f = list->fragment(i);
        for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
          all.push_back(RangeTombstone{f.begin, f.end, list->seq(j), 0});
        }
      }
      for (const RangeTombstone& t : list->timed()) all.push_back(t);
      std::string key, value;
      for (const RangeTombstone& t : all) {
        EncodeRangeTombstone(t, &key, &value);
        ExtendMetaByTombstone(icmp_, t, key, meta);
      }
    }
    meta->vlog_files.assign(vlog_files.begin(), vlog_files.end());
    *out = std::move(table);
    return Status::OK();
  }

  Status ScanTable(uint64_t number) {
    const std::string path = TableFileName(dbname_, number);
    const std::string name = BaseName(path);
    auto meta = std::make_shared<FileMetaData>();
    std::shared_ptr<const Table> table;
    const Status s = ReadTable(path, number, &table, meta.get());
    if (!s.ok()) {
      lost_tables_.push_back(name);
      lost_reasons_[name] = s.ToString();
      return Status::OK();
    }
    // Keys of a versioned DB end in a timestamp: read with the wrong
    // options they would be other keys. Refused before anything changes.
    if (table->properties().has_max_timestamp != options_.enable_versioning) {
      return Status::InvalidArgument(
          name + " was written by a DB " +
              (options_.enable_versioning ? "without" : "with") + " versioning",
          "repair with enable_versioning = " +
              std::string(options_.enable_versioning ? "false" : "true") +
              "; nothing was changed");
    }
    if (table->properties().has_max_timestamp) {
      max_timestamp_ =
          std::max(max_timestamp_, table->properties().max_timestamp);
    }
    Input in;
    in.rank = 0;
    for (const uint64_t v : meta->vlog_files) {
      if (vlogs_.count(v) == 0) {
        // Merged last: a copy of the same write from a log, with its
        // value inline, is preferred to a pointer into a missing file.
        in.rank = 2;
        Note(name + ": names value-log file " +
             BaseName(VlogFileName(dbname_, v)) +
             ", which is gone or unreadable: its values read as Corruption");
      }
    }
    in.meta = meta;
    in.table = std::move(table);
    inputs_.push_back(std::move(in));
    return Status::OK();
  }

  // The tables the MANIFESTs in the directory, replayed oldest first and
  // each as far as it reads (damage ends it quietly: the MANIFEST may be
  // why the DB is being repaired), leave deleted: a table whose last
  // mention is a deletion. (An edit deletes before it adds, so a table a
  // trivial move deleted and added in one edit stays live; a newer
  // MANIFEST's first edit adds every table live then.)
  void ReadObsoleteTables() {
    std::vector<std::pair<uint64_t, std::string>> ordered;
    for (const std::string& name : manifests_) {
      uint64_t number = 0;
      FileType type;
      if (ParseFileName(name, &number, &type))
        ordered.emplace_back(number, name);
    }
    std::sort(ordered.begin(), ordered.end());
    for (const auto& [number, name] : ordered) {
      std::unique_ptr<SequentialFile> file;
      if (!env_->NewSequentialFile(JoinPath(dbname_, name), &file).ok()) {
        continue;
      }
      log::Reader reader(file.get(), name, WalRecoveryMode::kSalvage, nullptr);
      Slice record;
      std::string scratch;
      while (reader.ReadRecord(&record, &scratch)) {
        VersionEdit edit;
        if (!edit.DecodeFrom(record).ok()) continue;
        for (const auto& [level, n] : edit.deleted_files()) obsolete_.insert(n);
        for (const auto& [level, f] : edit.new_files())
          obsolete_.erase(f.number);
      }
    }
  }

  // Phase 1: a log whose records all fail to decode is read with the
  // wrong options (versioning), not damaged through and through.
  Status CheckLog(uint64_t number) {
    uint64_t records = 0, decoded = 0;
    STRATA_RETURN_IF_ERROR(ReadLog(number, nullptr, &records, &decoded));
    if (records > 0 && decoded == 0) {
      return Status::InvalidArgument(
          BaseName(LogFileName(dbname_, number)) + ": none of its " +
              std::to_string(records) + " record(s) decodes",
          "is the DB's versioning (enable_versioning = " +
              std::string(options_.enable_versioning ? "true" : "false") +
              ") right? nothing was changed");
    }
    return Status::OK();
  }

  // Reads log `number` in salvage mode; each record that decodes goes into
  // `mem` (when given).
  Status ReadLog(uint64_t number, MemTable* mem, uint64_t* records,
                 uint64_t* decoded, uint64_t* dropped_bytes = nullptr) {
    const std::string path = LogFileName(dbname_, number);
    std::unique_ptr<SequentialFile> file;
    STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(path, &file));
    struct Counter : log::Reader::Reporter {
      uint64_t bytes = 0;
      void Dropped(uint64_t, uint64_t n, const Status&) override { bytes += n; }
    } dropped;
    log::Reader reader(file.get(), BaseName(path), WalRecoveryMode::kSalvage,
                       &dropped);
    Slice record;
    std::string scratch;
    WriteBatch batch;
    *records = *decoded = 0;
    while (reader.ReadRecord(&record, &scratch)) {
      ++*records;
      uint64_t ts = 0;
      // Sequences need not follow one another here (a gap is TryAgain):
      // every batch carries its own.
      const Status s = DecodeLogRecord(options_.comparator, icmp_.versioned(),
                                       record, 0, &batch, &ts);
      if (!s.ok() && !s.IsTryAgain()) {
        dropped.bytes += record.size();
        continue;
      }
      ++*decoded;
      if (mem != nullptr) {
        WriteBatchInternal::InsertInto(batch, mem, icmp_.versioned(), ts);
        max_timestamp_ = std::max(max_timestamp_, ts);
      }
    }
    if (dropped_bytes != nullptr) *dropped_bytes = dropped.bytes;
    return reader.status();
  }

  // Phase 2: log `number`'s records into a new table, an input like the
  // others. The log itself stays until the new state is durable.
  Status ConvertLog(uint64_t number) {
    const std::string name = BaseName(LogFileName(dbname_, number));
    MemTable mem(icmp_, 1 << 20);
    uint64_t records = 0, decoded = 0, dropped = 0;
    STRATA_RETURN_IF_ERROR(ReadLog(number, &mem, &records, &decoded, &dropped));
    report_->log_records += decoded;
    report_->log_bytes_dropped += dropped;
    ++report_->logs_salvaged;
    if (mem.IsEmpty()) return Status::OK();
    FlushJobOptions fo;
    fo.env = env_;
    fo.dbname = dbname_;
    fo.table_options = table_options_;
    fo.icmp = &icmp_;
    fo.creation_time = env_->NowMicros() / 1000000;
    fo.new_file_number = [this] { return next_number_++; };
    FileMetaData meta;
    std::vector<VlogFileMeta> none;
    const uint64_t table = next_number_++;
    STRATA_RETURN_IF_ERROR(RunFlush(fo, mem, table, &meta, &none));
    if (meta.file_size == 0) return Status::OK();
    salvaged_.push_back(table);
    Note(name + ": " + std::to_string(decoded) + " record(s) salvaged" +
         (dropped > 0 ? ", " + std::to_string(dropped) + " byte(s) dropped"
                      : ""));
    auto m = std::make_shared<FileMetaData>();
    std::shared_ptr<const Table> t;
    STRATA_RETURN_IF_ERROR(
        ReadTable(TableFileName(dbname_, table), table, &t, m.get()));
    Input in;
    in.meta = m;
    in.table = std::move(t);
    in.rank = 1;  // after the tables (their pointers save space)
    inputs_.push_back(std::move(in));
    return Status::OK();
  }

  // Every input merged into new tables at the last level, as one full
  // compaction at the bottom: the inputs' levels are unknown and their
  // sequence ranges interleave, and a write may be in two of them (a log
  // and the table it was flushed to): the merge keeps one copy of each.
  Status Merge() {
    std::stable_sort(
        inputs_.begin(), inputs_.end(),
        [](const Input& a, const Input& b) { return a.rank < b.rank; });
    std::map<uint64_t, const Input*> by_number;
    std::vector<std::shared_ptr<const FileMetaData>> metas;
    for (const Input& in : inputs_) {
      by_number[in.meta->number] = &in;
      metas.push_back(in.meta);
      max_sequence_ = std::max(max_sequence_, in.meta->largest_seqno);
      report_->tables_kept += in.rank != 1;
    }
    if (metas.empty()) return Status::OK();
    CompactionJobOptions o;
    o.env = env_;
    o.dbname = dbname_;
    o.table_options = table_options_;
    o.icmp = &icmp_;
    o.max_output_file_size = options_.target_file_size;
    o.new_file_number = [this] { return next_number_++; };
    o.creation_time = env_->NowMicros() / 1000000;
    o.bottommost = true;
    o.drop_repeats = true;
    o.open_input = [&by_number](const FileMetaData& f) {
      TableReadOptions ro;
      ro.fill_cache = false;
      return by_number.at(f.number)->table->NewIterator(ro);
    };
    o.open_input_range_tombstones =
        [&by_number](const FileMetaData& f) -> Result<RangeTombstoneListPtr> {
      return by_number.at(f.number)->table->range_tombstones();
    };
    Result<CompactionJobResult> result = RunCompaction(o, metas);
    if (!result.ok()) return result.status();
    outputs_ = result->outputs;
    for (FileMetaData& f : outputs_) {
      report_->entries += f.num_entries;
      // A pointer into a value-log file that is gone stays (it reads as
      // Corruption naming the file), but the MANIFEST names only files
      // that exist.
      std::erase_if(f.vlog_files,
                    [this](uint64_t v) { return vlogs_.count(v) == 0; });
    }
    return CountLiveValueBytes();
  }

  // Each kept value-log file's garbage: its record bytes less those the
  // merged tables point to (the old MANIFEST's count is lost with it).
  Status CountLiveValueBytes() {
    for (const FileMetaData& f : outputs_) {
      if (f.vlog_files.empty()) continue;
      auto meta = std::make_shared<FileMetaData>();
      std::shared_ptr<const Table> table;
      STRATA_RETURN_IF_ERROR(ReadTable(TableFileName(dbname_, f.number),
                                       f.number, &table, meta.get()));
      TableReadOptions ro;
      ro.fill_cache = false;
      std::unique_ptr<InternalIterator> it = table->NewIterator(ro);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (ExtractType(it->key()) !=
            static_cast<uint8_t>(ValueType::kValuePointer)) {
          continue;
        }
        vlog::ValuePointer p;
        STRATA_RETURN_IF_ERROR(p.DecodeFrom(it->value()));
        live_bytes_[p.file_number] += p.record_size;
      }
      STRATA_RETURN_IF_ERROR(it->status());
    }
    return Status::OK();
  }

  Status WriteManifest() {
    VersionEdit edit;
    edit.SetComparatorName(icmp_.user_comparator()->Name());
    const uint64_t manifest = next_number_++;
    // Logs numbered below this are obsolete: every one was merged.
    edit.SetLogNumber(next_number_);
    edit.SetNextFileNumber(next_number_ + 1);
    edit.SetLastSequence(max_sequence_);
    if (icmp_.versioned() && max_timestamp_ > 0) {
      edit.SetLastTimestamp(max_timestamp_);
    }
    const int bottom = options_.num_levels - 1;
    std::set<uint64_t> named;
    for (const FileMetaData& f : outputs_) {
      edit.AddFile(bottom, f);
      named.insert(f.vlog_files.begin(), f.vlog_files.end());
    }
    // A value-log file no table names any more is left out (garbage).
    for (const auto& [number, v] : vlogs_) {
      if (named.count(number) == 0) {
        unnamed_vlogs_.push_back(number);
        continue;
      }
      edit.AddVlogFile(v);
      ++report_->vlog_files_kept;
      const uint64_t live = live_bytes_[number];
      if (v.record_bytes > live) {
        edit.AddVlogGarbage(number, v.record_bytes - live);
      }
    }
    STRATA_RETURN_IF_ERROR(
        WriteStandaloneManifest(env_, dbname_, manifest, edit));
    Note(BaseName(ManifestFileName(dbname_, manifest)) + ": written with " +
         std::to_string(outputs_.size()) + " table(s) at level " +
         std::to_string(bottom) + " and " +
         std::to_string(report_->vlog_files_kept) +
         " value-log file(s), last sequence " + std::to_string(max_sequence_));
    return Status::OK();
  }

  // Phase 3, once the new CURRENT is durable: the merged inputs go (their
  // data is in the outputs); the logs, old MANIFESTs and value-log files
  // nothing names go to lost/.
  Status SetAsideUnreadable() {
    for (const std::string& name : lost_tables_) {
      ++report_->tables_lost;
      STRATA_RETURN_IF_ERROR(MoveToLost(name, lost_reasons_[name]));
    }
    for (const std::string& name : lost_vlogs_) {
      ++report_->vlog_files_lost;
      STRATA_RETURN_IF_ERROR(MoveToLost(name, lost_reasons_[name]));
    }
    return Status::OK();
  }

  Status CleanUp(const std::vector<uint64_t>& logs) {
    for (const uint64_t n : unnamed_vlogs_) {
      STRATA_RETURN_IF_ERROR(
          MoveToLost(BaseName(VlogFileName(dbname_, n)), "no table names it"));
    }
    for (const uint64_t n : logs) {
      STRATA_RETURN_IF_ERROR(
          MoveToLost(BaseName(LogFileName(dbname_, n)), "salvaged"));
    }
    for (const std::string& name : manifests_) {
      STRATA_RETURN_IF_ERROR(MoveToLost(name, "replaced by the repair"));
    }
    for (const Input& in : inputs_) {
      const Status s =
          env_->RemoveFile(TableFileName(dbname_, in.meta->number));
      if (!s.ok() && !s.IsNotFound()) return s;
    }
    return env_->SyncDir(dbname_);
  }

  const Options options_;
  Env* const env_;
  const std::string dbname_;
  const InternalKeyComparator icmp_;
  const TableOptions table_options_;
  RepairReport* const report_;
  uint64_t next_number_ = 2;
  SequenceNumber max_sequence_ = 0;
  uint64_t max_timestamp_ = 0;
  std::vector<std::string> manifests_;
  std::vector<Input> inputs_;
  std::vector<uint64_t> salvaged_;
  std::map<uint64_t, VlogFileMeta> vlogs_;
  std::vector<std::string> lost_tables_, lost_vlogs_;
  std::map<std::string, std::string> lost_reasons_;
  std::vector<uint64_t> unnamed_vlogs_;
  std::set<uint64_t> obsolete_;  // tables a MANIFEST records as deleted
  std::vector<FileMetaData> outputs_;
  std::map<uint64_t, uint64_t> live_bytes_;  // vlog number → bytes named
};

}  // namespace
}  // namespace strata::internal

namespace strata {

Status RepairDB(const std::string& path, const Options& options,
                RepairReport* report) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (path.empty()) return Status::InvalidArgument("empty DB path");
  RepairReport local;
  RepairReport* r = report != nullptr ? report : &local;
  *r = RepairReport();
  const Options resolved = internal::ResolveOptions(options);
  Env* env = resolved.env;
  std::vector<std::string> names;
  const Status listed = env->GetChildren(path, &names);
  if (listed.IsNotFound()) {
    return Status::NotFound(path, "no such directory: nothing to repair");
  }
  STRATA_RETURN_IF_ERROR(listed);
  std::unique_ptr<FileLock> lock;
  const Status locked = env->LockFile(internal::LockFileName(path), &lock);
  if (!locked.ok()) {
    return Status::IOError(
        "database " + path + " is locked",
        "close it before repairing it: " + locked.ToString());
  }
  STRATA_RETURN_IF_ERROR(internal::FinishRestore(env, path));
  internal::Repairer repairer(resolved, path, r);
  return repairer.Run();
}

Status RepairDB(const std::string& path, const Options& options) {
  return RepairDB(path, options, nullptr);
}

}  // namespace strata
