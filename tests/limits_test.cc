// Limits of a DB directory and of one process (issue 7 part 6):
//
//  - A second open of an open DB, from this process or another, fails every
//    time (100 of 100), each attempt in under 100 ms; after the holder is
//    killed with SIGKILL the next open succeeds and sees its synced writes.
//  - Key and value size limits at max and max + 1, through every write path
//    (what tests/db_basic_test.cc does not already cover).
//  - Names read from CURRENT and the directory are checked against the
//    engine's own grammar (no '/', no "..", digits only); the MANIFEST names
//    files only by number. File numbers are at most kMaxFileNumber
//    (env/filename.h): a larger one in CURRENT or a MANIFEST is Corruption,
//    a directory entry with one is not strata's.
//  - No descriptor leaks over 10,000 open/close cycles (on tmpfs: see
//    LimitsTmpfsTest); a forked and exec'd child holds no descriptor of the
//    DB (and so not its lock).
//
// Other processes are this test binary run again with STRATA_LIMITS_ROLE
// set, which selects LimitsChildRole.Run (skipped in a normal run). A child
// talks to the parent through its stdout, one "ROLE ..." line per fact.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "env/env_util.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/test_util.h"
#include "version/version_edit.h"
#include "version/version_set.h"
#include "wal/log_writer.h"

extern char** environ;  // NOLINT: POSIX

namespace strata::testing {
namespace {

constexpr char kRoleVar[] = "STRATA_LIMITS_ROLE";
constexpr char kDbVar[] = "STRATA_LIMITS_DB";
constexpr int kOpenAttempts = 100;
constexpr auto kOpenDeadline = std::chrono::milliseconds(100);
constexpr int kChildTimeoutMs = 30000;

using Clock = std::chrono::steady_clock;

// ---- Helpers ----------------------------------------------------------------

std::string Get(DB* db, const std::string& key) {
  std::string value;
  const Status s = db->Get(ReadOptions(), key, &value);
  if (s.IsNotFound()) return "NOT_FOUND";
  if (!s.ok()) return s.ToString();
  return value;
}

uint64_t LastSequence(DB* db) {
  std::string v;
  EXPECT_TRUE(db->GetProperty("strata.last-sequence", &v));
  return std::stoull(v);
}

// The targets of this process's open descriptors ("" if unreadable).
std::vector<std::string> OpenDescriptors() {
  std::vector<std::string> targets;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(it->path(), link_ec);
    targets.push_back(link_ec ? std::string() : target.string());
  }
  return targets;
}

// Names of the descriptors among `targets` that point into `dir`.
std::vector<std::string> Inside(const std::vector<std::string>& targets,
                                const std::string& dir) {
  std::vector<std::string> r;
  for (const std::string& t : targets) {
    if (t == dir || t.rfind(dir + "/", 0) == 0) r.push_back(t);
  }
  return r;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  const auto c = std::filesystem::canonical(path, ec);
  return ec ? path : c.string();
}

// Tries to open `dbname` kOpenAttempts times while it is held; counts the
// attempts that fail with IOError saying the DB is locked, and the slowest.
struct LockedOpens {
  int locked = 0;
  std::chrono::microseconds slowest{0};
  std::string unexpected;  // the first other result
};

LockedOpens TryOpens(const std::string& dbname) {
  LockedOpens r;
  for (int i = 0; i < kOpenAttempts; ++i) {
    const auto start = Clock::now();
    std::unique_ptr<DB> db;
    const Status s = DB::Open(Options(), dbname, &db);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        Clock::now() - start);
    r.slowest = std::max(r.slowest, took);
    if (s.IsIOError() && s.ToString().find("locked") != std::string::npos &&
        db == nullptr) {
      ++r.locked;
    } else if (r.unexpected.empty()) {
      r.unexpected = s.ToString();
    }
  }
  return r;
}

// ---- Child processes --------------------------------------------------------

