// Flush tests where reads, writes and flushes meet: reads that merge the
// active memtable, frozen memtables and tables; writers stalled behind a
// held flush; readers and writers racing flushes on other threads. Tests
// that hold a flush use GatedEnv (db_flush_test_util.h).

#include "tests/db_flush_test_util.h"

namespace strata::testing {
namespace {

// ---- Reads across memtables, frozen memtables and tables --------------------

// Fills the active memtable with filler puts until `frozen` memtables are
// frozen (the background flush is held, so they stay).
::testing::AssertionResult FillUntilFrozen(DB* db, ModelDB* model,
                                           uint64_t frozen, int* filler) {
  for (int i = 0; i < 5000; ++i) {
    if (Property(db, "strata.num-immutable-mem-table") >= frozen) {
      return ::testing::AssertionSuccess();
    }
    char key[16];
    std::snprintf(key, sizeof(key), "x%05d", (*filler)++);
    const std::string value(200, static_cast<char>('A' + *filler % 26));
    const Status s = db->Put(WriteOptions(), key, value);
    if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
    model->Put(key, value);
  }
  return ::testing::AssertionFailure() << "no memtable switch";
}

TEST(DBFlushReadTest, ReadsMergeActiveFrozenAndTableData) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 4;
  KeepTablesInL0(&options);
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/merge-db", &db).ok());
  ModelDB model;
  internal::Random rnd(304);
  auto put = [&](const std::string& k, const std::string& v) {
    ASSERT_TRUE(db->Put(WriteOptions(), k, v).ok());
    model.Put(k, v);
  };
  auto del = [&](const std::string& k) {
    ASSERT_TRUE(db->Delete(WriteOptions(), k).ok());
    model.Delete(k);
  };
  std::vector<std::pair<ModelDB::SnapshotId, const Snapshot*>> snapshots;
  auto snap = [&] {
    snapshots.emplace_back(model.TakeSnapshot(), db->GetSnapshot());
  };

  // Table 1 (oldest) and table 2.
  put("a", "a1");
  put("b", "b1");
  del("c");
  put("f", "f1");
  put("g", "g1");
  put("d", "d1");
  ASSERT_TRUE(db->Flush().ok());
  del("a");        // a delete in a newer table hides a1
  put("c", "c2");  // a value in a newer table hides the older delete
  put("d", "d2");
  del("f");
  put("h", "h2");
  ASSERT_TRUE(db->Flush().ok());
  snap();

  // Frozen memtable 1, then frozen memtable 2; their flush is held.
  env.Hold();
  int filler = 0;
  put("a", "a3");  // a value in a frozen memtable hides the table's delete
  put("d", "d3");
  put("e", "e3");
  del("g");  // a delete in a frozen memtable hides the table's value
  snap();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  del("e");  // a delete in the newer frozen memtable hides the older value
  put("d", "d4");
  put("i", "i4");
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 2, &filler));
  snap();
  // The active memtable.
  del("b");  // a delete in the memtable hides the table's value
  put("d", "d5");
  del("i");
  put("j", "j5");
  snap();

  ASSERT_TRUE(Eventually([&] { return env.blocked() == 1; }, "a held flush"));
  EXPECT_EQ(Property(db.get(), "strata.num-immutable-mem-table"), 2u);
  EXPECT_EQ(Property(db.get(), "strata.num-files-at-level0"), 2u);
  EXPECT_EQ(Property(db.get(), "strata.num-flushes"), 2u);
  auto expect_point_reads = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const std::map<std::string, std::string> want = {
        {"a", "a3"},        {"b", "NOT_FOUND"}, {"c", "c2"},        {"d", "d5"},
        {"e", "NOT_FOUND"}, {"f", "NOT_FOUND"}, {"g", "NOT_FOUND"}, {"h", "h2"},
        {"i", "NOT_FOUND"}, {"j", "j5"}};
    for (const auto& [k, v] : want) {
      std::string value;
      const Status s = db->Get(ReadOptions(), k, &value);
      EXPECT_EQ(s.ok() ? value : (s.IsNotFound() ? "NOT_FOUND" : s.ToString()),
                v)
          << k;
    }
  };
  auto verify_all = [&](const std::string& when) {
    expect_point_reads(when);
    EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                         VerifyContext{304, 0, when}));
    for (const auto& [id, snapshot] : snapshots) {
      EXPECT_TRUE(VerifyDB(db.get(), model, id, snapshot, &rnd,
                           VerifyContext{304, id, when + " at a snapshot"}));
    }
  };
  verify_all("spread over memtable, 2 frozen memtables and 2 tables");

  env.Release();
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(Property(db.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(Property(db.get(), "strata.num-files-at-level0"), 5u);
  verify_all("all in 5 tables");
  for (const auto& [id, snapshot] : snapshots) {
    db->ReleaseSnapshot(snapshot);
    model.ReleaseSnapshot(id);
  }
  ASSERT_TRUE(db->Close().ok());
  ASSERT_TRUE(DB::Open(options, "/merge-db", &db).ok());
  expect_point_reads("after reopen");
  EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{304, 0, "after reopen"}));
  ASSERT_TRUE(db->Close().ok());
}

