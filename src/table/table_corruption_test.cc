// Tests of how tables meet damage: every byte flipped, truncation, footer
// errors, read errors, and hand-assembled tables with valid checksums but
// malformed contents (one case per check the reader makes).

#include <gtest/gtest.h>
#include <snappy.h>

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/random.h"
#include "key/internal_key.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table.h"
#include "table/table_test_util.h"

namespace strata::internal::table_test {
namespace {

// ---- Hand-assembled tables: one case per kind of damage the checksums
// cannot see (the bytes were written that way, with valid checksums) ----

struct TableParts {
  std::string data_region;  // data blocks with trailers
  std::string index;        // index block contents
  std::string filter;       // filter block contents ("" = none)
  TableProperties properties;
};

// Appends `contents` as a block with a valid trailer of type `type`.
BlockHandle AppendBlock(std::string* file, const Slice& contents,
                        uint8_t type = 0) {
  BlockHandle h{file->size(), contents.size()};
  file->append(contents.data(), contents.size());
  const char t = static_cast<char>(type);
  uint32_t crc =
      crc32c::Extend(crc32c::Value(contents.data(), contents.size()), &t, 1);
  file->push_back(t);
  PutFixed32(file, crc32c::Mask(crc));
  return h;
}

std::string RawBlock(const std::string& file, const BlockHandle& h) {
  return file.substr(h.offset, h.size);
}

TableParts Split(const std::string& file) {
  Footer footer;
  EXPECT_TRUE(footer
                  .DecodeFrom(Slice(file).ToStringView().substr(
                      file.size() - Footer::kEncodedLength))
                  .ok());
  TableParts parts;
  parts.data_region = file.substr(0, footer.index_handle.offset);
  parts.index = RawBlock(file, footer.index_handle);
  auto meta = Block::ParseCopy(RawBlock(file, footer.metaindex_handle));
  BlockIter it(BytewiseComparator(), meta.value().get(), nullptr,
               BlockErrorContext{});
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    Slice v = it.value();
    BlockHandle h;
    EXPECT_TRUE(h.DecodeFrom(&v));
    if (it.key() == Slice(kFilterBlockName)) {
      parts.filter = RawBlock(file, h);
    } else {
      auto props = Block::ParseCopy(RawBlock(file, h));
      EXPECT_TRUE(DecodeProperties(*props.value(), &parts.properties).ok());
    }
  }
  return parts;
}

struct AssembleEdits {
  // Rewrites the encoded properties block.
  std::function<void(std::string*)> edit_properties;
  std::map<std::string, std::string> extra_meta_blocks;  // name -> contents
  int64_t data_bytes_delta = 0;
};

std::string Assemble(const TableParts& parts, const AssembleEdits& edits = {}) {
  std::string file = parts.data_region;
  const BlockHandle index = AppendBlock(&file, parts.index);
  std::map<std::string, std::string> meta;  // name -> encoded handle
  TableProperties props = parts.properties;
  props.data_bytes = parts.data_region.size() + edits.data_bytes_delta;
  props.index_bytes = index.size + kBlockTrailerSize;
  props.filter_bytes = 0;
  if (!parts.filter.empty()) {
    const BlockHandle filter = AppendBlock(&file, parts.filter);
    meta[kFilterBlockName] = filter.Encode();
    props.filter_bytes = filter.size + kBlockTrailerSize;
  }
  std::string props_block = EncodeProperties(props);
  if (edits.edit_properties) edits.edit_properties(&props_block);
  meta[kPropertiesBlockName] = AppendBlock(&file, props_block).Encode();
  for (const auto& [name, contents] : edits.extra_meta_blocks) {
    meta[name] = AppendBlock(&file, contents).Encode();
  }
  BlockBuilder metaindex(1);
  for (const auto& [name, handle] : meta) metaindex.Add(name, handle);
  Footer footer;
  footer.metaindex_handle = AppendBlock(&file, metaindex.Finish());
  footer.index_handle = index;
  footer.EncodeTo(&file);
  return file;
}

// Rebuilds a properties block, dropping `drop` and adding `add` -> `value`.
std::function<void(std::string*)> EditProperties(std::string drop,
                                                 std::string add = "",
                                                 std::string value = "") {
  return [=](std::string* block) {
    auto parsed = Block::ParseCopy(*block);
    std::map<std::string, std::string> entries;
    BlockIter it(BytewiseComparator(), parsed.value().get(), nullptr,
                 BlockErrorContext{});
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      entries[it.key().ToString()] = it.value().ToString();
    }
    entries.erase(drop);
    if (!add.empty()) entries[add] = value;
    BlockBuilder builder(1);
    for (const auto& [k, v] : entries) builder.Add(k, v);
    *block = builder.Finish().ToString();
  };
}

