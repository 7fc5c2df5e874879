// The `strata` tool (issue 17): each subcommand's output and exit code,
// run as a user runs it (the built binary, in a scratch directory), and
// the shell driven through a pseudo-terminal.

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "strata/db.h"
#include "testing/test_util.h"

namespace strata {
namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ToolTest : public ::testing::Test {
 protected:
  ToolTest() : dir_(testing::NewTempDir("tool")), db_(dir_ + "/db") {}
  ~ToolTest() override { testing::RemoveTempDir(dir_); }

  // Runs `strata --db <db> args...` (or without --db when `with_db` is
  // false).
  // `input`: the file stdin reads (a pipe from `cat` when `pipe`).
  Result Run(const std::vector<std::string>& args, bool with_db = true,
             const std::string& input = "/dev/null", bool pipe = false) {
    std::string cmd = Quote(STRATA_TOOL);
    if (with_db) cmd += " --db " + Quote(db_);
    for (const std::string& a : args) cmd += " " + Quote(a);
    const std::string out = dir_ + "/out", err = dir_ + "/err";
    cmd += " >" + Quote(out) + " 2>" + Quote(err);
    if (pipe) {
      cmd = "cat " + Quote(input) + " | " + cmd;
    } else {
      cmd += " <" + Quote(input);
    }
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream f(dir_ + "/" + name, std::ios::binary);
    f << contents;
  }

  const std::string dir_;
  const std::string db_;
};

#define EXPECT_RUN(result, code_, out_)                \
  do {                                                 \
    const Result r_ = (result);                        \
    EXPECT_EQ(code_, r_.code) << "stderr: " << r_.err; \
    EXPECT_EQ(out_, r_.out);                           \
  } while (0)

TEST_F(ToolTest, PutGetDelAndNotFound) {
  EXPECT_RUN(Run({"put", "k1", "v1"}), 0, "");
  EXPECT_RUN(Run({"get", "k1"}), 0, "v1\n");
  const Result missing = Run({"get", "nope"});
  EXPECT_EQ(1, missing.code);
  EXPECT_EQ("", missing.out);
  EXPECT_EQ("strata get: nope not found\n", missing.err);
  EXPECT_RUN(Run({"del", "k1"}), 0, "");
  EXPECT_EQ(1, Run({"get", "k1"}).code);
}

TEST_F(ToolTest, BinaryKeysPrintEscapedOrHexAndReadBack) {
  EXPECT_RUN(Run({"put", "a\\tb", "x\\x00y\\n"}), 0, "");
  EXPECT_RUN(Run({"scan"}), 0, "a\\tb\tx\\x00y\\n\n");
  EXPECT_RUN(Run({"--hex", "get", "610962"}), 0, "7800790a\n");
  EXPECT_RUN(Run({"get", "a\\tb"}), 0, "x\\x00y\\n\n");
  const Result bad = Run({"get", "a\\q"});
  EXPECT_EQ(2, bad.code);
  EXPECT_NE(std::string::npos, bad.err.find("unknown escape")) << bad.err;
  EXPECT_EQ(2, Run({"--hex", "get", "6"}).code);
}

TEST_F(ToolTest, ScanAndCountTakeBoundsDirectionAndLimits) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(0, Run({"put", "k" + std::to_string(i), std::to_string(i)}).code);
  }
  ASSERT_EQ(0, Run({"put", "other", "x"}).code);
  EXPECT_RUN(Run({"scan", "--from", "k2", "--to", "k4"}), 0, "k2\t2\nk3\t3\n");
  EXPECT_RUN(Run({"scan", "--reverse", "--limit", "2"}), 0,
             "other\tx\nk5\t5\n");
  EXPECT_RUN(Run({"scan", "--prefix", "k", "--keys-only", "-n", "3"}), 0,
             "k1\nk2\nk3\n");
  EXPECT_RUN(Run({"scan", "--json", "--limit", "1"}), 0,
             "{\"key\":\"k1\",\"value\":\"1\"}\n");
  EXPECT_RUN(Run({"count"}), 0, "6\n");
  EXPECT_RUN(Run({"count", "--prefix", "k"}), 0, "5\n");
  EXPECT_RUN(Run({"delete-range", "k2", "k4"}), 0, "");
  EXPECT_RUN(Run({"count", "--from", "k", "--to", "l"}), 0, "3\n");
  EXPECT_EQ(2, Run({"delete-range", "k4", "k2"}).code);
}

