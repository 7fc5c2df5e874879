// The Hermitage anomaly suite (Kleppmann's tests of isolation levels) as
// deterministic interleavings: each step is one call that returns before
// the next begins, so two (or three) transactions interleave exactly as
// written. The table holds rows 1 -> 10 and 2 -> 20 (keys "1", "2"); a
// "predicate" read is a scan of the whole table.
//
// Snapshot isolation prevents every anomaly but G2-item (write skew) and
// G2 (anti-dependency cycles over a predicate), which the tests show it
// allows; serializable prevents all twelve. Each test states the outcome
// for both levels, and EveryAnomalyByLevel prints the table.

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/transaction.h"

namespace strata {
namespace {

class Hermitage {
 public:
  explicit Hermitage(IsolationLevel level) : env_(NewMemEnv()), level_(level) {
    Options options;
    options.env = env_.get();
    EXPECT_OK(DB::Open(options, "/db", &db_));
    EXPECT_OK(db_->Put(WriteOptions(), "1", "10"));
    EXPECT_OK(db_->Put(WriteOptions(), "2", "20"));
  }

  std::unique_ptr<Transaction> Begin() {
    TransactionOptions o;
    o.isolation = level_;
    return db_->BeginTransaction(WriteOptions(), o);
  }

  static std::string Read(Transaction* t, const std::string& key) {
    std::string v;
    const Status s = t->Get(ReadOptions(), key, &v);
    if (s.IsNotFound()) return "-";
    EXPECT_OK(s);
    return v;
  }
  // Every row as "k=v,k=v": a predicate read over the whole table.
  static std::string Select(Transaction* t) {
    std::unique_ptr<Iterator> it = t->NewIterator(ReadOptions());
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out += (out.empty() ? "" : ",") + it->key().ToString() + "=" +
             it->value().ToString();
    }
    EXPECT_OK(it->status());
    return out;
  }
  // The committed table.
  std::string Table() {
    auto t = Begin();
    const std::string rows = Select(t.get());
    EXPECT_OK(t->Commit());
    return rows;
  }

  DB* db() { return db_.get(); }

 private:
  std::unique_ptr<Env> env_;
  const IsolationLevel level_;
  std::unique_ptr<DB> db_;
};

// One anomaly: runs it at `level` and returns whether it was prevented.
using Anomaly = std::function<bool(IsolationLevel level)>;

// G0, write cycles: two transactions overwrite both rows in opposite
// order; the result must be one or the other, never a mix.
bool G0(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "11"));
  EXPECT_OK(t2->Put("1", "12"));
  EXPECT_OK(t1->Put("2", "21"));
  EXPECT_OK(t1->Commit());
  EXPECT_OK(t2->Put("2", "22"));
  (void)t2->Commit();  // Busy: first committer wins
  const std::string table = h.Table();
  return table == "1=11,2=21" || table == "1=12,2=22";
}

// G1a, aborted reads: a value written by a transaction that then aborts
// is never seen.
bool G1a(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "101"));
  const std::string before = Hermitage::Read(t2.get(), "1");
  EXPECT_OK(t1->Rollback());
  const std::string after = Hermitage::Read(t2.get(), "1");
  EXPECT_OK(t2->Commit());
  return before == "10" && after == "10";
}

// G1b, intermediate reads: a value a transaction wrote and overwrote
// before committing is never seen.
bool G1b(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "101"));
  const std::string during = Hermitage::Read(t2.get(), "1");
  EXPECT_OK(t1->Put("1", "11"));
  EXPECT_OK(t1->Commit());
  const std::string after = Hermitage::Read(t2.get(), "1");
  EXPECT_OK(t2->Commit());
  return during != "101" && after != "101";
}

// G1c, circular information flow: neither of two transactions sees the
// other's uncommitted write.
bool G1c(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "11"));
  EXPECT_OK(t2->Put("2", "22"));
  const std::string t1_saw = Hermitage::Read(t1.get(), "2");
  const std::string t2_saw = Hermitage::Read(t2.get(), "1");
  (void)t1->Commit();
  (void)t2->Commit();
  return t1_saw == "20" && t2_saw == "10";
}

