#include "db/db_files.h"

#include <algorithm>
#include <utility>

#include "base/result.h"
#include "db/resolved_options.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "table/table.h"
#include "version/version_set.h"
#include "vlog/vlog_reader.h"
#include "wal/log_reader.h"

namespace strata::internal {

Status VerifyTableFile(Env* env, const TableOptions& table_options,
                       const std::string& path) {
  uint64_t size = 0;
  STRATA_RETURN_IF_ERROR(env->GetFileSize(path, &size));
  std::unique_ptr<RandomAccessFile> file;
  STRATA_RETURN_IF_ERROR(env->NewRandomAccessFile(path, &file));
  TableOptions options = table_options;
  options.block_cache = nullptr;  // every block from the file
  std::unique_ptr<Table> table;
  STRATA_RETURN_IF_ERROR(
      Table::Open(options, std::move(file), size, BaseName(path), &table));
  return table->VerifyChecksums();
}

Status VerifyVlogFile(Env* env, const std::string& path, uint64_t number,
                      uint64_t size) {
  std::unique_ptr<vlog::Reader> reader;
  STRATA_RETURN_IF_ERROR(
      vlog::Reader::Open(env, path, number, size, /*mapped=*/false, &reader));
  return reader->ForEachRecord(
      [](uint64_t, const vlog::Record&) { return Status::OK(); });
}

Status VerifyLogFile(Env* env, const std::string& path, bool tolerate_torn_tail,
                     uint64_t* records) {
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env->NewSequentialFile(path, &file));
  // The log allowed a torn tail is the newest: a mapped log may end in a
  // record a crash cut short too.
  log::Reader reader(file.get(), BaseName(path),
                     tolerate_torn_tail ? WalRecoveryMode::kTolerateTornTail
                                        : WalRecoveryMode::kAbsoluteConsistency,
                     nullptr, /*cut_short_tail=*/tolerate_torn_tail);
  Slice record;
  std::string scratch;
  uint64_t n = 0;
  while (reader.ReadRecord(&record, &scratch)) ++n;
  if (records != nullptr) *records = n;
  return reader.status();
}

Status ReadStoredDb(const Options& options, const std::string& dir,
                    StoredDb* db) {
  db->icmp = std::make_shared<const InternalKeyComparator>(
      options.comparator, options.enable_versioning);
  VersionSetOptions vo;
  vo.env = options.env;
  vo.dbname = dir;
  vo.icmp = db->icmp.get();
  vo.num_levels = options.num_levels;
  // Recover() only reads; the set is dropped before it could write.
  VersionSet versions(vo);
  STRATA_RETURN_IF_ERROR(versions.Recover());
  db->manifest_number = versions.manifest_file_number();
  versions.CurrentState(&db->version, &db->log_number, &db->last_sequence);
  db->next_file_number = versions.PeekNextFileNumber();
  db->last_timestamp = versions.last_timestamp();
  db->retention_horizon = versions.retention_horizon();

  return LogNumbersIn(options.env, dir, db->log_number, UINT64_MAX, &db->logs);
}

Status LogNumbersIn(Env* env, const std::string& dir, uint64_t min,
                    uint64_t max, std::vector<uint64_t>* logs) {
  std::vector<std::string> names;
  STRATA_RETURN_IF_ERROR(env->GetChildren(dir, &names));
  logs->clear();
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (ParseFileName(name, &number, &type) && type == FileType::kLogFile &&
        number >= min && number <= max) {
      logs->push_back(number);
    }
  }
  std::sort(logs->begin(), logs->end());
  return Status::OK();
}

namespace {

// Corruption unless `path` exists with exactly `size` bytes.
Status CheckSize(Env* env, const std::string& path, uint64_t size) {
  uint64_t actual = 0;
  const Status s = env->GetFileSize(path, &actual);
  if (s.IsNotFound()) {
    return Status::Corruption(path, "is missing (the MANIFEST names it)");
  }
  STRATA_RETURN_IF_ERROR(s);
  if (actual != size) {
    return Status::Corruption(path, "holds " + std::to_string(actual) +
                                        " bytes; the MANIFEST says " +
                                        std::to_string(size));
  }
  return Status::OK();
}

}  // namespace

Status VerifyStoredDb(const Options& options, const std::string& dir,
                      const StoredDb& db, const VerifyProgress& progress,
                      bool tolerate_torn_tail) {
  Env* env = options.env;
  const TableOptions table_options =
      MakeTableOptions(options, db.icmp.get(), nullptr);
  const Version& v = *db.version;
  for (int level = 0; level < v.num_levels(); ++level) {
    for (const auto& f : v.files(level)) {
      const std::string path = TableFileName(dir, f->number);
      STRATA_RETURN_IF_ERROR(CheckSize(env, path, f->file_size));
      STRATA_RETURN_IF_ERROR(VerifyTableFile(env, table_options, path));
      if (progress) progress(BaseName(path), f->file_size);
    }
  }
  for (const auto& [number, f] : v.vlog_files()) {
    const std::string path = VlogFileName(dir, number);
    STRATA_RETURN_IF_ERROR(CheckSize(env, path, f->file_size));
    STRATA_RETURN_IF_ERROR(VerifyVlogFile(env, path, number, f->file_size));
    if (progress) progress(BaseName(path), f->file_size);
  }
  for (const uint64_t number : db.logs) {
    const std::string path = LogFileName(dir, number);
    STRATA_RETURN_IF_ERROR(VerifyLogFile(
        env, path, tolerate_torn_tail && number == db.logs.back()));
    uint64_t size = 0;
    (void)env->GetFileSize(path, &size);
    if (progress) progress(BaseName(path), size);
  }
  return Status::OK();
}

Status RemoveStrataDirectory(Env* env, const std::string& dir) {
  std::vector<std::string> names;
  const Status list = env->GetChildren(dir, &names);
  if (list.IsNotFound()) return Status::OK();
  STRATA_RETURN_IF_ERROR(list);
  std::string foreign;
  for (const std::string& name : names) {
    uint64_t number = 0;
    FileType type;
    if (!ParseFileName(name, &number, &type)) {
      foreign = name;
      continue;
    }
    const Status s = env->RemoveFile(JoinPath(dir, name));
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  if (!foreign.empty()) {
    return Status::IOError(dir, "holds " + foreign +
                                    ", which is not strata's; remove it "
                                    "(strata left the directory as it is)");
  }
  const Status s = env->RemoveDir(dir);
  return s.IsNotFound() ? Status::OK() : s;
}

}  // namespace strata::internal
