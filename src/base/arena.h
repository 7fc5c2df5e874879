// Arena: bump allocation for memtable entries, freed all at once.
//
// Thread-safety: Allocate* may be called by one thread at a time (the
// memtable's single writer); MemoryUsage() may be read from any thread.
// Memory handed out stays valid, and never moves, until the Arena dies.

#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace strata::internal {

class Arena {
 public:
  // Memory is reserved from the system in blocks of `block_size` bytes
  // (larger requests get their own block).
  explicit Arena(size_t block_size = kDefaultBlockSize)
      : block_size_(block_size < 256 ? 256 : block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `bytes` bytes with no particular alignment. REQUIRES: bytes > 0.
  char* Allocate(size_t bytes);
  // Returns `bytes` bytes aligned for any scalar type. REQUIRES: bytes > 0.
  char* AllocateAligned(size_t bytes);
  // Returns `bytes` bytes aligned to `align`, a power of two no larger
  // than alignof(std::max_align_t) (objects packed closer than any
  // scalar's alignment would put them). REQUIRES: bytes > 0.
  char* AllocateAligned(size_t bytes, size_t align);

  // Bytes reserved from the system, including bookkeeping.
  size_t MemoryUsage() const {
    // relaxed: a statistic; no data is published through it.
    return memory_usage_.load(std::memory_order_relaxed);
  }

 private:
  static constexpr size_t kDefaultBlockSize = 4096 * 16;

  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);

  const size_t block_size_;
  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace strata::internal