TEST_F(ToolTest, UsageErrorsAreOneLineAndExitTwo) {
  const Result none = Run({});
  EXPECT_EQ(2, none.code);
  EXPECT_EQ(1, std::count(none.err.begin(), none.err.end(), '\n')) << none.err;
  const Result no_key = Run({"get"});
  EXPECT_EQ(2, no_key.code);
  EXPECT_EQ(0u, no_key.err.find("strata: ")) << no_key.err;
  EXPECT_NE(std::string::npos, no_key.err.find("--help")) << no_key.err;
  const Result unknown = Run({"frobnicate"});
  EXPECT_EQ(2, unknown.code);
  // --help on the tool and on every subcommand.
  const Result help = Run({"--help"}, false);
  EXPECT_EQ(0, help.code);
  EXPECT_NE(std::string::npos, help.out.find("Exit codes")) << help.out;
  for (const char* sub :
       {"get", "put", "del", "delete-range", "scan", "count", "history", "load",
        "dump", "verify", "stats", "checkpoint", "restore", "repair", "compact",
        "shell"}) {
    const Result h = Run({sub, "--help"}, false);
    EXPECT_EQ(0, h.code) << sub;
    EXPECT_NE(std::string::npos, h.out.find(sub)) << sub << ": " << h.out;
  }
  // Reading a DB that does not exist creates nothing.
  const Result absent = Run({"get", "k"});
  EXPECT_EQ(2, absent.code);
  EXPECT_NE(std::string::npos, absent.err.find("does not exist")) << absent.err;
  EXPECT_NE(std::string::npos, absent.err.find("check the path")) << absent.err;
  std::ifstream probe(db_ + "/CURRENT");
  EXPECT_FALSE(probe.good());
}

TEST_F(ToolTest, ALockedDbIsExitFourWithAdvice) {
  ASSERT_EQ(0, Run({"put", "k", "v"}).code);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), db_, &db).ok());
  const Result r = Run({"get", "k"});
  EXPECT_EQ(4, r.code);
  EXPECT_NE(std::string::npos, r.err.find("locked")) << r.err;
  EXPECT_NE(std::string::npos, r.err.find("close the program")) << r.err;
  EXPECT_EQ(1, std::count(r.err.begin(), r.err.end(), '\n')) << r.err;
}

TEST_F(ToolTest, HistoryAndAsOfOnAVersionedDb) {
  EXPECT_RUN(Run({"--versioned", "put", "k", "a", "--at", "100"}), 0, "");
  // Later commands find the DB versioned without being told.
  EXPECT_RUN(Run({"put", "k", "b", "--at", "200"}), 0, "");
  EXPECT_RUN(Run({"del", "k", "--at", "300"}), 0, "");
  EXPECT_RUN(Run({"history", "k"}), 0, "300\t(deleted)\n200\tb\n100\ta\n");
  EXPECT_RUN(Run({"get", "k", "--as-of", "250"}), 0, "b\n");
  EXPECT_RUN(Run({"scan", "--as-of", "150"}), 0, "k\ta\n");
  EXPECT_EQ(1, Run({"get", "k"}).code);
  EXPECT_EQ(1, Run({"history", "nothing"}).code);
}

TEST_F(ToolTest, HistoryNeedsAVersionedDb) {
  ASSERT_EQ(0, Run({"put", "k", "v"}).code);
  const Result r = Run({"history", "k"});
  EXPECT_EQ(2, r.code);
  EXPECT_NE(std::string::npos, r.err.find("keeps no history")) << r.err;
  EXPECT_EQ(2, Run({"put", "k", "v", "--at", "5"}).code);
}

