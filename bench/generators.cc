#include "bench/generators.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace strata::bench {
namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

__extension__ using Uint128 = unsigned __int128;  // GCC and Clang have it

}  // namespace

IndexPermutation::IndexPermutation(uint64_t n, uint64_t seed) : n_(n) {
  assert(n > 0);
  int bits = 1;
  while (bits < 64 && (n - 1) >> bits != 0) ++bits;
  half_bits_ = (bits + 1) / 2;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
  for (uint64_t& k : keys_) k = SplitMix64(&seed);
}

uint64_t IndexPermutation::Encrypt(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (const uint64_t key : keys_) {
    uint64_t mixed = right ^ key;
    const uint64_t round = SplitMix64(&mixed) & half_mask_;
    const uint64_t next = left ^ round;
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t IndexPermutation::operator()(uint64_t i) const {
  assert(i < n_);
  // A permutation of the domain, walked until it lands in [0, n): the
  // walk from an index below n meets another below n first, so this is a
  // permutation of [0, n). The domain is at most 4n (under 4n once n > 2):
  // a few steps on average.
  uint64_t x = i;
  do {
    x = Encrypt(x);
  } while (x >= n_);
  return x;
}

Random64::Random64(uint64_t seed) {
  for (uint64_t& s : s_) s = SplitMix64(&seed);
}

uint64_t Random64::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Random64::Uniform(uint64_t n) {
  assert(n > 0);
  // Lemire's multiply-shift; the bias (< n / 2^64) is irrelevant here.
  return static_cast<uint64_t>((static_cast<Uint128>(Next()) * n) >> 64);
}

double Random64::UniformDouble() {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

uint64_t FnvHash64(uint64_t v) {
  constexpr uint64_t kOffsetBasis = 0xCBF29CE484222325ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = kOffsetBasis;
  for (int i = 0; i < 8; ++i) {
    hash ^= v & 0xff;
    hash *= kPrime;
    v >>= 8;
  }
  // Java's Math.abs on a long (Long.MIN_VALUE stays as it is).
  const auto as_signed = static_cast<int64_t>(hash);
  return as_signed < 0 && as_signed != INT64_MIN ? ~hash + 1 : hash;
}

int DecimalDigits(uint64_t v) {
  int digits = 1;
  while (v >= 10) {
    v /= 10;
    ++digits;
  }
  return digits;
}

void FormatKey(uint64_t i, size_t key_size, std::string* out) {
  assert(key_size >= static_cast<size_t>(DecimalDigits(i)));
  out->assign(key_size, '0');
  for (size_t pos = key_size; i != 0 && pos > 0; i /= 10) {
    (*out)[--pos] = static_cast<char>('0' + i % 10);
  }
}

void FormatMissingKey(uint64_t i, size_t key_size, std::string* out) {
  FormatKey(i, key_size, out);
  out->push_back('.');
}

void FormatYcsbKey(uint64_t keynum, size_t key_size, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char hex[16];
  uint64_t h = FnvHash64(keynum);
  for (int pos = 15; pos >= 0; --pos, h >>= 4) hex[pos] = kHex[h & 0xf];
  if (key_size >= 16) {
    out->assign(key_size - 16, '0');
    out->append(hex, 16);
  } else {
    out->assign(hex + (16 - key_size), key_size);
  }
}

ValueGenerator::ValueGenerator(uint64_t seed, double compression_ratio,
                               size_t max_value) {
  Random64 rnd(seed);
  constexpr size_t kPiece = 100;
  const size_t size = std::max<size_t>(1 << 20, max_value);
  const auto raw_len = std::max<size_t>(
      1, static_cast<size_t>(static_cast<double>(kPiece) * compression_ratio));
  data_.reserve(size + kPiece);
  std::string raw(raw_len, ' ');
  while (data_.size() < size) {
    for (char& c : raw) c = static_cast<char>(' ' + rnd.Uniform(95));
    for (size_t n = 0; n < kPiece; n += raw_len) {
      data_.append(raw, 0, std::min(raw_len, kPiece - n));
    }
  }
  data_.resize(size);
}

Slice ValueGenerator::Generate(size_t len) {
  if (pos_ + len > data_.size()) pos_ = 0;
  const Slice value(data_.data() + pos_, len);
  pos_ += len;
  return value;
}

ZipfianGenerator::ZipfianGenerator(uint64_t min, uint64_t max, double theta)
    : ZipfianGenerator(min, max, theta, Zeta(0, max - min + 1, theta, 0.0)) {}

ZipfianGenerator::ZipfianGenerator(uint64_t min, uint64_t max, double theta,
                                   double zetan)
    : base_(min),
      items_(max - min + 1),
      theta_(theta),
      zeta2theta_(Zeta(0, 2, theta, 0.0)),
      alpha_(1.0 / (1.0 - theta)),
      zetan_(zetan),
      eta_(0.0),
      count_for_zeta_(items_) {
  UpdateEta(items_);
}

double ZipfianGenerator::Zeta(uint64_t start, uint64_t n, double theta,
                              double initial) {
  double sum = initial;
  for (uint64_t i = start; i < n; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), theta);
  }
  return sum;
}

void ZipfianGenerator::UpdateEta(uint64_t item_count) {
  // YCSB computes eta from the item count given at construction even after
  // the count grows; Gray et al.'s formula uses the current n, as here.
  eta_ = (1.0 - std::pow(2.0 / static_cast<double>(item_count), 1.0 - theta_)) /
         (1.0 - zeta2theta_ / zetan_);
}

uint64_t ZipfianGenerator::Next(Random64* rnd, uint64_t item_count) {
  if (item_count > count_for_zeta_) {
    zetan_ = Zeta(count_for_zeta_, item_count, theta_, zetan_);
    count_for_zeta_ = item_count;
    UpdateEta(item_count);
  }
  const double u = rnd->UniformDouble();
  const double uz = u * zetan_;
  if (uz < 1.0) return base_;
  if (uz < 1.0 + std::pow(0.5, theta_)) return base_ + 1;
  const double r =
      static_cast<double>(item_count) * std::pow(eta_ * u - eta_ + 1.0, alpha_);
  return base_ + std::min(static_cast<uint64_t>(r), item_count - 1);
}

ScrambledZipfianGenerator::ScrambledZipfianGenerator(uint64_t min, uint64_t max)
    : min_(min),
      item_count_(max - min + 1),
      gen_(0, kItemCount, ZipfianGenerator::kTheta, kZetan) {}

uint64_t ScrambledZipfianGenerator::Next(Random64* rnd) {
  return min_ + FnvHash64(gen_.Next(rnd)) % item_count_;
}

SkewedLatestGenerator::SkewedLatestGenerator(uint64_t initial_latest)
    : gen_(0, std::max<uint64_t>(initial_latest, 2) - 1) {}

uint64_t SkewedLatestGenerator::Next(Random64* rnd, uint64_t latest) {
  const uint64_t count = std::max<uint64_t>(latest, 2);
  return latest - std::min(gen_.Next(rnd, count), latest);
}

}  // namespace strata::bench
