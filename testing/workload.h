// testing/workload.h — the scripted workload of the power-loss and I/O-error
// tests, a runner that applies it to a DB while tracking what was
// acknowledged and what is known durable, and the check a DB recovered after
// a crash must pass.
//
// Definitions (issue 7):
//  - An acknowledged write is one whose call returned OK.
//  - A durable write is an acknowledged one written with sync=true, or
//    followed by a successful Flush(), CompactRange() or Close(), or
//    recovered by a successful Open() (recovery writes what it replays to
//    synced tables).
//  - After a power loss the reopened DB must equal the model after some
//    prefix of the attempted writes, in order and without holes, holding
//    every durable one. After a process crash (or a failed Close()) the
//    prefix holds every acknowledged one. Beyond the acknowledged writes it
//    may hold only the first failed one (it may have reached the log).
//
// Multi-key batches write keys carrying the batch id ("B<id>/<j>") that are
// never written again, so each such group must be whole or absent.
//
// Thread-safety: none; a runner and its log belong to one thread.

#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/status.h"
#include "testing/cut_env.h"
#include "testing/fault_env.h"
#include "testing/model_db.h"

namespace strata::testing {

// One step of a script.
struct ScriptStep {
  enum class Kind {
    kWrite,         // a put, a delete or a batch, through DB::Write
    kFlush,         // DB::Flush()
    kCompactRange,  // DB::CompactRange(nullptr, nullptr)
    kReopen,        // DB::Close(), then DB::Open() with the same options
    kCheckReads,    // Gets and a full scan, compared with the model
  };
  Kind kind = Kind::kWrite;
  ModelBatch batch;  // kWrite only
  bool sync = false;
  uint64_t batch_id = 0;    // nonzero: the batch writes "B<id>/<j>" keys,
  uint64_t batch_keys = 0;  // this many of them
};

// The size of a script: writes in each of its four phases.
struct ScriptShape {
  int writes_before_flush = 70;
  int writes_before_compaction = 30;
  int writes_before_reopen = 40;
  int writes_after_reopen = 60;
  uint64_t sync_one_in = 5;  // a write is a sync write with chance 1/this
  size_t max_value_size = 3000;
};

// A deterministic script for `seed`: phase-1 writes (memtable switches,
// automatic flushes and compactions with ScriptOptions()), a read check,
// Flush(), phase-2 writes, CompactRange(), a read check, phase-3 writes with
// a Flush() halfway, a reopen, phase-4 writes, a read check. Writes are puts
// and deletes on 80 small keys and batches of 2..4 keys of their own (sometimes
// with a small-key put or delete), with values of 1..max_value_size bytes.
std::vector<ScriptStep> MakeScript(uint64_t seed,
                                   const ScriptShape& shape = ScriptShape());

// Options the script is made for, over `env`: 64 KiB memtables (the least
// allowed), compaction of L0 at 2 files, MANIFEST roll past 1 KiB, 16 KiB
// uncompressed blocks (few calls per table); the rest default.
Options ScriptOptions(Env* env);

// "write #12 (sync batch of 3)", "flush", ...
std::string DescribeStep(const ScriptStep& step);

// What to do after a failed step.
enum class OnError {
  // End the run at the first failed call (a power cut: every later call
  // would fail too).
  kStop,
  // Go on: every later write, Flush() and CompactRange() must fail until the
  // reopen step; a failed Open() (or a failed read of what it recovered) ends
  // the run.
  kContinue,
};

// What a run did, in the terms of the model.
struct RunLog {
  // The state known durable when `history` began: empty, or what the last
  // successful Open() of the run recovered.
  ModelState base;
  // Writes attempted since, in order: the acknowledged ones, then at most
  // the first failed one (later failed writes cannot have reached the log).
  std::vector<const ScriptStep*> history;
  size_t acked = 0;    // history[0, acked) were acknowledged
  size_t durable = 0;  // history[0, durable) are known durable
  // Every batch attempted in the run: id → number of keys.
  std::map<uint64_t, uint64_t> batch_keys;

  // Every failed call, with the runner's clock when it returned.
  struct Error {
    uint64_t clock = 0;
    std::string where;
    Status status;
  };
  std::vector<Error> errors;
  // The clock when each successful Open() (the first one included) returned.
  std::vector<uint64_t> opened_at;
  // Each Close(): the clock when it was called and when it returned.
  struct CloseCall {
    uint64_t begun = 0;
    uint64_t returned = 0;
    Status status;
  };
  std::vector<CloseCall> closes;

