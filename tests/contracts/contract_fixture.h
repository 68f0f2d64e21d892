// ContractTest: a gtest fixture that runs real contract modules (the
// .wasm files em++ built, checked by the deploy rules) in wasm::Runtime on
// wabt's interpreter over one in-memory chain (wasm::MemoryChainState), as
// the node runs them, without a ledger or transactions.
//
// On the compiled engine (ctest's "compiled.*" run, tests/testing/engine.h)
// it is a differential test: every call runs on the compiled engine and,
// over a second chain kept in step, on the interpreter, and the two
// outcomes must be equal byte for byte (test::RenderOutcome). Every test of
// a contract, its random-input properties included, then checks the
// compiled engine against the reference.
//
//   class OracleTest : public test::ContractTest {
//    protected:
//     void SetUp() override { Install(kOracle, "oracle"); }
//   };
//   TEST_F(OracleTest, ...) {
//     SetBlock(7, 1'000'000);                 // height, time in ms
//     Deploy(kAdmin, kOracle, init);           // runs "init" as a deploy
//     auto resp = Ok<PriceResponse>(kBob, kOracle, "price", req);
//     Refused(kBob, kOracle, "post", bad, "post: not a reporter of feed ETH");
//     EXPECT_THAT(EventNames(), ElementsAre("ReportEvent", "MedianEvent"));
//   }
//
// Requests and responses are libprotobuf classes of the contract's .proto
// (ballast_protoc in tests/contracts/CMakeLists.txt). Every call runs at the
// fixture's current block (SetBlock / Advance) with any sender. Ok applies a
// successful call's writes to the chain; Refused checks that a failing call
// changed nothing (no writes, no events, the same Dump()).
//
// Thread-safety: none (one test, one thread).

#ifndef BALLAST_TESTS_CONTRACTS_CONTRACT_FIXTURE_H_
#define BALLAST_TESTS_CONTRACTS_CONTRACT_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "wasm/memory_chain_state.h"
#include "wasm/runtime.h"

namespace ballast::test {

// A readable fixed address: 20 bytes of `c`.
std::string Addr(char c);

// The built module ${build}/contracts/<name>.wasm; a test failure and an
// empty string if it cannot be read.
std::string ContractWasm(std::string_view name);

class ContractTest : public ::testing::Test {
 protected:
  ContractTest();

  // Places the built contract `name` at `address` (its constructor does not
  // run: Deploy does that). A test failure if the module is refused.
  void Install(const std::string& address, std::string_view name);
  // A fresh, empty chain with the same contracts installed, at block
  // {0, 0}: for property tests, which reuse one fixture.
  void ResetChain();

  // The block every following call runs in.
  void SetBlock(uint64_t height, int64_t time_ms);
  // The next block, `seconds` later.
  void Advance(int64_t seconds);
  const wasm::BlockInfo& block() const { return block_; }
  int64_t now_ms() const { return block_.time_ms; }

  // Gas limit of each call (default 10,000,000, the CLI's default).
  void set_gas_limit(uint64_t gas) { gas_limit_ = gas; }

  // Runs `method` of `contract` as a transaction of `sender`; applies
  // nothing.
  wasm::CallOutcome Run(const std::string& sender, const std::string& contract,
                        const std::string& method,
                        const google::protobuf::Message& request,
                        bool deploy = false);

  // Runs the constructor ("init") as a deploy; expects success and applies.
  wasm::CallOutcome Deploy(const std::string& sender,
                           const std::string& contract,
                           const google::protobuf::Message& request);

  // Expects success; applies the writes and keeps the events (events()).
  wasm::CallOutcome Ok(const std::string& sender, const std::string& contract,
                       const std::string& method,
                       const google::protobuf::Message& request,
                       bool deploy = false);
  // The same, returning the output decoded as Resp (a test failure if it
  // does not decode): Ok<PriceResponse>(...).
  template <class Resp>
  Resp Ok(const std::string& sender, const std::string& contract,
          const std::string& method, const google::protobuf::Message& request) {
    Resp resp;
    wasm::CallOutcome out = Ok(sender, contract, method, request);
    EXPECT_TRUE(resp.ParseFromString(out.output))
        << method << ": output does not decode as "
        << resp.GetDescriptor()->full_name();
    return resp;
  }

  // Expects the call to fail as `kind` with a message containing `message`,
  // and to have changed nothing: no writes, no events, the same Dump().
  // Returns the outcome (e.g. for its exact message or gas).
  wasm::CallOutcome Fails(const std::string& sender,
                          const std::string& contract,
                          const std::string& method,
                          const google::protobuf::Message& request,
                          wasm::FailureKind kind, std::string_view message,
                          bool deploy = false);
  // Fails(..., FailureKind::kAbort, message): the contract refused.
  wasm::CallOutcome Refused(const std::string& sender,
                            const std::string& contract,
                            const std::string& method,
                            const google::protobuf::Message& request,
                            std::string_view message, bool deploy = false);

  // Events of the last call Ok or Deploy applied, in emission order.
  const std::vector<wasm::Event>& events() const { return events_; }
  std::vector<std::string> EventNames() const;
  // Those of them named like E (its message name, "MintEvent"), decoded
  // (a test failure if one does not decode); only `contract`'s if given.
  template <class E>
  std::vector<E> EventsOf(std::string_view contract = {}) const {
    std::vector<E> out;
    const std::string& name = E::descriptor()->name();
    for (const wasm::Event& event : events_) {
      if (event.name != name) continue;
      if (!contract.empty() && event.contract != contract) continue;
      E decoded;
      EXPECT_TRUE(decoded.ParseFromString(event.data))
          << name << " does not decode";
      out.push_back(std::move(decoded));
    }
    return out;
  }

  // Gas used by the last call run through this fixture (also a failed one).
  uint64_t last_gas() const { return last_gas_; }

  // Applies a successful outcome of Run to the chain (and the reference's).
  void Apply(const wasm::CallOutcome& out);

  void TearDown() override;

  wasm::Runtime runtime_;
  wasm::MemoryChainState chain_;

 private:
  // The differential run's reference (the interpreter) and its chain, which
  // every call and every Apply keep in step with chain_; null otherwise.
  std::unique_ptr<wasm::Runtime> reference_;
  wasm::MemoryChainState reference_chain_;

  // Installs the built contract `name` at `address` on chain_ and, in the
  // differential run, on reference_chain_.
  void InstallOnEachChain(const std::string& address, std::string_view name);

  std::vector<std::pair<std::string, std::string>> installed_;  // addr, name
  wasm::BlockInfo block_;
  uint64_t gas_limit_ = 10'000'000;
  uint64_t last_gas_ = 0;
  std::vector<wasm::Event> events_;
};

}  // namespace ballast::test

#endif  // BALLAST_TESTS_CONTRACTS_CONTRACT_FIXTURE_H_
