// Tests of FaultInjectionEnv: the power-loss model (DropUnsyncedData), the
// kill -9 model (SetFilesystemActive) and error injection (FailAfter), over
// a MemEnv and once over the POSIX env.

#include "testing/fault_env.h"

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "env/env_test_util.h"  // ASSERT_OK, EXPECT_OK, Contains
#include "env/env_util.h"
#include "gtest/gtest.h"
#include "strata/env.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

using internal::ReadFileToString;
using internal::WriteStringToFile;

constexpr char kInactive[] = "filesystem inactive (simulated crash)";

class FaultEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(base_->CreateDirIfMissing(dir_));
    ASSERT_OK(env_->CreateDirIfMissing(dir_));
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Creates `name` through the fault env with `data`, synced and closed.
  void WriteSynced(const std::string& name, const std::string& data) {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(env_->NewWritableFile(Path(name), &file));
    ASSERT_OK(file->Append(data));
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Close());
  }

  // What the base holds now (bypassing the fault env).
  std::string BaseContent(const std::string& name) {
    std::string data;
    Status s = ReadFileToString(base_.get(), Path(name), &data);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return data;
  }
  bool BaseHas(const std::string& name) {
    return base_->FileExists(Path(name));
  }

  std::unique_ptr<Env> base_ = NewMemEnv();
  std::unique_ptr<FaultInjectionEnv> env_ =
      std::make_unique<FaultInjectionEnv>(base_.get());
  const std::string dir_ = "/db";
};

// ---- Power loss -------------------------------------------------------------

TEST_F(FaultEnvTest, UnsyncedAppendsAreDropped) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("synced"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("-flushed"));
  ASSERT_OK(file->Flush());
  ASSERT_OK(file->Append("-buffered"));
  ASSERT_OK(env_->SyncDir(dir_));
  EXPECT_EQ("synced-flushed", BaseContent("f"));  // the buffer is ours
  EXPECT_EQ(23u, file->Size());

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("synced", BaseContent("f"));
}

TEST_F(FaultEnvTest, SyncedBytesSurviveExactly) {
  internal::Random rnd(TestSeed(301));
  std::string expected;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  for (size_t len : {1u, 1000u, 70000u, 5u, 200000u}) {
    const std::string chunk = RandomBytes(&rnd, len);
    ASSERT_OK(file->Append(chunk));
    expected += chunk;
  }
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append(RandomBytes(&rnd, 100000)));  // lost
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ(expected, BaseContent("f"));
}

TEST_F(FaultEnvTest, FileCreatedWithoutDirSyncDisappears) {
  WriteSynced("durable", "d");
  ASSERT_OK(env_->SyncDir(dir_));
  WriteSynced("f", "synced but never named durably");
  ASSERT_TRUE(BaseHas("f"));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_FALSE(BaseHas("f"));
  EXPECT_EQ("d", BaseContent("durable"));
  std::vector<std::string> names;
  ASSERT_OK(env_->GetChildren(dir_, &names));
  EXPECT_EQ(std::vector<std::string>{"durable"}, names);
}

TEST_F(FaultEnvTest, DirSyncKeepsFileWithOnlySyncedBytes) {
  std::unique_ptr<WritableFile> f;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &f));
  ASSERT_OK(f->Append("abc"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("def"));
  ASSERT_OK(f->Flush());
  std::unique_ptr<WritableFile> g;
  ASSERT_OK(env_->NewWritableFile(Path("g"), &g));
  ASSERT_OK(g->Append("never synced"));
  ASSERT_OK(g->Flush());
  ASSERT_OK(env_->SyncDir(dir_));

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("abc", BaseContent("f"));
  ASSERT_TRUE(BaseHas("g"));
  EXPECT_EQ("", BaseContent("g"));
}

TEST_F(FaultEnvTest, RenameWithoutDirSyncIsUndone) {
  WriteSynced("a", "old-a");
  WriteSynced("b", "old-b");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RenameFile(Path("a"), Path("b")));
  ASSERT_FALSE(BaseHas("a"));
  ASSERT_EQ("old-a", BaseContent("b"));

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("old-a", BaseContent("a"));
  EXPECT_EQ("old-b", BaseContent("b"));
}

