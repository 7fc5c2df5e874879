// Internal keys: the one place where strata encodes, decodes and orders the
// keys it stores (DESIGN.md "Keys inside the engine"; docs/batch_format.md).
//
//   internal key = user_key ‖ tag        tag = fixed64(sequence << 8 | type)
//
// Order: user key ascending (by the user comparator), then tag descending, so
// the newest version of a key comes first. In a versioned DB the user key
// carries an 8-byte timestamp suffix (key/versioned_key.h) and the user
// comparator is a VersionedComparator over it; every function that slices
// a key lives in this module (src/key/): no file outside spells the tag's
// size or shifts a tag by hand.
//
// Two meanings of "the user key", named apart:
//   ExtractUserKey(k)       the ordering key: the bytes the user comparator
//                           orders (in a versioned DB, key and timestamp)
//   SameUserKey(icmp, a, b) whether two internal keys are versions of the
//                           same logical key (the timestamp aside)
//
// The key module sits above base and below every other module.
//
// Thread-safety: pure functions and immutable comparators.

#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "base/coding.h"
#include "key/versioned_key.h"
#include "strata/comparator.h"
#include "strata/slice.h"

namespace strata::internal {

using SequenceNumber = uint64_t;

// Sequence numbers use 56 bits so that (sequence << 8 | type) fits 64.
constexpr SequenceNumber kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

// Size of the tag that ends every internal key.
constexpr size_t kTagSize = 8;

// The kind of an entry in a memtable or table (WriteBatch records have
// their own opcodes, db/write_batch_internal.h BatchOp). On disk: never
// renumber or reuse.
enum class ValueType : uint8_t {
  kDeletion = 0,
  kValue = 1,
  kRangeDeletion = 2,  // lives in its own block/list, never among point keys
  // A versioned DB's DeleteRange: a range tombstone at a timestamp
  // (key/range_tombstone.h), beside kRangeDeletion, never among point keys.
  kTimedRangeDeletion = 3,
  // A value moved to the value log (docs/vlog_format.md): the entry's value
  // is a value pointer. Only in tables (flush and compaction write it);
  // readers resolve it, and it is a value for every other purpose.
  kValuePointer = 4,
};

// The largest type byte: a search key (seq, kTypeForSeek) sorts before every
// entry with that sequence number, whatever types later issues add.
constexpr uint8_t kTypeForSeek = 0xff;

inline bool IsPointType(uint8_t t) {
  return t == static_cast<uint8_t>(ValueType::kDeletion) ||
         t == static_cast<uint8_t>(ValueType::kValue) ||
         t == static_cast<uint8_t>(ValueType::kValuePointer);
}

// Whether `t` is the type of a range tombstone (kRangeDeletion or
// kTimedRangeDeletion).
inline bool IsRangeDeletionType(uint8_t t) {
  return t == static_cast<uint8_t>(ValueType::kRangeDeletion) ||
         t == static_cast<uint8_t>(ValueType::kTimedRangeDeletion);
}

inline uint64_t PackTag(SequenceNumber seq, uint8_t type) {
  assert(seq <= kMaxSequenceNumber);
  return (seq << 8) | type;
}

struct ParsedInternalKey {
  Slice user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kValue;
};

inline size_t InternalKeyEncodingLength(const ParsedInternalKey& key) {
  return key.user_key.size() + kTagSize;
}

// Appends the encoding of (user_key, seq, type) to `*dst`.
inline void AppendInternalKey(std::string* dst, const Slice& user_key,
                              SequenceNumber seq, uint8_t type) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackTag(seq, type));
}

// REQUIRES: internal_key.size() >= kTagSize.
inline Slice ExtractUserKey(const Slice& internal_key) {
  assert(internal_key.size() >= kTagSize);
  return Slice(internal_key.data(), internal_key.size() - kTagSize);
}

// REQUIRES: internal_key.size() >= kTagSize.
inline uint64_t ExtractTag(const Slice& internal_key) {
  assert(internal_key.size() >= kTagSize);
  return DecodeFixed64(internal_key.data() + internal_key.size() - kTagSize);
}

