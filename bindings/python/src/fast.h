// fast.h — the hot calls without pybind11's dispatcher (fast.cc).
//
// Each Install* replaces methods and type slots of a class bound with
// pybind11 by plain CPython functions of the same behaviour. Called once
// at import, after the class's pybind11 definitions.

#pragma once

#include <pybind11/pybind11.h>

#include "db.h"

namespace strata::python {

namespace py = pybind11;

// DB.put, DB.delete, DB.get, db[key], db[key] = value, del db[key] and
// key in db.
void InstallDbFastPaths(py::handle db_class);
// del db[key]: strata.NotFound (a KeyError) when `key` is absent, else
// deletes it (a read, then the delete; not atomic against other writers).
// The slot and DB.__delitem__ both call it. REQUIRES: the GIL is held.
void DeleteItem(Db& db, py::handle key);
// WriteBatch.put.
void InstallBatchFastPaths(py::handle batch_class);
// Iterator.__next__ as the tp_iternext slot.
void InstallIteratorFastPaths(py::handle iterator_class);

}  // namespace strata::python
