#include "table/merging_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/random.h"
#include "strata/comparator.h"

namespace strata::internal {
namespace {

// $STRATA_SEED if set, else `fallback`; printed so a failure can be replayed.
// (This test links only base..table, so it cannot use testing/.)
uint64_t Seed(uint64_t fallback) {
  const char* env = std::getenv("STRATA_SEED");
  const uint64_t seed =
      env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
  std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

using KV = std::pair<std::string, std::string>;

// An InternalIterator over a vector of (key, value) sorted by key (equal keys
// allowed, kept in vector order). If `fail_at` > 0, the fail_at-th call that
// positions the iterator fails it for good: it turns invalid with an
// IOError naming `name`.
class VectorIterator final : public InternalIterator {
 public:
  explicit VectorIterator(std::vector<KV> entries, int fail_at = 0,
                          std::string name = "child")
      : entries_(std::move(entries)),
        pos_(entries_.size()),
        fail_at_(fail_at),
        name_(std::move(name)) {}

  bool Valid() const override { return status_.ok() && pos_ < entries_.size(); }
  void SeekToFirst() override {
    if (Step()) pos_ = 0;
  }
  void SeekToLast() override {
    // An empty vector stays invalid: 0 == size().
    if (Step()) pos_ = entries_.empty() ? 0 : entries_.size() - 1;
  }
  void Seek(const Slice& target) override {
    if (!Step()) return;
    pos_ = static_cast<size_t>(
        std::lower_bound(
            entries_.begin(), entries_.end(), target.ToString(),
            [](const KV& e, const std::string& t) { return e.first < t; }) -
        entries_.begin());
  }
  void SeekForPrev(const Slice& target) override {
    if (!Step()) return;
    const size_t upper = static_cast<size_t>(
        std::upper_bound(
            entries_.begin(), entries_.end(), target.ToString(),
            [](const std::string& t, const KV& e) { return t < e.first; }) -
        entries_.begin());
    pos_ = upper == 0 ? entries_.size() : upper - 1;
  }
  void Next() override {
    EXPECT_TRUE(Valid());
    if (Step()) ++pos_;
  }
  void Prev() override {
    EXPECT_TRUE(Valid());
    if (Step()) pos_ = pos_ == 0 ? entries_.size() : pos_ - 1;
  }
  Slice key() const override {
    EXPECT_TRUE(Valid());
    return entries_[pos_].first;
  }
  Slice value() const override {
    EXPECT_TRUE(Valid());
    return entries_[pos_].second;
  }
  Status status() const override { return status_; }

 private:
  // Counts a positioning call; false if the iterator is (now) failed.
  bool Step() {
    ++calls_;
    if (fail_at_ > 0 && calls_ >= fail_at_ && status_.ok()) {
      status_ = Status::IOError(name_, "injected failure");
    }
    return status_.ok();
  }

  const std::vector<KV> entries_;
  size_t pos_;
  const int fail_at_;
  const std::string name_;
  int calls_ = 0;
  Status status_;
};

// The expected merged sequence: every entry of every child, ordered by key,
// then child index, then position within the child.
struct Model {
  std::vector<KV> entries;

  explicit Model(const std::vector<std::vector<KV>>& children) {
    std::vector<std::tuple<std::string, size_t, size_t, std::string>> all;
    for (size_t c = 0; c < children.size(); ++c) {
      for (size_t p = 0; p < children[c].size(); ++p) {
        all.emplace_back(children[c][p].first, c, p, children[c][p].second);
      }
    }
    std::sort(all.begin(), all.end());
    for (auto& [key, c, p, value] : all) entries.emplace_back(key, value);
  }

  // Index of the first entry with key >= target (size() if none).
  size_t Seek(const std::string& target) const {
    size_t i = 0;
    while (i < entries.size() && entries[i].first < target) ++i;
    return i;
  }
  // Index of the last entry with key <= target (size() if none).
  size_t SeekForPrev(const std::string& target) const {
    size_t i = entries.size();
    while (i > 0 && entries[i - 1].first > target) --i;
    return i == 0 ? entries.size() : i - 1;
  }
};

std::unique_ptr<InternalIterator> Merge(
    const std::vector<std::vector<KV>>& children) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  for (const auto& child : children) {
    iters.push_back(std::make_unique<VectorIterator>(child));
  }
  return NewMergingIterator(BytewiseComparator(), std::move(iters));
}

std::vector<KV> ScanForward(InternalIterator* it) {
  std::vector<KV> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  return out;
}

std::vector<KV> ScanBackward(InternalIterator* it) {
  std::vector<KV> out;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  return out;
}

// Random children over a small key space, so that keys repeat both across
// and within children. Values name their child and position.
std::vector<std::vector<KV>> RandomChildren(Random* rnd) {
  const size_t num_children = 1 + rnd->Uniform(8);
  const size_t key_space = 1 + rnd->Uniform(40);
  std::vector<std::vector<KV>> children(num_children);
  for (size_t c = 0; c < num_children; ++c) {
    if (rnd->OneIn(4)) continue;  // empty child
    const size_t n = rnd->Uniform(30);
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) {
      keys.push_back("k" + std::to_string(rnd->Uniform(key_space)));
    }
    std::sort(keys.begin(), keys.end());
    for (size_t p = 0; p < keys.size(); ++p) {
      children[c].emplace_back(
          keys[p], "c" + std::to_string(c) + "p" + std::to_string(p));
    }
  }
  return children;
}

// A seek target: often an existing key, sometimes one between or beyond.
std::string RandomTarget(Random* rnd) {
  std::string target = "k" + std::to_string(rnd->Uniform(45));
  if (rnd->OneIn(4)) target += "+";
  if (rnd->OneIn(20)) target = rnd->OneIn(2) ? "" : "z";
  return target;
}

// The current key or value, or "<invalid>".
std::string Key(const InternalIterator* it) {
  return it->Valid() ? it->key().ToString() : "<invalid>";
}
std::string Val(const InternalIterator* it) {
  return it->Valid() ? it->value().ToString() : "<invalid>";
}

TEST(MergingIteratorTest, NoChildrenIsAlwaysInvalid) {
  auto it = NewMergingIterator(BytewiseComparator(), {});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, OneChild) {
  std::vector<std::vector<KV>> children = {{{"a", "1"}, {"b", "2"}}};
  auto it = Merge(children);
  EXPECT_EQ(ScanForward(it.get()), children[0]);
  it->Seek("ab");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key().ToString(), "b");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key().ToString(), "a");
}

