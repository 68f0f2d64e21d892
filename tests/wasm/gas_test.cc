// Exact gas: for every failure kind, top-level and inside a nested call,
// gas_used is exactly what was charged. Expectations are computed here from
// the cost table (gas.h, host_abi.h) and the instruction counts noted in
// corpus/gas.wat, never by asking the runtime.

#include "wasm/gas.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/engine.h"
#include "tests/wasm/test_state.h"
#include "wasm/runtime.h"

namespace ballast::wasm {
namespace {

// Gas of a function body of `n` instructions at its own level, run once
// (the instrumentation's charge, prepare.cc).
// A method's own gas under instrumenter v2 (docs/gas.md): its n
// instructions plus its entry's charge and call bookkeeping (no locals).
int64_t Body(int64_t n) {
  return n + kGasChargeInstructions + kGasCallBookkeepingInstructions;
}

// A relay hop: `method` of `to` with `input`, in relay's input format.
std::string Hop(char to, const std::string& method, const std::string& input) {
  return Addr(to) + std::string(1, static_cast<char>(method.size())) + method +
         input;
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

  // Entering the first frame of the gas module in a call: code loading
  // and instantiation of its two initial pages.
  int64_t Frame() const {
    return WarmFrame() + kGasCodeLoad.Of(static_cast<uint64_t>(code_bytes_));
  }
  // Entering a later frame of the same code ('a' and 'b' share it): the
  // call already holds the module.
  int64_t WarmFrame() const { return kGasInstantiate + 2 * kGasPerInitialPage; }

  // "nest" in 'a' calling `method` in 'b', up to bl_call's return: the
  // caller's frame and body, bl_input_read of the input, bl_input_len, and
  // bl_call's upfront charge (base, the callee's address, its method name).
  int64_t NestUpToCall(const std::string& method) const {
    const int64_t input = 20 + static_cast<int64_t>(method.size());
    return Frame() + Body(11) + (kGasHostCall + kGasCopied.Of(input)) +
           kGasHostCall +
           (kGasHostCall + kGasContractCall + kGasCopied.Of(20) +
            kGasCopied.Of(method.size()));
  }

  CallOutcome Call(const std::string& method, uint64_t gas = 10'000'000,
                   const std::string& input = "") {
    CallRequest req;
    req.contract = Addr('a');
    req.method = method;
    req.input = input;
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

  Runtime runtime_{test::NewEngineUnderTest()};
  MemoryChainState state_;
  int64_t code_bytes_ = 0;
};

constexpr int64_t kHash1000 =
    kGasHostCall + kGasSha256 + kGasSha256Bytes.Of(1000);

// ---- Top level --------------------------------------------------------------

TEST_F(GasTest, SuccessIsExact) {
  CallOutcome out = Call("hash");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, Frame() + Body(4) + kHash1000);
}

TEST_F(GasTest, InstantiationChargesInitialPagesAndCodeSize) {
  // The cheapest call there is: a frame and one instruction.
  EXPECT_EQ(Call("trap").gas_used, Frame() + Body(1));
  EXPECT_EQ(Frame(), 2000 + 2 * code_bytes_ + 2 * 256);
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
  EXPECT_EQ(out.gas_used, Frame() + Body(3) + kGasHostCall + kGasCopied.Of(10));
}

TEST_F(GasTest, WasmTrapIsExact) {
  CallOutcome out = Call("trap");
  EXPECT_EQ(out.failure, FailureKind::kTrap);
  EXPECT_EQ(out.gas_used, Frame() + Body(1));
}

TEST_F(GasTest, HostTrapKeepsWhatWasCharged) {
  // A bad digest pointer is found before the per-byte charge: the base.
  CallOutcome bad_dst = Call("hash_bad_dst");
  EXPECT_EQ(bad_dst.failure, FailureKind::kTrap);
  EXPECT_EQ(bad_dst.gas_used, Frame() + Body(4) + kGasHostCall + kGasSha256);
  // An input that does not fit is found once the input was charged: kept.
  CallOutcome input = Call("input_bad_dst", 10'000'000, std::string(100, 'x'));
  EXPECT_EQ(input.failure, FailureKind::kTrap);
  EXPECT_EQ(input.gas_used,
            Frame() + Body(2) + kGasHostCall + kGasCopied.Of(100));
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
                                 kGasStorageWriteBytes.Of(257));
  CallOutcome output = Call("output_too_big");
  EXPECT_EQ(output.failure, FailureKind::kLimit);
  EXPECT_EQ(output.gas_used,
            Frame() + Body(3) + kGasHostCall + kGasCopied.Of(65537));
}

TEST_F(GasTest, InternalFailureKeepsTheCharge) {
  state_.fail_reads = true;
  CallOutcome out = Call("read");
  EXPECT_EQ(out.failure, FailureKind::kInternal);
  EXPECT_EQ(out.gas_used, Frame() + Body(6) + kGasHostCall + kGasStorageRead +
                              kGasStorageReadBytes.Of(8));
}

// ---- Nested: the callee's gas is the caller's, whatever its outcome ---------

TEST_F(GasTest, NestedSuccessIsExact) {
  CallOutcome out = Nest("hash");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used,
            NestUpToCall("hash") + WarmFrame() + Body(4) + kHash1000);
}

