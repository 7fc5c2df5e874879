// Misuse gets a clear error and loses nothing (issue 20, findings 5-8):
//  - snapshots released twice, another DB's snapshot released or read
//    through, a released snapshot read through: a no-op or InvalidArgument,
//    never a crash, never a wrong answer, and the snapshot count stays right;
//  - an iterator outlives its DB object (with or without Close()) and keeps
//    reading its snapshot, across memtable, L0 and deeper levels, with
//    blocks evicted from the cache in between;
//  - max_background_jobs is bounded, and a refused thread is an IOError,
//    not an exception, with nothing left behind;
//  - a permission problem on LOCK says so; after a compaction meets a bad
//    block, writes say they are stopped until reopen.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/thread.h"
#include "env/env_util.h"
#include "env/env_wrapper.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "testing/test_util.h"

namespace strata {
namespace {

using testing::NumberedKey;

class MisuseTest : public ::testing::Test {
 protected:
  MisuseTest() : env_(NewMemEnv()) {}

  Options MakeOptions() {
    Options o;
    o.env = env_.get();
    o.level0_idle_compaction_ms = 0;
    return o;
  }

  std::unique_ptr<DB> Open(const std::string& name) {
    std::unique_ptr<DB> db;
    const Status s = DB::Open(MakeOptions(), name, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return db;
  }

  static std::string Property(DB* db, const char* name) {
    std::string v;
    EXPECT_TRUE(db->GetProperty(name, &v)) << name;
    return v;
  }

  std::unique_ptr<Env> env_;
};

// A timestamp is for a DB that keeps history: any other refuses the whole
// batch, and writes nothing of it.
TEST_F(MisuseTest, ATimestampWithoutVersioningIsRefused) {
  std::unique_ptr<DB> db = Open("/db");
  for (const bool at_put : {true, false}) {
    WriteBatch b;
    b.Put("before", "x");
    if (at_put) {
      b.PutAt("k", "v", 42);
    } else {
      b.DeleteAt("k", 42);
    }
    const Status s = db->Write(WriteOptions(), &b);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("versioning"))
        << s.ToString();
  }
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "before", &v).IsNotFound());
  EXPECT_EQ("0", Property(db.get(), "strata.last-sequence"));
  ASSERT_TRUE(db->Close().ok());
}

TEST_F(MisuseTest, ReleasingASnapshotTwiceIsANoOp) {
  std::unique_ptr<DB> db = Open("/a");
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v1").ok());
  const Snapshot* s1 = db->GetSnapshot();
  const Snapshot* s2 = db->GetSnapshot();
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v2").ok());
  db->ReleaseSnapshot(s1);
  db->ReleaseSnapshot(s1);  // once more: nothing happens
  EXPECT_EQ("1", Property(db.get(), "strata.num-snapshots"));
  // s2 still works, and still pins v1 through a flush.
  ASSERT_TRUE(db->Flush().ok());
  ReadOptions ro;
  ro.snapshot = s2;
  std::string v;
  ASSERT_TRUE(db->Get(ro, "k", &v).ok());
  EXPECT_EQ("v1", v);
  db->ReleaseSnapshot(s2);
  EXPECT_EQ("0", Property(db.get(), "strata.num-snapshots"));
  ASSERT_TRUE(db->Flush().ok());
}

TEST_F(MisuseTest, ASnapshotBelongsToItsDb) {
  std::unique_ptr<DB> a = Open("/a");
  std::unique_ptr<DB> b = Open("/b");
  ASSERT_TRUE(a->Put(WriteOptions(), "k", "in-a").ok());
  ASSERT_TRUE(b->Put(WriteOptions(), "k", "in-b").ok());
  const Snapshot* from_a = a->GetSnapshot();

  // Releasing it through the other DB changes neither.
  b->ReleaseSnapshot(from_a);
  EXPECT_EQ("1", Property(a.get(), "strata.num-snapshots"));
  EXPECT_EQ("0", Property(b.get(), "strata.num-snapshots"));
  ASSERT_TRUE(b->Put(WriteOptions(), "k2", "v").ok());
  ASSERT_TRUE(b->Flush().ok());

  // Reading the other DB through it is refused, whatever the read.
  ReadOptions ro;
  ro.snapshot = from_a;
  std::string v;
  Status s = b->Get(ro, "k", &v);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  std::unique_ptr<Iterator> it = b->NewIterator(ro);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsInvalidArgument()) << it->status().ToString();
  uint64_t n = 0;
  s = b->Count(ro, "a", "z", &n);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  // Its own DB reads through it.
  ASSERT_TRUE(a->Get(ro, "k", &v).ok());
  EXPECT_EQ("in-a", v);
  a->ReleaseSnapshot(from_a);
  EXPECT_EQ("0", Property(a.get(), "strata.num-snapshots"));

  // Released, it is refused by its own DB too.
  s = a->Get(ro, "k", &v);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_F(MisuseTest, IteratorsOutliveTheirDb) {
  for (const bool close_first : {false, true}) {
    SCOPED_TRACE(close_first ? "Close() first" : "destroyed without Close()");
    const std::string name = close_first ? "/it-closed" : "/it-destroyed";
    Options o = MakeOptions();
    o.write_buffer_size = 64 << 10;
    o.target_file_size = 64 << 10;
    o.block_cache_capacity = 16 << 10;  // blocks are read again and again
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, name, &db).ok());
    const std::string value(200, 'v');
    for (int i = 0; i < 3000; i += 2) {
      ASSERT_TRUE(db->Put(WriteOptions(), NumberedKey(i), value).ok());
    }
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());  // deeper levels
    for (int i = 1; i < 3000; i += 4) {
      ASSERT_TRUE(db->Put(WriteOptions(), NumberedKey(i), value).ok());
    }
    ASSERT_TRUE(db->Flush().ok());  // L0
    for (int i = 3; i < 3000; i += 4) {
      ASSERT_TRUE(
          db->Put(WriteOptions(), NumberedKey(i), value).ok());  // memtable
    }
    ASSERT_TRUE(
        db->DeleteRange(WriteOptions(), NumberedKey(100), NumberedKey(200))
            .ok());
    std::unique_ptr<Iterator> forward = db->NewIterator(ReadOptions());
    std::unique_ptr<Iterator> backward = db->NewIterator(ReadOptions());
    forward->SeekToFirst();
    backward->SeekToLast();
    if (close_first) {
      ASSERT_TRUE(db->Close().ok());
    }
    db.reset();

    int n = 0;
    for (; forward->Valid(); forward->Next(), ++n) {
      ASSERT_EQ(value, forward->value().ToString());
    }
    EXPECT_TRUE(forward->status().ok()) << forward->status().ToString();
    EXPECT_EQ(3000 - 100, n);
    n = 0;
    for (; backward->Valid(); backward->Prev(), ++n) {
    }
    EXPECT_TRUE(backward->status().ok()) << backward->status().ToString();
    EXPECT_EQ(3000 - 100, n);
    forward->Seek(NumberedKey(150));
    ASSERT_TRUE(forward->Valid());
    EXPECT_EQ(NumberedKey(200), forward->key().ToString());
  }
}