class AssembledTableTest : public ::testing::Test {
 protected:
  AssembledTableTest() {
    Random rnd(13);
    model_ = MakeModel(&rnd, 60, 30);
    options_ = DbTableOptions(Compression::kNone, 256);
    original_ = BuildTable(options_, model_);
    parts_ = Split(original_);
  }

  Status Open(const std::string& contents, std::unique_ptr<Table>* table) {
    return OpenTable(options_, contents, "x.sst", table);
  }
  std::string OpenError(const std::string& contents) {
    std::unique_ptr<Table> table;
    return Open(contents, &table).ToString();
  }
  // The error a full scan and a Get of the first key report.
  std::string ReadError(const std::string& contents) {
    std::unique_ptr<Table> table;
    Status s = Open(contents, &table);
    if (!s.ok()) return "open: " + s.ToString();
    auto it = table->NewIterator(TableReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    const std::string scan = it->status().ToString();
    const std::string get =
        DoGet(*table, TableReadOptions(), model_.begin()->first)
            .status.ToString();
    EXPECT_EQ(scan, get);
    return scan;
  }
  std::string Where(uint64_t offset) {
    return "Corruption: x.sst offset " + std::to_string(offset) + ": ";
  }

  Model model_;
  TableOptions options_;
  std::string original_;
  TableParts parts_;
};

TEST_F(AssembledTableTest, AssemblerReproducesTheBuilder) {
  EXPECT_EQ(original_, Assemble(parts_));
}

TEST_F(AssembledTableTest, UnknownMetaBlockIsRejected) {
  AssembleEdits edits;
  edits.extra_meta_blocks["strata.rangedel2"] = std::string(4, '\0');
  const std::string file = Assemble(parts_, edits);
  Footer footer;
  ASSERT_TRUE(
      footer.DecodeFrom(Slice(file.data() + file.size() - 56, 56)).ok());
  EXPECT_EQ(Where(footer.metaindex_handle.offset) +
                "unknown meta block strata.rangedel2",
            OpenError(file));
}

TEST_F(AssembledTableTest, PropertiesAreChecked) {
  // Same layout as the original: the properties follow the filter.
  const uint64_t props_offset = parts_.data_region.size() +
                                parts_.index.size() + 5 + parts_.filter.size() +
                                5;
  AssembleEdits edits;
  edits.edit_properties = EditProperties("strata.num_entries");
  EXPECT_EQ(Where(props_offset) + "missing property strata.num_entries",
            OpenError(Assemble(parts_, edits)));

  edits.edit_properties = EditProperties("", "strata.raw_key_bytes", "\xff");
  EXPECT_EQ(Where(props_offset) + "bad property strata.raw_key_bytes",
            OpenError(Assemble(parts_, edits)));

  edits.edit_properties = EditProperties("", "strata.compression", "\x07");
  EXPECT_EQ(Where(props_offset) + "bad property strata.compression",
            OpenError(Assemble(parts_, edits)));

  // A property from a later version is ignored.
  edits.edit_properties = EditProperties("", "strata.zzz_future", "\x05");
  std::unique_ptr<Table> table;
  ASSERT_TRUE(Open(Assemble(parts_, edits), &table).ok());
  CheckScans(*table, model_);

  edits = AssembleEdits();
  edits.data_bytes_delta = 1;
  EXPECT_EQ(Where(props_offset) + "properties disagree with the table layout",
            OpenError(Assemble(parts_, edits)));
}

// `parts` with a block of `pad` stored bytes (type `type`) in front of
// data block `before`, the index pointing at the moved blocks.
TableParts WithPadding(const TableParts& parts, size_t before,
                       const std::string& pad, uint8_t type) {
  auto index = Block::ParseCopy(parts.index);
  BlockIter it(&Icmp(), index.value().get(), nullptr, BlockErrorContext{});
  TableParts out = parts;
  out.data_region.clear();
  BlockBuilder builder(1);
  size_t i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++i) {
    Slice v = it.value();
    BlockHandle h;
    EXPECT_TRUE(h.DecodeFrom(&v));
    if (i == before) AppendBlock(&out.data_region, pad, type);
    const BlockHandle moved{out.data_region.size(), h.size};
    out.data_region.append(parts.data_region, h.offset,
                           h.size + kBlockTrailerSize);
    builder.Add(it.key(), moved.Encode());
  }
  EXPECT_TRUE(it.status().ok());
  out.index = builder.Finish().ToString();
  return out;
}

