// SkipList: the sorted, lock-free-for-readers index of a memtable.
//
// Thread-safety: one writer at a time (callers serialise Insert, e.g. under
// the DB mutex or as the write-group leader) and any number of readers
// (Contains, Iterator) running concurrently with that writer, without locks.
// The comparator is called from all of these threads at once, so it must be
// safe for concurrent use.
//
// Ownership: borrows `arena`, which must outlive the list; every node lives
// in the arena. Keys are copied into nodes by value and never destroyed (the
// arena frees raw memory), so `Key` must be trivially destructible. When Key
// is a pointer, or refers to bytes through `referenced()` (the memtable's
// TableKey, to its entry), the bytes it refers to must be written before
// the key is inserted (Insert, InsertAscending) and must outlive the list.
//
// Invariants:
//  1. Nodes are never removed or freed until the arena dies, so a pointer a
//     reader has loaded stays valid for the reader's whole lifetime.
//  2. At every level, the list is strictly increasing by the comparator; the
//     nodes at level i+1 are a subset of those at level i, and level 0 holds
//     every node. Hence any search may start at any level <= the true height
//     and still be correct, only slower.
//  3. A node's key and its next pointers are written before the node is
//     linked in. Linking is a release store of the predecessor's next
//     pointer at that level; readers follow next pointers with acquire loads
//     (the only way to reach a node), so a reader that sees a node also sees
//     its key and the next pointers at that level and below. Insert links
//     bottom-up and readers only descend, so a reader never follows a level
//     of a node that was not yet initialised when the reader found it.
//  4. max_height_ only grows and is a relaxed atomic. It publishes no data:
//     a reader that sees a stale (smaller) height just starts its search
//     lower (invariant 2); a reader that sees the new height before the
//     head's pointer at that level is set loads nullptr there (the head's
//     pointers start as nullptr) and descends. Either way it finds the same
//     nodes.
//  5. Only the writer mutates rnd_, max_height_, tail_, the search scratch
//     and next pointers, so the writer may read them with relaxed loads;
//     writers are ordered by the caller's external synchronisation.

#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <vector>

#include "base/arena.h"
#include "base/random.h"

namespace strata::internal {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  // Borrows `arena` (must outlive the list). `cmp` is stored by value.
  // cmp: int operator()(const Key& a, const Key& b) const (three-way:
  // <0, 0, >0), safe to call from several threads at once.
  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Adds `key`.
  // REQUIRES: nothing comparing equal to key is in the list.
  // REQUIRES: external synchronisation between writers (one at a time).
  void Insert(const Key& key);

  // Adds keys[0], ..., keys[n - 1], which ascend. Each search starts from
  // where the one before ended (a "splice": the nodes around the previous
  // key at every level), climbing only as high as the gap to the next key
  // needs, so that a sorted group of random keys touches far fewer nodes
  // than as many Inserts; a large group is cut into up to eight runs whose
  // searches advance in turn, a step each (a comparison, or the climb that
  // starts a key), so that their cache misses overlap. All the searches run
  // before the first key is linked.
  // REQUIRES: as Insert, for every key; keys[i] < keys[i + 1].
  void InsertAscending(const Key* keys, size_t n);

  // True if an entry comparing equal to `key` is in the list.
  bool Contains(const Key& key) const;

  // A position in the list. Safe to use concurrently with Insert; it sees
  // every entry inserted before the call that positioned it and may or may
  // not see entries inserted later. Borrows the list, which must outlive it.
  class Iterator {
   public:
    // Initially not Valid().
    explicit Iterator(const SkipList* list);

    bool Valid() const { return node_ != nullptr; }

    // REQUIRES: Valid()
    const Key& key() const;

    // Moves to the next entry (or past the end: !Valid()).
    // REQUIRES: Valid()
    void Next();

    // Moves to the previous entry (or before the start: !Valid()). There are
    // no back pointers: this searches from the head, O(log n).
    // REQUIRES: Valid()
    void Prev();

