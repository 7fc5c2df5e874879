// Tests of TableBuilder and Table with DB internal keys: round trips per
// compression kind, properties, edge-case tables and concurrent readers.
// Damage is in table_corruption_test.cc; the block cache and readahead in
// table_block_cache_test.cc.

#include "table/table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "cache/block_cache.h"
#include "key/internal_key.h"
#include "key/versioned_key.h"
#include "strata/options.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "table/table_test_util.h"

namespace strata::internal::table_test {
namespace {

void CheckSeeks(const Table& table, const Model& model, Random* rnd,
                uint64_t max_user_key) {
  auto it = table.NewIterator(TableReadOptions());
  for (int i = 0; i < 300; ++i) {
    const std::string target = IKey(UserKey(rnd->Uniform(max_user_key + 2)),
                                    rnd->Uniform(100001), ValueType::kValue);
    auto lb = model.lower_bound(target);
    it->Seek(target);
    if (lb == model.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(lb->first, it->key().ToString());
      ASSERT_EQ(lb->second, it->value().ToString());
      it->Prev();  // crosses block boundaries now and then
      if (lb == model.begin()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(std::prev(lb)->first, it->key().ToString());
      }
    }
    auto ub = model.upper_bound(target);
    it->SeekForPrev(target);
    if (ub == model.begin()) {
      ASSERT_FALSE(it->Valid());
    } else {
      --ub;
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(ub->first, it->key().ToString());
      it->Next();
      if (std::next(ub) == model.end()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(std::next(ub)->first, it->key().ToString());
      }
    }
  }
  ASSERT_TRUE(it->status().ok());
}

// Gets of every present user key (newest version and at an older
// snapshot) and of absent ones.
void CheckGets(const Table& table, const Model& model, size_t user_keys) {
  int skipped = 0;
  for (size_t i = 0; i < user_keys; ++i) {
    const std::string user = UserKey(2 * i);
    const std::string lookup =
        IKey(user, kMaxSequenceNumber, ValueType::kValue);
    GetResult r = DoGet(table, TableReadOptions(), lookup);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_FALSE(r.filter_skipped);
    auto lb = model.lower_bound(lookup);
    ASSERT_TRUE(r.called);
    ASSERT_EQ(lb->first, r.key);
    ASSERT_EQ(lb->second, r.value);
    // At a snapshot older than the newest version: the next entry.
    const SequenceNumber seq = ExtractSequence(lb->first);
    const std::string older = IKey(user, seq - 1, ValueType::kValue);
    r = DoGet(table, TableReadOptions(), older);
    ASSERT_TRUE(r.status.ok());
    auto olb = model.lower_bound(older);
    if (olb == model.end()) {
      ASSERT_FALSE(r.called);
    } else {
      ASSERT_TRUE(r.called);
      ASSERT_EQ(olb->first, r.key);
    }
    // An absent (odd) user key.
    const std::string absent =
        IKey(UserKey(2 * i + 1), kMaxSequenceNumber, ValueType::kValue);
    r = DoGet(table, TableReadOptions(), absent);
    ASSERT_TRUE(r.status.ok());
    if (r.filter_skipped) {
      ++skipped;
      ASSERT_FALSE(r.called);
      ASSERT_FALSE(table.KeyMayMatch(UserKey(2 * i + 1)));
    } else if (r.called) {
      ASSERT_NE(UserKey(2 * i + 1), ExtractUserKey(r.key).ToString());
      ASSERT_EQ(model.lower_bound(absent)->first, r.key);
    }
  }
  // 10 bits per key: about 1% of absent keys get past the filter.
  EXPECT_GT(skipped, static_cast<int>(user_keys * 9 / 10));
}

// The index seeks of a table of numbered keys are narrowed to one index
// entry or none, though the index's last key is a short successor of the
// last user key (which would share no bytes with the rest).
void CheckIndexPrefixes(const Table& table, size_t user_keys) {
  const KeyPrefixes& prefixes = table.index_prefixes();
  ASSERT_FALSE(prefixes.empty());
  ASSERT_EQ(prefixes.size(), table.properties().num_data_blocks);
  for (size_t i = 0; i < 2 * user_keys + 2; ++i) {
    size_t lo = 0;
    size_t hi = 0;
    prefixes.Narrow(UserKey(i), &lo, &hi);
    EXPECT_LE(hi - lo, 1u) << UserKey(i);
  }
}

// Counts the comparisons made through it.
class CountingComparator final : public Comparator {
 public:
  explicit CountingComparator(const Comparator* base) : base_(base) {}
  int Compare(const Slice& a, const Slice& b) const override {
    ++count;
    return base_->Compare(a, b);
  }
  const char* Name() const override { return base_->Name(); }
  void FindShortestSeparator(std::string* start,
                             const Slice& limit) const override {
    base_->FindShortestSeparator(start, limit);
  }
  void FindShortSuccessor(std::string* key) const override {
    base_->FindShortSuccessor(key);
  }
  mutable uint64_t count = 0;

