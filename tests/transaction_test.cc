// Transactions (issue 15): read-your-writes in Get and iterators, the three
// modes, snapshot isolation against serializable, GetForUpdate,
// savepoints, limits and misuse, and a commit decided exactly after the
// commit index has dropped what it held. Interleavings are written out
// step by step in one thread: each step is a call that returns before the
// next begins, so every run takes the same path.

#include "strata/transaction.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/write_batch.h"

namespace strata {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    Open();
  }

  void Open() { ASSERT_OK(DB::Open(options_, "/db", &db_)); }

  std::unique_ptr<Transaction> Begin(
      IsolationLevel isolation = IsolationLevel::kSnapshot,
      TransactionMode mode = TransactionMode::kReadWrite) {
    TransactionOptions o;
    o.isolation = isolation;
    o.mode = mode;
    return db_->BeginTransaction(WriteOptions(), o);
  }

  std::string Get(const std::string& key) {
    std::string value;
    const Status s = db_->Get(ReadOptions(), key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    EXPECT_OK(s);
    return value;
  }

  static std::string Get(Transaction* t, const std::string& key,
                         ReadOptions ro = ReadOptions()) {
    std::string value;
    const Status s = t->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  // "k=v k=v" forward; the same backward must match.
  static std::string Scan(Transaction* t, ReadOptions ro = ReadOptions()) {
    std::unique_ptr<Iterator> it = t->NewIterator(ro);
    std::vector<std::string> forward;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      forward.push_back(it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_OK(it->status());
    std::vector<std::string> backward;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      backward.insert(backward.begin(),
                      it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_EQ(forward, backward);
    std::string out;
    for (const std::string& e : forward) out += (out.empty() ? "" : " ") + e;
    return out;
  }

  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(TransactionTest, ReadsSeeOwnWritesAndOthersSeeThemAtCommit) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "a0"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "b0"));
  ASSERT_OK(db_->Put(WriteOptions(), "d", "d0"));
  auto t = Begin();
  ASSERT_OK(t->Put("a", "a1"));
  ASSERT_OK(t->Delete("b"));
  ASSERT_OK(t->Put("c", "c1"));
  EXPECT_EQ("a1", Get(t.get(), "a"));
  EXPECT_EQ("NOT_FOUND", Get(t.get(), "b"));
  EXPECT_EQ("c1", Get(t.get(), "c"));
  EXPECT_EQ("d0", Get(t.get(), "d"));
  EXPECT_EQ("a=a1 c=c1 d=d0", Scan(t.get()));
  // Nobody else sees them yet.
  EXPECT_EQ("a0", Get("a"));
  EXPECT_EQ("b0", Get("b"));
  EXPECT_EQ("NOT_FOUND", Get("c"));
  ASSERT_OK(t->Commit());
  EXPECT_EQ("a1", Get("a"));
  EXPECT_EQ("NOT_FOUND", Get("b"));
  EXPECT_EQ("c1", Get("c"));
}

TEST_F(TransactionTest, IteratorsMergeOwnWritesInBothDirectionsWithBounds) {
  for (const char* k : {"b", "d", "f", "h"}) {
    ASSERT_OK(db_->Put(WriteOptions(), k, std::string(k) + "0"));
  }
  auto t = Begin();
  ASSERT_OK(t->Put("a", "a1"));
  ASSERT_OK(t->Put("d", "d1"));  // over the snapshot's
  ASSERT_OK(t->Delete("f"));
  ASSERT_OK(t->DeleteRange("g", "z"));
  ASSERT_OK(t->Put("i", "i1"));  // after the range: it stays
  EXPECT_EQ("a=a1 b=b0 d=d1 i=i1", Scan(t.get()));
  ReadOptions ro;
  ro.lower_bound = "b";
  ro.upper_bound = "i";
  EXPECT_EQ("b=b0 d=d1", Scan(t.get(), ro));
  ro.keys_only = true;
  EXPECT_EQ("b= d=", Scan(t.get(), ro));
  uint64_t count = 0;
  ASSERT_OK(t->Count(ReadOptions(), "a", "z", &count));
  EXPECT_EQ(4u, count);
  // Seeks and direction changes.
  std::unique_ptr<Iterator> it = t->NewIterator(ReadOptions());
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("i", it->key().ToString());
  it->SeekForPrev("h");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("i", it->key().ToString());
  it->Next();
  EXPECT_FALSE(it->Valid());
  // An iterator keeps the writes as they were when it was made.
  ASSERT_OK(t->Put("e", "e1"));
  it->SeekToFirst();
  std::string keys;
  for (; it->Valid(); it->Next()) keys += it->key().ToString();
  EXPECT_EQ("abdi", keys);
  EXPECT_EQ("a=a1 b=b0 d=d1 e=e1 i=i1", Scan(t.get()));
}

TEST_F(TransactionTest, FirstCommitterWinsUnderSnapshotIsolation) {
  ASSERT_OK(db_->Put(WriteOptions(), "k", "0"));
  auto t1 = Begin();
  auto t2 = Begin();
  ASSERT_OK(t1->Put("k", "1"));
  ASSERT_OK(t2->Put("k", "2"));
  ASSERT_OK(t2->Put("other", "x"));
  ASSERT_OK(t1->Commit());
  const Status s = t2->Commit();
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "'k'")) << s.ToString();
  EXPECT_EQ("1", Get("k"));
  EXPECT_EQ("NOT_FOUND", Get("other"));  // nothing of t2 was applied
  // A plain write counts too, and so does a range delete over the key.
  auto t3 = Begin();
  ASSERT_OK(t3->Put("k", "3"));
  ASSERT_OK(db_->Put(WriteOptions(), "k", "plain"));
  EXPECT_TRUE(t3->Commit().IsBusy());
  auto t4 = Begin();
  ASSERT_OK(t4->Put("k", "4"));
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "j", "l"));
  EXPECT_TRUE(t4->Commit().IsBusy());
  // Disjoint writes both commit.
  auto t5 = Begin();
  auto t6 = Begin();
  ASSERT_OK(t5->Put("x", "5"));
  ASSERT_OK(t6->Put("y", "6"));
  ASSERT_OK(t5->Commit());
  ASSERT_OK(t6->Commit());
}

