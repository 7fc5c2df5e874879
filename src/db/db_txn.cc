// DBImpl: what the transaction layer (src/txn) needs from the DB — its
// snapshot and registration, and a commit decided inside the commit
// pipeline against the commit index, with the tree as the exact fallback.

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <thread>

#include "base/error_iterator.h"
#include "base/spin_wait.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"
#include "key/versioned_key.h"

namespace strata::internal {

namespace {

// A transaction's view. Read-write transactions read at a registered
// snapshot: compactions keep what it sees, and a commit that looks in the
// tree finds every version after it. Read-only ones need neither: they
// pin the state current at begin (its memtables and files stay whole
// while pinned) and read it at the sequence taken before it, as a plain
// Get does; beginning one takes no DB mutex and allocates once. A view
// lives no longer than its transaction (iterators hold what they read
// through themselves), so the DB object outlives it.
class DBTxnView final : public TxnView {
 public:
  DBTxnView(SequenceNumber sequence, const Snapshot* snapshot,
            std::shared_ptr<const SuperVersion> sv)
      : sequence_(sequence), snapshot_(snapshot), sv_(std::move(sv)) {}

  SequenceNumber sequence() const override { return sequence_; }
  // The registered snapshot, or null for a pinned view.
  const Snapshot* snapshot() const { return snapshot_; }
  const std::shared_ptr<const SuperVersion>& sv() const { return sv_; }
  bool ended() const { return ended_.load(std::memory_order_acquire); }
  void End() const { ended_.store(true, std::memory_order_release); }

 private:
  const SequenceNumber sequence_;
  const Snapshot* const snapshot_;
  const std::shared_ptr<const SuperVersion> sv_;
  mutable std::atomic<bool> ended_{false};
};

const DBTxnView& AsDBView(const TxnView& view) {
  return static_cast<const DBTxnView&>(view);  // DBImpl made every one
}

Status EndedView() {
  return Status::InvalidArgument("transaction", "read after it ended");
}

}  // namespace

Status DBImpl::BeginTxn(bool track, std::shared_ptr<const TxnView>* view,
                        SequenceNumber* exact_from) {
  view->reset();
  *exact_from = 0;
  STRATA_RETURN_IF_ERROR(CheckOpen());
  if (!track) {
    // The sequence and the state together, as a plain read takes them.
    SequenceNumber sequence = 0;
    std::shared_ptr<const SuperVersion> sv;
    STRATA_RETURN_IF_ERROR(GetReadState(ReadOptions(), &sequence, &sv));
    *view = std::make_shared<const DBTxnView>(sequence, nullptr, std::move(sv));
    return Status::OK();
  }
  // Registered before the snapshot is read: every write accepted from
  // here on is recorded, and those accepted before have sequences at or
  // below the assigned one (CommitIndex: Completeness). The snapshot
  // waits for them (a group being logged), so that the index covers
  // everything after it and the commit needs no look in the tree.
  commit_index_.Register();
  *exact_from = pipeline_.AssignedSequence();
  const Status s = WaitForSequence(*exact_from);
  if (!s.ok()) {
    commit_index_.Unregister(0, /*declared=*/false);
    return s;
  }
  const Snapshot* snapshot = GetSnapshot();
  if (snapshot == nullptr) {
    commit_index_.Unregister(0, /*declared=*/false);
    return CheckOpen().ok() ? Status::IOError(dbname_, "no snapshot")
                            : CheckOpen();
  }
  commit_index_.SetSnapshot(snapshot->sequence());
  *view = std::make_shared<const DBTxnView>(snapshot->sequence(), snapshot,
                                            nullptr);
  return Status::OK();
}

void DBImpl::EndTxn(bool tracked, const TxnView& view) {
  const DBTxnView& v = AsDBView(view);
  v.End();
  if (v.snapshot() == nullptr) return;  // pinned: goes with the view
  if (tracked) commit_index_.Unregister(v.sequence());
  ReleaseSnapshot(v.snapshot());
}

Status DBImpl::TxnGet(const ReadOptions& options, const TxnView& view,
                      const Slice& key, std::string* value,
                      uint64_t* timestamp) {
  const DBTxnView& v = AsDBView(view);
  if (v.ended()) return EndedView();
  Status s;
  if (v.snapshot() == nullptr) {
    const PinnedRead pinned{v.sequence(), &v.sv()};
    s = GetImpl(options, key, value, timestamp, &pinned);
  } else {
    ReadOptions ro = options;
    ro.snapshot = v.snapshot();
    s = GetImpl(ro, key, value, timestamp);
  }
  WakeForReads();  // this Get may have posted a table, as DBImpl::Get
  return s;
}

std::unique_ptr<Iterator> DBImpl::TxnNewIterator(const ReadOptions& options,
                                                 const TxnView& view) {
  const DBTxnView& v = AsDBView(view);
  if (v.ended()) return NewErrorIterator(EndedView());
  if (v.snapshot() == nullptr) {
    const PinnedRead pinned{v.sequence(), &v.sv()};
    return NewIteratorImpl(options, &pinned);
  }
  ReadOptions ro = options;
  ro.snapshot = v.snapshot();
  return NewIteratorImpl(ro, nullptr);
}

Status DBImpl::WaitForSequence(SequenceNumber sequence) {
  // The group that holds it is being logged and applied by the leader
  // now: a few microseconds without a sync, so first a spin (SpinUntil:
  // pause hints, then yielding the core, for up to 50 us); past that (a
  // sync write's fsync), sleeps that back off to 1 ms.
  if (SpinUntil([&] { return pipeline_.LastSequence() >= sequence; },
                std::chrono::microseconds(50))) {
    return Status::OK();
  }
  std::chrono::microseconds nap(20);
  while (pipeline_.LastSequence() < sequence) {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    {
      MutexLock lock(&mu_);
      STRATA_RETURN_IF_ERROR(WritesStoppedLocked());
    }
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(1000));
  }
  return Status::OK();
}

