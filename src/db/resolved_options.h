// Options as the DB uses them, shared by the DB and by the code that reads
// a DB directory without opening it (db_files.h, restore, repair).
// Defined in options.cc.

#pragma once

#include "cache/block_cache.h"
#include "key/internal_key.h"
#include "strata/options.h"
#include "table/format.h"

namespace strata::internal {

// `options` with the env and comparator resolved to non-null (the
// defaults for null), and the compaction sizes left at 0 derived from the
// write buffer (target_file_size, max_bytes_for_level_base).
Options ResolveOptions(const Options& options);

// The settings of the DB's tables (readers and builders) under `options`;
// `cache` may be null.
TableOptions MakeTableOptions(const Options& options,
                              const InternalKeyComparator* icmp,
                              BlockCache* cache);

}  // namespace strata::internal
