// Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.cc) and the
// corpus writer (make_corpus.cc): files backed by strings, a fixed-clock
// Env, a consumer of fuzzer bytes, and "re-signers" that recompute the
// checksums of a log or table file so that mutated bytes reach the decoders
// behind the checksums instead of stopping at them.
//
// Test-only. Thread-safety: none needed; each fuzz input runs on one thread
// (the DB's own background threads never see these helpers, except the Env,
// which forwards to a thread-safe one).

#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "strata/comparator.h"
#include "strata/env.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "table/block.h"
#include "table/format.h"
#include "wal/log_format.h"

namespace strata::fuzz {

// A broken property of the code under test: print and abort, which
// libFuzzer reports as a crash and saves the input.
#define STRATA_FUZZ_CHECK(cond, msg)                                       \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s: %s\n", __FILE__, \
                   __LINE__, #cond, std::string(msg).c_str());             \
      std::abort();                                                        \
    }                                                                      \
  } while (0)

// Hands out the fuzzer's bytes front to back; past the end it returns
// zeros, so a harness never needs to special-case short inputs.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  uint8_t Byte() {
    return pos_ < size_ ? static_cast<uint8_t>(data_[pos_++]) : 0;
  }
  uint32_t Fixed32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(Byte()) << (8 * i);
    return v;
  }
  // Up to `n` bytes (fewer at the end).
  std::string_view Bytes(size_t n) {
    n = std::min(n, remaining());
    std::string_view s(data_ + pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Rest() { return Bytes(remaining()); }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A SequentialFile over a borrowed string. With `zero_copy` the result
// points into the string, otherwise into the caller's scratch.
class StringSequentialFile final : public SequentialFile {
 public:
  StringSequentialFile(std::string_view contents, bool zero_copy)
      : contents_(contents), zero_copy_(zero_copy) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    n = std::min(n, contents_.size() - pos_);
    if (zero_copy_) {
      *result = Slice(contents_.data() + pos_, n);
    } else {
      if (n > 0) std::memcpy(scratch, contents_.data() + pos_, n);
      *result = Slice(scratch, n);
    }
    pos_ += n;
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    pos_ += static_cast<size_t>(std::min<uint64_t>(n, contents_.size() - pos_));
    return Status::OK();
  }

 private:
  std::string_view contents_;
  bool zero_copy_;
  size_t pos_ = 0;
};

// A RandomAccessFile over a string it owns (`owned`) or borrows (`view`).
class StringRandomAccessFile final : public RandomAccessFile {
 public:
  explicit StringRandomAccessFile(std::string owned)
      : owned_(std::move(owned)), view_(owned_) {}
  static std::unique_ptr<StringRandomAccessFile> Borrow(std::string_view v) {
    auto f = std::make_unique<StringRandomAccessFile>(std::string());
    f->view_ = v;
    return f;
  }

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (offset >= view_.size()) {
      *result = Slice(scratch, 0);
      return Status::OK();
    }
    n = static_cast<size_t>(std::min<uint64_t>(n, view_.size() - offset));
    std::memcpy(scratch, view_.data() + offset, n);
    *result = Slice(scratch, n);
    return Status::OK();
  }

 private:
  std::string owned_;
  std::string_view view_;
};

// A WritableFile appending to a borrowed string.
class StringSink final : public WritableFile {
 public:
  explicit StringSink(std::string* contents) : contents_(contents) {}
  Status Append(const Slice& data) override {
    contents_->append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return contents_->size(); }

 private:
  std::string* contents_;
};

// Forwards everything to `target` but reports a fixed time, so that what a
// DB writes (table creation times, info LOG lines) does not depend on the
// clock and a reference DB comes out byte-identical on every run.
class FixedClockEnv final : public Env {
 public:
  explicit FixedClockEnv(Env* target) : t_(target) {}

  Status NewSequentialFile(const std::string& p,
                           std::unique_ptr<SequentialFile>* r) override {
    return t_->NewSequentialFile(p, r);
  }
  Status NewRandomAccessFile(const std::string& p,
                             std::unique_ptr<RandomAccessFile>* r) override {
    return t_->NewRandomAccessFile(p, r);
  }
  Status NewWritableFile(const std::string& p,
                         std::unique_ptr<WritableFile>* r) override {
    return t_->NewWritableFile(p, r);
  }
  Status NewAppendableFile(const std::string& p,
                           std::unique_ptr<WritableFile>* r) override {
    return t_->NewAppendableFile(p, r);
  }
  bool FileExists(const std::string& p) override { return t_->FileExists(p); }
  Status GetChildren(const std::string& d,
                     std::vector<std::string>* names) override {
    return t_->GetChildren(d, names);
  }
  Status GetFileSize(const std::string& p, uint64_t* size) override {
    return t_->GetFileSize(p, size);
  }
  Status RemoveFile(const std::string& p) override { return t_->RemoveFile(p); }
  Status RenameFile(const std::string& f, const std::string& t) override {
    return t_->RenameFile(f, t);
  }
  Status LinkFile(const std::string& f, const std::string& t) override {
    return t_->LinkFile(f, t);
  }
  Status CreateDirIfMissing(const std::string& d) override {
    return t_->CreateDirIfMissing(d);
  }
  Status RemoveDir(const std::string& d) override { return t_->RemoveDir(d); }
  Status SyncDir(const std::string& d) override { return t_->SyncDir(d); }
  Status LockFile(const std::string& p,
                  std::unique_ptr<FileLock>* lock) override {
    return t_->LockFile(p, lock);
  }
  // 2024-01-01T00:00:00Z.
  uint64_t NowMicros() override { return 1704067200ull * 1000000ull; }

 private:
  Env* const t_;
};

