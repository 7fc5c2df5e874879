// Time travel (issue 14): a DB created with Options::enable_versioning keeps
// every version of every key, stamped with its commit timestamp (or the
// caller's); reads ask for the state as of a timestamp, or for every
// version. Each behaviour is checked in the memtable and again from tables
// (after a flush, and after a compaction into one sorted run), since the
// lookup of a back-dated version differs between the two.
//
// The clock is a ManualClockEnv: the test decides what "now" is, so commit
// timestamps are known exactly.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/write_batch.h"

namespace strata {
namespace {

// Nanoseconds the test's clock shows: ManualClockEnv counts microseconds.
constexpr uint64_t kMicro = 1000;

// Where the data is read from in a run of a test.
enum class Stage { kMemTable, kTable, kCompacted };

std::string StageName(const ::testing::TestParamInfo<Stage>& info) {
  switch (info.param) {
    case Stage::kMemTable:
      return "MemTable";
    case Stage::kTable:
      return "Table";
    case Stage::kCompacted:
      return "Compacted";
  }
  return "?";
}

class VersioningTest : public ::testing::TestWithParam<Stage> {
 protected:
  VersioningTest() : base_(NewMemEnv()), clock_(base_.get(), 1000) {
    options_.env = &clock_;
    options_.enable_versioning = true;
    options_.level0_idle_compaction_ms = 0;  // the layout is the test's own
    EXPECT_OK(DB::Open(options_, "/db", &db_));
  }

  // The clock reads `micros` µs: the next commit gets micros * 1000 ns (or
  // one more than the last, if that is larger).
  void At(uint64_t micros) { clock_.Set(micros); }

  // Moves what was written to where this run of the test reads it from.
  void Settle() {
    if (GetParam() == Stage::kMemTable) return;
    ASSERT_OK(db_->Flush());
    if (GetParam() == Stage::kCompacted) {
      ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    }
  }

  void Reopen() {
    ASSERT_OK(db_->Close());
    db_.reset();
    ASSERT_OK(DB::Open(options_, "/db", &db_));
  }

  // Get as of `as_of` (nullopt: latest); "NOT_FOUND" when absent.
  std::string GetAt(const std::string& key, std::optional<uint64_t> as_of,
                    const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.as_of = as_of;
    ro.snapshot = snapshot;
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    EXPECT_OK(s);
    return value;
  }

  // "key@ts=value" per entry forward; the same reversed must match.
  std::string Scan(ReadOptions ro) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    std::vector<std::string> forward;
    for (it->SeekToFirst(); it->Valid(); it->Next())
      forward.push_back(Entry(*it));
    EXPECT_OK(it->status());
    std::vector<std::string> backward;
    for (it->SeekToLast(); it->Valid(); it->Prev())
      backward.push_back(Entry(*it));
    EXPECT_OK(it->status());
    std::vector<std::string> reversed(backward.rbegin(), backward.rend());
    if (ro.history_limit == 0) {
      EXPECT_EQ(forward, reversed);
    }
    std::string out;
    for (const std::string& e : forward) out += (out.empty() ? "" : " ") + e;
    return out;
  }

  static std::string Entry(const Iterator& it) {
    return it.key().ToString() + "@" + std::to_string(it.timestamp() / kMicro) +
           (it.IsDeleted() ? "=DEL" : "=" + it.value().ToString());
  }

  Status PutAt(const std::string& key, const std::string& value,
               uint64_t micros) {
    WriteBatch batch;
    batch.PutAt(key, value, micros * kMicro);
    return db_->Write(WriteOptions(), &batch);
  }
  Status DeleteAt(const std::string& key, uint64_t micros) {
    WriteBatch batch;
    batch.DeleteAt(key, micros * kMicro);
    return db_->Write(WriteOptions(), &batch);
  }
  Status DeleteRangeAt(const std::string& begin, const std::string& end,
                       uint64_t micros) {
    WriteBatch batch;
    batch.DeleteRangeAt(begin, end, micros * kMicro);
    return db_->Write(WriteOptions(), &batch);
  }
  // As-of scans of the whole DB, and the count over it.
  std::string ScanAt(std::optional<uint64_t> micros) {
    ReadOptions ro;
    if (micros) ro.as_of = *micros * kMicro;
    const std::string scan = Scan(ro);
    uint64_t count = 0;
    EXPECT_OK(db_->Count(ro, "a", "z", &count));
    const size_t entries =
        scan.empty()
            ? 0
            : static_cast<size_t>(std::count(scan.begin(), scan.end(), ' ')) +
                  1;
    EXPECT_EQ(entries, count) << scan;
    return scan;
  }

