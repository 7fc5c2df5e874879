#include "bench/proc_stats.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

namespace strata::bench {
namespace {

// The number after "name:" in a /proc file of "name: value" lines.
bool ReadField(const char* path, const char* name, uint64_t* value) {
  std::ifstream in(path);
  std::string line;
  const size_t name_len = std::strlen(name);
  while (std::getline(in, line)) {
    if (line.compare(0, name_len, name) == 0 && line.size() > name_len &&
        line[name_len] == ':') {
      *value = std::strtoull(line.c_str() + name_len + 1, nullptr, 10);
      return true;
    }
  }
  return false;
}

}  // namespace

bool ReadIoCounters(IoCounters* out) {
  return ReadField("/proc/self/io", "write_bytes", &out->write_bytes) &&
         ReadField("/proc/self/io", "cancelled_write_bytes",
                   &out->cancelled_write_bytes) &&
         ReadField("/proc/self/io", "wchar", &out->wchar) &&
         ReadField("/proc/self/io", "read_bytes", &out->read_bytes);
}

uint64_t MajorFaults() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_majflt);
}

uint64_t PeakRssBytes() {
  uint64_t kb = 0;
  ReadField("/proc/self/status", "VmHWM", &kb);
  return kb * 1024;
}

uint64_t RssBytes() {
  uint64_t kb = 0;
  ReadField("/proc/self/status", "VmRSS", &kb);
  return kb * 1024;
}

bool ResetPeakRss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

uint64_t DiskUsage(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return total;
}

std::string MachineDescription() {
  std::string cpu = "unknown";
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) cpu = line.substr(colon + 2);
      break;
    }
  }
  struct utsname uts;
  const std::string kernel = ::uname(&uts) == 0 ? uts.release : "unknown";
  uint64_t mem_kb = 0;
  ReadField("/proc/meminfo", "MemTotal", &mem_kb);
  char mem[32];
  std::snprintf(mem, sizeof(mem), "%.1f GiB",
                static_cast<double>(mem_kb) / (1024.0 * 1024.0));
  return "nproc=" + std::to_string(std::thread::hardware_concurrency()) +
         "; cpu=" + cpu + "; kernel=" + kernel + "; mem=" + mem;
}

}  // namespace strata::bench
