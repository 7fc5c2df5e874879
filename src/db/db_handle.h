// DBHandle: the DB object DB::Open returns. It forwards every call to the
// DBImpl that has the directory open now, and replaces that DBImpl when
// the DB is restored from a checkpoint while open (RestoreFromCheckpoint):
// the old one is retired — closed, with the directory lock handed over —
// the checkpoint is swapped in (db/restore.h), and a new DBImpl opens it.
//
// What belonged to the state before a restore fails cleanly, never
// reading a freed file: its iterators turn invalid with InvalidArgument
// at their next step, its transactions and snapshots get InvalidArgument
// saying the DB was restored. Retired DBImpls stay alive until the handle
// is destroyed, so those objects never point at freed memory.
//
// Thread-safety: as strata::DB. A call loads the current DBImpl once
// (acquire); one that races a restore runs on the retired DBImpl and gets
// its "restored" error, or on the new one. Restores, Close and
// ReleaseSnapshot take mu_.

#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "db/db_impl.h"
#include "strata/db.h"

namespace strata::internal {

class DBHandle final : public DB {
 public:
  DBHandle(const Options& options, std::string path,
           std::unique_ptr<DBImpl> impl);
  ~DBHandle() override;

  Status Put(const WriteOptions& options, const Slice& key,
             const Slice& value) override {
    DBImpl* i = impl();
    return Guarded(i, i->Put(options, key, value));
  }
  Status Delete(const WriteOptions& options, const Slice& key) override {
    DBImpl* i = impl();
    return Guarded(i, i->Delete(options, key));
  }
  Status DeleteRange(const WriteOptions& options, const Slice& begin,
                     const Slice& end) override {
    DBImpl* i = impl();
    return Guarded(i, i->DeleteRange(options, begin, end));
  }
  Status Write(const WriteOptions& options, WriteBatch* batch) override {
    DBImpl* i = impl();
    return Guarded(i, i->Write(options, batch));
  }
  Status Get(const ReadOptions& options, const Slice& key,
             std::string* value) override {
    DBImpl* i = impl();
    return Guarded(i, i->Get(options, key, value));
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    return impl()->NewIterator(options);
  }
  Status Count(const ReadOptions& options, const Slice& begin, const Slice& end,
               uint64_t* count) override {
    DBImpl* i = impl();
    return Guarded(i, i->Count(options, begin, end, count));
  }
  Status GetApproximateSizes(const Range* ranges, int n,
                             uint64_t* sizes) override {
    DBImpl* i = impl();
    return Guarded(i, i->GetApproximateSizes(ranges, n, sizes));
  }
  const Snapshot* GetSnapshot() override { return impl()->GetSnapshot(); }
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override {
    DBImpl* i = impl();
    return Guarded(i, i->Flush());
  }
  Status CompactRange(const Slice* begin, const Slice* end) override {
    DBImpl* i = impl();
    return Guarded(i, i->CompactRange(begin, end));
  }
  bool GetProperty(const Slice& name, std::string* value) override {
    return impl()->GetProperty(name, value);
  }
  Status CreateCheckpoint(const std::string& dir,
                          CheckpointMetadata* meta) override {
    DBImpl* i = impl();
    return Guarded(i, i->CreateCheckpoint(dir, meta));
  }
  Status RestoreFromCheckpoint(const std::string& checkpoint_dir) override;
  Status FlushWAL(bool sync) override {
    DBImpl* i = impl();
    return Guarded(i, i->FlushWAL(sync));
  }
  Status VerifyChecksums() override {
    DBImpl* i = impl();
    return Guarded(i, i->VerifyChecksums());
  }
  Status Close() override;
  std::unique_ptr<Transaction> BeginTransaction(
      const WriteOptions& options,
      const TransactionOptions& txn_options) override {
    return impl()->BeginTransaction(options, txn_options);
  }

  // The DBImpl serving calls now.
  DBImpl* impl() const { return current_.load(std::memory_order_acquire); }

 private:
  // A call that failed on a DBImpl a restore retired meanwhile failed
  // because of the restore (a table it was reading went, say): it says so,
  // rather than NotFound or IOError.
  static Status Guarded(DBImpl* impl, Status s) {
    if (!s.ok() && impl->retired()) return impl->CheckOpen();
    return s;
  }

  const Options options_;
  const std::string path_;
  std::atomic<DBImpl*> current_;
  Mutex mu_;
  // The current DBImpl and every one a restore retired (kept alive for
  // their snapshots and transactions).
  std::vector<std::unique_ptr<DBImpl>> impls_ STRATA_GUARDED_BY(mu_);
};

// The DBImpl behind a DB that DB::Open returned (for tests and tools that
// reach past the public API).
DBImpl* ImplOf(DB* db);

}  // namespace strata::internal
