// Tests for strata_bench's parts: histogram, generators, result text form,
// reports, flags, and every engine running every workload on a tiny data
// set with exact operation and found counts.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <snappy.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/cgroup.h"
#include "bench/config.h"
#include "bench/engine.h"
#include "bench/generators.h"
#include "bench/report.h"
#include "bench/result.h"
#include "bench/runner.h"

namespace strata::bench {
namespace {

// A fresh directory under $STRATA_TEST_TMPDIR (or /tmp); empty on failure.
std::string MakeTempDir() {
  const char* env_tmp = std::getenv("STRATA_TEST_TMPDIR");
  const std::string root =
      env_tmp != nullptr && env_tmp[0] != '\0' ? env_tmp : "/tmp";
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  std::string dir = root + "/bench_test_XXXXXX";
  return ::mkdtemp(dir.data()) != nullptr ? dir : std::string();
}

// --memory_limit's cgroup holds a process to its limit: one that touches
// more anonymous memory than it allows is killed by the kernel, one that
// stays within it runs to the end, and the peak is what the cgroup was
// charged. Needs root and a memory controller; skipped otherwise.
TEST(MemoryCgroupTest, HoldsAProcessToItsLimit) {
  constexpr uint64_t kLimit = 32 << 20;
  for (const bool over : {false, true}) {
    SCOPED_TRACE(over ? "over the limit" : "within it");
    std::string error;
    auto cgroup = MemoryCgroup::Create(
        "test-" + std::to_string(::getpid()) + (over ? "-over" : "-within"),
        kLimit, &error);
    if (cgroup == nullptr) GTEST_SKIP() << error;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (!cgroup->AddProcess(0)) ::_exit(3);
      const size_t bytes = over ? kLimit * 4 : kLimit / 4;
      char* p = static_cast<char*>(std::malloc(bytes));
      if (p == nullptr) ::_exit(4);
      for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
      ::_exit(p[bytes / 2] == 1 ? 0 : 5);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (over) {
      ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
      EXPECT_EQ(WTERMSIG(status), SIGKILL);
      EXPECT_TRUE(cgroup->OomKilled());
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 0);
      EXPECT_FALSE(cgroup->OomKilled());
    }
    EXPECT_LE(cgroup->PeakBytes(), kLimit);
    EXPECT_GT(cgroup->PeakBytes(), over ? kLimit / 2 : kLimit / 8);
  }
}

// Pages of `path` in the page cache.
size_t ResidentPages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const off_t size = ::lseek(fd, 0, SEEK_END);
  void* base =
      ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) return 0;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in_core((static_cast<size_t>(size) + page - 1) /
                                     page);
  size_t resident = 0;
  if (::mincore(base, static_cast<size_t>(size), in_core.data()) == 0) {
    for (const unsigned char c : in_core) resident += c & 1;
  }
  ::munmap(base, static_cast<size_t>(size));
  return resident;
}

// A run's page cache goes with its cgroup: the next run, in a new group,
// must not read for free what this one brought in (pages of a removed
// group would move to its unlimited parent and stay cached).
TEST(MemoryCgroupTest, ItsPageCacheGoesWithIt) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string path = dir + "/cached";
  constexpr size_t kBytes = 8 << 20;
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << dir << " is tmpfs: its pages are not a cache to drop";
  }
  std::string error;
  auto cgroup = MemoryCgroup::Create(
      "test-" + std::to_string(::getpid()) + "-cache", 64 << 20, &error);
  if (cgroup == nullptr) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << error;
  }
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Plain system calls only between fork and exit.
    if (!cgroup->AddProcess(0)) ::_exit(3);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) ::_exit(4);
    static char chunk[64 << 10];
    std::memset(chunk, 'x', sizeof(chunk));
    for (size_t i = 0; i < kBytes; i += sizeof(chunk)) {
      if (::write(fd, chunk, sizeof(chunk)) !=
          static_cast<ssize_t>(sizeof(chunk))) {
        ::_exit(5);
      }
    }
    // Synced: dirty pages cannot be dropped.
    ::_exit(::fsync(fd) == 0 && ::close(fd) == 0 ? 0 : 6);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const size_t pages = kBytes / static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GT(ResidentPages(path), pages / 2) << "written, yet not cached";
  cgroup.reset();
  EXPECT_LT(ResidentPages(path), pages / 8);
  std::filesystem::remove_all(dir);
}

