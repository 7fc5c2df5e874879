// Fuzz target: the log reader (docs/wal_format.md), as WAL replay and
// MANIFEST recovery use it, in every WalRecoveryMode.
//
// Input: one flags byte, then the bytes of a log file.
//   flags & 0x01  re-sign every fragment first (fuzz_util.h ResignLog), so
//                 mutations reach the length, type and sequencing checks
//   flags & 0x02  the file hands out zero-copy reads
//   flags & 0x04  round-trip mode instead: the rest describes records
//                 (fixed16 length, seed byte each) that a log::Writer
//                 writes; the file is then cut at a fuzzer-chosen offset
// Each file is read in all three modes, and the results must agree:
//  - kSalvage never fails; kTolerateTornTail returns a prefix of what
//    kSalvage returns, all of it when it ends OK;
//  - kAbsoluteConsistency returns what kTolerateTornTail returns, and is OK
//    exactly when kTolerateTornTail is OK and found no torn tail;
//  - dropped regions come in file order, never overlap, stay in the file;
//  - in round-trip mode every record wholly before the cut comes back
//    exactly, and nothing else.
// Every record is also decoded as a WriteBatch, as WAL replay does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "db/write_batch_internal.h"
#include "strata/write_batch.h"
#include "tests/fuzz/fuzz_util.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace strata::fuzz {
namespace {

using internal::log::Reader;

class CheckingReporter final : public Reader::Reporter {
 public:
  explicit CheckingReporter(uint64_t file_size) : file_size_(file_size) {}
  void Dropped(uint64_t offset, uint64_t bytes, const Status& reason) override {
    STRATA_FUZZ_CHECK(offset >= next_, "dropped regions overlap or go back");
    STRATA_FUZZ_CHECK(bytes <= file_size_ && offset <= file_size_ - bytes,
                      "dropped region runs past the file");
    STRATA_FUZZ_CHECK(reason.IsCorruption(), reason.ToString());
    next_ = offset + bytes;
    dropped_ += bytes;
  }
  uint64_t dropped() const { return dropped_; }

 private:
  const uint64_t file_size_;
  uint64_t next_ = 0;
  uint64_t dropped_ = 0;
};

struct ReadResult {
  std::vector<std::string> records;
  Status status;
  uint64_t torn_tail = 0;
  uint64_t dropped = 0;
};

// Decodes `record` as WAL replay does; any outcome is fine, a crash is not.
void DecodeAsBatch(const std::string& record) {
  WriteBatch batch;
  if (!internal::WriteBatchInternal::SetContents(&batch, record).ok()) return;
  internal::BatchSummary summary;
  const Status s = internal::WriteBatchInternal::Validate(batch, &summary);
  if (s.ok()) {
    STRATA_FUZZ_CHECK(summary.count == batch.Count(), "count mismatch");
  }
}

ReadResult ReadAll(std::string_view file, WalRecoveryMode mode,
                   bool zero_copy) {
  StringSequentialFile source(file, zero_copy);
  CheckingReporter reporter(file.size());
  Reader reader(&source, "000007.log", mode, &reporter);
  ReadResult r;
  Slice record;
  std::string scratch;
  uint64_t last_offset = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    STRATA_FUZZ_CHECK(
        r.records.empty() || reader.LastRecordOffset() > last_offset,
        "record offsets do not increase");
    last_offset = reader.LastRecordOffset();
    STRATA_FUZZ_CHECK(reader.EndOfValidData() <= file.size() &&
                          reader.LastRecordOffset() < reader.EndOfValidData(),
                      "record bounds outside the file");
    r.records.push_back(record.ToString());
    STRATA_FUZZ_CHECK(r.records.size() <= file.size() / 11,
                      "more records than fragment headers fit");
  }
  STRATA_FUZZ_CHECK(!reader.ReadRecord(&record, &scratch),
                    "ReadRecord returned a record after the end");
  r.status = reader.status();
  r.torn_tail = reader.TornTailBytes();
  r.dropped = reporter.dropped();
  STRATA_FUZZ_CHECK(r.status.ok() || r.status.IsCorruption(),
                    r.status.ToString());
  STRATA_FUZZ_CHECK(r.torn_tail <= file.size(), "torn tail past the file");
  return r;
}

