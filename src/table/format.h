// The table file format (docs/table_format.md): block handles, block
// trailers, the footer, the properties block, and the options and
// properties structs shared by TableBuilder and Table.
//
// A table is
//
//   data block* index block [filter block] properties block
//   metaindex block footer
//
// where every block is followed by a 5-byte trailer (compression type,
// masked crc32c) and the footer has a fixed size.
//
// Thread-safety: plain values and pure functions; ReadBlock() is as
// thread-safe as the file it reads.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "strata/comparator.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

class Block;
class BlockCache;

// How a table is built and read. Values, except the borrowed pointers.
struct TableOptions {
  const Comparator* comparator = nullptr;  // orders keys; borrowed
  // Bytes cut from each key's end before it goes into or probes the bloom
  // filter (8 for DB internal keys, whose tag must not reach the filter).
  size_t filter_key_suffix_len = 0;
  size_t block_size = 4096;
  int block_restart_interval = 16;
  int bloom_bits_per_key = 10;  // 0 = no filter
  Compression compression = Compression::kSnappy;
  // Compress data blocks in units of whole restart intervals, a unit ending
  // at the first restart point after this many uncompressed bytes
  // (table/unit_block.h); 0 compresses each block whole.
  size_t compression_unit_size = 0;
  // Data blocks are packed into pages of this many bytes: a block that
  // fits in one page is cut short, or moved to the next page behind a
  // padding block, rather than cross a page boundary
  // (docs/table_format.md#page-packing). 0, a block_size above it, or a
  // page above kMaxPageSize turns packing off.
  size_t page_size = 0;
  BlockCache* block_cache = nullptr;  // borrowed, may be null
  // Set when keys are DB internal keys (key/internal_key.h) ordered by this
  // user comparator (borrowed): the reader then decodes and fragments a
  // range-deletion block. A table with such a block and no user
  // comparator is refused as Corruption.
  const Comparator* user_comparator = nullptr;
  // Keys are internal keys whose user keys end in a timestamp (a versioned
  // DB, key/versioned_key.h): the builder records the newest timestamp of
  // its point entries (TableProperties::max_timestamp).
  bool versioned_keys = false;
};

// Facts about one table, all persisted in its properties block
// (docs/table_format.md#properties-block).
struct TableProperties {
  uint64_t num_entries = 0, num_deletions = 0, num_range_deletions = 0;
  uint64_t raw_key_bytes = 0, raw_value_bytes = 0;
  // Bytes on disk, trailers included, of all data blocks (and the padding
  // between them), of the index block and of the filter block (0 without
  // a filter).
  uint64_t data_bytes = 0, index_bytes = 0, filter_bytes = 0;
  uint64_t num_data_blocks = 0;
  // Data blocks stored unit-compressed (table/unit_block.h); a point read
  // that misses the cache decompresses only part of them.
  uint64_t num_unit_blocks = 0;
  // The page size the data blocks were packed into (TableOptions::
  // page_size), when the builder packed them; 0 when it did not, and then
  // the data blocks lie end to end with no padding between them.
  uint64_t page_size = 0;
  uint64_t smallest_seqno = 0, largest_seqno = 0;
  // The compression the table was built with (a block that does not
  // compress well is still stored raw).
  Compression compression = Compression::kNone;
  uint64_t creation_time = 0;  // unix seconds
  // Tables of a versioned DB: the newest timestamp among the point entries
  // (0 if none). A point lookup as of a time skips a table whose newest
  // timestamp cannot beat the version it has found already.
  bool has_max_timestamp = false;
  uint64_t max_timestamp = 0;

  bool operator==(const TableProperties&) const = default;
};

// The format versions this code writes and reads: 2 for a table with
// unit-compressed data blocks (table/unit_block.h), else 1, so a reader
// that predates units says so instead of meeting an unknown block type.
inline constexpr uint32_t kTableFormatVersion = 1;
inline constexpr uint32_t kTableFormatVersionUnits = 2;

// The last 8 bytes of every table: the ASCII bytes "strataT1" read as a
// little-endian fixed64.
inline constexpr uint64_t kTableMagicNumber = 0x3154617461727473ull;