  std::unique_ptr<Env> base_;
  ManualClockEnv clock_;
  Options options_;
  std::unique_ptr<DB> db_;
};

INSTANTIATE_TEST_SUITE_P(Stages, VersioningTest,
                         ::testing::Values(Stage::kMemTable, Stage::kTable,
                                           Stage::kCompacted),
                         StageName);

TEST_P(VersioningTest, WritesGetTheCommitTimestampAndAsOfReadsSeeThePast) {
  At(2000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  At(3000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  At(4000);
  ASSERT_OK(db_->Delete(WriteOptions(), "k"));
  At(5000);
  ASSERT_OK(db_->Put(WriteOptions(), "other", "o"));
  Settle();

  EXPECT_EQ("NOT_FOUND", GetAt("k", std::nullopt));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 1999 * kMicro));
  EXPECT_EQ("v1", GetAt("k", 2000 * kMicro));
  EXPECT_EQ("v1", GetAt("k", 3000 * kMicro - 1));
  EXPECT_EQ("v2", GetAt("k", 3000 * kMicro));
  EXPECT_EQ("v2", GetAt("k", 4000 * kMicro - 1));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 4000 * kMicro));

  ReadOptions ro;
  EXPECT_EQ("other@5000=o", Scan(ro));
  ro.as_of = 3500 * kMicro;
  EXPECT_EQ("k@3000=v2", Scan(ro));
  ro.as_of = 2500 * kMicro;
  ro.keys_only = true;
  EXPECT_EQ("k@2000=", Scan(ro));
  uint64_t count = 0;
  ro.keys_only = false;
  ASSERT_OK(db_->Count(ro, "a", "z", &count));
  EXPECT_EQ(1u, count);
  ro.as_of.reset();
  ASSERT_OK(db_->Count(ro, "a", "z", &count));
  EXPECT_EQ(1u, count);  // "other" only: k is deleted now
}

TEST_P(VersioningTest,
       CommitTimestampsIncreaseWhenTheClockStandsStillOrGoesBack) {
  At(5000);
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "2"));  // same clock reading
  At(4000);                                       // the clock went back
  ASSERT_OK(db_->Put(WriteOptions(), "c", "3"));
  Settle();
  ReadOptions ro;
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  std::vector<uint64_t> ts;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    ts.push_back(it->timestamp());
  ASSERT_EQ(3u, ts.size());
  EXPECT_EQ(5000 * kMicro, ts[0]);
  EXPECT_EQ(5000 * kMicro + 1, ts[1]);
  EXPECT_EQ(5000 * kMicro + 2, ts[2]);
}

TEST_P(VersioningTest,
       TimestampsKeepIncreasingAfterAReopenOnAClockThatWentBack) {
  for (const bool flush_on_close : {true, false}) {
    SCOPED_TRACE(flush_on_close ? "flushed at close" : "replayed from WAL");
    options_.flush_on_close = flush_on_close;
    Reopen();
    const uint64_t base = flush_on_close ? 9000 : 19000;
    At(base);
    ASSERT_OK(db_->Put(WriteOptions(), "k", "before"));
    Settle();
    Reopen();
    At(100);  // far behind
    ASSERT_OK(db_->Put(WriteOptions(), "k", "after"));
    EXPECT_EQ("after", GetAt("k", std::nullopt));
    EXPECT_EQ("before", GetAt("k", base * kMicro));
    EXPECT_EQ("after", GetAt("k", base * kMicro + 1));
  }
}

TEST_P(VersioningTest, BackDatedWritesAreReadAtEveryTimestamp) {
  At(10000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "at10000"));
  ASSERT_OK(PutAt("k", "at5000", 5000));  // older than the newest
  ASSERT_OK(PutAt("k", "at7000", 7000));
  ASSERT_OK(DeleteAt("k", 6000));
  ASSERT_OK(PutAt("k", "at20000", 20000));  // in the future
  Settle();
  EXPECT_EQ("NOT_FOUND", GetAt("k", 4999 * kMicro));
  EXPECT_EQ("at5000", GetAt("k", 5000 * kMicro));
  EXPECT_EQ("at5000", GetAt("k", 5999 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 6000 * kMicro));
  EXPECT_EQ("at7000", GetAt("k", 7000 * kMicro));
  EXPECT_EQ("at7000", GetAt("k", 9999 * kMicro));
  EXPECT_EQ("at10000", GetAt("k", 10000 * kMicro));
  EXPECT_EQ("at10000", GetAt("k", 19999 * kMicro));
  EXPECT_EQ("at20000", GetAt("k", 20000 * kMicro));
  EXPECT_EQ("at20000", GetAt("k", std::nullopt));

  ReadOptions ro;
  ro.all_versions = true;
  EXPECT_EQ("k@20000=at20000 k@10000=at10000 k@7000=at7000 k@5000=at5000",
            Scan(ro));
  ro.include_deleted = true;
  EXPECT_EQ(
      "k@20000=at20000 k@10000=at10000 k@7000=at7000 k@6000=DEL "
      "k@5000=at5000",
      Scan(ro));
}

TEST_P(VersioningTest, ABackDatedWriteInANewerSourceDoesNotHideANewerVersion) {
  At(10000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "at10000"));
  ASSERT_OK(db_->Flush());  // the newer version is in a table
  ASSERT_OK(PutAt("k", "at5000", 5000));
  Settle();  // the back-dated one in the memtable, or not
  EXPECT_EQ("at10000", GetAt("k", std::nullopt));
  EXPECT_EQ("at10000", GetAt("k", 12000 * kMicro));
  EXPECT_EQ("at5000", GetAt("k", 9999 * kMicro));
  ReadOptions ro;
  ro.as_of = 12000 * kMicro;
  EXPECT_EQ("k@10000=at10000", Scan(ro));
}

TEST_P(VersioningTest, ASameTimestampWriteReplacesThatVersion) {
  ASSERT_OK(PutAt("k", "first", 5000));
  ASSERT_OK(PutAt("k", "second", 5000));
  Settle();
  EXPECT_EQ("second", GetAt("k", 5000 * kMicro));
  ReadOptions ro;
  ro.all_versions = true;
  EXPECT_EQ("k@5000=second", Scan(ro));
  ASSERT_OK(DeleteAt("k", 5000));
  Settle();
  EXPECT_EQ("NOT_FOUND", GetAt("k", 5000 * kMicro));
  EXPECT_EQ("", Scan(ro));
}