inline SequenceNumber TagSequence(uint64_t tag) { return tag >> 8; }
inline uint8_t TagType(uint64_t tag) {
  return static_cast<uint8_t>(tag & 0xff);
}

inline SequenceNumber ExtractSequence(const Slice& internal_key) {
  return TagSequence(ExtractTag(internal_key));
}

// The type byte of an internal key (any value: check it before acting).
// REQUIRES: internal_key.size() >= kTagSize.
inline uint8_t ExtractType(const Slice& internal_key) {
  return TagType(ExtractTag(internal_key));
}

// Whether `s` is long enough to hold an internal key's suffix (the tag): the
// first check on any key read from a file.
inline bool HasInternalKeySuffix(const Slice& s) {
  return s.size() >= kTagSize;
}

// Bytes an internal key adds after the user key; what a filter cuts off
// each key (TableOptions::filter_key_suffix_len) so that filters see the
// logical key only.
inline constexpr size_t InternalKeySuffixLength() { return kTagSize; }

// The encoded length of an internal key for a user key of `user_key_size`.
inline size_t InternalKeyLength(size_t user_key_size) {
  return user_key_size + kTagSize;
}

// Writes the internal key (user_key, seq, type) at `dst`, which must hold
// InternalKeyLength(user_key.size()) bytes; returns the end.
inline char* EncodeInternalKey(char* dst, const Slice& user_key,
                               SequenceNumber seq, uint8_t type) {
  if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
  dst += user_key.size();
  EncodeFixed64(dst, PackTag(seq, type));
  return dst + kTagSize;
}

// Decodes `internal_key`; false if it is too short or its type is not a
// point type (a corrupt key must never be acted on).
inline bool ParseInternalKey(const Slice& internal_key,
                             ParsedInternalKey* result) {
  if (!HasInternalKeySuffix(internal_key)) return false;
  const uint64_t tag = ExtractTag(internal_key);
  const uint8_t type = TagType(tag);
  if (!IsPointType(type)) return false;
  result->user_key = ExtractUserKey(internal_key);
  result->sequence = TagSequence(tag);
  result->type = static_cast<ValueType>(type);
  return true;
}

// Splits an internal key of any type into its parts; false if it is too
// short. For keys whose type the caller checks itself (range tombstones,
// table bounds).
inline bool SplitInternalKey(const Slice& internal_key, Slice* user_key,
                             SequenceNumber* sequence, uint8_t* type) {
  if (!HasInternalKeySuffix(internal_key)) return false;
  const uint64_t tag = ExtractTag(internal_key);
  *user_key = ExtractUserKey(internal_key);
  *sequence = TagSequence(tag);
  *type = TagType(tag);
  return true;
}

// "'key' @ seq : type" with unprintable bytes escaped, for messages and the
// info LOG; a key too short to be an internal key says so.
std::string InternalKeyDebugString(const Slice& internal_key);

// Orders internal keys: user key ascending, then tag (sequence, type)
// descending. Borrows the key comparator (the user's), which must outlive
// it. It is a Comparator itself, so modules below db (tables) order
// internal keys without knowing their layout. Copies share the versioned
// comparator, so a copy's user_comparator() stays valid as long as any
// copy lives.
class InternalKeyComparator final : public Comparator {
 public:
  // `versioned`: user keys carry a timestamp suffix, ordered by a
  // VersionedComparator over `key_comparator` that this object owns.
  explicit InternalKeyComparator(const Comparator* key_comparator,
                                 bool versioned = false)
      : key_comparator_(key_comparator),
        versioned_(versioned
                       ? std::make_shared<VersionedComparator>(key_comparator)
                       : nullptr),
        key_only_(versioned
                      ? std::make_shared<KeyOnlyComparator>(key_comparator)
                      : nullptr),
        user_comparator_(versioned ? versioned_.get() : key_comparator),
        bytewise_(user_comparator_ == BytewiseComparator()) {}

