// Tests of TwoLevelIterator over in-memory blocks: every operation against
// a model, empty blocks at the start, middle and end, and errors.

#include "table/two_level_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"

namespace strata::internal {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// A sorted vector as an iterator. Stepping onto `poison` fails it with
// Corruption, as a malformed block entry would.
class VectorIterator final : public InternalIterator {
 public:
  explicit VectorIterator(const Entries* entries, std::string poison = "")
      : entries_(entries), poison_(std::move(poison)), pos_(entries->size()) {}
  bool Valid() const override { return pos_ < entries_->size(); }
  void SeekToFirst() override { Land(0); }
  void SeekToLast() override {
    Land(entries_->empty() ? entries_->size() : entries_->size() - 1);
  }
  void Seek(const Slice& target) override {
    Land(static_cast<size_t>(
        std::lower_bound(
            entries_->begin(), entries_->end(), target.ToString(),
            [](const auto& e, const std::string& t) { return e.first < t; }) -
        entries_->begin()));
  }
  void SeekForPrev(const Slice& target) override {
    const auto ub = std::upper_bound(
        entries_->begin(), entries_->end(), target.ToString(),
        [](const std::string& t, const auto& e) { return t < e.first; });
    Land(ub == entries_->begin()
             ? entries_->size()
             : static_cast<size_t>(ub - entries_->begin()) - 1);
  }
  void Next() override { Land(pos_ + 1); }
  void Prev() override { Land(pos_ == 0 ? entries_->size() : pos_ - 1); }
  Slice key() const override { return (*entries_)[pos_].first; }
  Slice value() const override { return (*entries_)[pos_].second; }
  Status status() const override { return status_; }

 private:
  void Land(size_t pos) {
    pos_ = std::min(pos, entries_->size());
    if (!status_.ok()) pos_ = entries_->size();
    if (Valid() && !poison_.empty() && key() == Slice(poison_)) {
      status_ = Status::Corruption("blk offset 1", "poisoned entry");
      pos_ = entries_->size();
    }
  }

  const Entries* entries_;
  const std::string poison_;
  size_t pos_;
  Status status_;
};

struct Fixture {
  Entries all;                  // the model
  std::vector<Entries> blocks;  // the data blocks
  Entries index;                // index key -> block number
};

// Keys k000.. split into blocks of random sizes, with empty blocks at the
// start, in runs in the middle, and at the end.
Fixture MakeFixture(Random* rnd, int num_keys) {
  Fixture f;
  for (int i = 0; i < num_keys; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%03d", i);
    f.all.emplace_back(key, "v" + std::to_string(i));
  }
  std::string last_index = "a";
  auto add_block = [&](Entries block) {
    std::string index_key =
        block.empty() ? last_index + "~" : block.back().first;
    last_index = index_key;
    f.index.emplace_back(index_key, std::to_string(f.blocks.size()));
    f.blocks.push_back(std::move(block));
  };
  add_block({});
  size_t i = 0;
  while (i < f.all.size()) {
    if (rnd->OneIn(3)) {
      add_block({});
      continue;
    }
    const size_t n = 1 + rnd->Uniform(6);
    Entries block(
        f.all.begin() + static_cast<long>(i),
        f.all.begin() + static_cast<long>(std::min(i + n, f.all.size())));
    i += block.size();
    add_block(std::move(block));
  }
  add_block({});
  add_block({});
  return f;
}

std::unique_ptr<TwoLevelIterator> NewIter(const Fixture& f, int fail_block = -1,
                                          std::string poison = "",
                                          int* opens = nullptr) {
  return std::make_unique<TwoLevelIterator>(
      std::make_unique<VectorIterator>(&f.index),
      [&f, fail_block, poison, opens](const Slice& value,
                                      std::unique_ptr<InternalIterator>* iter) {
        const int n = std::stoi(value.ToString());
        if (opens != nullptr) ++*opens;
        if (n == fail_block)
          return Status::Corruption("t.sst offset 99", "bad block");
        *iter = std::make_unique<VectorIterator>(&f.blocks[n], poison);
        return Status::OK();
      });
}

TEST(TwoLevelIteratorTest, MatchesModelAcrossEmptyBlocks) {
  Random rnd(21);
  for (int trial = 0; trial < 20; ++trial) {
    const Fixture f = MakeFixture(&rnd, 1 + static_cast<int>(rnd.Uniform(60)));
    auto it = NewIter(f);
    size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      ASSERT_EQ(f.all[i].first, it->key().ToString());
      ASSERT_EQ(f.all[i].second, it->value().ToString());
    }
    ASSERT_EQ(f.all.size(), i);
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      ASSERT_GT(i, 0u);
      ASSERT_EQ(f.all[--i].first, it->key().ToString());
    }
    ASSERT_EQ(0u, i);
    ASSERT_TRUE(it->status().ok());

