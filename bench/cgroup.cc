#include "bench/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strata::bench {
namespace {

constexpr char kV1Root[] = "/sys/fs/cgroup/memory";
constexpr char kV2Root[] = "/sys/fs/cgroup";

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Writes `text` to the control file `path` with plain system calls (so it
// can run between fork and exec).
bool WriteControl(const std::string& path, const char* text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t n = std::strlen(text);
  const bool ok = ::write(fd, text, n) == static_cast<ssize_t>(n);
  return ::close(fd) == 0 && ok;
}

uint64_t ReadNumber(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  in >> v;
  return v;
}

// The value of `key` in a flat-keyed control file ("key value" lines).
uint64_t ReadKeyed(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

bool MakeDir(const std::string& path, std::string* error) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *error = "cannot create " + path + ": " + std::strerror(errno) +
           " (--memory_limit needs root)";
  return false;
}

}  // namespace

std::unique_ptr<MemoryCgroup> MemoryCgroup::Create(const std::string& name,
                                                   uint64_t limit_bytes,
                                                   std::string* error) {
  const std::string limit = std::to_string(limit_bytes);
  if (Exists(std::string(kV1Root) + "/memory.limit_in_bytes")) {
    const std::string parent = std::string(kV1Root) + "/strata_bench";
    const std::string path = parent + "/" + name;
    if (!MakeDir(parent, error) || !MakeDir(path, error)) return nullptr;
    std::unique_ptr<MemoryCgroup> cg(new MemoryCgroup(path, false));
    // Swap would let a process past the limit; the combined limit, where
    // the kernel has it, closes that door.
    if (!WriteControl(path + "/memory.limit_in_bytes", limit.c_str())) {
      *error = "cannot set " + path + "/memory.limit_in_bytes";
      return nullptr;
    }
    if (Exists(path + "/memory.memsw.limit_in_bytes")) {
      (void)WriteControl(path + "/memory.memsw.limit_in_bytes", limit.c_str());
    }
    return cg;
  }
  const std::string controllers = std::string(kV2Root) + "/cgroup.controllers";
  std::ifstream in(controllers);
  std::string all((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  if (all.find("memory") == std::string::npos) {
    *error =
        "no memory cgroup controller (neither /sys/fs/cgroup/memory nor "
        "memory in /sys/fs/cgroup/cgroup.controllers)";
    return nullptr;
  }
  const std::string parent = std::string(kV2Root) + "/strata_bench";
  if (!MakeDir(parent, error)) return nullptr;
  (void)WriteControl(std::string(kV2Root) + "/cgroup.subtree_control",
                     "+memory");
  (void)WriteControl(parent + "/cgroup.subtree_control", "+memory");
  const std::string path = parent + "/" + name;
  if (!MakeDir(path, error)) return nullptr;
  std::unique_ptr<MemoryCgroup> cg(new MemoryCgroup(path, true));
  if (!WriteControl(path + "/memory.max", limit.c_str())) {
    *error = "cannot set " + path + "/memory.max";
    return nullptr;
  }
  (void)WriteControl(path + "/memory.swap.max", "0");
  return cg;
}

MemoryCgroup::~MemoryCgroup() {
  // What the processes left in the page cache goes with the group: a
  // removed group's pages stay cached, charged to it as a dying group
  // inside its parent, which has no limit, and the next run (a new group)
  // would read them for free. The process has exited by now, so nothing
  // here is mapped; dirty pages stay until written back.
  if (v2_) {
    // memory.reclaim (Linux 5.19) reclaims what it can; before it,
    // memory.high = 0 does the same without an OOM kill.
    if (!WriteControl(path_ + "/memory.reclaim", "1099511627776") &&
        errno == ENOENT) {
      (void)WriteControl(path_ + "/memory.high", "0");
    }
  } else {
    (void)WriteControl(path_ + "/memory.force_empty", "0");
  }
  (void)::rmdir(path_.c_str());
}

bool MemoryCgroup::AddProcess(pid_t pid) const {
  char text[32];
  std::snprintf(text, sizeof(text), "%d",
                static_cast<int>(pid == 0 ? ::getpid() : pid));
  return WriteControl(path_ + "/cgroup.procs", text);
}

uint64_t MemoryCgroup::PeakBytes() const {
  // v2 has memory.peak from Linux 5.19; older kernels report none (0).
  return v2_ ? ReadNumber(path_ + "/memory.peak")
             : ReadNumber(path_ + "/memory.max_usage_in_bytes");
}

bool MemoryCgroup::OomKilled() const {
  return v2_ ? ReadKeyed(path_ + "/memory.events", "oom_kill") > 0
             : ReadKeyed(path_ + "/memory.oom_control", "oom_kill") > 0;
}

}  // namespace strata::bench