// This binary run again in `role` on `dbname`, its stdout a pipe to us.
class Child {
 public:
  Child(const std::string& role, const std::string& dbname) {
    // Everything the child needs is prepared before fork(): between fork
    // and exec only async-signal-safe calls are allowed (the DB's threads
    // may hold locks).
    std::error_code ec;
    const std::string self =
        std::filesystem::read_symlink("/proc/self/exe", ec).string();
    args_ = {self, "--gtest_filter=LimitsChildRole.Run", "--gtest_color=no"};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string var = *e;
      // Not our role variables, and no GTEST_* (sharding would skip the
      // role; an output file would be overwritten by the child's report).
      if (var.rfind(std::string(kRoleVar) + "=", 0) == 0 ||
          var.rfind(std::string(kDbVar) + "=", 0) == 0 ||
          var.rfind("GTEST_", 0) == 0) {
        continue;
      }
      env_.push_back(var);
    }
    env_.push_back(std::string(kRoleVar) + "=" + role);
    env_.push_back(std::string(kDbVar) + "=" + dbname);
    std::vector<char*> argv, envp;
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);  // the copy is not close-on-exec
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    if (pid_ < 0) {
      ::close(fds[0]);
      return;
    }
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) Kill();
    if (out_ >= 0) ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads up to the next line "ROLE <word>[ <rest>]" and stores <rest> in
  // `*rest`. False on EOF or after kChildTimeoutMs without output (output()
  // keeps what the child said, for messages).
  bool Expect(const std::string& word, std::string* rest = nullptr) {
    const std::string prefix = "ROLE " + word;
    for (;;) {
      const size_t nl = buffer_.find('\n', scanned_);
      if (nl == std::string::npos) {
        if (!ReadMore()) return false;
        continue;
      }
      const std::string line = buffer_.substr(scanned_, nl - scanned_);
      scanned_ = nl + 1;
      if (line.rfind(prefix, 0) == 0) {
        if (rest != nullptr) {
          *rest =
              line.size() > prefix.size() ? line.substr(prefix.size() + 1) : "";
        }
        return true;
      }
    }
  }

  // kill -9, then reap.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    Wait();
  }

  // Reaps the child; its exit status (or 128 + signal).
  int Wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

  const std::string& output() const { return buffer_; }

 private:
  bool ReadMore() {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, kChildTimeoutMs) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof(buf));
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  std::vector<std::string> args_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  size_t scanned_ = 0;
};

// The child side. Roles:
//   hold     open the DB, write "holder" (synced), say READY, wait for death
//   tryopen  try to open the DB kOpenAttempts times; say RESULT
//            <locked> <slowest us> <first other result>
//   idle     say READY, wait for death (holds whatever exec let through)
//   listfds  say FD <target> for every open descriptor, then END
TEST(LimitsChildRole, Run) {
  const char* role = std::getenv(kRoleVar);
  const char* dbname = std::getenv(kDbVar);
  if (role == nullptr || dbname == nullptr) {
    GTEST_SKIP() << "runs only as a child of the limits tests";
  }
  const std::string r = role;
  if (r == "hold") {
    std::unique_ptr<DB> db;
    const Status s = DB::Open(Options(), dbname, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->Put(sync, "holder", std::to_string(::getpid())).ok());
    std::printf("ROLE READY\n");
    std::fflush(stdout);
    for (;;) ::pause();
  } else if (r == "idle") {
    std::printf("ROLE READY\n");
    std::fflush(stdout);
    for (;;) ::pause();
  } else if (r == "tryopen") {
    const LockedOpens opens = TryOpens(dbname);
    std::printf("ROLE RESULT %d %lld %s\n", opens.locked,
                static_cast<long long>(opens.slowest.count()),
                opens.unexpected.c_str());
  } else if (r == "listfds") {
    for (const std::string& t : OpenDescriptors()) {
      std::printf("ROLE FD %s\n", t.c_str());
    }
    std::printf("ROLE END\n");
  } else {
    FAIL() << "unknown role " << r;
  }
  std::fflush(stdout);
}

// ---- Fixture: a POSIX DB in a temp dir
// ---------------------------------------

// A scratch directory on tmpfs (/dev/shm) when there is one and
// $STRATA_TEST_TMPDIR does not say otherwise; else NewTempDir's.
std::string TmpfsTempDir(const std::string& name) {
  const char* root = std::getenv("STRATA_TEST_TMPDIR");
  std::error_code ec;
  if ((root == nullptr || root[0] == '\0') &&
      std::filesystem::is_directory("/dev/shm", ec) &&
      ::access("/dev/shm", W_OK) == 0) {
    for (int n = 0; n < 1000; ++n) {
      const std::string dir = "/dev/shm/" + name + "-" +
                              std::to_string(::getpid()) + "-" +
                              std::to_string(n);
      if (std::filesystem::create_directory(dir, ec)) return dir;
    }
  }
  return NewTempDir(name);
}

