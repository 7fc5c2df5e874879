// Unit-compressed data blocks (docs/table_format.md#unit-compressed-blocks).
//
// A data block is compressed as a few independent units, each a run of
// whole restart intervals, followed by a directory: every unit's stored
// size and checksum, and a separator key between each unit and the next.
// A point read that misses the block cache then checks and decompresses
// only the unit that can hold its key (a third of the block, typically),
// where a whole-block form makes it decompress all of it; a scan or a
// cache fill decompresses every unit into the same bytes the whole block
// would have been.
//
// Thread-safety: the functions are pure; a UnitDirectory is immutable.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/comparator.h"
#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "table/compression.h"
#include "table/format.h"

namespace strata::internal {

// A block's trailer type with this bit set is unit-compressed with the
// codec in the low bits (1 snappy, 2 LZ4, 3 zstd).
inline constexpr uint8_t kUnitsFlag = 0x80;

// directory_size and directory_crc, after the directory.
inline constexpr size_t kUnitTailSize = 8;

// The most units a block may have: a reader keeps 32 bytes per unit, so a
// crafted directory must not make it allocate much more than the block.
// Writers store a block of more units whole.
inline constexpr uint32_t kMaxUnits = 1 << 16;

// True if `type` (a trailer's) names a unit-compressed block this build
// reads.
bool IsUnitCompression(uint8_t type);
// The codec of a unit-compressed type. REQUIRES: IsUnitCompression(type).
inline Compression UnitCodec(uint8_t type) {
  return static_cast<Compression>(type & ~kUnitsFlag);
}

// Builds a unit-compressed block's stored form a unit at a time, so that
// a writer knows the stored size of the units it has closed while the
// block is still open (table_builder.cc packs blocks into pages by it).
class UnitEncoder {
 public:
  // Borrows `compressor`, which must outlive the encoder.
  explicit UnitEncoder(Compressor* compressor) : compressor_(compressor) {}

  // Forgets every unit: a new block.
  void Reset();
  // Compresses `unit` (uncompressed bytes, whole restart intervals of the
  // block) and appends it. Returns false, and keeps nothing of it, if the
  // compressor fails.
  bool Add(const Slice& unit);
  size_t num_units() const { return num_units_; }
  // Stored bytes of the units added so far, and their uncompressed bytes.
  size_t stored_size() const { return output_.size(); }
  size_t raw_size() const { return raw_size_; }

  // Appends the directory, with `separators` (one fewer than the units),
  // and returns the whole stored form, valid until the next Reset().
  // REQUIRES: num_units() >= 2 and separators.size() == num_units() - 1.
  Slice Finish(const std::vector<std::string>& separators);

 private:
  Compressor* const compressor_;
  std::string output_;     // the units, then the directory after Finish()
  std::string directory_;  // (size, crc) pairs so far
  std::string unit_;       // the compressor's scratch output
  size_t num_units_ = 0;
  size_t raw_size_ = 0;
};

// The directory of a unit-compressed block, parsed and checked against the
// block's stored size. Borrows the bytes it was parsed from.
class UnitDirectory {
 public:
  // How many bytes at the end of the stored block the directory takes,
  // from the block's last kUnitTailSize bytes `tail`; Corruption if that
  // cannot fit in `stored_size` bytes.
  static Status Size(const Slice& tail, uint64_t stored_size, size_t* size);

  // Parses `bytes`, the last Size() bytes of a stored block of
  // `stored_size` bytes whose trailer has `type`, checking its checksum
  // (which covers `type`) when `verify`. Every unit lies within the block
  // and the units fill it up to the directory.
  Status Parse(const Slice& bytes, uint64_t stored_size, uint8_t type,
               bool verify);

  uint32_t num_units() const { return num_units_; }

  struct Unit {
    uint64_t offset = 0;  // within the stored block
    uint32_t size = 0;
    uint32_t crc = 0;  // crc32c of the unit's stored bytes (unmasked)
    Slice separator;   // after the unit (from Next(); empty for the last)
  };
  // The units in order, one step each: Begin(), then Next() at most
  // num_units() times.
  struct Cursor {
    Slice units;
    Slice separators;
    uint64_t offset = 0;
    uint32_t index = 0;
  };
  Cursor Begin() const;
  Unit Next(Cursor* cursor) const;
  // Unit `i` (separator left empty), walking from the first: O(i).
  // REQUIRES: i < num_units().
  Unit unit(uint32_t i) const;

  // The first unit that can hold a key >= `target`: the first whose
  // separator is >= target, else the last.
  uint32_t Find(const Comparator* cmp, const Slice& target) const;

 private:
  uint32_t num_units_ = 0;
  const char* units_ = nullptr;       // (size, crc) pairs
  const char* separators_ = nullptr;  // length-prefixed keys
  const char* end_ = nullptr;         // of the directory proper
};

// Decompresses a whole unit-compressed block (`stored`, of type `type`,
// its trailer checksum already verified as the caller chose) into
// `*contents`: the bytes its whole-block form would decompress to.
// Corruption(what) on damage; the caller adds file and offset.
Status UncompressUnits(uint8_t type, const Slice& stored,
                       BlockContents* contents);

// UncompressUnits in two steps, for a block read where it lies
// (RandomAccessFile::Visit), whose buffer is allocated between them: the
// size the block decompresses to, then the decompression into `output`
// (`total` bytes, as UnitsUncompressedSize gave). Neither allocates except
// for an error's message.
Status UnitsUncompressedSize(uint8_t type, const Slice& stored, size_t* total);
Status UncompressUnitsInto(uint8_t type, const Slice& stored, size_t total,
                           char* output);

}  // namespace strata::internal