// Writes that land in the newer log while an older memtable is being
// flushed are replayed after a reopen that does not flush on close (and
// after a crash, which leaves the same files).
TEST(DBFlushReadTest, WritesDuringAFlushSurviveReopenWithoutFlushOnClose) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.flush_on_close = false;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/seq-db", &db).ok());
  ModelDB model;
  int filler = 0;
  env.Hold();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  // In the active memtable and the newer log, while the flush is held.
  ASSERT_TRUE(db->Put(WriteOptions(), "late", "write").ok());
  model.Put("late", "write");
  ASSERT_TRUE(Eventually([&] { return env.blocked() == 1; }, "a held flush"));
  env.Release();
  ASSERT_TRUE(
      Eventually([&] { return Property(db.get(), "strata.num-flushes") == 1; },
                 "the flush"));
  const uint64_t last_sequence = Property(db.get(), "strata.last-sequence");
  ASSERT_TRUE(db->Close().ok());
  db.reset();

  const Status s = DB::Open(options, "/seq-db", &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Property(db.get(), "strata.last-sequence"), last_sequence);
  ModelState recovered;
  ASSERT_TRUE(ReadAll(db.get(), ReadOptions(), &recovered).ok());
  EXPECT_EQ(DescribeDifference(model.State(), recovered), "");
  ASSERT_TRUE(db->Close().ok());
}

// ---- Write stalls -----------------------------------------------------------

// With max_write_buffer_number = 2 and the flush held, a writer that fills
// a second memtable waits; it finishes once the flush goes on, and the wait
// is reported in strata.stall-micros.
TEST(DBFlushStallTest, WriterWaitsForAHeldFlush) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/stall-db", &db).ok());
  EXPECT_EQ(Property(db.get(), "strata.stall-micros"), 0u);

  env.Hold();
  constexpr int kWrites = 2000;  // 200 KiB of values: over three memtables
  std::atomic<int> written{0};
  Status writer_status;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      const Status s = db->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 0));
      if (!s.ok()) {
        writer_status = s;
        return;
      }
      written.store(i + 1, std::memory_order_release);
    }
  });
  // One memtable frozen and held, the active one full: the writer's next
  // write must wait for the flush.
  const bool stalled = Eventually(
      [&] {
        return env.blocked() == 1 &&
               Property(db.get(), "strata.num-immutable-mem-table") == 1 &&
               Property(db.get(), "strata.mem-usage") >= kSmallBuffer;
      },
      "a full memtable behind a held flush");
  EXPECT_TRUE(stalled);
  // Give the writer time to reach the wait (only the reported stall time
  // depends on this; the writer cannot finish either way).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LT(written.load(std::memory_order_acquire), kWrites);
  const int before_release = written.load(std::memory_order_acquire);
  env.Release();
  writer.join();
  ASSERT_TRUE(writer_status.ok()) << writer_status.ToString();
  EXPECT_GT(kWrites, before_release);
  EXPECT_GT(Property(db.get(), "strata.stall-micros"), 0u);
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < kWrites; ++i) {
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), ScatteredKey(i), &value).ok()) << i;
    ASSERT_EQ(value, ValueFor(i, 0));
  }
  ASSERT_TRUE(db->Close().ok());
}

