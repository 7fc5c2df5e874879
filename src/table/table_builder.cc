#include "table/table_builder.h"

#include <algorithm>
#include <cassert>

#include "base/coding.h"
#include "base/crc32c.h"
#include "key/internal_key.h"
#include "key/versioned_key.h"
#include "table/unit_block.h"

namespace strata::internal {

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      compressor_(options.compression),
      data_block_(options.block_restart_interval),
      index_block_(1),
      range_del_block_(1),
      filter_(options.bloom_bits_per_key),
      units_(&compressor_),
      packing_(options.page_size > 0 && options.page_size <= kMaxPageSize &&
               options.block_size <= options.page_size) {
  assert(options_.comparator != nullptr);
  assert(file_ != nullptr);
}

TableBuilder::~TableBuilder() { assert(closed_); }

Slice TableBuilder::FilterKey(const Slice& key) const {
  // A key shorter than the suffix has the empty filter key.
  const size_t cut = options_.filter_key_suffix_len;
  return key.size() >= cut ? Slice(key.data(), key.size() - cut) : Slice();
}

void TableBuilder::Add(const Slice& key, const Slice& value) {
  assert(!closed_);
  if (!status_.ok()) return;
  if (properties_.num_entries > 0 &&
      options_.comparator->Compare(key, Slice(last_key_)) <= 0) {
    status_ = Status::InvalidArgument(
        "TableBuilder::Add: key does not sort after the previous key");
    return;
  }
  // An entry's bytes at most: three varints, the whole key, the value and
  // a restart offset.
  if (packing_) {
    FitToPage(key.size() + value.size() + 3 * 5 + 4,
              key.size() >= kTagSize &&
                  static_cast<ValueType>(ExtractTag(key) & 0xff) ==
                      ValueType::kValuePointer);
  }
  if (!status_.ok()) return;
  if (pending_index_entry_) AddIndexEntry(&key);
  filter_.AddKey(FilterKey(key));
  if (options_.versioned_keys && key.size() >= kTagSize + kTimestampSize) {
    const uint64_t ts = ExtractTimestamp(ExtractUserKey(key));
    if (ts > properties_.max_timestamp) properties_.max_timestamp = ts;
  }
  if (options_.compression_unit_size > 0) MaybeCutUnit(key);
  last_key_.assign(key.data(), key.size());
  ++properties_.num_entries;
  properties_.raw_key_bytes += key.size();
  properties_.raw_value_bytes += value.size();
  data_block_.Add(key, value);
  ++block_entries_;
  if (key.size() >= kTagSize &&
      static_cast<ValueType>(ExtractTag(key) & 0xff) ==
          ValueType::kValuePointer) {
    ++block_pointers_;
  }
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) {
    FlushDataBlock();
  }
}

void TableBuilder::AddRangeTombstone(const Slice& key, const Slice& value) {
  assert(!closed_);
  if (!status_.ok()) return;
  if (properties_.num_range_deletions > 0 &&
      options_.comparator->Compare(key, Slice(last_range_del_key_)) <= 0) {
    status_ = Status::InvalidArgument(
        "TableBuilder::AddRangeTombstone: key does not sort after the "
        "previous tombstone");
    return;
  }
  last_range_del_key_.assign(key.data(), key.size());
  ++properties_.num_range_deletions;
  range_del_block_.Add(key, value);
}

void TableBuilder::AddIndexEntry(const Slice* next_key) {
  assert(pending_index_entry_);
  // The index key must be >= every key of the block and < every key of the
  // next one; the comparator may shorten it within that range.
  std::string separator = last_key_;
  if (next_key != nullptr) {
    options_.comparator->FindShortestSeparator(&separator, *next_key);
  } else {
    options_.comparator->FindShortSuccessor(&separator);
  }
  index_block_.Add(separator, pending_handle_.Encode());
  pending_index_entry_ = false;
}

void TableBuilder::MaybeCutUnit(const Slice& key) {
  if (data_block_.empty() || !data_block_.NextAddRestarts()) return;
  const size_t offset = data_block_.EntriesSize();
  if (offset - unit_start_ < options_.compression_unit_size) return;
  std::string separator = last_key_;
  options_.comparator->FindShortestSeparator(&separator, key);
  separator_bytes_ += VarintLength(separator.size()) + separator.size();
  unit_cuts_.push_back(static_cast<uint32_t>(offset));
  unit_separators_.push_back(std::move(separator));
  unit_start_ = offset;
  // Compress the unit now, while its bytes are warm, so that the stored
  // size of the block so far is known (page packing estimates by it); not
  // in a block of value pointers, which is likely to stay raw.
  if (options_.compression != Compression::kNone && !units_failed_ &&
      block_pointers_ * 2 < block_entries_ &&
      !EncodeUnitsUpTo(data_block_.Entries(), unit_cuts_.size() - 1)) {
    units_failed_ = true;
  }
}

