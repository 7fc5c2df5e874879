// strata/snapshot.h — a pinned, consistent point-in-time view of a DB.
//
// Obtained from DB::GetSnapshot() and returned with DB::ReleaseSnapshot().
// While a snapshot is held, reads through it see exactly the writes that
// were visible when it was taken, and no version it can see is discarded.

#pragma once

#include <cstdint>

namespace strata {

class DB;

class Snapshot {
 public:
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The sequence number this snapshot pins: every write with a sequence
  // number at or below it is visible through the snapshot.
  virtual uint64_t sequence() const = 0;

 protected:
  Snapshot() = default;
  virtual ~Snapshot() = default;
};

// RAII holder: takes a snapshot on construction, releases it on destruction.
// REQUIRES: `db` outlives the ManagedSnapshot.
class ManagedSnapshot {
 public:
  explicit ManagedSnapshot(DB* db);
  ~ManagedSnapshot();
  ManagedSnapshot(const ManagedSnapshot&) = delete;
  ManagedSnapshot& operator=(const ManagedSnapshot&) = delete;

  const Snapshot* get() const { return snapshot_; }

 private:
  DB* db_;
  const Snapshot* snapshot_;
};

}  // namespace strata
