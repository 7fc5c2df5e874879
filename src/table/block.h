// Block: a parsed, immutable block (data, index, properties or metaindex;
// docs/table_format.md#blocks) and BlockIter, its iterator.
//
// Parsing checks the restart array completely (count, order, bounds), so an
// iterator's binary search never leaves the block; entries are checked as
// they are decoded, and a malformed one makes the iterator invalid with a
// Corruption status instead of reading out of bounds.
//
// Thread-safety: a Block is immutable and shared (std::shared_ptr<const
// Block>, e.g. through the block cache) by any number of threads. A
// BlockIter is used by one thread at a time.

#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "base/coding.h"
#include "base/internal_iterator.h"
#include "base/result.h"
#include "key/key_prefixes.h"
#include "strata/comparator.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

class Block {
 private:
  struct Passkey {};  // only Parse() constructs blocks

 public:
  // Takes ownership of `buffer` (`allocated` bytes) whose first `size`
  // bytes are the block. Corruption(what) if the restart array is
  // malformed (the caller adds file and offset).
  // REQUIRES: size <= allocated.
  static Result<std::unique_ptr<Block>> Parse(std::unique_ptr<char[]> buffer,
                                              size_t size, size_t allocated);
  // Parse(), for a block that will be shared (one allocation holds the
  // block object and its reference counts).
  static Result<std::shared_ptr<const Block>> ParseShared(
      std::unique_ptr<char[]> buffer, size_t size, size_t allocated);
  // Copies `contents` and parses the copy.
  static Result<std::unique_ptr<Block>> ParseCopy(const Slice& contents);

  Block(Passkey, std::unique_ptr<char[]> buffer, size_t size, size_t allocated,
        uint32_t restarts_offset, uint32_t num_restarts);
  // Gives the buffer back for reuse by this thread (block_buffer.h).
  ~Block();
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  const char* data() const { return buffer_.get(); }
  size_t size() const { return size_; }
  // Offset of the restart array = bytes of entries.
  uint32_t restarts_offset() const { return restarts_offset_; }
  uint32_t num_restarts() const { return num_restarts_; }
  // Offset of restart point `i`. REQUIRES: i < num_restarts().
  uint32_t RestartPoint(uint32_t i) const {
    assert(i < num_restarts_);
    return DecodeFixed32(buffer_.get() + restarts_offset_ +
                         i * sizeof(uint32_t));
  }
  // Bytes of memory this block holds (its buffer plus the object).
  size_t MemoryUsage() const { return allocated_ + sizeof(Block); }

 private:
  // Checks the restart array of the `size`-byte block at `data` and returns
  // where it starts and how many points it has.
  static Status CheckLayout(const char* data, size_t size,
                            uint32_t* restarts_offset, uint32_t* num_restarts);

  std::unique_ptr<char[]> buffer_;  // not reassigned; moved out at the end
  const size_t size_;
  const size_t allocated_;
  const uint32_t restarts_offset_;
  const uint32_t num_restarts_;
};

// Where a block lives, for error messages: "<file_name> offset <n>".
struct BlockErrorContext {
  const std::string* file_name = nullptr;  // borrowed; null: "<block>"
  uint64_t block_offset = 0;
  // A key shorter than this is Corruption (8 for DB internal keys, so a
  // damaged key never reaches a comparator that slices off the tag).
  size_t min_key_size = 0;
};

// The key a BlockIter is positioned on, rebuilt in place from each
// prefix-compressed entry. Keys of up to kInline bytes (a DB's internal
// keys of user keys up to 56 bytes) live inside the object: a point read
// creates two iterators (the index's and a data block's), and a key in a
// std::string past its 15 bytes of small-string room was two heap
// allocations and frees per table read.
class KeyBuffer {
 public:
  static constexpr size_t kInline = 64;

  KeyBuffer() = default;
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  size_t size() const { return size_; }
  Slice slice() const { return Slice(data(), size_); }
  void clear() { size_ = 0; }
  // Keeps the first `n` bytes. REQUIRES: n <= size().
  void truncate(size_t n) {
    assert(n <= size_);
    size_ = n;
  }
  void append(const char* p, size_t n) {
    if (n > capacity_ - size_) Grow(size_ + n);
    std::memcpy(data() + size_, p, n);
    size_ += n;
  }

