// Tests of BlockBuilder, Block and BlockIter: round trips against a
// std::map for several restart intervals and sizes, and malformed blocks.

#include "table/block.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "strata/comparator.h"
#include "table/block_builder.h"

namespace strata::internal {
namespace {

using Model = std::map<std::string, std::string>;

// Keys with long shared prefixes (so prefix compression matters) and
// varied lengths, including the empty key.
std::string RandomKey(Random* rnd) {
  static const char* const kPrefixes[] = {
      "", "a", "user", "user0000", "user00001111", "zzzzzzzz"};
  std::string key = kPrefixes[rnd->Uniform(6)];
  const size_t len = rnd->Uniform(12);
  for (size_t i = 0; i < len; ++i) {
    key.push_back(static_cast<char>(rnd->OneIn(8) ? rnd->Uniform(256)
                                                  : 'a' + rnd->Uniform(4)));
  }
  return key;
}

Model RandomModel(Random* rnd, size_t n) {
  Model model;
  while (model.size() < n) {
    std::string value(rnd->Skewed(8), 'v');
    for (auto& c : value) c = static_cast<char>(rnd->Uniform(256));
    model[RandomKey(rnd)] = value;
  }
  return model;
}

std::unique_ptr<Block> BuildBlock(const Model& model, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : model) builder.Add(k, v);
  const size_t estimate = builder.CurrentSizeEstimate();
  const Slice contents = builder.Finish();
  EXPECT_EQ(estimate, contents.size());
  auto parsed = Block::ParseCopy(contents);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return std::move(parsed).value();
}

BlockIter NewIter(const Block& block) {
  return BlockIter(BytewiseComparator(), &block, nullptr, BlockErrorContext{});
}

// Checks every positioning operation of `it` against `model`.
void CheckAgainstModel(const Model& model, BlockIter* it, Random* rnd) {
  // Forward.
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(m->first, it->key().ToString());
    ASSERT_EQ(m->second, it->value().ToString());
  }
  ASSERT_EQ(m, model.end());
  ASSERT_TRUE(it->status().ok());
  // Forward in one call a step, as a table's iterator steps its block.
  m = model.begin();
  it->SeekToFirst();
  if (it->Valid()) {
    ASSERT_NE(m, model.end());
    ++m;
    Slice key;
    Slice value;
    for (; it->NextAndGet(&key, &value); ++m) {
      ASSERT_NE(m, model.end());
      ASSERT_EQ(m->first, key.ToString());
      ASSERT_EQ(m->second, value.ToString());
      ASSERT_EQ(key.ToString(), it->key().ToString());
    }
    ASSERT_FALSE(it->Valid());
  }
  ASSERT_EQ(m, model.end());
  ASSERT_TRUE(it->status().ok());
  // Backward.
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(r->first, it->key().ToString());
    ASSERT_EQ(r->second, it->value().ToString());
  }
  ASSERT_EQ(r, model.rend());
  // Seeks at present keys, absent keys, and both ends.
  std::vector<std::string> targets = {"", std::string(20, '\xff')};
  for (int i = 0; i < 200; ++i) targets.push_back(RandomKey(rnd));
  for (const auto& [k, v] : model) {
    if (rnd->OneIn(3)) targets.push_back(k);
  }
  for (const std::string& target : targets) {
    auto lb = model.lower_bound(target);
    it->Seek(target);
    if (lb == model.end()) {
      ASSERT_FALSE(it->Valid()) << "Seek " << target;
    } else {
      ASSERT_TRUE(it->Valid()) << "Seek " << target;
      ASSERT_EQ(lb->first, it->key().ToString());
      ASSERT_EQ(lb->second, it->value().ToString());
      // A step each way from a seek.
      it->Prev();
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
      ASSERT_FALSE(it->Valid()) << "SeekForPrev " << target;
    } else {
      --ub;
      ASSERT_TRUE(it->Valid()) << "SeekForPrev " << target;
      ASSERT_EQ(ub->first, it->key().ToString());
      ASSERT_EQ(ub->second, it->value().ToString());
      it->Next();
      if (std::next(ub) == model.end()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(std::next(ub)->first, it->key().ToString());
      }
    }
  }
  // A random walk mixing both directions.
  if (model.empty()) return;
  it->SeekToFirst();
  auto pos = model.begin();
  for (int step = 0; step < 500; ++step) {
    if (rnd->OneIn(2)) {
      it->Next();
      ++pos;
    } else {
      it->Prev();
      pos = pos == model.begin() ? model.end() : std::prev(pos);
    }
    if (pos == model.end()) {
      ASSERT_FALSE(it->Valid());
      it->SeekToFirst();
      pos = model.begin();
    }
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(pos->first, it->key().ToString());
  }
  ASSERT_TRUE(it->status().ok());
}

