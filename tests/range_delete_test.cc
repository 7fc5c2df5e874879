// Range deletes end to end: DeleteRange through the WAL, memtables,
// flushes, compactions, snapshots and reopens, over the in-memory env and
// POSIX. Randomized coverage is in model_test and compaction_test; these
// tests pin down the cases one by one, each against a std::map model.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "testing/model_db.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06d", i);
  return buf;
}

uint64_t Prop(DB* db, const std::string& name) {
  std::string v;
  EXPECT_TRUE(db->GetProperty(name, &v)) << name;
  return std::stoull(v);
}

class RangeDeleteTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      mem_env_ = NewMemEnv();
      dbname_ = "/range_delete";
    } else {
      dbname_ = NewTempDir("range_delete");
    }
    options_.env = GetParam() ? mem_env_.get() : Env::Default();
    options_.write_buffer_size = 64 << 10;
    options_.compression = Compression::kNone;
    Open();
  }

  void TearDown() override {
    if (db_ != nullptr) {
      EXPECT_TRUE(db_->Close().ok());
    }
    db_.reset();
    if (!GetParam()) RemoveTempDir(dbname_);
  }

  void Open() {
    std::unique_ptr<DB> db;
    const Status s = DB::Open(options_, dbname_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_ = std::move(db);
  }

  void Reopen() {
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
    Open();
  }

  void Put(int i, const std::string& v) {
    ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), v).ok());
    model_[Key(i)] = v;
  }

  void DeleteRange(int begin, int end) {
    const Status s = db_->DeleteRange(WriteOptions(), Key(begin), Key(end));
    ASSERT_TRUE(s.ok()) << s.ToString();
    model_.erase(model_.lower_bound(Key(begin)), model_.lower_bound(Key(end)));
  }

  // Every Get in [0, n) and both scan directions match `want`.
  void Verify(const ModelState& want, int n, const Snapshot* snapshot = nullptr,
              const std::string& where = "") {
    SCOPED_TRACE(where);
    ReadOptions ro;
    ro.snapshot = snapshot;
    for (int i = 0; i < n; ++i) {
      std::string value;
      const Status s = db_->Get(ro, Key(i), &value);
      const auto it = want.find(Key(i));
      if (it == want.end()) {
        ASSERT_TRUE(s.IsNotFound()) << Key(i) << ": " << s.ToString();
      } else {
        ASSERT_TRUE(s.ok()) << Key(i) << ": " << s.ToString();
        ASSERT_EQ(it->second, value) << Key(i);
      }
    }
    std::unique_ptr<Iterator> it(db_->NewIterator(ro));
    auto m = want.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, want.end()) << "extra key " << it->key().ToString();
      ASSERT_EQ(m->first, it->key().ToString());
      ASSERT_EQ(m->second, it->value().ToString());
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(m, want.end()) << "missing key " << m->first;
    auto r = want.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, want.rend()) << "extra key " << it->key().ToString();
      ASSERT_EQ(r->first, it->key().ToString());
      ASSERT_EQ(r->second, it->value().ToString());
    }
    ASSERT_TRUE(it->status().ok());
    ASSERT_EQ(r, want.rend()) << "missing key " << r->first;
    // Seeks into, before and after every deleted run land on a live key.
    internal::Random rnd(static_cast<uint32_t>(n));
    for (int probe = 0; probe < 200; ++probe) {
      const std::string target = Key(static_cast<int>(rnd.Uniform(n + 2)));
      it->Seek(target);
      const auto lb = want.lower_bound(target);
      if (lb == want.end()) {
        ASSERT_FALSE(it->Valid()) << "Seek(" << target << ")";
      } else {
        ASSERT_TRUE(it->Valid()) << "Seek(" << target << ")";
        ASSERT_EQ(lb->first, it->key().ToString());
      }
      it->SeekForPrev(target);
      auto ub = want.upper_bound(target);
      if (ub == want.begin()) {
        ASSERT_FALSE(it->Valid()) << "SeekForPrev(" << target << ")";
      } else {
        --ub;
        ASSERT_TRUE(it->Valid()) << "SeekForPrev(" << target << ")";
        ASSERT_EQ(ub->first, it->key().ToString());
      }
    }
  }

  std::unique_ptr<Env> mem_env_;
  std::string dbname_;
  Options options_;
  std::unique_ptr<DB> db_;
  ModelState model_;
};

