#include "testing/fault_env.h"

#include <array>
#include <cassert>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "env/env_util.h"

namespace strata::testing {

using internal::BaseName;
using internal::DirName;
using internal::JoinPath;
using internal::Mutex;
using internal::MutexLock;
using internal::NormalizePath;

namespace {

// Matches PosixEnv: appends smaller than this wait in the wrapper's buffer.
constexpr size_t kWriteBufferSize = 64 * 1024;

// One file identity. Guarded by FaultEnvState::mu.
struct FileNode {
  std::string current;  // every byte handed to the base
  std::string durable;  // `current` as of the last successful Sync()
};

using NodePtr = std::shared_ptr<FileNode>;

// One tracked directory. Guarded by FaultEnvState::mu.
struct DirModel {
  std::map<std::string, NodePtr> current;  // name → file, as of now
  std::map<std::string, NodePtr> durable;  // as of the last SyncDir()
};

struct Fault {
  bool armed = false;
  uint64_t skip = 0;  // calls still allowed before failing
  Status error;
  bool persistent = false;
  bool crash = false;  // CrashAt(): the due call stops the filesystem
};

int Index(FaultOp op) { return static_cast<int>(op); }

}  // namespace

class FaultEnvState {
 public:
  explicit FaultEnvState(Env* base) : base_(base) {}

  Mutex mu;
  bool active STRATA_GUARDED_BY(mu) = true;
  // Bumped by DropUnsyncedData(); files from older generations are dead.
  uint64_t generation STRATA_GUARDED_BY(mu) = 0;
  std::map<std::string, DirModel> dirs STRATA_GUARDED_BY(mu);
  std::array<Fault, kNumFaultOps> faults STRATA_GUARDED_BY(mu);
  std::array<uint64_t, kNumFaultOps> counts STRATA_GUARDED_BY(mu) = {};

  static Status InactiveError() {
    return Status::IOError("filesystem inactive (simulated crash)");
  }

  Status CheckActiveLocked() const STRATA_REQUIRES(mu) {
    return active ? Status::OK() : InactiveError();
  }

  // OK if a file opened in generation `gen` may still be used.
  Status CheckFileLocked(uint64_t gen, const std::string& path) const
      STRATA_REQUIRES(mu) {
    if (!active) return InactiveError();
    if (gen != generation) {
      return Status::IOError(
          path, "file opened before DropUnsyncedData (simulated power loss)");
    }
    return Status::OK();
  }

  // Counts a call of kind `op` and returns the injected error if it is due.
  Status CountAndMaybeFailLocked(FaultOp op) STRATA_REQUIRES(mu) {
    ++counts[Index(op)];
    Fault& fault = faults[Index(op)];
    if (!fault.armed) return Status::OK();
    if (fault.skip > 0) {
      --fault.skip;
      return Status::OK();
    }
    if (fault.crash) {
      fault.armed = false;
      active = false;
      return InactiveError();
    }
    Status error = fault.error;
    if (!fault.persistent) fault.armed = false;
    return error;
  }

  // The model of directory `dir` (normalised), built from the base's listing
  // on first use: every readable file in it counts as durable.
  Status TrackDirLocked(const std::string& dir, DirModel** model)
      STRATA_REQUIRES(mu) {
    auto it = dirs.find(dir);
    if (it == dirs.end()) {
      std::vector<std::string> names;
      STRATA_RETURN_IF_ERROR(base_->GetChildren(dir, &names));
      DirModel fresh;
      for (const std::string& name : names) {
        NodePtr node = SeedNode(JoinPath(dir, name));
        if (node == nullptr) continue;  // a subdirectory, or unreadable
        fresh.current[name] = node;
        fresh.durable[name] = node;
      }
      it = dirs.emplace(dir, std::move(fresh)).first;
    }
    *model = &it->second;
    return Status::OK();
  }

  // The identity currently named `name` in `model` (directory `dir`), or
  // nullptr if there is no such file. A file the base has but the model
  // does not (written behind the wrapper's back) is adopted as durable.
  NodePtr FindNodeLocked(DirModel* model, const std::string& dir,
                         const std::string& name) STRATA_REQUIRES(mu) {
    auto it = model->current.find(name);
    if (it != model->current.end()) return it->second;
    NodePtr node = SeedNode(JoinPath(dir, name));
    if (node == nullptr) return nullptr;
    model->current[name] = node;
    model->durable.emplace(name, node);  // keeps a durable older identity
    return node;
  }

