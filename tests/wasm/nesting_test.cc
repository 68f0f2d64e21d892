// Control nesting at deploy (issue 7): a module nested up to
// Limits::max_control_nesting is accepted, one level more is refused with
// an error naming the function and the limit, and the 170,000-deep module
// that once crashed ballastd gets the same refusal. PrepareModule runs on a
// thread with a 256 KiB stack (2 MiB under ASan), so recursion that grows with
// the input (in the checks, the instrumenter, or wabt's reader, validator,
// writer or IR destructors) crashes the test instead of passing it.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fuzz/small_stack.h"
#include "tests/wasm/nested_module.h"
#include "wasm/prepare.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;

// Measured in the release build: preparing a module at the limit needs
// between 128 and 160 KiB of stack, about 140 bytes a level in wabt's writer
// and IR destructors (2,048 levels overflow 256 KiB). AddressSanitizer's
// redzones make frames several times larger; 2 MiB is still far too small
// for recursion over 170,000 levels.
#ifdef BALLAST_SMALL_STACK_ASAN  // gcc's or clang's ASan (small_stack.h)
constexpr size_t kSmallStack = 2 * 1024 * 1024;
#else
constexpr size_t kSmallStack = 256 * 1024;
#endif

absl::StatusOr<PreparedModule> PrepareOnSmallStack(
    const std::string& wasm, const Limits& limits = Limits()) {
  absl::StatusOr<PreparedModule> result = absl::InternalError("did not run");
  test::RunOnSmallStack([&] { result = PrepareModule(wasm, limits); },
                        kSmallStack);
  return result;
}

const uint32_t kLimit = Limits().max_control_nesting;

TEST(NestingTest, LimitIsDocumentedValue) { EXPECT_EQ(kLimit, 1024u); }

TEST(NestingTest, AtTheLimitIsAccepted) {
  for (Nesting shape : {Nesting::kBlocks, Nesting::kMixed}) {
    auto prepared = PrepareOnSmallStack(NestedModule(kLimit, shape));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    EXPECT_THAT(prepared->methods, ::testing::ElementsAre("empty", "run"));
    // The instrumented module nests 2 levels deeper (the function's wrapper
    // block and the deepest segment's gas check). Deploy would refuse it as
    // too deep; allowed those 2 levels, reading it back goes through wabt's
    // reader, validator and destructors and the checks: that too fits the
    // small stack.
    auto again = PrepareOnSmallStack(prepared->code);
    EXPECT_THAT(std::string(again.status().message()),
                HasSubstr("nest deeper than the limit of 1024"));
    Limits two_more;
    two_more.max_control_nesting = kLimit + 2;
    again = PrepareOnSmallStack(prepared->code, two_more);
    EXPECT_THAT(std::string(again.status().message()),
                HasSubstr("'ballast_gas': the name is reserved"));
  }
}

TEST(NestingTest, OneLevelPastTheLimitIsRefused) {
  for (Nesting shape : {Nesting::kBlocks, Nesting::kMixed}) {
    auto prepared = PrepareOnSmallStack(NestedModule(kLimit + 1, shape));
    ASSERT_FALSE(prepared.ok());
    EXPECT_EQ(prepared.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(prepared.status().message(),
              "function 1: control instructions nest deeper than the limit "
              "of 1024 (block, loop and if, one inside another)");
  }
}

// The deploy that killed ballastd: 170,000 nested blocks in 510 KB, within
// the code size limit.
TEST(NestingTest, AttackModuleIsRefusedWithoutRecursing) {
  std::string wasm = NestedModule(170'000);
  ASSERT_LE(wasm.size(), Limits().max_code_bytes);
  auto prepared = PrepareOnSmallStack(wasm);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(prepared.status().message()),
              HasSubstr("function 1: control instructions nest deeper than "
                        "the limit of 1024"));
}

// wabt 1.0.32's IR reader keeps one label stack for the whole module, so
// a body whose `end`s do not balance its blocks would let nesting carry
// from one body into the next. The scan refuses both shapes.
TEST(NestingTest, UnbalancedBodiesAreRefused) {
  std::string open(1000 * 2, '\0');
  for (size_t i = 0; i < open.size(); i += 2) open.replace(i, 2, "\x02\x40");
  // 1000 blocks, one `end`: the body's final opcode is `end`, but 999
  // blocks stay open.
  auto unclosed = PrepareOnSmallStack(ModuleWithBody(open));
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.status().message(),
            "function 1: a block, loop or if is not closed by end");
  // An `end` that closes the body early, then more code.
  auto extra = PrepareOnSmallStack(ModuleWithBody(std::string("\x0b\x01", 2)));
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().message(),
            "function 1: instructions after the final end");
}

// A constant expression ends at its first `end`, so blocks in one would
// stay open in wabt's IR reader too: refused, naming the global.
TEST(NestingTest, BlocksInAnInitializerAreRefused) {
  ASSERT_TRUE(PrepareOnSmallStack(ModuleWithGlobalInit("\x41\x07")).ok());
  auto prepared = PrepareOnSmallStack(
      ModuleWithGlobalInit(std::string("\x02\x7f\x41\x07\x0b", 5)));
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.status().message(),
            "global 0 initializer: a block, loop or if is not closed by end");
}

TEST(NestingTest, MalformedBytesStillSayMalformed) {
  std::string wasm = NestedModule(10);
  auto prepared = PrepareOnSmallStack(wasm.substr(0, wasm.size() - 3));
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(std::string(prepared.status().message()),
              HasSubstr("malformed module"));
}

}  // namespace
}  // namespace ballast::wasm