namespace {

// Appends `op` to `batch` as the record WriteBatch makes of it.
void AppendOp(const TxnOp& op, WriteBatch* batch) {
  switch (op.kind) {
    case TxnOp::Kind::kPut:
      batch->Put(op.key, op.value);
      break;
    case TxnOp::Kind::kDelete:
      batch->Delete(op.key);
      break;
    case TxnOp::Kind::kDeleteRange:
      batch->DeleteRange(op.key, op.value);
      break;
    case TxnOp::Kind::kPutAt:
      batch->PutAt(op.key, op.value, op.ts);
      break;
    case TxnOp::Kind::kDeleteAt:
      batch->DeleteAt(op.key, op.ts);
      break;
  }
}

}  // namespace

Status DBImpl::TxnCheckOp(const TxnOp& op) const {
  // What Validate would find in a batch of this one op, without building
  // the batch.
  BatchSummary summary;
  summary.count = 1;
  summary.has_empty_key = op.key.empty();
  summary.max_key_size = op.key.size();
  switch (op.kind) {
    case TxnOp::Kind::kPut:
      summary.max_value_size = op.value.size();
      break;
    case TxnOp::Kind::kDelete:
      break;
    case TxnOp::Kind::kDeleteRange:
      summary.range_deletions = 1;
      summary.has_empty_key |= op.value.empty();
      summary.max_key_size = std::max(op.key.size(), op.value.size());
      summary.has_bad_range =
          options_.comparator->Compare(op.key, op.value) >= 0;
      break;
    case TxnOp::Kind::kPutAt:
      summary.max_value_size = op.value.size();
      summary.timestamped = 1;
      summary.has_zero_timestamp = op.ts == 0;
      break;
    case TxnOp::Kind::kDeleteAt:
      summary.timestamped = 1;
      summary.has_zero_timestamp = op.ts == 0;
      break;
  }
  return CheckSummary(summary);
}

void DBImpl::RecordCommitted(const WriteBatch& batch, SequenceNumber first) {
  if (!commit_index_.live()) return;  // one load without transactions
  struct Parser final : WriteBatch::Handler {
    std::vector<CommitIndex::Write> writes;
    SequenceNumber seq = 0;
    void Key(const Slice& k) {
      writes.push_back(CommitIndex::Write{k, Slice(), false, seq++});
    }
    void Put(const Slice& k, const Slice&) override { Key(k); }
    void Delete(const Slice& k) override { Key(k); }
    void DeleteRange(const Slice& b, const Slice& e) override {
      writes.push_back(CommitIndex::Write{b, e, true, seq++});
    }
    void PutAt(const Slice& k, const Slice&, uint64_t) override { Key(k); }
    void DeleteAt(const Slice& k, uint64_t) override { Key(k); }
    void DeleteRangeAt(const Slice& b, const Slice& e, uint64_t) override {
      DeleteRange(b, e);
    }
    void Purge(const Slice& k) override { Key(k); }
    void Replace(const Slice& k, const Slice&) override { Key(k); }
  } parser;
  parser.seq = first;
  // The pipeline accepted the batch: it parses.
  const Status s = batch.Iterate(&parser);
  assert(s.ok());
  (void)s;
  commit_index_.Record(parser.writes);
}