class LimitsTest : public ::testing::Test {
 protected:
  LimitsTest() : LimitsTest(NewTempDir("limits")) {}
  explicit LimitsTest(const std::string& dir)
      : dir_(dir), dbname_(Canonical(dir_) + "/db") {}
  ~LimitsTest() override {
    db_.reset();
    RemoveTempDir(dir_);
  }

  Status Open() {
    db_.reset();
    return DB::Open(options_, dbname_, &db_);
  }

  // A DB with two tables (one per level) and a WAL tail, left open.
  void OpenWithTablesAndWal() {
    ASSERT_TRUE(Open().ok());
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(db_->Put(wo_, "k" + std::to_string(i), "v").ok());
    }
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    ASSERT_TRUE(db_->Put(wo_, "k5", "v2").ok());
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_TRUE(db_->Put(wo_, "wal", "tail").ok());
    // Reads open both tables (the table cache keeps them open).
    EXPECT_EQ("v2", Get(db_.get(), "k5"));
    EXPECT_EQ("v", Get(db_.get(), "k6"));
    EXPECT_EQ("tail", Get(db_.get(), "wal"));
  }

  const std::string dir_;
  const std::string dbname_;
  Options options_;
  WriteOptions wo_;
  std::unique_ptr<DB> db_;
};

// ---- Single open
// --------------------------------------------------------------

TEST_F(LimitsTest, SecondOpenInThisProcessFailsEveryTime) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  const LockedOpens opens = TryOpens(dbname_);
  std::printf("  in-process: %d of %d opens refused, slowest %lld us\n",
              opens.locked, kOpenAttempts,
              static_cast<long long>(opens.slowest.count()));
  EXPECT_EQ(kOpenAttempts, opens.locked) << opens.unexpected;
  EXPECT_LT(opens.slowest, kOpenDeadline);
  // The holder is unharmed, and after it closes the DB opens at once.
  EXPECT_EQ("v", Get(db_.get(), "k"));
  ASSERT_TRUE(db_->Close().ok());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ("v", Get(db_.get(), "k"));
}

TEST_F(LimitsTest, SecondOpenFromAnotherProcessFailsEveryTime) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
  Child child("tryopen", dbname_);
  ASSERT_TRUE(child.started());
  std::string result;
  ASSERT_TRUE(child.Expect("RESULT", &result)) << child.output();
  EXPECT_EQ(0, child.Wait()) << child.output();
  int locked = -1;
  long long slowest_us = -1;
  ASSERT_EQ(2, std::sscanf(result.c_str(), "%d %lld", &locked, &slowest_us))
      << result;
  std::printf("  other process: %d of %d opens refused, slowest %lld us\n",
              locked, kOpenAttempts, slowest_us);
  EXPECT_EQ(kOpenAttempts, locked) << result;
  EXPECT_LT(slowest_us, 100000);
  EXPECT_EQ("v", Get(db_.get(), "k"));
}

