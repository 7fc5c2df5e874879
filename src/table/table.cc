#include "table/table.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/result.h"
#include "cache/block_cache.h"
#include "key/internal_key.h"
#include "table/two_level_iterator.h"

namespace strata::internal {

Status Table::Open(const TableOptions& options,
                   std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                   std::string file_name, std::unique_ptr<Table>* table) {
  if (options.comparator == nullptr || file == nullptr) {
    return Status::InvalidArgument("Table::Open: comparator and file needed");
  }
  auto t = std::make_unique<Table>(Passkey{}, options, std::move(file),
                                   file_size, std::move(file_name));
  STRATA_RETURN_IF_ERROR(t->ReadMeta());
  *table = std::move(t);
  return Status::OK();
}

Table::Table(Passkey, const TableOptions& options,
             std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
             std::string file_name)
    : options_(options),
      file_(std::move(file)),
      file_size_(file_size),
      file_name_(std::move(file_name)) {}

Table::~Table() = default;

namespace {

// Reads the block at `handle` and parses it with `parse` (Block::Parse or
// Block::ParseShared) into `*block`.
template <typename Ptr, typename ParseFn>
Status ReadAndParseWith(const RandomAccessFile& file,
                        const std::string& file_name, const BlockHandle& handle,
                        uint64_t limit, bool verify, ParseFn parse,
                        Ptr* block) {
  BlockContents contents;
  STRATA_RETURN_IF_ERROR(
      ReadBlock(file, file_name, limit, handle, verify, &contents));
  auto parsed =
      parse(std::move(contents.data), contents.size, contents.allocated);
  if (!parsed.ok()) {
    return CorruptionAt(file_name, handle.offset, parsed.status().message());
  }
  *block = std::move(parsed).value();
  return Status::OK();
}

// Readahead for an iterator: told of every data block it opens, it asks
// the file to bring in the bytes ahead once blocks are being read in file
// order, in windows that double up to a limit. A compaction (whole-table
// scan) starts at the limit with its first block.
class Readahead {
 public:
  // Blocks read in order before a scan starts asking.
  static constexpr int kSequentialBlocks = 2;
  static constexpr uint64_t kFirstWindow = 64 << 10;
  static constexpr uint64_t kScanMaxWindow = 1 << 20;
  static constexpr uint64_t kWholeTableWindow = 2 << 20;

  // `max_gap`: the most bytes of padding that may lie between two data
  // blocks of the table (0 if none: its blocks lie end to end).
  Readahead(bool whole_table, uint64_t max_gap)
      : whole_table_(whole_table), max_gap_(max_gap) {}

  // Whether the block OnBlock() was last told of continues a run of
  // blocks read in file order, forward or backward: a scan.
  bool Scanning() const { return RunLength() >= kSequentialBlocks; }

  // How many blocks, read in file order, came before the last one in its
  // run (0: it followed a seek, or is the first).
  int RunLength() const { return std::max(in_order_, in_reverse_); }

  // The iterator opens the block at `handle`; data ends at `data_end`.
  void OnBlock(const RandomAccessFile& file, const BlockHandle& handle,
               uint64_t data_end) {
    const uint64_t end = handle.offset + handle.size + kBlockTrailerSize;
    // The next block in file order starts where this one ends, or after a
    // padding block (docs/table_format.md#page-packing).
    const auto follows = [this](uint64_t block_end, uint64_t next_block) {
      return next_block >= block_end && next_block - block_end <= max_gap_;
    };
    in_reverse_ = follows(end, previous_offset_) ? in_reverse_ + 1 : 0;
    previous_offset_ = handle.offset;
    if (follows(next_offset_, handle.offset)) {
      ++in_order_;
    } else {  // a seek, a step back, or the first block
      in_order_ = 0;
      prefetched_until_ = 0;
      window_ = whole_table_ ? kWholeTableWindow : kFirstWindow;
    }
    next_offset_ = end;
    // In a scan, the lines of the block it reads next (about as large as
    // this one), asked for now, arrive while this one is checked and
    // decompressed. Not before: a seek's few steps seldom reach a third
    // block.
    const uint64_t span = handle.size + kBlockTrailerSize;
    if (in_order_ >= kSequentialBlocks && end < data_end) {
      file.WillReadNext(end,
                        static_cast<size_t>(std::min(span, data_end - end)));
    } else if (in_reverse_ >= kSequentialBlocks && handle.offset > 0) {
      const uint64_t start = handle.offset - std::min(span, handle.offset);
      file.WillReadNext(start, static_cast<size_t>(handle.offset - start));
    }
    if (!whole_table_ && in_order_ < kSequentialBlocks) return;
    // Ask again once less than half a window lies prefetched ahead.
    if (end + window_ / 2 <= prefetched_until_) return;
    const uint64_t start = std::max(end, prefetched_until_);
    if (start >= data_end) return;
    const uint64_t length = std::min(window_, data_end - start);
    file.Prefetch(start, static_cast<size_t>(length));
    prefetched_until_ = start + length;
    window_ = std::min(window_ * 2,
                       whole_table_ ? kWholeTableWindow : kScanMaxWindow);
  }

