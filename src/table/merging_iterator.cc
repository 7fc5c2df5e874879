#include "table/merging_iterator.h"

#include <cassert>
#include <cstddef>
#include <string>
#include <utility>

#include "key/internal_key.h"

namespace strata::internal {
namespace {

// A binary heap of the valid children, whose top is the current entry.
//
// Invariants, with (k, c) the current entry (key k of child c) and
// "before"/"after" meaning the merged order (key, then child index):
//  1. Forward: every child other than c is positioned at its first entry
//     after (k, c), or is exhausted. Reverse: at its last entry before
//     (k, c), or exhausted.
//  2. heap_ holds exactly the valid children, ordered so that heap_[0] is
//     the first in the direction of travel (min-heap forward, max-heap
//     reverse), and each item's `key` and `value` are its child's current
//     key() and value().
//  3. heap_ is empty when the iterator is not Valid(), in particular after
//     a child reported an error.
class MergingIterator final : public InternalIterator {
 public:
  MergingIterator(const Comparator* comparator,
                  std::vector<std::unique_ptr<InternalIterator>> children,
                  std::vector<uint64_t> max_sequences)
      : comparator_(comparator),
        children_(std::move(children)),
        max_sequences_(std::move(max_sequences)) {
    assert(max_sequences_.empty() || max_sequences_.size() == children_.size());
    heap_.reserve(children_.size());
  }

  bool SkipOlderChildren(const Slice& target, uint64_t sequence,
                         bool forward) override {
    assert(Valid());
    if (max_sequences_.empty()) return false;
    assert(forward == (direction_ == Direction::kForward));
    (void)forward;
    const size_t top = heap_[0].index;
    bool top_moved = false;
    bool any_moved = false;
    // Only children in the heap: the others are exhausted in this
    // direction and stay so.
    const bool forward_travel = direction_ == Direction::kForward;
    for (const HeapItem& item : heap_) {
      if (max_sequences_[item.index] >= sequence) continue;
      const int c = comparator_->Compare(item.key, target);
      if (forward_travel ? c >= 0 : c <= 0) continue;
      if (forward_travel) {
        item.iter->Seek(target);
      } else {
        item.iter->SeekForPrev(target);
      }
      any_moved = true;
      if (item.index == top) top_moved = true;
      if (!item.iter->Valid()) continue;
      // A sorted child lands past the target; one that does not, or whose
      // keys later turn back, is damaged past its checksums (a forged
      // file), and a seek that moved it backward in its own order could
      // make the scan revisit entries forever. From here on its every
      // step is checked.
      const Slice landed = item.iter->key();
      const int l = comparator_->Compare(landed, target);
      if (forward_travel ? l < 0 : l > 0) {
        OutOfOrder(item.index, "a skip to " + InternalKeyDebugString(target) +
                                   " landed on " +
                                   InternalKeyDebugString(landed));
        return true;  // moved, to invalid: the caller re-checks Valid()
      }
      Watch(item.index, landed);
    }
    if (any_moved) RebuildHeap();
    // A child that failed its seek empties the heap: "moved", to invalid.
    return top_moved || heap_.empty();
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    Unwatch();
    for (auto& child : children_) child->SeekToFirst();
    direction_ = Direction::kForward;
    RebuildHeap();
  }

  void SeekToLast() override {
    Unwatch();
    for (auto& child : children_) child->SeekToLast();
    direction_ = Direction::kReverse;
    RebuildHeap();
  }

  void Seek(const Slice& target) override {
    Unwatch();
    for (auto& child : children_) child->Seek(target);
    direction_ = Direction::kForward;
    RebuildHeap();
  }

  void SeekForPrev(const Slice& target) override {
    Unwatch();
    for (auto& child : children_) child->SeekForPrev(target);
    direction_ = Direction::kReverse;
    RebuildHeap();
  }

  void Next() override {
    assert(Valid());
    if (direction_ == Direction::kReverse) {
      SwitchToForward();
      return;
    }
    HeapItem& top = heap_[0];
    ReplaceTop(top.iter->NextAndGet(&top.key, &top.value));
  }

  void Prev() override {
    assert(Valid());
    if (direction_ == Direction::kForward) {
      SwitchToReverse();
      return;
    }
    HeapItem& top = heap_[0];
    top.iter->Prev();
    const bool valid = top.iter->Valid();
    if (valid) {
      top.key = top.iter->key();
      top.value = top.iter->value();
    }
    ReplaceTop(valid);
  }

  bool NextAndGet(Slice* key, Slice* value) override {
    Next();
    if (!Valid()) return false;
    *key = heap_[0].key;
    *value = heap_[0].value;
    return true;
  }

  Slice key() const override {
    assert(Valid());
    return heap_[0].key;
  }

  Slice value() const override {
    assert(Valid());
    return heap_[0].value;
  }

