#include "testing/workload.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "base/random.h"
#include "base/result.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "key/internal_key.h"
#include "table/table.h"
#include "wal/log_reader.h"

namespace strata::testing {

namespace {

constexpr uint64_t kSmallKeys = 80;

// Keys are some 60 bytes long, so that the MANIFEST (which records each
// table's smallest and largest key) grows past 1 KiB within one open.
std::string SmallKey(uint64_t n) {
  char buf[80];
  std::snprintf(buf, sizeof(buf),
                "k%02llu.one-of-the-eighty-small-keys-of-the-crash-script",
                static_cast<unsigned long long>(n));
  return buf;
}

std::string BatchKey(uint64_t id, uint64_t j) {
  char buf[80];
  std::snprintf(buf, sizeof(buf),
                "B%06llu/%llu.a-key-written-by-one-batch-of-the-crash-script",
                static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(j));
  return buf;
}

// A value naming the write that made it, 1..max_size bytes long, of random
// letters (so tables do not compress to nothing).
std::string MakeValue(internal::Random* rnd, uint64_t id, size_t max_size) {
  std::string value = "v" + std::to_string(id) + ":";
  const size_t size = 1 + rnd->Uniform(max_size);
  while (value.size() < size) {
    value.push_back(static_cast<char>('a' + rnd->Uniform(26)));
  }
  value.resize(size);
  return value;
}

ScriptStep RandomWrite(internal::Random* rnd, uint64_t id,
                       const ScriptShape& shape) {
  ScriptStep step;
  step.sync = rnd->OneIn(shape.sync_one_in);
  const std::string value = MakeValue(rnd, id, shape.max_value_size);
  const uint64_t r = rnd->Uniform(100);
  if (r < 50) {
    step.batch.Put(SmallKey(rnd->Uniform(kSmallKeys)), value);
  } else if (r < 65) {
    step.batch.Delete(SmallKey(rnd->Uniform(kSmallKeys)));
  } else {
    step.batch_id = id;
    step.batch_keys = 2 + rnd->Uniform(3);
    for (uint64_t j = 0; j < step.batch_keys; ++j) {
      step.batch.Put(BatchKey(id, j), value);
    }
    if (rnd->OneIn(3)) step.batch.Delete(SmallKey(rnd->Uniform(kSmallKeys)));
    if (rnd->OneIn(3))
      step.batch.Put(SmallKey(rnd->Uniform(kSmallKeys)), value);
  }
  return step;
}

ScriptStep MakeStep(ScriptStep::Kind kind) {
  ScriptStep step;
  step.kind = kind;
  return step;
}

// The id of a "B<id>/<j>" key.
uint64_t BatchIdOf(const std::string& key) {
  return std::stoull(key.substr(1, 6));
}

}  // namespace

std::vector<ScriptStep> MakeScript(uint64_t seed, const ScriptShape& shape) {
  internal::Random rnd(seed);
  std::vector<ScriptStep> script;
  uint64_t id = 1;
  const auto writes = [&](int n) {
    for (int i = 0; i < n; ++i)
      script.push_back(RandomWrite(&rnd, id++, shape));
  };
  using Kind = ScriptStep::Kind;
  writes(shape.writes_before_flush);
  script.push_back(MakeStep(Kind::kCheckReads));
  script.push_back(MakeStep(Kind::kFlush));
  writes(shape.writes_before_compaction);
  script.push_back(MakeStep(Kind::kCompactRange));
  script.push_back(MakeStep(Kind::kCheckReads));
  writes(shape.writes_before_reopen / 2);
  script.push_back(MakeStep(Kind::kFlush));
  writes(shape.writes_before_reopen - shape.writes_before_reopen / 2);
  script.push_back(MakeStep(Kind::kReopen));
  writes(shape.writes_after_reopen);
  script.push_back(MakeStep(Kind::kCheckReads));
  return script;
}

Options ScriptOptions(Env* env) {
  Options options;
  options.env = env;
  options.write_buffer_size = 64 << 10;  // the least Validate() accepts
  options.level0_compaction_trigger = 2;
  // File-system calls numbered the same in every run, however slow it is.
  options.level0_idle_compaction_ms = 0;
  options.max_manifest_file_size = 1024;
  // Few calls per table: 16 KiB blocks, uncompressed (still several blocks
  // per table).
  options.block_size = 16 << 10;
  options.compression = Compression::kNone;
  return options;
}

std::string DescribeStep(const ScriptStep& step) {
  switch (step.kind) {
    case ScriptStep::Kind::kWrite: {
      std::string s = step.sync ? "sync " : "";
      if (step.batch.size() > 1) {
        return s + "batch of " + std::to_string(step.batch.size());
      }
      return s + (step.batch.ops()[0].is_delete ? "delete " : "put ") +
             step.batch.ops()[0].key;
    }
    case ScriptStep::Kind::kFlush:
      return "Flush()";
    case ScriptStep::Kind::kCompactRange:
      return "CompactRange()";
    case ScriptStep::Kind::kReopen:
      return "reopen";
    case ScriptStep::Kind::kCheckReads:
      return "read check";
  }
  return "?";
}

// ---- ScriptRunner -----------------------------------------------------------

ScriptRunner::ScriptRunner(const Options& options, std::string dbname,
                           std::function<uint64_t()> clock)
    : options_(options), dbname_(std::move(dbname)), clock_(std::move(clock)) {}

ScriptRunner::~ScriptRunner() = default;

Status ScriptRunner::OpenDB() {
  const Status s = DB::Open(options_, dbname_, &db_);
  if (s.ok()) log_.opened_at.push_back(Now());
  return s;
}

void ScriptRunner::Run(const std::vector<ScriptStep>& script, OnError on_error,
                       const StepHook& after_step) {
  where_ = "the first open";
  const Status s = OpenDB();
  if (!s.ok()) {
    log_.open_failed = true;
    Fail("the first open", s);
    return;
  }
  for (size_t i = 0; i < script.size(); ++i) {
    where_ = "step " + std::to_string(i) + " (" + DescribeStep(script[i]) + ")";
    const int errors_before = log_.api_errors;
    const bool go_on = RunStep(i, script[i], on_error);
    if (log_.api_errors == errors_before) {
      ++log_.steps_done;
      if (after_step && db_ != nullptr) after_step(i, db_.get());
    }
    if (!go_on || (on_error == OnError::kStop && log_.api_errors > 0)) return;
  }
}

bool ScriptRunner::RunStep(size_t index, const ScriptStep& step,
                           OnError on_error) {
  switch (step.kind) {
    case ScriptStep::Kind::kWrite:
      return RunWrite(step);
    case ScriptStep::Kind::kFlush:
    case ScriptStep::Kind::kCompactRange: {
      const bool flush = step.kind == ScriptStep::Kind::kFlush;
      const Status s =
          flush ? db_->Flush() : db_->CompactRange(nullptr, nullptr);
      if (!s.ok()) {
        ++log_.write_errors;
        session_failed_ = true;
        Fail(where_, s);
      } else if (session_failed_) {
        Violation(std::string(flush ? "Flush()" : "CompactRange()") +
                  " returned OK after an earlier write-side error");
        return false;
      } else {
        log_.durable = log_.acked;  // every write is in a synced table
      }
      return true;
    }
    case ScriptStep::Kind::kReopen:
      return RunReopen(on_error);
    case ScriptStep::Kind::kCheckReads:
      CheckReads(index);
      return true;
  }
  return false;
}

bool ScriptRunner::RunWrite(const ScriptStep& step) {
  if (step.batch_id != 0) log_.batch_keys[step.batch_id] = step.batch_keys;
  // Only the first failed write can have reached the log.
  const bool record = log_.history.size() == log_.acked;
  if (record) log_.history.push_back(&step);
  WriteOptions wo;
  wo.sync = step.sync;
  WriteBatch batch = step.batch.ToWriteBatch();
  const Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    ++log_.write_errors;
    session_failed_ = true;
    Fail(where_, s);
    return true;
  }
  if (session_failed_ || !record) {
    Violation("a write was acknowledged after an earlier write-side error (" +
              log_.first_error.ToString() + ")");
    return false;
  }
  ++log_.acked;
  ++log_.writes_acked;
  if (step.sync) log_.durable = log_.acked;
  return true;
}