    std::vector<std::string> targets = {"", "a", "k", "k000", "zzz"};
    for (const auto& e : f.all) {
      targets.push_back(e.first);
      targets.push_back(e.first + "5");  // between keys
      targets.push_back(e.first + "~");  // at empty blocks' index keys
    }
    for (const std::string& t : targets) {
      const auto lb = std::lower_bound(
          f.all.begin(), f.all.end(), t,
          [](const auto& e, const std::string& x) { return e.first < x; });
      it->Seek(t);
      if (lb == f.all.end()) {
        ASSERT_FALSE(it->Valid()) << t;
      } else {
        ASSERT_TRUE(it->Valid()) << t;
        ASSERT_EQ(lb->first, it->key().ToString());
        it->Prev();
        if (lb == f.all.begin()) {
          ASSERT_FALSE(it->Valid());
        } else {
          ASSERT_TRUE(it->Valid());
          ASSERT_EQ(std::prev(lb)->first, it->key().ToString());
        }
      }
      const auto ub = std::upper_bound(
          f.all.begin(), f.all.end(), t,
          [](const std::string& x, const auto& e) { return x < e.first; });
      it->SeekForPrev(t);
      if (ub == f.all.begin()) {
        ASSERT_FALSE(it->Valid()) << t;
      } else {
        ASSERT_TRUE(it->Valid()) << t;
        ASSERT_EQ(std::prev(ub)->first, it->key().ToString());
        it->Next();
        if (ub == f.all.end()) {
          ASSERT_FALSE(it->Valid());
        } else {
          ASSERT_TRUE(it->Valid());
          ASSERT_EQ(ub->first, it->key().ToString());
        }
      }
    }
    ASSERT_TRUE(it->status().ok());
  }
}