TEST_F(LimitsTest, OpenSucceedsAfterTheHolderIsKilled) {
  {
    // Create the DB, so the child only opens it.
    ASSERT_TRUE(Open().ok());
    ASSERT_TRUE(db_->Put(wo_, "k", "v").ok());
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
  }
  Child child("hold", dbname_);
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(child.Expect("READY")) << child.output();
  const LockedOpens opens = TryOpens(dbname_);
  std::printf("  held by pid: %d of %d opens refused, slowest %lld us\n",
              opens.locked, kOpenAttempts,
              static_cast<long long>(opens.slowest.count()));
  EXPECT_EQ(kOpenAttempts, opens.locked) << opens.unexpected;
  EXPECT_LT(opens.slowest, kOpenDeadline);

  child.Kill();  // kill -9: no Close, no unlock, no flush
  const auto start = Clock::now();
  const Status s = Open();
  const auto took = Clock::now() - start;
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::printf(
      "  open after kill -9: %lld us\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  EXPECT_EQ("v", Get(db_.get(), "k"));
  EXPECT_NE("NOT_FOUND", Get(db_.get(), "holder"));  // synced before READY
}

// ---- Descriptors
// ----------------------------------------------------------------

TEST_F(LimitsTest, ExecedChildHoldsNoDescriptorOfTheDb) {
  OpenWithTablesAndWal();
  auto it = db_->NewIterator(ReadOptions());  // pins tables too
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  // The check can fail: this process does hold descriptors in the DB (the
  // LOCK, LOG, WAL, MANIFEST and tables).
  const std::vector<std::string> ours = Inside(OpenDescriptors(), dbname_);
  ASSERT_GE(ours.size(), 3u);

  Child child("listfds", dbname_);
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(child.Expect("END")) << child.output();
  EXPECT_EQ(0, child.Wait()) << child.output();
  std::vector<std::string> theirs;
  size_t count = 0;
  size_t pos = 0;
  const std::string& out = child.output();
  while ((pos = out.find("ROLE FD ", pos)) != std::string::npos) {
    pos += 8;
    const std::string target = out.substr(pos, out.find('\n', pos) - pos);
    ++count;
    if (target == dbname_ || target.rfind(dbname_ + "/", 0) == 0) {
      theirs.push_back(target);
    }
  }
  std::printf(
      "  parent holds %zu descriptor(s) in the DB; child has %zu "
      "descriptor(s), %zu in the DB\n",
      ours.size(), count, theirs.size());
  EXPECT_GE(count, 3u);  // stdin, stdout, stderr at least
  EXPECT_TRUE(theirs.empty()) << theirs.front();
}

TEST_F(LimitsTest, ExecedChildDoesNotKeepTheLock) {
  // flock locks belong to the open file description: a child that kept a
  // copy of the LOCK descriptor would keep the DB locked after we close it.
  OpenWithTablesAndWal();
  Child child("idle", dbname_);
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(child.Expect("READY")) << child.output();
  ASSERT_TRUE(db_->Close().ok());
  const Status s = Open();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("tail", Get(db_.get(), "wal"));
  child.Kill();
}

// Each open syncs the new WAL, MANIFEST, CURRENT and the directory several
// times: ~30 ms per cycle on the ext4 of the CI machine, so 10,000 cycles
// take 5 minutes there and 1.5 s on tmpfs. Descriptors are the same on
// either, so this test runs on tmpfs, and does 10,000 cycles only there.
class LimitsTmpfsTest : public LimitsTest {
 protected:
  LimitsTmpfsTest() : LimitsTest(TmpfsTempDir("limits")) {}
  bool OnTmpfs() const {
    struct statfs fs {};
    return ::statfs(dir_.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
  }
};

TEST_F(LimitsTmpfsTest, NoDescriptorLeaksOver10000OpenCloseCycles) {
  OpenWithTablesAndWal();
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  // One cycle first, so that anything opened once per process (the lock
  // registry, a cached /dev/urandom) is in the baseline.
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  const size_t baseline = OpenDescriptors().size();
  Options missing = options_;
  missing.create_if_missing = false;
  size_t most_while_open = 0;
  const auto start = Clock::now();
  const int kCycles = OnTmpfs() ? 10000 : 300;
  if (kCycles < 10000) std::printf("  no tmpfs: %d cycles only\n", kCycles);
  for (int i = 0; i < kCycles; ++i) {
    ASSERT_TRUE(Open().ok()) << "cycle " << i;
    if (i % 10 == 0) {
      // Reads open tables; a refused second open and an open of a missing
      // DB take their error paths.
      ASSERT_EQ("v", Get(db_.get(), "k6")) << "cycle " << i;
      std::unique_ptr<DB> second;
      ASSERT_TRUE(DB::Open(options_, dbname_, &second).IsIOError());
      ASSERT_FALSE(DB::Open(missing, dir_ + "/none", &second).ok());
    }
    if (i % 1000 == 0) {
      most_while_open = std::max(most_while_open, OpenDescriptors().size());
    }
    ASSERT_TRUE(db_->Close().ok()) << "cycle " << i;
    db_.reset();
  }
  const double secs =
      std::chrono::duration<double>(Clock::now() - start).count();
  const size_t after = OpenDescriptors().size();
  std::printf(
      "  %d open/close cycles in %.1f s; descriptors: %zu before, "
      "%zu after, at most %zu while open\n",
      kCycles, secs, baseline, after, most_while_open);
  EXPECT_EQ(baseline, after);
  EXPECT_LE(most_while_open, baseline + 16);
}

// ---- Size limits
// ------------------------------------------------------------------

TEST(LimitsOptionsTest, OptionBoundsAtMaxAndMaxPlusOne) {
  Options o;
  o.max_key_size = 2u << 20;
  EXPECT_TRUE(o.Validate().ok());
  o.max_key_size = (2u << 20) + 1;
  Status s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.ToString().find("max_key_size"));
  o.max_key_size = 0;
  EXPECT_TRUE(o.Validate().IsInvalidArgument());
  o.max_key_size = 1;
  EXPECT_TRUE(o.Validate().ok());

  o.max_value_size = 60ull << 20;
  EXPECT_TRUE(o.Validate().ok());
  o.max_value_size = (60ull << 20) + 1;
  s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.ToString().find("max_value_size"));
  o.max_value_size = 0;
  EXPECT_TRUE(o.Validate().ok());

  o.level0_idle_compaction_ms = 30ull * 24 * 3600 * 1000;
  EXPECT_TRUE(o.Validate().ok());
  o.level0_idle_compaction_ms += 1;
  s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.ToString().find("level0_idle_compaction_ms"));
  o.level0_idle_compaction_ms = 0;
  EXPECT_TRUE(o.Validate().ok());

  // block_page_size: 0, or a power of two in [512 B, 64 KiB].
  for (size_t good : {size_t{0}, size_t{512}, size_t{4096}, size_t{65536}}) {
    o.block_page_size = good;
    EXPECT_TRUE(o.Validate().ok()) << good;
  }
  for (size_t bad : {size_t{256}, size_t{4095}, size_t{6144}, size_t{131072}}) {
    o.block_page_size = bad;
    s = o.Validate();
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_NE(std::string::npos, s.ToString().find("block_page_size"));
  }
}

