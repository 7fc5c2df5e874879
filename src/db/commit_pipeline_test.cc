// CommitPipeline without a DB: a fake host and log files over MemEnv that
// record every call. Groups are formed by queueing writers behind a pause
// (QueuedForTest is the seam), never by sleeping.

#include "db/commit_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/coding.h"
#include "db/write_batch_internal.h"
#include "env/env_test_util.h"
#include "strata/env.h"
#include "wal/log_reader.h"

namespace strata::internal {
namespace {

// Calls on the logs, in order, across all of them: "append 3", "sync 3"...
struct Journal {
  std::mutex mu;
  std::vector<std::string> events;
  void Add(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::move(events);
  }
};

// A MemEnv file that records its calls and fails them on demand.
class RecordingFile final : public WritableFile {
 public:
  RecordingFile(uint64_t number, std::unique_ptr<WritableFile> base,
                Journal* journal)
      : tag_(std::to_string(number)),
        base_(std::move(base)),
        journal_(journal) {}

  Status Append(const Slice& data) override {
    journal_->Add("append " + tag_);
    if (!fail_append.ok()) return fail_append;
    return base_->Append(data);
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    journal_->Add("sync " + tag_);
    if (!fail_sync.ok()) return fail_sync;
    return base_->Sync();
  }
  Status Close() override {
    journal_->Add("close " + tag_);
    return base_->Close();
  }
  uint64_t Size() const override { return base_->Size(); }
  Status Truncate(uint64_t size) override {
    journal_->Add("truncate " + tag_ + " to " + std::to_string(size));
    return base_->Truncate(size);
  }

  Status fail_append;
  Status fail_sync;

 private:
  const std::string tag_;
  std::unique_ptr<WritableFile> base_;
  Journal* const journal_;
};

// The host: records what the leader asks of it.
class FakeHost final : public CommitHost {
 public:
  Status MakeRoom(bool force) override {
    std::lock_guard<std::mutex> lock(mu);
    make_room.push_back(force);
    if (on_make_room) return on_make_room(force);
    return Status::OK();
  }
  void Apply(const WriteBatch& group, uint64_t commit_timestamp) override {
    std::lock_guard<std::mutex> lock(mu);
    applied.push_back(std::string(WriteBatchInternal::Contents(group).data(),
                                  WriteBatchInternal::Contents(group).size()));
    timestamps.push_back(commit_timestamp);
  }
  void LogFailed(uint64_t log_number, const Status& error,
                 const Status& cut) override {
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(std::to_string(log_number) + ": " + error.ToString() +
                       (cut.ok() ? "" : " (cut failed)"));
  }

  std::mutex mu;
  std::function<Status(bool)> on_make_room;
  std::vector<bool> make_room;
  std::vector<std::string> applied;  // group contents, sequence included
  std::vector<uint64_t> timestamps;  // each group's commit timestamp
  std::vector<std::string> failures;
};

WriteBatch Batch(const std::string& key, const std::string& value) {
  WriteBatch b;
  b.Put(key, value);
  return b;
}

class CommitPipelineTest : public ::testing::Test {
 protected:
  CommitPipelineTest() : env_(NewMemEnv()), pipeline_(&host_, "/db") {
    EXPECT_TRUE(env_->CreateDirIfMissing("/db").ok());
    pipeline_.SetLog(1, NewLog(1));
  }

  std::unique_ptr<WritableFile> NewLog(uint64_t number) {
    std::unique_ptr<WritableFile> base;
    EXPECT_TRUE(env_->NewWritableFile(Path(number), &base).ok());
    auto file =
        std::make_unique<RecordingFile>(number, std::move(base), &journal_);
    files_.push_back(file.get());
    return file;
  }
  static std::string Path(uint64_t number) {
    return "/db/" + std::to_string(number) + ".log";
  }

