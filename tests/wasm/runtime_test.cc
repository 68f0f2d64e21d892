// The runtime on hand-written modules: gas, every limit, every kind of
// failure, each reported distinctly (with its one status code) and naming
// contract and method.

#include "wasm/runtime.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/testing/engine.h"
#include "tests/wasm/test_state.h"
#include "wasm/gas.h"
#include "wasm/trap.h"
#include "wasm/wabt_engine.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;

class HandmadeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        state_.Install(runtime_, Addr('h'), CorpusModule("handmade")).ok());
  }

  CallOutcome Call(const std::string& method, const std::string& input = "",
                   uint64_t gas = 1'000'000) {
    CallRequest req;
    req.contract = Addr('h');
    req.method = method;
    req.input = input;
    req.sender = Addr('s');
    req.gas_limit = gas;
    req.block = {7, 1700000000000};
    CallOutcome out = runtime_.Call(req, state_);
    EXPECT_EQ(out.status.code(), StatusCodeOf(out.failure)) << out.status;
    return out;
  }

  Runtime runtime_{test::NewEngineUnderTest()};
  MemoryChainState state_;
};

std::string Where(const std::string& method) {
  return "contract " + ToHex(Addr('h')) + " method " + method + ": ";
}

TEST_F(HandmadeTest, EchoReturnsInputAndUsesGas) {
  CallOutcome out = Call("echo", "hello");
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.output, "hello");
  EXPECT_GT(out.gas_used, 0u);
  EXPECT_LT(out.gas_used, 1'000'000u);
}

TEST_F(HandmadeTest, GasIsDeterministic) {
  uint64_t first = Call("echo", "abcdefgh").gas_used;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("echo", "abcdefgh").gas_used, first);
  }
  // Eight more bytes of input cost exactly one more kGasCopied step each
  // way (read and write).
  EXPECT_EQ(kGasCopied.bytes, 8);
  EXPECT_EQ(Call("echo", "abcdefghijklmnop").gas_used, first + 2);
}

TEST(FailureKindTest, EachKindHasExactlyOneStatusCode) {
  const std::pair<FailureKind, absl::StatusCode> table[] = {
      {FailureKind::kNone, absl::StatusCode::kOk},
      {FailureKind::kInvalid, absl::StatusCode::kInvalidArgument},
      {FailureKind::kAbort, absl::StatusCode::kFailedPrecondition},
      {FailureKind::kTrap, absl::StatusCode::kAborted},
      {FailureKind::kOutOfGas, absl::StatusCode::kResourceExhausted},
      {FailureKind::kLimit, absl::StatusCode::kResourceExhausted},
      {FailureKind::kInternal, absl::StatusCode::kInternal},
  };
  for (const auto& [kind, code] : table) {
    EXPECT_EQ(StatusCodeOf(kind), code) << FailureKindName(kind);
  }
}

TEST_F(HandmadeTest, AbortKeepsWhatItWasCharged) {
  // Eight more message bytes cost one gas (kGasCopied) to read the input
  // and one to abort with it: the abort's charge is not given back when the
  // call fails.
  CallOutcome eight = Call("abort_input", "abcdefgh");
  EXPECT_EQ(eight.failure, FailureKind::kAbort);
  EXPECT_EQ(eight.status.message(), Where("abort_input") + "aborted: abcdefgh");
  EXPECT_EQ(Call("abort_input", "abcdefghijklmnop").gas_used,
            eight.gas_used + 2);
  // Past kMaxMessageBytes (1024) the abort charges no more.
  EXPECT_EQ(Call("abort_input", std::string(2008, 'x')).gas_used,
            Call("abort_input", std::string(2000, 'x')).gas_used + 1);
}

TEST_F(HandmadeTest, RefusedHostCallKeepsItsCharge) {
  CallOutcome ok = Call("output_max");
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  CallOutcome refused = Call("output_too_big");
  EXPECT_EQ(refused.failure, FailureKind::kLimit);
  EXPECT_EQ(refused.status.message(),
            Where("output_too_big") +
                "limit exceeded: output of 65537 bytes exceeds the limit of "
                "65536");
  EXPECT_EQ(refused.gas_used, ok.gas_used + 1);
}

