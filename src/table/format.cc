#include "table/format.h"

#include <cassert>
#include <cstring>
#include <iterator>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/result.h"
#include "table/block.h"
#include "table/block_buffer.h"
#include "table/block_builder.h"
#include "table/compression.h"
#include "table/unit_block.h"

namespace strata::internal {
namespace {

// The properties block, one entry per field, in bytewise name order
// (docs/table_format.md#properties-block). "strata.compression" is
// handled on its own since it is not a uint64_t.
struct PropertyField {
  const char* name;
  uint64_t TableProperties::*field;
  // Written only when not zero; absent reads as zero (fields added after
  // version 1's first tables).
  bool optional = false;
};

constexpr char kCompressionName[] = "strata.compression";
// Written only by tables of versioned DBs.
constexpr char kMaxTimestampName[] = "strata.max_timestamp";

constexpr PropertyField kPropertyFields[] = {
    {"strata.creation_time", &TableProperties::creation_time},
    {"strata.data_bytes", &TableProperties::data_bytes},
    {"strata.filter_bytes", &TableProperties::filter_bytes},
    {"strata.index_bytes", &TableProperties::index_bytes},
    {"strata.largest_seqno", &TableProperties::largest_seqno},
    {"strata.num_data_blocks", &TableProperties::num_data_blocks},
    {"strata.num_deletions", &TableProperties::num_deletions},
    {"strata.num_entries", &TableProperties::num_entries},
    {"strata.num_range_deletions", &TableProperties::num_range_deletions},
    {"strata.num_unit_blocks", &TableProperties::num_unit_blocks, true},
    {"strata.page_size", &TableProperties::page_size, true},
    {"strata.raw_key_bytes", &TableProperties::raw_key_bytes},
    {"strata.raw_value_bytes", &TableProperties::raw_value_bytes},
    {"strata.smallest_seqno", &TableProperties::smallest_seqno},
};
constexpr size_t kNumPropertyFields = std::size(kPropertyFields);

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(Slice* input) {
  return GetVarint64(input, &offset) && GetVarint64(input, &size);
}

std::string BlockHandle::Encode() const {
  std::string s;
  EncodeTo(&s);
  return s;
}

// See docs/table_format.md#footer.
void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  metaindex_handle.EncodeTo(dst);
  index_handle.EncodeTo(dst);
  dst->resize(start + kHandlesSize, '\0');
  PutFixed32(dst, version);
  PutFixed32(
      dst, crc32c::Mask(crc32c::Value(dst->data() + start, kHandlesSize + 4)));
  PutFixed64(dst, kTableMagicNumber);
  assert(dst->size() == start + kEncodedLength);
}

Status Footer::DecodeFrom(const Slice& input) {
  if (input.size() != kEncodedLength) {
    return Status::Corruption("footer has the wrong size");
  }
  const char* p = input.data();
  if (DecodeFixed64(p + kHandlesSize + 8) != kTableMagicNumber) {
    return Status::Corruption("bad table magic number");
  }
  const uint32_t version = DecodeFixed32(p + kHandlesSize);
  if (version != kTableFormatVersion && version != kTableFormatVersionUnits) {
    return Status::Corruption("unknown table format version " +
                              std::to_string(version));
  }
  const uint32_t stored = crc32c::Unmask(DecodeFixed32(p + kHandlesSize + 4));
  if (crc32c::Value(p, kHandlesSize + 4) != stored) {
    return Status::Corruption("footer checksum mismatch");
  }
  Slice handles(p, kHandlesSize);
  if (!metaindex_handle.DecodeFrom(&handles) ||
      !index_handle.DecodeFrom(&handles)) {
    return Status::Corruption("footer has malformed block handles");
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    if (handles[i] != '\0') {
      return Status::Corruption("footer padding is not zero");
    }
  }
  this->version = version;
  return Status::OK();
}

Status CorruptionAt(const std::string& file_name, uint64_t offset,
                    std::string_view what) {
  return Status::Corruption(file_name + " offset " + std::to_string(offset),
                            what);
}

bool BlockChecksumMatches(const char* stored, size_t n) {
  return crc32c::Value(stored, n + 1) ==
         crc32c::Unmask(DecodeFixed32(stored + n + 1));
}

namespace {

// A block read where it lies (RandomAccessFile::Visit), in two visits with
// the output's allocation between them: the first learns the block's type
// and the size it decompresses to (from its ends, before its checksum is
// known: a size past kUncheckedSizeLimit is believed only once the
// checksum matches), the second checks the checksum and decompresses the
// bytes it checked (or copies a raw block) into the output. Nothing a
// visit holds needs a destructor while it reads the bytes (an error's
// Status is made after its last read).
struct InPlaceBlock {
  // The most a block's unchecked bytes may have allocated for them.
  static constexpr size_t kUncheckedSizeLimit = size_t{1} << 20;

  size_t n = 0;  // stored size, trailer excluded
  bool verify = false;
  // Learnt by Look:
  Status status;
  uint8_t type = 0;
  size_t length = 0;  // decompressed
  // Written by Decompress:
  char* output = nullptr;

