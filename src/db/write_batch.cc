#include "strata/write_batch.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "base/coding.h"
#include "db/write_batch_internal.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "key/versioned_key.h"
#include "memtable/memtable.h"

namespace strata {

using internal::BatchOp;
using internal::BatchSummary;
using internal::kBatchHeaderSize;
using internal::ValueType;
using internal::WriteBatchInternal;

namespace {

// Decodes the fixed64 timestamp at the front of `*input`.
bool ReadTimestamp(Slice* input, uint64_t* ts) {
  if (input->size() < 8) return false;
  *ts = internal::DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

// Decodes one record at the front of `*input`. Returns false if damaged.
// `*ts` is set for kPutAt, kDeleteAt and kDeleteRangeAt.
bool ReadRecord(Slice* input, BatchOp* op, Slice* a, Slice* b, uint64_t* ts) {
  if (input->empty()) return false;
  const auto tag = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  *ts = 0;
  switch (tag) {
    case static_cast<uint8_t>(BatchOp::kPut):
    case static_cast<uint8_t>(BatchOp::kDeleteRange):
      *op = static_cast<BatchOp>(tag);
      return internal::GetLengthPrefixedSlice(input, a) &&
             internal::GetLengthPrefixedSlice(input, b);
    case static_cast<uint8_t>(BatchOp::kDelete):
    case static_cast<uint8_t>(BatchOp::kPurge):
      *op = static_cast<BatchOp>(tag);
      *b = Slice();
      return internal::GetLengthPrefixedSlice(input, a);
    case static_cast<uint8_t>(BatchOp::kReplace):
      *op = BatchOp::kReplace;
      return internal::GetLengthPrefixedSlice(input, a) &&
             internal::GetLengthPrefixedSlice(input, b);
    case static_cast<uint8_t>(BatchOp::kPutAt):
    case static_cast<uint8_t>(BatchOp::kDeleteRangeAt):
      *op = static_cast<BatchOp>(tag);
      return ReadTimestamp(input, ts) &&
             internal::GetLengthPrefixedSlice(input, a) &&
             internal::GetLengthPrefixedSlice(input, b);
    case static_cast<uint8_t>(BatchOp::kDeleteAt):
      *op = BatchOp::kDeleteAt;
      *b = Slice();
      return ReadTimestamp(input, ts) &&
             internal::GetLengthPrefixedSlice(input, a);
    default:
      return false;
  }
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(kBatchHeaderSize);
}

uint32_t WriteBatch::Count() const { return WriteBatchInternal::Count(*this); }

size_t WriteBatch::ApproximateSize() const { return rep_.size(); }

namespace {

// Makes room for `more` bytes in one allocation (a record's pieces would
// otherwise grow the string several times), keeping growth geometric.
void Reserve(std::string* rep, size_t more) {
  const size_t need = rep->size() + more;
  if (need > rep->capacity()) rep->reserve(std::max(need, 2 * rep->capacity()));
}

// Bytes a length-prefixed slice takes at most.
constexpr size_t kMaxPrefixedOverhead = 5;

}  // namespace

void WriteBatch::Put(const Slice& key, const Slice& value) {
  Reserve(&rep_, 1 + 2 * kMaxPrefixedOverhead + key.size() + value.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kPut));
  internal::PutLengthPrefixedSlice(&rep_, key);
  internal::PutLengthPrefixedSlice(&rep_, value);
}

void WriteBatch::Delete(const Slice& key) {
  Reserve(&rep_, 1 + kMaxPrefixedOverhead + key.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kDelete));
  internal::PutLengthPrefixedSlice(&rep_, key);
}

void WriteBatch::DeleteRange(const Slice& begin, const Slice& end) {
  Reserve(&rep_, 1 + 2 * kMaxPrefixedOverhead + begin.size() + end.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kDeleteRange));
  internal::PutLengthPrefixedSlice(&rep_, begin);
  internal::PutLengthPrefixedSlice(&rep_, end);
}

void WriteBatch::PutAt(const Slice& key, const Slice& value, uint64_t ts) {
  Reserve(&rep_, 1 + 8 + 2 * kMaxPrefixedOverhead + key.size() + value.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kPutAt));
  internal::PutFixed64(&rep_, ts);
  internal::PutLengthPrefixedSlice(&rep_, key);
  internal::PutLengthPrefixedSlice(&rep_, value);
}

void WriteBatch::DeleteAt(const Slice& key, uint64_t ts) {
  Reserve(&rep_, 1 + 8 + kMaxPrefixedOverhead + key.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kDeleteAt));
  internal::PutFixed64(&rep_, ts);
  internal::PutLengthPrefixedSlice(&rep_, key);
}

void WriteBatch::DeleteRangeAt(const Slice& begin, const Slice& end,
                               uint64_t ts) {
  Reserve(&rep_, 1 + 8 + 2 * kMaxPrefixedOverhead + begin.size() + end.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kDeleteRangeAt));
  internal::PutFixed64(&rep_, ts);
  internal::PutLengthPrefixedSlice(&rep_, begin);
  internal::PutLengthPrefixedSlice(&rep_, end);
}