// CheckAgainstModel with Seek narrowed by the restart keys' numbers (what
// a table does for its index block).
void CheckNarrowedAgainstModel(const Model& model, const Block& block,
                               Random* rnd) {
  BlockIter it = NewIter(block);
  std::vector<std::string> restart_keys;
  for (uint32_t i = 0; i < block.num_restarts(); ++i) {
    Slice key;
    ASSERT_TRUE(it.RestartKey(i, &key));
    restart_keys.push_back(key.ToString());
  }
  KeyPrefixes prefixes;
  ASSERT_TRUE(prefixes.Build(restart_keys.size(),
                             [&](size_t i) { return Slice(restart_keys[i]); }));
  it.UseRestartPrefixes(&prefixes, 0);
  CheckAgainstModel(model, &it, rnd);
}

struct Shape {
  int restart_interval;
  size_t entries;
};

class BlockRoundTripTest : public ::testing::TestWithParam<Shape> {};

TEST_P(BlockRoundTripTest, MatchesModel) {
  const Shape shape = GetParam();
  Random rnd(301 + shape.restart_interval * 1000 + shape.entries);
  for (int trial = 0; trial < 3; ++trial) {
    const Model model = RandomModel(&rnd, shape.entries);
    auto block = BuildBlock(model, shape.restart_interval);
    const uint32_t expected_restarts = static_cast<uint32_t>(
        (shape.entries + shape.restart_interval - 1) / shape.restart_interval);
    EXPECT_EQ(expected_restarts, block->num_restarts());
    BlockIter it = NewIter(*block);
    CheckAgainstModel(model, &it, &rnd);
    if (HasFatalFailure()) return;
    CheckNarrowedAgainstModel(model, *block, &rnd);
    if (HasFatalFailure()) return;
  }
}

// For each restart interval: one entry, exactly one restart region's worth
// of entries, and many entries.
INSTANTIATE_TEST_SUITE_P(
    Shapes, BlockRoundTripTest,
    ::testing::Values(Shape{1, 1}, Shape{1, 300}, Shape{2, 1}, Shape{2, 2},
                      Shape{2, 301}, Shape{16, 1}, Shape{16, 16}, Shape{16, 17},
                      Shape{16, 1000}, Shape{1000, 1}, Shape{1000, 1000},
                      Shape{1000, 2500}),
    [](const ::testing::TestParamInfo<Shape>& info) {
      return "Interval" + std::to_string(info.param.restart_interval) +
             "Entries" + std::to_string(info.param.entries);
    });

// Keys on both sides of KeyBuffer's inline room, sharing long prefixes,
// so that an iterator's key grows out of it, shrinks back within it and
// grows again as it moves both ways.
TEST(BlockTest, KeysLongerThanTheInlineRoomRoundTrip) {
  Random rnd(77);
  Model model;
  for (const size_t prefix :
       {size_t{0}, size_t{30}, KeyBuffer::kInline - 4, KeyBuffer::kInline - 1,
        KeyBuffer::kInline, KeyBuffer::kInline + 1, size_t{100}, size_t{500}}) {
    for (int i = 0; i < 60; ++i) {
      std::string key(prefix, 'k');
      key += RandomKey(&rnd);
      model[key] = std::string(rnd.Uniform(20), 'v');
    }
  }
  for (const int interval : {1, 16}) {
    auto block = BuildBlock(model, interval);
    BlockIter it = NewIter(*block);
    CheckAgainstModel(model, &it, &rnd);
    if (HasFatalFailure()) return;
    CheckNarrowedAgainstModel(model, *block, &rnd);
    if (HasFatalFailure()) return;
  }
}

