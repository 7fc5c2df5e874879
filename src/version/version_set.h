// VersionSet: the live Version, the file-number and sequence counters, and
// the MANIFEST that makes every change to them durable.
//
// Files (docs/manifest_format.md):
//   CURRENT          "MANIFEST-NNNNNN\n": names the MANIFEST in use
//   MANIFEST-NNNNNN  log-framed records, one encoded VersionEdit each; the
//                    first is a snapshot of the whole state
//   NNNNNN.sst       a table file
//
// Invariants:
//  1. The state that Recover() rebuilds from CURRENT is the state after the
//     last LogAndApply that returned OK, or after the one in flight at a
//     crash (a call that failed or never returned), never anything else.
//  2. CURRENT only ever names a MANIFEST that was synced, complete with its
//     snapshot record, and whose directory entry was synced.
//  3. Edits are appended only to a MANIFEST this object created: after
//     Recover() the first LogAndApply starts a new one, so a torn tail left
//     by a crash is never followed by new records.
//  4. After an I/O error in LogAndApply nothing is installed and every later
//     call returns that error (the MANIFEST's contents are unknown).
//
// Thread-safety: LogAndApply calls are serialised by an internal mutex held
// across the MANIFEST I/O; callers must not hold the DB mutex across a
// LogAndApply (it does file I/O and fsync). current(),
// NewFileNumber(), MarkFileNumberUsed(), the counters and AddLiveFiles()
// may be called from any thread at any time. CreateNew() and Recover() run
// before the set is shared.
// Ownership: borrows env, icmp and info_log from the options; they must
// outlive the set.

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "env/filename.h"
#include "env/info_log.h"
#include "key/internal_key.h"
#include "strata/env.h"
#include "strata/status.h"
#include "version/version.h"
#include "version/version_edit.h"
#include "wal/log_writer.h"

namespace strata::internal {

struct VersionSetOptions {
  Env* env = nullptr;
  std::string dbname;
  const InternalKeyComparator* icmp = nullptr;
  int num_levels = 7;  // 1 ..= kMaxNumLevels
  // A LogAndApply that finds the open MANIFEST at least this large first
  // starts a new one holding a snapshot of the state.
  uint64_t max_manifest_size = 64 << 20;
  InfoLogger* info_log = nullptr;  // optional
};

// Writes MANIFEST `number` in directory `dir` holding the one record
// `snapshot` (a VersionSet::SnapshotEdit), syncs it and its directory
// entry, then points `dir`/CURRENT at it (temp file, sync, rename,
// directory sync). For a copy of a DB (a checkpoint, a restore, a repair):
// the DB's own MANIFEST is written by its VersionSet.
[[nodiscard]] Status WriteStandaloneManifest(Env* env, const std::string& dir,
                                             uint64_t number,
                                             const VersionEdit& snapshot);

class VersionSet {
 public:
  // REQUIRES: options.env and options.icmp are not null;
  // 1 <= options.num_levels <= kMaxNumLevels.
  explicit VersionSet(const VersionSetOptions& options);
  ~VersionSet();

  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // For a new DB in the existing directory dbname: writes MANIFEST-000001
  // holding a snapshot edit (comparator name, log number 0, next file
  // number 2, last sequence 0), syncs it, then points CURRENT at it (temp
  // file, sync, rename, directory sync). Later edits append to it.
  // REQUIRES: neither CreateNew() nor Recover() was called before.
  [[nodiscard]] Status CreateNew();

  // For an existing DB: reads CURRENT, which must be exactly
  // "MANIFEST-NNNNNN\n", and replays every edit of that MANIFEST.
  //  - CURRENT missing or malformed (a number above kMaxFileNumber
  //    included), or the MANIFEST missing: Corruption naming the file.
  //  - A file number above kMaxFileNumber in the MANIFEST: Corruption
  //    naming it.
  //  - A different comparator name: InvalidArgument naming both.
  //  - A torn last record (a crash before its sync; never acknowledged):
  //    ignored, and noted in the info log.
  //  - Any other damage, an undecodable edit, or an edit that does not fit
  //    the state (a table added twice, deleting an absent table, overlap in
  //    a level >= 1, a missing counter): Corruption naming the MANIFEST and,
  //    where one record is at fault, its offset.
  // Other I/O errors are returned as they are.
  // REQUIRES: neither CreateNew() nor Recover() was called before.
  [[nodiscard]] Status Recover();

