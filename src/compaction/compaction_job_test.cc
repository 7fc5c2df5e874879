#include "compaction/compaction_job.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "compaction/table_output.h"
#include "env/env_wrapper.h"
#include "strata/comparator.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "version/version_set.h"

namespace strata::internal {
namespace {

using KV = std::pair<std::string, std::string>;

const InternalKeyComparator& Icmp() {
  static const InternalKeyComparator kIcmp(BytewiseComparator());
  return kIcmp;
}

std::string IKey(const std::string& user_key, SequenceNumber seq,
                 ValueType type) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, static_cast<uint8_t>(type));
  return k;
}
KV Put(const std::string& user_key, SequenceNumber seq,
       const std::string& value) {
  return {IKey(user_key, seq, ValueType::kValue), value};
}
KV Del(const std::string& user_key, SequenceNumber seq) {
  return {IKey(user_key, seq, ValueType::kDeletion), ""};
}
std::string UserKey(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

std::vector<KV> Sorted(std::vector<KV> entries) {
  std::sort(entries.begin(), entries.end(), [](const KV& a, const KV& b) {
    return Icmp().Compare(a.first, b.first) < 0;
  });
  return entries;
}

// What a compaction of `entries` must keep, computed group by group: the
// newest entry of each (user key, snapshot stripe), except a deletion
// heading the oldest stripe at the bottom.
std::vector<KV> ExpectedSurvivors(const std::vector<KV>& entries,
                                  const std::vector<SequenceNumber>& snapshots,
                                  bool bottommost) {
  std::vector<KV> out;
  std::set<std::pair<std::string, size_t>> seen;
  for (const KV& e : Sorted(entries)) {
    ParsedInternalKey ikey;
    EXPECT_TRUE(ParseInternalKey(e.first, &ikey));
    const auto stripe = static_cast<size_t>(
        std::lower_bound(snapshots.begin(), snapshots.end(), ikey.sequence) -
        snapshots.begin());
    if (!seen.emplace(ikey.user_key.ToString(), stripe).second) continue;
    if (bottommost && stripe == 0 && ikey.type == ValueType::kDeletion) {
      continue;
    }
    out.push_back(e);
  }
  return out;
}

// ---- A fault-injecting Env over a MemEnv ---------------------------------

class TestEnv;

class TestWritableFile final : public WritableFile {
 public:
  TestWritableFile(std::unique_ptr<WritableFile> base, TestEnv* env,
                   std::string path)
      : base_(std::move(base)), env_(env), path_(std::move(path)) {}
  Status Append(const Slice& data) override;
  Status Flush() override { return base_->Flush(); }
  Status Sync() override;
  Status Close() override;
  uint64_t Size() const override { return base_->Size(); }

 private:
  std::unique_ptr<WritableFile> base_;
  TestEnv* env_;
  std::string path_;
};

// Fails reads that start in [lo, hi).
class TestRandomAccessFile final : public RandomAccessFile {
 public:
  TestRandomAccessFile(std::unique_ptr<RandomAccessFile> base, uint64_t lo,
                       uint64_t hi)
      : base_(std::move(base)), lo_(lo), hi_(hi) {}
  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (offset >= lo_ && offset < hi_) {
      return Status::IOError("injected read error");
    }
    return base_->Read(offset, n, result, scratch);
  }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  const uint64_t lo_, hi_;
};

// Forwards to `base`; can fail appends after a budget, syncs and directory
// syncs, and reads of chosen byte ranges; records syncs and closes.
// Used by one thread at a time.
class TestEnv final : public EnvWrapper {
 public:
  explicit TestEnv(Env* base) : EnvWrapper(base) {}

  // Appends fail once `n` appends have succeeded (negative: never).
  void FailAppendsAfter(int64_t n) { append_budget_ = n; }
  void FailSyncs(bool fail) { fail_sync_ = fail; }
  void FailSyncDir(bool fail) { fail_sync_dir_ = fail; }
  // Reads of `path` starting in [lo, hi) fail, for files opened from now.
  void FailReads(const std::string& path, uint64_t lo, uint64_t hi) {
    read_faults_[path] = {lo, hi};
  }

