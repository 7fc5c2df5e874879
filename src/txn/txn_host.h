// TxnHost: what a transaction needs from the DB it runs on (DESIGN.md,
// layers: txn declares it, DBImpl implements it), so that the transaction
// layer sits below the DB and never includes it.
//
// Thread-safety: every method is safe from any thread, as the DB's calls.

#pragma once

#include <memory>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "txn/commit_index.h"
#include "txn/write_set.h"

namespace strata::internal {

// What a transaction reads: the sequence of its snapshot, and whatever the
// host holds to read at it (a registered snapshot, or the state pinned at
// begin). Made by the host's BeginTxn and owned by the transaction alone,
// which drops it at EndTxn: it never outlives the host. (Its iterators
// keep what they read through themselves; they look it up through a
// weak pointer.)
class TxnView {
 public:
  virtual ~TxnView() = default;
  virtual SequenceNumber sequence() const = 0;
};

class TxnHost {
 public:
  virtual ~TxnHost() = default;

  // A transaction begins: takes its view and, when `track` (read-write
  // transactions), registers it with the commit index first. Writes with
  // sequences up to `*exact_from` may be missing from the index (accepted
  // before the registration): its commit decides those from the tree.
  // Untracked views (read-only transactions) may pin the DB's state
  // instead of registering a snapshot: nothing is registered, and the
  // state stays pinned (its files and memtables alive) until the view goes.
  virtual Status BeginTxn(bool track, std::shared_ptr<const TxnView>* view,
                          SequenceNumber* exact_from) = 0;
  // Ends a transaction begun with BeginTxn (after Close too). Reads
  // through `view` fail from here on; the transaction then drops it.
  virtual void EndTxn(bool tracked, const TxnView& view) = 0;
  // Commits `ops` (in order, as one batch). With `check`, only if no key
  // of `keys`, and no key inside one of `ranges`, was written after
  // `snapshot`: else Busy naming it, and nothing is written. No ops commit
  // at once (a transaction that wrote nothing serializes at its
  // snapshot).
  virtual Status CommitTxn(const WriteOptions& options,
                           const std::vector<TxnOp>& ops, bool check,
                           SequenceNumber snapshot, SequenceNumber exact_from,
                           const std::vector<std::string>& keys,
                           const std::vector<ScannedRange>& ranges) = 0;

  // The DB's reads at `view` (DB::Get with the timestamp of the version
  // that decided it, a tombstone's too, 0 if none; DB::NewIterator;
  // options.snapshot is null), and a write checked as DB::Write checks it
  // (InvalidArgument for an empty key, a reversed range, a timestamp
  // without versioning...).
  virtual Status TxnGet(const ReadOptions& options, const TxnView& view,
                        const Slice& key, std::string* value,
                        uint64_t* timestamp) = 0;
  virtual std::unique_ptr<Iterator> TxnNewIterator(const ReadOptions& options,
                                                   const TxnView& view) = 0;
  virtual Status TxnCheckOp(const TxnOp& op) const = 0;
  // The DB's key comparator, and whether it keeps versions.
  virtual const Comparator* TxnComparator() const = 0;
  virtual bool TxnVersioned() const = 0;
};

}  // namespace strata::internal
