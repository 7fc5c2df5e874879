// Starting a thread without letting std::system_error cross the API.
//
// std::thread's constructor throws when the system refuses a thread (the
// process or user limit, memory for its stack). StartThread turns that into
// an IOError naming `what`, so a DB open under a low limit fails with a
// Status instead of terminating the program.
//
// Thread-safety: safe from any thread. The test seam is a process-wide
// counter read and decremented atomically.

#pragma once

#include <functional>
#include <string>
#include <thread>

#include "strata/status.h"

namespace strata::internal {

// Starts `fn` on a new thread stored in `*thread`. On failure `*thread` is
// left unjoinable and an IOError says what could not be started and why.
Status StartThread(const std::string& what, std::function<void()> fn,
                   std::thread* thread);

// For tests: after `skip` more StartThread calls succeed, the next one
// fails as if the system refused the thread (EAGAIN); later ones succeed.
// -1 turns this off.
void FailThreadStartForTest(int skip);

}  // namespace strata::internal
