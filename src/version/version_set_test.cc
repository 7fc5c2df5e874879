// Tests of VersionSet over the in-memory Env: create, log, recover, roll
// the MANIFEST, the CURRENT switch, every kind of damaged CURRENT and
// MANIFEST, rejected edits, live-file tracking and concurrent use.
// Crash and I/O-fault tests are in tests/version_set_fault_test.cc.

#include "version/version_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "env/env_util.h"
#include "strata/comparator.h"
#include "strata/env.h"
#include "wal/log_writer.h"

namespace strata::internal {
namespace {

constexpr char kDb[] = "/db";
constexpr auto kValue = static_cast<uint8_t>(ValueType::kValue);

FileMetaData File(uint64_t number, const std::string& smallest,
                  const std::string& largest, SequenceNumber seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = 1000 + number;
  f.smallest = InternalKey(smallest, seq, kValue);
  f.largest = InternalKey(largest, seq, kValue);
  f.smallest_seqno = seq;
  f.largest_seqno = seq;
  f.num_entries = 2 * number;
  f.num_deletions = number;
  return f;
}

// Orders like the bytewise comparator under another name.
class RenamedComparator final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return BytewiseComparator()->Compare(a, b);
  }
  const char* Name() const override { return "test.RenamedComparator"; }
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

class VersionSetTest : public ::testing::Test {
 protected:
  VersionSetTest() : env_(NewMemEnv()) {
    EXPECT_TRUE(env_->CreateDirIfMissing(kDb).ok());
  }

  std::unique_ptr<VersionSet> NewSet(
      uint64_t max_manifest_size = 64 << 20,
      const InternalKeyComparator* icmp = nullptr) {
    VersionSetOptions options;
    options.env = env_.get();
    options.dbname = kDb;
    options.icmp = icmp != nullptr ? icmp : &icmp_;
    options.num_levels = 4;
    options.max_manifest_size = max_manifest_size;
    options.info_log = info_log_;
    return std::make_unique<VersionSet>(options);
  }

  // Everything recovery must restore except the next file number, which
  // the caller compares with what the last edit recorded.
  static std::string Describe(const VersionSet& vs) {
    return vs.current()->DebugString() +
           "log=" + std::to_string(vs.log_number()) +
           " last=" + std::to_string(vs.last_sequence());
  }

  std::string Contents(const std::string& path) {
    std::string s;
    EXPECT_TRUE(ReadFileToString(env_.get(), path, &s).ok()) << path;
    return s;
  }

  void Overwrite(const std::string& path, const std::string& contents) {
    ASSERT_TRUE(WriteStringToFile(env_.get(), contents, path, true).ok());
  }

  uint64_t Size(const std::string& path) {
    uint64_t size = 0;
    EXPECT_TRUE(env_->GetFileSize(path, &size).ok()) << path;
    return size;
  }

  // Writes MANIFEST-000001 holding `records` and points CURRENT at it.
  void WriteManifest(const std::vector<std::string>& records) {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env_->NewWritableFile(ManifestFileName(kDb, 1), &file).ok());
    log::Writer writer(file.get());
    for (const auto& r : records) ASSERT_TRUE(writer.AddRecord(r).ok());
    ASSERT_TRUE(file->Close().ok());
    Overwrite(CurrentFileName(kDb), "MANIFEST-000001\n");
  }

  static std::string Encode(const VersionEdit& edit) {
    std::string s;
    edit.EncodeTo(&s);
    return s;
  }

  // A snapshot edit as CreateNew writes it.
  static VersionEdit Snapshot() {
    VersionEdit edit;
    edit.SetComparatorName("strata.BytewiseComparator");
    edit.SetLogNumber(0);
    edit.SetNextFileNumber(2);
    edit.SetLastSequence(0);
    return edit;
  }

  // Recovers a fresh set from what is on disk.
  Status RecoverFresh() { return NewSet()->Recover(); }