  // Forgets tracked directories at or under `dir` (renamed or removed).
  void UntrackTreeLocked(const std::string& dir) STRATA_REQUIRES(mu) {
    const std::string prefix = dir == "/" ? dir : dir + "/";
    for (auto it = dirs.begin(); it != dirs.end();) {
      const bool inside =
          it->first == dir || it->first.compare(0, prefix.size(), prefix) == 0;
      it = inside ? dirs.erase(it) : std::next(it);
    }
  }

  Status DropUnsyncedDataLocked() STRATA_REQUIRES(mu) {
    ++generation;
    // Remove every name the model knows of, then recreate the durable ones,
    // so that a name never shares an inode with a stale link.
    for (const auto& [dir, model] : dirs) {
      for (const auto& [name, node] : model.current) {
        Status s = base_->RemoveFile(JoinPath(dir, name));
        if (!s.ok() && !s.IsNotFound()) return s;
      }
    }
    std::map<const FileNode*, std::string> restored;  // identity → path
    for (const auto& [dir, model] : dirs) {
      for (const auto& [name, node] : model.durable) {
        const std::string path = JoinPath(dir, name);
        Status s = base_->RemoveFile(path);  // in case it came back unseen
        if (!s.ok() && !s.IsNotFound()) return s;
        auto it = restored.find(node.get());
        if (it != restored.end()) {
          STRATA_RETURN_IF_ERROR(base_->LinkFile(it->second, path));
        } else {
          STRATA_RETURN_IF_ERROR(internal::WriteStringToFile(
              base_, node->durable, path, /*sync=*/false));
          restored.emplace(node.get(), path);
        }
      }
    }
    for (auto& [dir, model] : dirs) {
      model.current = model.durable;
      for (auto& [name, node] : model.durable) node->current = node->durable;
    }
    return Status::OK();
  }

 private:
  Env* const base_;  // borrowed

  // A node whose current and durable content are the base file's bytes, or
  // nullptr if `path` cannot be read as a file.
  NodePtr SeedNode(const std::string& path) {
    std::string content;
    if (!internal::ReadFileToString(base_, path, &content).ok()) {
      return nullptr;
    }
    auto node = std::make_shared<FileNode>();
    node->current = content;
    node->durable = std::move(content);
    return node;
  }
};

namespace {

using StatePtr = std::shared_ptr<FaultEnvState>;

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(StatePtr state, std::unique_ptr<SequentialFile> base,
                      std::string path, uint64_t generation)
      : state_(std::move(state)),
        base_(std::move(base)),
        path_(std::move(path)),
        generation_(generation) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    *result = Slice();
    {
      MutexLock lock(&state_->mu);
      STRATA_RETURN_IF_ERROR(state_->CheckFileLocked(generation_, path_));
      STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kRead));
    }
    return base_->Read(n, result, scratch);
  }

  Status Skip(uint64_t n) override {
    {
      MutexLock lock(&state_->mu);
      STRATA_RETURN_IF_ERROR(state_->CheckFileLocked(generation_, path_));
    }
    return base_->Skip(n);
  }

 private:
  const StatePtr state_;
  const std::unique_ptr<SequentialFile> base_;
  const std::string path_;
  const uint64_t generation_;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(StatePtr state, std::unique_ptr<RandomAccessFile> base,
                        std::string path, uint64_t generation)
      : state_(std::move(state)),
        base_(std::move(base)),
        path_(std::move(path)),
        generation_(generation) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    *result = Slice();
    {
      MutexLock lock(&state_->mu);
      STRATA_RETURN_IF_ERROR(state_->CheckFileLocked(generation_, path_));
      STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kRead));
    }
    // The base file is safe for concurrent readers; no lock needed.
    return base_->Read(offset, n, result, scratch);
  }

 private:
  const StatePtr state_;
  const std::unique_ptr<RandomAccessFile> base_;
  const std::string path_;
  const uint64_t generation_;
};

