// The runtime's semantics on a real em++-built contract (probe.wasm): host
// functions, storage isolation, discarding the writes of failed calls,
// contract-to-contract calls, re-entrancy, every limit.

#include "contracts/testing/probe/probe.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/testing/engine.h"
#include "tests/wasm/test_state.h"
#include "wasm/runtime.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;
namespace probe = ::ballast::probe;

constexpr uint64_t kGas = 50'000'000;

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wasm_ = ContractModule("probe");
    for (char c : std::string("ABCDEFGHIJK")) {
      ASSERT_TRUE(state_.Install(runtime_, Addr(c), wasm_).ok());
    }
  }

  CallOutcome Call(char contract, const std::string& method,
                   const google::protobuf::Message& request,
                   uint64_t gas = kGas) {
    return CallRaw(contract, method, request.SerializeAsString(), gas);
  }

  CallOutcome CallRaw(char contract, const std::string& method,
                      const std::string& input, uint64_t gas = kGas) {
    CallRequest req;
    req.contract = Addr(contract);
    req.method = method;
    req.input = input;
    req.sender = Addr('s');
    req.gas_limit = gas;
    req.block = {42, 1'700'000'000'123};
    CallOutcome out = runtime_.Call(req, state_);
    EXPECT_EQ(out.status.code(), StatusCodeOf(out.failure)) << out.status;
    return out;
  }

  // Calls and applies the writes, expecting success.
  std::string Run(char contract, const std::string& method,
                  const google::protobuf::Message& request) {
    CallOutcome out = Call(contract, method, request);
    EXPECT_TRUE(out.status.ok()) << out.status;
    if (out.status.ok()) state_.Apply(out);
    return out.output;
  }

  std::string Load(char contract, const std::string& key) {
    probe::LoadRequest req;
    req.set_key(key);
    probe::LoadResponse resp;
    EXPECT_TRUE(resp.ParseFromString(Run(contract, "load", req)));
    return resp.found() ? resp.value() : "<absent>";
  }

  static probe::CallRequest CallOf(char contract, const std::string& method,
                                   const google::protobuf::Message& request) {
    probe::CallRequest call;
    call.set_address(Addr(contract));
    call.set_method(method);
    call.set_input(request.SerializeAsString());
    return call;
  }

  static probe::StoreRequest StoreOf(const std::string& key,
                                     const std::string& value) {
    probe::StoreRequest s;
    s.set_key(key);
    s.set_value(value);
    return s;
  }

  Runtime runtime_{test::NewEngineUnderTest()};
  MemoryChainState state_;
  std::string wasm_;
};

std::string Where(char contract, const std::string& method) {
  return "contract " + ToHex(Addr(contract)) + " method " + method + ": ";
}

TEST_F(ProbeTest, PreparedProbeListsItsMethods) {
  auto prepared = runtime_.Prepare(wasm_);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_TRUE(prepared->has_init);
  EXPECT_THAT(prepared->methods,
              ::testing::IsSupersetOf({"echo", "spin", "store", "load", "call",
                                       "reenter", "info", "recurse"}));
}

TEST_F(ProbeTest, FloatContractRefusedNamingTheFunction) {
  auto prepared = runtime_.Prepare(ContractModule("float"));
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(prepared.status().message()),
              ::testing::ContainsRegex("function [0-9]+.*: floating point is "
                                       "not allowed"));
}

TEST_F(ProbeTest, StorageRoundTripAndRemove) {
  Run('A', "store", StoreOf("k", "v1"));
  EXPECT_EQ(Load('A', "k"), "v1");
  EXPECT_EQ(Load('B', "k"), "<absent>");  // each contract its own key space
  probe::RemoveRequest rm;
  rm.set_key("k");
  Run('A', "remove", rm);
  EXPECT_EQ(Load('A', "k"), "<absent>");
}

TEST_F(ProbeTest, WritesOfAFailedCallAreDiscarded) {
  probe::RunRequest run;
  auto* op = run.add_ops();
  op->set_kind(probe::OP_KIND_STORE);
  op->set_key("k");
  op->set_value("lost");
  op = run.add_ops();
  op->set_kind(probe::OP_KIND_EMIT);
  op->set_value("lost event");
  op = run.add_ops();
  op->set_kind(probe::OP_KIND_ABORT);
  op->set_value("changed my mind");
  CallOutcome out = Call('A', "run", run);
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_EQ(out.status.message(),
            Where('A', "run") + "aborted: changed my mind");
  EXPECT_TRUE(out.writes.empty());
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(state_.Dump(), "");
}

