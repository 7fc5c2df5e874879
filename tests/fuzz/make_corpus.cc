// strata_fuzz_corpus <dir>: writes the seed corpora of the fuzz targets
// into <dir>/<target>/ (normally tests/fuzz/corpus), cut from the reference
// DB (reference_db.h) and from a few tables, batches and MANIFESTs built
// here for the formats' corners. Deterministic: a second run writes the
// same bytes. Seed files are named seed_<what>; regression inputs from
// findings live beside them under other names and are left alone.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "db/write_batch_internal.h"
#include "env/env_util.h"
#include "key/internal_key.h"
#include "strata/env.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "table/compression.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/reference_db.h"
#include "version/version_edit.h"
#include "version/version_set.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_writer.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace strata::fuzz {
namespace {

using internal::BlockHandle;
using internal::Footer;

class CorpusWriter {
 public:
  explicit CorpusWriter(std::string root) : root_(std::move(root)) {}

  // Writes <root>/<target>/seed_<name>; remembers the first failure.
  void Add(const std::string& target, const std::string& name,
           const std::string& bytes) {
    Env* env = Env::Default();
    const std::string dir = root_ + "/" + target;
    Status s = env->CreateDirIfMissing(root_);
    if (s.ok()) s = env->CreateDirIfMissing(dir);
    if (s.ok()) s = WriteFile(env, dir + "/seed_" + name, bytes);
    if (!s.ok() && status_.ok()) status_ = s;
    ++count_[target];
    bytes_[target] += bytes.size();
  }
  // flags byte ‖ bytes.
  void Add(const std::string& target, const std::string& name, uint8_t flags,
           const std::string& bytes) {
    Add(target, name, std::string(1, static_cast<char>(flags)) + bytes);
  }

  Status status() const { return status_; }
  void PrintSummary() const {
    for (const auto& [target, n] : count_) {
      std::printf("%-18s %3d seeds %8zu bytes\n", target.c_str(), n,
                  bytes_.at(target));
    }
  }

 private:
  const std::string root_;
  Status status_;
  std::map<std::string, int> count_;
  std::map<std::string, size_t> bytes_;
};

// The logical records of a log file.
std::vector<std::string> LogRecords(const std::string& file) {
  StringSequentialFile source(file, false);
  internal::log::Reader reader(&source, "log", WalRecoveryMode::kSalvage,
                               nullptr);
  std::vector<std::string> records;
  Slice record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch))
    records.push_back(record.ToString());
  return records;
}

std::string LogOf(const std::vector<std::string>& records) {
  std::string file;
  StringSink sink(&file);
  internal::log::Writer writer(&sink);
  for (const std::string& r : records) {
    if (!writer.AddRecord(r).ok()) std::abort();
  }
  return file;
}

// A table over `entries` (already sorted by `cmp`).
std::string BuildTable(
    const Comparator* cmp, size_t suffix_len, Compression compression,
    int bloom_bits, int restart_interval, size_t block_size,
    const std::vector<std::pair<std::string, std::string>>& entries,
    size_t compression_unit_size = 0) {
  std::string file;
  StringSink sink(&file);
  internal::TableOptions o;
  o.comparator = cmp;
  o.filter_key_suffix_len = suffix_len;
  o.compression = compression;
  o.bloom_bits_per_key = bloom_bits;
  o.block_restart_interval = restart_interval;
  o.block_size = block_size;
  o.compression_unit_size = compression_unit_size;
  internal::TableBuilder builder(o, &sink);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  internal::TableProperties caller;
  caller.creation_time = 1704067200;
  if (!builder.Finish(caller).ok()) std::abort();
  return file;
}

