// Options::allow_mmap_writes: the WAL written through a shared mapping of
// preallocated space. A process that dies without closing the DB (here
// _exit in a forked child: no destructor, no Close, as kill -9) loses no
// write it acknowledged, whatever the recovery mode: the log it leaves ends
// in preallocated zeros, which recovery reads as a torn tail, except under
// kAbsoluteConsistency, which writes its logs with write(2) and so finds
// none. (A record torn by the death itself is log_damage_test's
// ARecordCutShortIntoZerosIsATornTail; kill -9 at random moments is
// tests/crash's and the transaction crash test's.)

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "env/env_test_util.h"
#include "env/env_util.h"
#include "env/env_wrapper.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "testing/test_util.h"
#include "tests/db_flush_test_util.h"

namespace strata::testing {
namespace {

// Values end in a non-zero byte, so the data's end is the file's last
// non-zero byte.
std::string Value(int i) {
  return std::string(20 + i % 200, 'v') + NumberedKey(i);
}

constexpr int kKeys = 3000;
constexpr int kBatchKeys = 500;  // one record of several log blocks

struct Case {
  WalRecoveryMode mode;
  bool allow_mmap_writes;
  bool expect_zero_tail;
};

// Opens the DB, writes, and dies without closing it. Exits 0 only if
// every write was acknowledged.
[[noreturn]] void WriteAndDie(const Options& options, const std::string& dir) {
  std::unique_ptr<DB> db;
  if (!DB::Open(options, dir, &db).ok()) std::_Exit(1);
  for (int i = 0; i < kKeys; ++i) {
    WriteOptions wo;
    wo.sync = i % 1000 == 999;
    if (!db->Put(wo, NumberedKey(i), Value(i)).ok()) std::_Exit(2);
  }
  WriteBatch batch;
  for (int i = kKeys; i < kKeys + kBatchKeys; ++i)
    batch.Put(NumberedKey(i), Value(i));
  if (!db->Write(WriteOptions(), &batch).ok()) std::_Exit(3);
  (void)db.release();  // no destructor: the process just ends
  std::_Exit(0);
}

// Runs WriteAndDie in a forked child and waits for it; then reads the
// largest log it left into `*log` (its name into `*name`).
void WriteInAChildThatDies(const Options& options, const std::string& dir,
                           std::string* name, std::string* log) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) WriteAndDie(options, dir);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Env* env = Env::Default();
  std::vector<std::string> names;
  ASSERT_TRUE(env->GetChildren(dir, &names).ok());
  log->clear();
  for (const std::string& n : names) {
    if (n.size() > 4 && n.substr(n.size() - 4) == ".log") {
      std::string contents;
      ASSERT_TRUE(
          internal::ReadFileToString(env, dir + "/" + n, &contents).ok());
      if (contents.size() > log->size()) {
        *log = std::move(contents);
        *name = n;
      }
    }
  }
  ASSERT_FALSE(log->empty());
}

TEST(MmapWritesTest, ADeadProcessLosesNoAcknowledgedWrite) {
  for (const Case& c :
       {Case{WalRecoveryMode::kTolerateTornTail, true, true},
        Case{WalRecoveryMode::kSalvage, true, true},
        Case{WalRecoveryMode::kAbsoluteConsistency, true, false},
        Case{WalRecoveryMode::kTolerateTornTail, false, false}}) {
    SCOPED_TRACE(static_cast<int>(c.mode));
    SCOPED_TRACE(c.allow_mmap_writes);
    const std::string dir = NewTempDir("mmap_writes");
    Options options;
    options.wal_recovery_mode = c.mode;
    options.allow_mmap_writes = c.allow_mmap_writes;
    // The log the child wrote: with a mapping, zeros follow its data.
    std::string name;
    std::string log;
    ASSERT_NO_FATAL_FAILURE(WriteInAChildThatDies(options, dir, &name, &log));
    const size_t data_end = log.find_last_not_of('\0') + 1;
    EXPECT_EQ(c.expect_zero_tail, data_end < log.size())
        << data_end << " of " << log.size();

    std::unique_ptr<DB> db;
    const Status open = DB::Open(options, dir, &db);
    ASSERT_TRUE(open.ok()) << open.ToString();
    for (int i = 0; i < kKeys + kBatchKeys; ++i) {
      std::string value;
      const Status s = db->Get(ReadOptions(), NumberedKey(i), &value);
      ASSERT_TRUE(s.ok()) << NumberedKey(i) << ": " << s.ToString();
      ASSERT_EQ(value, Value(i));
    }
    // Writes go on in a new log, and survive a clean reopen.
    ASSERT_TRUE(db->Put(WriteOptions(), "after", "1").ok());
    ASSERT_TRUE(db->Close().ok());
    db.reset();
    ASSERT_TRUE(DB::Open(options, dir, &db).ok());
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), "after", &value).ok());
    EXPECT_EQ(value, "1");
    ASSERT_TRUE(db->Close().ok());
    db.reset();
    RemoveTempDir(dir);
  }
}