TEST_F(LimitsTest, BatchKeyLimitsAtMaxAndMaxPlusOne) {
  options_.max_key_size = 100;
  options_.max_value_size = 1000;
  ASSERT_TRUE(Open().ok());
  const std::string at_max(100, 'k');
  const std::string past_max(101, 'k');
  const uint64_t seq = LastSequence(db_.get());

  WriteBatch put_past;
  put_past.Put("good", "1");
  put_past.Put(past_max, "v");
  Status s = db_->Write(wo_, &put_past);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("max_key_size"));

  WriteBatch delete_past;
  delete_past.Put("good", "1");
  delete_past.Delete(past_max);
  EXPECT_TRUE(db_->Write(wo_, &delete_past).IsInvalidArgument());

  // A range delete's bounds are keys: the same limit applies.
  WriteBatch range_past;
  range_past.DeleteRange("a", past_max);
  s = db_->Write(wo_, &range_past);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  WriteBatch range_begin_past;
  range_begin_past.DeleteRange(past_max, "z");
  EXPECT_TRUE(db_->Write(wo_, &range_begin_past).IsInvalidArgument());

  EXPECT_EQ(seq, LastSequence(db_.get()));
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), "good"));

  WriteBatch at_limit;
  at_limit.Put(at_max, std::string(1000, 'v'));
  at_limit.Delete(std::string(99, 'k') + "j");
  at_limit.Put("good", "1");
  ASSERT_TRUE(db_->Write(wo_, &at_limit).ok());
  EXPECT_EQ(seq + 3, LastSequence(db_.get()));
  EXPECT_EQ(std::string(1000, 'v'), Get(db_.get(), at_max));
  WriteBatch delete_at_max;
  delete_at_max.Delete(at_max);
  ASSERT_TRUE(db_->Write(wo_, &delete_at_max).ok());
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), at_max));
}

// Needs range deletes (issue 5): before them DeleteRange is NotSupported.
TEST_F(LimitsTest, RangeDeleteBoundsAtMaxAndMaxPlusOne) {
  options_.max_key_size = 100;
  ASSERT_TRUE(Open().ok());
  const std::string at_max(100, 'k');
  const std::string past_max(101, 'k');
  ASSERT_TRUE(db_->Put(wo_, "a", "1").ok());
  ASSERT_TRUE(db_->Put(wo_, "kk", "2").ok());
  const uint64_t seq = LastSequence(db_.get());
  Status s = db_->DeleteRange(wo_, "a", past_max);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db_->DeleteRange(wo_, past_max, "z");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(seq, LastSequence(db_.get()));
  s = db_->DeleteRange(wo_, "a", at_max);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), "a"));
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), "kk"));
  ASSERT_TRUE(db_->Put(wo_, at_max, "3").ok());
  s = db_->DeleteRange(wo_, at_max, "z");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), at_max));
}

TEST_F(LimitsTest, SmallestLimitsAtMaxAndMaxPlusOne) {
  options_.max_key_size = 1;
  options_.max_value_size = 0;
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(db_->Put(wo_, "a", "").ok());
  EXPECT_TRUE(db_->Put(wo_, "ab", "").IsInvalidArgument());
  EXPECT_TRUE(db_->Put(wo_, "b", "x").IsInvalidArgument());
  EXPECT_TRUE(db_->Delete(wo_, "ab").IsInvalidArgument());
  WriteBatch batch;
  batch.Put("c", "x");
  EXPECT_TRUE(db_->Write(wo_, &batch).IsInvalidArgument());
  ASSERT_TRUE(db_->Close().ok());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ("", Get(db_.get(), "a"));
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), "b"));
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), "c"));
}