// Seeds for fuzz_block from the blocks of `table`: the data blocks (as
// `data_kind`), index, metaindex, properties and filter.
void AddBlocks(CorpusWriter* w, const std::string& prefix,
               const std::string& table, int data_kind, size_t max_data) {
  if (table.size() < Footer::kEncodedLength) return;
  const uint64_t limit = table.size() - Footer::kEncodedLength;
  Footer footer;
  if (!footer.DecodeFrom(Slice(table.data() + limit, Footer::kEncodedLength))
           .ok()) {
    return;
  }
  auto stored = [&](const BlockHandle& h, uint8_t kind) {
    const auto type = static_cast<uint8_t>(table[h.offset + h.size]);
    return std::make_pair(static_cast<uint8_t>(kind | (type << 2)),
                          table.substr(h.offset, h.size));
  };
  auto [iflags, ibytes] = stored(footer.index_handle, 2);
  w->Add("fuzz_block", prefix + "_index", iflags, ibytes);
  auto [mflags, mbytes] = stored(footer.metaindex_handle, 2);
  w->Add("fuzz_block", prefix + "_metaindex", mflags, mbytes);

  auto meta = resign_detail::LoadBlock(table, limit, footer.metaindex_handle);
  if (meta != nullptr) {
    internal::BlockIter it(BytewiseComparator(), meta.get(), nullptr, {});
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      Slice v = it.value();
      BlockHandle h;
      if (!h.DecodeFrom(&v)) continue;
      const std::string name = it.key().ToString();
      // Properties (3); range deletions hold internal keys (1); the
      // filter is read as a data block and as a filter (0).
      const int kind = name == internal::kPropertiesBlockName ? 3
                       : name == internal::kRangeDelBlockName ? 1
                                                              : 0;
      auto [f, b] = stored(h, static_cast<uint8_t>(kind));
      w->Add("fuzz_block", prefix + "_" + name, f, b);
    }
  }
  auto index = resign_detail::LoadBlock(table, limit, footer.index_handle);
  if (index != nullptr) {
    internal::BlockIter it(BytewiseComparator(), index.get(), nullptr, {});
    size_t n = 0;
    for (it.SeekToFirst(); it.Valid() && n < max_data; it.Next(), ++n) {
      Slice v = it.value();
      BlockHandle h;
      if (!h.DecodeFrom(&v)) continue;
      auto [f, b] = stored(h, static_cast<uint8_t>(data_kind));
      w->Add("fuzz_block", prefix + "_data" + std::to_string(n), f, b);
    }
  }
}

// Seeds for fuzz_vlog: small value logs under every compression (raw,
// compressible and empty values), an empty one, and one pointer.
void AddVlogs(CorpusWriter* w) {
  const std::unique_ptr<Env> env = NewMemEnv();
  for (const Compression c : {Compression::kNone, Compression::kSnappy,
                              Compression::kLZ4, Compression::kZstd}) {
    for (const int n : {0, 3}) {
      std::unique_ptr<WritableFile> file;
      Status s = env->NewWritableFile("/v.vlog", &file);
      internal::vlog::Writer writer(std::move(file), 9, c);
      internal::vlog::ValuePointer p;
      for (int i = 0; i < n && s.ok(); ++i) {
        s = writer.Add("key" + std::to_string(i),
                       i == 0 ? std::string() : std::string(200 * i, 'v'), &p);
      }
      if (s.ok()) s = writer.Finish();
      std::string bytes;
      if (s.ok()) s = internal::ReadFileToString(env.get(), "/v.vlog", &bytes);
      if (!s.ok()) {
        std::fprintf(stderr, "vlog seed: %s\n", s.ToString().c_str());
        continue;
      }
      w->Add("fuzz_vlog",
             std::string(CompressionName(c)) + "_" + std::to_string(n), bytes);
      if (n > 0) {
        std::string pointer;
        p.EncodeTo(&pointer);
        w->Add("fuzz_vlog", "pointer_" + std::string(CompressionName(c)),
               pointer);
      }
    }
  }
}

