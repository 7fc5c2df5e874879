#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace strata::tool {

namespace {

std::string Duration(double seconds) {
  char buf[32];
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, std::string unit,
                   bool quiet)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      quiet_(quiet),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (drawn_ && !finished_ && tty_) std::fputc('\n', stderr);
}

std::string Progress::Amount(double units) const {
  char buf[32];
  if (unit_ == "B") {
    const char* suffix[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (units >= 1024 && i < 4) {
      units /= 1024;
      ++i;
    }
    std::snprintf(buf, sizeof(buf), i == 0 ? "%.0f %s" : "%.1f %s", units,
                  suffix[i]);
  } else if (units >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM %s", units / 1e6, unit_.c_str());
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f %s", units, unit_.c_str());
  }
  return buf;
}

void Progress::Update(uint64_t done) {
  if (quiet_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  // A terminal redraws ten times a second; a log gets a line every 5 s.
  const auto period =
      tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ < period) return;
  last_draw_ = now;
  Draw(done, false);
}

void Progress::Finish(uint64_t done) {
  if (quiet_ || finished_) return;
  Draw(done, true);
  finished_ = true;
}

void Progress::Draw(uint64_t done, bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  std::string line = label_ + " ";
  if (final) {
    line += Amount(static_cast<double>(done)) + " in " + Duration(elapsed) +
            " (" + Amount(rate) + "/s)";
  } else if (total_ > 0) {
    const double frac = done >= total_ ? 1.0 : double(done) / total_;
    if (tty_) {
      constexpr int kWidth = 30;
      const int fill = static_cast<int>(frac * kWidth);
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false
      // positive) on "[" + std::string(...) chains at -O3.
      line.push_back('[');
      line.append(static_cast<size_t>(fill), '#');
      line.append(static_cast<size_t>(kWidth - fill), '.');
      line.append("] ");
    }
    char pct[16];
    std::snprintf(pct, sizeof(pct), "%3.0f%%", frac * 100);
    line += pct;
    line.append(" ").append(Amount(static_cast<double>(done)));
    line.append(" of ").append(Amount(static_cast<double>(total_)));
    line.append(", ").append(Amount(rate)).append("/s");
    if (rate > 0 && done < total_) {
      line.append(", ")
          .append(Duration((total_ - done) / rate))
          .append(" left");
    }
  } else {
    line += Amount(static_cast<double>(done)) + ", " + Amount(rate) + "/s, " +
            Duration(elapsed);
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace strata::tool
