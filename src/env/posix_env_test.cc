// POSIX-only tests of the environment: permission bits, descriptor flags,
// memory mappings, cross-process locking, buffering and OS errors (a failed
// write is dropped and sticky). The behaviour common to the in-memory env
// is in env_test.cc.

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

#include "env/env_test_util.h"
#include "env/env_util.h"
#include "gtest/gtest.h"
#include "strata/env.h"

namespace strata {
namespace {

using internal::ReadFileToString;
using internal::WriteStringToFile;

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

}  // namespace
}  // namespace strata
