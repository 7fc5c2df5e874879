// testing/model_db.h — a reference model of a DB for randomized tests, and
// checks that hold a strata DB (or one of its iterators) against it.
//
// ModelDB is a std::map of the current state plus the snapshots taken of
// it. Snapshots share the map until the next write (copy on write), so
// taking many is cheap. A seeded driver applies every operation to both the
// DB and the model, then calls VerifyDB(), which compares forward and
// reverse scans, random Seek/SeekForPrev with a few Next/Prev steps,
// bounded and keys-only iterators, and Gets of present and absent keys.
// A failure names the seed, the operation index and the first difference.
//
// Keys compare bytewise (unsigned), as strata's default comparator does.
// Thread-safety: none; a model belongs to one thread.

#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "strata/write_batch.h"

namespace strata::testing {

// Every live key with its value. std::less<std::string> orders bytes as
// unsigned char, matching the bytewise comparator.
using ModelState = std::map<std::string, std::string>;

// One operation of a ModelBatch.
struct ModelOp {
  bool is_delete = false;
  std::string key;
  std::string value;  // empty for a delete
  // A range delete of [key, end) (is_delete is true too).
  bool is_range = false;
  std::string end;
};

// A list of puts and deletes applied atomically, recorded once and replayed
// into both the model and a strata WriteBatch.
class ModelBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // REQUIRES: begin < end (bytewise).
  void DeleteRange(std::string_view begin, std::string_view end);

  const std::vector<ModelOp>& ops() const { return ops_; }
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

  // The same operations, in order, as a strata batch.
  WriteBatch ToWriteBatch() const;
  // Applies every operation, in order, to `state`.
  void ApplyTo(ModelState* state) const;

 private:
  std::vector<ModelOp> ops_;
};

class ModelDB {
 public:
  // Names a snapshot; kLatest names the current state.
  using SnapshotId = uint64_t;
  static constexpr SnapshotId kLatest = 0;

  ModelDB();

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Erases every key in [begin, end).
  void DeleteRange(std::string_view begin, std::string_view end);
  void Write(const ModelBatch& batch);

  // Pins the current state; ids start at 1 and are never reused.
  SnapshotId TakeSnapshot();
  // REQUIRES: `id` is a live snapshot.
  void ReleaseSnapshot(SnapshotId id);
  bool IsLive(SnapshotId id) const;
  // Live snapshot ids, oldest first.
  std::vector<SnapshotId> LiveSnapshots() const;

  // The value of `key` at snapshot `id` (or now); nullopt when absent.
  // REQUIRES: `id` is kLatest or live.
  std::optional<std::string> Get(std::string_view key,
                                 SnapshotId id = kLatest) const;
  // The whole state at snapshot `id` (or now). The reference stays valid
  // until the next write or release.
  // REQUIRES: `id` is kLatest or live.
  const ModelState& State(SnapshotId id = kLatest) const;

  // Replaces the current state, for example with what a DB recovered after
  // a simulated crash. Live snapshots keep what they pinned.
  void ResetState(ModelState state);

 private:
  // Makes `current_` unshared before a write.
  ModelState* MutableState();

  std::shared_ptr<ModelState> current_;
  std::map<SnapshotId, std::shared_ptr<const ModelState>> snapshots_;
  SnapshotId next_snapshot_id_ = 1;
};

// Names a check in failure messages: "seed=<seed> op=<op_index> <what>".
struct VerifyContext {
  uint64_t seed = 0;
  uint64_t op_index = 0;
  std::string what;
};

// How much VerifyDB checks beyond the full scans.
struct VerifyOptions {
  // Random Seek/SeekForPrev probes per iterator, each followed by up to
  // `steps_per_seek` random Next/Prev calls.
  int random_seeks = 16;
  int steps_per_seek = 4;
  // Extra iterators with random lower/upper bounds (and random keys_only).
  int bounded_iterators = 3;
  // Gets of every present key up to this many (then a random sample), and
  // this many Gets of absent keys.
  size_t max_present_gets = 2000;
  int absent_gets = 16;
};

// Checks `db` as seen through `read_options` (its snapshot, bounds and
// keys_only are honoured) against `expected`, which holds the whole state
// the read sees (bounds are applied here). Uses `rnd` for probes.
::testing::AssertionResult VerifyReads(DB* db, const ReadOptions& read_options,
                                       const ModelState& expected,
                                       internal::Random* rnd,
                                       const VerifyContext& context,
                                       const VerifyOptions& options = {});

// Checks one iterator against the part of `expected` inside [lower, upper):
// forward scan, reverse scan, random seeks and steps. `keys_only` says the
// iterator must return empty values.
::testing::AssertionResult VerifyIterator(
    Iterator* it, const ModelState& expected,
    const std::optional<std::string>& lower,
    const std::optional<std::string>& upper, bool keys_only,
    internal::Random* rnd, const VerifyContext& context,
    const VerifyOptions& options = {});

// The full check: `db` at `db_snapshot` (nullptr = now) against the model
// at `id` (kLatest = now) — unbounded iterator, `options.bounded_iterators`
// bounded ones, and Gets.
// REQUIRES: `db_snapshot` was taken when the model was at `id`.
::testing::AssertionResult VerifyDB(DB* db, const ModelDB& model,
                                    ModelDB::SnapshotId id,
                                    const Snapshot* db_snapshot,
                                    internal::Random* rnd,
                                    const VerifyContext& context,
                                    const VerifyOptions& options = {});

// Reads every entry of `db` through `read_options` into `*state`.
Status ReadAll(DB* db, const ReadOptions& read_options, ModelState* state);

// The first difference between two states, or "" when equal, e.g.
// `key "a\x00" : expected "v1", got (absent)`.
std::string DescribeDifference(const ModelState& expected,
                               const ModelState& actual);

// `s` with non-printable bytes escaped as \xNN, cut to `max_len` bytes
// (the length is appended when cut), in double quotes.
std::string Printable(std::string_view s, size_t max_len = 48);

// A key to probe with: often a key of `state`, or one next to it (a byte
// appended, the last byte dropped or changed), else random bytes.
std::string RandomProbeKey(const ModelState& state, internal::Random* rnd);

}  // namespace strata::testing