// A gap between data blocks is padding only in a packed table (one whose
// properties give its page size): the same forged table verifies with
// the property and is Corruption without it. Data blocks must start at
// 0, padding or not; and padding is stored raw, even where a codec would
// decode it to zeros.
TEST_F(AssembledTableTest, GapsBetweenDataBlocksAndPadding) {
  std::string page;
  PutVarint64(&page, 4096);
  AssembleEdits packed;
  packed.edit_properties = EditProperties("", "strata.page_size", page);
  const std::string zeros(20, '\0');
  // Where the padding goes: after the first data block.
  const BlockHandle first = DataBlockHandles(original_).front();
  const uint64_t gap_at = first.offset + first.size + kBlockTrailerSize;
  const auto verify = [&](const std::string& file) {
    std::unique_ptr<Table> table;
    Status s = Open(file, &table);
    if (s.ok()) s = table->VerifyChecksums();
    return s.ToString();
  };

  // Padding after the first block: fine when packed, and every read works.
  const TableParts padded = WithPadding(parts_, 1, zeros, 0);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(Open(Assemble(padded, packed), &table).ok());
  EXPECT_TRUE(table->VerifyChecksums().ok());
  CheckScans(*table, model_);
  for (const auto& [key, value] : model_) {
    const GetResult r = DoGet(*table, TableReadOptions(), key);
    ASSERT_TRUE(r.status.ok() && r.called) << r.status.ToString();
    EXPECT_EQ(r.key, key);
    EXPECT_EQ(r.value, value);
  }
  // Not packed: no gap allowed.
  EXPECT_EQ(
      Where(gap_at) + "gap of 25 bytes between data blocks is not padding",
      verify(Assemble(padded)));

  // Padding in front of the first block.
  EXPECT_EQ(Where(0) + "data blocks do not start at 0",
            verify(Assemble(WithPadding(parts_, 0, zeros, 0), packed)));

  // Padding whose type byte names a codec, though it decodes to as many
  // zeros as it has bytes: snappy's length 5, a literal zero, and a copy
  // of 4 bytes from 1 back.
  const std::string snappy_zeros("\x05\x00\x00\x01\x01", 5);
  std::string decoded;
  ASSERT_TRUE(
      snappy::Uncompress(snappy_zeros.data(), snappy_zeros.size(), &decoded));
  ASSERT_EQ(decoded, std::string(5, '\0'));
  EXPECT_EQ(
      Where(gap_at) + "padding between data blocks is not stored raw",
      verify(Assemble(WithPadding(parts_, 1, snappy_zeros,
                                  static_cast<uint8_t>(Compression::kSnappy)),
                      packed)));
}