TEST_F(ToolTest, LoadReadsCsvTsvAndJsonLines) {
  Write("a.csv", "key,value\nc1,\"one, quoted\"\nc2,\"two \"\"q\"\"\"\n");
  Write("b.tsv", "t1\tline\\none\nt2\ttab\\there\n");
  Write("c.jsonl",
        "{\"key\": \"j1\", \"value\": \"v\\u00e9\"}\n"
        "{\"key\": \"j2\", \"value\": 42}\n");
  EXPECT_RUN(Run({"load", dir_ + "/a.csv", "--header", "-q"}), 0,
             "loaded 2 record(s) from " + dir_ + "/a.csv\n");
  EXPECT_RUN(Run({"load", dir_ + "/b.tsv", "-q"}), 0,
             "loaded 2 record(s) from " + dir_ + "/b.tsv\n");
  EXPECT_RUN(Run({"load", dir_ + "/c.jsonl", "-q"}), 0,
             "loaded 2 record(s) from " + dir_ + "/c.jsonl\n");
  EXPECT_RUN(Run({"get", "c1"}), 0, "one, quoted\n");
  EXPECT_RUN(Run({"get", "c2"}), 0, "two \"q\"\n");
  EXPECT_RUN(Run({"get", "t1"}), 0, "line\\none\n");
  EXPECT_RUN(Run({"--raw", "get", "j1"}), 0, "v\xc3\xa9\n");
  EXPECT_RUN(Run({"get", "j2"}), 0, "42\n");
  Write("bad.jsonl", "{\"key\": \"x\"}\n");
  const Result bad = Run({"load", dir_ + "/bad.jsonl", "-q"});
  EXPECT_EQ(2, bad.code);
  EXPECT_NE(std::string::npos, bad.err.find("line 1")) << bad.err;
  // From a pipe: no size, no seeking.
  Write("d.csv", "p1,piped\np2,too\n");
  EXPECT_RUN(Run({"load", "/dev/stdin", "--format", "csv", "-q"}, true,
                 dir_ + "/d.csv", /*pipe=*/true),
             0, "loaded 2 record(s) from /dev/stdin\n");
  EXPECT_RUN(Run({"get", "p2"}), 0, "too\n");
  Write("noext", "x");
  EXPECT_EQ(2, Run({"load", dir_ + "/noext"}).code);
  EXPECT_EQ(4, Run({"load", dir_ + "/missing.csv"}).code);
}

TEST_F(ToolTest, DumpVerifyStatsAndCompact) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(0, Run({"put", "key" + std::to_string(i), "value"}).code);
  }
  const Result compact = Run({"compact", "-q"});
  EXPECT_EQ(0, compact.code) << compact.err;
  EXPECT_EQ(0u, compact.out.find("compacted: ")) << compact.out;
  const Result stats = Run({"stats", "--json"});
  EXPECT_EQ(0, stats.code) << stats.err;
  EXPECT_NE(std::string::npos, stats.out.find("\"levels\"")) << stats.out;
  EXPECT_NE(std::string::npos, stats.out.find("\"counters\"")) << stats.out;
  const Result text = Run({"stats"});
  EXPECT_EQ(0, text.code);
  EXPECT_NE(std::string::npos, text.out.find("write amplification"))
      << text.out;
  const Result verify = Run({"verify", "-q"});
  EXPECT_EQ(0, verify.code) << verify.err;
  EXPECT_EQ(0u, verify.out.find("ok: ")) << verify.out;

  // Every kind of file, dumped.
  std::string table, manifest;
  for (const auto& e : std::filesystem::directory_iterator(db_)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".sst")) table = name;
    if (name.starts_with("MANIFEST-")) manifest = name;
  }
  ASSERT_FALSE(table.empty());
  const Result t = Run({"dump", db_ + "/" + table}, false);
  EXPECT_EQ(0, t.code) << t.err;
  EXPECT_EQ(0u, t.out.find("table " + table + ": ")) << t.out;
  EXPECT_NE(std::string::npos, t.out.find("'key1' @ ")) << t.out;
  EXPECT_NE(std::string::npos, t.out.find(": put => 'value'")) << t.out;
  const Result keys = Run({"dump", "--no-values", db_ + "/" + table}, false);
  EXPECT_EQ(std::string::npos, keys.out.find("=> 'value'")) << keys.out;
  const Result m = Run({"dump", db_ + "/" + manifest}, false);
  EXPECT_EQ(0, m.code) << m.err;
  EXPECT_EQ(0u, m.out.find("manifest " + manifest + "\noffset 0:\n")) << m.out;
  const Result current = Run({"dump", db_ + "/CURRENT"}, false);
  EXPECT_RUN(current, 0, "CURRENT names '" + manifest + "\\x0a'\n");
  ASSERT_EQ(0, Run({"put", "late", "in the log"}).code);
  std::string log_after;
  for (const auto& e : std::filesystem::directory_iterator(db_)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".log")) log_after = name;
  }
  const Result l = Run({"dump", db_ + "/" + log_after}, false);
  EXPECT_EQ(0, l.code) << l.err;
  EXPECT_EQ(0u, l.out.find("log " + log_after + "\n")) << l.out;
  EXPECT_EQ(2, Run({"dump", dir_ + "/nothing.txt"}, false).code);
}

