// The value log through the DB (issue 16): values at or above the
// threshold leave the tables at flush and compaction; Get, iterators in
// both directions, snapshots, reopen, versioned as-of reads and
// transactions read them back; keys-only reads never touch the value log;
// compactions count garbage and a value log no table names any more is
// deleted, but not while an iterator still reads it; damage is Corruption
// naming the file and offset (every byte of a value log flipped, read
// through pread and through a mapping); turning the value log on for an
// existing DB and off again loses nothing.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "env/env_test_util.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"

namespace strata {
namespace {

using internal::FileType;
using internal::ParseFileName;

constexpr char kDb[] = "/db";

// One value-log file as strata.vlog-files lists it.
struct VlogFile {
  uint64_t number = 0, file_size = 0, records = 0, record_bytes = 0,
           garbage = 0;
};

class ValueLogTest : public ::testing::Test {
 protected:
  ValueLogTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.enable_value_log = true;
    options_.value_log_threshold = 100;
    options_.level0_idle_compaction_ms = 0;
    Open();
  }

  void Open() { ASSERT_OK(DB::Open(options_, kDb, &db_)); }
  void Reopen() {
    ASSERT_OK(db_->Close());
    db_.reset();
    Open();
  }

  static std::string Large(const std::string& key, int version = 0) {
    std::string v = key + "#" + std::to_string(version) + ":";
    while (v.size() < 300) v += v;
    return v.substr(0, 300);
  }

  std::string Get(const std::string& key, ReadOptions ro = ReadOptions()) {
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  std::vector<VlogFile> VlogFiles() {
    std::string text;
    EXPECT_TRUE(db_->GetProperty("strata.vlog-files", &text));
    std::vector<VlogFile> r;
    std::istringstream in(text);
    VlogFile f;
    while (in >> f.number >> f.file_size >> f.records >> f.record_bytes >>
           f.garbage) {
      r.push_back(f);
    }
    return r;
  }

  std::vector<uint64_t> VlogFilesOnDisk() {
    std::vector<std::string> names;
    EXPECT_OK(env_->GetChildren(kDb, &names));
    std::vector<uint64_t> r;
    for (const std::string& name : names) {
      uint64_t number = 0;
      FileType type;
      if (ParseFileName(name, &number, &type) && type == FileType::kVlogFile) {
        r.push_back(number);
      }
    }
    std::sort(r.begin(), r.end());
    return r;
  }

  // "k=v ..." forward; checks the same backward.
  std::string Scan(ReadOptions ro = ReadOptions()) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    std::vector<std::string> forward;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      forward.push_back(it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_OK(it->status());
    std::vector<std::string> backward;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      backward.insert(backward.begin(),
                      it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_OK(it->status());
    EXPECT_EQ(forward, backward);
    std::string out;
    for (const std::string& e : forward) out += (out.empty() ? "" : " ") + e;
    return out;
  }

  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(ValueLogTest, LargeValuesMoveAtFlushAndReadBack) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "small"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", Large("b")));
  ASSERT_OK(db_->Put(WriteOptions(), "c", std::string(99, 'c')));
  ASSERT_OK(db_->Put(WriteOptions(), "d", Large("d")));
  EXPECT_TRUE(VlogFiles().empty());  // not on the write path
  ASSERT_OK(db_->Flush());
  const std::vector<VlogFile> files = VlogFiles();
  ASSERT_EQ(1u, files.size());
  EXPECT_EQ(2u, files[0].records);
  EXPECT_EQ(0u, files[0].garbage);
  EXPECT_EQ(std::vector<uint64_t>{files[0].number}, VlogFilesOnDisk());
  std::string total;
  ASSERT_TRUE(db_->GetProperty("strata.total-vlog-bytes", &total));
  EXPECT_EQ(std::to_string(files[0].file_size), total);
  std::string sst;
  ASSERT_TRUE(db_->GetProperty("strata.total-sst-bytes", &sst));
  EXPECT_LT(std::stoull(sst), 600u + 1000u);  // the large values are gone

  const std::string expected = "a=small b=" + Large("b") +
                               " c=" + std::string(99, 'c') +
                               " d=" + Large("d");
  EXPECT_EQ(Large("b"), Get("b"));
  EXPECT_EQ(expected, Scan());
  ReadOptions bounded;
  bounded.lower_bound = "b";
  bounded.upper_bound = "d";
  EXPECT_EQ("b=" + Large("b") + " c=" + std::string(99, 'c'), Scan(bounded));
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Large("b"), it->value().ToString());
  it.reset();

  Reopen();
  EXPECT_EQ(expected, Scan());
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("strata.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("Vlog")) << stats;
}

TEST_F(ValueLogTest, KeysOnlyReadsNeverTouchTheValueLog) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                       Large("k" + std::to_string(i))));
  }
  ASSERT_OK(db_->Flush());
  const std::vector<VlogFile> files = VlogFiles();
  ASSERT_EQ(1u, files.size());
  // Damage every record: any value read now fails.
  const std::string path = internal::VlogFileName(kDb, files[0].number);
  std::string bytes;
  ASSERT_OK(internal::ReadFileToString(env_.get(), path, &bytes));
  for (size_t i = 16; i + 24 < bytes.size(); i += 50) bytes[i] ^= 1;
  ASSERT_OK(internal::WriteStringToFile(env_.get(), bytes, path, false));

  ReadOptions keys_only;
  keys_only.keys_only = true;
  std::unique_ptr<Iterator> it = db_->NewIterator(keys_only);
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_OK(it->status());
  EXPECT_EQ(10, n);
  uint64_t count = 0;
  ASSERT_OK(db_->Count(ReadOptions(), "a", "z", &count));
  EXPECT_EQ(10u, count);

  // A value read is Corruption naming the file and offset.
  std::string value;
  const Status s = db_->Get(ReadOptions(), "k3", &value);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos,
            s.ToString().find(internal::VlogFileName(kDb, files[0].number) +
                              " offset "))
      << s.ToString();
  std::unique_ptr<Iterator> values = db_->NewIterator(ReadOptions());
  values->SeekToFirst();
  EXPECT_FALSE(values->Valid());
  EXPECT_TRUE(values->status().IsCorruption()) << values->status().ToString();
}

