// Tests of the POSIX and in-memory environments. Behaviour common to both
// runs against each through a parameterised fixture; descriptor flags,
// permission bits and cross-process locking are POSIX only.

#include "strata/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "env/env_util.h"
#include "gtest/gtest.h"

namespace strata {
namespace {

using internal::ReadFileToString;
using internal::WriteStringToFile;

#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const ::strata::Status assert_ok_status_ = (expr);                   \
    ASSERT_TRUE(assert_ok_status_.ok()) << assert_ok_status_.ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                                  \
  do {                                                                   \
    const ::strata::Status expect_ok_status_ = (expr);                   \
    EXPECT_TRUE(expect_ok_status_.ok()) << expect_ok_status_.ToString(); \
  } while (0)

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Bytes whose value depends on their offset, so any misplaced read shows.
std::string Pattern(size_t offset, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((offset + i) * 131 % 251);
  }
  return s;
}

// A fresh directory under $STRATA_TEST_TMPDIR (or /tmp), as a canonical
// absolute path. (This test links only base and env, not strata_testing.)
std::string MakeTempDir() {
  const char* env_root = std::getenv("STRATA_TEST_TMPDIR");
  const std::string root =
      env_root != nullptr && env_root[0] != '\0' ? env_root : "/tmp";
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  std::string tmpl = root + "/env_test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  char resolved[PATH_MAX];
  if (::realpath(tmpl.c_str(), resolved) == nullptr) std::abort();
  return resolved;
}

enum class EnvKind { kPosix, kMem };

void PrintTo(EnvKind kind, std::ostream* os) {
  *os << (kind == EnvKind::kPosix ? "Posix" : "Mem");
}

class EnvTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  void SetUp() override {
    if (GetParam() == EnvKind::kPosix) {
      env_ = Env::Default();
      root_ = MakeTempDir();
    } else {
      owned_env_ = NewMemEnv();
      env_ = owned_env_.get();
      root_ = "/mem-test";
      ASSERT_OK(env_->CreateDirIfMissing(root_));
    }
  }

  void TearDown() override {
    // A failing POSIX test leaves its directory behind as evidence.
    if (GetParam() == EnvKind::kPosix && !HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }

  std::string Path(const std::string& name) const { return root_ + "/" + name; }

  void Write(const std::string& name, const std::string& data) {
    ASSERT_OK(WriteStringToFile(env_, data, Path(name), /*sync=*/false));
  }

  std::string Read(const std::string& name) {
    std::string data;
    Status s = ReadFileToString(env_, Path(name), &data);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return data;
  }

  std::vector<std::string> Children(const std::string& dir) {
    std::vector<std::string> names;
    Status s = env_->GetChildren(dir, &names);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(names.begin(), names.end());
    return names;
  }

  std::unique_ptr<Env> owned_env_;
  Env* env_ = nullptr;
  std::string root_;
};

TEST_P(EnvTest, WriteAppendAndReadBack) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("hello"));
  ASSERT_OK(file->Append(""));
  ASSERT_OK(file->Append(std::string("\0\xff", 2)));
  ASSERT_OK(file->Append(" world"));
  ASSERT_OK(file->Close());
  EXPECT_EQ(std::string("hello\0\xff world", 13), Read("f"));
  uint64_t size = 0;
  ASSERT_OK(env_->GetFileSize(Path("f"), &size));
  EXPECT_EQ(13u, size);
}

TEST_P(EnvTest, NewWritableFileTruncates) {
  Write("f", "a long first content");
  Write("f", "x");
  EXPECT_EQ("x", Read("f"));
}

TEST_P(EnvTest, AppendableFileAppendsAndStartsAtExistingSize) {
  Write("f", "abc");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewAppendableFile(Path("f"), &file));
  EXPECT_EQ(3u, file->Size());
  ASSERT_OK(file->Append("de"));
  EXPECT_EQ(5u, file->Size());
  ASSERT_OK(file->Close());
  EXPECT_EQ("abcde", Read("f"));

  ASSERT_OK(env_->NewAppendableFile(Path("new"), &file));
  EXPECT_EQ(0u, file->Size());
  ASSERT_OK(file->Append("z"));
  ASSERT_OK(file->Close());
  EXPECT_EQ("z", Read("new"));
}

