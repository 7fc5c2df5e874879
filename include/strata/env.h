// strata/env.h — the file-system seam.
//
// No strata code touches files except through an Env, so tests can swap in
// an in-memory file system or one that injects faults. An Env covers files,
// directories, directory fsync, the single-process lock and the clock; it
// does not own threads.
//
// Thread-safety: an Env and its methods are safe to call from many threads.
// A single file object is used by one thread at a time unless its comment
// says otherwise.
//
// Errors are values: every fallible call returns a Status; a missing file is
// NotFound, any other OS failure is IOError naming the path and the OS error.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

// A file read from the start to the end (WAL and MANIFEST replay).
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;

  // Reads up to `n` bytes. `*result` points into `scratch` (which must hold
  // `n` bytes) or into memory the file owns. A short read means end of file;
  // an empty result with OK status means the end has been reached.
  virtual Status Read(size_t n, Slice* result, char* scratch) = 0;

  // Skips `n` bytes; skipping past the end stops at the end.
  virtual Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets. Safe for concurrent use by many threads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to `n` bytes at `offset`. A short read means end of file.
  // `*result` points into `scratch` or into memory the file owns.
  virtual Status Read(uint64_t offset, size_t n, Slice* result,
                      char* scratch) const = 0;

  // True if Read() never uses `scratch` (which may then be null) and its
  // results stay valid as long as the file: the file is mapped in memory.
  virtual bool ReadsInPlace() const { return false; }

  // What Visit() hands a file's bytes to.
  using ByteVisitor = void (*)(void* arg, const Slice& bytes);

  // Calls `visitor(arg, bytes)` with the bytes [offset, offset + n) (fewer
  // at the end of the file), and returns what reading them returned. A
  // file whose bytes lie in memory it can lend (VisitsInPlace()) hands
  // them over where they lie, without copying, guarding the visit as its
  // own reads are guarded; the default reads them into `scratch` (which
  // must hold `n` bytes) with Read() and visits the copy. On an error the
  // visit did not happen or was abandoned part way (a fault under the
  // POSIX Env's mapping: env/mapping_guard.h), so a visitor reads the
  // bytes and writes memory its caller owns, holding nothing that needs a
  // destructor, an unlock or an exception's unwinding while it reads them,
  // and reads no other file's mapping; its result counts only when Visit
  // returns OK. strata's tables visit a file that VisitsInPlace() and not
  // ReadsInPlace() (their reads of one that reads in place need no copy
  // already), and read any other with Read().
  virtual Status Visit(uint64_t offset, size_t n, char* scratch,
                       ByteVisitor visitor, void* arg) const {
    Slice bytes;
    Status s = Read(offset, n, &bytes, scratch);
    if (s.ok()) visitor(arg, bytes);
    return s;
  }

  // True if Visit() never uses `scratch` (which may then be null).
  virtual bool VisitsInPlace() const { return ReadsInPlace(); }

  // A hint that bytes [offset, offset + n) will be read soon: the Env may
  // start bringing them in from the device in the background. Reading a
  // table in order (a scan, a compaction) asks for the bytes ahead of it;
  // point reads never do. Never fails; the default does nothing.
  virtual void Prefetch(uint64_t offset, size_t n) const {
    (void)offset;
    (void)n;
  }

  // A hint that a point read is about to read bytes of [offset, offset + n)
  // in pieces (a block's directory, then one of its units). A file whose
  // recent reads have been waiting for the device may ask for the whole
  // range at once, so that the pieces wait for one device read rather than
  // one each; a mapped file whose reads come from memory may ask the CPU
  // for the range's cache lines together, so that the pieces wait for
  // memory once. The default does nothing. Never fails.
  virtual void WillReadPieces(uint64_t offset, size_t n) const {
    (void)offset;
    (void)n;
  }

  // A hint that a scan reads bytes [offset, offset + n) next, once done
  // with the bytes it reads now (a table scan: the block after this one).
  // A mapped file whose reads come from memory may ask the CPU for the
  // range's cache lines (up to its first 8 KiB), so that they arrive while
  // the scan works; a file whose reads wait for the device should do
  // nothing (the scan's Prefetch asks the device ahead). The default does
  // nothing. Never fails.
  virtual void WillReadNext(uint64_t offset, size_t n) const {
    (void)offset;
    (void)n;
  }
};

