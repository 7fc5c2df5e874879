// Tests of the POSIX and in-memory environments: behaviour common to both
// runs against each through a parameterised fixture. Descriptor flags,
// permission bits, cross-process locking and OS errors, POSIX only, are in
// posix_env_test.cc.

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

#include "env/env_test_util.h"
#include "env/env_util.h"
#include "gtest/gtest.h"

namespace strata {
namespace {

using internal::ReadFileToString;
using internal::WriteStringToFile;

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
  for (const size_t size :
       {size_t{0}, size_t{9}, size_t{10}, size_t{11}, size_t{200} << 10}) {
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

TEST_P(EnvTest, NowNanosIsTheSameClockInNanoseconds) {
  const uint64_t before = env_->NowMicros();
  const uint64_t nanos = env_->NowNanos();
  const uint64_t after = env_->NowMicros();
  // Within a second of the microsecond clock read around it (a small
  // step back of the wall clock is allowed for).
  EXPECT_GE(nanos + 1000000000, before * 1000);
  EXPECT_LE(nanos, (after + 1000000) * 1000);
  // Not merely the microseconds scaled: the POSIX and memory envs read
  // nanoseconds (one of a few reads ends in a non-zero digit).
  bool fine = false;
  for (int i = 0; i < 100 && !fine; ++i) fine = env_->NowNanos() % 1000 != 0;
  EXPECT_TRUE(fine);
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

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest,
                         ::testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         [](const ::testing::TestParamInfo<EnvKind>& info) {
                           return info.param == EnvKind::kPosix ? "Posix"
                                                                : "Mem";
                         });

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