TEST_F(AssembledTableTest, MalformedIndexValues) {
  // Rebuild the index with a trailing byte after the first handle.
  auto index = Block::ParseCopy(parts_.index);
  BlockIter it(&Icmp(), index.value().get(), nullptr, BlockErrorContext{});
  BlockBuilder builder(1);
  bool first = true;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    builder.Add(it.key(),
                first ? it.value().ToString() + "x" : it.value().ToString());
    first = false;
  }
  TableParts parts = parts_;
  parts.index = builder.Finish().ToString();
  const uint64_t index_offset = parts.data_region.size();
  EXPECT_EQ(Where(index_offset) + "malformed block handle in the index",
            ReadError(Assemble(parts)));
  std::unique_ptr<Table> table;
  ASSERT_TRUE(Open(Assemble(parts), &table).ok());
  EXPECT_TRUE(table->VerifyChecksums().IsCorruption());

  // A handle reaching past the data region (into the index block).
  builder.Reset();
  first = true;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    BlockHandle h;
    Slice v = it.value();
    ASSERT_TRUE(h.DecodeFrom(&v));
    if (first) h.size = index_offset;  // from 0, runs past the region
    builder.Add(it.key(), h.Encode());
    first = false;
  }
  parts.index = builder.Finish().ToString();
  EXPECT_EQ(Where(0) + "block of " + std::to_string(index_offset) +
                " bytes runs past its region (ends at " +
                std::to_string(index_offset) + ")",
            ReadError(Assemble(parts)));
}

// Replaces the first data block with `contents` stored as `type`; the
// index keeps its keys.
TableParts WithFirstDataBlock(const TableParts& parts,
                              const std::string& contents, uint8_t type) {
  auto index = Block::ParseCopy(parts.index);
  BlockIter it(&Icmp(), index.value().get(), nullptr, BlockErrorContext{});
  TableParts out = parts;
  out.data_region.clear();
  BlockBuilder builder(1);
  bool first = true;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    BlockHandle h;
    Slice v = it.value();
    EXPECT_TRUE(h.DecodeFrom(&v));
    const BlockHandle moved =
        first ? AppendBlock(&out.data_region, contents, type)
              : AppendBlock(&out.data_region, RawBlock(parts.data_region, h));
    builder.Add(it.key(), moved.Encode());
    first = false;
  }
  out.index = builder.Finish().ToString();
  return out;
}

TEST_F(AssembledTableTest, MalformedDataBlocks) {
  const std::string first_block = [&] {
    auto index = Block::ParseCopy(parts_.index);
    BlockIter it(&Icmp(), index.value().get(), nullptr, BlockErrorContext{});
    it.SeekToFirst();
    BlockHandle h;
    Slice v = it.value();
    EXPECT_TRUE(h.DecodeFrom(&v));
    return RawBlock(parts_.data_region, h);
  }();
  ASSERT_FALSE(first_block.empty());
  // Sanity: the same block re-assembled reads fine.
  EXPECT_EQ("OK",
            ReadError(Assemble(WithFirstDataBlock(parts_, first_block, 0))));

  EXPECT_EQ(Where(0) + "unknown block compression type 9",
            ReadError(Assemble(WithFirstDataBlock(parts_, first_block, 9))));

  std::string claim;
  PutVarint32(&claim, 1u << 31);
  claim += "junk";
  EXPECT_EQ(Where(0) + "compressed block claims an impossible size",
            ReadError(Assemble(WithFirstDataBlock(parts_, claim, 3))));
  EXPECT_EQ(Where(0) + "snappy block has a bad length header",
            ReadError(Assemble(
                WithFirstDataBlock(parts_, "\xff\xff\xff\xff\xff\xff", 1))));
  EXPECT_EQ(Where(0) + "lz4 block does not decompress",
            ReadError(Assemble(WithFirstDataBlock(parts_, "\x10junkjunk", 2))));

  std::string bad_restarts = first_block;
  EncodeFixed32(bad_restarts.data() + bad_restarts.size() - 4, 1000000);
  EXPECT_EQ(Where(0) + "block restart count exceeds the block",
            ReadError(Assemble(WithFirstDataBlock(parts_, bad_restarts, 0))));

  std::string bad_entry = first_block;
  bad_entry[0] = 5;  // the first entry claims a prefix of no previous key
  EXPECT_EQ(Where(0) + "malformed entry at byte 0 of the block",
            ReadError(Assemble(WithFirstDataBlock(parts_, bad_entry, 0))));
}

