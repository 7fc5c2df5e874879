#include "convert.h"

#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

namespace strata::python {

namespace {

[[noreturn]] void ThrowType(const std::string& message) {
  throw py::type_error(message);
}

[[noreturn]] void ThrowValue(const std::string& message) {
  throw py::value_error(message);
}

std::string TypeName(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }

}  // namespace

BytesArg::BytesArg(py::handle obj, const char* what) {
  PyObject* o = obj.ptr();
  if (PyBytes_Check(o)) {
    data_ = PyBytes_AS_STRING(o);
    size_ = static_cast<size_t>(PyBytes_GET_SIZE(o));
    return;
  }
  if (PyUnicode_Check(o)) {
    ThrowType(std::string(what) +
              " must be bytes-like (bytes, bytearray or memoryview), not "
              "str: encode it first, e.g. " +
              what + ".encode()");
  }
  if (!PyObject_CheckBuffer(o)) {
    ThrowType(std::string(what) +
              " must be bytes-like (bytes, bytearray or memoryview), not " +
              TypeName(obj));
  }
  if (PyObject_GetBuffer(o, &view_, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    ThrowType(std::string(what) + " must be a contiguous buffer (" +
              TypeName(obj) + " is not)");
  }
  has_view_ = true;
  data_ = static_cast<const char*>(view_.buf);
  size_ = static_cast<size_t>(view_.len);
}

BytesArg::~BytesArg() {
  if (has_view_) PyBuffer_Release(&view_);
}

uint64_t ToUint64(py::handle obj, const char* what) {
  if (!PyLong_Check(obj.ptr()) || PyBool_Check(obj.ptr())) {
    ThrowType(std::string(what) + " must be an int, not " + TypeName(obj));
  }
  const unsigned long long v = PyLong_AsUnsignedLongLong(obj.ptr());
  if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    ThrowValue(std::string(what) +
               " must be in [0, 2**64): " + py::repr(obj).cast<std::string>());
  }
  return v;
}

bool ToBool(py::handle obj, const char* what) {
  if (!PyBool_Check(obj.ptr())) {
    ThrowType(std::string(what) + " must be True or False, not " +
              TypeName(obj));
  }
  return obj.ptr() == Py_True;
}

std::string ToPath(py::handle obj, const char* what) {
  // os.fsencode(): os.fspath(), then a str encoded with the file-system
  // encoding and error handler (UTF-8 and surrogateescape on POSIX).
  auto path = py::reinterpret_steal<py::object>(PyOS_FSPath(obj.ptr()));
  if (!path) throw py::error_already_set();
  if (PyUnicode_Check(path.ptr())) {
    path = py::reinterpret_steal<py::object>(
        PyUnicode_EncodeFSDefault(path.ptr()));
    if (!path) throw py::error_already_set();
  }
  // PyOS_FSPath gives str or bytes only.
  std::string p(PyBytes_AS_STRING(path.ptr()),
                static_cast<size_t>(PyBytes_GET_SIZE(path.ptr())));
  if (p.find('\0') != std::string::npos) {
    ThrowValue(std::string(what) + " must not contain a NUL byte");
  }
  return p;
}

py::str FsDecode(const std::string& path) {
  PyObject* s = PyUnicode_DecodeFSDefaultAndSize(
      path.data(), static_cast<Py_ssize_t>(path.size()));
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

py::list FsDecodeAll(const std::vector<std::string>& paths) {
  py::list list;
  for (const std::string& p : paths) list.append(FsDecode(p));
  return list;
}

uint64_t ToTimestamp(py::handle obj, const char* what) {
  if (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) {
    return ToUint64(obj, what);
  }
  py::module_ datetime = py::module_::import("datetime");
  if (!py::isinstance(obj, datetime.attr("datetime"))) {
    ThrowType(std::string(what) +
              " must be an int (nanoseconds since the Unix epoch) or a "
              "datetime, not " +
              TypeName(obj));
  }
  // A naive datetime is local time, as datetime.timestamp() takes it; the
  // arithmetic is exact (integers), unlike timestamp()'s float.
  py::object delta;
  try {
    py::object aware = obj.attr("tzinfo").is_none()
                           ? py::object(obj.attr("astimezone")())
                           : py::reinterpret_borrow<py::object>(obj);
    py::object epoch = datetime.attr("datetime")(
        1970, 1, 1, py::arg("tzinfo") = datetime.attr("timezone").attr("utc"));
    delta = aware - epoch;
  } catch (py::error_already_set& e) {
    // A local time the platform cannot convert (years far from now).
    if (!e.matches(PyExc_OverflowError) && !e.matches(PyExc_ValueError) &&
        !e.matches(PyExc_OSError)) {
      throw;
    }
    ThrowValue(std::string(what) + " is out of range: " + e.what());
  }
  // timedelta keeps |days| <= 999999999, seconds in [0, 86400) and
  // microseconds in [0, 1000000): the seconds fit easily, the nanoseconds
  // may not.
  const long long days = delta.attr("days").cast<long long>();
  const long long seconds = delta.attr("seconds").cast<long long>();
  const long long micros = delta.attr("microseconds").cast<long long>();
  if (days < 0) {
    ThrowValue(std::string(what) + " is before the Unix epoch");
  }
  const uint64_t total_seconds =
      static_cast<uint64_t>(days) * 86400 + static_cast<uint64_t>(seconds);
  uint64_t ns = 0;
  if (__builtin_mul_overflow(total_seconds, uint64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, static_cast<uint64_t>(micros) * 1000, &ns)) {
    ThrowValue(std::string(what) +
               " is after 2554-07-21 23:34:33.709551 UTC, the last "
               "microsecond a timestamp (2**64 - 1 ns after the epoch) "
               "holds: " +
               py::repr(obj).cast<std::string>());
  }
  return ns;
}

std::optional<uint64_t> ToOptionalTimestamp(py::handle obj, const char* what) {
  if (obj.is_none()) return std::nullopt;
  return ToTimestamp(obj, what);
}

std::chrono::nanoseconds ToDuration(py::handle obj, const char* what) {
  py::module_ datetime = py::module_::import("datetime");
  if (py::isinstance(obj, datetime.attr("timedelta"))) {
    const long long days = obj.attr("days").cast<long long>();
    const long long secs = obj.attr("seconds").cast<long long>();
    const long long micros = obj.attr("microseconds").cast<long long>();
    if (days < 0) ThrowValue(std::string(what) + " must not be negative");
    // |days| <= 999999999: the seconds fit int64, the nanoseconds may not.
    int64_t ns = 0;
    if (__builtin_mul_overflow(static_cast<int64_t>(days) * 86400 + secs,
                               int64_t{1000000000}, &ns) ||
        __builtin_add_overflow(ns, static_cast<int64_t>(micros) * 1000, &ns)) {
      ThrowValue(std::string(what) +
                 " is too long: at most 2**63 - 1 nanoseconds (about 292 "
                 "years)");
    }
    return std::chrono::nanoseconds(ns);
  }
  if (PyBool_Check(obj.ptr()) ||
      !(PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()))) {
    ThrowType(std::string(what) +
              " must be a number of seconds or a timedelta, not " +
              TypeName(obj));
  }
  // An int too large for a double is out of range too (OverflowError).
  const double seconds = PyFloat_AsDouble(obj.ptr());
  if (seconds == -1.0 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
      throw py::error_already_set();
    }
    PyErr_Clear();
    ThrowValue(std::string(what) + " must be in [0, 9.2e9] seconds");
  }
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 9.2e9) {
    ThrowValue(std::string(what) + " must be in [0, 9.2e9] seconds");
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
}

