// iterator.h — strata.Iterator: the lazy iterators of items(), keys(),
// values() and history() on a DB, a snapshot or a transaction.
//
// An iterator reads the state of the moment it was made (the C++
// iterator's snapshot), so writes after it never disturb it. It reads
// ahead in batches (growing from 8 entries to 128, or 256 KiB), each with
// the GIL released once, so that the GIL and locks cost little per entry.
//
// Lifetime: it holds its DB (and its transaction or snapshot) alive. DB
// close, or the end of its transaction, invalidates it: its next call
// raises InvalidArgument, even for entries already read ahead. Once it is
// exhausted or close()d it releases the C++ iterator (and with it the
// tables and memtables it pinned).
//
// Thread-safety: calls on one iterator from two threads at once raise
// ValueError("iterator already executing"), as a generator's do; the
// flag that decides it is read and written with the GIL held.

#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "db.h"

namespace strata::python {

class Snapshot;
class Transaction;

// What each step of an iterator yields.
enum class Yield : uint8_t {
  kItems,    // (key, value)
  kKeys,     // key (a keys_only C++ iterator)
  kValues,   // value
  kHistory,  // (key, timestamp, value or None for a tombstone)
};

class Iterator : public Child {
 public:
  // An iterator over `db`; over `txn` when it is given, or as of
  // `snapshot` (both of `db`, borrowed for the call). `options` bounds
  // it; `empty` makes it yield nothing (bounds that leave no key).
  // REQUIRES: the GIL is held.
  static std::shared_ptr<Iterator> Make(std::shared_ptr<Db> db,
                                        std::shared_ptr<Transaction> txn,
                                        Snapshot* snapshot, ReadOptions options,
                                        Yield yield, bool reverse, bool empty);
  ~Iterator() override;

  // The next entry as a new reference; nullptr when exhausted (no error
  // set). Throws on error. REQUIRES: the GIL is held.
  PyObject* Next();
  // Releases the C++ iterator; the iterator yields nothing more.
  void Close();

  void Invalidate(const char* reason) override;

 private:
  struct Entry {
    std::string key;
    std::string value;
    uint64_t timestamp = 0;
    bool deleted = false;
  };

  Iterator(std::shared_ptr<Db> db, std::shared_ptr<Transaction> txn,
           Yield yield, bool reverse)
      : db_(std::move(db)),
        txn_(std::move(txn)),
        yield_(yield),
        reverse_(reverse) {}

  // Reads the next batch into buf_ with the GIL released.
  void Fill();
  // Fill's work. REQUIRES: the DB lock held shared (and the transaction's).
  void FillLocked();
  PyObject* Build(const Entry& e) const;

  const std::shared_ptr<Db> db_;
  const std::shared_ptr<Transaction> txn_;  // null: a DB iterator
  const Yield yield_;
  const bool reverse_;

  // Guarded by the DB lock (and, for a transaction's iterator, the
  // transaction's mutex): the C++ iterator, null once invalidated,
  // exhausted or closed.
  std::unique_ptr<strata::Iterator> it_;
  bool started_ = false;
  // release: written by Invalidate (DB lock held exclusively) after
  // reason_; pairs with the acquire in Next, which then reads reason_.
  std::atomic<bool> invalid_{false};
  const char* reason_ = "";

  // Touched with the GIL held, or by the one thread that set running_.
  bool running_ = false;
  bool done_ = false;  // it_ has nothing more; buf_ may still
  Status end_status_;  // the C++ iterator's error, raised after buf_
  std::vector<Entry> buf_;
  size_t count_ = 0;  // entries of buf_ in use
  size_t pos_ = 0;    // the next one to yield
  size_t batch_ = 8;  // entries to read next time
};

void BindIterator(py::module_& m);

}  // namespace strata::python
