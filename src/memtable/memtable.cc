#include "memtable/memtable.h"

#include <algorithm>
#include <cstring>

#include "base/coding.h"

namespace strata::internal {
namespace {

// Decodes the length-prefixed slice at `p`. Entries were written by Add,
// so the prefix is well formed; the limit only bounds the varint read.
Slice GetLengthPrefixed(const char* p) {
  uint32_t len = 0;
  const char* q = GetVarint32Ptr(p, p + 5, &len);
  return Slice(q, len);
}

// The largest seek target EncodeSeekKey encodes on the caller's stack.
constexpr size_t kInlineSeekKey = 64;

// Encodes a seek target as a memtable entry key, into `inline_key`
// (kInlineSeekKey bytes) when it fits, else into `*scratch`.
const char* EncodeSeekKey(char* inline_key, std::string* scratch,
                          const Slice& internal_key) {
  if (internal_key.size() + 5 <= kInlineSeekKey) {
    char* p =
        EncodeVarint32(inline_key, static_cast<uint32_t>(internal_key.size()));
    std::memcpy(p, internal_key.data(), internal_key.size());
    return inline_key;
  }
  scratch->clear();
  PutVarint32(scratch, static_cast<uint32_t>(internal_key.size()));
  scratch->append(internal_key.data(), internal_key.size());
  return scratch->data();
}

constexpr uint64_t kMaxHintPrefix = (uint64_t{1} << 14) - 1;
constexpr size_t kHintTagBytes = 6;

}  // namespace

uint64_t OrderHint(const Slice& x, const Slice& ref) {
  const size_t limit = std::min(x.size(), ref.size());
  size_t p = 0;
  while (p + 8 <= limit) {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, x.data() + p, 8);
    std::memcpy(&b, ref.data() + p, 8);
    if (a != b) break;
    p += 8;
  }
  while (p < limit && x[p] == ref[p]) ++p;
  uint64_t r;  // 1: x < ref, 2: x == ref, 3: x > ref
  if (p == x.size()) {
    r = p == ref.size() ? 2 : 1;
  } else if (p == ref.size()) {
    r = 3;
  } else {
    r = static_cast<uint8_t>(x[p]) < static_cast<uint8_t>(ref[p]) ? 1 : 3;
  }
  uint64_t tag = 0;
  if (p >= kMaxHintPrefix) {
    p = kMaxHintPrefix;
  } else {
    const size_t n = std::min(kHintTagBytes, x.size() - p);
    for (size_t i = 0; i < n; ++i) {
      tag |= uint64_t{static_cast<uint8_t>(x[p + i])}
             << (8 * (kHintTagBytes - 1 - i));
    }
  }
  const uint64_t q = r == 1 ? p : kMaxHintPrefix - p;
  return r << 62 | q << 48 | tag;
}

int MemTable::KeyComparator::CompareEntries(const char* a,
                                            const char* b) const {
  return comparator.Compare(GetLengthPrefixed(a), GetLengthPrefixed(b));
}

MemTable::TableKey MemTable::SearchKey(const char* entry,
                                       const Slice& internal_key) const {
  // acquire: pairs with the release in Add, so the reference's bytes are
  // there to read.
  const char* const ref = hint_reference_.load(std::memory_order_acquire);
  if (ref == nullptr) return TableKey{0, entry};
  return TableKey{OrderHint(ExtractUserKey(internal_key),
                            ExtractUserKey(GetLengthPrefixed(ref))),
                  entry};
}

MemTable::MemTable(const InternalKeyComparator& comparator,
                   size_t arena_block_size)
    : comparator_{comparator},
      hinted_(comparator.bytewise()),
      arena_(arena_block_size),
      // Nodes are a small share of the memory: smaller blocks, so that the
      // partly used one adds little to the usage write_buffer_size sees.
      node_arena_(arena_block_size / 4),
      table_(comparator_, &node_arena_),
      range_del_table_(comparator_, &node_arena_) {}

