#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"

namespace strata::internal {
namespace {

class MemTableTest : public ::testing::Test {
 protected:
  MemTableTest() : cmp_(BytewiseComparator()), mem_(cmp_) {}

  MemTable::GetResult Get(const std::string& key, SequenceNumber seq,
                          std::string* value) {
    LookupKey lk(key, seq);
    return mem_.Get(lk, value);
  }

  InternalKeyComparator cmp_;
  MemTable mem_;
};

// "" if `a` and `b` hold the same entries (internal key and value) in the
// same order, counted in `*entries`; else the first difference.
std::string EntriesDiffer(const MemTable& a, const MemTable& b,
                          size_t* entries) {
  const std::unique_ptr<InternalIterator> x = a.NewIterator();
  const std::unique_ptr<InternalIterator> y = b.NewIterator();
  *entries = 0;
  for (x->SeekToFirst(), y->SeekToFirst(); y->Valid(); x->Next(), y->Next()) {
    const std::string at = " at entry " + std::to_string(*entries);
    if (!x->Valid()) return "the first ends early" + at;
    if (x->key() != y->key()) return "keys differ" + at;
    if (x->value() != y->value()) return "values differ" + at;
    ++*entries;
  }
  return x->Valid() ? "the first has more entries" : "";
}

TEST_F(MemTableTest, GetSeesNewestVersionAtOrBelowSequence) {
  mem_.Add(1, ValueType::kValue, "k", "v1");
  mem_.Add(5, ValueType::kValue, "k", "v5");
  mem_.Add(9, ValueType::kDeletion, "k", "");
  mem_.Add(12, ValueType::kValue, "k", "v12");
  std::string v;
  EXPECT_EQ(MemTable::GetResult::kNotPresent, Get("k", 0, &v));
  EXPECT_EQ(MemTable::GetResult::kFound, Get("k", 1, &v));
  EXPECT_EQ("v1", v);
  EXPECT_EQ(MemTable::GetResult::kFound, Get("k", 8, &v));
  EXPECT_EQ("v5", v);
  EXPECT_EQ(MemTable::GetResult::kDeleted, Get("k", 9, &v));
  EXPECT_EQ(MemTable::GetResult::kDeleted, Get("k", 11, &v));
  EXPECT_EQ(MemTable::GetResult::kFound, Get("k", 100, &v));
  EXPECT_EQ("v12", v);
  EXPECT_EQ(MemTable::GetResult::kNotPresent, Get("j", 100, &v));
  EXPECT_EQ(MemTable::GetResult::kNotPresent, Get("kk", 100, &v));
  EXPECT_EQ(4u, mem_.NumEntries());
  EXPECT_EQ(1u, mem_.NumDeletions());
}

// A write group (StartGroup .. FinishGroup) is linked in key order at the
// end: groups in any order, with one key written several times, beside
// single Adds, read back as the same Adds one by one would.
TEST_F(MemTableTest, GroupsReadAsSingleAdds) {
  Random rnd(17);
  MemTable single(cmp_);
  std::map<std::string, std::string> model;
  SequenceNumber seq = 1;
  for (int round = 0; round < 100; ++round) {
    const bool group = round % 3 != 0;
    if (group) mem_.StartGroup();
    const int n = 1 + static_cast<int>(rnd.Uniform(60));
    for (int i = 0; i < n; ++i) {
      const std::string key = "k" + std::to_string(rnd.Uniform(500));
      const ValueType type =
          rnd.OneIn(5) ? ValueType::kDeletion : ValueType::kValue;
      const std::string value =
          type == ValueType::kValue ? "v" + std::to_string(seq) : "";
      mem_.Add(seq, type, key, value);
      single.Add(seq, type, key, value);
      ++seq;
      if (type == ValueType::kValue) {
        model[key] = value;
      } else {
        model.erase(key);
      }
    }
    if (group) mem_.FinishGroup();
  }
  EXPECT_EQ(mem_.NumEntries(), seq - 1);
  size_t entries = 0;
  EXPECT_EQ(EntriesDiffer(mem_, single, &entries), "");
  EXPECT_EQ(entries, seq - 1);
  for (int k = 0; k < 500; ++k) {
    const std::string key = "k" + std::to_string(k);
    std::string v;
    const MemTable::GetResult r = Get(key, seq, &v);
    const auto it = model.find(key);
    if (it == model.end()) {
      EXPECT_NE(r, MemTable::GetResult::kFound) << key;
    } else {
      ASSERT_EQ(r, MemTable::GetResult::kFound) << key;
      EXPECT_EQ(v, it->second);
    }
  }
}

TEST_F(MemTableTest, KeysThatArePrefixesDoNotMix) {
  mem_.Add(1, ValueType::kValue, "ab", "1");
  mem_.Add(2, ValueType::kValue, "a", "2");
  mem_.Add(3, ValueType::kValue, std::string("a\0", 2), "3");
  std::string v;
  ASSERT_EQ(MemTable::GetResult::kFound, Get("a", 10, &v));
  EXPECT_EQ("2", v);
  ASSERT_EQ(MemTable::GetResult::kFound, Get(std::string("a\0", 2), 10, &v));
  EXPECT_EQ("3", v);
  ASSERT_EQ(MemTable::GetResult::kFound, Get("ab", 10, &v));
  EXPECT_EQ("1", v);
}

TEST_F(MemTableTest, IteratorOrdersByUserKeyThenNewestFirst) {
  Random rnd(301);
  std::map<std::pair<std::string, uint64_t>, std::string> expected;
  for (SequenceNumber seq = 1; seq <= 2000; ++seq) {
    std::string key = "key" + std::to_string(rnd.Uniform(300));
    std::string value = std::to_string(rnd.Next());
    mem_.Add(seq, ValueType::kValue, key, value);
    expected[{key, ~seq}] = value;  // ~seq: newest first within a key
  }
  auto it = mem_.NewIterator();
  auto e = expected.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++e) {
    ASSERT_NE(e, expected.end());
    EXPECT_EQ(e->first.first, ExtractUserKey(it->key()).ToString());
    EXPECT_EQ(~e->first.second, ExtractSequence(it->key()));
    EXPECT_EQ(e->second, it->value().ToString());
  }
  EXPECT_EQ(e, expected.end());

