// strata/transaction.h — optimistic ACID transactions.
//
// A transaction reads a snapshot taken when it begins, plus its own writes,
// which it buffers (an indexed write set) and commits atomically through
// the DB's commit pipeline. Under snapshot isolation (the default) a commit
// fails with Busy when another writer committed a key this transaction
// wrote after its snapshot (first committer wins); GetForUpdate puts a read
// under the same check. Serializable isolation also fails it when a key it
// read, or any key inside a range it scanned (a phantom), was committed
// after its snapshot. Conflicts are decided exactly: Busy means a real
// conflict, never that history aged out of memory (Options::
// max_transaction_index_bytes). A transaction that wrote nothing always
// commits. Modes: read-write; read-only (writes are InvalidArgument, it
// never aborts); write-only (reads are InvalidArgument, nothing is checked:
// it commits like a WriteBatch).
//
// WriteOptions::sync, given at begin, is the durability of the commit.
// Using a committed or rolled-back transaction is InvalidArgument;
// destroying an open one rolls it back. After DB::Close its reads and its
// Commit fail with the DB's error (writes are only buffered, and nothing is
// written), a transaction begun then fails every call, and destroying one
// is safe while the DB object lives.
//
// In a versioned DB reads may take ReadOptions::as_of (the snapshot as of
// that time, with own PutAt/DeleteAt at or before it); Put, Delete and
// DeleteRange get the commit timestamp of the transaction's group and,
// for the transaction's own reads, count as the newest version of their
// keys. History iterators (all_versions) list the snapshot's committed
// versions only.
//
// Costs: a read-only transaction registers nothing; like an iterator it
// pins the memtables and table files live when it began (they stay in
// memory and on disk until it ends), so keep it short. While any
// read-write transaction is open, every write to the DB (transactional
// or not) records its keys in the commit index — a parse of its batch and
// one ordered-map update per key, within
// Options::max_transaction_index_bytes — so an idle read-write
// transaction left open costs every writer that much until it ends.
//
// Thread-safety: a transaction is used by one thread at a time. It must
// not outlive the DB object that began it.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

class DB;

enum class TransactionMode : uint8_t { kReadWrite, kReadOnly, kWriteOnly };
enum class IsolationLevel : uint8_t { kSnapshot, kSerializable };

struct TransactionOptions {
  TransactionMode mode = TransactionMode::kReadWrite;
  IsolationLevel isolation = IsolationLevel::kSnapshot;
  // The write set's bound (bytes of keys and values buffered): a write
  // past it is InvalidArgument and leaves the transaction as it was.
  size_t max_write_bytes = size_t{256} << 20;
};

class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back a transaction that was neither committed nor rolled back.
  virtual ~Transaction() = default;

  // Reads `key` at the transaction's snapshot (ReadOptions::snapshot must
  // be unset), seeing its own writes. NotFound if absent.
  virtual Status Get(const ReadOptions& options, const Slice& key,
                     std::string* value) = 0;
  // Get, and the key joins the write-conflict check: the commit fails
  // with Busy if another writer commits it after the snapshot.
  virtual Status GetForUpdate(const ReadOptions& options, const Slice& key,
                              std::string* value) = 0;
  virtual Status Put(const Slice& key, const Slice& value) = 0;
  virtual Status Delete(const Slice& key) = 0;
  // Removes every key in [begin, end) (begin < end).
  virtual Status DeleteRange(const Slice& begin, const Slice& end) = 0;
  // Versioned DBs: a version at the caller's timestamp (WriteBatch::PutAt).
  virtual Status PutAt(const Slice& key, const Slice& value, uint64_t ts) = 0;
  virtual Status DeleteAt(const Slice& key, uint64_t ts) = 0;
  // An iterator over the snapshot merged with this transaction's own
  // writes (both directions, bounds, keys_only, as_of). Valid until the
  // transaction ends; it does not see writes made after its creation.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  // Live keys in [begin, end), own writes included (begin <= end).
  virtual Status Count(const ReadOptions& options, const Slice& begin,
                       const Slice& end, uint64_t* count) = 0;

  // Marks the current state; RollbackToSavePoint returns to the newest
  // mark, undoing the writes since (and, under serializable isolation, the
  // reads recorded since) and removing the mark. Marks nest.
  //
  // Serializable: a read undone this way no longer takes part in the
  // commit's check, so a value read after the mark must not steer what
  // the transaction does after the rollback (read it again instead).
  // GetForUpdate's keys stay under the check under snapshot isolation.
  virtual void SetSavePoint() = 0;
  // NotFound when no mark is set.
  virtual Status RollbackToSavePoint() = 0;

  // Busy on a conflict, naming the key; nothing is written then. The
  // transaction is finished either way.
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

// Runs `fn` in a new transaction and commits it; when the commit fails
// with Busy, runs it again in a fresh transaction, up to `max_attempts`
// times in all. A non-OK status from `fn` rolls the transaction back and
// is returned as is. Returns Busy if every attempt conflicted.
Status RunTransaction(DB* db, const WriteOptions& write_options,
                      const TransactionOptions& txn_options,
                      const std::function<Status(Transaction&)>& fn,
                      int max_attempts = 10);

}  // namespace strata
