// key/internal_key_test.cc — InternalKeyComparator orders internal keys by
// user key (its own inline comparison for the bytewise default, the user
// comparator otherwise), then newest first; and agrees with a reference
// built from the user comparator on every pair.

#include "key/internal_key.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/random.h"
#include "key/versioned_key.h"

namespace strata::internal {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

std::string Hex(const std::string& s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : s) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// Reverse bytewise: a custom order the inline path must not take.
class ReverseComparator final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return -BytewiseComparator()->Compare(a, b);
  }
  const char* Name() const override { return "test.Reverse"; }
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

// User keys that share prefixes, are prefixes of one another, and hold
// bytes 0x00 and 0xff (where signed and unsigned comparisons differ).
std::vector<std::string> UserKeys(Random* rnd, bool versioned) {
  std::vector<std::string> keys;
  const std::string prefixes[] = {"",    "a",    "ab",
                                  "abc", "\xff", std::string("a\0", 2)};
  for (int i = 0; i < 60; ++i) {
    std::string key = prefixes[rnd->Uniform(6)];
    const size_t extra = rnd->Uniform(4);
    for (size_t j = 0; j < extra; ++j) {
      const uint32_t r = rnd->Uniform(4);
      key.push_back(r == 0   ? '\0'
                    : r == 1 ? '\xff'
                             : static_cast<char>('a' + r));
    }
    if (key.empty()) key = "k";
    if (versioned) {
      std::string with_ts;
      AppendVersionedKey(&with_ts, key, rnd->Uniform(3));
      key = with_ts;
    }
    keys.push_back(key);
  }
  return keys;
}

void CheckAgainstReference(const InternalKeyComparator& icmp, bool versioned) {
  Random rnd(versioned ? 7 : 3);
  std::vector<std::string> ikeys;
  for (const std::string& user : UserKeys(&rnd, versioned)) {
    std::string ikey = user;
    PutFixed64(&ikey, PackTag(rnd.Uniform(4),
                              static_cast<uint8_t>(ValueType::kValue)));
    ikeys.push_back(ikey);
  }
  const Comparator* user_cmp = icmp.user_comparator();
  for (const std::string& a : ikeys) {
    for (const std::string& b : ikeys) {
      int expected =
          Sign(user_cmp->Compare(ExtractUserKey(a), ExtractUserKey(b)));
      if (expected == 0) {
        const uint64_t ta = ExtractTag(a);
        const uint64_t tb = ExtractTag(b);
        expected = ta > tb ? -1 : ta < tb ? +1 : 0;  // newest first
      }
      ASSERT_EQ(Sign(icmp.Compare(a, b)), expected)
          << Hex(a) << " vs " << Hex(b);
    }
  }
}

TEST(InternalKeyComparatorTest, BytewiseMatchesTheUserComparator) {
  const InternalKeyComparator icmp(BytewiseComparator());
  CheckAgainstReference(icmp, /*versioned=*/false);
  // Unsigned bytes: 0xff sorts after 'a', and a prefix before its
  // extensions.
  std::string a("a"), ff("\xff"), ab("ab");
  for (std::string* k : {&a, &ff, &ab}) PutFixed64(k, PackTag(1, 1));
  EXPECT_LT(icmp.Compare(a, ff), 0);
  EXPECT_LT(icmp.Compare(a, ab), 0);
}

TEST(InternalKeyComparatorTest, ACustomComparatorOrdersUserKeys) {
  static const ReverseComparator kReverse;
  const InternalKeyComparator icmp(&kReverse);
  CheckAgainstReference(icmp, /*versioned=*/false);
  std::string a("a"), b("b");
  PutFixed64(&a, PackTag(1, 1));
  PutFixed64(&b, PackTag(1, 1));
  EXPECT_GT(icmp.Compare(a, b), 0);
}

TEST(InternalKeyComparatorTest, VersionedKeysFollowTheVersionedOrder) {
  const InternalKeyComparator icmp(BytewiseComparator(), /*versioned=*/true);
  CheckAgainstReference(icmp, /*versioned=*/true);
}

}  // namespace
}  // namespace strata::internal
