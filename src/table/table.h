// Table: an open, immutable table file (docs/table_format.md). Open reads
// and verifies the footer, metaindex, properties, index and filter; data
// blocks are read on demand, through the BlockCache when one is given.
//
// Keys are opaque bytes ordered by TableOptions::comparator; the table
// never looks inside them (DB tables get the InternalKeyComparator).
//
// A damaged file never crashes the reader, makes it read outside the file
// or allocate without bound, and never yields wrong data: every block is
// checksummed, every handle is checked against the file before use, and
// every error is a Corruption naming the file and offset:
// "Corruption: <file_name> offset <n>: <what>".
//
// Thread-safety: immutable after Open; every method is safe to call from
// many threads at once.
// Ownership: owns the file; borrows the comparator and block cache, which
// must outlive the table. Iterators borrow the table, which must outlive
// them; a block an iterator is positioned on stays alive (pinned) even if
// the cache evicts it.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/internal_iterator.h"
#include "key/key_prefixes.h"
#include "key/range_tombstone.h"
#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "table/block.h"
#include "table/bloom.h"
#include "table/format.h"

namespace strata::internal {

struct TableReadOptions {
  // Verify the checksum of every data block read from the file. Blocks
  // that go into the block cache are always verified, so a cached block
  // is a verified one.
  bool verify_checksums = true;
  // Insert data blocks read from the file into the block cache (lookups
  // happen either way): every block an iterator reads, but of a run of
  // blocks read in file order (a scan of the table, or of a level's tables
  // with scan_run) only those within its first eighth of the cache's
  // capacity, in blocks of TableOptions::block_size (the later ones are
  // verified, whatever verify_checksums says, as cached ones are); a block
  // a point read (Get) reads when it asked for that block recently too
  // (BlockCache::AdmitOnRepeat), so that blocks read once at random push
  // out nothing.
  bool fill_cache = true;
  // The iterator will read the whole table in order (a compaction): it asks
  // the file to bring in large stretches ahead (RandomAccessFile::Prefetch)
  // from its first block on. Any other iterator asks for growing stretches
  // once it has read a few blocks in file order (a scan), and never for a
  // seek that reads a block or two.
  bool whole_table_scan = false;
  // A level's cursor, whose scan goes on from one table into the next:
  // where it counts the blocks read in order so far (across tables; for
  // fill_cache's share of a run), and whether this table's first block
  // goes on from the table before (else it starts a new run). Null: each
  // table counts its own. The cursor touches the count only while used
  // (never as it is destroyed).
  int* scan_run = nullptr;
  bool continues_run = false;
};

class Table {
 public:
  // Opens the table in `file` of `file_size` bytes; `file_name` names it in
  // errors. A file shorter than the footer, a bad magic number, an unknown
  // format version or any damaged meta block is Corruption.
  // REQUIRES: options.comparator != nullptr.
  static Status Open(const TableOptions& options,
                     std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                     std::string file_name, std::unique_ptr<Table>* table);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();

  // Checks `filter_key` against the filter; if it may be present, finds
  // the first entry with key >= `key` and calls handle(entry_key,
  // entry_value), if such an entry exists. The caller decides whether it
  // matches; if `handle` returns true it is called again with the next
  // entry (across blocks), until it returns false or the table ends (a
  // versioned read skips versions its snapshot cannot see this way).
  // `*filter_skipped` (nullable) tells whether the filter excluded the key.
  // The slices passed to `handle` are valid only during the call.
  Status Get(const TableReadOptions& ro, const Slice& key,
             const Slice& filter_key,
             const std::function<bool(const Slice&, const Slice&)>& handle,
             bool* filter_skipped = nullptr) const;
  // The same, given the filter key's hash (BloomFilter::Hash) instead.
  Status GetByFilterHash(
      const TableReadOptions& ro, const Slice& key, uint64_t filter_hash,
      const std::function<bool(const Slice&, const Slice&)>& handle,
      bool* filter_skipped = nullptr) const;
  // Asks for the filter line a probe of `filter_hash` reads (see
  // BloomFilter::Prefetch).
  void PrefetchFilter(uint64_t filter_hash) const {
    filter_.Prefetch(filter_hash);
  }

  // An iterator over every entry (Seek, SeekForPrev, Next, Prev,
  // SeekToFirst, SeekToLast). Errors stop it; see TwoLevelIterator. It
  // keeps `pin` (may be null; the owner of this table, say) alive.
  std::unique_ptr<InternalIterator> NewIterator(
      const TableReadOptions& ro,
      std::shared_ptr<const void> pin = nullptr) const;

  // The approximate offset in the file of the data for `internal_key`:
  // where the block that would hold it starts (the end of the data when it
  // is past the last key). Reads only the index, held in memory.
  uint64_t ApproximateOffsetOf(const Slice& internal_key) const;

  // False only if no key whose filter key is `filter_key` is in the table.
  bool KeyMayMatch(const Slice& filter_key) const;

  const TableProperties& properties() const { return properties_; }

  // The table's range tombstones, fragmented; null when it has none.
  // Decoded and checked once, at Open.
  const RangeTombstoneListPtr& range_tombstones() const {
    return range_tombstones_;
  }

  // Reads every block from the file (bypassing the cache), verifies its
  // checksum and decodes every entry, checking their order.
  Status VerifyChecksums() const;

