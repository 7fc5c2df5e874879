// Helpers for the env tests (env_test.cc and posix_env_test.cc, which link
// only base and env, not strata_testing) and fault_env_test.cc: status
// assertions, a substring check, offset-dependent bytes, a scratch dir; and
// a clock only the test moves, for any test that times things by the Env.

#pragma once

#include <stdlib.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "env/env_wrapper.h"
#include "gtest/gtest.h"
#include "strata/status.h"

namespace strata {

#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const ::strata::Status assert_ok_status_ = (expr);                   \
    ASSERT_TRUE(assert_ok_status_.ok()) << assert_ok_status_.ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                                  \
  do {                                                                   \
    const ::strata::Status expect_ok_status_ = (expr);                   \
    EXPECT_TRUE(expect_ok_status_.ok()) << expect_ok_status_.ToString(); \
  } while (0)

// An Env whose clock only the test moves: NowMicros() is what the test
// set, and NowNanos() follows it (Env's default). Everything else goes to
// `base`.
class ManualClockEnv final : public internal::EnvWrapper {
 public:
  explicit ManualClockEnv(Env* base, uint64_t start_micros = 1000000)
      : EnvWrapper(base), now_(start_micros) {}
  uint64_t NowMicros() override { return now_.load(); }
  void Set(uint64_t micros) { now_.store(micros); }
  void Advance(uint64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<uint64_t> now_;
};

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Bytes whose value depends on their offset, so any misplaced read shows.
inline std::string Pattern(size_t offset, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((offset + i) * 131 % 251);
  }
  return s;
}

// A fresh directory under $STRATA_TEST_TMPDIR (or /tmp), as a canonical
// absolute path. (This test links only base and env, not strata_testing.)
inline std::string MakeTempDir() {
  const char* env_root = std::getenv("STRATA_TEST_TMPDIR");
  const std::string root =
      env_root != nullptr && env_root[0] != '\0' ? env_root : "/tmp";
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  std::string tmpl = root + "/env_test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  char resolved[PATH_MAX];
  if (::realpath(tmpl.c_str(), resolved) == nullptr) std::abort();
  return resolved;
}

}  // namespace strata
