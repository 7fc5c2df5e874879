// Transactions: see transaction_impl.h. Also RunTransaction.

#include "txn/transaction_impl.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error_iterator.h"
#include "base/result.h"
#include "strata/db.h"
#include "txn/txn_iterator.h"
#include "txn/write_set.h"

namespace strata {
namespace internal {
namespace {

class TransactionImpl final : public Transaction {
 public:
  TransactionImpl(TxnHost* db, const WriteOptions& write_options,
                  const TransactionOptions& options)
      : db_(db), write_options_(write_options), options_(options) {
    // Write-only transactions read nothing and check nothing: no snapshot.
    if (options_.mode != TransactionMode::kWriteOnly) {
      tracked_ = options_.mode == TransactionMode::kReadWrite;
      begin_status_ = db_->BeginTxn(tracked_, &view_, &exact_from_);
      if (!begin_status_.ok()) tracked_ = false;
    }
  }

  ~TransactionImpl() override {
    if (state_ == State::kOpen) End(State::kRolledBack);
  }

  Status Get(const ReadOptions& options, const Slice& key,
             std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckRead(options, "Get"));
    if (serializable()) TrackRead(key);
    return GetImpl(options, key, value);
  }

  Status GetForUpdate(const ReadOptions& options, const Slice& key,
                      std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckRead(options, "GetForUpdate"));
    TrackRead(key);
    return GetImpl(options, key, value);
  }

  Status Put(const Slice& key, const Slice& value) override {
    return Write(WriteSet::Op{WriteSet::Kind::kPut, key.ToString(),
                              value.ToString(), 0});
  }
  Status Delete(const Slice& key) override {
    return Write(WriteSet::Op{WriteSet::Kind::kDelete, key.ToString(),
                              std::string(), 0});
  }
  Status DeleteRange(const Slice& begin, const Slice& end) override {
    return Write(WriteSet::Op{WriteSet::Kind::kDeleteRange, begin.ToString(),
                              end.ToString(), 0});
  }
  Status PutAt(const Slice& key, const Slice& value, uint64_t ts) override {
    return Write(WriteSet::Op{WriteSet::Kind::kPutAt, key.ToString(),
                              value.ToString(), ts});
  }
  Status DeleteAt(const Slice& key, uint64_t ts) override {
    return Write(WriteSet::Op{WriteSet::Kind::kDeleteAt, key.ToString(),
                              std::string(), ts});
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    Status s = CheckRead(options, "NewIterator");
    if (!s.ok()) return NewErrorIterator(std::move(s));
    std::unique_ptr<Iterator> base_iter = db_->TxnNewIterator(options, *view_);
    // Read-only: no own writes to merge, nothing to record.
    if (options_.mode == TransactionMode::kReadOnly) return base_iter;
    if (options.all_versions) {
      // Committed history only. Serializable: its whole range is read.
      const ScannedRange range{options.lower_bound.value_or(std::string()),
                               options.upper_bound.value_or(std::string()),
                               false};
      if (serializable() && base_iter->status().ok() &&
          !IsEmptyRange(db_->TxnComparator(), range)) {
        MutableReads()->ranges.push_back(range);
      }
      return base_iter;
    }
    TxnIteratorOptions o;
    o.read = options;
    o.versioned = db_->TxnVersioned();
    if (o.versioned) {
      // The timestamp of the snapshot's version of a key the base iterator
      // does not show (deleted): an own timed write weighs against it.
      // Only while the transaction lives: its view goes with it.
      o.base_timestamp = [db = db_, options,
                          weak = std::weak_ptr<const TxnView>(view_)](
                             const Slice& key, uint64_t* ts) {
        const std::shared_ptr<const TxnView> view = weak.lock();
        if (view == nullptr) {
          return Status::InvalidArgument("transaction iterator",
                                         "used after its transaction ended");
        }
        std::string unused;
        const Status s = db->TxnGet(options, *view, key, &unused, ts);
        return s.IsNotFound() ? Status::OK() : s;
      };
    }
    if (serializable()) {
      // The read set outlives the iterator's use; the iterator may outlive
      // the transaction (it then records into a set nobody reads).
      o.on_scan = [reads = Reads()](ScannedRange r) {
        reads->ranges.push_back(std::move(r));
      };
    }
    return NewTxnIterator(std::move(o), std::move(base_iter), Writes());
  }

