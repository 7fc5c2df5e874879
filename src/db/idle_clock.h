// IdleClock: how long the DB has gone without a write, judged from the
// last sequence number, which every write raises. The background threads
// look at it when they have nothing else to do; the idle fold
// (Options::level0_idle_compaction_ms) runs once it reports the delay
// passed (a tenth of it in a read phase) and reads have paid for it.
//
// Thread-safety: none; the DB keeps it under its mutex.

#pragma once

#include <cstdint>

#include "key/internal_key.h"

namespace strata::internal {

class IdleClock {
 public:
  explicit IdleClock(uint64_t delay_micros) : delay_micros_(delay_micros) {}

  // Looks at the DB at `now_micros` with `last_sequence`. Returns 0 once
  // the sequence has stayed the same for delay_micros (counted from the
  // first look that saw it), else the micros left until then. A sequence
  // not seen before, or a clock that went backwards, restarts the count.
  uint64_t MicrosUntilIdle(SequenceNumber last_sequence, uint64_t now_micros) {
    return MicrosUntilIdle(last_sequence, now_micros, delay_micros_);
  }
  // The same against `delay_micros` instead of the clock's own delay.
  uint64_t MicrosUntilIdle(SequenceNumber last_sequence, uint64_t now_micros,
                           uint64_t delay_micros) {
    if (!started_ || last_sequence != sequence_ || now_micros < since_micros_) {
      started_ = true;
      sequence_ = last_sequence;
      since_micros_ = now_micros;
    }
    const uint64_t idle = now_micros - since_micros_;
    return idle >= delay_micros ? 0 : delay_micros - idle;
  }

 private:
  const uint64_t delay_micros_;
  bool started_ = false;
  SequenceNumber sequence_ = 0;
  uint64_t since_micros_ = 0;
};

}  // namespace strata::internal
