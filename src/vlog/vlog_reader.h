// vlog::Reader — reads values back from one value-log file by pointer,
// and walks its records (for GC, verification and dumps).
//
// Every failure to find exactly the record a pointer names — a short
// file, a bad checksum, a record whose size, checksum or key is not the
// pointer's — is Corruption naming the file and the offset.
//
// Thread-safety: Get and Verify are safe from many threads at once (the
// file is read at offsets); a RecordWalk is used by one thread.
// Ownership: owns its file.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "vlog/vlog_format.h"

namespace strata::internal::vlog {

class Reader {
 public:
  // Opens `path` (file number `file_number`, `file_size` bytes as the
  // MANIFEST records it) and checks its header. With `mapped` the file is
  // opened through Env::NewMappedRandomAccessFile (Options::
  // allow_mmap_reads): a value is then copied once, from the page cache
  // into the caller's string, with no system call.
  [[nodiscard]] static Status Open(Env* env, const std::string& path,
                                   uint64_t file_number, uint64_t file_size,
                                   bool mapped,
                                   std::unique_ptr<Reader>* reader);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The value `pointer` names, uncompressed, into `*value` (also the read
  // buffer: on error it holds anything). The record's key must be `key`. With
  // `verify_checksum` the record's checksum is checked too (its size and the
  // pointer's copy of the checksum always are).
  [[nodiscard]] Status Get(const ValuePointer& pointer, const Slice& key,
                           bool verify_checksum, std::string* value) const;

  // Calls `fn(offset, record)` for each record in file order, checksums
  // verified, then checks the footer against what it saw. Stops at the
  // first error or when `fn` returns non-OK (returned as is).
  using RecordFn = std::function<Status(uint64_t offset, const Record&)>;
  [[nodiscard]] Status ForEachRecord(const RecordFn& fn) const;

  const std::string& path() const { return path_; }
  uint64_t file_number() const { return file_number_; }
  uint64_t file_size() const { return file_size_; }

 private:
  Reader(std::unique_ptr<RandomAccessFile> file, std::string path,
         uint64_t file_number, uint64_t file_size);

  // Reads exactly [offset, offset + n) into `*result` (using `scratch`).
  Status ReadExactly(uint64_t offset, size_t n, Slice* result,
                     char* scratch) const;

  const std::unique_ptr<RandomAccessFile> file_;
  const std::string path_;
  const uint64_t file_number_;
  const uint64_t file_size_;
};

}  // namespace strata::internal::vlog
