#include "bench/runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <latch>
#include <limits>
#include <system_error>
#include <thread>
#include <utility>

#include "bench/generators.h"
#include "bench/proc_stats.h"

namespace strata::bench {
namespace {

// The longest a settle waits for an engine's background work.
constexpr double kSettleSeconds = 120;

// A scan's step takes 80 to 200 ns on this machine and a clock read
// (steady_clock, TSC) about 30 ns: read every step, the clock was 15 to 30
// percent of what readseq measured, for every engine alike (neither
// LevelDB's nor RocksDB's db_bench reads it per step unless asked for a
// histogram). Scans time batches of this many steps instead (BatchTimer).
constexpr uint64_t kScanBatch = 64;

}  // namespace

Runner::Runner(const BenchConfig& config, Engine* engine, std::string path,
               std::FILE* out)
    : config_(config),
      engine_(engine),
      path_(std::move(path)),
      engine_config_([&] {
        EngineConfig e = config.engine_config;
        e.path = path_;
        e.threads = config.threads + 1;  // readwhilewriting adds a writer
        return e;
      }()),
      out_(out) {}

// Callers that care about a close error call Close() themselves.
Runner::~Runner() { (void)Close(); }

uint64_t Runner::NowNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

uint64_t Runner::DeadlineNanos() const {
  if (config_.duration <= 0) return std::numeric_limits<uint64_t>::max();
  return NowNanos() + static_cast<uint64_t>(config_.duration * 1e9);
}

uint64_t Runner::SeedFor(const std::string& name, int thread) const {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: stable across builds
  for (char c : name) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return config_.seed * 0x9e3779b97f4a7c15ull + h +
         static_cast<uint64_t>(thread) * 0xbf58476d1ce4e5b9ull;
}

const IndexPermutation& Runner::Permutation() {
  if (!permutation_.has_value()) {
    permutation_.emplace(std::max<uint64_t>(config_.num, 1),
                         SeedFor("permutation", 0));
  }
  return *permutation_;
}

void Runner::Share(uint64_t total, int t, int n, uint64_t* begin,
                   uint64_t* end) {
  const auto ut = static_cast<uint64_t>(t);
  const auto un = static_cast<uint64_t>(n);
  *begin = total * ut / un;
  *end = total * (ut + 1) / un;
}

double Runner::RunWorkers(int n, const WorkerFn& fn,
                          std::vector<WorkerStats>* stats) {
  stats->clear();
  stats->resize(static_cast<size_t>(n));
  std::vector<uint64_t> start(static_cast<size_t>(n));
  std::vector<uint64_t> end(static_cast<size_t>(n));
  std::latch ready(n);
  IoCounters io_before;
  const bool io_known = ReadIoCounters(&io_before);
  const uint64_t faults_before = MajorFaults();
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      const auto i = static_cast<size_t>(t);
      std::unique_ptr<Session> session = engine_->NewSession();
      ready.arrive_and_wait();
      start[i] = NowNanos();
      fn(t, session.get(), &(*stats)[i]);
      end[i] = NowNanos();
    });
  }
  for (std::thread& t : threads) t.join();
  IoCounters io_after;
  if (io_known && ReadIoCounters(&io_after) &&
      io_after.read_bytes >= io_before.read_bytes) {
    timed_read_bytes_ += io_after.read_bytes - io_before.read_bytes;
  }
  timed_major_faults_ += MajorFaults() - faults_before;
  // Wall time from the first worker's start to the last one's end.
  const uint64_t first = *std::min_element(start.begin(), start.end());
  const uint64_t last = *std::max_element(end.begin(), end.end());
  return static_cast<double>(last - first) / 1e9;
}