TEST_F(TransactionTest, SerializableValidatesReadsAndScannedRanges) {
  ASSERT_OK(db_->Put(WriteOptions(), "x", "0"));
  ASSERT_OK(db_->Put(WriteOptions(), "y", "0"));
  // Write skew: each reads both and writes one. Snapshot isolation lets
  // both commit; serializable stops the second.
  for (const auto level :
       {IsolationLevel::kSnapshot, IsolationLevel::kSerializable}) {
    auto t1 = Begin(level);
    auto t2 = Begin(level);
    EXPECT_EQ("0", Get(t1.get(), "x"));
    EXPECT_EQ("0", Get(t1.get(), "y"));
    EXPECT_EQ("0", Get(t2.get(), "x"));
    EXPECT_EQ("0", Get(t2.get(), "y"));
    ASSERT_OK(t1->Put("x", "1"));
    ASSERT_OK(t2->Put("y", "1"));
    ASSERT_OK(t1->Commit());
    const Status s = t2->Commit();
    if (level == IsolationLevel::kSnapshot) {
      EXPECT_OK(s);
    } else {
      EXPECT_TRUE(s.IsBusy()) << s.ToString();
    }
    ASSERT_OK(db_->Put(WriteOptions(), "x", "0"));
    ASSERT_OK(db_->Put(WriteOptions(), "y", "0"));
  }
  // A phantom: a key inserted inside a scanned range, not outside it.
  for (const bool inside : {true, false}) {
    auto t = Begin(IsolationLevel::kSerializable);
    uint64_t count = 0;
    ASSERT_OK(t->Count(ReadOptions(), "a", "m", &count));
    EXPECT_EQ(0u, count);
    ASSERT_OK(t->Put("summary", std::to_string(count)));
    ASSERT_OK(db_->Put(WriteOptions(), inside ? "c" : "q", "new"));
    const Status s = t->Commit();
    EXPECT_EQ(inside, s.IsBusy()) << s.ToString();
    ASSERT_OK(db_->Delete(WriteOptions(), inside ? "c" : "q"));
  }
  // A transaction that wrote nothing always commits.
  auto reader = Begin(IsolationLevel::kSerializable);
  EXPECT_EQ("0", Get(reader.get(), "x"));
  ASSERT_OK(db_->Put(WriteOptions(), "x", "changed"));
  EXPECT_OK(reader->Commit());
}

