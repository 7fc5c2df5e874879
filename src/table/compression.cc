#include "table/compression.h"

#include <lz4.h>
#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "base/coding.h"
#include "base/result.h"
#include "table/block_buffer.h"

namespace strata::internal {
namespace {

// Worst-case expansion of each format, from its encoding:
// - snappy: a 3-byte copy yields at most 64 bytes (21.3x);
// - LZ4: each extra match-length byte yields 255 bytes;
// - zstd: a 4-byte RLE block yields a whole 128 KiB block (32768x).
// The constants are rounded up so that valid data is never rejected.
constexpr size_t kSnappyMaxRatio = 32;
constexpr size_t kLz4MaxRatio = 256;
constexpr size_t kZstdMaxRatio = 32768;

size_t MulCapped(size_t n, size_t ratio) {
  if (n > kMaxUncompressedBlockSize / ratio) return kMaxUncompressedBlockSize;
  return std::min(n * ratio, kMaxUncompressedBlockSize);
}

struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// One decompression context per thread: creating one costs an allocation
// of ~100 KiB, too much to pay per block.
ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(
      ZSTD_createDCtx());
  return ctx.get();
}

// Reads the varint32 length prefix of an LZ4 or zstd block and checks it.
Status ReadLengthPrefix(Compression type, Slice* input, uint32_t* length) {
  const size_t stored = input->size();
  if (!GetVarint32(input, length)) {
    return Status::Corruption("compressed block has a bad length prefix");
  }
  if (*length > MaxUncompressedSize(type, stored)) {
    return Status::Corruption("compressed block claims an impossible size");
  }
  return Status::OK();
}

}  // namespace

size_t MaxUncompressedSize(Compression type, size_t compressed_size) {
  switch (type) {
    case Compression::kNone:
      return compressed_size;
    case Compression::kSnappy:
      return MulCapped(compressed_size, kSnappyMaxRatio);
    case Compression::kLZ4:
      return MulCapped(compressed_size, kLz4MaxRatio);
    case Compression::kZstd:
      return MulCapped(compressed_size, kZstdMaxRatio);
  }
  return 0;
}

bool IsKnownCompression(uint8_t type) {
  return type <= static_cast<uint8_t>(Compression::kZstd);
}

struct Compressor::ZstdContext {
  struct Deleter {
    void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
  };
  std::unique_ptr<ZSTD_CCtx, Deleter> ctx{ZSTD_createCCtx()};
};

Compressor::Compressor(Compression type, int zstd_level)
    : type_(type), zstd_level_(zstd_level) {
  if (type_ == Compression::kZstd) zstd_ = std::make_unique<ZstdContext>();
}

Compressor::~Compressor() = default;

bool Compressor::Compress(const Slice& input, std::string* output) {
  output->clear();
  if (input.size() > kMaxUncompressedBlockSize) return false;
  const auto n = static_cast<uint32_t>(input.size());
  switch (type_) {
    case Compression::kNone:
      return false;
    case Compression::kSnappy: {
      // Snappy's own format starts with the varint32 uncompressed length.
      output->resize(snappy::MaxCompressedLength(n));
      size_t out_len = 0;
      snappy::RawCompress(input.data(), n, output->data(), &out_len);
      output->resize(out_len);
      return true;
    }
    case Compression::kLZ4: {
      PutVarint32(output, n);
      const size_t prefix = output->size();
      const int bound = LZ4_compressBound(static_cast<int>(n));
      if (bound <= 0) return false;
      output->resize(prefix + static_cast<size_t>(bound));
      const int written = LZ4_compress_default(
          input.data(), output->data() + prefix, static_cast<int>(n), bound);
      if (written <= 0) return false;
      output->resize(prefix + static_cast<size_t>(written));
      return true;
    }
    case Compression::kZstd: {
      if (zstd_ == nullptr || zstd_->ctx == nullptr) return false;
      PutVarint32(output, n);
      const size_t prefix = output->size();
      const size_t bound = ZSTD_compressBound(n);
      output->resize(prefix + bound);
      const size_t written =
          ZSTD_compressCCtx(zstd_->ctx.get(), output->data() + prefix, bound,
                            input.data(), n, zstd_level_);
      if (ZSTD_isError(written)) return false;
      output->resize(prefix + written);
      return true;
    }
  }
  return false;
}

