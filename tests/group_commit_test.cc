// Group commit under concurrency: many writers at once must all be
// applied, numbered without gaps, never seen half-applied by concurrent
// readers, seen monotonically, and (for sync writes) share fsyncs.
// Runs under ThreadSanitizer too (loop counts shrink there).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

#if defined(__SANITIZE_THREAD__)
#define STRATA_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_TEST_UNDER_TSAN 1
#endif
#endif

namespace strata::testing {
namespace {

#ifdef STRATA_TEST_UNDER_TSAN
constexpr int kScale = 2;  // TSan runs 5-15x slower
#else
constexpr int kScale = 1;
#endif

constexpr uint64_t kDefaultSeed = 0x6c0441;

// The first failure any thread meets; threads keep running, the main
// thread reports it.
class FailureLog {
 public:
  void Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_.empty()) first_ = message;
    ++count_;
  }
  bool failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_ > 0;
  }
  std::string Report() const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::to_string(count_) + " failure(s); first: " + first_;
  }

 private:
  mutable std::mutex mu_;
  std::string first_;
  int count_ = 0;
};

std::string WriterKey(int thread, uint64_t index) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "t%02d-%06llu", thread,
                static_cast<unsigned long long>(index));
  return buf;
}

std::string WriterValue(int thread, uint64_t index) {
  return "value-" + std::to_string(thread) + "-" + std::to_string(index) +
         std::string(index % 37, 'v');
}

uint64_t LastSequence(DB* db) {
  std::string value;
  if (!db->GetProperty("strata.last-sequence", &value)) return UINT64_MAX;
  return std::stoull(value);
}

// Every writer key 0..counts[t]-1 of every thread t is readable with its
// value, and the DB holds nothing else.
void CheckAllWritten(DB* db, const std::vector<uint64_t>& counts) {
  uint64_t total = 0;
  std::string value;
  for (int t = 0; t < static_cast<int>(counts.size()); ++t) {
    for (uint64_t i = 0; i < counts[t]; ++i) {
      const Status s = db->Get(ReadOptions(), WriterKey(t, i), &value);
      ASSERT_TRUE(s.ok()) << WriterKey(t, i) << ": " << s.ToString();
      ASSERT_EQ(value, WriterValue(t, i)) << WriterKey(t, i);
    }
    total += counts[t];
  }
  uint64_t scanned = 0;
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++scanned;
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(scanned, total);
  // Each key was written once, by one put: one sequence number each.
  EXPECT_EQ(LastSequence(db), total);
}

TEST(GroupCommitTest, ConcurrentWritersAreAllAppliedAndNumbered) {
  const uint64_t seed = TestSeed(kDefaultSeed);
  std::fprintf(stderr, "GroupCommitTest seed=%llu\n",
               static_cast<unsigned long long>(seed));
  constexpr int kThreads = 12;
  const uint64_t ops_per_thread = 2000 / kScale;

  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/group-db", &db).ok());

  FailureLog failures;
  std::vector<uint64_t> counts(kThreads, 0);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      internal::Random rnd(seed * 31 + static_cast<uint64_t>(t));
      start.arrive_and_wait();
      uint64_t next = 0;
      for (uint64_t op = 0; op < ops_per_thread; ++op) {
        WriteOptions wo;
        wo.sync = rnd.OneIn(8);
        Status s;
        if (rnd.OneIn(4)) {
          WriteBatch batch;
          const uint64_t n = 2 + rnd.Uniform(3);
          for (uint64_t j = 0; j < n; ++j, ++next) {
            batch.Put(WriterKey(t, next), WriterValue(t, next));
          }
          s = db->Write(wo, &batch);
        } else {
          s = db->Put(wo, WriterKey(t, next), WriterValue(t, next));
          ++next;
        }
        if (!s.ok()) {
          failures.Fail("thread " + std::to_string(t) + ": " + s.ToString());
          break;
        }
      }
      counts[t] = next;
    });
  }
  for (std::thread& th : threads) th.join();
  ASSERT_FALSE(failures.failed()) << failures.Report();

  CheckAllWritten(db.get(), counts);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  ASSERT_TRUE(DB::Open(options, "/group-db", &db).ok());
  CheckAllWritten(db.get(), counts);
  ASSERT_TRUE(db->Close().ok());
}

// Writers put batches of kBatchKeys keys "w<writer>-<batch>-<j>", one
// batch after another; readers scan concurrently. At any read point, every
// writer's visible batches are complete and form a prefix 0..m-1 that
// never shrinks, and at a snapshot the number of visible keys equals its
// sequence number.
constexpr int kBatchKeys = 4;

std::string BatchKey(int writer, uint64_t batch, int j) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "w%02d-%05llu-%d", writer,
                static_cast<unsigned long long>(batch), j);
  return buf;
}

// Parses a BatchKey; false for anything else.
bool ParseBatchKey(const std::string& key, int* writer, uint64_t* batch,
                   int* j) {
  unsigned long long b = 0;
  int w = 0;
  int jj = 0;
  char extra = 0;
  if (std::sscanf(key.c_str(), "w%2d-%5llu-%d%c", &w, &b, &jj, &extra) != 3) {
    return false;
  }
  *writer = w;
  *batch = b;
  *j = jj;
  return key == BatchKey(w, b, jj);
}

