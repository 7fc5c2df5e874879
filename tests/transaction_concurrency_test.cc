// Transactions under concurrency (issue 15): a bank of accounts with
// random transfers from 8 threads, retried on Busy, while read-only
// transactions check that every snapshot sums to the total and never
// abort; and a counter incremented by read-modify-write transactions from
// every thread, which must lose no update. Each runs under snapshot
// isolation and serializable, with the commit index at its default bound
// and at a bound so small that every commit decides from the tree. Run
// under TSan by `make tsan`.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/transaction.h"

namespace strata {
namespace {

struct Params {
  IsolationLevel isolation;
  size_t index_bytes;
};

class TransactionConcurrencyTest : public ::testing::TestWithParam<Params> {
 protected:
  TransactionConcurrencyTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.write_buffer_size = 256 << 10;  // flushes happen meanwhile
    options_.max_transaction_index_bytes = GetParam().index_bytes;
    EXPECT_OK(DB::Open(options_, "/db", &db_));
  }

  TransactionOptions Txn(TransactionMode mode = TransactionMode::kReadWrite) {
    TransactionOptions o;
    o.isolation = GetParam().isolation;
    o.mode = mode;
    return o;
  }

  static std::string Account(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "acct%04d", i);
    return buf;
  }

  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_P(TransactionConcurrencyTest, TransfersKeepTheTotal) {
  constexpr int kAccounts = 1000;
  constexpr int kInitial = 1000;
  constexpr int kWriters = 8;
  constexpr int kTransfersEach = 150;
  for (int i = 0; i < kAccounts; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), Account(i), std::to_string(kInitial)));
  }
  std::atomic<bool> done{false};
  std::atomic<int> busy{0};
  std::atomic<int> bad_sums{0};
  std::atomic<int> reader_failures{0};
  std::atomic<int> checks{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      internal::Random rnd(static_cast<uint32_t>(1000 + w));
      for (int n = 0; n < kTransfersEach; ++n) {
        if (w == 0 && n == kTransfersEach / 2) {
          // Half way, until a reader has summed the accounts: at least
          // one check then runs while transfers are still to come, however
          // the threads are scheduled (fast writers could otherwise finish
          // before a reader starts).
          while (checks.load() == 0) std::this_thread::yield();
        }
        const int from = static_cast<int>(rnd.Uniform(kAccounts));
        int to = static_cast<int>(rnd.Uniform(kAccounts - 1));
        if (to >= from) ++to;
        const int amount = 1 + static_cast<int>(rnd.Uniform(50));
        int attempts = 0;
        const Status s = RunTransaction(
            db_.get(), WriteOptions(), Txn(),
            [&](Transaction& t) -> Status {
              ++attempts;
              std::string a;
              std::string b;
              STRATA_RETURN_IF_ERROR(t.Get(ReadOptions(), Account(from), &a));
              STRATA_RETURN_IF_ERROR(t.Get(ReadOptions(), Account(to), &b));
              STRATA_RETURN_IF_ERROR(
                  t.Put(Account(from), std::to_string(std::stoi(a) - amount)));
              return t.Put(Account(to), std::to_string(std::stoi(b) + amount));
            },
            /*max_attempts=*/1000);
        EXPECT_OK(s);
        busy.fetch_add(attempts - 1);
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!done.load()) {
        auto t = db_->BeginTransaction(WriteOptions(),
                                       Txn(TransactionMode::kReadOnly));
        std::unique_ptr<Iterator> it = t->NewIterator(ReadOptions());
        long sum = 0;
        int n = 0;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          sum += std::stol(it->value().ToString());
          ++n;
        }
        if (!it->status().ok() || n != kAccounts) reader_failures.fetch_add(1);
        if (sum != static_cast<long>(kAccounts) * kInitial) {
          bad_sums.fetch_add(1);
        }
        it.reset();
        if (!t->Commit().ok()) reader_failures.fetch_add(1);  // never aborts
        checks.fetch_add(1);
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[static_cast<size_t>(w)].join();
  done.store(true);
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(0, bad_sums.load());
  EXPECT_EQ(0, reader_failures.load());
  EXPECT_GT(checks.load(), 0);
  long total = 0;
  for (int i = 0; i < kAccounts; ++i) {
    std::string v;
    ASSERT_OK(db_->Get(ReadOptions(), Account(i), &v));
    total += std::stol(v);
  }
  EXPECT_EQ(static_cast<long>(kAccounts) * kInitial, total);
  std::printf("transfers: %d, retried on Busy: %d, reader checks: %d\n",
              kWriters * kTransfersEach, busy.load(), checks.load());
}

TEST_P(TransactionConcurrencyTest, NoUpdateIsLost) {
  constexpr int kThreads = 8;
  constexpr int kIncrementsEach = 100;
  ASSERT_OK(db_->Put(WriteOptions(), "counter", "0"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < kIncrementsEach; ++n) {
        EXPECT_OK(RunTransaction(
            db_.get(), WriteOptions(), Txn(),
            [](Transaction& t) -> Status {
              std::string v;
              STRATA_RETURN_IF_ERROR(t.Get(ReadOptions(), "counter", &v));
              return t.Put("counter", std::to_string(std::stoi(v) + 1));
            },
            /*max_attempts=*/10000));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::string v;
  ASSERT_OK(db_->Get(ReadOptions(), "counter", &v));
  EXPECT_EQ(std::to_string(kThreads * kIncrementsEach), v);
}

INSTANTIATE_TEST_SUITE_P(
    Levels, TransactionConcurrencyTest,
    ::testing::Values(Params{IsolationLevel::kSnapshot, 64 << 20},
                      Params{IsolationLevel::kSerializable, 64 << 20},
                      Params{IsolationLevel::kSnapshot, 1},
                      Params{IsolationLevel::kSerializable, 1}),
    [](const ::testing::TestParamInfo<Params>& info) {
      return std::string(info.param.isolation == IsolationLevel::kSnapshot
                             ? "Snapshot"
                             : "Serializable") +
             (info.param.index_bytes == 1 ? "FromTheTree" : "FromTheIndex");
    });

}  // namespace
}  // namespace strata
