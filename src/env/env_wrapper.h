// EnvWrapper: an Env that forwards every call to a borrowed target. A test
// env that changes a few calls (holds table creation, slows syncs, injects
// errors) derives from it and overrides only those.
//
// Thread-safety: as the target's.
// Ownership: borrows `target`, which must outlive the wrapper.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/env.h"

namespace strata::internal {

class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}

  Env* target() const { return target_; }

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    return target_->NewSequentialFile(path, result);
  }
  Status NewRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override {
    return target_->NewRandomAccessFile(path, result);
  }
  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    return target_->NewWritableFile(path, result);
  }
  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* result) override {
    return target_->NewAppendableFile(path, result);
  }
  bool FileExists(const std::string& path) override {
    return target_->FileExists(path);
  }
  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* names) override {
    return target_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, uint64_t* size) override {
    return target_->GetFileSize(path, size);
  }
  Status RemoveFile(const std::string& path) override {
    return target_->RemoveFile(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    return target_->LinkFile(from, to);
  }
  Status CreateDirIfMissing(const std::string& dir) override {
    return target_->CreateDirIfMissing(dir);
  }
  Status RemoveDir(const std::string& dir) override {
    return target_->RemoveDir(dir);
  }
  Status SyncDir(const std::string& dir) override {
    return target_->SyncDir(dir);
  }
  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override {
    return target_->LockFile(path, lock);
  }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  // NowNanos() is not forwarded: Env's default derives it from NowMicros(),
  // so a wrapper that moves its own NowMicros() moves both clocks.

 private:
  Env* const target_;
};

}  // namespace strata::internal
