// Compaction policy: which files to compact next, and into which level.
//
// Policy only (STYLE.md §6): every function here is a pure function of a
// Version, the options and the set of files already being compacted. It
// reads no files, starts no threads and keeps no state; the DB calls it
// under its mutex and hands the returned CompactionPlan to a CompactionJob.
//
// Leveled style. Level 0 holds flushed tables, which may overlap; levels
// 1..last hold disjoint tables. Level targets are sized from the bottom up
// (ComputeLevelTargets), so about 90% of the data sits in the last level
// and L0 compacts into `base_level`, skipping the empty levels above it.
// Scores: L0 = files / level0_file_num_compaction_trigger; a level in
// [base_level, last) = bytes / target. The highest score >= 1 is compacted:
//  - L0 into base_level: from the oldest L0 file, the newer files that
//    overlap the inputs' key range (see "Level 0 inputs" below);
//  - Ln into Ln+1: the file (with its user-key neighbours, below) whose
//    compaction is cheapest: least overlapping bytes in Ln+1 per input byte.
// With no plan by score, a tombstone-dense file (num_deletions/num_entries
// >= tombstone_ratio_trigger, num_entries >= tombstone_min_entries) at a
// level >= 1 is compacted on its own into the next level, or into itself at
// the last level.
// Idle fold: once writes pause, the DB asks PickIdleCompaction, which
// takes L0 into base_level as an L0 pick does, whatever L0's score, so a
// read-mostly phase meets one sorted run per level.
//
// Size-tiered style. Every table is a sorted run in L0, newest first. A
// window is a set of age-adjacent runs, none busy, whose sizes are similar
// (largest <= tiered_size_ratio * smallest). Among the windows of
// tiered_min_merge_width..tiered_max_merge_width runs, the longest is
// merged; on a tie the one with the fewest bytes, then the oldest. When no
// window qualifies but L0 holds
// more than tiered_max_merge_width runs, the oldest
// clamp(runs - tiered_max_merge_width + 1, min width, max width) runs are
// merged. A size-tiered plan has output_level 0 and writes ONE output file
// (max_output_file_size is unlimited). Placing it: the merged run takes the
// position of the newest input among the L0 runs. Since the inputs are
// age-adjacent, this is what Version's newest-first L0 order (largest_seqno
// descending) does by itself provided the output keeps the sequence numbers
// of the entries it retains (no zeroing of sequence numbers in L0 outputs).
//
// Correctness rules every plan obeys (the DB relies on them):
//  1. Whole user keys: when files of a level >= 1 split one user key's
//     versions between them, either all or none of them are inputs, at the
//     start level and at the output level alike.
//  2. Level 0 age order: no L0 file left out of a plan is older than an L0
//     input and overlaps it, so no older version stays above a newer one.
//  3. Output-level completeness: every file of output_level that overlaps
//     the user-key range of the start-level inputs is an input (inputs[1]),
//     so `bottommost` decides correctly whether tombstones may be dropped.
//  4. Busy files: a file whose number is in `busy` is never an input, and a
//     plan that would need one (as a neighbour or output-level overlap) is
//     not returned. The DB must put in `busy` every input file (both
//     levels) of every compaction that is running.
//
// Thread-safety: pure functions; safe to call concurrently on shared,
// immutable Versions.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "version/version.h"
#include "version/version_edit.h"