  // The records of log `number`, as batches.
  std::vector<std::string> Records(uint64_t number) {
    std::unique_ptr<SequentialFile> file;
    EXPECT_TRUE(env_->NewSequentialFile(Path(number), &file).ok());
    log::Reader reader(file.get(), Path(number),
                       WalRecoveryMode::kAbsoluteConsistency, nullptr);
    std::vector<std::string> records;
    Slice record;
    std::string scratch;
    while (reader.ReadRecord(&record, &scratch)) {
      records.push_back(record.ToString());
    }
    EXPECT_TRUE(reader.status().ok()) << reader.status().ToString();
    return records;
  }

  void WaitForQueued(size_t n) {
    while (pipeline_.QueuedForTest() < n) std::this_thread::yield();
  }

  std::unique_ptr<Env> env_;
  Journal journal_;
  std::vector<RecordingFile*> files_;  // owned by the pipeline
  FakeHost host_;
  CommitPipeline pipeline_;
};

TEST_F(CommitPipelineTest, AWriteIsLoggedNumberedAppliedAndPublished) {
  pipeline_.SetLastSequence(41);
  WriteBatch b = Batch("k", "v");
  b.Delete("gone");
  ASSERT_TRUE(pipeline_.Write(&b, /*sync=*/false).ok());
  EXPECT_EQ(43u, pipeline_.LastSequence());  // 42 and 43
  EXPECT_EQ(42u, WriteBatchInternal::Sequence(b));
  ASSERT_EQ(1u, host_.applied.size());
  EXPECT_EQ(WriteBatchInternal::Contents(b).ToString(), host_.applied[0]);
  EXPECT_EQ(std::vector<std::string>{host_.applied[0]}, Records(1));
  EXPECT_EQ(std::vector<bool>{false}, host_.make_room);
  EXPECT_EQ(WriteBatchInternal::ByteSize(b), pipeline_.BytesCommitted());
  // Not synced: only the append reached the file.
  EXPECT_EQ(std::vector<std::string>{"append 1"}, journal_.Take());
}

TEST_F(CommitPipelineTest, QueuedWritersCommitAsOneGroupInQueueOrder) {
  ASSERT_TRUE(pipeline_.Pause().ok());
  std::vector<WriteBatch> batches;
  for (int i = 0; i < 3; ++i)
    batches.push_back(Batch("k" + std::to_string(i), "v"));
  std::vector<Status> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = pipeline_.Write(&batches[i], i == 1); });
    WaitForQueued(static_cast<size_t>(i) + 2);  // queue order is i's order
  }
  EXPECT_EQ(0u, pipeline_.LastSequence());  // held by the pause
  pipeline_.Resume();
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  // One record, one apply, one sync (a member asked), sequences 1..3 in
  // queue order.
  ASSERT_EQ(1u, host_.applied.size());
  EXPECT_EQ(std::vector<std::string>{host_.applied[0]}, Records(1));
  EXPECT_EQ((std::vector<std::string>{"append 1", "sync 1"}), journal_.Take());
  EXPECT_EQ(3u, pipeline_.LastSequence());
  WriteBatch group;
  ASSERT_TRUE(WriteBatchInternal::SetContents(&group, host_.applied[0]).ok());
  EXPECT_EQ(1u, WriteBatchInternal::Sequence(group));
  // The group holds the members' records in queue order.
  const auto records = [](const WriteBatch& b) {
    return WriteBatchInternal::Contents(b).ToString().substr(kBatchHeaderSize);
  };
  std::string expected;
  for (const WriteBatch& b : batches) expected += records(b);
  EXPECT_EQ(expected, records(group));
}

