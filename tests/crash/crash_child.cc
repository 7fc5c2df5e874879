// crash_child: the process the crash test kills. It opens the DB, runs the
// workload of crash_workload.h until it is killed, and reports every batch
// on stdout (protocol in crash_workload.h):
//   - writer threads: writer 0 writes with sync=true, the others without;
//     each reports "I" before calling Write and "A" after it returned OK;
//   - a reader thread: checks each snapshot for internal consistency (exact
//     values, whole batches, markers never behind an acknowledged batch,
//     scans, Gets and Count agreeing) and reports what it saw ("V");
//   - a maintenance thread: explicit flushes and range compactions on top
//     of the automatic ones the tiny write buffer causes.
// Any failure is reported as "F <message>" and the process exits with 2.
//
// Usage: crash_child --db=DIR --cycle=C --seed=S [--variant=V]
//                    [--writers=2] [--keys=2000] [--range_deletes]
//                    [--versioning=0|1] [--value_log=0|1]
//                    [--maintenance=0|1] [--max_seconds=600]
//                    [--slow_manifest_us=0]
//                    [--sabotage=split|early_ack]

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/random.h"
#include "env/env_wrapper.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/snapshot.h"
#include "strata/write_batch.h"
#include "tests/crash/crash_workload.h"

namespace strata::crash {
namespace {

struct ChildFlags {
  std::string db;
  uint32_t cycle = 0;
  uint64_t seed = 0;
  uint64_t variant = 0;
  KeySpace keys;
  bool range_deletes = false;
  bool versioning = false;
  bool value_log = false;
  bool maintenance = true;
  int max_seconds = 600;
  // Sleep this long in every MANIFEST Sync (0: never).
  int slow_manifest_us = 0;
  // Breaks the workload on purpose, to show the verifier catches it:
  //   "split"      a batch is written as two Writes (data, then meta ops),
  //                and the reader is off (it would catch this first);
  //   "early_ack"  "A" is reported before Write is called.
  std::string sabotage;
};

// Writes one report line with a single write(2). Lines are shorter than
// PIPE_BUF, so a write to the pipe is all-or-nothing and lines from
// different threads never interleave. If the parent is gone there is no one
// to report to, so the child ends.
void Report(std::string line) {
  if (line.size() >= kMaxLineBytes) line.resize(kMaxLineBytes - 1);
  line.push_back('\n');
  for (;;) {
    const ssize_t r = ::write(STDOUT_FILENO, line.data(), line.size());
    if (r == static_cast<ssize_t>(line.size())) return;
    if (r < 0 && errno == EINTR) continue;
    ::_exit(4);
  }
}

[[noreturn]] void Fail(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  Report("F " + message);
  ::_exit(2);
}

// A WritableFile that sleeps before each Sync.
class SlowSyncFile final : public WritableFile {
 public:
  SlowSyncFile(std::unique_ptr<WritableFile> base, int micros)
      : base_(std::move(base)), micros_(micros) {}

  Status Append(const Slice& data) override { return base_->Append(data); }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros_));
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }

 private:
  const std::unique_ptr<WritableFile> base_;
  const int micros_;
};

// Env::Default(), except that MANIFEST syncs are slow: a MANIFEST write
// then takes long enough that flushes and compactions, which both record
// their results there, often overlap in it.
class SlowManifestEnv final : public internal::EnvWrapper {
 public:
  SlowManifestEnv(Env* base, int micros) : EnvWrapper(base), micros_(micros) {}

  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    return Wrap(path, target()->NewWritableFile(path, result), result);
  }
  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* result) override {
    return Wrap(path, target()->NewAppendableFile(path, result), result);
  }

 private:
  Status Wrap(const std::string& path, Status s,
              std::unique_ptr<WritableFile>* result) {
    const size_t slash = path.find_last_of('/');
    const std::string_view name = std::string_view(path).substr(
        slash == std::string::npos ? 0 : slash + 1);
    if (s.ok() && name.starts_with("MANIFEST-")) {
      *result = std::make_unique<SlowSyncFile>(std::move(*result), micros_);
    }
    return s;
  }

  const int micros_;
};