namespace strata::internal {

struct CompactionPolicyOptions {
  CompactionStyle style = CompactionStyle::kLeveled;
  // Must equal the Version's num_levels(); >= 2 for the leveled style.
  int num_levels = 7;
  // Orders user keys; the one the DB was opened with. Borrowed: must
  // outlive every call. nullptr = BytewiseComparator().
  const Comparator* user_comparator = nullptr;
  // L0 score = L0 files / this. >= 1.
  int level0_file_num_compaction_trigger = 4;
  // Lower bound of the base level's target; see ComputeLevelTargets.
  uint64_t max_bytes_for_level_base = 256ull << 20;
  // Ratio of the targets of adjacent levels. > 1.
  double level_size_multiplier = 10;
  // Leveled compaction outputs are split at this size.
  uint64_t target_file_size = 64ull << 20;
  // Bounds the input bytes (both levels) of a leveled, picked compaction:
  // L0 inputs beyond the oldest file are added only while they and their
  // base-level overlap fit; an Ln pick prefers candidates that fit (and
  // takes the cheapest one when none does: a file and its overlap cannot
  // be split); a tombstone pick that does not fit is not made. An Ln or
  // tombstone candidate without output-level overlap (a move, a last-level
  // rewrite) always fits.
  // Manual and size-tiered plans ignore it.
  uint64_t max_compaction_bytes = 25 * (64ull << 20);
  // A versioned DB: a tombstone at the last level stays (it may hide a
  // back-dated version in a newer level, or one written later), so a
  // tombstone-dense file there is never rewritten for its tombstones.
  bool versioned = false;
  // A file with num_deletions / num_entries >= this ...
  double tombstone_ratio_trigger = 0.5;
  // ... and num_entries >= this is compacted on its own.
  uint64_t tombstone_min_entries = 1000;
  // Size-tiered: runs merged at once, at least / at most. 2 <= min <= max.
  int tiered_min_merge_width = 4;
  int tiered_max_merge_width = 32;
  // Size-tiered: runs are similar when largest <= this * smallest. >= 1.
  double tiered_size_ratio = 1.5;
};

// Per-level target sizes of the leveled style, "from the bottom up":
//  - bottom = max(max_bytes_for_level_base, largest LevelBytes of the levels
//    1..last). (That is the last level's size in the normal shape; taking
//    the largest level keeps the targets sane while the last level is
//    still filling or has just shrunk.)
//  - target[last] = bottom; walking up, target[n] = target[n+1] /
//    level_size_multiplier for as long as target[n+1] is above
//    max_bytes_for_level_base (and n >= 1). The level where the walk stops
//    is the base_level: L0 compacts into it, and its target is at most
//    max_bytes_for_level_base (above a tenth of it, with multiplier 10),
//    unless the walk reached L1. So an L0 compaction never merges into a
//    level much larger than that, however large the data (as RocksDB's
//    dynamic level sizes do): merging L0 straight into a last level of a
//    few GiB made every flush rewrite all of it.
//  - Exception, for read correctness: base_level never lies below the
//    first non-empty level >= 1 (L0 data must not land under older data).
//    If that level is above the walk's stop, it becomes base_level and the
//    levels from it down to the stop get target[n] = max(1, target[n+1] /
//    multiplier), small targets that drain them.
//  - Levels 1..base_level-1 are unused: target 0. target[0] is 0 too.
// So with multiplier 10, the last level holds ~90% of the target bytes.
struct LevelTargets {
  int base_level = 1;                  // L0 compacts into this level
  std::vector<uint64_t> target_bytes;  // per level; 0 for L0 and unused
};

// REQUIRES: v.num_levels() == o.num_levels >= 2.
LevelTargets ComputeLevelTargets(const Version& v,
                                 const CompactionPolicyOptions& o);

// One level's input files: level order for levels >= 1, newest first for
// L0.
struct CompactionInputs {
  int level = 0;
  std::vector<std::shared_ptr<const FileMetaData>> files;
};

struct CompactionPlan {
  enum class Reason {
    kLevel0Files,
    kLevelSize,
    kTombstones,
    kSizeTiered,
    kManual,
    kIdle,
    kValueLogGc,
    kReads
  };
  Reason reason = Reason::kLevelSize;
  // kLevel0Files / kLevelSize: the start level's score; kTombstones: the
  // deletion ratio of the file that triggered; kSizeTiered: runs merged /
  // tiered_min_merge_width (fallback: runs in L0 / tiered_max_merge_width);
  // kManual: 0; kIdle: the L0 score (below 1); kValueLogGc: the garbage
  // share of the value-log file being collected; kReads: 0.
  double score = 0;
  int output_level = 0;
  // [0]: the start level's files (never empty); [1], only if non-empty:
  // the overlapping files of output_level (never present when
  // output_level == inputs[0].level).
  std::vector<CompactionInputs> inputs;
  // Move the single input file to output_level with a VersionEdit instead
  // of rewriting it. Set iff: exactly one input file, no output-level
  // overlap, output_level != start level, reason != kTombstones, and not
  // (bottommost and the file is tombstone-dense by the options' rule:
  // rewriting it there drops its tombstones, and moving it would only make
  // a tombstone compaction of it next).
  bool trivial_move = false;
  // No data that could be older than the inputs' entries, for any of their
  // user keys, exists outside the inputs: no level below output_level
  // overlaps the inputs' user-key range, and (when output_level is 0) no L0
  // file older than an input overlaps it. Tombstones with a sequence number
  // <= the earliest live snapshot may then be dropped.
  bool bottommost = false;
  // Split outputs at this size; UINT64_MAX (one file) when output_level is
  // 0.
  uint64_t max_output_file_size = 0;

