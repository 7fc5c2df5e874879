#include "transaction.h"

#include <vector>

#include "convert.h"
#include "fast.h"
#include "reads.h"

namespace strata::python {

namespace {

constexpr const char* kCommitted = "the transaction is committed";
constexpr const char* kRolledBack = "the transaction is rolled back";
constexpr const char* kReleased = "the snapshot is released";

}  // namespace

// ---- Transaction ------------------------------------------------------------

std::shared_ptr<Transaction> Transaction::Begin(
    std::shared_ptr<Db> db, const WriteOptions& write_options,
    const TransactionOptions& options) {
  std::shared_ptr<Transaction> t(new Transaction(std::move(db)));
  py::gil_scoped_release nogil;
  std::shared_lock db_lock = t->db_->Enter();
  DB* cdb = t->db_->Checked();
  std::lock_guard lock(t->mu_);
  t->txn_ = cdb->BeginTransaction(write_options, options);
  t->db_->Register(t.get());
  return t;
}

Transaction::~Transaction() {
  // Destroying an open C++ transaction rolls it back; it must not outlive
  // the C++ DB, which Close destroys after ending this one.
  NoGil nogil;
  std::shared_lock db_lock(db_->mutex());
  db_->Unregister(this);
  std::lock_guard lock(mu_);
  txn_.reset();
}

void Transaction::EndLocked(const char* reason) {
  for (Child* child : children_) child->Invalidate(reason);
  children_.clear();
  txn_.reset();
  reason_ = reason;
  ended_.store(true, std::memory_order_release);
}

void Transaction::Invalidate(const char* reason) {
  std::lock_guard lock(mu_);
  if (txn_ != nullptr) {
    EndLocked(reason);
    invalidated_ = true;
  }
}

void Transaction::CheckNotInvalidated() {
  std::lock_guard lock(mu_);
  if (invalidated_) throw StatusError(Status::InvalidArgument(reason_));
}

void Transaction::Commit() {
  Run([this](strata::Transaction& txn) {
    Status s = txn.Commit();
    EndLocked(s.ok() ? kCommitted : "the transaction ended: its commit failed");
    Check(std::move(s));
  });
}

void Transaction::Rollback() {
  Run([this](strata::Transaction& txn) {
    Status s = txn.Rollback();
    EndLocked(kRolledBack);
    Check(std::move(s));
  });
}

// ---- Snapshot ---------------------------------------------------------------

std::shared_ptr<Snapshot> Snapshot::Take(std::shared_ptr<Db> db) {
  std::shared_ptr<Snapshot> s(new Snapshot(std::move(db)));
  py::gil_scoped_release nogil;
  std::shared_lock db_lock = s->db_->Enter();
  DB* cdb = s->db_->Checked();
  std::unique_lock lock(s->mu_);
  s->snapshot_ = cdb->GetSnapshot();
  if (s->snapshot_ == nullptr) {
    throw StatusError(Status::InvalidArgument(Db::kClosed));
  }
  s->sequence_ = s->snapshot_->sequence();
  s->db_->Register(s.get());
  return s;
}

Snapshot::~Snapshot() {
  NoGil nogil;
  std::shared_lock db_lock(db_->mutex());
  db_->Unregister(this);
  std::unique_lock lock(mu_);
  if (snapshot_ != nullptr) ReleaseLocked(kReleased);
}

void Snapshot::ReleaseLocked(const char* reason) {
  // Only an open DB holds the snapshot: Close releases it (through
  // Invalidate) before closing. Not closed(), which is true from the
  // moment Close begins, before it has released anything.
  if (DB* db = db_->OpenOrNull()) {
    db->ReleaseSnapshot(snapshot_);
  }
  snapshot_ = nullptr;
  reason_ = reason;
  released_.store(true, std::memory_order_release);
}

void Snapshot::Release() {
  py::gil_scoped_release nogil;
  std::shared_lock db_lock(db_->mutex());
  std::unique_lock lock(mu_);
  if (snapshot_ != nullptr) ReleaseLocked(kReleased);
}

void Snapshot::Invalidate(const char* reason) {
  std::unique_lock lock(mu_);
  if (snapshot_ != nullptr) ReleaseLocked(reason);
}

// ---- WriteBatch -------------------------------------------------------------

void WriteBatch::Write() {
  // Taken out first: the batch may be added to by another thread while
  // this one writes without the GIL; those writes go in the next batch.
  strata::WriteBatch batch = std::move(batch_);
  batch_.Clear();
  Status s;
  try {
    s = db_->Run([&](DB& db) { return db.Write(options_, &batch); });
  } catch (...) {  // closed
    PutBack(std::move(batch));
    throw;
  }
  if (!s.ok()) PutBack(std::move(batch));
  Check(std::move(s));
}

void WriteBatch::PutBack(strata::WriteBatch&& batch) {
  // Whatever other threads added meanwhile goes after it, as it was
  // added after it.
  batch.Append(batch_);
  batch_ = std::move(batch);
}

// ---- Bindings ---------------------------------------------------------------

namespace {

Source TxnSource(Transaction& t) { return Source{t.db().get(), nullptr, &t}; }
Source SnapshotSource(Snapshot& s) { return Source{s.db().get(), &s, nullptr}; }

}  // namespace

void BindTransaction(py::module_& m) {
  py::class_<Transaction, std::shared_ptr<Transaction>> cls(
      m, "Transaction",
      "An optimistic ACID transaction, made by DB.transaction(). It reads "
      "the snapshot taken when it began plus its own writes, which it "
      "buffers and commits atomically. Used as a context manager it "
      "commits when the block succeeds (raising strata.Conflict if another "
      "writer committed a key it wrote, or, when serializable, read, after "
      "its snapshot) and rolls back when the block raises. Calls from "
      "several threads are serialized.");
  BindReads(cls, &TxnSource, "transaction");
  cls.def(
         "get_for_update",
         [](Transaction& self, py::handle key, py::object dflt,
            py::handle as_of) {
           std::string value;
           if (!ReadValue(TxnSource(self), key, as_of, true, &value)) {
             return dflt;
           }
           return py::object(ToBytes(value));
         },
         py::arg("key"), py::arg("default") = py::none(), py::kw_only(),
         py::arg("as_of") = py::none(),
         "get(), and the key joins the commit's conflict check: the "
         "commit raises Conflict if another writer commits it after this "
         "transaction's snapshot.")
      .def(
          "put",
          [](Transaction& self, py::handle key, py::handle value) {
            const BytesArg k(key, "key"), v(value, "value");
            Check(self.Run([&](strata::Transaction& t) {
              return t.Put(k.slice(), v.slice());
            }));
          },
          py::arg("key"), py::arg("value"), "Buffers a write of `key`.")
      .def(
          "__setitem__",
          [](Transaction& self, py::handle key, py::handle value) {
            const BytesArg k(key, "key"), v(value, "value");
            Check(self.Run([&](strata::Transaction& t) {
              return t.Put(k.slice(), v.slice());
            }));
          },
          py::arg("key"), py::arg("value"), "Same as put().")
      .def(
          "delete",
          [](Transaction& self, py::handle key) {
            const BytesArg k(key, "key");
            Check(self.Run(
                [&](strata::Transaction& t) { return t.Delete(k.slice()); }));
          },
          py::arg("key"), "Buffers a delete of `key` (absent keys are fine).")
      .def(
          "__delitem__",
          [](Transaction& self, py::handle key) {
            const BytesArg k(key, "key");
            Check(self.Run(
                [&](strata::Transaction& t) { return t.Delete(k.slice()); }));
          },
          py::arg("key"),
          "Same as delete(): buffered and blind, so no KeyError for an "
          "absent key (unlike del db[key]).")
      .def(
          "delete_range",
          [](Transaction& self, py::handle start, py::handle stop) {
            const BytesArg b(start, "start"), e(stop, "stop");
            Check(self.Run([&](strata::Transaction& t) {
              return t.DeleteRange(b.slice(), e.slice());
            }));
          },
          py::arg("start"), py::arg("stop"),
          "Buffers the removal of every key in [start, stop).")
      .def(
          "put_at",
          [](Transaction& self, py::handle key, py::handle value,
             py::handle ts) {
            const BytesArg k(key, "key"), v(value, "value");
            const uint64_t t = ToTimestamp(ts, "ts");
            Check(self.Run([&](strata::Transaction& txn) {
              return txn.PutAt(k.slice(), v.slice(), t);
            }));
          },
          py::arg("key"), py::arg("value"), py::arg("ts"),
          "Versioned DBs: buffers a version of `key` at timestamp `ts`.")
      .def(
          "delete_at",
          [](Transaction& self, py::handle key, py::handle ts) {
            const BytesArg k(key, "key");
            const uint64_t t = ToTimestamp(ts, "ts");
            Check(self.Run([&](strata::Transaction& txn) {
              return txn.DeleteAt(k.slice(), t);
            }));
          },
          py::arg("key"), py::arg("ts"),
          "Versioned DBs: buffers a tombstone version of `key` at `ts`.")
      .def(
          "savepoint",
          [](Transaction& self) {
            self.Run([](strata::Transaction& t) { t.SetSavePoint(); });
          },
          "Marks the current state; rollback_to_savepoint() returns to the "
          "newest mark. Marks nest.")
      .def(
          "rollback_to_savepoint",
          [](Transaction& self) {
            Check(self.Run([](strata::Transaction& t) {
              return t.RollbackToSavePoint();
            }));
          },
          "Undoes the writes since the newest savepoint and removes it; "
          "strata.NotFound when there is none.")
      .def("commit", &Transaction::Commit,
           "Commits; strata.Conflict when another writer committed first "
           "(nothing is written then). The transaction ends either way.")
      .def("rollback", &Transaction::Rollback,
           "Discards the transaction's writes and ends it.")
      .def_property_readonly("ended", &Transaction::ended,
                             "Whether it was committed or rolled back.")
      .def(
          "__enter__", [](py::object self) { return self; },
          "Returns the transaction itself.")
      .def(
          "__exit__",
          [](Transaction& self, py::handle exc_type, py::handle, py::handle) {
            if (self.ended()) {
              // Ended inside the block: fine if by commit() or rollback();
              // a block that succeeded must not pass for committed when
              // the DB's close rolled it back.
              if (exc_type.is_none()) self.CheckNotInvalidated();
              return false;
            }
            if (exc_type.is_none()) {
              self.Commit();
            } else {
              self.Rollback();
            }
            return false;
          },
          py::arg("exc_type"), py::arg("exc"), py::arg("tb"),
          "Commits if the block succeeded and the transaction is still "
          "open, rolls back if it raised; never swallows the exception.");
}

void BindSnapshot(py::module_& m) {
  py::class_<Snapshot, std::shared_ptr<Snapshot>> cls(
      m, "Snapshot",
      "A pinned, consistent view of the DB, made by DB.snapshot(): reads "
      "through it see exactly the writes visible when it was taken. "
      "release() (or leaving a `with` block) lets the DB drop what it "
      "pins; later reads through it raise InvalidArgument, as they do once "
      "the DB is closed.");
  BindReads(cls, &SnapshotSource, "snapshot");
  cls.def("release", &Snapshot::Release,
          "Releases the snapshot; releasing twice is fine.")
      .def_property_readonly("released", &Snapshot::released,
                             "Whether release() was called (or the DB "
                             "closed).")
      .def_property_readonly("sequence", &Snapshot::sequence,
                             "The sequence number of the last write it "
                             "sees.")
      .def(
          "__enter__", [](py::object self) { return self; },
          "Returns the snapshot itself.")
      .def(
          "__exit__",
          [](Snapshot& self, py::handle, py::handle, py::handle) {
            self.Release();
            return false;
          },
          py::arg("exc_type"), py::arg("exc"), py::arg("tb"),
          "Releases the snapshot.");
}

void BindWriteBatch(py::module_& m) {
  using Batch = WriteBatch;
  py::class_<Batch, std::shared_ptr<Batch>> cls(
      m, "WriteBatch",
      "Writes applied atomically, made by DB.write_batch(). Used as a "
      "context manager it is written when the block succeeds and dropped "
      "when it raises; write() writes it explicitly (and empties it).");
  cls.def(
         "__setitem__",
         [](Batch& self, py::handle key, py::handle value) {
           const BytesArg k(key, "key"), v(value, "value");
           self.batch().Put(k.slice(), v.slice());
         },
         py::arg("key"), py::arg("value"), "Same as put().")
      .def(
          "delete",
          [](Batch& self, py::handle key) {
            self.batch().Delete(BytesArg(key, "key").slice());
          },
          py::arg("key"), "Adds a delete of `key`.")
      .def(
          "__delitem__",
          [](Batch& self, py::handle key) {
            self.batch().Delete(BytesArg(key, "key").slice());
          },
          py::arg("key"), "Same as delete().")
      .def(
          "delete_range",
          [](Batch& self, py::handle start, py::handle stop) {
            const BytesArg b(start, "start"), e(stop, "stop");
            self.batch().DeleteRange(b.slice(), e.slice());
          },
          py::arg("start"), py::arg("stop"),
          "Adds the removal of every key in [start, stop).")
      .def(
          "put_at",
          [](Batch& self, py::handle key, py::handle value, py::handle ts) {
            const BytesArg k(key, "key"), v(value, "value");
            self.batch().PutAt(k.slice(), v.slice(), ToTimestamp(ts, "ts"));
          },
          py::arg("key"), py::arg("value"), py::arg("ts"),
          "Versioned DBs: adds a version of `key` at timestamp `ts`.")
      .def(
          "delete_at",
          [](Batch& self, py::handle key, py::handle ts) {
            const BytesArg k(key, "key");
            self.batch().DeleteAt(k.slice(), ToTimestamp(ts, "ts"));
          },
          py::arg("key"), py::arg("ts"),
          "Versioned DBs: adds a tombstone version of `key` at `ts`.")
      .def(
          "delete_range_at",
          [](Batch& self, py::handle start, py::handle stop, py::handle ts) {
            const BytesArg b(start, "start"), e(stop, "stop");
            self.batch().DeleteRangeAt(b.slice(), e.slice(),
                                       ToTimestamp(ts, "ts"));
          },
          py::arg("start"), py::arg("stop"), py::arg("ts"),
          "Versioned DBs: delete_range() at timestamp `ts`.")
      .def(
          "purge",
          [](Batch& self, py::handle key) {
            self.batch().Purge(BytesArg(key, "key").slice());
          },
          py::arg("key"),
          "Versioned DBs: removes every version of `key`, history included "
          "(the hard delete).")
      .def(
          "replace",
          [](Batch& self, py::handle key, py::handle value) {
            const BytesArg k(key, "key"), v(value, "value");
            self.batch().Replace(k.slice(), v.slice());
          },
          py::arg("key"), py::arg("value"),
          "Versioned DBs: a new version of `key`, and every older one goes.")
      .def(
          "clear", [](Batch& self) { self.batch().Clear(); },
          "Removes every operation.")
      .def("write", &Batch::Write,
           "Writes the batch atomically, then empties it. When the write "
           "fails (the DB is closed, an operation is invalid, ...) the "
           "batch keeps its operations: write() may be retried, or "
           "clear() drops them.")
      .def(
          "__len__", [](Batch& self) { return self.batch().Count(); },
          "The number of operations.")
      .def_property_readonly(
          "approximate_size",
          [](Batch& self) { return self.batch().ApproximateSize(); },
          "Bytes of the encoded batch.")
      .def(
          "__enter__", [](py::object self) { return self; },
          "Returns the batch itself.")
      .def(
          "__exit__",
          [](Batch& self, py::handle exc_type, py::handle, py::handle) {
            if (exc_type.is_none()) {
              self.Write();
            } else {
              self.batch().Clear();
            }
            return false;
          },
          py::arg("exc_type"), py::arg("exc"), py::arg("tb"),
          "Writes the batch if the block succeeded, drops it if it raised.");
  InstallBatchFastPaths(cls);
}

}  // namespace strata::python
