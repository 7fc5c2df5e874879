#include "commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "progress.h"
#include "strata/dump.h"
#include "strata/iterator.h"
#include "strata/write_batch.h"

// Returns a failed status from the enclosing function.
#define TOOL_RETURN_IF_ERROR(expr)      \
  do {                                  \
    const ::strata::Status _s = (expr); \
    if (!_s.ok()) return _s;            \
  } while (0)

namespace strata::tool {

int ExitCodeOf(const Status& s) {
  if (s.ok()) return kExitOk;
  if (s.IsNotFound()) return kExitNotFound;
  if (s.IsCorruption()) return kExitCorruption;
  if (s.IsIOError()) return kExitIOError;
  if (s.IsBusy() || s.IsTryAgain()) return kExitConflict;
  return kExitUsage;  // InvalidArgument, NotSupported
}

namespace {

// What to do about a failed status, for the one-line error.
std::string Advice(const Status& s, const std::string& db) {
  const std::string msg = s.ToString();
  if (s.IsIOError() && msg.find("locked") != std::string::npos) {
    return "close the program that has it open (or use its shell), then "
           "try again";
  }
  if (s.IsCorruption()) {
    return "run `strata verify --db " + db +
           "` to list the damage, or `strata repair --db " + db + "`";
  }
  if (s.IsBusy()) return "another write to the same key committed first; retry";
  if (s.IsInvalidArgument() &&
      msg.find("does not exist") != std::string::npos) {
    return "check the path, or create the DB with `strata put` or "
           "`strata load`";
  }
  return "";
}

int Fail(std::ostream& err, const std::string& command, const Status& s,
         const std::string& db) {
  std::string line = "strata " + command + ": " + s.ToString();
  const std::string advice = Advice(s, db);
  if (!advice.empty()) line += "; " + advice;
  err << line << "\n";
  return ExitCodeOf(s);
}

std::string Json(const Slice& s, TextMode mode) {
  // JSON strings must be UTF-8: binary keys are escaped (or hex) first.
  return nlohmann::json(
             Encode(s, mode == TextMode::kRaw ? TextMode::kEscaped : mode))
      .dump();
}

// The bytes of the regular files in `dir` (0 if it cannot be listed).
uint64_t DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code size_ec;
    if (e.is_regular_file(size_ec)) {
      const uint64_t size = e.file_size(size_ec);
      if (!size_ec) bytes += size;
    }
  }
  return bytes;
}

}  // namespace

Session::Session(bool interactive) : interactive_(interactive) {}

Session::~Session() { CloseDb(); }

Status Session::StartFrom(const Session& other) {
  db_path_ = other.db_path_;
  versioned_ = other.versioned_;
  value_log_ = other.value_log_;
  quiet_ = other.quiet_;
  mode_ = other.mode_;
  return OpenDb(/*create=*/other.create_);
}

void Session::CloseDb() {
  txn_.reset();
  if (db_ != nullptr) (void)db_->Close();
  db_.reset();
}

Status Session::OpenDb(bool create) {
  if (db_ != nullptr) return Status::OK();
  if (db_path_.empty()) {
    return Status::InvalidArgument("no DB given", "pass --db PATH");
  }
  Options options;
  options.create_if_missing = create;
  options.enable_versioning = versioned_;
  options.enable_value_log = value_log_;
  Status s = DB::Open(options, db_path_, &db_);
  // Versioning is fixed when a DB is made; an existing one is opened the
  // way it was made, whatever --versioned says.
  if (s.IsInvalidArgument() &&
      s.ToString().find("enable_versioning") != std::string::npos) {
    options.enable_versioning = !options.enable_versioning;
    s = DB::Open(options, db_path_, &db_);
    if (s.ok()) versioned_ = options.enable_versioning;
  }
  return s;
}

// The parsed arguments of every command (one command runs per parse).
struct Commands {
  Session& session;
  std::ostream& out;
  std::ostream& err;
  std::string command;

  // Shared options.
  std::string key, value, begin, end, from, to, prefix, file, dir, format;
  std::string key_field = "key", value_field = "value";
  uint64_t as_of = 0, at = 0, limit = 0, batch = 1000;
  bool has_as_of = false, has_at = false;
  bool reverse = false, keys_only = false, json = false, sync = false;
  bool header = false, no_values = false, read_only = false, write_only = false,
       serializable = false;