Bounds::Bounds(py::handle start, py::handle stop, py::handle prefix) {
  if (!start.is_none()) lower = BytesArg(start, "start").str();
  if (!stop.is_none()) upper = BytesArg(stop, "stop").str();
  if (!prefix.is_none()) {
    const std::string p = BytesArg(prefix, "prefix").str();
    if (!lower || *lower < p) lower = p;
    // The first key after every key with the prefix: the prefix with its
    // last byte below 0xff incremented and what follows dropped. A prefix
    // of only 0xff bytes has none: it runs to the end.
    std::string next = p;
    while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xff) {
      next.pop_back();
    }
    if (!next.empty()) {
      next.back() =
          static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
      if (!upper || next < *upper) upper = next;
    }
  }
  empty = lower && upper && *lower >= *upper;
}

void ApplyRead(const Bounds& bounds, py::handle as_of, ReadOptions* options) {
  options->lower_bound = bounds.lower;
  options->upper_bound = bounds.upper;
  options->as_of = ToOptionalTimestamp(as_of, "as_of");
}

namespace {

template <typename T>
T Convert(py::handle v, const char* what) {
  if constexpr (std::is_same_v<T, bool>) {
    return ToBool(v, what);
  } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    const uint64_t n = ToUint64(v, what);
    if (n > std::numeric_limits<T>::max()) {
      ThrowValue(std::string(what) + " is too large");
    }
    return static_cast<T>(n);
  } else if constexpr (std::is_integral_v<T>) {
    if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr())) {
      ThrowType(std::string(what) + " must be an int, not " + TypeName(v));
    }
    const long long n = PyLong_AsLongLong(v.ptr());
    if ((n == -1 && PyErr_Occurred()) || n < std::numeric_limits<T>::min() ||
        n > std::numeric_limits<T>::max()) {
      PyErr_Clear();
      ThrowValue(std::string(what) + " is out of range");
    }
    return static_cast<T>(n);
  } else if constexpr (std::is_same_v<T, double>) {
    if (PyBool_Check(v.ptr()) ||
        !(PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()))) {
      ThrowType(std::string(what) + " must be a number, not " + TypeName(v));
    }
    return v.cast<double>();
  } else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) {
    return ToDuration(v, what);
  } else {
    // An enum, named by a string.
    if (!PyUnicode_Check(v.ptr())) {
      ThrowType(std::string(what) + " must be a str, not " + TypeName(v));
    }
    const std::string name = v.cast<std::string>();
    struct Name {
      std::string_view name;
      T value;
    };
    std::vector<Name> names;
    if constexpr (std::is_same_v<T, Compression>) {
      names = {{"none", Compression::kNone},
               {"snappy", Compression::kSnappy},
               {"lz4", Compression::kLZ4},
               {"zstd", Compression::kZstd}};
    } else if constexpr (std::is_same_v<T, CompactionStyle>) {
      names = {{"leveled", CompactionStyle::kLeveled},
               {"size_tiered", CompactionStyle::kSizeTiered}};
    } else {
      static_assert(std::is_same_v<T, WalRecoveryMode>);
      names = {{"tolerate_torn_tail", WalRecoveryMode::kTolerateTornTail},
               {"absolute_consistency", WalRecoveryMode::kAbsoluteConsistency},
               {"salvage", WalRecoveryMode::kSalvage}};
    }
    std::string choices;
    for (const Name& n : names) {
      if (n.name == name) return n.value;
      choices += (choices.empty() ? "'" : ", '") + std::string(n.name) + "'";
    }
    ThrowValue(std::string(what) + " must be one of " + choices + ", not '" +
               name + "'");
  }
}