TEST_P(EnvTest, SequentialReadAndSkip) {
  const std::string content = Pattern(0, 1000);
  Write("f", content);
  std::unique_ptr<SequentialFile> file;
  ASSERT_OK(env_->NewSequentialFile(Path("f"), &file));
  char scratch[100];
  Slice chunk;
  ASSERT_OK(file->Read(10, &chunk, scratch));
  EXPECT_EQ(content.substr(0, 10), chunk.ToString());
  ASSERT_OK(file->Skip(20));
  ASSERT_OK(file->Read(5, &chunk, scratch));
  EXPECT_EQ(content.substr(30, 5), chunk.ToString());
  ASSERT_OK(file->Skip(960));
  ASSERT_OK(file->Read(100, &chunk, scratch));
  EXPECT_EQ(content.substr(995, 5), chunk.ToString());  // short: the end
  ASSERT_OK(file->Read(100, &chunk, scratch));
  EXPECT_TRUE(chunk.empty());
  ASSERT_OK(file->Skip(1u << 30));  // past the end: stays at the end
  ASSERT_OK(file->Read(100, &chunk, scratch));
  EXPECT_TRUE(chunk.empty());
}

TEST_P(EnvTest, SkipPastEndStopsAtEnd) {
  Write("f", "0123456789");
  std::unique_ptr<SequentialFile> file;
  ASSERT_OK(env_->NewSequentialFile(Path("f"), &file));
  ASSERT_OK(file->Skip(1000));
  // Data appended after the skip is readable: the skip did not go past it.
  std::unique_ptr<WritableFile> writer;
  ASSERT_OK(env_->NewAppendableFile(Path("f"), &writer));
  ASSERT_OK(writer->Append("ab"));
  ASSERT_OK(writer->Close());
  char scratch[10];
  Slice chunk;
  ASSERT_OK(file->Read(10, &chunk, scratch));
  EXPECT_EQ("ab", chunk.ToString());
}

TEST_P(EnvTest, RandomReadsIncludingPastEof) {
  const std::string content = Pattern(0, 5000);
  Write("f", content);
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env_->NewRandomAccessFile(Path("f"), &file));
  std::string scratch(100, '\0');
  Slice chunk;
  ASSERT_OK(file->Read(1234, 100, &chunk, scratch.data()));
  EXPECT_EQ(content.substr(1234, 100), chunk.ToString());
  ASSERT_OK(file->Read(0, 7, &chunk, scratch.data()));
  EXPECT_EQ(content.substr(0, 7), chunk.ToString());
  ASSERT_OK(file->Read(4990, 100, &chunk, scratch.data()));
  EXPECT_EQ(content.substr(4990), chunk.ToString());  // short read at EOF
  ASSERT_OK(file->Read(5000, 100, &chunk, scratch.data()));
  EXPECT_TRUE(chunk.empty());
  ASSERT_OK(file->Read(123456, 100, &chunk, scratch.data()));
  EXPECT_TRUE(chunk.empty());
}

TEST_P(EnvTest, SizeCountsBufferedBytes) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  EXPECT_EQ(0u, file->Size());
  ASSERT_OK(file->Append(Pattern(0, 100)));
  EXPECT_EQ(100u, file->Size());
  ASSERT_OK(file->Append(Pattern(100, 70000)));  // larger than the buffer
  EXPECT_EQ(70100u, file->Size());
  ASSERT_OK(file->Append(Pattern(70100, 30000)));
  EXPECT_EQ(100100u, file->Size());
  ASSERT_OK(file->Flush());
  uint64_t size = 0;
  ASSERT_OK(env_->GetFileSize(Path("f"), &size));
  EXPECT_EQ(100100u, size);
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  EXPECT_EQ(100100u, file->Size());
  EXPECT_EQ(Pattern(0, 100100), Read("f"));
}

TEST_P(EnvTest, CallsAfterCloseFail) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Close());
  EXPECT_TRUE(file->Append("d").IsIOError());
  EXPECT_TRUE(file->Flush().IsIOError());
  EXPECT_TRUE(file->Sync().IsIOError());
  EXPECT_TRUE(file->Close().IsIOError());
  EXPECT_EQ(3u, file->Size());
  EXPECT_EQ("abc", Read("f"));
}

TEST_P(EnvTest, DestructorClosesAndFlushes) {
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
    ASSERT_OK(file->Append("buffered"));
  }
  EXPECT_EQ("buffered", Read("f"));
}

TEST_P(EnvTest, RenameReplacesTarget) {
  Write("a", "content of a");
  Write("b", "content of b");
  ASSERT_OK(env_->RenameFile(Path("a"), Path("b")));
  EXPECT_FALSE(env_->FileExists(Path("a")));
  EXPECT_EQ("content of a", Read("b"));
  EXPECT_EQ(std::vector<std::string>{"b"}, Children(root_));
  EXPECT_TRUE(env_->RenameFile(Path("a"), Path("c")).IsNotFound());
}

