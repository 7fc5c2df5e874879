// The iterator of a transaction: the DB's iterator at the transaction's
// snapshot merged with the transaction's own writes (txn/write_set.h), in
// both directions, within the read's bounds. Under serializable isolation
// it reports the key ranges it scans, gaps included, so that a commit can
// see a phantom.
//
// Thread-safety: as strata::Iterator (one thread at a time).

#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "strata/iterator.h"
#include "strata/options.h"
#include "txn/commit_index.h"
#include "txn/write_set.h"

namespace strata::internal {

struct TxnIteratorOptions {
  // The read's bounds, as_of and keys_only (as passed to the DB).
  ReadOptions read;
  // A versioned DB: own timed writes compete with the snapshot's versions
  // by timestamp.
  bool versioned = false;
  // Versioned: sets the timestamp of the snapshot's version of a key the
  // base iterator does not show (a tombstone's; 0 if none), for keys with
  // own timed writes. An error ends the iteration with it as status().
  std::function<Status(const Slice& key, uint64_t* ts)> base_timestamp;
  // Called with every range scanned (null: nothing is tracked).
  std::function<void(ScannedRange)> on_scan;
};

// `base`: the DB's iterator at the snapshot, with the same bounds. `own`:
// the transaction's writes as of the iterator's creation (shared, never
// changed while the iterator lives).
std::unique_ptr<Iterator> NewTxnIterator(TxnIteratorOptions options,
                                         std::unique_ptr<Iterator> base,
                                         std::shared_ptr<const WriteSet> own);

}  // namespace strata::internal