Status Runner::Collect(const std::vector<WorkerStats>& stats, size_t n,
                       double seconds, Result* result, uint64_t* found_out) {
  Histogram hist;
  Status status;
  uint64_t found = 0;
  for (size_t t = 0; t < n; ++t) {
    const WorkerStats& s = stats[t];
    hist.Merge(s.hist);
    result->ops += s.ops;
    result->bytes += s.bytes;
    found += s.found;
    if (status.ok() && !s.status.ok()) status = s.status;
  }
  result->seconds = seconds;
  result->p50_us = hist.Percentile(50) / 1e3;
  result->p99_us = hist.Percentile(99) / 1e3;
  result->p999_us = hist.Percentile(99.9) / 1e3;
  result->max_us = static_cast<double>(hist.max()) / 1e3;
  result->SetRates();
  if (found_out != nullptr) *found_out = found;
  return status;
}

Status Runner::Close() {
  if (!open_) return Status::OK();
  open_ = false;
  return engine_->Close();
}

Status Runner::Fresh() {
  Status s = Close();
  if (!s.ok()) return s;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) return Status::IOError("removing " + path_, ec.message());
  std::filesystem::create_directories(
      std::filesystem::path(path_).parent_path(), ec);
  data_set_ = DataSet::kUnknown;
  s = engine_->Open(engine_config_);
  open_ = s.ok();
  return s;
}

Status Runner::Settle() {
  Status s = engine_->Flush();
  if (!s.ok() && !s.IsNotSupported()) return s;
  s = Close();
  if (!s.ok()) return s;
  s = engine_->Open(engine_config_);
  open_ = s.ok();
  if (!s.ok()) return s;
  // A reopen may start compactions the load left due (and strata folds its
  // L0 once writes pause); timed workloads begin once they are done.
  return engine_->WaitForBackgroundWork(kSettleSeconds);
}

Status Runner::EnsureLoaded(DataSet want) {
  if (data_set_ == want && open_) return Status::OK();
  std::fprintf(out_, "  (loading %llu %s records, untimed)\n",
               static_cast<unsigned long long>(config_.num),
               want == DataSet::kYcsb        ? "YCSB"
               : want == DataSet::kVersioned ? "versioned"
                                             : "db_bench");
  std::fflush(out_);
  Status s = Fresh();
  if (s.ok()) {
    s = want == DataSet::kYcsb        ? LoadYcsb()
        : want == DataSet::kVersioned ? LoadVersioned()
                                      : LoadDbBench();
  }
  if (s.ok()) s = Settle();
  if (s.ok()) data_set_ = want;
  return s;
}

