// Unit-compressed data blocks (table/unit_block.h): round trips through the
// builder and both read paths, the cache's admission of blocks point reads
// repeat, and damage in a unit or the directory.

#include "table/unit_block.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/random.h"
#include "cache/block_cache.h"
#include "table/table_test_util.h"

namespace strata::internal::table_test {
namespace {

uint32_t FooterVersion(const std::string& contents) {
  return DecodeFooter(contents).version;
}

TableOptions UnitOptions(Compression compression, size_t unit_size,
                         int restart_interval) {
  TableOptions options = DbTableOptions(compression, 4096);
  options.compression_unit_size = unit_size;
  options.block_restart_interval = restart_interval;
  return options;
}

// Every entry from `lookup` on, as far as `limit` entries, by Get with a
// handler that keeps asking.
std::vector<std::pair<std::string, std::string>> GetRun(const Table& table,
                                                        const Slice& lookup,
                                                        size_t limit,
                                                        Status* status) {
  std::vector<std::pair<std::string, std::string>> run;
  *status = table.Get(TableReadOptions(), lookup, ExtractUserKey(lookup),
                      [&](const Slice& k, const Slice& v) {
                        run.emplace_back(k.ToString(), v.ToString());
                        return run.size() < limit;
                      });
  return run;
}

using Params = std::tuple<Compression, size_t, int>;

class UnitRoundTripTest : public ::testing::TestWithParam<Params> {};

TEST_P(UnitRoundTripTest, GetsAndScansMatchTheModel) {
  const auto [compression, unit_size, restart_interval] = GetParam();
  Random rnd(77);
  constexpr size_t kUserKeys = 1200;
  const Model model = MakeModel(&rnd, kUserKeys, 100);
  const TableOptions options =
      UnitOptions(compression, unit_size, restart_interval);
  TableProperties built;
  const std::string contents = BuildTable(options, model, &built);
  // Nearly every block is in units (a last, short block may not be),
  // except when each entry is a unit of its own: ~130 bytes compressed
  // alone, each with its directory entry, do not save the 1/8 a block must,
  // and the blocks are stored whole.
  const std::vector<uint8_t> types = DataBlockTypes(contents);
  size_t unit_blocks = 0;
  for (uint8_t t : types) {
    if (IsUnitCompression(t)) {
      ++unit_blocks;
      EXPECT_EQ(compression, UnitCodec(t));
    }
  }
  if (unit_size == 1 && restart_interval == 1) {
    EXPECT_EQ(0u, unit_blocks);
  } else {
    EXPECT_GE(unit_blocks + 1, types.size());
  }
  EXPECT_EQ(unit_blocks, built.num_unit_blocks);
  EXPECT_EQ(unit_blocks > 0 ? 2u : 1u, FooterVersion(contents));

  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "u.sst", &table).ok());
  EXPECT_EQ(built, table->properties());
  CheckScans(*table, model);
  ASSERT_TRUE(table->VerifyChecksums().ok());

  for (size_t i = 0; i < 2 * kUserKeys + 1; ++i) {
    // Every user key, present (even) or absent (odd), newest and at an
    // older snapshot; the handler asks for three entries, so runs cross
    // units and blocks.
    for (SequenceNumber seq :
         {kMaxSequenceNumber, SequenceNumber{100000 - i}}) {
      const std::string lookup = IKey(UserKey(i), seq, ValueType::kValue);
      Status s;
      const auto run = GetRun(*table, lookup, 3, &s);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (!table->KeyMayMatch(UserKey(i))) {
        ASSERT_TRUE(run.empty());
        continue;
      }
      auto m = model.lower_bound(lookup);
      for (const auto& [k, v] : run) {
        ASSERT_NE(m, model.end()) << i;
        ASSERT_EQ(m->first, k) << i;
        ASSERT_EQ(m->second, v) << i;
        ++m;
      }
      ASSERT_TRUE(run.size() == 3 || m == model.end()) << i;
    }
  }
}