    // Moves to the first entry >= target; !Valid() if there is none.
    void Seek(const Key& target);

    // Moves to the last entry <= target; !Valid() if there is none.
    void SeekForPrev(const Key& target);

    // Moves to the first / last entry; !Valid() if the list is empty.
    void SeekToFirst();
    void SeekToLast();

    // How many nodes this iterator's read-ahead asked for since it was
    // last positioned (for tests: a long forward scan should have had
    // about as many asked for as it reached).
    uint64_t ReadAheadNodes() const { return read_ahead_nodes_; }

   private:
    // Read-ahead for long scans. A walk along level 0 is a chain of
    // loads, each waiting on the one before (nodes lie in insertion
    // order, not key order), so it cannot go faster than one memory
    // latency a node. Nodes of level kReadAheadLevel and up cut level 0
    // into segments (16 nodes on average); a frontier walks those nodes,
    // sixteen times fewer, and gives each segment ahead of the scan a lane
    // that walks it at level 0, asking for each node and its key's bytes.
    // Up to kLanes lanes walk at once, so that many loads are on their way
    // together; a lane steps only kLaneDelay Nexts after it asked for its
    // node, so that it rarely waits. Only prefetches come of it: the scan
    // still follows node_'s links, so a concurrent insert changes nothing
    // but what is read ahead.
    static constexpr int kReadAheadLevel = 2;
    static constexpr uint32_t kLanes = 8;
    static constexpr uint64_t kLaneDelay = 4;
    // Nexts after a positioning before read-ahead starts: a short scan
    // pays nothing for it.
    static constexpr uint64_t kReadAheadAfter = 8;
    struct Lane {
      Node* at;        // the node it reached (asked for)
      Node* end;       // the first node of the next segment (or nullptr)
      uint64_t ready;  // the Next count at which it may step again
    };
    // Sets up read-ahead from `start`, a node of height above
    // kReadAheadLevel at or before node_ (head_ included), or none
    // (nullptr).
    void ResetReadAhead(Node* start);
    void ReadAhead();
    // Gives a lane to the segment ending at `end`, walking from `at`, and
    // moves the frontier to `end`. REQUIRES: num_lanes_ < kLanes.
    void AddLane(Node* at, Node* end);

    const SkipList* list_;
    Node* node_ = nullptr;
    // The first node of the next segment to get a lane (nullptr: none),
    // asked for when the Next count was frontier_ready_ - kLaneDelay.
    Node* frontier_ = nullptr;
    uint64_t frontier_ready_ = 0;
    bool synced_ = false;  // the frontier was moved to node_'s segment
    uint64_t nexts_ = 0;   // since positioning
    uint64_t read_ahead_nodes_ = 0;
    // lanes_[(first_lane_ + i) % kLanes] for i < num_lanes_: the segments
    // read ahead, in key order; the first holds node_ or lies after it.
    uint32_t first_lane_ = 0;
    uint32_t num_lanes_ = 0;
    Lane lanes_[kLanes];
  };

 private:
  static constexpr int kMaxHeight = 12;
  // Each node reaches level i+1 with probability 1/kBranching.
  static constexpr int kBranching = 4;
  static constexpr uint64_t kHeightSeed = 0xdeadbeef;

  using Link = std::atomic<Node*>;

  // The key, followed in the same arena allocation by `height` Links
  // (next pointers, level 0 first) at offset kLinksOffset.
  struct Node {
    explicit Node(const Key& k) : key(k) {}

    // acquire: pairs with the release in SetNext, so the node we get back
    // is fully initialised (invariant 3).
    Node* Next(int level) const {
      return Links()[level].load(std::memory_order_acquire);
    }
    // release: publishes everything written to `x` before this store.
    void SetNext(int level, Node* x) {
      Links()[level].store(x, std::memory_order_release);
    }
    // relaxed: only for the writer reading its own pointers (invariant 5)
    // or initialising a node no reader can reach yet.
    Node* NoBarrierNext(int level) const {
      return Links()[level].load(std::memory_order_relaxed);
    }
    void NoBarrierSetNext(int level, Node* x) {
      Links()[level].store(x, std::memory_order_relaxed);
    }

