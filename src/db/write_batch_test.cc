#include "strata/write_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/write_batch_internal.h"
#include "memtable/memtable.h"

namespace strata::internal {
namespace {

// Renders a batch as text through its Handler, e.g. "Put(a,1)Delete(b)".
std::string Render(const WriteBatch& batch) {
  struct Printer final : WriteBatch::Handler {
    std::string out;
    void Put(const Slice& k, const Slice& v) override {
      out += "Put(" + k.ToString() + "," + v.ToString() + ")";
    }
    void Delete(const Slice& k) override {
      out += "Delete(" + k.ToString() + ")";
    }
    void DeleteRange(const Slice& b, const Slice& e) override {
      out += "DeleteRange(" + b.ToString() + "," + e.ToString() + ")";
    }
    void PutAt(const Slice& k, const Slice& v, uint64_t ts) override {
      out += "PutAt(" + k.ToString() + "," + v.ToString() + "," +
             std::to_string(ts) + ")";
    }
    void DeleteAt(const Slice& k, uint64_t ts) override {
      out += "DeleteAt(" + k.ToString() + "," + std::to_string(ts) + ")";
    }
    void Purge(const Slice& k) override {
      out += "Purge(" + k.ToString() + ")";
    }
    void Replace(const Slice& k, const Slice& v) override {
      out += "Replace(" + k.ToString() + "," + v.ToString() + ")";
    }
    void DeleteRangeAt(const Slice& b, const Slice& e, uint64_t ts) override {
      out += "DeleteRangeAt(" + b.ToString() + "," + e.ToString() + "," +
             std::to_string(ts) + ")";
    }
  } printer;
  const Status s = batch.Iterate(&printer);
  if (!s.ok()) return "error: " + s.ToString();
  return printer.out;
}

// Renders a memtable's entries in order, e.g. "a@12D a@10=1 " (key @
// sequence, D for a deletion); in a versioned memtable "a@100#10=1 " (key @
// timestamp # sequence).
std::string RenderMemTable(const MemTable& mem, bool versioned) {
  auto it = mem.NewIterator();
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey k;
    if (!ParseInternalKey(it->key(), &k)) return "malformed key";
    seen += versioned ? StripTimestamp(k.user_key).ToString() + "@" +
                            std::to_string(ExtractTimestamp(k.user_key)) + "#"
                      : k.user_key.ToString() + "@";
    seen +=
        std::to_string(k.sequence) +
        (k.type == ValueType::kDeletion ? "D" : "=" + it->value().ToString()) +
        " ";
  }
  return seen;
}

TEST(WriteBatchTest, EmptyBatch) {
  WriteBatch b;
  EXPECT_EQ(0u, b.Count());
  EXPECT_EQ(kBatchHeaderSize, b.ApproximateSize());
  EXPECT_EQ("", Render(b));
}

TEST(WriteBatchTest, RoundTripKeepsOrderAndContent) {
  WriteBatch b;
  b.Put("foo", "bar");
  b.Delete("box");
  b.Put(std::string("a\0b", 3), std::string("\xff\x00", 2));
  b.DeleteRange("k1", "k9");
  b.Put("empty", "");
  EXPECT_EQ(5u, b.Count());
  EXPECT_EQ("Put(foo,bar)Delete(box)Put(" + std::string("a\0b", 3) + "," +
                std::string("\xff\x00", 2) + ")DeleteRange(k1,k9)Put(empty,)",
            Render(b));

  // Through the on-disk encoding and back.
  WriteBatchInternal::SetSequence(&b, 100);
  WriteBatch copy;
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&copy, WriteBatchInternal::Contents(b))
          .ok());
  EXPECT_EQ(100u, WriteBatchInternal::Sequence(copy));
  EXPECT_EQ(Render(b), Render(copy));
  BatchSummary summary;
  ASSERT_TRUE(WriteBatchInternal::Validate(copy, &summary).ok());
  EXPECT_EQ(5u, summary.count);
  EXPECT_EQ(1u, summary.range_deletions);
  EXPECT_EQ(5u, summary.max_key_size);  // "empty"
  EXPECT_EQ(3u, summary.max_value_size);
  EXPECT_FALSE(summary.has_empty_key);
}

TEST(WriteBatchTest, ClearAndAppend) {
  WriteBatch a;
  WriteBatch b;
  a.Put("a", "1");
  b.Delete("b");
  b.Put("c", "3");
  a.Append(b);
  EXPECT_EQ(3u, a.Count());
  EXPECT_EQ("Put(a,1)Delete(b)Put(c,3)", Render(a));
  a.Clear();
  EXPECT_EQ(0u, a.Count());
  EXPECT_EQ("", Render(a));
  a.Append(b);
  EXPECT_EQ("Delete(b)Put(c,3)", Render(a));
}

TEST(WriteBatchTest, SummaryFindsEmptyKeys) {
  WriteBatch b;
  b.Put("", "v");
  BatchSummary summary;
  ASSERT_TRUE(WriteBatchInternal::Validate(b, &summary).ok());
  EXPECT_TRUE(summary.has_empty_key);
}

