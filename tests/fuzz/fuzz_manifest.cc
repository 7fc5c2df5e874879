// Fuzz target: DB state recovery from CURRENT and a MANIFEST
// (docs/manifest_format.md): VersionSet::Recover over an in-memory
// directory holding the two files given as bytes.
//
// Input: flags byte, CURRENT length byte L, L bytes of CURRENT, then the
// MANIFEST.
//   flags & 0x01       re-sign the MANIFEST's fragments (ResignLog), so
//                      that mutated edits reach the edit decoder and the
//                      version builder
//   flags & 0x02       store the MANIFEST under the number CURRENT names
//                      (when CURRENT parses), else as MANIFEST-000001
//   (flags >> 2) & 7   the DB's number of levels minus one (1..8)
// Checks: a failed Recover is Corruption, or InvalidArgument for another
// comparator; a recovered state satisfies the version invariants (levels
// >= 1 sorted and disjoint), and survives LogAndApply (which writes a new
// MANIFEST and switches CURRENT) and a second Recover unchanged.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "strata/comparator.h"
#include "strata/env.h"
#include "tests/fuzz/fuzz_util.h"
#include "version/version_set.h"

namespace strata::fuzz {
namespace {

using internal::VersionSet;

constexpr char kDbName[] = "/db";

// "MANIFEST-<digits>\n" → the number; 1 otherwise.
uint64_t ManifestNumber(std::string_view current) {
  constexpr std::string_view kPrefix = "MANIFEST-";
  if (current.size() < kPrefix.size() + 2 ||
      current.substr(0, kPrefix.size()) != kPrefix || current.back() != '\n') {
    return 1;
  }
  uint64_t v = 0;
  for (size_t i = kPrefix.size(); i + 1 < current.size(); ++i) {
    const char c = current[i];
    if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return 1;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Everything Recover rebuilds, rendered for comparison.
std::string State(const VersionSet& vs) {
  const auto v = vs.current();
  std::string r = "log " + std::to_string(vs.log_number()) + " seq " +
                  std::to_string(vs.last_sequence()) + "\n";
  for (int level = 0; level < v->num_levels(); ++level) {
    for (const auto& f : v->files(level)) {
      r += "L" + std::to_string(level) + " " +
           internal::FileMetaDataDebugString(*f) + "\n";
    }
  }
  return r;
}

void CheckInvariants(const VersionSet& vs,
                     const internal::InternalKeyComparator& icmp) {
  const auto v = vs.current();
  for (int level = 0; level < v->num_levels(); ++level) {
    const auto& files = v->files(level);
    for (size_t i = 0; i < files.size(); ++i) {
      STRATA_FUZZ_CHECK(icmp.Compare(files[i]->smallest.Encode(),
                                     files[i]->largest.Encode()) <= 0,
                        "file with smallest > largest");
      STRATA_FUZZ_CHECK(files[i]->number < vs.PeekNextFileNumber(),
                        "live file number not below the next file number");
      if (level > 0 && i > 0) {
        STRATA_FUZZ_CHECK(
            icmp.Compare(files[i - 1]->largest.Encode(),
                         files[i]->smallest.Encode()) < 0,
            "overlapping or unsorted files at level " + std::to_string(level));
      }
    }
  }
  STRATA_FUZZ_CHECK(vs.log_number() < vs.PeekNextFileNumber(),
                    "log number not below the next file number");
  STRATA_FUZZ_CHECK(vs.manifest_file_number() < vs.PeekNextFileNumber(),
                    "MANIFEST number not below the next file number");
}

void Run(ByteReader* in) {
  const uint8_t flags = in->Byte();
  const std::string current(in->Bytes(in->Byte()));
  std::string manifest(in->Rest());
  if ((flags & 0x01) != 0) ResignLog(&manifest);
  const uint64_t number = (flags & 0x02) != 0 ? ManifestNumber(current) : 1;

  const std::unique_ptr<Env> env = NewMemEnv();
  STRATA_FUZZ_CHECK(env->CreateDirIfMissing(kDbName).ok(), "mkdir");
  STRATA_FUZZ_CHECK(
      WriteFile(env.get(), internal::CurrentFileName(kDbName), current).ok(),
      "write CURRENT");
  STRATA_FUZZ_CHECK(
      WriteFile(env.get(), internal::ManifestFileName(kDbName, number),
                manifest)
          .ok(),
      "write MANIFEST");

  static const internal::InternalKeyComparator icmp(BytewiseComparator());
  internal::VersionSetOptions options;
  options.env = env.get();
  options.dbname = kDbName;
  options.icmp = &icmp;
  options.num_levels = 1 + ((flags >> 2) & 7);

  std::string state;
  uint64_t next_file = 0;
  {
    VersionSet vs(options);
    const Status s = vs.Recover();
    if (!s.ok()) {
      STRATA_FUZZ_CHECK(s.IsCorruption() || s.IsInvalidArgument(),
                        s.ToString());
      return;
    }
    CheckInvariants(vs, icmp);
    state = State(vs);
    next_file = vs.PeekNextFileNumber();
    internal::VersionEdit empty;
    const Status applied = vs.LogAndApply(&empty);
    STRATA_FUZZ_CHECK(applied.ok(), applied.ToString());
    STRATA_FUZZ_CHECK(State(vs) == state, "LogAndApply changed the state");
  }
  VersionSet again(options);
  const Status s = again.Recover();
  STRATA_FUZZ_CHECK(s.ok(),
                    "recovering what LogAndApply wrote: " + s.ToString());
  STRATA_FUZZ_CHECK(State(again) == state, "state changed across a rewrite:\n" +
                                               state + "---\n" + State(again));
  STRATA_FUZZ_CHECK(again.PeekNextFileNumber() > next_file,
                    "next file number went back");
  CheckInvariants(again, icmp);
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::ByteReader in(data, size);
  strata::fuzz::Run(&in);
  return 0;
}
