// The POSIX environment: Env::Default() and NewPosixEnv().
//
// Every descriptor is opened with O_CLOEXEC, so a child the process spawns
// never inherits (and never keeps alive) a database file or its lock.
// Writable files buffer appends in user space (kWritableBufferSize) and hand
// them to the kernel with write(2) on Flush(), Sync(), Close() or when the
// buffer would overflow.
//
// Directory locks are two locks at once: an entry in a process-wide registry
// (shared by Default() and every NewPosixEnv() env) that catches a second
// open from this process with a clear message, and flock(2) on the LOCK file
// that other processes see. flock locks belong to the open file description,
// so closing some other descriptor of the LOCK file cannot drop them (unlike
// fcntl record locks, which belong to the process).
//
// NewMappedWritableFile writes a log through shared mappings of space it
// preallocates (env/posix_mapped_log.h), copying each append in under the
// same guard, front to back.
//
// NewMappedRandomAccessFile maps the whole file read-only (mmap(2)) and
// closes the descriptor; reads then copy out of the mapping, and visits
// (RandomAccessFile::Visit) read in it, under a SIGBUS guard
// (env/mapping_guard.h) that turns a failed page-in into an IOError. At
// most kMaxMappings files are mapped at once, process-wide (each mapping is
// one of the kernel's vm.max_map_count areas); past that, and wherever
// mmap fails, the file is read with pread(2) like any other.

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "env/env_util.h"
#include "env/fault_score.h"
#include "env/mapping_guard.h"
#include "env/posix_mapped_log.h"
#include "strata/env.h"