TEST_P(VersioningTest, AsOfCombinesWithASnapshot) {
  At(1000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  const Snapshot* snap = db_->GetSnapshot();
  // Written after the snapshot, back-dated before v1's timestamp.
  ASSERT_OK(PutAt("k", "old", 500));
  At(2000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  Settle();
  EXPECT_EQ("v1", GetAt("k", std::nullopt, snap));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 999 * kMicro, snap));  // "old" is later
  EXPECT_EQ("old", GetAt("k", 999 * kMicro));
  EXPECT_EQ("v2", GetAt("k", std::nullopt));
  ReadOptions ro;
  ro.snapshot = snap;
  ro.all_versions = true;
  EXPECT_EQ("k@1000=v1", Scan(ro));
  ro.snapshot = nullptr;
  EXPECT_EQ("k@2000=v2 k@1000=v1 k@500=old", Scan(ro));
  db_->ReleaseSnapshot(snap);
}

TEST_P(VersioningTest, PurgeRemovesEveryVersionButKeepsLaterWrites) {
  At(1000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  At(2000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  ASSERT_OK(db_->Put(WriteOptions(), "neighbour", "n"));
  const Snapshot* before = db_->GetSnapshot();
  At(3000);
  WriteBatch purge;
  purge.Purge("k");
  ASSERT_OK(db_->Write(WriteOptions(), &purge));
  Settle();
  EXPECT_EQ("NOT_FOUND", GetAt("k", std::nullopt));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 1500 * kMicro));
  EXPECT_EQ("v1", GetAt("k", 1500 * kMicro, before));  // a snapshot pins it
  ReadOptions ro;
  ro.all_versions = true;
  ro.include_deleted = true;
  EXPECT_EQ("neighbour@2000=n", Scan(ro));
  // A write after the purge, back-dated below the purged versions, stays.
  ASSERT_OK(PutAt("k", "later", 500));
  Settle();
  EXPECT_EQ("later", GetAt("k", std::nullopt));
  EXPECT_EQ("later", GetAt("k", 1500 * kMicro));
  EXPECT_EQ("k@500=later neighbour@2000=n", Scan(ro));
  db_->ReleaseSnapshot(before);
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ("k@500=later neighbour@2000=n", Scan(ro));
}

TEST_P(VersioningTest, ReplaceDropsTheOlderVersions) {
  At(1000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  ASSERT_OK(PutAt("k", "future", 9000));
  At(2000);
  WriteBatch replace;
  replace.Replace("k", "new");
  ASSERT_OK(db_->Write(WriteOptions(), &replace));
  Settle();
  EXPECT_EQ("NOT_FOUND", GetAt("k", 1500 * kMicro));
  EXPECT_EQ("new", GetAt("k", 2000 * kMicro));
  EXPECT_EQ("future", GetAt("k", std::nullopt));  // newer than the replace
  ReadOptions ro;
  ro.all_versions = true;
  EXPECT_EQ("k@9000=future k@2000=new", Scan(ro));
}

TEST_P(VersioningTest, HistoryHonoursItsWindowLimitAndBounds) {
  for (uint64_t t = 1; t <= 5; ++t) {
    At(t * 1000);
    ASSERT_OK(db_->Put(WriteOptions(), "a", "a" + std::to_string(t)));
    ASSERT_OK(db_->Put(WriteOptions(), "b", "b" + std::to_string(t)));
  }
  At(6000);
  ASSERT_OK(db_->Delete(WriteOptions(), "b"));
  Settle();
  ReadOptions ro;
  ro.all_versions = true;
  ro.history_from = 2000 * kMicro;
  ro.history_to = 3000 * kMicro + 1;  // b's commit at 3000 is 3000 µs + 1 ns
  EXPECT_EQ("a@2000=a2 a@3000=a3 b@2000=b2 b@3000=b3", [&] {
    // Timestamps are exact here; print them in ns to tell apart.
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    std::string out;
    std::vector<std::string> entries;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.push_back(it->key().ToString() + "@" +
                        std::to_string(it->timestamp() / kMicro) + "=" +
                        it->value().ToString());
    }
    // Newest first within a key; sort each key's pair oldest
    // first for a stable message.
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) out += (out.empty() ? "" : " ") + e;
    return out;
  }());
  ro.history_from.reset();
  ro.history_to.reset();
  ro.lower_bound = "b";
  ro.include_deleted = true;
  EXPECT_EQ("b@6000=DEL b@5000=b5 b@4000=b4 b@3000=b3 b@2000=b2 b@1000=b1",
            Scan(ro));
  ro.history_limit = 2;
  EXPECT_EQ("b@6000=DEL b@5000=b5", Scan(ro));
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b@1000=b1", Entry(*it));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  it->Prev();
  EXPECT_FALSE(it->Valid());  // the limit counts both directions
  ro.history_limit = 0;
  ro.lower_bound.reset();
  ro.upper_bound = "b";
  ro.as_of = 2500 * kMicro;
  EXPECT_EQ("a@2000=a2 a@1000=a1", Scan(ro));
}

