// TableCache: the open table files of a DB, bounded in number.
//
// Opening a table reads its footer, index and filter, so open tables are
// kept, at most `max_open_files` of them, keyed by file number. Tables are
// shared: a reader or iterator holds a std::shared_ptr, so an evicted table
// stays usable (and its descriptor open) until released.
//
// Up to three quarters of them are pinned to the FileMetaData of the
// versions that name them (FileMetaData::table, a TablePin): a read finds
// such a table through the version it holds, without this cache's lock,
// hash lookup or LRU update, and it stays open until the last metadata
// naming it is gone. Only reads pin (Borrow, and NewIterator given the
// metadata): the tables reads use, not the ones a checksum pass or a
// compaction goes through once. The rest are an LRU, least recently used
// closed first.
//
// The cache's lock is a leaf: nothing else is locked while it is held, and
// nothing that may own a FileMetaData (a version) is released under it —
// the last metadata naming a pinned table gives its pin back through that
// lock.
//
// Thread-safety: every method is safe to call from many threads.

#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/internal_iterator.h"
#include "base/mutex.h"
#include "strata/env.h"
#include "table/table.h"
#include "version/version_edit.h"

namespace strata::internal {

class TableCache : public std::enable_shared_from_this<TableCache> {
 public:
  // Borrows `env` and everything `table_options` points to.
  // With `mmap_reads`, tables are opened through
  // Env::NewMappedRandomAccessFile (Options::allow_mmap_reads).
  TableCache(Env* env, std::string dbname, const TableOptions& table_options,
             size_t max_open_files, bool mmap_reads = false);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // The open table `number` of `file_size` bytes, opening it if needed.
  Status Find(uint64_t number, uint64_t file_size,
              std::shared_ptr<const Table>* table);
  // The open table of `f`: its pinned one, or else as above (not pinning
  // it).
  Status Find(const FileMetaData& f, std::shared_ptr<const Table>* table);
  // The open table of `f` at `*table`, for as long as the caller keeps `f`
  // alive (it holds a version naming it): the pinned one, with `*holder`
  // left alone, or else one Find gives, held in `*holder` and pinned to
  // `f` if the cache has room (and is owned by a std::shared_ptr). For the
  // reads that look up a table per level.
  Status Borrow(const FileMetaData& f, std::shared_ptr<const Table>* holder,
                const Table** table);

  // An iterator over table `number` (or `f`'s, pinning it as Borrow does);
  // it keeps the table open while alive. On error, an iterator whose
  // status() says why.
  std::unique_ptr<InternalIterator> NewIterator(const TableReadOptions& ro,
                                                uint64_t number,
                                                uint64_t file_size);
  std::unique_ptr<InternalIterator> NewIterator(const TableReadOptions& ro,
                                                const FileMetaData& f);

  // Forgets table `number` (its file is being deleted: no version names
  // it, so no metadata pins it; one that still did would keep its table
  // open outside the count).
  void Evict(uint64_t number);

  size_t OpenTables() const;
  // Of those, the ones pinned to some FileMetaData.
  size_t PinnedTables() const;

 private:
  class PinToken;
  struct Entry {
    std::shared_ptr<const Table> table;
    // The FileMetaData it is pinned to; 0: it is in lru_, at lru_position.
    uint32_t pins = 0;
    std::list<uint64_t>::iterator lru_position;
  };

  // Find(f.number, ...), then pins the table to `f` if there is room.
  Status FindAndPin(const FileMetaData& f, std::shared_ptr<const Table>* table);
  // Pins `table` (entry `number`) to `f` if there is room. REQUIRES: mu_.
  void TryPinLocked(const FileMetaData& f, uint64_t number,
                    const std::shared_ptr<const Table>& table)
      STRATA_REQUIRES(mu_);
  // A PinToken's end: one pin of `table` (entry `number`) fewer.
  void Unpin(uint64_t number, const Table* table) STRATA_EXCLUDES(mu_);
  // Closes LRU tables past the capacity. REQUIRES: mu_.
  void EvictLocked() STRATA_REQUIRES(mu_);

  Env* const env_;
  const std::string dbname_;
  const TableOptions table_options_;
  const size_t max_open_files_;
  const bool mmap_reads_;

  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_ STRATA_GUARDED_BY(mu_);
  std::list<uint64_t> lru_ STRATA_GUARDED_BY(mu_);  // front = most recent
  size_t pinned_ STRATA_GUARDED_BY(mu_) = 0;        // entries with pins > 0
};

}  // namespace strata::internal