TEST_F(FaultEnvTest, RenameWithDirSyncSticks) {
  WriteSynced("a", "old-a");
  WriteSynced("b", "old-b");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RenameFile(Path("a"), Path("b")));
  ASSERT_OK(env_->SyncDir(dir_));

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_FALSE(BaseHas("a"));
  EXPECT_EQ("old-a", BaseContent("b"));
}

TEST_F(FaultEnvTest, CurrentFileSwapPattern) {
  // How a DB installs a new CURRENT: write temp, sync, rename, sync dir.
  WriteSynced("CURRENT", "MANIFEST-1\n");
  ASSERT_OK(env_->SyncDir(dir_));
  WriteSynced("CURRENT.tmp", "MANIFEST-2\n");
  ASSERT_OK(env_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT")));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("MANIFEST-1\n", BaseContent("CURRENT"));
  EXPECT_FALSE(BaseHas("CURRENT.tmp"));

  WriteSynced("CURRENT.tmp", "MANIFEST-2\n");
  ASSERT_OK(env_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT")));
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("MANIFEST-2\n", BaseContent("CURRENT"));
  EXPECT_FALSE(BaseHas("CURRENT.tmp"));
}

TEST_F(FaultEnvTest, RenameIntoAnotherDirIsDurablePerDirectory) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("sub")));
  WriteSynced("a", "content");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RenameFile(Path("a"), Path("sub/a")));
  ASSERT_OK(env_->SyncDir(Path("sub")));  // the source dir is not synced
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("content", BaseContent("a"));
  EXPECT_EQ("content", BaseContent("sub/a"));
}

TEST_F(FaultEnvTest, UnsyncedDeleteIsUndone) {
  WriteSynced("a", "a");
  WriteSynced("b", "b");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RemoveFile(Path("a")));
  ASSERT_OK(env_->RemoveFile(Path("b")));
  ASSERT_OK(env_->SyncDir(dir_));  // these deletes are durable
  WriteSynced("c", "c");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RemoveFile(Path("c")));  // not made durable
  ASSERT_FALSE(BaseHas("c"));

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_FALSE(BaseHas("a"));
  EXPECT_FALSE(BaseHas("b"));
  EXPECT_EQ("c", BaseContent("c"));
}

TEST_F(FaultEnvTest, DeletedFileComesBackWithItsDurableContent) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("a"), &file));
  ASSERT_OK(file->Append("durable"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("+lost"));
  ASSERT_OK(file->Close());
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->RemoveFile(Path("a")));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("durable", BaseContent("a"));
}

TEST_F(FaultEnvTest, LinkWithoutDirSyncIsUndone) {
  WriteSynced("a", "x");
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->LinkFile(Path("a"), Path("b")));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("x", BaseContent("a"));
  EXPECT_FALSE(BaseHas("b"));
}

TEST_F(FaultEnvTest, LinkedNamesShareOneIdentity) {
  WriteSynced("a", "x");
  ASSERT_OK(env_->LinkFile(Path("a"), Path("b")));
  ASSERT_OK(env_->SyncDir(dir_));
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewAppendableFile(Path("a"), &file));
  ASSERT_OK(file->Append("y"));
  ASSERT_OK(file->Sync());  // durable under both names
  ASSERT_OK(file->Append("z"));
  ASSERT_OK(file->Close());

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("xy", BaseContent("a"));
  EXPECT_EQ("xy", BaseContent("b"));
  // Still one file: an append through one name shows through the other.
  ASSERT_OK(env_->NewAppendableFile(Path("b"), &file));
  ASSERT_OK(file->Append("!"));
  ASSERT_OK(file->Close());
  EXPECT_EQ("xy!", BaseContent("a"));
}

