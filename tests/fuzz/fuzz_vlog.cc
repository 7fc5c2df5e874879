// Fuzz target: the value log's readers (docs/vlog_format.md) — a whole
// file walked record by record, each record read back by a pointer built
// from the walk, and a value pointer decoded.
//
// Input: the bytes of one value-log file.
// Checks: every error is Corruption; each record the walk returns is read
// back by its pointer to the same key and an uncompressed value of a size
// the record allows; a decoded pointer re-encodes to the bytes it came
// from.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "env/env_util.h"
#include "strata/env.h"
#include "tests/fuzz/fuzz_util.h"
#include "vlog/vlog_format.h"
#include "vlog/vlog_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using strata::Slice;
  using strata::Status;
  namespace vlog = strata::internal::vlog;

  const std::string bytes(reinterpret_cast<const char*>(data), size);
  vlog::ValuePointer pointer;
  if (pointer.DecodeFrom(bytes).ok()) {
    std::string again;
    pointer.EncodeTo(&again);
    // Varints may be over-long in the input; the canonical form is never
    // longer, and decodes to the same pointer.
    STRATA_FUZZ_CHECK(again.size() <= bytes.size(), "pointer grew");
    vlog::ValuePointer back;
    STRATA_FUZZ_CHECK(back.DecodeFrom(again).ok() && back == pointer,
                      "pointer round trip");
  }

  static const std::unique_ptr<strata::Env> env = strata::NewMemEnv();
  const std::string path = "/9.vlog";
  Status s = strata::internal::WriteStringToFile(env.get(), bytes, path, false);
  STRATA_FUZZ_CHECK(s.ok(), s.ToString());
  std::unique_ptr<vlog::Reader> reader;
  s = vlog::Reader::Open(env.get(), path, 9, size, /*mapped=*/false, &reader);
  if (!s.ok()) {
    STRATA_FUZZ_CHECK(s.IsCorruption(), s.ToString());
    return 0;
  }
  s = reader->ForEachRecord([&](uint64_t offset, const vlog::Record& record) {
    vlog::ValuePointer p;
    p.file_number = 9;
    p.offset = offset;
    p.record_size = static_cast<uint32_t>(record.size);
    p.record_crc = record.crc;
    std::string value;
    if (record.compression == strata::Compression::kNone) {
      // A raw record the walk verified reads back exactly.
      p.value_size = static_cast<uint32_t>(record.stored_value.size());
      const Status g = reader->Get(p, record.key, true, &value);
      STRATA_FUZZ_CHECK(g.ok(), g.ToString());
      STRATA_FUZZ_CHECK(value == record.stored_value.ToString(),
                        "another value");
      return Status::OK();
    }
    // A compressed one decodes, or is Corruption; its size is not in the
    // record, so the pointer's (0) only matches an empty value.
    p.value_size = 0;
    const Status g = reader->Get(p, record.key, true, &value);
    if (g.ok()) {
      STRATA_FUZZ_CHECK(value.empty(), "value size not checked");
    } else {
      STRATA_FUZZ_CHECK(g.IsCorruption(), g.ToString());
    }
    return Status::OK();
  });
  if (!s.ok()) STRATA_FUZZ_CHECK(s.IsCorruption(), s.ToString());
  return 0;
}