void MemTable::Add(SequenceNumber seq, ValueType type, const Slice& key,
                   const Slice& value) {
  const size_t ikey_size = InternalKeyLength(key.size());
  const size_t encoded_len =
      static_cast<size_t>(VarintLength(ikey_size)) + ikey_size +
      static_cast<size_t>(VarintLength(value.size())) + value.size();
  char* buf = arena_.Allocate(encoded_len);
  char* p = EncodeVarint32(buf, static_cast<uint32_t>(ikey_size));
  p = EncodeInternalKey(p, key, seq, static_cast<uint8_t>(type));
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  assert(p + value.size() == buf + encoded_len);
  TableKey table_key{0, buf};
  if (hinted_) {
    // relaxed: only this (the writing) thread stores it.
    const char* ref = hint_reference_.load(std::memory_order_relaxed);
    if (ref == nullptr) {
      ref = buf;
      // release: a reader that sees the reference sees its bytes.
      hint_reference_.store(ref, std::memory_order_release);
    }
    table_key.hint = OrderHint(key, ExtractUserKey(GetLengthPrefixed(ref)));
  }
  // relaxed: a statistic, read by readers that only filter by it.
  if (seq > largest_sequence_.load(std::memory_order_relaxed)) {
    largest_sequence_.store(seq, std::memory_order_relaxed);
  }
  if (IsRangeDeletionType(static_cast<uint8_t>(type))) {
    range_del_table_.Insert(table_key);
    // release: a reader that sees the count sees the entry.
    num_range_deletions_.fetch_add(1, std::memory_order_release);
    return;
  }
  if (grouping_) {
    group_.push_back(table_key);
  } else {
    table_.Insert(table_key);
  }
  if (comparator_.comparator.versioned() && key.size() >= kTimestampSize) {
    // relaxed: published by the pipeline's release of the sequence.
    const uint64_t ts = ExtractTimestamp(key);
    if (ts > max_timestamp_.load(std::memory_order_relaxed)) {
      max_timestamp_.store(ts, std::memory_order_relaxed);
    }
  }
  // relaxed: a statistic, which readers also rely on (NumEntries), and
  // published to them by the pipeline's release of the sequence.
  num_entries_.fetch_add(1, std::memory_order_relaxed);
  if (type == ValueType::kDeletion) {
    num_deletions_.fetch_add(1, std::memory_order_relaxed);
  }
}

void MemTable::StartGroup() {
  assert(!grouping_);
  grouping_ = true;
}

void MemTable::FinishGroup() {
  assert(grouping_);
  grouping_ = false;
  // Taken out first: whatever happens below, the next group starts empty.
  std::vector<TableKey> group;
  group.swap(group_);
  if (group.size() == 1) {
    table_.Insert(group[0]);
  } else if (!group.empty()) {
    // Entries are distinct (each has its own sequence), so the order is
    // strict. A batch written in key order (a bulk load) is linked as it
    // came.
    const auto less = [this](const TableKey& a, const TableKey& b) {
      return comparator_(a, b) < 0;
    };
    if (!std::is_sorted(group.begin(), group.end(), less)) {
      std::sort(group.begin(), group.end(), less);
    }
    table_.InsertAscending(group.data(), group.size());
  }
  // Kept for the next group, unless a large one grew it.
  group.clear();
  if (group.capacity() <= kKeptGroupCapacity) group_.swap(group);
}

void MemTable::AbandonGroup() noexcept {
  grouping_ = false;
  group_.clear();
}

