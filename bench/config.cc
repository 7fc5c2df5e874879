#include "bench/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "bench/generators.h"

namespace strata::bench {
namespace {

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> parts;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) parts.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

// Integers with an optional K, M or G suffix (powers of 1024).
bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str()) return false;
  std::string_view rest(end);
  if (rest == "K" || rest == "k") {
    v <<= 10;
  } else if (rest == "M" || rest == "m") {
    v <<= 20;
  } else if (rest == "G" || rest == "g") {
    v <<= 30;
  } else if (!rest.empty()) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseDouble(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

}  // namespace

const std::vector<std::string>& DefaultBenchmarks() {
  static const std::vector<std::string> kAll = {
      "fillseq",      "fillsync",
      "fillrandom",   "overwrite",
      "readrandom",   "readmissing",
      "readseq",      "readreverse",
      "seekrandom",   "readwhilewriting",
      "deleterandom", "rangedel",
      "ycsba",        "ycsbb",
      "ycsbc",        "ycsbd",
      "ycsbe",        "ycsbf"};
  return kAll;
}

const std::vector<std::string>& VersionedBenchmarks() {
  static const std::vector<std::string> kAll = {"vgetlatest", "vgetasof",
                                                "vhistory"};
  return kAll;
}

const std::vector<std::string>& ValueLogBenchmarks() {
  static const std::vector<std::string> kAll = {"readwhilegc"};
  return kAll;
}

const std::vector<std::string>& TransactionBenchmarks() {
  static const std::vector<std::string> kAll = {"txntransfer", "txnycsba",
                                                "txnycsbb", "txnreadonly"};
  return kAll;
}

bool IsKnownBenchmark(const std::string& name) {
  const auto& all = DefaultBenchmarks();
  const auto& versioned = VersionedBenchmarks();
  const auto& txn = TransactionBenchmarks();
  const auto& vlog = ValueLogBenchmarks();
  return std::find(all.begin(), all.end(), name) != all.end() ||
         std::find(vlog.begin(), vlog.end(), name) != vlog.end() ||
         std::find(versioned.begin(), versioned.end(), name) !=
             versioned.end() ||
         std::find(txn.begin(), txn.end(), name) != txn.end();
}

uint64_t BenchConfig::ReadOps() const {
  return reads < 0 ? num : static_cast<uint64_t>(reads);
}
uint64_t BenchConfig::WriteOps() const {
  return writes < 0 ? num : static_cast<uint64_t>(writes);
}
uint64_t BenchConfig::SyncOps() const {
  return sync_num < 0 ? std::max<uint64_t>(num / 100, 100)
                      : static_cast<uint64_t>(sync_num);
}
uint64_t BenchConfig::YcsbOps() const {
  return ycsb_ops < 0 ? ReadOps() : static_cast<uint64_t>(ycsb_ops);
}
const std::vector<std::string>& BenchConfig::Benchmarks() const {
  if (!benchmarks.empty()) return benchmarks;
  return versions > 0 ? VersionedBenchmarks() : DefaultBenchmarks();
}
const std::vector<std::string>& BenchConfig::Engines() const {
  return engines.empty() ? EngineNames() : engines;
}

