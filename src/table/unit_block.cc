#include "table/unit_block.h"

#include <cassert>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/result.h"
#include "table/block_buffer.h"

namespace strata::internal {

bool IsUnitCompression(uint8_t type) {
  if ((type & kUnitsFlag) == 0) return false;
  const uint8_t codec = type & ~kUnitsFlag;
  return codec != static_cast<uint8_t>(Compression::kNone) &&
         IsKnownCompression(codec);
}

void UnitEncoder::Reset() {
  output_.clear();
  directory_.clear();
  num_units_ = 0;
  raw_size_ = 0;
}

bool UnitEncoder::Add(const Slice& unit) {
  assert(!unit.empty());
  if (!compressor_->Compress(unit, &unit_)) return false;
  output_.append(unit_);
  PutVarint32(&directory_, static_cast<uint32_t>(unit_.size()));
  PutFixed32(&directory_,
             crc32c::Mask(crc32c::Value(unit_.data(), unit_.size())));
  ++num_units_;
  raw_size_ += unit.size();
  return true;
}

// See docs/table_format.md#unit-compressed-blocks.
Slice UnitEncoder::Finish(const std::vector<std::string>& separators) {
  assert(num_units_ >= 2 && separators.size() + 1 == num_units_);
  const size_t directory_start = output_.size();
  PutVarint32(&output_, static_cast<uint32_t>(num_units_));
  output_.append(directory_);
  for (const std::string& separator : separators) {
    PutLengthPrefixedSlice(&output_, separator);
  }
  const size_t directory_size = output_.size() - directory_start;
  PutFixed32(&output_, static_cast<uint32_t>(directory_size));
  // The trailer's type (the codec) too: a reader of one unit trusts it.
  const char type =
      static_cast<char>(kUnitsFlag | static_cast<uint8_t>(compressor_->type()));
  uint32_t crc =
      crc32c::Value(output_.data() + directory_start, directory_size + 4);
  crc = crc32c::Extend(crc, &type, 1);
  PutFixed32(&output_, crc32c::Mask(crc));
  return Slice(output_);
}

Status UnitDirectory::Size(const Slice& tail, uint64_t stored_size,
                           size_t* size) {
  assert(tail.size() == kUnitTailSize);
  const uint32_t directory_size = DecodeFixed32(tail.data());
  if (stored_size < kUnitTailSize ||
      directory_size > stored_size - kUnitTailSize) {
    return Status::Corruption("unit directory larger than its block");
  }
  *size = directory_size + kUnitTailSize;
  return Status::OK();
}

Status UnitDirectory::Parse(const Slice& bytes, uint64_t stored_size,
                            uint8_t type, bool verify) {
  if (bytes.size() < kUnitTailSize || bytes.size() > stored_size) {
    return Status::Corruption("unit directory larger than its block");
  }
  const size_t directory_size = bytes.size() - kUnitTailSize;
  if (DecodeFixed32(bytes.data() + directory_size) != directory_size) {
    return Status::Corruption("unit directory size mismatch");
  }
  if (verify) {
    const uint32_t expected =
        crc32c::Unmask(DecodeFixed32(bytes.data() + directory_size + 4));
    uint32_t crc = crc32c::Value(bytes.data(), directory_size + 4);
    const char type_byte = static_cast<char>(type);
    crc = crc32c::Extend(crc, &type_byte, 1);
    if (crc != expected) {
      return Status::Corruption("unit directory checksum mismatch");
    }
  }
  Slice in(bytes.data(), directory_size);
  if (!GetVarint32(&in, &num_units_) || num_units_ < 2 ||
      num_units_ > kMaxUnits || num_units_ > in.size() / 5) {
    return Status::Corruption("bad unit count");
  }
  units_ = in.data();
  const uint64_t units_bytes = stored_size - bytes.size();
  uint64_t total = 0;
  for (uint32_t i = 0; i < num_units_; ++i) {
    uint32_t size = 0;
    if (!GetVarint32(&in, &size) || size == 0 || in.size() < 4) {
      return Status::Corruption("malformed unit directory");
    }
    in.remove_prefix(4);
    total += size;
  }
  if (total != units_bytes) {
    return Status::Corruption("units do not fill their block");
  }
  separators_ = in.data();
  for (uint32_t i = 0; i + 1 < num_units_; ++i) {
    Slice separator;
    if (!GetLengthPrefixedSlice(&in, &separator)) {
      return Status::Corruption("malformed unit separator");
    }
  }
  if (!in.empty()) return Status::Corruption("unit directory has extra bytes");
  end_ = in.data();
  return Status::OK();
}

UnitDirectory::Cursor UnitDirectory::Begin() const {
  Cursor c;
  c.units = Slice(units_, static_cast<size_t>(separators_ - units_));
  c.separators = Slice(separators_, static_cast<size_t>(end_ - separators_));
  return c;
}

UnitDirectory::Unit UnitDirectory::Next(Cursor* c) const {
  assert(c->index < num_units_);
  // Parse() checked every field this walks.
  Unit u;
  u.offset = c->offset;
  GetVarint32(&c->units, &u.size);
  u.crc = crc32c::Unmask(DecodeFixed32(c->units.data()));
  c->units.remove_prefix(4);
  c->offset += u.size;
  if (c->index + 1 < num_units_) {
    GetLengthPrefixedSlice(&c->separators, &u.separator);
  }
  ++c->index;
  return u;
}

UnitDirectory::Unit UnitDirectory::unit(uint32_t i) const {
  assert(i < num_units_);
  Cursor c = Begin();
  Unit u;
  for (uint32_t j = 0; j <= i; ++j) u = Next(&c);
  u.separator = Slice();
  return u;
}

uint32_t UnitDirectory::Find(const Comparator* cmp, const Slice& target) const {
  Slice in(separators_, static_cast<size_t>(end_ - separators_));
  for (uint32_t i = 0; i + 1 < num_units_; ++i) {
    Slice separator;
    GetLengthPrefixedSlice(&in, &separator);
    if (cmp->Compare(separator, target) >= 0) return i;
  }
  return num_units_ - 1;
}

namespace {

// The block's directory, parsed from `stored` (a unit-compressed block).
Status ParseUnitDirectory(uint8_t type, const Slice& stored,
                          UnitDirectory* directory) {
  if (stored.size() < kUnitTailSize) {
    return Status::Corruption("unit-compressed block too small");
  }
  size_t directory_size = 0;
  STRATA_RETURN_IF_ERROR(UnitDirectory::Size(
      Slice(stored.data() + stored.size() - kUnitTailSize, kUnitTailSize),
      stored.size(), &directory_size));
  // The trailer's checksum covers the directory too.
  return directory->Parse(
      Slice(stored.data() + stored.size() - directory_size, directory_size),
      stored.size(), type, /*verify=*/false);
}

}  // namespace

Status UnitsUncompressedSize(uint8_t type, const Slice& stored, size_t* total) {
  const Compression codec = UnitCodec(type);
  UnitDirectory directory;
  STRATA_RETURN_IF_ERROR(ParseUnitDirectory(type, stored, &directory));
  // The lengths first, to allocate once; one pass over the directory (the
  // units may be many).
  *total = 0;
  UnitDirectory::Cursor c = directory.Begin();
  for (uint32_t i = 0; i < directory.num_units(); ++i) {
    const UnitDirectory::Unit u = directory.Next(&c);
    Slice in(stored.data() + u.offset, u.size);
    size_t length = 0;
    STRATA_RETURN_IF_ERROR(UncompressedLength(codec, &in, &length));
    if (length == 0) return Status::Corruption("empty unit");
    if (length > kMaxUncompressedBlockSize - *total) {
      return Status::Corruption("unit-compressed block too large");
    }
    *total += length;
  }
  return Status::OK();
}

Status UncompressUnitsInto(uint8_t type, const Slice& stored, size_t total,
                           char* output) {
  const Compression codec = UnitCodec(type);
  UnitDirectory directory;
  STRATA_RETURN_IF_ERROR(ParseUnitDirectory(type, stored, &directory));
  // Each unit into its place.
  size_t done = 0;
  UnitDirectory::Cursor c = directory.Begin();
  for (uint32_t i = 0; i < directory.num_units(); ++i) {
    const UnitDirectory::Unit u = directory.Next(&c);
    Slice in(stored.data() + u.offset, u.size);
    size_t length = 0;
    STRATA_RETURN_IF_ERROR(UncompressedLength(codec, &in, &length));
    if (length > total - done) {
      return Status::Corruption("unit-compressed block too large");
    }
    STRATA_RETURN_IF_ERROR(UncompressInto(codec, in, length, output + done));
    done += length;
  }
  if (done != total) return Status::Corruption("unit lengths changed");
  return Status::OK();
}

Status UncompressUnits(uint8_t type, const Slice& stored,
                       BlockContents* contents) {
  size_t total = 0;
  STRATA_RETURN_IF_ERROR(UnitsUncompressedSize(type, stored, &total));
  BlockBuffer buffer = AcquireBlockBuffer(total);
  Status s = UncompressUnitsInto(type, stored, total, buffer.data.get());
  if (!s.ok()) {
    RecycleBlockBuffer(std::move(buffer.data), buffer.capacity);
    return s;
  }
  contents->data = std::move(buffer.data);
  contents->size = total;
  contents->allocated = buffer.capacity;
  return Status::OK();
}

}  // namespace strata::internal