// State the writers publish to the reader.
struct Shared {
  explicit Shared(int writers) : acked(static_cast<size_t>(writers)) {
    for (auto& a : acked) a.store(-1, std::memory_order_relaxed);
  }
  // Last batch n each writer got OK for; -1 before the first.
  // release in the writer after Write returned; pairs with the acquire in
  // the reader, which then must see that batch in any later snapshot.
  std::vector<std::atomic<int64_t>> acked;
};

void WriterLoop(const ChildFlags& flags, DB* db, Shared* shared, int w) {
  internal::Random rnd(Mix(flags.seed, static_cast<uint64_t>(w) + 1));
  const KeySpace& keys = flags.keys;
  WriteOptions write_options;
  write_options.sync = w == 0;
  for (int64_t n = 0;; ++n) {
    const BatchId id{flags.cycle, w, n};
    const std::vector<Op> ops =
        WithMetaOps(keys, w, n, RandomDataOps(&rnd, keys, flags.range_deletes));
    WriteBatch batch;
    WriteBatch meta;  // used only by --sabotage=split
    const size_t data_ops = ops.size() - 3;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      WriteBatch& into =
          flags.sabotage == "split" && i >= data_ops ? meta : batch;
      const std::string name = keys.Name(op.key);
      switch (op.kind) {
        case OpKind::kPut:
          into.Put(name, ExpectedValue(id, name));
          break;
        case OpKind::kDelete:
          into.Delete(name);
          break;
        case OpKind::kDeleteRange:
          into.DeleteRange(name, keys.DataBound(op.end));
          break;
      }
    }
    std::string intent = "I " + std::to_string(w) + " " + std::to_string(n);
    AppendOps(ops, &intent);
    Report(std::move(intent));
    const std::string ack = "A " + std::to_string(w) + " " + std::to_string(n);
    if (flags.sabotage == "early_ack") Report(ack);
    Status s = db->Write(write_options, &batch);
    if (s.ok() && meta.Count() > 0) s = db->Write(write_options, &meta);
    if (!s.ok()) Fail("Write of batch " + ToString(id) + ": " + s.ToString());
    shared->acked[static_cast<size_t>(w)].store(n, std::memory_order_release);
    if (flags.sabotage != "early_ack") Report(ack);
  }
}

// Checks snapshots of the live DB; see the file comment.
class Reader {
 public:
  Reader(const ChildFlags& flags, DB* db, Shared* shared)
      : flags_(flags),
        keys_(flags.keys),
        db_(db),
        shared_(shared),
        rnd_(Mix(flags.seed, 1000)),
        last_markers_(static_cast<size_t>(keys_.writers), -1) {
    for (int i = 0; i < keys_.Size(); ++i) index_.emplace(keys_.Name(i), i);
  }

  [[noreturn]] void Run() {
    for (;;) {
      CheckOnce();
      std::this_thread::sleep_for(
          std::chrono::microseconds(rnd_.Uniform(3000)));
    }
  }

 private:
  using State = std::vector<std::optional<std::string>>;

  void CheckOnce() {
    const size_t writers = static_cast<size_t>(keys_.writers);
    std::vector<int64_t> acked(writers);
    for (size_t w = 0; w < writers; ++w) {
      acked[w] = shared_->acked[w].load(std::memory_order_acquire);
    }
    ManagedSnapshot snapshot(db_);
    ReadOptions ro;
    ro.snapshot = snapshot.get();
    const State state = Scan(ro);
    std::vector<int64_t> markers(writers, -1);
    for (int i = 0; i < keys_.Size(); ++i) {
      if (state[static_cast<size_t>(i)]) {
        CheckValue(i, *state[static_cast<size_t>(i)], &markers);
      }
    }
    std::string seen = "V";
    for (size_t w = 0; w < writers; ++w) {
      if (markers[w] < acked[w]) {
        Fail("reader: writer " + std::to_string(w) + " got OK for batch " +
             std::to_string(acked[w]) + " but a later snapshot shows only " +
             std::to_string(markers[w]));
      }
      if (markers[w] < last_markers_[w]) {
        Fail("reader: writer " + std::to_string(w) +
             "'s marker went back from " + std::to_string(last_markers_[w]) +
             " to " + std::to_string(markers[w]));
      }
      seen += " " + std::to_string(markers[w]);
    }
    CheckBatchesWhole(state, markers);
    CheckGets(ro, state);
    if (rnd_.OneIn(4)) CheckReverse(ro, state);
    if (rnd_.OneIn(2)) CheckBoundedScan(ro, state);
    CheckCount(ro, state);
    last_markers_ = markers;
    Report(std::move(seen));
  }