TEST_P(RangeDeleteTest, BadRangesAreRefusedAndWriteNothing) {
  Put(1, "one");
  const uint64_t seq = Prop(db_.get(), "strata.last-sequence");
  EXPECT_TRUE(
      db_->DeleteRange(WriteOptions(), Key(5), Key(5)).IsInvalidArgument());
  EXPECT_TRUE(
      db_->DeleteRange(WriteOptions(), Key(6), Key(5)).IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(WriteOptions(), "", Key(5)).IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(WriteOptions(), Key(0), "").IsInvalidArgument());
  // Inside a batch the whole batch is refused, its puts included.
  WriteBatch batch;
  batch.Put(Key(2), "two");
  batch.DeleteRange(Key(9), Key(3));
  EXPECT_TRUE(db_->Write(WriteOptions(), &batch).IsInvalidArgument());
  WriteBatch empty_end;
  empty_end.DeleteRange(Key(0), "");
  EXPECT_TRUE(db_->Write(WriteOptions(), &empty_end).IsInvalidArgument());
  EXPECT_EQ(seq, Prop(db_.get(), "strata.last-sequence"));
  Reopen();
  Verify(model_, 10);
}

TEST_P(RangeDeleteTest, OneWriteDeletesAWholeRangeInTheMemtable) {
  for (int i = 0; i < 100; ++i) Put(i, "v" + std::to_string(i));
  const uint64_t seq = Prop(db_.get(), "strata.last-sequence");
  DeleteRange(10, 90);
  EXPECT_EQ(seq + 1, Prop(db_.get(), "strata.last-sequence"));
  EXPECT_EQ(1u, Prop(db_.get(), "strata.num-range-deletions"));
  Verify(model_, 100);
  // Writes after the tombstone are visible again.
  Put(50, "back");
  Verify(model_, 100);
}

TEST_P(RangeDeleteTest, SnapshotBeforeTheDeleteKeepsSeeingTheKeys) {
  for (int i = 0; i < 300; ++i) Put(i, std::string(100, 'a' + i % 26));
  const ModelState before = model_;
  const Snapshot* snapshot = db_->GetSnapshot();
  DeleteRange(50, 250);
  Verify(before, 300, snapshot, "memtable");
  Verify(model_, 300, nullptr, "memtable, latest");
  ASSERT_TRUE(db_->Flush().ok());
  Verify(before, 300, snapshot, "after flush");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Verify(before, 300, snapshot, "after compaction");
  Verify(model_, 300, nullptr, "after compaction, latest");
  db_->ReleaseSnapshot(snapshot);
  // With the snapshot gone, a full compaction drops the covered versions
  // and, at the bottom, the tombstone itself.
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Verify(model_, 300, nullptr, "after the last compaction");
  EXPECT_EQ(0u, Prop(db_.get(), "strata.num-range-deletions"));
  EXPECT_EQ(100u, Prop(db_.get(), "strata.estimate-num-keys"));
}

TEST_P(RangeDeleteTest, OverlappingAndNestedTombstonesWithInterleavedPuts) {
  for (int i = 0; i < 400; ++i) Put(i, "a" + std::to_string(i));
  DeleteRange(100, 200);
  for (int i = 150; i < 160; ++i) Put(i, "b" + std::to_string(i));
  DeleteRange(120, 180);  // over the puts just made, nested in the first
  Put(170, "c");
  DeleteRange(190, 260);  // overlaps the first one's end
  DeleteRange(10, 20);
  DeleteRange(12, 15);  // nested, newer
  Put(13, "d");
  DeleteRange(300, 301);  // a single key
  Verify(model_, 400, nullptr, "memtable");
  ASSERT_TRUE(db_->Flush().ok());
  Verify(model_, 400, nullptr, "L0");
  for (int i = 180; i < 200; i += 3) Put(i, "e");
  DeleteRange(0, 5);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Verify(model_, 400, nullptr, "compacted");
  Reopen();
  Verify(model_, 400, nullptr, "reopened");
}

TEST_P(RangeDeleteTest, ATombstoneCoversKeysInSeveralLevels) {
  for (int i = 0; i < 1000; ++i) Put(i, "bottom" + std::to_string(i));
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 1000; i += 2) Put(i, "middle" + std::to_string(i));
  ASSERT_TRUE(db_->Flush().ok());
  for (int i = 0; i < 1000; i += 5) Put(i, "top" + std::to_string(i));
  // The versions now sit in the memtable, in L0 and at the bottom.
  DeleteRange(100, 900);
  Verify(model_, 1000, nullptr, "tombstone in the memtable");
  ASSERT_TRUE(db_->Flush().ok());
  Verify(model_, 1000, nullptr, "tombstone in L0");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Verify(model_, 1000, nullptr, "compacted");
  EXPECT_EQ(200u, Prop(db_.get(), "strata.estimate-num-keys"));
}