TEST_F(ValueLogTest, CompactionCountsGarbageAndDropsUnnamedFiles) {
  options_.value_log_gc_discard_ratio = 1;  // no collection: counts only
  Reopen();
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                       Large("k" + std::to_string(i), 1)));
  }
  ASSERT_OK(db_->Flush());
  const uint64_t first = VlogFiles().at(0).number;
  // Half overwritten with other large values, a quarter with small ones, a
  // quarter deleted.
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(i);
    if (i % 4 < 2) {
      ASSERT_OK(db_->Put(WriteOptions(), k, Large(k, 2)));
    } else if (i % 4 == 2) {
      ASSERT_OK(db_->Put(WriteOptions(), k, "small"));
    } else {
      ASSERT_OK(db_->Delete(WriteOptions(), k));
    }
  }
  ASSERT_OK(db_->Flush());
  ASSERT_EQ(2u, VlogFiles().size());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  // Every record of the first file is garbage now: no table names it, so
  // it is gone from the state and from the disk.
  std::vector<VlogFile> files = VlogFiles();
  ASSERT_EQ(1u, files.size());
  EXPECT_NE(first, files[0].number);
  EXPECT_EQ(0u, files[0].garbage);
  EXPECT_EQ(std::vector<uint64_t>{files[0].number}, VlogFilesOnDisk());
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(i);
    EXPECT_EQ(i % 4 < 2 ? Large(k, 2) : (i % 4 == 2 ? "small" : "NOT_FOUND"),
              Get(k));
  }

  // Overwrite half of what the second file holds: its garbage is counted.
  for (int i = 0; i < 20; i += 4) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_OK(db_->Put(WriteOptions(), k, "small again"));
  }
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  files = VlogFiles();
  ASSERT_EQ(1u, files.size());
  EXPECT_EQ(10u, files[0].records);
  EXPECT_EQ(files[0].record_bytes / 2, files[0].garbage);
  Reopen();  // the garbage is in the MANIFEST
  files = VlogFiles();
  ASSERT_EQ(1u, files.size());
  EXPECT_EQ(files[0].record_bytes / 2, files[0].garbage);
}

