#include "table/block_buffer.h"

#include <algorithm>
#include <array>
#include <cstddef>
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
    // Newest first: the sizes this thread asked for last are the likeliest.
    for (size_t i = s.count; i-- > 0;) {
      BlockBuffer& b = s.buffers[i];
      if (b.capacity >= size && b.capacity - size <= kMaxSlack) {
        BlockBuffer out = std::move(b);
        std::move(s.buffers.begin() + static_cast<ptrdiff_t>(i) + 1,
                  s.buffers.begin() + static_cast<ptrdiff_t>(s.count),
                  s.buffers.begin() + static_cast<ptrdiff_t>(i));
        --s.count;
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
  if (s.count == kStashSize) {
    // Full: the oldest goes (freed here), so that a stash filled with
    // sizes no longer asked for (a scan's whole blocks, say) makes room
    // for the ones asked for now (a point read's units).
    std::move(s.buffers.begin() + 1, s.buffers.end(), s.buffers.begin());
    --s.count;
  }
  s.buffers[s.count++] = BlockBuffer{std::move(data), capacity};
}

size_t StashedBlockBuffers() { return stash_gone ? 0 : stash.count; }

}  // namespace strata::internal