 private:
  const Comparator* const base_;
};

// ---- Round trips ---------------------------------------------------------

class TableRoundTripTest : public ::testing::TestWithParam<Compression> {};

TEST_P(TableRoundTripTest, ScansSeeksGetsAndProperties) {
  const Compression compression = GetParam();
  Random rnd(1234);
  constexpr size_t kUserKeys = 1500;
  const Model model = MakeModel(&rnd, kUserKeys, 120);
  const TableOptions options = DbTableOptions(compression, 1024);
  TableProperties built;
  const std::string contents = BuildTable(options, model, &built);

  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "rt.sst", &table).ok());
  CheckScans(*table, model);
  CheckSeeks(*table, model, &rnd, 2 * kUserKeys);
  CheckGets(*table, model, kUserKeys);
  EXPECT_TRUE(table->VerifyChecksums().ok());
  CheckIndexPrefixes(*table, kUserKeys);

  // Properties: the builder's and the reader's agree exactly, and the
  // values are the right ones.
  const TableProperties& p = table->properties();
  EXPECT_EQ(built, p);
  uint64_t raw_keys = 0;
  uint64_t raw_values = 0;
  for (const auto& [k, v] : model) {
    raw_keys += k.size();
    raw_values += v.size();
  }
  EXPECT_EQ(model.size(), p.num_entries);
  EXPECT_EQ(raw_keys, p.raw_key_bytes);
  EXPECT_EQ(raw_values, p.raw_value_bytes);
  EXPECT_EQ(17u, p.num_deletions);
  EXPECT_EQ(0u, p.num_range_deletions);  // counted, not taken from the caller
  EXPECT_EQ(11u, p.smallest_seqno);
  EXPECT_EQ(uint64_t{1} << 40, p.largest_seqno);
  EXPECT_EQ(1700000000u, p.creation_time);
  EXPECT_EQ(compression, p.compression);
  EXPECT_GT(p.num_data_blocks, 50u);
  EXPECT_GT(p.filter_bytes, kUserKeys * 10 / 8);
  EXPECT_GT(p.index_bytes, 0u);
  EXPECT_LT(p.data_bytes + p.index_bytes + p.filter_bytes, contents.size());
  if (compression == Compression::kNone) {
    EXPECT_GT(p.data_bytes, raw_values);
  } else {
    EXPECT_LT(p.data_bytes, (raw_keys + raw_values) * 3 / 4);
  }
  EXPECT_GT(table->MemoryUsage(), p.filter_bytes);
  std::printf("%s: %zu entries, %zu bytes, %llu data blocks\n",
              ::testing::UnitTest::GetInstance()->current_test_info()->name(),
              model.size(), contents.size(),
              static_cast<unsigned long long>(p.num_data_blocks));
}

INSTANTIATE_TEST_SUITE_P(Compressions, TableRoundTripTest,
                         ::testing::Values(Compression::kNone,
                                           Compression::kSnappy,
                                           Compression::kLZ4,
                                           Compression::kZstd),
                         [](const ::testing::TestParamInfo<Compression>& info) {
                           return std::string(CompressionName(info.param));
                         });