TEST_F(TransactionTest, EmptyScansRecordNothingAndHistoryScansRecordAll) {
  // A seek past the upper bound scanned nothing: a range delete elsewhere
  // in the key space is no conflict.
  auto t = Begin(IsolationLevel::kSerializable);
  ReadOptions ro;
  ro.upper_bound = "m";
  std::unique_ptr<Iterator> it = t->NewIterator(ro);
  it->Seek("q");
  EXPECT_FALSE(it->Valid());
  ro = ReadOptions();
  ro.lower_bound = "m";
  it = t->NewIterator(ro);
  it->SeekForPrev("c");
  EXPECT_FALSE(it->Valid());
  it.reset();
  ASSERT_OK(t->Put("zz", "mine"));
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "a", "z"));
  EXPECT_OK(t->Commit());
}

TEST_F(TransactionTest, GetForUpdatePutsAReadUnderTheCheck) {
  ASSERT_OK(db_->Put(WriteOptions(), "balance", "100"));
  auto t = Begin();
  std::string v;
  ASSERT_OK(t->GetForUpdate(ReadOptions(), "balance", &v));
  EXPECT_EQ("100", v);
  ASSERT_OK(t->Put("log", "read 100"));
  ASSERT_OK(db_->Put(WriteOptions(), "balance", "50"));
  EXPECT_TRUE(t->Commit().IsBusy());
  EXPECT_EQ("NOT_FOUND", Get("log"));
}

TEST_F(TransactionTest, ReadOnlyAndWriteOnlyModes) {
  ASSERT_OK(db_->Put(WriteOptions(), "k", "0"));
  auto ro = Begin(IsolationLevel::kSerializable, TransactionMode::kReadOnly);
  EXPECT_TRUE(ro->Put("k", "1").IsInvalidArgument());
  EXPECT_TRUE(ro->Delete("k").IsInvalidArgument());
  EXPECT_TRUE(ro->DeleteRange("a", "b").IsInvalidArgument());
  ASSERT_OK(db_->Put(WriteOptions(), "k", "changed"));
  EXPECT_EQ("0", Get(ro.get(), "k"));  // its snapshot
  EXPECT_OK(ro->Commit());             // never aborts

  auto wo = Begin(IsolationLevel::kSnapshot, TransactionMode::kWriteOnly);
  std::string v;
  EXPECT_TRUE(wo->Get(ReadOptions(), "k", &v).IsInvalidArgument());
  EXPECT_TRUE(wo->NewIterator(ReadOptions())->status().IsInvalidArgument());
  ASSERT_OK(wo->Put("k", "blind"));
  ASSERT_OK(db_->Put(WriteOptions(), "k", "meanwhile"));
  EXPECT_OK(wo->Commit());  // nothing is checked: it commits like a batch
  EXPECT_EQ("blind", Get("k"));
}

// A read-only transaction registers no snapshot: it pins the state it
// began on, which flushes and compactions replace but do not change.
TEST_F(TransactionTest, ReadOnlyTransactionsKeepTheirStateThroughCompaction) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i), "old"));
  }
  ASSERT_OK(db_->Flush());  // in a table the compaction below replaces
  auto ro = Begin(IsolationLevel::kSnapshot, TransactionMode::kReadOnly);
  std::string n;
  ASSERT_TRUE(db_->GetProperty("strata.num-snapshots", &n));
  EXPECT_EQ("0", n);
  std::unique_ptr<Iterator> early = ro->NewIterator(ReadOptions());

  // Overwritten, deleted, flushed and compacted: without a snapshot the
  // compaction keeps only the newest versions.
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_OK(i % 2 == 0 ? db_->Put(WriteOptions(), k, "new")
                         : db_->Delete(WriteOptions(), k));
  }
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "k0", "k5"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ("NOT_FOUND", Get("k1"));

  EXPECT_EQ("old", Get(ro.get(), "k1"));
  EXPECT_EQ("old", Get(ro.get(), "k2"));
  EXPECT_EQ("NOT_FOUND", Get(ro.get(), "k99"));
  uint64_t count = 0;
  ASSERT_OK(ro->Count(ReadOptions(), "k", "l", &count));
  EXPECT_EQ(20u, count);
  int seen = 0;
  for (early->SeekToFirst(); early->Valid(); early->Next()) {
    EXPECT_EQ("old", early->value().ToString());
    ++seen;
  }
  EXPECT_OK(early->status());
  EXPECT_EQ(20, seen);
  EXPECT_OK(ro->Commit());
  std::string v;
  EXPECT_TRUE(ro->Get(ReadOptions(), "k1", &v).IsInvalidArgument());

  // Open across Close: its reads fail with the DB's error.
  auto late = Begin(IsolationLevel::kSnapshot, TransactionMode::kReadOnly);
  EXPECT_EQ("new", Get(late.get(), "k6"));
  EXPECT_EQ("NOT_FOUND", Get(late.get(), "k10"));  // the range delete
  std::unique_ptr<Iterator> it = late->NewIterator(ReadOptions());
  ASSERT_OK(db_->Close());
  EXPECT_FALSE(late->Get(ReadOptions(), "k6", &v).ok());
  EXPECT_FALSE(late->NewIterator(ReadOptions())->status().ok());
  EXPECT_OK(late->Rollback());
  it.reset();
}