RangeTombstoneListPtr MemTable::RangeTombstones() const {
  const uint64_t count = NumRangeDeletions();
  if (count == 0) return nullptr;
  MutexLock lock(&fragment_mu_);
  if (fragmented_ != nullptr && fragmented_count_ == count) return fragmented_;
  std::vector<RangeTombstone> tombstones;
  tombstones.reserve(count);
  Table::Iterator iter(&range_del_table_);
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
    const Slice ikey = GetLengthPrefixed(iter.key().entry);
    const Slice value = GetLengthPrefixed(ikey.data() + ikey.size());
    RangeTombstone t;
    // The write path checked every range, so the entry decodes.
    const Status s = DecodeRangeTombstone(
        comparator_.comparator.user_comparator(), ikey, value, &t);
    assert(s.ok());
    (void)s;
    tombstones.push_back(std::move(t));
  }
  // Entries added while we iterated are in `tombstones` too; the count
  // then lags and the next call rebuilds, which is only extra work.
  fragmented_ = std::make_shared<const FragmentedRangeTombstoneList>(
      comparator_.comparator.user_comparator(), std::move(tombstones));
  fragmented_count_ = count;
  return fragmented_;
}

MemTable::GetResult MemTable::Get(const LookupKey& key, std::string* value,
                                  SequenceNumber* found_sequence) const {
  Table::Iterator iter(&table_);
  iter.Seek(SearchKey(key.memtable_key().data(), key.internal_key()));
  // The first entry at or after (user_key, sequence) is the newest visible
  // version if it belongs to the same user key. In a versioned DB a
  // version written after the read's sequence with an older timestamp
  // (back-dated) may come first: it is skipped.
  const SequenceNumber read_sequence = ExtractSequence(key.internal_key());
  Slice ikey;
  uint64_t tag = 0;
  for (;; iter.Next()) {
    if (!iter.Valid()) return GetResult::kNotPresent;
    ikey = GetLengthPrefixed(iter.key().entry);
    if (!SameUserKey(comparator_.comparator, ikey, key.internal_key())) {
      return GetResult::kNotPresent;
    }
    tag = ExtractTag(ikey);
    if (TagSequence(tag) <= read_sequence) break;
  }
  if (found_sequence != nullptr) *found_sequence = TagSequence(tag);
  const auto type = static_cast<ValueType>(TagType(tag));
  if (type == ValueType::kDeletion) return GetResult::kDeleted;
  const Slice v = GetLengthPrefixed(ikey.data() + ikey.size());
  value->assign(v.data(), v.size());
  return GetResult::kFound;
}

void MemTable::ForEachVersion(
    const LookupKey& key,
    const std::function<bool(const Slice&, const Slice&)>& visit) const {
  Table::Iterator iter(&table_);
  for (iter.Seek(SearchKey(key.memtable_key().data(), key.internal_key()));
       iter.Valid(); iter.Next()) {
    const Slice ikey = GetLengthPrefixed(iter.key().entry);
    if (!SameUserKey(comparator_.comparator, ikey, key.internal_key())) return;
    if (!visit(ikey, GetLengthPrefixed(ikey.data() + ikey.size()))) return;
  }
}

// Iterates the skiplist, presenting entries as internal key / value.
class MemTable::Iter final : public InternalIterator {
 public:
  Iter(const MemTable* mem, const Table* table) : mem_(mem), iter_(table) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(const Slice& target) override {
    char inline_key[kInlineSeekKey];
    iter_.Seek(
        mem_->SearchKey(EncodeSeekKey(inline_key, &scratch_, target), target));
  }
  void SeekForPrev(const Slice& target) override {
    char inline_key[kInlineSeekKey];
    iter_.SeekForPrev(
        mem_->SearchKey(EncodeSeekKey(inline_key, &scratch_, target), target));
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  Slice key() const override { return GetLengthPrefixed(iter_.key().entry); }
  Slice value() const override {
    const Slice k = key();
    return GetLengthPrefixed(k.data() + k.size());
  }
  Status status() const override { return Status::OK(); }
  bool NextAndGet(Slice* key, Slice* value) override {
    iter_.Next();
    if (!iter_.Valid()) return false;
    *key = this->key();
    *value = GetLengthPrefixed(key->data() + key->size());
    return true;
  }

 private:
  const MemTable* const mem_;
  Table::Iterator iter_;
  std::string scratch_;  // holds an encoded seek target too long for the stack
};

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<Iter>(this, &table_);
}

}  // namespace strata::internal
