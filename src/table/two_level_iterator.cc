#include "table/two_level_iterator.h"

#include <cassert>
#include <utility>

namespace strata::internal {

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<InternalIterator> index_iter,
                                   BlockOpener opener)
    : index_iter_(std::move(index_iter)), opener_(std::move(opener)) {}

Status TwoLevelIterator::status() const {
  if (!status_.ok()) return status_;
  Status s = index_iter_->status();
  if (!s.ok()) return s;
  if (data_iter_ != nullptr) return data_iter_->status();
  return Status::OK();
}

bool TwoLevelIterator::Healthy() const {
  return status_.ok() && index_iter_->status().ok() &&
         (data_iter_ == nullptr || data_iter_->status().ok());
}

void TwoLevelIterator::SetDataIterator(std::unique_ptr<InternalIterator> iter) {
  if (data_iter_ != nullptr && status_.ok()) status_ = data_iter_->status();
  data_iter_ = std::move(iter);
}

void TwoLevelIterator::InitDataBlock() {
  if (!index_iter_->Valid()) {
    SetDataIterator(nullptr);
    data_block_value_.clear();
    return;
  }
  const Slice value = index_iter_->value();
  if (data_iter_ != nullptr && value == Slice(data_block_value_)) return;
  std::unique_ptr<InternalIterator> iter;
  Status s = opener_(value, &iter);
  if (!s.ok()) {
    SetDataIterator(nullptr);
    if (status_.ok()) status_ = std::move(s);
    data_block_value_.clear();
    return;
  }
  SetDataIterator(std::move(iter));
  data_block_value_.assign(value.data(), value.size());
}

void TwoLevelIterator::SkipEmptyDataBlocksForward() {
  while (data_iter_ == nullptr || !data_iter_->Valid()) {
    if (!Healthy() || !index_iter_->Valid()) return;
    index_iter_->Next();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToFirst();
  }
}

void TwoLevelIterator::SkipEmptyDataBlocksBackward() {
  while (data_iter_ == nullptr || !data_iter_->Valid()) {
    if (!Healthy() || !index_iter_->Valid()) return;
    index_iter_->Prev();
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToLast();
  }
}

void TwoLevelIterator::SeekToFirst() {
  if (!Healthy()) return;
  index_iter_->SeekToFirst();
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekToFirst();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToLast() {
  if (!Healthy()) return;
  index_iter_->SeekToLast();
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekToLast();
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::Seek(const Slice& target) {
  if (!Healthy()) return;
  // The first index key >= target locates the only block that can hold
  // the first entry >= target, unless that block's entries are all
  // smaller: then it is the first entry of a later block.
  index_iter_->Seek(target);
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->Seek(target);
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekForPrev(const Slice& target) {
  if (!Healthy()) return;
  // Every entry of the blocks after the first index key >= target is
  // greater than target; when no index key is >= target, the answer is
  // in the last block.
  index_iter_->Seek(target);
  if (!index_iter_->Valid()) {
    if (!index_iter_->status().ok()) return;
    index_iter_->SeekToLast();
  }
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekForPrev(target);
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::Next() {
  assert(Valid());
  data_iter_->Next();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::Prev() {
  assert(Valid());
  data_iter_->Prev();
  SkipEmptyDataBlocksBackward();
}

}  // namespace strata::internal