TEST_F(TransactionTest, SavePointsUndoWritesAndNest) {
  auto t = Begin(IsolationLevel::kSerializable);
  EXPECT_TRUE(t->RollbackToSavePoint().IsNotFound());
  ASSERT_OK(t->Put("a", "1"));
  t->SetSavePoint();
  ASSERT_OK(t->Put("a", "2"));
  ASSERT_OK(t->Put("b", "2"));
  t->SetSavePoint();
  ASSERT_OK(t->Delete("a"));
  EXPECT_EQ("NOT_FOUND", Get(t.get(), "a"));
  ASSERT_OK(t->RollbackToSavePoint());
  EXPECT_EQ("2", Get(t.get(), "a"));
  ASSERT_OK(t->RollbackToSavePoint());
  EXPECT_EQ("1", Get(t.get(), "a"));
  EXPECT_EQ("NOT_FOUND", Get(t.get(), "b"));
  EXPECT_TRUE(t->RollbackToSavePoint().IsNotFound());
  // Reads recorded after a savepoint go with it: a write to the key read
  // then no longer conflicts.
  t->SetSavePoint();
  EXPECT_EQ("NOT_FOUND", Get(t.get(), "z"));
  ASSERT_OK(t->RollbackToSavePoint());
  ASSERT_OK(db_->Put(WriteOptions(), "z", "other"));
  ASSERT_OK(t->Commit());
  EXPECT_EQ("1", Get("a"));
}

TEST_F(TransactionTest, MisuseIsRefusedAndLosesNothing) {
  auto t = Begin();
  ASSERT_OK(t->Put("k", "v"));
  EXPECT_TRUE(t->Put("", "v").IsInvalidArgument());
  EXPECT_TRUE(t->DeleteRange("b", "a").IsInvalidArgument());
  EXPECT_TRUE(t->PutAt("k", "v", 5).IsInvalidArgument());  // no versioning
  std::string v;
  ReadOptions with_snapshot;
  with_snapshot.snapshot = db_->GetSnapshot();
  EXPECT_TRUE(t->Get(with_snapshot, "k", &v).IsInvalidArgument());
  db_->ReleaseSnapshot(with_snapshot.snapshot);
  ASSERT_OK(t->Commit());
  EXPECT_EQ("v", Get("k"));
  // Finished: every call is refused.
  EXPECT_TRUE(t->Put("k", "again").IsInvalidArgument());
  EXPECT_TRUE(t->Get(ReadOptions(), "k", &v).IsInvalidArgument());
  EXPECT_TRUE(t->Commit().IsInvalidArgument());
  EXPECT_TRUE(t->Rollback().IsInvalidArgument());
  EXPECT_TRUE(t->RollbackToSavePoint().IsInvalidArgument());
  EXPECT_EQ("v", Get("k"));
  // Rolled back, or destroyed open: nothing is written.
  auto r = Begin();
  ASSERT_OK(r->Put("k", "rolled back"));
  ASSERT_OK(r->Rollback());
  EXPECT_TRUE(r->Commit().IsInvalidArgument());
  {
    auto d = Begin();
    ASSERT_OK(d->Put("k", "dropped"));
  }
  EXPECT_EQ("v", Get("k"));
  // The write set's bound.
  TransactionOptions small;
  small.max_write_bytes = 10;
  auto b = db_->BeginTransaction(WriteOptions(), small);
  ASSERT_OK(b->Put("12345", "1234"));
  const Status big = b->Put("k", "longer value");
  EXPECT_TRUE(big.IsInvalidArgument()) << big.ToString();
  ASSERT_OK(b->Commit());
  EXPECT_EQ("1234", Get("12345"));
  // A transaction that outlives Close fails cleanly.
  auto late = Begin();
  ASSERT_OK(late->Put("k", "late"));
  ASSERT_OK(db_->Close());
  EXPECT_FALSE(late->Commit().ok());
  auto after = db_->BeginTransaction(WriteOptions());
  EXPECT_FALSE(after->Put("k", "x").ok());
  EXPECT_FALSE(after->Commit().ok());
}

