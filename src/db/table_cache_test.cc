#include "db/table_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "env/env_test_util.h"
#include "env/env_util.h"
#include "env/filename.h"
#include "table/table_test_util.h"

namespace strata::internal {
namespace {

using table_test::BuildTable;
using table_test::DbTableOptions;
using table_test::IKey;
using table_test::Model;
using table_test::UserKey;

// `n` small tables, numbered 1..n, in a scratch directory; a cache over
// them of `max_open_files`; one FileMetaData per table.
class TableCacheTest : public ::testing::Test {
 protected:
  void Make(int n, size_t max_open_files) {
    dir_ = MakeTempDir();
    options_ = DbTableOptions(Compression::kNone, 1024);
    for (int i = 1; i <= n; ++i) {
      Model model;
      model[IKey(UserKey(static_cast<uint64_t>(i)), 1, ValueType::kValue)] =
          "value" + std::to_string(i);
      const std::string contents = BuildTable(options_, model);
      ASSERT_TRUE(
          WriteStringToFile(Env::Default(), contents,
                            TableFileName(dir_, static_cast<uint64_t>(i)),
                            /*sync=*/false)
              .ok());
      auto f = std::make_shared<FileMetaData>();
      f->number = static_cast<uint64_t>(i);
      f->file_size = contents.size();
      files_.push_back(std::move(f));
    }
    cache_ = std::make_shared<TableCache>(Env::Default(), dir_, options_,
                                          max_open_files);
  }
  void TearDown() override {
    files_.clear();
    cache_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Borrow's table, held.
  std::shared_ptr<const Table> Pin(const FileMetaData& f) {
    std::shared_ptr<const Table> holder;
    const Table* table = nullptr;
    EXPECT_TRUE(cache_->Borrow(f, &holder, &table).ok());
    return holder != nullptr ? holder : f.table.shared();
  }

  // Table `i`'s one key holds its value.
  static void ExpectReads(const Table& table, int i) {
    const std::string key =
        IKey(UserKey(static_cast<uint64_t>(i)), 2, ValueType::kValue);
    const table_test::GetResult r =
        table_test::DoGet(table, TableReadOptions(), key);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ("value" + std::to_string(i), r.value);
  }

  std::string dir_;
  TableOptions options_;
  std::vector<std::shared_ptr<FileMetaData>> files_;
  std::shared_ptr<TableCache> cache_;
};

TEST_F(TableCacheTest, ABorrowedTableIsPinnedToItsMetadata) {
  ASSERT_NO_FATAL_FAILURE(Make(1, 100));
  const FileMetaData& f = *files_[0];
  // Find does not pin (checksum passes and compactions use it).
  std::shared_ptr<const Table> found;
  ASSERT_TRUE(cache_->Find(f, &found).ok());
  EXPECT_EQ(nullptr, f.table.get());
  EXPECT_EQ(0u, cache_->PinnedTables());
  const std::shared_ptr<const Table> first = Pin(f);
  EXPECT_EQ(found.get(), first.get());
  EXPECT_EQ(first.get(), f.table.get());
  EXPECT_EQ(1u, cache_->PinnedTables());
  EXPECT_EQ(1u, cache_->OpenTables());
  ExpectReads(*first, 1);
  // Borrow hands out the pinned table and holds nothing itself.
  std::shared_ptr<const Table> holder;
  const Table* borrowed = nullptr;
  ASSERT_TRUE(cache_->Borrow(f, &holder, &borrowed).ok());
  EXPECT_EQ(first.get(), borrowed);
  EXPECT_EQ(nullptr, holder);
  // Found by number, or by Find, the same table.
  std::shared_ptr<const Table> by_number;
  ASSERT_TRUE(cache_->Find(f.number, f.file_size, &by_number).ok());
  EXPECT_EQ(first.get(), by_number.get());
  ASSERT_TRUE(cache_->Find(f, &found).ok());
  EXPECT_EQ(first.get(), found.get());
}

TEST_F(TableCacheTest, AnIteratorGivenTheMetadataPinsOneByNumberDoesNot) {
  ASSERT_NO_FATAL_FAILURE(Make(2, 100));
  // By number (a compaction's inputs): nothing pinned.
  auto by_number =
      cache_->NewIterator(TableReadOptions(), 2, files_[1]->file_size);
  by_number->SeekToFirst();
  ASSERT_TRUE(by_number->Valid());
  EXPECT_TRUE(by_number->status().ok());
  EXPECT_EQ(0u, cache_->PinnedTables());
  EXPECT_EQ(nullptr, files_[1]->table.get());
  // Given the metadata (a user iterator's level): pinned.
  auto it = cache_->NewIterator(TableReadOptions(), *files_[0]);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  EXPECT_NE(nullptr, files_[0]->table.get());
  EXPECT_EQ(1u, cache_->PinnedTables());
}

TEST_F(TableCacheTest, ACopyOfTheMetadataPinsTheSameTable) {
  ASSERT_NO_FATAL_FAILURE(Make(1, 100));
  const std::shared_ptr<const Table> table = Pin(*files_[0]);
  // A table moved to another level gets a copy of its metadata.
  auto moved = std::make_shared<FileMetaData>(*files_[0]);
  EXPECT_EQ(nullptr, moved->table.get());
  Pin(*moved);
  EXPECT_EQ(table.get(), moved->table.get());
  EXPECT_EQ(1u, cache_->PinnedTables());
  // The entry stays pinned until both are gone.
  files_.clear();
  EXPECT_EQ(1u, cache_->PinnedTables());
  moved.reset();
  EXPECT_EQ(0u, cache_->PinnedTables());
  EXPECT_EQ(1u, cache_->OpenTables());
}

TEST_F(TableCacheTest, MetadataAssignedAnotherFilesLosesItsPin) {
  ASSERT_NO_FATAL_FAILURE(Make(2, 100));
  auto f = std::make_shared<FileMetaData>(*files_[0]);
  Pin(*f);
  ASSERT_NE(nullptr, f->table.get());
  *f = *files_[1];
  EXPECT_EQ(nullptr, f->table.get());
  EXPECT_EQ(0u, cache_->PinnedTables());
  // Pinned again, it is table 2's.
  Pin(*f);
  ExpectReads(*f->table.get(), 2);
}

TEST_F(TableCacheTest, PinsTakeThreeQuartersAndTheRestIsAnLru) {
  ASSERT_NO_FATAL_FAILURE(Make(40, 16));
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < files_.size(); ++i) {
      std::shared_ptr<const Table> holder;
      const Table* table = nullptr;
      ASSERT_TRUE(cache_->Borrow(*files_[i], &holder, &table).ok());
      ExpectReads(*table, static_cast<int>(i) + 1);
      EXPECT_LE(cache_->OpenTables(), 16u);
    }
  }
  EXPECT_EQ(12u, cache_->PinnedTables());
  size_t pinned = 0;
  for (const auto& f : files_) pinned += f->table.get() != nullptr ? 1 : 0;
  EXPECT_EQ(12u, pinned);
  EXPECT_EQ(16u, cache_->OpenTables());
  // The pinned tables' metadata gone: their entries join the LRU, and
  // are closed as other tables come in.
  std::vector<std::weak_ptr<const Table>> were_pinned;
  std::vector<uint64_t> sizes;
  for (const auto& f : files_) {
    if (f->table.get() != nullptr) were_pinned.push_back(f->table.shared());
    sizes.push_back(f->file_size);
  }
  files_.clear();
  EXPECT_EQ(0u, cache_->PinnedTables());
  EXPECT_EQ(16u, cache_->OpenTables());
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::shared_ptr<const Table> table;
    ASSERT_TRUE(cache_->Find(i + 1, sizes[i], &table).ok());
  }
  EXPECT_EQ(16u, cache_->OpenTables());
  ASSERT_EQ(12u, were_pinned.size());
  for (const auto& w : were_pinned) EXPECT_TRUE(w.expired());
}

