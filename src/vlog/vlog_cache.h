// VlogCache: the open value-log files of one DB, by number, so that a
// read by pointer opens a file once, not on every value.
//
// Bounded: past `capacity` open files the least recently used is closed
// (readers holding it keep it open until they let go). A file deleted as
// obsolete is evicted first.
//
// Thread-safety: every method is safe from any thread; reads run outside
// the cache's lock.

#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_reader.h"

namespace strata::internal::vlog {

class Cache {
 public:
  // Files are `VlogFileName(dbname, number)` in `env` (borrowed); with
  // `mmap_reads` they are mapped (Reader::Open).
  Cache(Env* env, std::string dbname, size_t capacity, bool mmap_reads);

  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The value `pointer` names, in a file of `file_size` bytes (as the
  // MANIFEST records it), whose record must hold `key` (Reader::Get).
  [[nodiscard]] Status Read(const ValuePointer& pointer, uint64_t file_size,
                            const Slice& key, bool verify_checksum,
                            std::string* value);

  // The reader of file `number`, opened (and its header checked) on first
  // use.
  [[nodiscard]] Status Find(uint64_t number, uint64_t file_size,
                            std::shared_ptr<const Reader>* reader);

  // Closes file `number` once its readers let go.
  void Evict(uint64_t number);

  size_t OpenFilesForTest() const;

 private:
  struct Entry {
    std::shared_ptr<const Reader> reader;
    std::list<uint64_t>::iterator lru;  // position in lru_
  };

  Env* const env_;
  const std::string dbname_;
  const size_t capacity_;
  const bool mmap_reads_;
  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> files_ STRATA_GUARDED_BY(mu_);
  std::list<uint64_t> lru_ STRATA_GUARDED_BY(mu_);  // most recent first
};

}  // namespace strata::internal::vlog