  State Scan(const ReadOptions& ro) {
    State state(static_cast<size_t>(keys_.Size()));
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    std::string prev;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      if (!prev.empty() && key <= prev) {
        Fail("reader: scan yields " + key + " after " + prev);
      }
      const auto found = index_.find(key);
      if (found == index_.end()) Fail("reader: scan yields unknown key " + key);
      state[static_cast<size_t>(found->second)] = it->value().ToString();
      prev = key;
    }
    if (!it->status().ok()) Fail("reader: scan: " + it->status().ToString());
    return state;
  }

  // The value must be exactly what its batch wrote, from a batch issued by
  // now; a marker's batch is recorded in `markers`.
  void CheckValue(int index, const std::string& value,
                  std::vector<int64_t>* markers) {
    const std::string name = keys_.Name(index);
    const std::optional<ValueOrigin> origin = ParseValue(value);
    if (!origin || origin->key_name != name ||
        value != ExpectedValue(origin->id, name) ||
        origin->id.cycle > flags_.cycle || origin->id.writer < 0 ||
        origin->id.writer >= keys_.writers) {
      Fail("reader: key " + name +
           " has a wrong value: " + value.substr(0, 80));
    }
    if (index >= keys_.MarkerKey(0) && index < keys_.OrderKey() &&
        origin->id.cycle == flags_.cycle) {
      if (origin->id.writer != index - keys_.MarkerKey(0)) {
        Fail("reader: marker " + name + " written by " + ToString(origin->id));
      }
      (*markers)[static_cast<size_t>(origin->id.writer)] = origin->id.n;
    }
  }

  // A batch is visible whole or not at all: no key shows a batch newer than
  // its writer's marker, and the ring holds exactly the writer's latest
  // kRingSlots batches.
  void CheckBatchesWhole(const State& state,
                         const std::vector<int64_t>& markers) {
    for (int i = 0; i < keys_.Size(); ++i) {
      const auto& value = state[static_cast<size_t>(i)];
      if (!value) continue;
      const BatchId id = ParseValue(*value)->id;
      if (id.cycle != flags_.cycle) continue;
      if (id.n > markers[static_cast<size_t>(id.writer)]) {
        Fail("reader: key " + keys_.Name(i) + " shows batch " + ToString(id) +
             " but its writer's marker shows batch " +
             std::to_string(markers[static_cast<size_t>(id.writer)]));
      }
    }
    for (int w = 0; w < keys_.writers; ++w) {
      const int64_t m = markers[static_cast<size_t>(w)];
      for (int64_t n = m; n >= 0 && n > m - kRingSlots; --n) {
        const int ring = keys_.RingKey(w, n);
        const std::string want =
            ExpectedValue(BatchId{flags_.cycle, w, n}, keys_.Name(ring));
        if (state[static_cast<size_t>(ring)] != want) {
          Fail("reader: ring record " + keys_.Name(ring) + " does not show " +
               ToString(BatchId{flags_.cycle, w, n}) + " though the marker " +
               "shows batch " + std::to_string(m));
        }
      }
    }
  }

  void CheckGets(const ReadOptions& ro, const State& state) {
    for (int i = 0; i < 64; ++i) {
      const int index =
          static_cast<int>(rnd_.Uniform(static_cast<uint64_t>(keys_.Size())));
      std::string value;
      const Status s = db_->Get(ro, keys_.Name(index), &value);
      const auto& want = state[static_cast<size_t>(index)];
      if (s.IsNotFound() && !want) continue;
      if (!s.ok()) {
        Fail("reader: Get(" + keys_.Name(index) + "): " + s.ToString() +
             (want ? " but the scan found it" : ""));
      }
      if (!want || value != *want) {
        // What else the same snapshot says of the key, to tell a wrong Get
        // from a wrong scan and a lasting error from a passing one.
        std::string again;
        const Status s2 = db_->Get(ro, keys_.Name(index), &again);
        std::unique_ptr<Iterator> it = db_->NewIterator(ro);
        it->Seek(keys_.Name(index));
        const std::string seek = it->Valid()
                                     ? it->key().ToString() + "=" +
                                           it->value().ToString().substr(0, 40)
                                     : "invalid";
        Fail("reader: Get(" + keys_.Name(index) +
             ") disagrees with the scan: Get gives " + value.substr(0, 60) +
             ", the scan " + (want ? want->substr(0, 60) : "nothing") +
             "; Get again: " + (s2.ok() ? again.substr(0, 60) : s2.ToString()) +
             "; Seek: " + seek);
      }
    }
  }

  void CheckReverse(const ReadOptions& ro, const State& state) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    int index = keys_.Size() - 1;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      while (index >= 0 && !state[static_cast<size_t>(index)]) --index;
      if (index < 0 || it->key() != Slice(keys_.Name(index)) ||
          it->value() != Slice(*state[static_cast<size_t>(index)])) {
        Fail("reader: reverse scan disagrees at " + it->key().ToString());
      }
      --index;
    }
    if (!it->status().ok()) {
      Fail("reader: reverse scan: " + it->status().ToString());
    }
    while (index >= 0 && !state[static_cast<size_t>(index)]) --index;
    if (index >= 0) Fail("reader: reverse scan misses " + keys_.Name(index));
  }

  // A scan of data keys [lo, hi) through iterator bounds, from a Seek.
  void CheckBoundedScan(const ReadOptions& snapshot_ro, const State& state) {
    const auto data = static_cast<uint64_t>(keys_.data_keys);
    const int lo = static_cast<int>(rnd_.Uniform(data));
    const int hi =
        lo + 1 +
        static_cast<int>(rnd_.Uniform(data - static_cast<uint64_t>(lo)));
    ReadOptions ro = snapshot_ro;
    ro.lower_bound = keys_.DataBound(lo);
    ro.upper_bound = keys_.DataBound(hi);
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    // Seeking below the lower bound must land on the bound.
    it->Seek(keys_.DataBound(0));
    int index = lo;
    for (; it->Valid(); it->Next()) {
      while (index < hi && !state[static_cast<size_t>(index)]) ++index;
      if (index >= hi || it->key() != Slice(keys_.Name(index))) {
        Fail("reader: bounded scan [" + keys_.Name(lo) + ", " +
             keys_.DataBound(hi) + ") yields " + it->key().ToString());
      }
      ++index;
    }
    if (!it->status().ok()) {
      Fail("reader: bounded scan: " + it->status().ToString());
    }
    while (index < hi && !state[static_cast<size_t>(index)]) ++index;
    if (index < hi) Fail("reader: bounded scan misses " + keys_.Name(index));
  }

  void CheckCount(const ReadOptions& ro, const State& state) {
    uint64_t want = 0;
    for (int i = 0; i < keys_.data_keys; ++i) {
      if (state[static_cast<size_t>(i)]) ++want;
    }
    uint64_t count = 0;
    const Status s = db_->Count(ro, keys_.DataBound(0),
                                keys_.DataBound(keys_.data_keys), &count);
    if (!s.ok()) Fail("reader: Count: " + s.ToString());
    if (count != want) {
      Fail("reader: Count says " + std::to_string(count) +
           " data keys, the scan " + std::to_string(want));
    }
  }

  const ChildFlags& flags_;
  const KeySpace& keys_;
  DB* const db_;
  Shared* const shared_;
  internal::Random rnd_;
  std::unordered_map<std::string, int> index_;
  std::vector<int64_t> last_markers_;
};