namespace {

// One --name=value flag: parses `value` into the config, or says why not.
struct Flag {
  const char* name;
  std::function<bool(const std::string& value, std::string* error)> set;
};

template <typename T>
Flag IntFlag(const char* name, int64_t min, T* target) {
  return {name, [name, min, target](const std::string& v, std::string* err) {
            int64_t n = 0;
            if (!ParseInt(v, &n) || n < min) {
              *err = std::string("--") + name +
                     " needs an integer >= " + std::to_string(min);
              return false;
            }
            *target = static_cast<T>(n);
            return true;
          }};
}

Flag BoolFlag(const char* name, bool* target) {
  return {name, [name, target](const std::string& v, std::string* err) {
            if (v == "1" || v == "true") {
              *target = true;
            } else if (v == "0" || v == "false") {
              *target = false;
            } else {
              *err = std::string("--") + name + " needs 0 or 1";
              return false;
            }
            return true;
          }};
}

Flag DoubleFlag(const char* name, double min, double max, double* target) {
  return {name,
          [name, min, max, target](const std::string& v, std::string* err) {
            double d = 0;
            if (!ParseDouble(v, &d) || d < min || d > max) {
              *err = std::string("--") + name + " needs a number in [" +
                     FormatDouble(min) + ", " + FormatDouble(max) + "]";
              return false;
            }
            *target = d;
            return true;
          }};
}

Flag StringFlag(const char* name, std::string* target) {
  return {name, [target](const std::string& v, std::string*) {
            *target = v;
            return true;
          }};
}

Flag ListFlag(const char* name, std::vector<std::string>* target) {
  return {name, [target](const std::string& v, std::string*) {
            *target = Split(v);
            return true;
          }};
}

std::vector<Flag> Flags(BenchConfig* c) {
  EngineConfig* e = &c->engine_config;
  return {
      StringFlag("engine", &c->engine),
      ListFlag("engines", &c->engines),
      ListFlag("benchmarks", &c->benchmarks),
      IntFlag("num", 1, &c->num),
      IntFlag("reads", -1, &c->reads),
      IntFlag("writes", -1, &c->writes),
      IntFlag("sync_num", -1, &c->sync_num),
      IntFlag("ycsb_ops", -1, &c->ycsb_ops),
      IntFlag("key_size", 8, &c->key_size),
      IntFlag("value_size", 0, &c->value_size),
      DoubleFlag("compression_ratio", 0.01, 1.0, &c->compression_ratio),
      IntFlag("threads", 1, &c->threads),
      IntFlag("seek_nexts", 0, &c->seek_nexts),
      IntFlag("scan_max_length", 1, &c->scan_max_length),
      IntFlag("seed", 0, &c->seed),
      {"load_order",
       [c](const std::string& v, std::string* err) {
         if (v == "random" || v == "sequential") {
           c->sequential_load = v == "sequential";
           return true;
         }
         *err = "--load_order must be random or sequential";
         return false;
       }},
      DoubleFlag("duration", 0, 1e9, &c->duration),
      IntFlag("versions", 0, &c->versions),
      IntFlag("memory_limit", 16 << 20, &c->memory_limit),
      IntFlag("cache_size", 0, &e->cache_size),
      IntFlag("write_buffer_size", 64 << 10, &e->write_buffer_size),
      IntFlag("block_size", 256, &e->block_size),
      IntFlag("bloom_bits", 0, &e->bloom_bits_per_key),
      IntFlag("max_background_jobs", 1, &e->max_background_jobs),
      IntFlag("lmdb_map_size", 1 << 20, &e->lmdb_map_size),
      IntFlag("value_log_threshold", 0, &e->value_log_threshold),
      IntFlag("value_log_gc_rate", 0, &e->value_log_gc_rate),
      BoolFlag("mmap_reads", &e->mmap_reads),
      BoolFlag("lmdb_nordahead", &e->lmdb_no_readahead),
      IntFlag("strata_idle_fold_ms", -1, &e->strata_idle_fold_ms),
      BoolFlag("strata_mmap_writes", &e->strata_mmap_writes),
      IntFlag("strata_restart_interval", 1, &e->strata_restart_interval),
      IntFlag("strata_compression_unit", 0, &e->strata_compression_unit),
      IntFlag("strata_block_page_size", 0, &e->strata_block_page_size),
      IntFlag("strata_read_compaction", 0, &e->strata_read_compaction),
      IntFlag("strata_target_file_size", 0, &e->strata_target_file_size),
      IntFlag("strata_level_base", 0, &e->strata_level_base),
      {"compression",
       [e](const std::string& v, std::string* err) {
         if (ParseCompression(v, &e->compression)) return true;
         *err = "--compression must be none, snappy, lz4 or zstd";
         return false;
       }},
      StringFlag("db", &c->db),
      IntFlag("repeats", 1, &c->repeats),
      StringFlag("csv", &c->csv),
      StringFlag("svg", &c->svg),
      StringFlag("result_file", &c->result_file),
      IntFlag("repeat_index", 0, &c->repeat_index),
  };
}

// Checks what single flags cannot: names in lists, and key room.
bool Validate(const BenchConfig& c, std::string* error) {
  for (const std::string& b : c.benchmarks) {
    if (!IsKnownBenchmark(b)) {
      *error = "unknown benchmark '" + b + "' (see --help)";
      return false;
    }
  }
  for (const std::string& name : c.Engines()) {
    if (NewEngine(name) == nullptr) {
      *error = "unknown engine '" + name + "'";
      return false;
    }
  }
  if (c.memory_limit > 0 && !c.compare) {
    *error =
        "--memory_limit puts each engine's process in a memory cgroup: use "
        "it with --compare";
    return false;
  }
  if (!c.compare && NewEngine(c.engine) == nullptr) {
    *error =
        "unknown engine '" + c.engine + "' (strata, rocksdb, leveldb or lmdb)";
    return false;
  }
  const auto& versioned = VersionedBenchmarks();
  for (const std::string& b : c.Benchmarks()) {
    const bool is_versioned =
        std::find(versioned.begin(), versioned.end(), b) != versioned.end();
    if (is_versioned != (c.versions > 0)) {
      *error = is_versioned ? "benchmark '" + b + "' needs --versions=N"
                            : "with --versions only the versioned benchmarks "
                              "run, not '" +
                                  b + "'";
      return false;
    }
  }
  if (c.key_size < static_cast<size_t>(DecimalDigits(c.num - 1))) {
    *error = "--key_size is too small to hold " + std::to_string(c.num) +
             " distinct keys in decimal";
    return false;
  }
  return true;
}

}  // namespace

