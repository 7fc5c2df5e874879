#include "env/info_log.h"

#include <pthread.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace strata::internal {

InfoLogger::InfoLogger(Env* env, std::unique_ptr<WritableFile> file)
    : env_(env), file_(std::move(file)) {}

InfoLogger::~InfoLogger() {
  MutexLock lock(&mu_);
  if (file_ != nullptr) {
    (void)file_->Close();  // best effort: the LOG is advisory
  }
}

void InfoLogger::Log(const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  LogV(format, ap);
  va_end(ap);
}

void InfoLogger::LogV(const char* format, va_list ap) {
  const uint64_t now = env_->NowMicros();
  const auto seconds = static_cast<time_t>(now / 1000000);
  struct tm t;
  localtime_r(&seconds, &t);

  char prefix[64];
  std::snprintf(prefix, sizeof(prefix),
                "%04d/%02d/%02d-%02d:%02d:%02d.%06llu %llx ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<unsigned long long>(now % 1000000),
                static_cast<unsigned long long>(pthread_self()));

  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string line(prefix);
  if (n > 0) {
    const size_t at = line.size();
    line.resize(at + static_cast<size_t>(n) + 1);
    std::vsnprintf(line.data() + at, static_cast<size_t>(n) + 1, format, ap);
    line.resize(at + static_cast<size_t>(n));
  }
  if (line.empty() || line.back() != '\n') line.push_back('\n');

  MutexLock lock(&mu_);
  if (file_ == nullptr) return;
  // Advisory: a failing LOG must never fail the operation being logged.
  (void)file_->Append(line);
  (void)file_->Flush();
}

}  // namespace strata::internal