class Reader {
 public:
  Reader(DB* db, int writers, bool use_snapshots, FailureLog* failures)
      : db_(db),
        use_snapshots_(use_snapshots),
        failures_(failures),
        visible_(static_cast<size_t>(writers), 0) {}

  // One consistent read: a scan (at a snapshot or the implicit one), then
  // point reads around the edge of what the scan saw.
  void ReadOnce() {
    const Snapshot* snapshot = use_snapshots_ ? db_->GetSnapshot() : nullptr;
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::vector<uint64_t> complete(visible_.size(), 0);
    uint64_t keys = 0;
    bool ok = Scan(ro, &complete, &keys);
    if (ok && snapshot != nullptr) {
      if (snapshot->sequence() < last_sequence_) {
        Fail("snapshot sequence went back from " +
             std::to_string(last_sequence_) + " to " +
             std::to_string(snapshot->sequence()));
      }
      last_sequence_ = snapshot->sequence();
      if (keys != snapshot->sequence()) {
        Fail("snapshot at sequence " + std::to_string(snapshot->sequence()) +
             " shows " + std::to_string(keys) + " keys");
      }
    }
    for (size_t w = 0; ok && w < complete.size(); ++w) {
      if (complete[w] < visible_[w]) {
        Fail("writer " + std::to_string(w) + ": " +
             std::to_string(visible_[w]) + " batches were visible, now only " +
             std::to_string(complete[w]));
      }
      visible_[w] = complete[w];
      CheckPoints(ro, static_cast<int>(w), complete[w], snapshot != nullptr);
    }
    if (snapshot != nullptr) db_->ReleaseSnapshot(snapshot);
    // relaxed: a progress counter; the join orders the final value.
    reads_.fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  void Fail(const std::string& message) {
    failures_->Fail(std::string(use_snapshots_ ? "snapshot" : "plain") +
                    " reader: " + message);
  }

  // Counts, per writer, the batches visible in one pass and checks each is
  // complete and that they form a prefix.
  bool Scan(const ReadOptions& ro, std::vector<uint64_t>* complete,
            uint64_t* keys) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    int writer = -1;
    uint64_t batch = 0;
    int seen_in_batch = 0;
    auto close_batch = [&]() -> bool {
      if (writer < 0) return true;
      if (seen_in_batch != kBatchKeys) {
        Fail("batch " + BatchKey(writer, batch, 0) +
             " is half-visible: " + std::to_string(seen_in_batch) + " of " +
             std::to_string(kBatchKeys));
        return false;
      }
      if (batch != (*complete)[static_cast<size_t>(writer)]) {
        Fail("writer " + std::to_string(writer) + ": batch " +
             std::to_string(batch) + " visible but batch " +
             std::to_string((*complete)[static_cast<size_t>(writer)]) + " not");
        return false;
      }
      (*complete)[static_cast<size_t>(writer)] = batch + 1;
      return true;
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++*keys;
      int w = 0;
      uint64_t b = 0;
      int j = 0;
      const std::string key = it->key().ToString();
      if (!ParseBatchKey(key, &w, &b, &j) ||
          w >= static_cast<int>(complete->size()) || j >= kBatchKeys) {
        Fail("unexpected key " + key);
        return false;
      }
      if (w != writer || b != batch) {
        if (!close_batch()) return false;
        writer = w;
        batch = b;
        seen_in_batch = 0;
      }
      ++seen_in_batch;
    }
    if (!it->status().ok()) {
      Fail("scan: " + it->status().ToString());
      return false;
    }
    return close_batch();
  }

  // The last visible batch of `writer` can be read key by key; at a
  // snapshot, the next one cannot.
  void CheckPoints(const ReadOptions& ro, int writer, uint64_t complete,
                   bool at_snapshot) {
    std::string value;
    if (complete > 0) {
      for (int j = 0; j < kBatchKeys; ++j) {
        const Status s =
            db_->Get(ro, BatchKey(writer, complete - 1, j), &value);
        if (!s.ok()) {
          Fail("Get " + BatchKey(writer, complete - 1, j) +
               " after the scan saw it: " + s.ToString());
          return;
        }
      }
    }
    if (at_snapshot) {
      const Status s = db_->Get(ro, BatchKey(writer, complete, 0), &value);
      if (!s.IsNotFound()) {
        Fail("Get " + BatchKey(writer, complete, 0) +
             " at the snapshot the scan used: " + s.ToString());
      }
    }
  }

  DB* const db_;
  const bool use_snapshots_;
  FailureLog* const failures_;
  std::vector<uint64_t> visible_;  // per writer, batches seen last time
  uint64_t last_sequence_ = 0;
  std::atomic<uint64_t> reads_{0};
};

