// The crash test's verifier: what one child reported (CycleLog), what the
// reopened DB holds (Recovered, ReadRecovered), and the check of one against
// the other (Model).
//
// What a recovered state must satisfy after a kill -9 (a process crash
// keeps the page cache, so every acknowledged write must survive, sync or
// not). Let p_w be the batch writer w's marker shows:
//   1. No loss: p_w >= the last batch writer w got OK for, and >= every
//      batch a reader snapshot showed (a visible batch is in the WAL).
//   2. Prefix per writer: batches 0..p_w of writer w applied, later ones
//      not. So for every key, the value must be the last write to it of
//      some writer's applied batches (or, if none wrote it this cycle, the
//      value it had before the cycle); a value from a batch after p_w is a
//      half-applied batch, a value older than the writer's last applied
//      write to that key is a hole (or a half-applied batch p_w).
//   3. One commit order explains it all: the applied batches admit a total
//      order that keeps each writer's order, puts X before Y when X was
//      acknowledged before Y was issued or a reader snapshot saw X without
//      Y, and for every key makes the batch whose value survived the last
//      writer of that key. These are precedence edges; the check is that
//      the graph has no cycle. (The order key "o", written by every batch,
//      names the batch that committed last.) With two writers this is
//      exact. Two batches both still in flight at the kill are never
//      ordered by what the public API shows, so a cross-writer hole
//      between exactly those two is out of reach.
//   4. Exact bytes: every value equals ExpectedValue() of the batch it
//      names; no key outside the KeySpace exists; forward and reverse
//      scans, Gets and Count agree.
//
// Thread-safety: single-threaded.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/db.h"
#include "tests/crash/crash_workload.h"

namespace strata::crash {

// The reports of one child process.
class CycleLog {
 public:
  CycleLog(const KeySpace& keys, uint32_t cycle);

  // Consumes one report line (without its newline). On a malformed or
  // out-of-order line returns false and describes it in `*error`.
  bool AddLine(std::string_view line, std::string* error);

  struct Batch {
    std::vector<Op> ops;  // data and meta ops, in batch order
    bool acked = false;
    // Per writer: its last acknowledged batch when this one was issued.
    std::vector<int64_t> acked_before;
  };

  uint32_t cycle() const { return cycle_; }
  bool ready() const { return ready_; }
  const std::vector<std::string>& failures() const { return failures_; }
  // batches()[w][n] is batch n of writer w.
  const std::vector<std::vector<Batch>>& batches() const { return batches_; }
  // Per writer: the last batch acknowledged (-1: none).
  const std::vector<int64_t>& last_acked() const { return last_acked_; }
  // Per writer: the last batch a reader's snapshot showed (-1: none).
  const std::vector<int64_t>& last_visible() const { return last_visible_; }
  // Every "V" report: per writer, the last batch the snapshot showed.
  const std::vector<std::vector<int64_t>>& snapshots() const {
    return snapshots_;
  }

 private:
  const KeySpace keys_;
  const uint32_t cycle_;
  bool ready_ = false;
  std::vector<std::string> failures_;
  std::vector<std::vector<Batch>> batches_;
  std::vector<int64_t> last_acked_;
  std::vector<int64_t> last_visible_;
  std::vector<std::vector<int64_t>> snapshots_;
};

// What a reopened DB holds.
struct Recovered {
  // values[i]: the value of key i of the KeySpace, or nullopt if absent.
  std::vector<std::optional<std::string>> values;
  // Keys found that are not in the KeySpace.
  std::vector<std::string> unknown_keys;
  // Disagreements between scans, Gets and Count, and read errors.
  std::vector<std::string> read_errors;
};

// Reads every key of `db` by forward scan, checks a reverse scan, a Get of
// every key in the KeySpace and a Count of the data keys against it.
Recovered ReadRecovered(DB* db, const KeySpace& keys);

// The failures found in one cycle, by kind.
struct CheckResult {
  uint64_t lost_acked = 0;        // acknowledged or seen batches missing
  uint64_t wrong_values = 0;      // values no batch wrote, or the wrong kind
  uint64_t half_applied = 0;      // part of a batch visible, part not
  uint64_t holes = 0;             // a batch missing while a later one survived
  uint64_t order_violations = 0;  // no commit order explains the state
  uint64_t garbage_keys = 0;      // keys the workload never writes
  uint64_t read_errors = 0;       // scans, Gets, Count disagree; read failures
  std::vector<std::string> messages;  // the first few, for the report

  // Statistics of a passing cycle.
  uint64_t batches_issued = 0;
  uint64_t batches_acked = 0;
  uint64_t batches_applied = 0;  // acknowledged or not
  uint64_t order_edges = 0;

  bool ok() const {
    return lost_acked + wrong_values + half_applied + holes + order_violations +
               garbage_keys + read_errors ==
           0;
  }
};

// The state the DB must hold between cycles, and the check of a cycle.
class Model {
 public:
  // The model of an empty DB.
  explicit Model(const KeySpace& keys);

  // Checks `found` against the state before the cycle and the cycle's
  // reports. If it passes, `found` becomes the state the next cycle starts
  // from.
  CheckResult CheckCycle(const CycleLog& log, const Recovered& found);

 private:
  const KeySpace keys_;
  std::vector<std::optional<std::string>> base_;
};

}  // namespace strata::crash