Status DBImpl::CommitTxn(const WriteOptions& options,
                         const std::vector<TxnOp>& ops, bool check,
                         SequenceNumber snapshot, SequenceNumber exact_from,
                         const std::vector<std::string>& keys,
                         const std::vector<ScannedRange>& ranges) {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  // A transaction that wrote nothing serializes at its snapshot, whatever
  // committed since: it has nothing to check.
  if (ops.empty()) return Status::OK();
  WriteBatch batch;
  for (const TxnOp& op : ops) AppendOp(op, &batch);
  if (!check) return Write(options, &batch);
  return CommitChecked(options, &batch, snapshot, exact_from, keys, ranges);
}

Status DBImpl::CommitChecked(const WriteOptions& options, WriteBatch* batch,
                             SequenceNumber snapshot, SequenceNumber exact_from,
                             const std::vector<std::string>& keys,
                             const std::vector<ScannedRange>& ranges) {
  STRATA_RETURN_IF_ERROR(CheckBatch(*batch));
  // The index answers for writes after `checked`; before it, the tree did.
  SequenceNumber checked = snapshot;
  for (;;) {
    // Pinned from before the look in the tree until validation: the index
    // keeps everything after `checked` meanwhile (CommitIndex::Pin).
    SequenceNumber pinned = 0;
    const SequenceNumber index_from =
        std::max(exact_from, commit_index_.floor());
    if (checked < index_from) {
      // The floor, pinned first, is where the index answers from; the tree
      // answers up to at least it.
      pinned = commit_index_.PinFloor();
      const Status waited = WaitForSequence(std::max(index_from, pinned));
      if (!waited.ok()) {
        commit_index_.Unpin(pinned);
        return waited;
      }
      const SequenceNumber upto = pipeline_.LastSequence();
      bool written = false;
      std::string what;
      const Status s =
          WrittenInTree(keys, ranges, snapshot, upto, &written, &what);
      if (!s.ok() || written) {
        commit_index_.Unpin(pinned);
        return s.ok() ? Status::Busy("transaction conflict", what) : s;
      }
      checked = upto;
    } else {
      if (!commit_index_.Pin(checked)) continue;
      pinned = checked;
    }
    // The pin holds the floor at or below `checked`, so the index answers.
    const CommitValidator validate = [&](SequenceNumber) -> Status {
      std::string what;
      switch (commit_index_.Check(keys, ranges, checked, &what)) {
        case CommitIndex::Answer::kNoConflict:
          return Status::OK();
        case CommitIndex::Answer::kConflict:
          return Status::Busy("transaction conflict", what);
        case CommitIndex::Answer::kUnknown:
          break;
      }
      assert(false);  // the pin rules it out
      return Status::TryAgain("commit index", "pruned past the window");
    };
    const Status s = pipeline_.Write(batch, options.sync, validate);
    commit_index_.Unpin(pinned);
    return s;
  }
}

