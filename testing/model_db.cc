#include "testing/model_db.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <iterator>
#include <utility>

namespace strata::testing {

// ---- ModelBatch ------------------------------------------------------------

void ModelBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(ModelOp{false, std::string(key), std::string(value)});
}

void ModelBatch::Delete(std::string_view key) {
  ops_.push_back(ModelOp{true, std::string(key), std::string()});
}

void ModelBatch::DeleteRange(std::string_view begin, std::string_view end) {
  ModelOp op;
  op.is_delete = true;
  op.is_range = true;
  op.key = std::string(begin);
  op.end = std::string(end);
  ops_.push_back(std::move(op));
}

namespace {

void EraseRange(ModelState* state, const std::string& begin,
                const std::string& end) {
  state->erase(state->lower_bound(begin), state->lower_bound(end));
}

}  // namespace

WriteBatch ModelBatch::ToWriteBatch() const {
  WriteBatch batch;
  for (const ModelOp& op : ops_) {
    if (op.is_range) {
      batch.DeleteRange(op.key, op.end);
    } else if (op.is_delete) {
      batch.Delete(op.key);
    } else {
      batch.Put(op.key, op.value);
    }
  }
  return batch;
}

void ModelBatch::ApplyTo(ModelState* state) const {
  for (const ModelOp& op : ops_) {
    if (op.is_range) {
      EraseRange(state, op.key, op.end);
    } else if (op.is_delete) {
      state->erase(op.key);
    } else {
      (*state)[op.key] = op.value;
    }
  }
}

// ---- ModelDB ---------------------------------------------------------------

ModelDB::ModelDB() : current_(std::make_shared<ModelState>()) {}

ModelState* ModelDB::MutableState() {
  // A snapshot shares the map: copy it before the first write after.
  if (current_.use_count() > 1) {
    current_ = std::make_shared<ModelState>(*current_);
  }
  return current_.get();
}

void ModelDB::Put(std::string_view key, std::string_view value) {
  (*MutableState())[std::string(key)] = std::string(value);
}

void ModelDB::Delete(std::string_view key) {
  MutableState()->erase(std::string(key));
}

void ModelDB::DeleteRange(std::string_view begin, std::string_view end) {
  EraseRange(MutableState(), std::string(begin), std::string(end));
}

void ModelDB::Write(const ModelBatch& batch) {
  if (batch.empty()) return;
  batch.ApplyTo(MutableState());
}

ModelDB::SnapshotId ModelDB::TakeSnapshot() {
  const SnapshotId id = next_snapshot_id_++;
  snapshots_.emplace(id, current_);
  return id;
}

void ModelDB::ReleaseSnapshot(SnapshotId id) {
  const size_t erased = snapshots_.erase(id);
  assert(erased == 1);
  (void)erased;  // only checked in debug builds
}

bool ModelDB::IsLive(SnapshotId id) const { return snapshots_.contains(id); }

std::vector<ModelDB::SnapshotId> ModelDB::LiveSnapshots() const {
  std::vector<SnapshotId> ids;
  ids.reserve(snapshots_.size());
  for (const auto& [id, state] : snapshots_) ids.push_back(id);
  return ids;
}

std::optional<std::string> ModelDB::Get(std::string_view key,
                                        SnapshotId id) const {
  const ModelState& state = State(id);
  const auto it = state.find(std::string(key));
  if (it == state.end()) return std::nullopt;
  return it->second;
}

const ModelState& ModelDB::State(SnapshotId id) const {
  if (id == kLatest) return *current_;
  const auto it = snapshots_.find(id);
  assert(it != snapshots_.end());
  return *it->second;
}

void ModelDB::ResetState(ModelState state) {
  current_ = std::make_shared<ModelState>(std::move(state));
}

// ---- Formatting ------------------------------------------------------------

