// DBIter: turns an iterator over internal keys (every version of every key,
// newest first per key) into the user-visible iterator: one entry per live
// user key as of a sequence number, deletions hidden, bounds honoured. In
// a versioned DB also as of a timestamp, or every version (history).
//
// Thread-safety: as strata::Iterator (one thread at a time).

#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/error_iterator.h"
#include "base/internal_iterator.h"
#include "key/internal_key.h"
#include "key/range_tombstone.h"
#include "strata/iterator.h"
#include "strata/options.h"

namespace strata::internal {

// DBIterOptions::sample_period's default: with 100-byte values about one
// sample per MiB read (LevelDB samples per MiB).
inline constexpr uint64_t kReadSamplePeriod = 8192;

struct DBIterOptions {
  // Orders the keys the iterator yields (and the bounds): the comparator
  // the DB was opened with, without timestamps.
  const Comparator* user_comparator = nullptr;
  SequenceNumber sequence = 0;  // versions above it are invisible
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
  bool keys_only = false;
  // A versioned DB: the source's user keys end in a timestamp
  // (key/versioned_key.h), ordered by `versioned_comparator`. Versions
  // whose timestamp is outside [min_timestamp, max_timestamp] are
  // invisible (max_timestamp is the as-of time).
  bool versioned = false;
  const Comparator* versioned_comparator = nullptr;
  uint64_t min_timestamp = 0;
  uint64_t max_timestamp = ~uint64_t{0};
  // Versioned only: yield every visible version rather than the newest per
  // key; with include_deleted tombstone versions too; at most
  // history_limit after each seek (0: no limit).
  bool all_versions = false;
  bool include_deleted = false;
  uint64_t history_limit = 0;
  // The range tombstones visible at `sequence`, from every source,
  // fragmented with only the newest sequence per fragment (null: none),
  // over the source's user keys (versioned ones in a versioned DB). A
  // version older than the tombstone covering its key is hidden; when the
  // source supports SkipOlderChildren, a covered run is left in one step.
  // Versioned, one entry per key: also the newest timed tombstone at or
  // before max_timestamp per fragment; a key whose newest visible version
  // is older than it is deleted.
  RangeTombstoneListPtr range_tombstones;
  // Turns a value pointer (an entry of type kValuePointer: the value log)
  // into its value, given the entry's stored key. Pointers are resolved
  // when the iterator lands on them (not with keys_only); an error ends
  // the iteration with that status. Null: a pointer met is Corruption.
  std::function<Status(const Slice& stored_key, const Slice& pointer,
                       std::string* value)>
      resolve_pointer;
  // Once it reads true (the DB was restored from a checkpoint), every
  // positioning leaves the iterator invalid with InvalidArgument. Kept
  // alive by the caller's `pinned`. Null: never.
  const std::atomic<bool>* retired = nullptr;
  // Read-triggered compaction: called with the internal key of one source
  // entry in about every `sample_period` read (at random: the gaps are
  // uniform in [1, 2 * sample_period]), for the DB to charge the table it
  // came from if an older one overlaps it. Null: none. May point into
  // NewDBIterator's `pinned`, which outlives it.
  std::function<void(const Slice& internal_key)> sample_read;
  uint64_t sample_period = kReadSamplePeriod;  // >= 1
  // Called at each seek (Seek, SeekForPrev, SeekToFirst, SeekToLast), for
  // the DB to count it among the reads its idle fold waits for. Null: none.
  // May point into `pinned`, as sample_read may.
  std::function<void()> on_seek;
};

// `pinned` is kept alive for the iterator's lifetime (for example the
// memtables and table files `source` reads from), and is released only
// after `source` is destroyed. `options` is taken by value: pass an
// rvalue to move its functions in rather than copy them.
std::unique_ptr<Iterator> NewDBIterator(
    DBIterOptions options, std::unique_ptr<InternalIterator> source,
    std::shared_ptr<const void> pinned);

}  // namespace strata::internal