  // Backward is the exact reverse.
  auto r = expected.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, expected.rend());
    EXPECT_EQ(r->first.first, ExtractUserKey(it->key()).ToString());
    EXPECT_EQ(~r->first.second, ExtractSequence(it->key()));
  }
  EXPECT_EQ(r, expected.rend());

  // Seek to (key, seq) lands on the newest version <= seq of that key.
  InternalKey target("key7", 1000, kTypeForSeek);
  it->Seek(target.Encode());
  ASSERT_TRUE(it->Valid());
  EXPECT_GE(ExtractUserKey(it->key()).ToString(), "key7");
  if (ExtractUserKey(it->key()) == Slice("key7")) {
    EXPECT_LE(ExtractSequence(it->key()), 1000u);
  }
  // SeekForPrev to the smallest internal key of "key7" lands on its oldest
  // version or an earlier key.
  InternalKey last("key7", 0, 0);
  it->SeekForPrev(last.Encode());
  ASSERT_TRUE(it->Valid());
  EXPECT_LE(ExtractUserKey(it->key()).ToString(), "key7");
}

// A LookupKey's three forms, for keys on both sides of its inline room
// (a one- or two-byte length varint in front), and a memtable finding
// keys of those lengths.
TEST_F(MemTableTest, LookupKeysOfEveryLength) {
  for (size_t len = 0; len <= 2 * LookupKey::kInline + 20; ++len) {
    std::string key(len, 'k');
    for (size_t i = 0; i < len; ++i) key[i] = static_cast<char>('a' + i % 26);
    const LookupKey lk(key, 77);
    ASSERT_EQ(lk.user_key().ToString(), key) << len;
    std::string internal = key;
    PutFixed64(&internal, PackTag(77, kTypeForSeek));
    ASSERT_EQ(lk.internal_key().ToString(), internal) << len;
    std::string memtable;
    PutVarint32(&memtable, static_cast<uint32_t>(internal.size()));
    memtable += internal;
    ASSERT_EQ(lk.memtable_key().ToString(), memtable) << len;
  }
  std::map<std::string, std::string> model;
  SequenceNumber seq = 1;
  for (const size_t len : {size_t{1}, size_t{100}, LookupKey::kInline - 14,
                           LookupKey::kInline - 13, LookupKey::kInline - 12,
                           LookupKey::kInline, size_t{300}, size_t{5000}}) {
    const std::string key(len, static_cast<char>('a' + len % 26));
    model[key] = "v" + std::to_string(len);
    mem_.Add(seq++, ValueType::kValue, key, model[key]);
  }
  for (const auto& [key, value] : model) {
    std::string got;
    ASSERT_EQ(Get(key, seq, &got), MemTable::GetResult::kFound) << key.size();
    EXPECT_EQ(got, value);
    ASSERT_EQ(Get(key + "x", seq, &got), MemTable::GetResult::kNotPresent);
  }
}

