// Value-log garbage collection that runs on its own, against the rest of
// the DB (issue 16): it keeps to Options::value_log_gc_bytes_per_second on
// the Env's clock (a clock only the test moves, so nothing here depends on
// how fast the machine is); it stops moving values as soon as another
// compaction is due, so writes never wait for it; and readers running
// beside it (Gets, iterators, across the files it deletes) always see
// every value. Driven by the DB's pacing state, never by sleeps.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"

namespace strata {
namespace {

constexpr char kDb[] = "/db";
constexpr size_t kValueSize = 4096;
constexpr uint64_t kBurst = internal::DBImpl::kGcPaceBurstBytes;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06d", i);
  return buf;
}

// Incompressible, and different for each key and version.
std::string Value(int i, int version) {
  std::string v(kValueSize, '\0');
  uint32_t x = static_cast<uint32_t>(i * 7919 + version * 104729 + 1);
  for (char& c : v) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return v;
}

class ValueLogGcTest : public ::testing::Test {
 protected:
  ValueLogGcTest()
      : mem_(NewMemEnv()),
        clock_(std::make_unique<ManualClockEnv>(mem_.get())) {
    options_.env = clock_.get();
    options_.enable_value_log = true;
    options_.value_log_threshold = 1024;
    options_.level0_idle_compaction_ms = 0;
    options_.write_buffer_size = 64 << 20;  // flushes are the test's own
  }

  void Open() {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options_, kDb, &db));
    db_ = std::move(db);
    impl_ = internal::ImplOf(db_.get());
  }

  uint64_t Counter(const std::string& name) {
    std::string text;
    EXPECT_TRUE(db_->GetProperty("strata.counters", &text));
    std::istringstream in(text);
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no counter " << name << " in " << text;
    return 0;
  }

  bool BackgroundPending() {
    std::string v;
    EXPECT_TRUE(db_->GetProperty("strata.background-work-pending", &v));
    return v == "1";
  }

  // Waits (yielding, never sleeping) until `done()`; fails after 5 s.
  template <typename Done>
  ::testing::AssertionResult WaitUntil(Done done, const char* what) {
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) {
        return ::testing::AssertionFailure() << "gave up waiting: " << what;
      }
      std::this_thread::yield();
    }
    return ::testing::AssertionSuccess();
  }

  // `n` keys of kValueSize in one value-log file and one table at the
  // bottom; then `overwritten` of them replaced by small values, in four
  // flushes, so that the compaction L0 falls due for counts the garbage:
  // the file's dead share passes the ratio, and with no other compaction
  // due a GC rewrite is picked, with the values of n - overwritten keys to
  // move. (A CompactRange would go on to rewrite the bottom level and
  // move them itself.)
  void MakeGarbage(int n, int overwritten) {
    for (int i = 0; i < n; ++i) {
      ASSERT_OK(db_->Put(WriteOptions(), Key(i), Value(i, 0)));
    }
    ASSERT_OK(db_->Flush());
    ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    ASSERT_EQ(0u, Counter("vlog.relocated.values"));
    const int flushes = options_.level0_compaction_trigger;
    for (int f = 0; f < flushes; ++f) {
      for (int i = f; i < overwritten; i += flushes) {
        ASSERT_OK(db_->Put(WriteOptions(), Key(i), "small"));
      }
      ASSERT_OK(db_->Flush());
    }
  }

  // Moves the clock one second each time GC waits for its pace, until
  // the background has nothing left to do; returns the seconds moved.
  // (A wait ends only when the clock passes its end, or when GC gives way
  // to other work.)
  int RunGcToTheEnd() {
    int seconds = 0;
    uint64_t seen = 0;
    while (true) {
      uint64_t waits = 0;
      const ::testing::AssertionResult waited = WaitUntil(
          [&] {
            bool waiting = false;
            waits = impl_->GcPaceWaitsForTest(&waiting);
            return (waiting && waits > seen) || !BackgroundPending();
          },
          "GC to wait for its pace or the background to finish");
      EXPECT_TRUE(waited);
      if (!waited || waits == seen) return seconds;  // done
      seen = waits;
      ++seconds;
      clock_->Advance(1000000);
    }
  }

  bool GcWaiting() {
    bool waiting = false;
    impl_->GcPaceWaitsForTest(&waiting);
    return waiting;
  }

  void CheckAll(int n, int overwritten) {
    for (int i = 0; i < n; ++i) {
      std::string v;
      ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v));
      ASSERT_TRUE(v == (i < overwritten ? "small" : Value(i, 0))) << i;
    }
  }

  std::unique_ptr<Env> mem_;
  std::unique_ptr<ManualClockEnv> clock_;
  Options options_;
  std::unique_ptr<DB> db_;
  internal::DBImpl* impl_ = nullptr;
};

