#include "strata/status.h"

namespace strata {

Status::Status(Code code, const Slice& msg, const Slice& msg2)
    : state_(std::make_unique<State>()) {
  state_->code = code;
  state_->msg.assign(msg.data(), msg.size());
  if (!msg2.empty()) {
    state_->msg.append(": ");
    state_->msg.append(msg2.data(), msg2.size());
  }
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  }
  return *this;
}

Status Status::WithContext(const Slice& context) const {
  if (state_ == nullptr) return Status();
  return Status(state_->code, context, state_->msg);
}

std::string Status::ToString() const {
  if (state_ == nullptr) return "OK";
  const char* name = "Unknown";
  switch (state_->code) {
    case Code::kOk:
      name = "OK";
      break;
    case Code::kNotFound:
      name = "NotFound";
      break;
    case Code::kCorruption:
      name = "Corruption";
      break;
    case Code::kNotSupported:
      name = "NotSupported";
      break;
    case Code::kInvalidArgument:
      name = "InvalidArgument";
      break;
    case Code::kIOError:
      name = "IOError";
      break;
    case Code::kBusy:
      name = "Busy";
      break;
    case Code::kTryAgain:
      name = "TryAgain";
      break;
  }
  std::string r(name);
  if (!state_->msg.empty()) {
    r.append(": ");
    r.append(state_->msg);
  }
  return r;
}

}  // namespace strata