TEST_F(MemTableTest, MemoryUsageGrowsWithData) {
  const size_t before = mem_.ApproximateMemoryUsage();
  const std::string value(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    mem_.Add(static_cast<SequenceNumber>(i + 1), ValueType::kValue,
             "k" + std::to_string(i), value);
  }
  EXPECT_GE(mem_.ApproximateMemoryUsage(), before + 1000 * 1000);
  EXPECT_LE(mem_.ApproximateMemoryUsage(), before + 1000 * 1000 * 2);
}

// The skiplist's nodes live in an arena of their own: the usage that
// write_buffer_size is checked against counts them too. 100,000 entries of
// 17 bytes (a 7-byte key, no value) and nodes of at least 24 bytes each
// (an order hint, the entry's address, a link).
TEST_F(MemTableTest, MemoryUsageCountsTheIndexNodes) {
  constexpr int kEntries = 100000;
  char key[16];
  for (int i = 0; i < kEntries; ++i) {
    std::snprintf(key, sizeof key, "k%06d", i);
    mem_.Add(static_cast<SequenceNumber>(i + 1), ValueType::kValue, key, "");
  }
  EXPECT_GE(mem_.ApproximateMemoryUsage(), size_t{kEntries} * (17 + 24));
}

std::string Hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (const char c : s) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<uint8_t>(c));
    out += buf;
  }
  return out;
}

// Keys from a small alphabet around the extremes (0x00, 0xff) so that
// keys share prefixes, end where others go on, and differ in every way.
std::string KeyAround(Random* rnd, size_t max_len) {
  static constexpr char kAlphabet[] = {'\x00', '\x01', '\x7f', '\x80', '\xff'};
  std::string key(rnd->Uniform(max_len + 1), '\0');
  for (char& c : key) c = kAlphabet[rnd->Uniform(sizeof kAlphabet)];
  return key;
}

// "" if, for every pair of `keys` whose hints against `ref` differ, the
// hints order them as bytewise comparison does, and no hint is 0; else
// the first pair that is not. Counts the ordered pairs of distinct keys
// and those the hints decided.
std::string HintsMisorder(const std::vector<std::string>& keys,
                          const std::string& ref, size_t* distinct,
                          size_t* decided) {
  for (const std::string& x : keys) {
    const uint64_t hx = OrderHint(x, ref);
    if (hx == 0) return "hint 0 for " + Hex(x);
    for (const std::string& y : keys) {
      const uint64_t hy = OrderHint(y, ref);
      const int c = Slice(x).compare(Slice(y));
      if (c != 0) ++*distinct;
      if (hx == hy) continue;
      ++*decided;
      if ((hx < hy) != (c < 0)) {
        return "ref " + Hex(ref) + " x " + Hex(x) + " y " + Hex(y);
      }
    }
  }
  return "";
}