TEST_F(LimitsTest, KeysAtTheDefaultLimitSurviveFlushCompactionAndReopen) {
  ASSERT_TRUE(Open().ok());
  const size_t max = Options().max_key_size;
  const std::string big_a(max, 'a');
  std::string big_b(max, 'b');
  ASSERT_TRUE(db_->Put(wo_, big_a, "A").ok());
  ASSERT_TRUE(db_->Put(wo_, big_b, "B").ok());
  ASSERT_TRUE(db_->Put(wo_, "m", "M").ok());
  EXPECT_TRUE(
      db_->Put(wo_, std::string(max + 1, 'c'), "C").IsInvalidArgument());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put(wo_, big_b, "B2").ok());  // an overwrite in L0
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(db_->Put(wo_, big_a, "A2").ok());  // and one in the WAL
  ASSERT_TRUE(db_->Close().ok());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ("A2", Get(db_.get(), big_a));
  EXPECT_EQ("B2", Get(db_.get(), big_b));
  EXPECT_EQ("NOT_FOUND", Get(db_.get(), std::string(max + 1, 'c')));
  auto it = db_->NewIterator(ReadOptions());
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  ASSERT_EQ(3u, keys.size());
  EXPECT_EQ(big_a, keys[0]);
  EXPECT_EQ(big_b, keys[1]);
  EXPECT_EQ("m", keys[2]);
}

// ---- Names
// ------------------------------------------------------------------------

// The only file names strata reads are CURRENT's content and directory
// entries; the MANIFEST names tables and logs only by number (see
// docs/manifest_format.md: a new-file record holds varint64 number, the
// names are TableFileName/LogFileName of it).
TEST(LimitsNamesTest, DirectoryNamesFollowTheGrammar) {
  using internal::FileType;
  using internal::ParseFileName;
  uint64_t number = 0;
  FileType type;
  ASSERT_TRUE(ParseFileName("000012.sst", &number, &type));
  EXPECT_EQ(12u, number);
  EXPECT_EQ(FileType::kTableFile, type);
  ASSERT_TRUE(ParseFileName("MANIFEST-000007", &number, &type));
  EXPECT_EQ(7u, number);
  EXPECT_EQ(FileType::kManifestFile, type);
  for (const char* bad :
       {"../000001.log", "x/000001.log", "000001.log/", "..", ".", "",
        "MANIFEST-", "MANIFEST-../1", "MANIFEST-1/../2", "MANIFEST-+1",
        "MANIFEST- 1", "+1.log", "-1.sst", " 1.sst", "1 .sst", "0x1.sst",
        "1.sst.", "1.SST", "18446744073709551616.sst", "CURRENT/..",
        "../CURRENT", "IDENTITY.", "LOCK/", "1.log.damaged/",
        // Not written the way strata writes its names: someone else's.
        "MANIFEST-7", "42.sst", "2024.log", "0000042.sst", "0000001.log",
        "12.log.damaged", "report.tmp", "notes.tmp", ".tmp", "LOG.tmp"}) {
    EXPECT_FALSE(ParseFileName(bad, &number, &type)) << bad;
  }
  // Numbers above internal::kMaxFileNumber (2^63 - 1) are not strata's.
  for (const char* huge :
       {"9223372036854775808.sst", "18446744073709551615.log",
        "MANIFEST-9223372036854775808", "18446744073709551615.log.damaged"}) {
    EXPECT_FALSE(ParseFileName(huge, &number, &type)) << huge;
  }
  // Everything strata names for itself parses back to the same number.
  for (const uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{999999},
                           uint64_t{1000000}, internal::kMaxFileNumber}) {
    const std::string table = internal::TableFileName("d", n).substr(2);
    ASSERT_TRUE(ParseFileName(table, &number, &type)) << table;
    EXPECT_EQ(n, number);
    const std::string log = internal::LogFileName("d", n).substr(2);
    ASSERT_TRUE(ParseFileName(log, &number, &type)) << log;
    EXPECT_EQ(n, number);
    const std::string manifest = internal::ManifestFileName("d", n).substr(2);
    ASSERT_TRUE(ParseFileName(manifest, &number, &type)) << manifest;
    EXPECT_EQ(n, number);
  }
}

