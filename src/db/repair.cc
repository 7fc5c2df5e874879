// RepairDB (strata/db.h): rebuilds a DB's MANIFEST from the files that
// verify. docs/manifest_format.md#repair gives the steps.

#include <algorithm>
#include <cinttypes>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
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
    // Value-log files first: a table keeps only the ones that stay.
    for (const uint64_t number : vlogs)
      STRATA_RETURN_IF_ERROR(ScanVlog(number));
    for (const uint64_t number : logs)
      STRATA_RETURN_IF_ERROR(ConvertLog(number));
    for (const uint64_t number : tables)
      STRATA_RETURN_IF_ERROR(ScanTable(number));
    return WriteManifest();
  }

 private:
  void Note(const std::string& line) { report_->notes.push_back(line); }

  // Moves `name` into lost/ (a ".N" suffix keeps it apart from an earlier
  // one of that name).
  Status MoveToLost(const std::string& name, const std::string& why) {
    const std::string lost = LostDirName(dbname_);
    STRATA_RETURN_IF_ERROR(env_->CreateDirIfMissing(lost));
    std::string target = JoinPath(lost, name);
    for (int i = 1; env_->FileExists(target); ++i) {
      target = JoinPath(lost, name + "." + std::to_string(i));
    }
    STRATA_RETURN_IF_ERROR(env_->RenameFile(JoinPath(dbname_, name), target));
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
      ++report_->vlog_files_lost;
      return MoveToLost(name, s.ToString());
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
    ++report_->vlog_files_kept;
    vlogs_.push_back(meta);
    return Status::OK();
  }

  // Salvages every record of log `number` that decodes into a table, then
  // moves the log to lost/.
  Status ConvertLog(uint64_t number) {
    const std::string path = LogFileName(dbname_, number);
    const std::string name = BaseName(path);
    std::unique_ptr<SequentialFile> file;
    STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(path, &file));
    struct Counter : log::Reader::Reporter {
      uint64_t bytes = 0;
      void Dropped(uint64_t, uint64_t n, const Status&) override { bytes += n; }
    } dropped;
    log::Reader reader(file.get(), name, WalRecoveryMode::kSalvage, &dropped);
    auto mem = std::make_unique<MemTable>(icmp_, 1 << 20);
    Slice record;
    std::string scratch;
    WriteBatch batch;
    uint64_t records = 0, rejected = 0;
    while (reader.ReadRecord(&record, &scratch)) {
      uint64_t ts = 0;
      // Sequences need not follow one another here (a gap is TryAgain):
      // every batch carries its own.
      const Status s = DecodeLogRecord(options_.comparator, icmp_.versioned(),
                                       record, 0, &batch, &ts);
      if (!s.ok() && !s.IsTryAgain()) {
        ++rejected;
        dropped.bytes += record.size();
        continue;
      }
      WriteBatchInternal::InsertInto(batch, mem.get(), icmp_.versioned(), ts);
      max_timestamp_ = std::max(max_timestamp_, ts);
      ++records;
    }
    report_->log_records += records;
    report_->log_bytes_dropped += dropped.bytes;
    if (!mem->IsEmpty()) {
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
      STRATA_RETURN_IF_ERROR(RunFlush(fo, *mem, table, &meta, &none));
      if (meta.file_size > 0) {
        Note(name + ": " + std::to_string(records) +
             " record(s) salvaged into " +
             BaseName(TableFileName(dbname_, table)) +
             (dropped.bytes > 0
                  ? ", " + std::to_string(dropped.bytes) + " byte(s) dropped"
                  : ""));
        AddTable(meta);
      }
    }
    ++report_->logs_salvaged;
    return MoveToLost(name, "converted to a table");
  }

  Status ScanTable(uint64_t number) {
    const std::string path = TableFileName(dbname_, number);
    const std::string name = BaseName(path);
    Status s = VerifyTableFile(env_, table_options_, path);
    FileMetaData meta;
    if (s.ok()) s = TableMeta(number, &meta);
    if (!s.ok()) {
      ++report_->tables_lost;
      return MoveToLost(name, s.ToString());
    }
    AddTable(meta);
    return Status::OK();
  }

  // What a MANIFEST says of table `number`, read from the table itself.
  Status TableMeta(uint64_t number, FileMetaData* meta) {
    const std::string path = TableFileName(dbname_, number);
    meta->number = number;
    STRATA_RETURN_IF_ERROR(env_->GetFileSize(path, &meta->file_size));
    std::unique_ptr<RandomAccessFile> file;
    STRATA_RETURN_IF_ERROR(env_->NewRandomAccessFile(path, &file));
    std::unique_ptr<Table> table;
    STRATA_RETURN_IF_ERROR(Table::Open(table_options_, std::move(file),
                                       meta->file_size, BaseName(path),
                                       &table));
    meta->smallest_seqno = kMaxSequenceNumber;
    std::set<uint64_t> vlog_files;
    std::unique_ptr<InternalIterator> it =
        table->NewIterator(TableReadOptions());
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
    if (meta->num_entries == 0) {
      return Status::Corruption(BaseName(path), "holds no entry");
    }
    for (const uint64_t v : vlog_files) {
      if (std::any_of(vlogs_.begin(), vlogs_.end(),
                      [v](const VlogFileMeta& m) { return m.number == v; })) {
        meta->vlog_files.push_back(v);
      } else {
        Note(BaseName(path) + ": names value-log file " +
             BaseName(VlogFileName(dbname_, v)) +
             ", which is gone: its values read as Corruption");
      }
    }
    if (table->properties().has_max_timestamp) {
      max_timestamp_ =
          std::max(max_timestamp_, table->properties().max_timestamp);
    }
    return Status::OK();
  }

  void AddTable(const FileMetaData& meta) {
    ++report_->tables_kept;
    report_->entries += meta.num_entries;
    max_sequence_ = std::max(max_sequence_, meta.largest_seqno);
    tables_.push_back(meta);
  }

  Status WriteManifest() {
    // Every table goes to L0: their levels are unknown, and their sequence
    // ranges may interleave, so RepairDB compacts them once the DB opens.
    VersionEdit edit;
    edit.SetComparatorName(icmp_.user_comparator()->Name());
    const uint64_t manifest = next_number_++;
    edit.SetLogNumber(next_number_);
    edit.SetNextFileNumber(next_number_ + 1);
    edit.SetLastSequence(max_sequence_);
    if (icmp_.versioned() && max_timestamp_ > 0) {
      edit.SetLastTimestamp(max_timestamp_);
    }
    for (const FileMetaData& f : tables_) edit.AddFile(0, f);
    for (const VlogFileMeta& v : vlogs_) edit.AddVlogFile(v);
    // CURRENT goes first, so that no moment has it naming a MANIFEST gone
    // to lost/; the old MANIFESTs follow.
    STRATA_RETURN_IF_ERROR(
        WriteStandaloneManifest(env_, dbname_, manifest, edit));
    for (const std::string& name : manifests_) {
      STRATA_RETURN_IF_ERROR(MoveToLost(name, "replaced by the repair"));
    }
    Note(BaseName(ManifestFileName(dbname_, manifest)) + ": written with " +
         std::to_string(tables_.size()) + " table(s) and " +
         std::to_string(vlogs_.size()) + " value-log file(s), last sequence " +
         std::to_string(max_sequence_));
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
  std::vector<FileMetaData> tables_;
  std::vector<VlogFileMeta> vlogs_;
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
  {
    std::unique_ptr<FileLock> lock;
    Status s = env->LockFile(internal::LockFileName(path), &lock);
    if (!s.ok()) {
      return Status::IOError("database " + path + " is locked",
                             "close it before repairing it: " + s.ToString());
    }
    STRATA_RETURN_IF_ERROR(internal::FinishRestore(env, path));
    internal::Repairer repairer(resolved, path, r);
    STRATA_RETURN_IF_ERROR(repairer.Run());
  }
  // The tables now sit in L0 with sequence ranges that may interleave:
  // one full compaction puts every key's versions back in order.
  Options open_options = options;
  open_options.create_if_missing = false;
  open_options.error_if_exists = false;
  std::unique_ptr<DB> db;
  STRATA_RETURN_IF_ERROR(DB::Open(open_options, path, &db));
  Status s = db->CompactRange(nullptr, nullptr);
  const Status closed = db->Close();
  if (s.ok()) s = closed;
  if (s.ok()) r->notes.push_back("compacted; the DB opens");
  return s;
}

Status RepairDB(const std::string& path, const Options& options) {
  return RepairDB(path, options, nullptr);
}

}  // namespace strata
