// Tests of Version and VersionBuilder on hand-built versions: level order,
// FindFile, Overlapping, byte counts, and the Corruption every edit that
// breaks an invariant gets.

#include "version/version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/random.h"
#include "key/internal_key.h"
#include "strata/comparator.h"
#include "version/version_edit.h"

namespace strata::internal {
namespace {

constexpr auto kValue = static_cast<uint8_t>(ValueType::kValue);

// Bytewise, reversed: a comparator other than the bytewise one (so no
// prefix search), under which prefixes would mislead.
class ReverseComparator final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return b.compare(a);
  }
  const char* Name() const override { return "test.Reverse"; }
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

FileMetaData File(uint64_t number, const std::string& smallest,
                  SequenceNumber small_seq, const std::string& largest,
                  SequenceNumber large_seq, uint64_t size = 100) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = InternalKey(smallest, small_seq, kValue);
  f.largest = InternalKey(largest, large_seq, kValue);
  f.smallest_seqno = std::min(small_seq, large_seq);
  f.largest_seqno = std::max(small_seq, large_seq);
  return f;
}

std::vector<uint64_t> Numbers(
    const std::vector<std::shared_ptr<const FileMetaData>>& files) {
  std::vector<uint64_t> r;
  for (const auto& f : files) r.push_back(f->number);
  return r;
}

class VersionTest : public ::testing::Test {
 protected:
  // Applies `edit` to `base` (null: empty); fails the test on error.
  std::shared_ptr<const Version> Build(const VersionEdit& edit,
                                       const Version* base = nullptr) {
    VersionBuilder builder(&icmp_, 4, base);
    EXPECT_TRUE(builder.Apply(edit).ok());
    auto v = builder.Finish();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v.value() : nullptr;
  }

  // The status of applying `edit` to `base` and finishing.
  Status BuildStatus(const VersionEdit& edit, const Version* base = nullptr) {
    VersionBuilder builder(&icmp_, 4, base);
    STRATA_RETURN_IF_ERROR(builder.Apply(edit));
    return builder.Finish().status();
  }

  // Level 1: [b..d] [f..h] [h..k] (h split across two files) [p..p].
  std::shared_ptr<const Version> Level1() {
    VersionEdit edit;
    edit.AddFile(1, File(11, "f", 30, "h", 20));
    edit.AddFile(1, File(10, "b", 5, "d", 6));
    edit.AddFile(1, File(13, "p", 1, "p", 1));
    edit.AddFile(1, File(12, "h", 19, "k", 2));
    return Build(edit);
  }

  // FindFile in level 1 of the lookup key `key`@`seq`.
  static size_t FindInLevel1(const Version& v, const std::string& key,
                             SequenceNumber seq) {
    return v.FindFile(1, InternalKey(key, seq, kValue).Encode());
  }

  const InternalKeyComparator icmp_{BytewiseComparator()};
};

TEST_F(VersionTest, EmptyVersion) {
  const Version v(&icmp_, 7);
  EXPECT_EQ(v.num_levels(), 7);
  EXPECT_EQ(v.TotalFiles(), 0u);
  for (int level = 0; level < 7; ++level) {
    EXPECT_EQ(v.NumFiles(level), 0);
    EXPECT_EQ(v.LevelBytes(level), 0u);
  }
  EXPECT_EQ(v.FindFile(1, InternalKey("a", 1, kValue).Encode()), 0u);
  EXPECT_TRUE(v.Overlapping(0, nullptr, nullptr).empty());
}

TEST_F(VersionTest, Level0IsNewestFirst) {
  VersionEdit edit;
  edit.AddFile(0, File(5, "a", 1, "z", 10));
  edit.AddFile(0, File(9, "c", 20, "d", 30));
  edit.AddFile(0,
               File(7, "a", 11, "b", 30));  // same seqno: higher number first
  edit.AddFile(0, File(3, "m", 40, "n", 41));
  const auto v = Build(edit);
  EXPECT_EQ(Numbers(v->files(0)), (std::vector<uint64_t>{3, 9, 7, 5}));
  EXPECT_EQ(v->NumFiles(0), 4);
  EXPECT_EQ(v->LevelBytes(0), 400u);
  EXPECT_EQ(v->TotalFiles(), 4u);
}