 private:
  const bool whole_table_;
  const uint64_t max_gap_;
  uint64_t next_offset_ = UINT64_MAX;
  uint64_t prefetched_until_ = 0;
  uint64_t window_ = 0;
  int in_order_ = 0;
  uint64_t previous_offset_ = UINT64_MAX;  // of the last block, for Prev
  int in_reverse_ = 0;
};

}  // namespace

Status Table::ReadAndParse(const BlockHandle& handle, uint64_t limit,
                           bool verify, std::unique_ptr<Block>* block) const {
  return ReadAndParseWith(*file_, file_name_, handle, limit, verify,
                          &Block::Parse, block);
}

Status Table::ReadAndParse(const BlockHandle& handle, uint64_t limit,
                           bool verify,
                           std::shared_ptr<const Block>* block) const {
  return ReadAndParseWith(*file_, file_name_, handle, limit, verify,
                          &Block::ParseShared, block);
}

Status Table::ReadFooter(Footer* footer) const {
  constexpr size_t kFooterSize = Footer::kEncodedLength;
  if (file_size_ < kFooterSize) {
    return CorruptionAt(file_name_, 0,
                        "file of " + std::to_string(file_size_) +
                            " bytes is too short to be a table");
  }
  const uint64_t footer_offset = file_size_ - kFooterSize;
  char buffer[kFooterSize];
  Slice input;
  STRATA_RETURN_IF_ERROR(
      file_->Read(footer_offset, kFooterSize, &input, buffer));
  if (input.size() != kFooterSize) {
    return CorruptionAt(file_name_, footer_offset, "truncated footer read");
  }
  Status s = footer->DecodeFrom(input);
  if (!s.ok()) return CorruptionAt(file_name_, footer_offset, s.message());
  return Status::OK();
}

Status Table::ReadMetaindex(uint64_t limit) {
  // A meta block this version does not know might change what the table
  // means, so it is rejected, not ignored.
  std::unique_ptr<Block> metaindex;
  STRATA_RETURN_IF_ERROR(
      ReadAndParse(metaindex_handle_, limit, true, &metaindex));
  bool has_properties = false;
  BlockIter it(BytewiseComparator(), metaindex.get(), nullptr,
               BlockErrorContext{&file_name_, metaindex_handle_.offset});
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    const Slice name = it.key();
    BlockHandle handle;
    Slice value = it.value();
    if (!handle.DecodeFrom(&value) || !value.empty()) {
      return CorruptionAt(file_name_, metaindex_handle_.offset,
                          "malformed handle for meta block " + name.ToString());
    }
    if (name == Slice(kFilterBlockName)) {
      filter_handle_ = handle;
      has_filter_ = true;
    } else if (name == Slice(kPropertiesBlockName)) {
      properties_handle_ = handle;
      has_properties = true;
    } else if (name == Slice(kRangeDelBlockName)) {
      range_del_handle_ = handle;
      has_range_del_ = true;
    } else {
      return CorruptionAt(file_name_, metaindex_handle_.offset,
                          "unknown meta block " + name.ToString());
    }
  }
  STRATA_RETURN_IF_ERROR(it.status());
  if (!has_properties) {
    return CorruptionAt(file_name_, metaindex_handle_.offset,
                        "no properties block");
  }
  return Status::OK();
}