void WriteBatch::Purge(const Slice& key) {
  Reserve(&rep_, 1 + kMaxPrefixedOverhead + key.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kPurge));
  internal::PutLengthPrefixedSlice(&rep_, key);
}

void WriteBatch::Replace(const Slice& key, const Slice& value) {
  Reserve(&rep_, 1 + 2 * kMaxPrefixedOverhead + key.size() + value.size());
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(BatchOp::kReplace));
  internal::PutLengthPrefixedSlice(&rep_, key);
  internal::PutLengthPrefixedSlice(&rep_, value);
}

void WriteBatch::Append(const WriteBatch& other) {
  WriteBatchInternal::Append(this, other);
}

Status WriteBatch::Iterate(Handler* handler) const {
  if (rep_.size() < kBatchHeaderSize) {
    return Status::Corruption("write batch", "shorter than its header");
  }
  Slice input(rep_);
  input.remove_prefix(kBatchHeaderSize);
  uint32_t found = 0;
  while (!input.empty()) {
    const size_t offset = rep_.size() - input.size();
    BatchOp op;
    Slice a;
    Slice b;
    uint64_t ts = 0;
    if (!ReadRecord(&input, &op, &a, &b, &ts)) {
      return Status::Corruption(
          "write batch", "bad record at offset " + std::to_string(offset));
    }
    switch (op) {
      case BatchOp::kPut:
        handler->Put(a, b);
        break;
      case BatchOp::kDelete:
        handler->Delete(a);
        break;
      case BatchOp::kDeleteRange:
        handler->DeleteRange(a, b);
        break;
      case BatchOp::kPutAt:
        handler->PutAt(a, b, ts);
        break;
      case BatchOp::kDeleteAt:
        handler->DeleteAt(a, ts);
        break;
      case BatchOp::kPurge:
        handler->Purge(a);
        break;
      case BatchOp::kReplace:
        handler->Replace(a, b);
        break;
      case BatchOp::kDeleteRangeAt:
        handler->DeleteRangeAt(a, b, ts);
        break;
    }
    ++found;
  }
  if (found != Count()) {
    return Status::Corruption(
        "write batch", "record count " + std::to_string(found) +
                           " != header count " + std::to_string(Count()));
  }
  return Status::OK();
}

