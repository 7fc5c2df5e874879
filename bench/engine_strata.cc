// The strata adapter: the public API only (include/strata/), default
// options except the settings every engine is matched on.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/engine.h"
#include "strata/db.h"
#include "strata/iterator.h"
#include "strata/transaction.h"
#include "strata/write_batch.h"

namespace strata::bench {
namespace {

class StrataCursor final : public Cursor {
 public:
  explicit StrataCursor(std::unique_ptr<Iterator> it) : it_(std::move(it)) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(const Slice& target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  Slice key() const override { return it_->key(); }
  Slice value() const override { return it_->value(); }
  Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<Iterator> it_;
};

class StrataTxn final : public Txn {
 public:
  explicit StrataTxn(std::unique_ptr<Transaction> t) : t_(std::move(t)) {}
  Status Get(const Slice& key, std::string* value, bool* found) override {
    Status s = t_->Get(ReadOptions(), key, value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : s;
  }
  Status Put(const Slice& key, const Slice& value) override {
    return t_->Put(key, value);
  }
  Status Commit() override { return t_->Commit(); }

 private:
  std::unique_ptr<Transaction> t_;
};

class StrataSession final : public Session {
 public:
  explicit StrataSession(DB* db) : db_(db) {}

  Status Put(const Slice& key, const Slice& value, bool sync) override {
    WriteOptions options;
    options.sync = sync;
    return db_->Put(options, key, value);
  }
  Status Delete(const Slice& key) override {
    return db_->Delete(WriteOptions(), key);
  }
  Status DeleteRange(const Slice& begin, const Slice& end) override {
    return db_->DeleteRange(WriteOptions(), begin, end);
  }
  Status Get(const Slice& key, std::string* value, bool* found) override {
    Status s = db_->Get(read_options_, key, value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : s;
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<StrataCursor>(db_->NewIterator(read_options_));
  }

  Status BeginTxn(bool read_only, std::unique_ptr<Txn>* txn) override {
    TransactionOptions o;  // snapshot isolation, strata's default
    o.mode =
        read_only ? TransactionMode::kReadOnly : TransactionMode::kReadWrite;
    *txn =
        std::make_unique<StrataTxn>(db_->BeginTransaction(WriteOptions(), o));
    return Status::OK();
  }
  Status PutAt(const Slice& key, const Slice& value, uint64_t ts) override {
    WriteBatch batch;
    batch.PutAt(key, value, ts);
    return db_->Write(WriteOptions(), &batch);
  }
  Status GetAt(const Slice& key, uint64_t ts, std::string* value,
               bool* found) override {
    ReadOptions ro;
    if (ts != UINT64_MAX) ro.as_of = ts;
    Status s = db_->Get(ro, key, value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : s;
  }
  Status History(const Slice& begin, const Slice& end, uint64_t* versions,
                 uint64_t* bytes) override {
    ReadOptions ro;
    ro.all_versions = true;
    ro.lower_bound = begin.ToString();
    ro.upper_bound = end.ToString();
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++*versions;
      *bytes += it->key().size() + it->value().size();
    }
    return it->status();
  }

 private:
  DB* const db_;
  const ReadOptions read_options_;
};

class StrataEngine final : public Engine {
 public:
  // `inline_values`: the value log stays off (engine strata-inline).
  explicit StrataEngine(bool inline_values = false)
      : inline_values_(inline_values) {}

  std::string_view name() const override {
    return inline_values_ ? "strata-inline" : "strata";
  }

  Status CheckSupported(const EngineConfig& /*config*/) const override {
    return Status::OK();
  }

