#include "strata/comparator.h"

#include <algorithm>

namespace strata {
namespace {

class BytewiseComparatorImpl final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return a.compare(b);
  }

  const char* Name() const override { return "strata.BytewiseComparator"; }

  void FindShortestSeparator(std::string* start,
                             const Slice& limit) const override {
    // Find the first differing byte; if it can be incremented while staying
    // below `limit`, cut `start` right after it.
    const size_t min_len = std::min(start->size(), limit.size());
    size_t diff = 0;
    while (diff < min_len && (*start)[diff] == limit[diff]) ++diff;
    if (diff >= min_len) return;  // one is a prefix of the other
    const auto byte = static_cast<uint8_t>((*start)[diff]);
    if (byte < 0xff && byte + 1 < static_cast<uint8_t>(limit[diff])) {
      (*start)[diff] = static_cast<char>(byte + 1);
      start->resize(diff + 1);
    }
  }

  void FindShortSuccessor(std::string* key) const override {
    // Increment the first byte that is not 0xff and drop the rest.
    for (size_t i = 0; i < key->size(); ++i) {
      const auto byte = static_cast<uint8_t>((*key)[i]);
      if (byte != 0xff) {
        (*key)[i] = static_cast<char>(byte + 1);
        key->resize(i + 1);
        return;
      }
    }
    // All 0xff: leave it.
  }
};

}  // namespace

const Comparator* BytewiseComparator() {
  static const BytewiseComparatorImpl* const kInstance =
      new BytewiseComparatorImpl();  // NOLINT: intentionally never freed
  return kInstance;
}

}  // namespace strata