Status Table::ReadRangeDeletions(uint64_t limit) {
  const Comparator* const ucmp = options_.user_comparator;
  if (ucmp == nullptr) {
    return CorruptionAt(
        file_name_, range_del_handle_.offset,
        "range-deletion block in a table without internal keys");
  }
  std::unique_ptr<Block> block;
  STRATA_RETURN_IF_ERROR(ReadAndParse(range_del_handle_, limit, true, &block));
  std::vector<RangeTombstone> tombstones;
  BlockIter it(options_.comparator, block.get(), nullptr,
               BlockErrorContext{&file_name_, range_del_handle_.offset,
                                 options_.filter_key_suffix_len});
  std::string previous;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    RangeTombstone t;
    Status s = DecodeRangeTombstone(ucmp, it.key(), it.value(), &t);
    if (!s.ok()) {
      return CorruptionAt(file_name_, range_del_handle_.offset, s.message());
    }
    // Decoded first: only a well-formed key reaches the comparator.
    if (!tombstones.empty() &&
        options_.comparator->Compare(Slice(previous), it.key()) >= 0) {
      return CorruptionAt(file_name_, range_del_handle_.offset,
                          "range tombstones out of order");
    }
    previous.assign(it.key().data(), it.key().size());
    tombstones.push_back(std::move(t));
  }
  STRATA_RETURN_IF_ERROR(it.status());
  if (tombstones.size() != properties_.num_range_deletions) {
    return CorruptionAt(file_name_, properties_handle_.offset,
                        "properties disagree with the range-deletion block");
  }
  // Writers keep one plain tombstone per snapshot stripe and fragment, so
  // a real table stays far below this (timed ones are kept whole); a crafted
  // one must not make Open allocate without bound (4 Mi pairs: 32 MiB of
  // sequences).
  constexpr size_t kMaxPairs = size_t{4} << 20;
  auto list = std::make_shared<const FragmentedRangeTombstoneList>(
      ucmp, std::move(tombstones), kMaxSequenceNumber, false, kMaxPairs);
  if (list->overflowed()) {
    return CorruptionAt(file_name_, range_del_handle_.offset,
                        "range tombstones nest too deeply to fragment");
  }
  range_tombstones_ = std::move(list);
  return Status::OK();
}

// See docs/table_format.md#opening-a-table for the checks, in this order.
Status Table::ReadMeta() {
  Footer footer;
  STRATA_RETURN_IF_ERROR(ReadFooter(&footer));
  metaindex_handle_ = footer.metaindex_handle;
  index_handle_ = footer.index_handle;
  // Meta blocks and the index lie before the footer.
  const uint64_t limit = file_size_ - Footer::kEncodedLength;
  STRATA_RETURN_IF_ERROR(ReadMetaindex(limit));

  std::unique_ptr<Block> properties_block;
  STRATA_RETURN_IF_ERROR(
      ReadAndParse(properties_handle_, limit, true, &properties_block));
  Status s = DecodeProperties(*properties_block, &properties_);
  if (!s.ok()) {
    return CorruptionAt(file_name_, properties_handle_.offset, s.message());
  }

  STRATA_RETURN_IF_ERROR(
      ReadAndParse(index_handle_, limit, true, &index_block_));
  BuildIndexPrefixes();

  if (has_filter_) {
    STRATA_RETURN_IF_ERROR(ReadBlock(*file_, file_name_, limit, filter_handle_,
                                     true, &filter_contents_));
    s = BloomFilter::Parse(
        Slice(filter_contents_.data.get(), filter_contents_.size), &filter_);
    if (!s.ok()) {
      return CorruptionAt(file_name_, filter_handle_.offset, s.message());
    }
  }

  if (has_range_del_) {
    STRATA_RETURN_IF_ERROR(ReadRangeDeletions(limit));
  } else if (properties_.num_range_deletions != 0) {
    return CorruptionAt(file_name_, properties_handle_.offset,
                        "properties count range deletions the table lacks");
  }

  // The properties must agree with the layout: data blocks (and the
  // padding between them) fill [0, index offset), and the index and
  // filter sizes match.
  const uint64_t filter_bytes =
      has_filter_ ? filter_handle_.size + kBlockTrailerSize : 0;
  if (properties_.data_bytes != index_handle_.offset ||
      properties_.index_bytes != index_handle_.size + kBlockTrailerSize ||
      properties_.filter_bytes != filter_bytes) {
    return CorruptionAt(file_name_, properties_handle_.offset,
                        "properties disagree with the table layout");
  }
  if (options_.block_cache != nullptr)
    cache_id_ = options_.block_cache->NewId();
  return Status::OK();
}

