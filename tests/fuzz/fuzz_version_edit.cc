// Fuzz target: VersionEdit::DecodeFrom (docs/manifest_format.md#edit-
// encoding), the decoder of every MANIFEST record.
//
// Input: the bytes of one encoded edit.
// Checks: errors are Corruption; a decoded edit re-encodes to a canonical
// form that decodes to an edit with the same encoding and the same
// rendering, and no proper prefix of that form decodes (the end tag makes
// truncation visible).

#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_util.h"
#include "version/version_edit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using strata::Slice;
  using strata::Status;
  using strata::internal::VersionEdit;

  VersionEdit edit;
  const Status s =
      edit.DecodeFrom(Slice(reinterpret_cast<const char*>(data), size));
  if (!s.ok()) {
    STRATA_FUZZ_CHECK(s.IsCorruption(), s.ToString());
    return 0;
  }
  std::string encoded;
  edit.EncodeTo(&encoded);
  // Canonical varints are never longer, and every field survives once.
  STRATA_FUZZ_CHECK(encoded.size() <= size, "re-encoding grew");
  VersionEdit again;
  const Status s2 = again.DecodeFrom(encoded);
  STRATA_FUZZ_CHECK(s2.ok(), s2.ToString());
  std::string encoded_again;
  again.EncodeTo(&encoded_again);
  STRATA_FUZZ_CHECK(encoded_again == encoded, "encoding is not canonical");
  STRATA_FUZZ_CHECK(again.DebugString() == edit.DebugString(),
                    "decoded edits differ");
  // Every proper prefix must fail: check a few cut points, not all, to keep
  // each run cheap on long edits.
  for (size_t cut : {size_t{0}, encoded.size() / 2, encoded.size() - 1}) {
    if (cut >= encoded.size()) continue;
    VersionEdit prefix;
    STRATA_FUZZ_CHECK(!prefix.DecodeFrom(Slice(encoded.data(), cut)).ok(),
                      "a proper prefix decoded: cut at " + std::to_string(cut));
  }
  return 0;
}
