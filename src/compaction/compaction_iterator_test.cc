#include "compaction/compaction_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "strata/comparator.h"

namespace strata::internal {
namespace {

// $STRATA_SEED if set, else `fallback`; printed so a failure can be replayed.
// (This test links only base..compaction, so it cannot use testing/.)
uint64_t Seed(uint64_t fallback) {
  const char* env = std::getenv("STRATA_SEED");
  const uint64_t seed =
      env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
  std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

const InternalKeyComparator& Icmp() {
  static const InternalKeyComparator kIcmp(BytewiseComparator());
  return kIcmp;
}

using KV = std::pair<std::string, std::string>;

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

// A forward InternalIterator over a vector, in vector order (tests pass
// sorted input unless they test bad order). If `fail_after` >= 0, the
// iterator turns invalid with an IOError after that many Next() calls.
class VectorIterator final : public InternalIterator {
 public:
  explicit VectorIterator(std::vector<KV> entries, int fail_after = -1)
      : entries_(std::move(entries)),
        pos_(entries_.size()),
        fail_after_(fail_after) {}

  bool Valid() const override { return status_.ok() && pos_ < entries_.size(); }
  void SeekToFirst() override {
    pos_ = 0;
    nexts_ = 0;
    status_ = Status::OK();
  }
  void SeekToLast() override { ADD_FAILURE() << "compaction reads forward"; }
  void Seek(const Slice&) override { ADD_FAILURE() << "not used"; }
  void SeekForPrev(const Slice&) override { ADD_FAILURE() << "not used"; }
  void Next() override {
    ASSERT_TRUE(Valid());
    ++pos_;
    if (fail_after_ >= 0 && ++nexts_ >= fail_after_) {
      status_ = Status::IOError("injected input error");
    }
  }
  void Prev() override { ADD_FAILURE() << "compaction reads forward"; }
  Slice key() const override { return entries_.at(pos_).first; }
  Slice value() const override { return entries_.at(pos_).second; }
  Status status() const override { return status_; }

 private:
  const std::vector<KV> entries_;
  size_t pos_;
  const int fail_after_;
  int nexts_ = 0;
  Status status_;
};

// Sorts entries by the internal key order.
std::vector<KV> Sorted(std::vector<KV> entries) {
  std::sort(entries.begin(), entries.end(), [](const KV& a, const KV& b) {
    return Icmp().Compare(a.first, b.first) < 0;
  });
  return entries;
}

struct Outcome {
  std::vector<KV> output;
  Status status;
  CompactionIterator::Stats stats;
};

Outcome Compact(const std::vector<KV>& input,
                std::vector<SequenceNumber> snapshots, bool bottommost,
                int fail_after = -1,
                const InternalKeyComparator* icmp = &Icmp(),
                uint64_t retention_horizon = 0,
                RangeTombstoneListPtr range_tombstones = nullptr,
                bool drop_repeats = false) {
  VectorIterator source(input, fail_after);
  CompactionIteratorOptions options;
  options.drop_repeats = drop_repeats;
  options.icmp = icmp;
  options.snapshots = std::move(snapshots);
  options.bottommost = bottommost;
  options.retention_horizon = retention_horizon;
  options.range_tombstones = std::move(range_tombstones);
  CompactionIterator iter(options, &source);
  Outcome r;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
    r.output.emplace_back(iter.key().ToString(), iter.value().ToString());
  }
  EXPECT_FALSE(iter.Valid());
  r.status = iter.status();
  r.stats = iter.stats();
  return r;
}

void ExpectStats(const CompactionIterator::Stats& s, uint64_t input,
                 uint64_t shadowed, uint64_t tombstones, uint64_t output) {
  EXPECT_EQ(input, s.input_entries);
  EXPECT_EQ(shadowed, s.dropped_shadowed);
  EXPECT_EQ(tombstones, s.dropped_tombstones);
  EXPECT_EQ(output, s.output_entries);
}

TEST(CompactionIteratorTest, EmptyInputYieldsNothing) {
  const Outcome r = Compact({}, {}, /*bottommost=*/true);
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.output.empty());
  ExpectStats(r.stats, 0, 0, 0, 0);
}

TEST(CompactionIteratorTest, NoSnapshotsKeepsOnlyNewestVersion) {
  const std::vector<KV> input = {Put("a", 9, "a9"), Put("a", 5, "a5"),
                                 Del("a", 3), Put("a", 1, "a1"),
                                 Put("b", 2, "b2")};
  const Outcome r = Compact(input, {}, /*bottommost=*/false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ((std::vector<KV>{Put("a", 9, "a9"), Put("b", 2, "b2")}), r.output);
  ExpectStats(r.stats, 5, 3, 0, 2);
}

TEST(CompactionIteratorTest, DeletionKeptWhenNotBottommost) {
  const std::vector<KV> input = {Del("a", 8),       Put("a", 4, "a4"),
                                 Put("b", 6, "b6"), Del("c", 7),
                                 Put("c", 2, "c2"), Del("c", 1)};
  const Outcome r = Compact(input, {}, /*bottommost=*/false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ((std::vector<KV>{Del("a", 8), Put("b", 6, "b6"), Del("c", 7)}),
            r.output);
  ExpectStats(r.stats, 6, 3, 0, 3);
}

TEST(CompactionIteratorTest, BottommostDropsDeletionWithOlderVersions) {
  const std::vector<KV> input = {
      Del("a", 8), Put("a", 4, "a4"), Put("b", 6, "b6"), Del("b", 5),
      Del("c", 7), Put("c", 2, "c2"), Del("c", 1)};
  const Outcome r = Compact(input, {}, /*bottommost=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  // b's deletion is shadowed by the newer put, not dropped as a tombstone.
  EXPECT_EQ((std::vector<KV>{Put("b", 6, "b6")}), r.output);
  ExpectStats(r.stats, 7, 4, 2, 1);
}

// In a versioned DB each timestamp is a version of its own: compaction
// keeps every one, and never drops a tombstone at the bottom, since it
// hides the older timestamps from as-of reads after it. (Two writes at one
// timestamp still shadow each other.)
TEST(CompactionIteratorTest, VersionedKeysKeepEveryTimestampAndTombstone) {
  static const InternalKeyComparator versioned(BytewiseComparator(), true);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  std::vector<KV> input = {Put(at("k", 9), 3, "k9"), Del(at("k", 5), 6),
                           Put(at("k", 5), 1, "k5"), Put(at("k", 3), 4, "k3"),
                           Del(at("m", 2), 7)};
  std::sort(input.begin(), input.end(), [&](const KV& a, const KV& b) {
    return versioned.Compare(a.first, b.first) < 0;
  });
  const Outcome r =
      Compact(input, {}, /*bottommost=*/true, /*fail_after=*/-1, &versioned);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  const std::vector<KV> expected = {
      Put(at("k", 9), 3, "k9"), Del(at("k", 5), 6), Put(at("k", 3), 4, "k3"),
      Del(at("m", 2), 7)};
  EXPECT_EQ(expected, r.output);
  ExpectStats(r.stats, 5, /*shadowed=*/1, /*tombstones=*/0, 4);
}

// Rule 4: with a retention horizon, of a key's versions at or before it
// only the newest is kept (per stripe, while each lies in an older stripe
// than those kept before it); newer ones all stay. A tombstone kept that
// way stays at the bottom too: it may hide a back-dated version in a
// newer source.
TEST(CompactionIteratorTest, RetentionKeepsTheNewestVersionAtTheHorizon) {
  static const InternalKeyComparator versioned(BytewiseComparator(), true);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  const auto sorted = [&](std::vector<KV> input) {
    std::sort(input.begin(), input.end(), [&](const KV& a, const KV& b) {
      return versioned.Compare(a.first, b.first) < 0;
    });
    return input;
  };
  const std::vector<KV> input =
      sorted({Put(at("a", 40), 4, "a40"), Put(at("a", 30), 3, "a30"),
              Put(at("a", 20), 2, "a20"), Put(at("a", 10), 1, "a10"),
              Del(at("b", 20), 6), Put(at("b", 10), 5, "b10"),
              Put(at("c", 5), 7, "c5")});
  // The horizon one below, at and one above a timestamp: 29, 30, 31.
  const auto run = [&](uint64_t horizon, bool bottommost,
                       std::vector<SequenceNumber> snapshots = {}) {
    return Compact(input, std::move(snapshots), bottommost, -1, &versioned,
                   horizon);
  };
  Outcome r = run(29, /*bottommost=*/false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(sorted({Put(at("a", 40), 4, "a40"), Put(at("a", 30), 3, "a30"),
                    Put(at("a", 20), 2, "a20"), Del(at("b", 20), 6),
                    Put(at("c", 5), 7, "c5")}),
            r.output);
  EXPECT_EQ(2u, r.stats.dropped_retention);  // a10, b10
  r = run(30, /*bottommost=*/false);
  EXPECT_EQ(sorted({Put(at("a", 40), 4, "a40"), Put(at("a", 30), 3, "a30"),
                    Del(at("b", 20), 6), Put(at("c", 5), 7, "c5")}),
            r.output);
  r = run(31, /*bottommost=*/true);
  EXPECT_EQ(sorted({Put(at("a", 40), 4, "a40"), Put(at("a", 30), 3, "a30"),
                    Del(at("b", 20), 6), Put(at("c", 5), 7, "c5")}),
            r.output);
  EXPECT_EQ(3u, r.stats.dropped_retention);
  // Without a horizon, or without versioning, nothing goes by age.
  r = run(0, /*bottommost=*/true);
  EXPECT_EQ(input.size(), r.output.size());
  // A snapshot at 2 (stripes: seq <= 2, above) pins a20 for readers at it:
  // they cannot see a30; a10 is in the same stripe as a20 and goes.
  r = run(35, /*bottommost=*/false, {2});
  EXPECT_EQ(sorted({Put(at("a", 40), 4, "a40"), Put(at("a", 30), 3, "a30"),
                    Put(at("a", 20), 2, "a20"), Del(at("b", 20), 6),
                    Put(at("c", 5), 7, "c5")}),
            r.output);
}

// Rule 4 with a range tombstone (a Purge of k at sequence 5) and a snapshot
// at 3: readers at the snapshot see k@30 (the purge is newer); later
// readers see it purged and take the back-dated k@10 written after the
// purge. Each is the first version at the horizon for some reader.
TEST(CompactionIteratorTest, RetentionCountsOnlyWhatEachStripeSees) {
  static const InternalKeyComparator versioned(BytewiseComparator(), true);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  std::vector<RangeTombstone> purge = {
      RangeTombstone{at("k", kMaxTimestamp), at("k", 0), 5}};
  const auto tombstones = std::make_shared<const FragmentedRangeTombstoneList>(
      versioned.user_comparator(), std::move(purge));
  const std::vector<KV> input = {Put(at("k", 30), 2, "k30"),
                                 Put(at("k", 20), 1, "k20"),
                                 Put(at("k", 10), 8, "k10")};
  const Outcome r = Compact(input, {3}, /*bottommost=*/false, -1, &versioned,
                            /*retention_horizon=*/35, tombstones);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(
      (std::vector<KV>{Put(at("k", 30), 2, "k30"), Put(at("k", 10), 8, "k10")}),
      r.output);
  EXPECT_EQ(1u, r.stats.dropped_retention);  // k20: under k30 at the snapshot
}

TEST(CompactionIteratorTest, SnapshotStripesKeepNewestVersionOfEach) {
  // Stripes for snapshots [5, 10]: (.., 5], (5, 10], above 10.
  const std::vector<KV> input = {Put("k", 12, "v12"), Put("k", 9, "v9"),
                                 Put("k", 7, "v7"), Put("k", 3, "v3")};
  for (const bool bottommost : {false, true}) {
    const Outcome r = Compact(input, {5, 10}, bottommost);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ((std::vector<KV>{Put("k", 12, "v12"), Put("k", 9, "v9"),
                               Put("k", 3, "v3")}),
              r.output);
    ExpectStats(r.stats, 4, 1, 0, 3);
  }
}

TEST(CompactionIteratorTest, SnapshotEqualToSequenceSeesThatVersion) {
  // Snapshot 7 sees the version written at 7: stripe(7) is 7, stripe(8)
  // is above all.
  const std::vector<KV> input = {Put("k", 8, "v8"), Put("k", 7, "v7"),
                                 Put("k", 6, "v6")};
  const Outcome r = Compact(input, {7}, /*bottommost=*/false);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ((std::vector<KV>{Put("k", 8, "v8"), Put("k", 7, "v7")}), r.output);
  ExpectStats(r.stats, 3, 1, 0, 2);
}

TEST(CompactionIteratorTest, DeletionAboveSnapshotKeptAtBottommost) {
  // Snapshot 5 still reads a3 beneath the deletion at 8, so both stay;
  // a3 shadows the older deletion at 2 and a1.
  const std::vector<KV> input = {Del("a", 8), Put("a", 3, "a3"), Del("a", 2),
                                 Put("a", 1, "a1")};
  const Outcome r = Compact(input, {5}, /*bottommost=*/true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ((std::vector<KV>{Del("a", 8), Put("a", 3, "a3")}), r.output);
  ExpectStats(r.stats, 4, 2, 0, 2);

  // The newest version in the oldest stripe is a deletion: dropped, and
  // a1 with it.
  const std::vector<KV> input2 = {Del("a", 8), Del("a", 4), Put("a", 1, "a1")};
  const Outcome r2 = Compact(input2, {5}, /*bottommost=*/true);
  ASSERT_TRUE(r2.status.ok());
  EXPECT_EQ((std::vector<KV>{Del("a", 8)}), r2.output);
  ExpectStats(r2.stats, 3, 1, 1, 1);

  // Not bottommost: the deletion at 4 must keep hiding what may lie below.
  const Outcome r3 = Compact(input2, {5}, /*bottommost=*/false);
  ASSERT_TRUE(r3.status.ok());
  EXPECT_EQ((std::vector<KV>{Del("a", 8), Del("a", 4)}), r3.output);
  ExpectStats(r3.stats, 3, 1, 0, 2);
}

TEST(CompactionIteratorTest, InterleavedKeysAreFilteredIndependently) {
  // Keys that share prefixes, so user-key boundaries matter.
  const std::vector<KV> input =
      Sorted({Put("a", 20, "a20"), Put("a", 11, "a11"), Put("a", 4, "a4"),
              Put("ab", 15, "ab15"), Del("ab", 9), Put("ab", 8, "ab8"),
              Del("abc", 3), Put("abc", 2, "abc2"), Put("b", 10, "b10"),
              Put("b", 6, "b6"), Del("c", 30), Put("c", 1, "c1")});
  const Outcome r = Compact(input, {10}, /*bottommost=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ((std::vector<KV>{Put("a", 20, "a20"), Put("a", 4, "a4"),
                             Put("ab", 15, "ab15"), Put("b", 10, "b10"),
                             Del("c", 30), Put("c", 1, "c1")}),
            r.output);
  // Shadowed: a11, ab8, b6, abc2 (beneath the dropped abc@3).
  // Dropped tombstones: ab@9, abc@3.
  ExpectStats(r.stats, 12, 4, 2, 6);
}

TEST(CompactionIteratorTest, MalformedKeyIsCorruption) {
  const std::vector<KV> short_key = {
      Put("a", 5, "a5"), {"abc", "x"}, Put("b", 1, "b1")};
  const Outcome r = Compact(short_key, {}, /*bottommost=*/false);
  EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
  EXPECT_EQ((std::vector<KV>{Put("a", 5, "a5")}), r.output);
  ExpectStats(r.stats, 1, 0, 0, 1);

  // A range tombstone never travels among point keys.
  const std::vector<KV> bad_type = {
      Put("a", 5, "a5"), {IKey("b", 4, ValueType::kRangeDeletion), "c"}};
  const Outcome r2 = Compact(bad_type, {}, /*bottommost=*/false);
  EXPECT_TRUE(r2.status.IsCorruption()) << r2.status.ToString();
  EXPECT_EQ(1u, r2.output.size());

  // A malformed key is not skipped even where it would have been dropped.
  std::string unknown_type = "a";
  PutFixed64(&unknown_type, PackTag(3, 0x7f));
  const std::vector<KV> dropped_anyway = {Put("a", 5, "a5"),
                                          {unknown_type, ""}};
  const Outcome r3 = Compact(dropped_anyway, {}, /*bottommost=*/true);
  EXPECT_TRUE(r3.status.IsCorruption()) << r3.status.ToString();
}

TEST(CompactionIteratorTest, OutOfOrderInputIsCorruption) {
  const Outcome backward_key =
      Compact({Put("b", 5, "b5"), Put("a", 6, "a6")}, {}, false);
  EXPECT_TRUE(backward_key.status.IsCorruption());
  EXPECT_EQ(1u, backward_key.output.size());
  ExpectStats(backward_key.stats, 1, 0, 0, 1);  // the bad entry: nowhere

  const Outcome rising_seq =
      Compact({Put("a", 5, "a5"), Put("a", 6, "a6")}, {}, false);
  EXPECT_TRUE(rising_seq.status.IsCorruption());
  ExpectStats(rising_seq.stats, 1, 0, 0, 1);

  // One sequence, two types: not the same write.
  const Outcome duplicate = Compact({Put("a", 5, "x"), Del("a", 5)}, {}, false);
  EXPECT_TRUE(duplicate.status.IsCorruption());
}

TEST(CompactionIteratorTest, AnExactRepeatIsTheSameWriteAndDropped) {
  // RepairDB can hold one write in two tables; the merge yields it twice.
  const Outcome r =
      Compact({Put("a", 5, "x"), Put("a", 5, "x"), Put("a", 4, "y"),
               Put("b", 3, "z"), Put("b", 3, "z")},
              {4}, false, -1, &Icmp(), 0, nullptr, /*drop_repeats=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(3u, r.output.size());
  EXPECT_EQ(2u, r.stats.dropped_duplicates);
  EXPECT_EQ(3u, r.stats.output_entries);
}

TEST(CompactionIteratorTest, ARepeatOutsideRepairIsCorruption) {
  const Outcome r = Compact({Put("a", 5, "x"), Put("a", 5, "x")}, {}, false);
  EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
}

TEST(CompactionIteratorTest, AValueInlineAndInTheValueLogIsOneWrite) {
  // The pointer sorts first (a higher type), and is the copy kept.
  KV pointer = Put("a", 5, "ptr");
  // The tag's low byte (the type) comes first: fixed64 little-endian.
  pointer.first[pointer.first.size() - 8] =
      static_cast<char>(ValueType::kValuePointer);
  const Outcome r = Compact({pointer, Put("a", 5, "x")}, {}, false, -1, &Icmp(),
                            0, nullptr, /*drop_repeats=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(1u, r.output.size());
  EXPECT_EQ(pointer, r.output[0]);
  EXPECT_EQ(1u, r.stats.dropped_duplicates);
}

TEST(CompactionIteratorTest, InputErrorEndsIteration) {
  const std::vector<KV> input = {Put("a", 5, "a5"), Put("b", 4, "b4"),
                                 Put("c", 3, "c3"), Put("d", 2, "d2")};
  const Outcome r = Compact(input, {}, /*bottommost=*/false, /*fail_after=*/2);
  EXPECT_TRUE(r.status.IsIOError()) << r.status.ToString();
  EXPECT_EQ((std::vector<KV>{Put("a", 5, "a5"), Put("b", 4, "b4")}), r.output);
  ExpectStats(r.stats, 2, 0, 0, 2);
}

TEST(CompactionIteratorTest, SeekToFirstStartsOver) {
  VectorIterator source(
      {Put("a", 5, "a5"), Put("a", 4, "a4"), Put("b", 1, "b1")});
  CompactionIteratorOptions options;
  options.icmp = &Icmp();
  CompactionIterator iter(options, &source);
  for (int pass = 0; pass < 2; ++pass) {
    iter.SeekToFirst();
    ASSERT_TRUE(iter.Valid());
    EXPECT_EQ(IKey("a", 5, ValueType::kValue), iter.key().ToString());
    EXPECT_EQ("a5", iter.value().ToString());
    iter.Next();
    ASSERT_TRUE(iter.Valid());
    EXPECT_EQ(IKey("b", 1, ValueType::kValue), iter.key().ToString());
    iter.Next();
    EXPECT_FALSE(iter.Valid());
    EXPECT_TRUE(iter.status().ok());
    ExpectStats(iter.stats(), 3, 1, 0, 2);
  }
}

// ---- Randomized, against a model ----------------------------------------

// The value a reader at `snapshot` sees for each user key: the newest
// version with seq <= snapshot; keys whose such version is a deletion, or
// that have none, are absent.
std::map<std::string, std::string> Visible(const std::vector<KV>& entries,
                                           SequenceNumber snapshot) {
  std::map<std::string, std::string> visible;
  std::optional<std::string> decided;  // user key already resolved
  for (const auto& [k, v] : entries) {
    ParsedInternalKey ikey;
    EXPECT_TRUE(ParseInternalKey(k, &ikey));
    const std::string user = ikey.user_key.ToString();
    if (decided == user || ikey.sequence > snapshot) continue;
    decided = user;
    if (ikey.type == ValueType::kValue) visible[user] = v;
  }
  return visible;
}

// How many entries survive, counted per (user key, stripe) group: each
// non-empty group keeps one entry, except a bottommost oldest-stripe group
// whose newest entry is a deletion.
size_t ExpectedSurvivors(const std::vector<KV>& entries,
                         const std::vector<SequenceNumber>& snapshots,
                         bool bottommost) {
  // (user key, stripe) -> type of the group's first (newest) entry.
  std::map<std::pair<std::string, size_t>, ValueType> groups;
  for (const auto& [k, v] : entries) {
    ParsedInternalKey ikey;
    EXPECT_TRUE(ParseInternalKey(k, &ikey));
    size_t stripe = 0;
    while (stripe < snapshots.size() && snapshots[stripe] < ikey.sequence) {
      ++stripe;
    }
    groups.emplace(std::make_pair(ikey.user_key.ToString(), stripe), ikey.type);
  }
  size_t n = 0;
  for (const auto& [group, type] : groups) {
    if (bottommost && group.second == 0 && type == ValueType::kDeletion) {
      continue;
    }
    ++n;
  }
  return n;
}

TEST(CompactionIteratorTest, RandomizedMatchesModelAtEverySnapshot) {
  Random rnd(Seed(301));
  for (int round = 0; round < 300; ++round) {
    // Unique sequence numbers 1..n spread over a few user keys.
    const int n = 1 + static_cast<int>(rnd.Uniform(60));
    const int num_keys = 1 + static_cast<int>(rnd.Uniform(8));
    std::vector<KV> input;
    for (int seq = 1; seq <= n; ++seq) {
      const std::string user(1 + rnd.Uniform(2),
                             static_cast<char>('a' + rnd.Uniform(num_keys)));
      if (rnd.OneIn(3)) {
        input.push_back(Del(user, static_cast<SequenceNumber>(seq)));
      } else {
        input.push_back(Put(user, static_cast<SequenceNumber>(seq),
                            "v" + std::to_string(seq)));
      }
    }
    input = Sorted(std::move(input));
    std::vector<SequenceNumber> snapshots;
    const int num_snapshots = static_cast<int>(rnd.Uniform(5));
    for (int i = 0; i < num_snapshots; ++i) {
      snapshots.push_back(rnd.Uniform(static_cast<uint64_t>(n) + 2));
    }
    std::sort(snapshots.begin(), snapshots.end());
    const bool bottommost = rnd.OneIn(2);
    SCOPED_TRACE("round " + std::to_string(round));

    const Outcome r = Compact(input, snapshots, bottommost);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    std::vector<SequenceNumber> reads = snapshots;
    reads.push_back(kMaxSequenceNumber);
    for (const SequenceNumber s : reads) {
      ASSERT_EQ(Visible(input, s), Visible(r.output, s)) << "snapshot " << s;
    }
    // Nothing more than needed survives, and the output is a subsequence.
    ASSERT_EQ(ExpectedSurvivors(input, snapshots, bottommost), r.output.size());
    ASSERT_TRUE(std::includes(input.begin(), input.end(), r.output.begin(),
                              r.output.end(), [](const KV& a, const KV& b) {
                                return Icmp().Compare(a.first, b.first) < 0;
                              }));
    EXPECT_EQ(input.size(), r.stats.input_entries);
    EXPECT_EQ(r.output.size(), r.stats.output_entries);
    EXPECT_EQ(r.stats.input_entries, r.stats.dropped_shadowed +
                                         r.stats.dropped_tombstones +
                                         r.stats.output_entries);
    if (!bottommost) {
      EXPECT_EQ(0u, r.stats.dropped_tombstones);
    }
  }
}

}  // namespace
}  // namespace strata::internal
