// The module graph, checked on every #include (issue 13). Each directory
// under src/ is a module; a file may include headers of its own module, of
// the modules below it in the graph, and the public headers (strata/...).
// Linking checks only .cc files; this reads headers too, so a header-only
// arrow pointing up fails here.
//
//   base ← key ← env ← {wal, memtable, cache} ← table ← vlog ← version
//        ← {compaction, txn} ← db ← capi (the C API, strata/c.h) ←
//        leveldb_compat
//
// wal, memtable and cache are siblings: none includes another, and so are
// compaction and txn. vlog (the value log) is placed where it will go:
// table readers do not know the value log; the MANIFEST (version) accounts
// for its files. txn (transactions) talks to the DB through a host
// interface it declares (txn/txn_host.h), which DBImpl implements
// (DESIGN.md, layers). Tests in a module directory may include what the
// module may.
//
// FindsAnUpwardArrow feeds the checker a made-up tree with one arrow
// pointing up and one between siblings, so the test is seen to fail.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

// Module → the modules it may include (its own included).
std::map<std::string, std::set<std::string>> AllowedGraph() {
  const std::vector<std::vector<std::string>> layers = {
      {"base"},
      {"key"},
      {"env"},
      {"wal", "memtable", "cache"},
      {"table"},
      {"vlog"},
      {"version"},
      {"compaction", "txn"},
      {"db"},
      {"capi"},
      {"leveldb_compat"},
  };
  std::map<std::string, std::set<std::string>> allowed;
  std::set<std::string> below;
  for (const auto& layer : layers) {
    for (const std::string& m : layer) {
      allowed[m] = below;
      allowed[m].insert(m);
    }
    below.insert(layer.begin(), layer.end());
  }
  return allowed;
}

struct Include {
  std::string file;  // relative to src/
  int line = 0;
  std::string target;  // "key/internal_key.h"
};

// Every #include "..." of every file under `src`.
std::vector<Include> ReadIncludes(const std::filesystem::path& src) {
  static const std::regex include_re(R"(^\s*#\s*include\s*"([^"]+)\")");
  std::vector<Include> result;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    std::ifstream in(entry.path());
    std::string text;
    int line = 0;
    while (std::getline(in, text)) {
      ++line;
      std::smatch m;
      if (std::regex_search(text, m, include_re)) {
        result.push_back({std::filesystem::relative(entry.path(), src).string(),
                          line, m[1].str()});
      }
    }
  }
  return result;
}

// The arrows the graph does not allow, one line each.
std::vector<std::string> Violations(const std::vector<Include>& includes) {
  const auto allowed = AllowedGraph();
  std::vector<std::string> bad;
  for (const Include& inc : includes) {
    const std::string from = inc.file.substr(0, inc.file.find('/'));
    const size_t slash = inc.target.find('/');
    if (slash == std::string::npos) {
      bad.push_back(inc.file + ":" + std::to_string(inc.line) + ": \"" +
                    inc.target + "\" names no module");
      continue;
    }
    const std::string to = inc.target.substr(0, slash);
    if (to == "strata") continue;  // the public API
    if (to == "gtest" || to == "gmock" || to == "benchmark") continue;
    const auto it = allowed.find(from);
    if (it == allowed.end()) {
      bad.push_back(inc.file + ": module '" + from +
                    "' is not in the graph (tests/layering_test.cc)");
      continue;
    }
    if (allowed.count(to) == 0) {
      bad.push_back(inc.file + ":" + std::to_string(inc.line) +
                    ": includes \"" + inc.target + "\" of unknown module '" +
                    to + "'");
    } else if (it->second.count(to) == 0) {
      bad.push_back(inc.file + ":" + std::to_string(inc.line) + ": " + from +
                    " may not include " + to + " (\"" + inc.target + "\")");
    }
  }
  return bad;
}

TEST(LayeringTest, EveryIncludeFollowsTheModuleGraph) {
  const std::filesystem::path src =
      std::filesystem::path(STRATA_SOURCE_DIR) / "src";
  const std::vector<Include> includes = ReadIncludes(src);
  ASSERT_GT(includes.size(), 100u) << "read no sources under " << src;
  const std::vector<std::string> bad = Violations(includes);
  std::string report;
  for (const std::string& b : bad) report += b + "\n";
  EXPECT_TRUE(bad.empty()) << report;
}

TEST(LayeringTest, FindsAnUpwardArrow) {
  const std::vector<Include> tree = {
      {"key/internal_key.h", 5, "base/coding.h"},      // down: fine
      {"table/table.cc", 9, "strata/env.h"},           // public: fine
      {"version/version_set.cc", 12, "db/db_impl.h"},  // up
      {"wal/log_writer.h", 3, "memtable/memtable.h"},  // sibling
      {"txn/write_set.h", 7, "db/db_impl.h"},          // up
  };
  const std::vector<std::string> bad = Violations(tree);
  ASSERT_EQ(3u, bad.size());
  EXPECT_NE(std::string::npos, bad[0].find("version may not include db"));
  EXPECT_NE(std::string::npos, bad[1].find("wal may not include memtable"));
  EXPECT_NE(std::string::npos, bad[2].find("txn may not include db"));
}

}  // namespace