namespace strata {
namespace {

using internal::ErrnoToStatus;
using internal::Mutex;
using internal::MutexLock;

constexpr size_t kWritableBufferSize = 64 * 1024;
constexpr int kMaxMappings = 4096;

// Mappings that may still be made (see the file comment).
std::atomic<int> g_mappings_left{kMaxMappings};

// Takes one of the mappings left; false when none is.
bool TakeMapping() {
  // relaxed: a count of mappings, guarding no other memory.
  int left = g_mappings_left.load(std::memory_order_relaxed);
  while (left > 0) {
    if (g_mappings_left.compare_exchange_weak(left, left - 1,
                                              std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

// Gives back a mapping TakeMapping() took.
void ReturnMapping() {
  // relaxed: as in TakeMapping().
  g_mappings_left.fetch_add(1, std::memory_order_relaxed);
}

// Holds a T that is constructed on first use and never destroyed, so objects
// that outlive static destruction (detached threads, other statics' dtors)
// can still use it.
template <typename T>
class NoDestructor {
 public:
  template <typename... Args>
  explicit NoDestructor(Args&&... args) {
    // Placement new into owned storage: nothing to free, by design.
    ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
  }
  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;
  ~NoDestructor() = default;

  T* get() { return std::launder(reinterpret_cast<T*>(storage_)); }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

// A file read front to back with read(2).
class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  PosixSequentialFile(const PosixSequentialFile&) = delete;
  PosixSequentialFile& operator=(const PosixSequentialFile&) = delete;

  Status Read(size_t n, Slice* result, char* scratch) override {
    // Regular files return short counts only at the end, but loop anyway so
    // that "short read means end of file" holds for any kind of file.
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::read(fd_, scratch + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = Slice(scratch, 0);
        return ErrnoToStatus(path_, "read", errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = Slice(scratch, done);
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    const off_t current = ::lseek(fd_, 0, SEEK_CUR);
    if (current < 0) return ErrnoToStatus(path_, "seek", errno);
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoToStatus(path_, "stat", errno);
    // Stop at the end rather than seeking past it.
    const uint64_t pos = static_cast<uint64_t>(current);
    const uint64_t end = static_cast<uint64_t>(st.st_size);
    const uint64_t target = pos >= end ? pos : pos + std::min(n, end - pos);
    if (::lseek(fd_, static_cast<off_t>(target), SEEK_SET) < 0) {
      return ErrnoToStatus(path_, "seek", errno);
    }
    return Status::OK();
  }

 private:
  const std::string path_;
  const int fd_;
};

// A file read at offsets with pread(2); the descriptor's offset is never
// used, so concurrent readers do not interfere.
class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  PosixRandomAccessFile(const PosixRandomAccessFile&) = delete;
  PosixRandomAccessFile& operator=(const PosixRandomAccessFile&) = delete;

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    // Reads of a block's size are timed (all, or a sample while they hit
    // the cache: FaultScore::ShouldTime): WillReadPieces asks for a
    // block's pages together only while reads are missing the cache.
    uint64_t first_page;
    uint64_t span;
    const bool timed = faults_.ShouldTime(internal::PagesSpanned(
        offset, n, internal::PageSize(), &first_page, &span));
    const auto start = timed ? std::chrono::steady_clock::now()
                             : std::chrono::steady_clock::time_point();
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done,
                                static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = Slice(scratch, 0);
        return ErrnoToStatus(path_, "read", errno);
      }
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    if (timed) faults_.Note(std::chrono::steady_clock::now() - start);
    *result = Slice(scratch, done);
    return Status::OK();
  }

  void Prefetch(uint64_t offset, size_t n) const override {
    (void)::posix_fadvise(fd_, static_cast<off_t>(offset),
                          static_cast<off_t>(n), POSIX_FADV_WILLNEED);
  }

  // Cold and more than one page: one request for the range, which the
  // pieces' preads then wait for (else each waits for its own).
  void WillReadPieces(uint64_t offset, size_t n) const override {
    if (!faults_.Cold() || n == 0) return;
    uint64_t first_page;
    uint64_t span;
    if (internal::PagesSpanned(offset, n, internal::PageSize(), &first_page,
                               &span) > 1) {
      (void)::posix_fadvise(fd_, static_cast<off_t>(first_page),
                            static_cast<off_t>(span), POSIX_FADV_WILLNEED);
    }
  }

 private:
  const std::string path_;
  const int fd_;
  // Whether preads have been waiting for the device (a hint; racy).
  mutable internal::FaultScore faults_;
};

// A read-only file mapped whole. The mapping outlives the descriptor,
// which is closed once mapped. Reads copy out of the mapping, and visits
// read in it, under the SIGBUS guard (env/mapping_guard.h), so a read the
// kernel cannot satisfy is an IOError, not the end of the process; the
// copy is the price, and it is small beside the pread(2) it replaces.
class PosixMappedFile final : public RandomAccessFile {
 public:
  PosixMappedFile(std::string path, const char* base, size_t length)
      : path_(std::move(path)), base_(base), length_(length) {}
  ~PosixMappedFile() override {
    ::munmap(const_cast<char*>(base_), length_);
    ReturnMapping();
  }
  PosixMappedFile(const PosixMappedFile&) = delete;
  PosixMappedFile& operator=(const PosixMappedFile&) = delete;

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (offset >= length_) {
      *result = Slice(scratch, 0);  // end of file
      return Status::OK();
    }
    const size_t count = std::min<uint64_t>(n, length_ - offset);
    const bool copied = Guarded(AskForPages(offset, count), [&] {
      return internal::CopyFromMapping(scratch, base_ + offset, count);
    });
    if (!copied) {
      *result = Slice(scratch, 0);
      return Fault(offset, count);
    }
    *result = Slice(scratch, count);
    return Status::OK();
  }

  // The bytes visited where they lie, under the guard (no copy).
  Status Visit(uint64_t offset, size_t n, char* scratch, ByteVisitor visitor,
               void* arg) const override {
    (void)scratch;
    if (offset >= length_) {
      visitor(arg, Slice());  // end of file
      return Status::OK();
    }
    const size_t count = std::min<uint64_t>(n, length_ - offset);
    const uint64_t pages = AskForPages(offset, count);
    bool visited;
    if (faults_.ShouldTime(pages)) {
      // The fault score times what a copy would wait for: the pages
      // brought in, not the visitor's work on them.
      TimedVisit timed{this, visitor, arg};
      visited = internal::VisitMapping(base_ + offset, count, &TimedVisit::Run,
                                       &timed);
    } else {
      visited = internal::VisitMapping(base_ + offset, count, visitor, arg);
    }
    return visited ? Status::OK() : Fault(offset, count);
  }
  bool VisitsInPlace() const override { return true; }

  // Cold (recent copies waited for the device) and more than one page: the
  // pages asked for together, as Read does for a read of several pages.
  // Warm: the range's cache lines asked of the CPU together, last first
  // (the pieces start with a block's directory, at its end), so that the
  // copies wait for memory once rather than once a piece. A prefetch
  // never faults: a page not mapped yet is skipped.
  void WillReadPieces(uint64_t offset, size_t n) const override {
    if (offset >= length_ || n == 0) return;
    const size_t count = std::min<uint64_t>(n, length_ - offset);
    if (!faults_.Cold()) {
      if (count <= kMaxPrefetchBytes) AskForLines(offset, count);
      return;
    }
    (void)AskForPages(offset, count);
  }

  // Warm: the range's first 8 KiB of lines asked of the CPU. Cold: nothing
  // (a scan's Prefetch has asked for the pages; a prefetch of a page not
  // in memory would be dropped anyway).
  void WillReadNext(uint64_t offset, size_t n) const override {
    if (offset >= length_ || n == 0 || faults_.Cold()) return;
    AskForLines(offset,
                std::min<uint64_t>({n, length_ - offset, kMaxPrefetchBytes}));
  }

  // The mapping is MADV_RANDOM (no read-around on a fault), so reading in
  // order asks for what lies ahead explicitly.
  void Prefetch(uint64_t offset, size_t n) const override {
    if (offset >= length_ || n == 0) return;
    const uint64_t end = offset + std::min<uint64_t>(n, length_ - offset);
    const uint64_t page = internal::PageSize();
    const uint64_t first = offset & ~(page - 1);
    (void)::madvise(const_cast<char*>(base_) + first,
                    static_cast<size_t>(end - first), MADV_WILLNEED);
  }

 private:
  // The most WillReadPieces and WillReadNext ask the CPU to bring into
  // its caches (a table's point reads and scans ask for blocks of up to
  // 8 KiB).
  static constexpr size_t kMaxPrefetchBytes = 8192;

  // Asks the CPU for the cache lines of [offset, offset + count), last
  // first (a point read's pieces start with a block's directory, at its
  // end). REQUIRES: 0 < count and offset + count <= length_.
  void AskForLines(uint64_t offset, size_t count) const {
    constexpr uintptr_t kLine = 64;
    const auto first = reinterpret_cast<uintptr_t>(base_ + offset);
    const uintptr_t first_line = first & ~(kLine - 1);
    for (uintptr_t line = (first + count - 1) & ~(kLine - 1);; line -= kLine) {
      __builtin_prefetch(reinterpret_cast<const void*>(line));
      if (line == first_line) break;
    }
  }

  // The number of pages [offset, offset + count) spans. When reads have
  // been missing the page cache, asks for all of them together, so that
  // the access waits for one read from the device, not one per page (the
  // mapping is MADV_RANDOM). Never faults.
  uint64_t AskForPages(uint64_t offset, size_t count) const {
    uint64_t first_page;
    uint64_t span;
    const uint64_t pages = internal::PagesSpanned(
        offset, count, internal::PageSize(), &first_page, &span);
    if (pages > 1 && faults_.Cold()) {
      (void)::madvise(const_cast<char*>(base_) + first_page,
                      static_cast<size_t>(span), MADV_WILLNEED);
    }
    return pages;
  }

  // A visit whose pages are touched first, one byte each, and timed for
  // the fault score; then the visitor runs on them. Inside the guard.
  struct TimedVisit {
    const PosixMappedFile* file;
    ByteVisitor visitor;
    void* arg;

    static void Run(void* self, const Slice& bytes) {
      auto* t = static_cast<TimedVisit*>(self);
      const auto start = std::chrono::steady_clock::now();
      const uintptr_t page = internal::PageSize();
      const char* p = bytes.data();
      const char* const end = bytes.data() + bytes.size();
      while (p < end) {
        (void)*static_cast<const volatile char*>(p);
        p += page - (reinterpret_cast<uintptr_t>(p) & (page - 1));
      }
      t->file->faults_.Note(std::chrono::steady_clock::now() - start);
      t->visitor(t->arg, bytes);
    }
  };

  // Runs `access` (a guarded copy of `pages` pages; true when it
  // met no fault), timing it when the fault score asks.
  template <typename Access>
  bool Guarded(uint64_t pages, const Access& access) const {
    if (!faults_.ShouldTime(pages)) return access();
    const auto start = std::chrono::steady_clock::now();
    const bool ok = access();
    faults_.Note(std::chrono::steady_clock::now() - start);
    return ok;
  }

  Status Fault(uint64_t offset, size_t count) const {
    return Status::IOError(
        path_ + ": read of " + std::to_string(count) + " bytes at offset " +
            std::to_string(offset) + " through its memory mapping",
        "SIGBUS: the file was truncated below the mapping or its device "
        "reported an error");
  }

  const std::string path_;
  const char* const base_;
  const size_t length_;
  // Whether copies (and visits) have been waiting for the device (a hint;
  // racy).
  mutable internal::FaultScore faults_;
};

// Appends through a user-space buffer. Used by one thread at a time.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t initial_size)
      : path_(std::move(path)),
        fd_(fd),
        buffer_(std::make_unique<char[]>(kWritableBufferSize)),
        size_(initial_size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)Close();  // the contract: errors are discarded here
  }
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;

  Status Append(const Slice& data) override {
    if (fd_ < 0) return ClosedError("append");
    if (!error_.ok()) return error_;
    if (data.size() <= kWritableBufferSize - used_) {
      std::memcpy(buffer_.get() + used_, data.data(), data.size());
      used_ += data.size();
      size_ += data.size();
      return Status::OK();
    }
    // Does not fit: drain what is buffered, then buffer a small append or
    // write a large one straight through.
    Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (data.size() < kWritableBufferSize) {
      std::memcpy(buffer_.get(), data.data(), data.size());
      used_ = data.size();
      size_ += data.size();
      return Status::OK();
    }
    size_t written = 0;
    s = WriteAll(data.data(), data.size(), &written);
    size_ += written;
    if (!s.ok()) Fail(s);
    return s;
  }

  Status Flush() override {
    if (fd_ < 0) return ClosedError("flush");
    return FlushBuffer();
  }

  Status Sync() override {
    if (fd_ < 0) return ClosedError("sync");
    Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) {
      // The kernel may have dropped the dirty pages it could not write: a
      // retried fdatasync could report success for data that is gone.
      Fail(ErrnoToStatus(path_, "fdatasync", errno));
      return error_;
    }
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return ClosedError("truncate");
    if (size > size_) {
      return Status::InvalidArgument(path_ + ": truncate",
                                     "beyond the end of the file");
    }
    const uint64_t on_disk = size_ - used_;
    if (size >= on_disk) {
      used_ = static_cast<size_t>(size - on_disk);
    } else {
      used_ = 0;
      int r;
      do {
        r = ::ftruncate(fd_, static_cast<off_t>(size));
      } while (r != 0 && errno == EINTR);
      if (r != 0) return ErrnoToStatus(path_, "ftruncate", errno);
      if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
        return ErrnoToStatus(path_, "lseek", errno);
      }
    }
    size_ = size;
    error_ = Status::OK();
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return ClosedError("close");
    // After a failure nothing more is written (see WritableFile).
    Status s = error_.ok() ? FlushBuffer() : error_;
    // Linux releases the descriptor even when close(2) fails (EINTR too),
    // so it is never retried.
    if (::close(fd_) != 0 && s.ok()) s = ErrnoToStatus(path_, "close", errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  Status ClosedError(const char* what) const {
    return Status::IOError(path_ + ": " + what, "file is already closed");
  }

  // Records the first failure and drops what is buffered: bytes of a write
  // that reported an error must never reach the file later.
  void Fail(Status s) {
    if (error_.ok()) error_ = std::move(s);
    size_ -= used_;
    used_ = 0;
  }

  // Writes the buffer; on failure drops the unwritten tail (Fail).
  Status FlushBuffer() {
    if (!error_.ok()) return error_;
    if (used_ == 0) return Status::OK();
    size_t written = 0;
    Status s = WriteAll(buffer_.get(), used_, &written);
    used_ -= written;
    if (!s.ok()) Fail(s);
    return s;
  }

  // write(2) until all of `data` is written, retrying on EINTR and after
  // partial writes. `*written` is how much reached the kernel.
  Status WriteAll(const char* data, size_t n, size_t* written) {
    *written = 0;
    while (*written < n) {
      const ssize_t r = ::write(fd_, data + *written, n - *written);
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoToStatus(path_, "write", errno);
      }
      *written += static_cast<size_t>(r);
    }
    return Status::OK();
  }