Status Table::DecodeIndexValue(const Slice& value, BlockHandle* handle) const {
  Slice input = value;
  if (!handle->DecodeFrom(&input) || !input.empty()) {
    return CorruptionAt(file_name_, index_handle_.offset,
                        "malformed block handle in the index");
  }
  return Status::OK();
}

Status Table::GetDataBlock(const TableReadOptions& ro,
                           const BlockHandle& handle,
                           std::shared_ptr<const Block>* block) const {
  BlockCache* const cache = options_.block_cache;
  const BlockCacheKey key{cache_id_, handle.offset};
  if (cache != nullptr) {
    std::shared_ptr<const void> hit = cache->Lookup(key);
    if (hit != nullptr) {
      *block = std::static_pointer_cast<const Block>(std::move(hit));
      return Status::OK();
    }
  }
  return ReadDataBlock(ro, handle, block);
}

Status Table::ReadDataBlock(const TableReadOptions& ro,
                            const BlockHandle& handle,
                            std::shared_ptr<const Block>* block) const {
  BlockCache* const cache = options_.block_cache;
  const BlockCacheKey key{cache_id_, handle.offset};
  // Only verified blocks enter the shared cache.
  const bool insert = cache != nullptr && ro.fill_cache;
  std::shared_ptr<const Block> shared;
  // Data blocks lie before the index block.
  STRATA_RETURN_IF_ERROR(ReadAndParse(handle, index_handle_.offset,
                                      ro.verify_checksums || insert, &shared));
  if (insert) cache->Insert(key, shared, shared->MemoryUsage());
  *block = std::move(shared);
  return Status::OK();
}

uint64_t Table::ApproximateOffsetOf(const Slice& internal_key) const {
  std::unique_ptr<BlockIter> index = NewIndexIterator();
  index->Seek(internal_key);
  BlockHandle handle;
  if (index->Valid() && DecodeIndexValue(index->value(), &handle).ok()) {
    return handle.offset;
  }
  // Past the last key (or an index entry that does not decode, which
  // reads report): the data ends where the meta blocks begin.
  return metaindex_handle_.offset;
}

void Table::BuildIndexPrefixes() {
  // Keys the bytewise comparator orders whole; or a DB's internal keys
  // (their user keys ordered bytewise, unversioned), tag cut off.
  size_t suffix = 0;
  if (options_.comparator != BytewiseComparator()) {
    if (options_.user_comparator != BytewiseComparator() ||
        options_.versioned_keys ||
        options_.filter_key_suffix_len != InternalKeySuffixLength()) {
      return;
    }
    suffix = InternalKeySuffixLength();
  }
  BlockIter index(options_.comparator, index_block_.get(), nullptr,
                  BlockErrorContext{&file_name_, index_handle_.offset,
                                    options_.filter_key_suffix_len});
  const uint32_t n = index_block_->num_restarts();
  std::vector<Slice> keys;
  keys.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Slice key;
    // A malformed restart key (which reads report as Corruption), or an
    // index out of order (which Build refuses), leaves the seeks whole.
    if (!index.RestartKey(i, &key) || key.size() < suffix) return;
    keys.emplace_back(key.data(), key.size() - suffix);
  }
  if (index_prefixes_.Build(keys.size(),
                            [&keys](size_t i) { return keys[i]; })) {
    index_prefix_suffix_ = suffix;
  }
}

void Table::UseIndexPrefixes(BlockIter* index) const {
  if (!index_prefixes_.empty()) {
    index->UseRestartPrefixes(&index_prefixes_, index_prefix_suffix_);
  }
}

std::unique_ptr<BlockIter> Table::NewIndexIterator() const {
  auto index = std::make_unique<BlockIter>(
      options_.comparator, index_block_.get(), nullptr,
      BlockErrorContext{&file_name_, index_handle_.offset,
                        options_.filter_key_suffix_len});
  UseIndexPrefixes(index.get());
  return index;
}

Status Table::NewDataIterator(const TableReadOptions& ro,
                              const BlockHandle& handle,
                              std::unique_ptr<InternalIterator>* iter) const {
  std::shared_ptr<const Block> block;
  STRATA_RETURN_IF_ERROR(GetDataBlock(ro, handle, &block));
  const Block* raw = block.get();
  *iter = std::make_unique<BlockIter>(
      options_.comparator, raw, std::move(block),
      BlockErrorContext{&file_name_, handle.offset,
                        options_.filter_key_suffix_len});
  return Status::OK();
}

