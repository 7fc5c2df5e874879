// bench/runner.h — runs workloads against one engine in this process.
//
// The Runner owns the engine's open/closed state and knows what the DB
// holds: nothing known, the db_bench data set (keys 0..num-1), or the YCSB
// records. A workload that reads a data set the DB does not hold loads it
// first, untimed, and settles it (flush, close, reopen). Fills start from a
// fresh (deleted) DB and are settled after their timed part, which is when
// write and space amplification are measured.
//
// Thread-safety: a Runner is driven by one thread; it starts worker
// threads of its own inside Run().

#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/config.h"
#include "bench/engine.h"
#include "bench/generators.h"
#include "bench/histogram.h"
#include "bench/result.h"
#include "strata/status.h"

namespace strata::bench {

// What one worker thread measured.
struct WorkerStats {
  Histogram hist;
  uint64_t ops = 0;
  uint64_t bytes = 0;
  uint64_t found = 0;  // reads that found their key
  Status status;       // the first error; the worker stops at it
};

// Times consecutive operations of one worker: each Lap() records the time
// since the previous Lap (or construction) and says whether the workload
// may go on (the deadline has not passed). Lap(hist, now, ops) ends a
// batch of `ops` operations timed together, each recorded at the batch's
// mean (rounded to the nearest nanosecond).
class OpTimer {
 public:
  OpTimer(uint64_t deadline, uint64_t now) : deadline_(deadline), last_(now) {}
  bool Lap(Histogram* hist, uint64_t now) { return Lap(hist, now, 1); }
  bool Lap(Histogram* hist, uint64_t now, uint64_t ops) {
    if (ops > 0) hist->Record((now - last_ + ops / 2) / ops, ops);
    last_ = now;
    return now < deadline_;
  }

 private:
  const uint64_t deadline_;
  uint64_t last_;
};

// Times a scan's steps in batches: Step() counts one and, every `batch`-th,
// reads `clock` and laps; false once the deadline has passed (so a scan
// overruns it by less than a batch). Finish() laps the steps counted since.
class BatchTimer {
 public:
  BatchTimer(uint64_t deadline, uint64_t now, uint64_t batch)
      : timer_(deadline, now), batch_(batch) {}

  template <typename Clock>
  bool Step(Histogram* hist, Clock&& clock) {
    if (++pending_ < batch_) return true;
    pending_ = 0;
    return timer_.Lap(hist, clock(), batch_);
  }

  void Finish(Histogram* hist, uint64_t now) {
    timer_.Lap(hist, now, pending_);
    pending_ = 0;
  }

 private:
  OpTimer timer_;
  const uint64_t batch_;
  uint64_t pending_ = 0;  // steps since the last lap
};

class Runner {
 public:
  // Borrows `engine` (must outlive the Runner) and `out` (progress lines).
  // The DB lives in `path`.
  Runner(const BenchConfig& config, Engine* engine, std::string path,
         std::FILE* out);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs workload `name` and fills *result. A non-OK status means an engine
  // operation failed; *result is then marked skipped with the error.
  Status Run(const std::string& name, Result* result);

  // Closes the engine.
  Status Close();

 private:
  enum class DataSet { kUnknown, kDbBench, kYcsb, kVersioned };

  using WorkerFn =
      std::function<void(int index, Session* session, WorkerStats* stats)>;

  // Calls fn(i, ...) on `n` threads that start together, each with its own
  // Session; returns the seconds from their start to the last one's end.
  double RunWorkers(int n, const WorkerFn& fn, std::vector<WorkerStats>* stats);
  // Merges workers' stats [0, n) into *result and returns the first error;
  // *found (if given) gets the sum of their `found`.
  static Status Collect(const std::vector<WorkerStats>& stats, size_t n,
                        double seconds, Result* result,
                        uint64_t* found = nullptr);
  // The clock time at which a workload that starts now must stop
  // (max() when --duration is 0).
  uint64_t DeadlineNanos() const;
  static uint64_t NowNanos();

  // `count` Gets of uniformly random keys (absent ones when `missing`).
  void RandomGets(Session* session, uint64_t count, uint64_t seed, bool missing,
                  WorkerStats* st) const;
  // `reads` such Gets shared by config_.threads workers, seeded by
  // `name`; returns the seconds they took.
  double TimedRandomGets(const char* name, bool missing,
                         std::vector<WorkerStats>* stats);

  Status Fresh();
  Status Settle();
  Status EnsureLoaded(DataSet want);
  Status LoadDbBench();
  Status LoadYcsb();
  // num keys x --versions versions, version j (1-based) at
  // VersionTimestamp(j), whose value starts with j in 8 decimal digits.
  Status LoadVersioned();
  static uint64_t VersionTimestamp(uint64_t j);

  Status Fill(const std::string& name, Result* result);
  Status Overwrite(Result* result);
  Status ReadRandom(bool missing, Result* result);
  Status ReadSequential(bool reverse, Result* result);
  Status SeekRandom(Result* result);
  Status ReadWhileWriting(Result* result);
  Status ReadWhileGc(Result* result);
  Status DeleteRandom(Result* result);
  Status RangeDelete(Result* result);
  Status Ycsb(char workload, Result* result);
  // vgetlatest, vgetasof, vhistory (config.h VersionedBenchmarks()).
  Status Versioned(const std::string& name, Result* result);
  // txntransfer, txnycsba, txnycsbb, txnreadonly (transactions.cc).
  Status Transactional(const std::string& name, Result* result);

  // Sets write and space amplification of a settled fill that wrote
  // `user_bytes` while the counters moved from `write_bytes_before`, over a
  // data set of `live_keys` keys.
  void MeasureAmplification(uint64_t write_bytes_before, uint64_t user_bytes,
                            uint64_t live_keys, Result* result) const;
  // A seed for thread `thread` of workload `name`: the same for every
  // engine, different between workloads and threads.
  uint64_t SeedFor(const std::string& name, int thread) const;
  // Keys 0..num-1 in a random order fixed by --seed.
  const IndexPermutation& Permutation();
  // [begin, end) of `total` ops for thread `t` of `n`.
  static void Share(uint64_t total, int t, int n, uint64_t* begin,
                    uint64_t* end);
  size_t EntryBytes() const { return config_.key_size + config_.value_size; }

  const BenchConfig& config_;
  Engine* const engine_;
  const std::string path_;
  // config_.engine_config at path_ (readwhilegc holds GC back for a while).
  EngineConfig engine_config_;
  std::FILE* const out_;
  bool open_ = false;
  // What the current workload's RunWorkers calls read from storage and
  // faulted in, summed (Result::SetStorage).
  uint64_t timed_read_bytes_ = 0;
  uint64_t timed_major_faults_ = 0;
  DataSet data_set_ = DataSet::kUnknown;
  std::optional<IndexPermutation> permutation_;
  // YCSB record numbers: records [0, ycsb_next_) were inserted; the highest
  // acknowledged one is ycsb_latest_ (YCSB's transaction insert sequence).
  std::atomic<uint64_t> ycsb_next_{0};
  std::atomic<uint64_t> ycsb_latest_{0};
};

}  // namespace strata::bench
