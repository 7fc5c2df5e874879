// bench/proc_stats.h — what the process did to the machine: bytes written
// to storage, peak memory, bytes on disk, and the facts about the machine
// a result needs beside it.
//
// Linux only (/proc). Every function is safe to call from any thread.

#pragma once

#include <cstdint>
#include <string>

namespace strata::bench {

struct IoCounters {
  // Bytes the process caused to be sent to storage (/proc/self/io
  // write_bytes: page-cache pages dirtied, and direct writes), whether or
  // not writeback has happened yet. Includes every thread of the process.
  uint64_t write_bytes = 0;
  // Bytes of dirtied pages dropped before writeback (files truncated or
  // deleted), which never reached the disk.
  uint64_t cancelled_write_bytes = 0;
  // Bytes passed to write-like system calls (wchar), cached or not.
  uint64_t wchar = 0;
  // Bytes the process caused to be fetched from storage (read_bytes: page
  // cache misses, readahead included), by reads and by faults on mappings.
  uint64_t read_bytes = 0;
};

// false if /proc/self/io cannot be read.
bool ReadIoCounters(IoCounters* out);

// Major page faults of the whole process so far (getrusage ru_majflt):
// faults on a mapping that had to wait for storage.
uint64_t MajorFaults();

// Peak resident set size in bytes since the last ResetPeakRss() (VmHWM).
uint64_t PeakRssBytes();
// Current resident set size in bytes (VmRSS).
uint64_t RssBytes();
// Starts a new peak-RSS window (writes "5" to /proc/self/clear_refs);
// false if the kernel refused, in which case the peak covers the process.
bool ResetPeakRss();

// Bytes allocated on disk (st_blocks * 512) under `dir`, recursively.
uint64_t DiskUsage(const std::string& dir);

// "nproc=2; cpu=<model>; kernel=<release>; mem=<GiB>" for the report.
std::string MachineDescription();

}  // namespace strata::bench
