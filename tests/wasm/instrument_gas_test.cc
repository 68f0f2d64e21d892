// The instrumenter's cost model (wasm/gas.h, docs/gas.md), pinned to exact
// figures: every instruction of a segment, the instrumentation's own
// checks and call bookkeeping, and a function's locals. Each module has a
// method "empty" (no body, no locals) besides "run", so that the runtime's
// own charges (instantiation, host calls) cancel out:
//   gas(run) - gas(empty) = cost(run) - cost(empty),
//   cost(empty) = kGasChargeInstructions + kGasCallBookkeepingInstructions.

#include "gtest/gtest.h"
#include "tests/testing/engine.h"
#include "tests/wasm/nested_module.h"
#include "tests/wasm/test_state.h"
#include "wasm/gas.h"
#include "wasm/prepare.h"
#include "wasm/runtime.h"

namespace ballast::wasm {
namespace {

using namespace std::string_literals;

// The gas "run" uses beyond "empty", or -1 if a call failed.
int64_t RunCost(const std::string& body, uint32_t locals = 0) {
  Runtime runtime(test::NewEngineUnderTest());
  MemoryChainState state;
  absl::Status installed =
      state.Install(runtime, Addr('g'), ModuleWithBody(body, locals));
  EXPECT_TRUE(installed.ok()) << installed;
  auto call = [&](const char* method) -> int64_t {
    CallRequest req;
    req.contract = Addr('g');
    req.method = method;
    req.sender = Addr('s');
    req.gas_limit = 1'000'000;
    req.block = {1, 1700000000000};
    CallOutcome out = runtime.Call(req, state);
    EXPECT_TRUE(out.status.ok()) << method << ": " << out.status;
    return out.status.ok() ? static_cast<int64_t>(out.gas_used) : -1;
  };
  return call("run") - call("empty");
}

TEST(InstrumentGasTest, ConstantsMatchTheCodeInserted) {
  EXPECT_EQ(kInstrumenterVersion, 3u);
  EXPECT_EQ(kGasChargeInstructions, 8u);
  EXPECT_EQ(kGasDynamicChargeInstructions, 13u);
  EXPECT_EQ(kGasCallBookkeepingInstructions, 13u);
}

TEST(InstrumentGasTest, EmptyFunctionPaysItsBookkeeping) {
  // A nop more: one instruction at the function's own level.
  EXPECT_EQ(RunCost(""), 0);
  EXPECT_EQ(RunCost("\x01"), 1);
}

TEST(InstrumentGasTest, NestedSegmentPaysItsOwnCheck) {
  // block nop end: the block at the top (1), the block's segment: nop (1)
  // and its charge (8).
  EXPECT_EQ(RunCost("\x02\x40\x01\x0b"), 1 + 1 + 8);
  // An empty block is not charged separately (its segment runs nothing).
  EXPECT_EQ(RunCost("\x02\x40\x0b"), 1);
}

TEST(InstrumentGasTest, LoopBodyPaysItsCheckOnEveryIteration) {
  // local 0 = 3; loop: local.get 0, i32.const 1, i32.sub, local.tee 0,
  // br_if 0; end. Three iterations of 5 + 8; top level 3; one local.
  const std::string body =
      "\x41\x03\x21\x00"
      "\x03\x40\x20\x00\x41\x01\x6b\x22\x00\x0d\x00\x0b"s;
  EXPECT_EQ(RunCost(body, 1), 3 + 3 * (5 + 8) + 1);
}

TEST(InstrumentGasTest, CallPaysTheCalleesEntryAndBookkeeping) {
  // call 2 ("empty"): 1 here, plus the callee's 8 + 13.
  EXPECT_EQ(RunCost("\x10\x02"), 1 + 8 + 13);
}

TEST(InstrumentGasTest, MemoryOpPaysItsDynamicCharge) {
  // memory.fill of 32 bytes: 4 instructions, the 13 of the dynamic charge,
  // 32 >> kFillBytesPerGasShift for the bytes, and the scratch local it
  // adds (1 local).
  const std::string fill = "\x41\x00\x41\x00\x41\x20\xfc\x0b\x00"s;
  EXPECT_EQ(RunCost(fill), 4 + 13 + (32 >> kFillBytesPerGasShift) + 1);
}

TEST(InstrumentGasTest, LocalsAreChargedAtEntry) {
  ASSERT_EQ(kLocalsPerGas, 16u);
  EXPECT_EQ(RunCost("", 1), 1);
  EXPECT_EQ(RunCost("", 16), 1);
  EXPECT_EQ(RunCost("", 17), 2);
  EXPECT_EQ(RunCost("", 1024), 64);
}

}  // namespace
}  // namespace ballast::wasm
