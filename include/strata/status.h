// strata/status.h — the result of every fallible call in the public API.
//
// A Status is either OK or carries a code and a message. Exceptions never
// cross the API; every fallible call returns a Status. Status is a value
// type: cheap to move, safe to copy, not thread-safe to mutate concurrently.

#pragma once

#include <memory>
#include <string>

#include "strata/slice.h"

namespace strata {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kNotSupported = 3,
    kInvalidArgument = 4,
    kIOError = 5,
    kBusy = 6,
    kTryAgain = 7,
  };

  Status() noexcept = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept = default;
  Status& operator=(Status&& other) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(const Slice& msg = Slice(),
                         const Slice& msg2 = Slice()) {
    return Status(Code::kNotFound, msg, msg2);
  }
  static Status Corruption(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kCorruption, msg, msg2);
  }
  static Status NotSupported(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kNotSupported, msg, msg2);
  }
  static Status InvalidArgument(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kInvalidArgument, msg, msg2);
  }
  static Status IOError(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kIOError, msg, msg2);
  }
  // A transaction conflict: another writer committed first.
  static Status Busy(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kBusy, msg, msg2);
  }
  static Status TryAgain(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kTryAgain, msg, msg2);
  }

  bool ok() const noexcept { return state_ == nullptr; }
  Code code() const noexcept { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const noexcept { return code() == Code::kNotFound; }
  bool IsCorruption() const noexcept { return code() == Code::kCorruption; }
  bool IsIOError() const noexcept { return code() == Code::kIOError; }
  bool IsNotSupported() const noexcept { return code() == Code::kNotSupported; }
  bool IsInvalidArgument() const noexcept {
    return code() == Code::kInvalidArgument;
  }
  bool IsBusy() const noexcept { return code() == Code::kBusy; }
  bool IsTryAgain() const noexcept { return code() == Code::kTryAgain; }

  // The same code with `context` and ": " put before the message, e.g.
  // "Corruption: writes are stopped until reopen: 000007.sst offset 96:
  // ..."; OK stays OK.
  Status WithContext(const Slice& context) const;

  // The message without the code prefix ("" when OK).
  std::string message() const { return state_ ? state_->msg : std::string(); }

  // "OK", or "<Code>: <message>", e.g. "Corruption: 000007.log offset 96: ...".
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string msg;
  };

  Status(Code code, const Slice& msg, const Slice& msg2);

  std::unique_ptr<State> state_;  // nullptr means OK
};

}  // namespace strata