TEST_F(ProbeTest, NestedCallWritesLandInTheCalleesSpace) {
  probe::CallResponse resp;
  ASSERT_TRUE(resp.ParseFromString(
      Run('A', "call", CallOf('B', "store", StoreOf("k", "from A")))));
  EXPECT_EQ(resp.status(), 0u);
  EXPECT_EQ(Load('B', "k"), "from A");
  EXPECT_EQ(Load('A', "k"), "<absent>");
}

TEST_F(ProbeTest, CallerAbortDiscardsCalleeWrites) {
  CallOutcome out =
      Call('A', "call_then_abort", CallOf('B', "store", StoreOf("k", "v")));
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("call_then_abort: status 0"));
  EXPECT_TRUE(out.writes.empty());
}

TEST_F(ProbeTest, CalleeFailureIsRecoverableAndDiscardsOnlyTheCallee) {
  // B stores then aborts; A survives and stores after the call.
  probe::RunRequest inner;
  auto* op = inner.add_ops();
  op->set_kind(probe::OP_KIND_STORE);
  op->set_key("b");
  op->set_value("lost");
  op = inner.add_ops();
  op->set_kind(probe::OP_KIND_ABORT);
  op->set_value("B says no");
  probe::CallThenStoreRequest req;
  *req.mutable_call() = CallOf('B', "run", inner);
  req.set_key("a");
  req.set_value("kept");
  probe::CallResponse resp;
  ASSERT_TRUE(resp.ParseFromString(Run('A', "call_then_store", req)));
  EXPECT_EQ(resp.status(), 1u);
  EXPECT_EQ(resp.output(), Where('B', "run") + "aborted: B says no");
  EXPECT_EQ(Load('A', "a"), "kept");
  EXPECT_EQ(Load('B', "b"), "<absent>");
}

TEST_F(ProbeTest, CalleeTrapIsRecoverable) {
  probe::CallResponse resp;
  probe::DivideRequest div;
  div.set_dividend(1);
  ASSERT_TRUE(
      resp.ParseFromString(Run('A', "call", CallOf('B', "divide", div))));
  EXPECT_EQ(resp.status(), 1u);
  EXPECT_THAT(resp.output(), HasSubstr(Where('B', "divide") + "trapped: "));
  EXPECT_THAT(resp.output(), HasSubstr("integer divide by zero"));
}

TEST_F(ProbeTest, ReentrancyIsRefused) {
  probe::ReenterRequest req;
  req.set_method("noop");
  probe::CallResponse resp;
  ASSERT_TRUE(resp.ParseFromString(Run('A', "reenter", req)));
  EXPECT_EQ(resp.status(), 1u);
  EXPECT_EQ(resp.output(), "re-entrancy refused: contract " + ToHex(Addr('A')) +
                               " is already on the call stack");
}

TEST_F(ProbeTest, CallCycleEnds) {
  // A -> B -> A: B's call back into A is refused, and B reports it.
  probe::CallResponse outer, inner;
  ASSERT_TRUE(outer.ParseFromString(
      Run('A', "call",
          CallOf('B', "call", CallOf('A', "noop", probe::InfoRequest())))));
  EXPECT_EQ(outer.status(), 0u);
  ASSERT_TRUE(inner.ParseFromString(outer.output()));
  EXPECT_EQ(inner.status(), 1u);
  EXPECT_THAT(inner.output(), HasSubstr("re-entrancy refused"));
}

TEST_F(ProbeTest, ContractCallDepthLimit) {
  // A -> B -> ... a chain of `n` nested calls, each through "call".
  auto chain = [&](int n) {
    const std::string names = "ABCDEFGHIJK";
    probe::CallRequest call =
        CallOf(names[n - 1], "noop", probe::InfoRequest());
    for (int i = n - 2; i >= 1; --i) call = CallOf(names[i], "call", call);
    return Call(names[0], "call", call);
  };
  CallOutcome ok = chain(8);
  EXPECT_TRUE(ok.status.ok()) << ok.status;
  CallOutcome deep = chain(9);
  EXPECT_EQ(deep.failure, FailureKind::kLimit);
  EXPECT_EQ(deep.status.message(),
            Where('I', "noop") + "limit exceeded: contract call depth over 8");
}

