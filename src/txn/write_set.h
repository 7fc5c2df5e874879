// WriteSet: a transaction's own writes, in the order made and indexed by
// key, so that its reads see them (strata/transaction.h).
//
// Every write is an op; a key's effect for a read is decided by its ops:
//  - untimed ops (Put, Delete, DeleteRange) take the commit timestamp, so
//    for the transaction's own reads they are the newest version of their
//    keys: the latest of them on a key decides, for reads without as_of;
//  - timed ops (PutAt, DeleteAt; versioned DBs) are versions at their
//    timestamps: the newest at or before the read's time competes with the
//    snapshot's version of the key (the caller compares timestamps).
// Savepoints truncate the op list and rebuild the index.
//
// Thread-safety: none; a transaction's one thread at a time. Iterators
// read a copy (the transaction copies on write while one is shared).

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/comparator.h"
#include "strata/slice.h"

namespace strata::internal {

// One write of a transaction, as the DB applies it at commit (a record of
// a WriteBatch: txn/txn_host.h).
struct TxnOp {
  enum class Kind : uint8_t { kPut, kDelete, kDeleteRange, kPutAt, kDeleteAt };
  Kind kind = Kind::kPut;
  std::string key;    // the begin, for kDeleteRange
  std::string value;  // the end, for kDeleteRange
  uint64_t ts = 0;    // timed ops only
};

class WriteSet {
 public:
  using Kind = TxnOp::Kind;
  using Op = TxnOp;

  // What a read sees of the transaction's own writes on one key.
  struct Effect {
    enum class State : uint8_t { kNone, kValue, kDeleted };
    State state = State::kNone;
    // kValue: the value (points into the write set).
    const std::string* value = nullptr;
    // An untimed op decided (it is the newest version); otherwise a timed
    // op at `ts`, which the snapshot's version may beat.
    bool untimed = false;
    uint64_t ts = 0;
  };

  // The ops on one key (indices into ops()).
  struct KeyOps {
    std::optional<size_t> untimed;  // the latest Put or Delete
    std::vector<size_t> timed;      // every PutAt and DeleteAt
  };
  // Transparent: lookups by Slice need no string.
  struct Less {
    using is_transparent = void;
    const Comparator* ucmp;
    bool operator()(const Slice& a, const Slice& b) const {
      return ucmp->Compare(a, b) < 0;
    }
  };
  using KeyMap = std::map<std::string, KeyOps, Less>;

  // `ucmp` orders keys (borrowed; must outlive the set).
  explicit WriteSet(const Comparator* ucmp);

  void Add(Op op);
  // Keeps the first `n` ops (a savepoint's), rebuilding the index.
  void Truncate(size_t n);

  const std::vector<Op>& ops() const { return ops_; }
  size_t bytes() const { return bytes_; }
  // Keys with point ops, ordered.
  const KeyMap& keys() const { return keys_; }
  const Comparator* comparator() const { return ucmp_; }
  bool has_ranges() const { return !ranges_.empty(); }

  // The own effect on `key` for a read as of `as_of` (nullopt: latest).
  // Untimed ops count only for reads without as_of.
  Effect Lookup(const Slice& key, std::optional<uint64_t> as_of) const;
  // Whether an own DeleteRange covers `key` (it then decides for reads
  // without as_of, unless a later untimed point op on the key does).
  bool RangeDeleted(const Slice& key) const;

 private:
  void Index(size_t i);

  const Comparator* const ucmp_;
  std::vector<Op> ops_;
  KeyMap keys_;
  std::vector<size_t> ranges_;  // indices of DeleteRange ops
  size_t bytes_ = 0;
};

}  // namespace strata::internal