  Status Count(const ReadOptions& options, const Slice& begin, const Slice& end,
               uint64_t* count) override {
    if (count == nullptr) return Status::InvalidArgument("null count pointer");
    if (db_->TxnComparator()->Compare(begin, end) > 0) {
      return Status::InvalidArgument("Count", "begin > end");
    }
    ReadOptions ro = options;
    ro.keys_only = true;
    if (!ro.lower_bound ||
        db_->TxnComparator()->Compare(*ro.lower_bound, begin) < 0) {
      ro.lower_bound = begin.ToString();
    }
    if (!ro.upper_bound ||
        db_->TxnComparator()->Compare(end, *ro.upper_bound) < 0) {
      ro.upper_bound = end.ToString();
    }
    if (db_->TxnComparator()->Compare(*ro.lower_bound, *ro.upper_bound) >= 0) {
      STRATA_RETURN_IF_ERROR(CheckRead(options, "Count"));
      *count = 0;
      return Status::OK();
    }
    std::unique_ptr<Iterator> it = NewIterator(ro);
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    STRATA_RETURN_IF_ERROR(it->status());
    *count = n;
    return Status::OK();
  }

  void SetSavePoint() override {
    if (state_ != State::kOpen) return;
    savepoints_.push_back(SavePoint{
        Writes()->ops().size(), Reads()->keys.size(), Reads()->ranges.size()});
  }

  Status RollbackToSavePoint() override {
    STRATA_RETURN_IF_ERROR(CheckOpen("RollbackToSavePoint"));
    if (savepoints_.empty()) {
      return Status::NotFound("RollbackToSavePoint", "no savepoint is set");
    }
    const SavePoint sp = savepoints_.back();
    savepoints_.pop_back();
    MutableWrites()->Truncate(sp.ops);
    if (serializable()) {
      // The reads recorded since go too (GetForUpdate's stay under SI,
      // where they are not reads but write locks; under serializable
      // every read is tracked and they go with the rest).
      MutableReads()->keys.resize(sp.read_keys);
      MutableReads()->ranges.resize(sp.ranges);
    }
    return Status::OK();
  }

  Status Commit() override {
    STRATA_RETURN_IF_ERROR(CheckOpen("Commit"));
    STRATA_RETURN_IF_ERROR(begin_status_);
    Status s;
    if (options_.mode != TransactionMode::kReadOnly) {
      // The keys it wrote (first committer wins), the reads under the
      // check, and the ranges it deleted or, serializable, scanned.
      // Write-only: nothing is checked.
      const bool check = options_.mode == TransactionMode::kReadWrite;
      std::vector<std::string> keys;
      std::vector<ScannedRange> ranges;
      if (check) {
        keys = Reads()->keys;
        ranges = Reads()->ranges;
        for (const WriteSet::Op& op : Writes()->ops()) {
          if (op.kind == WriteSet::Kind::kDeleteRange) {
            ranges.push_back(ScannedRange{op.key, op.value, false});
          } else {
            keys.push_back(op.key);
          }
        }
      }
      s = db_->CommitTxn(write_options_, Writes()->ops(), check,
                         view_ != nullptr ? view_->sequence() : 0, exact_from_,
                         keys, ranges);
    }
    End(s.ok() ? State::kCommitted : State::kRolledBack);
    return s;
  }

  Status Rollback() override {
    STRATA_RETURN_IF_ERROR(CheckOpen("Rollback"));
    End(State::kRolledBack);
    return Status::OK();
  }

 private:
  enum class State : uint8_t { kOpen, kCommitted, kRolledBack };

  // What a serializable transaction read (and, in any mode, the keys of
  // GetForUpdate): shared with its iterators.
  struct ReadSet {
    std::vector<std::string> keys;
    std::vector<ScannedRange> ranges;
  };
  struct SavePoint {
    size_t ops = 0;
    size_t read_keys = 0;
    size_t ranges = 0;
  };

  bool serializable() const {
    return options_.isolation == IsolationLevel::kSerializable &&
           options_.mode == TransactionMode::kReadWrite;
  }

  Status CheckOpen(const char* call) const {
    if (state_ != State::kOpen) {
      return Status::InvalidArgument(
          call, state_ == State::kCommitted
                    ? "the transaction was committed already"
                    : "the transaction was rolled back already");
    }
    return Status::OK();
  }

  Status CheckRead(const ReadOptions& options, const char* call) const {
    STRATA_RETURN_IF_ERROR(CheckOpen(call));
    if (options_.mode == TransactionMode::kWriteOnly) {
      return Status::InvalidArgument(call,
                                     "a write-only transaction reads "
                                     "nothing");
    }
    STRATA_RETURN_IF_ERROR(begin_status_);
    if (options.snapshot != nullptr) {
      return Status::InvalidArgument(
          call, "ReadOptions::snapshot: a transaction reads its own snapshot");
    }
    return Status::OK();
  }