  // Orders user keys (ExtractUserKey): the key comparator, or in a
  // versioned DB the VersionedComparator over it.
  const Comparator* user_comparator() const { return user_comparator_; }
  // Orders keys without their timestamps: the comparator the DB was opened
  // with.
  const Comparator* key_comparator() const { return key_comparator_; }
  bool versioned() const { return versioned_ != nullptr; }
  // User keys are ordered bytewise (BytewiseComparator(), unversioned).
  bool bytewise() const { return bytewise_; }
  // Orders user keys by key alone (in a versioned DB, without their
  // timestamps: KeyOnlyComparator); the key comparator otherwise.
  const Comparator* key_only_comparator() const {
    return key_only_ != nullptr ? key_only_.get() : key_comparator_;
  }
  // Bytes a filter cuts off each internal key so that it sees the key
  // alone: the tag, and in a versioned DB the timestamp too.
  size_t FilterKeySuffixLength() const {
    return InternalKeySuffixLength() + (versioned() ? kTimestampSize : 0);
  }

  // Whether internal keys `a` and `b` are versions of the same logical key
  // (in a versioned DB, whatever their timestamps).
  bool SameKey(const Slice& a, const Slice& b) const {
    return CompareKeysOnly(ExtractUserKey(a), ExtractUserKey(b)) == 0;
  }

  const char* Name() const override { return "strata.InternalKeyComparator"; }

  // Shortens the user key part; when it got shorter, the result gets the
  // largest tag so that it still sorts before every version of `limit`.
  void FindShortestSeparator(std::string* start,
                             const Slice& limit) const override {
    const Slice user_start = ExtractUserKey(*start);
    const Slice user_limit = ExtractUserKey(limit);
    std::string tmp(user_start.data(), user_start.size());
    user_comparator_->FindShortestSeparator(&tmp, user_limit);
    if (tmp.size() < user_start.size() &&
        user_comparator_->Compare(user_start, tmp) < 0) {
      PutFixed64(&tmp, PackTag(kMaxSequenceNumber, kTypeForSeek));
      start->swap(tmp);
    }
  }

  void FindShortSuccessor(std::string* key) const override {
    const Slice user_key = ExtractUserKey(*key);
    std::string tmp(user_key.data(), user_key.size());
    user_comparator_->FindShortSuccessor(&tmp);
    if (tmp.size() < user_key.size() &&
        user_comparator_->Compare(user_key, tmp) < 0) {
      PutFixed64(&tmp, PackTag(kMaxSequenceNumber, kTypeForSeek));
      key->swap(tmp);
    }
  }

  int Compare(const Slice& a, const Slice& b) const override {
    // The default order compared inline, without a virtual call.
    int r = bytewise_ ? ExtractUserKey(a).compare(ExtractUserKey(b))
                      : user_comparator_->Compare(ExtractUserKey(a),
                                                  ExtractUserKey(b));
    if (r == 0) {
      const uint64_t ta = ExtractTag(a);
      const uint64_t tb = ExtractTag(b);
      if (ta > tb) {
        r = -1;
      } else if (ta < tb) {
        r = +1;
      }
    }
    return r;
  }

  int CompareUserKeys(const Slice& a, const Slice& b) const {
    return user_comparator_->Compare(a, b);
  }
  // Orders user keys by their keys alone: in a versioned DB, without their
  // timestamps (two versions of one key compare equal).
  int CompareKeysOnly(const Slice& user_a, const Slice& user_b) const {
    if (versioned_ == nullptr) return key_comparator_->Compare(user_a, user_b);
    return key_comparator_->Compare(StripTimestamp(user_a),
                                    StripTimestamp(user_b));
  }

 private:
  const Comparator* const key_comparator_;
  const std::shared_ptr<const VersionedComparator> versioned_;
  const std::shared_ptr<const KeyOnlyComparator> key_only_;
  const Comparator* const user_comparator_;
  // user_comparator_ is BytewiseComparator(): Compare orders user keys
  // inline, without the virtual call.
  const bool bytewise_;
};