TEST_F(FaultEnvTest, ExistingFilesCountAsDurableWhenWrapped) {
  ASSERT_OK(base_->CreateDirIfMissing("/old"));
  ASSERT_OK(WriteStringToFile(base_.get(), "existing", "/old/f", false));
  ASSERT_OK(WriteStringToFile(base_.get(), "doomed", "/old/g", false));
  FaultInjectionEnv env(base_.get());

  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env.NewWritableFile("/old/new", &file));
  ASSERT_OK(file->Append("new"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  ASSERT_OK(env.NewAppendableFile("/old/f", &file));
  ASSERT_OK(file->Append("+more"));
  ASSERT_OK(file->Close());
  ASSERT_OK(env.RemoveFile("/old/g"));

  ASSERT_OK(env.DropUnsyncedData());
  std::string data;
  ASSERT_OK(ReadFileToString(base_.get(), "/old/f", &data));
  EXPECT_EQ("existing", data);
  ASSERT_OK(ReadFileToString(base_.get(), "/old/g", &data));
  EXPECT_EQ("doomed", data);
  EXPECT_FALSE(base_->FileExists("/old/new"));
}

TEST_F(FaultEnvTest, FilesWrittenBehindItsBackAreAdoptedAsDurable) {
  // The directory is tracked already; these bypass the wrapper.
  ASSERT_OK(WriteStringToFile(base_.get(), "target", Path("b"), false));
  ASSERT_OK(WriteStringToFile(base_.get(), "victim", Path("c"), false));
  WriteSynced("a", "source");
  ASSERT_OK(env_->RenameFile(Path("a"), Path("b")));
  ASSERT_OK(env_->RemoveFile(Path("c")));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("target", BaseContent("b"));
  EXPECT_EQ("victim", BaseContent("c"));
  EXPECT_FALSE(BaseHas("a"));
}

TEST_F(FaultEnvTest, TruncatedFileKeepsItsDurableContent) {
  WriteSynced("f", "first version");
  ASSERT_OK(env_->SyncDir(dir_));
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));  // truncates
  ASSERT_OK(file->Append("second"));
  ASSERT_OK(file->Close());
  ASSERT_EQ("second", BaseContent("f"));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("first version", BaseContent("f"));
}

TEST_F(FaultEnvTest, FilesOpenedBeforeDropAreDead) {
  WriteSynced("r", "readable");
  ASSERT_OK(env_->SyncDir(dir_));
  std::unique_ptr<WritableFile> writer;
  ASSERT_OK(env_->NewWritableFile(Path("w"), &writer));
  ASSERT_OK(writer->Append("x"));
  std::unique_ptr<SequentialFile> seq;
  ASSERT_OK(env_->NewSequentialFile(Path("r"), &seq));
  std::unique_ptr<RandomAccessFile> random;
  ASSERT_OK(env_->NewRandomAccessFile(Path("r"), &random));

  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_TRUE(writer->Append("y").IsIOError());
  EXPECT_TRUE(writer->Flush().IsIOError());
  EXPECT_TRUE(writer->Sync().IsIOError());
  char scratch[16];
  Slice chunk;
  EXPECT_TRUE(seq->Read(sizeof(scratch), &chunk, scratch).IsIOError());
  EXPECT_TRUE(seq->Skip(1).IsIOError());
  EXPECT_TRUE(random->Read(0, sizeof(scratch), &chunk, scratch).IsIOError());
  EXPECT_TRUE(writer->Close().IsIOError());
  writer.reset();  // writes nothing
  EXPECT_FALSE(BaseHas("w"));

  // New handles work.
  ASSERT_OK(env_->NewSequentialFile(Path("r"), &seq));
  ASSERT_OK(seq->Read(sizeof(scratch), &chunk, scratch));
  EXPECT_EQ("readable", chunk.ToString());
}

TEST_F(FaultEnvTest, FilesMayOutliveDropAndEnv) {
  std::unique_ptr<WritableFile> writer;
  ASSERT_OK(env_->NewWritableFile(Path("w"), &writer));
  ASSERT_OK(writer->Append("pending"));
  ASSERT_OK(env_->DropUnsyncedData());
  env_.reset();
  writer.reset();  // must not touch the destroyed env
  EXPECT_FALSE(BaseHas("w"));
}