// With the clock stopped, the GC job moves its first burst and then waits;
// each second the test moves the clock lets it move about a second's worth
// more. So the job's values take at least (bytes - burst) / rate of the
// Env's time, and it is not done before.
TEST_F(ValueLogGcTest, GarbageCollectionKeepsToItsPace) {
  constexpr uint64_t kRate = 1 << 20;  // 1 MiB a second
  options_.value_log_gc_bytes_per_second = kRate;
  Open();
  constexpr int kKeys = 3000, kOverwritten = 1200;  // 7 MiB live, 40% dead
  MakeGarbage(kKeys, kOverwritten);
  const uint64_t live = uint64_t{kKeys - kOverwritten} * kValueSize;
  ASSERT_GT(live, kBurst + 2 * kRate);

  const int seconds = RunGcToTheEnd();
  EXPECT_EQ(live, Counter("vlog.relocated.bytes"));
  // At 1 MiB a second after a 4 MiB burst, 7 MiB takes about 3 seconds.
  EXPECT_GE(uint64_t(seconds), (live - kBurst) / kRate);
  EXPECT_LE(uint64_t(seconds), (live - kBurst) / kRate + 2);
  EXPECT_GE(Counter("vlog.gc.paced.micros"), (live - kBurst) / kRate * 1000000);
  EXPECT_EQ(0u, Counter("vlog.gc.yields"));
  CheckAll(kKeys, kOverwritten);
}

// A paced GC job stops moving values once other work falls due — here
// flushes, filling L0 with keys inside the range of the very table GC is
// rewriting, so that the compaction L0 falls due for needs that table:
// with the clock stopped, the job gives way and L0 goes back under its
// trigger (the compaction moves the values it meets itself); then GC goes
// on at its pace.
TEST_F(ValueLogGcTest, PacedGarbageCollectionYieldsToADueCompaction) {
  options_.value_log_gc_bytes_per_second = 1 << 20;
  Open();
  constexpr int kKeys = 2000, kOverwritten = 600;  // 5.5 MiB live
  MakeGarbage(kKeys, kOverwritten);
  ASSERT_TRUE(WaitUntil([&] { return GcWaiting(); },
                        "the GC job to wait for its pace"));
  const uint64_t moved_before = Counter("vlog.relocated.bytes");
  for (int t = 0; t < options_.level0_compaction_trigger; ++t) {
    // Between existing keys: overlaps the table GC is rewriting.
    ASSERT_OK(db_->Put(WriteOptions(), Key(100 * t + 1) + "x", "v"));
    ASSERT_OK(db_->Flush());
  }
  ASSERT_TRUE(WaitUntil([&] { return Counter("vlog.gc.yields") >= 1; },
                        "the GC job to give way"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::string files;
        EXPECT_TRUE(db_->GetProperty("strata.num-files-at-level0", &files));
        return std::stoi(files) < options_.level0_compaction_trigger &&
               !(BackgroundPending() && !GcWaiting());
      },
      "L0 under its trigger, with the clock stopped"));
  RunGcToTheEnd();
  EXPECT_EQ(0u, moved_before);  // the job had not finished when it gave way
  EXPECT_EQ(uint64_t{kKeys - kOverwritten} * kValueSize,
            Counter("vlog.relocated.bytes"));
  CheckAll(kKeys, kOverwritten);
}

