#include "iterator.h"

#include <mutex>
#include <optional>
#include <shared_mutex>

#include "convert.h"
#include "fast.h"
#include "reads.h"
#include "transaction.h"

namespace strata::python {

namespace {

constexpr size_t kMaxBatch = 128;
constexpr size_t kMaxBatchBytes = 256 << 10;

// Holds the locks of a read through `src` (db.h's order: the DB lock
// shared, then the transaction's mutex or the snapshot's lock) and sets
// the snapshot into `options`. Raises once the DB is closed, the
// transaction ended or the snapshot released.
// REQUIRES: the GIL is released (db.h: the locking rule).
class ReadLocks {
 public:
  ReadLocks(const Source& src, ReadOptions* options)
      : db_lock_(src.db->Enter()), db_(src.db->Checked()) {
    if (src.txn != nullptr) {
      txn_lock_.emplace(src.txn->mutex());
      txn_ = src.txn->CheckedLocked();
    } else if (src.snapshot != nullptr) {
      snapshot_lock_.emplace(src.snapshot->mutex());
      options->snapshot = src.snapshot->CheckedLocked();
    }
  }
  DB* db() const { return db_; }
  strata::Transaction* txn() const { return txn_; }

 private:
  std::shared_lock<std::shared_mutex> db_lock_;
  DB* db_;
  std::optional<std::unique_lock<std::mutex>> txn_lock_;
  std::optional<std::shared_lock<std::shared_mutex>> snapshot_lock_;
  strata::Transaction* txn_ = nullptr;
};

}  // namespace

std::shared_ptr<Iterator> Iterator::Make(std::shared_ptr<Db> db,
                                         std::shared_ptr<Transaction> txn,
                                         Snapshot* snapshot,
                                         ReadOptions options, Yield yield,
                                         bool reverse, bool empty) {
  std::shared_ptr<Iterator> it(
      new Iterator(std::move(db), std::move(txn), yield, reverse));
  if (empty) {
    // Nothing to read: no C++ iterator, and nothing to register.
    it->done_ = true;
    return it;
  }
  options.keys_only = yield == Yield::kKeys;
  Status s;
  {
    py::gil_scoped_release nogil;
    ReadLocks locks(Source{it->db_.get(), snapshot, it->txn_.get()}, &options);
    if (locks.txn() != nullptr) {
      it->it_ = locks.txn()->NewIterator(options);
      it->txn_->RegisterLocked(it.get());
    } else {
      it->it_ = locks.db()->NewIterator(options);
      it->db_->Register(it.get());
    }
    // An iterator made with bad options (as_of on an unversioned DB, ...)
    // says so at once, not at its first step.
    if (!it->it_->Valid()) s = it->it_->status();
  }
  // Raised with the locks let go: the iterator's destructor takes them.
  Check(std::move(s));
  return it;
}

Iterator::~Iterator() {
  // Unregistering must not race Close (which walks the children with the
  // DB lock held exclusively); destroying the C++ iterator may delete
  // files, so the GIL is let go.
  NoGil nogil;
  std::shared_lock db_lock(db_->mutex());
  if (txn_ != nullptr) {
    std::lock_guard txn_lock(txn_->mutex());
    txn_->UnregisterLocked(this);
    it_.reset();
  } else {
    db_->Unregister(this);
    it_.reset();
  }
}

void Iterator::Invalidate(const char* reason) {
  it_.reset();
  reason_ = reason;
  invalid_.store(true, std::memory_order_release);
}

void Iterator::Close() {
  if (running_) throw py::value_error("iterator already executing");
  done_ = true;
  count_ = pos_ = 0;
  end_status_ = Status::OK();
  NoGil nogil;
  std::shared_lock db_lock(db_->mutex());
  if (txn_ != nullptr) {
    std::lock_guard txn_lock(txn_->mutex());
    it_.reset();
  } else {
    it_.reset();
  }
}

void Iterator::FillLocked() {
  count_ = pos_ = 0;
  if (it_ == nullptr) {
    // Invalidated (Next then raises) or closed since Next looked.
    done_ = true;
    return;
  }
  strata::Iterator& it = *it_;
  if (!started_) {
    started_ = true;
    if (reverse_) {
      it.SeekToLast();
    } else {
      it.SeekToFirst();
    }
  }
  size_t bytes = 0;
  while (it.Valid() && count_ < batch_ && bytes < kMaxBatchBytes) {
    if (buf_.size() <= count_) buf_.emplace_back();
    Entry& e = buf_[count_++];
    if (yield_ != Yield::kValues) {
      const Slice k = it.key();
      e.key.assign(k.data(), k.size());
      bytes += k.size();
    }
    if (yield_ != Yield::kKeys) {
      const Slice v = it.value();
      e.value.assign(v.data(), v.size());
      bytes += v.size();
    }
    if (yield_ == Yield::kHistory) {
      e.timestamp = it.timestamp();
      e.deleted = it.IsDeleted();
    }
    if (reverse_) {
      it.Prev();
    } else {
      it.Next();
    }
  }
  if (!it.Valid()) {
    end_status_ = it.status();
    done_ = true;
    it_.reset();  // frees what it pinned as soon as it is exhausted
  }
  if (batch_ < kMaxBatch) batch_ *= 2;
}

void Iterator::Fill() {
  running_ = true;
  try {
    py::gil_scoped_release nogil;
    std::shared_lock db_lock = db_->Enter();
    if (txn_ != nullptr) {
      std::lock_guard txn_lock(txn_->mutex());
      FillLocked();
    } else {
      FillLocked();
    }
  } catch (...) {
    running_ = false;
    throw;
  }
  running_ = false;
}

PyObject* Iterator::Build(const Entry& e) const {
  switch (yield_) {
    case Yield::kKeys:
      return NewBytes(e.key);
    case Yield::kValues:
      return NewBytes(e.value);
    case Yield::kItems: {
      PyObject* k = NewBytes(e.key);
      PyObject* v = k != nullptr ? NewBytes(e.value) : nullptr;
      PyObject* t = v != nullptr ? PyTuple_New(2) : nullptr;
      if (t == nullptr) {
        Py_XDECREF(k);
        Py_XDECREF(v);
        return nullptr;
      }
      PyTuple_SET_ITEM(t, 0, k);
      PyTuple_SET_ITEM(t, 1, v);
      return t;
    }
    case Yield::kHistory:
      break;
  }
  py::object key = py::reinterpret_steal<py::object>(NewBytes(e.key));
  py::object value = e.deleted
                         ? py::object(py::none())
                         : py::reinterpret_steal<py::object>(NewBytes(e.value));
  if (!key || !value) return nullptr;
  return py::make_tuple(key, e.timestamp, value).release().ptr();
}

PyObject* Iterator::Next() {
  for (;;) {
    if (running_) throw py::value_error("iterator already executing");
    if (invalid_.load(std::memory_order_acquire)) {
      throw StatusError(Status::InvalidArgument(reason_));
    }
    if (pos_ < count_) {
      PyObject* r = Build(buf_[pos_++]);
      if (r == nullptr) throw py::error_already_set();
      return r;
    }
    if (done_) {
      if (!end_status_.ok()) {
        Status s = std::move(end_status_);
        end_status_ = Status::OK();
        throw StatusError(std::move(s));
      }
      return nullptr;
    }
    Fill();
  }
}

bool ReadValue(const Source& src, py::handle key, py::handle as_of,
               bool for_update, std::string* value) {
  const BytesArg k(key, "key");
  ReadOptions options;
  if (!as_of.is_none()) options.as_of = ToTimestamp(as_of, "as_of");
  Status s;
  {
    py::gil_scoped_release nogil;
    ReadLocks locks(src, &options);
    if (locks.txn() != nullptr) {
      s = for_update ? locks.txn()->GetForUpdate(options, k.slice(), value)
                     : locks.txn()->Get(options, k.slice(), value);
    } else {
      s = locks.db()->Get(options, k.slice(), value);
    }
  }
  if (s.IsNotFound()) return false;
  Check(std::move(s));
  return true;
}

py::object MakeIterator(const Source& src, Yield yield, py::handle start,
                        py::handle stop, bool reverse, py::handle prefix,
                        py::handle as_of, const HistoryArgs* history) {
  const Bounds bounds(start, stop, prefix);
  ReadOptions options;
  ApplyRead(bounds, as_of, &options);
  if (history != nullptr) {
    options.all_versions = true;
    options.include_deleted = history->include_deleted;
    options.history_from = ToOptionalTimestamp(history->since, "since");
    options.history_to = ToOptionalTimestamp(history->until, "until");
    options.history_limit = history->limit;
  }
  std::shared_ptr<Transaction> txn =
      src.txn != nullptr ? src.txn->shared_from_this() : nullptr;
  return py::cast(Iterator::Make(src.db->shared_from_this(), std::move(txn),
                                 src.snapshot, std::move(options), yield,
                                 reverse, bounds.empty));
}

uint64_t CountKeys(const Source& src, py::handle start, py::handle stop,
                   py::handle as_of) {
  const Bounds bounds(start, stop, py::none());
  if (bounds.empty) return 0;
  ReadOptions options;
  ApplyRead(bounds, as_of, &options);
  options.keys_only = true;
  uint64_t n = 0;
  Status s;
  {
    py::gil_scoped_release nogil;
    ReadLocks locks(src, &options);
    if (bounds.lower && bounds.upper) {
      // The library's count, which reads no value.
      s = locks.txn() != nullptr
              ? locks.txn()->Count(options, *bounds.lower, *bounds.upper, &n)
              : locks.db()->Count(options, *bounds.lower, *bounds.upper, &n);
    } else {
      // Count takes both ends; an open end is counted here the same way
      // (a keys-only iterator over the bounds).
      std::unique_ptr<strata::Iterator> it =
          locks.txn() != nullptr ? locks.txn()->NewIterator(options)
                                 : locks.db()->NewIterator(options);
      for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
      s = it->status();
    }
  }
  Check(std::move(s));
  return n;
}

void BindIterator(py::module_& m) {
  py::class_<Iterator, std::shared_ptr<Iterator>> cls(
      m, "Iterator",
      "A lazy iterator made by items(), keys(), values() or history(). It "
      "sees the state of the moment it was made and keeps its DB alive; "
      "closing the DB (or ending its transaction) makes its next step "
      "raise InvalidArgument. close(), or leaving a `with` block, releases "
      "what it holds before it is collected.");
  cls.def(
         "__iter__", [](py::object self) { return self; },
         "Returns the iterator itself.")
      .def(
          "__next__",
          [](Iterator& self) {
            PyObject* r = self.Next();
            if (r == nullptr) throw py::stop_iteration();
            return py::reinterpret_steal<py::object>(r);
          },
          "The next entry; StopIteration at the end.")
      .def("close", &Iterator::Close,
           "Releases the iterator's resources; it yields nothing more.")
      .def(
          "__enter__", [](py::object self) { return self; },
          "Returns the iterator itself.")
      .def(
          "__exit__",
          [](Iterator& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc"), py::arg("tb"),
          "Closes the iterator.");
  InstallIteratorFastPaths(cls);
}

}  // namespace strata::python
