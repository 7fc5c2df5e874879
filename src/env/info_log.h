// The info LOG: a human-readable, timestamped record of what the DB did
// (opens, recoveries, flushes, compactions, errors), written to the file
// `LOG` in the DB directory through the Env.
//
// Thread-safety: Log() may be called from any thread; lines never interleave.

#pragma once

#include <cstdarg>
#include <memory>

#include "base/mutex.h"
#include "strata/env.h"

namespace strata::internal {

class InfoLogger {
 public:
  // Writes to `file`, taking the clock from `env` (borrowed; must outlive
  // the logger). A null `file` makes a logger that discards everything.
  InfoLogger(Env* env, std::unique_ptr<WritableFile> file);
  ~InfoLogger();
  InfoLogger(const InfoLogger&) = delete;
  InfoLogger& operator=(const InfoLogger&) = delete;

  // Appends one line "YYYY/MM/DD-HH:MM:SS.uuuuuu <tid> <message>" and hands
  // it to the OS. Errors writing the LOG are ignored: it is advisory.
  void Log(const char* format, ...) __attribute__((format(printf, 2, 3)));
  void LogV(const char* format, va_list ap);

 private:
  Env* const env_;
  Mutex mu_;
  std::unique_ptr<WritableFile> file_ STRATA_GUARDED_BY(mu_);
};

}  // namespace strata::internal
