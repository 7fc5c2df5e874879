// strata.DB's methods and the module's functions (destroy, repair,
// restore), over db.h's Db.

#include <pybind11/stl.h>

#include <sstream>
#include <vector>

#include "convert.h"
#include "db.h"
#include "fast.h"
#include "reads.h"
#include "transaction.h"

namespace strata::python {

namespace {

Source DbSource(Db& db) { return Source{&db, nullptr, nullptr}; }

WriteOptions Sync(bool sync) {
  WriteOptions options;
  options.sync = sync;
  return options;
}

// Properties whose value is one unsigned number, by their names after
// "strata." ('-' becomes '_' in stats()).
constexpr const char* kNumericProperties[] = {
    "last-sequence",
    "last-timestamp",
    "estimate-num-keys",
    "total-sst-bytes",
    "total-vlog-bytes",
    "mem-usage",
    "block-cache-usage",
    "open-tables",
    "num-snapshots",
    "num-flushes",
    "stall-micros",
    "num-immutable-mem-table",
    "num-entries-active-mem-table",
    "num-deletes-active-mem-table",
    "num-range-deletions",
};

std::string SnakeCase(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '_';
  }
  return s;
}

py::object ParseNumber(const std::string& text) {
  // Every numeric property is an unsigned decimal; anything else (a
  // future format) stays text rather than failing the whole of stats().
  if (!text.empty() &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    return py::int_(py::reinterpret_steal<py::object>(
        PyLong_FromString(text.c_str(), nullptr, 10)));
  }
  return py::str(text);
}

// "count 10 timed 2 avg 1.5 p50 1.0 p99 3.0 p99.9 3.0 max 4" → a dict of
// numbers.
py::dict ParseSummary(const std::string& text) {
  py::dict d;
  std::istringstream in(text);
  std::string name, value;
  while (in >> name >> value) {
    if (value.find_first_of(".eE") == std::string::npos) {
      d[py::str(name)] = ParseNumber(value);
    } else {
      d[py::str(name)] = py::float_(std::stod(value));
    }
  }
  return d;
}

// strata.counters: "name value" lines; a value is a number or a latency
// summary.
py::dict ParseCounters(const std::string& text) {
  py::dict d;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string name = line.substr(0, sp), value = line.substr(sp + 1);
    if (value.find(' ') == std::string::npos) {
      d[py::str(name)] = ParseNumber(value);
    } else {
      d[py::str(name)] = ParseSummary(value);
    }
  }
  return d;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

py::dict Stats(Db& self) {
  struct Raw {
    std::vector<std::pair<const char*, std::string>> numbers;
    std::vector<std::string> files_at_level;
    std::string counters, pending, lost, vlog;
  } raw;
  self.Run([&](DB& db) {
    std::string v;
    for (const char* name : kNumericProperties) {
      if (db.GetProperty(std::string("strata.") + name, &v)) {
        raw.numbers.emplace_back(name, v);
      }
    }
    for (int level = 0;; ++level) {
      if (!db.GetProperty("strata.num-files-at-level" + std::to_string(level),
                          &v)) {
        break;
      }
      raw.files_at_level.push_back(v);
    }
    (void)db.GetProperty("strata.counters", &raw.counters);
    (void)db.GetProperty("strata.background-work-pending", &raw.pending);
    (void)db.GetProperty("strata.lost-files", &raw.lost);
    (void)db.GetProperty("strata.vlog-files", &raw.vlog);
  });
  py::dict stats;
  for (const auto& [name, value] : raw.numbers) {
    stats[py::str(SnakeCase(name))] = ParseNumber(value);
  }
  py::list levels;
  for (const std::string& v : raw.files_at_level) levels.append(ParseNumber(v));
  stats["files_at_level"] = levels;
  stats["background_work_pending"] = py::bool_(raw.pending == "1");
  stats["lost_files"] = FsDecodeAll(Lines(raw.lost));
  py::list vlog;
  for (const std::string& line : Lines(raw.vlog)) {
    std::istringstream in(line);
    py::dict f;
    std::string v;
    for (const char* field :
         {"number", "file_bytes", "records", "record_bytes", "garbage_bytes"}) {
      if (in >> v) f[field] = ParseNumber(v);
    }
    vlog.append(f);
  }
  stats["vlog_files"] = vlog;
  stats["counters"] = ParseCounters(raw.counters);
  return stats;
}

TransactionOptions ToTransactionOptions(const std::string& mode,
                                        const std::string& isolation,
                                        py::handle max_write_bytes) {
  TransactionOptions o;
  if (mode == "read_write") {
    o.mode = TransactionMode::kReadWrite;
  } else if (mode == "read_only") {
    o.mode = TransactionMode::kReadOnly;
  } else if (mode == "write_only") {
    o.mode = TransactionMode::kWriteOnly;
  } else {
    throw py::value_error(
        "mode must be 'read_write', 'read_only' or 'write_only', not '" + mode +
        "'");
  }
  if (isolation == "snapshot") {
    o.isolation = IsolationLevel::kSnapshot;
  } else if (isolation == "serializable") {
    o.isolation = IsolationLevel::kSerializable;
  } else {
    throw py::value_error(
        "isolation must be 'snapshot' or 'serializable', not '" + isolation +
        "'");
  }
  if (!max_write_bytes.is_none()) {
    o.max_write_bytes =
        static_cast<size_t>(ToUint64(max_write_bytes, "max_write_bytes"));
  }
  return o;
}

void BindResults(py::module_& m) {
  py::class_<CheckpointFile>(m, "CheckpointFile", "One file of a checkpoint.")
      .def_property_readonly(
          "name", [](const CheckpointFile& f) { return FsDecode(f.name); },
          "Its name in the checkpoint's directory.")
      .def_readonly("bytes", &CheckpointFile::bytes, "Its size.")
      .def_readonly("linked", &CheckpointFile::linked,
                    "A hard link to the DB's file (False: a copy).")
      .def("__repr__", [](const CheckpointFile& f) {
        return py::str("CheckpointFile(name={}, bytes={}, linked={})")
            .format(py::repr(FsDecode(f.name)), f.bytes, f.linked);
      });
  py::class_<CheckpointMetadata>(m, "Checkpoint", "What DB.checkpoint() made.")
      .def_property_readonly(
          "directory",
          [](const CheckpointMetadata& c) { return FsDecode(c.directory); },
          "The checkpoint's directory.")
      .def_readonly("sequence", &CheckpointMetadata::sequence,
                    "The last write it holds.")
      .def_readonly("timestamp", &CheckpointMetadata::timestamp,
                    "That write's commit timestamp (0 unversioned).")
      .def_readonly("files", &CheckpointMetadata::files,
                    "Every file, in name order (a list of CheckpointFile).")
      .def_readonly("total_bytes", &CheckpointMetadata::total_bytes,
                    "The files' bytes added up.")
      .def("__repr__", [](const CheckpointMetadata& c) {
        return py::str(
                   "Checkpoint(directory={}, sequence={}, files={}, "
                   "total_bytes={})")
            .format(py::repr(FsDecode(c.directory)), c.sequence, c.files.size(),
                    c.total_bytes);
      });
  py::class_<RepairReport>(m, "RepairReport",
                           "What strata.repair() kept and set aside.")
      .def_readonly("tables_kept", &RepairReport::tables_kept,
                    "Tables that verified (salvaged logs' too).")
      .def_readonly("tables_lost", &RepairReport::tables_lost,
                    "Tables that did not: moved to lost/.")
      .def_readonly("vlog_files_kept", &RepairReport::vlog_files_kept,
                    "Value-log files kept.")
      .def_readonly("vlog_files_lost", &RepairReport::vlog_files_lost,
                    "Value-log files whose header could not be read.")
      .def_readonly("logs_salvaged", &RepairReport::logs_salvaged,
                    "Logs turned into tables.")
      .def_readonly("log_records", &RepairReport::log_records,
                    "Records the logs gave.")
      .def_readonly("log_bytes_dropped", &RepairReport::log_bytes_dropped,
                    "Damaged log bytes left out.")
      .def_readonly("entries", &RepairReport::entries,
                    "Entries in the kept tables.")
      .def_property_readonly(
          "lost_files",
          [](const RepairReport& r) { return FsDecodeAll(r.lost_files); },
          "Names under lost/, as moved.")
      .def_property_readonly(
          "notes", [](const RepairReport& r) { return FsDecodeAll(r.notes); },
          "One line per decision, in order.");
}

void BindFunctions(py::module_& m) {
  m.def(
      "destroy",
      [](py::handle path, py::kwargs kwargs) {
        const std::string p = ToPath(path, "path");
        const Options options = ToOptions(kwargs, "destroy");
        Status s;
        {
          py::gil_scoped_release nogil;
          s = DestroyDB(p, options);
        }
        Check(std::move(s));
      },
      py::arg("path"),
      "Deletes the DB in `path` and its files (nothing if there is none). "
      "strata.IOError if it is open.");
  m.def(
      "repair",
      [](py::handle path, py::kwargs kwargs) {
        const std::string p = ToPath(path, "path");
        const Options options = ToOptions(kwargs, "repair");
        RepairReport report;
        Status s;
        {
          py::gil_scoped_release nogil;
          s = RepairDB(p, options, &report);
        }
        Check(std::move(s));
        return report;
      },
      py::arg("path"),
      "Rebuilds the MANIFEST of the closed DB in `path` from its files and "
      "returns a RepairReport. Options must match the DB's versioning "
      "(enable_versioning=True for a versioned DB).");
  m.def(
      "restore",
      [](py::handle checkpoint, py::handle path, py::kwargs kwargs) {
        const std::string from = ToPath(checkpoint, "checkpoint"),
                          to = ToPath(path, "path");
        const Options options = ToOptions(kwargs, "restore");
        Status s;
        {
          py::gil_scoped_release nogil;
          s = RestoreFromCheckpoint(from, to, options);
        }
        Check(std::move(s));
      },
      py::arg("checkpoint"), py::arg("path"),
      "Replaces the closed DB in `path` (created if missing) with the "
      "checkpoint in directory `checkpoint`, atomically, after verifying "
      "every file of it.");
}

}  // namespace