TEST(TableTest, IncompressibleBlocksAreStoredRaw) {
  Random rnd(5);
  Model random_values;
  Model compressible;
  for (int i = 0; i < 200; ++i) {
    std::string v(200, '\0');
    for (auto& c : v) c = static_cast<char>(rnd.Uniform(256));
    random_values[IKey(UserKey(i), 1, ValueType::kValue)] = v;
    compressible[IKey(UserKey(i), 1, ValueType::kValue)] =
        std::string(200, 'x');
  }
  for (const Compression c :
       {Compression::kSnappy, Compression::kLZ4, Compression::kZstd}) {
    const TableOptions options = DbTableOptions(c, 2048);
    std::string contents = BuildTable(options, random_values);
    std::vector<uint8_t> types = DataBlockTypes(contents);
    ASSERT_GT(types.size(), 5u);
    for (uint8_t t : types) EXPECT_EQ(0, t) << "compression " << int(c);
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(options, contents, "raw.sst", &table).ok());
    CheckScans(*table, random_values);

    contents = BuildTable(options, compressible);
    types = DataBlockTypes(contents);
    for (uint8_t t : types) EXPECT_EQ(static_cast<uint8_t>(c), t);
    ASSERT_TRUE(OpenTable(options, contents, "cmp.sst", &table).ok());
    CheckScans(*table, compressible);
  }
}

// Blocks of value pointers stay raw however well they would compress;
// blocks where pointers are under half the entries are compressed as any.
TEST(TableTest, BlocksOfValuePointersAreStoredRaw) {
  Model pointers;
  Model mixed;
  for (int i = 0; i < 300; ++i) {
    const std::string compressible(40, 'p');
    pointers[IKey(UserKey(i), 1, ValueType::kValuePointer)] = compressible;
    mixed[IKey(UserKey(i), 1,
               i % 3 == 0 ? ValueType::kValuePointer : ValueType::kValue)] =
        compressible;
  }
  const TableOptions options = DbTableOptions(Compression::kSnappy, 1024);
  std::string contents = BuildTable(options, pointers);
  std::vector<uint8_t> types = DataBlockTypes(contents);
  ASSERT_GT(types.size(), 5u);
  for (uint8_t t : types) EXPECT_EQ(0, t);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "ptr.sst", &table).ok());
  CheckScans(*table, pointers);

  contents = BuildTable(options, mixed);
  types = DataBlockTypes(contents);
  ASSERT_GT(types.size(), 5u);
  for (uint8_t t : types) {
    EXPECT_EQ(static_cast<uint8_t>(Compression::kSnappy), t);
  }
  ASSERT_TRUE(OpenTable(options, contents, "mixed.sst", &table).ok());
  CheckScans(*table, mixed);
}

TEST(TableTest, EmptyTable) {
  const TableOptions options = DbTableOptions(Compression::kSnappy, 4096);
  const std::string contents = BuildTable(options, Model());
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "empty.sst", &table).ok());
  auto it = table->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(IKey("a", 1, ValueType::kValue));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  GetResult r =
      DoGet(*table, TableReadOptions(), IKey("a", 1, ValueType::kValue));
  EXPECT_TRUE(r.status.ok());
  EXPECT_FALSE(r.called);
  EXPECT_EQ(0u, table->properties().num_entries);
  EXPECT_EQ(0u, table->properties().num_data_blocks);
  EXPECT_EQ(0u, table->properties().filter_bytes);
  EXPECT_TRUE(table->VerifyChecksums().ok());
}