TEST_F(VersionTest, Level1IsSortedBySmallestKey) {
  const auto v = Level1();
  EXPECT_EQ(Numbers(v->files(1)), (std::vector<uint64_t>{10, 11, 12, 13}));
}

TEST_F(VersionTest, FindFile) {
  const auto v = Level1();
  const auto find = [&](const std::string& key, SequenceNumber seq) {
    return FindInLevel1(*v, key, seq);
  };
  EXPECT_EQ(find("a", 1), 0u);
  EXPECT_EQ(find("b", 5), 0u);
  EXPECT_EQ(find("d", 6), 0u);
  EXPECT_EQ(find("d", 5), 1u);  // older than d@6: past file 10's largest
  EXPECT_EQ(find("e", 100), 1u);
  EXPECT_EQ(find("h", 25), 1u);  // h@25 is newer than h@20
  EXPECT_EQ(find("h", 20), 1u);
  EXPECT_EQ(find("h", 19), 2u);
  EXPECT_EQ(find("k", 2), 2u);
  EXPECT_EQ(find("k", 1), 3u);
  EXPECT_EQ(find("p", 1), 3u);
  EXPECT_EQ(find("q", 100), 4u);
}

// FindFile against a linear scan, on levels whose largest keys share a
// stem of 0-10 bytes and then often the same 0-9 bytes more (ties in the
// 8 bytes FindFile searches first), are shorter than 8 bytes, hold zero
// bytes, and split one user key's versions across two files; with lookups
// below, inside and above the stem: the search must agree with comparing
// whole keys, under the bytewise comparator and a custom one.
TEST_F(VersionTest, FindFileAgreesWithALinearScan) {
  ASSERT_TRUE(icmp_.bytewise());  // the prefix search is taken
  Random rnd(44);
  const ReverseComparator reverse;
  const InternalKeyComparator reversed(&reverse);
  ASSERT_FALSE(reversed.bytewise());
  const auto alpha = [&rnd](size_t n) {
    static const char kAlphabet[] = {'\0', 'a', 'b', '\xff'};
    std::string k(n, ' ');
    for (char& c : k) c = kAlphabet[rnd.Uniform(4)];
    return k;
  };
  for (const InternalKeyComparator* icmp : {&icmp_, &reversed}) {
    for (int round = 0; round < 60; ++round) {
      const std::string stem = alpha(rnd.Uniform(11));
      const std::string blocks[3] = {alpha(rnd.Uniform(10)),
                                     alpha(rnd.Uniform(10)),
                                     alpha(rnd.Uniform(10))};
      const auto key = [&] {
        if (rnd.OneIn(8)) return alpha(rnd.Uniform(13));
        return stem + blocks[rnd.Uniform(3)] + alpha(rnd.Uniform(4));
      };
      std::vector<InternalKey> bounds;
      const int count = 2 + static_cast<int>(rnd.Uniform(30));
      for (int i = 0; i < count; ++i) {
        bounds.emplace_back(key(), 1 + rnd.Uniform(50), kValue);
      }
      std::sort(bounds.begin(), bounds.end(),
                [icmp](const InternalKey& a, const InternalKey& b) {
                  return icmp->Compare(a.Encode(), b.Encode()) < 0;
                });
      bounds.erase(
          std::unique(bounds.begin(), bounds.end(),
                      [icmp](const InternalKey& a, const InternalKey& b) {
                        return icmp->Compare(a.Encode(), b.Encode()) == 0;
                      }),
          bounds.end());
      // Consecutive pairs of bounds make disjoint files.
      VersionEdit edit;
      std::vector<const InternalKey*> largest;
      for (size_t i = 0; i + 1 < bounds.size(); i += 2) {
        FileMetaData f;
        f.number = 100 + i;
        f.file_size = 1;
        f.smallest = bounds[i];
        f.largest = bounds[i + 1];
        edit.AddFile(1, f);
        largest.push_back(&bounds[i + 1]);
      }
      VersionBuilder builder(icmp, 4, nullptr);
      ASSERT_TRUE(builder.Apply(edit).ok());
      auto built = builder.Finish();
      ASSERT_TRUE(built.ok()) << built.status().ToString();
      const auto& v = *built.value();
      for (int probe = 0; probe < 200; ++probe) {
        const InternalKey target(key(), rnd.Uniform(60), kValue);
        size_t expected = 0;
        while (expected < largest.size() &&
               icmp->Compare(largest[expected]->Encode(), target.Encode()) <
                   0) {
          ++expected;
        }
        ASSERT_EQ(expected, v.FindFile(1, target.Encode()))
            << "round " << round << " probe " << probe;
      }
    }
  }
}

