// log::Reader — reads back the records a log::Writer appended (WAL replay,
// MANIFEST recovery), checking every fragment and classifying damage as a
// torn tail or corruption. See docs/wal_format.md for the format and for
// what each WalRecoveryMode does with each kind of damage.
//
// Thread-safety: single-threaded; one reader per file, used by one thread.
// Ownership: borrows `file` and `reporter`, which must outlive the reader.
// Memory: one block buffer plus the caller's scratch; a record is assembled
// only from fragments whose checksums passed, so no length read from the
// file is trusted before it is verified.

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/env.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "wal/log_format.h"

namespace strata::internal::log {

class Reader {
 public:
  // Told about every damaged region that reading goes past without failing:
  // a tolerated torn tail (kTolerateTornTail, kSalvage) and every region
  // kSalvage drops. Damage that fails reading (Corruption in the other
  // modes) is reported through status() only, since the rest of the file is
  // not examined. Calls come in increasing file order and never overlap.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // Bytes [offset, offset + bytes) of the file were not returned as
    // records. `reason` is a Corruption naming the file and offset.
    virtual void Dropped(uint64_t offset, uint64_t bytes,
                         const Status& reason) = 0;
  };

  // Reads `file` from its start. `file_name` is used in messages; `reporter`
  // may be null.
  // `cut_short_tail`: the file is the newest of a DB's logs, possibly
  // written into preallocated space through a mapping
  // (Env::NewMappedWritableFile), where a crash can cut an append short
  // and leave zeros after it; such a cut is then a torn tail
  // (docs/wal_format.md). Off for every other file (older logs, the
  // MANIFEST), where the same bytes are corruption.
  // REQUIRES: `file` is not null and positioned at offset 0.
  Reader(SequentialFile* file, std::string file_name, WalRecoveryMode mode,
         Reporter* reporter, bool cut_short_tail = false);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  // Reads the next logical record into `*record`, which stays valid until
  // the next call and may point into `*scratch`, the reader's block buffer
  // or memory the file owns. Returns false at the end of the file or on an
  // error, and on every later call; status() then tells which.
  bool ReadRecord(Slice* record, std::string* scratch);

  // OK while reading and at a clean end (which includes a tolerated torn
  // tail and, in kSalvage, any amount of dropped damage). Corruption naming
  // the file and the offset of the damage when reading stopped on damage;
  // the file's own status when a read failed.
  Status status() const { return status_; }

  // File offset of the first fragment header of the last record returned
  // (0 before the first).
  uint64_t LastRecordOffset() const { return last_record_offset_; }

  // File offset just past the last record returned (0 before the first).
  // Truncating the file here removes a torn tail.
  uint64_t EndOfValidData() const { return end_of_valid_data_; }

  // Bytes at the end of the file that form a torn tail, from the end of the
  // last record (or dropped region) to the end of the file; 0 if none. Set in
  // every mode, although in kAbsoluteConsistency the tail is a Corruption.
  uint64_t TornTailBytes() const { return torn_tail_bytes_; }

 private:
  enum class Next { kFragment, kEndOfFile, kDamaged, kIOError };

  // One step of parsing. For kFragment: a verified fragment at `offset`
  // spanning `size` bytes. For kDamaged: the damaged region [offset,
  // offset + size) (already skipped) and `problem`. For kEndOfFile: if the
  // file ends inside something, its `offset` and `problem`.
  struct Fragment {
    RecordType type = RecordType::kZero;
    Slice payload;
    uint64_t offset = 0;
    uint64_t size = 0;
    std::string problem;
  };

  // What Assemble did with a verified fragment.
  enum class Step { kMore, kRecord, kStop };

  Next ReadFragment(Fragment* f);
  // Fits `f` into the record in progress; on kRecord sets `*record`.
  Step Assemble(const Fragment& f, Slice* record, std::string* scratch);
  // Checks the complete header at the front of `buffer_`, with `leftover`
  // bytes to the end of its block, and the fragment it announces.
  Next ParseFragment(size_t leftover, Fragment* f);
  // Called at a header of 11 zero bytes: skips to the first non-zero byte.
  Next SkipZeros(Fragment* f);
  // Called at a fragment that failed its checksum, whose bytes are consumed
  // and whose last byte is zero: whether it is an append cut short by a
  // crash in preallocated (zero-filled) space, that is whether only zero
  // bytes follow it to the end of the file. Skips the zero bytes after it,
  // adding their count to f->size, up to the end of the file (true: then
  // f->problem says what was cut) or to the first block holding a non-zero
  // byte (false: left in buffer_ from its start; or an IOError, in
  // status_).
  bool CutShortIntoZeros(Fragment* f);
  // Reads the next block into `buffer_`. False on an IOError (kept).
  bool ReadBlock();
  // File offset of buffer_.data().
  uint64_t BufferOffset() const {
    return end_of_buffer_offset_ - buffer_.size();
  }

  // Handles damage at [offset, offset + bytes), which also breaks the record
  // in progress. kSalvage: reports both and returns true (keep reading).
  // Other modes: sets status_ to Corruption and returns false.
  bool HandleDamage(uint64_t offset, uint64_t bytes,
                    const std::string& problem);
  // The file ended: classifies what follows the last consumed byte.
  // `f` is the kEndOfFile step.
  void HandleEndOfFile(const Fragment& f);
  // A record spanning [start, end) was returned.
  void AcceptRecord(uint64_t start, uint64_t end);
  void Report(uint64_t offset, uint64_t bytes, const Status& reason);
  // "<file_name> offset <offset>".
  std::string Where(uint64_t offset) const;

  SequentialFile* const file_;
  const std::string file_name_;
  const WalRecoveryMode mode_;
  Reporter* const reporter_;
  const bool cut_short_tail_;

  std::unique_ptr<char[]> block_;      // kBlockSize bytes of read scratch
  Slice buffer_;                       // unparsed rest of the current block
  uint64_t end_of_buffer_offset_ = 0;  // file offset just past buffer_
  bool eof_ = false;   // the last read was short: no more blocks
  bool done_ = false;  // ReadRecord returns false from now on
  Status status_;

  // The record being assembled by the current ReadRecord call.
  bool in_record_ = false;
  uint64_t record_start_ = 0;

  // Everything before this offset was returned, dropped and reported, or is
  // valid trailer padding before a returned record.
  uint64_t consumed_end_ = 0;
  uint64_t last_record_offset_ = 0;
  uint64_t end_of_valid_data_ = 0;
  uint64_t torn_tail_bytes_ = 0;
};

}  // namespace strata::internal::log
