// The small reference DB that fuzz_db_open mutates and make_corpus cuts
// seeds from. Built deterministically in an in-memory Env with a fixed
// clock, it holds every kind of file recovery reads:
//   - CURRENT and one MANIFEST;
//   - an L1 table compressed with snappy (made by CompactRange) and two L0
//     tables, zstd (with a range-deletion block) and LZ4, each with a bloom
//     filter and several 1 KiB data blocks (so multi-entry indexes);
//   - a WAL of uncompressed-DB writes never flushed: several batches, with
//     deletions, a range deletion, one batch of many records, and one 40 KB
//     value that spans two log blocks (first and last fragments).
// Recovery turns the WAL into a third L0 table; with the compaction trigger
// at four L0 files, no compaction then starts in the background.
//
// Test-only. Thread-safety: call from one thread.

#pragma once

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "env/filename.h"
#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "tests/fuzz/fuzz_util.h"

namespace strata::fuzz {

inline constexpr char kReferenceDbName[] = "/refdb";

// The options the reference DB is built and reopened with, over `env`.
inline Options ReferenceOptions(Env* env) {
  Options o;
  o.env = env;
  o.write_buffer_size = 256 << 10;
  o.block_size = 1024;
  o.block_restart_interval = 4;
  o.bloom_bits_per_key = 10;
  o.max_background_jobs = 1;
  o.level0_compaction_trigger = 4;
  o.level0_idle_compaction_ms = 0;  // the layout depends on writes alone
  o.block_cache_capacity = 1 << 20;
  o.max_open_files = 16;
  o.flush_on_close = false;
  return o;
}

struct ReferenceDb {
  // File name (in the DB directory) → contents, sorted by name. The info
  // LOG and the LOCK file are left out: recovery does not read them.
  std::vector<std::pair<std::string, std::string>> files;
  // Every live key and its value, as a full scan of the DB returns them.
  std::map<std::string, std::string> contents;
};

namespace reference_detail {

// A value like db_bench's: half random printable, half repeated.
inline std::string Value(internal::Random* rnd, size_t len) {
  std::string chunk(len / 2 + 1, ' ');
  for (char& c : chunk) c = static_cast<char>(' ' + rnd->Uniform(95));
  std::string v;
  while (v.size() < len) v += chunk;
  v.resize(len);
  return v;
}

inline std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

inline Status Check(Status s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "reference DB: %s: %s\n", what, s.ToString().c_str());
  }
  return s;
}

}  // namespace reference_detail

// Builds the reference DB in `env` (which should be an in-memory Env with a
// fixed clock) and reads back its files and contents.
inline Status BuildReferenceDb(Env* env, ReferenceDb* out) {
  namespace d = reference_detail;
  const std::string name = kReferenceDbName;
  internal::Random rnd(20240101);
  WriteOptions wo;
  std::unique_ptr<DB> db;
  auto open = [&](Compression c) {
    Options o = ReferenceOptions(env);
    o.compression = c;
    db.reset();
    return d::Check(DB::Open(o, name, &db), "open");
  };

  // L1, snappy: keys 0..239 step 1, some deleted before the compaction.
  Status s = open(Compression::kSnappy);
  for (int i = 0; s.ok() && i < 240; ++i) {
    s = db->Put(wo, d::Key(i), d::Value(&rnd, 20 + rnd.Uniform(100)));
  }
  for (int i = 0; s.ok() && i < 240; i += 17) s = db->Delete(wo, d::Key(i));
  if (s.ok()) s = d::Check(db->Flush(), "flush 1");
  if (s.ok()) s = d::Check(db->CompactRange(nullptr, nullptr), "compact");
  if (s.ok()) s = d::Check(db->Close(), "close 1");

  // L0, zstd: overwrites and deletions across the L1 range.
  if (s.ok()) s = open(Compression::kZstd);
  for (int i = 3; s.ok() && i < 300; i += 7) {
    s = db->Put(wo, d::Key(i), d::Value(&rnd, 60));
  }
  for (int i = 5; s.ok() && i < 240; i += 29) s = db->Delete(wo, d::Key(i));
  if (s.ok()) s = db->DeleteRange(wo, d::Key(50), d::Key(60));
  if (s.ok()) s = d::Check(db->Flush(), "flush 2");
  if (s.ok()) s = d::Check(db->Close(), "close 2");

  // L0, LZ4.
  if (s.ok()) s = open(Compression::kLZ4);
  for (int i = 100; s.ok() && i < 400; i += 3) {
    s = db->Put(wo, d::Key(i), d::Value(&rnd, 40 + rnd.Uniform(40)));
  }
  if (s.ok()) s = d::Check(db->Flush(), "flush 3");
  if (s.ok()) s = d::Check(db->Close(), "close 3");

  // The WAL: left unflushed by the last close.
  if (s.ok()) s = open(Compression::kNone);
  for (int i = 0; s.ok() && i < 12; ++i) {
    s = db->Put(wo, d::Key(1000 + i), d::Value(&rnd, 30));
  }
  if (s.ok()) s = db->Delete(wo, d::Key(4));
  if (s.ok()) s = db->DeleteRange(wo, d::Key(200), d::Key(210));
  if (s.ok()) s = db->Put(wo, d::Key(2000), d::Value(&rnd, 40000));
  if (s.ok()) {
    WriteBatch batch;
    for (int i = 0; i < 20; ++i)
      batch.Put(d::Key(3000 + i), d::Value(&rnd, 12));
    batch.Delete(d::Key(1003));
    s = db->Write(wo, &batch);
  }
  if (s.ok()) s = db->Put(wo, d::Key(5), "");
  if (s.ok()) {
    out->contents.clear();
    auto it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out->contents.emplace(it->key().ToString(), it->value().ToString());
    }
    s = d::Check(it->status(), "scan");
  }
  if (s.ok()) s = d::Check(db->Close(), "close 4");
  db.reset();
  if (!s.ok()) return s;

  std::vector<std::string> names;
  STRATA_RETURN_IF_ERROR(env->GetChildren(name, &names));
  std::sort(names.begin(), names.end());
  out->files.clear();
  for (const std::string& n : names) {
    uint64_t number = 0;
    internal::FileType type;
    if (internal::ParseFileName(n, &number, &type) &&
        (type == internal::FileType::kLockFile ||
         type == internal::FileType::kInfoLogFile)) {
      continue;
    }
    std::string data;
    STRATA_RETURN_IF_ERROR(ReadFile(env, name + "/" + n, &data));
    out->files.emplace_back(n, std::move(data));
  }
  return Status::OK();
}

}  // namespace strata::fuzz
