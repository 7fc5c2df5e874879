// The LevelDB adapter (Debian's libleveldb 1.23). LevelDB defaults except
// the settings every engine is matched on. LevelDB 1.23 has only snappy
// compression, so it sits out runs with lz4 or zstd.

#include <memory>
#include <string>
#include <vector>

#include "bench/engine.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"

namespace strata::bench {
namespace {

Status ToStatus(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound("leveldb", s.ToString());
  if (s.IsCorruption()) return Status::Corruption("leveldb", s.ToString());
  if (s.IsNotSupportedError()) {
    return Status::NotSupported("leveldb", s.ToString());
  }
  if (s.IsInvalidArgument()) {
    return Status::InvalidArgument("leveldb", s.ToString());
  }
  return Status::IOError("leveldb", s.ToString());
}

leveldb::Slice ToLevel(const Slice& s) {
  return leveldb::Slice(s.data(), s.size());
}
Slice FromLevel(const leveldb::Slice& s) { return Slice(s.data(), s.size()); }

class LevelCursor final : public Cursor {
 public:
  explicit LevelCursor(leveldb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(const Slice& target) override { it_->Seek(ToLevel(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  Slice key() const override { return FromLevel(it_->key()); }
  Slice value() const override { return FromLevel(it_->value()); }
  Status status() const override { return ToStatus(it_->status()); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelSession final : public Session {
 public:
  explicit LevelSession(leveldb::DB* db) : db_(db) {}

  Status Put(const Slice& key, const Slice& value, bool sync) override {
    leveldb::WriteOptions options;
    options.sync = sync;
    return ToStatus(db_->Put(options, ToLevel(key), ToLevel(value)));
  }
  Status Delete(const Slice& key) override {
    return ToStatus(db_->Delete(leveldb::WriteOptions(), ToLevel(key)));
  }
  Status Get(const Slice& key, std::string* value, bool* found) override {
    leveldb::Status s = db_->Get(read_options_, ToLevel(key), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : ToStatus(s);
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<LevelCursor>(db_->NewIterator(read_options_));
  }

 private:
  leveldb::DB* const db_;
  const leveldb::ReadOptions read_options_;
};

class LevelEngine final : public Engine {
 public:
  std::string_view name() const override { return "leveldb"; }

  Status CheckSupported(const EngineConfig& config) const override {
    if (config.versioned) {
      return Status::NotSupported("leveldb keeps no versions (--versions)");
    }
    if (config.compression == Compression::kNone ||
        config.compression == Compression::kSnappy) {
      return Status::OK();
    }
    return Status::NotSupported(
        "leveldb 1.23 has no " +
        std::string(CompressionName(config.compression)) +
        " compression (only none and snappy)");
  }

  std::vector<std::string> Describe(const EngineConfig& config) const override {
    const leveldb::Options o;
    const leveldb::ReadOptions r;
    return {
        "version = " + std::to_string(leveldb::kMajorVersion) + "." +
            std::to_string(leveldb::kMinorVersion) + " (" +
            STRATA_BENCH_LEVELDB_BUILD + ")",
        "write_buffer_size = " + std::to_string(config.write_buffer_size),
        "memtables = 1 active + 1 immutable (fixed in leveldb)",
        "block_cache = LRU " + std::to_string(config.cache_size),
        "filter_policy = bloom " + std::to_string(config.bloom_bits_per_key) +
            " bits/key",
        "block_size = " + std::to_string(config.block_size),
        "compression = " + std::string(CompressionName(config.compression)),
        "background threads = 1 (fixed in leveldb)",
        "max_file_size = " + std::to_string(o.max_file_size) +
            " (leveldb default)",
        "max_open_files = " + std::to_string(o.max_open_files) +
            " (leveldb default)",
        "tables read through mmap (fixed in leveldb's POSIX env, up to 1000 "
        "files)",
        "WAL = on, WriteOptions::sync = false (true only for fillsync)",
        std::string("ReadOptions::verify_checksums = ") +
            (r.verify_checksums ? "true" : "false") + " (leveldb default)",
        "flush: no public call; settle = close + reopen (recovery writes L0), "
        "then its size triggers are waited out (leveldb.stats)",
    };
  }

  Status Open(const EngineConfig& config) override {
    cache_.reset(leveldb::NewLRUCache(config.cache_size));
    filter_.reset(leveldb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    leveldb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = config.write_buffer_size;
    o.block_cache = cache_.get();
    o.filter_policy = filter_.get();
    o.block_size = config.block_size;
    o.compression = config.compression == Compression::kSnappy
                        ? leveldb::kSnappyCompression
                        : leveldb::kNoCompression;
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(o, config.path, &db);
    db_.reset(db);
    return ToStatus(s);
  }

  Status Close() override {
    // Deleting the DB waits for its background compaction; the cache and
    // filter policy it borrows go after it.
    db_.reset();
    cache_.reset();
    filter_.reset();
    return Status::OK();
  }

  Status Flush() override { return Status::OK(); }

  // LevelDB does not say whether a compaction runs or is due. This applies
  // its own size triggers to the per-level table counts and sizes of
  // "leveldb.stats" (L0: 4 tables; level L >= 1: 10^L MB) and also waits
  // until two readings 50 ms apart agree, so a running compaction (which
  // changes the counts when it installs) is waited for too. Compactions
  // LevelDB starts from read misses ("seek compactions") are not foreseen.
  Status WaitForBackgroundWork(double max_seconds) override {
    std::string previous;
    return PollUntil(max_seconds, [this, &previous] {
      std::string stats;
      if (!db_->GetProperty("leveldb.stats", &stats)) return true;
      const bool stable = stats == previous;
      previous = stats;
      return stable && !LevelDbCompactionDue(stats);
    });
  }

  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<LevelSession>(db_.get());
  }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewLevelDbEngine() {
  return std::make_unique<LevelEngine>();
}

}  // namespace strata::bench