bool ScriptRunner::RunReopen(OnError on_error) {
  const Status closed = CloseDB();
  if (!closed.ok() && on_error == OnError::kStop) return false;
  Status s = OpenDB();
  if (!s.ok()) {
    Fail(where_ + ", the open", s);
    return false;
  }
  ++log_.reopens;
  if (closed.ok() && !session_failed_) {
    // Nothing failed: the DB holds exactly the acknowledged writes.
    log_.base = AckedState();
  } else {
    // After a failure the failed write may or may not have come back; find
    // out which, so the model can go on.
    ModelState recovered;
    s = ReadAll(db_.get(), ReadOptions(), &recovered);
    if (!s.ok()) {
      ++log_.read_errors;
      Fail(where_ + ", reading what the open recovered", s);
      return false;
    }
    if (recovered != AckedState() && recovered != WithFailedState()) {
      Violation("the reopen after a failure lost acknowledged writes: " +
                DescribeDifference(AckedState(), recovered));
      return false;
    }
    log_.base = std::move(recovered);
  }
  // What an open recovered is in synced tables: durable.
  log_.history.clear();
  log_.acked = 0;
  log_.durable = 0;
  session_failed_ = false;
  return true;
}

Status ScriptRunner::Close() {
  where_ = "after the script";
  return CloseDB();
}