void AddSmallTables(CorpusWriter* w) {
  // Bytewise keys, several blocks, every compression, with and without a
  // filter; one empty table; one with a single huge entry.
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 60; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%04d", i * 3);
    entries.emplace_back(
        key, std::string(10 + i % 30, static_cast<char>('a' + i % 26)));
  }
  for (Compression c : {Compression::kNone, Compression::kSnappy,
                        Compression::kLZ4, Compression::kZstd}) {
    const std::string t =
        BuildTable(BytewiseComparator(), 0, c, 10, 3, 256, entries);
    const std::string name = std::string("bytewise_") + CompressionName(c);
    w->Add("fuzz_table", name, 0x00, t);
    AddBlocks(w, name, t, 0, 2);
  }
  // Unit-compressed data blocks (docs/table_format.md#unit-compressed-
  // blocks): a unit per restart interval of three entries, as read with
  // checksums verified and without.
  for (Compression c :
       {Compression::kSnappy, Compression::kLZ4, Compression::kZstd}) {
    const std::string t =
        BuildTable(BytewiseComparator(), 0, c, 10, 3, 256, entries, 40);
    const std::string name =
        std::string("bytewise_units_") + CompressionName(c);
    w->Add("fuzz_table", name, 0x00, t);
    w->Add("fuzz_table", name + "_unverified", 0x04, t);
  }
  w->Add("fuzz_table", "bytewise_nofilter", 0x00,
         BuildTable(BytewiseComparator(), 0, Compression::kNone, 0, 1, 128,
                    entries));
  w->Add("fuzz_table", "empty", 0x00,
         BuildTable(BytewiseComparator(), 0, Compression::kNone, 10, 16, 4096,
                    {}));
  w->Add("fuzz_table", "one_big_entry_zstd", 0x00,
         BuildTable(BytewiseComparator(), 0, Compression::kZstd, 10, 16, 4096,
                    {{"key", std::string(9000, 'z')}}));
  // Blocks on their own: compressible runs for each decompressor.
  const std::string run = std::string(300, 'x') + "tail";
  for (Compression c :
       {Compression::kSnappy, Compression::kLZ4, Compression::kZstd}) {
    internal::Compressor compressor(c);
    std::string out;
    if (compressor.Compress(run, &out)) {
      w->Add("fuzz_block", std::string("compressed_") + CompressionName(c),
             static_cast<uint8_t>(0x10 | (static_cast<int>(c) << 2)), out);
    }
  }
  w->Add("fuzz_block", "empty_block", 0x00, std::string(4, '\0'));
}

void AddWal(CorpusWriter* w, const std::string& wal) {
  w->Add("fuzz_wal", "reference", 0x00, wal);
  w->Add("fuzz_wal", "reference_zero_copy", 0x02, wal);
  w->Add("fuzz_wal", "reference_torn", 0x01, wal.substr(0, wal.size() - 7));
  // A record of exactly one block's payload, an empty one, one of three
  // blocks, and trailers: the writer's every corner.
  const std::vector<std::string> records = {
      "",
      "abc",
      std::string(internal::log::kMaxFragmentPayload, 'b'),
      std::string(100, 'c'),
      std::string(2 * 32768 + 100, 'd'),
      std::string(32768 - 11 - 11 - 5, 'e'),
      "f"};
  w->Add("fuzz_wal", "corners", 0x00, LogOf(records));
  // Round-trip mode: records described by (length, seed), then the cut.
  std::string spec;
  for (uint16_t len : {0, 5, 32757, 40000, 7, 32746}) {
    spec.push_back(static_cast<char>(len & 0xff));
    spec.push_back(static_cast<char>(len >> 8));
    spec.push_back(static_cast<char>(len % 251));
  }
  w->Add("fuzz_wal", "round_trip", 0x04,
         spec + std::string("\x10\x27\x01\x00", 4));
  // Preallocated zero space after a record, then data.
  std::string zeros = LogOf({"x"}) + std::string(64, '\0');
  w->Add("fuzz_wal", "zero_tail", 0x00, zeros);
}

void AddBatches(CorpusWriter* w, const std::vector<std::string>& records) {
  int n = 0;
  for (const std::string& r : records) {
    if (n >= 6) break;
    w->Add("fuzz_write_batch", "wal_record" + std::to_string(n++), r);
  }
  WriteBatch b;
  b.Put("a", "1");
  b.Delete("b");
  b.DeleteRange("c", "f");
  b.Put("", "");
  internal::WriteBatchInternal::SetSequence(&b, 77);
  w->Add("fuzz_write_batch", "every_op",
         internal::WriteBatchInternal::Contents(b).ToString());
  w->Add("fuzz_write_batch", "empty",
         internal::WriteBatchInternal::Contents(WriteBatch()).ToString());
}