TEST_F(AssembledTableTest, FilterBlocks) {
  TableParts parts = parts_;
  parts.filter.back() = 9;  // a kind from a later version
  std::unique_ptr<Table> table;
  ASSERT_TRUE(Open(Assemble(parts), &table).ok());
  EXPECT_TRUE(table->KeyMayMatch("certainly-absent"));
  CheckScans(*table, model_);
  GetResult r = DoGet(*table, TableReadOptions(),
                      IKey(UserKey(1), kMaxSequenceNumber, ValueType::kValue));
  EXPECT_TRUE(r.status.ok());
  EXPECT_FALSE(r.filter_skipped);

  parts = parts_;
  parts.filter[parts.filter.size() - 2] = 0;  // zero probes
  const uint64_t filter_offset =
      parts.data_region.size() + parts.index.size() + 5;
  EXPECT_EQ(Where(filter_offset) + "filter block has bad parameters",
            OpenError(Assemble(parts)));
}

// ---- Damage ----------------------------------------------------------------

struct DamageCounts {
  int open_failed = 0;
  int reads_corrupt = 0;  // reads that returned Corruption
  int reads_exact = 0;    // reads that returned exactly the original data
};

bool NamesFile(const Status& s, const std::string& name) {
  const std::string text = s.ToString();
  return text.find(name + " offset ") != std::string::npos;
}

// Opens `contents` and reads everything: a full scan each way and a Get of
// every key. Each read must give Corruption (naming the file) or exactly
// the original data.
void CheckDamaged(const TableOptions& options, const std::string& contents,
                  const Model& model, const std::string& what,
                  DamageCounts* counts, bool lend = false) {
  const std::string name = "flip.sst";
  std::unique_ptr<Table> table;
  Status s = OpenTable(options, contents, name, &table, nullptr, lend);
  if (!s.ok()) {
    ASSERT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
    ASSERT_TRUE(NamesFile(s, name)) << what << ": " << s.ToString();
    ++counts->open_failed;
    return;
  }
  auto record = [&](const Status& st, bool exact) {
    if (!st.ok()) {
      ASSERT_TRUE(st.IsCorruption()) << what << ": " << st.ToString();
      ASSERT_TRUE(NamesFile(st, name)) << what << ": " << st.ToString();
      ++counts->reads_corrupt;
    } else {
      ASSERT_TRUE(exact) << what << ": silently wrong data";
      ++counts->reads_exact;
    }
  };
  // Forward scan.
  {
    auto it = table->NewIterator(TableReadOptions());
    bool exact = true;
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      if (m == model.end() || m->first != it->key().ToString() ||
          m->second != it->value().ToString()) {
        exact = false;
        break;
      }
    }
    exact = exact && m == model.end();
    record(it->status(), exact);
  }
  // Backward scan.
  {
    auto it = table->NewIterator(TableReadOptions());
    bool exact = true;
    auto m = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++m) {
      if (m == model.rend() || m->first != it->key().ToString() ||
          m->second != it->value().ToString()) {
        exact = false;
        break;
      }
    }
    exact = exact && m == model.rend();
    record(it->status(), exact);
  }
  // Gets of every key.
  for (const auto& [k, v] : model) {
    GetResult r = DoGet(*table, TableReadOptions(), k);
    record(r.status, r.called && r.key == k && r.value == v);
  }
}

// Compression, and whether the file lends its bytes (the in-place reads a
// mapped file gets) or is read into buffers.
class TableDamageTest
    : public ::testing::TestWithParam<std::tuple<Compression, bool>> {};

