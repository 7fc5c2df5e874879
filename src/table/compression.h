// Block compression for tables: snappy, LZ4 and zstd (Debian's libsnappy,
// liblz4, libzstd), in the framing of docs/table_format.md#compressed-blocks.
// Every compressed form carries the uncompressed length up front, so a
// reader allocates the output once, after checking the length against
// MaxUncompressedSize().
//
// Thread-safety: a Compressor is used by one thread at a time (it keeps a
// zstd context). UncompressBlock() is safe to call from many threads.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "strata/options.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::internal {

// The zstd level tables are written with (see docs/table_format.md for the
// measurements behind it).
inline constexpr int kZstdLevel = 1;

// No block, compressed or not, may be larger than this when uncompressed
// (or stored): it bounds what a reader allocates for any length read from
// a file (64 MiB). Options keep every block below it: block_size <= 16 MiB
// and max_key_size + max_value_size <= 62 MiB.
inline constexpr size_t kMaxUncompressedBlockSize = size_t{64} << 20;

// The largest uncompressed size `compressed_size` bytes of `type` can
// legitimately decode to: the format's own worst-case expansion ratio,
// capped at kMaxUncompressedBlockSize. kNone returns `compressed_size`.
size_t MaxUncompressedSize(Compression type, size_t compressed_size);

// True for the kinds this build can write and read (all four).
bool IsKnownCompression(uint8_t type);

// Compresses blocks of one table, reusing its working memory.
class Compressor {
 public:
  // `zstd_level` is used only for kZstd; tables use kZstdLevel.
  explicit Compressor(Compression type, int zstd_level = kZstdLevel);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Compression type() const { return type_; }

  // Replaces `*output` with the compressed form of `input` (length prefix
  // included). Returns false when the library failed or `input` is too
  // large to compress (> kMaxUncompressedBlockSize); the caller then stores
  // the block raw. For kNone it returns false.
  bool Compress(const Slice& input, std::string* output);

 private:
  struct ZstdContext;

  const Compression type_;
  const int zstd_level_;
  std::unique_ptr<ZstdContext> zstd_;  // only for kZstd
};

// Reads the uncompressed length at the front of `input` (a compressed form
// of `type`, see docs/table_format.md#compressed-blocks) and checks it
// against MaxUncompressedSize(). LZ4 and zstd forms have their varint32
// prefix removed from `*input`; snappy keeps its own header, which its
// decompressor reads again. kNone: the length is input->size().
Status UncompressedLength(Compression type, Slice* input, size_t* length);

// Decompresses `input`, as UncompressedLength() left it, into the `length`
// bytes at `output`; Corruption unless it yields exactly `length` bytes.
Status UncompressInto(Compression type, const Slice& input, size_t length,
                      char* output);

// Decompresses a block's stored bytes `input` of compression `type`.
// On success `*output` holds the `*output_size` bytes, in a buffer of
// `*output_capacity` bytes when that is asked for (the buffer may be a
// recycled one, see block_buffer.h, and a little larger). On failure
// returns Corruption whose message says what was wrong (the caller adds
// the file and offset). Never allocates more than
// MaxUncompressedSize(type, input.size()) bytes, plus the rounding of
// block_buffer.h (under 1 KiB).
// REQUIRES: type != Compression::kNone.
Status UncompressBlock(Compression type, const Slice& input,
                       std::unique_ptr<char[]>* output, size_t* output_size,
                       size_t* output_capacity = nullptr);

// Readies this thread's decompression state for its next use after a
// decompression was abandoned part way (a fault under a mapping ended it:
// RandomAccessFile::Visit). Only zstd keeps such state (a context per
// thread); the call is cheap either way.
void ResetThreadDecompressor();

}  // namespace strata::internal
