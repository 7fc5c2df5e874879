// The bank under kill -9 (issue 15): each cycle forks a child that opens
// the DB and runs transfers between 1,000 accounts from four threads
// (RunTransaction, retried on Busy; thread 0 commits with sync, the others
// without) while a reader checks in read-only transactions that every
// snapshot sums to the total. The parent kills it with SIGKILL at a random
// moment, reopens the DB and checks:
//   - the total is intact;
//   - every transfer is recorded (each writes a log record with its
//     accounts and amount in the same transaction), the records of each
//     thread are a prefix of its transfers (no holes), and replaying them
//     from the opening balances gives exactly the stored balances (nothing
//     applied twice or in part);
//   - every commit the child acknowledged is there (a process crash keeps
//     the page cache, so this holds for commits without sync too).
// State accumulates across cycles. The seed is printed ($STRATA_SEED
// replays the choices; thread timing differs run to run).

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "env/env_test_util.h"
#include "strata/db.h"
#include "strata/iterator.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"
#include "testing/test_util.h"

namespace strata {
namespace {

constexpr int kAccounts = 1000;
constexpr int kOpening = 1000;  // every account's opening balance
constexpr int kThreads = 4;
constexpr int kCycles = 25;

std::string Account(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "acct/%04d", i);
  return buf;
}

// The log record of thread `t`'s transfer number `id`.
std::string LogKey(int t, uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "log/%d/%08llu", t,
                static_cast<unsigned long long>(id));
  return buf;
}

Options DBOptions() {
  Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 128 << 10;  // flushes and compactions meanwhile
  return o;
}

// One report line to the parent, written whole (shorter than PIPE_BUF).
void Report(int fd, const std::string& line) {
  const std::string l = line + "\n";
  for (;;) {
    const ssize_t r = ::write(fd, l.data(), l.size());
    if (r == static_cast<ssize_t>(l.size())) return;
    if (r < 0 && errno == EINTR) continue;
    ::_exit(4);  // no parent to report to
  }
}

[[noreturn]] void ChildFail(int fd, const std::string& what) {
  Report(fd, "F " + what);
  ::_exit(2);
}

// A balance as stored (decimal); anything else fails the child.
long long Number(int fd, const std::string& s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    ChildFail(fd, "not a balance: '" + s + "'");
  }
  return v;
}

// The child: transfers until killed. `next_id[t]` is thread t's next
// transfer number (its records so far are 0 .. next_id[t]-1).
[[noreturn]] void RunChild(const std::string& dir, uint64_t seed,
                           const std::vector<uint64_t>& next_id, int fd) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(DBOptions(), dir, &db);
  if (!s.ok()) ChildFail(fd, "open: " + s.ToString());
  Report(fd, "O");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      internal::Random rnd(static_cast<uint32_t>(seed * 31 + t));
      WriteOptions wo;
      wo.sync = t == 0;
      for (uint64_t id = next_id[t];; ++id) {
        // Half of the transfers touch 20 hot accounts: conflicts.
        const auto pick = [&] {
          return static_cast<int>(rnd.OneIn(2) ? rnd.Uniform(20)
                                               : rnd.Uniform(kAccounts));
        };
        const int from = pick();
        int to = pick();
        if (to == from) to = (from + 1) % kAccounts;
        const int amount = 1 + static_cast<int>(rnd.Uniform(50));
        const Status st = RunTransaction(
            db.get(), wo, TransactionOptions(),
            [&](Transaction& txn) -> Status {
              std::string a, b;
              STRATA_RETURN_IF_ERROR(txn.Get(ReadOptions(), Account(from), &a));
              STRATA_RETURN_IF_ERROR(txn.Get(ReadOptions(), Account(to), &b));
              const long long have = Number(fd, a);
              // Never below zero: a transfer it cannot pay moves nothing
              // (and is still recorded, so that ids stay dense).
              const int moved = have >= amount ? amount : 0;
              STRATA_RETURN_IF_ERROR(
                  txn.Put(Account(from), std::to_string(have - moved)));
              STRATA_RETURN_IF_ERROR(
                  txn.Put(Account(to), std::to_string(Number(fd, b) + moved)));
              return txn.Put(LogKey(t, id), std::to_string(from) + " " +
                                                std::to_string(to) + " " +
                                                std::to_string(moved));
            },
            1000);
        if (!st.ok()) ChildFail(fd, "transfer: " + st.ToString());
        Report(fd, "A " + std::to_string(t) + " " + std::to_string(id));
      }
    });
  }
  // The reader: every read-only snapshot sums to the total.
  threads.emplace_back([&] {
    TransactionOptions ro;
    ro.mode = TransactionMode::kReadOnly;
    for (;;) {
      std::unique_ptr<Transaction> txn =
          db->BeginTransaction(WriteOptions(), ro);
      ReadOptions r;
      r.lower_bound = "acct/";
      r.upper_bound = "acct0";
      std::unique_ptr<Iterator> it = txn->NewIterator(r);
      long long sum = 0;
      int n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        sum += Number(fd, it->value().ToString());
        ++n;
      }
      if (!it->status().ok()) ChildFail(fd, it->status().ToString());
      if (n != kAccounts || sum != 1LL * kAccounts * kOpening) {
        ChildFail(fd, "snapshot sums to " + std::to_string(sum) + " over " +
                          std::to_string(n) + " accounts");
      }
      const Status c = txn->Commit();
      if (!c.ok()) ChildFail(fd, "read-only commit: " + c.ToString());
    }
  });
  for (std::thread& th : threads) th.join();  // never: killed first
  ::_exit(3);
}