bool ParseFlags(int argc, char** argv, BenchConfig* c, bool* help,
                std::string* error) {
  *help = false;
  const std::vector<Flag> flags = Flags(c);
  bool lmdb_nordahead_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return true;
    }
    if (arg == "--compare") {
      c->compare = true;
      continue;
    }
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      *error = "bad argument '" + arg + "' (flags are --name=value)";
      return false;
    }
    const std::string name = arg.substr(2, eq - 2);
    auto flag = std::find_if(flags.begin(), flags.end(),
                             [&name](const Flag& f) { return name == f.name; });
    if (flag == flags.end()) {
      *error = "unknown flag --" + name + " (see --help)";
      return false;
    }
    if (!flag->set(arg.substr(eq + 1), error)) return false;
    if (name == "lmdb_nordahead") lmdb_nordahead_given = true;
  }
  c->engine_config.threads = c->threads;
  c->engine_config.versioned = c->versions > 0;
  // Data larger than memory: LMDB as its users then run it.
  if (c->memory_limit > 0 && !lmdb_nordahead_given) {
    c->engine_config.lmdb_no_readahead = true;
  }
  return Validate(*c, error);
}

std::vector<std::string> ToFlags(const BenchConfig& c) {
  const EngineConfig& e = c.engine_config;
  std::vector<std::string> flags = {
      "--engine=" + c.engine,
      "--benchmarks=" + Join(c.Benchmarks()),
      "--num=" + std::to_string(c.num),
      "--reads=" + std::to_string(c.reads),
      "--writes=" + std::to_string(c.writes),
      "--sync_num=" + std::to_string(c.sync_num),
      "--ycsb_ops=" + std::to_string(c.ycsb_ops),
      "--key_size=" + std::to_string(c.key_size),
      "--value_size=" + std::to_string(c.value_size),
      "--compression_ratio=" + FormatDouble(c.compression_ratio),
      "--threads=" + std::to_string(c.threads),
      "--seek_nexts=" + std::to_string(c.seek_nexts),
      "--scan_max_length=" + std::to_string(c.scan_max_length),
      "--seed=" + std::to_string(c.seed),
      std::string("--load_order=") +
          (c.sequential_load ? "sequential" : "random"),
      "--duration=" + FormatDouble(c.duration),
      "--versions=" + std::to_string(c.versions),
      "--cache_size=" + std::to_string(e.cache_size),
      "--write_buffer_size=" + std::to_string(e.write_buffer_size),
      "--block_size=" + std::to_string(e.block_size),
      "--bloom_bits=" + std::to_string(e.bloom_bits_per_key),
      "--max_background_jobs=" + std::to_string(e.max_background_jobs),
      "--lmdb_map_size=" + std::to_string(e.lmdb_map_size),
      "--value_log_threshold=" + std::to_string(e.value_log_threshold),
      std::string("--mmap_reads=") + (e.mmap_reads ? "1" : "0"),
      std::string("--lmdb_nordahead=") + (e.lmdb_no_readahead ? "1" : "0"),
      "--strata_idle_fold_ms=" + std::to_string(e.strata_idle_fold_ms),
      std::string("--strata_mmap_writes=") + (e.strata_mmap_writes ? "1" : "0"),
      "--strata_target_file_size=" + std::to_string(e.strata_target_file_size),
      "--strata_level_base=" + std::to_string(e.strata_level_base),
      "--compression=" + std::string(CompressionName(e.compression)),
      "--db=" + c.db,
  };
  if (e.strata_restart_interval > 0) {
    flags.push_back("--strata_restart_interval=" +
                    std::to_string(e.strata_restart_interval));
  }
  if (e.strata_compression_unit >= 0) {
    flags.push_back("--strata_compression_unit=" +
                    std::to_string(e.strata_compression_unit));
  }
  if (e.strata_block_page_size >= 0) {
    flags.push_back("--strata_block_page_size=" +
                    std::to_string(e.strata_block_page_size));
  }
  if (e.strata_read_compaction >= 0) {
    flags.push_back("--strata_read_compaction=" +
                    std::to_string(e.strata_read_compaction));
  }
  if (e.value_log_gc_rate != UINT64_MAX) {
    flags.push_back("--value_log_gc_rate=" +
                    std::to_string(e.value_log_gc_rate));
  }
  return flags;
}