TEST_F(LimitsTest, CurrentMustNameAManifestByNumber) {
  OpenWithTablesAndWal();
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  Env* env = Env::Default();
  const std::string current_path = dbname_ + "/CURRENT";
  std::string current;
  ASSERT_TRUE(internal::ReadFileToString(env, current_path, &current).ok());
  ASSERT_EQ(0u, current.rfind("MANIFEST-", 0)) << current;
  const std::string manifest = current.substr(0, current.size() - 1);
  const std::string digits = manifest.substr(9);
  std::string manifest_bytes;
  ASSERT_TRUE(
      internal::ReadFileToString(env, dbname_ + "/" + manifest, &manifest_bytes)
          .ok());
  // Decoys: valid MANIFESTs where a path escaping the DB would lead, so
  // following such a name would open instead of failing.
  for (const std::string& decoy :
       {dir_ + "/x", dir_ + "/" + manifest, dir_ + "/MANIFEST-1"}) {
    ASSERT_TRUE(
        internal::WriteStringToFile(env, manifest_bytes, decoy, false).ok());
  }
  ASSERT_TRUE(env->CreateDirIfMissing(dbname_ + "/sub").ok());
  ASSERT_TRUE(internal::WriteStringToFile(env, manifest_bytes,
                                          dbname_ + "/sub/" + manifest, false)
                  .ok());

  const std::vector<std::string> bad = {
      "../x\n",
      "../x",
      "../" + manifest + "\n",
      manifest + "/../../x\n",
      "MANIFEST-000001/../../etc\n",
      "MANIFEST-../x\n",
      "MANIFEST-" + digits + "/\n",
      "sub/" + manifest + "\n",
      "./" + manifest + "\n",
      dbname_ + "/" + manifest + "\n",
      "/etc/passwd\n",
      manifest,           // no newline
      manifest + "\n\n",  // two
      manifest + "\r\n",
      manifest + " \n",
      " " + manifest + "\n",
      std::string("MANIFEST-") + digits + '\0' + "\n",
      "MANIFEST-\n",
      "MANIFEST--1\n",
      "MANIFEST-+1\n",
      "MANIFEST-0x1\n",
      "manifest-" + digits + "\n",
      "MANIFEST-18446744073709551616\n",  // 2^64
      "",
      "\n",
  };
  for (const std::string& contents : bad) {
    ASSERT_TRUE(
        internal::WriteStringToFile(env, contents, current_path, false).ok());
    const Status s = Open();
    EXPECT_TRUE(s.IsCorruption())
        << "CURRENT = \"" << contents << "\": " << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("CURRENT")) << s.ToString();
    EXPECT_EQ(nullptr, db_);
  }
  // The grammar is "MANIFEST-" digits "\n", any padding of the number.
  // Each open starts a new MANIFEST, so each form is made from the latest.
  ASSERT_TRUE(
      internal::WriteStringToFile(env, current, current_path, false).ok());
  for (int form = 0; form < 3; ++form) {
    ASSERT_TRUE(internal::ReadFileToString(env, current_path, &current).ok());
    const uint64_t number = std::stoull(current.substr(9));
    const std::string good =
        form == 0   ? "MANIFEST-" + std::to_string(number) + "\n"
        : form == 1 ? "MANIFEST-0000000000" + std::to_string(number) + "\n"
                    : current;
    ASSERT_TRUE(
        internal::WriteStringToFile(env, good, current_path, false).ok());
    const Status s = Open();
    ASSERT_TRUE(s.ok()) << "CURRENT = \"" << good << "\": " << s.ToString();
    EXPECT_EQ("tail", Get(db_.get(), "wal"));
    EXPECT_EQ("v2", Get(db_.get(), "k5"));
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
  }
}