TEST(ConfigTest, MemoryLimitNeedsCompare) {
  BenchConfig c;
  std::string error;
  bool help = false;
  const char* argv[] = {"strata_bench", "--memory_limit=256M"};
  EXPECT_FALSE(ParseFlags(2, const_cast<char**>(argv), &c, &help, &error));
  EXPECT_NE(error.find("--compare"), std::string::npos) << error;
  const char* compare[] = {"strata_bench", "--compare", "--memory_limit=256M"};
  BenchConfig d;
  ASSERT_TRUE(ParseFlags(3, const_cast<char**>(compare), &d, &help, &error))
      << error;
  EXPECT_EQ(d.memory_limit, uint64_t{256} << 20);
  // LMDB is then opened as its users open it for data larger than memory,
  // and the children are told so.
  EXPECT_TRUE(d.engine_config.lmdb_no_readahead);
  const std::vector<std::string> flags = ToFlags(d);
  EXPECT_NE(std::find(flags.begin(), flags.end(), "--lmdb_nordahead=1"),
            flags.end());
  // An explicit --lmdb_nordahead=0 wins over the memory limit's default.
  const char* explicit_off[] = {"strata_bench", "--compare",
                                "--memory_limit=256M", "--lmdb_nordahead=0"};
  BenchConfig off;
  ASSERT_TRUE(
      ParseFlags(4, const_cast<char**>(explicit_off), &off, &help, &error))
      << error;
  EXPECT_FALSE(off.engine_config.lmdb_no_readahead);
  BenchConfig plain;
  ASSERT_TRUE(
      ParseFlags(1, const_cast<char**>(compare), &plain, &help, &error));
  EXPECT_FALSE(plain.engine_config.lmdb_no_readahead);
}

TEST(GeneratorsTest, FnvHashMatchesYcsb) {
  // Values computed independently from YCSB's Utils.fnvhash64.
  EXPECT_EQ(FnvHash64(0), 6284781860667377211ull);
  EXPECT_EQ(FnvHash64(1), 8517097267634966620ull);
  EXPECT_EQ(FnvHash64(12345), 1792800413050876852ull);
}

TEST(GeneratorsTest, KeysSortAndMissingKeysFallBetween) {
  std::string a;
  std::string b;
  std::string missing;
  FormatKey(0, 16, &a);
  EXPECT_EQ(a, "0000000000000000");
  FormatKey(1234567, 16, &a);
  EXPECT_EQ(a, "0000000001234567");
  FormatKey(1234568, 16, &b);
  FormatMissingKey(1234567, 16, &missing);
  EXPECT_EQ(missing, "0000000001234567.");
  EXPECT_LT(a, missing);
  EXPECT_LT(missing, b);
  FormatYcsbKey(12345, 16, &a);
  EXPECT_EQ(a, "18e14e7a1d1233b4");
  FormatYcsbKey(12345, 20, &a);
  EXPECT_EQ(a, "000018e14e7a1d1233b4");
  FormatYcsbKey(12345, 8, &a);
  EXPECT_EQ(a, "1d1233b4");
}

TEST(GeneratorsTest, ValuesCompressToTheAskedRatio) {
  for (double ratio : {0.25, 0.5, 1.0}) {
    ValueGenerator gen(7, ratio, 100);
    std::string block;
    while (block.size() < 64 * 1024) block += gen.Generate(100).ToString();
    std::string compressed;
    snappy::Compress(block.data(), block.size(), &compressed);
    const double got = static_cast<double>(compressed.size()) /
                       static_cast<double>(block.size());
    EXPECT_NEAR(got, ratio, 0.1) << "ratio " << ratio;
  }
}

TEST(GeneratorsTest, ZipfianFavoursTheFirstItems) {
  constexpr uint64_t kItems = 1000;
  ZipfianGenerator zipf(0, kItems - 1);
  Random64 rnd(42);
  std::vector<uint64_t> counts(kItems, 0);
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t v = zipf.Next(&rnd);
    ASSERT_LT(v, kItems);
    ++counts[v];
  }
  // P(item i) = (1 / (i+1)^theta) / zeta(n).
  const double zetan = ZipfianGenerator::Zeta(0, kItems, 0.99, 0.0);
  for (uint64_t i : {0, 1, 9}) {
    const double expected =
        kDraws / std::pow(static_cast<double>(i + 1), 0.99) / zetan;
    EXPECT_NEAR(static_cast<double>(counts[i]), expected, expected * 0.1)
        << "item " << i;
  }
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[100]);
}

