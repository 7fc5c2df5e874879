// Helpers shared by table_test.cc and table_corruption_test.cc: in-memory
// files, DB internal keys with a std::map model, and building, opening and
// reading tables. Test-only.

#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "key/internal_key.h"
#include "strata/env.h"
#include "table/format.h"
#include "table/table.h"
#include "table/table_builder.h"

namespace strata::internal::table_test {

// ---- In-memory files ---------------------------------------------------

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

// Reads from a copy of `contents`; counts reads; can fail reads at or after
// an offset with IOError. With `lend`, visits (RandomAccessFile::Visit)
// are handed the contents where they lie, as a mapped file hands its
// mapping, so that tables take their in-place reads.
class StringSource final : public RandomAccessFile {
 public:
  explicit StringSource(std::string contents, std::atomic<int>* reads = nullptr,
                        bool lend = false)
      : contents_(std::move(contents)), reads_(reads), lend_(lend) {}
  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (reads_ != nullptr) reads_->fetch_add(1, std::memory_order_relaxed);
    if (offset >= fail_from_) return Status::IOError("injected read error");
    if (offset > contents_.size()) {
      *result = Slice();
      return Status::OK();
    }
    n = std::min<uint64_t>(n, contents_.size() - offset);
    std::memcpy(scratch, contents_.data() + offset, n);
    *result = Slice(scratch, n);
    return Status::OK();
  }
  bool VisitsInPlace() const override { return lend_; }
  Status Visit(uint64_t offset, size_t n, char* scratch, ByteVisitor visitor,
               void* arg) const override {
    if (!lend_)
      return RandomAccessFile::Visit(offset, n, scratch, visitor, arg);
    if (reads_ != nullptr) reads_->fetch_add(1, std::memory_order_relaxed);
    if (offset >= fail_from_) return Status::IOError("injected read error");
    if (offset > contents_.size()) {
      visitor(arg, Slice());
      return Status::OK();
    }
    n = std::min<uint64_t>(n, contents_.size() - offset);
    visitor(arg, Slice(contents_.data() + offset, n));
    return Status::OK();
  }

  // Reads at `offset` or later fail from now on. Not thread-safe: call it
  // while no read is running.
  void FailReadsFrom(uint64_t offset) { fail_from_ = offset; }

  // Each hint is recorded; prefetches(), piece_hints() and next_hints()
  // return every Prefetch, WillReadPieces and WillReadNext (offset, n) so
  // far, in order.
  void Prefetch(uint64_t offset, size_t n) const override {
    Note(&prefetches_, offset, n);
  }
  void WillReadPieces(uint64_t offset, size_t n) const override {
    Note(&piece_hints_, offset, n);
  }
  void WillReadNext(uint64_t offset, size_t n) const override {
    Note(&next_hints_, offset, n);
  }
  using Hints = std::vector<std::pair<uint64_t, size_t>>;
  Hints prefetches() const { return Copy(prefetches_); }
  Hints piece_hints() const { return Copy(piece_hints_); }
  Hints next_hints() const { return Copy(next_hints_); }

 private:
  void Note(Hints* hints, uint64_t offset, size_t n) const {
    std::lock_guard<std::mutex> lock(hints_mu_);
    hints->emplace_back(offset, n);
  }
  Hints Copy(const Hints& hints) const {
    std::lock_guard<std::mutex> lock(hints_mu_);
    return hints;
  }

  const std::string contents_;
  std::atomic<int>* reads_;
  const bool lend_;
  uint64_t fail_from_ = UINT64_MAX;
  mutable std::mutex hints_mu_;
  mutable Hints prefetches_;
  mutable Hints piece_hints_;
  mutable Hints next_hints_;
};

// ---- Internal keys and a model --------------------------------------------

inline const InternalKeyComparator& Icmp() {
  static const InternalKeyComparator kIcmp(BytewiseComparator());
  return kIcmp;
}

struct IcmpLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return Icmp().Compare(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, IcmpLess>;

inline std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "user%08llu",
                static_cast<unsigned long long>(i));
  return buf;
}

inline std::string IKey(const std::string& user_key, SequenceNumber seq,
                        ValueType type) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, static_cast<uint8_t>(type));
  return k;
}

// A value like db_bench's: a random printable chunk of half the length,
// repeated, so it compresses to about half.
inline std::string HalfCompressibleValue(Random* rnd, size_t len) {
  std::string chunk(std::max<size_t>(len / 2, 1), ' ');
  for (auto& c : chunk) c = static_cast<char>(' ' + rnd->Uniform(95));
  std::string value;
  while (value.size() < len) value.append(chunk);
  value.resize(len);
  return value;
}