void BindDb(py::module_& m) {
  BindResults(m);
  BindFunctions(m);
  py::class_<Db, std::shared_ptr<Db>> cls(
      m, "DB",
      "A strata database: a persistent, ordered map from bytes to bytes in "
      "directory `path`. DB(path, **options) opens it (creating it by "
      "default); options take the C++ Options names (create_if_missing, "
      "write_buffer_size, compression='lz4', enable_versioning, "
      "version_retention=seconds or timedelta, ...). Use it as a context "
      "manager, or call close(). Safe to use from many threads.");
  cls.def(py::init([](py::handle path, py::kwargs kwargs) {
            return Db::Open(ToPath(path, "path"), ToOptions(kwargs, "DB"));
          }),
          py::arg("path"));
  BindReads(cls, &DbSource, "DB");
  cls.def(
         "__setitem__",
         [](Db& self, py::handle key, py::handle value) {
           const BytesArg k(key, "key"), v(value, "value");
           const WriteOptions options;
           Check(self.Run(
               [&](DB& db) { return db.Put(options, k.slice(), v.slice()); }));
         },
         py::arg("key"), py::arg("value"), "Same as put(key, value).")
      .def("__delitem__", &DeleteItem, py::arg("key"),
           "Removes `key`; strata.NotFound (a KeyError) when it is absent, "
           "as a dict's del. It reads the key, then deletes it: the two are "
           "not atomic against other writers (another thread may write or "
           "delete the key in between). delete(key) is the blind delete: no "
           "read, so cheaper, and no KeyError.")
      .def(
          "delete_range",
          [](Db& self, py::handle start, py::handle stop, bool sync) {
            const BytesArg b(start, "start"), e(stop, "stop");
            const WriteOptions options = Sync(sync);
            Check(self.Run([&](DB& db) {
              return db.DeleteRange(options, b.slice(), e.slice());
            }));
          },
          py::arg("start"), py::arg("stop"), py::kw_only(),
          py::arg("sync") = false,
          "Removes every key in [start, stop); InvalidArgument unless "
          "start < stop.")
      .def(
          "put_at",
          [](Db& self, py::handle key, py::handle value, py::handle ts,
             bool sync) {
            strata::WriteBatch batch;
            {
              const BytesArg k(key, "key"), v(value, "value");
              batch.PutAt(k.slice(), v.slice(), ToTimestamp(ts, "ts"));
            }
            const WriteOptions options = Sync(sync);
            Check(self.Run([&](DB& db) { return db.Write(options, &batch); }));
          },
          py::arg("key"), py::arg("value"), py::arg("ts"), py::kw_only(),
          py::arg("sync") = false,
          "Versioned DBs: writes a version of `key` at timestamp `ts` (int "
          "nanoseconds since the epoch, or a datetime), back-dated or not.")
      .def(
          "delete_at",
          [](Db& self, py::handle key, py::handle ts, bool sync) {
            strata::WriteBatch batch;
            {
              const BytesArg k(key, "key");
              batch.DeleteAt(k.slice(), ToTimestamp(ts, "ts"));
            }
            const WriteOptions options = Sync(sync);
            Check(self.Run([&](DB& db) { return db.Write(options, &batch); }));
          },
          py::arg("key"), py::arg("ts"), py::kw_only(), py::arg("sync") = false,
          "Versioned DBs: writes a tombstone version of `key` at `ts`.")
      .def(
          "history",
          [](Db& self, py::handle start, py::handle stop, bool include_deleted,
             py::handle since, py::handle until, uint64_t limit, bool reverse) {
            const HistoryArgs h{include_deleted, since, until, limit};
            return MakeIterator(DbSource(self), Yield::kHistory, start, stop,
                                reverse, py::none(), py::none(), &h);
          },
          py::arg("start") = py::none(), py::arg("stop") = py::none(),
          py::kw_only(), py::arg("include_deleted") = false,
          py::arg("since") = py::none(), py::arg("until") = py::none(),
          py::arg("limit") = 0, py::arg("reverse") = false,
          "Versioned DBs: a lazy iterator over every version of the keys in "
          "[start, stop): (key, timestamp, value) tuples, key ascending and "
          "newest version first; value is None for a tombstone (only with "
          "include_deleted=True). since/until keep versions in [since, "
          "until]; limit > 0 yields at most that many.")
      .def(
          "snapshot",
          [](Db& self) { return Snapshot::Take(self.shared_from_this()); },
          "Pins the current state: a Snapshot (a context manager that "
          "releases it).")
      .def(
          "write_batch",
          [](Db& self, bool sync) {
            return std::make_shared<WriteBatch>(self.shared_from_this(), sync);
          },
          py::kw_only(), py::arg("sync") = false,
          "A new, empty WriteBatch writing to this DB (a context manager "
          "that writes it when the block succeeds).")
      .def(
          "transaction",
          [](Db& self, const std::string& mode, const std::string& isolation,
             bool sync, py::handle max_write_bytes) {
            return Transaction::Begin(
                self.shared_from_this(), Sync(sync),
                ToTransactionOptions(mode, isolation, max_write_bytes));
          },
          py::arg("mode") = "read_write", py::arg("isolation") = "snapshot",
          py::kw_only(), py::arg("sync") = false,
          py::arg("max_write_bytes") = py::none(),
          "Begins a Transaction. mode: 'read_write', 'read_only' (writes "
          "are InvalidArgument; it never conflicts) or 'write_only' (reads "
          "are InvalidArgument; nothing is checked). isolation: 'snapshot' "
          "(write-write conflicts) or 'serializable' (reads and scanned "
          "ranges too). sync: the durability of the commit.")
      .def(
          "checkpoint",
          [](Db& self, py::handle dir) {
            const std::string d = ToPath(dir, "dir");
            CheckpointMetadata meta;
            Check(self.Run(
                [&](DB& db) { return db.CreateCheckpoint(d, &meta); }));
            return meta;
          },
          py::arg("dir"),
          "Makes a consistent copy of the DB in new directory `dir` (hard "
          "links where it can) while writers go on; returns a Checkpoint.")
      .def(
          "restore",
          [](Db& self, py::handle checkpoint) {
            const std::string d = ToPath(checkpoint, "checkpoint");
            Check(
                self.Run([&](DB& db) { return db.RestoreFromCheckpoint(d); }));
          },
          py::arg("checkpoint"),
          "Replaces this open DB's state with the checkpoint in directory "
          "`checkpoint`, verified first. Iterators, snapshots and "
          "transactions of the old state raise InvalidArgument afterwards.")
      .def(
          "flush",
          [](Db& self) { Check(self.Run([](DB& db) { return db.Flush(); })); },
          "Writes the memtable to a table on disk and waits.")
      .def(
          "compact_range",
          [](Db& self, py::handle start, py::handle stop) {
            std::optional<std::string> b, e;
            if (!start.is_none()) b = BytesArg(start, "start").str();
            if (!stop.is_none()) e = BytesArg(stop, "stop").str();
            Check(self.Run([&](DB& db) {
              const Slice bs = b ? Slice(*b) : Slice();
              const Slice es = e ? Slice(*e) : Slice();
              return db.CompactRange(b ? &bs : nullptr, e ? &es : nullptr);
            }));
          },
          py::arg("start") = py::none(), py::arg("stop") = py::none(),
          "Compacts the keys in [start, stop] (None: open) through every "
          "level and waits.")
      .def(
          "verify_checksums",
          [](Db& self) {
            Check(self.Run([](DB& db) { return db.VerifyChecksums(); }));
          },
          "Reads every live table and value-log file and checks every "
          "checksum; strata.Corruption names the first damage.")
      .def(
          "flush_wal",
          [](Db& self, bool sync) {
            Check(self.Run([sync](DB& db) { return db.FlushWAL(sync); }));
          },
          py::arg("sync") = true,
          "Hands the log's buffered bytes to the OS and, with sync, makes "
          "every write so far durable.")
      .def("stats", &Stats,
           "The DB's statistics as a dict of numbers: last_sequence, "
           "estimate_num_keys, total_sst_bytes, mem_usage, ... (the "
           "strata.* properties), files_at_level (a list), "
           "background_work_pending, lost_files, vlog_files, and counters "
           "(a dict; latencies as dicts of count, timed, avg, p50, p99, "
           "p99.9, max: avg, percentiles and max of the timed ones, one Get "
           "in 8 and every write).")
      .def(
          "property",
          [](Db& self, const std::string& name) -> py::object {
            std::string value;
            const bool found =
                self.Run([&](DB& db) { return db.GetProperty(name, &value); });
            if (!found) return py::none();
            return FsDecode(value);  // it may quote file names
          },
          py::arg("name"),
          "The text of property `name` (e.g. 'strata.stats'), or None for "
          "an unknown name.")
      .def("close", &Db::Close,
           "Closes the DB: live iterators, snapshots and transactions are "
           "ended first (transactions roll back) and raise InvalidArgument "
           "afterwards. Closing twice is fine.")
      .def_property_readonly(
          "closed", &Db::closed,
          "Whether close() was called: true from the moment it begins "
          "(before it has ended the DB's iterators, snapshots and "
          "transactions), when new calls start raising InvalidArgument.")
      .def_property_readonly(
          "path", [](Db& self) { return FsDecode(self.path()); },
          "The DB's directory, as a str (bytes that do not decode are "
          "surrogate-escaped, as os.fsdecode() does).")
      .def_property_readonly(
          "versioned",
          [](Db& self) { return self.options().enable_versioning; },
          "Whether the DB keeps history (enable_versioning).")
      .def(
          "__enter__", [](py::object self) { return self; },
          "Returns the DB itself.")
      .def(
          "__exit__",
          [](Db& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc"), py::arg("tb"), "Closes the DB.")
      .def("__repr__", [](Db& self) {
        return py::str("<strata.DB {}{}>")
            .format(py::repr(FsDecode(self.path())),
                    self.closed() ? " closed" : "");
      });
  InstallDbFastPaths(cls);
}

}  // namespace strata::python
