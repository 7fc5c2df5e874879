// Obsolete-file deletion: which of the DB directory's files no live state
// needs (a pure function of one look at the live set), and the hold
// counter that keeps every file while a checkpoint or backup links them.

#pragma once

#include <cassert>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace strata::internal {

// What the live state needs, as of one moment (taken under the DB mutex).
struct LiveFiles {
  // Files numbered from here on were created after this look (outputs of
  // a flush or compaction running elsewhere, a new WAL or MANIFEST): never
  // obsolete.
  uint64_t first_unsafe = 0;
  // Tables and value logs in some version, or being written.
  std::set<uint64_t> files;
  uint64_t min_log = 0;      // WALs numbered below hold only tabled data
  uint64_t current_log = 0;  // the WAL being written
  uint64_t manifest = 0;     // the MANIFEST being written
};

// The names among `names` (a directory listing) that are strata's WALs,
// tables, value logs or MANIFESTs no live state needs. Anything else (CURRENT,
// IDENTITY, LOCK, LOG, temporary and damaged files, other names) is kept.
std::vector<std::string> SelectObsoleteFiles(
    const std::vector<std::string>& names, const LiveFiles& live);

// The hold counter. Not thread-safe: the DB keeps it under its mutex.
class DeletionHolds {
 public:
  void Hold() { ++holds_; }
  // Returns true when this was the last hold and a pass was deferred
  // meanwhile: the caller runs it now.
  bool Release() {
    assert(holds_ > 0);
    if (--holds_ > 0 || !deferred_) return false;
    deferred_ = false;
    return true;
  }
  // A deletion pass may start (then EndPass() follows), or, while held,
  // is deferred to the last Release().
  bool TryBeginPass() {
    if (holds_ > 0) {
      deferred_ = true;
      return false;
    }
    ++running_;
    return true;
  }
  void EndPass() {
    assert(running_ > 0);
    --running_;
  }
  // A pass is running (Hold() waits for it to end before files are linked).
  bool PassRunning() const { return running_ > 0; }

 private:
  int holds_ = 0;
  int running_ = 0;  // passes running (the DB mutex is released for I/O)
  bool deferred_ = false;
};

}  // namespace strata::internal