// Buffers appends, hands them to the base (Append + Flush, so the base
// buffers nothing between calls) and records them in the file's node.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(StatePtr state, NodePtr node,
                    std::unique_ptr<WritableFile> base, std::string path,
                    uint64_t generation)
      : state_(std::move(state)),
        node_(std::move(node)),
        base_(std::move(base)),
        path_(std::move(path)),
        generation_(generation),
        size_(base_->Size()) {}

  ~FaultWritableFile() override {
    MutexLock lock(&state_->mu);
    if (!closed_ && state_->CheckFileLocked(generation_, path_).ok()) {
      (void)FlushPendingLocked();  // the contract: errors are discarded
      (void)base_->Close();
    }
    // Otherwise the process "died": pending bytes are dropped, and the base
    // file, whose own buffer is empty, closes without writing.
    base_.reset();
  }
  FaultWritableFile(const FaultWritableFile&) = delete;
  FaultWritableFile& operator=(const FaultWritableFile&) = delete;

  // An injected failure changes nothing: the bytes stay buffered (a file
  // that a caller must take back with Truncate; see WritableFile).
  Status Append(const Slice& data) override {
    MutexLock lock(&state_->mu);
    STRATA_RETURN_IF_ERROR(CheckOpenLocked("append"));
    STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kWrite));
    if (pending_.size() + data.size() <= kWriteBufferSize) {
      pending_.append(data.data(), data.size());
    } else {
      STRATA_RETURN_IF_ERROR(FlushPendingLocked());
      if (data.size() < kWriteBufferSize) {
        pending_.append(data.data(), data.size());
      } else {
        STRATA_RETURN_IF_ERROR(WriteToBaseLocked(data));
      }
    }
    size_ += data.size();
    return Status::OK();
  }

  Status Flush() override {
    MutexLock lock(&state_->mu);
    STRATA_RETURN_IF_ERROR(CheckOpenLocked("flush"));
    STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kWrite));
    return FlushPendingLocked();
  }

  Status Sync() override {
    MutexLock lock(&state_->mu);
    STRATA_RETURN_IF_ERROR(CheckOpenLocked("sync"));
    STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kSync));
    STRATA_RETURN_IF_ERROR(FlushPendingLocked());
    STRATA_RETURN_IF_ERROR(base_->Sync());
    // fdatasync covers every byte of the inode, whichever handle wrote it.
    node_->durable = node_->current;
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    MutexLock lock(&state_->mu);
    STRATA_RETURN_IF_ERROR(CheckOpenLocked("truncate"));
    if (size > size_) {
      return Status::InvalidArgument(path_ + ": truncate",
                                     "beyond the end of the file");
    }
    const uint64_t written = size_ - pending_.size();
    if (size >= written) {
      pending_.resize(static_cast<size_t>(size - written));
    } else {
      pending_.clear();
      STRATA_RETURN_IF_ERROR(base_->Truncate(size));
      // Not durable until a sync: a power loss brings back the durable bytes.
      node_->current.resize(static_cast<size_t>(size));
    }
    size_ = size;
    return Status::OK();
  }

  Status Close() override {
    MutexLock lock(&state_->mu);
    if (closed_) return ClosedError("close");
    if (!state_->active) return FaultEnvState::InactiveError();
    Status s = state_->CheckFileLocked(generation_, path_);
    if (!s.ok()) {
      // A dead handle: close it without writing anything.
      closed_ = true;
      pending_.clear();
      base_.reset();
      return s;
    }
    s = FlushPendingLocked();
    Status close_status = base_->Close();
    if (s.ok()) s = std::move(close_status);
    closed_ = true;
    pending_.clear();
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  Status ClosedError(const char* what) const {
    return Status::IOError(path_ + ": " + what, "file is already closed");
  }

  Status CheckOpenLocked(const char* what) const STRATA_REQUIRES(state_->mu) {
    if (closed_) return ClosedError(what);
    return state_->CheckFileLocked(generation_, path_);
  }

  Status WriteToBaseLocked(const Slice& data) STRATA_REQUIRES(state_->mu) {
    STRATA_RETURN_IF_ERROR(base_->Append(data));
    STRATA_RETURN_IF_ERROR(base_->Flush());
    node_->current.append(data.data(), data.size());
    return Status::OK();
  }

  Status FlushPendingLocked() STRATA_REQUIRES(state_->mu) {
    if (pending_.empty()) return Status::OK();
    STRATA_RETURN_IF_ERROR(WriteToBaseLocked(pending_));
    pending_.clear();
    return Status::OK();
  }

  const StatePtr state_;
  const NodePtr node_;
  std::unique_ptr<WritableFile> base_;
  const std::string path_;
  const uint64_t generation_;
  std::string pending_;  // appended, not yet handed to the base
  uint64_t size_;        // bytes appended so far, including pending_
  bool closed_ = false;
};

