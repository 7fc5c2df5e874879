#include "table/block.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/coding.h"
#include "table/block_buffer.h"

namespace strata::internal {
namespace {

constexpr size_t kRestartWidth = sizeof(uint32_t);

// Decodes the header of the entry at `p` (see docs/table_format.md#blocks).
// Returns the start of the key delta, or nullptr if the entry is malformed
// or its key delta and value do not fit before `limit`.
const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                        uint32_t* non_shared, uint32_t* value_length) {
  p = GetVarint32Ptr(p, limit, shared);
  if (p == nullptr) return nullptr;
  p = GetVarint32Ptr(p, limit, non_shared);
  if (p == nullptr) return nullptr;
  p = GetVarint32Ptr(p, limit, value_length);
  if (p == nullptr) return nullptr;
  if (static_cast<uint64_t>(limit - p) <
      static_cast<uint64_t>(*non_shared) + *value_length) {
    return nullptr;
  }
  return p;
}

}  // namespace

Status Block::CheckLayout(const char* data, size_t size,
                          uint32_t* restarts_offset_out,
                          uint32_t* num_restarts_out) {
  if (size < kRestartWidth) return Status::Corruption("block too short");
  if (size > UINT32_MAX) return Status::Corruption("block too large");
  const uint32_t num_restarts = DecodeFixed32(data + size - kRestartWidth);
  if (num_restarts > (size - kRestartWidth) / kRestartWidth) {
    return Status::Corruption("block restart count exceeds the block");
  }
  const auto restarts_offset = static_cast<uint32_t>(
      size - kRestartWidth - num_restarts * kRestartWidth);
  if (num_restarts == 0) {
    if (restarts_offset != 0) {
      return Status::Corruption("block has entries but no restart points");
    }
  } else {
    if (restarts_offset == 0) {
      return Status::Corruption("block has restart points but no entries");
    }
    // Restart offsets must start at 0, increase, and stay inside the
    // entries: the binary search relies on it.
    uint32_t previous = 0;
    for (uint32_t i = 0; i < num_restarts; ++i) {
      const uint32_t r =
          DecodeFixed32(data + restarts_offset + i * kRestartWidth);
      if ((i == 0 && r != 0) || (i > 0 && r <= previous) ||
          r >= restarts_offset) {
        return Status::Corruption("block restart array is malformed");
      }
      previous = r;
    }
  }
  *restarts_offset_out = restarts_offset;
  *num_restarts_out = num_restarts;
  return Status::OK();
}

Result<std::unique_ptr<Block>> Block::Parse(std::unique_ptr<char[]> buffer,
                                            size_t size, size_t allocated) {
  assert(size <= allocated);
  uint32_t restarts_offset = 0;
  uint32_t num_restarts = 0;
  STRATA_RETURN_IF_ERROR(
      CheckLayout(buffer.get(), size, &restarts_offset, &num_restarts));
  return std::make_unique<Block>(Passkey{}, std::move(buffer), size, allocated,
                                 restarts_offset, num_restarts);
}

Result<std::shared_ptr<const Block>> Block::ParseShared(
    std::unique_ptr<char[]> buffer, size_t size, size_t allocated) {
  assert(size <= allocated);
  uint32_t restarts_offset = 0;
  uint32_t num_restarts = 0;
  STRATA_RETURN_IF_ERROR(
      CheckLayout(buffer.get(), size, &restarts_offset, &num_restarts));
  // One allocation for the object and its reference counts, so that the
  // cache evicting a block touches one fewer cold line.
  return std::make_shared<const Block>(Passkey{}, std::move(buffer), size,
                                       allocated, restarts_offset,
                                       num_restarts);
}

Result<std::unique_ptr<Block>> Block::ParseCopy(const Slice& contents) {
  const size_t n = contents.size();
  auto buffer = std::make_unique_for_overwrite<char[]>(n == 0 ? 1 : n);
  if (n > 0) std::memcpy(buffer.get(), contents.data(), n);
  return Parse(std::move(buffer), n, n);
}

Block::Block(Passkey, std::unique_ptr<char[]> buffer, size_t size,
             size_t allocated, uint32_t restarts_offset, uint32_t num_restarts)
    : buffer_(std::move(buffer)),
      size_(size),
      allocated_(allocated),
      restarts_offset_(restarts_offset),
      num_restarts_(num_restarts) {}

Block::~Block() { RecycleBlockBuffer(std::move(buffer_), allocated_); }

void KeyBuffer::Grow(size_t need) {
  const size_t capacity = std::max(need, 2 * capacity_);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  std::memcpy(grown.get(), data(), size_);
  heap_ = std::move(grown);
  capacity_ = capacity;
}

BlockIter::BlockIter(const Comparator* comparator, const Block* block,
                     std::shared_ptr<const Block> pin,
                     BlockErrorContext context)
    : comparator_(comparator),
      block_(block),
      pin_(std::move(pin)),
      context_(context),
      data_(block->data()),
      restarts_(block->restarts_offset()),
      num_restarts_(block->num_restarts()),
      current_(restarts_),
      next_(restarts_) {
  if (num_restarts_ > 0) {
    SetRestartIndex(0);
  } else {
    restart_begin_ = restarts_;
    restart_end_ = restarts_;
  }
}