 private:
  char* data() { return heap_ != nullptr ? heap_.get() : inline_; }
  const char* data() const { return heap_ != nullptr ? heap_.get() : inline_; }
  void Grow(size_t need);

  std::unique_ptr<char[]> heap_;  // null while the key fits inline_
  size_t size_ = 0;
  size_t capacity_ = kInline;
  char inline_[kInline];
};

// Iterates a block's entries in order. Errors are sticky: after a malformed
// entry the iterator stays invalid with the Corruption in status().
class BlockIter final : public InternalIterator {
 public:
  // Borrows `comparator` and `block`, which must outlive the iterator
  // unless `pin` holds `block`. `context->file_name`, if set, must also
  // outlive it.
  BlockIter(const Comparator* comparator, const Block* block,
            std::shared_ptr<const Block> pin, BlockErrorContext context);

  bool Valid() const override { return current_ < restarts_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(const Slice& target) override;
  void SeekForPrev(const Slice& target) override;
  void Next() override;
  void Prev() override;
  // key() and value() stay valid until the iterator moves; value() points
  // into the block, which the iterator keeps alive while it is positioned.
  Slice key() const override { return key_.slice(); }
  Slice value() const override { return value_; }
  Status status() const override { return status_; }
  bool NextAndGet(Slice* key, Slice* value) override {
    assert(Valid());
    if (!ParseNextKey()) return false;
    *key = key_.slice();
    *value = value_;
    return true;
  }

  // Seek narrows its binary search with `prefixes`, built over this
  // block's restart keys with their last `suffix_len` bytes cut off (a
  // DB's internal keys: the tag), which must order as the comparator
  // orders the keys (bytewise, then by the cut-off bytes). Borrowed; null
  // searches the restart keys whole. REQUIRES: prefixes->size() is the
  // block's number of restart points.
  void UseRestartPrefixes(const KeyPrefixes* prefixes, size_t suffix_len) {
    assert(prefixes == nullptr || prefixes->size() == num_restarts_);
    restart_prefixes_ = prefixes;
    restart_prefix_suffix_ = suffix_len;
  }
  // Decodes the whole key stored at restart point `index` into `*key`;
  // false (and status() Corruption) if it is malformed.
  // REQUIRES: index < the block's number of restart points.
  bool RestartKey(uint32_t index, Slice* key);

 private:
  // Positions before the entry at restart point `index`.
  void SeekToRestartPoint(uint32_t index);
  // Makes `index` the restart region of the current entry, caching where
  // the region begins and ends.
  void SetRestartIndex(uint32_t index) {
    restart_index_ = index;
    restart_begin_ = block_->RestartPoint(index);
    restart_end_ =
        index + 1 < num_restarts_ ? block_->RestartPoint(index + 1) : restarts_;
  }
  // Decodes the entry at next_ into current_/key_/value_; false at the end
  // of the entries or on corruption (which sets status_).
  bool ParseNextKey();
  void CorruptionError(uint32_t entry_offset);
  void MarkInvalid() {
    current_ = restarts_;
    next_ = restarts_;
  }

  const Comparator* const comparator_;
  const Block* const block_;
  const std::shared_ptr<const Block> pin_;
  const BlockErrorContext context_;
  const char* const data_;
  const uint32_t restarts_;  // end of the entries
  const uint32_t num_restarts_;
  const KeyPrefixes* restart_prefixes_ = nullptr;
  size_t restart_prefix_suffix_ = 0;

  uint32_t current_;  // offset of the current entry; restarts_ if invalid
  uint32_t next_;     // offset just past the current entry
  uint32_t restart_index_ = 0;  // restart region holding current_
  // Offsets of restart point restart_index_ and of the next one (restarts_
  // past the last): read once per region, not once per entry.
  uint32_t restart_begin_ = 0;
  uint32_t restart_end_ = 0;
  KeyBuffer key_;
  Slice value_;
  Status status_;
};

}  // namespace strata::internal