// A file written by appending. Appends may be buffered in user space;
// Flush() hands buffered bytes to the operating system (they then survive a
// process crash), Sync() makes them durable (they then survive power loss).
//
// After an Append, Flush or Sync fails, the file's bytes past the last
// successful Flush are unspecified, and must never reach the disk later: a
// write that reported an error must not become visible after a reopen.
// strata's POSIX and in-memory files drop what they had buffered and fail
// every later Append, Flush and Sync with the same error (Close then writes
// nothing), until a successful Truncate.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  virtual Status Append(const Slice& data) = 0;
  virtual Status Flush() = 0;
  // Flushes, then forces the file's data (fdatasync) to stable storage.
  virtual Status Sync() = 0;
  // Flushes and closes. Further calls fail. The destructor closes a file
  // that was not closed, discarding any error.
  virtual Status Close() = 0;
  // Bytes appended so far, including those still buffered.
  virtual uint64_t Size() const = 0;
  // Cuts the file back to its first `size` bytes: buffered bytes past it are
  // dropped and written ones are cut from the file; later appends continue
  // from `size`, and a failure recorded by an earlier call is cleared. Used
  // to take back a record whose write or sync failed. Not durable until a
  // later Sync. InvalidArgument if `size` > Size(). The default returns
  // NotSupported.
  virtual Status Truncate(uint64_t size) {
    (void)size;
    return Status::NotSupported("WritableFile::Truncate");
  }
};

// A held lock on a database directory; releasing is destroying it.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The process-wide POSIX environment (files 0600, directories 0700).
  // Never deleted.
  static Env* Default();

  virtual Status NewSequentialFile(const std::string& path,
                                   std::unique_ptr<SequentialFile>* result) = 0;
  virtual Status NewRandomAccessFile(
      const std::string& path, std::unique_ptr<RandomAccessFile>* result) = 0;
  // Like NewRandomAccessFile, for a file that does not change while it is
  // open (a table); the Env may map it into memory, so that reads need no
  // system call. The POSIX Env copies each read out of the mapping, and
  // lends its bytes to Visit() where they lie, under a SIGBUS guard, so an
  // I/O error under the mapping, or another program
  // truncating the file, is an IOError as with pread (see
  // Options::allow_mmap_reads). The default opens the file with
  // NewRandomAccessFile.
  virtual Status NewMappedRandomAccessFile(
      const std::string& path, std::unique_ptr<RandomAccessFile>* result) {
    return NewRandomAccessFile(path, result);
  }
  // Creates `path`, or truncates it if it exists.
  virtual Status NewWritableFile(const std::string& path,
                                 std::unique_ptr<WritableFile>* result) = 0;
  // Like NewWritableFile, for a log that is only appended to: the Env may
  // write it through a shared memory mapping, so that an append is a copy
  // into the page cache with no system call (it survives the process's
  // death as a write(2) would; Sync() makes it durable). Such a file
  // preallocates space ahead of its data: until Close() cuts it off, and
  // after a crash, the file holds zero bytes past Size(). The POSIX Env
  // guards every copy against SIGBUS as mapped reads are (a page the file
  // system cannot back is an IOError). The default calls NewWritableFile.
  virtual Status NewMappedWritableFile(const std::string& path,
                                       std::unique_ptr<WritableFile>* result) {
    return NewWritableFile(path, result);
  }
  // Opens `path` for appending, creating it if missing.
  virtual Status NewAppendableFile(const std::string& path,
                                   std::unique_ptr<WritableFile>* result) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, without "." and "..".
  virtual Status GetChildren(const std::string& dir,
                             std::vector<std::string>* names) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Makes `to` a second name of the file `from` (a hard link).
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;
  // Creates `dir`; OK if it already exists as a directory.
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  virtual Status RemoveDir(const std::string& dir) = 0;
  // Makes the directory's entries (creates, renames, deletes) durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Takes an exclusive lock on `path` (creating the file if needed). Fails
  // with IOError saying the lock is held if this or any other process holds
  // it. The lock is released when `*lock` is destroyed.
  virtual Status LockFile(const std::string& path,
                          std::unique_ptr<FileLock>* lock) = 0;

  // Microseconds since the Unix epoch (wall clock).
  virtual uint64_t NowMicros() = 0;

  // Nanoseconds since the Unix epoch (wall clock): where a versioned DB
  // takes its commit timestamps from. The default is NowMicros() * 1000,
  // so an Env that overrides only NowMicros() drives both clocks.
  virtual uint64_t NowNanos() { return NowMicros() * 1000; }
};

// Settings for a POSIX environment.
struct PosixEnvOptions {
  uint32_t file_mode = 0600;  // permission bits of files strata creates
  uint32_t dir_mode = 0700;   // permission bits of directories it creates
};

// A POSIX environment with its own permission bits. It shares the process's
// lock registry with Env::Default(), so a directory locked through one is
// locked for all.
std::unique_ptr<Env> NewPosixEnv(const PosixEnvOptions& options);

// A private in-memory file system, for tests. Paths are plain strings;
// directories exist once created. Nothing survives the Env's destruction.
std::unique_ptr<Env> NewMemEnv();

}  // namespace strata