// File numbers are bounded (kMaxFileNumber, env/filename.h): a directory
// entry with a larger number is not strata's, and CURRENT or a MANIFEST
// holding one is damaged. Before the bound, a stray "18446744073709551614.log"
// made the counter wrap to 0 at open (the open then failed with
// InvalidArgument, or, with a stray table number, later numbers reused those
// of live tables).
TEST_F(LimitsTest, NumbersStrataNeverMakesAreNotItsFiles) {
  OpenWithTablesAndWal();
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  Env* env = Env::Default();
  const std::vector<std::string> strays = {
      "18446744073709551615.log", "18446744073709551614.log",
      "18446744073709551613.sst", "9223372036854775808.log",
      "MANIFEST-18446744073709551615"};
  for (const std::string& stray : strays) {
    ASSERT_TRUE(internal::WriteStringToFile(env, "not ours",
                                            dbname_ + "/" + stray, false)
                    .ok());
  }
  for (int round = 0; round < 2; ++round) {
    const Status s = Open();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ("tail", Get(db_.get(), "wal"));
    EXPECT_EQ("v2", Get(db_.get(), "k5"));
    ASSERT_TRUE(db_->Put(wo_, "round", std::to_string(round)).ok());
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
  }
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ("1", Get(db_.get(), "round"));
  // The strays are left alone, and every number strata made is small.
  std::vector<std::string> names;
  ASSERT_TRUE(env->GetChildren(dbname_, &names).ok());
  for (const std::string& name : names) {
    if (std::find(strays.begin(), strays.end(), name) != strays.end()) {
      std::string contents;
      ASSERT_TRUE(
          internal::ReadFileToString(env, dbname_ + "/" + name, &contents)
              .ok());
      EXPECT_EQ("not ours", contents) << name;
      continue;
    }
    uint64_t number = 0;
    internal::FileType type;
    if (internal::ParseFileName(name, &number, &type)) {
      EXPECT_LT(number, 1000u) << name;
    }
  }
  for (const std::string& stray : strays) {
    EXPECT_TRUE(env->FileExists(dbname_ + "/" + stray)) << stray;
  }
}

// Appends `edit` as one more record to the MANIFEST that CURRENT names.
::testing::AssertionResult AppendEdit(const std::string& dbname,
                                      internal::VersionEdit* edit) {
  Env* env = Env::Default();
  std::string current;
  Status s = internal::ReadFileToString(env, dbname + "/CURRENT", &current);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  const std::string path = dbname + "/" + current.substr(0, current.size() - 1);
  uint64_t size = 0;
  s = env->GetFileSize(path, &size);
  std::unique_ptr<WritableFile> file;
  if (s.ok()) s = env->NewAppendableFile(path, &file);
  if (s.ok()) {
    internal::log::Writer writer(file.get(), size);
    std::string record;
    edit->EncodeTo(&record);
    s = writer.AddRecord(record);
  }
  if (s.ok()) s = file->Close();
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  return ::testing::AssertionSuccess();
}

TEST_F(LimitsTest, OutOfRangeNumbersInCurrentOrManifestAreCorruption) {
  OpenWithTablesAndWal();
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  Env* env = Env::Default();
  const std::string current_path = dbname_ + "/CURRENT";
  std::string current;
  ASSERT_TRUE(internal::ReadFileToString(env, current_path, &current).ok());
  std::string manifest_bytes;
  ASSERT_TRUE(internal::ReadFileToString(
                  env, dbname_ + "/" + current.substr(0, current.size() - 1),
                  &manifest_bytes)
                  .ok());

  // CURRENT naming a MANIFEST numbered 2^63 (present, and valid).
  ASSERT_TRUE(
      internal::WriteStringToFile(
          env, manifest_bytes, dbname_ + "/MANIFEST-9223372036854775808", false)
          .ok());
  ASSERT_TRUE(internal::WriteStringToFile(env, "MANIFEST-9223372036854775808\n",
                                          current_path, false)
                  .ok());
  Status s = Open();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("CURRENT")) << s.ToString();
  // 2^62 is in range: that MANIFEST opens. (At the very top of the range,
  // 2^63 - 1, the next files would be numbered past it: unreachable by a
  // counter that starts at 2 and adds one per file.)
  ASSERT_TRUE(env->RenameFile(dbname_ + "/MANIFEST-9223372036854775808",
                              dbname_ + "/MANIFEST-4611686018427387904")
                  .ok());
  ASSERT_TRUE(internal::WriteStringToFile(env, "MANIFEST-4611686018427387904\n",
                                          current_path, false)
                  .ok());
  s = Open();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("tail", Get(db_.get(), "wal"));
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();

  // A MANIFEST whose last edit sets the next file number, or the log
  // number, out of range.
  for (const int field : {0, 1}) {
    internal::VersionEdit edit;
    if (field == 0) edit.SetNextFileNumber(UINT64_MAX);
    if (field == 1) edit.SetLogNumber(uint64_t{1} << 63);
    ASSERT_TRUE(AppendEdit(dbname_, &edit));
    s = Open();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("MANIFEST-"))
        << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("file number"))
        << s.ToString();
    EXPECT_EQ(nullptr, db_);
  }
}

}  // namespace
}  // namespace strata::testing