TEST_F(ToolTest, VerifyFindsDamageAndRepairMendsCurrent) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(
        0, Run({"put", "key" + std::to_string(i), std::string(100, 'v')}).code);
  }
  ASSERT_EQ(0, Run({"compact", "-q"}).code);
  std::remove((db_ + "/CURRENT").c_str());
  const Result broken = Run({"get", "key1"});
  EXPECT_EQ(3, broken.code);
  EXPECT_NE(std::string::npos, broken.err.find("repair")) << broken.err;
  const Result repair = Run({"repair"});
  EXPECT_EQ(0, repair.code) << repair.err;
  EXPECT_NE(std::string::npos, repair.out.find("repaired")) << repair.out;
  EXPECT_RUN(Run({"count"}), 0, "200\n");
}

TEST_F(ToolTest, CheckpointAndRestore) {
  ASSERT_EQ(0, Run({"put", "a", "1"}).code);
  const std::string cp = dir_ + "/cp";
  const Result c = Run({"checkpoint", cp});
  EXPECT_EQ(0, c.code) << c.err;
  EXPECT_EQ(0u, c.out.find("checkpoint " + cp + ": sequence 1, ")) << c.out;
  EXPECT_EQ(2, Run({"checkpoint", cp}).code);  // exists
  ASSERT_EQ(0, Run({"put", "b", "2"}).code);
  EXPECT_RUN(Run({"restore", cp}), 0, "restored " + db_ + " from " + cp + "\n");
  EXPECT_RUN(Run({"scan"}), 0, "a\t1\n");
  EXPECT_EQ(0, Run({"verify", "-q"}).code);
}

// Runs the shell on a pseudo-terminal, types `lines`, and returns all it
// printed.
std::string ShellSession(const std::string& db,
                         const std::vector<std::string>& lines,
                         const std::string& home) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    ::setenv("HOME", home.c_str(), 1);
    ::setenv("TERM", "dumb", 1);
    ::execl(STRATA_TOOL, STRATA_TOOL, "--db", db.c_str(), "--create", "shell",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string input;
  for (const std::string& l : lines) input += l + "\n";
  std::string output;
  size_t sent = 0;
  char buf[4096];
  // Type one line after each prompt, so the shell reads it when it asks.
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof(buf));
    if (n <= 0) break;  // the shell exited (EIO on Linux)
    output.append(buf, static_cast<size_t>(n));
    if (sent < lines.size() && output.size() >= 2 &&
        output.rfind("> ") == output.size() - 2) {
      const std::string line = lines[sent++] + "\n";
      if (::write(master, line.data(), line.size()) < 0) break;
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return output;
}

TEST_F(ToolTest, ShellRunsCommandsAndTransactionsOnATerminal) {
  const std::string out = ShellSession(
      db_,
      {"help", "put a 1", "begin", "put b 2", "get b", "rollback", "get b",
       "begin", "put c '3 4'", "commit", "get c", "put q \"say \\\"hi\\\"\"",
       "get q", "scan", "bogus", "quit"},
      dir_);
  EXPECT_NE(std::string::npos, out.find("strata shell on")) << out;
  // `help` lists the commands, transactions' included.
  EXPECT_NE(std::string::npos, out.find("rollback")) << out;
  EXPECT_NE(std::string::npos, out.find("delete-range")) << out;
  EXPECT_NE(std::string::npos, out.find("strata (txn)> ")) << out;
  EXPECT_NE(std::string::npos, out.find("rolled back")) << out;
  EXPECT_NE(std::string::npos, out.find("strata get: b not found")) << out;
  EXPECT_NE(std::string::npos, out.find("committed")) << out;
  EXPECT_NE(std::string::npos, out.find("3 4")) << out;
  EXPECT_NE(std::string::npos, out.find("say \"hi\"")) << out;
  EXPECT_NE(std::string::npos, out.find("a\t1")) << out;
  EXPECT_NE(std::string::npos, out.find("strata: ")) << out;  // bogus
  // What the shell committed is in the DB; the rolled-back write is not.
  EXPECT_RUN(Run({"scan", "--keys-only"}), 0, "a\nc\nq\n");
  // The history file was written.
  std::ifstream history(dir_ + "/.strata_history");
  EXPECT_TRUE(history.good());
}

TEST_F(ToolTest, TheShellCreatesNoDbUnlessAsked) {
  const Result r = Run({"shell"});
  EXPECT_EQ(2, r.code);
  EXPECT_NE(std::string::npos, r.err.find("does not exist")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db_ + "/CURRENT"));
  // Lines from a pipe run without prompts.
  Write("lines", "put k v\nget k\n");
  EXPECT_RUN(Run({"--create", "shell"}, true, dir_ + "/lines"), 0, "v\n");
}

}  // namespace
}  // namespace strata