Status Runner::LoadDbBench() {
  const IndexPermutation& perm = Permutation();
  std::unique_ptr<Session> session = engine_->NewSession();
  ValueGenerator values(SeedFor("load", 0), config_.compression_ratio,
                        config_.value_size);
  std::string key;
  for (uint64_t i = 0; i < config_.num; ++i) {
    FormatKey(config_.sequential_load ? i : perm(i), config_.key_size, &key);
    Status s = session->Put(key, values.Generate(config_.value_size), false);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

uint64_t Runner::VersionTimestamp(uint64_t j) {
  // Nanoseconds: a plausible epoch time, one millisecond per version.
  return 1'000'000'000'000'000ull + j * 1'000'000ull;
}

Status Runner::LoadVersioned() {
  const IndexPermutation& perm = Permutation();
  std::unique_ptr<Session> session = engine_->NewSession();
  ValueGenerator values(SeedFor("vload", 0), config_.compression_ratio,
                        config_.value_size);
  std::string key;
  std::string value;
  char prefix[16];
  for (uint64_t j = 1; j <= config_.versions; ++j) {
    std::snprintf(prefix, sizeof(prefix), "%08llu",
                  static_cast<unsigned long long>(j));
    for (uint64_t i = 0; i < config_.num; ++i) {
      FormatKey(perm(i), config_.key_size, &key);
      const Slice v = values.Generate(config_.value_size);
      value.assign(prefix, 8);
      if (v.size() > 8) value.append(v.data() + 8, v.size() - 8);
      Status s = session->PutAt(key, value, VersionTimestamp(j));
      if (!s.ok()) return s;
    }
  }
  return Status::OK();
}

Status Runner::Versioned(const std::string& name, Result* result) {
  Status s = EnsureLoaded(DataSet::kVersioned);
  if (!s.ok()) return s;
  ResetPeakRss();
  const int n = config_.threads;
  const bool history = name == "vhistory";
  const bool as_of = name == "vgetasof";
  constexpr uint64_t kScanKeys = 10;
  const uint64_t ops = history ? std::max<uint64_t>(config_.ReadOps() / 100, 1)
                               : config_.ReadOps();
  std::vector<WorkerStats> stats;
  std::atomic<uint64_t> wrong{0};
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(ops, t, n, &begin, &end);
        Random64 rnd(SeedFor(name, t));
        std::string key;
        std::string end_key;
        std::string value;
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          const uint64_t k = rnd.Uniform(config_.num);
          FormatKey(k, config_.key_size, &key);
          if (history) {
            FormatKey(std::min(k + kScanKeys, config_.num), config_.key_size,
                      &end_key);
            if (k + kScanKeys >= config_.num) end_key.push_back('\xff');
            uint64_t versions = 0;
            st->status = session->History(key, end_key, &versions, &st->bytes);
            st->found += versions;
          } else {
            // As of a time between version j and j + 1: version j.
            const uint64_t j =
                as_of ? 1 + rnd.Uniform(config_.versions) : config_.versions;
            const uint64_t ts =
                as_of ? VersionTimestamp(j) + 500'000 : UINT64_MAX;
            bool found = false;
            st->status = session->GetAt(key, ts, &value, &found);
            char want[16];
            std::snprintf(want, sizeof(want), "%08llu",
                          static_cast<unsigned long long>(j));
            if (st->status.ok() && (!found || value.compare(0, 8, want) != 0)) {
              wrong.fetch_add(1, std::memory_order_relaxed);
            }
            st->found += found ? 1 : 0;
            st->bytes += key.size() + (found ? value.size() : 0);
          }
          if (!st->status.ok()) break;
          ++st->ops;
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  if (s.ok() && wrong.load() > 0) {
    return Status::Corruption(name, std::to_string(wrong.load()) +
                                        " reads returned the wrong version");
  }
  result->note = history ? std::to_string(found) + " versions in " +
                               std::to_string(result->ops) + " scans of " +
                               std::to_string(kScanKeys) + " keys"
                         : std::to_string(found) + " of " +
                               std::to_string(result->ops) +
                               " found, each the version asked for";
  return s;
}

Status Runner::LoadYcsb() {
  std::unique_ptr<Session> session = engine_->NewSession();
  ValueGenerator values(SeedFor("ycsbload", 0), config_.compression_ratio,
                        config_.value_size);
  std::string key;
  for (uint64_t k = 0; k < config_.num; ++k) {
    FormatYcsbKey(k, config_.key_size, &key);
    Status s = session->Put(key, values.Generate(config_.value_size), false);
    if (!s.ok()) return s;
  }
  ycsb_next_.store(config_.num, std::memory_order_relaxed);
  ycsb_latest_.store(config_.num - 1, std::memory_order_relaxed);
  return Status::OK();
}

void Runner::MeasureAmplification(uint64_t write_bytes_before,
                                  uint64_t user_bytes, uint64_t live_keys,
                                  Result* result) const {
  IoCounters after;
  if (ReadIoCounters(&after) && user_bytes > 0) {
    result->write_amp =
        static_cast<double>(after.write_bytes - write_bytes_before) /
        static_cast<double>(user_bytes);
  }
  if (live_keys > 0) {
    result->space_amp = static_cast<double>(DiskUsage(path_)) /
                        static_cast<double>(live_keys * EntryBytes());
  }
}

Status Runner::Fill(const std::string& name, Result* result) {
  const bool seq = name == "fillseq";
  const bool sync = name == "fillsync";
  const uint64_t total =
      sync ? std::min(config_.SyncOps(), config_.num) : config_.num;
  Status s = Fresh();
  if (!s.ok()) return s;
  const IndexPermutation* perm = seq ? nullptr : &Permutation();
  IoCounters before;
  ReadIoCounters(&before);
  ResetPeakRss();
  const int n = config_.threads;
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(total, t, n, &begin, &end);
        ValueGenerator values(SeedFor(name, t), config_.compression_ratio,
                              config_.value_size);
        std::string key;
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          FormatKey(seq ? i : (*perm)(i), config_.key_size, &key);
          st->status =
              session->Put(key, values.Generate(config_.value_size), sync);
          if (!st->status.ok()) break;
          ++st->ops;
          st->bytes += EntryBytes();
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  s = Collect(stats, stats.size(), seconds, result);
  if (!s.ok()) return s;
  s = Settle();
  if (!s.ok()) return s;
  MeasureAmplification(before.write_bytes, result->bytes, result->ops, result);
  if (!sync && result->ops == config_.num) data_set_ = DataSet::kDbBench;
  return Status::OK();
}

Status Runner::Overwrite(Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  IoCounters before;
  ReadIoCounters(&before);
  ResetPeakRss();
  const int n = config_.threads;
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(config_.WriteOps(), t, n, &begin, &end);
        Random64 rnd(SeedFor("overwrite", t));
        ValueGenerator values(SeedFor("overwrite-values", t),
                              config_.compression_ratio, config_.value_size);
        std::string key;
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          FormatKey(rnd.Uniform(config_.num), config_.key_size, &key);
          st->status =
              session->Put(key, values.Generate(config_.value_size), false);
          if (!st->status.ok()) break;
          ++st->ops;
          st->bytes += EntryBytes();
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  s = Collect(stats, stats.size(), seconds, result);
  if (!s.ok()) return s;
  s = Settle();
  if (!s.ok()) return s;
  MeasureAmplification(before.write_bytes, result->bytes, config_.num, result);
  return Status::OK();
}

void Runner::RandomGets(Session* session, uint64_t count, uint64_t seed,
                        bool missing, WorkerStats* st) const {
  Random64 rnd(seed);
  std::string key;
  std::string value;
  OpTimer timer(DeadlineNanos(), NowNanos());
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t k = rnd.Uniform(config_.num);
    if (missing) {
      FormatMissingKey(k, config_.key_size, &key);
    } else {
      FormatKey(k, config_.key_size, &key);
    }
    bool found = false;
    st->status = session->Get(key, &value, &found);
    if (!st->status.ok()) break;
    ++st->ops;
    st->bytes += key.size() + (found ? value.size() : 0);
    st->found += found ? 1 : 0;
    if (!timer.Lap(&st->hist, NowNanos())) break;
  }
}

double Runner::TimedRandomGets(const char* name, bool missing,
                               std::vector<WorkerStats>* stats) {
  const int n = config_.threads;
  return RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(config_.ReadOps(), t, n, &begin, &end);
        RandomGets(session, end - begin, SeedFor(name, t), missing, st);
      },
      stats);
}