TEST_P(EnvTest, LinkSharesContent) {
  Write("a", "hello");
  ASSERT_OK(env_->LinkFile(Path("a"), Path("b")));
  EXPECT_EQ("hello", Read("b"));
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewAppendableFile(Path("a"), &file));
  ASSERT_OK(file->Append(" world"));
  ASSERT_OK(file->Close());
  EXPECT_EQ("hello world", Read("b"));
  ASSERT_OK(env_->RemoveFile(Path("a")));
  EXPECT_EQ("hello world", Read("b"));

  Write("c", "c");
  const Status exists = env_->LinkFile(Path("b"), Path("c"));
  EXPECT_TRUE(exists.IsIOError()) << exists.ToString();
  EXPECT_TRUE(env_->LinkFile(Path("missing"), Path("d")).IsNotFound());
}

TEST_P(EnvTest, TruncationIsSeenThroughEveryLink) {
  Write("a", "hello");
  ASSERT_OK(env_->LinkFile(Path("a"), Path("b")));
  Write("a", "x");
  EXPECT_EQ("x", Read("b"));
}

TEST_P(EnvTest, RemoveFile) {
  Write("f", "data");
  EXPECT_TRUE(env_->FileExists(Path("f")));
  ASSERT_OK(env_->RemoveFile(Path("f")));
  EXPECT_FALSE(env_->FileExists(Path("f")));
  EXPECT_TRUE(env_->RemoveFile(Path("f")).IsNotFound());
}

TEST_P(EnvTest, OpenFileOutlivesRemove) {
  Write("f", "still here");
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env_->NewRandomAccessFile(Path("f"), &file));
  ASSERT_OK(env_->RemoveFile(Path("f")));
  char scratch[32];
  Slice chunk;
  ASSERT_OK(file->Read(0, sizeof(scratch), &chunk, scratch));
  EXPECT_EQ("still here", chunk.ToString());
}

TEST_P(EnvTest, GetChildrenListsDirectChildrenOnly) {
  Write("x", "1");
  Write("y", "2");
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  ASSERT_OK(WriteStringToFile(env_, "3", Path("d/z"), false));
  EXPECT_EQ((std::vector<std::string>{"d", "x", "y"}), Children(root_));
  EXPECT_EQ(std::vector<std::string>{"z"}, Children(Path("d")));
  EXPECT_EQ(std::vector<std::string>{"z"}, Children(Path("d/")));
  EXPECT_EQ(std::vector<std::string>{"z"}, Children(root_ + "//d"));

  std::vector<std::string> names{"stale"};
  EXPECT_TRUE(env_->GetChildren(Path("missing"), &names).IsNotFound());
  EXPECT_TRUE(names.empty());
  EXPECT_TRUE(env_->GetChildren(Path("x"), &names).IsIOError());
}

TEST_P(EnvTest, CreateDirIfMissing) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));  // idempotent
  ASSERT_OK(env_->CreateDirIfMissing(Path("d/")));
  EXPECT_TRUE(env_->FileExists(Path("d")));
  EXPECT_TRUE(Children(Path("d")).empty());

  Write("f", "");
  const Status on_file = env_->CreateDirIfMissing(Path("f"));
  EXPECT_TRUE(on_file.IsIOError()) << on_file.ToString();
  EXPECT_TRUE(env_->CreateDirIfMissing(Path("no/such")).IsNotFound());
}

TEST_P(EnvTest, RemoveDir) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  ASSERT_OK(WriteStringToFile(env_, "x", Path("d/f"), false));
  const Status not_empty = env_->RemoveDir(Path("d"));
  EXPECT_TRUE(not_empty.IsIOError()) << not_empty.ToString();
  ASSERT_OK(env_->RemoveFile(Path("d/f")));
  ASSERT_OK(env_->RemoveDir(Path("d")));
  std::vector<std::string> names;
  EXPECT_TRUE(env_->GetChildren(Path("d"), &names).IsNotFound());
  EXPECT_TRUE(env_->RemoveDir(Path("d")).IsNotFound());
}