TEST_F(MisuseTest, BackgroundJobsAreBounded) {
  Options o = MakeOptions();
  o.max_background_jobs = 65;
  Status s = o.Validate();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("max_background_jobs"));
  o.max_background_jobs = 1 << 30;
  std::unique_ptr<DB> db;
  s = DB::Open(o, "/db", &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(env_->FileExists("/db"));
  o.max_background_jobs = 64;
  EXPECT_TRUE(o.Validate().ok());
}

TEST_F(MisuseTest, ARefusedThreadIsAnErrorAndLeavesNothing) {
  Options o = MakeOptions();
  o.max_background_jobs = 4;
  struct Disarm {
    ~Disarm() { internal::FailThreadStartForTest(-1); }
  } disarm;
  // The system refuses thread 1, 2, 3 or 4: the ones started before are
  // stopped again, and a DB being created leaves nothing behind.
  for (int started = 0; started < 4; ++started) {
    SCOPED_TRACE(started);
    internal::FailThreadStartForTest(started);
    std::unique_ptr<DB> db;
    const Status s = DB::Open(o, "/new", &db);
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("max_background_jobs"))
        << s.ToString();
    EXPECT_FALSE(env_->FileExists("/new")) << "a failed creation left files";
  }
  // An existing DB keeps its data when a thread is refused.
  {
    std::unique_ptr<DB> db = Open("/old");
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  internal::FailThreadStartForTest(1);
  std::unique_ptr<DB> db;
  const Status s = DB::Open(o, "/old", &db);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  db = Open("/old");
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ("v", v);
}

// An Env whose LOCK cannot be opened for lack of permission (tests run as
// root, which the real permission bits do not stop).
class NoPermissionEnv final : public internal::EnvWrapper {
 public:
  explicit NoPermissionEnv(Env* target) : EnvWrapper(target) {}
  Status LockFile(const std::string& path,
                  std::unique_ptr<FileLock>* lock) override {
    (void)lock;
    return internal::ErrnoToStatus(path, "open lock file", EACCES);
  }
};

TEST_F(MisuseTest, APermissionProblemOnLockSaysSo) {
  { std::unique_ptr<DB> db = Open("/db"); }
  NoPermissionEnv env(env_.get());
  Options o = MakeOptions();
  o.env = &env;
  std::unique_ptr<DB> db;
  const Status s = DB::Open(o, "/db", &db);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("permission")) << s.ToString();
  EXPECT_EQ(std::string::npos, s.ToString().find("is locked")) << s.ToString();
}

TEST_F(MisuseTest, WritesSayTheyStopAfterACompactionMeetsABadBlock) {
  Options o = MakeOptions();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, "/db", &db).ok());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), NumberedKey(i), std::string(100, 'a')).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  std::vector<std::string> names;
  ASSERT_TRUE(env_->GetChildren("/db", &names).ok());
  std::string table;
  for (const std::string& n : names) {
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".sst") == 0) table = n;
  }
  ASSERT_FALSE(table.empty());
  std::string content;
  ASSERT_TRUE(
      internal::ReadFileToString(env_.get(), "/db/" + table, &content).ok());
  content[20] ^= 0x40;  // inside the first data block
  ASSERT_TRUE(
      internal::WriteStringToFile(env_.get(), content, "/db/" + table, true)
          .ok());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), NumberedKey(i), std::string(100, 'b')).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  const Status compaction = db->CompactRange(nullptr, nullptr);
  ASSERT_TRUE(compaction.IsCorruption()) << compaction.ToString();
  const Status put = db->Put(WriteOptions(), "k", "v");
  EXPECT_TRUE(put.IsCorruption()) << put.ToString();
  EXPECT_NE(std::string::npos,
            put.ToString().find("writes are stopped until the DB is reopened"))
      << put.ToString();
  EXPECT_NE(std::string::npos, put.ToString().find(table)) << put.ToString();
}

}  // namespace
}  // namespace strata