TEST_F(CommitPipelineTest, ValidatorsRunInQueueOrderAndSeeTheirOwnGroup) {
  // First committer wins on key "k": a validator accepts only if nobody
  // accepted ahead of it; each sees the sequence its batch would get.
  std::vector<SequenceNumber> seen;  // under the pipeline's mutex
  bool taken = false;
  auto validator = [&](int id) {
    return [&, id](SequenceNumber first) {
      seen.push_back(first * 10 + static_cast<SequenceNumber>(id));
      if (taken) return Status::Busy("k", "written by an earlier member");
      taken = true;
      return Status::OK();
    };
  };
  ASSERT_TRUE(pipeline_.Pause().ok());
  std::vector<WriteBatch> batches;
  for (int i = 0; i < 3; ++i) batches.push_back(Batch("k", std::to_string(i)));
  WriteBatch plain = Batch("other", "x");
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  size_t queued = 1;  // the pause
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      results[i] = pipeline_.Write(&batches[i], false, validator(i));
    });
    WaitForQueued(++queued);
    if (i == 0) {  // a writer without a validator comes second
      threads.emplace_back(
          [&] { results[3] = pipeline_.Write(&plain, false); });
      WaitForQueued(++queued);
    }
  }
  pipeline_.Resume();
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].IsBusy()) << results[1].ToString();
  EXPECT_TRUE(results[2].IsBusy()) << results[2].ToString();
  EXPECT_TRUE(results[3].ok());
  // Writer 0 gets sequence 1, the plain writer 2; the rejected ones were
  // offered 3 (nothing accepted after the plain one).
  EXPECT_EQ((std::vector<SequenceNumber>{10, 31, 32}), seen);
  EXPECT_EQ(2u, pipeline_.LastSequence());
  ASSERT_EQ(1u, host_.applied.size());
  WriteBatch group;
  ASSERT_TRUE(WriteBatchInternal::SetContents(&group, host_.applied[0]).ok());
  EXPECT_EQ(2u, WriteBatchInternal::Count(group));  // the rejected are left out
}

TEST_F(CommitPipelineTest, ASyncWriteSyncsEarlierLogsFirst) {
  WriteBatch a = Batch("a", "1");
  ASSERT_TRUE(pipeline_.Write(&a, false).ok());
  pipeline_.SwitchLog(2, NewLog(2), /*min_live_log=*/1);
  WriteBatch b = Batch("b", "2");
  ASSERT_TRUE(pipeline_.Write(&b, false).ok());
  pipeline_.SwitchLog(3, NewLog(3), /*min_live_log=*/1);
  journal_.Take();
  WriteBatch c = Batch("c", "3");
  ASSERT_TRUE(pipeline_.Write(&c, true).ok());
  EXPECT_EQ((std::vector<std::string>{"append 3", "sync 1", "sync 2", "close 1",
                                      "close 2", "sync 3"}),
            journal_.Take());
  // Synced logs are not synced again.
  WriteBatch d = Batch("d", "4");
  ASSERT_TRUE(pipeline_.Write(&d, true).ok());
  EXPECT_EQ((std::vector<std::string>{"append 3", "sync 3"}), journal_.Take());
}

TEST_F(CommitPipelineTest, LogsWhoseDataIsInTablesAreNotSynced) {
  WriteBatch a = Batch("a", "1");
  ASSERT_TRUE(pipeline_.Write(&a, false).ok());
  pipeline_.SwitchLog(2, NewLog(2), 1);
  pipeline_.SwitchLog(3, NewLog(3), /*min_live_log=*/3);  // 1 is in a table
  // A log switched out is cut to its data (giving back what a mapped log
  // preallocated), and closed once its data is in a table.
  EXPECT_EQ((std::vector<std::string>{"append 1", "truncate 1 to 28", "close 1",
                                      "truncate 2 to 0"}),
            journal_.Take());
  WriteBatch c = Batch("c", "3");
  ASSERT_TRUE(pipeline_.Write(&c, true).ok());
  EXPECT_EQ(
      (std::vector<std::string>{"append 3", "sync 2", "close 2", "sync 3"}),
      journal_.Take());
}