  int Failed(const Status& s) {
    return Fail(err, command, s, session.db_path_);
  }
  Status Arg(const std::string& text, std::string* bytes) {
    return Decode(text, session.mode_, bytes);
  }
  std::string Show(const Slice& s) { return Encode(s, session.mode_); }

  ReadOptions Reads() {
    ReadOptions ro;
    if (has_as_of) ro.as_of = as_of;
    return ro;
  }

  int Get() {
    std::string k, v;
    Status s = Arg(key, &k);
    if (s.ok()) s = session.OpenDb(false);
    if (s.ok()) {
      s = session.txn_ != nullptr ? session.txn_->Get(Reads(), k, &v)
                                  : session.db_->Get(Reads(), k, &v);
    }
    if (s.IsNotFound()) {
      err << "strata get: " << Show(k) << " not found\n";
      return kExitNotFound;
    }
    if (!s.ok()) return Failed(s);
    out << Show(v) << "\n";
    return kExitOk;
  }

  int Put() {
    std::string k, v;
    Status s = Arg(key, &k);
    if (s.ok()) s = Arg(value, &v);
    if (s.ok()) s = session.OpenDb(true);
    if (s.ok()) {
      if (session.txn_ != nullptr) {
        s = has_at ? session.txn_->PutAt(k, v, at) : session.txn_->Put(k, v);
      } else {
        WriteBatch b;
        has_at ? b.PutAt(k, v, at) : b.Put(k, v);
        WriteOptions wo;
        wo.sync = sync;
        s = session.db_->Write(wo, &b);
      }
    }
    return s.ok() ? kExitOk : Failed(s);
  }

  int Del() {
    std::string k;
    Status s = Arg(key, &k);
    if (s.ok()) s = session.OpenDb(true);
    if (s.ok()) {
      if (session.txn_ != nullptr) {
        s = has_at ? session.txn_->DeleteAt(k, at) : session.txn_->Delete(k);
      } else {
        WriteBatch b;
        has_at ? b.DeleteAt(k, at) : b.Delete(k);
        WriteOptions wo;
        wo.sync = sync;
        s = session.db_->Write(wo, &b);
      }
    }
    return s.ok() ? kExitOk : Failed(s);
  }

  int DeleteRange() {
    std::string b, e;
    Status s = Arg(begin, &b);
    if (s.ok()) s = Arg(end, &e);
    if (s.ok() && session.txn_ != nullptr) {
      s = Status::InvalidArgument("delete-range is not part of a transaction",
                                  "commit or roll back first");
    }
    if (s.ok()) s = session.OpenDb(true);
    if (s.ok()) s = session.db_->DeleteRange(WriteOptions(), b, e);
    return s.ok() ? kExitOk : Failed(s);
  }

  // The iterator of scan and count: bounds from --from/--to/--prefix.
  Status Iter(bool keys, std::unique_ptr<Iterator>* it) {
    ReadOptions ro = Reads();
    ro.keys_only = keys;
    std::string bytes;
    if (!prefix.empty()) {
      TOOL_RETURN_IF_ERROR(Arg(prefix, &bytes));
      ro.lower_bound = bytes;
      // The first key after every key with the prefix.
      std::string upper = bytes;
      while (!upper.empty() &&
             static_cast<unsigned char>(upper.back()) == 0xff) {
        upper.pop_back();
      }
      if (!upper.empty()) {
        upper.back() = static_cast<char>(upper.back() + 1);
        ro.upper_bound = upper;
      }
    }
    if (!from.empty()) {
      TOOL_RETURN_IF_ERROR(Arg(from, &bytes));
      ro.lower_bound = bytes;
    }
    if (!to.empty()) {
      TOOL_RETURN_IF_ERROR(Arg(to, &bytes));
      ro.upper_bound = bytes;
    }
    TOOL_RETURN_IF_ERROR(session.OpenDb(false));
    *it = session.txn_ != nullptr ? session.txn_->NewIterator(ro)
                                  : session.db_->NewIterator(ro);
    return (*it)->status();
  }

