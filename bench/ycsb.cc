// YCSB core workloads A-F on the Runner (see runner.h), following YCSB's
// CoreWorkload: records are numbered 0..n-1 and keyed by a hash of their
// number (FormatYcsbKey); the request distribution is scrambled zipfian
// (theta 0.99) over the records, skewed-latest for D; inserts take the next
// record number; scans read a uniform [1, scan_max_length] records from a
// zipfian start key.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "bench/generators.h"
#include "bench/proc_stats.h"
#include "bench/runner.h"

namespace strata::bench {
namespace {

struct Mix {
  double read = 0;
  double update = 0;
  double insert = 0;
  double scan = 0;
  double read_modify_write = 0;
  bool latest = false;  // skewed-latest requests instead of zipfian
};

Mix MixFor(char workload) {
  Mix m;
  switch (workload) {
    case 'a':
      m.read = 0.5;
      m.update = 0.5;
      break;
    case 'b':
      m.read = 0.95;
      m.update = 0.05;
      break;
    case 'c':
      m.read = 1.0;
      break;
    case 'd':
      m.read = 0.95;
      m.insert = 0.05;
      m.latest = true;
      break;
    case 'e':
      m.scan = 0.95;
      m.insert = 0.05;
      break;
    default:  // 'f'
      m.read = 0.5;
      m.read_modify_write = 0.5;
      break;
  }
  return m;
}

// One YCSB client thread: draws operations and records as YCSB's
// CoreWorkload does and runs them through its Session.
class YcsbClient {
 public:
  struct Shared {
    const BenchConfig* config;
    Mix mix;
    uint64_t key_space;  // the zipfian chooser covers records [0, this]
    // Record numbers: the next to insert and the highest acknowledged.
    std::atomic<uint64_t>* next;
    std::atomic<uint64_t>* latest;
  };

  YcsbClient(const Shared& shared, uint64_t seed, uint64_t value_seed)
      : s_(shared),
        rnd_(seed),
        values_(value_seed, shared.config->compression_ratio,
                shared.config->value_size),
        chooser_(0, shared.key_space) {
    // Built only for D: it sums zeta over every record.
    if (shared.mix.latest) {
      // relaxed: record numbers only; the data is reached via the DB.
      latest_.emplace(shared.latest->load(std::memory_order_relaxed));
    }
  }

  // Runs one operation; *found tells whether it found its record.
  Status Op(Session* session, WorkerStats* st, bool* found) {
    double r = rnd_.UniformDouble();
    const Mix& m = s_.mix;
    if ((r -= m.read) < 0) return Read(session, st, found);
    if ((r -= m.update) < 0) return Update(session, st, found);
    if ((r -= m.insert) < 0) return Insert(session, st, found);
    if ((r -= m.scan) < 0) return Scan(session, st, found);
    Status s = Read(session, st, found);  // read-modify-write
    return s.ok() ? Write(session, key_, st) : s;
  }

 private:
  // As YCSB: a zipfian draw past the last acknowledged insert is redrawn.
  uint64_t NextRecord() {
    const uint64_t limit = s_.latest->load(std::memory_order_relaxed);
    if (latest_.has_value()) return latest_->Next(&rnd_, limit);
    uint64_t k;
    do {
      k = chooser_.Next(&rnd_);
    } while (k > limit);
    return k;
  }

  Status Read(Session* session, WorkerStats* st, bool* found) {
    FormatYcsbKey(NextRecord(), s_.config->key_size, &key_);
    Status s = session->Get(key_, &value_, found);
    st->bytes += key_.size() + (*found ? value_.size() : 0);
    return s;
  }

  Status Write(Session* session, const std::string& key, WorkerStats* st) {
    st->bytes += key.size() + s_.config->value_size;
    return session->Put(key, values_.Generate(s_.config->value_size), false);
  }

  Status Update(Session* session, WorkerStats* st, bool* found) {
    FormatYcsbKey(NextRecord(), s_.config->key_size, &key_);
    *found = true;
    return Write(session, key_, st);
  }

  Status Insert(Session* session, WorkerStats* st, bool* found) {
    const uint64_t k = s_.next->fetch_add(1, std::memory_order_relaxed);
    FormatYcsbKey(k, s_.config->key_size, &key_);
    *found = true;
    Status s = Write(session, key_, st);
    // Acknowledge: readers may now ask for records up to k.
    uint64_t seen = s_.latest->load(std::memory_order_relaxed);
    while (seen < k && !s_.latest->compare_exchange_weak(
                           seen, k, std::memory_order_relaxed)) {
    }
    return s;
  }

  Status Scan(Session* session, WorkerStats* st, bool* found) {
    FormatYcsbKey(NextRecord(), s_.config->key_size, &key_);
    const uint64_t length =
        1 + rnd_.Uniform(static_cast<uint64_t>(s_.config->scan_max_length));
    std::unique_ptr<Cursor> cursor = session->NewCursor();
    cursor->Seek(key_);
    *found = cursor->Valid();
    for (uint64_t j = 0; j < length && cursor->Valid(); ++j) {
      st->bytes += cursor->key().size() + cursor->value().size();
      cursor->Next();
    }
    return cursor->status();
  }

  const Shared s_;
  Random64 rnd_;
  ValueGenerator values_;
  ScrambledZipfianGenerator chooser_;
  std::optional<SkewedLatestGenerator> latest_;
  std::string key_;
  std::string value_;
};

}  // namespace

Status Runner::Ycsb(char workload, Result* result) {
  Status s = EnsureLoaded(DataSet::kYcsb);
  if (!s.ok()) return s;
  ResetPeakRss();
  const std::string name = std::string("ycsb") + workload;
  const int n = config_.threads;
  const uint64_t total = config_.YcsbOps();
  YcsbClient::Shared shared{&config_, MixFor(workload), 0, &ycsb_next_,
                            &ycsb_latest_};
  // As YCSB: the key chooser covers the records plus twice the expected
  // inserts.
  shared.key_space = ycsb_next_.load(std::memory_order_relaxed) +
                     static_cast<uint64_t>(static_cast<double>(total) *
                                           shared.mix.insert * 2.0);
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(total, t, n, &begin, &end);
        YcsbClient client(shared, SeedFor(name, t),
                          SeedFor(name + "-values", t));
        OpTimer timer(DeadlineNanos(), NowNanos());
        for (uint64_t i = begin; i < end; ++i) {
          bool found = false;
          st->status = client.Op(session, st, &found);
          if (!st->status.ok()) break;
          ++st->ops;
          st->found += found ? 1 : 0;
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  result->note = std::to_string(found) + " of " + std::to_string(result->ops) +
                 " ops found their record";
  return s;
}

}  // namespace strata::bench