TEST_P(EnvTest, MissingFileIsNotFound) {
  const std::string missing = Path("missing");
  std::unique_ptr<SequentialFile> seq;
  const Status s = env_->NewSequentialFile(missing, &seq);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), missing)) << s.ToString();
  EXPECT_EQ(nullptr, seq);
  std::unique_ptr<RandomAccessFile> random;
  EXPECT_TRUE(env_->NewRandomAccessFile(missing, &random).IsNotFound());
  uint64_t size = 7;
  EXPECT_TRUE(env_->GetFileSize(missing, &size).IsNotFound());
  EXPECT_FALSE(env_->FileExists(missing));
  std::unique_ptr<WritableFile> writable;
  EXPECT_TRUE(env_->NewWritableFile(Path("no-dir/f"), &writable).IsNotFound());
  EXPECT_TRUE(
      env_->NewAppendableFile(Path("no-dir/f"), &writable).IsNotFound());
}

TEST_P(EnvTest, ReadFileToStringHonoursItsLimit) {
  // Around the limit and across read chunks (64 KiB).
  for (const size_t size : {size_t{0}, size_t{9}, size_t{10}, size_t{11},
                            size_t{200} << 10}) {
    const std::string content(size, 'x');
    ASSERT_OK(WriteStringToFile(env_, content, Path("f"), false));
    std::string data = "stale";
    Status s = ReadFileToString(env_, Path("f"), &data, 10);
    if (size <= 10) {
      ASSERT_OK(s);
      EXPECT_EQ(data, content);
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_TRUE(Contains(s.ToString(), Path("f"))) << s.ToString();
      EXPECT_TRUE(Contains(s.ToString(), "longer than 10 bytes"))
          << s.ToString();
      EXPECT_TRUE(data.empty());
    }
    ASSERT_OK(ReadFileToString(env_, Path("f"), &data));  // no limit
    EXPECT_EQ(data, content);
    ASSERT_OK(ReadFileToString(env_, Path("f"), &data, size));  // exactly
    EXPECT_EQ(data, content);
  }
}

TEST_P(EnvTest, SyncAndSyncDir) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(env_->SyncDir(root_));
  ASSERT_OK(file->Close());
  EXPECT_TRUE(env_->SyncDir(Path("missing")).IsNotFound());
}

TEST_P(EnvTest, LockFileTwiceFailsUntilReleased) {
  const std::string path = Path("LOCK");
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env_->LockFile(path, &lock));
  ASSERT_NE(nullptr, lock);
  EXPECT_TRUE(env_->FileExists(path));

  for (const std::string& alias : {path, root_ + "/./LOCK", root_ + "//LOCK"}) {
    std::unique_ptr<FileLock> second;
    const Status s = env_->LockFile(alias, &second);
    EXPECT_TRUE(s.IsIOError()) << alias << ": " << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "lock")) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), alias)) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "already held by this process"))
        << s.ToString();
    EXPECT_EQ(nullptr, second);
  }

  lock.reset();
  ASSERT_OK(env_->LockFile(path, &lock));
  lock.reset();
  std::unique_ptr<FileLock> other;
  EXPECT_TRUE(env_->LockFile(Path("no-dir/LOCK"), &other).IsNotFound());
}

