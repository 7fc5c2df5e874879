#include "errors.h"

#include <array>
#include <cstring>

namespace strata::python {

namespace {

// Indexed by Status::Code; kOk's entry is unused. Created once at import
// and kept for the life of the process (module attributes hold them too).
std::array<PyObject*, 8> exception_types{};

PyObject* NewException(py::module_& m, const char* name, const char* doc,
                       py::tuple bases) {
  const std::string qualified = std::string("strata.") + name;
  PyObject* type =
      PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));  // steals nothing: add_object increfs
  return type;
}

}  // namespace

PyObject* ExceptionFor(Status::Code code) {
  const auto i = static_cast<size_t>(code);
  return i < exception_types.size() && exception_types[i] != nullptr
             ? exception_types[i]
             : exception_types[static_cast<size_t>(Status::Code::kIOError)];
}

void SetError(const StatusError& e) {
  const char* what = e.what();
  PyObject* message = PyUnicode_DecodeUTF8(
      what, static_cast<Py_ssize_t>(std::strlen(what)), "backslashreplace");
  if (message == nullptr) return;  // MemoryError is set
  PyErr_SetObject(ExceptionFor(e.status().code()), message);
  Py_DECREF(message);
}

void RegisterErrors(py::module_& m) {
  using Code = Status::Code;
  PyObject* error = NewException(
      m, "Error",
      "Base class of every error strata raises; the message is the "
      "library's status string.",
      py::make_tuple(py::handle(PyExc_Exception)));
  const py::handle base(error);
  struct Spec {
    Code code;
    const char* name;
    PyObject* also;  // a built-in class it also derives from, or nullptr
    const char* doc;
  };
  const Spec specs[] = {
      {Code::kNotFound, "NotFound", PyExc_KeyError,
       "A key, or a savepoint, is not there. Also a KeyError."},
      {Code::kCorruption, "Corruption", nullptr,
       "Stored data failed a check (a checksum, a format rule)."},
      {Code::kIOError, "IOError", PyExc_OSError,
       "The file system failed, or the DB is locked by another user. Also "
       "an OSError."},
      {Code::kBusy, "Conflict", nullptr,
       "A transaction's commit conflicted with another writer's (the "
       "library's Busy); nothing was written. Retry the transaction."},
      {Code::kInvalidArgument, "InvalidArgument", PyExc_ValueError,
       "A bad argument or option, or a closed DB, finished transaction or "
       "released snapshot. Also a ValueError."},
      {Code::kNotSupported, "NotSupported", nullptr,
       "The operation is not supported by this DB or build."},
      {Code::kTryAgain, "TryAgain", nullptr,
       "A transient condition: the operation may succeed if retried."},
  };
  exception_types[0] = error;
  for (const Spec& s : specs) {
    py::tuple bases = s.also != nullptr
                          ? py::make_tuple(base, py::handle(s.also))
                          : py::make_tuple(base);
    exception_types[static_cast<size_t>(s.code)] =
        NewException(m, s.name, s.doc, bases);
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      SetError(e);
    }
  });
}

void ThrowKeyError(py::handle key) {
  PyErr_SetObject(ExceptionFor(Status::Code::kNotFound), key.ptr());
  throw py::error_already_set();
}

}  // namespace strata::python
