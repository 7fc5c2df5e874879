#include "table/block_builder.h"

#include <algorithm>
#include <cassert>

#include "base/coding.h"

namespace strata::internal {

BlockBuilder::BlockBuilder(int restart_interval)
    : restart_interval_(std::max(restart_interval, 1)) {}

void BlockBuilder::Reset() {
  buffer_.clear();
  restarts_.clear();
  counter_ = 0;
  num_entries_ = 0;
  finished_ = false;
  last_key_.clear();
}

// See docs/table_format.md#blocks for the entry encoding.
void BlockBuilder::Add(const Slice& key, const Slice& value) {
  assert(!finished_);
  size_t shared = 0;
  if (num_entries_ == 0 || counter_ >= restart_interval_) {
    assert(buffer_.size() <= UINT32_MAX);
    restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
    counter_ = 0;
  } else {
    const size_t limit = std::min(last_key_.size(), key.size());
    while (shared < limit && last_key_[shared] == key[shared]) ++shared;
  }
  const size_t non_shared = key.size() - shared;

  PutVarint32(&buffer_, static_cast<uint32_t>(shared));
  PutVarint32(&buffer_, static_cast<uint32_t>(non_shared));
  PutVarint32(&buffer_, static_cast<uint32_t>(value.size()));
  buffer_.append(key.data() + shared, non_shared);
  buffer_.append(value.data(), value.size());

  last_key_.resize(shared);
  last_key_.append(key.data() + shared, non_shared);
  ++counter_;
  ++num_entries_;
}

Slice BlockBuilder::Finish() {
  assert(!finished_);
  for (const uint32_t r : restarts_) PutFixed32(&buffer_, r);
  PutFixed32(&buffer_, static_cast<uint32_t>(restarts_.size()));
  finished_ = true;
  return buffer_;
}

}  // namespace strata::internal
