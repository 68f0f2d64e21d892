// Exact gas: for every failure kind, top-level and inside a nested call,
// gas_used is exactly what was charged. Expectations are computed here from
// the cost table (gas.h, host_abi.h) and the instruction counts noted in
// corpus/gas.wat, never by asking the runtime.

#include "wasm/gas.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/wasm/test_state.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace ballast::wasm {
namespace {

// Gas of a function body of `n` instructions at its own level, run once
// (the instrumentation's charge, prepare.cc).
// A method's own gas under instrumenter v2 (docs/gas.md): its n
// instructions plus its entry's charge and call bookkeeping (no locals).
int64_t Body(int64_t n) {
  return n + kGasChargeInstructions + kGasCallBookkeepingInstructions;
}

class GasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char c : {'a', 'b'}) {
      ASSERT_TRUE(state_.Install(runtime_, Addr(c), CorpusModule("gas")).ok());
    }
    auto code = state_.GetCode(Addr('a'));
    ASSERT_TRUE(code.ok() && code->has_value());
    code_bytes_ = static_cast<int64_t>((*code)->code.size());
  }

  // Entering one frame of the gas module: code loading and instantiation
  // of its one initial page.
  int64_t Frame() const {
    return kGasInstantiate + code_bytes_ / kCodeBytesPerLoadGas +
           1 * kGasPerInitialPage;
  }

  // "nest" in 'a' calling `method` in 'b', up to bl_call's return: the
  // caller's frame and body, bl_input_read of the input, bl_input_len, and
  // bl_call's upfront charge (base, the callee's address, its method name).
  int64_t NestUpToCall(const std::string& method) const {
    const int64_t input = 20 + static_cast<int64_t>(method.size());
    return Frame() + Body(11) + (kGasHostCall + input * kGasPerByteCopied) +
           kGasHostCall +
           (kGasHostCall + kGasContractCall + 20 * kGasPerByteCopied +
            static_cast<int64_t>(method.size()) * kGasPerByteCopied);
  }

  CallOutcome Call(const std::string& method, uint64_t gas = 10'000'000) {
    CallRequest req;
    req.contract = Addr('a');
    req.method = method;
    req.sender = Addr('s');
    req.gas_limit = gas;
    CallOutcome out = runtime_.Call(req, state_);
    EXPECT_EQ(out.status.code(), StatusCodeOf(out.failure)) << out.status;
    return out;
  }

  CallOutcome Nest(const std::string& method, uint64_t gas = 10'000'000) {
    CallRequest req;
    req.contract = Addr('a');
    req.method = "nest";
    req.input = Addr('b') + method;
    req.sender = Addr('s');
    req.gas_limit = gas;
    CallOutcome out = runtime_.Call(req, state_);
    EXPECT_EQ(out.status.code(), StatusCodeOf(out.failure)) << out.status;
    return out;
  }

  Runtime runtime_{NewWabtInterpreterEngine()};
  MemoryChainState state_;
  int64_t code_bytes_ = 0;
};

constexpr int64_t kHash1000 =
    kGasHostCall + kGasSha256 + 1000 * kGasPerSha256Byte;

// ---- Top level --------------------------------------------------------------

TEST_F(GasTest, SuccessIsExact) {
  CallOutcome out = Call("hash");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, Frame() + Body(4) + kHash1000);
}

TEST_F(GasTest, InstantiationChargesInitialPagesAndCodeSize) {
  // The cheapest call there is: a frame and one instruction.
  EXPECT_EQ(Call("trap").gas_used, Frame() + Body(1));
  EXPECT_EQ(Frame(), 2000 + code_bytes_ + 512);
}

TEST_F(GasTest, InvalidMethodPaysForLoadingAndInstantiation) {
  CallOutcome out = Call("no_such_method");
  EXPECT_EQ(out.failure, FailureKind::kInvalid);
  EXPECT_EQ(out.gas_used, Frame());
  // Refused by name before the code is loaded: nothing.
  CallOutcome init = Call("init");
  EXPECT_EQ(init.failure, FailureKind::kInvalid);
  EXPECT_EQ(init.gas_used, 0u);
}

TEST_F(GasTest, AbortIsExact) {
  CallOutcome out = Call("abort");
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_EQ(out.gas_used,
            Frame() + Body(3) + kGasHostCall + 10 * kGasPerByteCopied);
}

TEST_F(GasTest, WasmTrapIsExact) {
  CallOutcome out = Call("trap");
  EXPECT_EQ(out.failure, FailureKind::kTrap);
  EXPECT_EQ(out.gas_used, Frame() + Body(1));
}

TEST_F(GasTest, HostTrapKeepsTheWholeCharge) {
  CallOutcome out = Call("hash_bad_dst");
  EXPECT_EQ(out.failure, FailureKind::kTrap);
  EXPECT_EQ(out.gas_used, Frame() + Body(4) + kHash1000);
}