TEST_F(ValueLogTest, AnIteratorKeepsTheFilesItReads) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                       Large("k" + std::to_string(i))));
  }
  ASSERT_OK(db_->Flush());
  const uint64_t old_file = VlogFiles().at(0).number;
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  const Snapshot* snapshot = db_->GetSnapshot();
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i), "small"));
  }
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  // The snapshot keeps the old versions, and with them the file.
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  EXPECT_EQ(Large("k4"), Get("k4", at_snapshot));
  db_->ReleaseSnapshot(snapshot);
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_TRUE(VlogFiles().empty());
  // Gone from the state, but the iterator's version still holds it.
  EXPECT_EQ(std::vector<uint64_t>{old_file}, VlogFilesOnDisk());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_EQ(Large(it->key().ToString()), it->value().ToString());
    ++n;
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(10, n);
  it.reset();
  // The next deletion pass takes it.
  ASSERT_OK(db_->Put(WriteOptions(), "z", "z"));
  ASSERT_OK(db_->Flush());
  EXPECT_TRUE(VlogFilesOnDisk().empty());
}

// Garbage collection runs by itself once a file's dead share passes the
// ratio: the live values move to a new file, the old one goes.
TEST_F(ValueLogTest, GarbageCollectionReclaimsAFilePastTheRatio) {
  internal::DBImpl* impl = internal::ImplOf(db_.get());
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(100 + i);
    ASSERT_OK(db_->Put(WriteOptions(), k, Large(k, 1)));
  }
  ASSERT_OK(db_->Flush());
  const uint64_t first = VlogFiles().at(0).number;
  // An iterator over the first state: the file must outlive the GC.
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  for (int i = 0; i < 15; ++i) {
    const std::string k = "k" + std::to_string(100 + i);
    ASSERT_OK(db_->Put(WriteOptions(), k, Large(k, 2)));
  }
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  ASSERT_OK(impl->SettleBackground());
  // The first file had 75% garbage: its five live values moved.
  for (const VlogFile& f : VlogFiles()) {
    EXPECT_NE(first, f.number);
    EXPECT_LT(f.garbage, f.record_bytes * 3 / 10 + 1);
  }
  std::string counters;
  ASSERT_TRUE(db_->GetProperty("strata.counters", &counters));
  EXPECT_NE(std::string::npos, counters.find("vlog.relocated.values 5"))
      << counters;
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(100 + i);
    EXPECT_EQ(Large(k, i < 15 ? 2 : 1), Get(k));
  }
  // Still on disk for the iterator, which reads the first state whole.
  const std::vector<uint64_t> on_disk = VlogFilesOnDisk();
  EXPECT_TRUE(std::find(on_disk.begin(), on_disk.end(), first) !=
              on_disk.end());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    EXPECT_EQ(Large(it->key().ToString(), 1), it->value().ToString());
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(20, n);
  it.reset();
  ASSERT_OK(db_->Put(WriteOptions(), "z", "z"));
  ASSERT_OK(db_->Flush());  // a deletion pass
  const std::vector<uint64_t> after = VlogFilesOnDisk();
  EXPECT_TRUE(std::find(after.begin(), after.end(), first) == after.end());
  Reopen();
  for (int i = 0; i < 20; ++i) {
    const std::string k = "k" + std::to_string(100 + i);
    EXPECT_EQ(Large(k, i < 15 ? 2 : 1), Get(k));
  }
}

TEST_F(ValueLogTest, TurnedOnForAnExistingDBAndOffAgain) {
  ASSERT_OK(db_->Close());
  db_.reset();
  ASSERT_OK(DestroyDB(kDb, options_));
  options_.enable_value_log = false;
  Open();
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                       Large("k" + std::to_string(i))));
  }
  ASSERT_OK(db_->Flush());
  EXPECT_TRUE(VlogFiles().empty());

  // On: a compaction separates the values it rewrites.
  options_.enable_value_log = true;
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "k0", Large("k0", 1)));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  // The flush separated the new k0; the compaction the nine others (the
  // old k0 went).
  std::vector<VlogFile> files = VlogFiles();
  ASSERT_EQ(2u, files.size());
  EXPECT_EQ(1u, files[0].records);
  EXPECT_EQ(9u, files[1].records);
  EXPECT_EQ(0u, files[0].garbage + files[1].garbage);

  // Off: the pointers keep working; new values stay in the tables.
  options_.enable_value_log = false;
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "new", Large("new")));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ(2u, VlogFiles().size());
  EXPECT_EQ(Large("k0", 1), Get("k0"));
  EXPECT_EQ(Large("k5"), Get("k5"));
  EXPECT_EQ(Large("new"), Get("new"));
}