bool Table::KeyMayMatch(const Slice& filter_key) const {
  return filter_.KeyMayMatch(filter_key);
}

Status Table::Get(const TableReadOptions& ro, const Slice& key,
                  const Slice& filter_key,
                  const std::function<bool(const Slice&, const Slice&)>& handle,
                  bool* filter_skipped) const {
  return GetByFilterHash(ro, key, BloomFilter::Hash(filter_key), handle,
                         filter_skipped);
}

Status Table::GetByFilterHash(
    const TableReadOptions& ro, const Slice& key, uint64_t filter_hash,
    const std::function<bool(const Slice&, const Slice&)>& handle,
    bool* filter_skipped) const {
  const bool skip = !filter_.HashMayMatch(filter_hash);
  if (filter_skipped != nullptr) *filter_skipped = skip;
  if (skip) return Status::OK();
  BlockIter index(options_.comparator, index_block_.get(), nullptr,
                  BlockErrorContext{&file_name_, index_handle_.offset,
                                    options_.filter_key_suffix_len});
  UseIndexPrefixes(&index);
  // The block the index points at holds the answer unless all its keys are
  // smaller than `key`; then it is the first entry of a later block. Later
  // blocks hold only keys after `key`, so Seek(key) starts them at their
  // first entry when the handler asks for more.
  BlockCache* const cache = options_.block_cache;
  for (index.Seek(key); index.Valid(); index.Next()) {
    BlockHandle block_handle;
    STRATA_RETURN_IF_ERROR(DecodeIndexValue(index.value(), &block_handle));
    std::shared_ptr<const Block> block;
    const BlockCacheKey cache_key{cache_id_, block_handle.offset};
    if (cache != nullptr) {
      block = std::static_pointer_cast<const Block>(cache->Lookup(cache_key));
    }
    // A miss enters the cache only when the block is read again before
    // the cache forgets it was asked for (BlockCache::AdmitOnRepeat): a
    // block a point read meets once at random then pushes out nothing.
    // Until then a unit-compressed block is read a unit at a time, and
    // any other block whole, without caching it.
    const bool admit = block == nullptr && cache != nullptr && ro.fill_cache &&
                       cache->AdmitOnRepeat(cache_key);
    if (block == nullptr && properties_.num_unit_blocks > 0 && !admit) {
      bool served = false;
      bool more = false;
      STRATA_RETURN_IF_ERROR(
          GetFromUnits(ro, block_handle, key, handle, &served, &more));
      if (served) {
        if (!more) return Status::OK();
        continue;
      }
    }
    if (block == nullptr) {
      TableReadOptions once = ro;
      once.fill_cache = admit;
      STRATA_RETURN_IF_ERROR(ReadDataBlock(once, block_handle, &block));
    }
    BlockIter it(options_.comparator, block.get(), nullptr,
                 BlockErrorContext{&file_name_, block_handle.offset,
                                   options_.filter_key_suffix_len});
    for (it.Seek(key); it.Valid(); it.Next()) {
      if (!handle(it.key(), it.value())) return Status::OK();
    }
    STRATA_RETURN_IF_ERROR(it.status());
  }
  return index.status();
}

// A table's iterator: the index, and the data block each entry locates
// opened as the iterator reaches it.
class Table::Iter final : public TwoLevelIterator {
 public:
  Iter(const Table& table, const TableReadOptions& ro,
       std::shared_ptr<const void> pin)
      : TwoLevelIterator(table.NewIndexIterator(), std::move(pin)),
        table_(table),
        ro_(ro),
        readahead_(ro.whole_table_scan, table.MaxPaddingBetweenBlocks()),
        cached_run_blocks_(CachedRunBlocks(table.options_)) {}

 protected:
  Status OpenBlock(const Slice& index_value,
                   std::unique_ptr<InternalIterator>* iter) override {
    BlockHandle handle;
    STRATA_RETURN_IF_ERROR(table_.DecodeIndexValue(index_value, &handle));
    readahead_.OnBlock(*table_.file_, handle, table_.index_handle_.offset);
    // A long run's blocks past its first eighth of the cache are served
    // from the cache when there, and otherwise read uncached: a scan of
    // many blocks would push out every block others read, and each
    // block's buffer is then freed for the next rather than kept. They are
    // verified as the blocks it caches are, whatever verify_checksums says.
    TableReadOptions ro = ro_;
    if (CountRun() >= cached_run_blocks_ && ro_.fill_cache) {
      ro.fill_cache = false;
      ro.verify_checksums = true;
    }
    // A seek, and the block or two after it (a table's first two in a
    // level's run too), read units as needed; a scan reads whole blocks.
    if (table_.properties_.num_unit_blocks > 0 && !ro_.whole_table_scan &&
        !readahead_.Scanning()) {
      *iter = table_.NewUnitDataIterator(ro, handle);
      return Status::OK();
    }
    return table_.NewDataIterator(ro, handle, iter);
  }