TEST_P(EnvTest, ConcurrentReadsDuringAppends) {
  constexpr size_t kChunk = 1000;
  constexpr int kChunks = 50;
  std::unique_ptr<WritableFile> writer;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &writer));
  ASSERT_OK(writer->Append(Pattern(0, kChunk)));
  ASSERT_OK(writer->Flush());
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env_->NewRandomAccessFile(Path("f"), &file));

  std::atomic<int> bad_reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::string scratch(300, '\0');
      for (int i = 0; i < 200; ++i) {
        const uint64_t offset =
            (static_cast<uint64_t>(t) * 7919 + i * 104729) % (kChunk * kChunks);
        Slice chunk;
        if (!file->Read(offset, scratch.size(), &chunk, scratch.data()).ok() ||
            chunk.ToString() != Pattern(offset, chunk.size())) {
          // relaxed: read only after join.
          bad_reads.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (int c = 1; c < kChunks; ++c) {
    ASSERT_OK(writer->Append(Pattern(c * kChunk, kChunk)));
    ASSERT_OK(writer->Flush());
  }
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(0, bad_reads.load(std::memory_order_relaxed));
  ASSERT_OK(writer->Close());
  EXPECT_EQ(Pattern(0, kChunk * kChunks), Read("f"));
}

TEST_P(EnvTest, NowMicrosIsWallClock) {
  const uint64_t t1 = env_->NowMicros();
  const uint64_t t2 = env_->NowMicros();
  EXPECT_GT(t1, uint64_t{1600000000} * 1000000);  // after September 2020
  EXPECT_LE(t1, t2 + 1000000);  // allow a small clock step back
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest,
                         ::testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         [](const ::testing::TestParamInfo<EnvKind>& info) {
                           return info.param == EnvKind::kPosix ? "Posix"
                                                                : "Mem";
                         });

// ---- POSIX only -------------------------------------------------------------

class PosixEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = MakeTempDir(); }
  void TearDown() override {
    if (!HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }

  std::string Path(const std::string& name) const { return root_ + "/" + name; }

  static mode_t CurrentUmask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return 07777;
    return st.st_mode & 07777;
  }

  // Descriptors of this process whose target lies under root_.
  std::vector<int> FdsUnderRoot() const {
    std::vector<int> fds;
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) return fds;
    const int own = ::dirfd(d);
    while (const struct dirent* entry = ::readdir(d)) {
      if (entry->d_name[0] == '.') continue;
      const int fd = std::atoi(entry->d_name);
      if (fd == own) continue;
      char target[PATH_MAX];
      const std::string link = std::string("/proc/self/fd/") + entry->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      if (std::string(target).rfind(root_, 0) == 0) fds.push_back(fd);
    }
    ::closedir(d);
    return fds;
  }

  static int CountOpenFds() {
    int count = 0;
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    while (const struct dirent* entry = ::readdir(d)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(d);
    return count;
  }

  // Forks a child that opens `path` afresh and tries flock(LOCK_EX|LOCK_NB).
  // Returns kHeld if another process holds the lock, kFree if the child got
  // it (it exits, releasing it), or -1 on error.
  static constexpr int kHeld = 10;
  static constexpr int kFree = 11;
  static int ProbeLockFromChild(const std::string& path) {
    const char* c_path = path.c_str();
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      const int fd = ::open(c_path, O_RDWR | O_CLOEXEC);
      if (fd < 0) ::_exit(1);
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::_exit(kFree);
      ::_exit(errno == EWOULDBLOCK ? kHeld : 2);
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }

  std::string root_;
};

TEST_F(PosixEnvTest, DefaultModesAre0600And0700) {
  const mode_t mask = CurrentUmask();
  Env* env = Env::Default();
  ASSERT_OK(WriteStringToFile(env, "x", Path("f"), false));
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env->NewAppendableFile(Path("g"), &file));
  ASSERT_OK(file->Close());
  ASSERT_OK(env->CreateDirIfMissing(Path("d")));
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env->LockFile(Path("LOCK"), &lock));
  EXPECT_EQ(0600 & ~mask, ModeOf(Path("f")));
  EXPECT_EQ(0600 & ~mask, ModeOf(Path("g")));
  EXPECT_EQ(0600 & ~mask, ModeOf(Path("LOCK")));
  EXPECT_EQ(0700 & ~mask, ModeOf(Path("d")));
}

TEST_F(PosixEnvTest, CustomModesAreHonoured) {
  const mode_t saved = ::umask(0);  // so that every requested bit shows
  PosixEnvOptions options;
  options.file_mode = 0644;
  options.dir_mode = 0751;
  std::unique_ptr<Env> env = NewPosixEnv(options);
  const Status file_status =
      WriteStringToFile(env.get(), "x", Path("f"), false);
  const Status dir_status = env->CreateDirIfMissing(Path("d"));
  ::umask(saved);
  ASSERT_OK(file_status);
  ASSERT_OK(dir_status);
  EXPECT_EQ(0644u, ModeOf(Path("f")));
  EXPECT_EQ(0751u, ModeOf(Path("d")));
}

TEST_F(PosixEnvTest, DescriptorsAreCloseOnExec) {
  Env* env = Env::Default();
  ASSERT_OK(WriteStringToFile(env, "data", Path("f"), false));
  std::unique_ptr<SequentialFile> seq;
  std::unique_ptr<RandomAccessFile> random;
  std::unique_ptr<WritableFile> writable;
  std::unique_ptr<WritableFile> appendable;
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env->NewSequentialFile(Path("f"), &seq));
  ASSERT_OK(env->NewRandomAccessFile(Path("f"), &random));
  ASSERT_OK(env->NewWritableFile(Path("w"), &writable));
  ASSERT_OK(env->NewAppendableFile(Path("a"), &appendable));
  ASSERT_OK(env->LockFile(Path("LOCK"), &lock));

  const std::vector<int> fds = FdsUnderRoot();
  EXPECT_EQ(5u, fds.size());
  for (int fd : fds) {
    const int flags = ::fcntl(fd, F_GETFD);
    ASSERT_GE(flags, 0);
    EXPECT_NE(0, flags & FD_CLOEXEC) << "fd " << fd;
  }
}

