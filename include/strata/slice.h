// strata/slice.h — a non-owning view of bytes.
//
// A Slice points into memory that someone else owns; the caller must keep
// that memory alive for as long as the Slice is used. Slices are cheap to
// copy and safe to share between threads as long as the bytes do not change.

#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata {

class Slice {
 public:
  constexpr Slice() noexcept = default;
  constexpr Slice(const char* data, size_t size) noexcept
      : data_(data), size_(size) {}
  Slice(const std::string& s) noexcept  // NOLINT(google-explicit-constructor)
      : data_(s.data()), size_(s.size()) {}
  constexpr Slice(std::string_view s) noexcept  // NOLINT
      : data_(s.data()), size_(s.size()) {}
  Slice(const char* s) noexcept  // NOLINT(google-explicit-constructor)
      : data_(s), size_(s == nullptr ? 0 : std::strlen(s)) {}

  constexpr const char* data() const noexcept { return data_; }
  constexpr size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }

  char operator[](size_t n) const {
    assert(n < size_);
    return data_[n];
  }

  // Drops the first `n` bytes.
  // REQUIRES: n <= size().
  void remove_prefix(size_t n) {
    assert(n <= size_);
    data_ += n;
    size_ -= n;
  }

  // Drops the last `n` bytes.
  // REQUIRES: n <= size().
  void remove_suffix(size_t n) {
    assert(n <= size_);
    size_ -= n;
  }

  void clear() noexcept {
    data_ = "";
    size_ = 0;
  }

  std::string ToString() const { return std::string(data_, size_); }
  constexpr std::string_view ToStringView() const noexcept {
    return std::string_view(data_, size_);
  }
  constexpr operator std::string_view() const noexcept {  // NOLINT
    return ToStringView();
  }

  // Three-way bytewise comparison (bytes as unsigned): <0, 0 or >0.
  int compare(const Slice& b) const noexcept {
    const size_t min_len = size_ < b.size_ ? size_ : b.size_;
    int r = 0;
    if (min_len <= kInlineCompare) {
      // Short slices (the keys of most stores) eight bytes at a time,
      // inline: a call to memcmp costs more than the comparison.
      r = CompareShort(data_, b.data_, min_len);
    } else {
      r = std::memcmp(data_, b.data_, min_len);
    }
    if (r == 0) {
      if (size_ < b.size_) {
        r = -1;
      } else if (size_ > b.size_) {
        r = +1;
      }
    }
    return r;
  }

  bool starts_with(const Slice& x) const noexcept {
    return size_ >= x.size_ &&
           (x.size_ == 0 || std::memcmp(data_, x.data_, x.size_) == 0);
  }

 private:
  // Up to this many common bytes, compare() compares inline.
  static constexpr size_t kInlineCompare = 32;

  // memcmp's sign over n bytes, for small n. With GCC or Clang, eight
  // bytes at a time: where two words differ, the first differing byte
  // decides, which in big-endian order is the most significant one (a
  // little-endian word is byte-swapped first).
  static int CompareShort(const char* a, const char* b, size_t n) noexcept {
    size_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ||   \
     __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      uint64_t y;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
#endif
        return x < y ? -1 : +1;
      }
    }
#endif
    for (; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]);
      const auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : +1;
    }
    return 0;
  }

  const char* data_ = "";
  size_t size_ = 0;
};

inline bool operator==(const Slice& a, const Slice& b) noexcept {
  return a.size() == b.size() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
}
inline bool operator!=(const Slice& a, const Slice& b) noexcept {
  return !(a == b);
}

}  // namespace strata
