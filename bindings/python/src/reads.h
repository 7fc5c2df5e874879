// reads.h — the reads a DB, a snapshot and a transaction share: get,
// [], in, items, keys, values and count, bound once for all three.
//
// Thread-safety: every function needs the GIL and releases it around the
// C++ call (db.h).

#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "db.h"
#include "iterator.h"
#include "transaction.h"

namespace strata::python {

namespace py = pybind11;

// What a read reads: the DB, a snapshot of it, or a transaction. Borrowed
// for one call: the Python object the call is on keeps them alive.
struct Source {
  Db* db = nullptr;
  Snapshot* snapshot = nullptr;  // read as of this snapshot
  Transaction* txn = nullptr;    // read through this transaction
};

// Reads `key` into `*value`: false when absent. `for_update` (transactions
// only) is GetForUpdate.
bool ReadValue(const Source& src, py::handle key, py::handle as_of,
               bool for_update, std::string* value);

// A lazy iterator over [start, stop) and `prefix`, or a history iterator
// when `history` is given.
struct HistoryArgs {
  bool include_deleted = false;
  py::handle since;  // None or a timestamp
  py::handle until;
  uint64_t limit = 0;
};
py::object MakeIterator(const Source& src, Yield yield, py::handle start,
                        py::handle stop, bool reverse, py::handle prefix,
                        py::handle as_of, const HistoryArgs* history = nullptr);

// Live keys in [start, stop) (None: open).
uint64_t CountKeys(const Source& src, py::handle start, py::handle stop,
                   py::handle as_of);

// Adds get, __getitem__, __contains__, items, keys, values, __iter__ and
// count to `cls`; `what` names the object in docstrings ("DB", ...).
template <typename T, typename Holder>
void BindReads(py::class_<T, Holder>& cls, Source (*source)(T&),
               const char* what) {
  const std::string w = what;
  cls.def(
      "get",
      [source](T& self, py::handle key, py::object dflt, py::handle as_of) {
        std::string value;
        if (!ReadValue(source(self), key, as_of, false, &value)) return dflt;
        return py::object(ToBytes(value));
      },
      py::arg("key"), py::arg("default") = py::none(), py::kw_only(),
      py::arg("as_of") = py::none(),
      ("The value of `key` in this " + w +
       " as bytes, or `default` when it is absent. `as_of` (versioned DBs: "
       "int nanoseconds since the epoch, or a datetime) reads the state as "
       "of that time.")
          .c_str());
  cls.def(
      "__getitem__",
      [source](T& self, py::handle key) {
        std::string value;
        if (!ReadValue(source(self), key, py::none(), false, &value)) {
          ThrowKeyError(key);
        }
        return ToBytes(value);
      },
      py::arg("key"),
      "The value of `key`; strata.NotFound (a KeyError) when absent.");
  cls.def(
      "__contains__",
      [source](T& self, py::handle key) {
        std::string value;
        return ReadValue(source(self), key, py::none(), false, &value);
      },
      py::arg("key"), "Whether `key` is present.");
  struct IterSpec {
    const char* name;
    Yield yield;
    const char* doc;
  };
  const IterSpec specs[] = {
      {"items", Yield::kItems, "(key, value) pairs"},
      {"keys", Yield::kKeys, "keys (values are not read)"},
      {"values", Yield::kValues, "values"},
  };
  for (const IterSpec& s : specs) {
    const Yield yield = s.yield;
    cls.def(
        s.name,
        [source, yield](T& self, py::handle start, py::handle stop,
                        bool reverse, py::handle prefix, py::handle as_of) {
          return MakeIterator(source(self), yield, start, stop, reverse, prefix,
                              as_of);
        },
        py::arg("start") = py::none(), py::arg("stop") = py::none(),
        py::arg("reverse") = false, py::arg("prefix") = py::none(),
        py::kw_only(), py::arg("as_of") = py::none(),
        ("A lazy iterator over the " + std::string(s.doc) + " of this " + w +
         " in key order (descending with reverse=True), over keys in "
         "[start, stop) that begin with `prefix` (None: unbounded). It "
         "reads the state of the moment it is made; as_of (versioned DBs) "
         "reads the state as of that time.")
            .c_str());
  }
  cls.def(
      "__iter__",
      [source](T& self) {
        return MakeIterator(source(self), Yield::kKeys, py::none(), py::none(),
                            false, py::none(), py::none());
      },
      "Iterates over the keys in order (as keys()).");
  cls.def(
      "count",
      [source](T& self, py::handle start, py::handle stop, py::handle as_of) {
        return CountKeys(source(self), start, stop, as_of);
      },
      py::arg("start") = py::none(), py::arg("stop") = py::none(),
      py::kw_only(), py::arg("as_of") = py::none(),
      ("The number of live keys of this " + w +
       " in [start, stop) (None: unbounded), counted without reading "
       "values.")
          .c_str());
}

}  // namespace strata::python