TEST_F(PosixEnvTest, MappedFilesReadInPlace) {
  Env* env = Env::Default();
  std::string content;
  for (int i = 0; i < 10000; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_OK(WriteStringToFile(env, content, Path("f"), false));
  const int fds_before = CountOpenFds();
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("f"), &file));
  EXPECT_TRUE(file->ReadsInPlace());
  EXPECT_EQ(CountOpenFds(), fds_before);  // the mapping needs no descriptor
  Slice result;
  ASSERT_OK(file->Read(100, 50, &result, nullptr));
  EXPECT_EQ(result.ToString(), content.substr(100, 50));
  ASSERT_OK(file->Read(9990, 50, &result, nullptr));  // short: end of file
  EXPECT_EQ(result.ToString(), content.substr(9990));
  ASSERT_OK(file->Read(10000, 5, &result, nullptr));
  EXPECT_EQ(result.size(), 0u);
  ASSERT_OK(file->Read(1u << 30, 5, &result, nullptr));
  EXPECT_EQ(result.size(), 0u);
  // The result stays valid while the file is open, across other reads.
  ASSERT_OK(file->Read(0, 26, &result, nullptr));
  Slice later;
  ASSERT_OK(file->Read(5000, 10, &later, nullptr));
  EXPECT_EQ(result.ToString(), content.substr(0, 26));

  // An empty file cannot be mapped: it is read the usual way.
  ASSERT_OK(WriteStringToFile(env, "", Path("empty"), false));
  std::unique_ptr<RandomAccessFile> empty;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("empty"), &empty));
  EXPECT_FALSE(empty->ReadsInPlace());
  char scratch[8];
  ASSERT_OK(empty->Read(0, 8, &result, scratch));
  EXPECT_EQ(result.size(), 0u);
  std::unique_ptr<RandomAccessFile> missing;
  EXPECT_TRUE(
      env->NewMappedRandomAccessFile(Path("missing"), &missing).IsNotFound());

  // Envs without mappings (the in-memory one) fall back to plain files.
  std::unique_ptr<Env> mem = NewMemEnv();
  ASSERT_OK(mem->CreateDirIfMissing("/d"));
  ASSERT_OK(WriteStringToFile(mem.get(), "xyz", "/d/f", false));
  std::unique_ptr<RandomAccessFile> plain;
  ASSERT_OK(mem->NewMappedRandomAccessFile("/d/f", &plain));
  EXPECT_FALSE(plain->ReadsInPlace());
  ASSERT_OK(plain->Read(1, 5, &result, scratch));
  EXPECT_EQ(result.ToString(), "yz");
}

TEST_F(PosixEnvTest, NoDescriptorLeaks) {
  Env* env = Env::Default();
  ASSERT_OK(WriteStringToFile(env, "data", Path("f"), true));
  const int before = CountOpenFds();
  ASSERT_GT(before, 0);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(env->GetChildren(root_, &names));
    ASSERT_OK(env->SyncDir(root_));
    std::string data;
    ASSERT_OK(ReadFileToString(env, Path("f"), &data));
    std::unique_ptr<SequentialFile> seq;
    EXPECT_TRUE(env->NewSequentialFile(Path("missing"), &seq).IsNotFound());
    std::unique_ptr<FileLock> lock;
    ASSERT_OK(env->LockFile(Path("LOCK"), &lock));
    std::unique_ptr<FileLock> second;
    EXPECT_TRUE(env->LockFile(Path("LOCK"), &second).IsIOError());
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(env->NewAppendableFile(Path("g"), &file));
    // Destroyed without Close().
  }
  EXPECT_EQ(before, CountOpenFds());
  EXPECT_TRUE(FdsUnderRoot().empty());
}

TEST_F(PosixEnvTest, LockIsVisibleToAnotherProcess) {
  Env* env = Env::Default();
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env->LockFile(Path("LOCK"), &lock));
  EXPECT_EQ(kHeld, ProbeLockFromChild(Path("LOCK")));
  lock.reset();
  EXPECT_EQ(kFree, ProbeLockFromChild(Path("LOCK")));
}