// The commit index keeps almost nothing (a bound of one byte): every
// commit decides from the tree instead, and decides the same.
TEST_F(TransactionTest, ConflictsAreExactAfterTheIndexDroppedThem) {
  ASSERT_OK(db_->Close());
  options_.max_transaction_index_bytes = 1;
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "0"));
  auto t1 = Begin();
  auto t2 = Begin();
  auto t3 = Begin(IsolationLevel::kSerializable);
  ASSERT_OK(t1->Put("k", "1"));
  ASSERT_OK(t2->Put("k", "2"));
  EXPECT_EQ("0", Get(t3.get(), "k"));
  ASSERT_OK(t3->Put("unrelated", "3"));
  for (int i = 0; i < 100; ++i) {  // writes the index cannot keep
    ASSERT_OK(db_->Put(WriteOptions(), "filler" + std::to_string(i), "f"));
  }
  ASSERT_OK(db_->Flush());  // and some of them only in a table
  ASSERT_OK(t1->Commit());
  auto* impl = internal::ImplOf(db_.get());
  EXPECT_GT(impl->commit_index().floor(), 0u);
  EXPECT_TRUE(t2->Commit().IsBusy());  // a real conflict, found in the tree
  EXPECT_TRUE(t3->Commit().IsBusy());
  // And no conflict where there is none.
  auto t4 = Begin(IsolationLevel::kSerializable);
  EXPECT_EQ("1", Get(t4.get(), "k"));
  ASSERT_OK(t4->Put("k", "4"));
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "more" + std::to_string(i), "f"));
  }
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "l", "m"));
  ASSERT_OK(t4->Commit());
  EXPECT_EQ("4", Get("k"));
}

TEST_F(TransactionTest, RunTransactionRetriesOnConflict) {
  ASSERT_OK(db_->Put(WriteOptions(), "counter", "0"));
  int attempts = 0;
  const Status s = RunTransaction(
      db_.get(), WriteOptions(), TransactionOptions(),
      [&](Transaction& t) -> Status {
        ++attempts;
        std::string v;
        STRATA_RETURN_IF_ERROR(t.GetForUpdate(ReadOptions(), "counter", &v));
        if (attempts == 1) {
          // Someone else increments meanwhile: this attempt conflicts.
          EXPECT_OK(db_->Put(WriteOptions(), "counter", "1"));
        }
        return t.Put("counter", std::to_string(std::stoi(v) + 1));
      });
  ASSERT_OK(s);
  EXPECT_EQ(2, attempts);
  EXPECT_EQ("2", Get("counter"));
  // A failing function's status comes back, and nothing is written.
  const Status failed =
      RunTransaction(db_.get(), WriteOptions(), TransactionOptions(),
                     [](Transaction& t) -> Status {
                       EXPECT_OK(t.Put("counter", "99"));
                       return Status::NotFound("gave up");
                     });
  EXPECT_TRUE(failed.IsNotFound());
  EXPECT_EQ("2", Get("counter"));
}