  // Applies a sequence of edits touching every field; returns the set.
  std::unique_ptr<VersionSet> BuildHistory(uint64_t max_manifest_size,
                                           uint64_t* recorded_next) {
    auto vs = NewSet(max_manifest_size);
    EXPECT_TRUE(vs->CreateNew().ok());
    uint64_t n[8];
    for (auto& x : n) x = vs->NewFileNumber();
    VersionEdit e1;
    e1.AddFile(0, File(n[0], "a", "m", 10));
    e1.AddFile(0, File(n[1], "c", "z", 20));
    e1.SetLogNumber(n[2]);
    vs->SetLastSequence(20);
    EXPECT_TRUE(vs->LogAndApply(&e1).ok());
    VersionEdit e2;  // a "compaction": L0 → L1, two outputs
    e2.DeleteFile(0, n[0]);
    e2.DeleteFile(0, n[1]);
    e2.AddFile(1, File(n[3], "a", "f", 20));
    e2.AddFile(1, File(n[4], "g", "z", 20));
    EXPECT_TRUE(vs->LogAndApply(&e2).ok());
    VersionEdit e3;
    e3.AddFile(0, File(n[5], "b", "b", 35));
    e3.SetLogNumber(n[6]);
    vs->SetLastSequence(35);
    EXPECT_TRUE(vs->LogAndApply(&e3).ok());
    VersionEdit e4;  // a trivial move down
    e4.DeleteFile(1, n[4]);
    e4.AddFile(2, File(n[4], "g", "z", 20));
    vs->SetLastSequence(36);
    EXPECT_TRUE(vs->LogAndApply(&e4).ok());
    *recorded_next = e4.next_file_number();
    return vs;
  }

  std::unique_ptr<Env> env_;
  const InternalKeyComparator icmp_{BytewiseComparator()};
  InfoLogger* info_log_ = nullptr;  // passed to every new set
};

TEST_F(VersionSetTest, FileNames) {
  EXPECT_EQ(ManifestFileName("/x/db", 5), "/x/db/MANIFEST-000005");
  EXPECT_EQ(ManifestFileName("db", 12345678), "db/MANIFEST-12345678");
  EXPECT_EQ(CurrentFileName("/x/db"), "/x/db/CURRENT");
  EXPECT_EQ(TableFileName("/x/db", 42), "/x/db/000042.sst");
  EXPECT_EQ(TableFileName("/x/db", 1234567), "/x/db/1234567.sst");
}

TEST_F(VersionSetTest, CreateNewWritesSnapshotAndCurrent) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  EXPECT_EQ(Contents(CurrentFileName(kDb)), "MANIFEST-000001\n");
  EXPECT_FALSE(env_->FileExists(std::string(kDb) + "/CURRENT.tmp"));
  EXPECT_EQ(vs->manifest_file_number(), 1u);
  EXPECT_EQ(vs->log_number(), 0u);
  EXPECT_EQ(vs->last_sequence(), 0u);
  EXPECT_EQ(vs->current()->TotalFiles(), 0u);
  EXPECT_EQ(vs->NewFileNumber(), 2u);
  EXPECT_EQ(vs->NewFileNumber(), 3u);

  // The MANIFEST is exactly one framed record: the snapshot edit.
  const std::string record = Encode(Snapshot());
  std::string expected_file;
  {
    class Sink final : public WritableFile {
     public:
      explicit Sink(std::string* s) : s_(s) {}
      Status Append(const Slice& d) override {
        s_->append(d.data(), d.size());
        return Status::OK();
      }
      Status Flush() override { return Status::OK(); }
      Status Sync() override { return Status::OK(); }
      Status Close() override { return Status::OK(); }
      uint64_t Size() const override { return s_->size(); }

     private:
      std::string* s_;
    } sink(&expected_file);
    log::Writer w(&sink);
    ASSERT_TRUE(w.AddRecord(record).ok());
  }
  EXPECT_EQ(Contents(ManifestFileName(kDb, 1)), expected_file);

  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(Describe(*again), Describe(*vs));
  EXPECT_EQ(again->NewFileNumber(), 2u);
}