// With one background thread, a paced GC job holds the only thread: a
// memtable waiting to be flushed makes it give way, so Flush() returns
// without the clock moving.
TEST_F(ValueLogGcTest, PacedGarbageCollectionLetsAFlushThrough) {
  options_.value_log_gc_bytes_per_second = 1 << 20;
  options_.max_background_jobs = 1;
  Open();
  constexpr int kKeys = 2000, kOverwritten = 600;
  MakeGarbage(kKeys, kOverwritten);
  ASSERT_TRUE(WaitUntil([&] { return GcWaiting(); },
                        "the GC job to wait for its pace"));
  ASSERT_OK(db_->Put(WriteOptions(), "new", "value"));
  ASSERT_OK(db_->Flush());
  EXPECT_GE(Counter("vlog.gc.yields"), 1u);
  RunGcToTheEnd();
  std::string v;
  ASSERT_OK(db_->Get(ReadOptions(), "new", &v));
  EXPECT_EQ("value", v);
  CheckAll(kKeys, kOverwritten);
}

// Readers beside GC: Gets and full scans from two threads while GC jobs
// move every live value and the old files are deleted (the TSan build
// runs this too). Every read sees the right value.
TEST_F(ValueLogGcTest, ReadersBesideGarbageCollectionSeeEveryValue) {
  // As fast as it goes (the clock stands still here); it still looks for
  // other work between values.
  options_.value_log_gc_bytes_per_second = 0;
  Open();
  constexpr int kKeys = 600, kOverwritten = 300;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<uint64_t> reads{0};
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), Value(i, 0)));
  }
  ASSERT_OK(db_->Flush());
  std::vector<std::thread> readers;
  // Stops and joins the readers however the test ends.
  struct Joiner {
    std::atomic<bool>* stop;
    std::vector<std::thread>* threads;
    ~Joiner() {
      stop->store(true);
      for (std::thread& t : *threads) {
        if (t.joinable()) t.join();
      }
    }
  } joiner{&stop, &readers};
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      int i = t;
      while (!stop.load()) {
        if (t == 0) {
          // Point reads. A key is either its first value or "small" (the
          // overwrite may land at any moment).
          std::string v;
          const Status s = db_->Get(ReadOptions(), Key(i % kKeys), &v);
          if (!s.ok() || (v != "small" && v != Value(i % kKeys, 0))) {
            failures.fetch_add(1);
          }
          i += 7;
        } else {
          // Full scans, each over one consistent state.
          std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
          int n = 0;
          for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
            const std::string v = it->value().ToString();
            if (it->key().ToString() != Key(n) ||
                (v != "small" && v != Value(n, 0))) {
              failures.fetch_add(1);
            }
          }
          if (!it->status().ok() || n != kKeys) failures.fetch_add(1);
        }
        reads.fetch_add(1);
      }
    });
  }
  for (int round = 0; round < 3; ++round) {
    // Each round kills a share of the remaining values and lets GC run.
    for (int i = round; i < kKeys; i += 3) {
      if (i < kOverwritten) {
        ASSERT_OK(db_->Put(WriteOptions(), Key(i), "small"));
      }
    }
    ASSERT_OK(db_->Flush());
    ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    ASSERT_OK(impl_->SettleBackground());
  }
  const uint64_t target = reads.load() + 20;
  ASSERT_TRUE(WaitUntil([&] { return reads.load() >= target; },
                        "the readers to read after the last GC"));
  stop.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_GT(Counter("vlog.relocated.values"), 0u);
  CheckAll(kKeys, kOverwritten);
}

}  // namespace
}  // namespace strata
