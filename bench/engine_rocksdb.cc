// The RocksDB adapter (Debian's librocksdb, built with assertions on).
// RocksDB defaults except the settings every engine is matched on.

#include <memory>
#include <string>
#include <vector>

#include "bench/engine.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/version.h"

namespace strata::bench {
namespace {

Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound("rocksdb", s.ToString());
  if (s.IsCorruption()) return Status::Corruption("rocksdb", s.ToString());
  if (s.IsNotSupported()) return Status::NotSupported("rocksdb", s.ToString());
  if (s.IsInvalidArgument()) {
    return Status::InvalidArgument("rocksdb", s.ToString());
  }
  return Status::IOError("rocksdb", s.ToString());
}

rocksdb::Slice ToRocks(const Slice& s) {
  return rocksdb::Slice(s.data(), s.size());
}
Slice FromRocks(const rocksdb::Slice& s) { return Slice(s.data(), s.size()); }

class RocksCursor final : public Cursor {
 public:
  explicit RocksCursor(rocksdb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(const Slice& target) override { it_->Seek(ToRocks(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  Slice key() const override { return FromRocks(it_->key()); }
  Slice value() const override { return FromRocks(it_->value()); }
  Status status() const override { return ToStatus(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksSession final : public Session {
 public:
  explicit RocksSession(rocksdb::DB* db) : db_(db) {}

  Status Put(const Slice& key, const Slice& value, bool sync) override {
    rocksdb::WriteOptions options;
    options.sync = sync;
    return ToStatus(db_->Put(options, ToRocks(key), ToRocks(value)));
  }
  Status Delete(const Slice& key) override {
    return ToStatus(db_->Delete(rocksdb::WriteOptions(), ToRocks(key)));
  }
  Status DeleteRange(const Slice& begin, const Slice& end) override {
    return ToStatus(db_->DeleteRange(rocksdb::WriteOptions(),
                                     db_->DefaultColumnFamily(), ToRocks(begin),
                                     ToRocks(end)));
  }
  Status Get(const Slice& key, std::string* value, bool* found) override {
    rocksdb::Status s = db_->Get(read_options_, ToRocks(key), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : ToStatus(s);
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<RocksCursor>(db_->NewIterator(read_options_));
  }

 private:
  rocksdb::DB* const db_;
  const rocksdb::ReadOptions read_options_;
};

rocksdb::CompressionType ToRocks(Compression c) {
  switch (c) {
    case Compression::kNone:
      return rocksdb::kNoCompression;
    case Compression::kSnappy:
      return rocksdb::kSnappyCompression;
    case Compression::kLZ4:
      return rocksdb::kLZ4Compression;
    case Compression::kZstd:
      return rocksdb::kZSTD;
  }
  return rocksdb::kNoCompression;
}

class RocksEngine final : public Engine {
 public:
  std::string_view name() const override { return "rocksdb"; }

  Status CheckSupported(const EngineConfig& /*config*/) const override {
    return Status::OK();
  }

  std::vector<std::string> Describe(const EngineConfig& config) const override {
    const rocksdb::Options o = MakeOptions(config);
    const rocksdb::ReadOptions r;
    return {
        "version = " + std::to_string(ROCKSDB_MAJOR) + "." +
            std::to_string(ROCKSDB_MINOR) + "." +
            std::to_string(ROCKSDB_PATCH) + " (Debian package)",
        "write_buffer_size = " + std::to_string(o.write_buffer_size),
        "max_write_buffer_number = " +
            std::to_string(o.max_write_buffer_number) + " (rocksdb default)",
        "block_cache = LRU " + std::to_string(config.cache_size),
        "filter_policy = bloom " + std::to_string(config.bloom_bits_per_key) +
            " bits/key",
        "block_size = " + std::to_string(config.block_size),
        "compression = " + std::string(CompressionName(config.compression)),
        "max_background_jobs = " + std::to_string(o.max_background_jobs),
        "compaction = leveled, level0_file_num_compaction_trigger = " +
            std::to_string(o.level0_file_num_compaction_trigger) +
            ", target_file_size_base = " +
            std::to_string(o.target_file_size_base) +
            ", max_bytes_for_level_base = " +
            std::to_string(o.max_bytes_for_level_base) + " (rocksdb defaults)",
        "max_open_files = " + std::to_string(o.max_open_files) +
            " (rocksdb default)",
        std::string("allow_mmap_reads = ") +
            (o.allow_mmap_reads ? "true" : "false"),
        "WAL = on, WriteOptions::sync = false (true only for fillsync)",
        std::string("ReadOptions::verify_checksums = ") +
            (r.verify_checksums ? "true" : "false") + " (rocksdb default)",
    };
  }

  Status Open(const EngineConfig& config) override {
    rocksdb::DB* db = nullptr;
    rocksdb::Status s =
        rocksdb::DB::Open(MakeOptions(config), config.path, &db);
    db_.reset(db);
    return ToStatus(s);
  }

  Status Close() override {
    if (db_ == nullptr) return Status::OK();
    rocksdb::Status s = db_->Close();
    db_.reset();
    return ToStatus(s);
  }

  Status Flush() override {
    return ToStatus(db_->Flush(rocksdb::FlushOptions()));
  }

  Status WaitForBackgroundWork(double max_seconds) override {
    return PollUntil(max_seconds, [this] {
      for (const char* name :
           {"rocksdb.mem-table-flush-pending", "rocksdb.num-running-flushes",
            "rocksdb.compaction-pending", "rocksdb.num-running-compactions"}) {
        uint64_t v = 0;
        if (db_->GetIntProperty(name, &v) && v != 0) return false;
      }
      return true;
    });
  }

  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<RocksSession>(db_.get());
  }

 private:
  static rocksdb::Options MakeOptions(const EngineConfig& config) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = config.write_buffer_size;
    o.compression = ToRocks(config.compression);
    o.max_background_jobs = config.max_background_jobs;
    o.allow_mmap_reads = config.mmap_reads;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(config.cache_size);
    table.filter_policy.reset(
        rocksdb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    table.block_size = config.block_size;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return o;
  }

  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewRocksDbEngine() {
  return std::make_unique<RocksEngine>();
}

}  // namespace strata::bench