// Random walks of Seek, SeekForPrev, SeekToFirst, SeekToLast, Next and
// Prev against the model: a cursor positioned by a seek reads units one at
// a time, and crossing units, blocks and directions must not show.
TEST_P(UnitRoundTripTest, CursorsWalkingBothWaysMatchTheModel) {
  const auto [compression, unit_size, restart_interval] = GetParam();
  Random rnd(78);
  constexpr size_t kUserKeys = 600;
  const Model model = MakeModel(&rnd, kUserKeys, 100);
  for (const bool cached : {false, true}) {
    BlockCache cache(64 << 10);  // a few blocks: misses, admissions, hits
    TableOptions options =
        UnitOptions(compression, unit_size, restart_interval);
    const std::string contents = BuildTable(options, model);
    if (cached) options.block_cache = &cache;
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(options, contents, "w.sst", &table).ok());
    for (int walk = 0; walk < 300; ++walk) {
      auto it = table->NewIterator(TableReadOptions());
      auto m = model.end();  // the model's position; end() = invalid
      const std::string target =
          IKey(UserKey(rnd.Uniform(2 * kUserKeys + 2)),
               100000 - rnd.Uniform(3 * kUserKeys), ValueType::kValue);
      switch (rnd.Uniform(4)) {
        case 0:
          it->Seek(target);
          m = model.lower_bound(target);
          break;
        case 1: {
          it->SeekForPrev(target);
          m = model.upper_bound(target);
          m = m == model.begin() ? model.end() : std::prev(m);
          break;
        }
        case 2:
          it->SeekToFirst();
          m = model.begin();
          break;
        default:
          it->SeekToLast();
          m = std::prev(model.end());
          break;
      }
      for (int step = 0; step < 40; ++step) {
        ASSERT_TRUE(it->status().ok()) << it->status().ToString();
        ASSERT_EQ(m != model.end(), it->Valid()) << walk << "/" << step;
        if (m == model.end()) break;
        ASSERT_EQ(m->first, it->key().ToString()) << walk << "/" << step;
        ASSERT_EQ(m->second, it->value().ToString());
        if (rnd.OneIn(3)) {
          it->Prev();
          m = m == model.begin() ? model.end() : std::prev(m);
        } else {
          it->Next();
          ++m;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Units, UnitRoundTripTest,
    ::testing::Combine(::testing::Values(Compression::kSnappy,
                                         Compression::kLZ4, Compression::kZstd),
                       ::testing::Values(size_t{1}, size_t{512}, size_t{1024}),
                       ::testing::Values(1, 4, 16)),
    [](const ::testing::TestParamInfo<Params>& info) {
      return std::string(CompressionName(std::get<0>(info.param))) + "_unit" +
             std::to_string(std::get<1>(info.param)) + "_restart" +
             std::to_string(std::get<2>(info.param));
    });

TEST(UnitBlockTest, UnitSizeZeroOrNoCompressionWritesWholeBlocks) {
  Random rnd(5);
  const Model model = MakeModel(&rnd, 400, 100);
  for (const TableOptions& options :
       {UnitOptions(Compression::kSnappy, 0, 16),
        UnitOptions(Compression::kNone, 512, 16)}) {
    TableProperties built;
    const std::string contents = BuildTable(options, model, &built);
    EXPECT_EQ(0u, built.num_unit_blocks);
    EXPECT_EQ(1u, FooterVersion(contents));
    for (uint8_t t : DataBlockTypes(contents)) {
      EXPECT_FALSE(IsUnitCompression(t));
    }
  }
}

TEST(UnitBlockTest, PointReadsReadOneUnitAndCacheBlocksTheyRepeat) {
  Random rnd(6);
  const Model model = MakeModel(&rnd, 400, 100);
  BlockCache cache(1 << 20);
  TableOptions options = UnitOptions(Compression::kSnappy, 512, 4);
  const std::string contents = BuildTable(options, model);
  options.block_cache = &cache;
  std::atomic<int> reads{0};
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "c.sst", &table, &reads).ok());
  ASSERT_GT(table->properties().num_unit_blocks, 0u);

  const std::string lookup =
      IKey(UserKey(200), kMaxSequenceNumber, ValueType::kValue);
  const GetResult expected = [&] {
    GetResult r;
    auto m = model.lower_bound(lookup);
    r.key = m->first;
    r.value = m->second;
    return r;
  }();
  // First: the block's end (directory) and one unit; nothing cached.
  int before = reads.load();
  GetResult r = DoGet(*table, TableReadOptions(), lookup);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(expected.key, r.key);
  EXPECT_EQ(expected.value, r.value);
  EXPECT_EQ(before + 2, reads.load());
  EXPECT_EQ(0u, cache.EntryCount());
  // Again: the block is read whole and cached.
  before = reads.load();
  r = DoGet(*table, TableReadOptions(), lookup);
  EXPECT_EQ(expected.value, r.value);
  EXPECT_EQ(before + 1, reads.load());
  EXPECT_EQ(1u, cache.EntryCount());
  // And then it is a hit.
  before = reads.load();
  const uint64_t hits = cache.Hits();
  r = DoGet(*table, TableReadOptions(), lookup);
  EXPECT_EQ(expected.value, r.value);
  EXPECT_EQ(before, reads.load());
  EXPECT_EQ(hits + 1, cache.Hits());

  // A cursor's seek reads the same way: the directory and one unit the
  // first time, the whole block (cached) the second, nothing the third.
  const std::string far =
      IKey(UserKey(400), kMaxSequenceNumber, ValueType::kValue);
  const auto m = model.lower_bound(far);
  for (int expected_reads : {2, 1, 0}) {
    before = reads.load();
    auto it = table->NewIterator(TableReadOptions());
    it->Seek(far);
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(m->first, it->key().ToString());
    EXPECT_EQ(before + expected_reads, reads.load());
  }
  EXPECT_EQ(2u, cache.EntryCount());

  // fill_cache = false never caches, however often the block is read.
  TableReadOptions no_fill;
  no_fill.fill_cache = false;
  const std::string other =
      IKey(UserKey(600), kMaxSequenceNumber, ValueType::kValue);
  for (int i = 0; i < 3; ++i) {
    before = reads.load();
    r = DoGet(*table, no_fill, other);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(model.lower_bound(other)->second, r.value);
    EXPECT_EQ(before + 2, reads.load());
  }
  EXPECT_EQ(2u, cache.EntryCount());
}

// The offset within `contents` of the first data block, its stored size,
// and its parsed directory's units.
struct FirstBlock {
  BlockHandle handle;
  std::vector<UnitDirectory::Unit> units;
  size_t directory_size = 0;
};

FirstBlock InspectFirstBlock(const std::string& contents) {
  FirstBlock b;
  b.handle = DataBlockHandles(contents).front();
  const char* block = contents.data() + b.handle.offset;
  EXPECT_TRUE(UnitDirectory::Size(
                  Slice(block + b.handle.size - kUnitTailSize, kUnitTailSize),
                  b.handle.size, &b.directory_size)
                  .ok());
  UnitDirectory directory;
  EXPECT_TRUE(
      directory
          .Parse(
              Slice(block + b.handle.size - b.directory_size, b.directory_size),
              b.handle.size,
              static_cast<uint8_t>(contents[b.handle.offset + b.handle.size]),
              true)
          .ok());
  for (uint32_t i = 0; i < directory.num_units(); ++i) {
    b.units.push_back(directory.unit(i));
  }
  return b;
}

// The status of a Get of `key` from `contents`, opened as `name`.
std::string GetStatus(const TableOptions& options, const std::string& contents,
                      const std::string& name, const std::string& key) {
  std::unique_ptr<Table> table;
  const Status s = OpenTable(options, contents, name, &table);
  if (!s.ok()) return "open: " + s.ToString();
  return DoGet(*table, TableReadOptions(), key).status.ToString();
}

// A point read of a unit-compressed block reads it in two pieces (the
// directory, then a unit) and first tells the file the whole block's range,
// so that a file whose reads miss the page cache can ask for it at once.
// Whole-block reads and cache hits give no such hint.
TEST(UnitBlockTest, PointReadsHintTheBlockTheyReadInPieces) {
  Random rnd(6);
  const Model model = MakeModel(&rnd, 400, 100);
  BlockCache cache(1 << 20);
  TableOptions options = UnitOptions(Compression::kSnappy, 512, 4);
  const std::string contents = BuildTable(options, model);
  options.block_cache = &cache;
  auto owned = std::make_unique<StringSource>(contents);
  const StringSource* source = owned.get();
  std::unique_ptr<Table> table;
  ASSERT_TRUE(
      Table::Open(options, std::move(owned), contents.size(), "h.sst", &table)
          .ok());
  ASSERT_GT(table->properties().num_unit_blocks, 0u);
  ASSERT_TRUE(source->piece_hints().empty());

  const std::string lookup =
      IKey(UserKey(200), kMaxSequenceNumber, ValueType::kValue);
  ASSERT_TRUE(DoGet(*table, TableReadOptions(), lookup).called);
  const auto hints = source->piece_hints();
  ASSERT_EQ(hints.size(), 1u);
  // The range is one whole block: it ends with a trailer whose type says
  // units, and its checksum covers everything before it.
  const auto [offset, n] = hints[0];
  ASSERT_GT(n, kBlockTrailerSize);
  ASSERT_LE(offset + n, contents.size());
  const uint64_t body = n - kBlockTrailerSize;
  EXPECT_TRUE(IsUnitCompression(static_cast<uint8_t>(contents[offset + body])));
  EXPECT_EQ(crc32c::Unmask(DecodeFixed32(contents.data() + offset + body + 1)),
            crc32c::Value(contents.data() + offset, body + 1));
  // Read whole the second time (and cached), a hit the third: no hints.
  ASSERT_TRUE(DoGet(*table, TableReadOptions(), lookup).called);
  ASSERT_TRUE(DoGet(*table, TableReadOptions(), lookup).called);
  EXPECT_EQ(source->piece_hints().size(), 1u);
  // A cursor's first seek into another block reads it in pieces too.
  auto it = table->NewIterator(TableReadOptions());
  it->Seek(IKey(UserKey(20), kMaxSequenceNumber, ValueType::kValue));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(source->piece_hints().size(), 2u);

  // Blocks larger than two pages: a unit is a small part of one, read
  // alone, and no hint asks for the whole block.
  TableOptions large = UnitOptions(Compression::kSnappy, 512, 4);
  large.block_size = 64 << 10;
  const std::string big = BuildTable(large, model);
  auto big_owned = std::make_unique<StringSource>(big);
  const StringSource* big_source = big_owned.get();
  std::unique_ptr<Table> big_table;
  ASSERT_TRUE(
      Table::Open(large, std::move(big_owned), big.size(), "b.sst", &big_table)
          .ok());
  ASSERT_GT(big_table->properties().num_unit_blocks, 0u);
  ASSERT_GT(big.size() / big_table->properties().num_data_blocks, 8192u);
  GetResult r = DoGet(*big_table, TableReadOptions(), lookup);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.called);
  EXPECT_TRUE(big_source->piece_hints().empty());
}