TEST(MergingIteratorTest, AllChildrenEmpty) {
  auto it = Merge({{}, {}, {}});
  EXPECT_TRUE(ScanForward(it.get()).empty());
  EXPECT_TRUE(ScanBackward(it.get()).empty());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, InterleavesChildren) {
  auto it = Merge({{{"b", "0"}, {"e", "0"}},
                   {},
                   {{"a", "2"}, {"c", "2"}, {"f", "2"}},
                   {{"d", "3"}}});
  const std::vector<KV> expected = {{"a", "2"}, {"b", "0"}, {"c", "2"},
                                    {"d", "3"}, {"e", "0"}, {"f", "2"}};
  EXPECT_EQ(ScanForward(it.get()), expected);
  EXPECT_EQ(ScanBackward(it.get()),
            std::vector<KV>(expected.rbegin(), expected.rend()));
}

// A merge stepped by a merge above it (NextAndGet, one call a step) yields
// what it yields stepped alone, values included.
TEST(MergingIteratorTest, NestedMergesStepInOneCall) {
  Random rnd(Seed(301));
  for (int trial = 0; trial < 200; ++trial) {
    const auto lower = RandomChildren(&rnd);
    const auto upper = RandomChildren(&rnd);
    std::vector<std::unique_ptr<InternalIterator>> halves;
    halves.push_back(Merge(lower));
    halves.push_back(Merge(upper));
    auto nested = NewMergingIterator(BytewiseComparator(), std::move(halves));
    std::vector<std::vector<KV>> all = lower;
    all.insert(all.end(), upper.begin(), upper.end());
    auto flat = Merge(all);
    ASSERT_EQ(ScanForward(nested.get()), ScanForward(flat.get()));
    // And a merge's own NextAndGet agrees with Next, key() and value().
    auto stepped = Merge(all);
    std::vector<KV> by_call;
    stepped->SeekToFirst();
    if (stepped->Valid()) {
      by_call.emplace_back(stepped->key().ToString(),
                           stepped->value().ToString());
      Slice key;
      Slice value;
      while (stepped->NextAndGet(&key, &value)) {
        by_call.emplace_back(key.ToString(), value.ToString());
      }
    }
    ASSERT_EQ(by_call, ScanForward(flat.get()));
  }
}