  // The sum of file_size over all inputs.
  uint64_t TotalInputBytes() const;
  // One line, e.g. "level-size score=1.25 L1:[7] L2:[12,13] -> L2
  // bytes=4096" with " trivial-move" and/or " bottommost" appended.
  std::string DebugString() const;
};

// "level0-files", "level-size", "tombstones", "size-tiered", "manual",
// "idle", "value-log-gc" or "reads".
const char* CompactionReasonName(CompactionPlan::Reason reason);

// The most urgent compaction, or nullopt when nothing needs one (or all
// that does is blocked by busy files). Scores used for picking count only
// files not in `busy`. No L0 compaction is picked (leveled) while any L0
// file is busy.
// `earliest_snapshot`: the sequence number of the oldest live snapshot, or
// the DB's last sequence if there is none. A tombstone-dense file at the
// last level is picked only if its largest_seqno <= earliest_snapshot, so
// that the rewrite can drop all of its tombstones (else the same file would
// be picked again at once, forever). In a versioned DB (o.versioned) such a
// file is never picked for its tombstones: they stay at the last level.
// REQUIRES: v.num_levels() == o.num_levels (>= 2 for leveled).
std::optional<CompactionPlan> PickCompaction(
    const Version& v, const CompactionPolicyOptions& o,
    const std::set<uint64_t>& busy,
    SequenceNumber earliest_snapshot = kMaxSequenceNumber);

// Whether `f` is tombstone-dense (num_deletions / num_entries >=
// o.tombstone_ratio_trigger, num_entries >= o.tombstone_min_entries).
bool IsTombstoneDense(const FileMetaData& f, const CompactionPolicyOptions& o);

// The compaction the DB runs once writes have paused
// (Options::level0_idle_compaction_ms): leveled style, the L0 files into
// base_level, chosen as a kLevel0Files pick chooses them (from the oldest
// file, bounded by max_compaction_bytes), whatever L0's score. Reason
// kIdle. nullopt for the size-tiered style, when L0 is empty, or when an
// L0 file or the base-level overlap is busy.
// REQUIRES: v.num_levels() == o.num_levels.
std::optional<CompactionPlan> PickIdleCompaction(
    const Version& v, const CompactionPolicyOptions& o,
    const std::set<uint64_t>& busy);

// Read-triggered compaction (Options::read_compaction_bytes): table
// `file_number`, which reads charged past its budget, with its user-key
// neighbours, into the next level with the overlap there, as a level-size
// pick of it would be. Reason kReads. nullopt for the size-tiered style,
// when the file is no longer in `v`, is in L0 (the L0 trigger and the
// idle fold take those) or the last level, when it or the overlap is
// busy, or when the inputs exceed max_compaction_bytes.
// REQUIRES: v.num_levels() == o.num_levels.
std::optional<CompactionPlan> PickReadCompaction(
    const Version& v, const CompactionPolicyOptions& o,
    const std::set<uint64_t>& busy, uint64_t file_number);

// Value-log files whose garbage share (garbage_bytes / record_bytes) is at
// least `discard_ratio`: garbage collection moves their live values out.
std::set<uint64_t> ValueLogGcCandidates(const Version& v, double discard_ratio);

// Garbage collection of the value log, relocating live values through
// compaction: a table (not busy) naming the candidate with the largest
// garbage share, the deepest level first (L0 last), rewritten in place
// (its level as the output level, one output at L0), so that the rewrite
// moves its values out of every candidate (CompactionJobOptions::
// vlog_relocate, up to its byte cap). Once no table names a file it
// leaves the version. Reason kValueLogGc; nullopt when there is no
// candidate or every table naming one is busy.
std::optional<CompactionPlan> PickValueLogGc(const Version& v,
                                             const CompactionPolicyOptions& o,
                                             double discard_ratio,
                                             const std::set<uint64_t>& busy);

// CompactRange's step at one level: compacts the files of `level` that
// overlap the user-key range [*begin_user_key, *end_user_key] (nullptr =
// open) into the next level; L0 into base_level; the last level into itself
// (to drop tombstones and obsolete versions). Size-tiered, level 0: the
// overlapping runs merge into one L0 run. Expansion follows the rules above
// (L0: every L0 file overlapping the growing range; levels >= 1: whole user
// keys). Not bounded by max_compaction_bytes. Reason kManual.
// nullopt if no file of `level` overlaps the range, or if the plan would
// need a busy file: the caller tells these apart with
// v.Overlapping(level, begin, end).empty(), and in the second case waits for
// the running compactions and asks again.
// REQUIRES: 0 <= level < v.num_levels(); v.num_levels() == o.num_levels.
std::optional<CompactionPlan> PickManualCompaction(
    const Version& v, const CompactionPolicyOptions& o, int level,
    const Slice* begin_user_key, const Slice* end_user_key,
    const std::set<uint64_t>& busy);

// Scores per level for the stats table, counting every file: L0 = files /
// level0_file_num_compaction_trigger (both styles); leveled levels in
// [base_level, last) = bytes / target; all other levels 0.
// REQUIRES: v.num_levels() == o.num_levels (>= 2 for leveled).
std::vector<double> ComputeScores(const Version& v,
                                  const CompactionPolicyOptions& o);

}  // namespace strata::internal
