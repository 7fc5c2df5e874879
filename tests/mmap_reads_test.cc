// Options::allow_mmap_reads: tables read through a memory mapping answer
// exactly as tables read with pread, under every compression, and a damaged
// block in a mapped table is still a Corruption naming the file, never a
// wrong value, and a page the kernel cannot read (a truncated table) is an
// IOError, never a crash.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "testing/test_util.h"

namespace strata::testing {
namespace {

class MmapReadsTest : public ::testing::TestWithParam<Compression> {
 protected:
  void SetUp() override { dir_ = NewTempDir("mmap_reads"); }
  void TearDown() override {
    if (!HasFailure()) RemoveTempDir(dir_);
  }

  Options MakeOptions(bool mmap) const {
    Options options;
    options.compression = GetParam();
    options.write_buffer_size = 128 << 10;    // several tables
    options.block_cache_capacity = 64 << 10;  // most reads miss the cache
    options.allow_mmap_reads = mmap;
    // The tables stay as flushed: the idle fold would merge them (and meet
    // the damage a test puts in one in the background).
    options.level0_idle_compaction_ms = 0;
    return options;
  }

  // Writes keys with random values (and deletes a few), flushes, and
  // returns what the DB must hold.
  std::map<std::string, std::string> Fill() {
    std::unique_ptr<DB> db;
    EXPECT_TRUE(DB::Open(MakeOptions(false), dbname(), &db).ok());
    internal::Random rnd(301);
    std::map<std::string, std::string> expected;
    for (int i = 0; i < 3000; ++i) {
      const std::string value = RandomBytes(&rnd, 50 + rnd.Uniform(300));
      EXPECT_TRUE(db->Put(WriteOptions(), NumberedKey(i), value).ok());
      expected[NumberedKey(i)] = value;
    }
    for (int i = 0; i < 3000; i += 7) {
      EXPECT_TRUE(db->Delete(WriteOptions(), NumberedKey(i)).ok());
      expected.erase(NumberedKey(i));
    }
    EXPECT_TRUE(db->Flush().ok());
    EXPECT_TRUE(db->Close().ok());
    return expected;
  }

  std::vector<std::string> Tables() const {
    std::vector<std::string> names;
    EXPECT_TRUE(Env::Default()->GetChildren(dbname(), &names).ok());
    std::vector<std::string> tables;
    for (const std::string& n : names) {
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".sst") == 0) {
        tables.push_back(n);
      }
    }
    return tables;
  }

  std::string dbname() const { return dir_ + "/db"; }

  // Scans `db` forwards, expecting every entry it yields to be the next of
  // `expected` (a mismatch is a test failure). Returns the iterator's
  // final status; `*complete` says whether the scan met every entry.
  static Status ScanMatches(DB* db,
                            const std::map<std::string, std::string>& expected,
                            bool* complete) {
    std::unique_ptr<Iterator> iter = db->NewIterator(ReadOptions());
    auto want = expected.begin();
    for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++want) {
      if (want == expected.end()) {
        ADD_FAILURE() << "more entries than expected";
        break;
      }
      EXPECT_EQ(iter->key().ToString(), want->first);
      EXPECT_EQ(iter->value().ToString(), want->second);
      if (::testing::Test::HasFailure()) break;
    }
    *complete = want == expected.end();
    return iter->status();
  }

  // Lines of /proc/self/maps naming a table of this DB.
  int MappedTables() const {
    std::FILE* maps = std::fopen("/proc/self/maps", "r");
    if (maps == nullptr) return -1;
    int n = 0;
    char line[4096];
    while (std::fgets(line, sizeof(line), maps) != nullptr) {
      const std::string text(line);
      if (text.find(dbname()) != std::string::npos &&
          text.find(".sst") != std::string::npos) {
        ++n;
      }
    }
    std::fclose(maps);
    return n;
  }

  std::string dir_;
};

TEST_P(MmapReadsTest, MappedTablesAnswerLikeReadTables) {
  const std::map<std::string, std::string> expected = Fill();
  ASSERT_FALSE(HasFailure());
  ASSERT_GT(Tables().size(), 1u);
  for (const bool mmap : {true, false}) {
    SCOPED_TRACE(mmap ? "mapped" : "pread");
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(MakeOptions(mmap), dbname(), &db).ok());
    for (int i = 0; i < 3000; ++i) {
      std::string value;
      const Status s = db->Get(ReadOptions(), NumberedKey(i), &value);
      const auto it = expected.find(NumberedKey(i));
      if (it == expected.end()) {
        ASSERT_TRUE(s.IsNotFound()) << NumberedKey(i) << ": " << s.ToString();
      } else {
        ASSERT_TRUE(s.ok()) << NumberedKey(i) << ": " << s.ToString();
        ASSERT_EQ(value, it->second) << NumberedKey(i);
      }
    }
    // The tables are mapped exactly when asked for.
    EXPECT_EQ(MappedTables() > 0, mmap) << MappedTables();
    bool complete = false;
    const Status scanned = ScanMatches(db.get(), expected, &complete);
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(scanned.ok()) << scanned.ToString();
    EXPECT_TRUE(complete);
    // A full compaction reads every table through its mapping.
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
    std::string value;
    ASSERT_TRUE(db->Get(ReadOptions(), NumberedKey(1), &value).ok());
    EXPECT_EQ(value, expected.at(NumberedKey(1)));
    ASSERT_TRUE(db->Close().ok());
  }
}

