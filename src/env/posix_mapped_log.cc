// env/posix_mapped_log.cc — see posix_mapped_log.h.

#include "env/posix_mapped_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "env/env_util.h"
#include "env/mapping_guard.h"

namespace strata::internal {
namespace {

// An append-only log written through a shared mapping (NewMappedWritableFile):
// an append is a copy into the page cache, with no system call. The file is
// preallocated a window (kLogWindow) at a time and the window mapped; bytes
// past Size() are zero until Close() cuts them off. Data copied into a
// MAP_SHARED mapping is in the page cache at once, so it survives the
// process's death as a write(2) would; Sync() is fdatasync, which writes
// pages dirtied through the mapping too. Used by one thread at a time.
class PosixMappedWritableFile final : public WritableFile {
 public:
  PosixMappedWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixMappedWritableFile() override {
    if (fd_ >= 0) (void)Close();  // the contract: errors are discarded here
  }
  PosixMappedWritableFile(const PosixMappedWritableFile&) = delete;
  PosixMappedWritableFile& operator=(const PosixMappedWritableFile&) = delete;

  Status Append(const Slice& data) override {
    if (fd_ < 0) return ClosedError("append");
    if (!error_.ok()) return error_;
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      if (window_ == nullptr || size_ == window_end_) {
        Status s = MapWindow();
        if (!s.ok()) {
          Fail(s);
          return s;
        }
      }
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(left, window_end_ - size_));
      if (!CopyToMapping(window_ + (size_ - window_offset_), p, n)) {
        Fail(Status::IOError(
            path_ + ": write of " + std::to_string(n) + " bytes at offset " +
                std::to_string(size_) + " through its memory mapping",
            "SIGBUS: the file was truncated below the mapping or the file "
            "system could not back the page"));
        return error_;
      }
      size_ += n;
      p += n;
      left -= n;
    }
    return Status::OK();
  }

  // Appended bytes are in the page cache already.
  Status Flush() override {
    if (fd_ < 0) return ClosedError("flush");
    return error_;
  }

  Status Sync() override {
    if (fd_ < 0) return ClosedError("sync");
    if (!error_.ok()) return error_;
    if (::fdatasync(fd_) != 0) {
      // As PosixWritableFile: a retried fdatasync could report success
      // for pages the kernel dropped.
      Fail(ErrnoToStatus(path_, "fdatasync", errno));
      return error_;
    }
    return Status::OK();
  }

  // The mapped log on `fd`, or null (see NewPosixMappedLog).
  static std::unique_ptr<WritableFile> Open(const std::string& path, int fd) {
    auto mapped = std::make_unique<PosixMappedWritableFile>(path, fd);
    // Tried, then given back: the file stays empty until the first append.
    if (mapped->MapWindow().ok()) {
      mapped->Unmap();
      mapped->window_length_ = kFirstWindow / 2;
      if (mapped->CutAt(0).ok()) return mapped;
    }
    mapped->fd_ = -1;  // the descriptor stays the caller's
    int r;
    do {
      r = ::ftruncate(fd, 0);
    } while (r != 0 && errno == EINTR);
    return nullptr;
  }

  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return ClosedError("truncate");
    if (size > size_) {
      return Status::InvalidArgument(path_ + ": truncate",
                                     "beyond the end of the file");
    }
    // Cut the file (and its preallocated space) at `size`; the next append
    // maps a window from there.
    Unmap();
    const Status s = CutAt(size);
    if (!s.ok()) return s;
    size_ = size;
    error_ = Status::OK();
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return ClosedError("close");
    Unmap();
    // The preallocated space past the data goes, whatever failed before.
    Status s = CutAt(size_);
    if (!error_.ok()) s = error_;
    // Linux releases the descriptor even when close(2) fails.
    if (::close(fd_) != 0 && s.ok()) s = ErrnoToStatus(path_, "close", errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  // Preallocated and mapped at a time, at most (less at first, and near a
  // full disk). A window costs an fallocate, an mmap and a munmap: at 1
  // MiB, a few microseconds per thousands of appends.
  static constexpr uint64_t kLogWindow = uint64_t{1} << 20;
  static constexpr uint64_t kFirstWindow = uint64_t{64} << 10;

  Status ClosedError(const char* what) const {
    return Status::IOError(path_ + ": " + what, "file is already closed");
  }

  // Records the first failure; nothing more is appended after it.
  void Fail(Status s) {
    if (error_.ok()) error_ = std::move(s);
  }

  void Unmap() {
    if (window_ == nullptr) return;
    ::munmap(window_, static_cast<size_t>(window_end_ - window_offset_));
    window_ = nullptr;
  }

  // Cuts the file to `size` bytes.
  Status CutAt(uint64_t size) {
    int r;
    do {
      r = ::ftruncate(fd_, static_cast<off_t>(size));
    } while (r != 0 && errno == EINTR);
    if (r != 0) return ErrnoToStatus(path_, "ftruncate", errno);
    return Status::OK();
  }

  // Maps the window that starts at the page holding size_, preallocating
  // its blocks first, so that writing a page of it cannot meet a full
  // file system (which would be a SIGBUS, not an error return). Near a
  // full disk the window shrinks, down to one page, before ENOSPC.
  Status MapWindow() {
    Unmap();
    const uint64_t page = PageSize();
    const uint64_t offset = size_ & ~(page - 1);
    // Windows double from kFirstWindow, so that a small log holds little
    // preallocated space.
    window_length_ = std::min(kLogWindow, window_length_ * 2);
    uint64_t length = window_length_;
    int r;
    while (true) {
      do {
        r = ::fallocate(fd_, 0, static_cast<off_t>(offset),
                        static_cast<off_t>(length));
      } while (r != 0 && errno == EINTR);
      if (r == 0 || (errno != ENOSPC && errno != EDQUOT) || length <= page) {
        break;
      }
      length /= 2;
    }
    if (r != 0) {
      if (errno != EOPNOTSUPP) return ErrnoToStatus(path_, "fallocate", errno);
      // A file system without fallocate: extend the file sparsely. A page
      // it then cannot back is a SIGBUS, which the guarded copy reports.
      struct stat st;
      if (::fstat(fd_, &st) != 0) return ErrnoToStatus(path_, "stat", errno);
      if (static_cast<uint64_t>(st.st_size) < offset + length) {
        const Status s = CutAt(offset + length);
        if (!s.ok()) return s;
      }
    }
    void* base =
        ::mmap(nullptr, static_cast<size_t>(length), PROT_READ | PROT_WRITE,
               MAP_SHARED, fd_, static_cast<off_t>(offset));
    if (base == MAP_FAILED) return ErrnoToStatus(path_, "mmap", errno);
    window_ = static_cast<char*>(base);
    window_offset_ = offset;
    window_end_ = offset + length;
    return Status::OK();
  }

  const std::string path_;
  int fd_;  // -1 once closed
  // The mapped window: file bytes [window_offset_, window_end_) at window_
  // (null when nothing is mapped; the offsets are then stale).
  char* window_ = nullptr;
  uint64_t window_offset_ = 0;
  uint64_t window_end_ = 0;
  uint64_t window_length_ = kFirstWindow / 2;  // of the last window mapped
  uint64_t size_ = 0;                          // bytes appended
  Status error_;  // the first failed append or sync; sticky
};

}  // namespace

std::unique_ptr<WritableFile> NewPosixMappedLog(const std::string& path,
                                                int fd) {
  return PosixMappedWritableFile::Open(path, fd);
}

}  // namespace strata::internal