TEST_F(CommitPipelineTest, AFailedLogWriteFailsTheGroupAndEveryLaterWrite) {
  WriteBatch ok = Batch("ok", "1");
  ASSERT_TRUE(pipeline_.Write(&ok, false).ok());
  files_[0]->fail_sync = Status::IOError("injected sync failure");
  ASSERT_TRUE(pipeline_.Pause().ok());
  WriteBatch b1 = Batch("b1", "x");
  WriteBatch b2 = Batch("b2", "y");
  Status r1, r2;
  std::thread t1([&] { r1 = pipeline_.Write(&b1, true); });
  WaitForQueued(2);
  std::thread t2([&] { r2 = pipeline_.Write(&b2, false); });
  WaitForQueued(3);
  journal_.Take();
  pipeline_.Resume();
  t1.join();
  t2.join();
  EXPECT_TRUE(r1.IsIOError()) << r1.ToString();
  EXPECT_TRUE(r2.IsIOError()) << r2.ToString();  // a member of the group
  EXPECT_EQ(1u, pipeline_.LastSequence());       // nothing published
  EXPECT_EQ(1u, host_.applied.size());           // nothing applied
  ASSERT_EQ(1u, host_.failures.size());
  EXPECT_NE(std::string::npos, host_.failures[0].find("injected sync failure"));
  const std::vector<std::string> events = journal_.Take();
  ASSERT_EQ(3u, events.size());
  EXPECT_EQ("append 1", events[0]);
  EXPECT_EQ("sync 1", events[1]);
  EXPECT_EQ(0u, events[2].find("truncate 1 to "));  // the record is cut
  EXPECT_EQ(1u, Records(1).size());                 // only the first write
  // Sticky: the log is never written again, whatever the host says.
  files_[0]->fail_sync = Status::OK();
  WriteBatch later = Batch("later", "z");
  EXPECT_TRUE(pipeline_.Write(&later, false).IsIOError());
  EXPECT_TRUE(journal_.Take().empty());
}

TEST_F(CommitPipelineTest, MakeRoomFailureFailsTheGroupUnwritten) {
  host_.on_make_room = [](bool) { return Status::IOError("stopped"); };
  WriteBatch b = Batch("k", "v");
  const Status s = pipeline_.Write(&b, false);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(std::string::npos, s.ToString().find("stopped"));
  EXPECT_TRUE(journal_.Take().empty());
  EXPECT_TRUE(host_.applied.empty());
  EXPECT_EQ(0u, pipeline_.LastSequence());
}

TEST_F(CommitPipelineTest, ASwitchRequestLeadsAloneAndForcesMakeRoom) {
  // The request may switch logs from inside MakeRoom (the leader owns the
  // log there).
  host_.on_make_room = [&](bool force) {
    if (force) pipeline_.SwitchLog(2, NewLog(2), 1);
    return Status::OK();
  };
  ASSERT_TRUE(pipeline_.Pause().ok());
  WriteBatch before = Batch("before", "1");
  WriteBatch after = Batch("after", "2");
  Status r1, r2, r3;
  std::thread t1([&] { r1 = pipeline_.Write(&before, false); });
  WaitForQueued(2);
  std::thread t2([&] { r2 = pipeline_.ForceMemTableSwitch(); });
  WaitForQueued(3);
  std::thread t3([&] { r3 = pipeline_.Write(&after, false); });
  WaitForQueued(4);
  pipeline_.Resume();
  t1.join();
  t2.join();
  t3.join();
  EXPECT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ((std::vector<bool>{false, true, false}), host_.make_room);
  EXPECT_EQ(2u, host_.applied.size());  // the request split the writes
  EXPECT_EQ(1u, Records(1).size());
  EXPECT_EQ(1u, Records(2).size());
  EXPECT_EQ(2u, pipeline_.LastSequence());
}

TEST_F(CommitPipelineTest, CloseWaitsForThePauseAndRefusesLaterWrites) {
  ASSERT_TRUE(pipeline_.Pause().ok());
  EXPECT_TRUE(pipeline_.Pause().IsInvalidArgument());
  WriteBatch queued = Batch("queued", "1");
  Status r;
  std::thread writer([&] { r = pipeline_.Write(&queued, false); });
  WaitForQueued(2);
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    pipeline_.Close();
    closed = true;
  });
  // Once a pause is refused as closed, the closer is inside Close(): it
  // cannot finish while the pause and the writer are queued.
  while (pipeline_.Pause().ToString().find("closed") == std::string::npos) {
    std::this_thread::yield();
  }
  EXPECT_FALSE(closed.load());
  // The writer behind the pause still commits once resumed.
  pipeline_.Resume();
  writer.join();
  closer.join();
  EXPECT_TRUE(r.ok()) << r.ToString();
  EXPECT_EQ(1u, pipeline_.LastSequence());
  WriteBatch late = Batch("late", "2");
  const Status s = pipeline_.Write(&late, false);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.ToString().find("closed"));
  EXPECT_TRUE(pipeline_.Pause().IsInvalidArgument());
  EXPECT_TRUE(pipeline_.CloseLogs(/*sync=*/true).ok());
  const std::vector<std::string> events = journal_.Take();
  EXPECT_EQ("sync 1", events[events.size() - 2]);
  EXPECT_EQ("close 1", events.back());
}

