// Fault tests for VersionSet: a power loss or process crash at every write,
// sync, create, rename and directory sync of a scripted sequence of
// LogAndApply calls (with MANIFEST roll-overs and a reopen in the middle),
// and sticky errors after an injected I/O failure.
//
// The promise checked: Recover() always succeeds afterwards and yields
// exactly the state after the last LogAndApply that returned OK, or, only
// when a call was in flight (it failed), the state after that call.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/env.h"
#include "testing/fault_env.h"
#include "version/version_edit.h"
#include "version/version_set.h"

namespace strata::testing {
namespace {

using internal::CurrentFileName;
using internal::FileMetaData;
using internal::InternalKey;
using internal::InternalKeyComparator;
using internal::ManifestFileName;
using internal::ValueType;
using internal::Version;
using internal::VersionEdit;
using internal::VersionSet;
using internal::VersionSetOptions;

constexpr char kDb[] = "/vdb";
constexpr int kEdits = 10;
constexpr int kReopenAfter = 5;  // edits applied before the mid-script reopen
constexpr uint64_t kMaxManifestSize = 256;

FileMetaData File(uint64_t number, const std::string& smallest,
                  const std::string& largest, uint64_t seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = 100 + number;
  f.smallest =
      InternalKey(smallest, seq, static_cast<uint8_t>(ValueType::kValue));
  f.largest =
      InternalKey(largest, seq, static_cast<uint8_t>(ValueType::kValue));
  f.smallest_seqno = seq;
  f.largest_seqno = seq;
  f.num_entries = 3;
  return f;
}

// What recovery must restore; the next file number is compared on its own.
std::string Describe(const VersionSet& vs) {
  return vs.current()->DebugString() +
         "log=" + std::to_string(vs.log_number()) +
         " last=" + std::to_string(vs.last_sequence());
}

// The installed state: the version and the log number (last_sequence is
// whatever the DB last published, installed or not).
std::string Installed(const VersionSet& vs) {
  return vs.current()->DebugString() + "log=" + std::to_string(vs.log_number());
}

// The recoverable state after some number of successful edits.
struct Expected {
  std::string state;
  uint64_t next_file_number = 0;
};

// Edit i of the script, built from the set's current state. Every third
// edit "compacts" all of level 0 into one level-1 file with keys of its
// own; the others flush one or two level-0 files. Even edits retire logs.
VersionEdit ScriptEdit(int i, VersionSet* vs) {
  VersionEdit edit;
  const uint64_t seq = 10 * static_cast<uint64_t>(i + 1);
  vs->SetLastSequence(seq);
  const std::string tag = std::to_string(10 + i);
  if (i % 3 == 2) {
    for (const auto& f : vs->current()->files(0)) edit.DeleteFile(0, f->number);
    edit.AddFile(
        1, File(vs->NewFileNumber(), "k" + tag + "a", "k" + tag + "z", seq));
  } else {
    edit.AddFile(0, File(vs->NewFileNumber(), "a" + tag, "z" + tag, seq));
    if (i % 2 == 1) {
      edit.AddFile(0, File(vs->NewFileNumber(), "b", "c", seq - 1));
    }
  }
  if (i % 2 == 0) edit.SetLogNumber(vs->NewFileNumber());
  return edit;
}

class VersionSetFaultTest : public ::testing::Test {
 protected:
  VersionSetFaultTest() { Reset(); }

  void Reset() {
    vs_.reset();
    env_.reset();
    base_ = NewMemEnv();
    env_ = std::make_unique<FaultInjectionEnv>(base_.get());
    ASSERT_TRUE(env_->CreateDirIfMissing(kDb).ok());
  }

  std::unique_ptr<VersionSet> NewSet() {
    VersionSetOptions options;
    options.env = env_.get();
    options.dbname = kDb;
    options.icmp = &icmp_;
    options.num_levels = 4;
    options.max_manifest_size = kMaxManifestSize;
    return std::make_unique<VersionSet>(options);
  }

  // Runs the script on vs_ (after CreateNew). Returns the number of edits
  // that returned OK; `*failure` gets the first error. After an error it
  // checks that the next call fails the same way, and stops. If `expected`
  // is set, appends the state after each successful edit.
  int RunScript(Status* failure, std::vector<Expected>* expected) {
    for (int i = 0; i < kEdits; ++i) {
      if (i == kReopenAfter) {
        vs_ = NewSet();
        const Status s = vs_->Recover();
        EXPECT_TRUE(s.ok()) << "mid-script reopen: " << s.ToString();
        if (!s.ok()) return i;
      }
      VersionEdit edit = ScriptEdit(i, vs_.get());
      const Status s = vs_->LogAndApply(&edit);
      if (!s.ok()) {
        *failure = s;
        VersionEdit again = ScriptEdit(i, vs_.get());
        const Status sticky = vs_->LogAndApply(&again);
        EXPECT_EQ(sticky.ToString(), s.ToString()) << "edit " << i;
        return i;
      }
      if (expected != nullptr) {
        expected->push_back({Describe(*vs_), edit.next_file_number()});
      }
    }
    return kEdits;
  }