// Even user keys 0, 2, 4, ... with one to three versions each; some
// versions are deletions (empty value).
inline Model MakeModel(Random* rnd, size_t user_keys, size_t value_len) {
  Model model;
  SequenceNumber seq = 100000;
  for (size_t i = 0; i < user_keys; ++i) {
    const std::string user = UserKey(2 * i);
    const int versions = 1 + static_cast<int>(rnd->Uniform(3));
    for (int v = 0; v < versions; ++v) {
      const bool deletion = rnd->OneIn(5);
      model[IKey(user, seq--,
                 deletion ? ValueType::kDeletion : ValueType::kValue)] =
          deletion ? std::string() : HalfCompressibleValue(rnd, value_len);
    }
  }
  return model;
}

inline TableOptions DbTableOptions(Compression compression, size_t block_size) {
  TableOptions options;
  options.comparator = &Icmp();
  options.user_comparator = BytewiseComparator();  // as a DB's tables
  options.filter_key_suffix_len = InternalKeySuffixLength();
  options.block_size = block_size;
  options.compression = compression;
  return options;
}

inline TableProperties CallerProperties() {
  TableProperties p;
  p.num_deletions = 17;
  p.num_range_deletions = 3;  // ignored: the builder counts its own
  p.smallest_seqno = 11;
  p.largest_seqno = uint64_t{1} << 40;
  p.creation_time = 1700000000;
  return p;
}

inline std::string BuildTable(const TableOptions& options, const Model& model,
                              TableProperties* built = nullptr) {
  std::string contents;
  StringSink sink(&contents);
  TableBuilder builder(options, &sink);
  for (const auto& [k, v] : model) builder.Add(k, v);
  EXPECT_EQ(model.size(), builder.NumEntries());
  const Status s = builder.Finish(CallerProperties());
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(contents.size(), builder.FileSize());
  if (built != nullptr) *built = builder.properties();
  return contents;
}

inline Status OpenTable(const TableOptions& options,
                        const std::string& contents, const std::string& name,
                        std::unique_ptr<Table>* table,
                        std::atomic<int>* reads = nullptr, bool lend = false) {
  return Table::Open(options,
                     std::make_unique<StringSource>(contents, reads, lend),
                     contents.size(), name, table);
}

// The entry Get reports, or "" when it reports none.
struct GetResult {
  Status status;
  bool called = false;
  bool filter_skipped = false;
  std::string key;
  std::string value;
};

inline GetResult DoGet(const Table& table, const TableReadOptions& ro,
                       const Slice& internal_key) {
  GetResult r;
  int calls = 0;
  r.status = table.Get(
      ro, internal_key, ExtractUserKey(internal_key),
      [&](const Slice& k, const Slice& v) {
        ++calls;
        r.key = k.ToString();
        r.value = v.ToString();
        return false;
      },
      &r.filter_skipped);
  EXPECT_LE(calls, 1);
  r.called = calls == 1;
  return r;
}

// ---- Looking inside a built table -------------------------------------------

// The footer of the table in `contents`.
inline Footer DecodeFooter(const std::string& contents) {
  Footer footer;
  EXPECT_TRUE(footer
                  .DecodeFrom(Slice(contents.data() + contents.size() -
                                        Footer::kEncodedLength,
                                    Footer::kEncodedLength))
                  .ok());
  return footer;
}

// The handle of each data block of `contents`, in order, from its index.
inline std::vector<BlockHandle> DataBlockHandles(const std::string& contents) {
  const Footer footer = DecodeFooter(contents);
  StringSource file(contents);
  BlockContents index_contents;
  EXPECT_TRUE(ReadBlock(file, "t", contents.size(), footer.index_handle, true,
                        &index_contents)
                  .ok());
  auto index = Block::Parse(std::move(index_contents.data), index_contents.size,
                            index_contents.allocated);
  EXPECT_TRUE(index.ok());
  std::vector<BlockHandle> handles;
  BlockIter it(&Icmp(), index.value().get(), nullptr, BlockErrorContext{});
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    Slice v = it.value();
    BlockHandle h;
    EXPECT_TRUE(h.DecodeFrom(&v));
    handles.push_back(h);
  }
  return handles;
}

// The type byte of each data block's trailer (its compression).
inline std::vector<uint8_t> DataBlockTypes(const std::string& contents) {
  std::vector<uint8_t> types;
  for (const BlockHandle& h : DataBlockHandles(contents)) {
    types.push_back(static_cast<uint8_t>(contents[h.offset + h.size]));
  }
  return types;
}

// ---- Checks against the model ------------------------------------------

inline void CheckScans(const Table& table, const Model& model) {
  auto it = table.NewIterator(TableReadOptions());
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(m->first, it->key().ToString());
    ASSERT_EQ(m->second, it->value().ToString());
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  ASSERT_EQ(m, model.end());
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(r->first, it->key().ToString());
    ASSERT_EQ(r->second, it->value().ToString());
  }
  ASSERT_TRUE(it->status().ok());
  ASSERT_EQ(r, model.rend());
}

}  // namespace strata::internal::table_test