  // The checksum, when asked for; false (and `status`) on a mismatch.
  bool Verified(const Slice& bytes) {
    if (verify && !BlockChecksumMatches(bytes.data(), n)) {
      status = Status::Corruption("block checksum mismatch");
      return false;
    }
    return true;
  }

  static void Look(void* arg, const Slice& bytes) {
    auto* b = static_cast<InPlaceBlock*>(arg);
    if (bytes.size() != b->n + kBlockTrailerSize) {
      b->status = Status::Corruption("truncated block read");
      return;
    }
    b->type = static_cast<uint8_t>(bytes[b->n]);
    const Slice stored(bytes.data(), b->n);
    if (IsUnitCompression(b->type)) {
      b->status = UnitsUncompressedSize(b->type, stored, &b->length);
    } else if (!IsKnownCompression(b->type)) {
      b->status = Status::Corruption("unknown block compression type " +
                                     std::to_string(b->type));
    } else {
      Slice in = stored;
      b->status = UncompressedLength(static_cast<Compression>(b->type), &in,
                                     &b->length);
    }
    // Damage claims what it likes: a large claim (or none) is checked
    // before the caller allocates for it.
    if (!b->status.ok() || b->length > kUncheckedSizeLimit) {
      PrefetchLines(bytes.data(), bytes.size());
      (void)b->Verified(bytes);  // a mismatch replaces the claim's verdict
    }
  }