// A path split into its normalised directory and entry name.
struct PathParts {
  std::string dir;
  std::string name;
};

PathParts Split(const std::string& path) {
  const std::string normal = NormalizePath(path);
  return PathParts{DirName(normal), BaseName(normal)};
}

}  // namespace

FaultInjectionEnv::FaultInjectionEnv(Env* base)
    : base_(base), state_(std::make_shared<FaultEnvState>(base)) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

Status FaultInjectionEnv::DropUnsyncedData() {
  MutexLock lock(&state_->mu);
  return state_->DropUnsyncedDataLocked();
}

void FaultInjectionEnv::SetFilesystemActive(bool active) {
  MutexLock lock(&state_->mu);
  state_->active = active;
}

bool FaultInjectionEnv::IsFilesystemActive() const {
  MutexLock lock(&state_->mu);
  return state_->active;
}

void FaultInjectionEnv::FailAfter(FaultOp op, uint64_t n, Status error,
                                  bool persistent) {
  assert(!error.ok());
  MutexLock lock(&state_->mu);
  Fault& fault = state_->faults[Index(op)];
  fault.armed = true;
  fault.skip = n;
  fault.error = std::move(error);
  fault.persistent = persistent;
  fault.crash = false;
}

void FaultInjectionEnv::CrashAt(FaultOp op, uint64_t n) {
  MutexLock lock(&state_->mu);
  Fault& fault = state_->faults[Index(op)];
  fault = Fault();
  fault.armed = true;
  fault.skip = n;
  fault.crash = true;
}

void FaultInjectionEnv::ClearFaults() {
  MutexLock lock(&state_->mu);
  for (Fault& fault : state_->faults) fault = Fault();
}

uint64_t FaultInjectionEnv::OpCount(FaultOp op) const {
  MutexLock lock(&state_->mu);
  return state_->counts[Index(op)];
}

Status FaultInjectionEnv::NoSpaceError() {
  return Status::IOError("injected fault", "No space left on device");
}

Status FaultInjectionEnv::NewSequentialFile(
    const std::string& path, std::unique_ptr<SequentialFile>* result) {
  result->reset();
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewSequentialFile(path, &file));
  *result = std::make_unique<FaultSequentialFile>(state_, std::move(file), path,
                                                  state_->generation);
  return Status::OK();
}

Status FaultInjectionEnv::NewRandomAccessFile(
    const std::string& path, std::unique_ptr<RandomAccessFile>* result) {
  result->reset();
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  std::unique_ptr<RandomAccessFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewRandomAccessFile(path, &file));
  *result = std::make_unique<FaultRandomAccessFile>(state_, std::move(file),
                                                    path, state_->generation);
  return Status::OK();
}

Status FaultInjectionEnv::NewWritableFile(
    const std::string& path, std::unique_ptr<WritableFile>* result) {
  result->reset();
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kCreate));
  const PathParts parts = Split(path);
  DirModel* model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(parts.dir, &model));
  // Look up before the base truncates, so an adopted file keeps its bytes
  // as durable.
  NodePtr node = state_->FindNodeLocked(model, parts.dir, parts.name);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewWritableFile(path, &file));
  if (node != nullptr) {
    node->current.clear();  // O_TRUNC keeps the identity
  } else {
    node = std::make_shared<FileNode>();
    model->current[parts.name] = node;
  }
  *result = std::make_unique<FaultWritableFile>(
      state_, std::move(node), std::move(file), path, state_->generation);
  return Status::OK();
}

Status FaultInjectionEnv::NewAppendableFile(
    const std::string& path, std::unique_ptr<WritableFile>* result) {
  result->reset();
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kCreate));
  const PathParts parts = Split(path);
  DirModel* model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(parts.dir, &model));
  NodePtr node = state_->FindNodeLocked(model, parts.dir, parts.name);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(base_->NewAppendableFile(path, &file));
  if (node == nullptr) {
    node = std::make_shared<FileNode>();
    model->current[parts.name] = node;
  }
  *result = std::make_unique<FaultWritableFile>(
      state_, std::move(node), std::move(file), path, state_->generation);
  return Status::OK();
}

