#include "bench/engine.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

namespace strata::bench {

const std::vector<std::string>& EngineNames() {
  static const std::vector<std::string> kNames = {"strata", "rocksdb",
                                                  "leveldb", "lmdb"};
  return kNames;
}

std::unique_ptr<Engine> NewEngine(std::string_view name) {
  if (name == "strata") return NewStrataEngine();
  if (name == "strata-inline") return NewStrataInlineEngine();
  if (name == "rocksdb") return NewRocksDbEngine();
  if (name == "rocksdb-otxn") return NewRocksDbOptimisticEngine();
  if (name == "rocksdb-ptxn") return NewRocksDbPessimisticEngine();
  if (name == "leveldb") return NewLevelDbEngine();
  if (name == "lmdb") return NewLmdbEngine();
  return nullptr;
}

bool ParseCompression(std::string_view name, Compression* c) {
  for (Compression candidate : {Compression::kNone, Compression::kSnappy,
                                Compression::kLZ4, Compression::kZstd}) {
    if (name == CompressionName(candidate)) {
      *c = candidate;
      return true;
    }
  }
  return false;
}

Status PollUntil(double max_seconds, const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(max_seconds));
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::OK();
}

bool LevelDbCompactionDue(std::string_view stats) {
  // Rows after the dashed rule: level, files, size (MB), then timings.
  std::istringstream in{std::string(stats)};
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (!in_table) {
      in_table = line.rfind("---", 0) == 0;
      continue;
    }
    int level = 0;
    int files = 0;
    double megabytes = 0;
    if (std::sscanf(line.c_str(), "%d %d %lf", &level, &files, &megabytes) !=
        3) {
      continue;
    }
    if (level == 0) {
      if (files >= 4) return true;
      continue;
    }
    double limit = 1;
    for (int i = 0; i < level; ++i) limit *= 10;
    if (megabytes > limit) return true;
  }
  return false;
}

}  // namespace strata::bench