    Link* Links() const {
      // The Links were created by placement new in NewNode right here.
      return std::launder(reinterpret_cast<Link*>(
          reinterpret_cast<char*>(const_cast<Node*>(this)) + kLinksOffset));
    }

    const Key key;
  };

  static constexpr size_t kLinksOffset =
      (sizeof(Node) + alignof(Link) - 1) / alignof(Link) * alignof(Link);

  // Nodes are packed as closely as their members allow (a 16-byte key and
  // one link: 24 bytes, not 32), so that more of them share the cache.
  static constexpr size_t kNodeAlign = alignof(Node) > alignof(Link)
                                           ? alignof(Node)
                                           : alignof(Link);

  static_assert(std::is_trivially_destructible_v<Key>,
                "nodes are never destroyed; Key must not need a destructor");
  static_assert(kNodeAlign <= alignof(std::max_align_t),
                "Arena::AllocateAligned cannot align the node");

  Node* NewNode(const Key& key, int height);
  int RandomHeight();

  // InsertAscending's search state for one run of its keys: keys[k, end)
  // are left; `prev`/`next` bracket the last key found at every level;
  // while a key is being searched, `level` is the level walked, at `x`
  // with `y` = x's next there (level < 0: the next key is not started).
  struct SpliceCursor {
    size_t k = 0;
    size_t end = 0;
    int level = -1;
    Node* x = nullptr;
    Node* y = nullptr;
    Node* prev[kMaxHeight];
    Node* next[kMaxHeight];
  };
  // Searches one step of `c`: records a found key's neighbours (as
  // InsertAscending lays them out) and returns true when it was the run's
  // last. REQUIRES: c->k < c->end.
  bool StepSearch(const Key* keys, SpliceCursor* c, Node** brackets,
                  const size_t* offsets) const;
  // How many runs InsertAscending searches at once, at most, and the
  // fewest keys a run gets: a run's first key is searched from the top,
  // the others from the splice, so a small group is one run.
  static constexpr size_t kSearchCursors = 8;
  static constexpr size_t kMinKeysPerRun = 16;
  // Writer only: InsertAscending's per-key heights (as offsets) and
  // recorded neighbours, kept between groups up to kKeptScratchKeys keys.
  static constexpr size_t kKeptScratchKeys = 4096;
  std::vector<size_t> offsets_;
  std::vector<Node*> brackets_;