TEST(MergingIteratorTest, EqualKeysComeInChildOrder) {
  // Child 0 first, then 1, then 2; within a child, its own order.
  auto it = Merge({{{"k", "0a"}, {"k", "0b"}, {"m", "0"}},
                   {{"j", "1"}, {"k", "1"}},
                   {{"k", "2"}, {"m", "2"}}});
  const std::vector<KV> expected = {{"j", "1"}, {"k", "0a"}, {"k", "0b"},
                                    {"k", "1"}, {"k", "2"},  {"m", "0"},
                                    {"m", "2"}};
  EXPECT_EQ(ScanForward(it.get()), expected);
  EXPECT_EQ(ScanBackward(it.get()),
            std::vector<KV>(expected.rbegin(), expected.rend()));

  // Direction changes in the middle of a run of equal keys.
  it->Seek("k");
  EXPECT_EQ(Val(it.get()), "0a");
  it->Next();  // 0b
  it->Next();  // 1
  EXPECT_EQ(Val(it.get()), "1");
  it->Prev();
  EXPECT_EQ(Val(it.get()), "0b");
  it->Next();
  EXPECT_EQ(Val(it.get()), "1");
  it->Next();
  EXPECT_EQ(Val(it.get()), "2");
  it->Prev();
  EXPECT_EQ(Val(it.get()), "1");
  it->Prev();
  EXPECT_EQ(Val(it.get()), "0b");

  it->SeekForPrev("k");
  EXPECT_EQ(Val(it.get()), "2");
  it->Prev();
  EXPECT_EQ(Val(it.get()), "1");
  it->Next();
  EXPECT_EQ(Val(it.get()), "2");
  it->Next();
  EXPECT_EQ(Key(it.get()), "m");
  EXPECT_EQ(Val(it.get()), "0");
}

TEST(MergingIteratorTest, RandomScansMatchModel) {
  Random rnd(Seed(401));
  for (int trial = 0; trial < 300; ++trial) {
    const auto children = RandomChildren(&rnd);
    const Model model(children);
    auto it = Merge(children);
    ASSERT_EQ(ScanForward(it.get()), model.entries) << "trial " << trial;
    ASSERT_EQ(ScanBackward(it.get()),
              std::vector<KV>(model.entries.rbegin(), model.entries.rend()))
        << "trial " << trial;
    EXPECT_TRUE(it->status().ok());
  }
}

// Applies random operations to the merged iterator and to the model, and
// compares the position after each. `always_turn` makes every step reverse
// the direction of the previous one.
void RunRandomOps(Random* rnd, bool always_turn) {
  for (int trial = 0; trial < 200; ++trial) {
    const auto children = RandomChildren(rnd);
    const Model model(children);
    const size_t end = model.entries.size();
    auto it = Merge(children);
    size_t pos = end;  // the model's position; `end` means invalid
    bool last_was_next = rnd->OneIn(2);
    for (int step = 0; step < 200; ++step) {
      std::string op;
      if (pos == end || rnd->OneIn(8)) {
        switch (rnd->Uniform(4)) {
          case 0:
            it->SeekToFirst();
            pos = end == 0 ? end : 0;
            op = "SeekToFirst";
            break;
          case 1:
            it->SeekToLast();
            pos = end == 0 ? end : end - 1;
            op = "SeekToLast";
            break;
          case 2: {
            const std::string target = RandomTarget(rnd);
            it->Seek(target);
            pos = model.Seek(target);
            op = "Seek(" + target + ")";
            break;
          }
          default: {
            const std::string target = RandomTarget(rnd);
            it->SeekForPrev(target);
            pos = model.SeekForPrev(target);
            op = "SeekForPrev(" + target + ")";
            break;
          }
        }
      } else {
        const bool next = always_turn ? !last_was_next : rnd->OneIn(2);
        last_was_next = next;
        if (next) {
          it->Next();
          ++pos;
          op = "Next";
        } else {
          it->Prev();
          pos = pos == 0 ? end : pos - 1;
          op = "Prev";
        }
      }
      ASSERT_EQ(it->Valid(), pos != end)
          << "trial " << trial << " step " << step << " " << op;
      if (pos != end) {
        ASSERT_EQ(it->key().ToString(), model.entries[pos].first)
            << "trial " << trial << " step " << step << " " << op;
        ASSERT_EQ(it->value().ToString(), model.entries[pos].second)
            << "trial " << trial << " step " << step << " " << op;
      }
    }
    EXPECT_TRUE(it->status().ok());
  }
}