TEST(UnitBlockTest, DamageInAUnitOrTheDirectoryIsCorruptionNamingIt) {
  Random rnd(7);
  const Model model = MakeModel(&rnd, 400, 100);
  const TableOptions options = UnitOptions(Compression::kSnappy, 512, 4);
  const std::string good = BuildTable(options, model);
  const FirstBlock b = InspectFirstBlock(good);
  ASSERT_GE(b.units.size(), 3u);
  const std::string first_key = model.begin()->first;

  // A byte of the second unit: a point read of a key in the first unit
  // does not read it; a read or a cursor that reaches the unit names it,
  // and a read of the whole block (VerifyChecksums) names the block; the
  // same whether the file's bytes are read into buffers or lent in place
  // (a mapped file's reads).
  for (const bool lend : {false, true}) {
    SCOPED_TRACE(lend ? "lent" : "read");
    std::string damaged = good;
    const uint64_t at = b.handle.offset + b.units[1].offset + 3;
    damaged[at] ^= 0x10;
    std::unique_ptr<Table> table;
    ASSERT_TRUE(
        OpenTable(options, damaged, "d.sst", &table, nullptr, lend).ok());
    GetResult r = DoGet(*table, TableReadOptions(), first_key);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(model.begin()->second, r.value);
    Status s;
    GetRun(*table, first_key, 1000, &s);
    EXPECT_EQ("Corruption: d.sst offset " +
                  std::to_string(b.handle.offset + b.units[1].offset) +
                  ": unit checksum mismatch",
              s.ToString());
    auto it = table->NewIterator(TableReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    EXPECT_EQ("Corruption: d.sst offset " +
                  std::to_string(b.handle.offset + b.units[1].offset) +
                  ": unit checksum mismatch",
              it->status().ToString());
    EXPECT_EQ("Corruption: d.sst offset " + std::to_string(b.handle.offset) +
                  ": block checksum mismatch",
              table->VerifyChecksums().ToString());
  }
  // A byte of the directory: every point read of the block says so.
  {
    std::string damaged = good;
    const uint64_t at = b.handle.offset + b.handle.size - b.directory_size + 2;
    damaged[at] ^= 0x01;
    EXPECT_EQ("Corruption: d.sst offset " + std::to_string(b.handle.offset) +
                  ": unit directory checksum mismatch",
              GetStatus(options, damaged, "d.sst", first_key));
  }
  // The directory's size field pointing outside the block.
  {
    std::string damaged = good;
    const uint64_t at = b.handle.offset + b.handle.size - kUnitTailSize + 3;
    damaged[at] = '\x7f';
    EXPECT_EQ("Corruption: d.sst offset " + std::to_string(b.handle.offset) +
                  ": unit directory larger than its block",
              GetStatus(options, damaged, "d.sst", first_key));
  }
}

// A trailer's codec changed, the block's checksum re-signed over it: a
// reader of one unit, which does not read the whole block, still notices
// (the directory's checksum covers the type).
TEST(UnitBlockTest, TheDirectoryChecksumCoversTheCodec) {
  Random rnd(8);
  const Model model = MakeModel(&rnd, 400, 100);
  const TableOptions options = UnitOptions(Compression::kSnappy, 512, 4);
  std::string damaged = BuildTable(options, model);
  const FirstBlock b = InspectFirstBlock(damaged);
  const uint64_t type_at = b.handle.offset + b.handle.size;
  damaged[type_at] = static_cast<char>(kUnitsFlag | 2);  // LZ4
  uint32_t crc =
      crc32c::Value(damaged.data() + b.handle.offset, b.handle.size + 1);
  EncodeFixed32(damaged.data() + type_at + 1, crc32c::Mask(crc));
  EXPECT_EQ("Corruption: t.sst offset " + std::to_string(b.handle.offset) +
                ": unit directory checksum mismatch",
            GetStatus(options, damaged, "t.sst", model.begin()->first));
}

// A separator that does not separate (a writer's bug, every checksum
// right): a point read would miss keys, so VerifyChecksums looks.
TEST(UnitBlockTest, VerifyChecksumsChecksTheSeparators) {
  Random rnd(9);
  const Model model = MakeModel(&rnd, 400, 100);
  const TableOptions options = UnitOptions(Compression::kSnappy, 512, 4);
  std::string damaged = BuildTable(options, model);
  const FirstBlock b = InspectFirstBlock(damaged);
  ASSERT_GE(b.units.size(), 2u);
  // The first separator's first byte (after u and the units' sizes and
  // checksums) raised: it now sorts after unit 1's first key.
  const uint64_t directory_at =
      b.handle.offset + b.handle.size - b.directory_size;
  Slice in(damaged.data() + directory_at, b.directory_size - kUnitTailSize);
  uint32_t u = 0;
  ASSERT_TRUE(GetVarint32(&in, &u));
  for (uint32_t i = 0; i < u; ++i) {
    uint32_t size = 0;
    ASSERT_TRUE(GetVarint32(&in, &size));
    in.remove_prefix(4);
  }
  uint32_t length = 0;
  ASSERT_TRUE(GetVarint32(&in, &length));
  ASSERT_GT(length, 0u);
  damaged[in.data() - damaged.data()] = '\x7f';
  // Re-sign the directory (it covers the type) and the block.
  const size_t covered = b.directory_size - 4;
  uint32_t crc = crc32c::Value(damaged.data() + directory_at, covered);
  const char type = damaged[b.handle.offset + b.handle.size];
  crc = crc32c::Extend(crc, &type, 1);
  EncodeFixed32(damaged.data() + directory_at + covered, crc32c::Mask(crc));
  crc = crc32c::Value(damaged.data() + b.handle.offset, b.handle.size + 1);
  EncodeFixed32(damaged.data() + b.handle.offset + b.handle.size + 1,
                crc32c::Mask(crc));
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, damaged, "s.sst", &table).ok());
  EXPECT_EQ("Corruption: s.sst offset " +
                std::to_string(b.handle.offset + b.units[1].offset) +
                ": unit separator not below the unit's first key",
            table->VerifyChecksums().ToString());
}

TEST(BlockCacheAdmissionTest, AdmitsAKeyAskedAboutTwice) {
  BlockCache cache(1 << 20);
  EXPECT_FALSE(cache.AdmitOnRepeat({1, 0}));
  EXPECT_FALSE(cache.AdmitOnRepeat({1, 4096}));
  EXPECT_TRUE(cache.AdmitOnRepeat({1, 0}));
  // Admitted once, it starts over.
  EXPECT_FALSE(cache.AdmitOnRepeat({1, 0}));
  EXPECT_TRUE(cache.AdmitOnRepeat({1, 4096}));
  // A different table's block at the same offset is another key.
  EXPECT_FALSE(cache.AdmitOnRepeat({2, 0}));
}

}  // namespace
}  // namespace strata::internal::table_test