TEST(TwoLevelIteratorTest, AllBlocksEmpty) {
  Fixture f;
  f.blocks.resize(3);
  f.index = {{"a", "0"}, {"b", "1"}, {"c", "2"}};
  auto it = NewIter(f);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("b");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("b");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(TwoLevelIteratorTest, ReseekInTheSameBlockDoesNotReopenIt) {
  Random rnd(3);
  const Fixture f = MakeFixture(&rnd, 30);
  int opens = 0;
  auto it = NewIter(f, -1, "", &opens);
  it->Seek("k010");
  const int after_first = opens;
  it->Seek("k010");
  it->SeekForPrev("k010");
  EXPECT_EQ(after_first, opens);
}

// A subclass that opens blocks itself, noting for each whether it was
// opened Continuing() from the block before, and counting OnSeek calls.
class NotingIterator final : public TwoLevelIterator {
 public:
  explicit NotingIterator(const Fixture& f)
      : TwoLevelIterator(std::make_unique<VectorIterator>(&f.index),
                         std::shared_ptr<const void>()),
        f_(f) {}
  std::vector<std::pair<int, bool>> opened;  // (block, continuing)
  int seeks = 0;

 protected:
  void OnSeek() override { ++seeks; }
  Status OpenBlock(const Slice& value,
                   std::unique_ptr<InternalIterator>* iter) override {
    const int n = std::stoi(value.ToString());
    opened.emplace_back(n, Continuing());
    *iter = std::make_unique<VectorIterator>(&f_.blocks[n]);
    return Status::OK();
  }

 private:
  const Fixture& f_;
};

// A block opened by stepping past the one before (Next or Prev, empty
// blocks skipped) is Continuing(); one a seek lands in is not. Every seek
// calls OnSeek, one landing in the open block (opening none) too.
TEST(TwoLevelIteratorTest, BlocksSteppedIntoAreContinuing) {
  Random rnd(9);
  const Fixture f = MakeFixture(&rnd, 40);
  NotingIterator it(f);
  it.SeekToFirst();
  while (it.Valid()) it.Next();
  ASSERT_EQ(it.opened.size(), f.blocks.size());
  for (size_t i = 0; i < it.opened.size(); ++i) {
    EXPECT_EQ(it.opened[i].first, static_cast<int>(i));
    EXPECT_EQ(it.opened[i].second, i > 0) << i;
  }
  it.opened.clear();
  it.SeekToLast();
  while (it.Valid()) it.Prev();
  ASSERT_EQ(it.opened.size(), f.blocks.size());
  for (size_t i = 0; i < it.opened.size(); ++i) {
    EXPECT_EQ(it.opened[i].first, static_cast<int>(f.blocks.size() - 1 - i));
    EXPECT_EQ(it.opened[i].second, i > 0) << i;
  }
  // A seek into a block with entries opens it alone, not continuing.
  it.opened.clear();
  it.Seek("k020");
  ASSERT_TRUE(it.Valid());
  ASSERT_EQ(it.opened.size(), 1u);
  EXPECT_FALSE(it.opened[0].second);
  EXPECT_EQ(it.seeks, 3);  // SeekToFirst, SeekToLast, Seek
  it.Seek("k020");
  it.SeekForPrev("k020");
  EXPECT_EQ(it.opened.size(), 1u);
  EXPECT_EQ(it.seeks, 5);
}

TEST(TwoLevelIteratorTest, FailedBlockOpenStopsIteration) {
  Random rnd(22);
  const Fixture f = MakeFixture(&rnd, 60);
  // Fail a block in the middle that has entries.
  int fail = -1;
  for (size_t b = f.blocks.size() / 2; b < f.blocks.size(); ++b) {
    if (!f.blocks[b].empty()) {
      fail = static_cast<int>(b);
      break;
    }
  }
  ASSERT_GE(fail, 0);
  const std::string first_bad = f.blocks[fail].front().first;
  const std::string last_bad = f.blocks[fail].back().first;

  auto it = NewIter(f, fail);
  std::string last_seen;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    last_seen = it->key().ToString();
  EXPECT_LT(last_seen, first_bad);  // nothing after the damage was returned
  EXPECT_EQ("Corruption: t.sst offset 99: bad block", it->status().ToString());
  // Sticky.
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());

  it = NewIter(f, fail);
  for (it->SeekToLast(); it->Valid(); it->Prev())
    last_seen = it->key().ToString();
  EXPECT_GT(last_seen, last_bad);
  EXPECT_TRUE(it->status().IsCorruption());

  it = NewIter(f, fail);
  it->Seek(first_bad);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  it = NewIter(f, fail);
  it->SeekForPrev(last_bad);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(TwoLevelIteratorTest, DataIteratorErrorStopsIteration) {
  Random rnd(23);
  const Fixture f = MakeFixture(&rnd, 40);
  auto it = NewIter(f, -1, "k020");
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSERT_EQ(f.all[n].first, it->key().ToString());
    ++n;
  }
  EXPECT_EQ(20u, n);
  EXPECT_EQ("Corruption: blk offset 1: poisoned entry",
            it->status().ToString());
  it->Seek("k030");  // sticky, even past the damage
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

}  // namespace
}  // namespace strata::internal