std::vector<std::string> DescribeRun(const BenchConfig& c) {
  const EngineConfig& e = c.engine_config;
  return {
      "benchmarks = " + Join(c.Benchmarks()),
      "num = " + std::to_string(c.num) + " keys",
      "ops: reads = " + std::to_string(c.ReadOps()) +
          ", writes = " + std::to_string(c.WriteOps()) +
          ", fillsync = " + std::to_string(c.SyncOps()) +
          ", ycsb = " + std::to_string(c.YcsbOps()),
      "key_size = " + std::to_string(c.key_size) +
          ", value_size = " + std::to_string(c.value_size) +
          ", compression_ratio = " + FormatDouble(c.compression_ratio),
      "threads = " + std::to_string(c.threads) +
          (c.threads == 1 ? "" : " (per workload, ops split between them)"),
      "seek_nexts = " + std::to_string(c.seek_nexts) +
          ", ycsb scan length = uniform [1, " +
          std::to_string(c.scan_max_length) + "]",
      "ycsb request distribution = scrambled zipfian, theta 0.99 "
      "(D: skewed latest)",
      "seed = " + std::to_string(c.seed),
      std::string("untimed load of the read workloads' data = ") +
          (c.sequential_load ? "in key order" : "in random order"),
      "versions = " + (c.versions > 0 ? std::to_string(c.versions) +
                                            " per key (time travel)"
                                      : std::string("off")),
      "values outside the tree = " +
          (c.engine_config.value_log_threshold > 0
               ? "at or above " +
                     std::to_string(c.engine_config.value_log_threshold) +
                     " bytes (strata value log, rocksdb BlobDB; not "
                     "strata-inline)"
               : std::string("off")),
      "duration limit = " + (c.duration > 0
                                 ? FormatDouble(c.duration) + " s per workload"
                                 : std::string("none")),
      "write_buffer_size = " + std::to_string(e.write_buffer_size) +
          ", cache_size = " + std::to_string(e.cache_size) +
          ", block_size = " + std::to_string(e.block_size),
      "bloom_bits = " + std::to_string(e.bloom_bits_per_key) +
          ", compression = " + std::string(CompressionName(e.compression)) +
          ", max_background_jobs = " + std::to_string(e.max_background_jobs),
      std::string("mmap_reads = ") +
          (e.mmap_reads ? "on (tables read through mappings, as LevelDB "
                          "always does)"
                        : "off (strata and rocksdb read tables with pread; "
                          "leveldb still maps them)"),
      "writes: WAL on, sync off (fillsync: sync on every write)",
      "memory limit = " +
          (c.memory_limit > 0
               ? std::to_string(c.memory_limit) +
                     " bytes per engine process, page cache included (a "
                     "memory cgroup)"
               : std::string("none")),
      "db = " + c.db,
  };
}