TEST_P(RangeDeleteTest, BackwardIterationCrossesDeletedRanges) {
  for (int i = 0; i < 500; ++i) Put(i, "v" + std::to_string(i));
  ASSERT_TRUE(db_->Flush().ok());
  DeleteRange(0, 10);
  DeleteRange(20, 200);
  DeleteRange(201, 480);
  DeleteRange(490, 600);
  std::unique_ptr<Iterator> it(db_->NewIterator(ReadOptions()));
  std::vector<std::string> seen;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    seen.push_back(it->key().ToString());
  }
  ASSERT_TRUE(it->status().ok());
  std::vector<std::string> want;
  for (auto r = model_.rbegin(); r != model_.rend(); ++r)
    want.push_back(r->first);
  EXPECT_EQ(want, seen);
  // Direction changes inside and at the edges of deleted runs.
  it->Seek(Key(150));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(200), it->key().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(19), it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(200), it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(480), it->key().ToString());
  Verify(model_, 500);
}

TEST_P(RangeDeleteTest, TombstonePastTheLastKeyOfItsTable) {
  for (int i = 0; i < 50; ++i) Put(i, "x");
  DeleteRange(40, 900);  // reaches far past the table's last point key
  ASSERT_TRUE(db_->Flush().ok());
  Put(500, "later");  // newer than the tombstone: visible
  ASSERT_TRUE(db_->Flush().ok());
  Verify(model_, 1000, nullptr, "two L0 tables");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Verify(model_, 1000, nullptr, "compacted");
  // A tombstone alone in a memtable is flushed too.
  DeleteRange(600, 700);
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  Verify(model_, 1000, nullptr, "reopened");
}

TEST_P(RangeDeleteTest, ReopenWithTombstonesOnlyInTheWal) {
  options_.flush_on_close = false;
  Reopen();
  for (int i = 0; i < 200; ++i) Put(i, "v");
  ASSERT_TRUE(db_->Flush().ok());
  DeleteRange(20, 180);
  Reopen();  // the tombstone comes back from the WAL
  Verify(model_, 200, nullptr, "from the WAL");
  Reopen();
  Verify(model_, 200, nullptr, "twice");
}

TEST_P(RangeDeleteTest, ReopenWithTombstonesOnlyInLevel0) {
  options_.level0_compaction_trigger = 100;  // keep the tables in L0
  options_.level0_idle_compaction_ms = 0;
  options_.level0_slowdown_writes_trigger = 100;
  options_.level0_stop_writes_trigger = 100;
  Reopen();
  for (int i = 0; i < 200; ++i) Put(i, "v");
  ASSERT_TRUE(db_->Flush().ok());
  DeleteRange(20, 180);
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(2u, Prop(db_.get(), "strata.num-files-at-level0"));
  Reopen();
  Verify(model_, 200, nullptr, "from L0");
}

TEST_P(RangeDeleteTest, ReopenWithTombstonesOnlyAtTheBottom) {
  for (int i = 0; i < 200; ++i) Put(i, "v");
  const Snapshot* snapshot = db_->GetSnapshot();  // keeps the tombstone
  DeleteRange(20, 180);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(0u, Prop(db_.get(), "strata.num-files-at-level0"));
  EXPECT_GE(Prop(db_.get(), "strata.num-range-deletions"), 1u);
  db_->ReleaseSnapshot(snapshot);
  Reopen();
  Verify(model_, 200, nullptr, "from the bottom level");
}

TEST_P(RangeDeleteTest, ScanAcrossAHoleInTablesSeesOnlyLiveKeys) {
  // 20,000 keys in tables, the middle 10,000 deleted by one tombstone in
  // the memtable: a bounded scan across the hole, Count and Gets see only
  // the live keys. (That the scan jumps the hole in one step is checked
  // in merging_iterator_test; its speed in strata_bench's rangedel.)
  for (int i = 0; i < 20000; ++i) Put(i, "v");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  DeleteRange(5000, 15000);
  ReadOptions ro;
  ro.lower_bound = Key(4990);
  ro.upper_bound = Key(15010);
  std::unique_ptr<Iterator> it(db_->NewIterator(ro));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(20, n);
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Key(0), Key(20000), &count).ok());
  EXPECT_EQ(10000u, count);
  Verify(model_, 20000);
}

INSTANTIATE_TEST_SUITE_P(Envs, RangeDeleteTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "MemEnv" : "Posix";
                         });

}  // namespace
}  // namespace strata::testing