// Largest keys alike in their first 9 bytes (a letter and 8 zeros, as
// zero-padded numbers are), one user key's versions split across two
// files.
TEST_F(VersionTest, FindFileAmongKeysAlikeInTheirFirstBytes) {
  VersionEdit edit;
  edit.AddFile(1, File(1, "k00000000a", 5, "k00000000b", 9));
  edit.AddFile(1, File(2, "k00000000b", 8, "k00000000b", 3));
  edit.AddFile(1, File(3, "k00000000c", 7, "k00000000d", 7));
  const auto v = Build(edit);
  const auto find = [&](const std::string& key, SequenceNumber seq) {
    return FindInLevel1(*v, key, seq);
  };
  EXPECT_EQ(find("j", 1), 0u);
  EXPECT_EQ(find("k0000000", 1), 0u);  // a proper prefix of them all
  EXPECT_EQ(find("k00000000", 1), 0u);
  EXPECT_EQ(find("k00000000a", 1), 0u);
  EXPECT_EQ(find("k00000000b", 10), 0u);
  EXPECT_EQ(find("k00000000b", 9), 0u);
  EXPECT_EQ(find("k00000000b", 8), 1u);  // older than b@9: the next file
  EXPECT_EQ(find("k00000000b", 3), 1u);
  EXPECT_EQ(find("k00000000b", 2), 2u);
  EXPECT_EQ(find("k00000000c", 9), 2u);
  EXPECT_EQ(find("k00000000d", 7), 2u);
  EXPECT_EQ(find("k00000000d", 6), 3u);
  EXPECT_EQ(find("k00000000e", 9), 3u);
  EXPECT_EQ(find("k1", 9), 3u);
  EXPECT_EQ(find("l", 9), 3u);
}

TEST_F(VersionTest, OverlappingInSortedLevel) {
  const auto v = Level1();
  const auto overlap = [&](const char* begin, const char* end) {
    const Slice b = begin ? Slice(begin) : Slice();
    const Slice e = end ? Slice(end) : Slice();
    return Numbers(v->Overlapping(1, begin ? &b : nullptr, end ? &e : nullptr));
  };
  using N = std::vector<uint64_t>;
  EXPECT_EQ(overlap(nullptr, nullptr), (N{10, 11, 12, 13}));
  EXPECT_EQ(overlap("a", "a"), N{});
  EXPECT_EQ(overlap("a", "b"), (N{10}));
  EXPECT_EQ(overlap("d", "f"), (N{10, 11}));
  EXPECT_EQ(overlap("e", "e"), N{});
  EXPECT_EQ(overlap("h", "h"), (N{11, 12}));  // a user key in two files
  EXPECT_EQ(overlap("i", "o"), (N{12}));
  EXPECT_EQ(overlap("l", "o"), N{});
  EXPECT_EQ(overlap(nullptr, "c"), (N{10}));
  EXPECT_EQ(overlap("j", nullptr), (N{12, 13}));
  EXPECT_EQ(overlap("q", nullptr), N{});
  EXPECT_EQ(overlap(nullptr, "a"), N{});
}