const char* Usage() {
  return R"(strata_bench: strata beside RocksDB, LevelDB and LMDB.

usage: strata_bench [--flag=value ...]
       strata_bench --compare [--engines=a,b] [--repeats=3] [--csv=F]
                    [--svg=F] [--flag=value ...]

Workloads (--benchmarks=comma list, default all, in this order):
  fillseq        write num keys in order into a fresh DB
  fillsync       write sync_num keys in random order, fsync every write
  fillrandom     write num keys in random order (each once) into a fresh DB
  overwrite      write `writes` random keys (with repeats) over the loaded DB
  readrandom     `reads` Gets of random existing keys
  readmissing    `reads` Gets of absent keys that sort between existing ones
  readseq        read `reads` entries with a forward cursor
  readreverse    read `reads` entries with a backward cursor
  seekrandom     `reads` x (new cursor, Seek random key, seek_nexts x Next)
  readwhilewriting  `threads` readers doing readrandom plus one writer
                 overwriting random keys until the readers are done
  readwhilegc    one pass of num random overwrites with the value log's GC
                 held back (untimed), then the DB reopened with GC on and
                 `reads` Gets of random keys while GC moves the live values
                 out (strata with --value_log_threshold; only when named)
  deleterandom   `writes` Deletes of random keys (with repeats)
  rangedel       one DeleteRange of min(100000, num/4) loaded keys, flushed;
                 then Seeks into the deleted range vs Seeks into the empty
                 gaps between keys, and Gets inside it vs Gets of absent
                 keys: the note gives both rates and their ratios (engines
                 without range deletes skip it)
  vgetlatest     with --versions=V: num keys get V versions each (at
                 timestamps 1..V, loaded untimed, version by version);
                 `reads` Gets of the latest version of random keys
  vgetasof       `reads` as-of Gets of random keys at a random one of the
                 V timestamps (each must find exactly that version)
  vhistory       `reads`/100 history scans of 10 consecutive keys (every
                 version of each; 10 x V versions per scan)
                 (engines: strata with enable_versioning, rocksdb with an
                 8-byte user-defined timestamp; the others skip them)
  ycsba..ycsbf   YCSB core workloads A-F on num records (loaded first):
                 A 50/50 read/update, B 95/5 read/update, C read only,
                 D 95/5 read latest/insert, E 95/5 scan/insert,
                 F 50/50 read/read-modify-write
  txntransfer    `reads` transactions of two reads and two writes over
                 zipfian keys, retried until they commit; the note gives
                 the abort rate (engines: strata, rocksdb-otxn,
                 rocksdb-ptxn, lmdb; only when named)
  txnycsba       YCSB A / B, each operation its own read-write transaction
  txnycsbb
  txnreadonly    `reads` read-only transactions of one random Get each
Read workloads load the data set (untimed) when the DB does not hold it.
Fills are settled after they run (flush, close, reopen, then wait until
the engine's background work is done) before write and space
amplification are measured.

Flags (defaults in brackets):
  --engine=strata|rocksdb|leveldb|lmdb [strata]
  --num=N [1000000]       --reads=N [num]       --writes=N [num]
  --sync_num=N [num/100]  --ycsb_ops=N [reads]
  --key_size=N [16]       --value_size=N [100]  --compression_ratio=R [0.5]
  --threads=N [1]         --seek_nexts=N [10]   --scan_max_length=N [100]
  --cache_size=B [8M]     --write_buffer_size=B [4M]  --block_size=B [4096]
  --bloom_bits=N [10]     --max_background_jobs=N [2]
  --mmap_reads=0|1 [1]    strata and rocksdb read tables through mappings
                          (leveldb always does)
  --lmdb_nordahead=0|1 [0; 1 with --memory_limit]  open LMDB with
                          MDB_NORDAHEAD (no kernel readahead on its map)
  --strata_idle_fold_ms=N [-1: strata's default]  strata's
                          level0_idle_compaction_ms (0: no idle fold)
  --strata_mmap_writes=0|1 [1]  strata's allow_mmap_writes (the WAL
                          written through a mapping)
  --strata_restart_interval=N [strata's default]  strata's
                          block_restart_interval (keys per restart point)
  --strata_compression_unit=B [strata's default]  strata's
                          compression_unit_size (0: blocks compressed whole)
  --strata_block_page_size=B [strata's default]  strata's block_page_size
                          (0: data blocks not packed into pages)
  --strata_read_compaction=B [strata's default]  strata's
                          read_compaction_bytes (0: no read-triggered
                          compaction)
  --strata_target_file_size=B --strata_level_base=B [0: strata's defaults]
                          strata's target_file_size, max_bytes_for_level_base
  --compression=none|snappy|lz4|zstd [snappy]
  --lmdb_map_size=B [64G] --seed=N [301]
  --load_order=random|sequential [random]  order of the untimed load
                          that read workloads start from
  --duration=S [0: none]  stop each workload after S seconds
  --memory_limit=B [0: none]  with --compare, each engine's process runs in
                 a memory cgroup of B bytes, page cache included (root;
                 cgroup v1 or v2): data larger than B comes from the disk
  --value_log_threshold=B [0: off]  values of B bytes and more outside
                          the tree: strata's value log, rocksdb's BlobDB
                          (strata-inline: strata with the value log off)
  --value_log_gc_rate=B [strata's default]  strata's
                          value_log_gc_bytes_per_second (0: no limit)
  --versions=V [0: off]   time travel: V versions per key; only the v*
                          workloads run (default: all three)
  --db=DIR [/tmp/strata_bench]  each engine uses DIR/<engine>
  --compare               run every engine (--engines=...) in its own
                          process, alternating, --repeats times; print
                          medians and strata/other ratios
  --repeats=N [3]  --csv=FILE  --svg=FILE (ratio bar chart)
Sizes take K, M, G suffixes (powers of 1024).
)";
}

}  // namespace strata::bench
