#include "bench/result.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>

namespace strata::bench {
namespace {

std::string Num(double v) {
  if (std::isnan(v)) return "nan";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

double ToDouble(const std::string& s) {
  return s == "nan" ? NAN : std::strtod(s.c_str(), nullptr);
}

}  // namespace

std::string SerializeResult(const Result& r) {
  std::string note = r.note;
  for (char& c : note) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  std::string line = "result";
  auto add = [&line](const char* key, const std::string& value) {
    line += '\t';
    line += key;
    line += '=';
    line += value;
  };
  add("engine", r.engine);
  add("workload", r.workload);
  add("repeat", std::to_string(r.repeat));
  add("skipped", r.skipped ? "1" : "0");
  add("ops", std::to_string(r.ops));
  add("seconds", Num(r.seconds));
  add("bytes", std::to_string(r.bytes));
  add("ops_per_sec", Num(r.ops_per_sec));
  add("mb_per_sec", Num(r.mb_per_sec));
  add("p50_us", Num(r.p50_us));
  add("p99_us", Num(r.p99_us));
  add("p999_us", Num(r.p999_us));
  add("max_us", Num(r.max_us));
  add("write_amp", Num(r.write_amp));
  add("space_amp", Num(r.space_amp));
  add("peak_rss", std::to_string(r.peak_rss));
  add("read_bytes_per_op", Num(r.read_bytes_per_op));
  add("major_faults_per_op", Num(r.major_faults_per_op));
  add("note", note);
  return line;
}

bool ParseResult(const std::string& line, Result* r) {
  if (line.rfind("result\t", 0) != 0) return false;
  *r = Result();
  const std::map<std::string, std::function<void(const std::string&)>> setters =
      {
          {"engine", [r](const std::string& v) { r->engine = v; }},
          {"workload", [r](const std::string& v) { r->workload = v; }},
          {"repeat",
           [r](const std::string& v) { r->repeat = std::atoi(v.c_str()); }},
          {"skipped", [r](const std::string& v) { r->skipped = v == "1"; }},
          {"ops",
           [r](const std::string& v) {
             r->ops = std::strtoull(v.c_str(), nullptr, 10);
           }},
          {"seconds", [r](const std::string& v) { r->seconds = ToDouble(v); }},
          {"bytes",
           [r](const std::string& v) {
             r->bytes = std::strtoull(v.c_str(), nullptr, 10);
           }},
          {"ops_per_sec",
           [r](const std::string& v) { r->ops_per_sec = ToDouble(v); }},
          {"mb_per_sec",
           [r](const std::string& v) { r->mb_per_sec = ToDouble(v); }},
          {"p50_us", [r](const std::string& v) { r->p50_us = ToDouble(v); }},
          {"p99_us", [r](const std::string& v) { r->p99_us = ToDouble(v); }},
          {"p999_us", [r](const std::string& v) { r->p999_us = ToDouble(v); }},
          {"max_us", [r](const std::string& v) { r->max_us = ToDouble(v); }},
          {"write_amp",
           [r](const std::string& v) { r->write_amp = ToDouble(v); }},
          {"space_amp",
           [r](const std::string& v) { r->space_amp = ToDouble(v); }},
          {"peak_rss",
           [r](const std::string& v) {
             r->peak_rss = std::strtoull(v.c_str(), nullptr, 10);
           }},
          {"read_bytes_per_op",
           [r](const std::string& v) { r->read_bytes_per_op = ToDouble(v); }},
          {"major_faults_per_op",
           [r](const std::string& v) { r->major_faults_per_op = ToDouble(v); }},
          {"note", [r](const std::string& v) { r->note = v; }},
      };
  size_t pos = line.find('\t');
  while (pos != std::string::npos) {
    const size_t next = line.find('\t', pos + 1);
    const std::string field =
        line.substr(pos + 1, next == std::string::npos ? std::string::npos
                                                       : next - pos - 1);
    const size_t eq = field.find('=');
    if (eq == std::string::npos) return false;
    auto it = setters.find(field.substr(0, eq));
    if (it != setters.end()) it->second(field.substr(eq + 1));
    pos = next;
  }
  return !r->engine.empty() && !r->workload.empty();
}

double Median(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

Result MedianOf(const std::vector<Result>& runs) {
  Result m;
  m.engine = runs.front().engine;
  m.workload = runs.front().workload;
  m.repeat = -1;
  m.note = runs.front().note;
  std::vector<const Result*> used;
  for (const Result& r : runs) {
    if (!r.skipped) used.push_back(&r);
  }
  if (used.empty()) {
    m.skipped = true;
    return m;
  }
  auto median = [&used](auto field) {
    std::vector<double> v;
    for (const Result* r : used) v.push_back(static_cast<double>(field(*r)));
    return Median(std::move(v));
  };
  m.ops = static_cast<uint64_t>(
      std::llround(median([](const Result& r) { return r.ops; })));
  m.seconds = median([](const Result& r) { return r.seconds; });
  m.bytes = static_cast<uint64_t>(
      std::llround(median([](const Result& r) { return r.bytes; })));
  m.ops_per_sec = median([](const Result& r) { return r.ops_per_sec; });
  m.mb_per_sec = median([](const Result& r) { return r.mb_per_sec; });
  m.p50_us = median([](const Result& r) { return r.p50_us; });
  m.p99_us = median([](const Result& r) { return r.p99_us; });
  m.p999_us = median([](const Result& r) { return r.p999_us; });
  m.max_us = median([](const Result& r) { return r.max_us; });
  m.write_amp = median([](const Result& r) { return r.write_amp; });
  m.space_amp = median([](const Result& r) { return r.space_amp; });
  m.peak_rss = static_cast<uint64_t>(
      std::llround(median([](const Result& r) { return r.peak_rss; })));
  m.read_bytes_per_op =
      median([](const Result& r) { return r.read_bytes_per_op; });
  m.major_faults_per_op =
      median([](const Result& r) { return r.major_faults_per_op; });
  return m;
}

}  // namespace strata::bench