TEST(GeneratorsTest, ScrambledZipfianSpreadsHotKeys) {
  ScrambledZipfianGenerator gen(100, 1099);
  Random64 rnd(3);
  std::map<uint64_t, int> counts;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = gen.Next(&rnd);
    ASSERT_GE(v, 100u);
    ASSERT_LE(v, 1099u);
    ++counts[v];
  }
  // Skewed: the hottest key is far above the uniform 100 draws per key, and
  // it is not simply the first key of the range.
  int hottest = 0;
  uint64_t hottest_key = 0;
  for (const auto& [k, c] : counts) {
    if (c > hottest) {
      hottest = c;
      hottest_key = k;
    }
  }
  EXPECT_GT(hottest, 1000);
  EXPECT_NE(hottest_key, 100u);
}

TEST(GeneratorsTest, SkewedLatestPrefersRecentRecords) {
  SkewedLatestGenerator gen(1000);
  Random64 rnd(5);
  int recent = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = gen.Next(&rnd, 1000);
    ASSERT_LE(v, 1000u);
    if (v >= 990) ++recent;
  }
  EXPECT_GT(recent, 4000);  // the last 1% of records get over 40%
  EXPECT_LE(gen.Next(&rnd, 5000), 5000u);  // the count may grow
}

// Every index of [0, n) once, in an order the seed fixes and changes.
TEST(GeneratorsTest, IndexPermutationIsAPermutationFixedByItsSeed) {
  for (uint64_t n : {1ull, 2ull, 3ull, 17ull, 1000ull, 4097ull, 65536ull}) {
    const IndexPermutation perm(n, 7);
    std::vector<bool> seen(n, false);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t v = perm(i);
      ASSERT_LT(v, n) << "n=" << n << " i=" << i;
      ASSERT_FALSE(seen[v]) << "n=" << n << " repeats " << v;
      seen[v] = true;
    }
  }
  const IndexPermutation a(1000, 7);
  const IndexPermutation again(1000, 7);
  const IndexPermutation b(1000, 8);
  uint64_t same_as_b = 0;
  uint64_t in_place = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(a(i), again(i));
    same_as_b += a(i) == b(i) ? 1 : 0;
    in_place += a(i) == i ? 1 : 0;
  }
  // A random permutation fixes about one point, and two agree on about
  // one; a handful at most.
  EXPECT_LT(same_as_b, 10u);
  EXPECT_LT(in_place, 10u);
  // Consecutive positions land far apart: the order is not near-sorted.
  uint64_t ascending = 0;
  for (uint64_t i = 1; i < 1000; ++i) ascending += a(i) > a(i - 1) ? 1 : 0;
  EXPECT_GT(ascending, 400u);
  EXPECT_LT(ascending, 600u);
}

TEST(ResultTest, SerializeRoundTrip) {
  Result r;
  r.engine = "strata";
  r.workload = "fillseq";
  r.repeat = 2;
  r.ops = 12345;
  r.seconds = 0.5;
  r.bytes = 999;
  r.SetRates();
  r.p50_us = 1.25;
  r.p99_us = 7.5;
  r.p999_us = 20;
  r.max_us = 300;
  r.write_amp = 2.5;
  r.peak_rss = 1 << 20;
  r.SetStorage(4096 * 12345, 777);
  r.note = "a\tb";
  Result back;
  ASSERT_TRUE(ParseResult(SerializeResult(r), &back));
  EXPECT_EQ(back.engine, "strata");
  EXPECT_EQ(back.workload, "fillseq");
  EXPECT_EQ(back.repeat, 2);
  EXPECT_EQ(back.ops, 12345u);
  EXPECT_DOUBLE_EQ(back.ops_per_sec, 24690.0);
  EXPECT_DOUBLE_EQ(back.p99_us, 7.5);
  EXPECT_DOUBLE_EQ(back.write_amp, 2.5);
  EXPECT_TRUE(std::isnan(back.space_amp));
  EXPECT_EQ(back.peak_rss, 1u << 20);
  EXPECT_DOUBLE_EQ(back.read_bytes_per_op, 4096.0);
  EXPECT_NEAR(back.major_faults_per_op, 777.0 / 12345, 1e-9);
  EXPECT_EQ(back.note, "a b");
  EXPECT_FALSE(ParseResult("setting\tx", &back));
}