TEST_F(VersionSetTest, LogAndApplyFillsCountersAndInstalls) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t number = vs->NewFileNumber();
  vs->SetLastSequence(42);
  VersionEdit edit;
  edit.AddFile(1, File(number, "k", "l", 42));
  const auto before = vs->current();
  ASSERT_TRUE(vs->LogAndApply(&edit).ok());
  EXPECT_TRUE(edit.has_next_file_number());
  EXPECT_EQ(edit.next_file_number(), number + 1);
  EXPECT_TRUE(edit.has_last_sequence());
  EXPECT_EQ(edit.last_sequence(), 42u);
  EXPECT_FALSE(edit.has_log_number());
  EXPECT_EQ(before->TotalFiles(), 0u);  // old versions never change
  ASSERT_EQ(vs->current()->NumFiles(1), 1);
  EXPECT_EQ(vs->current()->files(1)[0]->number, number);
  EXPECT_EQ(vs->manifest_file_number(), 1u);  // appended, not rolled
}

// Read charges (read-triggered compaction) stay with a table while later
// versions keep it where it is, and start again when it moves: a
// compaction that moves a charged table adds a copy of its metadata.
TEST_F(VersionSetTest, ReadChargesFollowATableUntilItMoves) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t charged = vs->NewFileNumber();
  const uint64_t other = vs->NewFileNumber();
  VersionEdit add;
  add.AddFile(1, File(charged, "a", "c", 42));
  ASSERT_TRUE(vs->LogAndApply(&add).ok());
  const auto first = vs->current()->files(1)[0];
  for (int i = 0; i < 3; ++i) first->read_charges.Add();

  VersionEdit unrelated;
  unrelated.AddFile(2, File(other, "x", "z", 42));
  ASSERT_TRUE(vs->LogAndApply(&unrelated).ok());
  EXPECT_EQ(vs->current()->files(1)[0]->read_charges.Count(), 3u);

  VersionEdit move;
  move.DeleteFile(1, charged);
  move.AddFile(2, *first);  // the charged metadata, as a move copies it
  ASSERT_TRUE(vs->LogAndApply(&move).ok());
  ASSERT_EQ(vs->current()->NumFiles(2), 2);
  EXPECT_EQ(vs->current()->files(2)[0]->number, charged);
  EXPECT_EQ(vs->current()->files(2)[0]->read_charges.Count(), 0u);
  EXPECT_EQ(first->read_charges.Count(), 3u);  // the old version's, kept
}

TEST_F(VersionSetTest, RecoverRestoresFilesAndCounters) {
  uint64_t recorded_next = 0;
  auto vs = BuildHistory(64 << 20, &recorded_next);
  EXPECT_EQ(recorded_next, 10u);
  EXPECT_EQ(vs->manifest_file_number(), 1u);
  EXPECT_EQ(vs->log_number(), 8u);

  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(Describe(*again), Describe(*vs));
  EXPECT_EQ(again->NewFileNumber(), recorded_next);
  EXPECT_EQ(again->manifest_file_number(), 1u);
  const auto v = again->current();
  EXPECT_EQ(v->NumFiles(0), 1);
  EXPECT_EQ(v->NumFiles(1), 1);
  EXPECT_EQ(v->NumFiles(2), 1);
  const FileMetaData& f = *v->files(2)[0];
  EXPECT_EQ(f.number, 6u);
  EXPECT_EQ(f.file_size, 1006u);
  EXPECT_EQ(f.num_entries, 12u);
  EXPECT_EQ(f.num_deletions, 6u);
  EXPECT_EQ(f.smallest.Encode().ToString(),
            InternalKey("g", 20, kValue).Encode().ToString());
}

TEST_F(VersionSetTest, FirstEditAfterRecoverStartsANewManifest) {
  uint64_t recorded_next = 0;
  auto vs = BuildHistory(64 << 20, &recorded_next);
  vs.reset();
  const std::string old_manifest = Contents(ManifestFileName(kDb, 1));

  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  const std::string recovered = Describe(*again);
  VersionEdit edit;
  edit.SetLogNumber(9);
  ASSERT_TRUE(again->LogAndApply(&edit).ok());
  // The new MANIFEST took the next number; the old one was never appended
  // to and is gone once CURRENT no longer names it.
  EXPECT_EQ(again->manifest_file_number(), recorded_next);
  EXPECT_EQ(Contents(CurrentFileName(kDb)), "MANIFEST-000010\n");
  EXPECT_FALSE(env_->FileExists(ManifestFileName(kDb, 1)));
  EXPECT_EQ(edit.next_file_number(), recorded_next + 1);

  auto third = NewSet();
  ASSERT_TRUE(third->Recover().ok());
  EXPECT_EQ(Describe(*third), Describe(*again));
  EXPECT_NE(Describe(*third), recovered);  // the log number moved
  EXPECT_EQ(third->log_number(), 9u);
  EXPECT_EQ(third->NewFileNumber(), recorded_next + 1);
}