  // Applies `edit` to the current version and makes it durable, then
  // installs the result as current(). Fills the edit's next file number
  // from the counter, and its last sequence with the larger of the counter
  // and the edit's own (if set), which becomes the counter only once the
  // edit is durable. If no MANIFEST is open for
  // appending, or the open one has reached max_manifest_size, first writes
  // a new MANIFEST starting with a snapshot edit, syncs it and switches
  // CURRENT to it (temp file, sync, rename, directory sync), then removes
  // the MANIFEST it replaced. Otherwise appends and syncs.
  //  - An edit that does not fit the current version (see Recover), whose
  //    comparator name differs, or whose log number is below the current
  //    one or not below the next file number: Corruption/InvalidArgument,
  //    nothing written, nothing installed, the set stays usable.
  //  - An I/O error: returned; nothing installed, and every later call
  //    returns the same error (invariant 4).
  // REQUIRES: CreateNew() or Recover() succeeded.
  [[nodiscard]] Status LogAndApply(VersionEdit* edit)
      STRATA_EXCLUDES(manifest_mu_, mu_);

  // After Recover(): whether the MANIFEST ended in a torn record it ignored
  // (a crash in the middle of an edit, or a MANIFEST cut short), and the
  // next file number it recorded. False and 0 after CreateNew().
  bool recovered_torn_tail() const { return recovered_torn_tail_; }
  uint64_t recovered_next_file_number() const {
    return recovered_next_file_number_;
  }

  // The latest installed version.
  std::shared_ptr<const Version> current() const STRATA_EXCLUDES(mu_);
  // current(), log_number() and the last sequence recorded with them, as
  // one installed state: every WAL numbered at or above `*log_number`
  // holds the writes after `*last_sequence`, which `*version`'s tables
  // lack.
  void CurrentState(std::shared_ptr<const Version>* version,
                    uint64_t* log_number, SequenceNumber* last_sequence) const
      STRATA_EXCLUDES(mu_);
  // The edit that opens a MANIFEST: the comparator, the given counters and
  // every table and value-log file of `base` (garbage included).
  VersionEdit SnapshotEdit(const Version& base, uint64_t log_number,
                           uint64_t next_file_number,
                           SequenceNumber last_sequence) const;

  // Hands out a file number never handed out before (for tables, logs and
  // manifests alike).
  uint64_t NewFileNumber();
  // Makes sure NewFileNumber() never returns `number` or anything below it
  // (for files found on disk during recovery). A number above
  // kMaxFileNumber (env/filename.h), never strata's, is ignored.
  void MarkFileNumberUsed(uint64_t number);
  // The number NewFileNumber() would return next (without taking it):
  // every file numbered at or above it was created after this call.
  uint64_t PeekNextFileNumber() const {
    // relaxed: callers only need a lower bound for later allocations.
    return next_file_number_.load(std::memory_order_relaxed);
  }

  // WALs numbered below this are obsolete.
  uint64_t log_number() const STRATA_EXCLUDES(mu_);
  // The number of the MANIFEST that CURRENT names (0 before CreateNew or
  // Recover).
  uint64_t manifest_file_number() const STRATA_EXCLUDES(mu_);
  SequenceNumber last_sequence() const;
  // The DB publishes its last sequence here before LogAndApply records it.
  // REQUIRES: s >= last_sequence().
  void SetLastSequence(SequenceNumber s);
  // Versioned DBs: the newest commit timestamp handed out (0: none). The DB
  // publishes it here; every later LogAndApply records it, and Recover
  // restores the largest recorded, so timestamps keep increasing after a
  // reopen whose WALs are gone. Only raises it.
  uint64_t last_timestamp() const;
  void SetLastTimestamp(uint64_t ts);
  // Versioned DBs with retention: the newest horizon a compaction used
  // (VersionEdit::SetRetentionHorizon), recorded and restored the same way
  // (0: none). Only raises it.
  uint64_t retention_horizon() const;
  void SetRetentionHorizon(uint64_t ts);