// Explicit flushes and compactions between the automatic ones.
[[noreturn]] void MaintenanceLoop(const ChildFlags& flags, DB* db) {
  internal::Random rnd(Mix(flags.seed, 2000));
  const auto data = static_cast<uint64_t>(flags.keys.data_keys);
  for (;;) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(10 + rnd.Uniform(70)));
    const uint64_t r = rnd.Uniform(10);
    Status s;
    if (r < 5) {
      s = db->Flush();
    } else if (r < 9) {
      const int a = static_cast<int>(rnd.Uniform(data));
      const int b =
          a + static_cast<int>(rnd.Uniform(data - static_cast<uint64_t>(a)));
      const std::string begin = flags.keys.Name(a);
      const std::string end = flags.keys.Name(b);
      const Slice begin_slice(begin);
      const Slice end_slice(end);
      s = db->CompactRange(&begin_slice, &end_slice);
    } else {
      s = db->CompactRange(nullptr, nullptr);
    }
    if (!s.ok()) Fail("maintenance: " + s.ToString());
  }
}

bool ParseFlags(int argc, char** argv, ChildFlags* flags) {
  bool have_db = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string v;
    if (ParseFlag(arg, "db", &v)) {
      flags->db = v;
      have_db = true;
    } else if (ParseFlag(arg, "cycle", &v)) {
      flags->cycle =
          static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
    } else if (ParseFlag(arg, "seed", &v)) {
      flags->seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(arg, "variant", &v)) {
      flags->variant = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(arg, "writers", &v)) {
      flags->keys.writers = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "keys", &v)) {
      flags->keys.data_keys = std::atoi(v.c_str());
    } else if (arg == "--range_deletes" ||
               ParseFlag(arg, "range_deletes", &v)) {
      flags->range_deletes = v.empty() || v == "1" || v == "true";
    } else if (ParseFlag(arg, "versioning", &v)) {
      flags->versioning = v == "1" || v == "true";
    } else if (ParseFlag(arg, "value_log", &v)) {
      flags->value_log = v == "1" || v == "true";
    } else if (ParseFlag(arg, "maintenance", &v)) {
      flags->maintenance = v == "1" || v == "true";
    } else if (ParseFlag(arg, "max_seconds", &v)) {
      flags->max_seconds = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "slow_manifest_us", &v)) {
      flags->slow_manifest_us = std::atoi(v.c_str());
    } else if (ParseFlag(arg, "sabotage", &v)) {
      flags->sabotage = v;
    } else {
      std::fprintf(stderr, "crash_child: unknown flag %s\n", argv[i]);
      return false;
    }
  }
  if (!flags->sabotage.empty() && flags->sabotage != "split" &&
      flags->sabotage != "early_ack") {
    std::fprintf(stderr, "crash_child: unknown --sabotage=%s\n",
                 flags->sabotage.c_str());
    return false;
  }
  return have_db && flags->keys.writers >= 1 && flags->keys.writers <= 16 &&
         flags->keys.data_keys >= 1 && flags->keys.data_keys <= 999999;
}

}  // namespace
}  // namespace strata::crash

