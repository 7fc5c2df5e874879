// The RocksDB adapter (Debian's librocksdb, built with assertions on).
// RocksDB defaults except the settings every engine is matched on.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/engine.h"
#include "rocksdb/cache.h"
#include "rocksdb/comparator.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/optimistic_transaction_db.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/utilities/transaction_db.h"
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

// RocksDB's user-defined timestamps (--versions): keys carry an 8-byte
// timestamp (fixed64, little-endian, as RocksDB's own U64 timestamp
// comparator encodes it), ordered key ascending then timestamp
// descending. Debian's 7.8 headers do not declare that comparator, so the
// adapter has its own, written the way RocksDB's documentation asks.
class U64TimestampComparator final : public rocksdb::Comparator {
 public:
  U64TimestampComparator() : rocksdb::Comparator(/*ts_sz=*/8) {}
  const char* Name() const override { return "strata_bench.U64Timestamp"; }
  static uint64_t Decode(const rocksdb::Slice& ts) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
      v = v << 8 | static_cast<unsigned char>(ts.data()[i]);
    }
    return v;
  }
  static rocksdb::Slice StripTimestamp(const rocksdb::Slice& k) {
    return rocksdb::Slice(k.data(), k.size() - 8);
  }
  static rocksdb::Slice TimestampOf(const rocksdb::Slice& k) {
    return rocksdb::Slice(k.data() + k.size() - 8, 8);
  }
  int Compare(const rocksdb::Slice& a, const rocksdb::Slice& b) const override {
    const int r = CompareWithoutTimestamp(a, true, b, true);
    if (r != 0) return r;
    return -CompareTimestamp(TimestampOf(a), TimestampOf(b));
  }
  int CompareTimestamp(const rocksdb::Slice& ts1,
                       const rocksdb::Slice& ts2) const override {
    const uint64_t a = Decode(ts1);
    const uint64_t b = Decode(ts2);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  int CompareWithoutTimestamp(const rocksdb::Slice& a, bool a_has_ts,
                              const rocksdb::Slice& b,
                              bool b_has_ts) const override {
    const rocksdb::Slice ka = a_has_ts ? StripTimestamp(a) : a;
    const rocksdb::Slice kb = b_has_ts ? StripTimestamp(b) : b;
    return ka.compare(kb);
  }
  void FindShortestSeparator(std::string*,
                             const rocksdb::Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

const U64TimestampComparator* TimestampComparator() {
  static const U64TimestampComparator kComparator;
  return &kComparator;
}

std::string EncodeTimestamp(uint64_t ts) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[static_cast<size_t>(i)] = static_cast<char>(ts >> (8 * i));
  return s;
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

// Which RocksDB opens: the plain DB, an OptimisticTransactionDB, or a
// (pessimistic, locking) TransactionDB.
enum class TxnKind { kNone, kOptimistic, kPessimistic };

// A RocksDB transaction with set_snapshot = true, so that its reads see
// one snapshot, as strata's (snapshot isolation) do. A conflict (Busy, or
// TryAgain when the optimistic check lacks memtable history; a lock wait
// that timed out, pessimistic) is Busy.
class RocksTxn final : public Txn {
 public:
  explicit RocksTxn(rocksdb::Transaction* txn) : txn_(txn) {
    read_options_.snapshot = txn_->GetSnapshot();
  }
  Status Get(const Slice& key, std::string* value, bool* found) override {
    rocksdb::Status s = txn_->Get(read_options_, ToRocks(key), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : Convert(s);
  }
  Status Put(const Slice& key, const Slice& value) override {
    return Convert(txn_->Put(ToRocks(key), ToRocks(value)));
  }
  Status Commit() override { return Convert(txn_->Commit()); }

 private:
  static Status Convert(const rocksdb::Status& s) {
    if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
      return Status::Busy("rocksdb", s.ToString());
    }
    return ToStatus(s);
  }
  std::unique_ptr<rocksdb::Transaction> txn_;
  rocksdb::ReadOptions read_options_;
};

class RocksSession final : public Session {
 public:
  RocksSession(rocksdb::DB* db, rocksdb::OptimisticTransactionDB* otxn,
               rocksdb::TransactionDB* ptxn)
      : db_(db), otxn_(otxn), ptxn_(ptxn) {}

  Status BeginTxn(bool /*read_only*/, std::unique_ptr<Txn>* txn) override {
    rocksdb::Transaction* t = nullptr;
    if (otxn_ != nullptr) {
      rocksdb::OptimisticTransactionOptions o;
      o.set_snapshot = true;
      t = otxn_->BeginTransaction(rocksdb::WriteOptions(), o);
    } else if (ptxn_ != nullptr) {
      rocksdb::TransactionOptions o;
      o.set_snapshot = true;
      t = ptxn_->BeginTransaction(rocksdb::WriteOptions(), o);
    } else {
      txn->reset();
      return Status::NotSupported("transactions",
                                  "open rocksdb-otxn or rocksdb-ptxn for them");
    }
    *txn = std::make_unique<RocksTxn>(t);
    return Status::OK();
  }

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

  Status PutAt(const Slice& key, const Slice& value, uint64_t ts) override {
    const std::string encoded = EncodeTimestamp(ts);
    return ToStatus(db_->Put(rocksdb::WriteOptions(), ToRocks(key), encoded,
                             ToRocks(value)));
  }
  Status GetAt(const Slice& key, uint64_t ts, std::string* value,
               bool* found) override {
    const std::string encoded = EncodeTimestamp(ts);
    const rocksdb::Slice ts_slice(encoded);
    rocksdb::ReadOptions ro;
    ro.timestamp = &ts_slice;
    rocksdb::Status s = db_->Get(ro, ToRocks(key), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : ToStatus(s);
  }
  Status History(const Slice& begin, const Slice& end, uint64_t* versions,
                 uint64_t* bytes) override {
    const std::string newest = EncodeTimestamp(UINT64_MAX);
    const std::string oldest = EncodeTimestamp(0);
    const rocksdb::Slice newest_slice(newest);
    const rocksdb::Slice oldest_slice(oldest);
    const rocksdb::Slice upper(end.data(), end.size());
    rocksdb::ReadOptions ro;
    ro.timestamp = &newest_slice;
    ro.iter_start_ts = &oldest_slice;  // every version in [0, max]
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->Seek(ToRocks(begin)); it->Valid(); it->Next()) {
      ++*versions;
      *bytes += it->key().size() + it->value().size();
    }
    return ToStatus(it->status());
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::OptimisticTransactionDB* const otxn_;
  rocksdb::TransactionDB* const ptxn_;
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
  explicit RocksEngine(TxnKind kind) : kind_(kind) {}

  std::string_view name() const override {
    return kind_ == TxnKind::kOptimistic    ? "rocksdb-otxn"
           : kind_ == TxnKind::kPessimistic ? "rocksdb-ptxn"
                                            : "rocksdb";
  }

  Status CheckSupported(const EngineConfig& /*config*/) const override {
    return Status::OK();
  }

  std::vector<std::string> Describe(const EngineConfig& config) const override {
    const rocksdb::Options o = MakeOptions(config);
    const rocksdb::ReadOptions r;
    return {
        "version = " + std::to_string(ROCKSDB_MAJOR) + "." +
            std::to_string(ROCKSDB_MINOR) + "." +
            std::to_string(ROCKSDB_PATCH) + " (" + STRATA_BENCH_ROCKSDB_BUILD +
            ")",
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
        o.enable_blob_files
            ? "BlobDB: enable_blob_files = true, min_blob_size = " +
                  std::to_string(o.min_blob_size) +
                  ", blob_file_size = " + std::to_string(o.blob_file_size) +
                  ", enable_blob_garbage_collection = true, "
                  "blob_garbage_collection_age_cutoff = " +
                  std::to_string(o.blob_garbage_collection_age_cutoff) +
                  " (rocksdb default)"
            : std::string("blob files = off"),
        "WAL = on, WriteOptions::sync = false (true only for fillsync)",
        std::string("ReadOptions::verify_checksums = ") +
            (r.verify_checksums ? "true" : "false") + " (rocksdb default)",
        std::string("user-defined timestamps = ") +
            (config.versioned ? "8 bytes (u64, newest first)" : "off"),
        std::string("transactions = ") +
            (kind_ == TxnKind::kOptimistic
                 ? "OptimisticTransactionDB, set_snapshot = true"
             : kind_ == TxnKind::kPessimistic
                 ? "TransactionDB (locks), set_snapshot = true"
                 : "none"),
    };
  }

  Status Open(const EngineConfig& config) override {
    rocksdb::Status s;
    if (kind_ == TxnKind::kOptimistic) {
      rocksdb::OptimisticTransactionDB* db = nullptr;
      s = rocksdb::OptimisticTransactionDB::Open(MakeOptions(config),
                                                 config.path, &db);
      otxn_ = db;
      owner_.reset(db);
      db_ = db != nullptr ? db->GetBaseDB() : nullptr;
    } else if (kind_ == TxnKind::kPessimistic) {
      rocksdb::TransactionDB* db = nullptr;
      s = rocksdb::TransactionDB::Open(MakeOptions(config),
                                       rocksdb::TransactionDBOptions(),
                                       config.path, &db);
      ptxn_ = db;
      owner_.reset(db);
      db_ = db;
    } else {
      rocksdb::DB* db = nullptr;
      s = rocksdb::DB::Open(MakeOptions(config), config.path, &db);
      owner_.reset(db);
      db_ = db;
    }
    return ToStatus(s);
  }

  Status Close() override {
    if (owner_ == nullptr) return Status::OK();
    rocksdb::Status s = db_->Close();
    owner_.reset();
    db_ = nullptr;
    otxn_ = nullptr;
    ptxn_ = nullptr;
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
    return std::make_unique<RocksSession>(db_, otxn_, ptxn_);
  }

 private:
  static rocksdb::Options MakeOptions(const EngineConfig& config) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = config.write_buffer_size;
    o.compression = ToRocks(config.compression);
    o.max_background_jobs = config.max_background_jobs;
    o.allow_mmap_reads = config.mmap_reads;
    if (config.versioned) o.comparator = TimestampComparator();
    if (config.value_log_threshold > 0) {
      o.enable_blob_files = true;
      o.min_blob_size = config.value_log_threshold;
      o.enable_blob_garbage_collection = true;  // age cutoff: its default
      o.blob_compression_type = ToRocks(config.compression);
    }
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(config.cache_size);
    table.filter_policy.reset(
        rocksdb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    table.block_size = config.block_size;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return o;
  }

  const TxnKind kind_;
  // What was opened (deleted at Close), the DB plain operations use (the
  // base DB under an optimistic one), and the transaction DB, if any.
  std::unique_ptr<rocksdb::DB> owner_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::OptimisticTransactionDB* otxn_ = nullptr;
  rocksdb::TransactionDB* ptxn_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> NewRocksDbEngine() {
  return std::make_unique<RocksEngine>(TxnKind::kNone);
}
std::unique_ptr<Engine> NewRocksDbOptimisticEngine() {
  return std::make_unique<RocksEngine>(TxnKind::kOptimistic);
}
std::unique_ptr<Engine> NewRocksDbPessimisticEngine() {
  return std::make_unique<RocksEngine>(TxnKind::kPessimistic);
}

}  // namespace strata::bench