// ---- Process crash ----------------------------------------------------------

TEST_F(FaultEnvTest, InactiveFilesystemFailsEverything) {
  WriteSynced("f", "data");
  std::unique_ptr<WritableFile> writer;
  ASSERT_OK(env_->NewAppendableFile(Path("f"), &writer));
  std::unique_ptr<SequentialFile> seq;
  ASSERT_OK(env_->NewSequentialFile(Path("f"), &seq));
  std::unique_ptr<RandomAccessFile> random;
  ASSERT_OK(env_->NewRandomAccessFile(Path("f"), &random));

  env_->SetFilesystemActive(false);
  EXPECT_FALSE(env_->IsFilesystemActive());
  auto expect_inactive = [](const Status& s) {
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_EQ(kInactive, s.message());
  };
  expect_inactive(writer->Append("x"));
  expect_inactive(writer->Flush());
  expect_inactive(writer->Sync());
  expect_inactive(writer->Close());
  char scratch[8];
  Slice chunk;
  expect_inactive(seq->Read(4, &chunk, scratch));
  expect_inactive(seq->Skip(1));
  expect_inactive(random->Read(0, 4, &chunk, scratch));
  std::unique_ptr<WritableFile> other;
  expect_inactive(env_->NewWritableFile(Path("g"), &other));
  expect_inactive(env_->NewAppendableFile(Path("g"), &other));
  std::unique_ptr<SequentialFile> other_seq;
  expect_inactive(env_->NewSequentialFile(Path("f"), &other_seq));
  std::unique_ptr<RandomAccessFile> other_random;
  expect_inactive(env_->NewRandomAccessFile(Path("f"), &other_random));
  expect_inactive(env_->RenameFile(Path("f"), Path("g")));
  expect_inactive(env_->LinkFile(Path("f"), Path("g")));
  expect_inactive(env_->RemoveFile(Path("f")));
  expect_inactive(env_->SyncDir(dir_));
  expect_inactive(env_->CreateDirIfMissing(Path("d")));
  expect_inactive(env_->RemoveDir(dir_));
  std::vector<std::string> names;
  expect_inactive(env_->GetChildren(dir_, &names));
  uint64_t size = 0;
  expect_inactive(env_->GetFileSize(Path("f"), &size));
  std::unique_ptr<FileLock> lock;
  expect_inactive(env_->LockFile(Path("LOCK"), &lock));
  EXPECT_FALSE(env_->FileExists(Path("f")));
  EXPECT_EQ("data", BaseContent("f"));
  EXPECT_FALSE(BaseHas("g"));

  env_->SetFilesystemActive(true);
  EXPECT_TRUE(env_->IsFilesystemActive());
  ASSERT_OK(writer->Append("+more"));
  ASSERT_OK(writer->Close());
  EXPECT_EQ("data+more", BaseContent("f"));
}

TEST_F(FaultEnvTest, KilledProcessKeepsFlushedBytesOnly) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("flushed"));
  ASSERT_OK(file->Flush());
  ASSERT_OK(file->Append("+buffered"));
  env_->SetFilesystemActive(false);
  file.reset();  // the "process" dies: the buffer is lost
  env_->SetFilesystemActive(true);
  EXPECT_EQ("flushed", BaseContent("f"));
}

TEST_F(FaultEnvTest, DestroyingAnUnclosedFileWhileActiveFlushesIt) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("buffered"));
  file.reset();
  EXPECT_EQ("buffered", BaseContent("f"));
}

TEST_F(FaultEnvTest, LockIsReleasedWhenDestroyedWhileInactive) {
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env_->LockFile(Path("LOCK"), &lock));
  std::unique_ptr<FileLock> second;
  const Status held = env_->LockFile(Path("LOCK"), &second);
  EXPECT_TRUE(held.IsIOError()) << held.ToString();
  EXPECT_TRUE(Contains(held.message(), "lock")) << held.ToString();

  env_->SetFilesystemActive(false);
  lock.reset();
  env_->SetFilesystemActive(true);
  ASSERT_OK(env_->LockFile(Path("LOCK"), &lock));
  lock.reset();

  // The LOCK file is an ordinary created file: gone unless the dir is synced.
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_FALSE(BaseHas("LOCK"));
}