// OTV, observed transaction vanishes: a reader that saw one committed
// transaction's write keeps seeing all of it, never a later writer's half.
bool OTV(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "11"));
  EXPECT_OK(t1->Put("2", "19"));
  EXPECT_OK(t2->Put("1", "12"));
  EXPECT_OK(t1->Commit());
  auto t3 = h.Begin();
  const std::string r1 = Hermitage::Read(t3.get(), "1");
  EXPECT_OK(t2->Put("2", "18"));
  const std::string r2 = Hermitage::Read(t3.get(), "2");
  const Status s2 = t2->Commit();
  const std::string r3 = Hermitage::Read(t3.get(), "2");
  const std::string r4 = Hermitage::Read(t3.get(), "1");
  EXPECT_OK(t3->Commit());
  EXPECT_TRUE(s2.IsBusy()) << s2.ToString();
  return r1 == "11" && r2 == "19" && r3 == "19" && r4 == "11";
}

// PMP, predicate-many-preceders: a predicate read repeated after another
// transaction inserted a matching row returns the same rows.
bool PMP(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  const std::string first = Hermitage::Select(t1.get());
  EXPECT_OK(t2->Put("3", "30"));
  EXPECT_OK(t2->Commit());
  const std::string second = Hermitage::Select(t1.get());
  EXPECT_OK(t1->Commit());
  return first == second;
}

// PMP-write: one transaction updates every row (a predicate write),
// another deletes a row chosen by a predicate over the old values; both
// must not commit.
bool PMPWrite(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_OK(t1->Put("1", "20"));
  EXPECT_OK(t1->Put("2", "30"));
  // t2: delete where value = 20 (its snapshot: row 2).
  std::string match;
  std::unique_ptr<Iterator> it = t2->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().ToString() == "20") match = it->key().ToString();
  }
  EXPECT_EQ("2", match);
  EXPECT_OK(t2->Delete(match));
  EXPECT_OK(t1->Commit());
  const Status s2 = t2->Commit();
  return s2.IsBusy() && h.Table() == "1=20,2=30";
}

// P4, lost update: two read-modify-writes of one row; the second must not
// overwrite the first unseen.
bool P4(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  const int v1 = std::stoi(Hermitage::Read(t1.get(), "1"));
  const int v2 = std::stoi(Hermitage::Read(t2.get(), "1"));
  EXPECT_OK(t1->Put("1", std::to_string(v1 + 1)));
  EXPECT_OK(t2->Put("1", std::to_string(v2 + 1)));
  EXPECT_OK(t1->Commit());
  const Status s2 = t2->Commit();
  return s2.IsBusy() && h.Table() == "1=11,2=20";
}

// G-single, read skew: a reader sees both rows before, or both after,
// another transaction moved value between them.
bool GSingle(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  const std::string a = Hermitage::Read(t1.get(), "1");
  EXPECT_EQ("10", Hermitage::Read(t2.get(), "1"));
  EXPECT_EQ("20", Hermitage::Read(t2.get(), "2"));
  EXPECT_OK(t2->Put("1", "12"));
  EXPECT_OK(t2->Put("2", "18"));
  EXPECT_OK(t2->Commit());
  const std::string b = Hermitage::Read(t1.get(), "2");
  EXPECT_OK(t1->Commit());
  return std::stoi(a) + std::stoi(b) == 30;
}

// G-single-write: read skew whose reader then writes by what it read; it
// must not commit on the stale view.
bool GSingleWrite(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_EQ("10", Hermitage::Read(t1.get(), "1"));
  EXPECT_EQ("10", Hermitage::Read(t2.get(), "1"));
  EXPECT_EQ("20", Hermitage::Read(t2.get(), "2"));
  EXPECT_OK(t2->Put("1", "12"));
  EXPECT_OK(t2->Put("2", "18"));
  EXPECT_OK(t2->Commit());
  // t1: delete where value = 20 (its snapshot: row 2).
  EXPECT_EQ("20", Hermitage::Read(t1.get(), "2"));
  EXPECT_OK(t1->Delete("2"));
  const Status s1 = t1->Commit();
  return s1.IsBusy() && h.Table() == "1=12,2=18";
}