int main(int argc, char** argv) {
  using strata::crash::ChildFlags;
  using strata::crash::Fail;
  ChildFlags flags;
  if (!strata::crash::ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: crash_child --db=DIR --cycle=C --seed=S [--variant=V] "
                 "[--writers=2] [--keys=2000] [--range_deletes] "
                 "[--versioning=0|1] [--value_log=0|1] "
                 "[--maintenance=0|1] [--max_seconds=600] "
                 "[--slow_manifest_us=0] "
                 "[--sabotage=split|early_ack]\n");
    return 64;
  }
  strata::Options options = strata::crash::CrashDbOptions(
      flags.variant, flags.versioning, flags.value_log);
  // Lives until _exit, like the DB.
  strata::crash::SlowManifestEnv slow_env(strata::Env::Default(),
                                          flags.slow_manifest_us);
  if (flags.slow_manifest_us > 0) options.env = &slow_env;
  std::unique_ptr<strata::DB> db;
  const strata::Status s = strata::DB::Open(options, flags.db, &db);
  if (!s.ok()) Fail("open: " + s.ToString());

  // The threads run until the parent kills the process; nothing is joined
  // and `db` is never destroyed (main ends in _exit).
  strata::crash::Shared shared(flags.keys.writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < flags.keys.writers; ++w) {
    threads.emplace_back(strata::crash::WriterLoop, std::cref(flags), db.get(),
                         &shared, w);
  }
  strata::crash::Reader reader(flags, db.get(), &shared);
  if (flags.sabotage != "split") {
    threads.emplace_back([&reader] { reader.Run(); });
  }
  if (flags.maintenance) {
    threads.emplace_back(strata::crash::MaintenanceLoop, std::cref(flags),
                         db.get());
  }
  strata::crash::Report("READY");
  std::this_thread::sleep_for(std::chrono::seconds(flags.max_seconds));
  Fail("not killed within " + std::to_string(flags.max_seconds) + " s");
}