Status Runner::ReadRandom(bool missing, Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  std::vector<WorkerStats> stats;
  const double seconds =
      TimedRandomGets(missing ? "readmissing" : "readrandom", missing, &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  result->note =
      std::to_string(found) + " of " + std::to_string(result->ops) + " found";
  return s;
}

Status Runner::ReadSequential(bool reverse, Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  const int n = config_.threads;
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(config_.ReadOps(), t, n, &begin, &end);
        std::unique_ptr<Cursor> cursor = session->NewCursor();
        if (reverse) {
          cursor->SeekToLast();
        } else {
          cursor->SeekToFirst();
        }
        // The steps are timed from here (the throughput's wall time holds
        // the cursor's making and its first seek too); the counts stay in
        // registers until the end.
        BatchTimer timer(DeadlineNanos(), NowNanos(), kScanBatch);
        uint64_t ops = 0;
        uint64_t bytes = 0;
        for (uint64_t i = begin; i < end && cursor->Valid(); ++i) {
          bytes += cursor->key().size() + cursor->value().size();
          ++ops;
          if (reverse) {
            cursor->Prev();
          } else {
            cursor->Next();
          }
          if (!timer.Step(&st->hist, NowNanos)) break;
        }
        timer.Finish(&st->hist, NowNanos());
        st->ops += ops;
        st->bytes += bytes;
        st->status = cursor->status();
      },
      &stats);
  return Collect(stats, stats.size(), seconds, result);
}