// ---- Error injection --------------------------------------------------------

const char* OpName(FaultOp op) {
  switch (op) {
    case FaultOp::kWrite:
      return "Write";
    case FaultOp::kSync:
      return "Sync";
    case FaultOp::kDirSync:
      return "DirSync";
    case FaultOp::kRename:
      return "Rename";
    case FaultOp::kCreate:
      return "Create";
    case FaultOp::kRead:
      return "Read";
    case FaultOp::kRemove:
      return "Remove";
    case FaultOp::kLink:
      return "Link";
  }
  return "?";
}

// Runs one call of a given kind, repeatably.
class FailAfterTest : public FaultEnvTest,
                      public ::testing::WithParamInterface<FaultOp> {
 protected:
  void SetUp() override {
    FaultEnvTest::SetUp();
    ASSERT_OK(env_->NewWritableFile(Path("w"), &writer_));
    WriteSynced("r", "readable");
    ASSERT_OK(env_->NewRandomAccessFile(Path("r"), &reader_));
    WriteSynced("src", "source");
    WriteSynced("rename0", "renamed");
  }

  Status DoOp() {
    const std::string n = std::to_string(calls_++);
    switch (GetParam()) {
      case FaultOp::kWrite:
        return writer_->Append("x");
      case FaultOp::kSync:
        return writer_->Sync();
      case FaultOp::kDirSync:
        return env_->SyncDir(dir_);
      case FaultOp::kRename: {
        const std::string to = "rename" + std::to_string(renames_ + 1);
        Status s = env_->RenameFile(Path("rename" + std::to_string(renames_)),
                                    Path(to));
        if (s.ok()) ++renames_;
        return s;
      }
      case FaultOp::kCreate: {
        std::unique_ptr<WritableFile> file;
        return env_->NewWritableFile(Path("created" + n), &file);
      }
      case FaultOp::kRead: {
        char scratch[8];
        Slice chunk;
        return reader_->Read(0, sizeof(scratch), &chunk, scratch);
      }
      case FaultOp::kRemove: {
        Status s = WriteStringToFile(base_.get(), "", Path("rm" + n), false);
        if (!s.ok()) return s;
        return env_->RemoveFile(Path("rm" + n));
      }
      case FaultOp::kLink:
        return env_->LinkFile(Path("src"), Path("link" + n));
    }
    return Status::InvalidArgument("unknown op");
  }

  std::unique_ptr<WritableFile> writer_;
  std::unique_ptr<RandomAccessFile> reader_;
  int calls_ = 0;
  int renames_ = 0;
};

TEST_P(FailAfterTest, TransientFailsExactlyTheNPlusFirstCall) {
  const FaultOp op = GetParam();
  const uint64_t before = env_->OpCount(op);
  env_->FailAfter(op, 2, FaultInjectionEnv::NoSpaceError(), false);
  EXPECT_OK(DoOp());
  EXPECT_OK(DoOp());
  const Status s = DoOp();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(FaultInjectionEnv::NoSpaceError().ToString(), s.ToString());
  EXPECT_OK(DoOp());
  EXPECT_OK(DoOp());
  EXPECT_EQ(before + 5, env_->OpCount(op));
}

TEST_P(FailAfterTest, ZeroFailsTheNextCall) {
  env_->FailAfter(GetParam(), 0, Status::IOError("boom"), false);
  const Status s = DoOp();
  EXPECT_EQ("IOError: boom", s.ToString());
  EXPECT_OK(DoOp());
}

TEST_P(FailAfterTest, PersistentFailsEveryLaterCallUntilCleared) {
  const FaultOp op = GetParam();
  env_->FailAfter(op, 1, Status::IOError("boom"), true);
  EXPECT_OK(DoOp());
  for (int i = 0; i < 3; ++i) {
    const Status s = DoOp();
    EXPECT_EQ("IOError: boom", s.ToString()) << "call " << i;
  }
  env_->ClearFaults();
  EXPECT_OK(DoOp());
  EXPECT_OK(DoOp());
}

