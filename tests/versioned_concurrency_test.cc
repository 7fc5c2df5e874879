// A versioned DB under concurrent writers, flushes and compactions: a
// reader's snapshot must read the same through Get, forward and reverse
// scans, whatever moves underneath. Writers overwrite a few hot keys, so
// each key has many versions newer than any snapshot, spread over the
// memtables and tables a read passes.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

TEST(VersionedConcurrencyTest, SnapshotsReadTheSameThroughEveryPath) {
  const std::string dir = NewTempDir("versioned_concurrency");
  Options options;
  options.enable_versioning = true;
  options.write_buffer_size = 64 << 10;
  options.max_write_buffer_number = 3;
  options.block_size = 1024;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.level0_compaction_trigger = 2;
  options.num_levels = 4;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir, &db));

  constexpr int kKeys = 200;
  // Zero-padded, so that key order is number order (the maintenance
  // thread's ranges need begin <= end).
  const auto key_name = [](uint64_t i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%04llu",
                  static_cast<unsigned long long>(i));
    return std::string(buf);
  };
  // Bounded work (every version is kept, so scans grow with the writes):
  // the reader checks snapshots while the writers run (and 50 times at
  // least, the last ones as compactions settle), at most 300 times.
  constexpr uint64_t kWritesPerWriter = 8000;
  std::atomic<bool> stop{false};
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      internal::Random rnd(100 + static_cast<uint64_t>(w));
      for (uint64_t n = 0; n < kWritesPerWriter; ++n) {
        // A quarter of the writes go to 8 hot keys.
        const uint64_t k = rnd.OneIn(4) ? rnd.Uniform(8) : rnd.Uniform(kKeys);
        const std::string value = "w" + std::to_string(w) + "n" +
                                  std::to_string(n) +
                                  std::string(rnd.Uniform(200), 'x');
        Status s = rnd.OneIn(10) ? db->Delete(WriteOptions(), key_name(k))
                                 : db->Put(WriteOptions(), key_name(k), value);
        EXPECT_OK(s);
        if (!s.ok()) break;
      }
      writers_done.fetch_add(1);
    });
  }

  // Flushes and compactions of random ranges, as the crash test's
  // maintenance thread does.
  std::thread maintenance([&] {
    internal::Random mrnd(33);
    while (!stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(mrnd.Uniform(20)));
      const uint64_t r = mrnd.Uniform(10);
      if (r < 5) {
        ASSERT_OK(db->Flush());
      } else if (r < 9) {
        const uint64_t a = mrnd.Uniform(kKeys);
        const uint64_t b = a + mrnd.Uniform(kKeys - a);
        const std::string begin = key_name(a);
        const std::string end = key_name(b);
        const Slice begin_slice(begin);
        const Slice end_slice(end);
        ASSERT_OK(db->CompactRange(&begin_slice, &end_slice));
      } else {
        ASSERT_OK(db->CompactRange(nullptr, nullptr));
      }
    }
  });

  internal::Random rnd(7);
  for (int round = 0; round < 300 && (round < 50 || writers_done.load() < 2) &&
                      !::testing::Test::HasFailure();
       ++round) {
    const Snapshot* snapshot = db->GetSnapshot();
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::map<std::string, std::string> forward;
    {
      std::unique_ptr<Iterator> it = db->NewIterator(ro);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        forward[it->key().ToString()] = it->value().ToString();
      }
      ASSERT_OK(it->status());
    }
    if (round % 4 == 0) {
      std::map<std::string, std::string> backward;
      std::unique_ptr<Iterator> it = db->NewIterator(ro);
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
        backward[it->key().ToString()] = it->value().ToString();
      }
      ASSERT_OK(it->status());
      ASSERT_EQ(forward, backward) << "round " << round;
    }
    for (int i = 0; i < 40; ++i) {
      const uint64_t k = rnd.OneIn(2) ? rnd.Uniform(8) : rnd.Uniform(kKeys);
      std::string value;
      const Status s = db->Get(ro, key_name(k), &value);
      const auto want = forward.find(key_name(k));
      if (want == forward.end()) {
        ASSERT_TRUE(s.IsNotFound())
            << key_name(k) << " round " << round << ": " << s.ToString() << " "
            << value.substr(0, 20);
      } else {
        ASSERT_OK(s);
        ASSERT_EQ(want->second.substr(0, 20), value.substr(0, 20))
            << key_name(k) << " round " << round;
      }
    }
    db->ReleaseSnapshot(snapshot);
  }
  stop.store(true);
  for (std::thread& t : writers) t.join();
  maintenance.join();
  ASSERT_OK(db->Close());
  RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata::testing