Status ScriptRunner::CloseDB() {
  if (db_ == nullptr) return Status::OK();
  const uint64_t begun = Now();
  const Status s = db_->Close();
  db_.reset();
  log_.closes.push_back(RunLog::CloseCall{begun, Now(), s});
  if (s.ok()) {
    if (session_failed_) {
      Violation("Close() returned OK after a write-side error");
    }
    log_.durable = log_.acked;
  } else {
    Fail(where_ + ", the close", s);
  }
  return s;
}

void ScriptRunner::CheckReads(uint64_t seed) {
  const ModelState acked = AckedState();
  const ModelState with_failed = WithFailedState();
  internal::Random rnd(seed + 1);
  for (int i = 0; i < 12; ++i) {
    std::string key;
    if (i % 3 == 2 && !acked.empty()) {
      // A key that exists (often a batch key, found in a table).
      auto it = acked.lower_bound(
          std::string(1, static_cast<char>('A' + rnd.Uniform(60))));
      key = it == acked.end() ? acked.begin()->first : it->first;
    } else {
      key = SmallKey(rnd.Uniform(kSmallKeys));
    }
    std::string value;
    const Status s = db_->Get(ReadOptions(), key, &value);
    if (!s.ok() && !s.IsNotFound()) {
      ++log_.read_errors;
      Fail(where_ + ", Get(" + key + ")", s);
      continue;
    }
    bool right = false;
    for (const ModelState* m : {&acked, &with_failed}) {
      const auto it = m->find(key);
      right |= s.IsNotFound() ? it == m->end()
                              : it != m->end() && it->second == value;
    }
    if (!right) {
      Violation("Get(" + key + ") returned wrong data: " +
                (s.IsNotFound() ? std::string("NotFound") : Printable(value)) +
                "; the model holds " +
                (acked.count(key) ? Printable(acked.at(key)) : "nothing"));
    }
  }
  ModelState scanned;
  const Status s = ReadAll(db_.get(), ReadOptions(), &scanned);
  if (!s.ok()) {
    ++log_.read_errors;
    Fail(where_ + ", the scan", s);
    return;
  }
  if (scanned != acked && scanned != with_failed) {
    Violation("a scan returned wrong data: " +
              DescribeDifference(acked, scanned));
  }
}

ModelState ScriptRunner::AckedState() const {
  ModelState state = log_.base;
  for (size_t i = 0; i < log_.acked; ++i)
    log_.history[i]->batch.ApplyTo(&state);
  return state;
}

ModelState ScriptRunner::WithFailedState() const {
  ModelState state = AckedState();
  if (log_.history.size() > log_.acked) {
    log_.history[log_.acked]->batch.ApplyTo(&state);
  }
  return state;
}

