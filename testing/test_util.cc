#include "testing/test_util.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace strata::testing {

std::string NewTempDir(const std::string& name) {
  static std::atomic<uint64_t> counter{0};
  const char* root = std::getenv("STRATA_TEST_TMPDIR");
  std::error_code ec;
  std::filesystem::path base = root != nullptr && root[0] != '\0'
                                   ? std::filesystem::path(root)
                                   : std::filesystem::temp_directory_path(ec);
  std::filesystem::create_directories(base, ec);
  for (;;) {
    // relaxed: only uniqueness matters.
    const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    std::filesystem::path dir =
        base /
        (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(n));
    if (std::filesystem::create_directory(dir, ec)) return dir.string();
    if (ec) std::abort();  // cannot make a scratch dir: nothing can be tested
  }
}

void RemoveTempDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string RandomBytes(internal::Random* rnd, size_t len) {
  std::string s(len, '\0');
  for (auto& c : s) c = static_cast<char>(rnd->Uniform(256));
  return s;
}

std::string RandomKey(internal::Random* rnd, size_t min_len, size_t max_len) {
  const size_t len = min_len + rnd->Uniform(max_len - min_len + 1);
  std::string s(len, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rnd->Uniform(26));
  return s;
}

std::string NumberedKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

uint64_t TestSeed(uint64_t fallback) {
  const char* s = std::getenv("STRATA_SEED");
  if (s == nullptr || s[0] == '\0') return fallback;
  return std::strtoull(s, nullptr, 10);
}

}  // namespace strata::testing
