// Fuzz target: DB::Open of a damaged directory, then reading everything.
// The directory is the reference DB (reference_db.h: CURRENT, a MANIFEST,
// three tables with snappy, zstd and LZ4 blocks, a WAL with multi-fragment
// records) in a fresh in-memory Env, damaged as the input says.
//
// Input: one flags byte, then up to 64 mutations of 7 bytes each:
//   file (1 byte, index into the file list, modulo its length), op (1 byte,
//   & 15), offset (fixed32, modulo the file size), value (1 byte)
// with ops
//   0-9  xor the byte at offset with value (0 counts as 1)
//   10   truncate the file at offset (modulo size + 1)
//   11   remove the file
//   12   re-sign the file's checksums as it is now (log framing for the
//        WAL and MANIFEST, footer and blocks for a table), so that the
//        damage so far reaches the decoders behind the checksums
//   13   set the byte at offset to value
//   14   copy the file, as it is now, to one of kExtraNames (by value)
//   15   append (offset % 64 + 1) bytes of value
// The file list starts as the reference DB's files sorted by name (copies
// are appended).
// flags & 0x03 picks the WAL recovery mode (3 = kTolerateTornTail),
// flags & 0x04 sets paranoid_checks.
//
// Checks:
//  - Open fails only with Corruption, InvalidArgument or NotSupported;
//  - after a successful Open, reads fail only with Corruption; unless a
//    file was re-signed (forged), a clean full scan is mirrored by the
//    reverse scan and agrees with Get;
//  - when the only damage is changed bytes (ops 0-9 and 13) and the mode
//    is not kSalvage, a DB that opens and reads
//    cleanly holds exactly the reference contents: checksums leave no byte
//    of any file the DB reads unguarded;
//  - a DB that opened and read cleanly reopens, to the same contents
//    unless forged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/db.h"
#include "strata/env.h"
#include "strata/iterator.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/reference_db.h"

namespace strata::fuzz {
namespace {

using Contents = std::map<std::string, std::string>;

const ReferenceDb& Reference() {
  static const ReferenceDb kReference = [] {
    const std::unique_ptr<Env> mem = NewMemEnv();
    FixedClockEnv env(mem.get());
    ReferenceDb r;
    if (!BuildReferenceDb(&env, &r).ok()) std::abort();
    return r;
  }();
  return kReference;
}

bool IsLogLike(const std::string& name) {
  return name.starts_with("MANIFEST-") || name.ends_with(".log");
}

struct Damage {
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<bool> removed;
  bool structural = false;  // anything but changed bytes
  bool forged = false;      // re-signed something
  bool any = false;
};

// Names a copied file may take: logs before, between and after the live
// one, a stale MANIFEST, an orphan table, leftovers of an atomic replace or
// a salvage, and numbers that do not fit 64 bits.
constexpr const char* kExtraNames[] = {
    "000001.log",      "000016.log",         "000099.log",
    "MANIFEST-000002", "MANIFEST-000099",    "000099.sst",
    "CURRENT.tmp",     "000014.log.damaged", "99999999999999999999.log",
    "000000.log",
};

Damage ApplyMutations(ByteReader* in) {
  Damage d;
  d.files = Reference().files;
  d.removed.assign(d.files.size(), false);
  for (int m = 0; m < 64 && in->remaining() >= 7; ++m) {
    const size_t index = in->Byte() % d.files.size();
    const uint8_t op = in->Byte() & 15;
    const uint32_t offset = in->Fixed32();
    const uint8_t value = in->Byte();
    std::string& data = d.files[index].second;
    const std::string& name = d.files[index].first;
    d.any = true;
    if (op <= 9) {
      if (!data.empty()) {
        data[offset % data.size()] ^= static_cast<char>(value == 0 ? 1 : value);
      }
      continue;
    }
    switch (op) {
      case 10:
        data.resize(offset % (data.size() + 1));
        d.structural = true;
        break;
      case 11:
        d.removed[index] = true;
        d.structural = true;
        break;
      case 12:
        if (IsLogLike(name)) {
          ResignLog(&data);
        } else if (name.ends_with(".sst")) {
          ResignTable(&data);
        }
        d.structural = true;
        d.forged = true;
        break;
      case 13:
        if (!data.empty()) {
          data[offset % data.size()] = static_cast<char>(value);
        }
        break;
      case 14: {
        std::string copy = data;  // `data` may move when files grows
        d.files.emplace_back(kExtraNames[value % std::size(kExtraNames)],
                             std::move(copy));
        d.removed.push_back(false);
        d.structural = true;
        break;
      }
      case 15:
        data.append(offset % 64 + 1, static_cast<char>(value));
        d.structural = true;
        break;
    }
  }
  return d;
}

// Reads everything; false (with `*status`) if a read failed. With
// `consistent`, also checks that the reverse scan and Get agree with the
// forward scan (a forged table, with keys out of order, may break that
// without being caught; it must only not crash).
bool ReadAll(DB* db, bool consistent, Contents* out, Status* status) {
  out->clear();
  ReadOptions ro;
  {
    auto it = db->NewIterator(ro);
    size_t steps = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out->emplace(it->key().ToString(), it->value().ToString());
      STRATA_FUZZ_CHECK(++steps < 100000, "scan does not end");
    }
    *status = it->status();
    if (!status->ok()) return false;
  }
  {
    auto it = db->NewIterator(ro);
    auto expected = out->rbegin();
    size_t steps = 0;
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++expected) {
      // A forged table may not be mirrored, but its scans must end.
      STRATA_FUZZ_CHECK(++steps < 100000, "reverse scan does not end");
      if (!consistent) continue;
      STRATA_FUZZ_CHECK(expected != out->rend() &&
                            it->key() == Slice(expected->first) &&
                            it->value() == Slice(expected->second),
                        "reverse scan differs from the forward scan");
    }
    *status = it->status();
    if (!status->ok()) return false;
    STRATA_FUZZ_CHECK(!consistent || expected == out->rend(),
                      "reverse scan ended early");
  }
  // Every 8th reference key (and so some of each table and of the WAL):
  // Gets are the slowest part of a run.
  size_t n = 0;
  for (const auto& [key, value] : Reference().contents) {
    if (n++ % 8 != 0) continue;
    std::string got;
    *status = db->Get(ro, key, &got);
    if (status->IsNotFound()) {
      STRATA_FUZZ_CHECK(!consistent || out->count(key) == 0,
                        "Get misses a scanned key");
      continue;
    }
    if (!status->ok()) return false;
    if (!consistent) continue;
    const auto found = out->find(key);
    STRATA_FUZZ_CHECK(found != out->end() && found->second == got,
                      "Get disagrees with the scan for " + key);
  }
  *status = Status::OK();
  return true;
}

