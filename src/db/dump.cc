// strata/dump.h: readable dumps of strata's files, and VerifyDBFiles.

#include "strata/dump.h"

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "base/result.h"
#include "db/db_files.h"
#include "db/resolved_options.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "key/versioned_key.h"
#include "table/table.h"
#include "version/version_edit.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_reader.h"
#include "wal/log_reader.h"

namespace strata {

using internal::BaseName;
using internal::FileType;

namespace {

// `s` quoted, bytes outside printable ASCII (and \ and ') escaped as \xNN,
// or all of it in hex; cut at `max` bytes (0: whole) with the length noted.
std::string Show(const Slice& s, const DumpOptions& o, size_t max = 0) {
  const size_t n = max > 0 && s.size() > max ? max : s.size();
  std::string out;
  char buf[8];
  if (o.hex) {
    for (size_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof(buf), "%02x",
                    static_cast<unsigned char>(s.data()[i]));
      out += buf;
    }
  } else {
    out += '\'';
    for (size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(s.data()[i]);
      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
        out += static_cast<char>(c);
      } else {
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
        out += buf;
      }
    }
    out += '\'';
  }
  if (n < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// A user key as the DB stores it: in a versioned DB, key and timestamp.
std::string ShowUserKey(const Slice& user_key, bool versioned,
                        const DumpOptions& o) {
  if (!versioned) return Show(user_key, o);
  return Show(internal::StripTimestamp(user_key), o) +
         " ts=" + std::to_string(internal::ExtractTimestamp(user_key));
}

const char* TypeName(internal::ValueType type) {
  switch (type) {
    case internal::ValueType::kDeletion:
      return "del";
    case internal::ValueType::kValue:
      return "put";
    case internal::ValueType::kValuePointer:
      return "vptr";
    case internal::ValueType::kRangeDeletion:
    case internal::ValueType::kTimedRangeDeletion:
      return "range-del";
  }
  return "?";
}

Status DumpTable(const std::string& path, const Options& options,
                 const DumpOptions& o, std::ostream& out) {
  Env* env = options.env;
  const internal::InternalKeyComparator icmp(options.comparator,
                                             options.enable_versioning);
  const internal::TableOptions table_options =
      internal::MakeTableOptions(options, &icmp, nullptr);
  uint64_t size = 0;
  STRATA_RETURN_IF_ERROR(env->GetFileSize(path, &size));
  std::unique_ptr<RandomAccessFile> file;
  STRATA_RETURN_IF_ERROR(env->NewRandomAccessFile(path, &file));
  std::unique_ptr<internal::Table> table;
  STRATA_RETURN_IF_ERROR(internal::Table::Open(table_options, std::move(file),
                                               size, BaseName(path), &table));
  const internal::TableProperties& p = table->properties();
  out << "table " << BaseName(path) << ": " << size << " bytes, "
      << p.num_entries << " entries (" << p.num_deletions << " deletions, "
      << p.num_range_deletions << " range deletions), " << p.num_data_blocks
      << " data blocks, sequences " << p.smallest_seqno << ".."
      << p.largest_seqno << "\n";
  const bool versioned = options.enable_versioning;
  internal::TableReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<internal::InternalIterator> it = table->NewIterator(ro);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    internal::ParsedInternalKey k;
    if (!internal::ParseInternalKey(it->key(), &k)) {
      return Status::Corruption(BaseName(path),
                                "malformed internal key " + Show(it->key(), o));
    }
    out << ShowUserKey(k.user_key, versioned, o) << " @ " << k.sequence << " : "
        << TypeName(k.type);
    if (k.type == internal::ValueType::kValuePointer) {
      internal::vlog::ValuePointer ptr;
      STRATA_RETURN_IF_ERROR(ptr.DecodeFrom(it->value()));
      out << " => " << BaseName(internal::VlogFileName("", ptr.file_number))
          << " offset " << ptr.offset << ", " << ptr.value_size << " bytes";
    } else if (k.type != internal::ValueType::kDeletion && o.values) {
      out << " => " << Show(it->value(), o, o.max_value_bytes);
    }
    out << "\n";
  }
  STRATA_RETURN_IF_ERROR(it->status());
  if (const internal::RangeTombstoneListPtr& list = table->range_tombstones()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const auto& f = list->fragment(i);
      for (size_t j = f.seq_begin; j < f.seq_end; ++j) {
        out << "range-del [" << Show(f.begin, o) << ", " << Show(f.end, o)
            << ") @ " << list->seq(j) << "\n";
      }
    }
    for (const internal::RangeTombstone& t : list->timed()) {
      out << "range-del [" << Show(t.begin, o) << ", " << Show(t.end, o)
          << ") @ " << t.sequence << " ts=" << t.timestamp << "\n";
    }
  }
  // Every block, checksums included, beyond what the walk read.
  return table->VerifyChecksums();
}