// A MANIFEST with many edits: files added at several levels, moved,
// deleted, counters changed, written through VersionSet itself.
Status ManifestWithHistory(std::string* current, std::string* manifest) {
  const std::unique_ptr<Env> env = NewMemEnv();
  const std::string db = "/m";
  STRATA_RETURN_IF_ERROR(env->CreateDirIfMissing(db));
  static const internal::InternalKeyComparator icmp(BytewiseComparator());
  internal::VersionSetOptions o;
  o.env = env.get();
  o.dbname = db;
  o.icmp = &icmp;
  internal::VersionSet vs(o);
  STRATA_RETURN_IF_ERROR(vs.CreateNew());
  auto file = [&](uint64_t number, const char* lo, const char* hi,
                  uint64_t seq) {
    internal::FileMetaData f;
    f.number = number;
    f.file_size = 1000 + number;
    f.smallest = internal::InternalKey(lo, seq, 1);
    f.largest = internal::InternalKey(hi, seq + 1, 0);
    f.smallest_seqno = seq;
    f.largest_seqno = seq + 1;
    f.num_entries = 10;
    f.num_deletions = 2;
    return f;
  };
  uint64_t seq = 1;
  for (int round = 0; round < 4; ++round) {
    internal::VersionEdit e;
    const uint64_t n = vs.NewFileNumber();
    e.AddFile(0, file(n, "a", "m", seq));
    vs.SetLastSequence(seq += 10);
    STRATA_RETURN_IF_ERROR(vs.LogAndApply(&e));
  }
  {
    // Move two L0 files to disjoint places in L1 and L2; delete one.
    const auto v = vs.current();
    internal::VersionEdit e;
    const auto& l0 = v->files(0);
    e.DeleteFile(0, l0[0]->number);
    e.DeleteFile(0, l0[1]->number);
    e.DeleteFile(0, l0[2]->number);
    e.AddFile(1, file(vs.NewFileNumber(), "a", "c", 1));
    e.AddFile(1, file(vs.NewFileNumber(), "d", "k", 3));
    e.AddFile(2, file(vs.NewFileNumber(), "a", "z", 5));
    e.SetLogNumber(vs.NewFileNumber());
    STRATA_RETURN_IF_ERROR(vs.LogAndApply(&e));
  }
  STRATA_RETURN_IF_ERROR(
      ReadFile(env.get(), internal::CurrentFileName(db), current));
  return ReadFile(env.get(),
                  internal::ManifestFileName(db, vs.manifest_file_number()),
                  manifest);
}

std::string ManifestInput(uint8_t flags, const std::string& current,
                          const std::string& manifest) {
  std::string in(1, static_cast<char>(flags));
  in.push_back(static_cast<char>(current.size()));
  return in + current + manifest;
}

void AddManifests(CorpusWriter* w, const std::string& current,
                  const std::string& manifest) {
  constexpr uint8_t kSevenLevels = 6 << 2;
  w->Add("fuzz_manifest", "reference",
         ManifestInput(0x02 | kSevenLevels, current, manifest));
  w->Add("fuzz_manifest", "reference_resign",
         ManifestInput(0x03 | kSevenLevels, current, manifest));
  w->Add("fuzz_manifest", "one_level", ManifestInput(0x02, current, manifest));
  std::string c2;
  std::string m2;
  if (ManifestWithHistory(&c2, &m2).ok()) {
    w->Add("fuzz_manifest", "history",
           ManifestInput(0x02 | kSevenLevels, c2, m2));
    int n = 0;
    for (const std::string& r : LogRecords(m2)) {
      w->Add("fuzz_version_edit", "history" + std::to_string(n++), r);
    }
  }
  w->Add("fuzz_manifest", "current_unpadded",
         ManifestInput(0x02 | kSevenLevels, "MANIFEST-1\n",
                       LogOf(LogRecords(manifest))));
  int n = 0;
  for (const std::string& r : LogRecords(manifest)) {
    w->Add("fuzz_version_edit", "reference" + std::to_string(n++), r);
  }
  // The two examples of docs/manifest_format.md.
  w->Add("fuzz_version_edit", "doc_delete",
         std::string("\x02\x05\x05\x01\xac\x02\x00", 7));
  w->Add("fuzz_version_edit", "doc_new_file",
         std::string("\x06\x00\x09\xc8\x01"
                     "\x09\x61\x01\x03\x00\x00\x00\x00\x00\x00"
                     "\x09\x62\x00\x04\x00\x00\x00\x00\x00\x00"
                     "\x03\x04\x02\x01\x00",
                     30));
}