  const std::string path_;
  int fd_;  // -1 once closed
  const std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;  // bytes in buffer_
  uint64_t size_;    // bytes in the file plus bytes buffered
  Status error_;     // the first failed write or sync; sticky (Fail)
};

// The process-wide set of lock files held through any POSIX env, keyed by
// canonical path. Never destroyed (FileLocks may die during exit).
class LockRegistry {
 public:
  // Returns false if `key` is already held.
  bool Insert(const std::string& key) STRATA_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return held_.insert(key).second;
  }
  void Erase(const std::string& key) STRATA_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    held_.erase(key);
  }

 private:
  Mutex mu_;
  std::set<std::string> held_ STRATA_GUARDED_BY(mu_);
};

LockRegistry* Registry() {
  static NoDestructor<LockRegistry> registry;
  return registry.get();
}

// A held directory lock: the flock on `fd_` and the registry entry.
class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, std::string key) : fd_(fd), key_(std::move(key)) {}
  ~PosixFileLock() override {
    // Unlock explicitly: a forked child may share the open file description,
    // and close() alone would then leave it locked.
    (void)::flock(fd_, LOCK_UN);
    ::close(fd_);
    Registry()->Erase(key_);
  }
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  const int fd_;
  const std::string key_;
};

// The registry key of `path`: the canonical path of the (existing) file, so
// "db/LOCK", "./db/LOCK" and a symlinked name all agree; if the file cannot
// be resolved, the lexically normalised absolute path.
std::string LockKey(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) return resolved;
  std::string absolute = path;
  if (absolute.empty() || absolute.front() != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) != nullptr) {
      absolute = std::string(cwd) + "/" + absolute;
    }
  }
  return internal::NormalizePath(absolute);
}