TEST(MergingIteratorTest, RandomOpsMatchModel) {
  Random rnd(Seed(402));
  RunRandomOps(&rnd, /*always_turn=*/false);
}

TEST(MergingIteratorTest, DirectionChangeAtEveryStepMatchesModel) {
  Random rnd(Seed(403));
  RunRandomOps(&rnd, /*always_turn=*/true);
}

TEST(MergingIteratorTest, ChildFailingAtOpenMakesItInvalid) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<VectorIterator>(
      std::vector<KV>{{"a", "0"}, {"c", "0"}}));
  iters.push_back(NewErrorInternalIterator(Status::Corruption("bad table")));
  iters.push_back(std::make_unique<VectorIterator>(std::vector<KV>{{"b", ""}}));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  EXPECT_EQ(it->status().message(), "bad table");
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("b");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("b");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(MergingIteratorTest, ChildFailingMidScanStopsTheScan) {
  std::vector<KV> evens;
  std::vector<KV> odds;
  for (int i = 0; i < 20; ++i) {
    KV kv{"k" + std::to_string(100 + i), std::to_string(i)};
    (i % 2 == 0 ? evens : odds).push_back(kv);
  }
  // The odd child fails on its 4th call: SeekToFirst, Next, Next, then the
  // third Next, i.e. instead of stepping from k105 to k107.
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<VectorIterator>(evens));
  iters.push_back(std::make_unique<VectorIterator>(odds, 4, "odd child"));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters));

  std::vector<std::string> seen;
  // Bounded, so that an iterator that fails to stop cannot loop forever.
  for (it->SeekToFirst(); it->Valid() && seen.size() < 100; it->Next()) {
    seen.push_back(it->key().ToString());
  }
  // k106 is never yielded: the even child is not continued alone.
  const std::vector<std::string> expected = {"k100", "k101", "k102",
                                             "k103", "k104", "k105"};
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(it->status().IsIOError());
  EXPECT_EQ(it->status().message(), "odd child: injected failure");
  it->SeekToFirst();  // the failure is sticky in this child
  EXPECT_FALSE(it->Valid());
}

TEST(MergingIteratorTest, ChildFailingOnDirectionChange) {
  // Child 1 fails on its 2nd call, which is the re-seek done by Prev().
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<VectorIterator>(
      std::vector<KV>{{"a", ""}, {"c", ""}, {"e", ""}}));
  iters.push_back(std::make_unique<VectorIterator>(
      std::vector<KV>{{"b", ""}, {"d", ""}}, 2, "one"));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters));
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key().ToString(), "c");
  EXPECT_TRUE(it->status().ok());
  it->Prev();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsIOError());
}

TEST(MergingIteratorTest, StatusIsFirstFailingChild) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<VectorIterator>(std::vector<KV>{{"a", ""}}));
  iters.push_back(NewErrorInternalIterator(Status::IOError("second")));
  iters.push_back(NewErrorInternalIterator(Status::Corruption("third")));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsIOError());
  EXPECT_EQ(it->status().message(), "second");
}