// Wherever two keys' hints differ, they order the keys as bytewise
// comparison does; no hint is 0. Most pairs of distinct keys must differ
// in hint, or the hints would save no entry reads.
TEST(OrderHintTest, DifferingHintsOrderKeysBytewise) {
  Random rnd(29);
  for (int round = 0; round < 40; ++round) {
    const std::string ref = KeyAround(&rnd, 12);
    std::vector<std::string> keys = {ref, "", ref + '\0', ref + "\xff"};
    if (!ref.empty()) keys.push_back(ref.substr(0, ref.size() - 1));
    for (int i = 0; i < 150; ++i) {
      // Half the keys start with a piece of the reference.
      std::string key =
          rnd.OneIn(2) ? ref.substr(0, rnd.Uniform(ref.size() + 1)) : "";
      key += KeyAround(&rnd, 10);
      keys.push_back(key);
    }
    size_t distinct = 0;
    size_t decided = 0;
    ASSERT_EQ(HintsMisorder(keys, ref, &distinct, &decided), "");
    EXPECT_GT(decided, distinct * 3 / 4) << "round " << round;
  }
}

// Around the clamp: keys sharing 16382, 16383 and 16384 bytes of the
// reference, on both sides of it, with more bytes after or not.
TEST(OrderHintTest, AtTheSharedPrefixClamp) {
  const std::string ref(20000, 'm');
  std::vector<std::string> keys = {ref};
  for (const size_t shared : {16382, 16383, 16384}) {
    for (const char end : {'\x00', 'a', '\xff'}) {
      keys.push_back(ref.substr(0, shared) + end);
      keys.push_back(ref.substr(0, shared) + end + "zz");
      keys.push_back(ref.substr(0, shared) + end + '\x00');
    }
    keys.push_back(ref.substr(0, shared));
  }
  size_t distinct = 0;
  size_t decided = 0;
  EXPECT_EQ(HintsMisorder(keys, ref, &distinct, &decided), "");
  EXPECT_GT(decided, 0u);
}

// Keys sharing 16383 bytes or more with the reference tie among
// themselves on that side of it, and order against all others.
TEST(OrderHintTest, LongSharedPrefixes) {
  const std::string ref(20000, 'm');
  const std::string near_low = ref.substr(0, 17000) + 'a';
  const std::string near_high = ref.substr(0, 17000) + 'z';
  const std::string mid_low = ref.substr(0, 16382) + 'a';
  const std::string mid_high = ref.substr(0, 16382) + 'z';
  const std::string far_low = "ma";
  const std::string far_high = "mz";
  const std::vector<std::string> ascending = {
      far_low, mid_low, near_low, ref, near_high, mid_high, far_high};
  for (size_t i = 0; i + 1 < ascending.size(); ++i) {
    EXPECT_LE(OrderHint(ascending[i], ref), OrderHint(ascending[i + 1], ref))
        << i;
  }
  EXPECT_LT(OrderHint(far_low, ref), OrderHint(mid_low, ref));
  EXPECT_LT(OrderHint(mid_low, ref), OrderHint(near_low, ref));
  EXPECT_LT(OrderHint(near_low, ref), OrderHint(near_high, ref));
  EXPECT_LT(OrderHint(near_high, ref), OrderHint(mid_high, ref));
  EXPECT_LT(OrderHint(mid_high, ref), OrderHint(far_high, ref));
  // Past 16383 shared bytes, the hints tie: the entries decide.
  EXPECT_EQ(OrderHint(near_low, ref), OrderHint(ref.substr(0, 16390), ref));
}