TEST_P(VersioningTest, SeeksLandOnKeysNotVersions) {
  for (const std::string k : {"a", "c", "e"}) {
    ASSERT_OK(PutAt(k, k + "1", 1000));
    ASSERT_OK(PutAt(k, k + "2", 2000));
  }
  ASSERT_OK(DeleteAt("c", 3000));
  Settle();
  ReadOptions ro;
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("e@2000=e2", Entry(*it));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a@2000=a2", Entry(*it));
  it->SeekForPrev("d");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a@2000=a2", Entry(*it));
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("e@2000=e2", Entry(*it));
  ro.as_of = 2500 * kMicro;
  it = db_->NewIterator(ro);
  it->SeekForPrev("d");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c@2000=c2", Entry(*it));
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c@2000=c2", Entry(*it));
  it->Next();
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c@2000=c2", Entry(*it));
}

TEST_P(VersioningTest, DeleteRangeIsATombstoneVersionOfEveryKeyInItsRange) {
  At(1000);
  for (const char* k : {"a", "b", "c", "d"}) {
    ASSERT_OK(db_->Put(WriteOptions(), k, std::string(k) + "1"));
  }
  At(2000);
  ASSERT_OK(db_->Put(WriteOptions(), "b", "b2"));
  At(3000);
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "b", "d"));
  At(4000);
  ASSERT_OK(db_->Put(WriteOptions(), "c", "c4"));
  Settle();

  EXPECT_EQ("a@1000=a1 c@4000=c4 d@1000=d1", ScanAt(std::nullopt));
  EXPECT_EQ("a@1000=a1 b@2000=b2 c@1000=c1 d@1000=d1", ScanAt(2999));
  EXPECT_EQ("a@1000=a1 d@1000=d1", ScanAt(3000));
  EXPECT_EQ("a@1000=a1 c@4000=c4 d@1000=d1", ScanAt(4000));
  EXPECT_EQ("b2", GetAt("b", 3000 * kMicro - 1));
  EXPECT_EQ("NOT_FOUND", GetAt("b", 3000 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("b", std::nullopt));
  EXPECT_EQ("NOT_FOUND", GetAt("c", 3999 * kMicro));
  EXPECT_EQ("c4", GetAt("c", std::nullopt));
  EXPECT_EQ("d1", GetAt("d", std::nullopt));  // the end is exclusive

  // Bounds and seeks inside the deleted range.
  ReadOptions ro;
  ro.as_of = 3500 * kMicro;
  ro.lower_bound = "b";
  ro.upper_bound = "d";
  EXPECT_EQ("", Scan(ro));
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  it->SeekForPrev("c0");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a", it->key().ToString());

  // History lists the versions written; the range delete is not one.
  ro = ReadOptions();
  ro.all_versions = true;
  ro.include_deleted = true;
  EXPECT_EQ("a@1000=a1 b@2000=b2 b@1000=b1 c@4000=c4 c@1000=c1 d@1000=d1",
            Scan(ro));
}