TEST_F(HandmadeTest, InfiniteLoopStoppedByGas) {
  CallOutcome out = Call("spin", "", 50'000);
  EXPECT_EQ(out.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status.message(),
            Where("spin") + "out of gas: gas limit 50000 reached");
  EXPECT_EQ(out.gas_used, 50'000u);
}

TEST_F(HandmadeTest, DeepRecursionStoppedByDepthLimit) {
  CallOutcome out = Call("recurse", "", 10'000'000);
  EXPECT_EQ(out.failure, FailureKind::kLimit);
  EXPECT_EQ(
      out.status.message(),
      Where("recurse") + "limit exceeded: wasm call depth over 1000 frames");
}

TEST_F(HandmadeTest, DepthLimitIsConfigurable) {
  Limits limits;
  limits.max_call_depth = 10;
  Runtime small(test::NewEngineUnderTest(), limits);
  MemoryChainState state;
  ASSERT_TRUE(state.Install(small, Addr('h'), CorpusModule("handmade")).ok());
  CallRequest req{Addr('h'), "recurse", "", Addr('s'), 1'000'000, {}, false};
  EXPECT_THAT(std::string(small.Call(req, state).status.message()),
              HasSubstr("wasm call depth over 10 frames"));
}

TEST_F(HandmadeTest, ReturnsUnwindTheDepthCounter) {
  // 2000 calls that each `return` from nested blocks: more than the depth
  // limit, so a leaking counter would trap.
  CallOutcome out = Call("many_returns", "", 10'000'000);
  ASSERT_TRUE(out.status.ok()) << out.status;
  uint32_t sum;
  memcpy(&sum, out.output.data(), 4);
  EXPECT_EQ(sum, 6u + 1999u * 5u);
}

TEST_F(HandmadeTest, MemoryGrowPastLimitIsRefused) {
  CallOutcome out = Call("grow");
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status.message(), Where("grow") + "aborted: grow refused");
}

TEST_F(HandmadeTest, MemoryGrowWithinLimitWorksAndCostsPerPage) {
  CallOutcome out = Call("grow_one");
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.output, std::string(1, '\x03'));
  EXPECT_GT(out.gas_used, 4096u);
}

TEST_F(HandmadeTest, BulkMemoryIsChargedPerByte) {
  CallOutcome out = Call("fill");
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_GE(out.gas_used, 65536u >> kFillBytesPerGasShift);
  EXPECT_EQ(Call("fill", "", out.gas_used - 1).failure, FailureKind::kOutOfGas);
}

TEST_F(HandmadeTest, TrapsAreReportedAsTraps) {
  // The whole message, exactly: a trap's text is consensus data (it goes
  // into the receipt and back to a calling contract), so it names the kind
  // only, never an engine's details such as the faulting address (trap.h).
  struct Case {
    const char* method;
    const char* input;
    const char* reason;
  } cases[] = {
      {"trap", "", "wasm trap: unreachable executed"},
      {"divide_by_zero", "", "wasm trap: integer divide by zero"},
      {"overflow", "x", "wasm trap: integer overflow"},
      {"oob", "", "wasm trap: out of bounds memory access"},
      {"fill_oob", "", "wasm trap: out of bounds memory access"},
      {"indirect_type", "", "wasm trap: invalid indirect call"},
      {"indirect_null", "", "wasm trap: invalid indirect call"},
      {"indirect_oob", "", "wasm trap: invalid indirect call"},
      {"host_oob", "",
       "out of bounds: host access [2147418112, 2147418128) outside memory "
       "of 131072 bytes"},
  };
  for (const Case& c : cases) {
    CallOutcome out = Call(c.method, c.input);
    EXPECT_EQ(out.failure, FailureKind::kTrap) << c.method;
    EXPECT_EQ(out.status.code(), absl::StatusCode::kAborted) << c.method;
    EXPECT_EQ(std::string(out.status.message()),
              Where(c.method) + "trapped: " + c.reason);
  }
}

