#include "compaction/picker.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <utility>

namespace strata::internal {

namespace {

using FilePtr = std::shared_ptr<const FileMetaData>;
using FileList = std::vector<FilePtr>;

// A closed range of user keys. The slices point into FileMetaData kept
// alive by the Version, or into the caller's bounds.
struct KeyRange {
  Slice smallest;
  Slice largest;
};

uint64_t Bytes(const FileList& files) {
  uint64_t n = 0;
  for (const auto& f : files) n += f->file_size;
  return n;
}

double DeletionRatio(const FileMetaData& f) {
  return f.num_entries == 0 ? 0.0
                            : static_cast<double>(f.num_deletions) /
                                  static_cast<double>(f.num_entries);
}

void CheckOptions(const Version& v, const CompactionPolicyOptions& o) {
  assert(v.num_levels() == o.num_levels);
  assert(o.style != CompactionStyle::kLeveled || o.num_levels >= 2);
  assert(o.level0_file_num_compaction_trigger >= 1);
  assert(o.level_size_multiplier > 1);
  assert(o.tiered_min_merge_width >= 2);
  assert(o.tiered_max_merge_width >= o.tiered_min_merge_width);
  assert(o.tiered_size_ratio >= 1);
  (void)v;
  (void)o;
}

// Everything one pick needs; lives for one call.
class Picker {
 public:
  Picker(const Version& v, const CompactionPolicyOptions& o,
         const std::set<uint64_t>& busy)
      : v_(v),
        o_(o),
        busy_(busy),
        ucmp_(o.user_comparator != nullptr ? o.user_comparator
                                           : BytewiseComparator()),
        last_(v.num_levels() - 1) {
    CheckOptions(v, o);
    if (o.style == CompactionStyle::kLeveled) {
      targets_ = ComputeLevelTargets(v, o);
    }
  }

  std::vector<double> Scores(bool count_busy) const;
  std::optional<CompactionPlan> PickLeveled(
      SequenceNumber earliest_snapshot) const;
  std::optional<CompactionPlan> PickTiered() const;
  std::optional<CompactionPlan> PickManual(int level, const Slice* begin,
                                           const Slice* end) const;
  std::optional<CompactionPlan> PickLevel0(double score) const;
  std::optional<CompactionPlan> PickReads(uint64_t file_number) const;

 private:
  int Compare(const Slice& a, const Slice& b) const {
    return ucmp_->Compare(a, b);
  }
  bool Busy(const FileMetaData& f) const { return busy_.count(f.number) != 0; }
  bool AnyBusy(const FileList& files) const {
    return std::any_of(files.begin(), files.end(),
                       [this](const FilePtr& f) { return Busy(*f); });
  }
  bool Overlaps(const FileMetaData& f, const KeyRange& r) const {
    return Compare(f.smallest.user_key(), r.largest) <= 0 &&
           Compare(r.smallest, f.largest.user_key()) <= 0;
  }
  KeyRange RangeOf(const FileMetaData& f) const {
    return {f.smallest.user_key(), f.largest.user_key()};
  }
  KeyRange Union(const KeyRange& a, const KeyRange& b) const {
    return {Compare(a.smallest, b.smallest) <= 0 ? a.smallest : b.smallest,
            Compare(a.largest, b.largest) >= 0 ? a.largest : b.largest};
  }
  KeyRange RangeOf(const std::vector<CompactionInputs>& inputs) const;

  // Grows [*lo, *hi] (indices into files(level), level >= 1) over the
  // neighbours that share a boundary user key.
  void ExpandToWholeUserKeys(int level, size_t* lo, size_t* hi) const;
  // The files of `level` >= 1 meeting [*begin, *end] (null = open), grown
  // to whole user keys.
  FileList OverlapAtLevel(int level, const Slice* begin,
                          const Slice* end) const;
  FileList OverlapAtLevel(int level, const KeyRange& r) const {
    return OverlapAtLevel(level, &r.smallest, &r.largest);
  }
  // L0 files meeting [*begin, *end], grown until no other L0 file meets
  // the inputs' range. Newest first.
  FileList Level0Closure(const Slice* begin, const Slice* end) const;