// Prints a write batch's operations, one per line.
class BatchPrinter final : public WriteBatch::Handler {
 public:
  BatchPrinter(const DumpOptions& o, std::ostream& out) : o_(o), out_(out) {}
  void Put(const Slice& key, const Slice& value) override {
    out_ << "  put " << Show(key, o_) << Value(value) << "\n";
  }
  void Delete(const Slice& key) override {
    out_ << "  del " << Show(key, o_) << "\n";
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    out_ << "  delete-range [" << Show(begin, o_) << ", " << Show(end, o_)
         << ")\n";
  }
  void PutAt(const Slice& key, const Slice& value, uint64_t ts) override {
    out_ << "  put " << Show(key, o_) << " ts=" << ts << Value(value) << "\n";
  }
  void DeleteAt(const Slice& key, uint64_t ts) override {
    out_ << "  del " << Show(key, o_) << " ts=" << ts << "\n";
  }
  void DeleteRangeAt(const Slice& begin, const Slice& end,
                     uint64_t ts) override {
    out_ << "  delete-range [" << Show(begin, o_) << ", " << Show(end, o_)
         << ") ts=" << ts << "\n";
  }
  void Purge(const Slice& key) override {
    out_ << "  purge " << Show(key, o_) << "\n";
  }
  void Replace(const Slice& key, const Slice& value) override {
    out_ << "  replace " << Show(key, o_) << Value(value) << "\n";
  }

 private:
  std::string Value(const Slice& v) const {
    return o_.values ? " => " + Show(v, o_, o_.max_value_bytes) : "";
  }
  const DumpOptions& o_;
  std::ostream& out_;
};

Status DumpLog(const std::string& path, const Options& options,
               const DumpOptions& o, std::ostream& out) {
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(options.env->NewSequentialFile(path, &file));
  // A log being written, or the last one a crash left, ends in a torn
  // tail (preallocated zeros, a record cut short): shown, not an error.
  internal::log::Reader reader(file.get(), BaseName(path),
                               WalRecoveryMode::kTolerateTornTail, nullptr,
                               /*cut_short_tail=*/true);
  out << "log " << BaseName(path) << "\n";
  Slice record;
  std::string scratch;
  WriteBatch batch;
  BatchPrinter printer(o, out);
  while (reader.ReadRecord(&record, &scratch)) {
    uint64_t ts = 0;
    const uint64_t offset = reader.LastRecordOffset();
    Status s = internal::DecodeLogRecord(
        options.comparator, options.enable_versioning, record, 0, &batch, &ts);
    if (!s.ok() && !s.IsTryAgain()) {
      return Status::Corruption(
          BaseName(path) + " offset " + std::to_string(offset), s.message());
    }
    out << "offset " << offset << ": sequence "
        << internal::WriteBatchInternal::Sequence(batch) << ", "
        << batch.Count() << " operation(s)";
    if (ts != 0) out << ", commit timestamp " << ts;
    out << "\n";
    STRATA_RETURN_IF_ERROR(batch.Iterate(&printer));
  }
  if (reader.status().ok() && reader.TornTailBytes() > 0) {
    out << "torn tail: " << reader.TornTailBytes()
        << " bytes (preallocated space, or a write a crash cut short)\n";
  }
  return reader.status();
}

Status DumpManifest(const std::string& path, const Options& options,
                    std::ostream& out) {
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(options.env->NewSequentialFile(path, &file));
  internal::log::Reader reader(file.get(), BaseName(path),
                               WalRecoveryMode::kAbsoluteConsistency, nullptr);
  out << "manifest " << BaseName(path) << "\n";
  Slice record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) {
    const uint64_t offset = reader.LastRecordOffset();
    internal::VersionEdit edit;
    const Status s = edit.DecodeFrom(record);
    if (!s.ok()) {
      return Status::Corruption(
          BaseName(path) + " offset " + std::to_string(offset), s.message());
    }
    out << "offset " << offset << ":\n" << edit.DebugString();
  }
  return reader.status();
}