  // The reference run, without faults: the state after 0..kEdits edits.
  std::vector<Expected> ReferenceStates() {
    Reset();
    vs_ = NewSet();
    EXPECT_TRUE(vs_->CreateNew().ok());
    std::vector<Expected> states{{Describe(*vs_), 2}};
    Status failure;
    EXPECT_EQ(RunScript(&failure, &states), kEdits) << failure.ToString();
    return states;
  }

  // Abandons vs_ as a crash would; with `power_loss` unsynced data is lost.
  void Crash(bool power_loss) {
    env_->SetFilesystemActive(false);
    vs_.reset();
    if (power_loss) {
      ASSERT_TRUE(env_->DropUnsyncedData().ok());
    }
    env_->SetFilesystemActive(true);
    env_->ClearFaults();
  }

  // Recovers and checks the result is state `ok_edits`, or `ok_edits + 1`
  // if `in_flight`. Then checks the recovered set accepts another edit.
  void CheckRecovery(const std::vector<Expected>& states, int ok_edits,
                     bool in_flight, const std::string& where) {
    vs_ = NewSet();
    const Status s = vs_->Recover();
    ASSERT_TRUE(s.ok()) << where << "recover: " << s.ToString();
    const std::string got = Describe(*vs_);
    const uint64_t next = vs_->NewFileNumber();
    const auto matches = [&](int k) {
      return got == states[static_cast<size_t>(k)].state &&
             next == states[static_cast<size_t>(k)].next_file_number;
    };
    const bool ok = matches(ok_edits) || (in_flight && matches(ok_edits + 1));
    ASSERT_TRUE(ok) << where << ok_edits << " edits acknowledged"
                    << (in_flight ? " (one in flight)" : "") << "; recovered "
                    << got << " next=" << next << "\nexpected "
                    << states[static_cast<size_t>(ok_edits)].state;

    VersionEdit more;
    more.AddFile(3, File(next + 1, "zz", "zz", 1));
    vs_->MarkFileNumberUsed(next + 1);
    ASSERT_TRUE(vs_->LogAndApply(&more).ok()) << where;
    const std::string after = Describe(*vs_);
    vs_ = NewSet();
    ASSERT_TRUE(vs_->Recover().ok()) << where;
    ASSERT_EQ(Describe(*vs_), after) << where;
  }

  // Cuts the script at every call of every kind; returns the cut count.
  int CutEverywhere(bool power_loss) {
    const std::vector<Expected> states = ReferenceStates();
    const FaultOp kinds[] = {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync,
                             FaultOp::kRename, FaultOp::kDirSync};
    const char* const names[] = {"create", "write", "sync", "rename",
                                 "dirsync"};
    int cuts = 0;
    for (size_t kind = 0; kind < std::size(kinds); ++kind) {
      for (uint64_t n = 0;; ++n) {
        const std::string where =
            std::string(names[kind]) + " #" + std::to_string(n) + ": ";
        Reset();
        vs_ = NewSet();
        EXPECT_TRUE(vs_->CreateNew().ok());
        const uint64_t before = env_->OpCount(kinds[kind]);
        env_->FailAfter(kinds[kind], n, Status::IOError("injected: crash"),
                        /*persistent=*/true);
        Status failure;
        const int ok_edits = RunScript(&failure, nullptr);
        const bool reached = env_->OpCount(kinds[kind]) - before > n;
        EXPECT_EQ(reached, !failure.ok()) << where << failure.ToString();
        Crash(power_loss);
        CheckRecovery(states, ok_edits, !failure.ok(), where);
        if (::testing::Test::HasFatalFailure() || !reached) break;
        ++cuts;
      }
    }
    return cuts;
  }