TEST_F(GasTest, OutOfGasUsesTheLimit) {
  CallOutcome spin = Call("spin", 100'000);
  EXPECT_EQ(spin.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(spin.gas_used, 100'000u);
  // Out of gas in a host charge: one gas short of hashing.
  const int64_t need = Frame() + Body(4) + kHash1000;
  CallOutcome host = Call("hash", need - 1);
  EXPECT_EQ(host.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(host.gas_used, static_cast<uint64_t>(need - 1));
  // Out of gas instantiating.
  CallOutcome frame = Call("hash", Frame() - 1);
  EXPECT_EQ(frame.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(frame.gas_used, static_cast<uint64_t>(Frame() - 1));
  EXPECT_EQ(Call("hash", need).failure, FailureKind::kNone);
}

TEST_F(GasTest, LimitBreachKeepsTheCharge) {
  CallOutcome remove = Call("remove_long_key");
  EXPECT_EQ(remove.failure, FailureKind::kLimit);
  EXPECT_EQ(remove.gas_used, Frame() + Body(3) + kGasHostCall +
                                 kGasStorageRemove +
                                 257 * kGasPerStorageWriteByte);
  CallOutcome output = Call("output_too_big");
  EXPECT_EQ(output.failure, FailureKind::kLimit);
  EXPECT_EQ(output.gas_used,
            Frame() + Body(3) + kGasHostCall + 65537 * kGasPerByteCopied);
}

TEST_F(GasTest, InternalFailureKeepsTheCharge) {
  state_.fail_reads = true;
  CallOutcome out = Call("read");
  EXPECT_EQ(out.failure, FailureKind::kInternal);
  EXPECT_EQ(out.gas_used, Frame() + Body(6) + kGasHostCall + kGasStorageRead +
                              8 * kGasPerStorageReadByte);
}

// ---- Nested: the callee's gas is the caller's, whatever its outcome ---------

TEST_F(GasTest, NestedSuccessIsExact) {
  CallOutcome out = Nest("hash");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("hash") + Frame() + Body(4) + kHash1000);
}

TEST_F(GasTest, NestedInvalidMethodCostsTheCallersGas) {
  CallOutcome out = Nest("nope");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("nope") + Frame());
}

TEST_F(GasTest, NestedAbortCostsTheCallersGas) {
  CallOutcome out = Nest("abort");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("abort") + Frame() + Body(3) +
                              kGasHostCall + 10 * kGasPerByteCopied);
}

TEST_F(GasTest, NestedWasmTrapCostsTheCallersGas) {
  CallOutcome out = Nest("trap");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("trap") + Frame() + Body(1));
}

TEST_F(GasTest, NestedHostTrapCostsTheCallerTheWholeCharge) {
  // The attack of issue 7: a caller surviving a callee whose host call did
  // its work and then trapped.
  CallOutcome out = Nest("hash_bad_dst");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used,
            NestUpToCall("hash_bad_dst") + Frame() + Body(4) + kHash1000);
}

TEST_F(GasTest, NestedOutOfGasUsesTheLimit) {
  CallOutcome out = Nest("spin", 1'000'000);
  EXPECT_EQ(out.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(out.gas_used, 1'000'000u);
  const int64_t need = NestUpToCall("hash") + Frame() + Body(4) + kHash1000;
  CallOutcome host = Nest("hash", need - 1);
  EXPECT_EQ(host.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(host.gas_used, static_cast<uint64_t>(need - 1));
}

TEST_F(GasTest, NestedLimitBreachCostsEverythingCharged) {
  CallOutcome remove = Nest("remove_long_key");
  EXPECT_EQ(remove.failure, FailureKind::kLimit);
  EXPECT_EQ(remove.gas_used, NestUpToCall("remove_long_key") + Frame() +
                                 Body(3) + kGasHostCall + kGasStorageRemove +
                                 257 * kGasPerStorageWriteByte);
  CallOutcome output = Nest("output_too_big");
  EXPECT_EQ(output.failure, FailureKind::kLimit);
  EXPECT_EQ(output.gas_used, NestUpToCall("output_too_big") + Frame() +
                                 Body(3) + kGasHostCall +
                                 65537 * kGasPerByteCopied);
}

TEST_F(GasTest, NestedInternalFailureCostsEverythingCharged) {
  state_.fail_reads = true;
  CallOutcome out = Nest("read");
  EXPECT_EQ(out.failure, FailureKind::kInternal);
  EXPECT_EQ(out.gas_used, NestUpToCall("read") + Frame() + Body(6) +
                              kGasHostCall + kGasStorageRead +
                              8 * kGasPerStorageReadByte);
}

TEST_F(GasTest, DeadlineUsesTheLimitTopLevelAndNested) {
  for (bool nested : {false, true}) {
    CallRequest req;
    req.contract = Addr('a');
    req.method = nested ? "nest" : "spin";
    req.input = nested ? Addr('b') + "spin" : "";
    req.sender = Addr('s');
    req.gas_limit = uint64_t{1} << 60;  // would spin for years
    req.deadline = absl::Now() + absl::Milliseconds(50);
    CallOutcome out = runtime_.Call(req, state_);
    EXPECT_EQ(out.failure, FailureKind::kDeadline) << out.status;
    EXPECT_EQ(out.gas_used, req.gas_limit);
  }
}

// ---- The module cache changes nothing about gas -----------------------------

TEST_F(GasTest, GasIsTheSameWithAndWithoutTheModuleCache) {
  const uint64_t cold = Call("hash").gas_used;  // compiled: a miss
  const uint64_t warm = Call("hash").gas_used;  // cached: a hit
  EXPECT_EQ(cold, warm);
  runtime_.set_module_cache_bytes(0);  // keeps only the last module used
  EXPECT_EQ(Nest("hash").gas_used,
            static_cast<uint64_t>(NestUpToCall("hash") + Frame() + Body(4) +
                                  kHash1000));
}

}  // namespace
}  // namespace ballast::wasm
