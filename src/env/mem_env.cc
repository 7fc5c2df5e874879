// The in-memory environment: NewMemEnv().
//
// A private file system for hermetic tests. A file is a reference-counted
// FileState (its bytes, with their own mutex), so open handles keep the data
// alive after RemoveFile and hard links are two names of one state. The
// namespace (file names and directories) is guarded by the env's mutex.
//
// Paths are normalised lexically (env_util.h: "a//b/" is "a/b"); relative
// and absolute paths are separate trees rooted at "." and "/", which always
// exist. Every other directory exists once created, and a file or directory
// can only be created inside an existing directory — as on a real disk.
// Errors carry the same codes and wording as the POSIX env (the errno that
// POSIX would report, through ErrnoToStatus).
//
// Lock order: MemEnv::mu_ before FileState::mu (never the other way).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "env/env_util.h"
#include "strata/env.h"

namespace strata {
namespace {

using internal::BaseName;
using internal::DirName;
using internal::ErrnoToStatus;
using internal::Mutex;
using internal::MutexLock;
using internal::NormalizePath;

// The bytes of one file (one "inode").
struct FileState {
  Mutex mu;
  std::string data STRATA_GUARDED_BY(mu);

  uint64_t Size() STRATA_EXCLUDES(mu) {
    MutexLock lock(&mu);
    return data.size();
  }

  // Copies up to `n` bytes at `offset` into `scratch`.
  Slice Read(uint64_t offset, size_t n, char* scratch) STRATA_EXCLUDES(mu) {
    MutexLock lock(&mu);
    if (offset >= data.size()) return Slice(scratch, 0);
    const size_t count =
        std::min<uint64_t>(n, data.size() - static_cast<size_t>(offset));
    data.copy(scratch, count, static_cast<size_t>(offset));
    return Slice(scratch, count);
  }
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileState> file)
      : file_(std::move(file)) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    *result = file_->Read(pos_, n, scratch);
    pos_ += result->size();
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    const uint64_t size = file_->Size();
    pos_ = pos_ >= size ? pos_ : pos_ + std::min(n, size - pos_);
    return Status::OK();
  }

 private:
  const std::shared_ptr<FileState> file_;
  uint64_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<FileState> file)
      : file_(std::move(file)) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    *result = file_->Read(offset, n, scratch);
    return Status::OK();
  }

 private:
  const std::shared_ptr<FileState> file_;
};

// Writes straight into the FileState (nothing is buffered, so Flush and
// Sync only check the handle). Like a POSIX descriptor, a handle from
// NewWritableFile writes at its own offset while one from NewAppendableFile
// always writes at the end.
class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::shared_ptr<FileState> file, std::string path,
                  bool append_mode, uint64_t initial_size)
      : file_(std::move(file)),
        path_(std::move(path)),
        append_mode_(append_mode),
        size_(initial_size) {}

  Status Append(const Slice& data) override {
    if (closed_) return ClosedError("append");
    MutexLock lock(&file_->mu);
    std::string& bytes = file_->data;
    if (append_mode_ || size_ == bytes.size()) {
      bytes.append(data.data(), data.size());
    } else {
      // Another handle truncated or extended the file under us: write at our
      // offset, leaving a zero-filled hole if the file is now shorter.
      const size_t offset = static_cast<size_t>(size_);
      if (bytes.size() < offset + data.size()) {
        bytes.resize(offset + data.size(), '\0');
      }
      bytes.replace(offset, data.size(), data.data(), data.size());
    }
    size_ += data.size();
    return Status::OK();
  }

  Status Flush() override {
    return closed_ ? ClosedError("flush") : Status::OK();
  }
  Status Sync() override {
    return closed_ ? ClosedError("sync") : Status::OK();
  }
  Status Close() override {
    if (closed_) return ClosedError("close");
    closed_ = true;
    return Status::OK();
  }
  uint64_t Size() const override { return size_; }
  Status Truncate(uint64_t size) override {
    if (closed_) return ClosedError("truncate");
    if (size > size_) {
      return Status::InvalidArgument(path_ + ": truncate",
                                     "beyond the end of the file");
    }
    MutexLock lock(&file_->mu);
    if (file_->data.size() > size)
      file_->data.resize(static_cast<size_t>(size));
    size_ = size;
    return Status::OK();
  }

 private:
  Status ClosedError(const char* what) const {
    return Status::IOError(path_ + ": " + what, "file is already closed");
  }

  const std::shared_ptr<FileState> file_;
  const std::string path_;
  const bool append_mode_;
  uint64_t size_;
  bool closed_ = false;
};