TEST_P(TableDamageTest, EveryByteFlippedIsCaughtOrHarmless) {
  Random rnd(42);
  const Model model = MakeModel(&rnd, 40, 40);
  const TableOptions options = DbTableOptions(std::get<0>(GetParam()), 512);
  const bool lend = std::get<1>(GetParam());
  const std::string good = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, good, "good.sst", &table).ok());
  ASSERT_GE(table->properties().num_data_blocks, 4u);
  ASSERT_GT(table->properties().filter_bytes, 0u);

  DamageCounts counts;
  const size_t footer_start = good.size() - Footer::kEncodedLength;
  for (size_t i = 0; i < good.size(); ++i) {
    const int first_bit = i >= footer_start ? 0 : static_cast<int>(i % 8);
    const int last_bit = i >= footer_start ? 7 : first_bit;
    for (int bit = first_bit; bit <= last_bit; ++bit) {
      std::string damaged = good;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      CheckDamaged(options, damaged, model,
                   "byte " + std::to_string(i) + " bit " + std::to_string(bit),
                   &counts, lend);
      if (HasFatalFailure()) return;
    }
  }
  std::printf(
      "%zu-byte table, every byte flipped: open failed %d times; "
      "reads: %d Corruption, %d exact, 0 wrong\n",
      good.size(), counts.open_failed, counts.reads_corrupt,
      counts.reads_exact);
  EXPECT_GT(counts.open_failed, 0);
  EXPECT_GT(counts.reads_corrupt, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Compressions, TableDamageTest,
    ::testing::Combine(::testing::Values(Compression::kNone,
                                         Compression::kSnappy),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<Compression, bool>>& info) {
      return std::string(CompressionName(std::get<0>(info.param))) +
             (std::get<1>(info.param) ? "_lent" : "_read");
    });

// Unit-compressed data blocks (table/unit_block.h): a flip in a unit or
// in a directory is caught by the unit's or the directory's checksum on a
// point read, and by the block's on a scan.
class TableDamageUnitsTest : public ::testing::TestWithParam<bool> {};

// Read into buffers (false) and lent in place (true).
TEST_P(TableDamageUnitsTest, EveryByteFlippedIsCaughtOrHarmless) {
  Random rnd(43);
  const Model model = MakeModel(&rnd, 40, 40);
  TableOptions options = DbTableOptions(Compression::kSnappy, 512);
  options.compression_unit_size = 128;
  options.block_restart_interval = 2;
  TableProperties built;
  const std::string good = BuildTable(options, model, &built);
  ASSERT_GE(built.num_unit_blocks, 3u);

  DamageCounts counts;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string damaged = good;
    damaged[i] = static_cast<char>(damaged[i] ^ (1 << (i % 8)));
    CheckDamaged(options, damaged, model, "byte " + std::to_string(i), &counts,
                 GetParam());
    if (HasFatalFailure()) return;
  }
  std::printf(
      "%zu-byte table of %llu unit blocks, every byte flipped: open failed "
      "%d times; reads: %d Corruption, %d exact, 0 wrong\n",
      good.size(), static_cast<unsigned long long>(built.num_unit_blocks),
      counts.open_failed, counts.reads_corrupt, counts.reads_exact);
  EXPECT_GT(counts.reads_corrupt, 0);
}

INSTANTIATE_TEST_SUITE_P(Lending, TableDamageUnitsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "lent" : "read");
                         });

