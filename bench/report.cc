#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace strata::bench {
namespace {

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// Three significant digits or so, for ratios and latencies.
std::string Short(double v) {
  if (std::isnan(v)) return "-";
  const double a = std::fabs(v);
  if (a >= 100) return Printf("%.0f", v);
  if (a >= 10) return Printf("%.1f", v);
  if (a >= 0.1 || a == 0) return Printf("%.2f", v);
  return Printf("%.3f", v);
}

std::string Mib(double bytes) {
  return Printf("%.0fM", bytes / (1024.0 * 1024.0));
}

// Storage reads per operation, in KiB (Result::read_bytes_per_op).
double ReadKibPerOp(const Result& r) { return r.read_bytes_per_op / 1024.0; }

double FaultsPerOp(const Result& r) { return r.major_faults_per_op; }

// A markdown table whose cells are padded so it also reads as plain text.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(header); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(row); }

  std::string Render() const {
    std::vector<size_t> width(rows_[0].size(), 3);
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) {
        width[c] = std::max(width[c], row[c].size());
      }
    }
    // Built with append(): GCC 12 warns falsely (-Wrestrict) on chains of
    // string operator+ here.
    std::string out;
    for (size_t r = 0; r < rows_.size(); ++r) {
      out.append("|");
      for (size_t c = 0; c < rows_[r].size(); ++c) {
        const std::string& cell = rows_[r][c];
        const size_t pad = width[c] - cell.size();
        out.append(" ");
        // The first column is left-aligned, numbers right-aligned.
        if (c != 0) out.append(pad, ' ');
        out.append(cell);
        if (c == 0) out.append(pad, ' ');
        out.append(" |");
      }
      out.append("\n");
      if (r == 0) {
        out.append("|");
        for (size_t c = 0; c < width.size(); ++c) {
          out.append(" ");
          out.append(c == 0 ? width[c] : width[c] - 1, '-');
          out.append(c == 0 ? " |" : ": |");
        }
        out.append("\n");
      }
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

bool IsFill(const std::string& workload) {
  return workload == "fillseq" || workload == "fillrandom" ||
         workload == "fillsync" || workload == "overwrite";
}

std::vector<std::string> Others(const std::vector<std::string>& engines) {
  std::vector<std::string> others;
  for (const std::string& e : engines) {
    if (e != "strata") others.push_back(e);
  }
  return others;
}

bool HasStrata(const std::vector<std::string>& engines) {
  return std::find(engines.begin(), engines.end(), "strata") != engines.end();
}

// strata / other throughput; NaN when either is missing.
double ThroughputRatio(const std::vector<Result>& medians,
                       const std::string& other, const std::string& workload) {
  const Result* s = FindResult(medians, "strata", workload);
  const Result* o = FindResult(medians, other, workload);
  if (s == nullptr || o == nullptr || s->skipped || o->skipped ||
      o->ops_per_sec <= 0) {
    return NAN;
  }
  return s->ops_per_sec / o->ops_per_sec;
}

// other / strata for a lower-is-better measurement.
double InverseRatio(double strata, double other) {
  if (std::isnan(strata) || std::isnan(other) || strata <= 0) return NAN;
  return other / strata;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvNumber(double v) {
  return std::isnan(v) ? "" : Printf("%.6g", v);
}

}  // namespace

std::string FormatCount(double v) {
  if (std::isnan(v)) return "-";
  if (v >= 1e9) return Printf("%.2fG", v / 1e9);
  if (v >= 1e6) return Printf("%.2fM", v / 1e6);
  if (v >= 1e4) return Printf("%.1fK", v / 1e3);
  if (v >= 100) return Printf("%.0f", v);
  return Printf("%.1f", v);
}

std::string FormatResultLine(const Result& r) {
  char buf[512];
  if (r.skipped) {
    std::snprintf(buf, sizeof(buf), "%-16s : skipped (%s)", r.workload.c_str(),
                  r.note.c_str());
    return buf;
  }
  int n = std::snprintf(
      buf, sizeof(buf),
      "%-16s : %8s ops/s %7.1f MB/s  us: p50 %s p99 %s p99.9 %s max %s",
      r.workload.c_str(), FormatCount(r.ops_per_sec).c_str(), r.mb_per_sec,
      Short(r.p50_us).c_str(), Short(r.p99_us).c_str(),
      Short(r.p999_us).c_str(), Short(r.max_us).c_str());
  std::string line(buf, static_cast<size_t>(std::max(n, 0)));
  if (!std::isnan(r.write_amp) || !std::isnan(r.space_amp)) {
    line += "  w-amp " + Short(r.write_amp) + " s-amp " + Short(r.space_amp);
  }
  line += "  rss " + Mib(static_cast<double>(r.peak_rss));
  if (r.ReadStorage()) {
    line += "  storage " + Short(ReadKibPerOp(r)) + " KiB/op, " +
            Short(FaultsPerOp(r)) + " major faults/op";
  }
  if (!r.note.empty()) line += "  (" + r.note + ")";
  return line;
}

const Result* FindResult(const std::vector<Result>& medians,
                         const std::string& engine,
                         const std::string& workload) {
  for (const Result& r : medians) {
    if (r.engine == engine && r.workload == workload) return &r;
  }
  return nullptr;
}

namespace {

// What the three comparison tables share: the medians, the engines, the
// "other" engines that get ratio columns, and how a cell is written.
class TableMaker {
 public:
  TableMaker(const std::vector<Result>& medians,
             const std::vector<std::string>& engines)
      : medians_(medians),
        engines_(engines),
        others_(HasStrata(engines) ? Others(engines)
                                   : std::vector<std::string>()) {}

  // One row per workload: a cell per engine from `format`, then a ratio
  // per other engine from `ratio(strata, other)`.
  template <typename Format, typename Ratio>
  std::string Make(const std::string& corner, const std::string& suffix,
                   const std::string& ratio_name,
                   const std::vector<std::string>& workloads, Format format,
                   Ratio ratio) const {
    std::vector<std::string> header = {corner};
    for (const auto& e : engines_) header.push_back(e + suffix);
    for (const auto& o : others_) {
      header.push_back(ratio_name.empty() ? "strata/" + o : o + ratio_name);
    }
    Table table(header);
    for (const std::string& w : workloads) {
      std::vector<std::string> row = {w};
      for (const auto& e : engines_) {
        const Result* r = FindResult(medians_, e, w);
        row.push_back(r == nullptr ? "-" : r->skipped ? "n/a" : format(*r));
      }
      const Result* s = FindResult(medians_, "strata", w);
      for (const auto& o : others_) {
        const Result* r = FindResult(medians_, o, w);
        const bool usable =
            s != nullptr && r != nullptr && !s->skipped && !r->skipped;
        row.push_back(usable ? Short(ratio(*s, *r)) : "-");
      }
      table.AddRow(row);
    }
    return table.Render();
  }

 private:
  const std::vector<Result>& medians_;
  const std::vector<std::string>& engines_;
  const std::vector<std::string> others_;
};

}  // namespace

std::string ComparisonTables(const std::vector<Result>& medians,
                             const std::vector<std::string>& engines,
                             const std::vector<std::string>& workloads,
                             int repeats) {
  const TableMaker maker(medians, engines);
  const std::string runs = "median of " + std::to_string(repeats) +
                           (repeats == 1 ? " run" : " runs");
  std::string out =
      "Throughput, operations per second (" + runs +
      "); strata/x > 1: strata is faster\n\n" +
      maker.Make(
          "ops/s", "", "", workloads,
          [](const Result& r) { return FormatCount(r.ops_per_sec); },
          [](const Result& s, const Result& o) {
            return o.ops_per_sec > 0 ? s.ops_per_sec / o.ops_per_sec : NAN;
          });
  out += "\nLatency per operation, microseconds (" + runs +
         "); x/strata > 1: strata's p99 is lower\n\n" +
         maker.Make(
             "latency us", " p50/p99/p99.9", "/strata p99", workloads,
             [](const Result& r) {
               return Short(r.p50_us) + " / " + Short(r.p99_us) + " / " +
                      Short(r.p999_us);
             },
             [](const Result& s, const Result& o) {
               return InverseRatio(s.p99_us, o.p99_us);
             });
  // Storage reads, for the workloads where some engine read from storage
  // (the data outgrew the page cache).
  std::vector<std::string> read_from_storage;
  for (const std::string& w : workloads) {
    for (const std::string& e : engines) {
      const Result* r = FindResult(medians, e, w);
      if (r != nullptr && !r->skipped && r->ReadStorage()) {
        read_from_storage.push_back(w);
        break;
      }
    }
  }
  if (!read_from_storage.empty()) {
    out +=
        "\nStorage reads per operation while the operations ran, whole "
        "process: KiB fetched from storage / major page faults (" +
        runs + "); x/strata > 1: strata reads fewer bytes\n\n" +
        maker.Make(
            "storage", " KiB/faults", "/strata KiB", read_from_storage,
            [](const Result& r) {
              return Short(ReadKibPerOp(r)) + " / " + Short(FaultsPerOp(r));
            },
            [](const Result& s, const Result& o) {
              return InverseRatio(ReadKibPerOp(s), ReadKibPerOp(o));
            });
  }
  std::vector<std::string> fills;
  for (const std::string& w : workloads) {
    if (IsFill(w)) fills.push_back(w);
  }
  if (!fills.empty()) {
    out +=
        "\nFills: write amplification (bytes written to storage / user "
        "bytes), space amplification (bytes on disk / logical bytes, "
        "after flush and reopen), peak RSS (" +
        runs + ")\n\n" +
        maker.Make(
            "fills", " w-amp/s-amp/RSS", "/strata w-amp", fills,
            [](const Result& r) {
              return Short(r.write_amp) + " / " + Short(r.space_amp) + " / " +
                     Mib(static_cast<double>(r.peak_rss));
            },
            [](const Result& s, const Result& o) {
              return InverseRatio(s.write_amp, o.write_amp);
            });
  }
  return out;
}

std::string ResultsCsv(const std::vector<Result>& runs,
                       const std::vector<Result>& medians) {
  std::string out =
      "engine,workload,repeat,skipped,ops,seconds,ops_per_sec,mb_per_sec,"
      "p50_us,p99_us,p999_us,max_us,write_amp,space_amp,peak_rss_mib,"
      "storage_kib_per_op,major_faults_per_op,strata_ratio,note\n";
  auto add = [&out](const Result& r, const std::string& repeat, double ratio) {
    out += CsvField(r.engine) + "," + CsvField(r.workload) + "," + repeat +
           "," + (r.skipped ? "1" : "0") + "," + std::to_string(r.ops) + "," +
           CsvNumber(r.seconds) + "," + CsvNumber(r.ops_per_sec) + "," +
           CsvNumber(r.mb_per_sec) + "," + CsvNumber(r.p50_us) + "," +
           CsvNumber(r.p99_us) + "," + CsvNumber(r.p999_us) + "," +
           CsvNumber(r.max_us) + "," + CsvNumber(r.write_amp) + "," +
           CsvNumber(r.space_amp) + "," +
           CsvNumber(static_cast<double>(r.peak_rss) / (1024.0 * 1024.0)) +
           "," + CsvNumber(ReadKibPerOp(r)) + "," + CsvNumber(FaultsPerOp(r)) +
           "," + CsvNumber(ratio) + "," + CsvField(r.note) + "\n";
  };
  for (const Result& r : runs) add(r, std::to_string(r.repeat), NAN);
  for (const Result& r : medians) {
    add(r, "median",
        r.engine == "strata" ? NAN
                             : ThroughputRatio(medians, r.engine, r.workload));
  }
  return out;
}

namespace {

// The geometry and drawing steps of RatioSvg's chart.
class RatioChart {
 public:
  RatioChart(const std::vector<Result>& medians,
             const std::vector<std::string>& engines,
             const std::vector<std::string>& workloads)
      : medians_(medians), others_(Others(engines)), workloads_(workloads) {
    group_w_ =
        static_cast<double>(std::max<size_t>(others_.size(), 1)) * kBarW + kGap;
    width_ = kLeft + kRight + group_w_ * static_cast<double>(workloads.size());
    // The y range: whole decades around every ratio, at least [0.1, 10].
    for (const std::string& w : workloads_) {
      for (const std::string& o : others_) {
        const double r = ThroughputRatio(medians_, o, w);
        if (std::isnan(r) || r <= 0) continue;
        lo_ = std::min(lo_, std::pow(10.0, std::floor(std::log10(r))));
        hi_ = std::max(hi_, std::pow(10.0, std::ceil(std::log10(r))));
      }
    }
  }

  std::string Draw(const std::string& subtitle) const {
    const double height = kTop + kPlotH + kBottom;
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      Num(width_) + "\" height=\"" + Num(height) +
                      "\" viewBox=\"0 0 " + Num(width_) + " " + Num(height) +
                      "\" font-family=\"sans-serif\" font-size=\"11\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + Num(kLeft) +
           "\" y=\"24\" font-size=\"15\" font-weight=\"bold\">strata "
           "throughput / other engine's (log scale; above 1: strata is "
           "faster)</text>\n";
    svg += "<text x=\"" + Num(kLeft) + "\" y=\"42\" fill=\"#555\">" +
           XmlEscape(subtitle) + "</text>\n";
    Legend(&svg);
    Grid(&svg);
    for (size_t g = 0; g < workloads_.size(); ++g) Group(g, &svg);
    svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft) + "\" y1=\"" +
           Num(kTop) + "\" y2=\"" + Num(kTop + kPlotH) +
           "\" stroke=\"#333\"/>\n</svg>\n";
    return svg;
  }

 private:
  static constexpr double kBarW = 12;
  static constexpr double kGap = 16;
  static constexpr double kLeft = 64;
  static constexpr double kRight = 24;
  static constexpr double kTop = 84;
  static constexpr double kPlotH = 320;
  static constexpr double kBottom = 90;
  static constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#59a14f",
                                            "#e15759", "#76b7b2", "#b07aa1"};

  static std::string Num(double v) { return Printf("%.1f", v); }

  double Y(double v) const {
    return kTop + kPlotH * (std::log10(hi_) - std::log10(v)) /
                      (std::log10(hi_) - std::log10(lo_));
  }

  void Legend(std::string* svg) const {
    double x = kLeft;
    for (size_t i = 0; i < others_.size(); ++i) {
      *svg += "<rect x=\"" + Num(x) +
              "\" y=\"54\" width=\"12\" height=\"12\" fill=\"" +
              kColors[i % 6] + "\"/>\n";
      *svg += "<text x=\"" + Num(x + 16) + "\" y=\"64\">strata / " +
              XmlEscape(others_[i]) + "</text>\n";
      x += 130;
    }
  }

  // Lines at 1, 2 and 5 in each decade; the one at 1 is parity.
  void Grid(std::string* svg) const {
    for (double decade = lo_; decade <= hi_ * 1.0001; decade *= 10) {
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = decade * m;
        if (v > hi_ * 1.0001) break;
        const double y = Y(v);
        const bool parity = std::fabs(v - 1.0) < 1e-9;
        *svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(width_ - kRight) +
                "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) + "\" stroke=\"" +
                (parity ? "#000" : (m == 1.0 ? "#bbb" : "#e5e5e5")) +
                "\" stroke-width=\"" + (parity ? "1.5" : "1") + "\"/>\n";
        *svg += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) +
                "\" text-anchor=\"end\" fill=\"#333\">" + Printf("%g", v) +
                "</text>\n";
      }
    }
  }

  // Workload g's bars, each from the parity line to its ratio, with the
  // value written along the bar's end, and the workload's name below.
  void Group(size_t g, std::string* svg) const {
    const double gx = kLeft + group_w_ * static_cast<double>(g) + kGap / 2;
    const double y1 = Y(1.0);
    for (size_t i = 0; i < others_.size(); ++i) {
      const double x = gx + kBarW * static_cast<double>(i);
      const double r = ThroughputRatio(medians_, others_[i], workloads_[g]);
      if (std::isnan(r) || r <= 0) {
        *svg += "<text x=\"" + Num(x + kBarW / 2) + "\" y=\"" + Num(y1 - 4) +
                "\" font-size=\"8\" text-anchor=\"middle\" fill=\"#999\">" +
                "n/a</text>\n";
        continue;
      }
      const double yr = Y(r);
      *svg += "<rect x=\"" + Num(x) + "\" y=\"" + Num(std::min(y1, yr)) +
              "\" width=\"" + Num(kBarW - 1) + "\" height=\"" +
              Num(std::max(std::fabs(yr - y1), 1.0)) + "\" fill=\"" +
              kColors[i % 6] + "\"><title>" + XmlEscape(workloads_[g]) +
              ": strata / " + XmlEscape(others_[i]) + " = " + Short(r) +
              "</title></rect>\n";
      const bool up = r >= 1.0;
      *svg += "<text transform=\"translate(" + Num(x + kBarW / 2 + 3) + "," +
              Num(up ? yr - 3 : yr + 3) +
              ") rotate(-90)\" font-size=\"8\" text-anchor=\"" +
              (up ? "start" : "end") + "\">" + Short(r) + "</text>\n";
    }
    *svg += "<text transform=\"translate(" + Num(gx + group_w_ / 2 - kGap / 2) +
            "," + Num(kTop + kPlotH + 14) +
            ") rotate(-40)\" text-anchor=\"end\">" + XmlEscape(workloads_[g]) +
            "</text>\n";
  }

  const std::vector<Result>& medians_;
  const std::vector<std::string> others_;
  const std::vector<std::string>& workloads_;
  double group_w_ = 0;
  double width_ = 0;
  double lo_ = 0.1;
  double hi_ = 10;
};

}  // namespace

std::string RatioSvg(const std::vector<Result>& medians,
                     const std::vector<std::string>& engines,
                     const std::vector<std::string>& workloads,
                     const std::string& subtitle) {
  return RatioChart(medians, engines, workloads).Draw(subtitle);
}

}  // namespace strata::bench