TEST_F(PosixEnvTest, ClosingAnotherDescriptorKeepsLock) {
  Env* env = Env::Default();
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env->LockFile(Path("LOCK"), &lock));
  // With fcntl() record locks this close would drop the lock.
  const int fd = ::open(Path("LOCK").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, ::close(fd));
  // And so would reading the file through the env.
  std::string data;
  ASSERT_OK(ReadFileToString(env, Path("LOCK"), &data));
  EXPECT_EQ(kHeld, ProbeLockFromChild(Path("LOCK")));
}

TEST_F(PosixEnvTest, LockHeldByAnotherProcessIsReported) {
  ASSERT_OK(WriteStringToFile(Env::Default(), "", Path("LOCK"), false));
  const std::string path = Path("LOCK");
  const char* c_path = path.c_str();
  int locked_pipe[2];
  int release_pipe[2];
  ASSERT_EQ(0, ::pipe2(locked_pipe, O_CLOEXEC));
  ASSERT_EQ(0, ::pipe2(release_pipe, O_CLOEXEC));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(c_path, O_RDWR | O_CLOEXEC);
    const char ok = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'y' : 'n';
    if (::write(locked_pipe[1], &ok, 1) != 1) ::_exit(1);
    char c;
    (void)!::read(release_pipe[0], &c, 1);  // wait for the parent
    ::_exit(0);
  }
  char ok = 'n';
  ASSERT_EQ(1, ::read(locked_pipe[0], &ok, 1));
  ASSERT_EQ('y', ok);

  std::unique_ptr<FileLock> lock;
  const Status s = Env::Default()->LockFile(path, &lock);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "lock")) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), path)) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "held by another process")) << s.ToString();
  EXPECT_EQ(nullptr, lock);

  ASSERT_EQ(1, ::write(release_pipe[1], "x", 1));
  int status = 0;
  ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
  for (int fd :
       {locked_pipe[0], locked_pipe[1], release_pipe[0], release_pipe[1]}) {
    ::close(fd);
  }
  // The child is gone, and a failed attempt left nothing behind.
  ASSERT_OK(Env::Default()->LockFile(path, &lock));
}

TEST_F(PosixEnvTest, LockRegistryIsSharedAcrossEnvs) {
  std::unique_ptr<Env> other = NewPosixEnv(PosixEnvOptions());
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(Env::Default()->LockFile(Path("LOCK"), &lock));
  std::unique_ptr<FileLock> second;
  const Status s = other->LockFile(Path("LOCK"), &second);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "already held by this process"))
      << s.ToString();
  lock.reset();
  ASSERT_OK(other->LockFile(Path("LOCK"), &second));
}

TEST_F(PosixEnvTest, RelativeAndAbsoluteLockPathsMatch) {
  char cwd[PATH_MAX];
  ASSERT_NE(nullptr, ::getcwd(cwd, sizeof(cwd)));
  ASSERT_EQ(0, ::chdir(root_.c_str()));
  std::unique_ptr<FileLock> lock;
  const Status first = Env::Default()->LockFile("LOCK", &lock);
  std::unique_ptr<FileLock> second;
  const Status again = Env::Default()->LockFile(Path("LOCK"), &second);
  std::unique_ptr<FileLock> third;
  const Status dotted = Env::Default()->LockFile("./LOCK", &third);
  ASSERT_EQ(0, ::chdir(cwd));
  ASSERT_OK(first);
  EXPECT_TRUE(again.IsIOError()) << again.ToString();
  EXPECT_TRUE(dotted.IsIOError()) << dotted.ToString();
}

TEST_F(PosixEnvTest, UnflushedBytesStayInUserSpace) {
  Env* env = Env::Default();
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("0123456789"));
  uint64_t size = 99;
  ASSERT_OK(env->GetFileSize(Path("f"), &size));
  EXPECT_EQ(0u, size);
  EXPECT_EQ(10u, file->Size());
  ASSERT_OK(file->Flush());
  ASSERT_OK(env->GetFileSize(Path("f"), &size));
  EXPECT_EQ(10u, size);

  // A large append drains the buffer and goes straight to the kernel.
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Append(Pattern(0, 100000)));
  ASSERT_OK(env->GetFileSize(Path("f"), &size));
  EXPECT_EQ(100013u, size);
  ASSERT_OK(file->Close());
  std::string data;
  ASSERT_OK(ReadFileToString(env, Path("f"), &data));
  EXPECT_EQ("0123456789abc" + Pattern(0, 100000), data);
}

