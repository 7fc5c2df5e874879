// WriteSet: see write_set.h.

#include "txn/write_set.h"

#include <cassert>
#include <utility>

namespace strata::internal {

WriteSet::WriteSet(const Comparator* ucmp) : ucmp_(ucmp), keys_(Less{ucmp}) {}

void WriteSet::Add(Op op) {
  bytes_ += op.key.size() + op.value.size();
  ops_.push_back(std::move(op));
  Index(ops_.size() - 1);
}

void WriteSet::Index(size_t i) {
  const Op& op = ops_[i];
  switch (op.kind) {
    case Kind::kPut:
    case Kind::kDelete:
      keys_[op.key].untimed = i;
      break;
    case Kind::kPutAt:
    case Kind::kDeleteAt:
      keys_[op.key].timed.push_back(i);
      break;
    case Kind::kDeleteRange:
      ranges_.push_back(i);
      break;
  }
}

void WriteSet::Truncate(size_t n) {
  assert(n <= ops_.size());
  ops_.resize(n);
  keys_.clear();
  ranges_.clear();
  bytes_ = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    bytes_ += ops_[i].key.size() + ops_[i].value.size();
    Index(i);
  }
}

bool WriteSet::RangeDeleted(const Slice& key) const {
  for (const size_t i : ranges_) {
    if (ucmp_->Compare(ops_[i].key, key) <= 0 &&
        ucmp_->Compare(key, ops_[i].value) < 0) {
      return true;
    }
  }
  return false;
}

WriteSet::Effect WriteSet::Lookup(const Slice& key,
                                  std::optional<uint64_t> as_of) const {
  Effect e;
  const auto it = keys_.find(key);
  if (!as_of) {
    // The latest untimed op on the key: a point op, or a range covering it.
    std::optional<size_t> latest;
    if (it != keys_.end()) latest = it->second.untimed;
    for (const size_t i : ranges_) {
      if ((!latest || i > *latest) && ucmp_->Compare(ops_[i].key, key) <= 0 &&
          ucmp_->Compare(key, ops_[i].value) < 0) {
        latest = i;
      }
    }
    if (latest) {
      const Op& op = ops_[*latest];
      e.untimed = true;
      if (op.kind == Kind::kPut) {
        e.state = Effect::State::kValue;
        e.value = &op.value;
      } else {
        e.state = Effect::State::kDeleted;
      }
      return e;
    }
  }
  if (it == keys_.end()) return e;
  // The newest timed op at or before the read's time (ties: the later).
  const uint64_t limit = as_of.value_or(~uint64_t{0});
  const Op* best = nullptr;
  for (const size_t i : it->second.timed) {
    const Op& op = ops_[i];
    if (op.ts <= limit && (best == nullptr || op.ts >= best->ts)) best = &op;
  }
  if (best == nullptr) return e;
  e.ts = best->ts;
  if (best->kind == Kind::kPutAt) {
    e.state = Effect::State::kValue;
    e.value = &best->value;
  } else {
    e.state = Effect::State::kDeleted;
  }
  return e;
}

}  // namespace strata::internal
