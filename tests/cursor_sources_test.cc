// A cursor merges only the sources that can hold what it sees: the active
// memtable is left out while it has no point entry, since every entry up
// to the cursor's sequence is in it once that sequence is published, so a
// DB whose tables lie in one level is read with no merge above the level.
// The cursor still sees exactly its snapshot, also while a writer fills
// the memtables that flushes keep replacing with empty ones.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "testing/test_util.h"

namespace strata {
namespace {

using testing::NumberedKey;

class CursorSourcesTest : public ::testing::Test {
 protected:
  CursorSourcesTest() : env_(NewMemEnv()) {
    Options o;
    o.env = env_.get();
    o.level0_idle_compaction_ms = 0;  // the table layout is the test's own
    o.read_compaction_bytes = 0;
    EXPECT_TRUE(DB::Open(o, "/db", &db_).ok());
    impl_ = internal::ImplOf(db_.get());
  }

  size_t Sources(const ReadOptions& options = ReadOptions()) {
    internal::Result<size_t> n = impl_->CursorSourcesForTest(options);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }

  // Every key the cursor yields, in order, must be the next of 0, 1, ...
  // Returns how many it yielded.
  static int CountInOrder(Iterator* it) {
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EXPECT_EQ(it->key().ToString(), NumberedKey(n));
      if (it->key().ToString() != NumberedKey(n)) return -1;
      ++n;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return n;
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<DB> db_;
  internal::DBImpl* impl_ = nullptr;
};

TEST_F(CursorSourcesTest, AnEmptyMemtableIsLeftOut) {
  EXPECT_EQ(Sources(), 0u);  // nothing at all: an empty cursor
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), NumberedKey(i), "v").ok());
  }
  EXPECT_EQ(Sources(), 1u);  // the memtable alone
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  std::string l0;
  ASSERT_TRUE(db_->GetProperty("strata.num-files-at-level0", &l0));
  ASSERT_EQ(l0, "0");
  EXPECT_EQ(Sources(), 1u);  // one level, and no memtable above it
  std::unique_ptr<Iterator> before(db_->NewIterator(ReadOptions()));
  ASSERT_TRUE(db_->Put(WriteOptions(), NumberedKey(100), "v").ok());
  EXPECT_EQ(Sources(), 2u);  // the memtable has an entry now
  // A cursor made while the memtable was empty reads without it, and sees
  // what it saw.
  EXPECT_EQ(CountInOrder(before.get()), 100);
  std::unique_ptr<Iterator> after(db_->NewIterator(ReadOptions()));
  EXPECT_EQ(CountInOrder(after.get()), 101);
}

TEST_F(CursorSourcesTest, AMemtableWithOnlyRangeTombstonesIsLeftOutAndApplies) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), NumberedKey(i), "v").ok());
  }
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(
      db_->DeleteRange(WriteOptions(), NumberedKey(5), NumberedKey(10)).ok());
  // No point entry in the memtable: its tombstone is gathered, the
  // memtable's entries are not merged.
  EXPECT_EQ(Sources(), 1u);
  std::unique_ptr<Iterator> it(db_->NewIterator(ReadOptions()));
  EXPECT_EQ(CountInOrder(it.get()), 5);
}

// A writer puts keys 0, 1, 2, ... in order and flushes every few, so the
// memtable keeps starting empty; each cursor must see a prefix of the
// keys, and at least every key whose Put had returned before it was made.
// After each flush the writer waits until the reader has made a cursor
// while the new memtable is still empty (the memtable left out, which
// the reader checks), then writes on while the reader keeps making
// cursors.
TEST_F(CursorSourcesTest, CursorsSeeEveryEarlierWriteWhileMemtablesTurnOver) {
  constexpr int kKeys = 1500;
  constexpr int kFlushEvery = 50;
  constexpr int kRounds = kKeys / kFlushEvery;
  std::atomic<int> written{0};  // keys whose Put has returned
  std::atomic<int> flushed{0};  // rounds flushed, memtable empty since
  std::atomic<int> checked{0};  // rounds the reader has read while empty
  std::atomic<bool> done{false};
  std::atomic<bool> stop{false};  // the reader failed: the writer stops
  Status write_status;
  std::thread writer([&] {
    for (int i = 0; i < kKeys && !stop.load(); ++i) {
      write_status = db_->Put(WriteOptions(), NumberedKey(i), "v");
      if (!write_status.ok()) break;
      written.store(i + 1, std::memory_order_release);
      if ((i + 1) % kFlushEvery != 0) continue;
      write_status = db_->Flush();
      // And the compactions it made due: the layout then holds still.
      if (write_status.ok()) write_status = impl_->SettleBackground();
      if (!write_status.ok()) break;
      const int round = (i + 1) / kFlushEvery;
      flushed.store(round, std::memory_order_release);
      while (checked.load(std::memory_order_acquire) < round && !stop.load()) {
        std::this_thread::yield();
      }
    }
    done.store(true, std::memory_order_release);
  });
  int cursors = 0;
  int empty_reads = 0;
  bool finished = false;
  do {
    finished = done.load(std::memory_order_acquire);
    const int round = flushed.load(std::memory_order_acquire);
    const int at_least = written.load(std::memory_order_acquire);
    // Read while the writer waits: nothing is in the memtable.
    const bool empty = round > checked.load(std::memory_order_relaxed);
    if (empty) {
      std::string n;
      ASSERT_TRUE(db_->GetProperty("strata.num-entries-active-mem-table", &n));
      EXPECT_EQ(n, "0");
      std::string l0;
      ASSERT_TRUE(db_->GetProperty("strata.num-files-at-level0", &l0));
      std::string deeper = "0";
      for (int level = 1; level < 7; ++level) {
        std::string f;
        ASSERT_TRUE(db_->GetProperty(
            "strata.num-files-at-level" + std::to_string(level), &f));
        if (f != "0") deeper = std::to_string(std::stoi(deeper) + 1);
      }
      // No memtable among the sources: L0 tables and deeper levels only
      // (the background settled before the writer began to wait).
      EXPECT_EQ(Sources(), static_cast<size_t>(std::stoi(l0)) +
                               static_cast<size_t>(std::stoi(deeper)));
    }
    std::unique_ptr<Iterator> it(db_->NewIterator(ReadOptions()));
    const int seen = CountInOrder(it.get());
    if (seen < at_least) {
      stop.store(true);
      ADD_FAILURE() << "a cursor saw " << seen << " keys, " << at_least
                    << " were written before it was made";
      break;
    }
    ++cursors;
    if (empty) {
      EXPECT_EQ(seen, round * kFlushEvery);
      ++empty_reads;
      checked.store(round, std::memory_order_release);
    }
  } while (!finished);
  writer.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  std::unique_ptr<Iterator> it(db_->NewIterator(ReadOptions()));
  EXPECT_EQ(CountInOrder(it.get()), kKeys);
  EXPECT_EQ(empty_reads, kRounds);
  EXPECT_GE(cursors, kRounds);
}

}  // namespace
}  // namespace strata