// Every block is followed by: compression type (1 byte) + masked crc32c
// (4 bytes) of the block's stored bytes and the type byte.
inline constexpr size_t kBlockTrailerSize = 5;
// The largest page size a table's blocks are packed into
// (Options::block_page_size), and the largest padding block between two
// data blocks: what is left of a page, or, when fewer bytes are left
// than a padding block needs (its trailer), that and the next page.
inline constexpr uint64_t kMaxPageSize = 64 << 10;
inline constexpr uint64_t MaxPaddingSize(uint64_t page_size) {
  return page_size + kBlockTrailerSize - 1;
}

// Meta block names in the metaindex block.
inline constexpr char kFilterBlockName[] = "strata.filter";
inline constexpr char kPropertiesBlockName[] = "strata.properties";
inline constexpr char kRangeDelBlockName[] = "strata.range_del";

// Where a block sits: offset and size of its stored bytes, trailer
// excluded. Encoded as varint64 offset ‖ varint64 size.
struct BlockHandle {
  static constexpr size_t kMaxEncodedLength = 20;

  uint64_t offset = 0;
  uint64_t size = 0;

  void EncodeTo(std::string* dst) const;
  // Consumes a handle from `*input`; false if malformed.
  bool DecodeFrom(Slice* input);
  // The encoding as a string.
  std::string Encode() const;
};

// The fixed-size tail of a table (docs/table_format.md#footer):
//   [0, 40)  metaindex handle ‖ index handle ‖ zero padding
//   [40, 44) format version, fixed32
//   [44, 48) masked crc32c of bytes [0, 44)
//   [48, 56) magic number, fixed64
struct Footer {
  static constexpr size_t kHandlesSize = 2 * BlockHandle::kMaxEncodedLength;
  static constexpr size_t kEncodedLength = kHandlesSize + 4 + 4 + 8;  // 56

  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  uint32_t version = kTableFormatVersion;  // 1 or kTableFormatVersionUnits

  // Appends exactly kEncodedLength bytes.
  void EncodeTo(std::string* dst) const;
  // Decodes the kEncodedLength bytes of `input`. Corruption(what) on a bad
  // magic number, unknown version, bad checksum or malformed handles.
  Status DecodeFrom(const Slice& input);
};

// A Corruption naming the place: "<file_name> offset <offset>: <what>".
Status CorruptionAt(const std::string& file_name, uint64_t offset,
                    std::string_view what);

// A block's bytes as read from a file, decompressed, owned.
struct BlockContents {
  std::unique_ptr<char[]> data;
  size_t size = 0;       // bytes of the block
  size_t allocated = 0;  // bytes `data` holds (>= size)
};

// Whether the `n` stored bytes of a block at `stored`, followed there by
// its trailer, match the trailer's checksum (over the bytes and the type).
bool BlockChecksumMatches(const char* stored, size_t n);

// Asks the CPU for every cache line of [data, data + n) (the bytes of a
// block read where it lies: in the page cache, seldom in the CPU's), so
// that their fetches overlap where a checksum or a decompressor would
// meet them a few at a time.
inline void PrefetchLines(const char* data, size_t n) {
  for (size_t offset = 0; offset < n; offset += 64) {
    __builtin_prefetch(data + offset);
  }
  if (n > 0) __builtin_prefetch(data + n - 1);
}

// Reads the block at `handle` with its trailer, checks that it ends at or
// before `limit` (before allocating anything), verifies its checksum when
// `verify_checksum` and decompresses it. Damage is a Corruption naming
// `file_name` and the block's offset; a failed read is the file's error.
Status ReadBlock(const RandomAccessFile& file, const std::string& file_name,
                 uint64_t limit, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* contents);

// The properties block's contents (docs/table_format.md#properties-block).
std::string EncodeProperties(const TableProperties& properties);
// Decodes a parsed properties block. Unknown names are skipped (a later
// version may add some); a malformed value or a missing name is
// Corruption(what).
Status DecodeProperties(const Block& block, TableProperties* properties);

}  // namespace strata::internal