TEST_F(GasTest, NestedInvalidMethodCostsTheCallersGas) {
  CallOutcome out = Nest("nope");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("nope") + WarmFrame());
}

TEST_F(GasTest, NestedAbortCostsTheCallersGas) {
  CallOutcome out = Nest("abort");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("abort") + WarmFrame() + Body(3) +
                              kGasHostCall + kGasCopied.Of(10));
}

TEST_F(GasTest, NestedWasmTrapCostsTheCallersGas) {
  CallOutcome out = Nest("trap");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("trap") + WarmFrame() + Body(1));
}

TEST_F(GasTest, NestedHostTrapCostsTheCallerWhatWasCharged) {
  // The attack of issue 7: a caller surviving a callee whose host call
  // was charged and then trapped.
  CallOutcome out = Nest("hash_bad_dst");
  ASSERT_EQ(out.failure, FailureKind::kNone) << out.status;
  EXPECT_EQ(out.gas_used, NestUpToCall("hash_bad_dst") + WarmFrame() + Body(4) +
                              kGasHostCall + kGasSha256);
  // Through relay, with an input: the callee's input charge stays.
  CallOutcome input = Call("relay", 10'000'000,
                           Hop('b', "input_bad_dst", std::string(100, 'x')));
  ASSERT_EQ(input.failure, FailureKind::kNone) << input.status;
  CallOutcome empty = Call("relay", 10'000'000, Hop('b', "input_bad_dst", ""));
  ASSERT_EQ(empty.failure, FailureKind::kNone) << empty.status;
  // 100 more bytes: relay reads them (its input is 34 bytes longer) and
  // passes them to bl_call, and the callee is charged for reading them
  // before it traps (an empty input fits at 131070 and does not trap).
  EXPECT_EQ(input.gas_used - empty.gas_used,
            static_cast<uint64_t>(kGasCopied.Of(134) - kGasCopied.Of(34) +
                                  2 * kGasCopied.Of(100)));
}