bool IsPrefix(const std::vector<std::string>& a,
              const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Reads `file` in every mode and checks that the modes agree.
std::vector<std::string> ReadAndCompare(std::string_view file, bool zero_copy) {
  const ReadResult tolerate =
      ReadAll(file, WalRecoveryMode::kTolerateTornTail, zero_copy);
  const ReadResult absolute =
      ReadAll(file, WalRecoveryMode::kAbsoluteConsistency, zero_copy);
  const ReadResult salvage =
      ReadAll(file, WalRecoveryMode::kSalvage, zero_copy);

  STRATA_FUZZ_CHECK(salvage.status.ok(), salvage.status.ToString());
  STRATA_FUZZ_CHECK(IsPrefix(tolerate.records, salvage.records),
                    "kTolerateTornTail is not a prefix of kSalvage");
  STRATA_FUZZ_CHECK(absolute.records == tolerate.records,
                    "kAbsoluteConsistency and kTolerateTornTail disagree");
  if (tolerate.status.ok()) {
    STRATA_FUZZ_CHECK(tolerate.records == salvage.records,
                      "kSalvage found more than an undamaged file holds");
    STRATA_FUZZ_CHECK(tolerate.dropped == tolerate.torn_tail,
                      "kTolerateTornTail dropped more than the torn tail");
    STRATA_FUZZ_CHECK(salvage.dropped == tolerate.dropped,
                      "kSalvage dropped other bytes than the torn tail");
    STRATA_FUZZ_CHECK(
        absolute.status.ok() == (tolerate.torn_tail == 0),
        "kAbsoluteConsistency status: " + absolute.status.ToString());
  } else {
    STRATA_FUZZ_CHECK(!absolute.status.ok(),
                      "kAbsoluteConsistency accepted damage");
  }
  for (const std::string& r : salvage.records) DecodeAsBatch(r);
  return salvage.records;
}

// Round trip: write records, cut the file, read back.
void RoundTrip(ByteReader* in, bool zero_copy) {
  std::vector<std::string> written;
  std::vector<uint64_t> ends;
  std::string file;
  StringSink sink(&file);
  internal::log::Writer writer(&sink);
  // At most 16 records and 256 KiB: enough for every fragment sequence,
  // small enough to keep runs fast.
  while (in->remaining() >= 3 && written.size() < 16 &&
         file.size() < (256 << 10)) {
    const size_t low = in->Byte();
    const size_t length = low | (size_t{in->Byte()} << 8);
    const uint8_t seed = in->Byte();
    std::string record(length, '\0');
    for (size_t i = 0; i < length; ++i) {
      record[i] = static_cast<char>(seed + (i * 131 >> 3));
    }
    STRATA_FUZZ_CHECK(writer.AddRecord(record).ok(), "writer failed");
    written.push_back(std::move(record));
    ends.push_back(file.size());
  }
  const uint64_t cut_choice = in->Fixed32();
  const uint64_t cut = cut_choice % (file.size() + 1);
  const std::string_view cut_file(file.data(), cut);

  size_t whole = 0;
  while (whole < ends.size() && ends[whole] <= cut) ++whole;
  const std::vector<std::string> expected(written.begin(),
                                          written.begin() + whole);
  for (const WalRecoveryMode mode :
       {WalRecoveryMode::kTolerateTornTail, WalRecoveryMode::kSalvage,
        WalRecoveryMode::kAbsoluteConsistency}) {
    const ReadResult r = ReadAll(cut_file, mode, zero_copy);
    STRATA_FUZZ_CHECK(r.records == expected, "round trip lost or changed data");
    const bool at_boundary = cut == 0 || (whole > 0 && ends[whole - 1] == cut);
    if (mode == WalRecoveryMode::kAbsoluteConsistency) {
      STRATA_FUZZ_CHECK(
          r.status.ok() == at_boundary,
          "cut at " + std::to_string(cut) + ": " + r.status.ToString());
    } else {
      STRATA_FUZZ_CHECK(r.status.ok(), r.status.ToString());
      STRATA_FUZZ_CHECK(
          r.torn_tail ==
              (at_boundary ? 0 : cut - (whole > 0 ? ends[whole - 1] : 0)),
          "torn tail size");
    }
  }
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata::fuzz;  // NOLINT(google-build-using-namespace)
  ByteReader in(data, size);
  const uint8_t flags = in.Byte();
  const bool zero_copy = (flags & 0x02) != 0;
  if ((flags & 0x04) != 0) {
    RoundTrip(&in, zero_copy);
    return 0;
  }
  std::string file(in.Rest());
  if ((flags & 0x01) != 0) ResignLog(&file);
  ReadAndCompare(file, zero_copy);
  return 0;
}