TEST_F(ProbeTest, OutOfGasInCalleeFailsEverything) {
  CallOutcome out = Call(
      'A', "call_then_store",
      [&] {
        probe::CallThenStoreRequest req;
        *req.mutable_call() = CallOf('B', "spin", probe::InfoRequest());
        req.set_key("a");
        return req;
      }(),
      2'000'000);
  EXPECT_EQ(out.failure, FailureKind::kOutOfGas);
  EXPECT_EQ(out.status.message(),
            Where('B', "spin") + "out of gas: gas limit 2000000 reached");
  EXPECT_EQ(out.gas_used, 2'000'000u);
  EXPECT_TRUE(out.writes.empty());
}

TEST_F(ProbeTest, FatalFailureInCalleeKeepsTheGasItUsed) {
  // B breaks the key limit: the whole call fails, and what B and the bl_call
  // were charged (instantiation, the refused write's charge) stays charged,
  // so the failure costs more than a successful call of B's noop.
  CallOutcome noop =
      Call('A', "call", CallOf('B', "noop", probe::InfoRequest()));
  ASSERT_TRUE(noop.status.ok()) << noop.status;
  CallOutcome fatal = Call(
      'A', "call", CallOf('B', "store", StoreOf(std::string(257, 'k'), "v")));
  EXPECT_EQ(fatal.failure, FailureKind::kLimit);
  EXPECT_GT(fatal.gas_used, noop.gas_used);
}

TEST_F(ProbeTest, EventsInOrderAndDroppedWithFailedCallee) {
  probe::EmitRequest emit;
  emit.set_data("d");
  emit.set_count(3);
  CallOutcome out = Call('A', "emit", emit);
  ASSERT_TRUE(out.status.ok()) << out.status;
  ASSERT_EQ(out.events.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out.events[i].contract, Addr('A'));
    EXPECT_EQ(out.events[i].name, "ProbeEvent");
    probe::ProbeEvent e;
    ASSERT_TRUE(e.ParseFromString(out.events[i].data));
    EXPECT_EQ(e.data(), "d");
    EXPECT_EQ(e.index(), i);
  }
  // Events of a callee that aborted do not survive.
  probe::RunRequest inner;
  auto* op = inner.add_ops();
  op->set_kind(probe::OP_KIND_EMIT);
  op->set_value("ghost");
  op = inner.add_ops();
  op->set_kind(probe::OP_KIND_ABORT);
  op->set_value("no");
  out = Call('A', "call", CallOf('B', "run", inner));
  ASSERT_TRUE(out.status.ok());
  EXPECT_TRUE(out.events.empty());
}

TEST_F(ProbeTest, TooManyEventsIsALimit) {
  probe::EmitRequest emit;
  emit.set_count(257);
  CallOutcome out = Call('A', "emit", emit);
  EXPECT_EQ(out.failure, FailureKind::kLimit);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("more than 256 events"));
}

TEST_F(ProbeTest, OversizeStorageKeyIsALimit) {
  CallOutcome out = Call('A', "store", StoreOf(std::string(257, 'k'), "v"));
  EXPECT_EQ(out.failure, FailureKind::kLimit);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("storage entry of key 257 / value 1 bytes exceeds"));
}

TEST_F(ProbeTest, InfoSeesCallerOriginSelfAndBlock) {
  probe::InfoResponse top;
  ASSERT_TRUE(top.ParseFromString(Run('A', "info", probe::InfoRequest())));
  EXPECT_EQ(top.caller(), Addr('s'));
  EXPECT_EQ(top.origin(), Addr('s'));
  EXPECT_EQ(top.self(), Addr('A'));
  EXPECT_EQ(top.block_height(), 42);
  EXPECT_EQ(top.block_time(), 1'700'000'000'123);
  EXPECT_GT(top.gas_left(), 0);
  EXPECT_LT(top.gas_left(), static_cast<int64_t>(kGas));

  probe::CallResponse resp;
  ASSERT_TRUE(resp.ParseFromString(
      Run('A', "call", CallOf('B', "info", probe::InfoRequest()))));
  probe::InfoResponse nested;
  ASSERT_TRUE(nested.ParseFromString(resp.output()));
  EXPECT_EQ(nested.caller(), Addr('A'));
  EXPECT_EQ(nested.origin(), Addr('s'));
  EXPECT_EQ(nested.self(), Addr('B'));
}