  int GetMaxHeight() const {
    // relaxed: see invariant 4.
    return max_height_.load(std::memory_order_relaxed);
  }

  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }

  // The bytes `k` refers to, which a reader of the key will want: a
  // pointer key itself, or what a key type with a `referenced()` member
  // (the memtable's TableKey: its entry) returns; nullptr for a key that
  // holds its own value.
  static const void* ReferencedBytes(const Key& k) {
    if constexpr (std::is_pointer_v<Key>) {
      return k;
    } else if constexpr (requires { k.referenced(); }) {
      return k.referenced();
    } else {
      return nullptr;
    }
  }

  // Asks for the first two lines of the bytes `k` refers to (its entry,
  // for a memtable key), if any: what a scan reads of an entry. Never
  // faults.
  static void PrefetchReferenced(const Key& k) {
    if (const void* bytes = ReferencedBytes(k); bytes != nullptr) {
      const auto at = reinterpret_cast<uintptr_t>(bytes);
      __builtin_prefetch(reinterpret_cast<const void*>(at));
      __builtin_prefetch(reinterpret_cast<const void*>(at + 64));
    }
  }

  // Asks for what a scan reads of node `n` (nullable): its key and its
  // first link, which may lie on the next cache line (nodes are packed to
  // 8 bytes). Never faults.
  static void PrefetchNode(const Node* n) {
    const auto at = reinterpret_cast<uintptr_t>(n);
    __builtin_prefetch(reinterpret_cast<const void*>(at));
    __builtin_prefetch(
        reinterpret_cast<const void*>(at + kLinksOffset + sizeof(Link) - 1));
  }

  // Asks for what a comparison against `n` reads (nullable): when keys are
  // pointers, the bytes they point at (the memtable's entries, apart from
  // the nodes; reading the pointer loads the node itself, which may wait
  // on memory), else the node, where a key that is not a pointer lies (a
  // TableKey, compared by its hint, reads its entry only on a tie). A
  // search calls it for both places it may go next, right and down, before
  // it compares: the misses of the way it takes then overlap its current
  // comparison. Never faults.
  static void PrefetchKeyOf(const Node* n) {
    if (n == nullptr) return;
    if constexpr (std::is_pointer_v<Key>) {
      __builtin_prefetch(n->key);
    } else {
      __builtin_prefetch(n);
    }
  }

  // True if `key` sorts after the entry in `n` (nullptr counts as +infinity).
  bool KeyIsAfterNode(const Key& key, const Node* n) const {
    return n != nullptr && compare_(n->key, key) < 0;
  }

  // The first node >= key, or nullptr. When `prev` is not null, fills
  // prev[level] with the last node < key at each level below the current
  // max height.
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;

  // The last node < key (or <= key when `inclusive`), or head_ if none.
  Node* FindLastBefore(const Key& key, bool inclusive) const;

  // The last node, or head_ if the list is empty.
  Node* FindLast() const;

  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;  // key unused; kMaxHeight levels, all nullptr at first
  std::atomic<int> max_height_{1};
  Random rnd_{kHeightSeed};  // writer only
  // Writer only: the last node at each level (head_ where the level is
  // empty). A key above tail_[0]'s goes after every node, so an insert in
  // ascending order (a sequential load, a time series) needs one
  // comparison instead of a search.
  Node* tail_[kMaxHeight];
};