// A data segment that does not fit the memory is refused at deploy
// (PrepareModule). The engines keep their own check: given the module
// unprepared, instantiation fails with the kind only, before any code runs.
TEST(SegmentTrapTest, AMisfitSegmentIsRefusedAtDeployAndTrapsAtInstantiation) {
  Runtime runtime(test::NewEngineUnderTest());
  MemoryChainState state;
  absl::Status deploy =
      state.Install(runtime, Addr('g'), CorpusModule("segment_oob"));
  EXPECT_EQ(deploy.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(deploy.message()),
              HasSubstr("data segment 0 ([65530, 65540)) does not fit"));

  test::NoHost host;
  std::unique_ptr<Engine> engine = test::NewEngineUnderTest();
  auto module = engine->Compile(CorpusModule("segment_oob"));
  ASSERT_TRUE(module.ok()) << module.status();
  auto instance = (*module)->Instantiate(&host);
  EXPECT_EQ(instance.status(),
            InstantiationTrapStatus(TrapKind::kSegmentOutOfBounds));
}

TEST(WabtTrapKindTest, EveryInterpreterMessageHasAKind) {
  // wabt 1.0.32's trap messages as src/interp/interp.cc formats them.
  struct Case {
    const char* message;
    TrapKind kind;
  } cases[] = {
      {"unreachable executed", TrapKind::kUnreachable},
      {"integer divide by zero", TrapKind::kDivideByZero},
      {"integer overflow", TrapKind::kIntegerOverflow},
      {"out of bounds memory access: access at 4294967264+1 >= max value "
       "131072",
       TrapKind::kOutOfBounds},
      {"out of bounds memory access: memory.fill out of bounds",
       TrapKind::kOutOfBounds},
      {"out of bounds memory access: data segment is out of bounds: [0, 9) "
       ">= max value 0",
       TrapKind::kOutOfBounds},
      {"out of bounds table access: elem segment is out of bounds: [3, 4) "
       ">= max value 2",
       TrapKind::kOutOfBounds},
      {"undefined table index", TrapKind::kIndirectCall},
      {"uninitialized table element", TrapKind::kIndirectCall},
      {"indirect call signature mismatch", TrapKind::kIndirectCall},
      {"call stack exhausted", TrapKind::kStackExhausted},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WabtTrapKind(c.message), c.kind) << c.message;
  }
  EXPECT_EQ(WabtTrapKind("host function failed"), std::nullopt);
  EXPECT_EQ(WabtTrapKind("a message from another wabt"), std::nullopt);
  EXPECT_EQ(WabtTrapKind(""), std::nullopt);
}

TEST_F(HandmadeTest, InvalidCallsAreRefused) {
  EXPECT_EQ(Call("no_such").failure, FailureKind::kInvalid);
  EXPECT_EQ(Call("no_such").status.message(),
            Where("no_such") + "invalid: no such method");
  EXPECT_EQ(Call("_initialize").status.message(),
            Where("_initialize") + "invalid: '_initialize' cannot be called");
  EXPECT_EQ(Call("ballast_abi_v1").failure, FailureKind::kInvalid);
  EXPECT_EQ(Call("init").failure, FailureKind::kInvalid);

  CallRequest req{Addr('x'), "echo", "", Addr('s'), 1'000'000, {}, false};
  CallOutcome out = runtime_.Call(req, state_);
  EXPECT_EQ(out.failure, FailureKind::kInvalid);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("no contract at this address"));
}

