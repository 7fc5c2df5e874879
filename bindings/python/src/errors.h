// errors.h — strata's Status as Python exceptions.
//
// The hierarchy (created in RegisterErrors, documented in README.md):
//   strata.Error(Exception)
//     NotFound(Error, KeyError)       Status::kNotFound
//     Corruption(Error)               Status::kCorruption
//     IOError(Error, OSError)         Status::kIOError
//     Conflict(Error)                 Status::kBusy (a transaction conflict)
//     InvalidArgument(Error, ValueError)  Status::kInvalidArgument
//     NotSupported(Error)             Status::kNotSupported
//     TryAgain(Error)                 Status::kTryAgain
// Messages are Status::ToString(), e.g. "InvalidArgument: empty key".
//
// Thread-safety: StatusError may be thrown without the GIL (it holds no
// Python object); it becomes a Python exception once pybind11 has the GIL
// back.

#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "strata/status.h"

namespace strata::python {

namespace py = pybind11;

// A non-OK Status on its way to Python.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status)
      : status_(std::move(status)), what_(status_.ToString()) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

// Throws StatusError unless `s` is OK.
inline void Check(Status s) {
  if (!s.ok()) throw StatusError(std::move(s));
}

// The Python exception class for a (non-OK) status code.
PyObject* ExceptionFor(Status::Code code);

// Sets the Python error `e` stands for. Its message is decoded as UTF-8
// with bytes that are not (a path's) backslash-escaped, never failing.
// REQUIRES: the GIL is held.
void SetError(const StatusError& e);

// Creates the exception classes as attributes of `m` and registers the
// translator of StatusError.
void RegisterErrors(py::module_& m);

// Raises strata.NotFound(key) (a KeyError whose argument is the key, as a
// dict's is).
[[noreturn]] void ThrowKeyError(py::handle key);

}  // namespace strata::python
