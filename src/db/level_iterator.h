// An iterator over one sorted level (L1 and deeper): the level's files are
// disjoint and ordered, so it opens one table at a time, in order, through
// the table cache. Keys are internal keys.
//
// Thread-safety: as InternalIterator (one thread at a time).

#pragma once

#include <memory>
#include <vector>

#include "base/internal_iterator.h"
#include "db/table_cache.h"
#include "version/version_edit.h"

namespace strata::internal {

// `files` must be sorted and disjoint (a level >= 1 of a Version); the
// caller keeps them (and `table_cache`, `icmp`) alive while the iterator
// lives, e.g. by pinning the Version.
std::unique_ptr<InternalIterator> NewLevelIterator(
    const InternalKeyComparator* icmp, TableCache* table_cache,
    const TableReadOptions& options,
    const std::vector<std::shared_ptr<const FileMetaData>>* files);

}  // namespace strata::internal