TEST(ResultTest, MedianSkipsNaNAndSkippedRuns) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 2, NAN, 3}), 2.5);
  EXPECT_TRUE(std::isnan(Median({NAN})));
  std::vector<Result> runs(3);
  const double rates[] = {100, 300, 200};
  for (int i = 0; i < 3; ++i) {
    runs[i].engine = "rocksdb";
    runs[i].workload = "readrandom";
    runs[i].ops_per_sec = rates[i];
  }
  Result skipped = runs[0];
  skipped.skipped = true;
  skipped.ops_per_sec = 1e9;
  runs.push_back(skipped);
  // Per-operation storage reads: the median of the runs' own figures
  // (1, 2 and 3 KiB; the median of their totals over the median of their
  // operations would be 1 KiB).
  const uint64_t ops[] = {100, 1000, 10};
  const uint64_t kib[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) {
    runs[i].ops = ops[i];
    runs[i].SetStorage(ops[i] * kib[i] * 1024, 0);
  }
  const Result m = MedianOf(runs);
  EXPECT_FALSE(m.skipped);
  EXPECT_DOUBLE_EQ(m.ops_per_sec, 200.0);
  EXPECT_DOUBLE_EQ(m.read_bytes_per_op, 2048.0);
  EXPECT_EQ(m.repeat, -1);
}

std::vector<Result> TwoEngineMedians() {
  Result s;
  s.engine = "strata";
  s.workload = "fillseq";
  s.ops_per_sec = 200000;
  s.p99_us = 2;
  s.write_amp = 1.5;
  s.space_amp = 1.1;
  Result o = s;
  o.engine = "rocksdb";
  o.ops_per_sec = 100000;
  o.p99_us = 8;
  o.write_amp = 3;
  return {s, o};
}

TEST(ReportTest, TablesShowRatiosOrientedForStrata) {
  const std::string tables = ComparisonTables(
      TwoEngineMedians(), {"strata", "rocksdb"}, {"fillseq"}, 3);
  EXPECT_NE(tables.find("| fillseq"), std::string::npos);
  EXPECT_NE(tables.find("200.0K"), std::string::npos);
  EXPECT_NE(tables.find("strata/rocksdb"), std::string::npos);
  // Throughput 200K / 100K, p99 8 / 2, write amp 3 / 1.5.
  EXPECT_NE(tables.find(" 2.00 |"), std::string::npos);
  EXPECT_NE(tables.find(" 4.00 |"), std::string::npos);
  EXPECT_NE(tables.find("median of 3 runs"), std::string::npos);
}

// The storage-reads table appears once some engine read from storage, with
// KiB and faults per operation and the other engine's KiB over strata's.
TEST(ReportTest, StorageReadsTableOnlyWhenSomethingWasRead) {
  std::vector<Result> medians = TwoEngineMedians();
  EXPECT_EQ(ComparisonTables(medians, {"strata", "rocksdb"}, {"fillseq"}, 3)
                .find("Storage reads"),
            std::string::npos);
  medians[0].ops = 1000;
  medians[0].SetStorage(1000 * 4096, 1000);  // 4 KiB an operation
  medians[1].ops = 1000;
  medians[1].SetStorage(1000 * 6144, 0);  // 6 KiB
  const std::string tables =
      ComparisonTables(medians, {"strata", "rocksdb"}, {"fillseq"}, 3);
  EXPECT_NE(tables.find("Storage reads"), std::string::npos);
  EXPECT_NE(tables.find("4.00 / 1.00"), std::string::npos);
  EXPECT_NE(tables.find("6.00 / 0.00"), std::string::npos);
  EXPECT_NE(tables.find(" 1.50 |"), std::string::npos);  // 6 KiB / 4 KiB
  EXPECT_NE(FormatResultLine(medians[0]).find("4.00 KiB/op, 1.00 major"),
            std::string::npos);
}

TEST(ReportTest, CsvHasRunsAndMediansWithRatios) {
  std::vector<Result> medians = TwoEngineMedians();
  const std::string csv = ResultsCsv({}, medians);
  EXPECT_EQ(csv.rfind("engine,workload,repeat,", 0), 0u);
  EXPECT_NE(csv.find("rocksdb,fillseq,median,0,"), std::string::npos);
  EXPECT_NE(csv.find(",2,"), std::string::npos);  // strata/rocksdb = 2
  medians[0].note = "a,\"b\"";
  EXPECT_NE(ResultsCsv({}, medians).find("\"a,\"\"b\"\"\""), std::string::npos);
}

