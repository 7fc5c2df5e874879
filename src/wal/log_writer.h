// log::Writer — appends records to a log file (WAL or MANIFEST) in the
// block/fragment framing of docs/wal_format.md.
//
// Thread-safety: single-threaded; the caller serializes calls (for the WAL,
// only the write-group leader touches the writer).
// Ownership: borrows `dest`, which must outlive the writer.
// Durability: the writer only appends. It never calls Flush() or Sync();
// the caller decides when bytes must reach the OS or stable storage.

#pragma once

#include <cstdint>
#include <string>

#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "wal/log_format.h"

namespace strata::internal::log {

class Writer {
 public:
  // Writes to `dest`, which already holds `dest_length` bytes (0 for a new
  // file; the existing length when appending to a log, so the writer knows
  // where it stands inside the current block).
  // REQUIRES: `dest` is not null and dest->Size() == dest_length.
  explicit Writer(WritableFile* dest, uint64_t dest_length = 0);

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends `record` (any size, empty included) as one logical record.
  // On error returns the failing Append's status; the file then ends in a
  // partial record, and this and every later call return that same error
  // (the writer is sticky: a log is never continued after a failed write).
  [[nodiscard]] Status AddRecord(const Slice& record);

  // The length of the log file as written so far: `dest_length` plus every
  // byte handed to Append. Meaningless after an error.
  uint64_t Size() const { return size_; }

 private:
  // Appends one fragment (header + payload) to `pending_`.
  void EncodeFragment(RecordType type, const char* payload, size_t length);
  // Hands `pending_` to the file and empties it.
  Status AppendPending();

  WritableFile* const dest_;
  uint64_t size_;        // file length, including `pending_`
  size_t block_offset_;  // size_ % kBlockSize
  // Encoded bytes not yet handed to `dest_`. Small records go out in a
  // single Append; large ones roughly one block per Append.
  std::string pending_;
  Status error_;  // the first failed Append; sticky
};

}  // namespace strata::internal::log