TEST(TableCorruptionTest, TruncatedFilesAreCorruption) {
  Random rnd(6);
  const Model model = MakeModel(&rnd, 100, 50);
  const TableOptions options = DbTableOptions(Compression::kSnappy, 512);
  const std::string good = BuildTable(options, model);
  const size_t n = good.size();
  for (const size_t len :
       {size_t{0}, size_t{1}, Footer::kEncodedLength - 1,
        Footer::kEncodedLength, Footer::kEncodedLength + 1, n / 3, n / 2,
        n - Footer::kEncodedLength, n - 8, n - 1}) {
    std::unique_ptr<Table> table;
    const Status s =
        OpenTable(options, good.substr(0, len), "trunc.sst", &table);
    EXPECT_TRUE(s.IsCorruption()) << len << ": " << s.ToString();
    EXPECT_TRUE(NamesFile(s, "trunc.sst")) << s.ToString();
  }
  // A file that claims to be longer than it is: the reads come up short.
  std::unique_ptr<Table> table;
  const Status s = Table::Open(
      options, std::make_unique<StringSource>(good.substr(0, n - 1)), n,
      "short.sst", &table);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(TableCorruptionTest, FooterErrorsAreSpecific) {
  Random rnd(7);
  const Model model = MakeModel(&rnd, 10, 10);
  const TableOptions options = DbTableOptions(Compression::kNone, 512);
  const std::string good = BuildTable(options, model);
  const size_t footer = good.size() - Footer::kEncodedLength;
  auto open = [&](const std::string& contents) {
    std::unique_ptr<Table> table;
    return OpenTable(options, contents, "f.sst", &table).ToString();
  };
  const std::string where = "f.sst offset " + std::to_string(footer) + ": ";
  std::string s = good;
  s[s.size() - 1] ^= 1;
  EXPECT_EQ("Corruption: " + where + "bad table magic number", open(s));
  s = good;
  EncodeFixed32(s.data() + footer + 40, 3);
  EXPECT_EQ("Corruption: " + where + "unknown table format version 3", open(s));
  s = good;
  s[footer + 39] ^= 1;  // padding
  EXPECT_EQ("Corruption: " + where + "footer checksum mismatch", open(s));
  EXPECT_EQ(
      "Corruption: short.sst offset 0: file of 10 bytes is too short to "
      "be a table",
      [&] {
        std::unique_ptr<Table> table;
        return OpenTable(options, good.substr(0, 10), "short.sst", &table)
            .ToString();
      }());
  // Golden: the last 8 bytes spell the magic.
  EXPECT_EQ("strataT1", good.substr(good.size() - 8));
  EXPECT_EQ(1u, DecodeFixed32(good.data() + footer + 40));
}

TEST(TableCorruptionTest, ReadErrorsStopIterationAndGet) {
  Random rnd(10);
  const Model model = MakeModel(&rnd, 400, 100);
  const TableOptions options = DbTableOptions(Compression::kNone, 1024);
  const std::string contents = BuildTable(options, model);
  auto source = std::make_unique<StringSource>(contents);
  StringSource* raw = source.get();
  std::unique_ptr<Table> table;
  ASSERT_TRUE(
      Table::Open(options, std::move(source), contents.size(), "e.sst", &table)
          .ok());
  raw->FailReadsFrom(contents.size() / 3);  // blocks past a third fail
  auto it = table->NewIterator(TableReadOptions());
  size_t n = 0;
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m, ++n) {
    ASSERT_EQ(m->first, it->key().ToString());
  }
  EXPECT_TRUE(it->status().IsIOError()) << it->status().ToString();
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, model.size());
  // Sticky: a new seek does not resume past the error.
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it = table->NewIterator(TableReadOptions());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsIOError());
  GetResult r =
      DoGet(*table, TableReadOptions(), std::prev(model.end())->first);
  EXPECT_TRUE(r.status.IsIOError());
  EXPECT_FALSE(r.called);
  EXPECT_TRUE(table->VerifyChecksums().IsIOError());
}

TEST(TableCorruptionTest, VerifyChecksumsFindsDamageInDataBlocks) {
  Random rnd(11);
  const Model model = MakeModel(&rnd, 200, 60);
  const TableOptions options = DbTableOptions(Compression::kNone, 512);
  std::string contents = BuildTable(options, model);
  contents[100] ^= 0x10;  // inside the first data block
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "v.sst", &table).ok());
  const Status s = table->VerifyChecksums();
  EXPECT_EQ("Corruption: v.sst offset 0: block checksum mismatch",
            s.ToString());
}

}  // namespace
}  // namespace strata::internal::table_test
