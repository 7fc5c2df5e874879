// convert.h — Python values to strata's and back.
//
// Keys and values come in as any contiguous bytes-like object (bytes,
// bytearray, memoryview, ...) and go out as bytes. str is refused with a
// TypeError: a key has no encoding.
//
// Thread-safety: every function here needs the GIL, except BytesArg::slice()
// and Bounds' accessors, which read what the constructor pinned or copied.

#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/options.h"
#include "strata/slice.h"

namespace strata::python {

namespace py = pybind11;

// The bytes of a bytes-like argument, pinned while this object lives: a
// bytes object is immutable and its owner (the caller's argument) keeps it
// alive; any other exporter is held through the buffer protocol, which
// stops a bytearray from being resized meanwhile. No copy is made, so the
// slice may be used with the GIL released.
// REQUIRES: constructed and destroyed with the GIL held; `obj` outlives it.
class BytesArg {
 public:
  // TypeError naming `what` ("key", "value", ...) for str, None and any
  // object without a contiguous buffer.
  BytesArg(py::handle obj, const char* what);
  ~BytesArg();
  BytesArg(const BytesArg&) = delete;
  BytesArg& operator=(const BytesArg&) = delete;

  Slice slice() const { return Slice(data_, size_); }
  std::string str() const { return std::string(data_, size_); }

 private:
  Py_buffer view_{};
  bool has_view_ = false;
  const char* data_ = "";
  size_t size_ = 0;
};

// A bytes object holding a copy of `s`.
inline py::bytes ToBytes(const Slice& s) {
  return py::reinterpret_steal<py::bytes>(
      PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
}
// A new reference to a bytes object (nullptr with a Python error set).
inline PyObject* NewBytes(const std::string& s) {
  return PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
}

// A timestamp: nanoseconds since the Unix epoch as an int in [0, 2**64),
// or a datetime.datetime (a naive one is local time, as
// datetime.timestamp() takes it) from the epoch to 2554-07-21
// 23:34:33.709551 UTC, the last microsecond 2**64 - 1 ns holds. TypeError
// for another type, ValueError naming `what` out of range.
uint64_t ToTimestamp(py::handle obj, const char* what);
// ToTimestamp, or nullopt for None.
std::optional<uint64_t> ToOptionalTimestamp(py::handle obj, const char* what);

// A bool argument: only True or False (TypeError otherwise).
bool ToBool(py::handle obj, const char* what);
// A non-negative int argument (TypeError for non-int, ValueError for
// negative or too large).
uint64_t ToUint64(py::handle obj, const char* what);
// A file-system path argument, as os.fsencode() takes it: a str (encoded
// with the file-system encoding and its error handler, so that a
// surrogate-escaped str gives back the bytes it came from), bytes (as
// they are) or an os.PathLike returning either. TypeError for anything
// else; ValueError naming `what` for a path with a NUL byte.
std::string ToPath(py::handle obj, const char* what);
// A path (or a file name, or text quoting one) for Python: a str decoded
// as os.fsdecode() does, so that bytes that are not UTF-8 survive
// (surrogate-escaped) instead of raising UnicodeDecodeError.
py::str FsDecode(const std::string& path);
py::list FsDecodeAll(const std::vector<std::string>& paths);

// The key range of an iterator: [start, stop) intersected with the keys
// that begin with `prefix`. Copies the bounds, so it may be used with the
// GIL released.
struct Bounds {
  // Any of the three may be None.
  Bounds(py::handle start, py::handle stop, py::handle prefix);
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  // True when the bounds leave no key (an iterator over them is empty).
  bool empty = false;
};

// Sets `options`' bounds and as_of (None: the latest state).
void ApplyRead(const Bounds& bounds, py::handle as_of, ReadOptions* options);

// Options from DB(path, **kwargs), by their C++ names; TypeError for an
// unknown name or a value of the wrong type, ValueError for a bad value.
Options ToOptions(const py::kwargs& kwargs, const char* function);

// A Python timedelta or number of seconds (int or float) as nanoseconds:
// ValueError naming `what` when negative, not finite, or beyond what
// int64 nanoseconds hold (about 292 years; 9.2e9 seconds for a number).
std::chrono::nanoseconds ToDuration(py::handle obj, const char* what);

}  // namespace strata::python
