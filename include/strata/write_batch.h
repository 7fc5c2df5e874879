// strata/write_batch.h — a group of writes applied atomically.
//
// Either every operation in a batch becomes visible (in the order added) or
// none does, across crashes too. A WriteBatch is a value: copyable, movable,
// not thread-safe. Its encoding is the WAL payload (docs/batch_format.md).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

namespace internal {
class WriteBatchInternal;
}  // namespace internal

class WriteBatch {
 public:
  // Receives the operations of a batch in order (see Iterate).
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(const Slice& key, const Slice& value) = 0;
    virtual void Delete(const Slice& key) = 0;
    virtual void DeleteRange(const Slice& begin, const Slice& end) = 0;
    // Writes with a caller-given timestamp (versioned DBs). The defaults
    // forward to Put, Delete and DeleteRange without the timestamp:
    // override them to see it.
    virtual void PutAt(const Slice& key, const Slice& value, uint64_t ts) {
      (void)ts;
      Put(key, value);
    }
    virtual void DeleteAt(const Slice& key, uint64_t ts) {
      (void)ts;
      Delete(key);
    }
    virtual void DeleteRangeAt(const Slice& begin, const Slice& end,
                               uint64_t ts) {
      (void)ts;
      DeleteRange(begin, end);
    }
    // Versioned DBs. The defaults do nothing: a handler that must see them
    // overrides them.
    virtual void Purge(const Slice& key) { (void)key; }
    virtual void Replace(const Slice& key, const Slice& value) {
      (void)key;
      (void)value;
    }
  };

  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  WriteBatch(WriteBatch&&) noexcept = default;
  WriteBatch& operator=(WriteBatch&&) noexcept = default;
  ~WriteBatch() = default;

  void Put(const Slice& key, const Slice& value);
  void Delete(const Slice& key);
  // Records the removal of every key in [begin, end). In a versioned DB it
  // is a range tombstone at the commit timestamp: as-of reads at or after
  // it find no key of the range (unless written at a later timestamp), and
  // reads before it still see the older versions, which it keeps (a soft
  // delete, as Delete is for one key).
  void DeleteRange(const Slice& begin, const Slice& end);

  // A version of `key` at timestamp `ts` (nanoseconds since the Unix
  // epoch) instead of the commit's own: a back-dated write lands where its
  // time says. Only a DB created with versioning takes them; any other DB
  // refuses the whole batch with InvalidArgument, and so does any DB for
  // ts == 0.
  void PutAt(const Slice& key, const Slice& value, uint64_t ts);
  // A tombstone version of `key` at timestamp `ts` (as PutAt).
  void DeleteAt(const Slice& key, uint64_t ts);
  // DeleteRange at timestamp `ts` instead of the commit's own (as PutAt).
  void DeleteRangeAt(const Slice& begin, const Slice& end, uint64_t ts);
  // Versioned DBs (others refuse the batch with InvalidArgument):
  // removes every version of `key` that exists when the batch commits, for
  // every reader after it, history included (the "hard delete"; Delete is
  // the soft one). Later writes of the key, back-dated ones included, are
  // kept.
  void Purge(const Slice& key);
  // A new version of `key` at the commit timestamp, and every older
  // version of it goes (as Purge would take them).
  void Replace(const Slice& key, const Slice& value);

  // Removes every operation.
  void Clear();
  // Number of operations recorded.
  uint32_t Count() const;
  // Bytes of the encoded batch; a guide to its memory and WAL cost.
  size_t ApproximateSize() const;
  // Appends every operation of `other` to this batch.
  void Append(const WriteBatch& other);

  // Calls `handler` for each operation in order. Corruption if the encoding
  // is damaged (possible only for batches read back from disk).
  Status Iterate(Handler* handler) const;

 private:
  friend class internal::WriteBatchInternal;
  std::string rep_;  // see docs/batch_format.md
};

}  // namespace strata
