#include "db/level_iterator.h"

#include <algorithm>

#include "base/coding.h"
#include "table/two_level_iterator.h"

namespace strata::internal {
namespace {

// The "index" of a level: one entry per file, keyed by the file's largest
// internal key, whose value is the file's number and size.
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
    EncodeFixed64(value_buf_, (*files_)[index_]->number);
    EncodeFixed64(value_buf_ + 8, (*files_)[index_]->file_size);
    return Slice(value_buf_, sizeof(value_buf_));
  }
  Status status() const override { return Status::OK(); }

 private:
  const InternalKeyComparator* const icmp_;
  const std::vector<std::shared_ptr<const FileMetaData>>* const files_;
  size_t index_;
  mutable char value_buf_[16];
};

}  // namespace

std::unique_ptr<InternalIterator> NewLevelIterator(
    const InternalKeyComparator* icmp, TableCache* table_cache,
    const TableReadOptions& options,
    const std::vector<std::shared_ptr<const FileMetaData>>* files) {
  auto index = std::make_unique<FileListIterator>(icmp, files);
  BlockOpener opener = [table_cache, options](
                           const Slice& file_value,
                           std::unique_ptr<InternalIterator>* iter) -> Status {
    if (file_value.size() != 16) {
      return Status::Corruption("level iterator", "bad file entry");
    }
    *iter = table_cache->NewIterator(options, DecodeFixed64(file_value.data()),
                                     DecodeFixed64(file_value.data() + 8));
    return Status::OK();
  };
  return std::make_unique<TwoLevelIterator>(std::move(index),
                                            std::move(opener));
}

}  // namespace strata::internal
