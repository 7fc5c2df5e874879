// TwoLevelIterator: iterates the entries of a sequence of blocks through an
// index iterator whose values locate the blocks (a table's index block over
// its data blocks). Blocks without entries are skipped in both directions.
//
// Errors stop iteration: when the index iterator, a block's iterator or
// opening a block fails, the iterator becomes invalid and stays so, with
// the first error in status(). It never skips a damaged block and goes on.
//
// Thread-safety: one thread at a time, like every InternalIterator.

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/internal_iterator.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

// Opens the iterator over the block an index entry's value locates. On
// failure returns the error (naming the file and offset) and leaves
// `*iter` alone.
using BlockOpener = std::function<Status(
    const Slice& index_value, std::unique_ptr<InternalIterator>* iter)>;

class TwoLevelIterator : public InternalIterator {
 public:
  // REQUIRES: the index keys separate the blocks: every key of block i is
  // <= index key i, and index key i < every key of block i+1.
  // `pin` (may be null) is kept alive as long as the iterator: the table
  // the blocks come from.
  TwoLevelIterator(std::unique_ptr<InternalIterator> index_iter,
                   BlockOpener opener,
                   std::shared_ptr<const void> pin = nullptr);

  bool Valid() const final { return data_.Valid() && status_.ok(); }
  void SeekToFirst() final;
  void SeekToLast() final;
  void Seek(const Slice& target) final;
  void SeekForPrev(const Slice& target) final;
  void Next() final;
  void Prev() final;
  Slice key() const final { return data_.key(); }
  Slice value() const final { return data_.value(); }
  Status status() const final;
  bool NextAndGet(Slice* key, Slice* value) final;

 protected:
  // For a subclass that opens its blocks itself (OpenBlock), holding what
  // that needs in its own members: one allocation for the iterator, where
  // a BlockOpener's closure may need another.
  TwoLevelIterator(std::unique_ptr<InternalIterator> index_iter,
                   std::shared_ptr<const void> pin);

  // Opens the iterator over the block `index_value` locates, as a
  // BlockOpener does. The default calls the opener given.
  virtual Status OpenBlock(const Slice& index_value,
                           std::unique_ptr<InternalIterator>* iter);

  // While OpenBlock runs: whether the block follows the one before it in
  // index order, the cursor having stepped past that one's entries (by
  // Next or Prev, or a seek past its last), rather than a seek's.
  bool Continuing() const { return continuing_; }

  // Called as each Seek, SeekForPrev, SeekToFirst and SeekToLast begins
  // (before any block opens: a seek may land in the open block and open
  // none). The default does nothing.
  virtual void OnSeek() {}

 private:
  // Opens the block of the current index entry into data_, or clears data_
  // when the index is not positioned. Keeps the open block when the entry
  // locates it already.
  void InitDataBlock();
  // Replaces the data iterator, first keeping any error the old one had.
  void SetDataIterator(std::unique_ptr<InternalIterator> iter);
  void SkipEmptyDataBlocksForward();
  void SkipEmptyDataBlocksBackward();
  // No error so far, in this iterator or the ones it holds.
  bool Healthy() const;

  std::shared_ptr<const void> pin_;  // declared first: destroyed last
  IteratorWrapper index_;
  BlockOpener opener_;  // empty where a subclass opens the blocks
  IteratorWrapper data_;
  std::string data_block_value_;  // index value data_ was opened for
  Status status_;                 // first error seen; sticky
  bool continuing_ = false;       // see Continuing()
};

}  // namespace strata::internal
