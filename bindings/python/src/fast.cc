// The hot calls as plain CPython functions: DB.put, get, delete, db[k],
// db[k] = v, del db[k], k in db, WriteBatch.put and Iterator.__next__.
// pybind11's dispatcher costs 150-250 ns a call (argument casters,
// overload resolution), as much as a memtable write; these replace the
// pybind11 definitions (db_bind.cc, reads.h, transaction.cc and
// iterator.cc, whose docstrings are repeated here) with METH_FASTCALL
// methods and type slots. Semantics are the same: same argument names, same
// errors, the GIL released around every call into the DB.

#include "fast.h"

#include <pybind11/pybind11.h>

#include <cstring>
#include <initializer_list>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "convert.h"
#include "db.h"
#include "errors.h"
#include "iterator.h"
#include "reads.h"
#include "transaction.h"

namespace strata::python {

namespace {

// The C++ object of a pybind11 instance of T (or of a Python subclass of
// it). TypeError when its __init__ never ran.
template <typename T>
T* Self(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  void* p = inst->simple_layout ? inst->simple_value_holder[0]
                                : inst->get_value_and_holder().value_ptr();
  if (p == nullptr) {
    throw py::type_error("strata object is not initialized");
  }
  return static_cast<T*>(p);
}

// Runs f(); a C++ exception becomes the Python error it stands for and
// `error` is returned.
template <typename R, typename F>
R Protect(R error, F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const StatusError& e) {
    SetError(e);
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return error;
}

// Binds FASTCALL arguments to `names` (positional first, at most
// `max_positional`, then keywords); the first `required` are required.
// Unset optional ones stay nullptr. Throws TypeError as Python would.
void Parse(const char* fn, PyObject* const* args, Py_ssize_t nargs,
           PyObject* kwnames, std::initializer_list<const char*> names,
           size_t required, size_t max_positional, PyObject** out) {
  const size_t n = names.size();
  for (size_t i = 0; i < n; ++i) out[i] = nullptr;
  if (static_cast<size_t>(nargs) > max_positional) {
    throw py::type_error(
        std::string(fn) + "() takes at most " + std::to_string(max_positional) +
        " positional arguments (" + std::to_string(nargs) + " given)");
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) out[i] = args[i];
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t j = 0; j < nkw; ++j) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, j);
    size_t i = 0;
    for (const char* candidate : names) {
      if (PyUnicode_CompareWithASCIIString(name, candidate) == 0) break;
      ++i;
    }
    if (i == n) {
      throw py::type_error(std::string(fn) +
                           "() got an unexpected keyword argument '" +
                           py::str(name).cast<std::string>() + "'");
    }
    if (out[i] != nullptr) {
      throw py::type_error(std::string(fn) +
                           "() got multiple values for "
                           "argument '" +
                           *(names.begin() + i) + "'");
    }
    out[i] = args[nargs + j];
  }
  for (size_t i = 0; i < required; ++i) {
    if (out[i] == nullptr) {
      throw py::type_error(std::string(fn) + "() missing required argument '" +
                           *(names.begin() + i) + "'");
    }
  }
}

bool SyncArg(PyObject* sync) {
  if (sync == nullptr) return false;
  const int truth = PyObject_IsTrue(sync);
  if (truth < 0) throw py::error_already_set();
  return truth != 0;
}

// Releases the GIL for its scope. REQUIRES: the GIL is held.
class Released {
 public:
  Released() : state_(PyEval_SaveThread()) {}
  ~Released() { PyEval_RestoreThread(state_); }
  Released(const Released&) = delete;
  Released& operator=(const Released&) = delete;

 private:
  PyThreadState* state_;
};

void Put(Db& db, PyObject* key, PyObject* value, bool sync) {
  const BytesArg k(key, "key"), v(value, "value");
  WriteOptions options;
  options.sync = sync;
  Status s;
  {
    Released nogil;
    std::shared_lock lock = db.Enter();
    s = db.Checked()->Put(options, k.slice(), v.slice());
  }
  Check(std::move(s));
}