std::string Printable(std::string_view s, size_t max_len) {
  std::string out = "\"";
  const size_t n = std::min(s.size(), max_len);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  out += "\"";
  if (n < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string DescribeDifference(const ModelState& expected,
                               const ModelState& actual) {
  auto e = expected.begin();
  auto a = actual.begin();
  while (e != expected.end() || a != actual.end()) {
    if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
      return "key " + Printable(e->first) + ": expected " +
             Printable(e->second) + ", got (absent)";
    }
    if (e == expected.end() || a->first < e->first) {
      return "key " + Printable(a->first) + ": expected (absent), got " +
             Printable(a->second);
    }
    if (e->second != a->second) {
      return "key " + Printable(e->first) + ": expected " +
             Printable(e->second) + ", got " + Printable(a->second);
    }
    ++e;
    ++a;
  }
  return std::string();
}

std::string RandomProbeKey(const ModelState& state, internal::Random* rnd) {
  if (!state.empty() && !rnd->OneIn(4)) {
    std::string key =
        std::next(state.begin(),
                  static_cast<std::ptrdiff_t>(rnd->Uniform(state.size())))
            ->first;
    switch (rnd->Uniform(5)) {
      case 0:
        key.push_back(static_cast<char>(rnd->Uniform(256)));
        break;
      case 1:
        if (key.size() > 1) key.pop_back();
        break;
      case 2:
        key.back() = static_cast<char>(rnd->Uniform(256));
        break;
      default:
        break;  // the key itself
    }
    return key;
  }
  std::string key(1 + rnd->Uniform(12), '\0');
  for (char& c : key) {
    // Mostly printable, sometimes the extreme bytes.
    const uint64_t r = rnd->Uniform(10);
    c = r == 0   ? '\0'
        : r == 1 ? '\xff'
                 : static_cast<char>('a' + rnd->Uniform(26));
  }
  return key;
}

// ---- Checks ----------------------------------------------------------------

namespace {

using Entry = const ModelState::value_type*;

std::string Prefix(const VerifyContext& context) {
  return "seed=" + std::to_string(context.seed) +
         " op=" + std::to_string(context.op_index) + " " + context.what + ": ";
}

std::string DescribeBounds(const std::optional<std::string>& lower,
                           const std::optional<std::string>& upper,
                           bool keys_only) {
  return "[lower=" + (lower ? Printable(*lower) : std::string("none")) +
         " upper=" + (upper ? Printable(*upper) : std::string("none")) +
         (keys_only ? " keys_only" : "") + "] ";
}

// Checks that `it` is at entries[index], or invalid with an OK status when
// `index` is outside [0, size).
::testing::AssertionResult CheckPosition(const Iterator& it,
                                         const std::vector<Entry>& entries,
                                         std::ptrdiff_t index, bool keys_only,
                                         const std::string& where) {
  if (!it.status().ok()) {
    return ::testing::AssertionFailure()
           << where << "iterator status " << it.status().ToString();
  }
  const bool want_valid =
      index >= 0 && index < static_cast<std::ptrdiff_t>(entries.size());
  if (!want_valid) {
    if (it.Valid()) {
      return ::testing::AssertionFailure()
             << where << "expected the end, got key "
             << Printable(it.key().ToStringView());
    }
    return ::testing::AssertionSuccess();
  }
  const Entry want = entries[static_cast<size_t>(index)];
  if (!it.Valid()) {
    return ::testing::AssertionFailure()
           << where << "expected key " << Printable(want->first)
           << ", got the end";
  }
  if (it.key().ToStringView() != want->first) {
    return ::testing::AssertionFailure()
           << where << "expected key " << Printable(want->first) << ", got "
           << Printable(it.key().ToStringView());
  }
  const std::string_view want_value =
      keys_only ? std::string_view() : std::string_view(want->second);
  if (it.value().ToStringView() != want_value) {
    return ::testing::AssertionFailure()
           << where << "key " << Printable(want->first) << ": expected value "
           << Printable(want_value) << ", got "
           << Printable(it.value().ToStringView());
  }
  return ::testing::AssertionSuccess();
}

// Index of the first entry with key >= target (entries.size() if none).
std::ptrdiff_t LowerBoundIndex(const std::vector<Entry>& entries,
                               std::string_view target) {
  const auto it = std::lower_bound(entries.begin(), entries.end(), target,
                                   [](Entry e, std::string_view t) {
                                     return std::string_view(e->first) < t;
                                   });
  return it - entries.begin();
}

// Index of the last entry with key <= target (-1 if none).
std::ptrdiff_t FloorIndex(const std::vector<Entry>& entries,
                          std::string_view target) {
  const auto it = std::upper_bound(entries.begin(), entries.end(), target,
                                   [](std::string_view t, Entry e) {
                                     return t < std::string_view(e->first);
                                   });
  return (it - entries.begin()) - 1;
}

::testing::AssertionResult CheckScans(Iterator* it,
                                      const std::vector<Entry>& entries,
                                      bool keys_only,
                                      const std::string& where) {
  it->SeekToFirst();
  for (size_t i = 0;; ++i) {
    auto r =
        CheckPosition(*it, entries, static_cast<std::ptrdiff_t>(i), keys_only,
                      where + "forward scan entry " + std::to_string(i) + ": ");
    if (!r) return r;
    if (i >= entries.size()) break;
    it->Next();
  }
  it->SeekToLast();
  for (std::ptrdiff_t i = static_cast<std::ptrdiff_t>(entries.size()) - 1;;
       --i) {
    auto r =
        CheckPosition(*it, entries, i, keys_only,
                      where + "reverse scan entry " + std::to_string(i) + ": ");
    if (!r) return r;
    if (i < 0) break;
    it->Prev();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult CheckSeeks(Iterator* it, const ModelState& expected,
                                      const std::vector<Entry>& entries,
                                      bool keys_only, internal::Random* rnd,
                                      const VerifyOptions& options,
                                      const std::string& where) {
  for (int probe = 0; probe < options.random_seeks; ++probe) {
    const std::string target = RandomProbeKey(expected, rnd);
    const bool forward = rnd->OneIn(2);
    std::ptrdiff_t index;
    std::string trail =
        where + (forward ? "Seek(" : "SeekForPrev(") + Printable(target) + ")";
    if (forward) {
      it->Seek(target);
      index = LowerBoundIndex(entries, target);
    } else {
      it->SeekForPrev(target);
      index = FloorIndex(entries, target);
    }
    auto r = CheckPosition(*it, entries, index, keys_only, trail + ": ");
    if (!r) return r;
    for (int step = 0; step < options.steps_per_seek && it->Valid(); ++step) {
      if (rnd->OneIn(2)) {
        it->Next();
        ++index;
        trail += " Next";
      } else {
        it->Prev();
        --index;
        trail += " Prev";
      }
      r = CheckPosition(*it, entries, index, keys_only, trail + ": ");
      if (!r) return r;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult VerifyIterator(
    Iterator* it, const ModelState& expected,
    const std::optional<std::string>& lower,
    const std::optional<std::string>& upper, bool keys_only,
    internal::Random* rnd, const VerifyContext& context,
    const VerifyOptions& options) {
  std::vector<Entry> entries;
  auto begin = lower ? expected.lower_bound(*lower) : expected.begin();
  auto end = upper ? expected.lower_bound(*upper) : expected.end();
  if (lower && upper && *upper < *lower) end = begin;
  for (auto e = begin; e != end; ++e) entries.push_back(&*e);

  const std::string where =
      Prefix(context) + DescribeBounds(lower, upper, keys_only);
  auto r = CheckScans(it, entries, keys_only, where);
  if (!r) return r;
  return CheckSeeks(it, expected, entries, keys_only, rnd, options, where);
}

::testing::AssertionResult VerifyReads(DB* db, const ReadOptions& read_options,
                                       const ModelState& expected,
                                       internal::Random* rnd,
                                       const VerifyContext& context,
                                       const VerifyOptions& options) {
  {
    std::unique_ptr<Iterator> it = db->NewIterator(read_options);
    auto r = VerifyIterator(it.get(), expected, read_options.lower_bound,
                            read_options.upper_bound, read_options.keys_only,
                            rnd, context, options);
    if (!r) return r;
  }

  const std::string where = Prefix(context);
  std::string value;
  auto check_present =
      [&](const ModelState::value_type& kv) -> ::testing::AssertionResult {
    const Status s = db->Get(read_options, kv.first, &value);
    if (!s.ok()) {
      return ::testing::AssertionFailure()
             << where << "Get(" << Printable(kv.first) << "): expected "
             << Printable(kv.second) << ", got " << s.ToString();
    }
    if (value != kv.second) {
      return ::testing::AssertionFailure()
             << where << "Get(" << Printable(kv.first) << "): expected "
             << Printable(kv.second) << ", got " << Printable(value);
    }
    return ::testing::AssertionSuccess();
  };
  if (expected.size() <= options.max_present_gets) {
    for (const auto& kv : expected) {
      auto r = check_present(kv);
      if (!r) return r;
    }
  } else {
    for (size_t i = 0; i < options.max_present_gets; ++i) {
      const auto& kv = *std::next(
          expected.begin(),
          static_cast<std::ptrdiff_t>(rnd->Uniform(expected.size())));
      auto r = check_present(kv);
      if (!r) return r;
    }
  }
  for (int i = 0; i < options.absent_gets; ++i) {
    const std::string key = RandomProbeKey(expected, rnd);
    if (expected.contains(key)) continue;
    const Status s = db->Get(read_options, key, &value);
    if (!s.IsNotFound()) {
      return ::testing::AssertionFailure()
             << where << "Get(" << Printable(key)
             << "): expected NotFound, got "
             << (s.ok() ? "value " + Printable(value) : s.ToString());
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult VerifyDB(DB* db, const ModelDB& model,
                                    ModelDB::SnapshotId id,
                                    const Snapshot* db_snapshot,
                                    internal::Random* rnd,
                                    const VerifyContext& context,
                                    const VerifyOptions& options) {
  const ModelState& expected = model.State(id);
  VerifyContext ctx = context;
  if (id != ModelDB::kLatest) ctx.what += " snapshot " + std::to_string(id);
  ReadOptions ro;
  ro.snapshot = db_snapshot;
  auto r = VerifyReads(db, ro, expected, rnd, ctx, options);
  if (!r) return r;

  for (int i = 0; i < options.bounded_iterators; ++i) {
    ReadOptions bounded = ro;
    if (!rnd->OneIn(4)) bounded.lower_bound = RandomProbeKey(expected, rnd);
    if (!rnd->OneIn(4)) bounded.upper_bound = RandomProbeKey(expected, rnd);
    if (bounded.lower_bound && bounded.upper_bound &&
        *bounded.upper_bound < *bounded.lower_bound) {
      std::swap(bounded.lower_bound, bounded.upper_bound);
    }
    bounded.keys_only = rnd->OneIn(2);
    std::unique_ptr<Iterator> it = db->NewIterator(bounded);
    r = VerifyIterator(it.get(), expected, bounded.lower_bound,
                       bounded.upper_bound, bounded.keys_only, rnd, ctx,
                       options);
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

Status ReadAll(DB* db, const ReadOptions& read_options, ModelState* state) {
  state->clear();
  std::unique_ptr<Iterator> it = db->NewIterator(read_options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    state->emplace_hint(state->end(), it->key().ToString(),
                        it->value().ToString());
  }
  return it->status();
}

}  // namespace strata::testing