TEST_P(MmapReadsTest, DamageInAMappedTableIsCorruption) {
  const std::map<std::string, std::string> expected = Fill();
  ASSERT_FALSE(HasFailure());
  const std::vector<std::string> tables = Tables();
  ASSERT_FALSE(tables.empty());
  // Flip a byte inside the first data block of the first table.
  const std::string path = dbname() + "/" + tables[0];
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fseek(f, 100, SEEK_SET), 0);
  const int byte = std::fgetc(f);
  ASSERT_NE(byte, EOF);
  ASSERT_EQ(std::fseek(f, 100, SEEK_SET), 0);
  ASSERT_NE(std::fputc(byte ^ 0x10, f), EOF);
  ASSERT_EQ(std::fclose(f), 0);

  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(MakeOptions(true), dbname(), &db).ok());
  int corrupt = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string value;
    const Status s = db->Get(ReadOptions(), NumberedKey(i), &value);
    const auto it = expected.find(NumberedKey(i));
    if (s.IsCorruption()) {
      EXPECT_NE(s.ToString().find(tables[0]), std::string::npos)
          << s.ToString();
      ++corrupt;
    } else if (it == expected.end()) {
      ASSERT_TRUE(s.IsNotFound()) << NumberedKey(i) << ": " << s.ToString();
    } else {
      ASSERT_TRUE(s.ok()) << NumberedKey(i) << ": " << s.ToString();
      ASSERT_EQ(value, it->second) << NumberedKey(i) << ": wrong value";
    }
  }
  EXPECT_GT(corrupt, 0) << "the damaged block was never reported";
  ASSERT_TRUE(db->Close().ok());
}

// A mapped table truncated under an open DB (as another program might, or
// as a device error would make a page unreadable) gives IOErrors naming the
// table, never a crash or a wrong value, and the DB still closes cleanly.
TEST_P(MmapReadsTest, TruncatedMappedTableIsAnIOError) {
  const std::map<std::string, std::string> expected = Fill();
  ASSERT_FALSE(HasFailure());
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(MakeOptions(true), dbname(), &db).ok());
  // Open every table (footers, indexes and filters are then in memory).
  {
    std::unique_ptr<Iterator> iter = db->NewIterator(ReadOptions());
    for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    }
    ASSERT_TRUE(iter->status().ok()) << iter->status().ToString();
  }
  ASSERT_GT(MappedTables(), 0);
  const std::vector<std::string> tables = Tables();
  for (const std::string& table : tables) {
    ASSERT_EQ(::truncate((dbname() + "/" + table).c_str(), 4096), 0) << table;
  }
  int io_errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string value;
    const Status s = db->Get(ReadOptions(), NumberedKey(i), &value);
    const auto it = expected.find(NumberedKey(i));
    if (s.IsIOError()) {
      ++io_errors;
      bool names_table = false;
      for (const std::string& table : tables) {
        if (s.ToString().find(table) != std::string::npos) names_table = true;
      }
      EXPECT_TRUE(names_table) << s.ToString();
      EXPECT_NE(s.ToString().find("SIGBUS"), std::string::npos) << s.ToString();
    } else if (it == expected.end()) {
      ASSERT_TRUE(s.IsNotFound()) << NumberedKey(i) << ": " << s.ToString();
    } else {
      ASSERT_TRUE(s.ok()) << NumberedKey(i) << ": " << s.ToString();
      ASSERT_EQ(value, it->second) << NumberedKey(i) << ": wrong value";
    }
  }
  EXPECT_GT(io_errors, 1000);
  bool complete = true;
  const Status scanned = ScanMatches(db.get(), expected, &complete);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(scanned.IsIOError()) << scanned.ToString();
  EXPECT_FALSE(complete);
  EXPECT_TRUE(db->Close().ok());
}

std::string CompressionParamName(
    const ::testing::TestParamInfo<Compression>& info) {
  return CompressionName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Compressions, MmapReadsTest,
                         ::testing::Values(Compression::kNone,
                                           Compression::kSnappy,
                                           Compression::kLZ4,
                                           Compression::kZstd),
                         CompressionParamName);

}  // namespace
}  // namespace strata::testing