#include "table/block_buffer.h"

#include <array>
#include <utility>

namespace strata::internal {
namespace {

constexpr size_t kStashSize = 4;
// Larger buffers (big blocks, whole meta blocks) are rare: not worth keeping.
constexpr size_t kMaxRecycledBytes = 64 << 10;
// New buffers are rounded up to this, and a stashed buffer serves a request
// it exceeds by at most kMaxSlack, which bounds the memory a reused buffer
// wastes (and the block cache charges for it).
constexpr size_t kRounding = 256;
constexpr size_t kMaxSlack = 512;

struct Stash {
  std::array<BlockBuffer, kStashSize> buffers;
  size_t count = 0;
  ~Stash();
};

// Trivially destructible, so that it can still be read while (or after) the
// thread's other thread_local objects are destroyed: a block released by a
// later destructor (a static cache at process exit, say) then frees its
// buffer instead of touching a destroyed stash.
thread_local bool stash_gone = false;
thread_local Stash stash;

Stash::~Stash() { stash_gone = true; }

}  // namespace

BlockBuffer AcquireBlockBuffer(size_t size) {
  if (size == 0) size = 1;
  if (!stash_gone) {
    Stash& s = stash;
    for (size_t i = 0; i < s.count; ++i) {
      BlockBuffer& b = s.buffers[i];
      if (b.capacity >= size && b.capacity - size <= kMaxSlack) {
        BlockBuffer out = std::move(b);
        --s.count;
        if (i != s.count) b = std::move(s.buffers[s.count]);
        return out;
      }
    }
  }
  const size_t capacity = (size + kRounding - 1) / kRounding * kRounding;
  return BlockBuffer{std::make_unique_for_overwrite<char[]>(capacity),
                     capacity};
}

void RecycleBlockBuffer(std::unique_ptr<char[]> data, size_t capacity) {
  if (data == nullptr || capacity == 0 || capacity > kMaxRecycledBytes ||
      stash_gone) {
    return;
  }
  Stash& s = stash;
  if (s.count == kStashSize) return;  // `data` is freed here
  s.buffers[s.count++] = BlockBuffer{std::move(data), capacity};
}

size_t StashedBlockBuffers() { return stash_gone ? 0 : stash.count; }

}  // namespace strata::internal