  std::vector<std::string> Describe(const EngineConfig& config) const override {
    const Options o = MakeOptions(config);
    const bool leveled = o.compaction_style == CompactionStyle::kLeveled;
    return {
        "write_buffer_size = " + std::to_string(o.write_buffer_size),
        "max_write_buffer_number = " +
            std::to_string(o.max_write_buffer_number) + " (strata default)",
        "block_cache_capacity = " + std::to_string(o.block_cache_capacity),
        "bloom_bits_per_key = " + std::to_string(o.bloom_bits_per_key),
        "block_size = " + std::to_string(o.block_size) +
            ", block_restart_interval = " +
            std::to_string(o.block_restart_interval) +
            ", compression_unit_size = " +
            std::to_string(o.compression_unit_size) +
            ", block_page_size = " + std::to_string(o.block_page_size),
        "compression = " + std::string(CompressionName(o.compression)),
        "max_background_jobs = " + std::to_string(o.max_background_jobs),
        std::string("compaction = ") + (leveled ? "leveled" : "size-tiered") +
            ", level0_compaction_trigger = " +
            std::to_string(o.level0_compaction_trigger) +
            ", level0_idle_compaction_ms = " +
            std::to_string(o.level0_idle_compaction_ms) +
            ", read_compaction_bytes = " +
            std::to_string(o.read_compaction_bytes) + ", target_file_size = " +
            (o.target_file_size == 0
                 ? std::string("0 (the write buffer, at least 2 MiB)")
                 : std::to_string(o.target_file_size)) +
            ", max_bytes_for_level_base = " +
            (o.max_bytes_for_level_base == 0
                 ? std::string("0 (write buffer x L0 trigger)")
                 : std::to_string(o.max_bytes_for_level_base)) +
            (config.strata_target_file_size > 0 || config.strata_level_base > 0
                 ? " (strata defaults but for --strata_target_file_size, "
                   "--strata_level_base)"
                 : " (strata defaults)"),
        "max_open_files = " + std::to_string(o.max_open_files) +
            " (strata default)",
        std::string("allow_mmap_reads = ") +
            (o.allow_mmap_reads ? "true" : "false") +
            ", allow_mmap_writes = " + (o.allow_mmap_writes ? "true" : "false"),
        std::string("enable_versioning = ") +
            (o.enable_versioning ? "true" : "false"),
        o.enable_value_log
            ? "enable_value_log = true, value_log_threshold = " +
                  std::to_string(o.value_log_threshold) +
                  ", value_log_max_file_size = " +
                  std::to_string(o.value_log_max_file_size) +
                  ", value_log_gc_discard_ratio = " +
                  std::to_string(o.value_log_gc_discard_ratio) +
                  ", value_log_gc_bytes_per_second = " +
                  std::to_string(o.value_log_gc_bytes_per_second) +
                  " (strata defaults but the threshold" +
                  (config.value_log_gc_rate != UINT64_MAX
                       ? std::string(" and the GC rate)")
                       : std::string(")"))
            : std::string("enable_value_log = false"),
        "WAL = on, WriteOptions::sync = false (true only for fillsync)",
        std::string("ReadOptions::verify_checksums = ") +
            (ReadOptions().verify_checksums ? "true" : "false") +
            " (strata default)",
    };
  }

  Status Open(const EngineConfig& config) override {
    return DB::Open(MakeOptions(config), config.path, &db_);
  }

  Status Close() override {
    if (db_ == nullptr) return Status::OK();
    Status s = db_->Close();
    db_.reset();
    return s;
  }

  Status Flush() override { return db_->Flush(); }

  Status WaitForBackgroundWork(double max_seconds) override {
    return PollUntil(max_seconds, [this] {
      std::string v;
      return !db_->GetProperty("strata.background-work-pending", &v) ||
             v == "0";
    });
  }

  bool HasOwnValueLogGc() const override { return !inline_values_; }

  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<StrataSession>(db_.get());
  }

 private:
  Options MakeOptions(const EngineConfig& config) const {
    Options o;
    o.create_if_missing = true;
    o.write_buffer_size = config.write_buffer_size;
    o.block_cache_capacity = config.cache_size;
    o.bloom_bits_per_key = config.bloom_bits_per_key;
    o.block_size = config.block_size;
    o.compression = config.compression;
    o.max_background_jobs = config.max_background_jobs;
    o.allow_mmap_reads = config.mmap_reads;
    o.allow_mmap_writes = config.strata_mmap_writes;
    o.enable_versioning = config.versioned;
    if (config.strata_restart_interval > 0) {
      o.block_restart_interval = static_cast<int>(
          std::min<int64_t>(config.strata_restart_interval, INT_MAX));
    }
    if (config.strata_compression_unit >= 0) {
      o.compression_unit_size =
          static_cast<size_t>(config.strata_compression_unit);
    }
    if (config.strata_block_page_size >= 0) {
      o.block_page_size = static_cast<size_t>(config.strata_block_page_size);
    }
    if (config.strata_read_compaction >= 0) {
      o.read_compaction_bytes =
          static_cast<uint64_t>(config.strata_read_compaction);
    }
    if (config.strata_target_file_size > 0) {
      o.target_file_size = static_cast<size_t>(config.strata_target_file_size);
    }
    if (config.strata_level_base > 0) {
      o.max_bytes_for_level_base =
          static_cast<uint64_t>(config.strata_level_base);
    }
    if (config.strata_idle_fold_ms >= 0) {
      o.level0_idle_compaction_ms =
          static_cast<uint64_t>(config.strata_idle_fold_ms);
    }
    if (config.value_log_threshold > 0 && !inline_values_) {
      o.enable_value_log = true;
      o.value_log_threshold = config.value_log_threshold;
      if (config.value_log_gc_rate != UINT64_MAX) {
        o.value_log_gc_bytes_per_second = config.value_log_gc_rate;
      }
      if (config.value_log_gc_held) o.value_log_gc_discard_ratio = 1.0;
    }
    return o;
  }

  const bool inline_values_;
  std::unique_ptr<DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewStrataEngine() {
  return std::make_unique<StrataEngine>();
}

std::unique_ptr<Engine> NewStrataInlineEngine() {
  return std::make_unique<StrataEngine>(/*inline_values=*/true);
}

}  // namespace strata::bench