// Without holding anything: a fast writer against two memtables completes
// and the stall time is reported (possibly zero).
TEST(DBFlushStallTest, ManyWritesWithTwoMemtablesComplete) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/stall-db", &db).ok());
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), ScatteredKey(i), ValueFor(i, 0)).ok());
    ASSERT_LE(Property(db.get(), "strata.num-immutable-mem-table"), 1u);
  }
  std::string stall;
  EXPECT_TRUE(db->GetProperty("strata.stall-micros", &stall));
  EXPECT_FALSE(stall.empty());
  EXPECT_GT(Property(db.get(), "strata.num-flushes"), 20u);
  ASSERT_TRUE(db->Close().ok());
}

// ---- Concurrency ------------------------------------------------------------

std::string ConcurrentKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// "<key>#<version>#" padded: a value names the key it belongs to.
std::string ConcurrentValue(int i, int version) {
  std::string v = ConcurrentKey(i) + "#" + std::to_string(version) + "#";
  v.resize(120, 'c');
  return v;
}

bool ValueMatchesKey(const Slice& key, const Slice& value) {
  const std::string prefix = key.ToString() + "#";
  return value.starts_with(prefix) && value.size() == 120;
}

// Readers run Gets and full scans while a writer's 64 KiB memtables flush
// over and over, replacing the version under them. A key once written is
// never missing again, and every value names its key.
TEST(DBFlushConcurrencyTest, ReadersRaceFlushes) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  options.max_open_files = 16;  // table cache churn too
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/race-db", &db).ok());

  constexpr int kKeys = 10000;
  constexpr int kWrites = 30000;  // every key, then random overwrites
  std::atomic<int> published{0};  // keys [0, published) are written
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<int> scans{0};
  std::atomic<int> gets{0};
  std::mutex error_mu;
  std::string first_error;
  auto report = [&](const std::string& what) {
    if (errors.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(error_mu);
      first_error = what;
    }
  };

  auto reader = [&](uint64_t seed) {
    internal::Random rnd(seed);
    while (!done.load(std::memory_order_acquire) && errors.load() == 0) {
      const int known = published.load(std::memory_order_acquire);
      if (known == 0) {
        std::this_thread::yield();
        continue;
      }
      if (!rnd.OneIn(20)) {
        const int i = static_cast<int>(rnd.Uniform(known));
        std::string value;
        const Status s = db->Get(ReadOptions(), ConcurrentKey(i), &value);
        if (!s.ok() || !ValueMatchesKey(ConcurrentKey(i), value)) {
          report("Get(" + ConcurrentKey(i) +
                 "): " + (s.ok() ? value : s.ToString()));
        }
        gets.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // A scan sees at least every key published before it began, in
      // order, each with a value naming it.
      auto it = db->NewIterator(ReadOptions());
      int n = 0;
      std::string prev;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
        const std::string key = it->key().ToString();
        if (n < known && key != ConcurrentKey(n)) {
          report("scan entry " + std::to_string(n) + " is " + key);
          break;
        }
        if (!prev.empty() && key <= prev) report("scan out of order at " + key);
        if (!ValueMatchesKey(it->key(), it->value())) {
          report("scan: " + key + " holds " + it->value().ToString());
          break;
        }
        prev = key;
      }
      if (!it->status().ok()) report("scan: " + it->status().ToString());
      if (n < known)
        report("scan saw " + std::to_string(n) + " < " + std::to_string(known));
      scans.fetch_add(1, std::memory_order_relaxed);
    }
  };

  std::thread r1(reader, 1);
  std::thread r2(reader, 2);
  internal::Random rnd(306);
  Status write_status;
  for (int w = 0; w < kWrites && errors.load() == 0; ++w) {
    if (w == 1000) {
      // Make sure the readers are running before most of the writes (and
      // flushes) happen.
      EXPECT_TRUE(
          Eventually([&] { return gets.load() >= 20 && scans.load() >= 2; },
                     "the readers to start"));
    }
    const int i = w < kKeys ? w : static_cast<int>(rnd.Uniform(kKeys));
    write_status =
        db->Put(WriteOptions(), ConcurrentKey(i), ConcurrentValue(i, w));
    if (!write_status.ok()) break;
    if (w < kKeys) published.store(w + 1, std::memory_order_release);
    if (w % 7000 == 6999) {
      write_status = db->Flush();
      if (!write_status.ok()) break;
    }
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_GT(Property(db.get(), "strata.num-flushes"), 10u);
  EXPECT_LE(Property(db.get(), "strata.open-tables"), 16u);
  std::fprintf(stderr, "  %d gets and %d scans raced %llu flushes\n",
               gets.load(), scans.load(),
               static_cast<unsigned long long>(
                   Property(db.get(), "strata.num-flushes")));
  ASSERT_TRUE(db->Close().ok());
}

