#include "table/two_level_iterator.h"

#include <cassert>
#include <utility>

namespace strata::internal {

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<InternalIterator> index_iter,
                                   BlockOpener opener,
                                   std::shared_ptr<const void> pin)
    : pin_(std::move(pin)),
      index_(std::move(index_iter)),
      opener_(std::move(opener)) {}

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<InternalIterator> index_iter,
                                   std::shared_ptr<const void> pin)
    : pin_(std::move(pin)), index_(std::move(index_iter)) {}

Status TwoLevelIterator::OpenBlock(const Slice& index_value,
                                   std::unique_ptr<InternalIterator>* iter) {
  assert(opener_ && "a subclass built without an opener overrides OpenBlock");
  return opener_(index_value, iter);
}

Status TwoLevelIterator::status() const {
  if (!status_.ok()) return status_;
  Status s = index_.status();
  if (!s.ok()) return s;
  return data_.status();
}

bool TwoLevelIterator::Healthy() const {
  return status_.ok() && index_.status().ok() && data_.status().ok();
}

void TwoLevelIterator::SetDataIterator(std::unique_ptr<InternalIterator> iter) {
  if (data_.get() != nullptr && status_.ok()) status_ = data_.status();
  data_.Set(std::move(iter));
}

void TwoLevelIterator::InitDataBlock() {
  if (!index_.Valid()) {
    SetDataIterator(nullptr);
    data_block_value_.clear();
    return;
  }
  const Slice value = index_.value();
  if (data_.get() != nullptr && value == Slice(data_block_value_)) return;
  std::unique_ptr<InternalIterator> iter;
  Status s = OpenBlock(value, &iter);
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
  while (!data_.Valid()) {
    if (!Healthy() || !index_.Valid()) return;
    index_.Next();
    continuing_ = true;
    InitDataBlock();
    continuing_ = false;
    if (data_.get() != nullptr) data_.SeekToFirst();
  }
}

void TwoLevelIterator::SkipEmptyDataBlocksBackward() {
  while (!data_.Valid()) {
    if (!Healthy() || !index_.Valid()) return;
    index_.Prev();
    continuing_ = true;
    InitDataBlock();
    continuing_ = false;
    if (data_.get() != nullptr) data_.SeekToLast();
  }
}

void TwoLevelIterator::SeekToFirst() {
  if (!Healthy()) return;
  OnSeek();
  index_.SeekToFirst();
  InitDataBlock();
  if (data_.get() != nullptr) data_.SeekToFirst();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToLast() {
  if (!Healthy()) return;
  OnSeek();
  index_.SeekToLast();
  InitDataBlock();
  if (data_.get() != nullptr) data_.SeekToLast();
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::Seek(const Slice& target) {
  if (!Healthy()) return;
  OnSeek();
  // The first index key >= target locates the only block that can hold
  // the first entry >= target, unless that block's entries are all
  // smaller: then it is the first entry of a later block.
  index_.Seek(target);
  InitDataBlock();
  if (data_.get() != nullptr) data_.Seek(target);
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekForPrev(const Slice& target) {
  if (!Healthy()) return;
  OnSeek();
  // Every entry of the blocks after the first index key >= target is
  // greater than target; when no index key is >= target, the answer is
  // in the last block.
  index_.Seek(target);
  if (!index_.Valid()) {
    if (!index_.status().ok()) return;
    index_.SeekToLast();
  }
  InitDataBlock();
  if (data_.get() != nullptr) data_.SeekForPrev(target);
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::Next() {
  assert(Valid());
  data_.Next();
  if (!data_.Valid()) SkipEmptyDataBlocksForward();
}

bool TwoLevelIterator::NextAndGet(Slice* key, Slice* value) {
  // Next(), spelled out so that a step is one call (the compiler kept
  // Next() out of line).
  assert(Valid());
  data_.Next();
  if (!data_.Valid()) SkipEmptyDataBlocksForward();
  if (!Valid()) return false;
  *key = data_.key();
  *value = data_.value();
  return true;
}

void TwoLevelIterator::Prev() {
  assert(Valid());
  data_.Prev();
  if (!data_.Valid()) SkipEmptyDataBlocksBackward();
}

}  // namespace strata::internal
