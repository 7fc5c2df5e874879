// POSIX-only tests of the environment: permission bits, descriptor flags,
// memory mappings, cross-process locking, buffering and OS errors (a failed
// write is dropped and sticky). The behaviour common to the in-memory env
// is in env_test.cc.

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
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

  // Lines of /proc/self/maps naming `path`.
  static int MappingsOf(const std::string& path) {
    std::string maps;
    if (!ReadFileToString(Env::Default(), "/proc/self/maps", &maps).ok()) {
      return -1;
    }
    int n = 0;
    for (size_t at = maps.find(path); at != std::string::npos;
         at = maps.find(path, at + 1)) {
      ++n;
    }
    return n;
  }

  // The VmFlags line of /proc/self/smaps for the first mapping of `path`.
  static std::string VmFlagsOf(const std::string& path) {
    std::string smaps;
    if (!ReadFileToString(Env::Default(), "/proc/self/smaps", &smaps).ok()) {
      return "";
    }
    const size_t at = smaps.find(path);
    if (at == std::string::npos) return "";
    const size_t flags = smaps.find("VmFlags:", at);
    if (flags == std::string::npos) return "";
    return smaps.substr(flags, smaps.find('\n', flags) - flags);
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

TEST_F(PosixEnvTest, MappedFilesRead) {
  Env* env = Env::Default();
  std::string content;
  for (int i = 0; i < 10000; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_OK(WriteStringToFile(env, content, Path("f"), false));
  const int fds_before = CountOpenFds();
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("f"), &file));
  // Reads are copied out of the mapping, under the SIGBUS guard.
  EXPECT_FALSE(file->ReadsInPlace());
  EXPECT_EQ(CountOpenFds(), fds_before);  // the mapping needs no descriptor
  EXPECT_GE(MappingsOf(Path("f")), 1);
  char scratch[64];
  Slice result;
  ASSERT_OK(file->Read(100, 50, &result, scratch));
  EXPECT_EQ(result.data(), scratch);
  EXPECT_EQ(result.ToString(), content.substr(100, 50));
  ASSERT_OK(file->Read(9990, 50, &result, scratch));  // short: end of file
  EXPECT_EQ(result.ToString(), content.substr(9990));
  ASSERT_OK(file->Read(10000, 5, &result, scratch));
  EXPECT_EQ(result.size(), 0u);
  ASSERT_OK(file->Read(1u << 30, 5, &result, scratch));
  EXPECT_EQ(result.size(), 0u);
  // The mapping is read at random: no read-around on a fault ("rr" in its
  // VmFlags). Prefetch hints, in range or not, change no answer.
  EXPECT_NE(VmFlagsOf(Path("f")).find(" rr"), std::string::npos)
      << VmFlagsOf(Path("f"));
  file->Prefetch(0, 4096);
  file->Prefetch(9000, 5000);
  file->Prefetch(20000, 10);
  file->Prefetch(5, 0);
  file->WillReadPieces(0, 8192);
  file->WillReadPieces(9000, 5000);
  file->WillReadPieces(20000, 10);
  file->WillReadPieces(5, 0);
  file->WillReadNext(0, 8192);
  file->WillReadNext(9000, 5000);
  file->WillReadNext(20000, 10);
  file->WillReadNext(5, 0);
  file->WillReadNext(1, 1 << 20);
  ASSERT_OK(file->Read(100, 50, &result, scratch));
  EXPECT_EQ(result.ToString(), content.substr(100, 50));
  file.reset();
  EXPECT_EQ(MappingsOf(Path("f")), 0);

  // An empty file cannot be mapped: it is read the usual way.
  ASSERT_OK(WriteStringToFile(env, "", Path("empty"), false));
  std::unique_ptr<RandomAccessFile> empty;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("empty"), &empty));
  ASSERT_OK(empty->Read(0, 8, &result, scratch));
  EXPECT_EQ(result.size(), 0u);
  std::unique_ptr<RandomAccessFile> missing;
  EXPECT_TRUE(
      env->NewMappedRandomAccessFile(Path("missing"), &missing).IsNotFound());

  // A plain file takes the hint too.
  std::unique_ptr<RandomAccessFile> read_file;
  ASSERT_OK(env->NewRandomAccessFile(Path("f"), &read_file));
  read_file->Prefetch(0, 1 << 20);
  ASSERT_OK(read_file->Read(26, 26, &result, scratch));
  EXPECT_EQ(result.ToString(), content.substr(26, 26));

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

