// An iterator with no entries whose status() is an error: what a call that
// returns an iterator returns when it cannot make one.
//
// Thread-safety: immutable.

#pragma once

#include <memory>

#include "strata/iterator.h"
#include "strata/status.h"

namespace strata::internal {

std::unique_ptr<Iterator> NewErrorIterator(Status status);

}  // namespace strata::internal