void Run(ByteReader* in) {
  const uint8_t flags = in->Byte();
  const Damage damage = ApplyMutations(in);

  const std::unique_ptr<Env> mem = NewMemEnv();
  FixedClockEnv env(mem.get());
  const std::string dbname = kReferenceDbName;
  STRATA_FUZZ_CHECK(env.CreateDirIfMissing(dbname).ok(), "mkdir");
  for (size_t i = 0; i < damage.files.size(); ++i) {
    if (damage.removed[i]) continue;
    const auto& [name, data] = damage.files[i];
    STRATA_FUZZ_CHECK(WriteFile(&env, dbname + "/" + name, data).ok(), "write");
  }

  Options options = ReferenceOptions(&env);
  const int mode = flags & 0x03;
  options.wal_recovery_mode = mode == 3 ? WalRecoveryMode::kTolerateTornTail
                                        : static_cast<WalRecoveryMode>(mode);
  options.paranoid_checks = (flags & 0x04) != 0;

  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname, &db);
  if (!s.ok()) {
    STRATA_FUZZ_CHECK(
        s.IsCorruption() || s.IsInvalidArgument() || s.IsNotSupported(),
        "Open: " + s.ToString());
    STRATA_FUZZ_CHECK(damage.any, "the undamaged reference DB does not open");
    return;
  }
  Contents contents;
  if (!ReadAll(db.get(), !damage.forged, &contents, &s)) {
    STRATA_FUZZ_CHECK(s.IsCorruption(), "read: " + s.ToString());
    STRATA_FUZZ_CHECK(damage.any, "the undamaged reference DB fails a read");
    (void)db->Close();  // already failing
    return;
  }
  if (!damage.structural &&
      options.wal_recovery_mode != WalRecoveryMode::kSalvage) {
    STRATA_FUZZ_CHECK(contents == Reference().contents,
                      "changed bytes were accepted as different data");
  }
  s = db->Close();
  STRATA_FUZZ_CHECK(s.ok(), "Close: " + s.ToString());
  db.reset();

  s = DB::Open(options, dbname, &db);
  STRATA_FUZZ_CHECK(s.ok(), "reopening a recovered DB: " + s.ToString());
  Contents again;
  STRATA_FUZZ_CHECK(ReadAll(db.get(), !damage.forged, &again, &s),
                    "reread: " + s.ToString());
  STRATA_FUZZ_CHECK(damage.forged || again == contents,
                    "contents changed across a reopen");
  s = db->Close();
  STRATA_FUZZ_CHECK(s.ok(), "Close: " + s.ToString());
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)strata::fuzz::Reference();  // build it once, outside the timings
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::ByteReader in(data, size);
  strata::fuzz::Run(&in);
  return 0;
}