TEST(ReportTest, SvgHasOneBarPerOtherEngineAndWorkload) {
  std::vector<Result> medians = TwoEngineMedians();
  Result lmdb = medians[1];
  lmdb.engine = "lmdb";
  lmdb.ops_per_sec = 400000;
  medians.push_back(lmdb);
  const std::string svg = RatioSvg(medians, {"strata", "rocksdb", "lmdb"},
                                   {"fillseq"}, "a < b & c");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("fillseq: strata / rocksdb = 2.00"), std::string::npos);
  EXPECT_NE(svg.find("fillseq: strata / lmdb = 0.50"), std::string::npos);
  EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);
}

TEST(ConfigTest, ParsesAndRoundTripsThroughToFlags) {
  const char* args[] = {"strata_bench",
                        "--engine=lmdb",
                        "--num=5000",
                        "--cache_size=16M",
                        "--compression=zstd",
                        "--benchmarks=fillseq,ycsbe",
                        "--threads=3",
                        "--duration=1.5",
                        "--mmap_reads=0",
                        "--load_order=sequential",
                        "--strata_restart_interval=8",
                        "--strata_compression_unit=0",
                        "--strata_read_compaction=0",
                        "--strata_level_base=16777216",
                        "--strata_target_file_size=2097152"};
  BenchConfig c;
  bool help = true;
  std::string error;
  ASSERT_TRUE(ParseFlags(15, const_cast<char**>(args), &c, &help, &error))
      << error;
  EXPECT_EQ(c.engine_config.strata_restart_interval, 8);
  EXPECT_EQ(c.engine_config.strata_compression_unit, 0);
  EXPECT_EQ(c.engine_config.strata_read_compaction, 0);
  EXPECT_EQ(c.engine_config.strata_level_base, 16 << 20);
  EXPECT_EQ(c.engine_config.strata_target_file_size, 2 << 20);
  EXPECT_FALSE(help);
  EXPECT_EQ(c.engine_config.cache_size, 16u << 20);
  EXPECT_EQ(c.engine_config.compression, Compression::kZstd);
  EXPECT_FALSE(c.engine_config.mmap_reads);
  EXPECT_TRUE(c.sequential_load);
  EXPECT_EQ(c.SyncOps(), 100u);
  EXPECT_EQ(c.ReadOps(), 5000u);

  std::vector<std::string> flags = ToFlags(c);
  std::vector<char*> argv = {const_cast<char*>("strata_bench")};
  for (std::string& f : flags) argv.push_back(f.data());
  BenchConfig back;
  ASSERT_TRUE(ParseFlags(static_cast<int>(argv.size()), argv.data(), &back,
                         &help, &error))
      << error;
  EXPECT_EQ(back.engine, "lmdb");
  EXPECT_EQ(back.num, 5000u);
  EXPECT_EQ(back.threads, 3);
  EXPECT_EQ(back.duration, 1.5);
  EXPECT_EQ(back.Benchmarks(), c.Benchmarks());
  EXPECT_EQ(back.engine_config.cache_size, c.engine_config.cache_size);
  EXPECT_EQ(back.engine_config.compression, Compression::kZstd);
  EXPECT_FALSE(back.engine_config.mmap_reads);
  EXPECT_TRUE(back.sequential_load);
  EXPECT_EQ(back.engine_config.strata_restart_interval, 8);
  EXPECT_EQ(back.engine_config.strata_compression_unit, 0);
  EXPECT_EQ(back.engine_config.strata_read_compaction, 0);
  EXPECT_EQ(back.engine_config.strata_level_base, 16 << 20);
  EXPECT_EQ(back.engine_config.strata_target_file_size, 2 << 20);
}