TEST(GroupCommitTest, ReadersSeeWholeBatchesMonotonically) {
  const uint64_t seed = TestSeed(kDefaultSeed + 1);
  std::fprintf(stderr, "GroupCommitTest seed=%llu\n",
               static_cast<unsigned long long>(seed));
  constexpr int kWriters = 8;
  const uint64_t batches_per_writer = 600 / kScale;
  // Every writer pauses after each eighth of its batches until each reader
  // has done a fresh read, so reads overlap writes however the threads are
  // scheduled (a handshake, not a sleep).
  constexpr uint64_t kPhases = 8;
  const uint64_t phase_batches = batches_per_writer / kPhases;

  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/readers-db", &db).ok());

  FailureLog failures;
  std::vector<std::unique_ptr<Reader>> readers;
  readers.push_back(
      std::make_unique<Reader>(db.get(), kWriters, true, &failures));
  readers.push_back(
      std::make_unique<Reader>(db.get(), kWriters, false, &failures));
  // Returns once each reader has finished a read that began after the call.
  auto wait_for_reads = [&] {
    for (const auto& reader : readers) {
      const uint64_t target = reader->reads() + 2;
      while (reader->reads() < target && !failures.failed()) {
        std::this_thread::yield();
      }
    }
  };
  std::atomic<int> writers_running{kWriters};
  std::vector<uint64_t> batches(kWriters, 0);
  std::latch start(kWriters + 2);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      internal::Random rnd(seed * 17 + static_cast<uint64_t>(w));
      start.arrive_and_wait();
      uint64_t b = 0;
      for (; b < batches_per_writer; ++b) {
        if (b > 0 && b % phase_batches == 0) wait_for_reads();
        WriteBatch batch;
        const std::string tag =
            "tag-" + std::to_string(w) + "-" + std::to_string(b);
        for (int j = 0; j < kBatchKeys; ++j) batch.Put(BatchKey(w, b, j), tag);
        WriteOptions wo;
        wo.sync = rnd.OneIn(10);
        const Status s = db->Write(wo, &batch);
        if (!s.ok()) {
          failures.Fail("writer " + std::to_string(w) + ": " + s.ToString());
          break;
        }
      }
      batches[static_cast<size_t>(w)] = b;
      // release: pairs with the readers' acquire; every write is done.
      writers_running.fetch_sub(1, std::memory_order_release);
    });
  }
  for (auto& reader : readers) {
    threads.emplace_back([&, r = reader.get()] {
      start.arrive_and_wait();
      // acquire: pairs with the writers' release.
      while (writers_running.load(std::memory_order_acquire) > 0 &&
             !failures.failed()) {
        r->ReadOnce();
      }
      r->ReadOnce();  // after every write
    });
  }
  for (std::thread& th : threads) th.join();
  ASSERT_FALSE(failures.failed()) << failures.Report();
  uint64_t total_batches = 0;
  for (const uint64_t b : batches) total_batches += b;
  std::fprintf(stderr,
               "  %llu batches; reads: %llu with snapshots, %llu plain\n",
               static_cast<unsigned long long>(total_batches),
               static_cast<unsigned long long>(readers[0]->reads()),
               static_cast<unsigned long long>(readers[1]->reads()));
  // Each reader read while writes went on (one more read follows them).
  EXPECT_GE(readers[0]->reads(), kPhases);
  EXPECT_GE(readers[1]->reads(), kPhases);
  EXPECT_EQ(LastSequence(db.get()), total_batches * kBatchKeys);
  ASSERT_TRUE(db->Close().ok());
}

// Concurrent sync writers share fsyncs: a leader syncs once for its group.
TEST(GroupCommitTest, SyncWritersShareFsyncs) {
  constexpr int kThreads = 8;
  const int writes_per_thread = 120 / kScale;
  const std::string dir = NewTempDir("group_commit_test");
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, dir + "/db", &db).ok());

  FailureLog failures;
  const uint64_t syncs_before = env.OpCount(FaultOp::kSync);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      WriteOptions wo;
      wo.sync = true;
      for (int i = 0; i < writes_per_thread; ++i) {
        const Status s = db->Put(wo, WriterKey(t, static_cast<uint64_t>(i)),
                                 WriterValue(t, static_cast<uint64_t>(i)));
        if (!s.ok()) {
          failures.Fail("thread " + std::to_string(t) + ": " + s.ToString());
          break;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  ASSERT_FALSE(failures.failed()) << failures.Report();
  const uint64_t syncs = env.OpCount(FaultOp::kSync) - syncs_before;
  const uint64_t writes = static_cast<uint64_t>(kThreads * writes_per_thread);
  std::fprintf(stderr, "  %llu sync writes took %llu fsyncs\n",
               static_cast<unsigned long long>(writes),
               static_cast<unsigned long long>(syncs));
  EXPECT_GT(syncs, 0u);
  EXPECT_LT(syncs, writes) << "group commit never grouped";

  // Every write was synced: a power loss now loses nothing.
  env.SetFilesystemActive(false);
  db.reset();
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  env.SetFilesystemActive(true);
  ASSERT_TRUE(DB::Open(options, dir + "/db", &db).ok());
  CheckAllWritten(db.get(),
                  std::vector<uint64_t>(
                      kThreads, static_cast<uint64_t>(writes_per_thread)));
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  if (!HasFailure()) RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata::testing
