#include "base/arena.h"

#include <cassert>
#include <cstdint>

namespace strata::internal {

char* Arena::AllocateFallback(size_t bytes) {
  if (bytes > block_size_ / 4) {
    // A large object gets its own block so the current one keeps its space.
    return AllocateNewBlock(bytes);
  }
  alloc_ptr_ = AllocateNewBlock(block_size_);
  alloc_bytes_remaining_ = block_size_;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::AllocateAligned(size_t bytes) {
  constexpr size_t kAlign =
      alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  return AllocateAligned(bytes, kAlign);
}

char* Arena::AllocateAligned(size_t bytes, size_t align) {
  assert(align > 0 && (align & (align - 1)) == 0 &&
         align <= alignof(std::max_align_t));
  const size_t mod = reinterpret_cast<uintptr_t>(alloc_ptr_) & (align - 1);
  const size_t slop = mod == 0 ? 0 : align - mod;
  const size_t needed = bytes + slop;
  char* result;
  if (needed <= alloc_bytes_remaining_) {
    result = alloc_ptr_ + slop;
    alloc_ptr_ += needed;
    alloc_bytes_remaining_ -= needed;
  } else {
    // New blocks come from operator new[], which aligns for any scalar.
    result = AllocateFallback(bytes);
  }
  assert((reinterpret_cast<uintptr_t>(result) & (align - 1)) == 0);
  return result;
}

char* Arena::AllocateNewBlock(size_t block_bytes) {
  blocks_.push_back(std::make_unique_for_overwrite<char[]>(block_bytes));
  // relaxed: statistic only.
  memory_usage_.fetch_add(block_bytes + sizeof(std::unique_ptr<char[]>),
                          std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace strata::internal