void Delete(Db& db, PyObject* key, bool sync) {
  const BytesArg k(key, "key");
  WriteOptions options;
  options.sync = sync;
  Status s;
  {
    Released nogil;
    std::shared_lock lock = db.Enter();
    s = db.Checked()->Delete(options, k.slice());
  }
  Check(std::move(s));
}

// The string a read's value lands in: one per thread, reused from read to
// read, except that one grown past kKeepBytes (a large value) is freed
// when the read is done, so that a thread does not keep the largest value
// it ever read.
class ValueBuffer {
 public:
  ValueBuffer() : s_(Buffer()) {}
  ~ValueBuffer() {
    if (s_.capacity() > kKeepBytes) std::string().swap(s_);
  }
  ValueBuffer(const ValueBuffer&) = delete;
  ValueBuffer& operator=(const ValueBuffer&) = delete;

  std::string* get() { return &s_; }

 private:
  static constexpr size_t kKeepBytes = 1 << 20;
  static std::string& Buffer() {
    thread_local std::string buffer;
    return buffer;
  }
  std::string& s_;
};

const ReadOptions kReadOptions;

// Reads `key` into `*value`; false when absent.
bool Lookup(Db& db, PyObject* key, std::string* value) {
  const BytesArg k(key, "key");
  Status s;
  {
    Released nogil;
    std::shared_lock lock = db.Enter();
    s = db.Checked()->Get(kReadOptions, k.slice(), value);
  }
  if (s.IsNotFound()) return false;
  Check(std::move(s));
  return true;
}

// The value of `key` as a new bytes object, or nullptr (no error set)
// when absent.
PyObject* Get(Db& db, PyObject* key) {
  ValueBuffer value;
  if (!Lookup(db, key, value.get())) return nullptr;
  PyObject* r = NewBytes(*value.get());
  if (r == nullptr) throw py::error_already_set();
  return r;
}

// Whether `key` is present; no bytes object is made of its value.
bool Contains(Db& db, PyObject* key) {
  ValueBuffer value;
  return Lookup(db, key, value.get());
}

// ---- DB ---------------------------------------------------------------------

PyObject* DbPut(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                PyObject* kwnames) {
  return Protect<PyObject*>(nullptr, [&]() -> PyObject* {
    PyObject* a[3];
    Parse("put", args, nargs, kwnames, {"key", "value", "sync"}, 2, 2, a);
    Put(*Self<Db>(self), a[0], a[1], SyncArg(a[2]));
    Py_RETURN_NONE;
  });
}

PyObject* DbDelete(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                   PyObject* kwnames) {
  return Protect<PyObject*>(nullptr, [&]() -> PyObject* {
    PyObject* a[2];
    Parse("delete", args, nargs, kwnames, {"key", "sync"}, 1, 1, a);
    Delete(*Self<Db>(self), a[0], SyncArg(a[1]));
    Py_RETURN_NONE;
  });
}

PyObject* DbGet(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                PyObject* kwnames) {
  return Protect<PyObject*>(nullptr, [&]() -> PyObject* {
    PyObject* a[3];
    Parse("get", args, nargs, kwnames, {"key", "default", "as_of"}, 1, 2, a);
    PyObject* dflt = a[1] != nullptr ? a[1] : Py_None;
    Db& db = *Self<Db>(self);
    if (a[2] != nullptr && a[2] != Py_None) {
      // An as-of read: the general path.
      std::string value;
      if (!ReadValue(Source{&db, nullptr, nullptr}, a[0], a[2], false,
                     &value)) {
        Py_INCREF(dflt);
        return dflt;
      }
      return NewBytes(value);
    }
    PyObject* r = Get(db, a[0]);
    if (r == nullptr) {
      Py_INCREF(dflt);
      return dflt;
    }
    return r;
  });
}

PyObject* DbSubscript(PyObject* self, PyObject* key) {
  return Protect<PyObject*>(nullptr, [&]() -> PyObject* {
    PyObject* r = Get(*Self<Db>(self), key);
    if (r == nullptr) ThrowKeyError(key);
    return r;
  });
}

int DbAssSubscript(PyObject* self, PyObject* key, PyObject* value) {
  return Protect<int>(-1, [&]() {
    if (value == nullptr) {
      DeleteItem(*Self<Db>(self), key);
    } else {
      Put(*Self<Db>(self), key, value, false);
    }
    return 0;
  });
}