// The death came during the copy of the last record (the batch, several
// log blocks long): the log holds a prefix of it and zeros after. Open
// reads that as a torn tail: every write before the batch is there, the
// batch (never acknowledged) is not.
TEST(MmapWritesTest, ARecordTheDeathCutShortIsATornTail) {
  const std::string dir = NewTempDir("mmap_writes_cut");
  const Options options;
  std::string log_name;
  std::string log;
  ASSERT_NO_FATAL_FAILURE(WriteInAChildThatDies(options, dir, &log_name, &log));
  const size_t data_end = log.find_last_not_of('\0') + 1;
  ASSERT_LT(data_end, log.size());
  // Inside the batch's last fragment: its last 300 bytes never landed.
  std::fill(log.begin() + static_cast<std::ptrdiff_t>(data_end - 300),
            log.begin() + static_cast<std::ptrdiff_t>(data_end), '\0');
  ASSERT_TRUE(internal::WriteStringToFile(Env::Default(), log,
                                          dir + "/" + log_name,
                                          /*sync=*/false)
                  .ok());

  std::unique_ptr<DB> db;
  const Status open = DB::Open(options, dir, &db);
  ASSERT_TRUE(open.ok()) << open.ToString();
  std::string value;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(db->Get(ReadOptions(), NumberedKey(i), &value).ok())
        << NumberedKey(i);
    ASSERT_EQ(value, Value(i));
  }
  for (int i = kKeys; i < kKeys + kBatchKeys; ++i) {
    ASSERT_TRUE(db->Get(ReadOptions(), NumberedKey(i), &value).IsNotFound())
        << NumberedKey(i);
  }
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  RemoveTempDir(dir);
}

// A mapped log whose Truncate passes a Gate: a cut that waits for the
// device (a `discard` mount) stands still there while the gate is held.
class GatedTruncateFile final : public WritableFile {
 public:
  GatedTruncateFile(std::unique_ptr<WritableFile> base, Gate* gate)
      : base_(std::move(base)), gate_(gate) {}
  Status Append(const Slice& data) override { return base_->Append(data); }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override { return base_->Sync(); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  Status Truncate(uint64_t size) override {
    gate_->Pass();
    return base_->Truncate(size);
  }

 private:
  std::unique_ptr<WritableFile> base_;
  Gate* const gate_;
};

class GateEnv final : public internal::EnvWrapper {
 public:
  explicit GateEnv(Gate* gate) : EnvWrapper(Env::Default()), gate_(gate) {}
  Status NewMappedWritableFile(const std::string& path,
                               std::unique_ptr<WritableFile>* result) override {
    std::unique_ptr<WritableFile> file;
    const Status s = target()->NewMappedWritableFile(path, &file);
    if (s.ok())
      *result = std::make_unique<GatedTruncateFile>(std::move(file), gate_);
    return s;
  }

 private:
  Gate* const gate_;
};

// Switching logs gives back the old log's preallocated space without the
// DB's mutex held: while that cut waits for the device, what needs the
// mutex (here a property) still answers, and the writes go on after it.
TEST(MmapWritesTest, TheOldLogIsTrimmedWithoutTheDbMutex) {
  const std::string dir = NewTempDir("mmap_writes_trim");
  Gate gate;
  GateEnv env(&gate);
  Options options;
  options.env = &env;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir, &db));
  ASSERT_OK(db->Put(WriteOptions(), NumberedKey(1), Value(1)));

  gate.Hold();
  std::future<Status> flush =
      std::async(std::launch::async, [&db] { return db->Flush(); });
  const bool waiting = gate.AwaitWaiter();
  // Asked from another thread, so that a property blocked on the mutex
  // fails the test (after 30 s) instead of hanging it.
  std::future<std::string> property = std::async(std::launch::async, [&db] {
    std::string flushes;
    return db->GetProperty("strata.num-flushes", &flushes) ? flushes : "?";
  });
  const bool answered =
      waiting &&
      property.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  gate.Release();
  ASSERT_TRUE(waiting) << "the switch never trimmed the old log";
  EXPECT_TRUE(answered) << "a property waited for the trim";
  EXPECT_EQ(property.get(), "0");
  ASSERT_OK(flush.get());

  ASSERT_OK(db->Put(WriteOptions(), NumberedKey(2), Value(2)));
  std::string value;
  ASSERT_OK(db->Get(ReadOptions(), NumberedKey(1), &value));
  EXPECT_EQ(value, Value(1));
  ASSERT_OK(db->Close());
  db.reset();
  ASSERT_OK(DB::Open(Options(), dir, &db));
  ASSERT_OK(db->Get(ReadOptions(), NumberedKey(2), &value));
  EXPECT_EQ(value, Value(2));
  ASSERT_OK(db->Close());
  db.reset();
  RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata::testing