namespace internal {

uint32_t WriteBatchInternal::Count(const WriteBatch& batch) {
  return DecodeFixed32(batch.rep_.data() + 8);
}

void WriteBatchInternal::SetCount(WriteBatch* batch, uint32_t n) {
  EncodeFixed32(batch->rep_.data() + 8, n);
}

SequenceNumber WriteBatchInternal::Sequence(const WriteBatch& batch) {
  return DecodeFixed64(batch.rep_.data());
}

void WriteBatchInternal::SetSequence(WriteBatch* batch, SequenceNumber seq) {
  EncodeFixed64(batch->rep_.data(), seq);
}

Status WriteBatchInternal::SetContents(WriteBatch* batch,
                                       const Slice& contents) {
  if (contents.size() < kBatchHeaderSize) {
    return Status::Corruption("write batch", "shorter than its header");
  }
  batch->rep_.assign(contents.data(), contents.size());
  return Status::OK();
}

Status WriteBatchInternal::Validate(const WriteBatch& batch,
                                    BatchSummary* summary,
                                    const Comparator* ucmp) {
  struct Summarizer final : WriteBatch::Handler {
    BatchSummary* s;
    const Comparator* ucmp;
    void Key(const Slice& k) {
      s->count++;
      if (k.size() > s->max_key_size) s->max_key_size = k.size();
      if (k.empty()) s->has_empty_key = true;
    }
    void Put(const Slice& k, const Slice& v) override {
      Key(k);
      if (v.size() > s->max_value_size) s->max_value_size = v.size();
    }
    void Delete(const Slice& k) override { Key(k); }
    void DeleteRange(const Slice& b, const Slice& e) override {
      Key(b);
      if (e.size() > s->max_key_size) s->max_key_size = e.size();
      if (e.empty()) s->has_empty_key = true;
      if (ucmp != nullptr && ucmp->Compare(b, e) >= 0) s->has_bad_range = true;
      s->range_deletions++;
    }
    void Timestamp(uint64_t ts) {
      s->timestamped++;
      if (ts == 0) s->has_zero_timestamp = true;
    }
    void PutAt(const Slice& k, const Slice& v, uint64_t ts) override {
      Put(k, v);
      Timestamp(ts);
    }
    void DeleteAt(const Slice& k, uint64_t ts) override {
      Delete(k);
      Timestamp(ts);
    }
    void DeleteRangeAt(const Slice& b, const Slice& e, uint64_t ts) override {
      DeleteRange(b, e);
      Timestamp(ts);
    }
    void Purge(const Slice& k) override {
      Key(k);
      s->purges++;
    }
    void Replace(const Slice& k, const Slice& v) override {
      Put(k, v);
      s->purges++;
    }
  } summarizer;
  *summary = BatchSummary();
  summarizer.s = summary;
  summarizer.ucmp = ucmp;
  return batch.Iterate(&summarizer);
}

void WriteBatchInternal::Append(WriteBatch* dst, const WriteBatch& src) {
  SetCount(dst, Count(*dst) + Count(src));
  dst->rep_.append(src.rep_.data() + kBatchHeaderSize,
                   src.rep_.size() - kBatchHeaderSize);
}

void WriteBatchInternal::InsertInto(const WriteBatch& batch, MemTable* mem,
                                    bool versioned, uint64_t commit_timestamp) {
  struct Inserter final : WriteBatch::Handler {
    MemTable* mem;
    SequenceNumber seq;
    bool versioned;
    uint64_t commit_timestamp;
    std::string scratch;  // key ‖ timestamp
    // The key as stored: with its timestamp in a versioned DB.
    Slice Stored(const Slice& k, uint64_t ts) {
      if (!versioned) return k;
      scratch.clear();
      AppendVersionedKey(&scratch, k, ts);
      return scratch;
    }
    void Put(const Slice& k, const Slice& v) override {
      mem->Add(seq++, ValueType::kValue, Stored(k, commit_timestamp), v);
    }
    void Delete(const Slice& k) override {
      mem->Add(seq++, ValueType::kDeletion, Stored(k, commit_timestamp),
               Slice());
    }
    void DeleteRange(const Slice& b, const Slice& e) override {
      if (versioned) {
        DeleteRangeAt(b, e, commit_timestamp);
        return;
      }
      mem->Add(seq++, ValueType::kRangeDeletion, b, e);
    }
    // A timed range tombstone over every version of the keys in [b, e)
    // (key/range_tombstone.h).
    void DeleteRangeAt(const Slice& b, const Slice& e, uint64_t ts) override {
      assert(versioned);
      internal::RangeTombstone t;
      AppendVersionedKey(&t.begin, b, kMaxTimestamp);
      AppendVersionedKey(&t.end, e, kMaxTimestamp);
      t.sequence = seq++;
      t.timestamp = ts;
      std::string value;
      EncodeRangeTombstone(t, nullptr, &value);
      mem->Add(t.sequence, ValueType::kTimedRangeDeletion, t.begin, value);
    }
    void PutAt(const Slice& k, const Slice& v, uint64_t ts) override {
      assert(versioned);
      mem->Add(seq++, ValueType::kValue, Stored(k, ts), v);
    }
    void DeleteAt(const Slice& k, uint64_t ts) override {
      assert(versioned);
      mem->Add(seq++, ValueType::kDeletion, Stored(k, ts), Slice());
    }
    // Hides the versions of `k` at or before `ts` written before `seq`: a
    // range tombstone over [k ‖ ts, k ‖ 0), the versions of k from ts down
    // (timestamp 0 is never written, so k ‖ 0 is above every version).
    void HideVersions(const Slice& k, uint64_t ts) {
      std::string begin;
      std::string end;
      AppendVersionedKey(&begin, k, ts);
      AppendVersionedKey(&end, k, 0);
      mem->Add(seq, ValueType::kRangeDeletion, begin, end);
    }
    void Purge(const Slice& k) override {
      assert(versioned);
      HideVersions(k, kMaxTimestamp);
      ++seq;
    }
    void Replace(const Slice& k, const Slice& v) override {
      assert(versioned);
      // The new version shares the tombstone's sequence: a tombstone hides
      // only older sequences, and its range starts below the new version.
      if (commit_timestamp > 1) HideVersions(k, commit_timestamp - 1);
      mem->Add(seq++, ValueType::kValue, Stored(k, commit_timestamp), v);
    }
  } inserter;
  inserter.mem = mem;
  inserter.seq = Sequence(batch);
  inserter.versioned = versioned;
  inserter.commit_timestamp = commit_timestamp;
  // A group of point entries is linked in key order at the end
  // (MemTable::StartGroup); a lone entry goes straight in.
  const bool group = Count(batch) > 1;
  if (group) mem->StartGroup();
  // If Iterate throws (an allocation failure), the group is dropped
  // unlinked, so the memtable never stays in grouping mode.
  struct GroupGuard {
    MemTable* mem;
    ~GroupGuard() {
      if (mem != nullptr) mem->AbandonGroup();
    }
  } guard{group ? mem : nullptr};
  // Validated by the caller, so Iterate cannot fail here.
  const Status s = batch.Iterate(&inserter);
  assert(s.ok());
  (void)s;
  if (group) {
    guard.mem = nullptr;
    mem->FinishGroup();
  }
}

}  // namespace internal
}  // namespace strata