// SkipOlderChildren moves exactly the children older than the sequence,
// and only those standing before (forward) / after (backward) the target.
TEST(MergingIteratorTest, SkipOlderChildrenMovesOnlyOlderChildren) {
  const auto make = [] {
    std::vector<std::unique_ptr<InternalIterator>> iters;
    // Child 0 is new (max sequence 100), child 1 old (max sequence 5).
    iters.push_back(std::make_unique<VectorIterator>(
        std::vector<KV>{{"b", "new"}, {"f", "new"}, {"m", "new"}}));
    iters.push_back(
        std::make_unique<VectorIterator>(std::vector<KV>{{"a", "old"},
                                                         {"c", "old"},
                                                         {"d", "old"},
                                                         {"e", "old"},
                                                         {"k", "old"},
                                                         {"n", "old"}}));
    return NewMergingIterator(BytewiseComparator(), std::move(iters),
                              std::vector<uint64_t>{100, 5});
  };
  auto it = make();
  it->Seek("c");  // current: c (old); b is behind, f ahead in child 0
  ASSERT_TRUE(it->Valid());
  ASSERT_EQ("c", it->key().ToString());
  // Sequence 10: the old child jumps to "k"; the new one stays at "f".
  EXPECT_TRUE(it->SkipOlderChildren("j", 10, /*forward=*/true));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("f", it->key().ToString());
  it->Next();
  EXPECT_EQ("k", it->key().ToString());
  // Sequence 5 is not above the old child's: nothing moves.
  EXPECT_FALSE(it->SkipOlderChildren("z", 5, true));
  EXPECT_EQ("k", it->key().ToString());
  // When the current child is the new one it does not move; the old one,
  // standing at "k" before the target, still jumps (to "n").
  it->Seek("f");
  EXPECT_FALSE(it->SkipOlderChildren("l", 10, true));
  EXPECT_EQ("f", it->key().ToString());
  it->Next();
  EXPECT_EQ("m", it->key().ToString());
  it->Next();
  EXPECT_EQ("n", it->key().ToString());

  // Backward: from "e" the old child jumps to the last key <= "b".
  it = make();
  it->SeekForPrev("e");
  ASSERT_EQ("e", it->key().ToString());
  EXPECT_TRUE(it->SkipOlderChildren("b", 10, /*forward=*/false));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());  // the new child's b
  it->Prev();
  EXPECT_EQ("a", it->key().ToString());
  it->Prev();
  EXPECT_FALSE(it->Valid());
}

// An older child that fails its skip's seek (not the current entry's
// child) leaves the iterator invalid, and the skip says it moved, so that
// the caller does not step an invalid iterator.
TEST(MergingIteratorTest, SkipWhoseSeekFailsReportsAMove) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<VectorIterator>(
      std::vector<KV>{{"b", "new"}, {"f", "new"}}));
  // Positioned by Seek (call 1), it fails at the skip's seek (call 2).
  iters.push_back(std::make_unique<VectorIterator>(
      std::vector<KV>{{"c", "old"}, {"k", "old"}}, 2, "old child"));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters),
                               std::vector<uint64_t>{100, 5});
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  ASSERT_EQ("b", it->key().ToString());  // the new child's: it stays
  EXPECT_TRUE(it->SkipOlderChildren("j", 10, /*forward=*/true));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsIOError()) << it->status().ToString();
}

TEST(MergingIteratorTest, SkipWithoutSequencesIsUnsupported) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(
      std::make_unique<VectorIterator>(std::vector<KV>{{"a", ""}, {"c", ""}}));
  iters.push_back(std::make_unique<VectorIterator>(std::vector<KV>{{"b", ""}}));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters));
  it->SeekToFirst();
  EXPECT_FALSE(it->SkipOlderChildren("z", 100, true));
  EXPECT_EQ("a", it->key().ToString());
}

// A child with its entries in "file order" but not sorted, as in a table
// forged past its checksums: Seek finds the first entry in file order at
// or after the target, SeekForPrev the last one at or before it; Next and
// Prev step through file order.
class UnsortedIterator final : public InternalIterator {
 public:
  // With `seeks_land_at`, every Seek and SeekForPrev lands there instead,
  // whatever the target.
  explicit UnsortedIterator(std::vector<std::string> keys,
                            std::optional<size_t> seeks_land_at = {})
      : keys_(std::move(keys)),
        pos_(keys_.size()),
        seeks_land_at_(seeks_land_at) {}