  size_t steps_done = 0;     // steps that returned OK
  size_t writes_acked = 0;   // over the whole run
  int api_errors = 0;        // failed calls (NotFound from Get excluded)
  int write_errors = 0;      // failed writes, Flush() and CompactRange()
  int read_errors = 0;       // failed Gets and scans
  int reopens = 0;           // successful reopen steps
  bool open_failed = false;  // the first Open() failed
  Status first_error;
  std::string stopped_at = "the end of the script";
  // Promises the DB broke during the run: a write accepted after an error,
  // a read returning wrong data, a write lost at the reopen step.
  std::vector<std::string> violations;
};

// Applies a script to a DB.
class ScriptRunner {
 public:
  // The DB lives in `dbname` on options.env. `clock` (optional) stamps
  // errors, opens and closes in the log, e.g. with CutEnv::calls().
  ScriptRunner(const Options& options, std::string dbname,
               std::function<uint64_t()> clock = {});
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Opens (creating) the DB and runs `script`, calling `after_step` (if set)
  // after each step that succeeded. Leaves the DB open unless an open failed.
  // `script` must outlive the runner's log.
  using StepHook = std::function<void(size_t step, DB* db)>;
  void Run(const std::vector<ScriptStep>& script, OnError on_error,
           const StepHook& after_step = {});

  // Closes the DB (if open) and records the result like a step's: OK makes
  // every acknowledged write durable. Returns the status.
  Status Close();

  std::unique_ptr<DB>* db() { return &db_; }
  const RunLog& log() const { return log_; }

 private:
  Status OpenDB();
  Status CloseDB();
  // Runs one step; false ends the run.
  bool RunStep(size_t index, const ScriptStep& step, OnError on_error);
  bool RunWrite(const ScriptStep& step);
  bool RunReopen(OnError on_error);
  void CheckReads(uint64_t seed);
  // The model after the acknowledged writes, and after the failed one too.
  ModelState AckedState() const;
  ModelState WithFailedState() const;
  void Fail(const std::string& what, const Status& s);
  void Violation(const std::string& what);

  uint64_t Now() const { return clock_ ? clock_() : 0; }

  const Options options_;
  const std::string dbname_;
  const std::function<uint64_t()> clock_;
  std::unique_ptr<DB> db_;
  RunLog log_;
  bool session_failed_ = false;  // a write-side call failed since the open
  std::string where_;            // the step being run, for messages
};

// Checks a recovered state against a run: no batch half-applied, and equal
// to log.base with the first p writes of log.history applied for some p in
// [lo, hi], where lo = log.durable after a power loss and log.acked after a
// process crash, and hi = log.history.size(). Sets `*matched` (if not null)
// to the largest such p.
::testing::AssertionResult CheckRecovered(const RunLog& log,
                                          const ModelState& recovered,
                                          bool power_loss,
                                          size_t* matched = nullptr);

// Every "B<id>/<j>" group of `state` is whole (batch_keys[id] keys).
::testing::AssertionResult NoHalfBatches(
    const ModelState& state, const std::map<uint64_t, uint64_t>& batch_keys);

// The files of one directory: name → content.
using DiskImage = std::map<std::string, std::string>;

// Reads every file of `dir` (read through `env`).
Status CaptureImage(Env* env, const std::string& dir, DiskImage* image);
// Creates `dir` and writes every file of `image` into it, synced.
Status RestoreImage(const DiskImage& image, Env* env, const std::string& dir);

// A MemEnv under a FaultInjectionEnv under a CutEnv: the disk the crash
// tests run on. Non-copyable; env() lives as long as the world.
class CrashWorld {
 public:
  CrashWorld();
  ~CrashWorld();
  CrashWorld(const CrashWorld&) = delete;
  CrashWorld& operator=(const CrashWorld&) = delete;

  Env* env() { return &cut_; }
  Env* mem() { return mem_.get(); }
  FaultInjectionEnv* fault() { return &fault_; }
  CutEnv* cut() { return &cut_; }

  // Power loss: the filesystem stops, `*db` (if any) is abandoned, every
  // unsynced byte and directory change is dropped, the filesystem comes
  // back; an armed cut is disarmed and injected faults are cleared.
  ::testing::AssertionResult PowerLoss(std::unique_ptr<DB>* db);
  // kill -9: as PowerLoss, but bytes handed to the OS stay.
  void ProcessCrash(std::unique_ptr<DB>* db);

 private:
  const std::unique_ptr<Env> mem_;
  FaultInjectionEnv fault_;
  CutEnv cut_;
};

// Checks that an open deleted nothing holding writes the state it
// recovered lacks (issue 20): every table or log of `before` (the
// directory just before the open) that is gone from `dir` and from
// `dir`/lost/ must hold no sequence number above `recovered_sequence` (the
// recovered strata.last-sequence). A file that cannot be read is taken as
// garbage (a table or log cut short by the crash holds nothing that was
// only there). On failure `*problem` names the file.
bool NothingNeededWasDeleted(const DiskImage& before, Env* env,
                             const std::string& dir,
                             uint64_t recovered_sequence, std::string* problem);

// Opens the DB in `dbname`, reads all of it into `*state` and closes it.
// The status says which of the three failed. `*last_sequence` (if not null)
// gets the open DB's strata.last-sequence.
Status OpenReadClose(const Options& options, const std::string& dbname,
                     ModelState* state, uint64_t* last_sequence = nullptr);

}  // namespace strata::testing