// Writes `contents` to `path` in `env`.
inline Status WriteFile(Env* env, const std::string& path,
                        std::string_view contents) {
  std::unique_ptr<WritableFile> file;
  Status s = env->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  s = file->Append(Slice(contents.data(), contents.size()));
  if (!s.ok()) return s;
  return file->Close();
}

// Reads the whole of `path` in `env` into `*contents`.
inline Status ReadFile(Env* env, const std::string& path,
                       std::string* contents) {
  contents->clear();
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  std::string scratch(1 << 16, '\0');
  while (true) {
    Slice chunk;
    s = file->Read(scratch.size(), &chunk, scratch.data());
    if (!s.ok() || chunk.empty()) return s;
    contents->append(chunk.data(), chunk.size());
  }
}

// ---- Re-signing ------------------------------------------------------------

// Recomputes both checksums of every fragment of the log file `*file`
// (docs/wal_format.md) whose header is not all zero and whose length fits
// its block; a fragment whose length runs past its block ends the block.
// A payload cut by the end of the file is signed over the bytes present.
inline void ResignLog(std::string* file) {
  using namespace internal::log;  // NOLINT(google-build-using-namespace)
  char* const data = file->data();
  const size_t size = file->size();
  for (size_t block = 0; block < size; block += kBlockSize) {
    const size_t end = std::min(block + kBlockSize, size);
    size_t off = block;
    while (off + kHeaderSize <= end) {
      char* h = data + off;
      bool zero = true;
      for (size_t i = 0; i < kHeaderSize; ++i) zero = zero && h[i] == 0;
      if (zero) break;
      const size_t length = internal::DecodeFixed16(h + kLengthOffset);
      if (off - block + kHeaderSize + length > kBlockSize) break;
      const size_t present = std::min(length, end - off - kHeaderSize);
      internal::EncodeFixed32(h + kPayloadCrcOffset,
                              internal::crc32c::Mask(internal::crc32c::Value(
                                  h + kHeaderSize, present)));
      internal::EncodeFixed32(
          h + kHeaderCrcOffset,
          internal::crc32c::Mask(internal::crc32c::Value(
              h + kPayloadCrcOffset, kHeaderCrcCoveredSize)));
      off += kHeaderSize + length;
    }
  }
}

namespace resign_detail {

// Recomputes the trailer checksum of the block at `h` if it lies within
// [0, limit) of `*file`; returns whether it did.
inline bool ResignBlock(std::string* file, uint64_t limit,
                        const internal::BlockHandle& h) {
  if (limit > file->size() || h.size > limit || h.offset > limit - h.size ||
      limit - h.size - h.offset < internal::kBlockTrailerSize) {
    return false;
  }
  char* p = file->data() + h.offset;
  const auto n = static_cast<size_t>(h.size);
  internal::EncodeFixed32(
      p + n + 1, internal::crc32c::Mask(internal::crc32c::Value(p, n + 1)));
  return true;
}

// Reads and parses the (re-signed) block at `h`; null if it does not parse.
inline std::unique_ptr<internal::Block> LoadBlock(
    const std::string& file, uint64_t limit, const internal::BlockHandle& h) {
  auto source = StringRandomAccessFile::Borrow(file);
  internal::BlockContents contents;
  const std::string name = "resign";
  if (!internal::ReadBlock(*source, name, limit, h, false, &contents).ok()) {
    return nullptr;
  }
  auto parsed = internal::Block::Parse(std::move(contents.data), contents.size,
                                       contents.allocated);
  if (!parsed.ok()) return nullptr;
  return std::move(parsed).value();
}

// Calls `fn(handle)` for each entry of `block` whose value is exactly one
// block handle, at most `max_entries` times.
template <typename Fn>
void ForEachHandle(const internal::Block& block, size_t max_entries, Fn fn) {
  internal::BlockIter it(BytewiseComparator(), &block, nullptr,
                         internal::BlockErrorContext{});
  size_t n = 0;
  for (it.SeekToFirst(); it.Valid() && n < max_entries; it.Next(), ++n) {
    Slice v = it.value();
    internal::BlockHandle h;
    if (h.DecodeFrom(&v) && v.empty()) fn(h);
  }
}

}  // namespace resign_detail

// Recomputes the footer checksum of the table file `*file`
// (docs/table_format.md) and the trailer checksum of every block it can
// find from there: metaindex, index, the meta blocks the metaindex names
// and the data blocks the index names (the first 4096).
inline void ResignTable(std::string* file) {
  using internal::BlockHandle;
  using internal::Footer;
  namespace d = resign_detail;
  if (file->size() < Footer::kEncodedLength) return;
  const uint64_t limit = file->size() - Footer::kEncodedLength;
  char* footer = file->data() + limit;
  internal::EncodeFixed32(footer + Footer::kHandlesSize + 4,
                          internal::crc32c::Mask(internal::crc32c::Value(
                              footer, Footer::kHandlesSize + 4)));
  Slice handles(footer, Footer::kHandlesSize);
  BlockHandle metaindex;
  BlockHandle index;
  if (!metaindex.DecodeFrom(&handles) || !index.DecodeFrom(&handles)) return;
  if (d::ResignBlock(file, limit, metaindex)) {
    if (auto block = d::LoadBlock(*file, limit, metaindex)) {
      d::ForEachHandle(*block, 16, [&](const BlockHandle& h) {
        d::ResignBlock(file, limit, h);
      });
    }
  }
  if (d::ResignBlock(file, limit, index)) {
    if (auto block = d::LoadBlock(*file, limit, index)) {
      d::ForEachHandle(*block, 4096, [&](const BlockHandle& h) {
        d::ResignBlock(file, index.offset, h);
      });
    }
  }
}

}  // namespace strata::fuzz
