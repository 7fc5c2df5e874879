// vlog::Cache: see vlog_cache.h.

#include "vlog/vlog_cache.h"

#include <utility>
#include <vector>

#include "base/result.h"
#include "env/filename.h"

namespace strata::internal::vlog {

Cache::Cache(Env* env, std::string dbname, size_t capacity, bool mmap_reads)
    : env_(env),
      dbname_(std::move(dbname)),
      capacity_(capacity),
      mmap_reads_(mmap_reads) {}

Status Cache::Find(uint64_t number, uint64_t file_size,
                   std::shared_ptr<const Reader>* reader) {
  {
    MutexLock lock(&mu_);
    const auto it = files_.find(number);
    if (it != files_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      *reader = it->second.reader;
      return Status::OK();
    }
  }
  // Opened outside the lock; a racing open of the same file keeps the
  // first one cached.
  std::unique_ptr<Reader> opened;
  STRATA_RETURN_IF_ERROR(Reader::Open(env_, VlogFileName(dbname_, number),
                                      number, file_size, mmap_reads_, &opened));
  std::shared_ptr<const Reader> shared = std::move(opened);
  std::vector<std::shared_ptr<const Reader>> closed;  // outside the lock
  MutexLock lock(&mu_);
  const auto [it, inserted] = files_.try_emplace(number);
  if (inserted) {
    lru_.push_front(number);
    it->second.reader = std::move(shared);
    it->second.lru = lru_.begin();
    while (files_.size() > capacity_ && lru_.size() > 1) {
      const auto victim = files_.find(lru_.back());
      closed.push_back(std::move(victim->second.reader));
      files_.erase(victim);
      lru_.pop_back();
    }
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  *reader = it->second.reader;
  return Status::OK();
}

Status Cache::Read(const ValuePointer& pointer, uint64_t file_size,
                   const Slice& key, bool verify_checksum, std::string* value) {
  std::shared_ptr<const Reader> reader;
  STRATA_RETURN_IF_ERROR(Find(pointer.file_number, file_size, &reader));
  return reader->Get(pointer, key, verify_checksum, value);
}

void Cache::Evict(uint64_t number) {
  std::shared_ptr<const Reader> gone;  // released outside the lock
  MutexLock lock(&mu_);
  const auto it = files_.find(number);
  if (it == files_.end()) return;
  gone = std::move(it->second.reader);
  lru_.erase(it->second.lru);
  files_.erase(it);
}

size_t Cache::OpenFilesForTest() const {
  MutexLock lock(&mu_);
  return files_.size();
}

}  // namespace strata::internal::vlog