TEST_F(VersionTest, OverlappingInLevel0KeepsNewestFirst) {
  VersionEdit edit;
  edit.AddFile(0, File(1, "a", 1, "c", 2));
  edit.AddFile(0, File(2, "b", 3, "e", 4));
  edit.AddFile(0, File(3, "g", 5, "h", 6));
  const auto v = Build(edit);
  const Slice b("c"), e("f");
  EXPECT_EQ(Numbers(v->Overlapping(0, &b, &e)), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(Numbers(v->Overlapping(0, nullptr, &b)),
            (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(Numbers(v->Overlapping(0, &e, nullptr)),
            (std::vector<uint64_t>{3}));
}

TEST_F(VersionTest, EditsApplyOnABaseAndShareFiles) {
  const auto v1 = Level1();
  VersionEdit edit;
  edit.DeleteFile(1, 11);
  edit.DeleteFile(1, 13);
  edit.AddFile(2, File(13, "p", 1, "p", 1));  // moved down a level
  edit.AddFile(0, File(20, "a", 50, "z", 60, 7));
  const auto v2 = Build(edit, v1.get());
  EXPECT_EQ(Numbers(v2->files(0)), (std::vector<uint64_t>{20}));
  EXPECT_EQ(Numbers(v2->files(1)), (std::vector<uint64_t>{10, 12}));
  EXPECT_EQ(Numbers(v2->files(2)), (std::vector<uint64_t>{13}));
  EXPECT_EQ(v2->LevelBytes(0), 7u);
  EXPECT_EQ(v2->LevelBytes(1), 200u);
  // The untouched file is the same object in both versions.
  EXPECT_EQ(v1->files(1)[0].get(), v2->files(1)[0].get());
  // The base is unchanged.
  EXPECT_EQ(Numbers(v1->files(1)), (std::vector<uint64_t>{10, 11, 12, 13}));
}

TEST_F(VersionTest, DeletingAnAbsentFileIsCorruption) {
  const auto v1 = Level1();
  VersionEdit wrong_level;
  wrong_level.DeleteFile(2, 11);
  Status s = BuildStatus(wrong_level, v1.get());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("deletes table 000011 from level 2"),
            std::string::npos)
      << s.ToString();
  VersionEdit absent;
  absent.DeleteFile(1, 99);
  EXPECT_TRUE(BuildStatus(absent, v1.get()).IsCorruption());
  VersionEdit beyond;
  beyond.DeleteFile(5, 10);  // the builder has 4 levels
  EXPECT_TRUE(BuildStatus(beyond, v1.get()).IsCorruption());
}

TEST_F(VersionTest, AddingALiveNumberIsCorruption) {
  const auto v1 = Level1();
  VersionEdit edit;
  edit.AddFile(3, File(12, "x", 1, "y", 1));
  const Status s = BuildStatus(edit, v1.get());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("already live at level 1"), std::string::npos)
      << s.ToString();
  VersionEdit twice;
  twice.AddFile(0, File(4, "a", 1, "b", 1));
  twice.AddFile(2, File(4, "a", 1, "b", 1));
  EXPECT_TRUE(BuildStatus(twice).IsCorruption());
}

TEST_F(VersionTest, LevelBeyondTheSetIsCorruption) {
  VersionEdit edit;
  edit.AddFile(4, File(4, "a", 1, "b", 1));
  const Status s = BuildStatus(edit);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("only 4 levels"), std::string::npos);
}

TEST_F(VersionTest, InvertedKeyRangeIsCorruption) {
  VersionEdit edit;
  edit.AddFile(0, File(4, "b", 1, "a", 1));
  EXPECT_TRUE(BuildStatus(edit).IsCorruption());
  VersionEdit same_key;
  same_key.AddFile(0, File(4, "a", 1, "a", 2));  // a@1 sorts after a@2
  EXPECT_TRUE(BuildStatus(same_key).IsCorruption());
}

