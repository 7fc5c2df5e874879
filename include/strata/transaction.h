// strata/transaction.h — optimistic ACID transactions.
//
// A transaction buffers its writes, reads through its own writes, and
// commits them atomically through the DB's commit pipeline. Under snapshot
// isolation a commit fails with Busy when another writer committed a key this
// transaction wrote after it began (first committer wins); serializable
// isolation also validates what it read.
//
// Thread-safety: a transaction is used by one thread at a time. It must not
// outlive the DB that began it.

#pragma once

#include <memory>

#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

enum class TransactionMode : uint8_t { kReadWrite, kReadOnly, kWriteOnly };
enum class IsolationLevel : uint8_t { kSnapshot, kSerializable };

struct TransactionOptions {
  TransactionMode mode = TransactionMode::kReadWrite;
  IsolationLevel isolation = IsolationLevel::kSnapshot;
};

class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back a transaction that was neither committed nor rolled back.
  virtual ~Transaction() = default;

  // Reads `key`, seeing this transaction's own writes. NotFound if absent.
  virtual Status Get(const ReadOptions& options, const Slice& key,
                     std::string* value) = 0;
  virtual Status Put(const Slice& key, const Slice& value) = 0;
  virtual Status Delete(const Slice& key) = 0;
  // An iterator over the DB as of the transaction's snapshot, merged with
  // this transaction's own writes.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  // Busy on a conflict; the transaction is finished either way.
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

}  // namespace strata