  // Adds to `*live` the number of every table in every Version still alive:
  // the current one and any a reader still holds. Tables being written and
  // not yet installed are not included; the caller protects those.
  void AddLiveFiles(std::set<uint64_t>* live) const STRATA_EXCLUDES(mu_);

 private:
  void Log(const char* format, ...) const __attribute__((format(printf, 2, 3)));

  // Reads and checks CURRENT; sets `*number` to the MANIFEST it names.
  Status ReadCurrentFile(uint64_t* number) const;
  // Replays every edit of MANIFEST `number` into `*builder`; `*counters`
  // gets the last value seen of each counter field.
  // `*torn_tail_bytes` gets the size of a torn last record it ignored.
  Status ReplayManifest(uint64_t number, VersionBuilder* builder,
                        VersionEdit* counters, uint64_t* torn_tail_bytes) const;
  // Points CURRENT at MANIFEST `number`: temp file, sync, rename, dir sync.
  Status SetCurrentFile(uint64_t number) const;
  // Writes MANIFEST `number`: a snapshot edit of `base` with the given
  // counters, then `record` unless it is empty; syncs the file and its
  // directory entry and switches CURRENT to it. On success it becomes the
  // open MANIFEST.
  Status WriteNewManifest(uint64_t number, const Version& base,
                          uint64_t log_number, uint64_t next_file_number,
                          SequenceNumber last_sequence,
                          const std::string& record)
      STRATA_REQUIRES(manifest_mu_);
  // Makes `v` current with the given log and manifest numbers and the last
  // sequence recorded with it.
  void Install(std::shared_ptr<const Version> v, uint64_t log_number,
               uint64_t manifest_number, SequenceNumber last_sequence)
      STRATA_EXCLUDES(mu_);

  Env* const env_;
  const std::string dbname_;
  const InternalKeyComparator* const icmp_;
  const int num_levels_;
  const uint64_t max_manifest_size_;
  InfoLogger* const info_log_;
  const std::string comparator_name_;

  // relaxed: a counter; the file-number values carry no other data. A
  // value read by LogAndApply is ordered by manifest_mu_ and the file I/O.
  std::atomic<uint64_t> next_file_number_{2};
  // acquire/release: pairs the DB's SetLastSequence with the read that
  // records it in LogAndApply (and with readers of last_sequence()).
  std::atomic<SequenceNumber> last_sequence_{0};
  std::atomic<uint64_t> last_timestamp_{0};
  std::atomic<uint64_t> retention_horizon_{0};
  // Set by Recover() before the set is shared; read-only afterwards.
  bool recovered_torn_tail_ = false;
  uint64_t recovered_next_file_number_ = 0;

  // Serialises LogAndApply and guards the open MANIFEST.
  Mutex manifest_mu_ STRATA_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<WritableFile> manifest_file_ STRATA_GUARDED_BY(manifest_mu_);
  std::unique_ptr<log::Writer> manifest_log_ STRATA_GUARDED_BY(manifest_mu_);
  Status error_ STRATA_GUARDED_BY(manifest_mu_);          // sticky I/O error
  bool started_ STRATA_GUARDED_BY(manifest_mu_) = false;  // CreateNew/Recover

  // Guards the installed state; held only for short, I/O-free sections.
  mutable Mutex mu_;
  std::shared_ptr<const Version> current_ STRATA_GUARDED_BY(mu_);
  uint64_t log_number_ STRATA_GUARDED_BY(mu_) = 0;
  uint64_t manifest_file_number_ STRATA_GUARDED_BY(mu_) = 0;
  SequenceNumber installed_last_sequence_ STRATA_GUARDED_BY(mu_) = 0;
  // Every version ever installed that may still be alive; expired entries
  // are pruned on install and by AddLiveFiles.
  mutable std::vector<std::weak_ptr<const Version>> versions_
      STRATA_GUARDED_BY(mu_);
};

}  // namespace strata::internal
