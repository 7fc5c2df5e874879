#include "bench/engine.h"

namespace strata::bench {

const std::vector<std::string>& EngineNames() {
  static const std::vector<std::string> kNames = {"strata", "rocksdb",
                                                  "leveldb", "lmdb"};
  return kNames;
}

std::unique_ptr<Engine> NewEngine(std::string_view name) {
  if (name == "strata") return NewStrataEngine();
  if (name == "rocksdb") return NewRocksDbEngine();
  if (name == "leveldb") return NewLevelDbEngine();
  if (name == "lmdb") return NewLmdbEngine();
  return nullptr;
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLZ4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
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

}  // namespace strata::bench
