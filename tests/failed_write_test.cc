// A write that returned an error never becomes visible, before or after a
// reopen (issue 20, finding 4). The WAL append, flush or sync of one write
// group fails (injected by FaultInjectionEnv, whose files keep failed bytes
// buffered, as an Env may): the DB cuts the record back with
// WritableFile::Truncate and writes nothing more to that log, so neither
// Close() nor the file's destruction writes it later. tests/disk_full_test.cc
// checks the same on a real full disk.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "strata/db.h"
#include "strata/env.h"
#include "strata/options.h"
#include "testing/fault_env.h"

namespace strata::testing {
namespace {

constexpr char kDb[] = "/db";

class FailedWriteTest : public ::testing::TestWithParam<FaultOp> {
 protected:
  FailedWriteTest() : mem_(NewMemEnv()), fault_(mem_.get()) {}

  Options MakeOptions() {
    Options o;
    o.env = &fault_;
    return o;
  }

  std::string Get(DB* db, const std::string& key) {
    std::string v;
    const Status s = db->Get(ReadOptions(), key, &v);
    return s.ok() ? v : s.ToString();
  }

  std::unique_ptr<Env> mem_;
  FaultInjectionEnv fault_;
};

TEST_P(FailedWriteTest, TheFailedWriteNeverAppears) {
  const FaultOp op = GetParam();
  for (const bool flush_on_close : {true, false}) {
    SCOPED_TRACE(flush_on_close ? "flush on close" : "no flush on close");
    ASSERT_TRUE(DestroyDB(kDb, MakeOptions()).ok());
    Options o = MakeOptions();
    o.flush_on_close = flush_on_close;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    WriteOptions wo;
    wo.sync = op == FaultOp::kSync;
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(db->Put(wo, "k" + std::to_string(i), "v").ok());
    }
    fault_.FailAfter(op, 0, Status::IOError("injected"), /*persistent=*/false);
    const Status s = db->Put(wo, "failed", std::string(3000, 'x'));
    fault_.ClearFaults();
    ASSERT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_EQ("NotFound", Get(db.get(), "failed"));
    EXPECT_FALSE(db->Put(wo, "later", "v").ok()) << "writes stop until reopen";
    EXPECT_FALSE(db->Close().ok()) << "Close() reports the failure";
    db.reset();

    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    EXPECT_EQ("NotFound", Get(db.get(), "failed"));
    EXPECT_EQ("NotFound", Get(db.get(), "later"));
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ("v", Get(db.get(), "k" + std::to_string(i))) << i;
    }
    // And the DB takes writes again.
    ASSERT_TRUE(db->Put(wo, "after", "v").ok());
    ASSERT_TRUE(db->Close().ok());
    db.reset();
    ASSERT_TRUE(DB::Open(o, kDb, &db).ok());
    EXPECT_EQ("v", Get(db.get(), "after"));
    EXPECT_EQ("NotFound", Get(db.get(), "failed"));
    ASSERT_TRUE(db->Close().ok());
  }
}

INSTANTIATE_TEST_SUITE_P(WalCalls, FailedWriteTest,
                         ::testing::Values(FaultOp::kWrite, FaultOp::kSync),
                         [](const auto& info) {
                           return info.param == FaultOp::kWrite ? "Write"
                                                                : "Sync";
                         });

}  // namespace
}  // namespace strata::testing