bool TableBuilder::EncodeUnitsUpTo(const Slice& entries, size_t last) {
  assert(last <= unit_cuts_.size());
  for (size_t i = units_.num_units(); i <= last; ++i) {
    const size_t begin = i == 0 ? 0 : unit_cuts_[i - 1];
    const size_t end = i < unit_cuts_.size() ? unit_cuts_[i] : entries.size();
    const size_t stored_before = units_.stored_size();
    if (!units_.Add(Slice(entries.data() + begin, end - begin))) return false;
    NoteRatio(units_.stored_size() - stored_before, end - begin);
  }
  return true;
}

size_t TableBuilder::EstimateStoredSize(size_t extra, bool pointer) const {
  const size_t raw = data_block_.CurrentSizeEstimate() + extra;
  // As FlushDataBlock decides: raw without compression, or when half the
  // entries are value pointers.
  if (options_.compression == Compression::kNone ||
      (block_pointers_ + (pointer ? 1 : 0)) * 2 >= block_entries_ + 1) {
    return raw;
  }
  const uint64_t pending = raw - units_.raw_size();
  // The table's ratio so far, or the last unit's or block's when that is
  // worse (data that stops compressing); a table's first bytes are taken
  // to be incompressible.
  uint64_t estimate =
      ratio_raw_ == 0 ? pending : pending * ratio_stored_ / ratio_raw_;
  if (recent_raw_ > 0) {
    estimate = std::max(estimate, pending * recent_stored_ / recent_raw_);
  }
  estimate += estimate / 32 + 8;  // err large: a short block wastes less
  estimate += units_.stored_size();
  if (options_.compression_unit_size > 0) {
    // The directory: the unit count, each unit's size and checksum (one
    // more unit than now, and its separator, in case the entry starts
    // one), the separators and the tail.
    estimate += 5 + (unit_cuts_.size() + 2) * (3 + 4) + separator_bytes_ +
                last_key_.size() + 5 + kUnitTailSize;
  }
  // A block that compresses by less than 1/8 is stored raw (WriteBlock).
  return estimate > raw - raw / 8 ? raw : static_cast<size_t>(estimate);
}

void TableBuilder::NoteRatio(size_t stored, size_t raw) {
  ratio_stored_ += stored;
  ratio_raw_ += raw;
  recent_stored_ = stored;
  recent_raw_ = raw;
}

size_t TableBuilder::PageRoom() const {
  const uint64_t page = options_.page_size;
  return static_cast<size_t>(page - offset_ % page);
}

void TableBuilder::PadToNextPage() {
  const size_t room = PageRoom();
  // A padding block needs at least its trailer: with fewer bytes left,
  // it ends at the boundary after next.
  WritePadding(room >= kBlockTrailerSize ? room : room + options_.page_size);
}

// See docs/table_format.md#page-packing.
void TableBuilder::FitToPage(size_t entry_bytes, bool pointer) {
  const size_t page = options_.page_size;
  if (!data_block_.empty()) {
    // Leave room for the trailer and for a padding block after it.
    if (EstimateStoredSize(entry_bytes, pointer) + 2 * kBlockTrailerSize <=
        PageRoom()) {
      return;
    }
    FlushDataBlock();
    if (!status_.ok()) return;
  }
  const size_t room = PageRoom();
  if (room == page) return;  // at a page boundary
  const size_t need =
      EstimateStoredSize(entry_bytes, pointer) + 2 * kBlockTrailerSize;
  // A block that could not fit in a whole page goes where it is; one that
  // cannot fit here, or a sliver of a page not worth a block of its own
  // (an index entry and a read for a few entries), starts the next page.
  if (need > page) return;
  if (need > room || room < page / 8) PadToNextPage();
}

void TableBuilder::WritePadding(size_t n) {
  assert(n >= kBlockTrailerSize);
  padding_.assign(n - kBlockTrailerSize, '\0');
  BlockHandle unused;
  WriteRawBlock(Slice(padding_), Compression::kNone, &unused);
  if (status_.ok()) padding_bytes_ += n;
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  assert(!pending_index_entry_);
  // A block of value pointers (half its entries or more) stays raw: the
  // values are in the value log, the tables are a few percent of the data,
  // so the bytes compression saves there are few, while every read that
  // misses the cache would pay for decompressing them.
  const bool compress = block_pointers_ * 2 < block_entries_;
  const Slice block = data_block_.Finish();
  // Units when the block has more than one and they save what a whole
  // block must (see WriteBlock); else the block whole.
  Slice contents;
  uint8_t type = 0;
  if (compress && !unit_cuts_.empty() && unit_cuts_.size() < kMaxUnits &&
      options_.compression != Compression::kNone && !units_failed_ &&
      EncodeUnitsUpTo(block, unit_cuts_.size())) {
    const Slice stored = units_.Finish(unit_separators_);
    if (stored.size() <= block.size() - block.size() / 8) {
      contents = stored;
      type = static_cast<uint8_t>(kUnitsFlag |
                                  static_cast<uint8_t>(compressor_.type()));
      ++properties_.num_unit_blocks;
    }
  }
  if (contents.empty()) contents = MaybeCompress(block, compress, &type);
  // FitToPage ended the block by an estimate; should the block come out
  // larger than estimated, it goes to the next page rather than across.
  const size_t stored = contents.size() + kBlockTrailerSize;
  if (packing_ && stored <= options_.page_size && stored > PageRoom()) {
    PadToNextPage();
  }
  WriteRawBlock(contents, type, &pending_handle_);
  unit_cuts_.clear();
  unit_separators_.clear();
  unit_start_ = 0;
  separator_bytes_ = 0;
  units_.Reset();
  units_failed_ = false;
  data_block_.Reset();
  block_entries_ = 0;
  block_pointers_ = 0;
  if (!status_.ok()) return;
  pending_index_entry_ = true;
  ++properties_.num_data_blocks;
}