TEST_P(VersioningTest, RangeDeletesAndWritesMeetByTimestampNotByOrder) {
  ASSERT_OK(PutAt("k", "k1", 1000));
  ASSERT_OK(PutAt("m", "m1", 1000));
  ASSERT_OK(DeleteRangeAt("a", "z", 3000));
  // Written after the delete: one back-dated below it, one after it.
  ASSERT_OK(PutAt("k", "k2", 2000));
  ASSERT_OK(PutAt("m", "m4", 4000));
  // A back-dated range delete written last, below all of it but k1.
  ASSERT_OK(DeleteRangeAt("k", "l", 1500));
  // And one at the very time of a version: the later write wins the tie.
  ASSERT_OK(DeleteRangeAt("m", "n", 4000));
  ASSERT_OK(PutAt("m", "m4b", 4000));
  Settle();
  EXPECT_EQ("k1", GetAt("k", 1499 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 1500 * kMicro));
  EXPECT_EQ("k2", GetAt("k", 2000 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 3000 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", std::nullopt));
  EXPECT_EQ("m1", GetAt("m", 2999 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("m", 3999 * kMicro));
  EXPECT_EQ("m4b", GetAt("m", std::nullopt));
  EXPECT_EQ("k@1000=k1 m@1000=m1", ScanAt(1000));
  EXPECT_EQ("m@1000=m1", ScanAt(1500));
  EXPECT_EQ("k@2000=k2 m@1000=m1", ScanAt(2000));
  EXPECT_EQ("", ScanAt(3000));
  EXPECT_EQ("m@4000=m4b", ScanAt(std::nullopt));
  // Purging a key leaves the range deletes (they are not its versions).
  WriteBatch purge;
  purge.Purge("k");
  ASSERT_OK(db_->Write(WriteOptions(), &purge));
  ASSERT_OK(PutAt("k", "k2again", 2000));
  Settle();
  EXPECT_EQ("k2again", GetAt("k", 2500 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 3000 * kMicro));
}

TEST_P(VersioningTest, ARangeDeleteHonoursSnapshots) {
  At(1000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v"));
  const Snapshot* before = db_->GetSnapshot();
  At(2000);
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "a", "z"));
  const Snapshot* after = db_->GetSnapshot();
  At(3000);
  ASSERT_OK(PutAt("k", "back-dated", 1500));  // after both snapshots
  Settle();
  EXPECT_EQ("v", GetAt("k", std::nullopt, before));
  EXPECT_EQ("NOT_FOUND", GetAt("k", std::nullopt, after));
  EXPECT_EQ("v", GetAt("k", 1999 * kMicro, after));
  EXPECT_EQ("back-dated", GetAt("k", 1999 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", std::nullopt));
  ReadOptions ro;
  ro.snapshot = before;
  EXPECT_EQ("k@1000=v", Scan(ro));
  ro.snapshot = after;
  EXPECT_EQ("", Scan(ro));
  db_->ReleaseSnapshot(before);
  db_->ReleaseSnapshot(after);
  Settle();  // nothing the delete covers may go: reads before it need it
  EXPECT_EQ("v", GetAt("k", 1499 * kMicro));
  EXPECT_EQ("back-dated", GetAt("k", 1500 * kMicro));
}

TEST_P(VersioningTest, VersionsSurviveAReopen) {
  ASSERT_OK(PutAt("k", "v1", 1000));
  ASSERT_OK(PutAt("k", "v2", 2000));
  WriteBatch purge;
  purge.Purge("gone");
  ASSERT_OK(db_->Write(WriteOptions(), &purge));
  ASSERT_OK(DeleteRangeAt("j", "l", 2500));
  Settle();
  options_.flush_on_close = false;  // the memtable is replayed
  Reopen();
  EXPECT_EQ("v1", GetAt("k", 1500 * kMicro));
  EXPECT_EQ("v2", GetAt("k", 2499 * kMicro));
  EXPECT_EQ("NOT_FOUND", GetAt("k", 2500 * kMicro));
  ReadOptions ro;
  ro.all_versions = true;
  EXPECT_EQ("k@2000=v2 k@1000=v1", Scan(ro));
}

// A compaction takes every version of the keys its range meets: a table
// that ends at a key's newer versions and one that starts at its older
// ones overlap, although their versioned bounds do not. Otherwise the two
// would lie side by side in a level, and a lookup, which visits one table
// per level, would miss the older versions a snapshot still needs.
TEST(VersionedCompactionTest, ARangeTakesEveryVersionOfItsKeys) {
  std::unique_ptr<Env> env(NewMemEnv());
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  options.num_levels = 2;
  options.level0_compaction_trigger = 1;
  options.level0_idle_compaction_ms = 0;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  auto* impl = internal::ImplOf(db.get());
  ASSERT_OK(db->Put(WriteOptions(), "k", "old"));
  ASSERT_OK(db->Put(WriteOptions(), "z", "z"));
  ASSERT_OK(db->Flush());
  ASSERT_OK(impl->SettleBackground());  // L1: [k@old .. z]
  const Snapshot* snapshot = db->GetSnapshot();
  ASSERT_OK(db->Put(WriteOptions(), "a", "a"));
  ASSERT_OK(db->Put(WriteOptions(), "k", "new"));
  ASSERT_OK(db->Flush());  // L0: [a .. k@new], compacted into L1
  ASSERT_OK(impl->SettleBackground());
  std::string files;
  ASSERT_TRUE(db->GetProperty("strata.num-files-at-level1", &files));
  EXPECT_EQ("1", files);
  ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  ASSERT_OK(db->Get(ro, "k", &value));
  EXPECT_EQ("old", value);
  ASSERT_OK(db->Get(ReadOptions(), "k", &value));
  EXPECT_EQ("new", value);
  db->ReleaseSnapshot(snapshot);
}

// "key000042": keys that sort by number.
std::string NumberedKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return std::string(buf);
}

// A versioned DB whose compactions split their outputs at 64 KiB.
Options SplittingOptions(Env* env) {
  Options options;
  options.env = env;
  options.enable_versioning = true;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.level0_idle_compaction_ms = 0;
  return options;
}

// A compaction whose outputs split where a purged key begins: the purge's
// tombstone (over all the key's versions) must not be cut between two
// tables, which would put one key's versions in both.
TEST(VersionedCompactionTest, AnOutputSplitNeverCutsAPurge) {
  std::unique_ptr<Env> env(NewMemEnv());
  const Options options = SplittingOptions(env.get());
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  const std::string value(200, 'v');
  for (int i = 0; i < 3000; ++i)
    ASSERT_OK(db->Put(WriteOptions(), NumberedKey(i), value));
  const Snapshot* before = db->GetSnapshot();  // keeps the tombstones
  for (int i = 0; i < 3000; ++i) {
    WriteBatch batch;
    batch.Purge(NumberedKey(i));
    batch.Put(NumberedKey(i), "after");
    ASSERT_OK(db->Write(WriteOptions(), &batch));
  }
  ASSERT_OK(db->CompactRange(nullptr, nullptr));
  std::string files;
  ASSERT_TRUE(db->GetProperty("strata.num-files-at-level6", &files));
  EXPECT_GT(std::stoi(files), 1);  // the outputs did split
  ReadOptions at_before;
  at_before.snapshot = before;
  for (int i = 0; i < 3000; i += 7) {
    std::string v;
    ASSERT_OK(db->Get(ReadOptions(), NumberedKey(i), &v));
    EXPECT_EQ("after", v);
    ASSERT_OK(db->Get(at_before, NumberedKey(i), &v));
    EXPECT_EQ(value, v);
  }
  ReadOptions history;
  history.all_versions = true;
  uint64_t count = 0;
  ASSERT_OK(db->Count(history, NumberedKey(0), NumberedKey(3000), &count));
  EXPECT_EQ(3000u, count);  // the purged versions are gone from history
  db->ReleaseSnapshot(before);
  // A second compaction, and a reopen that reads the MANIFEST back.
  ASSERT_OK(db->CompactRange(nullptr, nullptr));
  ASSERT_OK(db->Close());
  ASSERT_OK(DB::Open(options, "/db", &db));
  std::string v;
  ASSERT_OK(db->Get(ReadOptions(), NumberedKey(1234), &v));
  EXPECT_EQ("after", v);
}

// A range delete over many keys, compacted into outputs that split inside
// its range: each output keeps the piece of it that overlaps its keys, and
// ends where the next begins (before that key's versions), so the level's
// tables stay apart by key.
TEST(VersionedCompactionTest, ARangeDeleteSpreadsOverTheOutputs) {
  std::unique_ptr<Env> env(NewMemEnv());
  const Options options = SplittingOptions(env.get());
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  // Values that do not compress, so that the tables fill.
  uint64_t x = 88172645463325252ull;
  std::string value(200, ' ');
  for (int i = 0; i < 3000; ++i) {
    for (char& c : value) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
    ASSERT_OK(db->Put(WriteOptions(), NumberedKey(i), value));
  }
  std::string before_delete;
  ASSERT_TRUE(db->GetProperty("strata.last-timestamp", &before_delete));
  ASSERT_OK(
      db->DeleteRange(WriteOptions(), NumberedKey(100), NumberedKey(2900)));
  ASSERT_OK(db->Put(WriteOptions(), NumberedKey(1500), "after"));
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK(db->CompactRange(nullptr, nullptr));
    std::string files;
    ASSERT_TRUE(db->GetProperty("strata.num-files-at-level6", &files));
    EXPECT_GT(std::stoi(files), 1);  // the outputs did split
    uint64_t count = 0;
    ASSERT_OK(
        db->Count(ReadOptions(), NumberedKey(0), NumberedKey(3000), &count));
    EXPECT_EQ(100u + 1 + 100, count);
    ReadOptions then;
    then.as_of = std::stoull(before_delete);
    ASSERT_OK(db->Count(then, NumberedKey(0), NumberedKey(3000), &count));
    EXPECT_EQ(3000u, count);
    for (int i = 0; i < 3000; i += 7) {
      std::string v;
      const Status s = db->Get(ReadOptions(), NumberedKey(i), &v);
      EXPECT_EQ(i >= 100 && i < 2900, s.IsNotFound()) << i;
      ASSERT_OK(db->Get(then, NumberedKey(i), &v));
    }
    // A reopen reads the MANIFEST's level back.
    ASSERT_OK(db->Close());
    ASSERT_OK(DB::Open(options, "/db", &db));
  }
}

// Nested range deletes at many timestamps: fragmenting them would take a
// (fragment, tombstone) pair for each of n(n + 1) / 2 combinations (every
// timestamp may matter to some as-of read), past what a table may hold.
// They are stored whole, so tables stay linear in their number and open.
TEST(VersionedCompactionTest, NestedRangeDeletesStayLinear) {
  std::unique_ptr<Env> env(NewMemEnv());
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  constexpr int kN = 3000;
  for (int i = 0; i < 2 * kN; i += 10) {
    WriteBatch batch;
    batch.PutAt(NumberedKey(i), "v", 1);
    ASSERT_OK(db->Write(WriteOptions(), &batch));
  }
  for (int i = 0; i < kN; ++i) {  // [i, 2n - i) at timestamp 10 + i
    WriteBatch batch;
    batch.DeleteRangeAt(NumberedKey(i), NumberedKey(2 * kN - i),
                        10 + static_cast<uint64_t>(i));
    ASSERT_OK(db->Write(WriteOptions(), &batch));
  }
  const auto check = [&] {
    for (int i = 0; i < 2 * kN; i += 170) {
      // Key i is covered by the tombstones j <= min(i, 2n - 1 - i); the
      // newest of them at or before as-of time 10 + j.
      const int newest = std::min(i, 2 * kN - 1 - i);
      for (const int j : {0, newest / 2, newest}) {
        ReadOptions ro;
        ro.as_of = 10 + static_cast<uint64_t>(j) - 1;
        std::string value;
        const Status s = db->Get(ro, NumberedKey(i), &value);
        if (j == 0) {
          EXPECT_TRUE(s.ok() == (i % 10 == 0)) << i << " " << s.ToString();
        } else {
          EXPECT_TRUE(s.IsNotFound()) << i << " " << j;
        }
      }
    }
    uint64_t count = 0;
    ReadOptions before;
    before.as_of = 9;
    ASSERT_OK(db->Count(before, NumberedKey(0), NumberedKey(2 * kN), &count));
    EXPECT_EQ(static_cast<uint64_t>(2 * kN / 10), count);
    ASSERT_OK(
        db->Count(ReadOptions(), NumberedKey(0), NumberedKey(2 * kN), &count));
    EXPECT_EQ(0u, count);
  };
  check();
  ASSERT_OK(db->Flush());
  ASSERT_OK(db->CompactRange(nullptr, nullptr));
  ASSERT_OK(db->Close());
  ASSERT_OK(DB::Open(options, "/db", &db));  // the tables open
  check();
  std::string entries;
  ASSERT_TRUE(db->GetProperty("strata.num-files-at-level6", &entries));
  EXPECT_EQ("1", entries);
}

class VersioningMisuseTest : public ::testing::Test {
 protected:
  VersioningMisuseTest() : env_(NewMemEnv()) { options_.env = env_.get(); }
  std::unique_ptr<Env> env_;
  Options options_;
};

TEST_F(VersioningMisuseTest, VersionedCallsOnADbWithoutVersioningAreRefused) {
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options_, "/plain", &db));
  for (int op = 0; op < 5; ++op) {
    WriteBatch batch;
    batch.Put("kept", "out");
    if (op == 0) batch.PutAt("k", "v", 5);
    if (op == 1) batch.DeleteAt("k", 5);
    if (op == 2) batch.Purge("k");
    if (op == 3) batch.Replace("k", "v");
    if (op == 4) batch.DeleteRangeAt("a", "z", 5);
    const Status s = db->Write(WriteOptions(), &batch);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_TRUE(Contains(s.ToString(), "enable_versioning")) << s.ToString();
  }
  std::string value;
  EXPECT_TRUE(db->Get(ReadOptions(), "kept", &value).IsNotFound());
  ReadOptions ro;
  ro.as_of = 5;
  EXPECT_TRUE(db->Get(ro, "k", &value).IsInvalidArgument());
  EXPECT_TRUE(db->NewIterator(ro)->status().IsInvalidArgument());
  uint64_t count = 0;
  EXPECT_TRUE(db->Count(ro, "a", "b", &count).IsInvalidArgument());
  ro.as_of.reset();
  ro.all_versions = true;
  EXPECT_TRUE(db->NewIterator(ro)->status().IsInvalidArgument());
  ASSERT_OK(db->Close());

  Options o = options_;
  o.version_retention = std::chrono::hours(1);
  const Status s = DB::Open(o, "/plain", &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "version_retention")) << s.ToString();
}