// ---- Implementation ---------------------------------------------------------

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp), arena_(arena), head_(NewNode(Key{}, kMaxHeight)) {
  for (Node*& t : tail_) t = head_;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(
    const Key& key, int height) {
  char* const mem =
      arena_->AllocateAligned(kLinksOffset + sizeof(Link) * height, kNodeAlign);
  Node* const node = new (mem) Node(key);
  for (int i = 0; i < height; ++i) {
    new (mem + kLinksOffset + sizeof(Link) * i) Link(nullptr);
  }
  return node;
}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  int height = 1;
  while (height < kMaxHeight && rnd_.OneIn(kBranching)) ++height;
  assert(height >= 1 && height <= kMaxHeight);
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node*
SkipList<Key, Comparator>::FindGreaterOrEqual(const Key& key,
                                              Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* const next = x->Next(level);
    if (next != nullptr) PrefetchKeyOf(next->Next(level));
    if (level > 0) PrefetchKeyOf(x->Next(level - 1));
    if (KeyIsAfterNode(key, next)) {
      x = next;  // keep moving right at this level
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node*
SkipList<Key, Comparator>::FindLastBefore(const Key& key,
                                          bool inclusive) const {
  const auto before = [&](const Node* n) {
    const int c = compare_(n->key, key);
    return inclusive ? c <= 0 : c < 0;
  };
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    assert(x == head_ || before(x));
    Node* const next = x->Next(level);
    if (next != nullptr && before(next)) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast()
    const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* const next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  Node* prev[kMaxHeight];
  const int max_height = GetMaxHeight();
  if (tail_[0] == head_ || compare_(tail_[0]->key, key) < 0) {
    // After every node: the last node of each level precedes it.
    for (int i = 0; i < max_height; ++i) prev[i] = tail_[i];
  } else {
    Node* const after = FindGreaterOrEqual(key, prev);
    assert(after == nullptr || !Equal(key, after->key));
    (void)after;  // only checked in debug builds
  }

  const int height = RandomHeight();
  if (height > max_height) {
    for (int i = max_height; i < height; ++i) prev[i] = head_;
    // relaxed: see invariant 4; the new levels are linked below with release
    // stores, and until then readers see nullptr at the head and descend.
    max_height_.store(height, std::memory_order_relaxed);
  }

  Node* const x = NewNode(key, height);
  for (int i = 0; i < height; ++i) {
    // relaxed: x is unreachable until the release store just below.
    x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, x);
    if (x->NoBarrierNext(i) == nullptr) tail_[i] = x;
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::StepSearch(const Key* keys, SpliceCursor* c,
                                           Node** brackets,
                                           const size_t* offsets) const {
  // What comparing against the node the walk moves to reads is asked for
  // as soon as the node is known (loading the node for its key pointer);
  // the comparison comes on the cursor's next turn, after the other
  // cursors' steps.
  const auto walk_to = [c](Node* y) {
    c->y = y;
    PrefetchKeyOf(y);
  };
  const Key& key = keys[c->k];
  if (c->level < 0) {
    // A new key. The lowest level whose splice already brackets it; every
    // level above it does too (its nodes are a subset, so its gap is
    // wider).
    int level = 0;
    while (level < kMaxHeight && KeyIsAfterNode(key, c->next[level])) ++level;
    if (level > 0) {
      // Redo the levels below it, top down, each walking right from the
      // bracket found above it (the top level, if none brackets the key,
      // from its own splice, which lies before the key).
      c->level = level - 1;
      c->x = level < kMaxHeight ? c->prev[level] : c->prev[level - 1];
      walk_to(c->x->NoBarrierNext(c->level));
      return false;
    }
  } else if (KeyIsAfterNode(key, c->y)) {
    c->x = c->y;  // move right
    walk_to(c->x->NoBarrierNext(c->level));
    return false;
  } else {
    c->prev[c->level] = c->x;
    c->next[c->level] = c->y;
    if (c->level > 0) {
      --c->level;  // move down
      walk_to(c->x->NoBarrierNext(c->level));
      return false;
    }
  }
  // Every level brackets the key: record the levels its node will have.
  assert(c->next[0] == nullptr || !Equal(key, c->next[0]->key));
  Node** const b = brackets + 2 * offsets[c->k];
  const auto height = static_cast<int>(offsets[c->k + 1] - offsets[c->k]);
  for (int i = 0; i < height; ++i) {
    b[2 * i] = c->prev[i];
    b[2 * i + 1] = c->next[i];
  }
  c->level = -1;
  return ++c->k == c->end;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::InsertAscending(const Key* keys, size_t n) {
  if (n == 0) return;
#ifndef NDEBUG
  for (size_t k = 1; k < n; ++k) assert(compare_(keys[k - 1], keys[k]) < 0);
#endif
  // Each node's height, drawn first: offsets[k] is the sum of the heights
  // before key k, and brackets[2 * (offsets[k] + i)] and the pointer after
  // it will hold key k's neighbours at level i in the list as it is now.
  std::vector<size_t>& offsets = offsets_;
  std::vector<Node*>& brackets = brackets_;
  offsets.resize(n + 1);
  offsets[0] = 0;
  for (size_t k = 0; k < n; ++k) {
    offsets[k + 1] = offsets[k] + static_cast<size_t>(RandomHeight());
  }
  brackets.resize(2 * offsets[n]);

  // Phase 1, read only: every key's neighbours in the list as it is. The
  // keys are cut into up to kSearchCursors runs; each run is searched as
  // a splice (each key from where the one before it ended), and the runs'
  // searches advance in turn, a step each, so that the entry bytes a
  // cursor compares next, asked for as soon as its next node is known,
  // arrive while the others step: the misses of a large memtable overlap
  // instead of following one another.
  SpliceCursor cursors[kSearchCursors];
  size_t runs = n / kMinKeysPerRun;
  if (runs < 1) runs = 1;
  if (runs > kSearchCursors) runs = kSearchCursors;
  for (size_t r = 0; r < runs; ++r) {
    SpliceCursor& c = cursors[r];
    c.k = n * r / runs;
    c.end = n * (r + 1) / runs;
    assert(c.k < c.end);  // every run has a key, so each one finishes
    c.level = -1;
    for (int i = 0; i < kMaxHeight; ++i) {
      c.prev[i] = head_;
      c.next[i] = head_->NoBarrierNext(i);
    }
  }
  for (size_t active = runs; active > 0;) {
    for (size_t r = 0; r < runs; ++r) {
      SpliceCursor& c = cursors[r];
      if (c.k != c.end &&
          StepSearch(keys, &c, brackets.data(), offsets.data())) {
        --active;
      }
    }
  }

  // Phase 2: link in key order. Between a key's recorded neighbours at a
  // level there may now be nodes of this group, all before the key (keys
  // ascend); the last of them is then the last node this group linked at
  // that level, and its successor is the recorded one. If the last node
  // linked at that level has another successor, no node of the group lies
  // between the recorded pair, and the recorded predecessor still is one.
  // So the predecessor is found without a comparison.
  Node* last[kMaxHeight] = {};
  for (size_t k = 0; k < n; ++k) {
    const auto height = static_cast<int>(offsets[k + 1] - offsets[k]);
    if (height > GetMaxHeight()) {
      // relaxed: see invariant 4 (the new levels' prev is head_, whose
      // pointers there are nullptr until the release stores below).
      max_height_.store(height, std::memory_order_relaxed);
    }
    Node* const x = NewNode(keys[k], height);
    Node* const* const b = brackets.data() + 2 * offsets[k];
    for (int i = 0; i < height; ++i) {
      Node* prev = b[2 * i];
      Node* const next = b[2 * i + 1];
      if (last[i] != nullptr && last[i]->NoBarrierNext(i) == next) {
        prev = last[i];
      }
      assert(prev->NoBarrierNext(i) == next);
      // relaxed: x is unreachable until the release store just below.
      x->NoBarrierSetNext(i, next);
      prev->SetNext(i, x);
      if (next == nullptr) tail_[i] = x;
      last[i] = x;
    }
  }
  if (n > kKeptScratchKeys) {
    // A large group's scratch is not kept.
    std::vector<size_t>().swap(offsets_);
    std::vector<Node*>().swap(brackets_);
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  const Node* const x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

// ---- Iterator ---------------------------------------------------------------

template <typename Key, class Comparator>
SkipList<Key, Comparator>::Iterator::Iterator(const SkipList* list)
    : list_(list) {}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::ResetReadAhead(Node* start) {
  frontier_ = start;
  synced_ = false;
  nexts_ = 0;
  read_ahead_nodes_ = 0;
  first_lane_ = 0;
  num_lanes_ = 0;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::AddLane(Node* at, Node* end) {
  lanes_[(first_lane_ + num_lanes_) % kLanes] = Lane{at, end, nexts_};
  ++num_lanes_;
  // `end` starts the next segment: the frontier moves there and asks for
  // it now, to read its link kLaneDelay Nexts later.
  frontier_ = end;
  if (end != nullptr) {
    __builtin_prefetch(end);
    frontier_ready_ = nexts_ + kLaneDelay;
    ++read_ahead_nodes_;
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::ReadAhead() {
  if (!synced_) {
    // The first time: from the node it was given, the frontier moves to
    // the segment holding node_ (the scan has moved since), whose lane
    // starts at node_ and ends where the walk stopped (read once, so a
    // concurrent insert cannot put that end behind the scan).
    synced_ = true;
    Node* next;
    while ((next = frontier_->Next(kReadAheadLevel)) != nullptr &&
           list_->compare_(next->key, node_->key) <= 0) {
      frontier_ = next;
    }
    AddLane(node_, next);
  } else if (node_ == frontier_) {
    // The scan caught up with the frontier: every segment read ahead is
    // behind it. The frontier node is here (node_): its segment starts
    // now.
    num_lanes_ = 0;
    frontier_ready_ = nexts_;
  } else if (num_lanes_ > 0 && lanes_[first_lane_].end == node_) {
    // The scan left the first segment for the next.
    first_lane_ = (first_lane_ + 1) % kLanes;
    --num_lanes_;
  }
  // A new segment, its first node asked for kLaneDelay Nexts ago.
  if (frontier_ != nullptr && num_lanes_ < kLanes &&
      nexts_ >= frontier_ready_) {
    AddLane(frontier_, frontier_->Next(kReadAheadLevel));
  }
  for (uint32_t i = 0; i < num_lanes_; ++i) {
    Lane& lane = lanes_[(first_lane_ + i) % kLanes];
    if (lane.at == lane.end || nexts_ < lane.ready) continue;
    // lane.at was asked for kLaneDelay Nexts ago: its link and key are
    // (likely) here.
    PrefetchReferenced(lane.at->key);
    lane.at = lane.at->Next(0);
    if (lane.at == nullptr) {
      lane.at = lane.end;  // the list ends: so does this segment
    } else if (lane.at != lane.end) {
      PrefetchNode(lane.at);
      lane.ready = nexts_ + kLaneDelay;
      ++read_ahead_nodes_;
    }
  }
}

template <typename Key, class Comparator>
const Key& SkipList<Key, Comparator>::Iterator::key() const {
  assert(Valid());
  return node_->key;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::Next() {
  assert(Valid());
  node_ = node_->Next(0);
  if (node_ == nullptr) return;
  if (++nexts_ >= kReadAheadAfter && (frontier_ != nullptr || num_lanes_ > 0)) {
    ReadAhead();
  }
  // Nodes lie in the arena in insertion order, not key order: each step
  // of a scan lands on memory far from the last. A two-stage pipeline
  // lets those misses overlap the caller's work: the node after this one
  // was asked for one step ago, so its next pointer and key are (likely)
  // here now; ask for the node after it, and, when keys are pointers (the
  // memtable's entries, in their own arena), for the first two lines of
  // the bytes that key points at. A prefetch never faults, wherever it
  // points.
  if (const Node* ahead = node_->Next(0); ahead != nullptr) {
    PrefetchNode(ahead->Next(0));
    PrefetchReferenced(ahead->key);
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::Prev() {
  assert(Valid());
  ResetReadAhead(nullptr);
  node_ = list_->FindLastBefore(node_->key, /*inclusive=*/false);
  if (node_ == list_->head_) node_ = nullptr;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::Seek(const Key& target) {
  Node* prev[kMaxHeight];
  // prev[kReadAheadLevel], the last node there before target, starts the
  // segment holding node_; a list that was not that high when searched
  // leaves it null: no read-ahead.
  prev[kReadAheadLevel] = nullptr;
  node_ = list_->FindGreaterOrEqual(target, prev);
  ResetReadAhead(prev[kReadAheadLevel]);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::SeekForPrev(const Key& target) {
  // One search rather than Seek + Prev: with a concurrent writer, an entry
  // inserted between the two steps could land in (target, found) and make
  // Prev return something > target.
  ResetReadAhead(nullptr);
  node_ = list_->FindLastBefore(target, /*inclusive=*/true);
  if (node_ == list_->head_) node_ = nullptr;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::SeekToFirst() {
  ResetReadAhead(list_->head_);
  node_ = list_->head_->Next(0);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Iterator::SeekToLast() {
  ResetReadAhead(nullptr);
  node_ = list_->FindLast();
  if (node_ == list_->head_) node_ = nullptr;
}

}  // namespace strata::internal