int DbContains(PyObject* self, PyObject* key) {
  return Protect<int>(-1,
                      [&]() { return Contains(*Self<Db>(self), key) ? 1 : 0; });
}

PyMethodDef kDbMethods[] = {
    {"put", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(DbPut)),
     METH_FASTCALL | METH_KEYWORDS,
     "put(key, value, *, sync=False)\n--\n\n"
     "Sets `key` to `value`. sync=True fsyncs the log before returning."},
    {"delete",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(DbDelete)),
     METH_FASTCALL | METH_KEYWORDS,
     "delete(key, *, sync=False)\n--\n\n"
     "Removes `key`: a blind write, so an absent key is fine (no KeyError, "
     "unlike `del db[key]`, and no read first)."},
    {"get", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(DbGet)),
     METH_FASTCALL | METH_KEYWORDS,
     "get(key, default=None, *, as_of=None)\n--\n\n"
     "The value of `key` in this DB as bytes, or `default` when it is "
     "absent. `as_of` (versioned DBs: int nanoseconds since the epoch, or a "
     "datetime) reads the state as of that time."},
};

// ---- WriteBatch
// ---------------------------------------------------------------

PyObject* BatchPut(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                   PyObject* kwnames) {
  return Protect<PyObject*>(nullptr, [&]() -> PyObject* {
    PyObject* a[2];
    Parse("put", args, nargs, kwnames, {"key", "value"}, 2, 2, a);
    const BytesArg k(a[0], "key"), v(a[1], "value");
    Self<WriteBatch>(self)->batch().Put(k.slice(), v.slice());
    Py_RETURN_NONE;
  });
}

PyMethodDef kBatchMethods[] = {
    {"put",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(BatchPut)),
     METH_FASTCALL | METH_KEYWORDS,
     "put(key, value)\n--\n\nAdds a write of `key`."},
};

// ---- Iterator
// -----------------------------------------------------------------

PyObject* IterNext(PyObject* self) {
  // nullptr with no error set ends the iteration.
  return Protect<PyObject*>(nullptr,
                            [&]() { return Self<Iterator>(self)->Next(); });
}

void SetMethods(py::handle cls, PyMethodDef* defs, size_t n) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  for (size_t i = 0; i < n; ++i) {
    py::object descr =
        py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &defs[i]));
    if (!descr) throw py::error_already_set();
    cls.attr(defs[i].ml_name) = descr;
  }
}

}  // namespace

void DeleteItem(Db& db, py::handle key) {
  const BytesArg k(key, "key");
  ValueBuffer value;
  bool found = false;
  Status s;
  {
    Released nogil;
    std::shared_lock lock = db.Enter();
    DB* cdb = db.Checked();
    // Two steps, one lock: not atomic against another writer, which may
    // write or delete the key between them (the docstring says so).
    s = cdb->Get(kReadOptions, k.slice(), value.get());
    found = s.ok();
    if (found) s = cdb->Delete(WriteOptions(), k.slice());
  }
  if (!found && s.IsNotFound()) ThrowKeyError(key);
  Check(std::move(s));
}

void InstallDbFastPaths(py::handle db_class) {
  SetMethods(db_class, kDbMethods, std::size(kDbMethods));
  // Set after pybind11's __getitem__, __setitem__, __delitem__ and
  // __contains__ (which filled these slots with generic forwarders).
  auto* type = reinterpret_cast<PyTypeObject*>(db_class.ptr());
  type->tp_as_mapping->mp_subscript = DbSubscript;
  type->tp_as_mapping->mp_ass_subscript = DbAssSubscript;
  type->tp_as_sequence->sq_contains = DbContains;
  PyType_Modified(type);
}

void InstallBatchFastPaths(py::handle batch_class) {
  SetMethods(batch_class, kBatchMethods, std::size(kBatchMethods));
}

void InstallIteratorFastPaths(py::handle iterator_class) {
  auto* type = reinterpret_cast<PyTypeObject*>(iterator_class.ptr());
  type->tp_iternext = IterNext;
  PyType_Modified(type);
}

}  // namespace strata::python
