#include "testing/cut_env.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"
#include "base/thread_annotations.h"

namespace strata::testing {

using internal::Mutex;
using internal::MutexLock;

namespace {

constexpr size_t kMaxFailures = 1000;
constexpr size_t kMaxTrace = 1000000;

}  // namespace

const char* IoCallName(IoCall call) {
  switch (call) {
    case IoCall::kNewSequentialFile:
      return "new-sequential-file";
    case IoCall::kNewRandomAccessFile:
      return "new-random-access-file";
    case IoCall::kNewWritableFile:
      return "new-writable-file";
    case IoCall::kNewAppendableFile:
      return "new-appendable-file";
    case IoCall::kFileExists:
      return "file-exists";
    case IoCall::kGetChildren:
      return "get-children";
    case IoCall::kGetFileSize:
      return "get-file-size";
    case IoCall::kRemoveFile:
      return "remove";
    case IoCall::kRenameFile:
      return "rename";
    case IoCall::kLinkFile:
      return "link";
    case IoCall::kCreateDir:
      return "create-dir";
    case IoCall::kRemoveDir:
      return "remove-dir";
    case IoCall::kSyncDir:
      return "sync-dir";
    case IoCall::kLockFile:
      return "lock";
    case IoCall::kAppend:
      return "append";
    case IoCall::kFlush:
      return "flush";
    case IoCall::kSync:
      return "sync";
    case IoCall::kClose:
      return "close";
    case IoCall::kRead:
      return "read";
    case IoCall::kSkip:
      return "skip";
    case IoCall::kTruncate:
      return "truncate";
  }
  return "?";
}

// The counter, the armed cut and the failure record, shared by the env and
// its files (which may outlive it).
class CutEnvState {
 public:
  explicit CutEnvState(FaultInjectionEnv* target) : target_(target) {}

  // Runs `fn` (the forwarded call) as call `call` on `path` under the mutex,
  // so no other call reaches the target between it and a due cut.
  template <typename Fn>
  Status Run(IoCall call, const std::string& path, Fn&& fn) {
    MutexLock lock(&mu_);
    Status s = fn();
    AfterCallLocked(call, path, s);
    return s;
  }

  // As Run, for FileExists (which reports no status).
  template <typename Fn>
  bool RunBool(IoCall call, const std::string& path, Fn&& fn) {
    MutexLock lock(&mu_);
    const bool result = fn();
    AfterCallLocked(call, path, Status::OK());
    return result;
  }

  uint64_t calls() const {
    MutexLock lock(&mu_);
    return calls_;
  }

  void CutAfter(uint64_t k) {
    MutexLock lock(&mu_);
    cut_done_ = false;
    armed_ = true;
    cut_at_ = k;
    cut_call_ = CallRecord();
    MaybeCutLocked();
  }

  void Disarm() {
    MutexLock lock(&mu_);
    armed_ = false;
    cut_done_ = false;
  }

  bool cut_done() const {
    MutexLock lock(&mu_);
    return cut_done_;
  }

  std::vector<CallRecord> failures() const {
    MutexLock lock(&mu_);
    return failures_;
  }

  void ClearFailures() {
    MutexLock lock(&mu_);
    failures_.clear();
  }

  void SetTracing(bool on) {
    MutexLock lock(&mu_);
    tracing_ = on;
  }

  // relaxed: a plain setting; no other data is published with it.
  void SetSyncDelay(uint64_t micros) {
    sync_delay_micros_.store(micros, std::memory_order_relaxed);
  }
  void DelaySync() const {
    const uint64_t micros = sync_delay_micros_.load(std::memory_order_relaxed);
    if (micros > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(micros));
    }
  }

  std::vector<CallRecord> trace() const {
    MutexLock lock(&mu_);
    return trace_;
  }

  CallRecord cut_call() const {
    MutexLock lock(&mu_);
    return cut_call_;
  }

 private:
  void AfterCallLocked(IoCall call, const std::string& path, const Status& s)
      STRATA_REQUIRES(mu_) {
    ++calls_;
    if (!s.ok() && !s.IsNotFound() && failures_.size() < kMaxFailures) {
      failures_.push_back(
          CallRecord{calls_, call, path, s, std::this_thread::get_id()});
    }
    if (tracing_ && trace_.size() < kMaxTrace) {
      trace_.push_back(
          CallRecord{calls_, call, path, s, std::this_thread::get_id()});
    }
    if (armed_ && calls_ >= cut_at_) {
      cut_call_ = CallRecord{calls_, call, path, s, std::this_thread::get_id()};
    }
    MaybeCutLocked();
  }

