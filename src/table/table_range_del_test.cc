// The range-deletion block of a table (docs/table_format.md): written by
// TableBuilder::AddRangeTombstone, decoded and fragmented at Open, checked
// by VerifyChecksums, and every damage to it refused as Corruption.

#include <gtest/gtest.h>

#include "table/table_test_util.h"

namespace strata::internal::table_test {
namespace {

TableOptions RangeDelOptions() {
  TableOptions options = DbTableOptions(Compression::kLZ4, 1024);
  options.user_comparator = BytewiseComparator();
  return options;
}

std::string TombstoneKey(const std::string& begin, SequenceNumber seq) {
  return IKey(begin, seq, ValueType::kRangeDeletion);
}

// A table with a few point entries and three tombstones.
std::string BuildWithTombstones(const TableOptions& options,
                                TableProperties* props = nullptr) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(options, &sink);
  builder.Add(IKey("a", 5, ValueType::kValue), "va");
  builder.Add(IKey("m", 6, ValueType::kValue), "vm");
  builder.AddRangeTombstone(TombstoneKey("b", 9), "f");
  builder.AddRangeTombstone(TombstoneKey("d", 12), "k");
  builder.AddRangeTombstone(TombstoneKey("x", 3), "z");
  EXPECT_TRUE(builder.Finish(TableProperties()).ok());
  if (props != nullptr) *props = builder.properties();
  return contents;
}

TEST(TableRangeDelTest, RoundTripFragmentsTheTombstones) {
  TableProperties props;
  const std::string contents = BuildWithTombstones(RangeDelOptions(), &props);
  EXPECT_EQ(3u, props.num_range_deletions);
  EXPECT_EQ(2u, props.num_entries);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(RangeDelOptions(), contents, "t.sst", &table).ok());
  const RangeTombstoneListPtr& list = table->range_tombstones();
  ASSERT_NE(nullptr, list);
  EXPECT_EQ(9u, list->MaxCoveringSequence("c", 100));
  EXPECT_EQ(12u, list->MaxCoveringSequence("e", 100));
  EXPECT_EQ(9u, list->MaxCoveringSequence("e", 11));
  EXPECT_EQ(0u, list->MaxCoveringSequence("m", 100));
  EXPECT_EQ(3u, list->MaxCoveringSequence("y", 100));
  EXPECT_TRUE(table->VerifyChecksums().ok());
  // Point entries are unaffected: the tombstones live in their own block.
  auto it = table->NewIterator(TableReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(2, n);
}

TEST(TableRangeDelTest, TableWithOnlyTombstones) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(RangeDelOptions(), &sink);
  builder.AddRangeTombstone(TombstoneKey("b", 9), "f");
  ASSERT_TRUE(builder.Finish(TableProperties()).ok());
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(RangeDelOptions(), contents, "t.sst", &table).ok());
  ASSERT_NE(nullptr, table->range_tombstones());
  EXPECT_EQ(9u, table->range_tombstones()->MaxCoveringSequence("b", 9));
  auto it = table->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  EXPECT_TRUE(table->VerifyChecksums().ok());
}

TEST(TableRangeDelTest, OutOfOrderTombstonesAreRefusedByTheBuilder) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(RangeDelOptions(), &sink);
  builder.AddRangeTombstone(TombstoneKey("d", 9), "f");
  builder.AddRangeTombstone(TombstoneKey("b", 9), "c");
  EXPECT_TRUE(builder.status().IsInvalidArgument());
  builder.Abandon();
}

TEST(TableRangeDelTest, WithoutAUserComparatorTheBlockIsCorruption) {
  const std::string contents = BuildWithTombstones(RangeDelOptions());
  TableOptions options = DbTableOptions(Compression::kLZ4, 1024);
  options.user_comparator = nullptr;
  std::unique_ptr<Table> table;
  const Status s = OpenTable(options, contents, "t.sst", &table);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("t.sst")) << s.ToString();
}

TEST(TableRangeDelTest, EveryFlippedByteIsCaughtOrHarmless) {
  const std::string contents = BuildWithTombstones(RangeDelOptions());
  std::unique_ptr<Table> good;
  ASSERT_TRUE(OpenTable(RangeDelOptions(), contents, "t.sst", &good).ok());
  int caught = 0;
  for (size_t i = 0; i < contents.size(); ++i) {
    std::string damaged = contents;
    damaged[i] = static_cast<char>(damaged[i] ^ (1 << (i % 8)));
    std::unique_ptr<Table> table;
    const Status s = OpenTable(RangeDelOptions(), damaged, "t.sst", &table);
    if (!s.ok()) {
      ASSERT_TRUE(s.IsCorruption()) << i << ": " << s.ToString();
      ++caught;
      continue;
    }
    // Opened: the tombstones must be exactly the good ones (data block
    // damage shows up later, on reads, and is covered elsewhere).
    const auto& got = table->range_tombstones();
    ASSERT_NE(nullptr, got) << "byte " << i;
    for (const char* key : {"a", "c", "e", "h", "m", "y"}) {
      for (SequenceNumber read : {4, 10, 100}) {
        ASSERT_EQ(good->range_tombstones()->MaxCoveringSequence(key, read),
                  got->MaxCoveringSequence(key, read))
            << "byte " << i << " key " << key;
      }
    }
  }
  EXPECT_GT(caught, 0);
}

}  // namespace
}  // namespace strata::internal::table_test
