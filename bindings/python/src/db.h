// db.h — strata.DB: the DB object Python holds, and the rules its children
// (iterators, snapshots, transactions) live by.
//
// Ownership: Python holds a Db through std::shared_ptr, and so does every
// child, so the C++ object lives while any child does (the Python DB
// object may be collected first; collection order never matters).
//
// Close: Close() first marks the DB closing (closed() is true from then
// on, and every new operation raises at once, before it takes the DB
// lock), then takes the DB lock exclusively, so it waits for every
// operation in flight, then ends every live child (Child::Invalidate:
// iterators drop their C++ iterator, snapshots are released, transactions
// rolled back), closes the C++ DB and destroys it. Every later call on the
// DB or a child raises strata.InvalidArgument("... DB is closed").
// Refusing new operations up front matters: glibc's rwlock lets new
// readers in while a writer waits, so a steady stream of reads would
// otherwise keep Close waiting for ever.
//
// Locking. Rule: no lock here is ever held while waiting for the GIL (each
// is taken and released inside a GIL-released scope, or with the GIL held
// throughout without blocking on Python), so a thread holding the GIL may
// block on any of them without deadlock.
//  1. mu_ (shared_mutex): every operation on the DB or a child holds it
//     shared for its whole length (new ones take it through Enter(),
//     which refuses them once closing); Close() holds it exclusively.
//  2. children_mu_: the set of live children; taken under mu_ (shared) by
//     children as they come and go.
//  3. A child's own mutex (Transaction, Snapshot) is taken after mu_.
//
// GIL: every call that reaches the C++ DB runs with the GIL released
// (Run); arguments are pinned or copied before (convert.h), results built
// into Python objects after.

#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "errors.h"
#include "strata/db.h"

namespace strata::python {

namespace py = pybind11;

// Releases the GIL for its scope if this thread holds it (destructors run
// with or without it) and the interpreter is not shutting down.
class NoGil {
 public:
  NoGil();
  ~NoGil() {
    if (state_ != nullptr) PyEval_RestoreThread(state_);
  }
  NoGil(const NoGil&) = delete;
  NoGil& operator=(const NoGil&) = delete;

 private:
  PyThreadState* state_ = nullptr;
};

// Something holding resources of an open DB that Close must end first.
class Child {
 public:
  virtual ~Child() = default;
  // Ends the child's use of the DB; `reason` is what its later calls
  // report. Called by Db::Close with the DB lock held exclusively and the
  // GIL released: must not touch Python objects.
  virtual void Invalidate(const char* reason) = 0;
};

class Db : public std::enable_shared_from_this<Db> {
 public:
  // Opens the DB (the GIL released meanwhile); raises on failure.
  static std::shared_ptr<Db> Open(std::string path, const Options& options);
  // Closes the DB if Close() was not called, discarding its status.
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs f(DB&) with the GIL released and the DB lock held shared.
  // REQUIRES: the GIL is held. Raises InvalidArgument once closed.
  template <typename F>
  auto Run(F&& f) {
    py::gil_scoped_release nogil;
    std::shared_lock lock = Enter();
    return f(*Checked());
  }

  // The DB lock held shared for a new operation. Raises InvalidArgument
  // at once, without waiting for the lock, once Close() has begun: new
  // operations must not keep a waiting Close out (see Close above).
  // REQUIRES: the GIL is released (the locking rule).
  std::shared_lock<std::shared_mutex> Enter() {
    if (closed()) throw StatusError(Status::InvalidArgument(kClosed));
    return std::shared_lock(mu_);
  }

  // The C++ DB. REQUIRES: mu_ held (shared). Throws when closed.
  DB* Checked() const {
    if (db_ == nullptr) throw StatusError(Status::InvalidArgument(kClosed));
    return db_.get();
  }
  // The C++ DB, or null once closed. REQUIRES: mu_ held (either way).
  DB* OpenOrNull() const { return db_.get(); }

  // Adds or removes a live child. REQUIRES: mu_ held shared and the DB
  // open (Register); Unregister does nothing once closed.
  void Register(Child* child);
  void Unregister(Child* child);

  // Ends every child and closes the DB; a second call does nothing.
  // REQUIRES: the GIL is held (it is released while closing).
  void Close();

  // Whether Close() has begun: true before any child is ended, so a
  // thread that sees a child ended by the close sees this too.
  bool closed() const { return closing_.load(std::memory_order_acquire); }
  const std::string& path() const { return path_; }
  const Options& options() const { return options_; }
  std::shared_mutex& mutex() { return mu_; }

  // The message of every call after Close.
  static constexpr const char* kClosed = "DB is closed";

 private:
  Db(std::string path, const Options& options, std::unique_ptr<DB> db)
      : path_(std::move(path)), options_(options), db_(std::move(db)) {}

  const std::string path_;
  const Options options_;

  std::shared_mutex mu_;
  std::unique_ptr<DB> db_;  // guarded by mu_; null once closed
  // Set by Close() before it waits for mu_ (so before any child is
  // ended), never cleared. release/acquire with closed(); read without the
  // lock by Enter() to turn new operations away.
  std::atomic<bool> closing_{false};

  std::mutex children_mu_;
  std::unordered_set<Child*> children_;  // guarded by children_mu_
};

// Binds strata.DB and the module functions (destroy, repair, restore).
void BindDb(py::module_& m);

}  // namespace strata::python
