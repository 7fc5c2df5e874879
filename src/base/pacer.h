// Pacer: holds a stream of background work (bytes moved, say) to a rate,
// so that it shares the disk with foreground reads instead of taking all
// of it.
//
// The caller records each piece of work as it is done, with the time, and
// waits as long as the pacer says before the next. The schedule is kept
// from the first piece: work done ahead of it is a debt, paid by waiting.
// Time spent idle (or slower than the rate) earns a credit of at most
// `burst` units, so a stream that pauses does not come back in a rush.
//
// The pacer never reads a clock or sleeps itself: both are the caller's
// (an Env's clock, a wait the caller can cut short), which also lets
// tests drive it with a clock of their own.
//
// Thread-safety: none; one stream of work, one caller at a time.

#pragma once

#include <algorithm>
#include <cstdint>

namespace strata::internal {

class Pacer {
 public:
  // `rate` units per second (0: no limit); `burst`: the most that may be
  // done at once after an idle while (at least one unit).
  // Rates above 1e12 units per second are taken as 1e12.
  Pacer(uint64_t rate, uint64_t burst)
      : rate_(std::min(rate, kMaxRate)), burst_(std::max<uint64_t>(burst, 1)) {}

  // Records `n` units done at `now_micros`; returns how many microseconds
  // to wait before more (0: none). A clock that steps back (a wall clock
  // set back) moves the schedule back with it.
  uint64_t Record(uint64_t n, uint64_t now_micros) {
    if (rate_ == 0) return 0;
    // Signed: the schedule may start before the clock's zero.
    const int64_t now =
        static_cast<int64_t>(std::min<uint64_t>(now_micros, kMaxNow));
    if (started_ && now < last_now_) start_ -= last_now_ - now;
    last_now_ = now;
    // The first call, or idle (or slower than the rate) since the last
    // one: the schedule restarts with `burst` of credit.
    const int64_t earliest = now - MicrosFor(burst_);
    if (!started_ || start_ + MicrosFor(done_) < earliest) {
      started_ = true;
      start_ = earliest;
      done_ = 0;
    }
    done_ += n;
    const int64_t due = start_ + MicrosFor(done_);
    return due > now ? static_cast<uint64_t>(due - now) : 0;
  }

  uint64_t rate() const { return rate_; }

 private:
  static constexpr uint64_t kMaxRate = 1000000000000;
  static constexpr uint64_t kMaxSeconds = uint64_t{1} << 40;  // 34,000 years
  static constexpr uint64_t kMaxNow = uint64_t{1} << 62;

  // How long `units` take at the rate (rounded up; at most 2^60).
  int64_t MicrosFor(uint64_t units) const {
    // Split so that no product overflows (rate_ <= kMaxRate).
    const uint64_t seconds = units / rate_;
    const uint64_t rest = units % rate_;
    if (seconds > kMaxSeconds)
      return static_cast<int64_t>(kMaxSeconds * 1000000);
    return static_cast<int64_t>(seconds * 1000000 +
                                (rest * 1000000 + rate_ - 1) / rate_);
  }

  const uint64_t rate_;
  const uint64_t burst_;
  // The schedule: the done_ units recorded since start_ are due by
  // start_ + MicrosFor(done_).
  bool started_ = false;
  int64_t start_ = 0;
  uint64_t done_ = 0;
  int64_t last_now_ = 0;  // the latest time recorded
};

}  // namespace strata::internal