TEST(TableTest, OneEntryTable) {
  Model model;
  model[IKey("only", 7, ValueType::kValue)] = "value";
  const TableOptions options = DbTableOptions(Compression::kZstd, 4096);
  const std::string contents = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "one.sst", &table).ok());
  CheckScans(*table, model);
  GetResult r = DoGet(*table, TableReadOptions(),
                      IKey("only", kMaxSequenceNumber, ValueType::kValue));
  ASSERT_TRUE(r.called);
  EXPECT_EQ("value", r.value);
  r = DoGet(*table, TableReadOptions(), IKey("only", 6, ValueType::kValue));
  EXPECT_FALSE(r.called);  // the version is newer than the snapshot
  auto it = table->NewIterator(TableReadOptions());
  it->SeekForPrev(IKey("zzz", 1, ValueType::kValue));
  ASSERT_TRUE(it->Valid());
  it->SeekForPrev(IKey("a", 1, ValueType::kValue));
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(1u, table->properties().num_data_blocks);
}

TEST(TableTest, OneMebibyteValue) {
  Random rnd(9);
  Model model;
  model[IKey("a", 3, ValueType::kValue)] = "small";
  model[IKey("big", 2, ValueType::kValue)] =
      HalfCompressibleValue(&rnd, 1 << 20);
  model[IKey("c", 1, ValueType::kValue)] = "after";
  for (const Compression c : {Compression::kNone, Compression::kSnappy,
                              Compression::kLZ4, Compression::kZstd}) {
    const TableOptions options = DbTableOptions(c, 4096);
    const std::string contents = BuildTable(options, model);
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(options, contents, "big.sst", &table).ok());
    CheckScans(*table, model);
    GetResult r = DoGet(*table, TableReadOptions(),
                        IKey("big", kMaxSequenceNumber, ValueType::kValue));
    ASSERT_TRUE(r.called);
    EXPECT_EQ(std::next(model.begin())->second, r.value);
    EXPECT_TRUE(table->VerifyChecksums().ok());
  }
}

TEST(TableTest, KeysOutOfOrderAreRejected) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(DbTableOptions(Compression::kNone, 4096), &sink);
  builder.Add(IKey("b", 1, ValueType::kValue), "1");
  builder.Add(IKey("a", 1, ValueType::kValue), "2");
  EXPECT_TRUE(builder.status().IsInvalidArgument());
  EXPECT_TRUE(builder.Finish(TableProperties()).IsInvalidArgument());
}

TEST(TableTest, AVersionedTableRecordsItsNewestTimestamp) {
  const InternalKeyComparator vicmp(BytewiseComparator(), /*versioned=*/true);
  TableOptions options = DbTableOptions(Compression::kNone, 4096);
  options.comparator = &vicmp;
  options.user_comparator = vicmp.user_comparator();
  options.filter_key_suffix_len = vicmp.FilterKeySuffixLength();
  options.versioned_keys = true;
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(options, &sink);
  // Key order is timestamp descending within a key: the newest timestamp
  // (900) is neither the first nor the last entry.
  for (const auto& [key, ts] : std::vector<std::pair<std::string, uint64_t>>{
           {"a", 300}, {"a", 100}, {"b", 900}, {"b", 5}, {"c", 7}}) {
    std::string user_key;
    AppendVersionedKey(&user_key, key, ts);
    builder.Add(IKey(user_key, 1, ValueType::kValue), "v");
  }
  ASSERT_TRUE(builder.Finish(CallerProperties()).ok());
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "v.sst", &table).ok());
  // A versioned DB's user comparator (timestamps newest first inside a
  // key) is not the bytewise one: no key numbers.
  EXPECT_TRUE(table->index_prefixes().empty());
  EXPECT_TRUE(table->properties().has_max_timestamp);
  EXPECT_EQ(900u, table->properties().max_timestamp);
  EXPECT_EQ(builder.properties(), table->properties());

  // Any other table has no such property, and reads back the same way.
  std::string plain;
  StringSink plain_sink(&plain);
  TableBuilder plain_builder(DbTableOptions(Compression::kNone, 4096),
                             &plain_sink);
  plain_builder.Add(IKey("a", 1, ValueType::kValue), "v");
  ASSERT_TRUE(plain_builder.Finish(CallerProperties()).ok());
  ASSERT_TRUE(OpenTable(DbTableOptions(Compression::kNone, 4096), plain,
                        "p.sst", &table)
                  .ok());
  EXPECT_FALSE(table->properties().has_max_timestamp);
  EXPECT_EQ(std::string::npos, plain.find("strata.max_timestamp"));
}