// Visit lends a mapped file's bytes where they lie (no copy, no scratch),
// an unmapped file's through a read into the scratch; both stop at the end
// of the file.
TEST_F(PosixEnvTest, VisitsLendMappedBytesInPlace) {
  Env* env = Env::Default();
  std::string content;
  for (int i = 0; i < 10000; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_OK(WriteStringToFile(env, content, Path("f"), false));
  struct Seen {
    std::string bytes;
    const char* data = nullptr;
    int visits = 0;
  };
  const RandomAccessFile::ByteVisitor record = [](void* arg,
                                                  const Slice& bytes) {
    auto* seen = static_cast<Seen*>(arg);
    seen->bytes.assign(bytes.data(), bytes.size());
    seen->data = bytes.data();
    ++seen->visits;
  };
  std::unique_ptr<RandomAccessFile> mapped;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("f"), &mapped));
  EXPECT_TRUE(mapped->VisitsInPlace());
  Seen first;
  ASSERT_OK(mapped->Visit(100, 50, nullptr, record, &first));
  EXPECT_EQ(first.visits, 1);
  EXPECT_EQ(first.bytes, content.substr(100, 50));
  Seen again;
  ASSERT_OK(mapped->Visit(110, 5, nullptr, record, &again));
  EXPECT_EQ(again.data, first.data + 10);  // the same memory: the mapping
  Seen tail;
  ASSERT_OK(mapped->Visit(9990, 50, nullptr, record, &tail));
  EXPECT_EQ(tail.bytes, content.substr(9990));
  Seen past;
  ASSERT_OK(mapped->Visit(20000, 5, nullptr, record, &past));
  EXPECT_EQ(past.visits, 1);
  EXPECT_TRUE(past.bytes.empty());

  std::unique_ptr<RandomAccessFile> plain;
  ASSERT_OK(env->NewRandomAccessFile(Path("f"), &plain));
  EXPECT_FALSE(plain->VisitsInPlace());
  char scratch[64];
  Seen read;
  ASSERT_OK(plain->Visit(100, 50, scratch, record, &read));
  EXPECT_EQ(read.bytes, content.substr(100, 50));
  EXPECT_EQ(read.data, scratch);
}

// A visit that meets a page the kernel cannot bring in is abandoned there
// and is an IOError naming the file and the offset; the process lives on
// and the good pages still visit.
TEST_F(PosixEnvTest, AFaultUnderAVisitIsAnIOError) {
  Env* env = Env::Default();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ASSERT_OK(
      WriteStringToFile(env, std::string(4 * page, 'x'), Path("f"), false));
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("f"), &file));
  // Counts the 'x's into *arg, byte by byte (volatile: each count is
  // stored before the next byte is read, so an abandoned visit leaves the
  // count of the bytes before the fault).
  const RandomAccessFile::ByteVisitor count = [](void* arg,
                                                 const Slice& bytes) {
    auto* xs = static_cast<volatile size_t*>(arg);
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] == 'x') *xs = *xs + 1;
    }
  };
  size_t xs = 0;
  ASSERT_OK(file->Visit(0, 4 * page, nullptr, count, &xs));
  EXPECT_EQ(xs, 4 * page);
  ASSERT_EQ(::truncate(Path("f").c_str(), static_cast<off_t>(page)), 0);
  xs = 0;
  const Status s = file->Visit(page - 100, 300, nullptr, count, &xs);
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(xs, 100u);  // abandoned at the first byte of the lost page
  EXPECT_NE(s.ToString().find(Path("f")), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("offset " + std::to_string(page - 100)),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("SIGBUS"), std::string::npos) << s.ToString();
  xs = 0;
  ASSERT_OK(file->Visit(0, page, nullptr, count, &xs));
  EXPECT_EQ(xs, page);
}