// Whether internal keys `a` and `b` are versions of the same logical key.
inline bool SameUserKey(const InternalKeyComparator& icmp, const Slice& a,
                        const Slice& b) {
  return icmp.SameKey(a, b);
}

// Whether a table whose largest key is `largest` ends before every version
// of that key's logical key: its largest is the sentinel a range tombstone
// ending there leaves, (end, kMaxSequenceNumber, kRangeDeletion), at a
// whole key (in a versioned DB, with the newest timestamp: a DeleteRange's
// end, or a cut between outputs).
inline bool EndsBeforeKey(const InternalKeyComparator& icmp,
                          const Slice& largest) {
  Slice user_key;
  SequenceNumber seq = 0;
  uint8_t type = 0;
  if (!SplitInternalKey(largest, &user_key, &seq, &type) ||
      seq != kMaxSequenceNumber ||
      type != static_cast<uint8_t>(ValueType::kRangeDeletion)) {
    return false;
  }
  return !icmp.versioned() || (user_key.size() >= kTimestampSize &&
                               ExtractTimestamp(user_key) == kMaxTimestamp);
}

// Whether a table ending at `largest` and one starting at `smallest` (the
// next in a level) hold versions of one logical key.
inline bool BoundsShareKey(const InternalKeyComparator& icmp,
                           const Slice& largest, const Slice& smallest) {
  return SameUserKey(icmp, largest, smallest) && !EndsBeforeKey(icmp, largest);
}

// An owned internal key.
class InternalKey {
 public:
  InternalKey() = default;
  InternalKey(const Slice& user_key, SequenceNumber seq, uint8_t type) {
    AppendInternalKey(&rep_, user_key, seq, type);
  }
  // Takes an already-encoded internal key.
  // REQUIRES: encoded.size() >= kTagSize.
  void SetEncoded(const Slice& encoded) {
    assert(encoded.size() >= kTagSize);
    rep_.assign(encoded.data(), encoded.size());
  }
  Slice Encode() const { return rep_; }
  Slice user_key() const { return ExtractUserKey(rep_); }
  void Clear() { rep_.clear(); }

 private:
  std::string rep_;
};

// A key to look up `user_key` as of `sequence` in a memtable or table:
// the memtable form is varint32(internal key length) ‖ internal key. User
// keys of up to kInline - 13 bytes (room for the longest varint32 and the
// tag) are kept inside the object (every Get builds one; a heap
// allocation was a few percent of a point read).
class LookupKey {
 public:
  static constexpr size_t kInline = 128;

  LookupKey(const Slice& user_key, SequenceNumber sequence) {
    const size_t ikey_len = user_key.size() + kTagSize;
    const size_t needed = ikey_len + 5;  // the longest varint32
    char* dst = inline_;
    if (needed > kInline) {
      heap_ = std::make_unique_for_overwrite<char[]>(needed);
      dst = heap_.get();
    }
    start_ = dst;
    dst = EncodeVarint32(dst, static_cast<uint32_t>(ikey_len));
    ikey_ = dst;
    if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
    dst += user_key.size();
    EncodeFixed64(dst, PackTag(sequence, kTypeForSeek));
    end_ = dst + kTagSize;
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  Slice memtable_key() const {
    return Slice(start_, static_cast<size_t>(end_ - start_));
  }
  Slice internal_key() const {
    return Slice(ikey_, static_cast<size_t>(end_ - ikey_));
  }
  Slice user_key() const {
    return Slice(ikey_, static_cast<size_t>(end_ - ikey_) - kTagSize);
  }

 private:
  // The key lies in [start_, end_), the internal key from ikey_; in
  // inline_ or heap_ (a longer key).
  const char* start_;
  const char* ikey_;
  const char* end_;
  std::unique_ptr<char[]> heap_;
  char inline_[kInline];
};

}  // namespace strata::internal