TEST_F(VersioningMisuseTest, TimestampZeroAndBadHistoryOptionsAreRefused) {
  options_.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options_, "/v", &db));
  WriteBatch batch;
  batch.Put("a", "1");
  batch.PutAt("k", "v", 0);
  EXPECT_TRUE(db->Write(WriteOptions(), &batch).IsInvalidArgument());
  batch.Clear();
  batch.DeleteAt("k", 0);
  EXPECT_TRUE(db->Write(WriteOptions(), &batch).IsInvalidArgument());
  std::string value;
  EXPECT_TRUE(db->Get(ReadOptions(), "a", &value).IsNotFound());
  ReadOptions ro;
  ro.include_deleted = true;  // without all_versions
  EXPECT_TRUE(db->NewIterator(ro)->status().IsInvalidArgument());
  ro.all_versions = true;
  ro.history_from = 10;
  ro.history_to = 9;
  EXPECT_TRUE(db->NewIterator(ro)->status().IsInvalidArgument());
  ro = ReadOptions();
  ro.all_versions = true;
  EXPECT_TRUE(db->Get(ro, "a", &value).IsInvalidArgument());
  // A range delete at timestamp 0, or a reversed one: refused.
  batch.Clear();
  batch.DeleteRangeAt("a", "b", 0);
  EXPECT_TRUE(db->Write(WriteOptions(), &batch).IsInvalidArgument());
  batch.Clear();
  batch.DeleteRangeAt("b", "a", 5);
  EXPECT_TRUE(db->Write(WriteOptions(), &batch).IsInvalidArgument());
  EXPECT_TRUE(db->DeleteRange(WriteOptions(), "b", "a").IsInvalidArgument());
}