TEST_F(ValueLogTest, AMissingOrTruncatedValueLogFailsTheOpen) {
  ASSERT_OK(db_->Put(WriteOptions(), "k", Large("k")));
  ASSERT_OK(db_->Flush());
  const VlogFile f = VlogFiles().at(0);
  ASSERT_OK(db_->Close());
  db_.reset();
  const std::string path = internal::VlogFileName(kDb, f.number);
  std::string bytes;
  ASSERT_OK(internal::ReadFileToString(env_.get(), path, &bytes));
  ASSERT_OK(internal::WriteStringToFile(
      env_.get(), bytes.substr(0, bytes.size() - 1), path, false));
  Status s = DB::Open(options_, kDb, &db_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(path)) << s.ToString();
  ASSERT_OK(env_->RemoveFile(path));
  s = DB::Open(options_, kDb, &db_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("missing value log"))
      << s.ToString();
  ASSERT_OK(internal::WriteStringToFile(env_.get(), bytes, path, false));
  Open();
  EXPECT_EQ(Large("k"), Get("k"));
}

TEST_F(ValueLogTest, AnUnreferencedValueLogIsDeletedAtOpen) {
  ASSERT_OK(db_->Put(WriteOptions(), "k", Large("k")));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Close());
  db_.reset();
  // A value log left by a flush whose edit never became durable.
  ASSERT_OK(internal::WriteStringToFile(env_.get(), "whatever",
                                        internal::VlogFileName(kDb, 3), false));
  Open();
  const std::vector<uint64_t> on_disk = VlogFilesOnDisk();
  EXPECT_EQ(std::vector<uint64_t>{VlogFiles().at(0).number}, on_disk);
}

// Every byte of a small value log flipped under an open DB, with the file
// read through pread and through a mapping (a flip is written into the
// file in place, which a mapping sees as well): a Get, and a scan, returns
// the right value or Corruption naming the file, never a wrong value; and a
// flip anywhere before the footer is caught by some read.
class ValueLogFlipTest : public ::testing::TestWithParam<bool> {};

TEST_P(ValueLogFlipTest, EveryByteFlippedIsCaughtOrHarmless) {
  const std::string dir = MakeTempDir() + "/db";
  Options options;
  options.enable_value_log = true;
  options.value_log_threshold = 100;
  options.level0_idle_compaction_ms = 0;
  options.allow_mmap_reads = GetParam();
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir, &db));
  const std::vector<std::string> keys{"apple", "banana", "cherry"};
  std::map<std::string, std::string> model;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string value(150 + 60 * i, '\0');
    uint32_t x = 17 + static_cast<uint32_t>(i);  // incompressible bytes
    for (char& c : value) {
      x = x * 1103515245u + 12345u;
      c = static_cast<char>(x >> 24);
    }
    model[keys[i]] = value;
    ASSERT_OK(db->Put(WriteOptions(), keys[i], value));
  }
  model["durian"] = std::string(400, 'd');  // a compressed record
  ASSERT_OK(db->Put(WriteOptions(), "durian", model["durian"]));
  model["small"] = "inline";
  ASSERT_OK(db->Put(WriteOptions(), "small", "inline"));
  ASSERT_OK(db->Flush());
  std::string listing;
  ASSERT_TRUE(db->GetProperty("strata.vlog-files", &listing));
  uint64_t number = 0, size = 0;
  std::istringstream(listing) >> number >> size;
  ASSERT_GT(number, 0u);
  const std::string path = internal::VlogFileName(dir, number);
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  constexpr uint64_t kFooter = 24;
  ASSERT_GT(size, kFooter);
  const auto put_byte = [&](uint64_t offset, char c) {
    return ::pwrite(fd, &c, 1, static_cast<off_t>(offset)) == 1;
  };
  uint64_t caught = 0;
  for (uint64_t offset = 0; offset < size; ++offset) {
    char original = 0;
    ASSERT_EQ(1, ::pread(fd, &original, 1, static_cast<off_t>(offset)));
    ASSERT_TRUE(put_byte(offset, static_cast<char>(original ^ 0x10)));
    bool failed = false;
    for (const auto& [key, value] : model) {
      std::string got;
      const Status s = db->Get(ReadOptions(), key, &got);
      if (s.ok()) {
        ASSERT_EQ(value, got) << "flip at " << offset;
      } else {
        ASSERT_TRUE(s.IsCorruption()) << offset << ": " << s.ToString();
        ASSERT_NE(std::string::npos, s.ToString().find(path)) << s.ToString();
        failed = true;
      }
    }
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    auto expected = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      ASSERT_NE(model.end(), expected);
      ASSERT_EQ(expected->first, it->key().ToString());
      ASSERT_EQ(expected->second, it->value().ToString()) << offset;
    }
    if (!it->status().ok()) {
      ASSERT_TRUE(it->status().IsCorruption()) << it->status().ToString();
      failed = true;
    } else {
      ASSERT_EQ(model.end(), expected);
    }
    if (offset < size - kFooter) {
      EXPECT_TRUE(failed) << "a flip at " << offset << " went unseen";
    }
    caught += failed ? 1 : 0;
    ASSERT_TRUE(put_byte(offset, original));
  }
  ::close(fd);
  EXPECT_GE(caught, size - kFooter);
  for (const auto& [key, value] : model) {
    std::string got;
    ASSERT_OK(db->Get(ReadOptions(), key, &got));
    EXPECT_EQ(value, got);
  }
  ASSERT_OK(db->Close());
  db.reset();
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