  int Scan() {
    std::unique_ptr<Iterator> it;
    Status s = Iter(keys_only, &it);
    if (!s.ok()) return Failed(s);
    uint64_t n = 0;
    for (reverse ? it->SeekToLast() : it->SeekToFirst();
         it->Valid() && (limit == 0 || n < limit);
         reverse ? it->Prev() : it->Next()) {
      ++n;
      if (json) {
        out << "{\"key\":" << Json(it->key(), session.mode_);
        if (!keys_only)
          out << ",\"value\":" << Json(it->value(), session.mode_);
        if (session.versioned_) out << ",\"timestamp\":" << it->timestamp();
        out << "}\n";
      } else if (keys_only) {
        out << Show(it->key()) << "\n";
      } else {
        out << Show(it->key()) << "\t" << Show(it->value()) << "\n";
      }
    }
    if (!it->status().ok()) return Failed(it->status());
    return kExitOk;
  }

  int Count() {
    std::unique_ptr<Iterator> it;
    Status s = Iter(true, &it);
    if (!s.ok()) return Failed(s);
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    if (!it->status().ok()) return Failed(it->status());
    out << n << "\n";
    return kExitOk;
  }

  int History() {
    std::string k;
    Status s = Arg(key, &k);
    if (s.ok()) s = session.OpenDb(false);
    if (s.ok() && !session.versioned_) {
      s = Status::InvalidArgument(session.db_path_ + " keeps no history",
                                  "it was created without --versioned");
    }
    if (!s.ok()) return Failed(s);
    ReadOptions ro;
    ro.all_versions = true;
    ro.include_deleted = true;
    ro.lower_bound = k;
    ro.upper_bound = k + std::string(1, '\0');
    std::unique_ptr<Iterator> it = session.db_->NewIterator(ro);
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid() && (limit == 0 || n < limit);
         it->Next()) {
      ++n;
      out << it->timestamp() << "\t"
          << (it->IsDeleted() ? std::string("(deleted)") : Show(it->value()))
          << "\n";
    }
    if (!it->status().ok()) return Failed(it->status());
    if (n == 0) {
      err << "strata history: " << Show(k) << " has no version\n";
      return kExitNotFound;
    }
    return kExitOk;
  }

  int Load() {
    RecordReader::Format f;
    if (format == "csv") {
      f = RecordReader::Format::kCsv;
    } else if (format == "tsv") {
      f = RecordReader::Format::kTsv;
    } else if (format == "jsonl") {
      f = RecordReader::Format::kJsonLines;
    } else if (!format.empty() || !RecordReader::FormatFromName(file, &f)) {
      return Failed(Status::InvalidArgument("cannot tell the format of " + file,
                                            "pass --format csv, tsv or jsonl"));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return Failed(Status::IOError(file, "cannot be opened for reading"));
    }
    // The size, for the progress bar; a pipe has none.
    uint64_t size = 0;
    in.seekg(0, std::ios::end);
    const std::streamoff end = in.fail() ? -1 : std::streamoff(in.tellg());
    in.clear();
    in.seekg(0);
    in.clear();
    if (end > 0) size = static_cast<uint64_t>(end);
    Status s = session.OpenDb(true);
    if (!s.ok()) return Failed(s);
    RecordReader reader(&in, f, key_field, value_field, header);
    Progress progress("loading " + file, size, "B", session.quiet_);
    WriteBatch b;
    WriteOptions wo;
    wo.sync = sync;
    uint64_t records = 0;
    std::string k, v;
    while (reader.Next(&k, &v)) {
      b.Put(k, v);
      ++records;
      if (b.Count() >= batch) {
        s = session.db_->Write(wo, &b);
        if (!s.ok()) break;
        b.Clear();
        progress.Update(reader.bytes_read());
      }
    }
    if (s.ok() && !reader.status().ok()) {
      s = reader.status().WithContext(file);
    }
    if (s.ok() && b.Count() > 0) s = session.db_->Write(wo, &b);
    if (!s.ok()) return Failed(s);
    progress.Finish(reader.bytes_read());
    out << "loaded " << records << " record(s) from " << file << "\n";
    return kExitOk;
  }

  int Dump() {
    Options options;
    options.enable_versioning = session.versioned_;
    DumpOptions d;
    d.hex = session.mode_ == TextMode::kHex;
    d.values = !no_values;
    const Status s = DumpFile(file, options, d, out);
    return s.ok() ? kExitOk : Failed(s);
  }

  int Verify() {
    Status s;
    if (session.db_ != nullptr) {
      s = session.db_->VerifyChecksums();  // the shell's open DB
    } else {
      // A closed DB: read every file without opening it (an open would
      // replay and write).
      Options options;
      options.enable_versioning = session.versioned_;
      Progress progress("verifying " + session.db_path_, 0, "B",
                        session.quiet_);
      uint64_t files = 0, bytes = 0;
      auto check = [&](bool versioned) {
        options.enable_versioning = versioned;
        files = bytes = 0;
        return VerifyDBFiles(
            session.db_path_, options,
            [&](const std::string&, uint64_t, uint64_t done, uint64_t total) {
              ++files;
              bytes = done;
              progress.SetTotal(total);
              progress.Update(done);
            });
      };
      s = check(session.versioned_);
      if (s.IsInvalidArgument() &&
          s.ToString().find("enable_versioning") != std::string::npos) {
        s = check(!session.versioned_);
      }
      if (s.ok()) {
        progress.Finish(bytes);
        out << "ok: " << files << " file(s), " << bytes << " bytes verified\n";
        return kExitOk;
      }
    }
    if (!s.ok()) return Failed(s);
    out << "ok\n";
    return kExitOk;
  }

  int Stats() {
    Status s = session.OpenDb(false);
    if (!s.ok()) return Failed(s);
    DB* db = session.db_.get();
    auto prop = [db](const std::string& name) {
      std::string v;
      return db->GetProperty(name, &v) ? v : std::string();
    };
    if (!json) {
      out << prop("strata.stats") << "\n" << prop("strata.counters");
      return kExitOk;
    }
    nlohmann::json j;
    j["path"] = session.db_path_;
    j["versioned"] = session.versioned_;
    for (const char* name :
         {"strata.last-sequence", "strata.estimate-num-keys",
          "strata.total-sst-bytes", "strata.num-snapshots", "strata.mem-usage",
          "strata.block-cache-usage", "strata.num-immutable-mem-table",
          "strata.stall-micros"}) {
      const std::string v = prop(name);
      j["properties"][name] =
          v.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::stoull(v));
    }
    for (int level = 0;; ++level) {
      std::string v;
      if (!db->GetProperty("strata.num-files-at-level" + std::to_string(level),
                           &v)) {
        break;
      }
      j["levels"].push_back({{"level", level}, {"files", std::stoull(v)}});
    }
    std::istringstream counters(prop("strata.counters"));
    std::string line;
    while (std::getline(counters, line)) {
      const size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      const std::string name = line.substr(0, sp), v = line.substr(sp + 1);
      if (v.find_first_not_of("0123456789") == std::string::npos) {
        j["counters"][name] = std::stoull(v);
      } else {
        j["counters"][name] = v;  // a latency summary
      }
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }

  int Checkpoint() {
    Status s = session.OpenDb(false);
    if (!s.ok()) return Failed(s);
    // The checkpoint is built in DIR.strata-tmp: its bytes against the
    // DB's files are the progress (hard links arrive at once; copies, to
    // another file system, grow).
    const uint64_t total = DirectoryBytes(session.db_path_);
    DB* db = session.db_.get();
    CheckpointMetadata meta;
    auto job = std::async(std::launch::async,
                          [&] { return db->CreateCheckpoint(dir, &meta); });
    Progress progress("checkpoint " + dir, total, "B", session.quiet_);
    while (job.wait_for(std::chrono::milliseconds(100)) !=
           std::future_status::ready) {
      progress.Update(DirectoryBytes(dir + ".strata-tmp"));
    }
    s = job.get();
    if (!s.ok()) return Failed(s);
    progress.Finish(meta.total_bytes);
    uint64_t linked = 0;
    for (const CheckpointFile& f : meta.files) linked += f.linked;
    out << "checkpoint " << meta.directory << ": sequence " << meta.sequence;
    if (meta.timestamp != 0) out << ", timestamp " << meta.timestamp;
    out << ", " << meta.files.size() << " files (" << linked
        << " hard-linked), " << meta.total_bytes << " bytes\n";
    return kExitOk;
  }

  int Restore() {
    if (session.txn_ != nullptr) {
      return Failed(Status::InvalidArgument("a transaction is open",
                                            "commit or roll back first"));
    }
    if (session.db_ != nullptr) {
      // The shell's open DB goes on from the checkpoint.
      const Status s = session.db_->RestoreFromCheckpoint(dir);
      if (!s.ok()) return Failed(s);
      out << "restored " << session.db_path_ << " from " << dir << "\n";
      return kExitOk;
    }
    Options options;
    options.enable_versioning = session.versioned_;
    Status s = RestoreFromCheckpoint(dir, session.db_path_, options);
    if (s.IsInvalidArgument() &&
        s.ToString().find("enable_versioning") != std::string::npos) {
      options.enable_versioning = !options.enable_versioning;
      s = RestoreFromCheckpoint(dir, session.db_path_, options);
    }
    if (!s.ok()) return Failed(s);
    out << "restored " << session.db_path_ << " from " << dir << "\n";
    return kExitOk;
  }

  int Repair() {
    if (session.db_ != nullptr) {
      return Failed(Status::InvalidArgument("the shell has the DB open",
                                            "repair it from the command line"));
    }
    Options options;
    options.enable_versioning = session.versioned_;
    RepairReport report;
    Status s = RepairDB(session.db_path_, options, &report);
    // Refused before anything changed: the DB was made the other way.
    // (Only on a table's own record of it, not on a guess from logs.)
    if (s.IsInvalidArgument() &&
        s.ToString().find("was written by a DB") != std::string::npos) {
      options.enable_versioning = !options.enable_versioning;
      s = RepairDB(session.db_path_, options, &report);
    }
    for (const std::string& note : report.notes) out << note << "\n";
    if (!s.ok()) return Failed(s);
    out << "repaired " << session.db_path_ << ": kept " << report.tables_kept
        << " table(s) (" << report.entries << " entries) and "
        << report.vlog_files_kept << " value-log file(s); salvaged "
        << report.log_records << " log record(s); " << report.lost_files.size()
        << " file(s) moved to lost/\n";
    return kExitOk;
  }

  int Compact() {
    std::string b, e;
    Status s;
    if (!from.empty()) s = Arg(from, &b);
    if (s.ok() && !to.empty()) s = Arg(to, &e);
    if (s.ok()) s = session.OpenDb(false);
    if (!s.ok()) return Failed(s);
    const Slice bs(b), es(e);
    DB* db = session.db_.get();
    auto written = [db] {
      std::string v;
      db->GetProperty("strata.counters", &v);
      const size_t at = v.find("compaction.bytes.written ");
      return at == std::string::npos ? 0ull : std::stoull(v.substr(at + 25));
    };
    const uint64_t before = written();
    auto job = std::async(std::launch::async, [&] {
      return db->CompactRange(from.empty() ? nullptr : &bs,
                              to.empty() ? nullptr : &es);
    });
    Progress progress("compacting", 0, "B", session.quiet_);
    while (job.wait_for(std::chrono::milliseconds(100)) !=
           std::future_status::ready) {
      progress.Update(written() - before);
    }
    s = job.get();
    if (!s.ok()) return Failed(s);
    progress.Finish(written() - before);
    out << "compacted: " << (written() - before) << " bytes written\n";
    return kExitOk;
  }

  int Begin() {
    if (session.txn_ != nullptr) {
      return Failed(Status::InvalidArgument("a transaction is open already",
                                            "commit or roll back first"));
    }
    Status s = session.OpenDb(true);
    if (!s.ok()) return Failed(s);
    TransactionOptions t;
    if (read_only) t.mode = TransactionMode::kReadOnly;
    if (write_only) t.mode = TransactionMode::kWriteOnly;
    if (serializable) t.isolation = IsolationLevel::kSerializable;
    session.txn_ = session.db_->BeginTransaction(WriteOptions(), t);
    return kExitOk;
  }

  int Commit() {
    if (session.txn_ == nullptr) {
      return Failed(Status::InvalidArgument("no transaction is open",
                                            "start one with begin"));
    }
    const Status s = session.txn_->Commit();
    session.txn_.reset();  // finished either way
    if (!s.ok()) return Failed(s);
    out << "committed\n";
    return kExitOk;
  }

  int Rollback() {
    if (session.txn_ == nullptr) {
      return Failed(Status::InvalidArgument("no transaction is open"));
    }
    const Status s = session.txn_->Rollback();
    session.txn_.reset();
    if (!s.ok()) return Failed(s);
    out << "rolled back\n";
    return kExitOk;
  }
};

