// Block buffers, recycled per thread.
//
// A read that misses the block cache decompresses into a fresh buffer of a
// few KiB and, as it inserts the block, usually evicts another block whose
// buffer is freed. With glibc such sizes take the slow paths of malloc and
// free (they are past its per-thread caches), and the freed buffer's header
// is a cold cache line. Instead, a block's destructor gives its buffer to a
// small per-thread stash, and the next buffer this thread asks for is taken
// from it when the sizes are close (the newest such buffer first; a full
// stash gives up its oldest).
//
// Memory: at most kStashSize buffers of at most kMaxRecycledBytes each per
// thread, freed when the thread exits.

#pragma once

#include <cstddef>
#include <memory>

namespace strata::internal {

struct BlockBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;  // bytes `data` holds
};

// A buffer of at least `size` bytes (at least 1), recycled when one close
// enough in size is stashed, else newly allocated with its capacity rounded
// up so that blocks of nearly equal sizes can share buffers.
BlockBuffer AcquireBlockBuffer(size_t size);

// Gives a buffer of `capacity` bytes back for reuse by this thread, or frees
// it (too large, or the thread is exiting). A full stash frees its oldest
// buffer to keep this one.
void RecycleBlockBuffer(std::unique_ptr<char[]> data, size_t capacity);

// How many buffers this thread has stashed (for tests).
size_t StashedBlockBuffers();

}  // namespace strata::internal