TEST(ConfigTest, RejectsBadFlags) {
  BenchConfig c;
  bool help = false;
  std::string error;
  const char* unknown[] = {"x", "--nope=1"};
  EXPECT_FALSE(ParseFlags(2, const_cast<char**>(unknown), &c, &help, &error));
  EXPECT_NE(error.find("--nope"), std::string::npos);
  const char* workload[] = {"x", "--benchmarks=fillseq,bogus"};
  EXPECT_FALSE(ParseFlags(2, const_cast<char**>(workload), &c, &help, &error));
  const char* order[] = {"x", "--load_order=shuffled"};
  EXPECT_FALSE(ParseFlags(2, const_cast<char**>(order), &c, &help, &error));
  EXPECT_NE(error.find("--load_order"), std::string::npos);
  const char* small_key[] = {"x", "--num=100000000", "--key_size=8"};
  EXPECT_FALSE(ParseFlags(3, const_cast<char**>(small_key), &c, &help, &error));
  const char* restart[] = {"x", "--strata_restart_interval=0"};
  EXPECT_FALSE(ParseFlags(2, const_cast<char**>(restart), &c, &help, &error));
  EXPECT_NE(error.find("--strata_restart_interval"), std::string::npos);
}

// Every engine runs every workload on 2000 keys; counts are exact.
class EngineWorkloadTest : public ::testing::TestWithParam<std::string> {};

// The text LevelDB 1.23 prints for "leveldb.stats" (levels without tables
// or compactions are left out).
std::string LevelDbStats(const std::string& rows) {
  return "                               Compactions\n"
         "Level  Files Size(MB) Time(sec) Read(MB) Write(MB)\n"
         "--------------------------------------------------\n" +
         rows;
}

TEST(EngineTest, LevelDbCompactionDueFollowsItsSizeTriggers) {
  EXPECT_FALSE(LevelDbCompactionDue(LevelDbStats("")));
  EXPECT_FALSE(LevelDbCompactionDue(
      LevelDbStats("  0        3        6         0        0         6\n"
                   "  1        5       10         1       20        18\n"
                   "  2       40       95         3       80        80\n")));
  // Four L0 tables.
  EXPECT_TRUE(LevelDbCompactionDue(
      LevelDbStats("  0        4        8         0        0         8\n")));
  // Level 1 over 10 MB, level 3 over 1000 MB.
  EXPECT_TRUE(LevelDbCompactionDue(
      LevelDbStats("  1        6       11         0        0         0\n")));
  EXPECT_TRUE(LevelDbCompactionDue(
      LevelDbStats("  3      600     1001         0        0         0\n")));
  EXPECT_FALSE(LevelDbCompactionDue(
      LevelDbStats("  3      500     1000         0        0         0\n")));
  // Rows before the rule are headings, not levels.
  EXPECT_FALSE(LevelDbCompactionDue("  0        9        9\n"));
}

TEST_P(EngineWorkloadTest, EveryWorkloadRunsWithExactCounts) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());

  BenchConfig config;
  config.num = 2000;
  config.sync_num = 50;
  config.threads = 2;
  config.engine_config.write_buffer_size = 64 << 10;  // several flushes
  config.engine_config.compression = Compression::kSnappy;
  std::unique_ptr<Engine> engine = NewEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  std::FILE* out = std::fopen("/dev/null", "w");
  ASSERT_NE(out, nullptr);
  std::map<std::string, Result> results;
  {
    Runner runner(config, engine.get(), dir + "/" + GetParam(), out);
    for (const std::string& w : DefaultBenchmarks()) {
      Result r;
      const Status s = runner.Run(w, &r);
      ASSERT_TRUE(s.ok()) << w << ": " << s.ToString();
      // LevelDB and LMDB have no range deletes: that workload is skipped.
      const bool unsupported =
          w == "rangedel" && (GetParam() == "leveldb" || GetParam() == "lmdb");
      EXPECT_EQ(unsupported, r.skipped) << w << ": " << r.note;
      EXPECT_EQ(r.engine, GetParam());
      results[w] = r;
    }
    ASSERT_TRUE(runner.Close().ok());
  }
  std::fclose(out);

  EXPECT_EQ(results["fillseq"].ops, 2000u);
  EXPECT_EQ(results["fillseq"].bytes, 2000u * 116);
  EXPECT_EQ(results["fillsync"].ops, 50u);
  EXPECT_EQ(results["fillrandom"].ops, 2000u);
  EXPECT_GT(results["fillrandom"].space_amp, 0.0);
  EXPECT_GT(results["fillrandom"].write_amp, 0.0);
  EXPECT_GT(results["fillrandom"].peak_rss, 0u);
  EXPECT_EQ(results["overwrite"].ops, 2000u);
  EXPECT_EQ(results["readrandom"].ops, 2000u);
  EXPECT_EQ(results["readrandom"].note, "2000 of 2000 found");
  EXPECT_EQ(results["readmissing"].note, "0 of 2000 found");
  EXPECT_EQ(results["readseq"].ops, 2000u);  // 1000 per thread
  EXPECT_EQ(results["readseq"].bytes, 2000u * 116);
  EXPECT_EQ(results["readreverse"].ops, 2000u);
  EXPECT_EQ(results["seekrandom"].ops, 2000u);
  EXPECT_EQ(results["seekrandom"].note, "2000 of 2000 seeks found a key");
  EXPECT_EQ(results["readwhilewriting"].ops, 2000u);
  EXPECT_EQ(results["readwhilewriting"].note.rfind("2000 of 2000 found", 0),
            0u);
  EXPECT_EQ(results["deleterandom"].ops, 2000u);
  if (GetParam() == "strata" || GetParam() == "rocksdb") {
    // 500 deleted keys; 2000 seeks into them and 2000 gets, each checked.
    EXPECT_EQ(results["rangedel"].ops, 4000u);
    EXPECT_EQ(results["rangedel"].note.rfind("500 keys deleted", 0), 0u)
        << results["rangedel"].note;
  }
  for (const char* y : {"ycsba", "ycsbb", "ycsbc", "ycsbf"}) {
    EXPECT_EQ(results[y].ops, 2000u) << y;
    EXPECT_EQ(results[y].note, "2000 of 2000 ops found their record") << y;
  }
  // D and E insert from two threads: a read may race ahead of an insert
  // that is numbered but not yet written, so only the op count is exact.
  EXPECT_EQ(results["ycsbd"].ops, 2000u);
  EXPECT_EQ(results["ycsbe"].ops, 2000u);
  EXPECT_GT(results["ycsba"].p99_us, 0.0);
  EXPECT_GE(results["ycsba"].max_us, results["ycsba"].p99_us);
  std::filesystem::remove_all(dir);
}

