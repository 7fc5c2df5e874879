// Transactional workloads on the Runner (see runner.h), for engines with
// transactions (strata, rocksdb-otxn, rocksdb-ptxn, lmdb):
//   txntransfer  two reads and two writes per transaction over zipfian keys
//                (YCSB's scrambled zipfian, theta 0.99) of the db_bench
//                data set; a transaction that conflicts is retried. Reports
//                commits/s and the abort rate.
//   txnycsba     YCSB A (50% reads, 50% updates), each operation its own
//   txnycsbb     read-write transaction; B: 95% reads, 5% updates.
//   txnreadonly  a read-only transaction per random Get (beside readrandom,
//                the same Gets without a transaction).
// A transaction writes its keys in key order, so that a locking engine
// cannot deadlock.

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "bench/generators.h"
#include "bench/proc_stats.h"
#include "bench/runner.h"

namespace strata::bench {

Status Runner::Transactional(const std::string& name, Result* result) {
  const bool ycsb = name == "txnycsba" || name == "txnycsbb";
  Status s = EnsureLoaded(ycsb ? DataSet::kYcsb : DataSet::kDbBench);
  if (!s.ok()) return s;
  ResetPeakRss();
  const int n = config_.threads;
  const uint64_t total = ycsb ? config_.YcsbOps() : config_.ReadOps();
  const double read_share = name == "txnycsba" ? 0.5 : 0.95;
  const uint64_t records =
      ycsb ? ycsb_next_.load(std::memory_order_relaxed) : config_.num;
  std::atomic<uint64_t> aborts{0};
  std::vector<WorkerStats> stats;
  const double seconds = RunWorkers(
      n,
      [&](int t, Session* session, WorkerStats* st) {
        uint64_t begin, end;
        Share(total, t, n, &begin, &end);
        Random64 rnd(SeedFor(name, t));
        ScrambledZipfianGenerator chooser(0, records - 1);
        ValueGenerator values(SeedFor(name + "-values", t),
                              config_.compression_ratio, config_.value_size);
        std::string a;
        std::string b;
        std::string value;
        const uint64_t deadline = DeadlineNanos();
        OpTimer timer(deadline, NowNanos());
        const auto format = [&](uint64_t k, std::string* out) {
          if (ycsb) {
            FormatYcsbKey(k, config_.key_size, out);
          } else {
            FormatKey(k, config_.key_size, out);
          }
        };
        for (uint64_t i = begin; i < end && st->status.ok(); ++i) {
          bool read_only = name == "txnreadonly";
          bool update = false;
          if (name == "txnreadonly") {
            format(rnd.Uniform(records), &a);
          } else if (ycsb) {
            update = rnd.UniformDouble() >= read_share;
            format(chooser.Next(&rnd), &a);
          } else {
            uint64_t x = chooser.Next(&rnd);
            uint64_t y = chooser.Next(&rnd);
            while (y == x) y = chooser.Next(&rnd);
            if (x > y) std::swap(x, y);
            format(x, &a);
            format(y, &b);
          }
          // Retried until it commits: one op is one committed transaction.
          bool committed = false;
          while (!committed) {
            std::unique_ptr<Txn> txn;
            st->status = session->BeginTxn(read_only, &txn);
            if (!st->status.ok()) break;
            bool found = false;
            if (name == "txntransfer") {
              bool found_b = false;
              st->status = txn->Get(a, &value, &found);
              if (st->status.ok()) st->status = txn->Get(b, &value, &found_b);
              if (st->status.ok()) {
                st->status = txn->Put(a, values.Generate(config_.value_size));
              }
              if (st->status.ok()) {
                st->status = txn->Put(b, values.Generate(config_.value_size));
              }
              found = found && found_b;
            } else if (update) {
              st->status = txn->Put(a, values.Generate(config_.value_size));
              found = true;
            } else {
              st->status = txn->Get(a, &value, &found);
            }
            if (st->status.ok()) st->status = txn->Commit();
            if (st->status.IsBusy()) {
              aborts.fetch_add(1, std::memory_order_relaxed);
              st->status = Status::OK();
              if (NowNanos() >= deadline) break;  // out of time
              continue;
            }
            if (!st->status.ok()) break;
            committed = true;
            st->found += found ? 1 : 0;
            // The entries it read or wrote: two for a transfer.
            st->bytes += (name == "txntransfer" ? 2 : 1) *
                         (a.size() + config_.value_size);
          }
          if (!st->status.ok() || !committed) break;
          ++st->ops;
          if (!timer.Lap(&st->hist, NowNanos())) break;
        }
      },
      &stats);
  uint64_t found = 0;
  s = Collect(stats, stats.size(), seconds, result, &found);
  const uint64_t commits = result->ops;
  const uint64_t aborted = aborts.load();
  char note[160];
  std::snprintf(note, sizeof(note),
                "%llu commits, %llu aborts (%.2f%% of attempts), %d threads",
                static_cast<unsigned long long>(commits),
                static_cast<unsigned long long>(aborted),
                commits + aborted == 0
                    ? 0.0
                    : 100.0 * static_cast<double>(aborted) /
                          static_cast<double>(commits + aborted),
                n);
  result->note = note;
  return s;
}

}  // namespace strata::bench