TEST_F(VersionSetTest, TinyMaxManifestSizeRollsOnEveryEdit) {
  auto vs = NewSet(/*max_manifest_size=*/1);
  ASSERT_TRUE(vs->CreateNew().ok());
  uint64_t previous = vs->manifest_file_number();
  for (int i = 0; i < 5; ++i) {
    const uint64_t number = vs->NewFileNumber();
    VersionEdit edit;
    edit.AddFile(0, File(number, "a", "b", static_cast<uint64_t>(i)));
    ASSERT_TRUE(vs->LogAndApply(&edit).ok());
    const uint64_t manifest = vs->manifest_file_number();
    EXPECT_EQ(manifest, number + 1);  // allocated after the table's number
    EXPECT_EQ(Contents(CurrentFileName(kDb)),
              "MANIFEST-" +
                  std::string(6 - std::to_string(manifest).size(), '0') +
                  std::to_string(manifest) + "\n");
    EXPECT_FALSE(env_->FileExists(ManifestFileName(kDb, previous)));
    EXPECT_TRUE(env_->FileExists(ManifestFileName(kDb, manifest)));
    previous = manifest;

    auto again = NewSet();
    ASSERT_TRUE(again->Recover().ok());
    EXPECT_EQ(Describe(*again), Describe(*vs));
    EXPECT_EQ(again->current()->NumFiles(0), i + 1);
    EXPECT_EQ(again->NewFileNumber(), edit.next_file_number());
  }
  std::vector<std::string> children;
  ASSERT_TRUE(env_->GetChildren(kDb, &children).ok());
  std::sort(children.begin(), children.end());
  EXPECT_EQ(children, (std::vector<std::string>{"CURRENT", "MANIFEST-000011"}));
}

// Value-log files and their garbage survive a MANIFEST roll (the new
// one's snapshot) and recovery, and count as live files.
TEST_F(VersionSetTest, VlogFilesAndGarbageSurviveRollsAndRecovery) {
  for (const uint64_t max_manifest_size : {uint64_t{1}, uint64_t{1} << 20}) {
    SCOPED_TRACE(max_manifest_size);
    env_ = NewMemEnv();
    ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
    auto vs = NewSet(max_manifest_size);
    ASSERT_TRUE(vs->CreateNew().ok());
    const uint64_t table = vs->NewFileNumber();
    const uint64_t vlog = vs->NewFileNumber();
    FileMetaData f = File(table, "a", "m", 10);
    f.vlog_files = {vlog};
    VersionEdit add;
    add.AddFile(0, f);
    add.AddVlogFile(VlogFileMeta{vlog, 4096, 3, 4000, 0});
    ASSERT_TRUE(vs->LogAndApply(&add).ok());
    VersionEdit garbage;
    garbage.AddVlogGarbage(vlog, 1500);
    ASSERT_TRUE(vs->LogAndApply(&garbage).ok());
    VersionEdit more;  // once more, so a roll writes the snapshot
    more.AddVlogGarbage(vlog, 500);
    ASSERT_TRUE(vs->LogAndApply(&more).ok());
    ASSERT_EQ(2000u, vs->current()->vlog_files().at(vlog)->garbage_bytes);
    std::set<uint64_t> live;
    vs->AddLiveFiles(&live);
    EXPECT_EQ((std::set<uint64_t>{table, vlog}), live);

    auto again = NewSet();
    ASSERT_TRUE(again->Recover().ok());
    EXPECT_EQ(Describe(*vs), Describe(*again));
    ASSERT_EQ(1u, again->current()->vlog_files().size());
    EXPECT_EQ(2000u, again->current()->vlog_files().at(vlog)->garbage_bytes);
  }
}

