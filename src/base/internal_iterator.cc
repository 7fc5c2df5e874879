#include "base/internal_iterator.h"

namespace strata::internal {
namespace {

class ErrorInternalIterator final : public InternalIterator {
 public:
  explicit ErrorInternalIterator(Status s) : status_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(const Slice&) override {}
  void SeekForPrev(const Slice&) override {}
  void Next() override {}
  void Prev() override {}
  Slice key() const override { return Slice(); }
  Slice value() const override { return Slice(); }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewErrorInternalIterator(Status status) {
  return std::make_unique<ErrorInternalIterator>(std::move(status));
}

}  // namespace strata::internal