struct Field {
  const char* name;
  void (*set)(Options& o, py::handle v);
};

#define STRATA_OPTION(field)                                                  \
  Field {                                                                     \
#field,                                                                   \
        [](Options & o,                                                       \
           py::handle                                                         \
               v) { o.field = Convert<decltype(Options::field)>(v, #field); } \
  }

// Every Options field a Python program can set (comparator and env are
// C++ objects and stay at their defaults).
const Field kFields[] = {
    STRATA_OPTION(create_if_missing),
    STRATA_OPTION(error_if_exists),
    STRATA_OPTION(paranoid_checks),
    STRATA_OPTION(write_buffer_size),
    STRATA_OPTION(max_write_buffer_number),
    STRATA_OPTION(block_size),
    STRATA_OPTION(block_restart_interval),
    STRATA_OPTION(compression_unit_size),
    STRATA_OPTION(block_page_size),
    STRATA_OPTION(bloom_bits_per_key),
    STRATA_OPTION(compression),
    STRATA_OPTION(block_cache_capacity),
    STRATA_OPTION(max_open_files),
    STRATA_OPTION(allow_mmap_reads),
    STRATA_OPTION(allow_mmap_writes),
    STRATA_OPTION(num_levels),
    STRATA_OPTION(compaction_style),
    STRATA_OPTION(max_background_jobs),
    STRATA_OPTION(target_file_size),
    STRATA_OPTION(max_bytes_for_level_base),
    STRATA_OPTION(level0_compaction_trigger),
    STRATA_OPTION(level0_slowdown_writes_trigger),
    STRATA_OPTION(level0_stop_writes_trigger),
    STRATA_OPTION(level0_idle_compaction_ms),
    STRATA_OPTION(read_compaction_bytes),
    STRATA_OPTION(wal_recovery_mode),
    STRATA_OPTION(flush_on_close),
    STRATA_OPTION(max_manifest_file_size),
    STRATA_OPTION(max_key_size),
    STRATA_OPTION(max_value_size),
    STRATA_OPTION(max_transaction_index_bytes),
    STRATA_OPTION(enable_versioning),
    STRATA_OPTION(version_retention),
    STRATA_OPTION(enable_value_log),
    STRATA_OPTION(value_log_threshold),
    STRATA_OPTION(value_log_max_file_size),
    STRATA_OPTION(value_log_gc_discard_ratio),
    STRATA_OPTION(value_log_gc_bytes_per_second),
    STRATA_OPTION(value_log_verify_checksums),
};

#undef STRATA_OPTION

}  // namespace

Options ToOptions(const py::kwargs& kwargs, const char* function) {
  Options options;
  for (const auto& [key, value] : kwargs) {
    const std::string name = py::str(key);
    const Field* field = nullptr;
    for (const Field& f : kFields) {
      if (name == f.name) {
        field = &f;
        break;
      }
    }
    if (field == nullptr) {
      ThrowType(std::string(function) +
                "() got an unexpected keyword argument '" + name + "'");
    }
    field->set(options, value);
  }
  return options;
}

}  // namespace strata::python