TEST_F(VersionSetTest, ManifestRollsOnceItPassesMaxSize) {
  auto vs = NewSet(/*max_manifest_size=*/400);
  ASSERT_TRUE(vs->CreateNew().ok());
  int rolls = 0;
  uint64_t manifest = vs->manifest_file_number();
  for (int i = 0; i < 30; ++i) {
    const uint64_t size_before = Size(ManifestFileName(kDb, manifest));
    VersionEdit edit;
    edit.AddFile(
        0, File(vs->NewFileNumber(), "key", "key", static_cast<uint64_t>(i)));
    ASSERT_TRUE(vs->LogAndApply(&edit).ok());
    if (vs->manifest_file_number() != manifest) {
      EXPECT_GE(size_before, 400u);
      ++rolls;
      manifest = vs->manifest_file_number();
    } else {
      EXPECT_LT(size_before, 400u);
    }
  }
  EXPECT_GE(rolls, 2);
  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(Describe(*again), Describe(*vs));
  EXPECT_EQ(again->current()->NumFiles(0), 30);
}

// Versioned DBs: the last commit timestamp and the retention horizon are
// recorded by every edit once set, survive recovery and MANIFEST rolls, and
// never go down.
struct MaxField {
  const char* name;
  uint64_t (VersionSet::*get)() const;
  void (VersionSet::*set)(uint64_t);
  void (VersionEdit::*set_in_edit)(uint64_t);
};

class VersionSetMaxFieldTest : public VersionSetTest,
                               public ::testing::WithParamInterface<MaxField> {
};

INSTANTIATE_TEST_SUITE_P(
    Fields, VersionSetMaxFieldTest,
    ::testing::Values(MaxField{"LastTimestamp", &VersionSet::last_timestamp,
                               &VersionSet::SetLastTimestamp,
                               &VersionEdit::SetLastTimestamp},
                      MaxField{"RetentionHorizon",
                               &VersionSet::retention_horizon,
                               &VersionSet::SetRetentionHorizon,
                               &VersionEdit::SetRetentionHorizon}),
    [](const ::testing::TestParamInfo<MaxField>& info) {
      return std::string(info.param.name);
    });

TEST_P(VersionSetMaxFieldTest, SurvivesRecoveryAndRolls) {
  const MaxField f = GetParam();
  const auto get = [&](const std::unique_ptr<VersionSet>& set) {
    return ((*set).*f.get)();
  };
  auto vs = NewSet(/*max_manifest_size=*/1);  // a new MANIFEST every edit
  ASSERT_TRUE(vs->CreateNew().ok());
  EXPECT_EQ(0u, get(vs));
  const auto add = [&](VersionSet* set, uint64_t in_edit) {
    VersionEdit edit;
    edit.AddFile(0, File(set->NewFileNumber(), "a", "b", 1));
    if (in_edit > 0) (edit.*f.set_in_edit)(in_edit);
    return set->LogAndApply(&edit);
  };
  ASSERT_TRUE(add(vs.get(), 0).ok());
  {
    auto again = NewSet();
    ASSERT_TRUE(again->Recover().ok());
    EXPECT_EQ(0u, get(again));  // none recorded without one
  }
  ((*vs).*f.set)(500);
  ((*vs).*f.set)(400);  // never lowers it
  EXPECT_EQ(500u, get(vs));
  ASSERT_TRUE(add(vs.get(), 0).ok());
  auto again = NewSet(/*max_manifest_size=*/1);
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(500u, get(again));
  // The first edit after recovery writes a new MANIFEST: still recorded.
  ASSERT_TRUE(add(again.get(), 0).ok());
  auto third = NewSet();
  ASSERT_TRUE(third->Recover().ok());
  EXPECT_EQ(500u, get(third));
  // An edit may raise it itself.
  ASSERT_TRUE(add(third.get(), 900).ok());
  EXPECT_EQ(900u, get(third));
  ASSERT_TRUE(add(third.get(), 700).ok());
  auto fourth = NewSet();
  ASSERT_TRUE(fourth->Recover().ok());
  EXPECT_EQ(900u, get(fourth));
}

TEST_F(VersionSetTest, ComparatorMismatchIsInvalidArgument) {
  ASSERT_TRUE(NewSet()->CreateNew().ok());
  RenamedComparator renamed;
  const InternalKeyComparator other(&renamed);
  const Status s = NewSet(64 << 20, &other)->Recover();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("'strata.BytewiseComparator'"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("'test.RenamedComparator'"), std::string::npos);
}