  int64_t appends() const { return appends_; }
  const std::set<std::string>& synced() const { return synced_; }
  const std::set<std::string>& closed() const { return closed_; }
  // Files created since the last SyncDir of their directory.
  const std::set<std::string>& created_since_sync_dir() const {
    return created_since_sync_dir_;
  }

  Status CountAppend(const std::string& path) {
    if (append_budget_ >= 0 && appends_ >= append_budget_) {
      return Status::IOError(path, "injected append error");
    }
    ++appends_;
    return Status::OK();
  }
  Status CountSync(const std::string& path) {
    if (fail_sync_) return Status::IOError(path, "injected sync error");
    synced_.insert(path);
    return Status::OK();
  }
  void CountClose(const std::string& path) { closed_.insert(path); }

  Status NewRandomAccessFile(
      const std::string& path,
      std::unique_ptr<RandomAccessFile>* result) override {
    STRATA_RETURN_IF_ERROR(target()->NewRandomAccessFile(path, result));
    const auto it = read_faults_.find(path);
    if (it != read_faults_.end()) {
      *result = std::make_unique<TestRandomAccessFile>(
          std::move(*result), it->second.first, it->second.second);
    }
    return Status::OK();
  }
  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* result) override {
    std::unique_ptr<WritableFile> file;
    STRATA_RETURN_IF_ERROR(target()->NewWritableFile(path, &file));
    created_since_sync_dir_.insert(path);
    *result = std::make_unique<TestWritableFile>(std::move(file), this, path);
    return Status::OK();
  }
  Status SyncDir(const std::string& dir) override {
    if (fail_sync_dir_) return Status::IOError(dir, "injected dir sync error");
    STRATA_RETURN_IF_ERROR(target()->SyncDir(dir));
    created_since_sync_dir_.clear();  // the tests use one directory
    return Status::OK();
  }

 private:
  int64_t append_budget_ = -1;
  int64_t appends_ = 0;
  bool fail_sync_ = false;
  bool fail_sync_dir_ = false;
  std::map<std::string, std::pair<uint64_t, uint64_t>> read_faults_;
  std::set<std::string> synced_;
  std::set<std::string> closed_;
  std::set<std::string> created_since_sync_dir_;
};

Status TestWritableFile::Append(const Slice& data) {
  STRATA_RETURN_IF_ERROR(env_->CountAppend(path_));
  return base_->Append(data);
}
Status TestWritableFile::Sync() {
  STRATA_RETURN_IF_ERROR(env_->CountSync(path_));
  return base_->Sync();
}
Status TestWritableFile::Close() {
  env_->CountClose(path_);
  return base_->Close();
}

// ---- Fixture ------------------------------------------------------------

constexpr char kDbName[] = "/db";
constexpr uint64_t kCreationTime = 1700000000;

class CompactionJobTest : public ::testing::Test {
 protected:
  CompactionJobTest() : base_env_(NewMemEnv()), env_(base_env_.get()) {
    EXPECT_TRUE(env_.CreateDirIfMissing(kDbName).ok());
    table_options_.comparator = &Icmp();
    table_options_.filter_key_suffix_len = InternalKeySuffixLength();
    table_options_.block_size = 256;
    table_options_.compression = Compression::kNone;
  }

