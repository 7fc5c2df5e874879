// SuperVersion: what a reader pins (the memtables and the version of the
// table files that together hold the DB's state), and ReadState, which
// hands it out together with the snapshots a read may name.

#pragma once

#include <memory>
#include <unordered_set>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"
#include "key/internal_key.h"
#include "memtable/memtable.h"
#include "strata/db.h"
#include "strata/status.h"
#include "version/version_set.h"

namespace strata::internal {

struct SuperVersion {
  std::shared_ptr<const MemTable> mem;
  std::vector<std::shared_ptr<const MemTable>> imm;  // newest first
  std::shared_ptr<const Version> version;
};

// Readers take what they read through here, never through the DB mutex:
// the lock inside is a leaf held only to copy a pointer or look a snapshot
// up (never across I/O, never while taking another lock).
// Thread-safety: every method is safe from any thread.
class ReadState {
 public:
  // Makes `sv` what readers pin from now on. The one it replaces is
  // released outside the lock (that may free memtables).
  void Install(std::shared_ptr<const SuperVersion> sv);
  std::shared_ptr<const SuperVersion> Current() const;

  // The snapshots a read may name: added when taken, removed when
  // released; once removed no reader can be looking at it.
  void AddSnapshot(const Snapshot* snapshot);
  void RemoveSnapshot(const Snapshot* snapshot);

  // What a read sees: at `snapshot`'s sequence if not null (InvalidArgument
  // if it is not a live snapshot of this DB; it is never dereferenced
  // then), else at `latest()` (the last published sequence, an acquire
  // load), read under the lock together with the super-version. Every
  // super-version is installed under this lock after the sequences it
  // covers were published (a flush or compaction result: only sequences
  // at or below the latest then) and before any write lands in a
  // memtable it introduces (a switch). So the pair holds everything up to
  // the sequence (nothing missing), and whatever a flush or compaction
  // dropped from it was superseded at or below the sequence (nothing the
  // read should see is gone).
  template <typename Latest>
  Status Acquire(const Snapshot* snapshot, Latest latest,
                 SequenceNumber* sequence,
                 std::shared_ptr<const SuperVersion>* sv) const {
    MutexLock lock(&mu_);
    if (snapshot != nullptr) {
      STRATA_RETURN_IF_ERROR(SnapshotSequenceLocked(snapshot, sequence));
    } else {
      *sequence = latest();
    }
    *sv = current_;
    return Status::OK();
  }

 private:
  Status SnapshotSequenceLocked(const Snapshot* snapshot,
                                SequenceNumber* sequence) const
      STRATA_REQUIRES(mu_);

  mutable Mutex mu_;
  std::shared_ptr<const SuperVersion> current_ STRATA_GUARDED_BY(mu_);
  std::unordered_set<const Snapshot*> snapshots_ STRATA_GUARDED_BY(mu_);
};

}  // namespace strata::internal