// Reads that miss the page cache (dropped after the file was written and
// synced) read the same bytes: on a disk-backed directory the faults wait
// for the device, the file turns cold (FaultScore), and reads spanning
// two pages ask for both first; and a block read in two pieces after
// WillReadPieces reads exactly, mapped or not (whether the hint asked
// the device for anything is not observable here). Every read starts on
// a page no read touched before, so that each one misses.
TEST_F(PosixEnvTest, MappedReadsThatMissThePageCacheAreExact) {
  Env* env = Env::Default();
  constexpr int kPages = 256;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::string content(kPages * page, '\0');
  for (size_t i = 0; i < content.size(); ++i) {
    content[i] = static_cast<char>('a' + (i * 7 + i / 4093) % 26);
  }
  ASSERT_OK(WriteStringToFile(env, content, Path("cold"), /*sync=*/true));
  const int fd = ::open(Path("cold").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  ::close(fd);
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("cold"), &file));
  std::vector<char> scratch(2 * page);
  Slice result;
  for (int p = 0; p + 1 < kPages / 2; p += 2) {
    // Ends inside the next page: one block over two pages, of varied size.
    const uint64_t offset = p * page + page / 2 + (p % 7) * 13;
    const size_t n = page / 2 + 100 + (p % 5) * 311;
    ASSERT_OK(file->Read(offset, n, &result, scratch.data()));
    ASSERT_EQ(result.ToString(), content.substr(offset, n)) << offset;
  }
  // A block over two pages read in two pieces, its end and then its start,
  // after the hint: through the mapping (the second half of the pages), and
  // at the end with pread (every page, dropped from the cache again).
  const auto pieces = [&](const RandomAccessFile& f, int first, int last) {
    for (int p = first; p + 1 < last; p += 2) {
      const uint64_t block = p * page + page / 2;
      f.WillReadPieces(block, page);
      ASSERT_OK(f.Read(block + page - 60, 60, &result, scratch.data()));
      ASSERT_EQ(result.ToString(), content.substr(block + page - 60, 60));
      ASSERT_OK(f.Read(block + 10, 100, &result, scratch.data()));
      ASSERT_EQ(result.ToString(), content.substr(block + 10, 100));
    }
  };
  pieces(*file, kPages / 2, kPages);
  // Reads inside one page, and at the end of the file.
  ASSERT_OK(file->Read(page + 10, 100, &result, scratch.data()));
  EXPECT_EQ(result.ToString(), content.substr(page + 10, 100));
  ASSERT_OK(file->Read(content.size() - 50, 200, &result, scratch.data()));
  EXPECT_EQ(result.ToString(), content.substr(content.size() - 50));
  // Unmapped, so that the pages can be dropped again.
  file.reset();
  const int again = ::open(Path("cold").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(again, 0);
  EXPECT_EQ(::posix_fadvise(again, 0, 0, POSIX_FADV_DONTNEED), 0);
  ::close(again);
  std::unique_ptr<RandomAccessFile> plain;
  ASSERT_OK(env->NewRandomAccessFile(Path("cold"), &plain));
  pieces(*plain, 0, kPages);
}