TEST_P(FailAfterTest, OtherKindsAreUnaffected) {
  const FaultOp op = GetParam();
  const FaultOp other =
      op == FaultOp::kWrite ? FaultOp::kSync : FaultOp::kWrite;
  env_->FailAfter(other, 0, Status::IOError("boom"), true);
  EXPECT_OK(DoOp());
  EXPECT_OK(DoOp());
}

INSTANTIATE_TEST_SUITE_P(AllOps, FailAfterTest,
                         ::testing::Values(FaultOp::kWrite, FaultOp::kSync,
                                           FaultOp::kDirSync, FaultOp::kRename,
                                           FaultOp::kCreate, FaultOp::kRead,
                                           FaultOp::kRemove, FaultOp::kLink),
                         [](const ::testing::TestParamInfo<FaultOp>& info) {
                           return std::string(OpName(info.param));
                         });

TEST_F(FaultEnvTest, FailedAppendLeavesContentUnchanged) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("a"));
  env_->FailAfter(FaultOp::kWrite, 0, FaultInjectionEnv::NoSpaceError(), false);
  EXPECT_TRUE(file->Append("b").IsIOError());
  EXPECT_EQ(1u, file->Size());
  ASSERT_OK(file->Append("c"));
  EXPECT_EQ(2u, file->Size());
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  EXPECT_EQ("ac", BaseContent("f"));
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("ac", BaseContent("f"));
}

TEST_F(FaultEnvTest, FailedFlushKeepsBytesBuffered) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("abc"));
  env_->FailAfter(FaultOp::kWrite, 0, FaultInjectionEnv::NoSpaceError(), false);
  EXPECT_TRUE(file->Flush().IsIOError());
  EXPECT_EQ("", BaseContent("f"));
  ASSERT_OK(file->Flush());
  EXPECT_EQ("abc", BaseContent("f"));
}

TEST_F(FaultEnvTest, FailedSyncDoesNotMakeDataDurable) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("f"), &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("def"));
  env_->FailAfter(FaultOp::kSync, 0, Status::IOError("sync failed"), false);
  EXPECT_TRUE(file->Sync().IsIOError());
  EXPECT_EQ("abc", BaseContent("f"));  // did nothing, not even flush
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_EQ("abc", BaseContent("f"));
}

TEST_F(FaultEnvTest, FailedDirSyncDoesNotPersistEntries) {
  WriteSynced("f", "data");
  env_->FailAfter(FaultOp::kDirSync, 0, Status::IOError("dirsync failed"),
                  false);
  EXPECT_TRUE(env_->SyncDir(dir_).IsIOError());
  ASSERT_OK(env_->DropUnsyncedData());
  EXPECT_FALSE(BaseHas("f"));
}

TEST_F(FaultEnvTest, FailedCallsDoNothing) {
  WriteSynced("a", "a");
  const Status error = Status::IOError("injected");
  env_->FailAfter(FaultOp::kCreate, 0, error, false);
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(env_->NewWritableFile(Path("new"), &file).IsIOError());
  EXPECT_EQ(nullptr, file);
  EXPECT_FALSE(BaseHas("new"));
  env_->FailAfter(FaultOp::kRename, 0, error, false);
  EXPECT_TRUE(env_->RenameFile(Path("a"), Path("b")).IsIOError());
  EXPECT_TRUE(BaseHas("a"));
  EXPECT_FALSE(BaseHas("b"));
  env_->FailAfter(FaultOp::kLink, 0, error, false);
  EXPECT_TRUE(env_->LinkFile(Path("a"), Path("b")).IsIOError());
  EXPECT_FALSE(BaseHas("b"));
  env_->FailAfter(FaultOp::kRemove, 0, error, false);
  EXPECT_TRUE(env_->RemoveFile(Path("a")).IsIOError());
  EXPECT_EQ("a", BaseContent("a"));
}