TEST_F(VersionSetTest, MissingCurrentIsCorruption) {
  const Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("/db/CURRENT: file is missing"),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, CurrentNamingAMissingManifestIsCorruption) {
  ASSERT_TRUE(NewSet()->CreateNew().ok());
  Overwrite(CurrentFileName(kDb), "MANIFEST-000007\n");
  const Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("/db/MANIFEST-000007: file named by CURRENT is "
                              "missing"),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, GarbledCurrentIsCorruption) {
  ASSERT_TRUE(NewSet()->CreateNew().ok());
  for (const std::string& bad : std::vector<std::string>{
           "", "\n", "MANIFEST-000001", "MANIFEST-\n", "MANIFEST-00x001\n",
           "MANIFEST-000001\n\n", " MANIFEST-000001\n", "manifest-000001\n",
           "MANIFEST-99999999999999999999999\n", std::string("MAN\0\xff", 5)}) {
    Overwrite(CurrentFileName(kDb), bad);
    const Status s = RecoverFresh();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.ToString().find("/db/CURRENT: expected"), std::string::npos)
        << s.ToString();
  }
  Overwrite(CurrentFileName(kDb), "MANIFEST-1\n");  // unpadded still parses
  EXPECT_TRUE(RecoverFresh().ok());
}

TEST_F(VersionSetTest, OversizedCurrentIsCorruptionWithoutReadingItWhole) {
  ASSERT_TRUE(NewSet()->CreateNew().ok());
  // A valid name followed by 8 MiB of padding.
  Overwrite(CurrentFileName(kDb),
            "MANIFEST-000001\n" + std::string(8 << 20, '\n'));
  const Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("/db/CURRENT: file is longer than 4096 bytes"),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, TornLastRecordIsTolerated) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  std::vector<std::string> states;  // state after each edit
  std::vector<uint64_t> sizes;      // MANIFEST size after each edit
  for (int i = 0; i < 3; ++i) {
    VersionEdit edit;
    edit.AddFile(0,
                 File(vs->NewFileNumber(), "a", "z", static_cast<uint64_t>(i)));
    ASSERT_TRUE(vs->LogAndApply(&edit).ok());
    states.push_back(Describe(*vs));
    sizes.push_back(Size(ManifestFileName(kDb, 1)));
  }
  vs.reset();
  const std::string full = Contents(ManifestFileName(kDb, 1));
  ASSERT_EQ(full.size(), sizes[2]);
  for (uint64_t cut = sizes[1] + 1; cut < sizes[2]; ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Overwrite(ManifestFileName(kDb, 1), full.substr(0, cut));
    auto again = NewSet();
    ASSERT_TRUE(again->Recover().ok());
    EXPECT_EQ(Describe(*again), states[1]);
  }
  // The info log says what was dropped.
  std::unique_ptr<WritableFile> log_file;
  ASSERT_TRUE(env_->NewWritableFile("/db/LOG", &log_file).ok());
  InfoLogger info_log(env_.get(), std::move(log_file));
  info_log_ = &info_log;
  // And the set goes on from there, in a new MANIFEST.
  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  VersionEdit edit;
  edit.AddFile(1, File(again->NewFileNumber(), "q", "r", 9));
  ASSERT_TRUE(again->LogAndApply(&edit).ok());
  EXPECT_NE(again->manifest_file_number(), 1u);
  auto third = NewSet();
  ASSERT_TRUE(third->Recover().ok());
  EXPECT_EQ(Describe(*third), Describe(*again));
  info_log_ = nullptr;
  const std::string log = Contents("/db/LOG");
  EXPECT_NE(
      log.find("byte(s) of MANIFEST at offset " + std::to_string(sizes[1])),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("MANIFEST-000001: replayed 3 edit(s) and ignored a torn "
                     "tail"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("switched to MANIFEST-"), std::string::npos) << log;
}