TEST_F(VersionTest, OverlapInSortedLevelIsCorruption) {
  const auto v1 = Level1();
  VersionEdit edit;
  edit.AddFile(1, File(20, "c", 9, "e", 9));  // meets [b..d]
  Status s = BuildStatus(edit, v1.get());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("level 1: table 000010"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("overlaps table 000020"), std::string::npos);

  VersionEdit touching;  // shares the exact internal key p@1
  touching.AddFile(1, File(21, "p", 1, "r", 1));
  EXPECT_TRUE(BuildStatus(touching, v1.get()).IsCorruption());

  VersionEdit level0;  // level 0 may overlap
  level0.AddFile(0, File(22, "c", 9, "e", 9));
  EXPECT_TRUE(BuildStatus(level0, v1.get()).ok());
}

// In a versioned DB the tables of a level >= 1 must not split one key's
// versions, and ranges take every version of the keys they meet.
TEST_F(VersionTest, VersionedLevelsKeepEachKeyInOneTable) {
  const InternalKeyComparator versioned(BytewiseComparator(), true);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  // k's newer versions end one table, its older ones start the next.
  VersionEdit split;
  split.AddFile(1, File(30, at("a", 5), 1, at("k", 9), 2));
  split.AddFile(1, File(31, at("k", 3), 3, at("z", 1), 4));
  VersionBuilder builder(&versioned, 4, nullptr);
  ASSERT_TRUE(builder.Apply(split).ok());
  const Status s = builder.Finish().status();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("share the versions of a key"), std::string::npos)
      << s.ToString();

  VersionEdit apart;
  apart.AddFile(1, File(30, at("a", 5), 1, at("k", 9), 2));
  apart.AddFile(1, File(31, at("m", 3), 3, at("z", 1), 4));
  VersionBuilder good(&versioned, 4, nullptr);
  ASSERT_TRUE(good.Apply(apart).ok());
  auto v = good.Finish();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  // A range from k's oldest possible version still takes the table holding
  // k's newer ones; one ending at m's newest takes m's table.
  const std::string begin_key = at("k", 0);
  const std::string end_key = at("m", 100);
  const Slice begin(begin_key);
  const Slice end(end_key);
  EXPECT_EQ((std::vector<uint64_t>{30, 31}),
            Numbers(v.value()->Overlapping(1, &begin, &end)));
  EXPECT_EQ(0u, v.value()->FindFirstFileOfKey(1, at("k", 0)));
}

// A table whose range tombstone ends at a key (a DeleteRange's end, or the
// cut between two outputs) ends before that key's versions: the next table
// of the level may start at them.
TEST_F(VersionTest, AVersionedTableMayEndWhereARangeTombstoneEnds) {
  const InternalKeyComparator versioned(BytewiseComparator(), true);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  const auto edit_ending_with = [&](const InternalKey& largest) {
    VersionEdit edit;
    FileMetaData first = File(40, at("a", 5), 1, at("a", 5), 1);
    first.largest = largest;
    first.largest_seqno = 2;
    edit.AddFile(1, first);
    edit.AddFile(1, File(41, at("k", 3), 3, at("z", 1), 4));
    return edit;
  };
  // The sentinel at k's newest timestamp: before every version of k.
  VersionBuilder good(&versioned, 4, nullptr);
  ASSERT_TRUE(good.Apply(edit_ending_with(InternalKey(
                             at("k", kMaxTimestamp), kMaxSequenceNumber,
                             static_cast<uint8_t>(ValueType::kRangeDeletion))))
                  .ok());
  auto v = good.Finish();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(
      EndsBeforeKey(versioned, v.value()->files(1)[0]->largest.Encode()));
  // The same sentinel inside k's versions (a Purge's end) holds k.
  VersionBuilder bad(&versioned, 4, nullptr);
  ASSERT_TRUE(bad.Apply(edit_ending_with(InternalKey(
                            at("k", 0), kMaxSequenceNumber,
                            static_cast<uint8_t>(ValueType::kRangeDeletion))))
                  .ok());
  EXPECT_TRUE(bad.Finish().status().IsCorruption());
  // So does a real entry of k.
  VersionBuilder real(&versioned, 4, nullptr);
  ASSERT_TRUE(
      real.Apply(edit_ending_with(InternalKey(at("k", 9), 2, kValue))).ok());
  EXPECT_TRUE(real.Finish().status().IsCorruption());
}