TEST_F(TableCacheTest, EvictingAPinnedTableLeavesItsReadersATable) {
  ASSERT_NO_FATAL_FAILURE(Make(2, 100));
  const std::shared_ptr<const Table> table = Pin(*files_[0]);
  cache_->Evict(1);
  EXPECT_EQ(0u, cache_->PinnedTables());
  EXPECT_EQ(0u, cache_->OpenTables());
  // The metadata still holds it.
  ExpectReads(*files_[0]->table.get(), 1);
  // Reopened by number: a new entry, which the old pin's end leaves alone.
  std::shared_ptr<const Table> reopened;
  ASSERT_TRUE(cache_->Find(1, files_[0]->file_size, &reopened).ok());
  EXPECT_NE(table.get(), reopened.get());
  // And pinned to new metadata: the old pin's end leaves the new one be.
  auto renamed = std::make_shared<FileMetaData>(*files_[0]);
  Pin(*renamed);
  EXPECT_EQ(reopened.get(), renamed->table.get());
  EXPECT_EQ(1u, cache_->PinnedTables());
  files_[0].reset();
  EXPECT_EQ(1u, cache_->OpenTables());
  EXPECT_EQ(1u, cache_->PinnedTables());
  ExpectReads(*renamed->table.get(), 1);
  renamed.reset();
  EXPECT_EQ(1u, cache_->OpenTables());
  EXPECT_EQ(0u, cache_->PinnedTables());
  ExpectReads(*reopened, 1);
}

TEST_F(TableCacheTest, ACacheNotOwnedBySharedPtrDoesNotPin) {
  ASSERT_NO_FATAL_FAILURE(Make(1, 100));
  TableCache local(Env::Default(), dir_, options_, 100);
  std::shared_ptr<const Table> holder;
  const Table* table = nullptr;
  ASSERT_TRUE(local.Borrow(*files_[0], &holder, &table).ok());
  EXPECT_EQ(nullptr, files_[0]->table.get());
  EXPECT_EQ(0u, local.PinnedTables());
  EXPECT_EQ(holder.get(), table);
  ExpectReads(*table, 1);
}

TEST_F(TableCacheTest, ThreadsFindingOneTableAtOncePinItOnce) {
  ASSERT_NO_FATAL_FAILURE(Make(8, 100));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < files_.size(); ++i) {
          std::shared_ptr<const Table> holder;
          const Table* table = nullptr;
          ASSERT_TRUE(cache_->Borrow(*files_[i], &holder, &table).ok());
          ExpectReads(*table, static_cast<int>(i) + 1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(8u, cache_->PinnedTables());
  EXPECT_EQ(8u, cache_->OpenTables());
  for (const auto& f : files_) {
    std::shared_ptr<const Table> by_number;
    ASSERT_TRUE(cache_->Find(f->number, f->file_size, &by_number).ok());
    EXPECT_EQ(by_number.get(), f->table.get());
  }
}

}  // namespace
}  // namespace strata::internal
