// TableCache: the open table files of a DB, bounded in number.
//
// Opening a table reads its footer, index and filter, so open tables are
// kept in an LRU of at most `max_open_files` entries keyed by file number.
// Tables are shared: a reader or iterator holds a std::shared_ptr, so an
// evicted table stays usable (and its descriptor open) until released.
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

namespace strata::internal {

class TableCache {
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

  // An iterator over table `number`; it keeps the table open while alive.
  // On error, an iterator whose status() says why.
  std::unique_ptr<InternalIterator> NewIterator(const TableReadOptions& ro,
                                                uint64_t number,
                                                uint64_t file_size);

  // Forgets table `number` (its file is being deleted).
  void Evict(uint64_t number);

  size_t OpenTables() const;

 private:
  struct Entry {
    std::shared_ptr<const Table> table;
    std::list<uint64_t>::iterator lru_position;
  };

  Env* const env_;
  const std::string dbname_;
  const TableOptions table_options_;
  const size_t max_open_files_;
  const bool mmap_reads_;

  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_ STRATA_GUARDED_BY(mu_);
  std::list<uint64_t> lru_ STRATA_GUARDED_BY(mu_);  // front = most recent
};

}  // namespace strata::internal