TEST_F(HandmadeTest, OversizeInputIsALimit) {
  CallOutcome out = Call("echo", std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(out.failure, FailureKind::kLimit);
  EXPECT_EQ(out.status.message(),
            Where("echo") +
                "limit exceeded: input of 65537 bytes exceeds the limit of "
                "65536");
}

TEST_F(HandmadeTest, InfiniteLoopStoppedByWallTimeDeadline) {
  CallRequest req;
  req.contract = Addr('h');
  req.method = "spin";
  req.sender = Addr('s');
  req.gas_limit = uint64_t{1} << 62;  // gas alone would not stop it
  const absl::Time start = absl::Now();
  req.deadline = start + absl::Milliseconds(100);
  CallOutcome out = runtime_.Call(req, state_);
  EXPECT_GE(absl::Now(), req.deadline);
  EXPECT_EQ(out.failure, FailureKind::kDeadline);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status.message(),
            Where("spin") + "deadline exceeded: wall-time deadline exceeded");
  EXPECT_EQ(out.gas_used, req.gas_limit);
  // The runtime goes on: a deadline far away changes nothing, and a call
  // without one runs out of gas as before.
  req.method = "echo";
  req.input = "abc";
  req.gas_limit = 1'000'000;
  req.deadline = absl::Now() + absl::Hours(1);
  CallOutcome echo = runtime_.Call(req, state_);
  EXPECT_TRUE(echo.status.ok()) << echo.status;
  EXPECT_EQ(echo.gas_used, Call("echo", "abc").gas_used);
  EXPECT_EQ(Call("spin", "", 50'000).failure, FailureKind::kOutOfGas);
}

TEST_F(HandmadeTest, ConcurrentDeadlinesEachStopTheirOwnCall) {
  CallOutcome outs[3];
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      CallRequest req;
      req.contract = Addr('h');
      req.method = "spin";
      req.sender = Addr('s');
      req.gas_limit = uint64_t{1} << 62;
      req.deadline = absl::Now() + absl::Milliseconds(30 * (i + 1));
      outs[i] = runtime_.Call(req, state_);
    });
  }
  for (auto& t : threads) t.join();
  for (const CallOutcome& out : outs) {
    EXPECT_EQ(out.failure, FailureKind::kDeadline) << out.status;
  }
}

TEST(ModuleCacheTest, IsAnLruBoundedByCodeBytes) {
  Runtime runtime(NewWabtInterpreterEngine());
  MemoryChainState state;
  const std::string names[] = {"handmade", "gas"};
  size_t bytes[2];
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        state.Install(runtime, Addr('0' + i), CorpusModule(names[i])).ok());
    bytes[i] = (*state.GetCode(Addr('0' + i)))->code.size();
  }
  ASSERT_TRUE(state.Install(runtime, Addr('2'), ContractModule("probe")).ok());
  runtime.set_module_cache_bytes(bytes[0] + bytes[1]);
  auto call = [&](char c) {
    CallRequest req;
    req.contract = Addr(c);
    req.method = "no_such_method";  // loads and instantiates, nothing else
    req.sender = Addr('s');
    req.gas_limit = 10'000'000;
    EXPECT_EQ(runtime.Call(req, state).failure, FailureKind::kInvalid);
    return runtime.cache_stats().compilations;
  };
  EXPECT_EQ(call('0'), 1u);
  EXPECT_EQ(call('1'), 2u);
  EXPECT_EQ(call('0'), 2u);  // a hit; '0' is now the most recent
  EXPECT_EQ(runtime.cache_stats().code_bytes, bytes[0] + bytes[1]);
  EXPECT_EQ(call('2'), 3u);  // over the bound: evicts '1', then '0'
  EXPECT_EQ(runtime.cache_stats().modules, 1u);  // the newest stays
  EXPECT_EQ(call('0'), 4u);
  EXPECT_EQ(call('1'), 5u);
  EXPECT_EQ(call('0'), 5u);
  EXPECT_EQ(runtime.cache_stats().modules, 2u);
}

TEST_F(HandmadeTest, TooLittleGasToInstantiate) {
  CallOutcome out = Call("echo", "", 100);
  EXPECT_EQ(out.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(out.gas_used, 100u);
}

}  // namespace
}  // namespace ballast::wasm