// The time-travel workloads: strata and RocksDB (user-defined timestamps)
// run them and every read is checked to find the version it asked for;
// LevelDB and LMDB skip them.
TEST_P(EngineWorkloadTest, VersionedWorkloadsFindTheVersionAskedFor) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  BenchConfig config;
  config.num = 500;
  config.versions = 4;
  config.threads = 2;
  config.engine_config.write_buffer_size = 64 << 10;
  config.engine_config.versioned = true;
  std::unique_ptr<Engine> engine = NewEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  const bool supported = GetParam() == "strata" || GetParam() == "rocksdb";
  EXPECT_EQ(supported, engine->CheckSupported(config.engine_config).ok());
  if (!supported) {
    std::filesystem::remove_all(dir);
    return;
  }
  std::FILE* out = std::fopen("/dev/null", "w");
  ASSERT_NE(out, nullptr);
  std::map<std::string, Result> results;
  {
    Runner runner(config, engine.get(), dir + "/" + GetParam(), out);
    for (const std::string& w : VersionedBenchmarks()) {
      Result r;
      const Status s = runner.Run(w, &r);
      ASSERT_TRUE(s.ok()) << w << ": " << s.ToString();
      EXPECT_FALSE(r.skipped) << w << ": " << r.note;
      results[w] = r;
    }
    ASSERT_TRUE(runner.Close().ok());
  }
  std::fclose(out);
  EXPECT_EQ(results["vgetlatest"].note,
            "500 of 500 found, each the version asked for");
  EXPECT_EQ(results["vgetasof"].note,
            "500 of 500 found, each the version asked for");
  // 5 scans of 10 keys x 4 versions (fewer at the end of the key space).
  EXPECT_EQ(results["vhistory"].ops, 5u);
  EXPECT_NE(results["vhistory"].note.find(" versions in 5 scans"),
            std::string::npos)
      << results["vhistory"].note;
  std::filesystem::remove_all(dir);
}