TEST_F(FaultEnvTest, CrashAtStopsTheFilesystemAtTheNPlusFirstCall) {
  WriteSynced("a", "a");
  env_->CrashAt(FaultOp::kRename, 1);
  ASSERT_OK(env_->RenameFile(Path("a"), Path("b")));  // call 1 goes through
  EXPECT_TRUE(env_->IsFilesystemActive());
  const Status s = env_->RenameFile(Path("b"), Path("c"));
  EXPECT_TRUE(s.IsIOError() && Contains(s.ToString(), kInactive))
      << s.ToString();
  EXPECT_FALSE(env_->IsFilesystemActive());
  EXPECT_TRUE(BaseHas("b"));  // the due call did nothing
  EXPECT_FALSE(BaseHas("c"));
  EXPECT_TRUE(env_->RemoveFile(Path("b")).IsIOError());  // nor does cleanup
  EXPECT_TRUE(BaseHas("b"));
  // Back up: the crash was one-shot; FailAfter replaces a pending CrashAt.
  env_->SetFilesystemActive(true);
  ASSERT_OK(env_->RenameFile(Path("b"), Path("c")));
  env_->CrashAt(FaultOp::kRemove, 0);
  env_->FailAfter(FaultOp::kRemove, 0, Status::IOError("injected"), false);
  EXPECT_TRUE(env_->RemoveFile(Path("c")).IsIOError());
  EXPECT_TRUE(env_->IsFilesystemActive());
}

TEST_F(FaultEnvTest, NoSpaceErrorMessage) {
  const Status s = FaultInjectionEnv::NoSpaceError();
  EXPECT_TRUE(s.IsIOError());
  EXPECT_TRUE(Contains(s.message(), "No space left on device")) << s.ToString();
}

TEST_F(FaultEnvTest, OpCountCountsEachKind) {
  for (int i = 0; i < kNumFaultOps; ++i) {
    EXPECT_EQ(0u, env_->OpCount(static_cast<FaultOp>(i))) << i;
  }
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env_->NewWritableFile(Path("a"), &file));  // create 1
  ASSERT_OK(file->Append("x"));                        // write 1
  ASSERT_OK(file->Append("y"));                        // write 2
  ASSERT_OK(file->Flush());                            // write 3
  ASSERT_OK(file->Sync());                             // sync 1
  ASSERT_OK(file->Close());
  ASSERT_OK(env_->NewAppendableFile(Path("a"), &file));  // create 2
  ASSERT_OK(file->Close());
  ASSERT_OK(env_->SyncDir(dir_));                     // dirsync 1
  ASSERT_OK(env_->LinkFile(Path("a"), Path("b")));    // link 1
  ASSERT_OK(env_->RenameFile(Path("b"), Path("c")));  // rename 1
  std::unique_ptr<SequentialFile> seq;
  ASSERT_OK(env_->NewSequentialFile(Path("a"), &seq));
  char scratch[4];
  Slice chunk;
  ASSERT_OK(seq->Read(4, &chunk, scratch));  // read 1
  ASSERT_OK(seq->Read(4, &chunk, scratch));  // read 2
  ASSERT_OK(env_->RemoveFile(Path("c")));    // remove 1
  // Injected failures count; calls while inactive do not.
  env_->FailAfter(FaultOp::kRemove, 0, Status::IOError("x"), false);
  EXPECT_FALSE(env_->RemoveFile(Path("a")).ok());  // remove 2
  env_->SetFilesystemActive(false);
  EXPECT_FALSE(env_->RemoveFile(Path("a")).ok());
  env_->SetFilesystemActive(true);

  EXPECT_EQ(3u, env_->OpCount(FaultOp::kWrite));
  EXPECT_EQ(1u, env_->OpCount(FaultOp::kSync));
  EXPECT_EQ(1u, env_->OpCount(FaultOp::kDirSync));
  EXPECT_EQ(1u, env_->OpCount(FaultOp::kRename));
  EXPECT_EQ(2u, env_->OpCount(FaultOp::kCreate));
  EXPECT_EQ(2u, env_->OpCount(FaultOp::kRead));
  EXPECT_EQ(2u, env_->OpCount(FaultOp::kRemove));
  EXPECT_EQ(1u, env_->OpCount(FaultOp::kLink));
}

