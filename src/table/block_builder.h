// BlockBuilder: encodes sorted key/value entries into one block with prefix
// compression and restart points (docs/table_format.md#blocks). Used for
// data, index, properties and metaindex blocks.
//
// Thread-safety: single-threaded.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/slice.h"

namespace strata::internal {

class BlockBuilder {
 public:
  // A restart point (an entry with its whole key) every `restart_interval`
  // entries; values below 1 count as 1.
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Starts a new, empty block.
  void Reset();

  // Appends an entry.
  // REQUIRES: `key` sorts after every key added since Reset() under the
  // comparator the block will be read with (the builder does not compare).
  // REQUIRES: Finish() has not been called since Reset().
  // REQUIRES: the block stays below 4 GiB.
  void Add(const Slice& key, const Slice& value);

  // Appends the restart array and returns the whole block, valid until the
  // next Reset() or destruction. A block without entries is the 4 bytes of
  // a zero restart count.
  Slice Finish();

  // The size Finish() would return now.
  size_t CurrentSizeEstimate() const {
    return buffer_.size() + (restarts_.size() + 1) * sizeof(uint32_t);
  }

  // Bytes of the entries added so far: where the next entry would start.
  size_t EntriesSize() const { return buffer_.size(); }
  // The entries added so far, valid until the next Add(), Finish() or
  // Reset().
  Slice Entries() const { return Slice(buffer_); }
  // Whether the next Add() starts a restart point (its whole key stored).
  bool NextAddRestarts() const {
    return num_entries_ == 0 || counter_ >= restart_interval_;
  }

  bool empty() const { return num_entries_ == 0; }
  size_t num_entries() const { return num_entries_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart point
  size_t num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace strata::internal