// One mutation record for fuzz_db_open.
std::string Mutation(uint8_t file, uint8_t op, uint32_t offset, uint8_t value) {
  std::string m;
  m.push_back(static_cast<char>(file));
  m.push_back(static_cast<char>(op));
  internal::PutFixed32(&m, offset);
  m.push_back(static_cast<char>(value));
  return m;
}

void AddDbOpen(CorpusWriter* w, const ReferenceDb& ref) {
  // Ops as in fuzz_db_open.cc.
  constexpr uint8_t kXor = 0, kTruncate = 10, kResign = 12, kCopy = 14,
                    kAppend = 15;
  w->Add("fuzz_db_open", "intact", std::string(1, '\x03'));
  w->Add("fuzz_db_open", "intact_salvage", std::string(1, '\x02'));
  for (size_t i = 0; i < ref.files.size(); ++i) {
    const auto& [name, data] = ref.files[i];
    const auto f = static_cast<uint8_t>(i);
    const auto mid = static_cast<uint32_t>(data.size() / 2);
    w->Add("fuzz_db_open", "xor_" + name,
           "\x03" + Mutation(f, kXor, mid, 0x20));
    w->Add("fuzz_db_open", "xor_resign_" + name,
           "\x03" + Mutation(f, kXor, mid, 0x20) + Mutation(f, kResign, 0, 0));
    w->Add("fuzz_db_open", "truncate_" + name,
           "\x03" + Mutation(f, kTruncate, mid, 0));
    if (name.ends_with(".log")) {
      // The WAL again as an older and as a newer log; garbage after it.
      w->Add("fuzz_db_open", "copy_older_" + name,
             "\x03" + Mutation(f, kCopy, 0, 0));
      w->Add("fuzz_db_open", "copy_newer_" + name,
             "\x03" + Mutation(f, kCopy, 0, 1));
      w->Add("fuzz_db_open", "append_" + name,
             "\x00" + Mutation(f, kAppend, 20, 0x41));
    }
  }
}

Status Run(const std::string& root) {
  CorpusWriter w(root);
  const std::unique_ptr<Env> mem = NewMemEnv();
  FixedClockEnv env(mem.get());
  ReferenceDb ref;
  STRATA_RETURN_IF_ERROR(BuildReferenceDb(&env, &ref));

  std::string current;
  std::string manifest;
  for (const auto& [name, data] : ref.files) {
    std::printf("reference %-16s %7zu bytes\n", name.c_str(), data.size());
    if (name == "CURRENT") current = data;
    if (name.starts_with("MANIFEST-")) manifest = data;
    if (name.ends_with(".log")) {
      AddWal(&w, data);
      AddBatches(&w, LogRecords(data));
    }
    if (name.ends_with(".sst")) {
      const std::string stem = name.substr(0, name.size() - 4);
      w.Add("fuzz_table", "ref_" + stem, 0x02, data);
      w.Add("fuzz_table", "ref_" + stem + "_resign_cached", 0x0b, data);
      AddBlocks(&w, "ref_" + stem, data, 1, 3);
    }
  }
  w.Add("fuzz_wal", "manifest", 0x00, manifest);
  AddManifests(&w, current, manifest);
  AddSmallTables(&w);
  AddVlogs(&w);
  AddDbOpen(&w, ref);
  w.PrintSummary();
  return w.status();
}

}  // namespace
}  // namespace strata::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir, e.g. tests/fuzz/corpus>\n",
                 argv[0]);
    return 2;
  }
  const strata::Status s = strata::fuzz::Run(argv[1]);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