INSTANTIATE_TEST_SUITE_P(ReadAndMapped, ValueLogFlipTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Mapped" : "Read";
                         });

TEST(ValueLogVersionedTest, AsOfReadsAndHistoryResolveSeparatedVersions) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.enable_versioning = true;
  options.enable_value_log = true;
  options.value_log_threshold = 10;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, kDb, &db));
  std::vector<uint64_t> stamps;
  for (int v = 0; v < 3; ++v) {
    ASSERT_OK(db->Put(WriteOptions(), "k",
                      "version-" + std::to_string(v) + std::string(20, 'x')));
    std::string ts;
    ASSERT_TRUE(db->GetProperty("strata.last-timestamp", &ts));
    stamps.push_back(std::stoull(ts));
    ASSERT_OK(db->Flush());
  }
  ASSERT_OK(db->CompactRange(nullptr, nullptr));
  for (int v = 0; v < 3; ++v) {
    ReadOptions ro;
    ro.as_of = stamps[static_cast<size_t>(v)];
    std::string value;
    ASSERT_OK(db->Get(ro, "k", &value));
    EXPECT_EQ("version-" + std::to_string(v) + std::string(20, 'x'), value);
  }
  ReadOptions history;
  history.all_versions = true;
  std::unique_ptr<Iterator> it = db->NewIterator(history);
  int v = 2;
  for (it->SeekToFirst(); it->Valid(); it->Next(), --v) {
    EXPECT_EQ("version-" + std::to_string(v) + std::string(20, 'x'),
              it->value().ToString());
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(-1, v);
}

TEST_F(ValueLogTest, TransactionsReadSeparatedValues) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", Large("a")));
  ASSERT_OK(db_->Flush());
  std::unique_ptr<Transaction> txn =
      db_->BeginTransaction(WriteOptions(), TransactionOptions());
  std::string value;
  ASSERT_OK(txn->Get(ReadOptions(), "a", &value));
  EXPECT_EQ(Large("a"), value);
  ASSERT_OK(txn->Put("b", Large("b")));
  std::unique_ptr<Iterator> it = txn->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Large("a"), it->value().ToString());
  it.reset();
  ASSERT_OK(txn->Commit());
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(Large("b"), Get("b"));
}

TEST_F(ValueLogTest, OptionsAreValidated) {
  Options bad = options_;
  bad.value_log_threshold = 0;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
  bad = options_;
  bad.value_log_max_file_size = 1000;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
  bad = options_;
  bad.value_log_gc_discard_ratio = 0;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
  bad.value_log_gc_discard_ratio = 1.5;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace strata