// The locks held in one MemEnv. Shared with the FileLocks so that releasing
// one is safe whatever the destruction order.
struct LockTable {
  Mutex mu;
  std::set<std::string> held STRATA_GUARDED_BY(mu);
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::shared_ptr<LockTable> table, std::string key)
      : table_(std::move(table)), key_(std::move(key)) {}
  ~MemFileLock() override {
    MutexLock lock(&table_->mu);
    table_->held.erase(key_);
  }
  MemFileLock(const MemFileLock&) = delete;
  MemFileLock& operator=(const MemFileLock&) = delete;

 private:
  const std::shared_ptr<LockTable> table_;
  const std::string key_;
};

class MemEnv final : public Env {
 public:
  MemEnv() = default;
  ~MemEnv() override = default;

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    result->reset();
    std::shared_ptr<FileState> file;
    STRATA_RETURN_IF_ERROR(FindFile(path, "open for reading", &file));
    *result = std::make_unique<MemSequentialFile>(std::move(file));
    return Status::OK();
  }

  Status NewRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override {
    result->reset();
    std::shared_ptr<FileState> file;
    STRATA_RETURN_IF_ERROR(FindFile(path, "open for reading", &file));
    *result = std::make_unique<MemRandomAccessFile>(std::move(file));
    return Status::OK();
  }

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    result->reset();
    std::shared_ptr<FileState> file;
    STRATA_RETURN_IF_ERROR(OpenOrCreate(path, "open for writing", &file));
    {
      MutexLock lock(&file->mu);
      file->data.clear();  // O_TRUNC: every link sees the truncation
    }
    *result = std::make_unique<MemWritableFile>(std::move(file), path,
                                                /*append_mode=*/false, 0);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* result) override {
    result->reset();
    std::shared_ptr<FileState> file;
    STRATA_RETURN_IF_ERROR(OpenOrCreate(path, "open for appending", &file));
    const uint64_t size = file->Size();
    *result = std::make_unique<MemWritableFile>(std::move(file), path,
                                                /*append_mode=*/true, size);
    return Status::OK();
  }

  bool FileExists(const std::string& path) override {
    const std::string p = NormalizePath(path);
    MutexLock lock(&mu_);
    return files_.count(p) != 0 || IsDirLocked(p);
  }

  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* names) override {
    names->clear();
    const std::string d = NormalizePath(dir);
    MutexLock lock(&mu_);
    STRATA_RETURN_IF_ERROR(CheckDirLocked(d, dir, "open directory"));
    for (const auto& [name, file] : files_) {
      if (DirName(name) == d) names->push_back(BaseName(name));
    }
    for (const std::string& name : dirs_) {
      if (name != d && DirName(name) == d) names->push_back(BaseName(name));
    }
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    *size = 0;
    const std::string p = NormalizePath(path);
    std::shared_ptr<FileState> file;
    {
      MutexLock lock(&mu_);
      if (IsDirLocked(p)) return Status::OK();
      auto it = files_.find(p);
      if (it == files_.end()) return MissingLocked(p, path, "stat");
      file = it->second;
    }
    *size = file->Size();
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    const std::string p = NormalizePath(path);
    MutexLock lock(&mu_);
    if (IsDirLocked(p)) return ErrnoToStatus(path, "unlink", EISDIR);
    if (files_.erase(p) == 0) return MissingLocked(p, path, "unlink");
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    const std::string f = NormalizePath(from);
    const std::string t = NormalizePath(to);
    const std::string what = "rename to " + to;
    MutexLock lock(&mu_);
    if (IsDirLocked(f)) return RenameDirLocked(f, t, from, what);
    auto it = files_.find(f);
    if (it == files_.end()) return MissingLocked(f, from, what);
    if (IsDirLocked(t)) return ErrnoToStatus(from, what, EISDIR);
    STRATA_RETURN_IF_ERROR(CheckParentLocked(t, from, what));
    if (f == t) return Status::OK();
    std::shared_ptr<FileState> file = it->second;
    files_.erase(it);
    files_[t] = std::move(file);
    return Status::OK();
  }

  Status LinkFile(const std::string& from, const std::string& to) override {
    const std::string f = NormalizePath(from);
    const std::string t = NormalizePath(to);
    const std::string what = "link to " + to;
    MutexLock lock(&mu_);
    if (IsDirLocked(f)) return ErrnoToStatus(from, what, EPERM);
    auto it = files_.find(f);
    if (it == files_.end()) return MissingLocked(f, from, what);
    if (files_.count(t) != 0 || IsDirLocked(t)) {
      return ErrnoToStatus(from, what, EEXIST);
    }
    STRATA_RETURN_IF_ERROR(CheckParentLocked(t, from, what));
    files_[t] = it->second;
    return Status::OK();
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock lock(&mu_);
    if (IsDirLocked(d)) return Status::OK();
    if (files_.count(d) != 0) {
      return Status::IOError(dir + ": mkdir", "exists but is not a directory");
    }
    STRATA_RETURN_IF_ERROR(CheckParentLocked(d, dir, "mkdir"));
    dirs_.insert(d);
    return Status::OK();
  }

  Status RemoveDir(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock lock(&mu_);
    if (IsRoot(d)) return ErrnoToStatus(dir, "rmdir", EBUSY);
    STRATA_RETURN_IF_ERROR(CheckDirLocked(d, dir, "rmdir"));
    if (HasChildrenLocked(d)) return ErrnoToStatus(dir, "rmdir", ENOTEMPTY);
    dirs_.erase(d);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    const std::string d = NormalizePath(dir);
    MutexLock lock(&mu_);
    return CheckDirLocked(d, dir, "open directory");
  }

  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override {
    lock->reset();
    std::shared_ptr<FileState> file;
    STRATA_RETURN_IF_ERROR(OpenOrCreate(path, "open lock file", &file));
    std::string key = NormalizePath(path);
    {
      MutexLock table_lock(&locks_->mu);
      if (!locks_->held.insert(key).second) {
        return Status::IOError("lock " + path, "already held by this process");
      }
    }
    *lock = std::make_unique<MemFileLock>(locks_, std::move(key));
    return Status::OK();
  }

  uint64_t NowMicros() override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  }

  uint64_t NowNanos() override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  }

 private:
  static bool IsRoot(const std::string& p) { return p == "." || p == "/"; }

  bool IsDirLocked(const std::string& p) const STRATA_REQUIRES(mu_) {
    return IsRoot(p) || dirs_.count(p) != 0;
  }

  bool HasChildrenLocked(const std::string& d) const STRATA_REQUIRES(mu_) {
    for (const auto& [name, file] : files_) {
      if (DirName(name) == d) return true;
    }
    for (const std::string& name : dirs_) {
      if (name != d && DirName(name) == d) return true;
    }
    return false;
  }

  // The error POSIX gives for a missing `p` (spelled `path`): ENOTDIR if
  // its parent is a file, else ENOENT.
  Status MissingLocked(const std::string& p, const std::string& path,
                       std::string_view what) const STRATA_REQUIRES(mu_) {
    const int err = files_.count(DirName(p)) != 0 ? ENOTDIR : ENOENT;
    return ErrnoToStatus(path, what, err);
  }

  // OK if the directory that would hold `p` exists.
  Status CheckParentLocked(const std::string& p, const std::string& path,
                           std::string_view what) const STRATA_REQUIRES(mu_) {
    const std::string parent = DirName(p);
    if (IsDirLocked(parent)) return Status::OK();
    return MissingLocked(parent, path, what);
  }

  // OK if `d` is an existing directory.
  Status CheckDirLocked(const std::string& d, const std::string& path,
                        std::string_view what) const STRATA_REQUIRES(mu_) {
    if (IsDirLocked(d)) return Status::OK();
    if (files_.count(d) != 0) return ErrnoToStatus(path, what, ENOTDIR);
    return MissingLocked(d, path, what);
  }

  Status FindFile(const std::string& path, std::string_view what,
                  std::shared_ptr<FileState>* file) STRATA_EXCLUDES(mu_) {
    const std::string p = NormalizePath(path);
    MutexLock lock(&mu_);
    if (IsDirLocked(p)) return ErrnoToStatus(path, what, EISDIR);
    auto it = files_.find(p);
    if (it == files_.end()) return MissingLocked(p, path, what);
    *file = it->second;
    return Status::OK();
  }

  // The file at `path`, created empty (in an existing directory) if missing.
  Status OpenOrCreate(const std::string& path, std::string_view what,
                      std::shared_ptr<FileState>* file) STRATA_EXCLUDES(mu_) {
    const std::string p = NormalizePath(path);
    MutexLock lock(&mu_);
    if (IsDirLocked(p)) return ErrnoToStatus(path, what, EISDIR);
    auto it = files_.find(p);
    if (it != files_.end()) {
      *file = it->second;
      return Status::OK();
    }
    STRATA_RETURN_IF_ERROR(CheckParentLocked(p, path, what));
    *file = std::make_shared<FileState>();
    files_.emplace(p, *file);
    return Status::OK();
  }

  // rename(2) of a directory: `t` must not exist or be an empty directory,
  // and must not lie inside `f`.
  Status RenameDirLocked(const std::string& f, const std::string& t,
                         const std::string& from, const std::string& what)
      STRATA_REQUIRES(mu_) {
    if (IsRoot(f)) return ErrnoToStatus(from, what, EBUSY);
    if (files_.count(t) != 0) return ErrnoToStatus(from, what, ENOTDIR);
    if (f == t) return Status::OK();
    const std::string prefix = f + "/";
    if (t.compare(0, prefix.size(), prefix) == 0) {
      return ErrnoToStatus(from, what, EINVAL);
    }
    if (IsDirLocked(t) && HasChildrenLocked(t)) {
      return ErrnoToStatus(from, what, ENOTEMPTY);
    }
    STRATA_RETURN_IF_ERROR(CheckParentLocked(t, from, what));
    auto moved = [&](const std::string& name) {
      return t + name.substr(f.size());
    };
    std::map<std::string, std::shared_ptr<FileState>> files;
    for (auto& [name, file] : files_) {
      files.emplace(
          name.compare(0, prefix.size(), prefix) == 0 ? moved(name) : name,
          std::move(file));
    }
    files_ = std::move(files);
    std::set<std::string> dirs;
    for (const std::string& name : dirs_) {
      const bool inside =
          name == f || name.compare(0, prefix.size(), prefix) == 0;
      dirs.insert(inside ? moved(name) : name);
    }
    dirs_ = std::move(dirs);
    return Status::OK();
  }

  Mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_
      STRATA_GUARDED_BY(mu_);
  // Created directories (the roots "." and "/" are implicit).
  std::set<std::string> dirs_ STRATA_GUARDED_BY(mu_);
  const std::shared_ptr<LockTable> locks_ = std::make_shared<LockTable>();
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace strata