int Session::Run(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  Commands c{*this, out, err, ""};
  last_command_.clear();
  CLI::App app{
      "strata: look into and change a strata database.\n"
      "Keys and values print with \\t \\n \\\\ \\xNN escapes (the same "
      "escapes are read back in arguments); --hex for hex.\n"
      "Exit codes: 0 ok, 1 not found, 2 usage, 3 corruption, 4 I/O error or "
      "locked, 5 transaction conflict.",
      "strata"};
  app.require_subcommand(interactive_ ? 0 : 1, 1);
  app.fallthrough();
  std::string db = db_path_;
  bool hex = false, raw = false;
  if (!interactive_) {
    app.add_option("--db", db, "the database directory")->envname("STRATA_DB");
    app.add_flag("--versioned", versioned_,
                 "a DB made by this command keeps history (time travel)");
    app.add_flag("--value-log", value_log_,
                 "a DB made by this command keeps large values in a value log");
    app.add_flag("-q,--quiet", quiet_, "no progress on stderr");
    app.add_flag("--create", create_,
                 "let `shell` create the DB if it does not exist (writing "
                 "commands always do)");
  }
  app.add_flag("--hex", hex, "keys and values in hex");
  app.add_flag("--raw", raw, "keys and values as they are, unescaped");

  auto add = [&app](const std::string& name, const std::string& help) {
    return app.add_subcommand(name, help);
  };
  auto as_of = [&c](CLI::App* sub) {
    sub->add_option("--as-of", c.as_of,
                    "read as of this timestamp (ns since the epoch; "
                    "versioned DBs)")
        ->each([&c](const std::string&) { c.has_as_of = true; });
  };
  auto at = [&c](CLI::App* sub) {
    sub->add_option("--at", c.at,
                    "write at this timestamp instead of now (versioned DBs)")
        ->each([&c](const std::string&) { c.has_at = true; });
  };
  auto bounds = [&c](CLI::App* sub) {
    sub->add_option("--from", c.from, "first key (inclusive)");
    sub->add_option("--to", c.to, "last key (exclusive)");
    sub->add_option("--prefix", c.prefix, "only keys with this prefix");
  };

  CLI::App* get = add("get", "print the value of KEY (exit 1 if absent)");
  get->add_option("key", c.key, "the key")->required();
  as_of(get);
  CLI::App* put = add("put", "set KEY to VALUE");
  put->add_option("key", c.key, "the key")->required();
  put->add_option("value", c.value, "the value")->required();
  put->add_flag("--sync", c.sync, "fsync before returning");
  at(put);
  CLI::App* del = add("del", "delete KEY");
  del->add_option("key", c.key, "the key")->required();
  del->add_flag("--sync", c.sync, "fsync before returning");
  at(del);
  CLI::App* dr = add("delete-range", "delete every key in [BEGIN, END)");
  dr->add_option("begin", c.begin, "first key deleted")->required();
  dr->add_option("end", c.end, "first key kept")->required();
  CLI::App* scan = add("scan", "print keys and values in order");
  bounds(scan);
  scan->add_flag("-r,--reverse", c.reverse, "last key first");
  scan->add_option("-n,--limit", c.limit, "at most this many");
  scan->add_flag("-k,--keys-only", c.keys_only, "keys only");
  scan->add_flag("--json", c.json, "JSON lines");
  as_of(scan);
  CLI::App* count = add("count", "count keys");
  bounds(count);
  as_of(count);
  CLI::App* history = add("history",
                          "every version of KEY, newest first "
                          "(versioned DBs): timestamp, value");
  history->add_option("key", c.key, "the key")->required();
  history->add_option("-n,--limit", c.limit, "at most this many");
  CLI::App* load = add("load",
                       "put every record of FILE (CSV, TSV or JSON "
                       "lines), in batches");
  load->add_option("file", c.file, "the file")->required();
  load->add_option("--format", c.format,
                   "csv, tsv or jsonl (default: by "
                   "the file's extension)")
      ->check(CLI::IsMember({"csv", "tsv", "jsonl"}));
  load->add_option("--key-field", c.key_field, "JSON field of the key")
      ->capture_default_str();
  load->add_option("--value-field", c.value_field,
                   "JSON field of the value (\"\" for the whole line)")
      ->capture_default_str();
  load->add_flag("--header", c.header, "skip the first record");
  load->add_option("--batch", c.batch, "records per write batch")
      ->capture_default_str();
  load->add_flag("--sync", c.sync, "fsync each batch");
  CLI::App* dump = add("dump",
                       "print any strata file (table, log, value "
                       "log, MANIFEST, CURRENT) readably");
  dump->add_option("file", c.file, "the file")->required();
  dump->add_flag("--no-values", c.no_values, "keys only");
  CLI::App* verify = add("verify",
                         "check every checksum of every file the "
                         "DB needs");
  CLI::App* stats = add("stats",
                        "the per-level table, counters and latency "
                        "histograms");
  stats->add_flag("--json", c.json, "as JSON");
  CLI::App* checkpoint = add("checkpoint",
                             "a consistent copy of the DB in "
                             "DIR (hard links where it can)");
  checkpoint->add_option("dir", c.dir, "a new directory")->required();
  CLI::App* restore = add("restore",
                          "replace the DB with the checkpoint in "
                          "DIR (verified first)");
  restore->add_option("dir", c.dir, "the checkpoint")->required();
  CLI::App* repair = add("repair",
                         "rebuild the DB's MANIFEST from the files "
                         "that verify; the rest goes to lost/");
  CLI::App* compact = add("compact", "compact a key range (all by default)");
  compact->add_option("--from", c.from, "first key");
  compact->add_option("--to", c.to, "last key");
  CLI::App *begin = nullptr, *commit = nullptr, *rollback = nullptr,
           *quit = nullptr, *help = nullptr;
  if (interactive_) {
    begin = add("begin", "start a transaction; later commands run in it");
    begin->add_flag("--read-only", c.read_only, "reads only");
    begin->add_flag("--write-only", c.write_only, "writes only");
    begin->add_flag("--serializable", c.serializable,
                    "serializable isolation (default: snapshot)");
    commit = add("commit", "commit the transaction (exit 5 on a conflict)");
    rollback = add("rollback", "drop the transaction's writes");
    quit = add("quit", "leave the shell")->alias("exit");
    help = add("help", "list the commands");
  } else {
    // Parsed like any other; main() runs it (Session::last_command).
    add("shell",
        "an interactive prompt running these commands, "
        "with transactions (begin/commit/rollback)");
  }

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    std::ostringstream help_out, error_out;
    const int code = app.exit(e, help_out, error_out);
    out << help_out.str();
    if (code != 0) {
      std::string msg = error_out.str();
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      // CLI11 adds "Run with --help ..." on a second line: one line only.
      const size_t nl = msg.find('\n');
      if (nl != std::string::npos) msg.resize(nl);
      err << "strata: " << msg << "; see `strata "
          << (args.empty() ? std::string() : args[0] + " ") << "--help`\n";
      return kExitUsage;
    }
    return kExitOk;
  }
  if (hex && raw) {
    err << "strata: --hex and --raw exclude each other\n";
    return kExitUsage;
  }
  mode_ = hex ? TextMode::kHex : (raw ? TextMode::kRaw : TextMode::kEscaped);
  if (!interactive_) db_path_ = db;
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  if (chosen.empty()) return kExitOk;  // an empty line at the prompt
  CLI::App* sub = chosen.front();
  c.command = sub->get_name();
  last_command_ = c.command;
  try {
    if (sub == get) return c.Get();
    if (sub == put) return c.Put();
    if (sub == del) return c.Del();
    if (sub == dr) return c.DeleteRange();
    if (sub == scan) return c.Scan();
    if (sub == count) return c.Count();
    if (sub == history) return c.History();
    if (sub == load) return c.Load();
    if (sub == dump) return c.Dump();
    if (sub == verify) return c.Verify();
    if (sub == stats) return c.Stats();
    if (sub == checkpoint) return c.Checkpoint();
    if (sub == restore) return c.Restore();
    if (sub == repair) return c.Repair();
    if (sub == compact) return c.Compact();
    if (sub == begin) return c.Begin();
    if (sub == commit) return c.Commit();
    if (sub == rollback) return c.Rollback();
    if (sub == quit) {
      quit_ = true;
      return kExitOk;
    }
    if (sub == help) {
      // The tool's own help (app.help() would describe `help` itself, the
      // subcommand just parsed).
      out << app.get_formatter()->make_help(&app, "",
                                            CLI::AppFormatMode::Normal);
      return kExitOk;
    }
  } catch (const std::invalid_argument& e) {
    err << "strata " << c.command << ": bad number: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::out_of_range& e) {
    err << "strata " << c.command << ": number out of range: " << e.what()
        << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    // Out of memory and the like: the tool's failure, not the data's.
    err << "strata " << c.command << ": internal error: " << e.what() << "\n";
    return kExitIOError;
  }
  // `shell` is run by main().
  return kExitOk;
}

}  // namespace strata::tool