bool FaultInjectionEnv::FileExists(const std::string& path) {
  MutexLock lock(&state_->mu);
  return state_->active && base_->FileExists(path);
}

Status FaultInjectionEnv::GetChildren(const std::string& dir,
                                      std::vector<std::string>* names) {
  names->clear();
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  return base_->GetChildren(dir, names);
}

Status FaultInjectionEnv::GetFileSize(const std::string& path, uint64_t* size) {
  *size = 0;
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  return base_->GetFileSize(path, size);
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kRemove));
  const PathParts parts = Split(path);
  DirModel* model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(parts.dir, &model));
  // Adopt an unseen file first, so that an undurable delete can be undone.
  (void)state_->FindNodeLocked(model, parts.dir, parts.name);
  STRATA_RETURN_IF_ERROR(base_->RemoveFile(path));
  model->current.erase(parts.name);
  return Status::OK();
}

Status FaultInjectionEnv::RenameFile(const std::string& from,
                                     const std::string& to) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kRename));
  const PathParts src = Split(from);
  const PathParts dst = Split(to);
  DirModel* src_model = nullptr;
  DirModel* dst_model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(src.dir, &src_model));
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(dst.dir, &dst_model));
  NodePtr node = state_->FindNodeLocked(src_model, src.dir, src.name);
  // Adopt the target too: the replaced file must come back after a crash.
  (void)state_->FindNodeLocked(dst_model, dst.dir, dst.name);
  STRATA_RETURN_IF_ERROR(base_->RenameFile(from, to));
  if (node == nullptr) {
    // Not a file: a directory moved. Its models no longer match any path.
    state_->UntrackTreeLocked(NormalizePath(from));
    return Status::OK();
  }
  if (src.dir == dst.dir && src.name == dst.name) return Status::OK();
  src_model->current.erase(src.name);
  dst_model->current[dst.name] = std::move(node);
  return Status::OK();
}

Status FaultInjectionEnv::LinkFile(const std::string& from,
                                   const std::string& to) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kLink));
  const PathParts src = Split(from);
  const PathParts dst = Split(to);
  DirModel* src_model = nullptr;
  DirModel* dst_model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(src.dir, &src_model));
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(dst.dir, &dst_model));
  NodePtr node = state_->FindNodeLocked(src_model, src.dir, src.name);
  STRATA_RETURN_IF_ERROR(base_->LinkFile(from, to));
  if (node != nullptr) dst_model->current[dst.name] = std::move(node);
  return Status::OK();
}

Status FaultInjectionEnv::CreateDirIfMissing(const std::string& dir) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(base_->CreateDirIfMissing(dir));
  DirModel* model = nullptr;
  return state_->TrackDirLocked(NormalizePath(dir), &model);
}

Status FaultInjectionEnv::RemoveDir(const std::string& dir) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(base_->RemoveDir(dir));
  state_->UntrackTreeLocked(NormalizePath(dir));
  return Status::OK();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  MutexLock lock(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  STRATA_RETURN_IF_ERROR(state_->CountAndMaybeFailLocked(FaultOp::kDirSync));
  const std::string normal = NormalizePath(dir);
  DirModel* model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(normal, &model));
  STRATA_RETURN_IF_ERROR(base_->SyncDir(dir));
  model->durable = model->current;
  return Status::OK();
}

Status FaultInjectionEnv::LockFile(const std::string& path,
                                   std::unique_ptr<FileLock>* lock) {
  lock->reset();
  MutexLock guard(&state_->mu);
  STRATA_RETURN_IF_ERROR(state_->CheckActiveLocked());
  const PathParts parts = Split(path);
  DirModel* model = nullptr;
  STRATA_RETURN_IF_ERROR(state_->TrackDirLocked(parts.dir, &model));
  const bool known =
      state_->FindNodeLocked(model, parts.dir, parts.name) != nullptr;
  STRATA_RETURN_IF_ERROR(base_->LockFile(path, lock));
  if (!known) model->current[parts.name] = std::make_shared<FileNode>();
  return Status::OK();
}

uint64_t FaultInjectionEnv::NowMicros() { return base_->NowMicros(); }

}  // namespace strata::testing