// A page the kernel cannot bring in (here: the file was truncated below the
// mapping, as a device error would also do) is an IOError naming the file
// and the offset, on every thread that meets it, and the process lives on.
TEST_F(PosixEnvTest, AFaultUnderAMappingIsAnIOError) {
  Env* env = Env::Default();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string content(4 * page, 'x');
  ASSERT_OK(WriteStringToFile(env, content, Path("f"), false));
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(env->NewMappedRandomAccessFile(Path("f"), &file));
  ASSERT_GE(MappingsOf(Path("f")), 1);
  std::vector<char> scratch(2 * page);
  Slice result;
  ASSERT_OK(file->Read(page, 2 * page, &result, scratch.data()));
  ASSERT_EQ(result.size(), 2 * page);

  ASSERT_EQ(::truncate(Path("f").c_str(), static_cast<off_t>(page)), 0);
  // The first page is still there; the rest faults.
  ASSERT_OK(file->Read(10, 100, &result, scratch.data()));
  EXPECT_EQ(result.ToString(), content.substr(10, 100));
  const uint64_t offset = page + 10;
  Status s = file->Read(offset, 100, &result, scratch.data());
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(result.size(), 0u);
  EXPECT_NE(s.ToString().find(Path("f")), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("offset " + std::to_string(offset)),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("SIGBUS"), std::string::npos) << s.ToString();
  // A read that starts in the good page and runs into the lost ones.
  EXPECT_TRUE(file->Read(page - 8, 64, &result, scratch.data()).IsIOError());

  // Many threads at once, each with its own guard.
  std::atomic<int> io_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<char> buf(page);
      for (int i = 0; i < 200; ++i) {
        Slice r;
        const uint64_t at = page * (1 + (t + i) % 3) + static_cast<uint64_t>(i);
        if (file->Read(at, 64, &r, buf.data()).IsIOError()) ++io_errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(io_errors.load(), 800);
  // The good page still reads.
  ASSERT_OK(file->Read(0, 16, &result, scratch.data()));
  EXPECT_EQ(result.ToString(), content.substr(0, 16));
}

// The guard takes only its own faults: any other SIGBUS reaches the
// handler that was installed before strata's, or ends the process as it
// would have without strata. Run in fresh processes ("threadsafe" death
// tests re-execute the test binary), so that strata's handler is installed
// after the test's own.
TEST_F(PosixEnvTest, OtherSigbusesGoWhereTheyWentBefore) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string path = Path("f");
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ASSERT_OK(WriteStringToFile(Env::Default(), std::string(2 * page, 'x'), path,
                              false));
  // An unguarded fault under a mapping, with a handler of the program's
  // installed first: that handler gets it.
  EXPECT_EXIT(
      {
        struct sigaction mine;
        std::memset(&mine, 0, sizeof(mine));
        mine.sa_handler = [](int) { ::_exit(42); };
        sigemptyset(&mine.sa_mask);
        ::sigaction(SIGBUS, &mine, nullptr);
        std::unique_ptr<RandomAccessFile> file;
        if (!Env::Default()->NewMappedRandomAccessFile(path, &file).ok()) {
          ::_exit(1);
        }
        // Strata's own fault is still turned into a Status...
        if (::truncate(path.c_str(), 0) != 0) ::_exit(2);
        char buf[16];
        Slice r;
        if (!file->Read(page, 16, &r, buf).IsIOError()) ::_exit(3);
        // ...while a fault elsewhere reaches the program's handler.
        const int fd = ::open(path.c_str(), O_RDWR);
        if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(page)) != 0) {
          ::_exit(4);
        }
        void* map = ::mmap(nullptr, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) ::_exit(5);
        const volatile char* beyond = static_cast<const char*>(map) + page;
        (void)*beyond;
        ::_exit(6);
      },
      ::testing::ExitedWithCode(42), "");
  // A SIGBUS sent to a process whose disposition was the default still
  // ends it (with the signal; under a sanitizer, with its report).
  EXPECT_EXIT(
      {
        std::unique_ptr<RandomAccessFile> file;
        if (!Env::Default()->NewMappedRandomAccessFile(path, &file).ok()) {
          ::_exit(1);
        }
        ::raise(SIGBUS);
        ::_exit(0);
      },
      [](int status) {
        return WIFSIGNALED(status) ||
               (WIFEXITED(status) && WEXITSTATUS(status) != 0);
      },
      "");
  // The same when the default was set through an SA_SIGINFO action (its
  // sa_sigaction then holds SIG_DFL).
  EXPECT_EXIT(
      {
        struct sigaction dfl;
        std::memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        dfl.sa_flags = SA_SIGINFO;
        sigemptyset(&dfl.sa_mask);
        ::sigaction(SIGBUS, &dfl, nullptr);
        std::unique_ptr<RandomAccessFile> file;
        if (!Env::Default()->NewMappedRandomAccessFile(path, &file).ok()) {
          ::_exit(1);
        }
        ::raise(SIGBUS);
        ::_exit(0);
      },
      ::testing::KilledBySignal(SIGBUS), "");
}