  const InternalKeyComparator icmp_{BytewiseComparator()};
  std::unique_ptr<Env> base_;
  std::unique_ptr<FaultInjectionEnv> env_;
  std::unique_ptr<VersionSet> vs_;
};

TEST_F(VersionSetFaultTest, ReferenceScriptRollsTheManifest) {
  const std::vector<Expected> states = ReferenceStates();
  ASSERT_EQ(states.size(), static_cast<size_t>(kEdits + 1));
  // More than one roll, besides the one forced by the reopen.
  EXPECT_GT(vs_->manifest_file_number(), 1u);
  EXPECT_GE(env_->OpCount(FaultOp::kRename), 3u);
  for (size_t i = 1; i < states.size(); ++i) {
    EXPECT_NE(states[i].state, states[i - 1].state);
  }
}

TEST_F(VersionSetFaultTest, PowerLossAtEveryCall) {
  const int cuts = CutEverywhere(/*power_loss=*/true);
  std::fprintf(stderr, "  %d cut points\n", cuts);
  EXPECT_GT(cuts, 40);
}

TEST_F(VersionSetFaultTest, ProcessCrashAtEveryCall) {
  const int cuts = CutEverywhere(/*power_loss=*/false);
  EXPECT_GT(cuts, 40);
}

TEST_F(VersionSetFaultTest, SyncFailureIsSticky) {
  vs_ = NewSet();
  ASSERT_TRUE(vs_->CreateNew().ok());
  VersionEdit first = ScriptEdit(0, vs_.get());
  ASSERT_TRUE(vs_->LogAndApply(&first).ok());
  const std::string before = Describe(*vs_);
  const std::string installed = Installed(*vs_);

  env_->FailAfter(FaultOp::kSync, 0, Status::IOError("injected sync error"),
                  /*persistent=*/false);
  VersionEdit second = ScriptEdit(1, vs_.get());
  const Status s = vs_->LogAndApply(&second);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("injected sync error"), std::string::npos);
  EXPECT_EQ(Installed(*vs_), installed);  // nothing installed

  // The fault is gone, yet every later call fails the same way, untried.
  const uint64_t syncs = env_->OpCount(FaultOp::kSync);
  const uint64_t writes = env_->OpCount(FaultOp::kWrite);
  for (int i = 0; i < 3; ++i) {
    VersionEdit later;
    later.SetLogNumber(vs_->NewFileNumber());
    EXPECT_EQ(vs_->LogAndApply(&later).ToString(), s.ToString());
  }
  EXPECT_EQ(env_->OpCount(FaultOp::kSync), syncs);
  EXPECT_EQ(env_->OpCount(FaultOp::kWrite), writes);
  EXPECT_EQ(Installed(*vs_), installed);

  // After a power loss the unsynced edit is gone.
  Crash(/*power_loss=*/true);
  vs_ = NewSet();
  ASSERT_TRUE(vs_->Recover().ok());
  EXPECT_EQ(Describe(*vs_), before);
}

TEST_F(VersionSetFaultTest, FullDiskIsStickyAndLeavesCurrentAlone) {
  vs_ = NewSet();
  ASSERT_TRUE(vs_->CreateNew().ok());
  VersionEdit first = ScriptEdit(0, vs_.get());
  ASSERT_TRUE(vs_->LogAndApply(&first).ok());
  const std::string before = Describe(*vs_);
  vs_ = NewSet();
  ASSERT_TRUE(vs_->Recover().ok());  // so the next edit writes a MANIFEST

  env_->FailAfter(FaultOp::kWrite, 1, FaultInjectionEnv::NoSpaceError(),
                  /*persistent=*/true);
  VersionEdit second = ScriptEdit(1, vs_.get());
  const Status s = vs_->LogAndApply(&second);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("No space left on device"), std::string::npos)
      << s.ToString();
  env_->ClearFaults();
  VersionEdit third = ScriptEdit(2, vs_.get());
  EXPECT_EQ(vs_->LogAndApply(&third).ToString(), s.ToString());

  // CURRENT still names the old MANIFEST, which is intact.
  std::unique_ptr<SequentialFile> current;
  ASSERT_TRUE(env_->NewSequentialFile(CurrentFileName(kDb), &current).ok());
  char scratch[64];
  Slice contents;
  ASSERT_TRUE(current->Read(sizeof(scratch), &contents, scratch).ok());
  EXPECT_EQ(contents.ToString(), "MANIFEST-000001\n");
  EXPECT_TRUE(env_->FileExists(ManifestFileName(kDb, 1)));
  vs_ = NewSet();
  ASSERT_TRUE(vs_->Recover().ok());
  EXPECT_EQ(Describe(*vs_), before);
}

TEST_F(VersionSetFaultTest, FailedRenameLeavesNoTempFile) {
  vs_ = NewSet();
  ASSERT_TRUE(vs_->CreateNew().ok());
  vs_ = NewSet();
  ASSERT_TRUE(vs_->Recover().ok());
  env_->FailAfter(FaultOp::kRename, 0, Status::IOError("injected rename"),
                  /*persistent=*/false);
  VersionEdit edit = ScriptEdit(0, vs_.get());
  EXPECT_TRUE(vs_->LogAndApply(&edit).IsIOError());
  EXPECT_FALSE(env_->FileExists(std::string(kDb) + "/CURRENT.tmp"));
  EXPECT_TRUE(env_->FileExists(ManifestFileName(kDb, 1)));
  Crash(/*power_loss=*/true);
  vs_ = NewSet();
  ASSERT_TRUE(vs_->Recover().ok());
  EXPECT_EQ(vs_->current()->TotalFiles(), 0u);
  EXPECT_EQ(vs_->manifest_file_number(), 1u);
}

}  // namespace
}  // namespace strata::testing