TEST_F(ProbeTest, HashIsSha256) {
  CallOutcome out = CallRaw('A', "hash", "abc");
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(ToHex(out.output),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ProbeTest, MemoryGrowHonoursThePageLimit) {
  probe::GrowRequest grow;
  grow.set_pages(1);
  probe::GrowResponse resp;
  ASSERT_TRUE(resp.ParseFromString(Run('A', "grow", grow)));
  EXPECT_GT(resp.result(), 0);
  grow.set_pages(40);
  ASSERT_TRUE(resp.ParseFromString(Run('A', "grow", grow)));
  EXPECT_EQ(resp.result(), -1);
  EXPECT_LE(resp.pages_now(), 32u);
}

TEST_F(ProbeTest, DeepRecursionIsALimit) {
  probe::RecurseRequest req;
  req.set_depth(100'000);
  CallOutcome out = Call('A', "recurse", req);
  EXPECT_EQ(out.failure, FailureKind::kLimit);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("wasm call depth over 1000 frames"));
  req.set_depth(100);
  EXPECT_TRUE(Call('A', "recurse", req).status.ok());
}

TEST_F(ProbeTest, AbortMessageThatIsNotUtf8IsEscaped) {
  CallOutcome out = CallRaw('A', "abort_with", "no \xff\xfe way");
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_EQ(out.status.message(),
            Where('A', "abort_with") + "aborted: no \\xff\\xfe way");
}

TEST_F(ProbeTest, LogLinesReachTheSinkAndChangeNothing) {
  std::vector<std::string> lines;
  runtime_.set_log_sink([&](std::string_view contract, std::string_view msg) {
    lines.push_back(ToHex(contract).substr(0, 4) + " " + std::string(msg));
  });
  probe::LogRequest req;
  req.set_message("price feed stale \xff");
  CallOutcome out = Call('A', "log", req);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_TRUE(out.writes.empty());
  EXPECT_THAT(lines, ::testing::ElementsAre("4141 price feed stale \\xff"));
  req.set_message(std::string(5000, 'x'));
  ASSERT_TRUE(Call('A', "log", req).status.ok());
  EXPECT_EQ(lines.back().size(), 5 + 1024u);
}

TEST_F(ProbeTest, MalformedInputAborts) {
  CallOutcome out = CallRaw('A', "store", "\xff\xff\xff");
  EXPECT_EQ(out.failure, FailureKind::kAbort);
  EXPECT_THAT(std::string(out.status.message()),
              HasSubstr("method store: malformed input"));
}

TEST_F(ProbeTest, FailingStateReadIsInternalNotTheContractsFault) {
  state_.fail_reads = true;
  probe::LoadRequest req;
  req.set_key("k");
  CallOutcome out = Call('A', "load", req);
  EXPECT_EQ(out.failure, FailureKind::kInternal);
  EXPECT_THAT(std::string(out.status.message()), HasSubstr("disk on fire"));
}

TEST_F(ProbeTest, InitOnlyAtDeploy) {
  probe::InitRequest init;
  CallOutcome out = Call('A', "init", init);
  EXPECT_EQ(out.failure, FailureKind::kInvalid);
  CallRequest req{Addr('A'), "init", init.SerializeAsString(), Addr('s'),
                  kGas,      {},     /*is_deploy=*/true};
  EXPECT_TRUE(runtime_.Call(req, state_).status.ok());
}

TEST_F(ProbeTest, GasIsIdenticalAcrossRunsAndInstances) {
  probe::EmitRequest emit;
  emit.set_count(5);
  uint64_t gas = Call('A', "emit", emit).gas_used;
  Runtime other(test::NewEngineUnderTest());
  MemoryChainState state;
  ASSERT_TRUE(state.Install(other, Addr('A'), wasm_).ok());
  CallRequest req{Addr('A'), "emit", emit.SerializeAsString(),
                  Addr('s'), kGas,   {42, 1'700'000'000'123},
                  false};
  EXPECT_EQ(other.Call(req, state).gas_used, gas);
}

}  // namespace
}  // namespace ballast::wasm