TEST(WriteBatchTest, TruncatedEncodingIsCorruption) {
  WriteBatch b;
  b.Put("key", "value");
  b.Delete("other");
  const std::string full = WriteBatchInternal::Contents(b).ToString();
  // Every strict prefix past the header is damaged; a short header is too.
  for (size_t len = 0; len < full.size(); ++len) {
    WriteBatch cut;
    Status s = WriteBatchInternal::SetContents(&cut, Slice(full.data(), len));
    if (s.ok()) {
      BatchSummary summary;
      s = WriteBatchInternal::Validate(cut, &summary);
    }
    EXPECT_TRUE(s.IsCorruption()) << "length " << len << ": " << s.ToString();
  }
}

TEST(WriteBatchTest, CountMismatchAndUnknownTagAreCorruption) {
  WriteBatch b;
  b.Put("k", "v");
  std::string rep = WriteBatchInternal::Contents(b).ToString();
  WriteBatch bad;
  std::string wrong_count = rep;
  wrong_count[8] = 2;
  ASSERT_TRUE(WriteBatchInternal::SetContents(&bad, wrong_count).ok());
  BatchSummary summary;
  EXPECT_TRUE(WriteBatchInternal::Validate(bad, &summary).IsCorruption());

  std::string wrong_tag = rep;
  wrong_tag[kBatchHeaderSize] = 9;
  ASSERT_TRUE(WriteBatchInternal::SetContents(&bad, wrong_tag).ok());
  EXPECT_TRUE(WriteBatchInternal::Validate(bad, &summary).IsCorruption());
}

TEST(WriteBatchTest, InsertIntoNumbersOperationsFromTheSequence) {
  InternalKeyComparator cmp(BytewiseComparator());
  MemTable mem(cmp);
  WriteBatch b;
  b.Put("a", "1");
  b.Put("b", "2");
  b.Delete("a");
  WriteBatchInternal::SetSequence(&b, 10);
  WriteBatchInternal::InsertInto(b, &mem);
  EXPECT_EQ("a@12D a@10=1 b@11=2 ", RenderMemTable(mem, false));
}

TEST(WriteBatchTest, TimestampedRecordsRoundTrip) {
  WriteBatch b;
  b.PutAt("k", "v", 42);
  b.Put("plain", "p");
  b.DeleteAt("k", uint64_t{1} << 60);
  b.PutAt("zero", "z", 0);
  EXPECT_EQ(4u, b.Count());
  const std::string rendered = "PutAt(k,v,42)Put(plain,p)DeleteAt(k," +
                               std::to_string(uint64_t{1} << 60) +
                               ")PutAt(zero,z,0)";
  EXPECT_EQ(rendered, Render(b));
  WriteBatch copy;
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&copy, WriteBatchInternal::Contents(b))
          .ok());
  EXPECT_EQ(rendered, Render(copy));
  BatchSummary summary;
  ASSERT_TRUE(WriteBatchInternal::Validate(copy, &summary).ok());
  EXPECT_EQ(4u, summary.count);
  EXPECT_EQ(3u, summary.timestamped);
  EXPECT_TRUE(summary.has_zero_timestamp);
  // A handler that knows nothing of timestamps sees plain writes.
  struct Plain final : WriteBatch::Handler {
    std::string out;
    void Put(const Slice& k, const Slice&) override {
      out += "P" + k.ToString();
    }
    void Delete(const Slice& k) override { out += "D" + k.ToString(); }
    void DeleteRange(const Slice&, const Slice&) override {}
  } plain;
  ASSERT_TRUE(b.Iterate(&plain).ok());
  EXPECT_EQ("PkPplainDkPzero", plain.out);
  // Every strict prefix of the encoding is damaged (a cut timestamp too).
  const std::string full = WriteBatchInternal::Contents(b).ToString();
  for (size_t len = kBatchHeaderSize; len < full.size(); ++len) {
    WriteBatch cut;
    ASSERT_TRUE(
        WriteBatchInternal::SetContents(&cut, Slice(full.data(), len)).ok());
    EXPECT_TRUE(WriteBatchInternal::Validate(cut, &summary).IsCorruption())
        << len;
  }
}

TEST(WriteBatchTest, InsertIntoAVersionedMemTableStampsEveryKey) {
  const InternalKeyComparator cmp(BytewiseComparator(), /*versioned=*/true);
  MemTable mem(cmp);
  WriteBatch b;
  b.Put("a", "1");
  b.PutAt("a", "back", 5);
  b.Delete("b");
  b.DeleteAt("c", 7);
  WriteBatchInternal::SetSequence(&b, 10);
  WriteBatchInternal::InsertInto(b, &mem, /*versioned=*/true,
                                 /*commit_timestamp=*/100);
  // Newest timestamp first within a key; Put and Delete take the commit's.
  EXPECT_EQ("a@100#10=1 a@5#11=back b@100#12D c@7#13D ",
            RenderMemTable(mem, true));
}