// The comparator decides by hints only where both keys have one: a key
// without (hint 0, a search begun before the memtable's first key was
// known) is compared by its entry. Hints that contradict the entries
// show which decided.
TEST(MemTableKeyComparatorTest, AMissingHintComparesTheEntries) {
  const InternalKeyComparator icmp(BytewiseComparator());
  const MemTable::KeyComparator cmp{icmp};
  const auto entry = [](const std::string& user_key) {
    const InternalKey ikey(user_key, 7, kTypeForSeek);
    std::string e;
    PutVarint32(&e, static_cast<uint32_t>(ikey.Encode().size()));
    e.append(ikey.Encode().data(), ikey.Encode().size());
    return e;
  };
  const std::string a = entry("a");
  const std::string b = entry("b");
  using Key = MemTable::TableKey;
  EXPECT_GT(cmp(Key{2, a.data()}, Key{1, b.data()}), 0);  // the hints
  EXPECT_LT(cmp(Key{0, a.data()}, Key{1, b.data()}), 0);  // the entries
  EXPECT_LT(cmp(Key{2, a.data()}, Key{0, b.data()}), 0);
  EXPECT_LT(cmp(Key{0, a.data()}, Key{0, b.data()}), 0);
  EXPECT_LT(cmp(Key{5, a.data()}, Key{5, b.data()}), 0);  // a tie
  EXPECT_EQ(cmp(Key{5, a.data()}, Key{5, a.data()}), 0);
}