Status Runner::SeekRandom(Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  const int n = config_.threads;
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(config_.ReadOps(), t, n, &begin, &end);
        Random64 rnd(SeedFor("seekrandom", t));
        std::string key;
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          FormatKey(rnd.Uniform(config_.num), config_.key_size, &key);
          std::unique_ptr<Cursor> cursor = session->NewCursor();
          cursor->Seek(key);
          if (cursor->Valid()) ++st->found;
          for (int j = 0; j <= config_.seek_nexts && cursor->Valid(); ++j) {
            st->bytes += cursor->key().size() + cursor->value().size();
            if (j < config_.seek_nexts) cursor->Next();
          }
          st->status = cursor->status();
          if (!st->status.ok()) break;
          ++st->ops;
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  result->note = std::to_string(found) + " of " + std::to_string(result->ops) +
                 " seeks found a key";
  return s;
}

// Reads while the value log's garbage collection runs on its own: the
// garbage is made first with GC held back (one pass of random overwrites,
// untimed, settled), then the DB reopens with GC on and the timed reads
// begin at once. The note says how long GC went on after the reads (if
// it is 0, GC finished during them and the reads partly ran alone).
Status Runner::ReadWhileGc(Result* result) {
  if (config_.engine_config.value_log_threshold == 0 ||
      !engine_->HasOwnValueLogGc()) {
    return Status::NotSupported(
        "readwhilegc",
        "needs a value log with GC of its own (strata with "
        "--value_log_threshold)");
  }
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  const auto reopen = [&](bool gc_held) {
    Status r = Close();
    engine_config_.value_log_gc_held = gc_held;
    if (r.ok()) r = engine_->Open(engine_config_);
    open_ = r.ok();
    return r;
  };
  s = reopen(/*gc_held=*/true);
  if (s.ok()) {
    std::unique_ptr<Session> session = engine_->NewSession();
    Random64 rnd(SeedFor("readwhilegc-overwrite", 0));
    ValueGenerator values(SeedFor("readwhilegc-values", 0),
                          config_.compression_ratio, config_.value_size);
    std::string key;
    for (uint64_t i = 0; i < config_.num && s.ok(); ++i) {
      FormatKey(rnd.Uniform(config_.num), config_.key_size, &key);
      s = session->Put(key, values.Generate(config_.value_size), false);
    }
  }
  if (s.ok()) s = Settle();
  if (s.ok()) s = reopen(/*gc_held=*/false);
  if (!s.ok()) {
    // Whatever state the engine is in (GC held, perhaps), later workloads
    // start from a fresh load.
    engine_config_.value_log_gc_held = false;
    (void)Close();
    data_set_ = DataSet::kUnknown;
    return s;
  }
  ResetPeakRss();
  std::vector<WorkerStats> stats;
  const double seconds = TimedRandomGets("readwhilegc", false, &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  const uint64_t gc_start = NowNanos();
  const Status waited = engine_->WaitForBackgroundWork(kSettleSeconds);
  const double gc_after = static_cast<double>(NowNanos() - gc_start) / 1e9;
  char note[160];
  std::snprintf(note, sizeof(note),
                "%llu of %llu found; GC went on %.1f s after the reads",
                static_cast<unsigned long long>(found),
                static_cast<unsigned long long>(result->ops), gc_after);
  result->note = note;
  if (s.ok()) s = waited;
  return s;
}

Status Runner::ReadWhileWriting(Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  const int readers = config_.threads;
  std::atomic<int> readers_left{readers};
  // relaxed: a flag read in a loop; it orders no other data.
  std::atomic<bool> stop{false};
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      readers + 1,
      [&](int t, Session* session, WorkerStats* st) {
        if (t == readers) {  // the writer
          Random64 rnd(SeedFor("readwhilewriting-writer", 0));
          ValueGenerator values(SeedFor("readwhilewriting-values", 0),
                                config_.compression_ratio, config_.value_size);
          std::string key;
          OpTimer timer(DeadlineNanos(), NowNanos());
          while (!stop.load(std::memory_order_relaxed)) {
            FormatKey(rnd.Uniform(config_.num), config_.key_size, &key);
            st->status =
                session->Put(key, values.Generate(config_.value_size), false);
            if (!st->status.ok()) break;
            ++st->ops;
            st->bytes += EntryBytes();
            timer.Lap(&st->hist, NowNanos());
          }
          return;
        }
        uint64_t begin, end;
        Share(config_.ReadOps(), t, readers, &begin, &end);
        RandomGets(session, end - begin, SeedFor("readwhilewriting", t), false,
                   st);
        if (readers_left.fetch_sub(1, std::memory_order_relaxed) == 1) {
          stop.store(true, std::memory_order_relaxed);
        }
      },
      &stats);
  uint64_t found = 0;
  s = Collect(stats, static_cast<size_t>(readers), seconds, result, &found);
  const WorkerStats& writer = stats[static_cast<size_t>(readers)];
  char note[160];
  std::snprintf(note, sizeof(note),
                "%llu of %llu found; writer %.0f ops/s, p99 %.1f us",
                static_cast<unsigned long long>(found),
                static_cast<unsigned long long>(result->ops),
                seconds > 0 ? static_cast<double>(writer.ops) / seconds : 0.0,
                writer.hist.Percentile(99) / 1e3);
  result->note = note;
  if (s.ok()) s = writer.status;
  return s;
}