  static void Decompress(void* arg, const Slice& bytes) {
    auto* b = static_cast<InPlaceBlock*>(arg);
    if (bytes.size() != b->n + kBlockTrailerSize) {
      b->status = Status::Corruption("truncated block read");
      return;
    }
    PrefetchLines(bytes.data(), bytes.size());
    if (!b->Verified(bytes)) return;
    if (static_cast<uint8_t>(bytes[b->n]) != b->type) {
      b->status = Status::Corruption("block changed between reads");
      return;
    }
    const Slice stored(bytes.data(), b->n);
    if (IsUnitCompression(b->type)) {
      b->status = UncompressUnitsInto(b->type, stored, b->length, b->output);
      return;
    }
    const auto codec = static_cast<Compression>(b->type);
    Slice in = stored;
    size_t length = 0;
    b->status = UncompressedLength(codec, &in, &length);
    if (b->status.ok() && length != b->length) {
      b->status = Status::Corruption("block changed between reads");
    }
    if (b->status.ok()) {
      b->status = UncompressInto(codec, in, length, b->output);
    }
  }
};

Status ReadBlockInPlace(const RandomAccessFile& file,
                        const std::string& file_name, const BlockHandle& handle,
                        bool verify_checksum, BlockContents* contents) {
  InPlaceBlock block;
  block.n = static_cast<size_t>(handle.size);
  block.verify = verify_checksum;
  const size_t stored = block.n + kBlockTrailerSize;
  STRATA_RETURN_IF_ERROR(
      file.Visit(handle.offset, stored, nullptr, &InPlaceBlock::Look, &block));
  if (!block.status.ok()) {
    return CorruptionAt(file_name, handle.offset, block.status.message());
  }
  BlockBuffer buffer = AcquireBlockBuffer(block.length);
  block.output = buffer.data.get();
  Status s = file.Visit(handle.offset, stored, nullptr,
                        &InPlaceBlock::Decompress, &block);
  if (!s.ok()) ResetThreadDecompressor();  // it may have been abandoned
  if (s.ok() && !block.status.ok()) {
    s = CorruptionAt(file_name, handle.offset, block.status.message());
  }
  if (!s.ok()) {
    RecycleBlockBuffer(std::move(buffer.data), buffer.capacity);
    return s;
  }
  contents->data = std::move(buffer.data);
  contents->size = block.length;
  contents->allocated = buffer.capacity;
  return Status::OK();
}

}  // namespace

Status ReadBlock(const RandomAccessFile& file, const std::string& file_name,
                 uint64_t limit, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* contents) {
  // Check the handle before trusting its size with an allocation.
  if (handle.size > kMaxUncompressedBlockSize) {
    return CorruptionAt(file_name, handle.offset,
                        "block of " + std::to_string(handle.size) +
                            " bytes is larger than any block strata writes");
  }
  if (handle.size > limit || handle.offset > limit - handle.size ||
      limit - handle.size - handle.offset < kBlockTrailerSize) {
    return CorruptionAt(file_name, handle.offset,
                        "block of " + std::to_string(handle.size) +
                            " bytes runs past its region (ends at " +
                            std::to_string(limit) + ")");
  }
  // A file that lends its bytes (the POSIX Env's mapped files, under their
  // guard) has the block checked and decompressed where it lies: no copy.
  if (file.VisitsInPlace() && !file.ReadsInPlace()) {
    return ReadBlockInPlace(file, file_name, handle, verify_checksum, contents);
  }
  const auto n = static_cast<size_t>(handle.size);
  const size_t stored = n + kBlockTrailerSize;
  // A file that reads in place (an Env's own file in memory, whose Read
  // needs no guard) has a compressed block decompressed straight from it,
  // and only a plain one copied (the block owns its bytes).
  std::unique_ptr<char[]> buffer;
  if (!file.ReadsInPlace())
    buffer = std::make_unique_for_overwrite<char[]>(stored);
  Slice read;
  STRATA_RETURN_IF_ERROR(file.Read(handle.offset, stored, &read, buffer.get()));
  if (read.size() != stored) {
    return CorruptionAt(file_name, handle.offset, "truncated block read");
  }
  const char* data = read.data();
  if (buffer == nullptr) PrefetchLines(data, stored);  // read in place
  if (verify_checksum && !BlockChecksumMatches(data, n)) {
    return CorruptionAt(file_name, handle.offset, "block checksum mismatch");
  }
  const auto type = static_cast<uint8_t>(data[n]);
  if (IsUnitCompression(type)) {
    Status s = UncompressUnits(type, Slice(data, n), contents);
    if (!s.ok()) return CorruptionAt(file_name, handle.offset, s.message());
    return Status::OK();
  }
  if (!IsKnownCompression(type)) {
    return CorruptionAt(
        file_name, handle.offset,
        "unknown block compression type " + std::to_string(type));
  }
  if (type == static_cast<uint8_t>(Compression::kNone)) {
    size_t allocated = stored;
    if (buffer == nullptr || data != buffer.get()) {
      BlockBuffer copy = AcquireBlockBuffer(stored);
      std::memcpy(copy.data.get(), data, stored);
      buffer = std::move(copy.data);
      allocated = copy.capacity;
    }
    contents->data = std::move(buffer);
    contents->size = n;
    contents->allocated = allocated;
    return Status::OK();
  }
  std::unique_ptr<char[]> output;
  size_t output_size = 0;
  size_t output_capacity = 0;
  Status s = UncompressBlock(static_cast<Compression>(type), Slice(data, n),
                             &output, &output_size, &output_capacity);
  if (!s.ok()) return CorruptionAt(file_name, handle.offset, s.message());
  contents->data = std::move(output);
  contents->size = output_size;
  contents->allocated = output_capacity;
  return Status::OK();
}

std::string EncodeProperties(const TableProperties& properties) {
  BlockBuilder builder(1);
  std::string value;
  PutVarint64(&value, static_cast<uint8_t>(properties.compression));
  builder.Add(kCompressionName, value);
  bool max_timestamp_due = properties.has_max_timestamp;
  const auto add_max_timestamp = [&] {
    value.clear();
    PutVarint64(&value, properties.max_timestamp);
    builder.Add(kMaxTimestampName, value);
    max_timestamp_due = false;
  };
  for (const PropertyField& f : kPropertyFields) {
    // In bytewise name order, among the others.
    if (max_timestamp_due && std::strcmp(f.name, kMaxTimestampName) > 0) {
      add_max_timestamp();
    }
    if (f.optional && properties.*f.field == 0) continue;
    value.clear();
    PutVarint64(&value, properties.*f.field);
    builder.Add(f.name, value);
  }
  if (max_timestamp_due) add_max_timestamp();
  return builder.Finish().ToString();
}

Status DecodeProperties(const Block& block, TableProperties* properties) {
  *properties = TableProperties();
  bool seen_compression = false;
  bool seen[kNumPropertyFields] = {};
  BlockIter it(BytewiseComparator(), &block, nullptr, BlockErrorContext{});
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    Slice value = it.value();
    uint64_t v = 0;
    const bool decoded = GetVarint64(&value, &v) && value.empty();
    const Slice name = it.key();
    if (name == Slice(kCompressionName)) {
      if (!decoded || v > 0xff ||
          !IsKnownCompression(static_cast<uint8_t>(v))) {
        return Status::Corruption("bad property strata.compression");
      }
      properties->compression = static_cast<Compression>(v);
      seen_compression = true;
      continue;
    }
    if (name == Slice(kMaxTimestampName)) {
      if (!decoded) {
        return Status::Corruption("bad property strata.max_timestamp");
      }
      properties->has_max_timestamp = true;
      properties->max_timestamp = v;
      continue;
    }
    for (size_t i = 0; i < kNumPropertyFields; ++i) {
      if (name == Slice(kPropertyFields[i].name)) {
        if (!decoded) {
          return Status::Corruption(std::string("bad property ") +
                                    kPropertyFields[i].name);
        }
        properties->*kPropertyFields[i].field = v;
        seen[i] = true;
        break;
      }
    }
  }
  if (!it.status().ok()) {
    return Status::Corruption("malformed properties block");
  }
  if (!seen_compression) {
    return Status::Corruption("missing property strata.compression");
  }
  for (size_t i = 0; i < kNumPropertyFields; ++i) {
    if (!seen[i] && !kPropertyFields[i].optional) {
      return Status::Corruption(std::string("missing property ") +
                                kPropertyFields[i].name);
    }
  }
  return Status::OK();
}

}  // namespace strata::internal