// The same bytewise order without hints: a comparator that is not
// BytewiseComparator() itself, so the memtable gives no hints.
class UnhintedBytewise final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return a.compare(b);
  }
  const char* Name() const override { return "test.UnhintedBytewise"; }
  void FindShortestSeparator(std::string*, const Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

// A memtable with hints reads exactly as one without: every entry in the
// same order both ways, and the same Get, Seek and SeekForPrev answers,
// for keys made around the first key (the hints' reference), added singly
// and in groups.
TEST(MemTableHintTest, ReadsAsWithoutHints) {
  const UnhintedBytewise unhinted;
  const InternalKeyComparator hinted_cmp(BytewiseComparator());
  const InternalKeyComparator plain_cmp(&unhinted);
  MemTable hinted(hinted_cmp);
  MemTable plain(plain_cmp);
  Random rnd(41);
  const std::string first = KeyAround(&rnd, 8) + "first";
  std::vector<std::string> keys = {first};
  for (int i = 0; i < 400; ++i) {
    keys.push_back(first.substr(0, rnd.Uniform(first.size() + 1)) +
                   KeyAround(&rnd, 6));
  }
  SequenceNumber seq = 1;
  for (size_t i = 0; i < keys.size();) {
    const bool group = rnd.OneIn(2);
    if (group) hinted.StartGroup();
    for (size_t n = 1 + rnd.Uniform(40); n > 0 && i < keys.size(); --n) {
      // Some keys get a second version, some a deletion.
      const std::string& key =
          rnd.OneIn(5) ? keys[rnd.Uniform(i + 1)] : keys[i++];
      const ValueType type =
          rnd.OneIn(6) ? ValueType::kDeletion : ValueType::kValue;
      const std::string value = std::to_string(seq);
      hinted.Add(seq, type, key, value);
      plain.Add(seq, type, key, value);
      ++seq;
    }
    if (group) hinted.FinishGroup();
  }
  size_t entries = 0;
  EXPECT_EQ(EntriesDiffer(hinted, plain, &entries), "");
  EXPECT_EQ(entries, seq - 1);
  const auto a = hinted.NewIterator();
  const auto b = plain.NewIterator();
  for (int i = 0; i < 2000; ++i) {
    const std::string target =
        rnd.OneIn(2) ? keys[rnd.Uniform(keys.size())]
                     : first.substr(0, rnd.Uniform(first.size() + 1)) +
                           KeyAround(&rnd, 6);
    const SequenceNumber at = rnd.Uniform(seq + 1);
    std::string va;
    std::string vb;
    const LookupKey lk(target, at);
    ASSERT_EQ(hinted.Get(lk, &va), plain.Get(lk, &vb));
    EXPECT_EQ(va, vb);
    const InternalKey ikey(target, at, kTypeForSeek);
    a->Seek(ikey.Encode());
    b->Seek(ikey.Encode());
    ASSERT_EQ(a->Valid(), b->Valid());
    if (b->Valid()) {
      ASSERT_EQ(a->key().ToString(), b->key().ToString());
    }
    a->SeekForPrev(ikey.Encode());
    b->SeekForPrev(ikey.Encode());
    ASSERT_EQ(a->Valid(), b->Valid());
    if (b->Valid()) {
      ASSERT_EQ(a->key().ToString(), b->key().ToString());
    }
  }
}

// In a versioned DB (key ‖ timestamp user keys) a back-dated version
// written after a read's sequence sorts before older versions the read can
// see: the lookup skips it.
TEST(MemTableVersionedTest, AnAsOfLookupSkipsVersionsItsSequenceCannotSee) {
  const InternalKeyComparator icmp(BytewiseComparator(), /*versioned=*/true);
  MemTable mem(icmp);
  const auto at = [](const std::string& key, uint64_t ts) {
    std::string v;
    AppendVersionedKey(&v, key, ts);
    return v;
  };
  mem.Add(1, ValueType::kValue, at("k", 10), "t10");
  mem.Add(2, ValueType::kValue, at("k", 3), "t3");
  mem.Add(3, ValueType::kValue, at("k", 5), "t5");  // back-dated, later
  mem.Add(4, ValueType::kDeletion, at("k", 7), "");
  mem.Add(5, ValueType::kValue, at("l", 1), "l1");
  const auto get = [&](uint64_t as_of, SequenceNumber seq) -> std::string {
    std::string value;
    SequenceNumber found = 0;
    switch (mem.Get(LookupKey(at("k", as_of), seq), &value, &found)) {
      case MemTable::GetResult::kFound:
        return value + "@" + std::to_string(found);
      case MemTable::GetResult::kDeleted:
        return "deleted@" + std::to_string(found);
      case MemTable::GetResult::kNotPresent:
        break;
    }
    return "absent";
  };
  EXPECT_EQ("t10@1", get(kMaxTimestamp, 5));
  EXPECT_EQ("deleted@4", get(9, 5));
  EXPECT_EQ("t5@3", get(6, 5));
  EXPECT_EQ("t3@2", get(6, 2));    // t5 (seq 3) is after the read
  EXPECT_EQ("absent", get(6, 1));  // t3 (seq 2) too; never "l"
  EXPECT_EQ("absent", get(2, 5));  // before the first version
  EXPECT_EQ("t5@3", get(9, 3));    // the deletion (seq 4) is after it
}

TEST(MemTableRangeTombstoneTest, KeptApartFromPoints) {
  InternalKeyComparator icmp(BytewiseComparator());
  MemTable mem(icmp);
  EXPECT_TRUE(mem.IsEmpty());
  EXPECT_EQ(nullptr, mem.RangeTombstones());
  mem.Add(1, ValueType::kValue, "b", "v1");
  mem.Add(2, ValueType::kRangeDeletion, "a", "c");
  mem.Add(3, ValueType::kValue, "b", "v3");
  EXPECT_EQ(2u, mem.NumEntries());
  EXPECT_EQ(1u, mem.NumRangeDeletions());
  EXPECT_EQ(3u, mem.LargestSequence());
  // Point lookups and scans see only point entries.
  std::string value;
  SequenceNumber seq = 0;
  EXPECT_EQ(MemTable::GetResult::kFound,
            mem.Get(LookupKey("b", 2), &value, &seq));
  EXPECT_EQ("v1", value);
  EXPECT_EQ(1u, seq);
  auto it = mem.NewIterator();
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(2, n);
  RangeTombstoneListPtr list = mem.RangeTombstones();
  ASSERT_NE(nullptr, list);
  EXPECT_EQ(2u, list->MaxCoveringSequence("b", 10));
  EXPECT_EQ(list, mem.RangeTombstones());  // cached until the next one
  mem.Add(4, ValueType::kRangeDeletion, "b", "z");
  RangeTombstoneListPtr list2 = mem.RangeTombstones();
  EXPECT_NE(list, list2);
  EXPECT_EQ(4u, list2->MaxCoveringSequence("b", 10));
  EXPECT_EQ(2u, list2->MaxCoveringSequence("b", 3));
  EXPECT_EQ(4u, list2->MaxCoveringSequence("x", 10));
}

}  // namespace
}  // namespace strata::internal
