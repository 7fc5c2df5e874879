// The seams the layers above the DB use (issue 13): a pause that holds
// every later writer (for a checkpoint's consistent WAL tail);
// validate-and-record, where each member of a group is validated in queue
// order with the sequence it will get, seeing the members accepted ahead
// of it; and a hold on obsolete-file deletion (a checkpoint links the live
// files meanwhile). Driven by the pause and the queue count, never by
// sleeps.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/db_handle.h"
#include "db/db_impl.h"
#include "strata/db.h"
#include "strata/env.h"

namespace strata {
namespace {

class DbSeamsTest : public ::testing::Test {
 protected:
  DbSeamsTest() : env_(NewMemEnv()) {
    Options o;
    o.env = env_.get();
    o.level0_idle_compaction_ms = 0;  // the table layout is the test's own
    EXPECT_TRUE(DB::Open(o, "/db", &db_).ok());
    impl_ = internal::ImplOf(db_.get());
  }

  std::string LastSequence() {
    std::string v;
    EXPECT_TRUE(db_->GetProperty("strata.last-sequence", &v));
    return v;
  }

  // Waits (yielding) until `n` writers are queued.
  void WaitForQueued(size_t n) {
    while (impl_->QueuedWritersForTest() < n) std::this_thread::yield();
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<DB> db_;
  internal::DBImpl* impl_ = nullptr;
};

TEST_F(DbSeamsTest, APauseHoldsLaterWritersUntilResumed) {
  ASSERT_TRUE(db_->Put(WriteOptions(), "before", "1").ok());
  ASSERT_TRUE(impl_->PauseWrites().ok());
  EXPECT_TRUE(impl_->PauseWrites().IsInvalidArgument());
  const std::string paused_at = LastSequence();
  Status put;
  std::thread writer([&] { put = db_->Put(WriteOptions(), "during", "2"); });
  WaitForQueued(2);  // the pause and the writer behind it
  // Held: nothing was committed, and reads do not see it.
  EXPECT_EQ(paused_at, LastSequence());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "during", &v).IsNotFound());
  impl_->ResumeWrites();
  writer.join();
  ASSERT_TRUE(put.ok()) << put.ToString();
  ASSERT_TRUE(db_->Get(ReadOptions(), "during", &v).ok());
  EXPECT_EQ("2", v);
  // Paused again and resumed with nothing queued: writes go on.
  ASSERT_TRUE(impl_->PauseWrites().ok());
  impl_->ResumeWrites();
  ASSERT_TRUE(db_->Put(WriteOptions(), "after", "3").ok());
  // Once Close() has begun, a pause is refused (it would hold Close).
  ASSERT_TRUE(db_->Close().ok());
  EXPECT_TRUE(impl_->PauseWrites().IsInvalidArgument());
}

TEST_F(DbSeamsTest, ValidationSeesTheMembersAcceptedAheadInItsGroup) {
  ASSERT_TRUE(db_->Put(WriteOptions(), "x", "0").ok());  // sequence 1
  // Three writers of key "k" queue behind a pause, so one leader takes them
  // as one group. Each validator accepts only if no writer accepted ahead
  // of it wrote "k" at a sequence it cannot see: first committer wins.
  std::mutex mu;
  std::vector<uint64_t> seen;   // first_sequence per validation
  uint64_t k_committed_at = 0;  // what the "transaction layer" records
  const uint64_t snapshot = 1;  // every writer read at sequence 1
  auto validate = [&](internal::SequenceNumber first) -> Status {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(first);
    if (k_committed_at > snapshot) return Status::Busy("k", "conflict");
    k_committed_at = first;  // record
    return Status::OK();
  };
  ASSERT_TRUE(impl_->PauseWrites().ok());
  std::vector<Status> results(3);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<WriteBatch>> batches;
  for (int i = 0; i < 3; ++i) {
    batches.push_back(std::make_unique<WriteBatch>());
    batches.back()->Put("k", "v" + std::to_string(i));
  }
  for (int i = 0; i < 3; ++i) {
    const auto n = static_cast<size_t>(i);
    threads.emplace_back([&, n] {
      results[n] =
          impl_->WriteValidated(WriteOptions(), batches[n].get(), validate);
    });
    WaitForQueued(n + 2);  // one at a time: the queue order is i's order
  }
  impl_->ResumeWrites();
  for (std::thread& t : threads) t.join();

  // The first was accepted at sequence 2; the two behind it in the same
  // group saw it and were refused, each validated at the sequence it would
  // have got (nothing accepted in between).
  ASSERT_EQ(3u, seen.size());
  EXPECT_EQ(2u, seen[0]);
  EXPECT_EQ(3u, seen[1]);
  EXPECT_EQ(3u, seen[2]);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_TRUE(results[1].IsBusy()) << results[1].ToString();
  EXPECT_TRUE(results[2].IsBusy()) << results[2].ToString();
  EXPECT_EQ("2", LastSequence());
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ("v0", v);
}

TEST_F(DbSeamsTest, HeldDeletionsWaitForTheRelease) {
  const auto tables = [&] {
    std::vector<std::string> names, r;
    EXPECT_TRUE(env_->GetChildren("/db", &names).ok());
    for (const std::string& n : names) {
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".sst") == 0)
        r.push_back(n);
    }
    return r;
  };
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), "v").ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  const std::vector<std::string> before = tables();
  ASSERT_EQ(2u, before.size());
  impl_->HoldFileDeletions();
  impl_->HoldFileDeletions();  // holds nest
  // The compaction makes both tables obsolete; they stay while held.
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const std::vector<std::string> held = tables();
  EXPECT_GT(held.size(), before.size());
  for (const std::string& t : before) {
    EXPECT_NE(held.end(), std::find(held.begin(), held.end(), t)) << t;
  }
  impl_->ReleaseFileDeletions();
  EXPECT_EQ(held, tables());
  impl_->ReleaseFileDeletions();  // the last one: the deferred pass runs
  const std::vector<std::string> after = tables();
  ASSERT_EQ(1u, after.size());
  EXPECT_EQ(before.end(), std::find(before.begin(), before.end(), after[0]));
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), "k0", &v).ok());
}

}  // namespace
}  // namespace strata