TEST_F(PosixEnvTest, NoSpaceKeepsOsText) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(Env::Default()->NewAppendableFile("/dev/full", &file));
  ASSERT_OK(file->Append("x"));  // buffered
  const Status s = file->Flush();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ("IOError: /dev/full: write: No space left on device", s.ToString());
  EXPECT_TRUE(file->Close().IsIOError());
  EXPECT_TRUE(file->Append("y").IsIOError());  // closed even though it failed
}

// Issue 20: a failed write must never reach the file later. /dev/full
// fails every write: the failed bytes are dropped, later writes fail with
// the same error without writing, and Close() writes nothing.
TEST_F(PosixEnvTest, AFailedWriteIsDroppedAndSticky) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(Env::Default()->NewAppendableFile("/dev/full", &file));
  ASSERT_OK(file->Append("record"));  // buffered
  const Status s = file->Flush();
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(0u, file->Size()) << "the failed bytes are still counted";
  EXPECT_EQ(s.ToString(), file->Append("more").ToString());
  EXPECT_EQ(s.ToString(), file->Flush().ToString());
  EXPECT_EQ(s.ToString(), file->Sync().ToString());
  EXPECT_EQ(s.ToString(), file->Close().ToString());
}

TEST_P(EnvTest, TruncateCutsBufferedAndWrittenBytes) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("0123456789"));
  ASSERT_OK(file->Flush());
  ASSERT_OK(file->Append("abcdef"));  // buffered (POSIX)
  // Into the buffered part, then into the flushed part.
  ASSERT_OK(file->Truncate(13));
  EXPECT_EQ(13u, file->Size());
  ASSERT_OK(file->Truncate(4));
  EXPECT_EQ(4u, file->Size());
  EXPECT_TRUE(file->Truncate(5).IsInvalidArgument());
  // Appends continue at the cut, with no hole.
  ASSERT_OK(file->Append("XY"));
  ASSERT_OK(file->Close());
  EXPECT_EQ("0123XY", Read("f"));
  EXPECT_TRUE(file->Truncate(0).IsIOError());  // closed
}

TEST_F(PosixEnvTest, IOErrorNamesPathAndOsError) {
  Env* env = Env::Default();
  ASSERT_OK(env->CreateDirIfMissing(Path("d")));
  std::unique_ptr<WritableFile> file;
  const Status s = env->NewWritableFile(Path("d"), &file);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), Path("d"))) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "Is a directory")) << s.ToString();

  const Status missing = env->RemoveFile(Path("missing"));
  EXPECT_EQ("NotFound: " + Path("missing") + ": No such file or directory",
            missing.ToString());
}

// ---- env_util ---------------------------------------------------------------

TEST(EnvUtilTest, NormalizePath) {
  using internal::NormalizePath;
  EXPECT_EQ("/a/b", NormalizePath("/a//b/"));
  EXPECT_EQ("a/b", NormalizePath("./a/./b"));
  EXPECT_EQ("db/LOCK", NormalizePath("db//LOCK"));
  EXPECT_EQ("b", NormalizePath("a/../b"));
  EXPECT_EQ("../a", NormalizePath("../a"));
  EXPECT_EQ("..", NormalizePath("a/../.."));
  EXPECT_EQ("/", NormalizePath("/.."));
  EXPECT_EQ("/", NormalizePath("//"));
  EXPECT_EQ(".", NormalizePath(""));
  EXPECT_EQ(".", NormalizePath("./"));
}

TEST(EnvUtilTest, DirBaseAndJoin) {
  using internal::BaseName;
  using internal::DirName;
  using internal::JoinPath;
  EXPECT_EQ("a", DirName("a/b"));
  EXPECT_EQ(".", DirName("b"));
  EXPECT_EQ("/", DirName("/b"));
  EXPECT_EQ("/", DirName("/"));
  EXPECT_EQ("b", BaseName("a/b"));
  EXPECT_EQ("b", BaseName("b"));
  EXPECT_EQ("/", BaseName("/"));
  EXPECT_EQ("a/b", JoinPath("a", "b"));
  EXPECT_EQ("/b", JoinPath("/", "b"));
  EXPECT_EQ("b", JoinPath(".", "b"));
}

TEST(EnvUtilTest, ErrnoToStatus) {
  const Status missing = internal::ErrnoToStatus("p", "open", ENOENT);
  EXPECT_EQ("NotFound: p: No such file or directory", missing.ToString());
  const Status full = internal::ErrnoToStatus("p", "write", ENOSPC);
  EXPECT_EQ("IOError: p: write: No space left on device", full.ToString());
}

}  // namespace
}  // namespace strata
