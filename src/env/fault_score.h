// env/fault_score.h — whether reads through a mapping have been waiting
// for the device of late.
//
// A read that misses the page cache faults, and with the mapping
// MADV_RANDOM each fault reads its own page: a block that spans two pages
// costs two reads from the device, one after the other. A file that knows
// its reads are missing can ask for the block's pages together first
// (MADV_WILLNEED), so that the copy waits for one read; in memory that
// system call would only cost. FaultScore tells the two apart from how
// long copies out of the mapping (or preads, for a file read without one;
// or the touch of a visit's pages, RandomAccessFile::Visit) take: a copy slower
// than a page-cache hit can be (kSlowCopy) raises the score by kSlowStep, a
// fast one lowers it by one, between 0 and kMaxScore, and the file is cold at
// kColdAt and above. A run of misses makes a file cold within two timed reads;
// it warms up again after some fast reads. Only copies of a block's size are
// timed (kMaxTimedPages; a large value-log record takes longer than kSlowCopy
// from memory too). In memory the score stays at 0, but for a copy the
// scheduler interrupted, whose effect fades after a few reads.
//
// Timing costs two clock reads, about 6 % of a point read from memory, so
// while the score is 0 only one copy in kWarmSample is timed (ShouldTime:
// every kWarmSample-th copy of the reading thread, a counter of its own,
// so no file, however few its blocks, escapes the sample); once a timed
// copy was slow, every copy is timed until the score is back at 0. A run
// of misses then makes a file cold within about kWarmSample + 2 reads.
//
// Thread-safety: safe from many threads; updates are racy by design
// (relaxed, not read-modify-write), since the score is a hint.

#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace strata::internal {

class FaultScore {
 public:
  // Longer than a copy of a block that is in the page cache (a minor fault
  // and a few cache misses); shorter than a read from any device.
  static constexpr std::chrono::microseconds kSlowCopy{10};
  static constexpr int kSlowStep = 4;
  static constexpr int kColdAt = 8;
  static constexpr int kMaxScore = 32;
  // Copies spanning more pages than this are not timed.
  static constexpr uint64_t kMaxTimedPages = 2;
  // While the score is 0, one copy in kWarmSample = 2^kWarmSampleBits is
  // timed.
  static constexpr int kWarmSampleBits = 4;
  static constexpr uint64_t kWarmSample = uint64_t{1} << kWarmSampleBits;

  // Whether to time a copy of `pages` pages: every copy of a block's size
  // while the score is above 0, one in kWarmSample of the thread's copies
  // while it is 0.
  bool ShouldTime(uint64_t pages) const {
    if (pages > kMaxTimedPages) return false;
    if (score_.load(std::memory_order_relaxed) > 0) return true;
    thread_local uint32_t copies = 0;
    return (++copies & (kWarmSample - 1)) == 0;
  }

  // Whether recent copies waited for the device.
  bool Cold() const {
    return score_.load(std::memory_order_relaxed) >= kColdAt;
  }

  // Records how long one copy out of the mapping (or a visit's touch of
  // its pages) took.
  void Note(std::chrono::steady_clock::duration took) {
    const int score = score_.load(std::memory_order_relaxed);
    if (took >= kSlowCopy) {
      if (score < kMaxScore) {
        score_.store(std::min(kMaxScore, score + kSlowStep),
                     std::memory_order_relaxed);
      }
    } else if (score > 0) {
      score_.store(score - 1, std::memory_order_relaxed);
    }
  }

  // The score now, 0 to kMaxScore.
  int score() const { return score_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> score_{0};
};

// The pages that bytes [offset, offset + count) of a file lie on, as the
// page-aligned offset of the first and the length up to the end of the
// last; `page` is a power of two. Returns how many pages that is (0 when
// count is 0).
inline uint64_t PagesSpanned(uint64_t offset, uint64_t count, uint64_t page,
                             uint64_t* first, uint64_t* length) {
  *first = offset & ~(page - 1);
  if (count == 0) {
    *length = 0;
    return 0;
  }
  const uint64_t end = (offset + count + page - 1) & ~(page - 1);
  *length = end - *first;
  return *length / page;
}

}  // namespace strata::internal