TEST_F(CommitPipelineTest, ClosingLogsAfterAFailureDoesNotSyncThem) {
  pipeline_.SwitchLog(2, NewLog(2), 1);
  journal_.Take();
  EXPECT_TRUE(pipeline_.CloseLogs(/*sync=*/false).ok());
  EXPECT_EQ((std::vector<std::string>{"close 1", "close 2"}), journal_.Take());
  EXPECT_FALSE(pipeline_.HasLog());
  WriteBatch b = Batch("k", "v");
  EXPECT_TRUE(pipeline_.Write(&b, false).IsIOError());  // no log open
}

TEST_F(CommitPipelineTest, CommitTimestampsFollowTheClockAndNeverRepeat) {
  ManualClockEnv clock(env_.get(), /*start_micros=*/1);
  // Recovered: the last commit was at 5000 ns, ahead of the clock (1000 ns).
  pipeline_.EnableTimestamps(&clock, 5000);
  EXPECT_EQ(5000u, pipeline_.LastTimestamp());
  const auto write = [&] {
    WriteBatch b = Batch("k", "v");
    EXPECT_TRUE(pipeline_.Write(&b, false).ok());
    return pipeline_.LastTimestamp();
  };
  EXPECT_EQ(5001u, write());  // the clock is behind: last + 1
  EXPECT_EQ(5002u, write());
  clock.Set(10);  // the clock moves past: it is followed
  EXPECT_EQ(10000u, write());
  EXPECT_EQ(10001u, write());  // the clock stands still
  clock.Set(2);                // and goes back
  EXPECT_EQ(10002u, write());
  EXPECT_EQ((std::vector<uint64_t>{5001, 5002, 10000, 10001, 10002}),
            host_.timestamps);
  // Each WAL record is the timestamp, then the batch the host applied.
  const std::vector<std::string> records = Records(1);
  ASSERT_EQ(5u, records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_GT(records[i].size(), 8u);
    EXPECT_EQ(host_.timestamps[i], DecodeFixed64(records[i].data()));
    EXPECT_EQ(host_.applied[i], records[i].substr(8));
  }
}

TEST_F(CommitPipelineTest, WithoutTimestampsTheRecordIsTheBatch) {
  WriteBatch b = Batch("k", "v");
  ASSERT_TRUE(pipeline_.Write(&b, false).ok());
  EXPECT_EQ(0u, pipeline_.LastTimestamp());
  EXPECT_EQ(std::vector<uint64_t>{0}, host_.timestamps);
  EXPECT_EQ(host_.applied, Records(1));
}

TEST_F(CommitPipelineTest, ConcurrentWritersGetDenseSequencesInLogOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch b = Batch(std::to_string(t) + "-" + std::to_string(i), "v");
        ASSERT_TRUE(pipeline_.Write(&b, i % 50 == 0).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(static_cast<SequenceNumber>(kThreads * kPerThread),
            pipeline_.LastSequence());
  // The log holds the groups in sequence order with no gap or overlap.
  SequenceNumber next = 1;
  for (const std::string& record : Records(1)) {
    WriteBatch group;
    ASSERT_TRUE(WriteBatchInternal::SetContents(&group, record).ok());
    EXPECT_EQ(next, WriteBatchInternal::Sequence(group));
    next += WriteBatchInternal::Count(group);
  }
  EXPECT_EQ(pipeline_.LastSequence() + 1, next);
  EXPECT_EQ(Records(1), host_.applied);
}

}  // namespace
}  // namespace strata::internal