  // Bytes held in memory by the table itself: index and filter blocks, and
  // the index's key prefixes.
  size_t MemoryUsage() const;
  // The index block's restart keys (their tags cut off) as KeyPrefixes,
  // which narrow every index seek; empty when the table's keys do not
  // order bytewise (a custom comparator, a versioned DB), when it has no
  // data block, or when a restart key is malformed or out of order. For
  // tests.
  const KeyPrefixes& index_prefixes() const { return index_prefixes_; }

  const std::string& file_name() const { return file_name_; }

 private:
  struct Passkey {};

 public:
  Table(Passkey, const TableOptions& options,
        std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
        std::string file_name);

 private:
  // Reads the footer, the meta blocks, the index and the filter of a
  // freshly constructed table.
  Status ReadMeta();
  Status ReadFooter(Footer* footer) const;
  // Reads the metaindex block, which must end by `limit`, into the handles.
  Status ReadMetaindex(uint64_t limit);
  // Reads, decodes and fragments the range-deletion block.
  Status ReadRangeDeletions(uint64_t limit);
  // The data-block half of VerifyChecksums(), given the index read again.
  Status VerifyDataBlocks(const Block& index) const;
  // The most bytes of padding that may lie between two data blocks: none
  // in a table whose builder did not pack its blocks into pages.
  uint64_t MaxPaddingBetweenBlocks() const;
  // Checks that the `n` bytes at `offset`, between two data blocks, are a
  // padding block: zeros stored raw (type 0) and a trailer whose checksum
  // matches, no longer than the table's page size allows.
  Status VerifyPadding(uint64_t offset, uint64_t n) const;
  // Reads and parses the block at `handle`, which must end by `limit`.
  Status ReadAndParse(const BlockHandle& handle, uint64_t limit, bool verify,
                      std::unique_ptr<Block>* block) const;
  Status ReadAndParse(const BlockHandle& handle, uint64_t limit, bool verify,
                      std::shared_ptr<const Block>* block) const;
  // The data block at `handle`, from the cache or the file.
  Status GetDataBlock(const TableReadOptions& ro, const BlockHandle& handle,
                      std::shared_ptr<const Block>* block) const;
  // GetDataBlock() after a cache miss: reads the block and caches it when
  // ro.fill_cache.
  Status ReadDataBlock(const TableReadOptions& ro, const BlockHandle& handle,
                       std::shared_ptr<const Block>* block) const;
  // Get()'s work in the data block at `handle` when that block is
  // unit-compressed (table/unit_block.h): only the units from the one that
  // can hold `key` on are read, checked and decompressed, and none is
  // cached. `*served` false (and nothing read but the block's last bytes):
  // the block is stored another way, and the caller reads it whole.
  // `*more`: the handler asked for the entry after the block's last.
  Status GetFromUnits(
      const TableReadOptions& ro, const BlockHandle& handle, const Slice& key,
      const std::function<bool(const Slice&, const Slice&)>& handler,
      bool* served, bool* more) const;
  // Decodes an index entry's value (a BlockHandle).
  Status DecodeIndexValue(const Slice& value, BlockHandle* handle) const;
  // An iterator over the data block at `handle`.
  Status NewDataIterator(const TableReadOptions& ro, const BlockHandle& handle,
                         std::unique_ptr<InternalIterator>* iter) const;
  // An iterator over the index block (its Seek narrowed by
  // index_prefixes_).
  std::unique_ptr<BlockIter> NewIndexIterator() const;
  // Builds index_prefixes_ (Open, after the index block is read).
  void BuildIndexPrefixes();
  void UseIndexPrefixes(BlockIter* index) const;

  // An iterator over the data block at `handle` in a table with
  // unit-compressed blocks, for a seek: it reads units as it moves (whole
  // blocks when the block is cached or stored whole).
  std::unique_ptr<InternalIterator> NewUnitDataIterator(
      const TableReadOptions& ro, const BlockHandle& handle) const;
  // VerifyChecksums()'s check of the data block at `handle`, `whole` as
  // read and parsed whole: if it is unit-compressed, every unit's checksum
  // and entries against the whole block's.
  Status VerifyUnitBlock(const BlockHandle& handle, const Block& whole) const;

  class UnitReader;  // table_units.cc
  class DataIter;    // table_units.cc
  class Iter;        // table.cc: NewIterator's

  const TableOptions options_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  const std::string file_name_;
  uint64_t cache_id_ = 0;  // 0 without a block cache

  // Set by Open, then immutable.
  BlockHandle metaindex_handle_;
  BlockHandle index_handle_;
  BlockHandle filter_handle_;  // size 0 and unset without a filter
  BlockHandle properties_handle_;
  BlockHandle range_del_handle_;
  bool has_filter_ = false;
  bool has_range_del_ = false;
  RangeTombstoneListPtr range_tombstones_;
  std::unique_ptr<Block> index_block_;
  // The index block's restart keys as KeyPrefixes (their last
  // index_prefix_suffix_ bytes cut off), when keys order bytewise (a DB's
  // unversioned internal keys under the bytewise comparator, or keys the
  // bytewise comparator orders); else empty. Narrows every index Seek.
  KeyPrefixes index_prefixes_;
  size_t index_prefix_suffix_ = 0;
  BlockContents filter_contents_;
  BloomFilter filter_;
  TableProperties properties_;
};

}  // namespace strata::internal