TEST_F(VersioningMisuseTest, ReopeningWithTheOtherSettingNamesBoth) {
  for (const bool created_with : {true, false}) {
    const std::string name = created_with ? "/created-on" : "/created-off";
    Options o = options_;
    o.enable_versioning = created_with;
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(o, name, &db));
    ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
    ASSERT_OK(db->Close());
    db.reset();
    o.enable_versioning = !created_with;
    const Status s = DB::Open(o, name, &db);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    const std::string created =
        std::string("created with enable_versioning = ") +
        (created_with ? "true" : "false");
    const std::string opened = std::string("opened with enable_versioning = ") +
                               (created_with ? "false" : "true");
    EXPECT_TRUE(Contains(s.ToString(), created)) << s.ToString();
    EXPECT_TRUE(Contains(s.ToString(), opened)) << s.ToString();
    // Nothing was changed: the right setting still opens it.
    o.enable_versioning = created_with;
    ASSERT_OK(DB::Open(o, name, &db));
    std::string value;
    ASSERT_OK(db->Get(ReadOptions(), "k", &value));
    EXPECT_EQ("v", value);
  }
}

// Retention, driven by the clock: versions 1000, 2000, 3000 and 4000 µs;
// the horizon is moved to one nanosecond below, at, and above 2000 µs, and
// a compaction then keeps exactly what as-of reads at or after it need.
class RetentionTest : public ::testing::Test {
 protected:
  RetentionTest() : base_(NewMemEnv()), clock_(base_.get(), 1000) {
    options_.env = &clock_;
    options_.enable_versioning = true;
    options_.level0_idle_compaction_ms = 0;
    options_.version_retention = std::chrono::microseconds(10000);
  }

  void Open() { ASSERT_OK(DB::Open(options_, "/db", &db_)); }