TEST(TableTest, IndexSeeksOfGetsAndIteratorsAreNarrowed) {
  Random rnd(99);
  constexpr size_t kUserKeys = 3000;
  const Model model = MakeModel(&rnd, kUserKeys, 60);
  const TableOptions options = DbTableOptions(Compression::kNone, 512);
  const std::string contents = BuildTable(options, model, nullptr);
  // The same table read with and without key numbers (a table whose
  // keys are not known to be a DB's does not build them).
  uint64_t compares[2] = {0, 0};
  for (const bool narrowed : {true, false}) {
    CountingComparator counting(&Icmp());
    TableOptions read = options;
    read.comparator = &counting;
    if (!narrowed) read.user_comparator = nullptr;
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(read, contents, "n.sst", &table).ok());
    ASSERT_EQ(narrowed, !table->index_prefixes().empty());
    ASSERT_GT(table->properties().num_data_blocks, 200u);
    counting.count = 0;
    auto it = table->NewIterator(TableReadOptions());
    for (size_t i = 0; i < kUserKeys; ++i) {
      const std::string key =
          IKey(UserKey(2 * i), kMaxSequenceNumber, ValueType::kValue);
      GetResult r = DoGet(*table, TableReadOptions(), key);
      ASSERT_TRUE(r.status.ok());
      ASSERT_EQ(model.lower_bound(key)->first, r.key);
      it->Seek(key);
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(model.lower_bound(key)->first, it->key().ToString());
    }
    compares[narrowed ? 0 : 1] = counting.count;
  }
  // An index of over 200 entries costs a whole binary search about 8
  // comparisons a seek; narrowed, one or two. Two seeks a key.
  EXPECT_LT(compares[0] + 2 * kUserKeys * 5, compares[1])
      << compares[0] << " against " << compares[1];
}

TEST(TableTest, BytewiseKeysWithoutFilterSuffix) {
  // Tables do not need internal keys: plain keys, no suffix, no filter.
  TableOptions options;
  options.comparator = BytewiseComparator();
  options.bloom_bits_per_key = 0;
  options.block_size = 256;
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(options, &sink);
  for (int i = 0; i < 500; ++i) builder.Add(UserKey(i), std::to_string(i));
  ASSERT_TRUE(builder.Finish(TableProperties()).ok());
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "plain.sst", &table).ok());
  EXPECT_EQ(0u, table->properties().filter_bytes);
  EXPECT_EQ(table->index_prefixes().size(),
            table->properties().num_data_blocks);  // whole keys, no tag
  EXPECT_TRUE(table->KeyMayMatch("anything"));
  for (int i = 0; i < 500; ++i) {
    std::string got;
    bool skipped = true;
    ASSERT_TRUE(table
                    ->Get(
                        TableReadOptions(), UserKey(i), UserKey(i),
                        [&](const Slice&, const Slice& v) {
                          got = v.ToString();
                          return false;
                        },
                        &skipped)
                    .ok());
    EXPECT_FALSE(skipped);
    EXPECT_EQ(std::to_string(i), got);
  }
}

TEST(TableTest, GetContinuesWhileTheHandlerAsks) {
  Random rnd(21);
  const Model model = MakeModel(&rnd, 300, 100);
  const TableOptions options = DbTableOptions(Compression::kNone, 256);
  const std::string contents = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "cont.sst", &table).ok());
  const std::vector<std::pair<std::string, std::string>> entries(model.begin(),
                                                                 model.end());
  ASSERT_GT(table->properties().num_data_blocks, 10u);
  for (size_t start = 0; start < entries.size(); start += 7) {
    std::vector<std::string> seen;
    const size_t want = 12;  // more than a block's worth at 256 bytes
    ASSERT_TRUE(table
                    ->Get(TableReadOptions(), entries[start].first,
                          ExtractUserKey(entries[start].first),
                          [&](const Slice& k, const Slice& v) {
                            EXPECT_EQ(entries[start + seen.size()].second,
                                      v.ToString());
                            seen.push_back(k.ToString());
                            return seen.size() < want;
                          })
                    .ok());
    const size_t expected = std::min(want, entries.size() - start);
    ASSERT_EQ(expected, seen.size()) << start;
    for (size_t i = 0; i < expected; ++i) {
      EXPECT_EQ(entries[start + i].first, seen[i]) << start << "+" << i;
    }
  }
}

