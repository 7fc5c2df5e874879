// InternalIterator: the iterator every storage source (memtable, table,
// merging and level iterators) exposes to the DB. Keys are internal keys
// (key/internal_key.h); ordering is the source's comparator.
//
// Thread-safety: one thread at a time. key()/value() stay valid until the
// iterator moves. Errors are kept in status(); an iterator with a non-OK
// status is not Valid().

#pragma once

#include <memory>
#include <utility>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

class InternalIterator {
 public:
  InternalIterator() = default;
  InternalIterator(const InternalIterator&) = delete;
  InternalIterator& operator=(const InternalIterator&) = delete;
  virtual ~InternalIterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry >= target.
  virtual void Seek(const Slice& target) = 0;
  // Last entry <= target.
  virtual void SeekForPrev(const Slice& target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual Slice key() const = 0;
  virtual Slice value() const = 0;
  virtual Status status() const = 0;

  // Next(), then whether the iterator is Valid() and, when it is, its
  // key() and value() (left alone otherwise): one virtual call for what
  // an iterator stacked on this one asks after every step. The default
  // asks each in turn; the iterators a scan steps through (blocks, a
  // table's data blocks, tables, levels, merges, memtables) override it.
  // REQUIRES: Valid().
  virtual bool NextAndGet(Slice* key, Slice* value) {
    Next();
    if (!Valid()) return false;
    *key = this->key();
    *value = this->value();
    return true;
  }

  // Range-deletion support (only merging iterators implement it). Moves
  // every child whose entries all have a sequence below `sequence` (as
  // declared when the merge was built) past `target` in the direction of
  // travel: forward, to its first entry >= target, if it stands before
  // it; backward, to its last entry <= target, if it stands after it.
  // Returns true if the child of the current entry moved (the iterator
  // now stands at a later entry in the direction of travel, or is no
  // longer Valid() after an error); false if it did not (other children
  // may have; the caller steps with Next/Prev).
  // The default does nothing and returns false.
  // REQUIRES: Valid(); `forward` is the direction of the last move.
  virtual bool SkipOlderChildren(const Slice& target, uint64_t sequence,
                                 bool forward) {
    (void)target;
    (void)sequence;
    (void)forward;
    return false;
  }
};

// Owns an InternalIterator and caches its Valid(), key() and value() after
// every move, so that an iterator stacked on others (two-level) reads them
// without a virtual call per question, and steps it forward with one
// (NextAndGet). Holds no iterator at first (then it is not Valid() and its
// status is OK).
class IteratorWrapper {
 public:
  IteratorWrapper() = default;
  explicit IteratorWrapper(std::unique_ptr<InternalIterator> iter) {
    Set(std::move(iter));
  }

  // Replaces the iterator (which may be null) and returns the old one.
  std::unique_ptr<InternalIterator> Set(
      std::unique_ptr<InternalIterator> iter) {
    std::swap(iter_, iter);
    Update();
    return iter;
  }
  InternalIterator* get() const { return iter_.get(); }

  bool Valid() const { return valid_; }
  Slice key() const { return key_; }      // REQUIRES: Valid()
  Slice value() const { return value_; }  // REQUIRES: Valid()
  Status status() const {
    return iter_ == nullptr ? Status::OK() : iter_->status();
  }

  void SeekToFirst() {
    iter_->SeekToFirst();
    Update();
  }
  void SeekToLast() {
    iter_->SeekToLast();
    Update();
  }
  void Seek(const Slice& target) {
    iter_->Seek(target);
    Update();
  }
  void SeekForPrev(const Slice& target) {
    iter_->SeekForPrev(target);
    Update();
  }
  void Next() { valid_ = iter_->NextAndGet(&key_, &value_); }
  void Prev() {
    iter_->Prev();
    Update();
  }

 private:
  void Update() {
    valid_ = iter_ != nullptr && iter_->Valid();
    if (valid_) {
      key_ = iter_->key();
      value_ = iter_->value();
    }
  }

  std::unique_ptr<InternalIterator> iter_;
  bool valid_ = false;
  Slice key_;
  Slice value_;
};

// An iterator with no entries whose status() is `status` (how a source
// that failed to open reports itself inside a merge).
std::unique_ptr<InternalIterator> NewErrorInternalIterator(Status status);

}  // namespace strata::internal