  // Writes `entries` (any order) as input table `number`, straight to the
  // MemEnv so no fault applies.
  std::shared_ptr<const FileMetaData> WriteInput(
      uint64_t number, std::vector<KV> entries,
      uint64_t* data_bytes = nullptr) {
    entries = Sorted(std::move(entries));
    auto meta = std::make_shared<FileMetaData>();
    meta->number = number;
    meta->smallest_seqno = kMaxSequenceNumber;
    std::unique_ptr<WritableFile> file;
    EXPECT_TRUE(
        base_env_->NewWritableFile(TableFileName(kDbName, number), &file).ok());
    TableBuilder builder(table_options_, file.get());
    for (const KV& e : entries) {
      builder.Add(e.first, e.second);
      const SequenceNumber seq = ExtractSequence(e.first);
      meta->smallest_seqno = std::min(meta->smallest_seqno, seq);
      meta->largest_seqno = std::max(meta->largest_seqno, seq);
      meta->num_entries++;
    }
    EXPECT_TRUE(builder.Finish(TableProperties()).ok());
    EXPECT_TRUE(file->Close().ok());
    meta->file_size = builder.FileSize();
    meta->smallest.SetEncoded(entries.front().first);
    meta->largest.SetEncoded(entries.back().first);
    if (data_bytes != nullptr) *data_bytes = builder.properties().data_bytes;
    input_numbers_.insert(number);
    return meta;
  }

  std::unique_ptr<InternalIterator> OpenInput(const FileMetaData& f) {
    ++opens_;
    const std::string path = TableFileName(kDbName, f.number);
    std::unique_ptr<RandomAccessFile> file;
    Status s = env_.NewRandomAccessFile(path, &file);
    if (!s.ok()) return NewErrorInternalIterator(s);
    std::unique_ptr<Table> table;
    s = Table::Open(table_options_, std::move(file), f.file_size, path, &table);
    if (!s.ok()) return NewErrorInternalIterator(s);
    auto iter = table->NewIterator(TableReadOptions());
    open_tables_.push_back(std::move(table));  // outlives the iterator
    return iter;
  }

  CompactionJobOptions Options() {
    CompactionJobOptions o;
    o.env = &env_;
    o.dbname = kDbName;
    o.table_options = table_options_;
    o.icmp = &Icmp();
    o.new_file_number = [this] {
      allocated_.push_back(next_number_);
      return next_number_++;
    };
    o.open_input = [this](const FileMetaData& f) { return OpenInput(f); };
    o.open_input_range_tombstones =
        [this](const FileMetaData& f) -> Result<RangeTombstoneListPtr> {
      const std::string path = TableFileName(kDbName, f.number);
      std::unique_ptr<RandomAccessFile> file;
      STRATA_RETURN_IF_ERROR(env_.NewRandomAccessFile(path, &file));
      std::unique_ptr<Table> table;
      STRATA_RETURN_IF_ERROR(Table::Open(table_options_, std::move(file),
                                         f.file_size, path, &table));
      return table->range_tombstones();
    };
    o.creation_time = kCreationTime;
    return o;
  }

