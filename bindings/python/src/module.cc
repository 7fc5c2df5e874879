// The _strata extension module: strata's Python binding (README.md).

#include <pybind11/pybind11.h>

#include "db.h"
#include "errors.h"
#include "iterator.h"
#include "transaction.h"

#ifndef STRATA_VERSION_STRING
#error "STRATA_VERSION_STRING must be defined by the build"
#endif

PYBIND11_MODULE(_strata, m) {
  namespace sp = strata::python;
  m.doc() =
      "strata: an embeddable LSM key-value store. The compiled core of the "
      "`strata` package; import `strata` instead.";
  m.attr("__version__") = STRATA_VERSION_STRING;
  sp::RegisterErrors(m);
  sp::BindIterator(m);
  sp::BindSnapshot(m);
  sp::BindWriteBatch(m);
  sp::BindTransaction(m);
  sp::BindDb(m);
}