Status Runner::DeleteRandom(Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  // The data set is no longer whole, whatever happens next.
  data_set_ = DataSet::kUnknown;
  const int n = config_.threads;
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(config_.WriteOps(), t, n, &begin, &end);
        Random64 rnd(SeedFor("deleterandom", t));
        std::string key;
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          FormatKey(rnd.Uniform(config_.num), config_.key_size, &key);
          st->status = session->Delete(key);
          if (!st->status.ok()) break;
          ++st->ops;
          st->bytes += key.size();
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  return Collect(stats, stats.size(), seconds, result);
}

Status Runner::RangeDelete(Result* result) {
  Status s = EnsureLoaded(DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  data_set_ = DataSet::kUnknown;  // a quarter of the keys goes
  const uint64_t span = std::min<uint64_t>(100000, config_.num / 4);
  if (span == 0) return Status::InvalidArgument("rangedel", "num must be >= 4");
  const uint64_t lo = config_.num / 4;  // deleted: [lo, lo + span)
  const size_t ks = config_.key_size;
  std::unique_ptr<Session> session = engine_->NewSession();
  std::string begin, end, key, value;
  FormatKey(lo, ks, &begin);
  FormatKey(lo + span, ks, &end);
  s = session->DeleteRange(begin, end);
  if (!s.ok()) return s;
  s = engine_->Flush();  // the tombstone in a table, like the data
  if (!s.ok()) return s;

  const uint64_t n = std::min<uint64_t>(config_.ReadOps(), 50000);
  // A key outside the deleted range (the gap after it is empty anyway).
  const auto outside = [&](Random64* rnd) {
    const uint64_t i = rnd->Uniform(config_.num - span - 1);
    return i < lo ? i : i + span;
  };
  // Four timed phases: ns per op of each.
  double nanos[4] = {0, 0, 0, 0};
  std::vector<WorkerStats> stats(1);
  WorkerStats* st = &stats[0];
  // Two rounds of the four phases: the first warms caches and lets the
  // flush's follow-up work settle; the second is the one reported.
  for (int step = 0; step < 8 && st->status.ok(); ++step) {
    const int phase = step % 4;
    if (step == 4) *st = WorkerStats();
    Random64 rnd(SeedFor("rangedel", phase));
    std::unique_ptr<Cursor> cursor = session->NewCursor();
    const uint64_t start = NowNanos();
    OpTimer timer(UINT64_MAX, start);
    for (uint64_t i = 0; i < n; ++i) {
      switch (phase) {
        case 0:  // Seek into the deleted range: lands on its end
          FormatKey(lo + rnd.Uniform(span), ks, &key);
          cursor->Seek(key);
          if (!cursor->Valid() || cursor->key() != Slice(end)) {
            st->status = cursor->status().ok()
                             ? Status::Corruption(
                                   "rangedel: seek into the "
                                   "deleted range missed its end")
                             : cursor->status();
          }
          break;
        case 1:  // Seek into an empty gap: lands on the next key
          FormatMissingKey(outside(&rnd), ks, &key);
          cursor->Seek(key);
          if (!cursor->Valid()) st->status = cursor->status();
          break;
        case 2:    // Get inside the deleted range
        case 3: {  // Get of an absent key
          if (phase == 2) {
            FormatKey(lo + rnd.Uniform(span), ks, &key);
          } else {
            FormatMissingKey(outside(&rnd), ks, &key);
          }
          bool found = false;
          st->status = session->Get(key, &value, &found);
          if (st->status.ok() && found) {
            st->status = Status::Corruption("rangedel: deleted key found");
          }
          break;
        }
      }
      if (!st->status.ok()) break;
      if (phase == 0 || phase == 2) {
        ++st->ops;
        st->bytes += key.size();
        timer.Lap(&st->hist, NowNanos());
      }
    }
    nanos[phase] =
        static_cast<double>(NowNanos() - start) / static_cast<double>(n);
  }
  s = Collect(stats, 1, (nanos[0] + nanos[2]) * static_cast<double>(n) / 1e9,
              result);
  char note[256];
  std::snprintf(
      note, sizeof(note),
      "%llu keys deleted; seek into them %.2f us vs empty gap %.2f us "
      "(ratio %.2f); get inside %.2f us vs absent key %.2f us "
      "(ratio %.2f)",
      static_cast<unsigned long long>(span), nanos[0] / 1e3, nanos[1] / 1e3,
      nanos[1] / nanos[0], nanos[2] / 1e3, nanos[3] / 1e3, nanos[3] / nanos[2]);
  result->note = note;
  return s;
}

Status Runner::Run(const std::string& name, Result* result) {
  *result = Result();
  result->engine = std::string(engine_->name());
  result->workload = name;
  result->repeat = config_.repeat_index;
  timed_read_bytes_ = 0;
  timed_major_faults_ = 0;
  Status s;
  if (name == "fillseq" || name == "fillrandom" || name == "fillsync") {
    s = Fill(name, result);
  } else if (name == "overwrite") {
    s = Overwrite(result);
  } else if (name == "readrandom" || name == "readmissing") {
    s = ReadRandom(name == "readmissing", result);
  } else if (name == "readseq" || name == "readreverse") {
    s = ReadSequential(name == "readreverse", result);
  } else if (name == "seekrandom") {
    s = SeekRandom(result);
  } else if (name == "readwhilewriting") {
    s = ReadWhileWriting(result);
  } else if (name == "readwhilegc") {
    s = ReadWhileGc(result);
  } else if (name == "deleterandom") {
    s = DeleteRandom(result);
  } else if (name == "rangedel") {
    s = RangeDelete(result);
  } else if (name == "vgetlatest" || name == "vgetasof" || name == "vhistory") {
    s = Versioned(name, result);
  } else if (name == "txntransfer" || name == "txnycsba" ||
             name == "txnycsbb" || name == "txnreadonly") {
    s = Transactional(name, result);
  } else if (name.size() == 5 && name.rfind("ycsb", 0) == 0 && name[4] >= 'a' &&
             name[4] <= 'f') {
    s = Ycsb(name[4], result);
  } else {
    s = Status::InvalidArgument("unknown workload", name);
  }
  result->peak_rss = PeakRssBytes();
  result->SetStorage(timed_read_bytes_, timed_major_faults_);
  if (s.IsNotSupported()) {
    // A capability the engine lacks (range deletes, transactions): skipped,
    // not failed.
    result->skipped = true;
    result->note = "not supported: " + s.ToString();
    data_set_ = DataSet::kUnknown;
    return Status::OK();
  }
  if (!s.ok()) {
    result->skipped = true;
    result->note = "error: " + s.ToString();
    // The engine may be in any state now: start over at the next workload.
    data_set_ = DataSet::kUnknown;
  }
  return s;
}

}  // namespace strata::bench