TEST(TableTest, ConcurrentReadersShareOneTableAndCache) {
  Random rnd(12);
  constexpr size_t kUserKeys = 600;
  const Model model = MakeModel(&rnd, kUserKeys, 100);
  BlockCache cache(16 << 10, 1);  // small: blocks are evicted while in use
  TableOptions options = DbTableOptions(Compression::kLZ4, 1024);
  const std::string contents = BuildTable(options, model);
  options.block_cache = &cache;
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, "mt.sst", &table).ok());
  const std::vector<std::pair<std::string, std::string>> entries(model.begin(),
                                                                 model.end());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Random r(100 + t);
      TableReadOptions ro;
      ro.fill_cache = t != 3;  // one reader does not fill
      for (int i = 0; i < 400; ++i) {
        const auto& [k, v] = entries[r.Uniform(entries.size())];
        std::string got_key;
        std::string got_value;
        const Status s = table->Get(ro, k, ExtractUserKey(k),
                                    [&](const Slice& gk, const Slice& gv) {
                                      got_key = gk.ToString();
                                      got_value = gv.ToString();
                                      return false;
                                    });
        if (!s.ok() || got_key != k || got_value != v) ++failures;
        // A short scan from a random place.
        auto it = table->NewIterator(ro);
        size_t pos = r.Uniform(entries.size());
        it->Seek(entries[pos].first);
        for (int n = 0; n < 20 && it->Valid(); ++n, ++pos, it->Next()) {
          if (pos >= entries.size() || it->key() != Slice(entries[pos].first) ||
              it->value() != Slice(entries[pos].second)) {
            ++failures;
            break;
          }
        }
        if (!it->status().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_LE(cache.Usage(), cache.capacity());
}

std::string Hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < s.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", static_cast<uint8_t>(s[i]));
    if (i > 0) out.push_back(' ');
    out.append(buf);
  }
  return out;
}

TEST(TableTest, GoldenBytesOfATinyTable) {
  // Pinned in docs/table_format.md#example.
  TableOptions options;
  options.comparator = BytewiseComparator();
  options.bloom_bits_per_key = 0;
  options.compression = Compression::kNone;
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(options, &sink);
  builder.Add("a", "1");
  ASSERT_TRUE(builder.Finish(TableProperties()).ok());
  ASSERT_EQ(503u, contents.size());
  // Data block "a" -> "1" at 0 (13 bytes) and its trailer.
  EXPECT_EQ("00 01 01 61 31 00 00 00 00 01 00 00 00 00 5f 7b ff 3c",
            Hex(contents.substr(0, 18)));
  // Index block at 18 (14 bytes): "b" -> handle (0, 13), and its trailer.
  EXPECT_EQ("00 01 02 62 00 0d 00 00 00 00 01 00 00 00 00 6c 73 b0 a8",
            Hex(contents.substr(18, 19)));
  // Footer: metaindex handle (411, 31), index handle (18, 14), 35 bytes of
  // zero padding, version 1, checksum, magic.
  const std::string footer = contents.substr(contents.size() - 56);
  EXPECT_EQ("9b 03 1f 12 0e", Hex(footer.substr(0, 5)));
  EXPECT_EQ(std::string(35, '\0'), footer.substr(5, 35));
  EXPECT_EQ("01 00 00 00 17 9b bc 2b 73 74 72 61 74 61 54 31",
            Hex(footer.substr(40)));
}

}  // namespace
}  // namespace strata::internal::table_test