  Status Write(WriteSet::Op op) {
    const char* call = op.kind == WriteSet::Kind::kPut           ? "Put"
                       : op.kind == WriteSet::Kind::kDelete      ? "Delete"
                       : op.kind == WriteSet::Kind::kDeleteRange ? "DeleteRange"
                       : op.kind == WriteSet::Kind::kPutAt       ? "PutAt"
                                                                 : "DeleteAt";
    STRATA_RETURN_IF_ERROR(CheckOpen(call));
    if (options_.mode == TransactionMode::kReadOnly) {
      return Status::InvalidArgument(call,
                                     "a read-only transaction writes nothing");
    }
    STRATA_RETURN_IF_ERROR(begin_status_);
    if (Writes()->bytes() + op.key.size() + op.value.size() >
        options_.max_write_bytes) {
      return Status::InvalidArgument(
          call, "the transaction's writes would pass max_write_bytes (" +
                    std::to_string(options_.max_write_bytes) + " bytes)");
    }
    // Checked as Write() would check it, so that Commit cannot fail on it.
    STRATA_RETURN_IF_ERROR(db_->TxnCheckOp(op));
    MutableWrites()->Add(std::move(op));
    return Status::OK();
  }

  Status GetImpl(const ReadOptions& options, const Slice& key,
                 std::string* value) {
    if (value == nullptr) return Status::InvalidArgument("null value pointer");
    if (key.empty()) return Status::InvalidArgument("empty key");
    const WriteSet::Effect e = writes_ != nullptr
                                   ? writes_->Lookup(key, options.as_of)
                                   : WriteSet::Effect{};
    if (e.state != WriteSet::Effect::State::kNone && e.untimed) {
      if (e.state == WriteSet::Effect::State::kDeleted) {
        return Status::NotFound();
      }
      *value = *e.value;
      return Status::OK();
    }
    uint64_t base_ts = 0;
    std::string base_value;
    const Status s = db_->TxnGet(options, *view_, key, &base_value, &base_ts);
    if (!s.ok() && !s.IsNotFound()) return s;
    if (e.state != WriteSet::Effect::State::kNone && base_ts <= e.ts) {
      // The own timed version is at least as new as the snapshot's.
      if (e.state == WriteSet::Effect::State::kDeleted) {
        return Status::NotFound();
      }
      *value = *e.value;
      return Status::OK();
    }
    if (s.ok()) *value = std::move(base_value);
    return s;
  }

  void TrackRead(const Slice& key) {
    if (options_.mode != TransactionMode::kReadWrite) return;
    MutableReads()->keys.push_back(key.ToString());
  }

  // The sets are made when first needed: a read-only
  // transaction that only reads allocates none of them.
  const std::shared_ptr<WriteSet>& Writes() {
    if (writes_ == nullptr) {
      writes_ = std::make_shared<WriteSet>(db_->TxnComparator());
    }
    return writes_;
  }
  const std::shared_ptr<ReadSet>& Reads() {
    if (reads_ == nullptr) reads_ = std::make_shared<ReadSet>();
    return reads_;
  }
  // Copy on write: an iterator may share the current write set.
  WriteSet* MutableWrites() {
    if (Writes().use_count() > 1) {
      writes_ = std::make_shared<WriteSet>(*writes_);
    }
    return writes_.get();
  }
  ReadSet* MutableReads() { return Reads().get(); }

  // Every call checks the state first, so the sets can go at once.
  void End(State state) {
    state_ = state;
    if (view_ != nullptr) db_->EndTxn(tracked_, *view_);
    view_.reset();
    writes_.reset();
    reads_.reset();
    savepoints_.clear();
  }

  TxnHost* const db_;
  const WriteOptions write_options_;
  const TransactionOptions options_;
  State state_ = State::kOpen;
  Status begin_status_;
  std::shared_ptr<const TxnView> view_;  // null: write-only, or begin failed
  SequenceNumber exact_from_ = 0;
  bool tracked_ = false;              // registered with the commit index
  std::shared_ptr<WriteSet> writes_;  // null until first needed
  std::shared_ptr<ReadSet> reads_;    // null until first needed
  std::vector<SavePoint> savepoints_;
};

}  // namespace

std::unique_ptr<Transaction> NewTransaction(TxnHost* host,
                                            const WriteOptions& write_options,
                                            const TransactionOptions& options) {
  return std::make_unique<TransactionImpl>(host, write_options, options);
}

}  // namespace internal

Status RunTransaction(DB* db, const WriteOptions& write_options,
                      const TransactionOptions& txn_options,
                      const std::function<Status(Transaction&)>& fn,
                      int max_attempts) {
  if (db == nullptr) return Status::InvalidArgument("null DB pointer");
  if (max_attempts < 1) {
    return Status::InvalidArgument("RunTransaction", "max_attempts < 1");
  }
  Status s;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::unique_ptr<Transaction> txn =
        db->BeginTransaction(write_options, txn_options);
    s = fn(*txn);
    if (!s.ok()) {
      (void)txn->Rollback();  // it may have ended already
      return s;
    }
    s = txn->Commit();
    if (!s.IsBusy()) return s;
  }
  return s;
}

}  // namespace strata