TEST_F(VersionSetTest, FlippedBitInTheMiddleIsCorruptionNamingOffset) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t second_record = Size(ManifestFileName(kDb, 1));
  for (int i = 0; i < 3; ++i) {
    VersionEdit edit;
    edit.AddFile(0,
                 File(vs->NewFileNumber(), "a", "z", static_cast<uint64_t>(i)));
    ASSERT_TRUE(vs->LogAndApply(&edit).ok());
  }
  vs.reset();
  std::string contents = Contents(ManifestFileName(kDb, 1));
  contents[second_record + 15] ^= 0x10;  // inside the second record
  Overwrite(ManifestFileName(kDb, 1), contents);
  const Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("MANIFEST-000001 offset " +
                              std::to_string(second_record)),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, UndecodableEditIsCorruptionNamingOffset) {
  const std::string first = Encode(Snapshot());
  WriteManifest({first, std::string("\x0c\x00", 2)});
  const Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // The second record starts after the first's 11-byte header and payload.
  EXPECT_NE(s.ToString().find("MANIFEST-000001 offset " +
                              std::to_string(11 + first.size()) +
                              ": VersionEdit tag: unknown tag 12"),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, EditThatDoesNotFitIsCorruptionNamingOffset) {
  const std::string first = Encode(Snapshot());
  VersionEdit add;
  add.AddFile(0, File(5, "a", "b", 1));
  VersionEdit missing_delete;
  missing_delete.DeleteFile(0, 6);
  WriteManifest({first, Encode(add), Encode(missing_delete)});
  Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  const uint64_t third = 11 + first.size() + 11 + Encode(add).size();
  EXPECT_NE(
      s.ToString().find("MANIFEST-000001 offset " + std::to_string(third) +
                        ": version edit deletes table 000006"),
      std::string::npos)
      << s.ToString();

  WriteManifest({first, Encode(add), Encode(add)});
  s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("already live"), std::string::npos);

  VersionEdit overlap;
  overlap.AddFile(1, File(7, "a", "m", 1));
  overlap.AddFile(1, File(8, "k", "z", 1));
  WriteManifest({first, Encode(overlap)});
  s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("MANIFEST-000001: level 1: table 000007"),
            std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, IncompleteManifestIsCorruption) {
  WriteManifest({});
  Status s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("holds no version edit"), std::string::npos);

  VersionEdit no_comparator = Snapshot();
  no_comparator.Clear();
  no_comparator.SetLogNumber(0);
  WriteManifest({Encode(no_comparator)});
  s = RecoverFresh();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("MANIFEST-000001 offset 0: first edit names no "
                              "comparator"),
            std::string::npos)
      << s.ToString();

  for (int missing = 0; missing < 3; ++missing) {
    VersionEdit edit;
    edit.SetComparatorName("strata.BytewiseComparator");
    if (missing != 0) edit.SetLogNumber(0);
    if (missing != 1) edit.SetNextFileNumber(2);
    if (missing != 2) edit.SetLastSequence(0);
    WriteManifest({Encode(edit)});
    s = RecoverFresh();
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find(missing == 0   ? "no log number"
                                : missing == 1 ? "no next file number"
                                               : "no last sequence"),
              std::string::npos)
        << s.ToString();
  }
}

TEST_F(VersionSetTest, RecoveryKeepsNextFileNumberAboveEveryLiveNumber) {
  VersionEdit snapshot = Snapshot();
  snapshot.AddFile(2, File(40, "a", "b", 1));
  snapshot.SetLogNumber(30);
  WriteManifest({Encode(snapshot)});  // claims next file number 2
  auto vs = NewSet();
  ASSERT_TRUE(vs->Recover().ok());
  EXPECT_EQ(vs->NewFileNumber(), 41u);
  EXPECT_EQ(vs->log_number(), 30u);
}