TEST(BlockTest, KeyBufferGrowsAndKeepsItsBytes) {
  KeyBuffer key;
  EXPECT_EQ(key.size(), 0u);
  std::string expected;
  Random rnd(5);
  for (int step = 0; step < 2000; ++step) {
    if (rnd.OneIn(3)) {
      const size_t keep = rnd.Uniform(static_cast<int>(expected.size()) + 1);
      key.truncate(keep);
      expected.resize(keep);
    } else {
      std::string more(rnd.Uniform(50), ' ');
      for (auto& c : more) c = static_cast<char>(rnd.Uniform(256));
      key.append(more.data(), more.size());
      expected += more;
    }
    ASSERT_EQ(key.slice().ToString(), expected) << step;
  }
  key.clear();
  EXPECT_EQ(key.slice().ToString(), "");
}

TEST(BlockTest, PrefixCompressionSharesKeyPrefixes) {
  BlockBuilder builder(16);
  builder.Add("prefix_common_000", "v");
  builder.Add("prefix_common_001", "v");
  const Slice block = builder.Finish();
  // Entry 1: 0,17,1 + 17 + 1 = 21 bytes; entry 2: 16,1,1 + "1" + "v" =
  // 5 bytes; one restart (4) and the count (4).
  EXPECT_EQ(21u + 5u + 4u + 4u, block.size());
}

TEST(BlockTest, EmptyBlockIsTheRestartCountAlone) {
  BlockBuilder builder(16);
  EXPECT_TRUE(builder.empty());
  const Slice contents = builder.Finish();
  ASSERT_EQ(4u, contents.size());
  EXPECT_EQ(0u, DecodeFixed32(contents.data()));
  auto block = Block::ParseCopy(contents);
  ASSERT_TRUE(block.ok());
  BlockIter it = NewIter(*block.value());
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek("a");
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("a");
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
}

TEST(BlockTest, ResetStartsAFreshBlock) {
  BlockBuilder builder(2);
  builder.Add("a", "1");
  builder.Add("b", "2");
  builder.Finish();
  builder.Reset();
  builder.Add("c", "3");
  auto block = Block::ParseCopy(builder.Finish());
  ASSERT_TRUE(block.ok());
  BlockIter it = NewIter(*block.value());
  it.SeekToFirst();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ("c", it.key().ToString());
  it.Next();
  EXPECT_FALSE(it.Valid());
}

// A two-entry block with restart interval 1: [0] "abc"->"x", [7] "abd"->"y".
std::string TwoEntryBlock() {
  BlockBuilder builder(1);
  builder.Add("abc", "x");
  builder.Add("abd", "y");
  return builder.Finish().ToString();
}

bool ParseFails(const std::string& contents) {
  auto block = Block::ParseCopy(contents);
  if (block.ok()) return false;
  EXPECT_TRUE(block.status().IsCorruption()) << block.status().ToString();
  return true;
}

TEST(BlockTest, MalformedRestartArraysAreCorruption) {
  const std::string good = TwoEntryBlock();
  ASSERT_EQ(7u + 7u + 8u + 4u, good.size());
  ASSERT_FALSE(ParseFails(good));

  EXPECT_TRUE(ParseFails(""));
  EXPECT_TRUE(ParseFails("abc"));

  std::string s = good;
  EncodeFixed32(s.data() + s.size() - 4, 7);  // count larger than the block
  EXPECT_TRUE(ParseFails(s));
  EncodeFixed32(s.data() + s.size() - 4, 0xffffffffu);
  EXPECT_TRUE(ParseFails(s));
  EncodeFixed32(s.data() + s.size() - 4, 0);  // entries, no restarts
  EXPECT_TRUE(ParseFails(s));
  EncodeFixed32(s.data() + s.size() - 4, 5);  // restarts covering entries
  EXPECT_TRUE(ParseFails(s));

  s = good;
  EncodeFixed32(s.data() + 14, 1);  // first restart not at 0
  EXPECT_TRUE(ParseFails(s));
  s = good;
  EncodeFixed32(s.data() + 18, 0);  // not increasing
  EXPECT_TRUE(ParseFails(s));
  s = good;
  EncodeFixed32(s.data() + 18, 14);  // at the restart array
  EXPECT_TRUE(ParseFails(s));
  s = good;
  EncodeFixed32(s.data() + 18, 0x7fffffff);  // far outside
  EXPECT_TRUE(ParseFails(s));

  // Restart points without entries.
  std::string no_entries(8, '\0');
  EncodeFixed32(no_entries.data() + 4, 1);
  EXPECT_TRUE(ParseFails(no_entries));
}