void ScriptRunner::Fail(const std::string& what, const Status& s) {
  log_.errors.push_back(RunLog::Error{Now(), what, s});
  if (log_.api_errors == 0) {
    log_.first_error = s;
    log_.stopped_at = what + ": " + s.ToString();
  }
  ++log_.api_errors;
}

void ScriptRunner::Violation(const std::string& what) {
  log_.violations.push_back(where_ + ": " + what);
}

// ---- Checks -----------------------------------------------------------------

::testing::AssertionResult NoHalfBatches(
    const ModelState& state, const std::map<uint64_t, uint64_t>& batch_keys) {
  std::map<uint64_t, uint64_t> present;
  for (const auto& entry : state) {
    if (!entry.first.empty() && entry.first[0] == 'B') {
      ++present[BatchIdOf(entry.first)];
    }
  }
  for (const auto& [id, n] : present) {
    const auto it = batch_keys.find(id);
    const uint64_t want = it == batch_keys.end() ? 0 : it->second;
    if (n != want) {
      return ::testing::AssertionFailure()
             << "batch " << id << " is half-applied: " << n << " of " << want
             << " keys present";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult CheckRecovered(const RunLog& log,
                                          const ModelState& recovered,
                                          bool power_loss, size_t* matched) {
  ::testing::AssertionResult whole = NoHalfBatches(recovered, log.batch_keys);
  if (!whole) return whole;
  const size_t lo = power_loss ? log.durable : log.acked;
  const size_t hi = log.history.size();
  ModelState state = log.base;
  std::string at_lo;
  bool found = false;
  for (size_t p = 0; p <= hi; ++p) {
    if (p > 0) log.history[p - 1]->batch.ApplyTo(&state);
    if (p == lo) at_lo = DescribeDifference(state, recovered);
    if (p >= lo && state == recovered) {
      found = true;
      if (matched != nullptr) *matched = p;
    }
  }
  if (found) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the recovered state (" << recovered.size()
         << " keys) is the model after no prefix of " << lo << ".." << hi
         << " of the writes since the last open (" << log.acked
         << " acknowledged, " << log.durable << " durable); after " << lo
         << ": " << at_lo << "; after " << hi << ": "
         << DescribeDifference(state, recovered);
}

// ---- Disk images ------------------------------------------------------------

Status CaptureImage(Env* env, const std::string& dir, DiskImage* image) {
  image->clear();
  std::vector<std::string> names;
  const Status listed = env->GetChildren(dir, &names);
  // No directory: no DB was ever created there (a failed first open
  // removes what it made).
  if (listed.IsNotFound()) return Status::OK();
  STRATA_RETURN_IF_ERROR(listed);
  for (const std::string& name : names) {
    if (name == "lost") {
      // The files an open set aside, as "lost/<name>".
      std::vector<std::string> lost;
      STRATA_RETURN_IF_ERROR(env->GetChildren(dir + "/lost", &lost));
      for (const std::string& l : lost) {
        std::string content;
        STRATA_RETURN_IF_ERROR(
            internal::ReadFileToString(env, dir + "/lost/" + l, &content));
        (*image)["lost/" + l] = std::move(content);
      }
      continue;
    }
    std::string content;
    STRATA_RETURN_IF_ERROR(
        internal::ReadFileToString(env, dir + "/" + name, &content));
    (*image)[name] = std::move(content);
  }
  return Status::OK();
}

Status RestoreImage(const DiskImage& image, Env* env, const std::string& dir) {
  STRATA_RETURN_IF_ERROR(env->CreateDirIfMissing(dir));
  for (const auto& [name, content] : image) {
    if (name.rfind("lost/", 0) == 0) {
      STRATA_RETURN_IF_ERROR(env->CreateDirIfMissing(dir + "/lost"));
    }
    STRATA_RETURN_IF_ERROR(internal::WriteStringToFile(
        env, content, dir + "/" + name, /*sync=*/true));
  }
  return env->SyncDir(dir);
}

// ---- CrashWorld -------------------------------------------------------------

CrashWorld::CrashWorld()
    : mem_(NewMemEnv()), fault_(mem_.get()), cut_(&fault_) {}

CrashWorld::~CrashWorld() = default;

::testing::AssertionResult CrashWorld::PowerLoss(std::unique_ptr<DB>* db) {
  fault_.SetFilesystemActive(false);
  db->reset();
  const Status s = fault_.DropUnsyncedData();
  fault_.SetFilesystemActive(true);
  fault_.ClearFaults();
  cut_.Disarm();
  if (!s.ok()) {
    return ::testing::AssertionFailure()
           << "DropUnsyncedData: " << s.ToString();
  }
  return ::testing::AssertionSuccess();
}

void CrashWorld::ProcessCrash(std::unique_ptr<DB>* db) {
  fault_.SetFilesystemActive(false);
  db->reset();
  fault_.SetFilesystemActive(true);
  fault_.ClearFaults();
  cut_.Disarm();
}

namespace {

// The newest sequence number in table or log `name` with `contents`;
// nullopt if it cannot be read (or is neither).
std::optional<uint64_t> NewestSequence(const std::string& name,
                                       const std::string& contents) {
  uint64_t number = 0;
  internal::FileType type;
  if (!internal::ParseFileName(name, &number, &type)) return std::nullopt;
  std::unique_ptr<Env> env = NewMemEnv();
  if (!internal::WriteStringToFile(env.get(), contents, "/f", false).ok()) {
    return std::nullopt;
  }
  if (type == internal::FileType::kTableFile) {
    const internal::InternalKeyComparator icmp(BytewiseComparator());
    internal::TableOptions options;
    options.comparator = &icmp;
    options.filter_key_suffix_len = internal::InternalKeySuffixLength();
    options.user_comparator = BytewiseComparator();
    std::unique_ptr<RandomAccessFile> file;
    std::unique_ptr<internal::Table> table;
    if (!env->NewRandomAccessFile("/f", &file).ok() ||
        !internal::Table::Open(options, std::move(file), contents.size(), name,
                               &table)
             .ok()) {
      return std::nullopt;
    }
    return table->properties().largest_seqno;
  }
  if (type == internal::FileType::kLogFile) {
    std::unique_ptr<SequentialFile> file;
    if (!env->NewSequentialFile("/f", &file).ok()) return std::nullopt;
    internal::log::Reader reader(file.get(), name, WalRecoveryMode::kSalvage,
                                 nullptr);
    uint64_t newest = 0;
    std::string scratch;
    Slice record;
    WriteBatch batch;
    while (reader.ReadRecord(&record, &scratch)) {
      if (!internal::WriteBatchInternal::SetContents(&batch, record).ok()) {
        continue;
      }
      const uint64_t count = internal::WriteBatchInternal::Count(batch);
      if (count == 0) continue;
      newest = std::max(
          newest, internal::WriteBatchInternal::Sequence(batch) + count - 1);
    }
    return newest;
  }
  return std::nullopt;
}

}  // namespace

bool NothingNeededWasDeleted(const DiskImage& before, Env* env,
                             const std::string& dir,
                             uint64_t recovered_sequence,
                             std::string* problem) {
  for (const auto& [name, contents] : before) {
    if (name.find('/') != std::string::npos) continue;  // lost/ already
    if (env->FileExists(dir + "/" + name) ||
        env->FileExists(dir + "/lost/" + name)) {
      continue;
    }
    const std::optional<uint64_t> newest = NewestSequence(name, contents);
    if (newest && *newest > recovered_sequence) {
      *problem = "the open deleted " + name + ", which holds sequence " +
                 std::to_string(*newest) + ", past the recovered " +
                 std::to_string(recovered_sequence);
      return false;
    }
  }
  return true;
}

Status OpenReadClose(const Options& options, const std::string& dbname,
                     ModelState* state, uint64_t* last_sequence) {
  std::unique_ptr<DB> db;
  STRATA_RETURN_IF_ERROR(DB::Open(options, dbname, &db));
  if (last_sequence != nullptr) {
    std::string value;
    if (!db->GetProperty("strata.last-sequence", &value)) {
      return Status::InvalidArgument("no strata.last-sequence property");
    }
    *last_sequence = std::stoull(value);
  }
  STRATA_RETURN_IF_ERROR(ReadAll(db.get(), ReadOptions(), state));
  return db->Close();
}

}  // namespace strata::testing