// What the parent learns from the child's reports.
struct Reports {
  bool opened = false;
  std::string failure;
  std::vector<uint64_t> acked;  // per thread: acknowledged ids + 1 (max)
};

void Parse(const std::string& line, Reports* r) {
  if (line == "O") {
    r->opened = true;
  } else if (line.rfind("F ", 0) == 0) {
    r->failure = line.substr(2);
  } else if (line.rfind("A ", 0) == 0) {
    int t = -1;
    unsigned long long id = 0;
    if (std::sscanf(line.c_str(), "A %d %llu", &t, &id) == 2 && t >= 0 &&
        t < kThreads) {
      r->acked[t] = std::max<uint64_t>(r->acked[t], id + 1);
    } else {
      r->failure = "unreadable report: " + line;
    }
  }
}

// Reads report lines from `fd` until `deadline`; false at EOF (the child
// is gone).
bool ReadReports(int fd, std::chrono::steady_clock::time_point deadline,
                 std::string* pending, Reports* r) {
  char buf[4096];
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    const int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)
            .count());
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, std::max(ms, 1));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending->append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending->find('\n', start)) != std::string::npos;
         start = nl + 1) {
      Parse(pending->substr(start, nl - start), r);
    }
    pending->erase(0, start);
  }
}

// Checks the reopened DB; returns the number of records per thread.
std::vector<uint64_t> Verify(DB* db, const std::vector<uint64_t>& acked) {
  std::map<int, long long> balance;
  std::vector<std::vector<uint64_t>> ids(kThreads);
  std::map<int, long long> replayed;
  for (int i = 0; i < kAccounts; ++i) replayed[i] = kOpening;
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string k = it->key().ToString();
    const std::string v = it->value().ToString();
    if (k.rfind("acct/", 0) == 0) {
      balance[std::atoi(k.c_str() + 5)] = std::stoll(v);
    } else if (k.rfind("log/", 0) == 0) {
      const int t = std::atoi(k.c_str() + 4);
      EXPECT_TRUE(t >= 0 && t < kThreads) << k;
      if (t < 0 || t >= kThreads) continue;
      ids[t].push_back(std::strtoull(k.c_str() + 6, nullptr, 10));
      int from = 0, to = 0, moved = 0;
      EXPECT_EQ(3, std::sscanf(v.c_str(), "%d %d %d", &from, &to, &moved))
          << k << " = " << v;
      replayed[from] -= moved;
      replayed[to] += moved;
    } else {
      ADD_FAILURE() << "a key the workload never wrote: " << k;
    }
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(static_cast<size_t>(kAccounts), balance.size());
  long long sum = 0;
  for (const auto& [account, b] : balance) {
    sum += b;
    EXPECT_EQ(replayed[account], b) << "account " << account;
  }
  EXPECT_EQ(1LL * kAccounts * kOpening, sum) << "the total";
  std::vector<uint64_t> count(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < ids[t].size(); ++i) {
      EXPECT_EQ(i, ids[t][i]) << "thread " << t << ": a hole";
      if (ids[t][i] != i) break;
    }
    count[t] = ids[t].size();
    EXPECT_GE(count[t], acked[t])
        << "thread " << t << ": an acknowledged transfer is lost";
  }
  return count;
}