  void MaybeCutLocked() STRATA_REQUIRES(mu_) {
    if (armed_ && calls_ >= cut_at_) {
      target_->SetFilesystemActive(false);
      armed_ = false;
      cut_done_ = true;
    }
  }

  FaultInjectionEnv* const target_;
  std::atomic<uint64_t> sync_delay_micros_{0};
  mutable Mutex mu_;
  uint64_t calls_ STRATA_GUARDED_BY(mu_) = 0;
  bool armed_ STRATA_GUARDED_BY(mu_) = false;
  uint64_t cut_at_ STRATA_GUARDED_BY(mu_) = 0;
  bool cut_done_ STRATA_GUARDED_BY(mu_) = false;
  std::vector<CallRecord> failures_ STRATA_GUARDED_BY(mu_);
  bool tracing_ STRATA_GUARDED_BY(mu_) = false;
  std::vector<CallRecord> trace_ STRATA_GUARDED_BY(mu_);
  CallRecord cut_call_ STRATA_GUARDED_BY(mu_);
};

namespace {

using StatePtr = std::shared_ptr<CutEnvState>;

class CutSequentialFile final : public SequentialFile {
 public:
  CutSequentialFile(StatePtr state, std::unique_ptr<SequentialFile> base,
                    std::string path)
      : state_(std::move(state)),
        base_(std::move(base)),
        path_(std::move(path)) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    return state_->Run(IoCall::kRead, path_,
                       [&] { return base_->Read(n, result, scratch); });
  }

  Status Skip(uint64_t n) override {
    return state_->Run(IoCall::kSkip, path_, [&] { return base_->Skip(n); });
  }

 private:
  const StatePtr state_;
  const std::unique_ptr<SequentialFile> base_;
  const std::string path_;
};

class CutRandomAccessFile final : public RandomAccessFile {
 public:
  CutRandomAccessFile(StatePtr state, std::unique_ptr<RandomAccessFile> base,
                      std::string path)
      : state_(std::move(state)),
        base_(std::move(base)),
        path_(std::move(path)) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    return state_->Run(IoCall::kRead, path_,
                       [&] { return base_->Read(offset, n, result, scratch); });
  }

 private:
  const StatePtr state_;
  const std::unique_ptr<RandomAccessFile> base_;
  const std::string path_;
};

class CutWritableFile final : public WritableFile {
 public:
  CutWritableFile(StatePtr state, std::unique_ptr<WritableFile> base,
                  std::string path)
      : state_(std::move(state)),
        base_(std::move(base)),
        path_(std::move(path)) {}

  ~CutWritableFile() override {
    if (closed_) return;
    // The base's destructor hands its buffered bytes to the disk: a call.
    (void)state_->Run(IoCall::kClose, path_, [&] {
      base_.reset();
      return Status::OK();
    });
  }
  CutWritableFile(const CutWritableFile&) = delete;
  CutWritableFile& operator=(const CutWritableFile&) = delete;

  Status Append(const Slice& data) override {
    return state_->Run(IoCall::kAppend, path_,
                       [&] { return base_->Append(data); });
  }
  Status Flush() override {
    return state_->Run(IoCall::kFlush, path_, [&] { return base_->Flush(); });
  }
  Status Sync() override {
    state_->DelaySync();  // outside the mutex: other calls go on meanwhile
    return state_->Run(IoCall::kSync, path_, [&] { return base_->Sync(); });
  }
  Status Close() override {
    Status s =
        state_->Run(IoCall::kClose, path_, [&] { return base_->Close(); });
    // After a failed close the base may still write when destroyed: then
    // the destruction counts as a call of its own.
    if (s.ok()) closed_ = true;
    return s;
  }
  uint64_t Size() const override { return base_->Size(); }
  Status Truncate(uint64_t size) override {
    return state_->Run(IoCall::kTruncate, path_,
                       [&] { return base_->Truncate(size); });
  }

 private:
  const StatePtr state_;
  std::unique_ptr<WritableFile> base_;
  const std::string path_;
  bool closed_ = false;
};

}  // namespace

CutEnv::CutEnv(FaultInjectionEnv* target)
    : target_(target), state_(std::make_shared<CutEnvState>(target)) {}

CutEnv::~CutEnv() = default;

