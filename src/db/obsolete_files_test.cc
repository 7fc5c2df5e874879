#include "db/obsolete_files.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::internal {
namespace {

LiveFiles Live() {
  LiveFiles live;
  live.first_unsafe = 100;
  live.files = {7, 9};
  live.min_log = 20;
  live.current_log = 21;
  live.manifest = 15;
  return live;
}

TEST(ObsoleteFilesTest, OnlyUnneededLogsTablesVlogsAndManifestsAreSelected) {
  const std::vector<std::string> names = {"000007.sst",
                                          "000008.sst",
                                          "000009.vlog",  // 8 is dead
                                          "000010.vlog",  // 10 is dead
                                          "000019.log",
                                          "000020.log",
                                          "000021.log",  // 19 is tabled
                                          "MANIFEST-000014",
                                          "MANIFEST-000015",  // 14 is old
                                          "CURRENT",
                                          "IDENTITY",
                                          "LOCK",
                                          "LOG",
                                          "LOG.old",  // never
                                          "000016.dbtmp",
                                          "CURRENT.tmp",
                                          "000018.log.damaged",
                                          "8.sst",
                                          "000008.sst.bak",
                                          "notes.txt"};  // not strata's
  EXPECT_EQ((std::vector<std::string>{"000008.sst", "000010.vlog", "000019.log",
                                      "MANIFEST-000014"}),
            SelectObsoleteFiles(names, Live()));
}

TEST(ObsoleteFilesTest, FilesNewerThanTheLookAreKept) {
  // A table, log or MANIFEST numbered at or above first_unsafe was created
  // after the live set was taken: it may be an output in flight.
  const std::vector<std::string> names = {"000100.sst", "000101.log",
                                          "MANIFEST-000102", "000099.sst"};
  EXPECT_EQ(std::vector<std::string>{"000099.sst"},
            SelectObsoleteFiles(names, Live()));
}

TEST(ObsoleteFilesTest, TheCurrentLogIsKeptEvenBelowMinLog) {
  LiveFiles live = Live();
  live.current_log = 5;  // (recovery: the new log comes before its edit)
  EXPECT_TRUE(SelectObsoleteFiles({"000005.log"}, live).empty());
}

TEST(DeletionHoldsTest, APassWhileHeldIsDeferredToTheLastRelease) {
  DeletionHolds holds;
  EXPECT_TRUE(holds.TryBeginPass());
  EXPECT_TRUE(holds.PassRunning());
  holds.EndPass();
  EXPECT_FALSE(holds.PassRunning());
  holds.Hold();
  holds.Hold();
  EXPECT_FALSE(holds.TryBeginPass());
  EXPECT_FALSE(holds.PassRunning());
  EXPECT_FALSE(holds.Release());  // one hold left
  EXPECT_TRUE(holds.Release());   // the deferred pass is due
  EXPECT_TRUE(holds.TryBeginPass());
  holds.EndPass();
  holds.Hold();
  EXPECT_FALSE(holds.Release());  // nothing was deferred
}

}  // namespace
}  // namespace strata::internal