Status DBImpl::WrittenInTree(const std::vector<std::string>& keys,
                             const std::vector<ScannedRange>& ranges,
                             SequenceNumber after, SequenceNumber upto,
                             bool* written, std::string* what) {
  *written = false;
  if (upto <= after) return Status::OK();
  ReadOptions ro;
  ro.fill_cache = false;
  std::shared_ptr<const SuperVersion> sv = GetSuperVersion();
  // Every version and every tombstone, whatever its sequence: the sources'
  // own lists, not a reader's (which keep only the newest per fragment).
  std::unique_ptr<InternalIterator> iter;
  STRATA_RETURN_IF_ERROR(
      NewInternalIterator(ro, *sv, kMaxSequenceNumber, &iter, nullptr));
  std::vector<RangeTombstoneListPtr> lists;
  if (auto t = sv->mem->RangeTombstones()) lists.push_back(std::move(t));
  for (const auto& m : sv->imm) {
    if (auto t = m->RangeTombstones()) lists.push_back(std::move(t));
  }
  for (int level = 0; level < sv->version->num_levels(); ++level) {
    for (const auto& f : sv->version->files(level)) {
      // Only tables with deletions hold tombstones, and only those with an
      // entry after `after` can hold one in the window.
      if (f->num_deletions == 0 || f->largest_seqno <= after) continue;
      std::shared_ptr<const Table> table;
      STRATA_RETURN_IF_ERROR(table_cache_->Find(*f, &table));
      if (table->range_tombstones()) lists.push_back(table->range_tombstones());
    }
  }
  const bool versioned = icmp_->versioned();
  const Comparator* kcmp = options_.comparator;
  const auto in_window = [&](SequenceNumber seq) {
    return seq > after && seq <= upto;
  };
  // The stored key where a key's entries begin.
  const auto start_of = [&](const Slice& key) {
    std::string k;
    if (versioned) {
      AppendVersionedKey(&k, key, kMaxTimestamp);
    } else {
      k.assign(key.data(), key.size());
    }
    return k;
  };
  // Whether a tombstone (plain or timed) with a sequence in the window
  // meets the stored keys from `first` up to `last` (inclusive), or up to
  // `end` (exclusive; null: open).
  std::vector<RangeTombstone> tombstones;
  for (const RangeTombstoneListPtr& list : lists) {
    list->AppendTombstones(&tombstones);
  }
  std::erase_if(tombstones, [&](const RangeTombstone& t) {
    return !in_window(t.sequence);
  });
  const Comparator* ucmp = icmp_->user_comparator();
  const auto tombstone_meets = [&](const std::string& first,
                                   const std::string* last,
                                   const std::string* end) {
    for (const RangeTombstone& t : tombstones) {
      if (ucmp->Compare(t.end, first) <= 0) continue;
      if (last != nullptr && ucmp->Compare(t.begin, *last) > 0) continue;
      if (end != nullptr && ucmp->Compare(t.begin, *end) >= 0) continue;
      return true;
    }
    return false;
  };
  // Scans the entries of the logical keys [lo, hi) (hi empty: open).
  const auto scan = [&](const Slice& lo, const Slice& hi, bool hi_inclusive,
                        bool single_key) -> Status {
    const std::string begin = start_of(lo);
    std::string seek;
    AppendInternalKey(&seek, begin, kMaxSequenceNumber, kTypeForSeek);
    for (iter->Seek(seek); iter->Valid(); iter->Next()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter->key(), &ikey)) {
        return Status::Corruption(dbname_, "malformed internal key");
      }
      const Slice key =
          versioned ? StripTimestamp(ikey.user_key) : ikey.user_key;
      if (single_key
              ? kcmp->Compare(key, lo) != 0
              : (!hi.empty() && (hi_inclusive ? kcmp->Compare(key, hi) > 0
                                              : kcmp->Compare(key, hi) >= 0))) {
        break;
      }
      if (in_window(ikey.sequence)) {
        *written = true;
        *what = "key '" + key.ToString() + "' was written at sequence " +
                std::to_string(ikey.sequence);
        return Status::OK();
      }
    }
    return iter->status();
  };
  for (const std::string& key : keys) {
    STRATA_RETURN_IF_ERROR(scan(key, Slice(), false, /*single_key=*/true));
    if (*written) return Status::OK();
    // The key's stored keys: key ‖ ~MAX .. key ‖ ~0 versioned, or key.
    std::string last;
    if (versioned) {
      AppendVersionedKey(&last, key, 0);
    } else {
      last = key;
    }
    if (tombstone_meets(start_of(key), &last, nullptr)) {
      *written = true;
      *what = "key '" + key + "' was deleted by a range after the snapshot";
      return Status::OK();
    }
  }
  for (const ScannedRange& range : ranges) {
    STRATA_RETURN_IF_ERROR(scan(range.begin, range.end, range.end_inclusive,
                                /*single_key=*/false));
    if (*written) return Status::OK();
    // Stored keys up to the end: before its first version (exclusive), or
    // through its last (inclusive).
    std::string end;
    if (range.end_inclusive && versioned) {
      AppendVersionedKey(&end, range.end, 0);
    } else {
      end = start_of(range.end);
    }
    const bool open_end = range.end.empty();
    if (tombstone_meets(start_of(range.begin),
                        range.end_inclusive && !open_end ? &end : nullptr,
                        !range.end_inclusive && !open_end ? &end : nullptr)) {
      *written = true;
      *what = "a scanned range was deleted in part after the snapshot";
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace strata::internal