// A mapped log (NewMappedWritableFile): appends land in the file through
// windows it preallocates and maps, across window boundaries; until Close
// the file holds zeros past Size(); Truncate takes bytes back (into an
// earlier window too) and appends go on from there; Close cuts the file to
// its data. What was appended is in the file at once, before any Flush,
// as a write(2) would be: another descriptor reads it.
TEST_F(PosixEnvTest, MappedLogAppendsTruncatesAndTrims) {
  Env* env = Env::Default();
  const std::string path = Path("000005.log");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env->NewMappedWritableFile(path, &file));
  std::string expected;
  uint64_t seed = 7;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  // 5 MiB in appends of 1 byte to 100 KiB: windows of 64 KiB, doubling to
  // 1 MiB, and appends that straddle them.
  while (expected.size() < (5u << 20)) {
    const size_t n = 1 + next() % (next() % 4 == 0 ? 100000 : 300);
    std::string chunk(n, '\0');
    for (char& c : chunk) c = static_cast<char>('a' + next() % 26);
    ASSERT_OK(file->Append(chunk));
    expected += chunk;
    ASSERT_EQ(file->Size(), expected.size());
  }
  std::string on_disk;
  ASSERT_OK(ReadFileToString(env, path, &on_disk));
  ASSERT_GT(on_disk.size(), expected.size());  // preallocated space
  EXPECT_TRUE(on_disk.compare(0, expected.size(), expected) == 0);
  EXPECT_EQ(on_disk.find_first_not_of('\0', expected.size()),
            std::string::npos);
  ASSERT_OK(file->Sync());

  // Back into the window before the current one, then on from there.
  const uint64_t cut = expected.size() - (1u << 20) - 12345;
  ASSERT_OK(file->Truncate(cut));
  expected.resize(cut);
  EXPECT_EQ(file->Size(), cut);
  EXPECT_TRUE(file->Truncate(cut + 1).IsInvalidArgument());
  for (int i = 0; i < 2000; ++i) {
    const std::string chunk(1 + next() % 700, static_cast<char>('A' + i % 26));
    ASSERT_OK(file->Append(chunk));
    expected += chunk;
  }
  ASSERT_OK(file->Flush());
  ASSERT_OK(ReadFileToString(env, path, &on_disk));
  EXPECT_TRUE(on_disk.compare(0, expected.size(), expected) == 0);

  ASSERT_OK(file->Close());
  ASSERT_OK(ReadFileToString(env, path, &on_disk));
  EXPECT_EQ(on_disk.size(), expected.size());
  EXPECT_TRUE(on_disk == expected);
  EXPECT_TRUE(file->Append("x").IsIOError());
  EXPECT_TRUE(file->Sync().IsIOError());

  // An empty log closes empty.
  ASSERT_OK(env->NewMappedWritableFile(Path("empty.log"), &file));
  ASSERT_OK(file->Close());
  uint64_t size = 1;
  ASSERT_OK(env->GetFileSize(Path("empty.log"), &size));
  EXPECT_EQ(size, 0u);
}

// A page of a mapped log the kernel cannot back (here: the file was cut
// below the mapping) is an IOError naming file and offset, and sticky;
// Truncate clears it, as after a failed write(2), and appends go on.
TEST_F(PosixEnvTest, AFaultUnderAMappedLogIsAnIOError) {
  Env* env = Env::Default();
  const std::string path = Path("000006.log");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env->NewMappedWritableFile(path, &file));
  ASSERT_OK(file->Append(std::string(100, 'a')));
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const Status s = file->Append(std::string(2 * page, 'b'));
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("offset 100"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("SIGBUS"), std::string::npos) << s.ToString();
  EXPECT_TRUE(file->Append("c").IsIOError());  // sticky
  EXPECT_TRUE(file->Flush().IsIOError());

  ASSERT_OK(file->Truncate(0));
  ASSERT_OK(file->Append("again"));
  ASSERT_OK(file->Close());
  std::string on_disk;
  ASSERT_OK(ReadFileToString(env, path, &on_disk));
  EXPECT_EQ(on_disk, "again");
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