Slice TableBuilder::MaybeCompress(const Slice& block, bool compress,
                                  uint8_t* type) {
  *type = static_cast<uint8_t>(Compression::kNone);
  // Store compressed only when it saves at least 1/8 of the block: below
  // that, decompressing on every read costs more than the bytes save.
  if (compress && compressor_.Compress(block, &compressed_)) {
    NoteRatio(compressed_.size(), block.size());
    if (compressed_.size() <= block.size() - block.size() / 8) {
      *type = static_cast<uint8_t>(compressor_.type());
      return Slice(compressed_);
    }
  }
  return block;
}

void TableBuilder::WriteBlock(const Slice& block, bool compress,
                              BlockHandle* handle) {
  uint8_t type = 0;
  const Slice contents = MaybeCompress(block, compress, &type);
  WriteRawBlock(contents, type, handle);
}

// See docs/table_format.md#block-trailer.
void TableBuilder::WriteRawBlock(const Slice& contents, uint8_t type,
                                 BlockHandle* handle) {
  if (!status_.ok()) return;
  handle->offset = offset_;
  handle->size = contents.size();
  status_ = file_->Append(contents);
  if (!status_.ok()) return;
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(type);
  uint32_t crc = crc32c::Value(contents.data(), contents.size());
  crc = crc32c::Extend(crc, trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
  status_ = file_->Append(Slice(trailer, kBlockTrailerSize));
  if (!status_.ok()) return;
  offset_ += contents.size() + kBlockTrailerSize;
}

Status TableBuilder::Finish(const TableProperties& caller) {
  assert(!closed_);
  closed_ = true;
  FlushDataBlock();
  if (!status_.ok()) return status_;
  if (pending_index_entry_) AddIndexEntry(nullptr);
  properties_.data_bytes = offset_;

  // See docs/table_format.md#file-layout for the order of the blocks.
  BlockHandle index_handle;
  WriteBlock(index_block_.Finish(), /*compress=*/true, &index_handle);
  if (!status_.ok()) return status_;
  properties_.index_bytes = index_handle.size + kBlockTrailerSize;

  BlockHandle filter_handle;
  const std::string filter = filter_.Finish();
  if (!filter.empty()) {
    WriteRawBlock(filter, Compression::kNone, &filter_handle);
    if (!status_.ok()) return status_;
    properties_.filter_bytes = filter_handle.size + kBlockTrailerSize;
  }

  BlockHandle range_del_handle;
  const bool has_range_del = properties_.num_range_deletions > 0;
  if (has_range_del) {
    WriteBlock(range_del_block_.Finish(), /*compress=*/true, &range_del_handle);
    if (!status_.ok()) return status_;
  }

  properties_.num_deletions = caller.num_deletions;
  properties_.smallest_seqno = caller.smallest_seqno;
  properties_.largest_seqno = caller.largest_seqno;
  properties_.creation_time = caller.creation_time;
  properties_.has_max_timestamp = options_.versioned_keys;
  properties_.compression = options_.compression;
  if (packing_) properties_.page_size = options_.page_size;
  BlockHandle properties_handle;
  WriteRawBlock(EncodeProperties(properties_), Compression::kNone,
                &properties_handle);

  // Metaindex entries in bytewise name order.
  BlockBuilder metaindex(1);
  if (!filter.empty()) metaindex.Add(kFilterBlockName, filter_handle.Encode());
  metaindex.Add(kPropertiesBlockName, properties_handle.Encode());
  if (has_range_del) {
    metaindex.Add(kRangeDelBlockName, range_del_handle.Encode());
  }
  BlockHandle metaindex_handle;
  WriteRawBlock(metaindex.Finish(), Compression::kNone, &metaindex_handle);
  if (!status_.ok()) return status_;

  Footer footer;
  footer.metaindex_handle = metaindex_handle;
  footer.index_handle = index_handle;
  if (properties_.num_unit_blocks > 0) {
    footer.version = kTableFormatVersionUnits;
  }
  std::string encoded;
  footer.EncodeTo(&encoded);
  status_ = file_->Append(encoded);
  if (status_.ok()) offset_ += encoded.size();
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace strata::internal