TEST(TransactionCrashTest, TheBankSurvivesKillNine) {
  const uint64_t seed = testing::TestSeed(static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count()));
  std::printf("seed %llu (STRATA_SEED replays it)\n",
              static_cast<unsigned long long>(seed));
  internal::Random rnd(static_cast<uint32_t>(seed));
  const std::string dir = testing::NewTempDir("transaction_crash_test");
  {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(DBOptions(), dir, &db));
    WriteBatch batch;
    for (int i = 0; i < kAccounts; ++i) {
      batch.Put(Account(i), std::to_string(kOpening));
    }
    WriteOptions sync;
    sync.sync = true;
    ASSERT_OK(db->Write(sync, &batch));
    ASSERT_OK(db->Close());
  }
  std::vector<uint64_t> next_id(kThreads, 0);
  uint64_t total = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    int fds[2];
    ASSERT_EQ(0, ::pipe(fds));
    const uint64_t child_seed = rnd.Next();
    // The parent runs no other thread here (its DB is closed), so the
    // child starts from a consistent copy of it.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(dir, child_seed, next_id, fds[1]);
    }
    ::close(fds[1]);
    Reports reports;
    reports.acked.assign(kThreads, 0);
    std::string pending;
    // Until the child opened the DB (bounded), then a random while.
    const auto start = std::chrono::steady_clock::now();
    bool alive = true;
    while (alive && !reports.opened && reports.failure.empty() &&
           std::chrono::steady_clock::now() - start <
               std::chrono::seconds(60)) {
      alive = ReadReports(
          fds[0],
          std::chrono::steady_clock::now() + std::chrono::milliseconds(5),
          &pending, &reports);
    }
    const int kill_ms = 30 + static_cast<int>(rnd.Uniform(300));
    if (alive) {
      ReadReports(
          fds[0],
          std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_ms),
          &pending, &reports);
    }
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    pid_t waited = 0;
    do {
      waited = ::waitpid(pid, &wstatus, 0);
    } while (waited < 0 && errno == EINTR);
    // Whatever the child wrote before it died.
    ReadReports(fds[0],
                std::chrono::steady_clock::now() + std::chrono::seconds(5),
                &pending, &reports);
    ::close(fds[0]);
    ASSERT_EQ(pid, waited);
    ASSERT_EQ("", reports.failure) << "the child failed";
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "the child ended by itself: exit status "
        << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) << ", signal "
        << (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
    ASSERT_TRUE(reports.opened) << "the child did not open the DB in 60 s";

    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(DBOptions(), dir, &db));
    const std::vector<uint64_t> count = Verify(db.get(), reports.acked);
    ASSERT_FALSE(::testing::Test::HasFailure());
    ASSERT_OK(db->Close());
    for (int t = 0; t < kThreads; ++t) {
      total += count[t] - next_id[t];
      next_id[t] = count[t];
    }
  }
  std::printf("%llu transfers survived over %d kills\n",
              static_cast<unsigned long long>(total), kCycles);
  EXPECT_GT(total, 0u);
  testing::RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata
