#include "strata/status.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace strata {
namespace {

using Code = Status::Code;

TEST(StatusTest, OkStatus) {
  const Status s = Status::OK();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.message(), "");
  EXPECT_FALSE(s.IsNotFound());
  EXPECT_FALSE(s.IsCorruption());
  EXPECT_FALSE(s.IsIOError());
  EXPECT_FALSE(s.IsNotSupported());
  EXPECT_FALSE(s.IsInvalidArgument());
  EXPECT_FALSE(s.IsBusy());
  EXPECT_FALSE(s.IsTryAgain());

  const Status default_constructed;
  EXPECT_TRUE(default_constructed.ok());
  EXPECT_EQ(default_constructed.ToString(), "OK");
}

// Which Is*() predicates are true, as a bit set in Code order.
unsigned Predicates(const Status& s) {
  return (s.IsNotFound() ? 1u << 1 : 0) | (s.IsCorruption() ? 1u << 2 : 0) |
         (s.IsNotSupported() ? 1u << 3 : 0) |
         (s.IsInvalidArgument() ? 1u << 4 : 0) | (s.IsIOError() ? 1u << 5 : 0) |
         (s.IsBusy() ? 1u << 6 : 0) | (s.IsTryAgain() ? 1u << 7 : 0);
}

TEST(StatusTest, EachFactoryHasItsCodePredicateAndText) {
  struct Case {
    Status status;
    Code code;
    const char* text;
  };
  const Case cases[] = {
      {Status::NotFound("a", "b"), Code::kNotFound, "NotFound: a: b"},
      {Status::Corruption("a", "b"), Code::kCorruption, "Corruption: a: b"},
      {Status::NotSupported("a", "b"), Code::kNotSupported,
       "NotSupported: a: b"},
      {Status::InvalidArgument("a", "b"), Code::kInvalidArgument,
       "InvalidArgument: a: b"},
      {Status::IOError("a", "b"), Code::kIOError, "IOError: a: b"},
      {Status::Busy("a", "b"), Code::kBusy, "Busy: a: b"},
      {Status::TryAgain("a", "b"), Code::kTryAgain, "TryAgain: a: b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.ToString(), c.text);
    EXPECT_EQ(c.status.message(), "a: b");
    // Exactly the matching predicate is true.
    EXPECT_EQ(Predicates(c.status), 1u << static_cast<unsigned>(c.code));
  }
}

TEST(StatusTest, MessageWithOneOrNoParts) {
  const Status one = Status::Corruption("bad block");
  EXPECT_EQ(one.ToString(), "Corruption: bad block");
  EXPECT_EQ(one.message(), "bad block");

  const Status none = Status::NotFound();
  EXPECT_TRUE(none.IsNotFound());
  EXPECT_EQ(none.ToString(), "NotFound");
  EXPECT_EQ(none.message(), "");

  // An empty second part adds no separator.
  EXPECT_EQ(Status::IOError("x", "").ToString(), "IOError: x");
  // Bytes are kept as they are, including embedded NULs.
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(Status::InvalidArgument(with_nul).message(), with_nul);
}

TEST(StatusTest, CopyKeepsCodeAndMessage) {
  const Status original = Status::IOError("000007.log", "disk full");
  const Status copy(original);
  EXPECT_TRUE(copy.IsIOError());
  EXPECT_EQ(copy.message(), "000007.log: disk full");
  EXPECT_EQ(copy.ToString(), original.ToString());
  // The original is untouched.
  EXPECT_EQ(original.ToString(), "IOError: 000007.log: disk full");

  Status assigned = Status::NotFound("k");
  assigned = original;
  EXPECT_TRUE(assigned.IsIOError());
  EXPECT_EQ(assigned.message(), "000007.log: disk full");

  // Assigning OK over an error clears it, and the other way round.
  assigned = Status::OK();
  EXPECT_TRUE(assigned.ok());
  EXPECT_EQ(assigned.ToString(), "OK");
  Status ok_then_error;
  ok_then_error = original;
  EXPECT_EQ(ok_then_error.ToString(), "IOError: 000007.log: disk full");

  // Self-assignment is harmless.
  Status self = Status::Busy("conflict");
  const Status& alias = self;
  self = alias;
  EXPECT_EQ(self.ToString(), "Busy: conflict");
}

TEST(StatusTest, CopiesAreIndependent) {
  Status a = Status::Corruption("a");
  Status b = a;
  a = Status::NotSupported("n");
  EXPECT_EQ(b.ToString(), "Corruption: a");
  EXPECT_EQ(a.ToString(), "NotSupported: n");
}

TEST(StatusTest, MoveKeepsCodeAndMessage) {
  Status source = Status::TryAgain("write stall", "l0 full");
  const Status moved(std::move(source));
  EXPECT_TRUE(moved.IsTryAgain());
  EXPECT_EQ(moved.message(), "write stall: l0 full");

  Status target = Status::OK();
  Status other = Status::InvalidArgument("bad option", "block_size");
  target = std::move(other);
  EXPECT_TRUE(target.IsInvalidArgument());
  EXPECT_EQ(target.ToString(), "InvalidArgument: bad option: block_size");
}

}  // namespace
}  // namespace strata