void BlockIter::CorruptionError(uint32_t entry_offset) {
  const std::string file =
      context_.file_name != nullptr ? *context_.file_name : "<block>";
  status_ = Status::Corruption(
      file + " offset " + std::to_string(context_.block_offset),
      "malformed entry at byte " + std::to_string(entry_offset) +
          " of the block");
  MarkInvalid();
  key_.clear();
  value_ = Slice();
}

void BlockIter::SeekToRestartPoint(uint32_t index) {
  key_.clear();
  SetRestartIndex(index);
  next_ = restart_begin_;
}

bool BlockIter::ParseNextKey() {
  current_ = next_;
  if (current_ >= restarts_) {
    MarkInvalid();
    return false;
  }
  uint32_t shared = 0;
  uint32_t non_shared = 0;
  uint32_t value_length = 0;
  const char* p = DecodeEntry(data_ + current_, data_ + restarts_, &shared,
                              &non_shared, &value_length);
  if (p == nullptr || shared > key_.size()) {
    CorruptionError(current_);
    return false;
  }
  // Track the restart region; an entry may not straddle a restart point,
  // and the entry at a restart point stores its whole key. (restart_end_
  // is restarts_, past every entry, in the last region.)
  while (restart_end_ <= current_) {
    if (restart_end_ < current_) {
      CorruptionError(current_);
      return false;
    }
    SetRestartIndex(restart_index_ + 1);
  }
  if (shared != 0 && restart_begin_ == current_) {
    CorruptionError(current_);
    return false;
  }
  const auto next =
      static_cast<uint32_t>(p + non_shared + value_length - data_);
  // The next restart point may not fall inside this entry either (the
  // check above sees only restart points up to this entry's start; the
  // last entry would otherwise hide one, and SeekToLast or Seek would
  // decode from the middle of it). Found by fuzz_block.
  if (restart_end_ < next) {
    CorruptionError(current_);
    return false;
  }
  if (shared + non_shared < context_.min_key_size) {
    // Too short to be a key of this table (an internal key has its 8-byte
    // tag): comparing it would read outside it. Found by fuzz_table.
    CorruptionError(current_);
    return false;
  }
  key_.truncate(shared);
  key_.append(p, non_shared);
  value_ = Slice(p + non_shared, value_length);
  next_ = next;
  return true;
}

bool BlockIter::RestartKey(uint32_t index, Slice* key) {
  const uint32_t offset = block_->RestartPoint(index);
  uint32_t shared = 0;
  uint32_t non_shared = 0;
  uint32_t value_length = 0;
  const char* p = DecodeEntry(data_ + offset, data_ + restarts_, &shared,
                              &non_shared, &value_length);
  if (p == nullptr || shared != 0 || non_shared < context_.min_key_size) {
    CorruptionError(offset);
    return false;
  }
  *key = Slice(p, non_shared);
  return true;
}

void BlockIter::SeekToFirst() {
  if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
  SeekToRestartPoint(0);
  ParseNextKey();
}

void BlockIter::SeekToLast() {
  if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
  SeekToRestartPoint(num_restarts_ - 1);
  while (ParseNextKey() && next_ < restarts_) {
  }
}

void BlockIter::Seek(const Slice& target) {
  if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
  // Find the last restart point whose key is < target; every entry before
  // it is smaller still.
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  if (restart_prefixes_ != nullptr && target.size() >= restart_prefix_suffix_) {
    // Restart keys [0, lo) are below target and [hi, n) above it: the last
    // below it is lo - 1 or one of the ties [lo, hi), if any is below.
    size_t lo = 0;
    size_t hi = 0;
    restart_prefixes_->Narrow(
        Slice(target.data(), target.size() - restart_prefix_suffix_), &lo, &hi);
    left = lo > 0 ? static_cast<uint32_t>(lo - 1) : 0;
    right = hi > 0 ? static_cast<uint32_t>(hi - 1) : 0;
  }
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    Slice mid_key;
    if (!RestartKey(mid, &mid_key)) return;
    if (comparator_->Compare(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestartPoint(left);
  while (ParseNextKey()) {
    if (comparator_->Compare(key_.slice(), target) >= 0) return;
  }
}

void BlockIter::SeekForPrev(const Slice& target) {
  Seek(target);
  if (!status_.ok()) return;
  if (!Valid()) return SeekToLast();
  // Keys are distinct, so at most one step back is needed.
  if (comparator_->Compare(key_.slice(), target) > 0) Prev();
}

void BlockIter::Next() {
  assert(Valid());
  ParseNextKey();
}

void BlockIter::Prev() {
  assert(Valid());
  const uint32_t original = current_;
  uint32_t index = restart_index_;
  while (block_->RestartPoint(index) >= original) {
    if (index == 0) {
      MarkInvalid();  // `original` was the first entry
      return;
    }
    --index;
  }
  SeekToRestartPoint(index);
  do {
    if (!ParseNextKey()) return;
  } while (next_ < original);
  if (next_ != original) CorruptionError(current_);
}

}  // namespace strata::internal