// Runs every operation on a block that parsed; returns the status seen.
Status Exercise(const Block& block) {
  BlockIter it = NewIter(block);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
  }
  if (!it.status().ok()) return it.status();
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
  }
  if (!it.status().ok()) return it.status();
  for (const char* t : {"", "abc", "abd", "abz", "zzz"}) {
    it.Seek(t);
    it.SeekForPrev(t);
  }
  return it.status();
}

TEST(BlockTest, MalformedEntriesAreCorruptionNotCrashes) {
  const std::string good = TwoEntryBlock();
  // Entry 2's value length runs past the entries.
  std::string s = good;
  s[9] = 100;
  {
    auto block = Block::ParseCopy(s);
    ASSERT_TRUE(block.ok());
    BlockIter it(BytewiseComparator(), block.value().get(), nullptr,
                 BlockErrorContext{nullptr, 4242});
    it.SeekToFirst();
    ASSERT_TRUE(it.Valid());
    it.Next();
    EXPECT_FALSE(it.Valid());
    ASSERT_TRUE(it.status().IsCorruption());
    EXPECT_NE(std::string::npos, it.status().ToString().find("offset 4242"))
        << it.status().ToString();
    // Errors are sticky.
    it.SeekToFirst();
    EXPECT_FALSE(it.Valid());
  }
  // A restart entry that claims a shared prefix.
  s = good;
  s[7] = 2;
  {
    auto block = Block::ParseCopy(s);
    ASSERT_TRUE(block.ok());
    EXPECT_TRUE(Exercise(*block.value()).IsCorruption());
    BlockIter it = NewIter(*block.value());
    it.Seek("abd");  // binary search decodes the restart key
    EXPECT_FALSE(it.Valid());
    EXPECT_TRUE(it.status().IsCorruption());
  }
  // A varint that never ends.
  s = good;
  for (int i = 0; i < 7; ++i) s[i] = static_cast<char>(0xff);
  {
    auto block = Block::ParseCopy(s);
    ASSERT_TRUE(block.ok());
    EXPECT_TRUE(Exercise(*block.value()).IsCorruption());
  }
}

TEST(BlockTest, RandomDamageNeverCrashes) {
  Random rnd(77);
  Model model = RandomModel(&rnd, 40);
  BlockBuilder builder(4);
  for (const auto& [k, v] : model) builder.Add(k, v);
  const std::string good = builder.Finish().ToString();
  int parsed = 0;
  int corrupt = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::string s = good;
      s[i] = static_cast<char>(s[i] ^ (1 << bit));
      auto block = Block::ParseCopy(s);
      if (!block.ok()) {
        ++corrupt;
        continue;
      }
      ++parsed;
      if (!Exercise(*block.value()).ok()) ++corrupt;
    }
  }
  // Random garbage and truncations too.
  for (int i = 0; i < 2000; ++i) {
    std::string s = good.substr(0, rnd.Uniform(good.size() + 1));
    if (rnd.OneIn(2)) {
      s.resize(rnd.Uniform(64));
      for (auto& c : s) c = static_cast<char>(rnd.Uniform(256));
    }
    auto block = Block::ParseCopy(s);
    if (block.ok()) (void)Exercise(*block.value());  // must not crash
  }
  std::printf("block flips: %d parsed, %d detected as corruption\n", parsed,
              corrupt);
  EXPECT_GT(corrupt, 0);
}

}  // namespace
}  // namespace strata::internal
