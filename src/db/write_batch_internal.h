// WriteBatchInternal: the engine's view of a WriteBatch's encoding
// (docs/batch_format.md), kept off the public class.
//
//   rep := sequence:fixed64 count:fixed32 record*
//   record := kPut varstring(key) varstring(value)
//           | kDelete varstring(key)
//           | kDeleteRange varstring(begin) varstring(end)
//           | kPutAt fixed64(ts) varstring(key) varstring(value)
//           | kDeleteAt fixed64(ts) varstring(key)
//           | kPurge varstring(key)
//           | kReplace varstring(key) varstring(value)
//           | kDeleteRangeAt fixed64(ts) varstring(begin) varstring(end)
//   varstring := length:varint32 bytes
//
// The opcodes are the batch's own (BatchOp), not the entry types stored in
// memtables and tables (ValueType): a new kind of entry (a value pointer,
// say) needs no opcode, and a new operation no entry type. Their numbers
// happen to match ValueType's and are on disk in every WAL: never renumber.

#pragma once

#include <cstdint>

#include "key/internal_key.h"
#include "strata/status.h"
#include "strata/write_batch.h"

namespace strata::internal {

class MemTable;

// The operation of one batch record. On disk: never renumber or reuse.
enum class BatchOp : uint8_t {
  kDelete = 0,
  kPut = 1,
  kDeleteRange = 2,
  kPutAt = 3,          // versioned DBs: a caller-given timestamp
  kDeleteAt = 4,       // versioned DBs: a caller-given timestamp
  kPurge = 5,          // versioned DBs: every version of a key goes
  kReplace = 6,        // versioned DBs: a new version, the older ones go
  kDeleteRangeAt = 7,  // versioned DBs: a caller-given timestamp
};

// Size of the header (sequence + count) at the start of every batch.
constexpr size_t kBatchHeaderSize = 12;

// What a batch holds, as found by Validate.
struct BatchSummary {
  uint32_t count = 0;
  uint32_t range_deletions = 0;
  size_t max_key_size = 0;
  size_t max_value_size = 0;
  bool has_empty_key = false;
  // Records with a caller-given timestamp (PutAt, DeleteAt, DeleteRangeAt),
  // and whether one of them has timestamp 0.
  uint32_t timestamped = 0;
  bool has_zero_timestamp = false;
  // Purge and Replace records (versioned DBs only).
  uint32_t purges = 0;
  // A range whose begin is not below its end (checked only when Validate
  // is given a comparator).
  bool has_bad_range = false;
};

class WriteBatchInternal {
 public:
  static uint32_t Count(const WriteBatch& batch);
  static void SetCount(WriteBatch* batch, uint32_t n);

  // The sequence number of the batch's first operation.
  static SequenceNumber Sequence(const WriteBatch& batch);
  static void SetSequence(WriteBatch* batch, SequenceNumber seq);

  static Slice Contents(const WriteBatch& batch) { return Slice(batch.rep_); }
  static size_t ByteSize(const WriteBatch& batch) { return batch.rep_.size(); }

  // Replaces the batch with `contents` read from disk. Corruption when it
  // is shorter than a header; the records are checked by Validate.
  static Status SetContents(WriteBatch* batch, const Slice& contents);

  // Parses every record. Corruption (naming the offset of the bad record)
  // when the encoding is damaged or the header count disagrees. With a
  // user comparator, reversed or empty ranges set has_bad_range.
  static Status Validate(const WriteBatch& batch, BatchSummary* summary,
                         const Comparator* ucmp = nullptr);

  // Appends `src`'s records to `dst` (the sequence of `dst` is kept).
  static void Append(WriteBatch* dst, const WriteBatch& src);

  // Inserts every operation into `mem`, numbering them from Sequence().
  // With `versioned`, every key becomes key ‖ timestamp (key/versioned_key.h):
  // PutAt/DeleteAt's own, or `commit_timestamp` for Put, Delete and
  // Replace. Purge and Replace hide older versions with a range tombstone
  // over the versions of their key (docs/key_format.md).
  // REQUIRES: the batch has been validated; the caller is the memtable's
  // only writer; without `versioned`, no PutAt/DeleteAt/Purge/Replace;
  // with it, no DeleteRange (not supported in versioned DBs yet).
  static void InsertInto(const WriteBatch& batch, MemTable* mem,
                         bool versioned = false, uint64_t commit_timestamp = 0);
};

}  // namespace strata::internal
