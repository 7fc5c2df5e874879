// strata tool: keys and values as text, and the records `load` reads.
//
// Printed keys and values escape what a terminal or a TSV reader would
// mangle: \\ \t \n \r and any byte outside printable ASCII as \xNN (UTF-8
// text stays readable when --raw is given). With --hex, everything is
// lowercase hex. Arguments take the same escapes (or hex), so what `scan`
// prints can be pasted back into `get`.

#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata::tool {

// How keys and values are written and read on the command line.
enum class TextMode { kEscaped, kHex, kRaw };

// `s` for printing in `mode`.
std::string Encode(const Slice& s, TextMode mode);
// An argument in `mode` into bytes: escapes decoded (kEscaped), hex
// decoded (kHex) or as is (kRaw). InvalidArgument naming what is wrong.
Status Decode(const std::string& arg, TextMode mode, std::string* out);

// The records of a file to load: CSV (RFC 4180 quoting), TSV (fields with
// \t \n \\ escapes) or JSON lines ({"key": ..., "value": ...}, or the
// fields named by key_field / value_field, a non-string value written as
// its JSON text). One record per call.
class RecordReader {
 public:
  enum class Format { kCsv, kTsv, kJsonLines };
  // Guesses the format from a file name's extension (.csv, .tsv/.tab,
  // .jsonl/.ndjson/.json); false when it cannot.
  static bool FormatFromName(const std::string& name, Format* format);

  RecordReader(std::istream* in, Format format, std::string key_field,
               std::string value_field, bool header);

  // The next record into `*key`, `*value`; false at the end or on an
  // error (status() then says which, naming the line).
  bool Next(std::string* key, std::string* value);
  const Status& status() const { return status_; }
  // Input bytes consumed so far (for progress).
  uint64_t bytes_read() const { return bytes_; }
  uint64_t line() const { return line_; }

 private:
  bool ReadLine(std::string* line);
  bool NextCsv(std::string* key, std::string* value);
  bool NextTsv(std::string* key, std::string* value);
  bool NextJson(std::string* key, std::string* value);
  bool Fail(const std::string& what);

  std::istream* in_;
  const Format format_;
  const std::string key_field_, value_field_;
  bool skip_header_;
  Status status_;
  uint64_t bytes_ = 0;
  uint64_t line_ = 0;
};

}  // namespace strata::tool