// G2-item, write skew: each reads both rows and updates one; a serial
// order would have the second see the first's write.
bool G2Item(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  EXPECT_EQ("10", Hermitage::Read(t1.get(), "1"));
  EXPECT_EQ("20", Hermitage::Read(t1.get(), "2"));
  EXPECT_EQ("10", Hermitage::Read(t2.get(), "1"));
  EXPECT_EQ("20", Hermitage::Read(t2.get(), "2"));
  EXPECT_OK(t1->Put("1", "11"));
  EXPECT_OK(t2->Put("2", "21"));
  EXPECT_OK(t1->Commit());
  const Status s2 = t2->Commit();
  return s2.IsBusy();
}

// G2, anti-dependency cycles over a predicate: each finds no row matching
// a predicate and inserts one that matches it.
bool G2(IsolationLevel level) {
  Hermitage h(level);
  auto t1 = h.Begin();
  auto t2 = h.Begin();
  // select where value % 3 = 0: none, in both.
  const auto multiples_of_3 = [](Transaction* t) {
    std::unique_ptr<Iterator> it = t->NewIterator(ReadOptions());
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      n += std::stoi(it->value().ToString()) % 3 == 0;
    }
    return n;
  };
  EXPECT_EQ(0, multiples_of_3(t1.get()));
  EXPECT_EQ(0, multiples_of_3(t2.get()));
  EXPECT_OK(t1->Put("3", "30"));
  EXPECT_OK(t2->Put("4", "42"));
  EXPECT_OK(t1->Commit());
  const Status s2 = t2->Commit();
  return s2.IsBusy();
}

struct Case {
  const char* name;
  Anomaly run;
  bool prevented_by_snapshot;  // serializable prevents all
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"G0", G0, true},
      {"G1a", G1a, true},
      {"G1b", G1b, true},
      {"G1c", G1c, true},
      {"OTV", OTV, true},
      {"PMP", PMP, true},
      {"PMP-write", PMPWrite, true},
      {"P4 lost update", P4, true},
      {"G-single read skew", GSingle, true},
      {"G-single-write", GSingleWrite, true},
      {"G2-item write skew", G2Item, false},
      {"G2 predicate", G2, false},
  };
  return cases;
}

class HermitageTest : public ::testing::TestWithParam<size_t> {};

TEST_P(HermitageTest, PreventedWhereTheLevelPromises) {
  const Case& c = Cases()[GetParam()];
  SCOPED_TRACE(c.name);
  EXPECT_EQ(c.prevented_by_snapshot, c.run(IsolationLevel::kSnapshot))
      << c.name << " under snapshot isolation";
  EXPECT_TRUE(c.run(IsolationLevel::kSerializable))
      << c.name << " under serializable";
}

INSTANTIATE_TEST_SUITE_P(Anomalies, HermitageTest,
                         ::testing::Range(size_t{0}, size_t{12}),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string name = Cases()[info.param].name;
                           std::string out;
                           for (const char ch : name) {
                             if (std::isalnum(static_cast<unsigned char>(ch))) {
                               out.push_back(ch);
                             }
                           }
                           return out;
                         });

TEST(HermitageTable, EveryAnomalyByLevel) {
  std::printf("| anomaly | snapshot | serializable |\n|---|---|---|\n");
  for (const Case& c : Cases()) {
    const bool si = c.run(IsolationLevel::kSnapshot);
    const bool ser = c.run(IsolationLevel::kSerializable);
    EXPECT_EQ(c.prevented_by_snapshot, si) << c.name;
    EXPECT_TRUE(ser) << c.name;
    std::printf("| %s | %s | %s |\n", c.name, si ? "prevented" : "allowed",
                ser ? "prevented" : "allowed");
  }
}

}  // namespace
}  // namespace strata