  bool Valid() const override { return pos_ < keys_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = keys_.empty() ? 0 : keys_.size() - 1; }
  void Seek(const Slice& target) override {
    pos_ = seeks_land_at_.value_or(0);
    if (seeks_land_at_) return;
    while (pos_ < keys_.size() && Slice(keys_[pos_]).compare(target) < 0) {
      ++pos_;
    }
  }
  void SeekForPrev(const Slice& target) override {
    pos_ = seeks_land_at_.value_or(keys_.size());
    if (seeks_land_at_) return;
    for (size_t i = keys_.size(); i-- > 0;) {
      if (Slice(keys_[i]).compare(target) <= 0) {
        pos_ = i;
        return;
      }
    }
  }
  void Next() override { ++pos_; }
  void Prev() override { pos_ = pos_ == 0 ? keys_.size() : pos_ - 1; }
  Slice key() const override { return keys_[pos_]; }
  Slice value() const override { return Slice(); }
  Status status() const override { return Status::OK(); }

 private:
  const std::vector<std::string> keys_;
  size_t pos_;
  const std::optional<size_t> seeks_land_at_;
};

// Drives `it` like a DB iterator over a range tombstone [begin, end) at
// sequence 10: a key inside it skips the older children past the
// tombstone, any other key steps on. Returns the number of steps taken,
// or 1000 if the scan did not end by then.
int ScanSkippingTombstone(InternalIterator* it, bool forward) {
  const std::string begin = "b";
  const std::string end = "j";
  if (forward) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  int steps = 0;
  for (; it->Valid() && steps < 1000; ++steps) {
    const Slice key = it->key();
    if (key.compare(begin) >= 0 && key.compare(end) < 0 &&
        it->SkipOlderChildren(forward ? end : begin, 10, forward)) {
      continue;
    }
    if (!it->Valid()) break;
    if (forward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  return steps;
}

// Internal keys, for the comparator: a forged child only breaks order.
std::vector<std::string> Keys(std::initializer_list<const char*> user_keys) {
  std::vector<std::string> keys;
  for (const char* k : user_keys) {
    std::string key = k;
    key.append(8, '\0');
    keys.push_back(std::move(key));
  }
  return keys;
}

// Forward: the old child's "d" is covered, the skip to "j" finds "k" at
// file position 1, and stepping on from there reaches "d" again: without
// the check the scan never ends. With it, the step from "k" to "a" is
// caught.
TEST(MergingIteratorTest, SkipIntoAnUnsortedChildEndsTheScanForward) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<UnsortedIterator>(Keys({"m", "z"})));
  iters.push_back(
      std::make_unique<UnsortedIterator>(Keys({"c", "k", "a", "d", "n"})));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters),
                               std::vector<uint64_t>{100, 5});
  const int steps = ScanSkippingTombstone(it.get(), /*forward=*/true);
  EXPECT_LT(steps, 1000);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_NE(it->status().ToString().find("merged source 1 is out of order"),
            std::string::npos)
      << it->status().ToString();
  // A new seek starts afresh: the children are fine until skipped again.
  it->Seek(Keys({"m"})[0]);
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

// Backward, the mirror: from "d" the skip back to "b" lands on "a" at file
// position 1, and stepping back from there reaches "d" again.
TEST(MergingIteratorTest, SkipIntoAnUnsortedChildEndsTheScanBackward) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<UnsortedIterator>(Keys({"m"})));
  iters.push_back(std::make_unique<UnsortedIterator>(Keys({"d", "a", "k"})));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters),
                               std::vector<uint64_t>{100, 5});
  const int steps = ScanSkippingTombstone(it.get(), /*forward=*/false);
  EXPECT_LT(steps, 1000);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

// A skip that lands short of its target (a sorted child never does) fails
// the iterator at once.
TEST(MergingIteratorTest, SkipLandingShortOfTheTargetIsCorruption) {
  std::vector<std::unique_ptr<InternalIterator>> iters;
  iters.push_back(std::make_unique<UnsortedIterator>(Keys({"m"})));
  iters.push_back(std::make_unique<UnsortedIterator>(Keys({"c", "e", "n"}),
                                                     /*seeks_land_at=*/1));
  auto it = NewMergingIterator(BytewiseComparator(), std::move(iters),
                               std::vector<uint64_t>{100, 5});
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(it->SkipOlderChildren(Keys({"j"})[0], 10, true));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

}  // namespace
}  // namespace strata::internal
