#include "db.h"

#include <vector>

namespace strata::python {

namespace {

bool Finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

}  // namespace

NoGil::NoGil() {
  if (PyGILState_Check() != 0 && !Finalizing()) state_ = PyEval_SaveThread();
}

std::shared_ptr<Db> Db::Open(std::string path, const Options& options) {
  std::unique_ptr<DB> db;
  Status s;
  {
    py::gil_scoped_release nogil;
    s = DB::Open(options, path, &db);
  }
  Check(std::move(s));
  return std::shared_ptr<Db>(new Db(std::move(path), options, std::move(db)));
}

Db::~Db() {
  // Every child holds this object, so none is left; only the DB remains.
  if (db_ != nullptr) {
    NoGil nogil;
    (void)db_->Close();  // no one is left to tell
    db_.reset();
  }
}

void Db::Register(Child* child) {
  std::lock_guard lock(children_mu_);
  children_.insert(child);
}

void Db::Unregister(Child* child) {
  std::lock_guard lock(children_mu_);
  children_.erase(child);
}

void Db::Close() {
  // First: from here on `closed` is true and new operations are refused
  // (Enter), so the operations in flight are all the exclusive lock
  // waits for.
  closing_.store(true, std::memory_order_release);
  Status s;
  {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mu_);
    if (db_ == nullptr) return;  // closed by another call
    std::unordered_set<Child*> children;
    {
      std::lock_guard children_lock(children_mu_);
      children.swap(children_);
    }
    // Transactions, snapshots and iterators go before the DB they use
    // (a C++ transaction must not outlive its DB object).
    for (Child* child : children) child->Invalidate(kClosed);
    s = db_->Close();
    db_.reset();
  }
  Check(std::move(s));
}

}  // namespace strata::python