class PosixEnv final : public Env {
 public:
  explicit PosixEnv(const PosixEnvOptions& options) : options_(options) {}
  ~PosixEnv() override = default;

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return ErrnoToStatus(path, "open for reading", errno);
    *result = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return ErrnoToStatus(path, "open for reading", errno);
    *result = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewMappedRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return ErrnoToStatus(path, "open for reading", errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoToStatus(path, "stat", err);
    }
    const auto length = static_cast<uint64_t>(st.st_size);
    if (length > 0 && length <= SIZE_MAX && TakeMapping()) {
      void* base = ::mmap(nullptr, static_cast<size_t>(length), PROT_READ,
                          MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) {
        // Tables and value logs are read at random: a fault brings in its
        // own page, not the device's whole readahead window around it
        // (read_ahead_kb, often 128 KiB and here and there megabytes),
        // which with data larger than memory evicts what was worth
        // keeping. Scans and compactions ask for what they will read next
        // (Prefetch).
        (void)::madvise(base, static_cast<size_t>(length), MADV_RANDOM);
        ::close(fd);
        internal::InstallMappingFaultHandler();
        *result = std::make_unique<PosixMappedFile>(
            path, static_cast<const char*>(base), static_cast<size_t>(length));
        return Status::OK();
      }
      ReturnMapping();
    }
    *result = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                options_.file_mode);
    if (fd < 0) return ErrnoToStatus(path, "open for writing", errno);
    *result = std::make_unique<PosixWritableFile>(path, fd, 0);
    return Status::OK();
  }

  Status NewMappedWritableFile(const std::string& path,
                               std::unique_ptr<WritableFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
                                options_.file_mode);
    if (fd < 0) return ErrnoToStatus(path, "open for writing", errno);
    internal::InstallMappingFaultHandler();
    *result = internal::NewPosixMappedLog(path, fd);
    // A file system that cannot preallocate and map it: plain appends.
    if (*result == nullptr) {
      *result = std::make_unique<PosixWritableFile>(path, fd, 0);
    }
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* result) override {
    result->reset();
    const int fd = OpenRetrying(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                                options_.file_mode);
    if (fd < 0) return ErrnoToStatus(path, "open for appending", errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoToStatus(path, "stat", err);
    }
    *result = std::make_unique<PosixWritableFile>(
        path, fd, static_cast<uint64_t>(st.st_size));
    return Status::OK();
  }

  bool FileExists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }

  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* names) override {
    names->clear();
    const int fd = OpenRetrying(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return ErrnoToStatus(dir, "open directory", errno);
    DIR* d = ::fdopendir(fd);  // takes over fd
    if (d == nullptr) {
      const int err = errno;
      ::close(fd);
      return ErrnoToStatus(dir, "open directory", err);
    }
    Status s;
    for (;;) {
      errno = 0;
      const struct dirent* entry = ::readdir(d);
      if (entry == nullptr) {
        if (errno != 0) s = ErrnoToStatus(dir, "read directory", errno);
        break;
      }
      const char* name = entry->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
        continue;
      }
      names->emplace_back(name);
    }
    ::closedir(d);
    if (!s.ok()) names->clear();
    return s;
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      *size = 0;
      return ErrnoToStatus(path, "stat", errno);
    }
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0)
      return ErrnoToStatus(path, "unlink", errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoToStatus(from, "rename to " + to, errno);
    }
    return Status::OK();
  }

  Status LinkFile(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) {
      return ErrnoToStatus(from, "link to " + to, errno);
    }
    return Status::OK();
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), static_cast<mode_t>(options_.dir_mode)) == 0) {
      return Status::OK();
    }
    const int err = errno;
    if (err != EEXIST) return ErrnoToStatus(dir, "mkdir", err);
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return ErrnoToStatus(dir, "stat", errno);
    if (!S_ISDIR(st.st_mode)) {
      return Status::IOError(dir + ": mkdir", "exists but is not a directory");
    }
    return Status::OK();
  }

  Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return ErrnoToStatus(dir, "rmdir", errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = OpenRetrying(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return ErrnoToStatus(dir, "open directory", errno);
    Status s;
    if (::fsync(fd) != 0) s = ErrnoToStatus(dir, "fsync directory", errno);
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override {
    lock->reset();
    const int fd =
        OpenRetrying(path, O_RDWR | O_CREAT | O_CLOEXEC, options_.file_mode);
    if (fd < 0) return ErrnoToStatus(path, "open lock file", errno);
    std::string key = LockKey(path);
    if (!Registry()->Insert(key)) {
      ::close(fd);
      return Status::IOError("lock " + path, "already held by this process");
    }
    int r;
    do {
      r = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (r != 0 && errno == EINTR);
    if (r != 0) {
      const int err = errno;
      ::close(fd);
      Registry()->Erase(key);
      if (err == EWOULDBLOCK) {
        return Status::IOError("lock " + path, "held by another process");
      }
      return ErrnoToStatus(path, "lock", err);
    }
    *lock = std::make_unique<PosixFileLock>(fd, std::move(key));
    return Status::OK();
  }

  uint64_t NowMicros() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u +
           static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  }

  uint64_t NowNanos() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
           static_cast<uint64_t>(ts.tv_nsec);
  }

 private:
  // open(2), retried on EINTR (possible for slow devices and FIFOs).
  static int OpenRetrying(const std::string& path, int flags, uint32_t mode) {
    int fd;
    do {
      fd = ::open(path.c_str(), flags, static_cast<mode_t>(mode));
    } while (fd < 0 && errno == EINTR);
    return fd;
  }

  const PosixEnvOptions options_;
};

}  // namespace

Env* Env::Default() {
  static NoDestructor<PosixEnv> env{PosixEnvOptions{}};
  return env.get();
}

std::unique_ptr<Env> NewPosixEnv(const PosixEnvOptions& options) {
  return std::make_unique<PosixEnv>(options);
}

}  // namespace strata
