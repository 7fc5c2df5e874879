#include "db/table_cache.h"

#include "version/version_set.h"

namespace strata::internal {

// Held by a TablePin: when the metadata the table was pinned to goes, the
// cache gets one pin of the entry back (and the entry into its LRU with
// the last). It keeps the cache alive until then. Armed once the pin is
// set: one that never was gives nothing back (and so may be dropped under
// the cache's lock).
class TableCache::PinToken {
 public:
  PinToken(std::shared_ptr<TableCache> cache, uint64_t number,
           const Table* table)
      : cache_(std::move(cache)), number_(number), table_(table) {}
  ~PinToken() {
    if (armed_) cache_->Unpin(number_, table_);
  }
  PinToken(const PinToken&) = delete;
  PinToken& operator=(const PinToken&) = delete;

  void Arm() { armed_ = true; }

 private:
  const std::shared_ptr<TableCache> cache_;
  const uint64_t number_;
  const Table* const table_;
  bool armed_ = false;
};

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
      if (it->second.pins == 0) {
        lru_.splice(lru_.begin(), lru_, it->second.lru_position);
      }
      *table = it->second.table;
      return Status::OK();
    }
  }
  // Open without the lock: it reads the footer, index and filter. Two
  // threads may open the same table at once; the first insert wins.
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
    // Opened meanwhile by another thread (and perhaps pinned since): one
    // table object per file, so that its blocks are cached once.
    if (it->second.pins == 0) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_position);
    }
    *table = it->second.table;
    return Status::OK();
  }
  lru_.push_front(number);
  tables_.emplace(number, Entry{shared, 0, lru_.begin()});
  EvictLocked();
  *table = std::move(shared);
  return Status::OK();
}

Status TableCache::Find(const FileMetaData& f,
                        std::shared_ptr<const Table>* table) {
  if (f.table.get() != nullptr) {
    *table = f.table.shared();
    return Status::OK();
  }
  return Find(f.number, f.file_size, table);
}

Status TableCache::FindAndPin(const FileMetaData& f,
                              std::shared_ptr<const Table>* table) {
  if (f.table.get() != nullptr) {
    *table = f.table.shared();
    return Status::OK();
  }
  STRATA_RETURN_IF_ERROR(Find(f.number, f.file_size, table));
  MutexLock lock(&mu_);
  TryPinLocked(f, f.number, *table);
  return Status::OK();
}

Status TableCache::Borrow(const FileMetaData& f,
                          std::shared_ptr<const Table>* holder,
                          const Table** table) {
  *table = f.table.get();
  if (*table != nullptr) return Status::OK();
  STRATA_RETURN_IF_ERROR(FindAndPin(f, holder));
  *table = holder->get();
  return Status::OK();
}

void TableCache::TryPinLocked(const FileMetaData& f, uint64_t number,
                              const std::shared_ptr<const Table>& table) {
  auto it = tables_.find(number);
  // Evicted since Find (or replaced): left unpinned; a later read pins it.
  if (it == tables_.end() || it->second.table != table) return;
  // A quarter of the capacity stays an LRU for the tables past the pinned
  // ones.
  if (it->second.pins == 0 && pinned_ >= max_open_files_ - max_open_files_ / 4)
    return;
  // Owned by a std::shared_ptr (a DB's is): the tokens keep it alive.
  std::shared_ptr<TableCache> self = weak_from_this().lock();
  if (self == nullptr) return;
  auto token = std::make_shared<PinToken>(std::move(self), number, table.get());
  // Set fails when another thread pinned a table to `f` first; the token,
  // unarmed, then gives nothing back.
  if (!f.table.Set(table, token)) return;
  token->Arm();
  if (it->second.pins++ == 0) {
    lru_.erase(it->second.lru_position);
    ++pinned_;
  }
}

void TableCache::Unpin(uint64_t number, const Table* table) {
  MutexLock lock(&mu_);
  auto it = tables_.find(number);
  // Evicted meanwhile (its file deleted): nothing left to give back.
  if (it == tables_.end() || it->second.table.get() != table) return;
  if (--it->second.pins > 0) return;
  --pinned_;
  lru_.push_front(number);
  it->second.lru_position = lru_.begin();
  EvictLocked();
}

void TableCache::EvictLocked() {
  while (tables_.size() > max_open_files_ && !lru_.empty()) {
    tables_.erase(lru_.back());
    lru_.pop_back();
  }
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

std::unique_ptr<InternalIterator> TableCache::NewIterator(
    const TableReadOptions& ro, const FileMetaData& f) {
  std::shared_ptr<const Table> table;
  Status s = FindAndPin(f, &table);
  if (!s.ok()) return NewErrorInternalIterator(std::move(s));
  const Table* raw = table.get();
  return raw->NewIterator(ro, std::move(table));
}

void TableCache::Evict(uint64_t number) {
  MutexLock lock(&mu_);
  auto it = tables_.find(number);
  if (it == tables_.end()) return;
  if (it->second.pins == 0) {
    lru_.erase(it->second.lru_position);
  } else {
    --pinned_;
  }
  tables_.erase(it);
}

size_t TableCache::OpenTables() const {
  MutexLock lock(&mu_);
  return tables_.size();
}

size_t TableCache::PinnedTables() const {
  MutexLock lock(&mu_);
  return pinned_;
}

}  // namespace strata::internal