Status UncompressedLength(Compression type, Slice* input, size_t* length) {
  switch (type) {
    case Compression::kNone:
      *length = input->size();
      return Status::OK();
    case Compression::kSnappy: {
      // Snappy's own header; the decompressor reads it again.
      if (!snappy::GetUncompressedLength(input->data(), input->size(),
                                         length)) {
        return Status::Corruption("snappy block has a bad length header");
      }
      if (*length > MaxUncompressedSize(type, input->size())) {
        return Status::Corruption("snappy block claims an impossible size");
      }
      return Status::OK();
    }
    case Compression::kLZ4: {
      uint32_t n = 0;
      STRATA_RETURN_IF_ERROR(ReadLengthPrefix(type, input, &n));
      *length = n;
      return Status::OK();
    }
    case Compression::kZstd: {
      uint32_t n = 0;
      STRATA_RETURN_IF_ERROR(ReadLengthPrefix(type, input, &n));
      // zstd's ratio bound is wide (a run of one byte compresses ~32,000
      // times), so a few damaged bytes could claim tens of MiB. The frame
      // header states its content size (the compressor always writes it):
      // a frame that is not one, or that says otherwise, is refused
      // before anything is allocated.
      const unsigned long long declared =
          ZSTD_getFrameContentSize(input->data(), input->size());
      if (declared == ZSTD_CONTENTSIZE_ERROR) {
        return Status::Corruption("zstd block has no valid frame header");
      }
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != n) {
        return Status::Corruption(
            "zstd block's length prefix and frame header disagree");
      }
      *length = n;
      return Status::OK();
    }
  }
  return Status::Corruption("unknown compression type");
}

Status UncompressInto(Compression type, const Slice& input, size_t length,
                      char* output) {
  switch (type) {
    case Compression::kNone:
      if (input.size() != length) {
        return Status::Corruption("raw block has the wrong size");
      }
      std::memcpy(output, input.data(), length);
      return Status::OK();
    case Compression::kSnappy:
      if (!snappy::RawUncompress(input.data(), input.size(), output)) {
        return Status::Corruption("snappy block does not decompress");
      }
      return Status::OK();
    case Compression::kLZ4: {
      if (input.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return Status::Corruption("lz4 block too large");
      }
      const int got = LZ4_decompress_safe(input.data(), output,
                                          static_cast<int>(input.size()),
                                          static_cast<int>(length));
      if (got < 0 || static_cast<size_t>(got) != length) {
        return Status::Corruption("lz4 block does not decompress");
      }
      return Status::OK();
    }
    case Compression::kZstd: {
      ZSTD_DCtx* ctx = ThreadZstdDCtx();
      if (ctx == nullptr) std::abort();  // out of memory (STYLE.md: OOM aborts)
      const size_t got =
          ZSTD_decompressDCtx(ctx, output, length, input.data(), input.size());
      if (ZSTD_isError(got) || got != length) {
        return Status::Corruption("zstd block does not decompress");
      }
      return Status::OK();
    }
  }
  return Status::Corruption("unknown compression type");
}

void ResetThreadDecompressor() {
  ZSTD_DCtx* ctx = ThreadZstdDCtx();
  if (ctx != nullptr) (void)ZSTD_DCtx_reset(ctx, ZSTD_reset_session_only);
}

Status UncompressBlock(Compression type, const Slice& input,
                       std::unique_ptr<char[]>* output, size_t* output_size,
                       size_t* output_capacity) {
  if (type == Compression::kNone) {
    return Status::Corruption("unknown compression type");
  }
  Slice in = input;
  size_t length = 0;
  STRATA_RETURN_IF_ERROR(UncompressedLength(type, &in, &length));
  BlockBuffer buf = AcquireBlockBuffer(length);
  STRATA_RETURN_IF_ERROR(UncompressInto(type, in, length, buf.data.get()));
  *output = std::move(buf.data);
  *output_size = length;
  if (output_capacity != nullptr) *output_capacity = buf.capacity;
  return Status::OK();
}

}  // namespace strata::internal

// Declared in strata/options.h, beside the enum.
namespace strata {

const char* CompressionName(Compression type) {
  switch (type) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLZ4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

}  // namespace strata