TEST_F(GasTest, NestedOutOfGasUsesTheLimit) {
  CallOutcome out = Nest("spin", 1'000'000);
  EXPECT_EQ(out.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(out.gas_used, 1'000'000u);
  const int64_t need = NestUpToCall("hash") + WarmFrame() + Body(4) + kHash1000;
  CallOutcome host = Nest("hash", need - 1);
  EXPECT_EQ(host.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(host.gas_used, static_cast<uint64_t>(need - 1));
}

TEST_F(GasTest, NestedLimitBreachCostsEverythingCharged) {
  CallOutcome remove = Nest("remove_long_key");
  EXPECT_EQ(remove.failure, FailureKind::kLimit);
  EXPECT_EQ(remove.gas_used, NestUpToCall("remove_long_key") + WarmFrame() +
                                 Body(3) + kGasHostCall + kGasStorageRemove +
                                 kGasStorageWriteBytes.Of(257));
  CallOutcome output = Nest("output_too_big");
  EXPECT_EQ(output.failure, FailureKind::kLimit);
  EXPECT_EQ(output.gas_used, NestUpToCall("output_too_big") + WarmFrame() +
                                 Body(3) + kGasHostCall + kGasCopied.Of(65537));
}

TEST_F(GasTest, NestedInternalFailureCostsEverythingCharged) {
  state_.fail_reads = true;
  CallOutcome out = Nest("read");
  EXPECT_EQ(out.failure, FailureKind::kInternal);
  EXPECT_EQ(out.gas_used, NestUpToCall("read") + WarmFrame() + Body(6) +
                              kGasHostCall + kGasStorageRead +
                              kGasStorageReadBytes.Of(8));
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
            static_cast<uint64_t>(NestUpToCall("hash") + WarmFrame() + Body(4) +
                                  kHash1000));
}

TEST_F(GasTest, ACallLoadsEachCodeOnceHoweverTheCacheIsThrashed) {
  // a (gas) -> r (relay) -> c (gas) -> q (relay) -> d.hash: five frames
  // of two codes (at five addresses: contracts cannot be re-entered).
  for (char c : {'r', 'q'}) {
    ASSERT_TRUE(state_.Install(runtime_, Addr(c), CorpusModule("relay")).ok());
  }
  for (char c : {'c', 'd', 'e'}) {
    ASSERT_TRUE(state_.Install(runtime_, Addr(c), CorpusModule("gas")).ok());
  }
  auto relay = state_.GetCode(Addr('r'));
  ASSERT_TRUE(relay.ok() && relay->has_value());
  const uint64_t relay_bytes = (*relay)->code.size();
  auto chain = [&](char second, char fourth, const std::string& last) {
    return Hop(second, "relay",
               Hop('c', "relay", Hop(fourth, "relay", Hop('d', last, ""))));
  };

  // The cache holds only the last module used, so every frame would miss
  // it; the call keeps what it loaded, so it compiles each code once.
  runtime_.set_module_cache_bytes(0);
  const uint64_t before = runtime_.cache_stats().compilations;
  CallOutcome thrashed = Call("relay", 10'000'000, chain('r', 'q', "hash"));
  ASSERT_EQ(thrashed.failure, FailureKind::kNone) << thrashed.status;
  EXPECT_EQ(runtime_.cache_stats().compilations - before, 2u);
  // The chain reached its last frame: ending in "trap" instead of "hash"
  // saves exactly the hash.
  EXPECT_EQ(thrashed.gas_used -
                Call("relay", 10'000'000, chain('r', 'q', "trap")).gas_used,
            static_cast<uint64_t>(Body(4) + kHash1000 - Body(1)));

  // Gas: two cold loads, whatever the cache did; the same with a cache.
  runtime_.set_module_cache_bytes(kModuleCacheBytes);
  EXPECT_EQ(Call("relay", 10'000'000, chain('r', 'q', "hash")).gas_used,
            thrashed.gas_used);
  // The same chain through one code costs one cold load less: frames
  // after the first of their code pay no code loading. (relay.wat's relay
  // is gas.wat's instruction for instruction, with as many pages.)
  CallOutcome one_code = Call("relay", 10'000'000, chain('b', 'e', "hash"));
  ASSERT_EQ(one_code.failure, FailureKind::kNone) << one_code.status;
  EXPECT_EQ(static_cast<int64_t>(thrashed.gas_used) -
                static_cast<int64_t>(one_code.gas_used),
            kGasCodeLoad.Of(relay_bytes));
}

}  // namespace
}  // namespace ballast::wasm
