#include "compaction/flush_job.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "env/env_wrapper.h"
#include "env/filename.h"
#include "table/table.h"

namespace strata::internal {
namespace {

constexpr char kDb[] = "/db";

class FlushJobTest : public ::testing::Test {
 protected:
  FlushJobTest() : env_(NewMemEnv()), icmp_(BytewiseComparator()) {
    EXPECT_TRUE(env_->CreateDirIfMissing(kDb).ok());
    options_.env = env_.get();
    options_.dbname = kDb;
    options_.table_options.comparator = &icmp_;
    options_.table_options.user_comparator = BytewiseComparator();
    options_.table_options.filter_key_suffix_len = InternalKeySuffixLength();
    options_.icmp = &icmp_;
    options_.creation_time = 1700000000;
  }

  // Every entry of table `number`, as "key@seq:type=value".
  std::vector<std::string> Read(uint64_t number, const FileMetaData& meta) {
    std::unique_ptr<RandomAccessFile> file;
    EXPECT_TRUE(
        env_->NewRandomAccessFile(TableFileName(kDb, number), &file).ok());
    std::unique_ptr<Table> table;
    const Status s = Table::Open(options_.table_options, std::move(file),
                                 meta.file_size, "t", &table);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> r;
    if (!s.ok()) return r;
    EXPECT_EQ(meta.largest_seqno, table->properties().largest_seqno);
    auto it = table->NewIterator(TableReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey k;
      EXPECT_TRUE(ParseInternalKey(it->key(), &k));
      r.push_back(k.user_key.ToString() + "@" + std::to_string(k.sequence) +
                  ":" + std::to_string(static_cast<int>(k.type)) + "=" +
                  it->value().ToString());
    }
    return r;
  }

  std::unique_ptr<Env> env_;
  InternalKeyComparator icmp_;
  FlushJobOptions options_;
  std::vector<VlogFileMeta> vlogs_;
};

TEST_F(FlushJobTest, AnEmptyMemtableWritesNoFile) {
  MemTable mem(icmp_);
  FileMetaData meta;
  ASSERT_TRUE(RunFlush(options_, mem, 7, &meta, &vlogs_).ok());
  EXPECT_EQ(0u, meta.file_size);
  EXPECT_FALSE(env_->FileExists(TableFileName(kDb, 7)));
}

TEST_F(FlushJobTest, WritesEveryEntryAndTombstoneIntoOneTable) {
  MemTable mem(icmp_);
  mem.Add(1, ValueType::kValue, "a", "1");
  mem.Add(2, ValueType::kValue, "b", "2");
  mem.Add(3, ValueType::kDeletion, "a", "");
  mem.Add(4, ValueType::kRangeDeletion, "c", "e");
  for (int i = 0; i < 500; ++i) {  // more than one block, one table
    mem.Add(5 + static_cast<SequenceNumber>(i), ValueType::kValue,
            "k" + std::to_string(1000 + i), std::string(100, 'v'));
  }
  FileMetaData meta;
  options_.table_options.block_size = 256;
  const Status s = RunFlush(options_, mem, 9, &meta, &vlogs_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(9u, meta.number);
  EXPECT_GT(meta.file_size, 0u);
  EXPECT_EQ(1u, meta.smallest_seqno);
  EXPECT_EQ(504u, meta.largest_seqno);
  EXPECT_EQ(504u, meta.num_entries);  // 503 points + 1 tombstone
  EXPECT_EQ(2u, meta.num_deletions);  // one point, one range
  EXPECT_EQ("a", meta.smallest.user_key().ToString());
  EXPECT_EQ("k1499", meta.largest.user_key().ToString());
  const std::vector<std::string> entries = Read(9, meta);
  ASSERT_EQ(503u, entries.size());
  EXPECT_EQ("a@3:0=", entries[0]);
  EXPECT_EQ("a@1:1=1", entries[1]);
  EXPECT_EQ("b@2:1=2", entries[2]);
}

// An Env whose directory sync fails: the table is written and synced, then
// the job fails before any MANIFEST could name it.
class FailingDirSyncEnv final : public EnvWrapper {
 public:
  explicit FailingDirSyncEnv(Env* target) : EnvWrapper(target) {}
  Status SyncDir(const std::string& dir) override {
    return Status::IOError(dir, "injected dir-sync failure");
  }
};

TEST_F(FlushJobTest, AFailedJobRemovesTheTableItWrote) {
  FailingDirSyncEnv failing(env_.get());
  options_.env = &failing;
  MemTable mem(icmp_);
  mem.Add(1, ValueType::kValue, "a", "1");
  FileMetaData meta;
  const Status s = RunFlush(options_, mem, 3, &meta, &vlogs_);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_FALSE(env_->FileExists(TableFileName(kDb, 3)));
}

// With a threshold, large values go to a value-log file and the table holds
// pointers to them; small values and deletions stay.
TEST_F(FlushJobTest, LargeValuesGoToTheValueLog) {
  MemTable mem(icmp_);
  mem.Add(1, ValueType::kValue, "a", "small");
  mem.Add(2, ValueType::kValue, "b", std::string(100, 'B'));
  mem.Add(3, ValueType::kDeletion, "c", "");
  mem.Add(4, ValueType::kValue, "d", std::string(99, 'D'));
  options_.vlog_threshold = 100;
  options_.new_vlog_file_number = [] { return uint64_t{11}; };
  FileMetaData meta;
  const Status s = RunFlush(options_, mem, 10, &meta, &vlogs_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(1u, vlogs_.size());
  EXPECT_EQ(11u, vlogs_[0].number);
  EXPECT_EQ(1u, vlogs_[0].records);
  EXPECT_EQ(std::vector<uint64_t>{11}, meta.vlog_files);
  uint64_t size = 0;
  ASSERT_TRUE(env_->GetFileSize(VlogFileName(kDb, 11), &size).ok());
  EXPECT_EQ(vlogs_[0].file_size, size);
  const std::vector<std::string> entries = Read(10, meta);
  ASSERT_EQ(4u, entries.size());
  EXPECT_EQ("a@1:1=small", entries[0]);
  EXPECT_EQ(0u, entries[1].find("b@2:4="));  // a pointer
  EXPECT_LT(entries[1].size(), 30u);
  EXPECT_EQ("c@3:0=", entries[2]);
  EXPECT_EQ("d@4:1=" + std::string(99, 'D'), entries[3]);
}

TEST_F(FlushJobTest, AFailedJobRemovesItsValueLogsToo) {
  FailingDirSyncEnv failing(env_.get());
  options_.env = &failing;
  options_.vlog_threshold = 1;
  options_.new_vlog_file_number = [] { return uint64_t{4}; };
  MemTable mem(icmp_);
  mem.Add(1, ValueType::kValue, "a", "1");
  FileMetaData meta;
  EXPECT_TRUE(RunFlush(options_, mem, 3, &meta, &vlogs_).IsIOError());
  EXPECT_FALSE(env_->FileExists(TableFileName(kDb, 3)));
  EXPECT_FALSE(env_->FileExists(VlogFileName(kDb, 4)));
  EXPECT_TRUE(vlogs_.empty());
}

}  // namespace
}  // namespace strata::internal