// Forwards to another engine and records the calls that shape a run.
class RecordingEngine : public Engine {
 public:
  explicit RecordingEngine(std::unique_ptr<Engine> base)
      : base_(std::move(base)) {}
  std::string_view name() const override { return base_->name(); }
  Status CheckSupported(const EngineConfig& config) const override {
    return base_->CheckSupported(config);
  }
  std::vector<std::string> Describe(const EngineConfig& config) const override {
    return base_->Describe(config);
  }
  Status Open(const EngineConfig& config) override {
    calls.push_back(config.value_log_gc_held ? "open, GC held" : "open");
    return base_->Open(config);
  }
  Status Close() override {
    calls.push_back("close");
    return base_->Close();
  }
  Status Flush() override {
    calls.push_back("flush");
    return base_->Flush();
  }
  Status WaitForBackgroundWork(double max_seconds) override {
    calls.push_back("wait");
    return base_->WaitForBackgroundWork(max_seconds);
  }
  std::unique_ptr<Session> NewSession() override { return base_->NewSession(); }
  bool HasOwnValueLogGc() const override { return base_->HasOwnValueLogGc(); }

  std::vector<std::string> calls;

 private:
  std::unique_ptr<Engine> base_;
};

// The last `n` calls (all of them when fewer).
std::vector<std::string> Last(const std::vector<std::string>& calls, size_t n) {
  return {calls.end() - static_cast<std::ptrdiff_t>(std::min(n, calls.size())),
          calls.end()};
}

// A fill, and the untimed load before a read workload, end with the settle:
// flush, close, reopen, and then the wait for the background work the
// reopen found due, so the next timed workload starts on a quiet engine.
TEST(RunnerTest, SettleWaitsForBackgroundWorkAfterTheReopen) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  BenchConfig config;
  config.num = 2000;
  config.engine_config.write_buffer_size = 64 << 10;
  RecordingEngine engine(NewStrataEngine());
  std::FILE* out = std::fopen("/dev/null", "w");
  ASSERT_NE(out, nullptr);
  const std::vector<std::string> settle{"flush", "close", "open", "wait"};
  {
    Runner runner(config, &engine, dir + "/strata", out);
    Result r;
    ASSERT_TRUE(runner.Run("fillrandom", &r).ok());
    EXPECT_EQ(Last(engine.calls, 4), settle);
    engine.calls.clear();
    ASSERT_TRUE(runner.Run("readrandom", &r).ok());  // the DB holds the data
    EXPECT_TRUE(engine.calls.empty());
    ASSERT_TRUE(runner.Run("deleterandom", &r).ok());
    engine.calls.clear();
    ASSERT_TRUE(runner.Run("seekrandom", &r).ok());  // loads it again first
    EXPECT_EQ(Last(engine.calls, 4), settle);
    ASSERT_TRUE(runner.Close().ok());
  }
  std::fclose(out);
  std::filesystem::remove_all(dir);
}

// readwhilegc makes its garbage with GC held back (and settles), then
// reopens with GC on for the timed reads, and waits for GC after them;
// an engine without GC of its own skips it.
TEST(RunnerTest, ReadWhileGcReadsAfterReopeningWithGcOn) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  BenchConfig config;
  config.num = 2000;
  config.value_size = 2000;
  config.engine_config.write_buffer_size = 256 << 10;
  config.engine_config.value_log_threshold = 1024;
  std::FILE* out = std::fopen("/dev/null", "w");
  ASSERT_NE(out, nullptr);
  {
    RecordingEngine engine(NewStrataEngine());
    Runner runner(config, &engine, dir + "/strata", out);
    Result r;
    ASSERT_TRUE(runner.Run("fillrandom", &r).ok());
    engine.calls.clear();
    const Status s = runner.Run("readwhilegc", &r);
    ASSERT_TRUE(s.ok()) << s.ToString();
    const std::vector<std::string> expected{"close", "open, GC held", "flush",
                                            "close", "open, GC held", "wait",
                                            "close", "open",          "wait"};
    EXPECT_EQ(expected, engine.calls);
    EXPECT_EQ(2000u, r.ops);
    EXPECT_EQ(0u, r.note.rfind("2000 of 2000 found; GC went on", 0)) << r.note;
    ASSERT_TRUE(runner.Close().ok());
  }
  {
    RecordingEngine engine(NewStrataInlineEngine());
    Runner runner(config, &engine, dir + "/inline", out);
    Result r;
    ASSERT_TRUE(runner.Run("readwhilegc", &r).ok());
    EXPECT_TRUE(r.skipped);
    EXPECT_EQ(0u, r.note.rfind("not supported", 0)) << r.note;
    ASSERT_TRUE(runner.Close().ok());
  }
  std::fclose(out);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AllEngines, EngineWorkloadTest,
                         ::testing::Values("strata", "rocksdb", "leveldb",
                                           "lmdb"));

}  // namespace
}  // namespace strata::bench
