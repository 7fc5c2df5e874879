// testing/cut_env.h — an Env wrapper that numbers every I/O call and can cut
// the power right after any one of them.
//
// CutEnv forwards every call to a borrowed FaultInjectionEnv and numbers the
// calls 1, 2, 3, ... in the order they reach it, across the env and every
// file obtained through it. CutAfter(k) arms a cut: as soon as call k has
// returned, and before any other call can reach the target, the target's
// filesystem is deactivated (FaultInjectionEnv::SetFilesystemActive(false)),
// so exactly the first k calls took effect and every later one fails. The
// test then abandons the DB, calls the target's DropUnsyncedData() and
// reactivates it: a power cut after call k, whatever its kind.
//
// Counted calls: every Env method except NowMicros() (FileExists() too);
// Append, Flush, Sync and Close of writable files; Read and Skip of
// sequential files; Read of random-access files; and the destruction of a
// writable file that was not closed (it hands buffered bytes to the disk).
// Size() and destroying read-only files or locks are not I/O and not counted.
//
// The env also keeps the calls that failed (with their kind and path), so a
// test can tell which file an injected error hit, the call a cut came after,
// and on request a trace of every call; and it can make syncs slow.
//
// Thread-safety: every method is safe from any thread. Counted calls are
// serialised by one mutex held while the target runs them, which makes the
// numbering a total order (the target already serialises nearly all of them).
// Ownership: borrows `target`, which must outlive this env and every file
// obtained from it.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "strata/env.h"
#include "strata/status.h"
#include "testing/fault_env.h"

namespace strata::testing {

// What a counted call was.
enum class IoCall {
  kNewSequentialFile,
  kNewRandomAccessFile,
  kNewWritableFile,
  kNewAppendableFile,
  kFileExists,
  kGetChildren,
  kGetFileSize,
  kRemoveFile,
  kRenameFile,
  kLinkFile,
  kCreateDir,
  kRemoveDir,
  kSyncDir,
  kLockFile,
  kAppend,
  kFlush,
  kSync,
  kClose,  // WritableFile::Close, or destroying an unclosed writable file
  kRead,   // SequentialFile::Read or RandomAccessFile::Read
  kSkip,
  kTruncate,  // WritableFile::Truncate
};

// "append", "rename", ...
const char* IoCallName(IoCall call);

// One counted call.
struct CallRecord {
  uint64_t index = 0;  // its number (the first call is 1)
  IoCall call = IoCall::kAppend;
  std::string path;  // the file or directory; for a rename or link, the source
  Status status;
  std::thread::id thread;  // the thread that made the call
};

class CutEnvState;

class CutEnv final : public Env {
 public:
  explicit CutEnv(FaultInjectionEnv* target);
  ~CutEnv() override;

  FaultInjectionEnv* target() const { return target_; }

  // Counted calls made so far (including failed ones and those after a cut).
  uint64_t calls() const;

  // Arms a cut after call number `k`. If `k` <= calls(), the cut happens at
  // once. Replaces an earlier, still armed cut.
  void CutAfter(uint64_t k);
  // Disarms a cut that has not happened yet. Does not reactivate the target.
  void Disarm();
  // True once an armed cut has happened; false again after the next
  // CutAfter() or Disarm().
  bool cut_done() const;

  // The failed calls (NotFound excluded), oldest first; at most the first
  // 1,000 since the last ClearFailures().
  std::vector<CallRecord> failures() const;
  void ClearFailures();

  // Makes every WritableFile::Sync() wait `micros` before it runs, like a
  // slow disk (so that writers queue up behind a syncing commit leader).
  void SetSyncDelay(uint64_t micros);

  // While tracing, every call is recorded (at most 1,000,000 of them).
  void SetTracing(bool on);
  std::vector<CallRecord> trace() const;
  // The call on which the last cut happened (index 0 if the cut was armed at
  // or below calls(), or none happened).
  CallRecord cut_call() const;

  // ---- Env -----------------------------------------------------------------

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override;
  Status NewRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override;
  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override;
  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* result) override;
  bool FileExists(const std::string& path) override;
  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* names) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status LinkFile(const std::string& from, const std::string& to) override;
  Status CreateDirIfMissing(const std::string& dir) override;
  Status RemoveDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override;
  uint64_t NowMicros() override;

 private:
  FaultInjectionEnv* const target_;
  const std::shared_ptr<CutEnvState> state_;
};

}  // namespace strata::testing
