// vlog::Writer — writes one value-log file (docs/vlog_format.md): the
// header, one record per separated value, and at Finish the footer.
//
// A file is written by one flush or compaction output and never appended
// to afterwards: it is synced and closed before the table that points into
// it is installed (the caller installs both in one MANIFEST edit).
//
// Thread-safety: single-threaded.
// Ownership: owns its file.

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/env.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "table/compression.h"
#include "vlog/vlog_format.h"

namespace strata::internal::vlog {

class Writer {
 public:
  // Values are stored compressed with `compression` when that saves at
  // least an eighth of their size, raw otherwise.
  Writer(std::unique_ptr<WritableFile> file, uint64_t file_number,
         Compression compression);
  ~Writer();

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends a record holding `key` and `value`; `*pointer` then says where
  // it lives. Sticky: after a failed Append every later call fails.
  [[nodiscard]] Status Add(const Slice& key, const Slice& value,
                           ValuePointer* pointer);

  // Writes the footer, then syncs and closes the file.
  [[nodiscard]] Status Finish();
  // Closes the file as it is (after an error, or when the output is
  // abandoned); the caller deletes it.
  void Abandon();

  uint64_t file_number() const { return file_number_; }
  // Bytes written so far (the file's size after Finish).
  uint64_t file_size() const { return size_; }
  uint64_t records() const { return footer_.records; }
  // The values' uncompressed sizes, summed.
  uint64_t value_bytes() const { return footer_.value_bytes; }
  // The records' sizes, summed: what garbage accounting counts.
  uint64_t record_bytes() const { return record_bytes_; }

 private:
  Status Append(const std::string& bytes);

  std::unique_ptr<WritableFile> file_;
  const uint64_t file_number_;
  Compressor compressor_;
  uint64_t size_ = 0;
  uint64_t record_bytes_ = 0;
  Footer footer_;
  bool header_written_ = false;
  bool closed_ = false;
  Status error_;
  std::string record_;      // scratch
  std::string compressed_;  // scratch
};

}  // namespace strata::internal::vlog