 private:
  // The blocks read in order before the one just opened: in this table's
  // run, or with a level's count, in the tables before it too.
  int CountRun() {
    const int in_table = readahead_.RunLength();
    const bool first = first_block_;
    first_block_ = false;
    if (ro_.scan_run == nullptr) return in_table;
    int& run = *ro_.scan_run;
    if (in_table > 0 || (first && ro_.continues_run)) {
      if (run < std::numeric_limits<int>::max()) ++run;
    } else {
      run = 0;
    }
    return run;
  }

  // Blocks a run of blocks read in order puts in the cache: an eighth of
  // the cache's capacity, in blocks of the reader's block_size.
  static int CachedRunBlocks(const TableOptions& options) {
    constexpr int kMax = std::numeric_limits<int>::max();
    if (options.block_cache == nullptr) return kMax;
    const uint64_t blocks = options.block_cache->capacity() / 8 /
                            std::max<size_t>(options.block_size, 1);
    return static_cast<int>(std::clamp<uint64_t>(
        blocks, Readahead::kSequentialBlocks, static_cast<uint64_t>(kMax)));
  }

  const Table& table_;  // alive while the pin is
  const TableReadOptions ro_;
  Readahead readahead_;
  const int cached_run_blocks_;
  bool first_block_ = true;  // no block opened yet
};

std::unique_ptr<InternalIterator> Table::NewIterator(
    const TableReadOptions& ro, std::shared_ptr<const void> pin) const {
  return std::make_unique<Iter>(*this, ro, std::move(pin));
}

Status Table::VerifyChecksums() const {
  // The footer and meta blocks, read again from the file.
  Footer footer;
  STRATA_RETURN_IF_ERROR(ReadFooter(&footer));
  const uint64_t limit = file_size_ - Footer::kEncodedLength;
  if (footer.index_handle.offset != index_handle_.offset ||
      footer.index_handle.size != index_handle_.size ||
      footer.metaindex_handle.offset != metaindex_handle_.offset ||
      footer.metaindex_handle.size != metaindex_handle_.size) {
    return CorruptionAt(file_name_, limit, "footer changed since open");
  }
  std::unique_ptr<Block> block;
  STRATA_RETURN_IF_ERROR(ReadAndParse(metaindex_handle_, limit, true, &block));
  STRATA_RETURN_IF_ERROR(ReadAndParse(properties_handle_, limit, true, &block));
  if (has_filter_) {
    BlockContents filter;
    STRATA_RETURN_IF_ERROR(
        ReadBlock(*file_, file_name_, limit, filter_handle_, true, &filter));
  }
  if (has_range_del_) {
    STRATA_RETURN_IF_ERROR(
        ReadAndParse(range_del_handle_, limit, true, &block));
  }
  std::unique_ptr<Block> index;
  STRATA_RETURN_IF_ERROR(ReadAndParse(index_handle_, limit, true, &index));
  return VerifyDataBlocks(*index);
}