TEST_F(FaultEnvTest, FailEachWriteInTurn) {
  // The loop a crash test runs: fail the i-th write, check the survivors.
  for (uint64_t i = 0; i < 4; ++i) {
    auto base = NewMemEnv();
    FaultInjectionEnv env(base.get());
    ASSERT_OK(env.CreateDirIfMissing("/d"));
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(env.NewWritableFile("/d/f", &file));
    env.FailAfter(FaultOp::kWrite, i, FaultInjectionEnv::NoSpaceError(), true);
    std::string written;
    for (char c : std::string("wxyz")) {
      if (!file->Append(std::string(1, c)).ok()) break;
      written.push_back(c);
    }
    EXPECT_EQ(std::string("wxyz").substr(0, i), written);
    env.ClearFaults();
    ASSERT_OK(file->Close());
    std::string data;
    ASSERT_OK(ReadFileToString(base.get(), "/d/f", &data));
    EXPECT_EQ(written, data);
  }
}

// ---- Concurrency and other bases -------------------------------------------

TEST_F(FaultEnvTest, ConcurrentWritersThenPowerLoss) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      std::unique_ptr<WritableFile> file;
      if (!env_->NewWritableFile(Path("f" + std::to_string(t)), &file).ok()) {
        return;
      }
      for (int r = 0; r < kRounds; ++r) {
        (void)file->Append(std::string(10, static_cast<char>('a' + t)));
        if (r % 2 == 1) (void)file->Sync();
      }
      (void)file->Append("unsynced tail");
      (void)file->Flush();
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_OK(env_->SyncDir(dir_));
  ASSERT_OK(env_->DropUnsyncedData());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(std::string(10 * kRounds, static_cast<char>('a' + t)),
              BaseContent("f" + std::to_string(t)));
  }
}

TEST(FaultEnvPosixTest, PowerLossOverPosixEnv) {
  const std::string dir = NewTempDir("fault_env_test");
  Env* posix = Env::Default();
  ASSERT_OK(WriteStringToFile(posix, "existing", dir + "/old", true));
  FaultInjectionEnv env(posix);

  std::unique_ptr<WritableFile> file;
  ASSERT_OK(env.NewWritableFile(dir + "/durable", &file));
  ASSERT_OK(file->Append("kept"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("+lost"));
  ASSERT_OK(file->Close());
  ASSERT_OK(env.SyncDir(dir));
  ASSERT_OK(env.NewWritableFile(dir + "/fresh", &file));
  ASSERT_OK(file->Append("lost"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  ASSERT_OK(env.RemoveFile(dir + "/old"));

  ASSERT_OK(env.DropUnsyncedData());
  std::string data;
  ASSERT_OK(ReadFileToString(posix, dir + "/durable", &data));
  EXPECT_EQ("kept", data);
  ASSERT_OK(ReadFileToString(posix, dir + "/old", &data));
  EXPECT_EQ("existing", data);
  EXPECT_FALSE(posix->FileExists(dir + "/fresh"));

  // kill -9 over POSIX: the wrapper's buffer is lost, flushed bytes stay.
  ASSERT_OK(env.NewWritableFile(dir + "/killed", &file));
  ASSERT_OK(file->Append("flushed"));
  ASSERT_OK(file->Flush());
  ASSERT_OK(file->Append("+buffered"));
  env.SetFilesystemActive(false);
  file.reset();
  env.SetFilesystemActive(true);
  ASSERT_OK(ReadFileToString(posix, dir + "/killed", &data));
  EXPECT_EQ("flushed", data);

  std::unique_ptr<FileLock> lock;
  ASSERT_OK(env.LockFile(dir + "/LOCK", &lock));
  std::unique_ptr<FileLock> second;
  EXPECT_TRUE(env.LockFile(dir + "/LOCK", &second).IsIOError());
  lock.reset();
  if (!::testing::Test::HasFailure()) RemoveTempDir(dir);
}

}  // namespace
}  // namespace strata::testing