  Status status() const override {
    if (!order_status_.ok()) return order_status_;
    for (const auto& child : children_) {
      Status s = child->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  enum class Direction { kForward, kReverse };

  struct HeapItem {
    InternalIterator* iter;
    Slice key;     // iter->key(), cached: valid until iter moves
    Slice value;   // iter->value(), likewise
    size_t index;  // position in children_, the tie-breaker
  };

  // True if `a` is yielded before `b` in the current direction.
  bool Before(const HeapItem& a, const HeapItem& b) const {
    const int c = comparator_->Compare(a.key, b.key);
    if (direction_ == Direction::kForward) {
      return c < 0 || (c == 0 && a.index < b.index);
    }
    return c > 0 || (c == 0 && a.index > b.index);
  }

  void SiftDown(size_t pos) {
    const size_t n = heap_.size();
    while (true) {
      const size_t left = 2 * pos + 1;
      if (left >= n) return;
      size_t best = left;
      if (left + 1 < n && Before(heap_[left + 1], heap_[left])) best = left + 1;
      if (!Before(heap_[best], heap_[pos])) return;
      std::swap(heap_[pos], heap_[best]);
      pos = best;
    }
  }

  // Restores the heap after the top child moved one step: `valid` says
  // whether it is still Valid(), its key and value then cached in the item.
  void ReplaceTop(bool valid) {
    HeapItem& top = heap_[0];
    if (valid) {
      if (!watched_.empty() && watched_[top.index] && !StepInOrder(top)) {
        return;
      }
    } else if (!top.iter->status().ok()) {
      heap_.clear();
      return;
    } else {
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown(0);
  }

  // Builds the heap from every child's position. If any child failed, the
  // iterator becomes invalid instead.
  void RebuildHeap() {
    heap_.clear();
    for (size_t i = 0; i < children_.size(); ++i) {
      InternalIterator* child = children_[i].get();
      if (child->Valid()) {
        heap_.push_back(HeapItem{child, child->key(), child->value(), i});
      } else if (!child->status().ok()) {
        heap_.clear();
        return;
      }
    }
    for (size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
  }

  // Next() while moving backward. Moves every other child to its first entry
  // after the current one (k, c): for a child i > c that is its first entry
  // >= k; for i < c, entries equal to k come before (k, c) and are skipped.
  void SwitchToForward() {
    Unwatch();
    InternalIterator* current = heap_[0].iter;
    const size_t c = heap_[0].index;
    // Stays valid: `current` does not move until the others are placed.
    const Slice k = heap_[0].key;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (i == c) continue;
      InternalIterator* child = children_[i].get();
      child->Seek(k);
      if (i < c) {
        while (child->Valid() && comparator_->Compare(child->key(), k) == 0) {
          child->Next();
        }
      }
    }
    current->Next();
    direction_ = Direction::kForward;
    RebuildHeap();
  }

  // Prev() while moving forward: the mirror image of SwitchToForward().
  // Each other child goes to its last entry before (k, c): for i < c its last
  // entry <= k; for i > c, entries equal to k come after (k, c) and are
  // skipped.
  void SwitchToReverse() {
    Unwatch();
    InternalIterator* current = heap_[0].iter;
    const size_t c = heap_[0].index;
    const Slice k = heap_[0].key;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (i == c) continue;
      InternalIterator* child = children_[i].get();
      child->SeekForPrev(k);
      if (i > c) {
        while (child->Valid() && comparator_->Compare(child->key(), k) == 0) {
          child->Prev();
        }
      }
    }
    current->Prev();
    direction_ = Direction::kReverse;
    RebuildHeap();
  }

  // Starts (or goes on) checking that child `index`, now at `key`, moves
  // strictly in the direction of travel.
  void Watch(size_t index, const Slice& key) {
    if (watched_.empty()) {
      watched_.assign(children_.size(), false);
      watched_keys_.resize(children_.size());
    }
    watched_[index] = true;
    watched_keys_[index].assign(key.data(), key.size());
  }

  // A Seek* or a change of direction places every child afresh: the
  // user's call, finite on its own; the checks start again with the next
  // skip.
  void Unwatch() {
    if (!watched_.empty()) watched_.assign(children_.size(), false);
    order_status_ = Status::OK();
  }

  // The watched child of `top` stepped to `top.key`: true if that is
  // strictly after its previous key, else the iterator fails.
  bool StepInOrder(const HeapItem& top) {
    std::string& last = watched_keys_[top.index];
    const int c = comparator_->Compare(top.key, Slice(last));
    if (direction_ == Direction::kForward ? c <= 0 : c >= 0) {
      OutOfOrder(
          top.index,
          "key " + InternalKeyDebugString(top.key) +
              (direction_ == Direction::kForward ? " after " : " before ") +
              InternalKeyDebugString(Slice(last)));
      return false;
    }
    last.assign(top.key.data(), top.key.size());
    return true;
  }

  // Fails the iterator: child `index` is out of order, as `what` says.
  void OutOfOrder(size_t index, const std::string& what) {
    order_status_ = Status::Corruption(
        "merged source " + std::to_string(index) + " is out of order", what);
    heap_.clear();
  }

  const Comparator* const comparator_;
  const std::vector<std::unique_ptr<InternalIterator>> children_;
  const std::vector<uint64_t> max_sequences_;  // empty: skipping disabled
  std::vector<HeapItem> heap_;
  Direction direction_ = Direction::kForward;
  // Children moved by SkipOlderChildren since the last Seek* or change of
  // direction, each with the key it last stood at (empty until the first
  // skip).
  std::vector<bool> watched_;
  std::vector<std::string> watched_keys_;
  Status order_status_;  // a watched child went out of order
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    const Comparator* comparator,
    std::vector<std::unique_ptr<InternalIterator>> children) {
  assert(comparator != nullptr);
  if (children.empty()) return NewErrorInternalIterator(Status::OK());
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(comparator, std::move(children),
                                           std::vector<uint64_t>());
}

std::unique_ptr<InternalIterator> NewMergingIterator(
    const Comparator* comparator,
    std::vector<std::unique_ptr<InternalIterator>> children,
    std::vector<uint64_t> max_sequences) {
  assert(comparator != nullptr);
  assert(max_sequences.size() == children.size());
  if (children.empty()) return NewErrorInternalIterator(Status::OK());
  // A single child is kept inside a merge so that skipping still works.
  return std::make_unique<MergingIterator>(comparator, std::move(children),
                                           std::move(max_sequences));
}

}  // namespace strata::internal