TEST(VersionedTransactionTest, TimestampsAsOfReadsAndOwnTimedWrites) {
  std::unique_ptr<Env> base(NewMemEnv());
  ManualClockEnv clock(base.get(), 1000);
  Options options;
  options.env = &clock;
  options.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  clock.Set(1000);
  ASSERT_OK(db->Put(WriteOptions(), "k", "v1000"));
  clock.Set(2000);
  ASSERT_OK(db->Put(WriteOptions(), "k", "v2000"));
  clock.Set(3000);
  auto t = db->BeginTransaction(WriteOptions());
  std::string v;
  ReadOptions past;
  past.as_of = 1500 * 1000;
  ASSERT_OK(t->Get(past, "k", &v));
  EXPECT_EQ("v1000", v);
  // An own version between the two: the as-of read at 1800 sees it, the
  // latest read still sees 2000's.
  ASSERT_OK(t->PutAt("k", "mine1800", 1800 * 1000));
  ReadOptions at1800;
  at1800.as_of = 1800 * 1000;
  ASSERT_OK(t->Get(at1800, "k", &v));
  EXPECT_EQ("mine1800", v);
  ASSERT_OK(t->Get(ReadOptions(), "k", &v));
  EXPECT_EQ("v2000", v);
  // A plain Put is the newest.
  ASSERT_OK(t->Put("k", "now"));
  ASSERT_OK(t->Get(ReadOptions(), "k", &v));
  EXPECT_EQ("now", v);
  ASSERT_OK(t->Commit());
  ASSERT_OK(db->Get(ReadOptions(), "k", &v));
  EXPECT_EQ("now", v);
  ASSERT_OK(db->Get(at1800, "k", &v));
  EXPECT_EQ("mine1800", v);
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(3000u * 1000, it->timestamp());  // the commit's timestamp

  // An own timed write older than the snapshot's newest version of its key
  // loses to it, a tombstone included (as it will once committed).
  clock.Set(4000);
  ASSERT_OK(db->Delete(WriteOptions(), "k"));  // a tombstone at 4000
  ASSERT_OK(db->Put(WriteOptions(), "r", "r4000"));
  WriteBatch range;
  range.DeleteRangeAt("r", "s", 4500 * 1000);  // a timed range tombstone
  ASSERT_OK(db->Write(WriteOptions(), &range));
  auto t2 = db->BeginTransaction(WriteOptions());
  ASSERT_OK(t2->PutAt("k", "mine3500", 3500 * 1000));
  ASSERT_OK(t2->PutAt("r", "mine4200", 4200 * 1000));
  EXPECT_TRUE(t2->Get(ReadOptions(), "k", &v).IsNotFound());
  EXPECT_TRUE(t2->Get(ReadOptions(), "r", &v).IsNotFound());
  ReadOptions at3600;
  at3600.as_of = 3600 * 1000;
  ASSERT_OK(t2->Get(at3600, "k", &v));
  EXPECT_EQ("mine3500", v);
  it = t2->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid()) << it->key().ToString();
  it = t2->NewIterator(at3600);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("k", it->key().ToString());
  EXPECT_EQ("mine3500", it->value().ToString());
  it.reset();
  ASSERT_OK(t2->Commit());
  EXPECT_TRUE(db->Get(ReadOptions(), "k", &v).IsNotFound());
  EXPECT_TRUE(db->Get(ReadOptions(), "r", &v).IsNotFound());
}

TEST(VersionedTransactionTest, SerializableHistoryScansAreReads) {
  std::unique_ptr<Env> env(NewMemEnv());
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v1"));
  TransactionOptions serializable;
  serializable.isolation = IsolationLevel::kSerializable;
  auto t = db->BeginTransaction(WriteOptions(), serializable);
  ReadOptions history;
  history.all_versions = true;
  history.lower_bound = "a";
  history.upper_bound = "m";
  std::unique_ptr<Iterator> it = t->NewIterator(history);
  int versions = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++versions;
  EXPECT_EQ(1, versions);
  it.reset();
  ASSERT_OK(t->Put("summary", std::to_string(versions)));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v2"));  // a version it would see
  EXPECT_TRUE(t->Commit().IsBusy());

  // An empty history range reads nothing: no conflict with a range delete.
  auto e = db->BeginTransaction(WriteOptions(), serializable);
  history.lower_bound = "m";
  history.upper_bound = "m";
  it = e->NewIterator(history);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it.reset();
  ASSERT_OK(e->Put("zz", "mine"));
  ASSERT_OK(db->DeleteRange(WriteOptions(), "a", "z"));
  EXPECT_OK(e->Commit());
}

// An iterator used after its transaction ended fails rather than read a
// snapshot that is gone.
TEST(VersionedTransactionTest, AnIteratorAfterItsTransactionFailsCleanly) {
  std::unique_ptr<Env> env(NewMemEnv());
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, "/db", &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
  ASSERT_OK(db->Delete(WriteOptions(), "k"));  // hidden from the base
  auto t = db->BeginTransaction(WriteOptions());
  ASSERT_OK(t->PutAt("k", "old", 1));  // weighed against the tombstone
  std::unique_ptr<Iterator> it = t->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());  // the tombstone is newer
  ASSERT_OK(it->status());
  ASSERT_OK(t->Rollback());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsInvalidArgument()) << it->status().ToString();
}

}  // namespace
}  // namespace strata