uint64_t CutEnv::calls() const { return state_->calls(); }
void CutEnv::CutAfter(uint64_t k) { state_->CutAfter(k); }
void CutEnv::Disarm() { state_->Disarm(); }
bool CutEnv::cut_done() const { return state_->cut_done(); }
std::vector<CallRecord> CutEnv::failures() const { return state_->failures(); }
void CutEnv::ClearFailures() { state_->ClearFailures(); }
void CutEnv::SetSyncDelay(uint64_t micros) { state_->SetSyncDelay(micros); }
void CutEnv::SetTracing(bool on) { state_->SetTracing(on); }
std::vector<CallRecord> CutEnv::trace() const { return state_->trace(); }
CallRecord CutEnv::cut_call() const { return state_->cut_call(); }

Status CutEnv::NewSequentialFile(const std::string& path,
                                 std::unique_ptr<SequentialFile>* result) {
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(state_->Run(IoCall::kNewSequentialFile, path, [&] {
    return target_->NewSequentialFile(path, &file);
  }));
  *result = std::make_unique<CutSequentialFile>(state_, std::move(file), path);
  return Status::OK();
}

Status CutEnv::NewRandomAccessFile(const std::string& path,
                                   std::unique_ptr<RandomAccessFile>* result) {
  std::unique_ptr<RandomAccessFile> file;
  STRATA_RETURN_IF_ERROR(state_->Run(IoCall::kNewRandomAccessFile, path, [&] {
    return target_->NewRandomAccessFile(path, &file);
  }));
  *result =
      std::make_unique<CutRandomAccessFile>(state_, std::move(file), path);
  return Status::OK();
}

Status CutEnv::NewWritableFile(const std::string& path,
                               std::unique_ptr<WritableFile>* result) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(state_->Run(IoCall::kNewWritableFile, path, [&] {
    return target_->NewWritableFile(path, &file);
  }));
  *result = std::make_unique<CutWritableFile>(state_, std::move(file), path);
  return Status::OK();
}

Status CutEnv::NewAppendableFile(const std::string& path,
                                 std::unique_ptr<WritableFile>* result) {
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(state_->Run(IoCall::kNewAppendableFile, path, [&] {
    return target_->NewAppendableFile(path, &file);
  }));
  *result = std::make_unique<CutWritableFile>(state_, std::move(file), path);
  return Status::OK();
}

bool CutEnv::FileExists(const std::string& path) {
  return state_->RunBool(IoCall::kFileExists, path,
                         [&] { return target_->FileExists(path); });
}

Status CutEnv::GetChildren(const std::string& dir,
                           std::vector<std::string>* names) {
  return state_->Run(IoCall::kGetChildren, dir,
                     [&] { return target_->GetChildren(dir, names); });
}

Status CutEnv::GetFileSize(const std::string& path, uint64_t* size) {
  return state_->Run(IoCall::kGetFileSize, path,
                     [&] { return target_->GetFileSize(path, size); });
}

Status CutEnv::RemoveFile(const std::string& path) {
  return state_->Run(IoCall::kRemoveFile, path,
                     [&] { return target_->RemoveFile(path); });
}

Status CutEnv::RenameFile(const std::string& from, const std::string& to) {
  return state_->Run(IoCall::kRenameFile, from,
                     [&] { return target_->RenameFile(from, to); });
}

Status CutEnv::LinkFile(const std::string& from, const std::string& to) {
  return state_->Run(IoCall::kLinkFile, from,
                     [&] { return target_->LinkFile(from, to); });
}

Status CutEnv::CreateDirIfMissing(const std::string& dir) {
  return state_->Run(IoCall::kCreateDir, dir,
                     [&] { return target_->CreateDirIfMissing(dir); });
}

Status CutEnv::RemoveDir(const std::string& dir) {
  return state_->Run(IoCall::kRemoveDir, dir,
                     [&] { return target_->RemoveDir(dir); });
}

Status CutEnv::SyncDir(const std::string& dir) {
  return state_->Run(IoCall::kSyncDir, dir,
                     [&] { return target_->SyncDir(dir); });
}

Status CutEnv::LockFile(const std::string& path,
                        std::unique_ptr<FileLock>* lock) {
  // The lock is the target's: releasing it is no I/O worth counting.
  return state_->Run(IoCall::kLockFile, path,
                     [&] { return target_->LockFile(path, lock); });
}

uint64_t CutEnv::NowMicros() { return target_->NowMicros(); }

}  // namespace strata::testing