Status DumpVlog(const std::string& path, uint64_t number,
                const Options& options, const DumpOptions& o,
                std::ostream& out) {
  uint64_t size = 0;
  STRATA_RETURN_IF_ERROR(options.env->GetFileSize(path, &size));
  std::unique_ptr<internal::vlog::Reader> reader;
  STRATA_RETURN_IF_ERROR(internal::vlog::Reader::Open(
      options.env, path, number, size, /*mapped=*/false, &reader));
  out << "value log " << BaseName(path) << ": " << size << " bytes\n";
  uint64_t records = 0;
  const Status s = reader->ForEachRecord(
      [&](uint64_t offset, const internal::vlog::Record& r) {
        ++records;
        out << "offset " << offset << ": " << Show(r.key, o) << ", " << r.size
            << " bytes";
        if (r.compression != Compression::kNone) {
          out << " (compressed, " << r.stored_value.size() << " stored)";
        } else if (o.values) {
          out << " => " << Show(r.stored_value, o, o.max_value_bytes);
        }
        out << "\n";
        return Status::OK();
      });
  out << records << " record(s)\n";
  return s;
}

}  // namespace

FileKind FileKindOf(const std::string& path) {
  uint64_t number = 0;
  FileType type;
  if (!internal::ParseFileName(BaseName(internal::NormalizePath(path)), &number,
                               &type)) {
    return FileKind::kUnknown;
  }
  switch (type) {
    case FileType::kTableFile:
      return FileKind::kTable;
    case FileType::kLogFile:
    case FileType::kDamagedLogFile:
      return FileKind::kLog;
    case FileType::kVlogFile:
      return FileKind::kValueLog;
    case FileType::kManifestFile:
      return FileKind::kManifest;
    case FileType::kCurrentFile:
      return FileKind::kCurrent;
    default:
      return FileKind::kOther;
  }
}

Status DumpFile(const std::string& path, const Options& options,
                const DumpOptions& dump_options, std::ostream& out) {
  const Options resolved = internal::ResolveOptions(options);
  // The number of a file strata names (a value log's is in its records).
  uint64_t number = 0;
  FileType type;
  (void)internal::ParseFileName(BaseName(internal::NormalizePath(path)),
                                &number, &type);
  switch (FileKindOf(path)) {
    case FileKind::kTable:
      return DumpTable(path, resolved, dump_options, out);
    case FileKind::kLog:
      return DumpLog(path, resolved, dump_options, out);
    case FileKind::kManifest:
      return DumpManifest(path, resolved, out);
    case FileKind::kValueLog:
      return DumpVlog(path, number, resolved, dump_options, out);
    case FileKind::kCurrent: {
      std::string contents;
      STRATA_RETURN_IF_ERROR(
          internal::ReadFileToString(resolved.env, path, &contents, 4096));
      out << "CURRENT names " << Show(contents, DumpOptions()) << "\n";
      return Status::OK();
    }
    default:
      return Status::InvalidArgument(
          path,
          "is not a table, log, value log, MANIFEST or CURRENT file "
          "(strata tells its files by name, e.g. 000012.sst)");
  }
}

Status VerifyDBFiles(const std::string& path, const Options& options,
                     const VerifyFilesProgress& progress) {
  const Options resolved = internal::ResolveOptions(options);
  if (resolved.env->FileExists(internal::RestoreMarkerFileName(path))) {
    return Status::InvalidArgument(
        path,
        "a restore from a checkpoint is committed but not finished; "
        "open the DB once to finish it, then verify");
  }
  internal::StoredDb db;
  STRATA_RETURN_IF_ERROR(internal::ReadStoredDb(resolved, path, &db));
  uint64_t total = 0;
  const internal::Version& v = *db.version;
  for (int level = 0; level < v.num_levels(); ++level) {
    for (const auto& f : v.files(level)) total += f->file_size;
  }
  for (const auto& [n, f] : v.vlog_files()) total += f->file_size;
  for (const uint64_t n : db.logs) {
    uint64_t size = 0;
    if (resolved.env->GetFileSize(internal::LogFileName(path, n), &size).ok()) {
      total += size;
    }
  }
  uint64_t done = 0;
  // The last log of a DB that crashed may end in a torn record, which an
  // open ignores: not damage.
  return internal::VerifyStoredDb(
      resolved, path, db,
      [&](const std::string& name, uint64_t bytes) {
        done += bytes;
        if (progress) progress(name, bytes, done, total);
      },
      /*tolerate_torn_tail=*/true);
}

}  // namespace strata
