// bench/cgroup.h — a memory cgroup for one benchmark process: the
// memory-limited regime (--memory_limit), where an engine's process,
// page cache included, gets a fixed amount of memory, so that data larger
// than it must come from the disk.
//
// Linux only, as root: the cgroup v1 memory controller
// (/sys/fs/cgroup/memory) or cgroup v2 (/sys/fs/cgroup with memory in
// cgroup.controllers). The kernel charges a cgroup for its processes'
// anonymous memory and for the page cache they bring in, reclaims cache
// past the limit, and kills a process whose own memory will not fit.

#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace strata::bench {

class MemoryCgroup {
 public:
  // Makes the cgroup `name` (under strata_bench/) with `limit_bytes`; on
  // failure returns nullptr and says why in `*error`.
  static std::unique_ptr<MemoryCgroup> Create(const std::string& name,
                                              uint64_t limit_bytes,
                                              std::string* error);

  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;
  // Drops the clean page cache charged to the cgroup, then removes it (its
  // processes must have exited): the next run reads what this one left
  // from the disk, not from the cache.
  ~MemoryCgroup();

  // Moves process `pid` into the cgroup (0: the calling process). Safe
  // between fork and exec: only open/write/close.
  bool AddProcess(pid_t pid) const;

  // The most memory the cgroup was charged at once (page cache included).
  uint64_t PeakBytes() const;
  // Whether the kernel killed a process for lack of memory in it.
  bool OomKilled() const;

  const std::string& path() const { return path_; }
  bool v2() const { return v2_; }

 private:
  MemoryCgroup(std::string path, bool v2) : path_(std::move(path)), v2_(v2) {}

  std::string path_;
  bool v2_;
};

}  // namespace strata::bench
