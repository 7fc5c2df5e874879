// TableBuilder: writes one sorted table file (docs/table_format.md) from
// entries added in increasing key order: data blocks as they fill, then
// the index, filter, properties and metaindex blocks and the footer.
//
// Thread-safety: single-threaded; the caller serializes calls.
// Ownership: borrows `file` and the pointers in TableOptions, which must
// outlive the builder. The builder never syncs or closes the file.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "table/block_builder.h"
#include "table/bloom.h"
#include "table/compression.h"
#include "table/format.h"
#include "table/unit_block.h"

namespace strata::internal {

class TableBuilder {
 public:
  // REQUIRES: options.comparator != nullptr.
  TableBuilder(const TableOptions& options, WritableFile* file);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();

  // Appends an entry. After an error (see status()) it does nothing.
  // REQUIRES: `key` sorts after every key added before (a violation is
  // caught: status() becomes InvalidArgument and nothing more is written).
  // REQUIRES: neither Finish() nor Abandon() has been called.
  void Add(const Slice& key, const Slice& value);

  // Adds a range tombstone to the range-deletion block: `key` and `value`
  // are its entry (key/range_tombstone.h EncodeRangeTombstone).
  // Counted in num_range_deletions. After an error it does nothing.
  // REQUIRES: `key` sorts after the key of every tombstone added before
  // (a violation makes status() InvalidArgument); not finished/abandoned.
  void AddRangeTombstone(const Slice& key, const Slice& value);

  // The first error: the file's, or InvalidArgument for keys out of order.
  Status status() const { return status_; }

  // Writes the last data block, the index, filter, properties and
  // metaindex blocks and the footer. `caller` supplies num_deletions,
  // smallest_seqno, largest_seqno and creation_time;
  // the builder fills in every other field. Does not Sync. On error the
  // file is garbage and the caller deletes it.
  // REQUIRES: neither Finish() nor Abandon() has been called.
  Status Finish(const TableProperties& caller);

  // Gives up on the table; nothing more is written. The caller deletes
  // the file.
  // REQUIRES: neither Finish() nor Abandon() has been called.
  void Abandon();

  uint64_t NumEntries() const { return properties_.num_entries; }
  // Bytes written so far; after Finish(), the file's final size.
  uint64_t FileSize() const { return offset_; }
  // Complete after a successful Finish(); before, only the running counts
  // (entries, raw bytes, data blocks) are filled in.
  const TableProperties& properties() const { return properties_; }
  // Bytes of padding written between data blocks to keep blocks within
  // pages (TableOptions::page_size), padding blocks' trailers included.
  uint64_t padding_bytes() const { return padding_bytes_; }

 private:
  // Writes the pending data block, if any, and remembers its handle for
  // the next index entry.
  void FlushDataBlock();
  // Compresses (when it pays) and writes `block`, filling `*handle`.
  void WriteBlock(const Slice& block, bool compress, BlockHandle* handle);
  // `block` compressed, when `compress` and it saves at least 1/8 (valid
  // until the next compression), else `block`; `*type` says which.
  Slice MaybeCompress(const Slice& block, bool compress, uint8_t* type);
  // Writes `contents` with its trailer for compression `type` (a
  // Compression, or a unit-compressed type of table/unit_block.h).
  void WriteRawBlock(const Slice& contents, uint8_t type, BlockHandle* handle);
  void WriteRawBlock(const Slice& contents, Compression type,
                     BlockHandle* handle) {
    WriteRawBlock(contents, static_cast<uint8_t>(type), handle);
  }
  // Before `key` is added to the open data block: ends the block's current
  // compression unit there when the key starts a restart point and the
  // unit has reached options_.compression_unit_size.
  void MaybeCutUnit(const Slice& key);
  // Compresses the open block's units from the next one not yet compressed
  // up to unit `last` (unit i runs from cut i-1, or 0, to cut i, or the end
  // of `entries`). False if the compressor failed.
  bool EncodeUnitsUpTo(const Slice& entries, size_t last);
  // Page packing (docs/table_format.md#page-packing), before an entry of
  // `entry_bytes` raw bytes at most (a value pointer if `pointer`) is
  // added: ends the open block if the entry would carry it across the
  // page boundary, and pads to the next page when what is left of this
  // one is too small for the next block.
  void FitToPage(size_t entry_bytes, bool pointer);
  // The stored size, trailer excluded, the open data block would have with
  // `extra` more uncompressed bytes (an entry that is a value pointer if
  // `pointer`): exact for the units already compressed, the table's
  // compression ratio so far for the rest, and a margin, so that it errs
  // large; the raw size when that may be what is stored.
  size_t EstimateStoredSize(size_t extra, bool pointer) const;
  // Counts a unit or block compressed from `raw` to `stored` bytes.
  void NoteRatio(size_t stored, size_t raw);
  // Bytes from the write position to the next page boundary, in
  // [1, page_size].
  size_t PageRoom() const;
  // Writes a padding block up to the next page boundary, or the one after
  // when fewer bytes than a padding block needs are left.
  void PadToNextPage();
  // Writes a padding block of `n` bytes (zeros and a trailer).
  void WritePadding(size_t n);
  // Adds the index entry for the last flushed data block; `next_key` is the
  // first key of the following block, or null at the end of the table.
  void AddIndexEntry(const Slice* next_key);
  Slice FilterKey(const Slice& key) const;

  const TableOptions options_;
  WritableFile* const file_;
  Compressor compressor_;
  BlockBuilder data_block_;
  // Entries of the open data block, and how many are value pointers.
  uint32_t block_entries_ = 0;
  uint32_t block_pointers_ = 0;
  BlockBuilder index_block_;
  BlockBuilder range_del_block_;
  std::string last_range_del_key_;
  BloomFilterBuilder filter_;
  TableProperties properties_;
  uint64_t offset_ = 0;
  Status status_;
  bool closed_ = false;  // Finish() or Abandon() called
  std::string last_key_;
  // The data block just written waits for its index entry until the next
  // key is known, so the separator can be short.
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string compressed_;  // scratch output of the compressor
  // The open data block's compression units: where units after the first
  // start, and the separator before each.
  std::vector<uint32_t> unit_cuts_;
  std::vector<std::string> unit_separators_;
  size_t unit_start_ = 0;
  size_t separator_bytes_ = 0;  // unit_separators_' directory bytes
  // The open block's units compressed so far (all before its open unit,
  // unless the block is mostly value pointers and may stay raw).
  UnitEncoder units_;
  bool units_failed_ = false;  // a unit did not compress: store it whole
  // Compressed and uncompressed bytes of every data block or unit this
  // builder compressed: the ratio EstimateStoredSize() assumes.
  uint64_t ratio_stored_ = 0;
  uint64_t ratio_raw_ = 0;
  // The same of the last one alone.
  uint64_t recent_stored_ = 0;
  uint64_t recent_raw_ = 0;
  const bool packing_;  // TableOptions::page_size applies
  uint64_t padding_bytes_ = 0;
  std::string padding_;  // zeros for WritePadding
};

}  // namespace strata::internal
