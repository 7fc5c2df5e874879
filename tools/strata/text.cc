#include "text.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

namespace strata::tool {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// TSV field escapes: \t \n \r \\ and \xNN.
Status Unescape(const std::string& s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 1 >= s.size()) {
      return Status::InvalidArgument("a lone \\ ends " + s,
                                     "write \\\\ for a backslash");
    }
    const char c = s[++i];
    switch (c) {
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '0':
        out->push_back('\0');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case 'x': {
        const int hi = i + 1 < s.size() ? HexDigit(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? HexDigit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return Status::InvalidArgument("\\x needs two hex digits in " + s);
        }
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return Status::InvalidArgument(
            std::string("unknown escape \\") + c + " in " + s,
            "known: \\t \\n \\r \\0 \\\\ \\xNN");
    }
  }
  return Status::OK();
}

}  // namespace

std::string Encode(const Slice& s, TextMode mode) {
  std::string out;
  char buf[8];
  switch (mode) {
    case TextMode::kRaw:
      return s.ToString();
    case TextMode::kHex:
      for (size_t i = 0; i < s.size(); ++i) {
        std::snprintf(buf, sizeof(buf), "%02x",
                      static_cast<unsigned char>(s.data()[i]));
        out += buf;
      }
      return out;
    case TextMode::kEscaped:
      for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s.data()[i]);
        if (c == '\\') {
          out += "\\\\";
        } else if (c == '\t') {
          out += "\\t";
        } else if (c == '\n') {
          out += "\\n";
        } else if (c == '\r') {
          out += "\\r";
        } else if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        }
      }
      return out;
  }
  return out;
}

Status Decode(const std::string& arg, TextMode mode, std::string* out) {
  switch (mode) {
    case TextMode::kRaw:
      *out = arg;
      return Status::OK();
    case TextMode::kEscaped:
      return Unescape(arg, out);
    case TextMode::kHex:
      if (arg.size() % 2 != 0) {
        return Status::InvalidArgument("odd number of hex digits: " + arg);
      }
      out->clear();
      for (size_t i = 0; i < arg.size(); i += 2) {
        const int hi = HexDigit(arg[i]), lo = HexDigit(arg[i + 1]);
        if (hi < 0 || lo < 0) {
          return Status::InvalidArgument("not hex: " + arg);
        }
        out->push_back(static_cast<char>(hi * 16 + lo));
      }
      return Status::OK();
  }
  return Status::OK();
}

bool RecordReader::FormatFromName(const std::string& name, Format* format) {
  auto ends = [&name](const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
               0;
  };
  if (ends(".csv")) {
    *format = Format::kCsv;
  } else if (ends(".tsv") || ends(".tab")) {
    *format = Format::kTsv;
  } else if (ends(".jsonl") || ends(".ndjson") || ends(".json")) {
    *format = Format::kJsonLines;
  } else {
    return false;
  }
  return true;
}

RecordReader::RecordReader(std::istream* in, Format format,
                           std::string key_field, std::string value_field,
                           bool header)
    : in_(in),
      format_(format),
      key_field_(std::move(key_field)),
      value_field_(std::move(value_field)),
      skip_header_(header) {}

bool RecordReader::Fail(const std::string& what) {
  status_ = Status::InvalidArgument("line " + std::to_string(line_), what);
  return false;
}

bool RecordReader::ReadLine(std::string* line) {
  if (!std::getline(*in_, *line)) return false;
  bytes_ += line->size() + 1;
  ++line_;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

bool RecordReader::Next(std::string* key, std::string* value) {
  if (!status_.ok()) return false;
  for (;;) {
    bool ok = false;
    switch (format_) {
      case Format::kCsv:
        ok = NextCsv(key, value);
        break;
      case Format::kTsv:
        ok = NextTsv(key, value);
        break;
      case Format::kJsonLines:
        ok = NextJson(key, value);
        break;
    }
    if (!ok) return false;
    if (skip_header_) {
      skip_header_ = false;
      continue;
    }
    return true;
  }
}

bool RecordReader::NextTsv(std::string* key, std::string* value) {
  std::string line;
  do {
    if (!ReadLine(&line)) return false;
  } while (line.empty());
  const size_t tab = line.find('\t');
  if (tab == std::string::npos) {
    return Fail("expected key<TAB>value, found no tab");
  }
  Status s = Unescape(line.substr(0, tab), key);
  if (s.ok()) s = Unescape(line.substr(tab + 1), value);
  if (!s.ok()) return Fail(s.ToString());
  return true;
}

bool RecordReader::NextCsv(std::string* key, std::string* value) {
  std::string line;
  do {
    if (!ReadLine(&line)) return false;
  } while (line.empty());
  // RFC 4180: fields separated by commas; a quoted field may hold commas,
  // doubled quotes and line breaks.
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0;; ++i) {
    if (i == line.size()) {
      if (!quoted) break;
      std::string more;
      if (!ReadLine(&more)) return Fail("a quoted field is not closed");
      fields.back() += '\n';
      line = more;
      i = static_cast<size_t>(-1);
      continue;
    }
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (fields.size() < 2) return Fail("expected key,value, found one field");
  *key = fields[0];
  *value = fields[1];
  return true;
}

bool RecordReader::NextJson(std::string* key, std::string* value) {
  std::string line;
  do {
    if (!ReadLine(&line)) return false;
  } while (line.find_first_not_of(" \t") == std::string::npos);
  const nlohmann::json j =
      nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail("not a JSON object");
  }
  const auto k = j.find(key_field_);
  if (k == j.end()) return Fail("no \"" + key_field_ + "\" field");
  *key = k->is_string() ? k->get<std::string>() : k->dump();
  if (value_field_.empty()) {
    // The whole record is the value.
    *value = line;
    return true;
  }
  const auto v = j.find(value_field_);
  if (v == j.end()) return Fail("no \"" + value_field_ + "\" field");
  *value = v->is_string() ? v->get<std::string>() : v->dump();
  return true;
}

}  // namespace strata::tool
