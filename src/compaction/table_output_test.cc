// TableOutputWriter's value-log side: pointers passing through name their
// files; relocation (garbage collection) moves values out of the files it
// is given, counts their garbage, and stops at its byte cap or when the
// hook after each relocated value says so.

#include "compaction/table_output.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "env/env_test_util.h"
#include "env/filename.h"
#include "vlog/vlog_cache.h"
#include "vlog/vlog_writer.h"

namespace strata::internal {
namespace {

constexpr char kDb[] = "/db";

class TableOutputTest : public ::testing::Test {
 protected:
  TableOutputTest() : env_(NewMemEnv()), icmp_(BytewiseComparator()) {
    EXPECT_OK(env_->CreateDirIfMissing(kDb));
    o_.env = env_.get();
    o_.dbname = kDb;
    o_.table_options.comparator = &icmp_;
    o_.table_options.user_comparator = BytewiseComparator();
    o_.icmp = &icmp_;
    o_.new_file_number = [this] { return next_number_++; };
  }

  // Writes value-log file `number` with one record per key; returns the
  // encoded pointers.
  std::vector<std::string> WriteVlog(uint64_t number,
                                     const std::vector<std::string>& keys) {
    std::unique_ptr<WritableFile> file;
    EXPECT_OK(env_->NewWritableFile(VlogFileName(kDb, number), &file));
    vlog::Writer w(std::move(file), number, Compression::kNone);
    std::vector<std::string> pointers;
    for (const std::string& k : keys) {
      vlog::ValuePointer p;
      EXPECT_OK(w.Add(k, Value(k), &p));
      pointers.emplace_back();
      p.EncodeTo(&pointers.back());
    }
    EXPECT_OK(w.Finish());
    sizes_[number] = w.file_size();
    return pointers;
  }

  static std::string Value(const std::string& key) {
    return std::string(1000, key[0]);
  }

  static std::string PointerKey(const std::string& user_key,
                                SequenceNumber seq) {
    std::string k;
    AppendInternalKey(&k, user_key, seq,
                      static_cast<uint8_t>(ValueType::kValuePointer));
    return k;
  }

  std::unique_ptr<Env> env_;
  InternalKeyComparator icmp_;
  TableOutputOptions o_;
  uint64_t next_number_ = 100;
  std::map<uint64_t, uint64_t> sizes_;
};

TEST_F(TableOutputTest, RelocationMovesValuesUpToItsCap) {
  const std::vector<std::string> old_pointers = WriteVlog(7, {"a", "b", "c"});
  const std::vector<std::string> kept = WriteVlog(8, {"d"});
  vlog::Cache cache(env_.get(), kDb, 10, /*mmap_reads=*/false);
  o_.vlog_threshold = 100;
  o_.vlog_relocate = {7};
  o_.vlog_relocate_max_bytes = 1500;  // one and a half values
  int reads = 0;
  o_.vlog_read = [&](const Slice& key, const Slice& raw, std::string* value) {
    ++reads;
    vlog::ValuePointer p;
    EXPECT_OK(p.DecodeFrom(raw));
    return cache.Read(p, sizes_.at(p.file_number), key, true, value);
  };
  TableOutputWriter out(o_, nullptr);
  ASSERT_OK(out.Add(PointerKey("a", 3), old_pointers[0]));
  ASSERT_OK(out.Add(PointerKey("b", 2), old_pointers[1]));
  ASSERT_OK(out.Add(PointerKey("c", 1), old_pointers[2]));  // past the cap
  ASSERT_OK(out.Add(PointerKey("d", 4), kept[0]));          // not relocated
  ASSERT_OK(out.Finish());
  EXPECT_EQ(2, reads);
  EXPECT_EQ(2u, out.relocated_values());
  EXPECT_EQ(2000u, out.relocated_bytes());
  vlog::ValuePointer a;
  ASSERT_OK(a.DecodeFrom(old_pointers[0]));
  vlog::ValuePointer b;
  ASSERT_OK(b.DecodeFrom(old_pointers[1]));
  EXPECT_EQ(a.record_size + b.record_size, out.relocated_garbage().at(7));
  ASSERT_EQ(1u, out.vlog_outputs().size());
  const VlogFileMeta moved = out.vlog_outputs()[0];
  EXPECT_EQ(2u, moved.records);
  ASSERT_EQ(1u, out.outputs().size());
  // "c" still points into 7, "d" into 8, "a" and "b" into the new file.
  EXPECT_EQ((std::vector<uint64_t>{7, 8, moved.number}),
            out.outputs()[0].vlog_files);
}

TEST_F(TableOutputTest, WithoutAThresholdRelocatedValuesGoBackInline) {
  const std::vector<std::string> old_pointers = WriteVlog(7, {"a"});
  vlog::Cache cache(env_.get(), kDb, 10, /*mmap_reads=*/false);
  o_.vlog_relocate = {7};
  o_.vlog_read = [&](const Slice& key, const Slice& raw, std::string* value) {
    vlog::ValuePointer p;
    EXPECT_OK(p.DecodeFrom(raw));
    return cache.Read(p, sizes_.at(p.file_number), key, true, value);
  };
  TableOutputWriter out(o_, nullptr);
  ASSERT_OK(out.Add(PointerKey("a", 3), old_pointers[0]));
  ASSERT_OK(out.Finish());
  EXPECT_TRUE(out.vlog_outputs().empty());
  ASSERT_EQ(1u, out.outputs().size());
  EXPECT_TRUE(out.outputs()[0].vlog_files.empty());
  EXPECT_EQ(1u, out.relocated_values());
}

TEST_F(TableOutputTest, TheHookAfterEachRelocationCanStopIt) {
  const std::vector<std::string> old_pointers = WriteVlog(7, {"a", "b", "c"});
  vlog::Cache cache(env_.get(), kDb, 10, /*mmap_reads=*/false);
  o_.vlog_threshold = 100;
  o_.vlog_relocate = {7};
  o_.vlog_read = [&](const Slice& key, const Slice& raw, std::string* value) {
    vlog::ValuePointer p;
    EXPECT_OK(p.DecodeFrom(raw));
    return cache.Read(p, sizes_.at(p.file_number), key, true, value);
  };
  std::vector<uint64_t> seen;
  o_.vlog_after_relocate = [&](uint64_t bytes) {
    seen.push_back(bytes);
    return seen.size() < 2;  // stop after the second value
  };
  TableOutputWriter out(o_, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(out.Add(PointerKey(std::string(1, static_cast<char>('a' + i)),
                                 static_cast<SequenceNumber>(3 - i)),
                      old_pointers[static_cast<size_t>(i)]));
  }
  ASSERT_OK(out.Finish());
  EXPECT_EQ((std::vector<uint64_t>{1000, 1000}), seen);
  EXPECT_EQ(2u, out.relocated_values());
  ASSERT_EQ(1u, out.outputs().size());
  EXPECT_EQ((std::vector<uint64_t>{7, out.vlog_outputs().at(0).number}),
            out.outputs()[0].vlog_files);  // "c" still points into 7
}

TEST_F(TableOutputTest, AMalformedPointerIsCorruption) {
  TableOutputWriter out(o_, nullptr);
  EXPECT_TRUE(out.Add(PointerKey("a", 3), "garbage").IsCorruption());
  out.RemoveAll();
}

}  // namespace
}  // namespace strata::internal
