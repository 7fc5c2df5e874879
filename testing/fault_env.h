// testing/fault_env.h — an Env wrapper that injects I/O errors and simulates
// process crashes and power loss.
//
// FaultInjectionEnv forwards every call to a borrowed base Env and keeps a
// model of what the disk would hold after a power loss (the durable image):
//
//  1. Files are tracked by identity (inode), not by name. Each tracked file
//     keeps every byte handed to the base ("current") and a copy of those
//     bytes as of its last successful Sync() ("durable").
//  2. Each tracked directory keeps its current name → file map and the map
//     as of its last successful SyncDir() (durable). A directory is tracked
//     from the first call that creates, opens for writing, removes, renames,
//     links, locks or syncs something in it (or creates it); it starts out
//     as the base's listing, every existing file's content counting as
//     durable — so wrapping an existing database works.
//  3. Appends are buffered in the wrapper (as PosixEnv does, 64 KiB) and
//     reach the base on Flush(), Sync(), Close() or overflow. A file
//     destroyed while the filesystem is inactive or after
//     DropUnsyncedData() drops its buffer: like kill -9, unflushed bytes are
//     lost and flushed ones stay.
//
// Directories themselves are not modelled: creating, removing or renaming a
// directory is durable at once. Files the wrapper never saw (written behind
// its back) are picked up as durable when first named through it.
//
// Thread-safety: every method is safe from any thread (one mutex guards the
// model; mutations of the base happen under it). File objects follow the
// Env rules and may outlive both this env and DropUnsyncedData().
// Ownership: borrows `base`, which must outlive this env and every file and
// lock obtained from it.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/env.h"
#include "strata/status.h"

namespace strata::testing {

// The kinds of calls FailAfter() can fail.
enum class FaultOp {
  kWrite,    // WritableFile::Append and WritableFile::Flush
  kSync,     // WritableFile::Sync
  kDirSync,  // Env::SyncDir
  kRename,   // Env::RenameFile
  kCreate,   // Env::NewWritableFile and Env::NewAppendableFile
  kRead,     // SequentialFile::Read and RandomAccessFile::Read
  kRemove,   // Env::RemoveFile
  kLink,     // Env::LinkFile
};
inline constexpr int kNumFaultOps = 8;

// The shared state behind a FaultInjectionEnv and its files (fault_env.cc).
class FaultEnvState;

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base);
  ~FaultInjectionEnv() override;

  // The wrapped env (borrowed). Calls on it bypass the model and faults.
  Env* base() const { return base_; }

  // ---- Crash simulation ----------------------------------------------------

  // Simulates a power loss and reboot: afterwards every tracked directory
  // holds exactly its durable entries, each with exactly its durable bytes.
  // Unsynced appends vanish, files created or renamed in since the last
  // SyncDir() disappear, renames not made durable are undone (the old name
  // returns with its durable content, and so does the replaced target),
  // deletes not made durable are undone, and hard links are restored as
  // links. Every file opened before is dead: its calls fail with IOError and
  // destroying it writes nothing. Works whether or not the filesystem is
  // active. Fails only if rewriting the base fails.
  Status DropUnsyncedData();

  // While inactive every call through this env and its files fails with
  // IOError("filesystem inactive (simulated crash)") and FileExists() is
  // false; only destroying files and locks works (a destroyed file drops its
  // unflushed bytes). Lets a test abandon a DB as kill -9 would.
  void SetFilesystemActive(bool active);
  bool IsFilesystemActive() const;

  // ---- Error injection -----------------------------------------------------

  // The (n+1)-th call of kind `op` from now (n = 0: the next one) fails with
  // `error` without doing anything; if `persistent`, every later call of
  // that kind fails too, until ClearFaults(). Replaces an earlier FailAfter
  // for `op`. REQUIRES: !error.ok().
  void FailAfter(FaultOp op, uint64_t n, Status error, bool persistent);
  // The (n+1)-th call of kind `op` from now does nothing and turns the
  // filesystem inactive, as if the process were killed just before it: that
  // call and every later one fail as SetFilesystemActive(false) says, so the
  // caller's cleanup cannot run either. Replaces an earlier FailAfter or
  // CrashAt for `op`; SetFilesystemActive(true) (and DropUnsyncedData() for
  // a power loss) then lets a test reopen what the "killed" process left.
  void CrashAt(FaultOp op, uint64_t n);
  // Disarms every FailAfter() and CrashAt(). Counts are kept.
  void ClearFaults();
  // Calls of kind `op` seen while the filesystem was active (including the
  // ones that failed by injection).
  uint64_t OpCount(FaultOp op) const;

  // An IOError reading "...: No space left on device", as a full disk gives.
  static Status NoSpaceError();

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
  // Delegated to the base, and the LOCK file is tracked like any created
  // file. Fails while inactive, but destroying a lock always releases it.
  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override;
  uint64_t NowMicros() override;  // the base clock, active or not

 private:
  Env* const base_;
  const std::shared_ptr<FaultEnvState> state_;
};

}  // namespace strata::testing
