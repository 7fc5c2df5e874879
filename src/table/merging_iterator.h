// NewMergingIterator: one sorted view over several sorted iterators (the
// memtables and table files of a read, or the inputs of a compaction).
//
// The merged sequence is the union of the children's entries, ordered by
// the comparator; entries with equal keys are ordered by child index (lower
// first; the DB passes its sources newest first), and within one child by
// that child's own order. Backward iteration yields exactly the reverse.
//
// Errors: status() is the first non-OK status among the children, in child
// order. When a child fails, the merged iterator becomes invalid instead of
// going on without it; a later Seek* re-checks every child.
//
// A child that SkipOlderChildren moved is checked from then on (until the
// next Seek* or change of direction): it must land past the target and
// then move strictly in the direction of travel, or the merged iterator
// becomes invalid with Corruption. A child whose sorted order is broken
// past its checksums (a forged file) could otherwise, jumped backward in
// its own order by a skip, make a scan revisit entries forever. Children
// never skipped move only by Next/Prev and cannot revisit an entry.
//
// Thread-safety: like any InternalIterator, one thread at a time.

#pragma once

#include <memory>
#include <vector>

#include "base/internal_iterator.h"
#include "strata/comparator.h"

namespace strata::internal {

// Merges `children` (taking ownership) in `comparator` order. With no
// children the result is always invalid (and OK); with one child the result
// may be that child itself.
// REQUIRES: `comparator` is non-null and outlives the returned iterator;
// every child is non-null and sorted by `comparator`.
std::unique_ptr<InternalIterator> NewMergingIterator(
    const Comparator* comparator,
    std::vector<std::unique_ptr<InternalIterator>> children);

// As above, with `max_sequences[i]` the largest sequence number child i
// can hold, which enables SkipOlderChildren (keys must then be DB internal
// keys). REQUIRES: max_sequences.size() == children.size().
std::unique_ptr<InternalIterator> NewMergingIterator(
    const Comparator* comparator,
    std::vector<std::unique_ptr<InternalIterator>> children,
    std::vector<uint64_t> max_sequences);

}  // namespace strata::internal
