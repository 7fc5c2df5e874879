// strata tool: progress of a long operation on stderr. On a terminal, one
// line redrawn in place — a bar, the percentage, the rate and the time
// left; otherwise a plain line every few seconds, so that logs stay
// readable. Nothing at all with `quiet`.

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace strata::tool {

class Progress {
 public:
  // `total` units of `unit` ("B" counts bytes: shown as KB/MB/GB); 0 when
  // unknown (then no bar and no time left).
  Progress(std::string label, uint64_t total, std::string unit, bool quiet);
  ~Progress();

  // The total, once known.
  void SetTotal(uint64_t total) { total_ = total; }
  // `done` units so far.
  void Update(uint64_t done);
  // Ends the line with a summary: units, time and rate.
  void Finish(uint64_t done);

 private:
  std::string Amount(double units) const;
  void Draw(uint64_t done, bool final);

  const std::string label_, unit_;
  uint64_t total_;
  const bool quiet_;
  const bool tty_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool finished_ = false;
  bool drawn_ = false;
};

}  // namespace strata::tool