TEST_F(VersionSetTest, RejectedEditsChangeNothingAndAreNotSticky) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit good;
  good.AddFile(1, File(vs->NewFileNumber(), "c", "f", 1));
  good.SetLogNumber(vs->NewFileNumber());
  ASSERT_TRUE(vs->LogAndApply(&good).ok());
  const std::string state = Describe(*vs);
  const uint64_t size = Size(ManifestFileName(kDb, 1));

  VersionEdit absent;
  absent.DeleteFile(1, 99);
  EXPECT_TRUE(vs->LogAndApply(&absent).IsCorruption());
  VersionEdit overlap;
  overlap.AddFile(1, File(vs->NewFileNumber(), "e", "g", 1));
  EXPECT_TRUE(vs->LogAndApply(&overlap).IsCorruption());
  VersionEdit backwards;
  backwards.SetLogNumber(good.log_number() - 1);
  EXPECT_TRUE(vs->LogAndApply(&backwards).IsInvalidArgument());
  VersionEdit unallocated;
  unallocated.SetLogNumber(1000);
  EXPECT_TRUE(vs->LogAndApply(&unallocated).IsInvalidArgument());
  VersionEdit comparator;
  comparator.SetComparatorName("other");
  EXPECT_TRUE(vs->LogAndApply(&comparator).IsInvalidArgument());
  EXPECT_EQ(Describe(*vs), state);
  EXPECT_EQ(Size(ManifestFileName(kDb, 1)), size);

  VersionEdit later;
  later.AddFile(1, File(vs->NewFileNumber(), "x", "y", 1));
  ASSERT_TRUE(vs->LogAndApply(&later).ok());
  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(Describe(*again), Describe(*vs));
  EXPECT_EQ(again->current()->NumFiles(1), 2);
}

TEST_F(VersionSetTest, LogAndApplyBeforeOpenIsRejected) {
  auto vs = NewSet();
  VersionEdit edit;
  EXPECT_TRUE(vs->LogAndApply(&edit).IsInvalidArgument());
  EXPECT_FALSE(env_->FileExists(CurrentFileName(kDb)));
}

TEST_F(VersionSetTest, FileNumbersAreNeverReused) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  EXPECT_EQ(vs->NewFileNumber(), 2u);
  vs->MarkFileNumberUsed(10);
  EXPECT_EQ(vs->NewFileNumber(), 11u);
  vs->MarkFileNumberUsed(5);  // below: no effect
  EXPECT_EQ(vs->NewFileNumber(), 12u);
}

TEST_F(VersionSetTest, AddLiveFilesCoversVersionsStillHeld) {
  auto vs = NewSet();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit e1;
  e1.AddFile(0, File(5, "a", "b", 1));
  e1.AddFile(0, File(6, "c", "d", 2));
  vs->MarkFileNumberUsed(6);
  ASSERT_TRUE(vs->LogAndApply(&e1).ok());
  std::shared_ptr<const Version> held = vs->current();

  VersionEdit e2;  // 5 and 6 compacted into 7
  e2.DeleteFile(0, 5);
  e2.DeleteFile(0, 6);
  e2.AddFile(1, File(7, "a", "d", 2));
  vs->MarkFileNumberUsed(7);
  ASSERT_TRUE(vs->LogAndApply(&e2).ok());
  std::set<uint64_t> live;
  vs->AddLiveFiles(&live);
  EXPECT_EQ(live, (std::set<uint64_t>{5, 6, 7}));

  held.reset();
  live.clear();
  vs->AddLiveFiles(&live);
  EXPECT_EQ(live, (std::set<uint64_t>{7}));

  live = {100};  // adds to what is there
  vs->AddLiveFiles(&live);
  EXPECT_EQ(live, (std::set<uint64_t>{7, 100}));
}

TEST_F(VersionSetTest, ConcurrentEditsAndReaders) {
  auto vs = NewSet(/*max_manifest_size=*/2048);
  ASSERT_TRUE(vs->CreateNew().ok());
  constexpr int kWriters = 3;
  constexpr int kEditsPerWriter = 20;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load(std::memory_order_acquire)) {
      const auto v = vs->current();
      std::set<uint64_t> live;
      vs->AddLiveFiles(&live);
      for (const auto& f : v->files(0)) EXPECT_EQ(live.count(f->number), 1u);
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEditsPerWriter; ++i) {
        VersionEdit edit;
        edit.AddFile(0,
                     File(vs->NewFileNumber(), "k" + std::to_string(w),
                          "k" + std::to_string(w), static_cast<uint64_t>(i)));
        EXPECT_TRUE(vs->LogAndApply(&edit).ok());
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(vs->current()->NumFiles(0), kWriters * kEditsPerWriter);
  auto again = NewSet();
  ASSERT_TRUE(again->Recover().ok());
  EXPECT_EQ(Describe(*again), Describe(*vs));
}

}  // namespace
}  // namespace strata::internal
