#include "db/level_iterator.h"

#include <algorithm>
#include <cstring>

#include "table/two_level_iterator.h"

namespace strata::internal {
namespace {

// The "index" of a level: one entry per file, keyed by the file's largest
// internal key, whose value is the address of the file's metadata (which
// the caller keeps alive: see NewLevelIterator).
class FileListIterator final : public InternalIterator {
 public:
  FileListIterator(
      const InternalKeyComparator* icmp,
      const std::vector<std::shared_ptr<const FileMetaData>>* files)
      : icmp_(icmp), files_(files), index_(files->size()) {}

  bool Valid() const override { return index_ < files_->size(); }
  void SeekToFirst() override { index_ = 0; }
  void SeekToLast() override {
    index_ = files_->empty() ? files_->size() : files_->size() - 1;
  }
  void Seek(const Slice& target) override {
    // First file whose largest key is >= target.
    auto it = std::lower_bound(
        files_->begin(), files_->end(), target,
        [this](const std::shared_ptr<const FileMetaData>& f, const Slice& t) {
          return icmp_->Compare(f->largest.Encode(), t) < 0;
        });
    index_ = static_cast<size_t>(it - files_->begin());
  }
  void SeekForPrev(const Slice& target) override {
    // The file that may hold the last key <= target: the first whose
    // largest key is >= target; if its smallest key is above target, the
    // answer lies in the file before it.
    Seek(target);
    if (index_ < files_->size() &&
        icmp_->Compare((*files_)[index_]->smallest.Encode(), target) <= 0) {
      return;
    }
    index_ = index_ == 0 ? files_->size() : index_ - 1;
  }
  void Next() override { ++index_; }
  void Prev() override { index_ = index_ == 0 ? files_->size() : index_ - 1; }
  Slice key() const override { return (*files_)[index_]->largest.Encode(); }
  Slice value() const override {
    const FileMetaData* f = (*files_)[index_].get();
    std::memcpy(value_buf_, &f, sizeof(f));
    return Slice(value_buf_, sizeof(value_buf_));
  }
  Status status() const override { return Status::OK(); }

 private:
  const InternalKeyComparator* const icmp_;
  const std::vector<std::shared_ptr<const FileMetaData>>* const files_;
  size_t index_;
  mutable char value_buf_[sizeof(const FileMetaData*)];
};

// A level's iterator: the file list, and each file's table iterator
// opened as the iterator reaches it.
class LevelIterator final : public TwoLevelIterator {
 public:
  LevelIterator(const InternalKeyComparator* icmp, TableCache* table_cache,
                const TableReadOptions& options,
                const std::vector<std::shared_ptr<const FileMetaData>>* files)
      : TwoLevelIterator(std::make_unique<FileListIterator>(icmp, files),
                         std::shared_ptr<const void>()),
        table_cache_(table_cache),
        options_(options) {}

 protected:
  Status OpenBlock(const Slice& file_value,
                   std::unique_ptr<InternalIterator>* iter) override {
    const FileMetaData* f = nullptr;
    if (file_value.size() != sizeof(f)) {
      return Status::Corruption("level iterator", "bad file entry");
    }
    std::memcpy(&f, file_value.data(), sizeof(f));
    // A scan that goes on into the next table goes on counting its run.
    TableReadOptions options = options_;
    options.scan_run = &scan_run_;
    options.continues_run = Continuing();
    *iter = table_cache_->NewIterator(options, *f);
    return Status::OK();
  }

  // A seek starts a new run, wherever it lands.
  void OnSeek() override { scan_run_ = 0; }

 private:
  TableCache* const table_cache_;
  const TableReadOptions options_;
  // Blocks read in order so far by the tables' cursors (TableReadOptions::
  // scan_run), which touch it only while they are used, never as they are
  // destroyed (after it).
  int scan_run_ = 0;
};

}  // namespace

std::unique_ptr<InternalIterator> NewLevelIterator(
    const InternalKeyComparator* icmp, TableCache* table_cache,
    const TableReadOptions& options,
    const std::vector<std::shared_ptr<const FileMetaData>>* files) {
  return std::make_unique<LevelIterator>(icmp, table_cache, options, files);
}

}  // namespace strata::internal