  std::optional<CompactionPlan> PickLevelN(int level, double score) const;
  std::optional<CompactionPlan> PickTombstones(
      SequenceNumber earliest_snapshot) const;
  // A plan of `inputs` at `level` into level+1 (into `level` itself at the
  // last level), with the output-level overlap; nullopt if a file of the
  // overlap is busy.
  std::optional<CompactionPlan> IntoNextLevel(int level, FileList inputs,
                                              CompactionPlan::Reason reason,
                                              double score) const;
  // Sets bottommost, trivial_move and max_output_file_size.
  CompactionPlan Finish(CompactionPlan plan) const;

  const Version& v_;
  const CompactionPolicyOptions& o_;
  const std::set<uint64_t>& busy_;
  const Comparator* const ucmp_;
  const int last_;
  LevelTargets targets_;  // leveled only
};

KeyRange Picker::RangeOf(const std::vector<CompactionInputs>& inputs) const {
  assert(!inputs.empty() && !inputs[0].files.empty());
  KeyRange r = RangeOf(*inputs[0].files[0]);
  for (const auto& in : inputs) {
    for (const auto& f : in.files) r = Union(r, RangeOf(*f));
  }
  return r;
}

void Picker::ExpandToWholeUserKeys(int level, size_t* lo, size_t* hi) const {
  assert(level >= 1);
  const FileList& fs = v_.files(level);
  // Neighbours that hold versions of the same logical key come along.
  while (*lo > 0 && BoundsShareKey(*v_.icmp(), fs[*lo - 1]->largest.Encode(),
                                   fs[*lo]->smallest.Encode())) {
    --*lo;
  }
  while (*hi + 1 < fs.size() &&
         BoundsShareKey(*v_.icmp(), fs[*hi]->largest.Encode(),
                        fs[*hi + 1]->smallest.Encode())) {
    ++*hi;
  }
}

FileList Picker::OverlapAtLevel(int level, const Slice* begin,
                                const Slice* end) const {
  assert(level >= 1);
  const FileList& fs = v_.files(level);
  size_t lo = 0;
  if (begin != nullptr) lo = v_.FindFirstFileOfKey(level, *begin);
  size_t end_index = lo;  // one past the last overlapping file
  while (end_index < fs.size() &&
         (end == nullptr ||
          Compare(fs[end_index]->smallest.user_key(), *end) <= 0)) {
    ++end_index;
  }
  if (end_index == lo) return {};
  size_t hi = end_index - 1;
  ExpandToWholeUserKeys(level, &lo, &hi);
  return FileList(fs.begin() + static_cast<std::ptrdiff_t>(lo),
                  fs.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
}

FileList Picker::Level0Closure(const Slice* begin, const Slice* end) const {
  FileList chosen = v_.Overlapping(0, begin, end);
  while (!chosen.empty()) {
    KeyRange r = RangeOf(*chosen[0]);
    for (const auto& f : chosen) r = Union(r, RangeOf(*f));
    FileList grown = v_.Overlapping(0, &r.smallest, &r.largest);
    if (grown.size() == chosen.size()) break;
    chosen = std::move(grown);
  }
  return chosen;
}

std::vector<double> Picker::Scores(bool count_busy) const {
  std::vector<double> scores(static_cast<size_t>(v_.num_levels()), 0.0);
  int l0_files = 0;
  for (const auto& f : v_.files(0)) {
    if (count_busy || !Busy(*f)) ++l0_files;
  }
  scores[0] = static_cast<double>(l0_files) /
              static_cast<double>(o_.level0_file_num_compaction_trigger);
  if (o_.style != CompactionStyle::kLeveled) return scores;
  for (int level = targets_.base_level; level < last_; ++level) {
    uint64_t bytes = 0;
    for (const auto& f : v_.files(level)) {
      if (count_busy || !Busy(*f)) bytes += f->file_size;
    }
    const uint64_t target = targets_.target_bytes[static_cast<size_t>(level)];
    scores[static_cast<size_t>(level)] =
        static_cast<double>(bytes) /
        static_cast<double>(std::max<uint64_t>(target, 1));
  }
  return scores;
}

std::optional<CompactionPlan> Picker::PickLeveled(
    SequenceNumber earliest_snapshot) const {
  const std::vector<double> scores = Scores(/*count_busy=*/false);
  std::vector<int> levels;
  for (int level = 0; level < last_; ++level) {
    if (scores[static_cast<size_t>(level)] >= 1) levels.push_back(level);
  }
  // Highest score first; on a tie the upper level (stable sort).
  std::stable_sort(levels.begin(), levels.end(), [&](int a, int b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  for (const int level : levels) {
    const double score = scores[static_cast<size_t>(level)];
    auto plan = level == 0 ? PickLevel0(score) : PickLevelN(level, score);
    if (plan.has_value()) return plan;
  }
  return PickTombstones(earliest_snapshot);
}

// From the oldest L0 file towards the newest: a file that overlaps a file
// left out before it must be left out too (rule 2); one that does not meet
// the inputs' range is left out (it would only widen the compaction); one
// that meets it joins while the inputs and their base-level overlap fit in
// max_compaction_bytes and the overlap holds no busy file.
std::optional<CompactionPlan> Picker::PickLevel0(double score) const {
  const FileList& fs = v_.files(0);
  if (fs.empty() || AnyBusy(fs)) return std::nullopt;
  const int base = targets_.base_level;
  KeyRange range = RangeOf(*fs.back());
  FileList overlap = OverlapAtLevel(base, range);
  if (AnyBusy(overlap)) return std::nullopt;
  FileList chosen{fs.back()};
  uint64_t chosen_bytes = fs.back()->file_size;
  std::vector<KeyRange> left_out;
  for (size_t i = fs.size() - 1; i-- > 0;) {
    const FileMetaData& f = *fs[i];
    const bool blocked =
        std::any_of(left_out.begin(), left_out.end(),
                    [&](const KeyRange& r) { return Overlaps(f, r); });
    if (blocked || !Overlaps(f, range)) {
      left_out.push_back(RangeOf(f));
      continue;
    }
    const KeyRange grown = Union(range, RangeOf(f));
    FileList grown_overlap = OverlapAtLevel(base, grown);
    if (AnyBusy(grown_overlap) ||
        chosen_bytes + f.file_size + Bytes(grown_overlap) >
            o_.max_compaction_bytes) {
      break;  // every file not yet visited is newer: leaving them is safe
    }
    range = grown;
    overlap = std::move(grown_overlap);
    chosen.push_back(fs[i]);
    chosen_bytes += f.file_size;
  }
  std::reverse(chosen.begin(), chosen.end());  // newest first, as in L0
  CompactionPlan plan;
  plan.reason = CompactionPlan::Reason::kLevel0Files;
  plan.score = score;
  plan.output_level = base;
  plan.inputs.push_back({0, std::move(chosen)});
  if (!overlap.empty()) plan.inputs.push_back({base, std::move(overlap)});
  return Finish(std::move(plan));
}

// The candidate (a file with its user-key neighbours) with the least
// output-level overlap per input byte, preferring those whose inputs fit
// in max_compaction_bytes (a candidate without overlap always fits).
std::optional<CompactionPlan> Picker::PickLevelN(int level,
                                                 double score) const {
  const FileList& fs = v_.files(level);
  std::optional<CompactionPlan> best;
  bool best_fits = false;
  double best_ratio = 0;
  for (size_t i = 0; i < fs.size();) {
    size_t lo = i;
    size_t hi = i;
    ExpandToWholeUserKeys(level, &lo, &hi);
    i = hi + 1;
    FileList group(fs.begin() + static_cast<std::ptrdiff_t>(lo),
                   fs.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
    if (AnyBusy(group)) continue;
    const uint64_t in_bytes = Bytes(group);
    auto plan = IntoNextLevel(level, std::move(group),
                              CompactionPlan::Reason::kLevelSize, score);
    if (!plan.has_value()) continue;
    const uint64_t out_bytes =
        plan->inputs.size() > 1 ? Bytes(plan->inputs[1].files) : 0;
    const bool fits =
        out_bytes == 0 || in_bytes + out_bytes <= o_.max_compaction_bytes;
    const double ratio =
        out_bytes == 0
            ? 0.0
            : static_cast<double>(out_bytes) /
                  static_cast<double>(std::max<uint64_t>(in_bytes, 1));
    if (!best.has_value() || (fits && !best_fits) ||
        (fits == best_fits && ratio < best_ratio)) {
      best = std::move(plan);
      best_fits = fits;
      best_ratio = ratio;
    }
  }
  return best;
}

// The densest tombstone-dense file of a level >= 1 (ties: the upper level,
// then key order), with its user-key neighbours.
std::optional<CompactionPlan> Picker::PickTombstones(
    SequenceNumber earliest_snapshot) const {
  std::optional<CompactionPlan> best;
  for (int level = 1; level <= last_; ++level) {
    const FileList& fs = v_.files(level);
    for (size_t i = 0; i < fs.size(); ++i) {
      const FileMetaData& f = *fs[i];
      if (!IsTombstoneDense(f, o_) || Busy(f)) continue;
      if (level == last_ &&
          (o_.versioned || f.largest_seqno > earliest_snapshot)) {
        continue;
      }
      const double ratio = DeletionRatio(f);
      if (best.has_value() && ratio <= best->score) continue;
      size_t lo = i;
      size_t hi = i;
      ExpandToWholeUserKeys(level, &lo, &hi);
      FileList group(fs.begin() + static_cast<std::ptrdiff_t>(lo),
                     fs.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
      if (AnyBusy(group)) continue;
      auto plan = IntoNextLevel(level, std::move(group),
                                CompactionPlan::Reason::kTombstones, ratio);
      if (!plan.has_value()) continue;
      if (plan->inputs.size() > 1 &&
          plan->TotalInputBytes() > o_.max_compaction_bytes) {
        continue;
      }
      best = std::move(plan);
    }
  }
  return best;
}

std::optional<CompactionPlan> Picker::PickReads(uint64_t file_number) const {
  for (int level = 1; level < last_; ++level) {
    const FileList& fs = v_.files(level);
    for (size_t i = 0; i < fs.size(); ++i) {
      if (fs[i]->number != file_number) continue;
      size_t lo = i;
      size_t hi = i;
      ExpandToWholeUserKeys(level, &lo, &hi);
      FileList group(fs.begin() + static_cast<std::ptrdiff_t>(lo),
                     fs.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
      if (AnyBusy(group)) return std::nullopt;
      auto plan = IntoNextLevel(level, std::move(group),
                                CompactionPlan::Reason::kReads, 0);
      if (plan.has_value() && plan->inputs.size() > 1 &&
          plan->TotalInputBytes() > o_.max_compaction_bytes) {
        return std::nullopt;
      }
      return plan;
    }
  }
  return std::nullopt;
}

std::optional<CompactionPlan> Picker::IntoNextLevel(
    int level, FileList inputs, CompactionPlan::Reason reason,
    double score) const {
  assert(level >= 1 && !inputs.empty());
  CompactionPlan plan;
  plan.reason = reason;
  plan.score = score;
  plan.output_level = level == last_ ? level : level + 1;
  plan.inputs.push_back({level, std::move(inputs)});
  if (plan.output_level != level) {
    FileList overlap = OverlapAtLevel(plan.output_level, RangeOf(plan.inputs));
    if (AnyBusy(overlap)) return std::nullopt;
    if (!overlap.empty()) {
      plan.inputs.push_back({plan.output_level, std::move(overlap)});
    }
  }
  return Finish(std::move(plan));
}

CompactionPlan Picker::Finish(CompactionPlan plan) const {
  const KeyRange range = RangeOf(plan.inputs);
  bool bottommost = true;
  for (int level = plan.output_level + 1; level <= last_ && bottommost;
       ++level) {
    bottommost = v_.Overlapping(level, &range.smallest, &range.largest).empty();
  }
  if (bottommost && plan.output_level == 0) {
    // An L0 file older than the newest input (later in newest-first order)
    // that is not an input and meets the range holds older data.
    std::set<uint64_t> inputs;
    for (const auto& in : plan.inputs) {
      for (const auto& f : in.files) inputs.insert(f->number);
    }
    bool after_newest_input = false;
    for (const auto& f : v_.files(0)) {
      if (inputs.count(f->number) != 0) {
        after_newest_input = true;
      } else if (after_newest_input && Overlaps(*f, range)) {
        bottommost = false;
        break;
      }
    }
  }
  plan.bottommost = bottommost;
  const CompactionInputs& start = plan.inputs[0];
  plan.trivial_move = plan.inputs.size() == 1 && start.files.size() == 1 &&
                      plan.output_level != start.level &&
                      plan.reason != CompactionPlan::Reason::kTombstones &&
                      !(bottommost && IsTombstoneDense(*start.files[0], o_));
  plan.max_output_file_size = plan.output_level == 0
                                  ? std::numeric_limits<uint64_t>::max()
                                  : o_.target_file_size;
  return plan;
}

// Size-tiered: see the header. Windows are age-adjacent and never contain
// or skip a busy run (merging across a busy run would reorder ages).
std::optional<CompactionPlan> Picker::PickTiered() const {
  const FileList& runs = v_.files(0);
  const size_t n = runs.size();
  const auto min_width = static_cast<size_t>(o_.tiered_min_merge_width);
  const auto max_width = static_cast<size_t>(o_.tiered_max_merge_width);
  size_t best_lo = 0;
  size_t best_len = 0;
  uint64_t best_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    if (Busy(*runs[i])) continue;
    uint64_t smallest = runs[i]->file_size;
    uint64_t largest = smallest;
    size_t j = i;
    while (j + 1 < n && !Busy(*runs[j + 1])) {
      const uint64_t s = std::min(smallest, runs[j + 1]->file_size);
      const uint64_t l = std::max(largest, runs[j + 1]->file_size);
      if (static_cast<double>(l) >
          o_.tiered_size_ratio * static_cast<double>(s)) {
        break;
      }
      smallest = s;
      largest = l;
      ++j;
    }
    const size_t len = std::min(j - i + 1, max_width);
    if (len < min_width) continue;
    const size_t lo = j + 1 - len;  // the oldest `len` runs of the window
    uint64_t bytes = 0;
    for (size_t k = lo; k <= j; ++k) bytes += runs[k]->file_size;
    // Longest; then fewest bytes; then the older window (later i wins).
    if (len > best_len || (len == best_len && bytes <= best_bytes)) {
      best_lo = lo;
      best_len = len;
      best_bytes = bytes;
    }
  }
  double score = static_cast<double>(best_len) / static_cast<double>(min_width);
  if (best_len == 0) {
    if (n <= max_width) return std::nullopt;
    best_len = std::clamp(n - max_width + 1, min_width, max_width);
    best_lo = n - best_len;
    for (size_t k = best_lo; k < n; ++k) {
      if (Busy(*runs[k])) return std::nullopt;
    }
    score = static_cast<double>(n) / static_cast<double>(max_width);
  }
  CompactionPlan plan;
  plan.reason = CompactionPlan::Reason::kSizeTiered;
  plan.score = score;
  plan.output_level = 0;
  const auto first = runs.begin() + static_cast<std::ptrdiff_t>(best_lo);
  plan.inputs.push_back(
      {0, FileList(first, first + static_cast<std::ptrdiff_t>(best_len))});
  return Finish(std::move(plan));
}

std::optional<CompactionPlan> Picker::PickManual(int level, const Slice* begin,
                                                 const Slice* end) const {
  FileList inputs = level == 0 ? Level0Closure(begin, end)
                               : OverlapAtLevel(level, begin, end);
  if (inputs.empty() || AnyBusy(inputs)) return std::nullopt;
  if (level >= 1) {
    return IntoNextLevel(level, std::move(inputs),
                         CompactionPlan::Reason::kManual, 0);
  }
  CompactionPlan plan;
  plan.reason = CompactionPlan::Reason::kManual;
  plan.output_level =
      o_.style == CompactionStyle::kLeveled ? targets_.base_level : 0;
  plan.inputs.push_back({0, std::move(inputs)});
  if (plan.output_level != 0) {
    FileList overlap = OverlapAtLevel(plan.output_level, RangeOf(plan.inputs));
    if (AnyBusy(overlap)) return std::nullopt;
    if (!overlap.empty()) {
      plan.inputs.push_back({plan.output_level, std::move(overlap)});
    }
  }
  return Finish(std::move(plan));
}

}  // namespace

bool IsTombstoneDense(const FileMetaData& f, const CompactionPolicyOptions& o) {
  if (f.num_entries == 0 || f.num_entries < o.tombstone_min_entries) {
    return false;
  }
  return static_cast<double>(f.num_deletions) >=
         o.tombstone_ratio_trigger * static_cast<double>(f.num_entries);
}

LevelTargets ComputeLevelTargets(const Version& v,
                                 const CompactionPolicyOptions& o) {
  assert(v.num_levels() == o.num_levels && o.num_levels >= 2);
  const int last = v.num_levels() - 1;
  LevelTargets t;
  t.target_bytes.assign(static_cast<size_t>(v.num_levels()), 0);
  uint64_t bottom = o.max_bytes_for_level_base;
  int first_non_empty = last + 1;
  for (int level = 1; level <= last; ++level) {
    const uint64_t bytes = v.LevelBytes(level);
    bottom = std::max(bottom, bytes);
    if (bytes > 0 && first_non_empty > last) first_non_empty = level;
  }
  t.target_bytes[static_cast<size_t>(last)] = bottom;
  int base = last;
  while (base > 1 && t.target_bytes[static_cast<size_t>(base)] >
                         o.max_bytes_for_level_base) {
    const auto up = static_cast<uint64_t>(
        static_cast<double>(t.target_bytes[static_cast<size_t>(base)]) /
        o.level_size_multiplier);
    --base;
    t.target_bytes[static_cast<size_t>(base)] = std::max<uint64_t>(up, 1);
  }
  // Never compact L0 below older data: see the header.
  while (base > first_non_empty) {
    const auto up = static_cast<uint64_t>(
        static_cast<double>(t.target_bytes[static_cast<size_t>(base)]) /
        o.level_size_multiplier);
    --base;
    t.target_bytes[static_cast<size_t>(base)] = std::max<uint64_t>(up, 1);
  }
  t.base_level = base;
  return t;
}

uint64_t CompactionPlan::TotalInputBytes() const {
  uint64_t n = 0;
  for (const auto& in : inputs) n += Bytes(in.files);
  return n;
}

std::string CompactionPlan::DebugString() const {
  char buf[64];
  std::string r = CompactionReasonName(reason);
  std::snprintf(buf, sizeof(buf), " score=%.2f", score);
  r.append(buf);
  for (const auto& in : inputs) {
    r.append(" L" + std::to_string(in.level) + ":[");
    for (size_t i = 0; i < in.files.size(); ++i) {
      if (i > 0) r.push_back(',');
      r.append(std::to_string(in.files[i]->number));
    }
    r.push_back(']');
  }
  std::snprintf(buf, sizeof(buf), " -> L%d bytes=%" PRIu64, output_level,
                TotalInputBytes());
  r.append(buf);
  if (trivial_move) r.append(" trivial-move");
  if (bottommost) r.append(" bottommost");
  return r;
}

const char* CompactionReasonName(CompactionPlan::Reason reason) {
  switch (reason) {
    case CompactionPlan::Reason::kLevel0Files:
      return "level0-files";
    case CompactionPlan::Reason::kLevelSize:
      return "level-size";
    case CompactionPlan::Reason::kTombstones:
      return "tombstones";
    case CompactionPlan::Reason::kSizeTiered:
      return "size-tiered";
    case CompactionPlan::Reason::kManual:
      return "manual";
    case CompactionPlan::Reason::kIdle:
      return "idle";
    case CompactionPlan::Reason::kValueLogGc:
      return "value-log-gc";
    case CompactionPlan::Reason::kReads:
      return "reads";
  }
  return "unknown";
}

std::optional<CompactionPlan> PickCompaction(const Version& v,
                                             const CompactionPolicyOptions& o,
                                             const std::set<uint64_t>& busy,
                                             SequenceNumber earliest_snapshot) {
  Picker picker(v, o, busy);
  if (o.style == CompactionStyle::kSizeTiered) return picker.PickTiered();
  return picker.PickLeveled(earliest_snapshot);
}

std::optional<CompactionPlan> PickIdleCompaction(
    const Version& v, const CompactionPolicyOptions& o,
    const std::set<uint64_t>& busy) {
  if (o.style != CompactionStyle::kLeveled || v.NumFiles(0) == 0) {
    return std::nullopt;
  }
  Picker picker(v, o, busy);
  std::optional<CompactionPlan> plan =
      picker.PickLevel0(picker.Scores(/*count_busy=*/false)[0]);
  if (plan.has_value()) plan->reason = CompactionPlan::Reason::kIdle;
  return plan;
}

std::optional<CompactionPlan> PickReadCompaction(
    const Version& v, const CompactionPolicyOptions& o,
    const std::set<uint64_t>& busy, uint64_t file_number) {
  if (o.style != CompactionStyle::kLeveled) return std::nullopt;
  return Picker(v, o, busy).PickReads(file_number);
}

std::set<uint64_t> ValueLogGcCandidates(const Version& v,
                                        double discard_ratio) {
  std::set<uint64_t> r;
  for (const auto& [number, f] : v.vlog_files()) {
    if (f->record_bytes > 0 &&
        static_cast<double>(f->garbage_bytes) >=
            discard_ratio * static_cast<double>(f->record_bytes)) {
      r.insert(number);
    }
  }
  return r;
}

std::optional<CompactionPlan> PickValueLogGc(const Version& v,
                                             const CompactionPolicyOptions& o,
                                             double discard_ratio,
                                             const std::set<uint64_t>& busy) {
  // The candidates, largest garbage share first.
  std::vector<std::pair<double, uint64_t>> order;
  for (const uint64_t number : ValueLogGcCandidates(v, discard_ratio)) {
    const VlogFileMeta& f = *v.vlog_files().at(number);
    order.emplace_back(static_cast<double>(f.garbage_bytes) /
                           static_cast<double>(f.record_bytes),
                       number);
  }
  std::sort(order.begin(), order.end(), std::greater<>());
  for (const auto& [share, number] : order) {
    // Deepest level first: an upper table's values move anyway when it is
    // compacted down; L0 last (size-tiered keeps everything there).
    for (int level = v.num_levels() - 1; level >= 0; --level) {
      for (const auto& f : v.files(level)) {
        if (busy.count(f->number) > 0 ||
            !std::binary_search(f->vlog_files.begin(), f->vlog_files.end(),
                                number)) {
          continue;
        }
        CompactionPlan plan;
        plan.reason = CompactionPlan::Reason::kValueLogGc;
        plan.score = share;
        plan.output_level = level;
        plan.inputs.push_back(CompactionInputs{level, {f}});
        plan.max_output_file_size =
            level == 0 ? UINT64_MAX : o.target_file_size;
        return plan;
      }
    }
  }
  return std::nullopt;
}

std::optional<CompactionPlan> PickManualCompaction(
    const Version& v, const CompactionPolicyOptions& o, int level,
    const Slice* begin_user_key, const Slice* end_user_key,
    const std::set<uint64_t>& busy) {
  assert(level >= 0 && level < v.num_levels());
  Picker picker(v, o, busy);
  return picker.PickManual(level, begin_user_key, end_user_key);
}

std::vector<double> ComputeScores(const Version& v,
                                  const CompactionPolicyOptions& o) {
  const std::set<uint64_t> none;
  return Picker(v, o, none).Scores(/*count_busy=*/true);
}

}  // namespace strata::internal
