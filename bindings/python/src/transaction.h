// transaction.h — strata.Transaction, strata.Snapshot and
// strata.WriteBatch: the DB's children that group reads or writes.
//
// Transaction: the C++ transaction (strata/transaction.h) behind a mutex,
// so that calls from several Python threads are serialized (the C++ one is
// single-threaded). Its iterators are its children: commit, rollback or
// DB close invalidate them. DB close rolls it back.
//
// Snapshot: a C++ snapshot behind a shared mutex: reads through it hold it
// shared, release() exclusively, so no read ever uses a released one.
//
// WriteBatch: a C++ WriteBatch; it holds no DB resource, only the DB.
//
// Locks are taken after the DB lock (db.h, rule 3).

#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>

#include "db.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"

namespace strata::python {

class Transaction : public Child,
                    public std::enable_shared_from_this<Transaction> {
 public:
  // REQUIRES: the GIL is held.
  static std::shared_ptr<Transaction> Begin(std::shared_ptr<Db> db,
                                            const WriteOptions& write_options,
                                            const TransactionOptions& options);
  ~Transaction() override;

  // Runs f(strata::Transaction&) with the GIL released and the DB lock and
  // this transaction's mutex held. Raises InvalidArgument once it ended.
  template <typename F>
  auto Run(F&& f) {
    py::gil_scoped_release nogil;
    std::shared_lock db_lock = db_->Enter();
    db_->Checked();
    std::lock_guard lock(mu_);
    return f(*CheckedLocked());
  }
  strata::Transaction* CheckedLocked() const {
    if (txn_ == nullptr) throw StatusError(Status::InvalidArgument(reason_));
    return txn_.get();
  }

  // Commits (Conflict on Busy) or rolls back; either way it has ended and
  // its iterators are invalidated.
  void Commit();
  void Rollback();
  bool ended() const { return ended_.load(std::memory_order_acquire); }
  // Raises InvalidArgument if it was ended by DB close rather than by a
  // commit or rollback. REQUIRES: ended().
  void CheckNotInvalidated();

  // Its iterators. REQUIRES: the DB lock and mu_ held.
  void RegisterLocked(Child* child) { children_.insert(child); }
  void UnregisterLocked(Child* child) { children_.erase(child); }
  std::mutex& mutex() { return mu_; }
  const std::shared_ptr<Db>& db() const { return db_; }

  void Invalidate(const char* reason) override;

 private:
  explicit Transaction(std::shared_ptr<Db> db) : db_(std::move(db)) {}
  // Ends the C++ transaction (destroying it rolls back an open one) and
  // its iterators. REQUIRES: the DB lock and mu_ held.
  void EndLocked(const char* reason);

  const std::shared_ptr<Db> db_;
  std::mutex mu_;
  std::unique_ptr<strata::Transaction> txn_;  // guarded by mu_
  const char* reason_ = "";                   // guarded by mu_
  std::unordered_set<Child*> children_;       // guarded by mu_
  // release: set by EndLocked; pairs with the acquire in ended().
  std::atomic<bool> ended_{false};
  bool invalidated_ = false;  // guarded by mu_: ended by Invalidate
};

class Snapshot : public Child, public std::enable_shared_from_this<Snapshot> {
 public:
  // REQUIRES: the GIL is held.
  static std::shared_ptr<Snapshot> Take(std::shared_ptr<Db> db);
  ~Snapshot() override;

  // Runs f(DB&, const strata::Snapshot*) with the GIL released and the DB
  // lock and this snapshot's lock held shared. Raises InvalidArgument once
  // released.
  template <typename F>
  auto Run(F&& f) {
    py::gil_scoped_release nogil;
    std::shared_lock db_lock = db_->Enter();
    DB* db = db_->Checked();
    std::shared_lock lock(mu_);
    return f(*db, CheckedLocked());
  }

  // The C++ snapshot. REQUIRES: mu_ held (shared). Raises once released.
  const strata::Snapshot* CheckedLocked() const {
    if (snapshot_ == nullptr) {
      throw StatusError(Status::InvalidArgument(reason_));
    }
    return snapshot_;
  }
  std::shared_mutex& mutex() { return mu_; }

  void Release();
  bool released() const { return released_.load(std::memory_order_acquire); }
  uint64_t sequence() const { return sequence_; }
  const std::shared_ptr<Db>& db() const { return db_; }

  void Invalidate(const char* reason) override;

 private:
  explicit Snapshot(std::shared_ptr<Db> db) : db_(std::move(db)) {}
  // REQUIRES: the DB lock held and mu_ held exclusively.
  void ReleaseLocked(const char* reason);

  const std::shared_ptr<Db> db_;
  uint64_t sequence_ = 0;  // set before it is shared
  std::shared_mutex mu_;
  const strata::Snapshot* snapshot_ = nullptr;  // guarded by mu_
  const char* reason_ = "";                     // guarded by mu_
  // release: set with snapshot_ cleared; pairs with the acquire in
  // released().
  std::atomic<bool> released_{false};
};

class WriteBatch {
 public:
  WriteBatch(std::shared_ptr<Db> db, bool sync) : db_(std::move(db)) {
    options_.sync = sync;
  }
  // Writes the batch atomically and empties it; when the write fails the
  // batch keeps its operations, so it may be retried. REQUIRES: the GIL is
  // held.
  void Write();

  strata::WriteBatch& batch() { return batch_; }
  const std::shared_ptr<Db>& db() const { return db_; }

 private:
  // Puts the operations of a failed write back in front of batch_.
  // REQUIRES: the GIL is held.
  void PutBack(strata::WriteBatch&& batch);

  const std::shared_ptr<Db> db_;
  WriteOptions options_;
  strata::WriteBatch batch_;  // touched with the GIL held
};

void BindTransaction(py::module_& m);
void BindSnapshot(py::module_& m);
void BindWriteBatch(py::module_& m);

}  // namespace strata::python
