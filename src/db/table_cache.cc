#include "db/table_cache.h"

#include "version/version_set.h"

namespace strata::internal {

TableCache::TableCache(Env* env, std::string dbname,
                       const TableOptions& table_options, size_t max_open_files,
                       bool mmap_reads)
    : env_(env),
      dbname_(std::move(dbname)),
      table_options_(table_options),
      max_open_files_(max_open_files < 1 ? 1 : max_open_files),
      mmap_reads_(mmap_reads) {}

Status TableCache::Find(uint64_t number, uint64_t file_size,
                        std::shared_ptr<const Table>* table) {
  {
    MutexLock lock(&mu_);
    auto it = tables_.find(number);
    if (it != tables_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_position);
      *table = it->second.table;
      return Status::OK();
    }
  }
  // Open without the lock: it reads the footer, index and filter. Two
  // threads may open the same table at once; the second insert wins.
  const std::string path = TableFileName(dbname_, number);
  std::unique_ptr<RandomAccessFile> file;
  const Status open = mmap_reads_ ? env_->NewMappedRandomAccessFile(path, &file)
                                  : env_->NewRandomAccessFile(path, &file);
  // A table the version names and the directory lacks is damage, never
  // "not found": a read must not report an absent key for it.
  if (open.IsNotFound()) {
    return Status::Corruption(path, "is missing (the MANIFEST names it)");
  }
  STRATA_RETURN_IF_ERROR(open);
  std::unique_ptr<Table> opened;
  const size_t slash = path.rfind('/');
  STRATA_RETURN_IF_ERROR(Table::Open(table_options_, std::move(file), file_size,
                                     path.substr(slash + 1), &opened));
  std::shared_ptr<const Table> shared(std::move(opened));

  MutexLock lock(&mu_);
  auto it = tables_.find(number);
  if (it != tables_.end()) {
    it->second.table = shared;
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
  } else {
    lru_.push_front(number);
    tables_.emplace(number, Entry{shared, lru_.begin()});
    while (tables_.size() > max_open_files_) {
      tables_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  *table = std::move(shared);
  return Status::OK();
}

std::unique_ptr<InternalIterator> TableCache::NewIterator(
    const TableReadOptions& ro, uint64_t number, uint64_t file_size) {
  std::shared_ptr<const Table> table;
  Status s = Find(number, file_size, &table);
  if (!s.ok()) return NewErrorInternalIterator(std::move(s));
  const Table* raw = table.get();
  // The iterator keeps the table open, even if the cache closes it.
  return raw->NewIterator(ro, std::move(table));
}

void TableCache::Evict(uint64_t number) {
  MutexLock lock(&mu_);
  auto it = tables_.find(number);
  if (it == tables_.end()) return;
  lru_.erase(it->second.lru_position);
  tables_.erase(it);
}

size_t TableCache::OpenTables() const {
  MutexLock lock(&mu_);
  return tables_.size();
}

}  // namespace strata::internal