// Flush() from one thread while another writes: the flush request queues
// in the commit pipeline behind (or among) ordinary writes.
TEST(DBFlushConcurrencyTest, FlushFromAnotherThreadWhileWriting) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.write_buffer_size = kSmallBuffer;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, "/flush-race-db", &db).ok());
  std::atomic<bool> done{false};
  Status flush_status;
  std::atomic<int> flush_calls{0};
  std::thread flusher([&] {
    while (!done.load(std::memory_order_acquire)) {
      flush_status = db->Flush();
      if (!flush_status.ok()) return;
      flush_calls.fetch_add(1, std::memory_order_relaxed);
    }
  });
  Status write_status;
  constexpr int kWrites = 5000;
  for (int i = 0; i < kWrites; ++i) {
    if (i == 500) {
      // The flusher must be running during most of the writes.
      EXPECT_TRUE(Eventually([&] { return flush_calls.load() >= 2; },
                             "the flusher to start"));
    }
    write_status =
        db->Put(WriteOptions(), ConcurrentKey(i), ConcurrentValue(i, 0));
    if (!write_status.ok()) break;
  }
  done.store(true, std::memory_order_release);
  flusher.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  ASSERT_TRUE(flush_status.ok()) << flush_status.ToString();
  EXPECT_GE(flush_calls.load(), 2);
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < kWrites; ++i) {
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), ConcurrentKey(i), &value).ok()) << i;
    ASSERT_EQ(value, ConcurrentValue(i, 0));
  }
  ASSERT_TRUE(db->Close().ok());
}

// A Flush() that queues behind a writer stalled on a full set of
// memtables: when the stall ends, the writer leads a group while the flush
// request waits behind it in the queue.
TEST(DBFlushConcurrencyTest, FlushQueuedBehindAStalledWriter) {
  std::unique_ptr<Env> mem = NewMemEnv();
  GatedEnv env(mem.get());
  Options options;
  options.env = &env;
  options.write_buffer_size = kSmallBuffer;
  options.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  const GateReleaser release_before_close(&env);
  ASSERT_TRUE(DB::Open(options, "/queue-db", &db).ok());
  ModelDB model;
  int filler = 0;
  env.Hold();
  ASSERT_TRUE(FillUntilFrozen(db.get(), &model, 1, &filler));
  while (Property(db.get(), "strata.mem-usage") < kSmallBuffer) {
    const std::string key = "y" + std::to_string(filler++);
    ASSERT_TRUE(db->Put(WriteOptions(), key, std::string(200, 'y')).ok());
    model.Put(key, std::string(200, 'y'));
  }
  // The writer stalls (one memtable frozen and held, the active one full).
  Status put_status;
  // The commit queue's length is the seam: the writer leads (and stalls),
  // then the Flush() request queues behind it.
  auto* impl = internal::ImplOf(db.get());
  std::thread writer(
      [&] { put_status = db->Put(WriteOptions(), "stalled", "w"); });
  model.Put("stalled", "w");
  ASSERT_TRUE(Eventually([&] { return impl->QueuedWritersForTest() == 1; },
                         "the writer at the queue's front"));
  Status flush_status;
  std::thread flusher([&] { flush_status = db->Flush(); });
  ASSERT_TRUE(Eventually([&] { return impl->QueuedWritersForTest() == 2; },
                         "the flush request queued behind it"));
  env.Release();
  writer.join();
  flusher.join();
  ASSERT_TRUE(put_status.ok()) << put_status.ToString();
  ASSERT_TRUE(flush_status.ok()) << flush_status.ToString();
  ASSERT_TRUE(db->Flush().ok());
  internal::Random rnd(307);
  EXPECT_TRUE(VerifyDB(db.get(), model, ModelDB::kLatest, nullptr, &rnd,
                       VerifyContext{307, 0, "after the queued flush"}));
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace strata::testing