Status Table::VerifyDataBlocks(const Block& index) const {
  // Every data block: checksum, entries, their order, and the index keys
  // separating the blocks; and that the blocks fill the data region in
  // order, with nothing between two of them but padding.
  const Comparator* const cmp = options_.comparator;
  uint64_t next_offset = 0;  // where the last block read ends
  BlockIter index_it(cmp, &index, nullptr,
                     BlockErrorContext{&file_name_, index_handle_.offset,
                                       options_.filter_key_suffix_len});
  std::string previous_key;
  std::string previous_separator;
  uint64_t entries = 0;
  uint64_t blocks = 0;
  for (index_it.SeekToFirst(); index_it.Valid(); index_it.Next()) {
    BlockHandle handle;
    STRATA_RETURN_IF_ERROR(DecodeIndexValue(index_it.value(), &handle));
    std::unique_ptr<Block> data;
    STRATA_RETURN_IF_ERROR(
        ReadAndParse(handle, index_handle_.offset, true, &data));
    // ReadAndParse checked the block ends before the index.
    if (handle.offset < next_offset) {
      return CorruptionAt(file_name_, handle.offset, "data blocks overlap");
    }
    if (handle.offset > next_offset) {
      STRATA_RETURN_IF_ERROR(
          blocks == 0
              ? CorruptionAt(file_name_, 0, "data blocks do not start at 0")
              : VerifyPadding(next_offset, handle.offset - next_offset));
    }
    next_offset = handle.offset + handle.size + kBlockTrailerSize;
    if (properties_.num_unit_blocks > 0) {
      STRATA_RETURN_IF_ERROR(VerifyUnitBlock(handle, *data));
    }
    BlockIter it(cmp, data.get(), nullptr,
                 BlockErrorContext{&file_name_, handle.offset,
                                   options_.filter_key_suffix_len});
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      if ((entries > 0 && cmp->Compare(Slice(previous_key), it.key()) >= 0) ||
          (blocks > 0 &&
           cmp->Compare(it.key(), Slice(previous_separator)) <= 0) ||
          cmp->Compare(it.key(), index_it.key()) > 0) {
        return CorruptionAt(file_name_, handle.offset, "keys out of order");
      }
      previous_key.assign(it.key().data(), it.key().size());
      ++entries;
    }
    STRATA_RETURN_IF_ERROR(it.status());
    previous_separator.assign(index_it.key().data(), index_it.key().size());
    ++blocks;
  }
  STRATA_RETURN_IF_ERROR(index_it.status());
  if (next_offset != index_handle_.offset) {
    return CorruptionAt(file_name_, next_offset,
                        "data blocks end before the index block");
  }
  if (entries != properties_.num_entries ||
      blocks != properties_.num_data_blocks) {
    return CorruptionAt(file_name_, properties_handle_.offset,
                        "properties disagree with the data blocks");
  }
  return Status::OK();
}

uint64_t Table::MaxPaddingBetweenBlocks() const {
  const uint64_t page = properties_.page_size;
  return page == 0 ? 0 : MaxPaddingSize(std::min(page, kMaxPageSize));
}

// See docs/table_format.md#page-packing.
Status Table::VerifyPadding(uint64_t offset, uint64_t n) const {
  if (n < kBlockTrailerSize || n > MaxPaddingBetweenBlocks()) {
    return CorruptionAt(file_name_, offset,
                        "gap of " + std::to_string(n) +
                            " bytes between data blocks is not padding");
  }
  // Read as stored, then checked in the order a block read checks: its
  // checksum (over the bytes and the type), then its type — stored raw
  // (0): a reader never decompresses padding, so a codec there is damage
  // even if it would decode to zeros — then the bytes themselves.
  const auto stored = std::make_unique_for_overwrite<char[]>(n);
  Slice read;
  STRATA_RETURN_IF_ERROR(file_->Read(offset, n, &read, stored.get()));
  if (read.size() != n) {
    return CorruptionAt(file_name_, offset, "truncated block read");
  }
  const size_t size = n - kBlockTrailerSize;
  if (!BlockChecksumMatches(read.data(), size)) {
    return CorruptionAt(file_name_, offset, "block checksum mismatch");
  }
  if (read[size] != 0) {
    return CorruptionAt(file_name_, offset,
                        "padding between data blocks is not stored raw");
  }
  const char* p = read.data();
  if (std::any_of(p, p + size, [](char c) { return c != 0; })) {
    return CorruptionAt(file_name_, offset,
                        "padding between data blocks is not zeros");
  }
  return Status::OK();
}

size_t Table::MemoryUsage() const {
  size_t usage = sizeof(Table) + filter_contents_.allocated;
  if (range_tombstones_ != nullptr) {
    for (size_t i = 0; i < range_tombstones_->size(); ++i) {
      const auto& f = range_tombstones_->fragment(i);
      usage += f.begin.size() + f.end.size() + sizeof(f);
    }
    usage += range_tombstones_->NumTombstones() * sizeof(SequenceNumber);
    for (const RangeTombstone& t : range_tombstones_->timed()) {
      usage += t.begin.size() + t.end.size() + sizeof(t);
    }
  }
  if (index_block_ != nullptr) usage += index_block_->MemoryUsage();
  usage += index_prefixes_.MemoryUsage() - sizeof(index_prefixes_);
  return usage;
}

}  // namespace strata::internal