// Value-log files live in a version while a table names them; garbage
// accumulates; misuse is Corruption.
TEST_F(VersionTest, VlogFilesLiveWhileATableNamesThem) {
  FileMetaData t1 = File(10, "a", 1, "c", 2);
  t1.vlog_files = {20, 21};
  FileMetaData t2 = File(11, "d", 3, "f", 4);
  t2.vlog_files = {21};
  VersionEdit add;
  add.AddFile(1, t1);
  add.AddFile(1, t2);
  add.AddVlogFile(VlogFileMeta{20, 1000, 10, 960, 0});
  add.AddVlogFile(VlogFileMeta{21, 500, 5, 460, 0});
  add.AddVlogFile(VlogFileMeta{22, 40, 0, 0, 0});  // named by no table
  const auto v1 = Build(add);
  ASSERT_NE(nullptr, v1);
  ASSERT_EQ(2u, v1->vlog_files().size());
  EXPECT_EQ(1500u, v1->VlogBytes());
  EXPECT_NE(v1->DebugString().find("vlog 20:1000 records=10 garbage=0/960"),
            std::string::npos)
      << v1->DebugString();

  // Garbage adds up; dropping the only table that names 20 drops it.
  VersionEdit drop;
  drop.DeleteFile(1, 10);
  drop.AddVlogGarbage(20, 900);
  drop.AddVlogGarbage(21, 100);
  const auto v2 = Build(drop, v1.get());
  ASSERT_NE(nullptr, v2);
  ASSERT_EQ(1u, v2->vlog_files().size());
  EXPECT_EQ(100u, v2->vlog_files().at(21)->garbage_bytes);
  EXPECT_EQ(0u, v1->vlog_files().at(21)->garbage_bytes);  // v1 unchanged
  EXPECT_EQ(500u, v2->VlogBytes());

  // Garbage past the live bytes, in a file not live, a table naming a file
  // the builder lacks, a number reused.
  VersionEdit too_much;
  too_much.AddVlogGarbage(21, 361);
  EXPECT_TRUE(BuildStatus(too_much, v2.get()).IsCorruption());
  VersionEdit gone;
  gone.AddVlogGarbage(20, 1);
  EXPECT_TRUE(BuildStatus(gone, v2.get()).IsCorruption());
  FileMetaData t3 = File(12, "g", 5, "h", 6);
  t3.vlog_files = {30};
  VersionEdit dangling;
  dangling.AddFile(1, t3);
  const Status s = BuildStatus(dangling, v2.get());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("value log 000030"), std::string::npos)
      << s.ToString();
  VersionEdit reuse;
  reuse.AddVlogFile(VlogFileMeta{11, 40, 0, 0, 0});  // table 11's number
  EXPECT_TRUE(BuildStatus(reuse, v2.get()).IsCorruption());
  VersionEdit reuse_table;
  reuse_table.AddFile(2, File(21, "x", 7, "y", 8));  // vlog 21's number
  EXPECT_TRUE(BuildStatus(reuse_table, v2.get()).IsCorruption());
}

TEST_F(VersionTest, DebugStringListsLevelsAndFiles) {
  const std::string d = Level1()->DebugString();
  EXPECT_NE(d.find("--- level 1: 4 files, 400 bytes ---"), std::string::npos)
      << d;
  EXPECT_NE(d.find("  10:100['b' @ 5 : 1 .. 'd' @ 6 : 1]"), std::string::npos)
      << d;
  EXPECT_NE(d.find("--- level 3: 0 files, 0 bytes ---"), std::string::npos);
}

}  // namespace
}  // namespace strata::internal