  // Writes k at 1000..4000 µs and sets the clock so that the horizon
  // (now - 10000 µs) is `horizon_ns`.
  void WriteVersionsThenSetHorizon(uint64_t horizon_ns) {
    for (uint64_t t = 1000; t <= 4000; t += 1000) {
      clock_.Set(t);
      ASSERT_OK(db_->Put(WriteOptions(), "k", "v" + std::to_string(t)));
    }
    // ManualClockEnv counts µs; NowNanos is µs * 1000. A horizon that is
    // not a whole µs is reached through version_retention instead.
    clock_.Set(20000);
    options_.version_retention =
        std::chrono::nanoseconds(20000 * kMicro - horizon_ns);
  }

  std::string History() {
    ReadOptions ro;
    ro.all_versions = true;
    ro.include_deleted = true;
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out += std::to_string(it->timestamp() / kMicro) + " ";
    }
    EXPECT_OK(it->status());
    return out;
  }

  std::string GetAt(uint64_t as_of) {
    ReadOptions ro;
    ro.as_of = as_of;
    std::string value;
    const Status s = db_->Get(ro, "k", &value);
    if (!s.ok()) return s.ToString();
    return value;
  }

  std::unique_ptr<Env> base_;
  ManualClockEnv clock_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(RetentionTest, CompactionKeepsTheNewestVersionAtOrBeforeTheHorizon) {
  const struct {
    uint64_t horizon;
    const char* kept;
    const char* at_horizon;
  } cases[] = {
      {2000 * kMicro - 1, "4000 3000 2000 1000 ", "v1000"},
      {2000 * kMicro, "4000 3000 2000 ", "v2000"},
      {2000 * kMicro + 1, "4000 3000 2000 ", "v2000"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("horizon " + std::to_string(c.horizon));
    ASSERT_OK(DestroyDB("/db", options_));
    Open();
    WriteVersionsThenSetHorizon(c.horizon);
    ASSERT_OK(db_->Close());
    Open();  // with the retention that puts the horizon there
    ASSERT_OK(db_->CompactRange(nullptr, nullptr));
    EXPECT_EQ(c.kept, History());
    EXPECT_EQ(c.at_horizon, GetAt(c.horizon));
    EXPECT_EQ("v3000", GetAt(3500 * kMicro));
    EXPECT_TRUE(Contains(GetAt(c.horizon - 1), "retention horizon"));
    ASSERT_OK(db_->Close());
    db_.reset();
  }
}

TEST_F(RetentionTest, ASnapshotKeepsWhatItCanSee) {
  Open();
  clock_.Set(1000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1000"));
  const Snapshot* snapshot = db_->GetSnapshot();
  clock_.Set(2000);
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2000"));
  clock_.Set(2000 + 10000 + 500);  // horizon 2500 µs: both are older
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  // The snapshot cannot see v2000, so for it v1000 is the state at the
  // horizon.
  ReadOptions ro;
  ro.snapshot = snapshot;
  ro.as_of = 2500 * kMicro;
  std::string value;
  ASSERT_OK(db_->Get(ro, "k", &value));
  EXPECT_EQ("v1000", value);
  EXPECT_EQ("2000 1000 ", History());
  db_->ReleaseSnapshot(snapshot);
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ("2000 ", History());
}

TEST_F(RetentionTest, TheHorizonACompactionUsedHoldsAfterTheClockGoesBack) {
  Open();
  WriteVersionsThenSetHorizon(3000 * kMicro);
  ASSERT_OK(db_->Close());
  Open();
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ("4000 3000 ", History());
  ASSERT_OK(db_->Close());
  // Back to a time whose horizon (now - retention) is before 2000 µs: the
  // versions before 3000 µs are gone all the same, and reads say so.
  clock_.Set(20000 - 1500);
  Open();
  EXPECT_TRUE(Contains(GetAt(2500 * kMicro), "retention horizon"));
  EXPECT_EQ("v3000", GetAt(3000 * kMicro));
  // Nor does reopening without retention bring them back.
  ASSERT_OK(db_->Close());
  options_.version_retention = std::chrono::nanoseconds(0);
  Open();
  EXPECT_TRUE(Contains(GetAt(2500 * kMicro), "retention horizon"));
  EXPECT_EQ("v3000", GetAt(3000 * kMicro));
}

TEST_F(VersioningMisuseTest, AnAsOfBeforeTheRetentionHorizonIsRefused) {
  ManualClockEnv clock(env_.get(), 10000);
  options_.env = &clock;
  options_.enable_versioning = true;
  options_.version_retention = std::chrono::microseconds(1000);
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options_, "/r", &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
  const uint64_t horizon = (10000 - 1000) * kMicro;
  ReadOptions ro;
  std::string value;
  ro.as_of = horizon;
  EXPECT_OK(db->Get(ro, "k", &value).IsNotFound() ? Status::OK()
                                                  : Status::Corruption("?"));
  ro.as_of = horizon - 1;
  Status s = db->Get(ro, "k", &value);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), std::to_string(horizon))) << s.ToString();
  EXPECT_TRUE(db->NewIterator(ro)->status().IsInvalidArgument());
  uint64_t count = 0;
  EXPECT_TRUE(db->Count(ro, "a", "z", &count).IsInvalidArgument());
  clock.Advance(1);  // the horizon moves with the clock
  ro.as_of = horizon;
  EXPECT_TRUE(db->Get(ro, "k", &value).IsInvalidArgument());
}

}  // namespace
}  // namespace strata