  // Every entry of table `f`, checking that its properties agree with `f`.
  std::vector<KV> ReadOutput(const FileMetaData& f) {
    const std::string path = TableFileName(kDbName, f.number);
    uint64_t size = 0;
    EXPECT_TRUE(base_env_->GetFileSize(path, &size).ok());
    EXPECT_EQ(size, f.file_size);
    std::unique_ptr<RandomAccessFile> file;
    EXPECT_TRUE(base_env_->NewRandomAccessFile(path, &file).ok());
    std::unique_ptr<Table> table;
    const Status s =
        Table::Open(table_options_, std::move(file), size, path, &table);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return {};
    const TableProperties& p = table->properties();
    EXPECT_EQ(f.num_entries, p.num_entries);
    EXPECT_EQ(f.num_deletions, p.num_deletions);
    EXPECT_EQ(0u, p.num_range_deletions);
    EXPECT_EQ(f.smallest_seqno, p.smallest_seqno);
    EXPECT_EQ(f.largest_seqno, p.largest_seqno);
    EXPECT_EQ(kCreationTime, p.creation_time);
    std::vector<KV> entries;
    auto it = table->NewIterator(TableReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.emplace_back(it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return entries;
  }

  // Checks every output against its metadata and the durability contract,
  // that outputs are disjoint in user keys, and that together they hold
  // exactly `expected`.
  void CheckOutputs(const CompactionJobResult& r,
                    const std::vector<KV>& expected) {
    std::vector<KV> all;
    uint64_t bytes = 0;
    std::vector<uint64_t> numbers;
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      const FileMetaData& f = r.outputs[i];
      SCOPED_TRACE("output " + FileMetaDataDebugString(f));
      const std::string path = TableFileName(kDbName, f.number);
      EXPECT_EQ(1u, env_.synced().count(path));
      EXPECT_EQ(1u, env_.closed().count(path));
      EXPECT_EQ(0u, env_.created_since_sync_dir().count(path));
      const std::vector<KV> entries = ReadOutput(f);
      ASSERT_FALSE(entries.empty());
      EXPECT_EQ(entries.front().first, f.smallest.Encode().ToString());
      EXPECT_EQ(entries.back().first, f.largest.Encode().ToString());
      SequenceNumber lo = kMaxSequenceNumber, hi = 0;
      uint64_t deletions = 0;
      for (const KV& e : entries) {
        ParsedInternalKey ikey;
        ASSERT_TRUE(ParseInternalKey(e.first, &ikey));
        lo = std::min(lo, ikey.sequence);
        hi = std::max(hi, ikey.sequence);
        if (ikey.type == ValueType::kDeletion) ++deletions;
      }
      EXPECT_EQ(lo, f.smallest_seqno);
      EXPECT_EQ(hi, f.largest_seqno);
      EXPECT_EQ(entries.size(), f.num_entries);
      EXPECT_EQ(deletions, f.num_deletions);
      if (i > 0) {
        EXPECT_LT(Icmp().CompareUserKeys(r.outputs[i - 1].largest.user_key(),
                                         f.smallest.user_key()),
                  0);
      }
      bytes += f.file_size;
      numbers.push_back(f.number);
      all.insert(all.end(), entries.begin(), entries.end());
    }
    EXPECT_EQ(expected, all);
    EXPECT_EQ(bytes, r.bytes_written);
    EXPECT_EQ(allocated_, numbers);  // every number allocated is an output
    EXPECT_EQ(expected.size(), r.stats.output_entries);
    EXPECT_EQ(r.stats.input_entries, r.stats.dropped_shadowed +
                                         r.stats.dropped_tombstones +
                                         r.stats.output_entries);
  }

  // The table files in the directory that are not inputs.
  std::vector<std::string> StrayTables() {
    std::vector<std::string> names, stray;
    EXPECT_TRUE(base_env_->GetChildren(kDbName, &names).ok());
    for (const std::string& name : names) {
      const std::string path = std::string(kDbName) + "/" + name;
      const bool input = std::any_of(
          input_numbers_.begin(), input_numbers_.end(),
          [&](uint64_t n) { return TableFileName(kDbName, n) == path; });
      if (!input) stray.push_back(name);
    }
    return stray;
  }

  // Many small entries over one input: enough for several outputs.
  std::shared_ptr<const FileMetaData> WriteBigInput(
      uint64_t number, int keys, uint64_t* data_bytes = nullptr) {
    Random rnd(number);
    std::vector<KV> entries;
    for (int i = 0; i < keys; ++i) {
      std::string value(20 + rnd.Uniform(40), 'x');
      for (char& c : value) c = static_cast<char>('a' + rnd.Uniform(26));
      entries.push_back(
          Put(UserKey(i), 1000 + static_cast<SequenceNumber>(i), value));
    }
    big_entries_ = entries;
    return WriteInput(number, std::move(entries), data_bytes);
  }

  std::unique_ptr<Env> base_env_;
  TestEnv env_;
  TableOptions table_options_;
  std::set<uint64_t> input_numbers_;
  std::vector<std::unique_ptr<Table>> open_tables_;
  uint64_t next_number_ = 100;
  std::vector<uint64_t> allocated_;
  int opens_ = 0;
  std::vector<KV> big_entries_;
};

// ---- Tests --------------------------------------------------------------

TEST_F(CompactionJobTest, MergesOverlappingInputsIntoSortedOutput) {
  // Two newer L0-like files over an older one; ranges overlap.
  const std::vector<KV> newest = {Put("b", 30, "b30"), Del("d", 31),
                                  Put("f", 32, "f32")};
  const std::vector<KV> newer = {Put("a", 20, "a20"), Put("b", 21, "b21"),
                                 Put("e", 22, "e22"), Put("f", 23, "f23")};
  const std::vector<KV> older = {Put("a", 10, "a10"), Put("c", 11, "c11"),
                                 Put("d", 12, "d12"), Del("e", 13),
                                 Put("g", 14, "g14")};
  const std::vector<std::shared_ptr<const FileMetaData>> inputs = {
      WriteInput(7, newest), WriteInput(3, older), WriteInput(5, newer)};
  auto r = RunCompaction(Options(), inputs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(3, opens_);
  ASSERT_EQ(1u, r->outputs.size());
  CheckOutputs(*r, {Put("a", 20, "a20"), Put("b", 30, "b30"),
                    Put("c", 11, "c11"), Del("d", 31), Put("e", 22, "e22"),
                    Put("f", 32, "f32"), Put("g", 14, "g14")});
  EXPECT_EQ(inputs[0]->file_size + inputs[1]->file_size + inputs[2]->file_size,
            r->bytes_read);
  EXPECT_EQ(12u, r->stats.input_entries);
  EXPECT_EQ(5u, r->stats.dropped_shadowed);
  EXPECT_EQ(0u, r->stats.dropped_tombstones);
  EXPECT_EQ(1u, StrayTables().size());  // the output only
}

TEST_F(CompactionJobTest, SnapshotsKeepVersionsEndToEnd) {
  const std::vector<KV> a = {Put("k", 12, "v12"), Put("k", 9, "v9"),
                             Del("m", 8)};
  const std::vector<KV> b = {Put("k", 7, "v7"), Put("k", 3, "v3"),
                             Put("m", 2, "m2")};
  CompactionJobOptions o = Options();
  o.snapshots = {5, 10};
  o.bottommost = true;
  auto r = RunCompaction(o, {WriteInput(1, a), WriteInput(2, b)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // k: 12 above all, 9 in stripe 10, 3 in stripe 5; 7 shadowed by 9.
  // m: the deletion at 8 must stay, as snapshot 5 reads m2 beneath it.
  CheckOutputs(*r, {Put("k", 12, "v12"), Put("k", 9, "v9"), Put("k", 3, "v3"),
                    Del("m", 8), Put("m", 2, "m2")});
  EXPECT_EQ(1u, r->stats.dropped_shadowed);
}

TEST_F(CompactionJobTest, SplitsOutputsWithoutSplittingUserKeys) {
  // 300 user keys; every tenth has 40 versions, all kept by snapshots, so
  // a split point often falls inside one key's versions.
  std::vector<KV> l0, l1;
  std::vector<SequenceNumber> snapshots;
  SequenceNumber seq = 1;
  for (int i = 0; i < 300; ++i) {
    const int versions = i % 10 == 0 ? 40 : 1;
    for (int v = 0; v < versions; ++v, ++seq) {
      const KV e = Put(UserKey(i), seq,
                       std::string(24, static_cast<char>('a' + i % 26)));
      (v % 2 == 0 ? l0 : l1).push_back(e);
      if (versions > 1) snapshots.push_back(seq);
    }
  }
  std::vector<KV> all = l0;
  all.insert(all.end(), l1.begin(), l1.end());
  CompactionJobOptions o = Options();
  o.snapshots = snapshots;
  o.max_output_file_size = 1024;
  auto r = RunCompaction(o, {WriteInput(1, l0), WriteInput(2, l1)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(r->outputs.size(), 5u);
  CheckOutputs(*r, ExpectedSurvivors(all, snapshots, false));
  EXPECT_EQ(all.size(), r->stats.output_entries);  // snapshots keep all
  for (size_t i = 0; i + 1 < r->outputs.size(); ++i) {
    EXPECT_GE(r->outputs[i].file_size, o.max_output_file_size);
  }
  // The 40 versions of key 0 stay together however small the limit.
  EXPECT_EQ(UserKey(0), r->outputs[0].largest.user_key().ToString());
  EXPECT_EQ(40u, r->outputs[0].num_entries);
}

TEST_F(CompactionJobTest, BottommostDropsTombstonesEndToEnd) {
  const std::vector<KV> upper = {Del("a", 20), Del("c", 21),
                                 Put("d", 22, "d22"), Del("z", 23)};
  const std::vector<KV> lower = {Put("a", 10, "a10"), Put("b", 11, "b11"),
                                 Put("c", 12, "c12"), Put("d", 13, "d13")};
  std::vector<KV> all = upper;
  all.insert(all.end(), lower.begin(), lower.end());
  const auto in1 = WriteInput(1, upper);
  const auto in2 = WriteInput(2, lower);

  CompactionJobOptions o = Options();
  o.bottommost = false;
  auto kept = RunCompaction(o, {in1, in2});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  CheckOutputs(*kept, ExpectedSurvivors(all, {}, false));
  ASSERT_EQ(1u, kept->outputs.size());
  EXPECT_EQ(3u, kept->outputs[0].num_deletions);

  allocated_.clear();
  o.bottommost = true;
  auto dropped = RunCompaction(o, {in1, in2});
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  CheckOutputs(*dropped, {Put("b", 11, "b11"), Put("d", 22, "d22")});
  ASSERT_EQ(1u, dropped->outputs.size());
  EXPECT_EQ(0u, dropped->outputs[0].num_deletions);
  EXPECT_EQ(3u, dropped->stats.dropped_tombstones);
  EXPECT_EQ(3u, dropped->stats.dropped_shadowed);
}

TEST_F(CompactionJobTest, NothingSurvivingWritesNoFile) {
  const auto in = WriteInput(1, {Del("a", 5), Put("a", 4, "a4"), Del("b", 3)});
  CompactionJobOptions o = Options();
  o.bottommost = true;
  auto r = RunCompaction(o, {in});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->outputs.empty());
  EXPECT_EQ(0u, r->bytes_written);
  EXPECT_EQ(in->file_size, r->bytes_read);
  EXPECT_TRUE(allocated_.empty());
  EXPECT_TRUE(StrayTables().empty());

  auto none = RunCompaction(o, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->outputs.empty());
}

TEST_F(CompactionJobTest, InputReadErrorRemovesOutputs) {
  uint64_t data_bytes = 0;
  const auto in = WriteBigInput(1, 2000, &data_bytes);
  // Data blocks start at 0 and end at data_bytes; the meta blocks Open
  // reads lie beyond, so the table opens and fails half-way through.
  env_.FailReads(TableFileName(kDbName, 1), data_bytes / 2, data_bytes);
  CompactionJobOptions o = Options();
  o.max_output_file_size = 4096;
  auto r = RunCompaction(o, {in});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_GE(allocated_.size(), 3u);  // outputs were finished before it
  EXPECT_TRUE(StrayTables().empty());
}

TEST_F(CompactionJobTest, InputOpenErrorReturnsIt) {
  const auto good = WriteInput(1, {Put("a", 1, "a1")});
  auto missing = std::make_shared<FileMetaData>(*good);
  missing->number = 2;  // never written
  auto r = RunCompaction(Options(), {good, missing});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_TRUE(StrayTables().empty());
}

TEST_F(CompactionJobTest, WriteFailureRemovesOutputs) {
  const auto in = WriteBigInput(1, 2000);
  CompactionJobOptions o = Options();
  o.max_output_file_size = 4096;
  // A clean run counts the appends; then fail at points through it.
  auto clean = RunCompaction(o, {in});
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  ASSERT_GE(clean->outputs.size(), 5u);
  CheckOutputs(*clean, big_entries_);
  const int64_t total = env_.appends();
  for (const auto& f : clean->outputs) {
    ASSERT_TRUE(base_env_->RemoveFile(TableFileName(kDbName, f.number)).ok());
  }
  for (const int64_t fail_after :
       {int64_t{0}, int64_t{1}, total / 3, total / 2, total - 1}) {
    SCOPED_TRACE("appends before failure: " + std::to_string(fail_after));
    env_.FailAppendsAfter(env_.appends() + fail_after);
    auto r = RunCompaction(o, {in});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
    EXPECT_TRUE(StrayTables().empty());
  }
}

TEST_F(CompactionJobTest, SyncFailuresRemoveOutputs) {
  const auto in = WriteBigInput(1, 500);
  CompactionJobOptions o = Options();
  o.max_output_file_size = 4096;

  env_.FailSyncs(true);
  auto r = RunCompaction(o, {in});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
  EXPECT_EQ(1u, allocated_.size());  // the first output's sync failed
  EXPECT_TRUE(StrayTables().empty());

  env_.FailSyncs(false);
  env_.FailSyncDir(true);
  allocated_.clear();
  auto r2 = RunCompaction(o, {in});
  ASSERT_FALSE(r2.ok());
  EXPECT_TRUE(r2.status().IsIOError()) << r2.status().ToString();
  EXPECT_GE(allocated_.size(), 2u);  // every output was written first
  EXPECT_TRUE(StrayTables().empty());
}

// What outputs keep of the timed tombstones (a versioned DB's DeleteRange):
// all after the retention horizon; at or before it, only the newest each
// reader stripe sees, since every as-of read is at or after the horizon.
TEST(SurvivingTombstonesTest, TimedOnesGoOnlyBehindTheHorizon) {
  const std::vector<RangeTombstone> t = {
      {"a", "z", 50, 0},    // plain, newer than the snapshot
      {"a", "z", 40, 0},    // plain, same stripe: hides nothing more
      {"a", "z", 10, 100},  // timed, behind the horizon, stripe 0
      {"a", "z", 12, 150},  // timed, behind, stripe 0: the newest there
      {"a", "z", 30, 120},  // timed, behind, stripe 1 (after snapshot 20)
      {"a", "z", 31, 110},  // timed, behind, stripe 1, older than 120
      {"a", "z", 35, 900},  // timed, after the horizon
  };
  const FragmentedRangeTombstoneList all(BytewiseComparator(), t);
  const auto render = [](const RangeTombstoneListPtr& list) {
    std::string r;
    std::vector<RangeTombstone> out;
    if (list != nullptr) list->AppendTombstones(&out);
    for (const RangeTombstone& x : out) {
      r += std::to_string(x.sequence) + "@" + std::to_string(x.timestamp) + " ";
    }
    return r;
  };
  const std::vector<SequenceNumber> snapshots = {20};
  // No horizon: every timed one stays; the plain ones one per stripe.
  EXPECT_EQ("50@0 35@900 31@110 30@120 12@150 10@100 ",
            render(SurvivingTombstones(snapshots, false, all)));
  // Horizon 200: all but 35@900 are behind it. The newest by (timestamp,
  // sequence) is 12@150, and readers of both stripes see it: it alone
  // stays.
  EXPECT_EQ("50@0 35@900 12@150 ",
            render(SurvivingTombstones(snapshots, false, all, 200)));
  // Horizon 130: 12@150 is after it and stays; behind it, stripe 0 sees
  // 10@100 alone, stripe 1 the newest of 10@100, 30@120, 31@110: 30@120.
  EXPECT_EQ("50@0 35@900 30@120 12@150 10@100 ",
            render(SurvivingTombstones(snapshots, false, all, 130)));
}

}  // namespace
}  // namespace strata::internal