TEST(WriteBatchTest, PurgeAndReplaceRoundTripAndBecomeTombstones) {
  WriteBatch b;
  b.Put("a", "1");
  b.Purge("a");
  b.Replace("b", "new");
  EXPECT_EQ("Put(a,1)Purge(a)Replace(b,new)", Render(b));
  WriteBatch copy;
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&copy, WriteBatchInternal::Contents(b))
          .ok());
  EXPECT_EQ("Put(a,1)Purge(a)Replace(b,new)", Render(copy));
  BatchSummary summary;
  ASSERT_TRUE(WriteBatchInternal::Validate(copy, &summary).ok());
  EXPECT_EQ(3u, summary.count);
  EXPECT_EQ(2u, summary.purges);
  EXPECT_EQ(0u, summary.timestamped);

  const InternalKeyComparator cmp(BytewiseComparator(), /*versioned=*/true);
  MemTable mem(cmp);
  WriteBatchInternal::SetSequence(&b, 10);
  WriteBatchInternal::InsertInto(b, &mem, /*versioned=*/true,
                                 /*commit_timestamp=*/100);
  // The Put and Replace's value are point entries; the purge and the
  // replace's cut are range tombstones over the versions of their key.
  EXPECT_EQ("a@100#10=1 b@100#12=new ", RenderMemTable(mem, true));
  const RangeTombstoneListPtr tombstones = mem.RangeTombstones();
  ASSERT_NE(nullptr, tombstones);
  std::vector<RangeTombstone> list;
  tombstones->AppendTombstones(&list);
  ASSERT_EQ(2u, list.size());
  const auto render = [](const RangeTombstone& t) {
    return StripTimestamp(t.begin).ToString() + "@" +
           std::to_string(ExtractTimestamp(t.begin)) + ".." +
           StripTimestamp(t.end).ToString() + "@" +
           std::to_string(ExtractTimestamp(t.end)) + "#" +
           std::to_string(t.sequence);
  };
  EXPECT_EQ("a@" + std::to_string(kMaxTimestamp) + "..a@0#11", render(list[0]));
  EXPECT_EQ("b@99..b@0#12", render(list[1]));
}

// A versioned DeleteRange (at the commit's time or a given one) becomes a
// timed tombstone over every version of the keys of its range.
TEST(WriteBatchTest, VersionedRangeDeletesBecomeTimedTombstones) {
  WriteBatch b;
  b.DeleteRange("a", "c");
  b.DeleteRangeAt("x", "z", 7);
  EXPECT_EQ("DeleteRange(a,c)DeleteRangeAt(x,z,7)", Render(b));
  WriteBatch copy;
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&copy, WriteBatchInternal::Contents(b))
          .ok());
  EXPECT_EQ("DeleteRange(a,c)DeleteRangeAt(x,z,7)", Render(copy));
  BatchSummary summary;
  ASSERT_TRUE(WriteBatchInternal::Validate(copy, &summary).ok());
  EXPECT_EQ(2u, summary.count);
  EXPECT_EQ(2u, summary.range_deletions);
  EXPECT_EQ(1u, summary.timestamped);
  // A cut timestamp is damage.
  const std::string full = WriteBatchInternal::Contents(b).ToString();
  for (size_t len = kBatchHeaderSize; len < full.size(); ++len) {
    WriteBatch cut;
    ASSERT_TRUE(
        WriteBatchInternal::SetContents(&cut, Slice(full.data(), len)).ok());
    EXPECT_TRUE(WriteBatchInternal::Validate(cut, &summary).IsCorruption())
        << len;
  }

  const InternalKeyComparator cmp(BytewiseComparator(), /*versioned=*/true);
  MemTable mem(cmp);
  WriteBatchInternal::SetSequence(&b, 10);
  WriteBatchInternal::InsertInto(b, &mem, /*versioned=*/true,
                                 /*commit_timestamp=*/100);
  EXPECT_EQ("", RenderMemTable(mem, true));  // no point entry
  const RangeTombstoneListPtr tombstones = mem.RangeTombstones();
  ASSERT_NE(nullptr, tombstones);
  std::vector<RangeTombstone> list;
  tombstones->AppendTombstones(&list);
  ASSERT_EQ(2u, list.size());
  const auto render = [](const RangeTombstone& t) {
    return StripTimestamp(t.begin).ToString() + ".." +
           StripTimestamp(t.end).ToString() + " at " +
           std::to_string(t.timestamp) + "#" + std::to_string(t.sequence);
  };
  EXPECT_EQ("a..c at 100#10", render(list[0]));
  EXPECT_EQ("x..z at 7#11", render(list[1]));
  // Whole keys: from the newest version of the begin to the newest of the
  // end (exclusive).
  EXPECT_EQ(kMaxTimestamp, ExtractTimestamp(list[0].begin));
  EXPECT_EQ(kMaxTimestamp, ExtractTimestamp(list[0].end));
}

}  // namespace
}  // namespace strata::internal
