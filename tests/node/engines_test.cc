// The same chain on both engines: the same transactions, run by wabt's
// interpreter on one chain and by compiled code on another, must make the
// same blocks, byte for byte (block hashes commit to the state root and
// every receipt: status, gas, output, error, events). Traps, out of gas,
// the depth limit and nested calls included.

#include "contracts/testing/probe/probe.pb.h"
#include "contracts/token/token.pb.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "tests/node/chain_fixture.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/prepare.h"

namespace ballast::node {
namespace {

std::string Transfer(const std::string& to, uint64_t amount) {
  token::TransferRequest req;
  req.set_to(to);
  req.set_amount(amount);
  return req.SerializeAsString();
}

std::string ProbeCall(const std::string& to, const std::string& method,
                      const std::string& input) {
  probe::CallRequest req;
  req.set_address(to);
  req.set_method(method);
  req.set_input(input);
  return req.SerializeAsString();
}

std::string Recurse(uint32_t depth, uint32_t frame_bytes = 0) {
  probe::RecurseRequest req;
  req.set_depth(depth);
  req.set_frame_bytes(frame_bytes);
  return req.SerializeAsString();
}

std::string Divide(int64_t dividend, int64_t divisor) {
  probe::DivideRequest req;
  req.set_dividend(dividend);
  req.set_divisor(divisor);
  return req.SerializeAsString();
}

// Runs the same blocks on `chain`; returns each block's hash and, for
// reading a failure, its receipts' errors.
std::vector<std::string> RunScript(TestChain& chain) {
  KeyPair alice = DevKey('a'), bob = DevKey('b');
  std::vector<std::string> out;
  auto commit = [&](const std::vector<ledger::SignedTransaction>& txs) {
    auto c = chain.Commit(txs);
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return;
    std::string line = ToHex(ledger::BlockHash(c->block.header()));
    for (const ledger::Receipt& r : c->receipts) {
      line += " | " + std::to_string(r.status()) + " " +
              std::to_string(r.gas_used()) + " " + r.error();
    }
    out.push_back(line);
  };
  token::InitRequest init;
  init.set_name("Token");
  init.set_symbol("TOK");
  init.set_initial_holder(AddressOf(alice));
  init.set_initial_supply(1'000'000);
  commit({chain.Deploy(alice, "token", init.SerializeAsString()),
          chain.Deploy(alice, "probe", InitProbe("")),
          chain.Deploy(bob, "probe", InitProbe(""))});
  const std::string token = ContractAddress(AddressOf(alice), 0);
  const std::string probe_a = ContractAddress(AddressOf(alice), 1);
  const std::string probe_b = ContractAddress(AddressOf(bob), 0);

  const uint64_t kSmall = 1'000'000;
  std::vector<ledger::SignedTransaction> block;
  for (int i = 0; i < 20; ++i) {
    block.push_back(chain.CallTx(alice, token, "transfer",
                                 Transfer(AddressOf(bob), 100 + i), 1'000'000));
  }
  // More than bob has: the token aborts.
  block.push_back(chain.CallTx(bob, token, "transfer",
                               Transfer(AddressOf(alice), 1'000'000'000),
                               1'000'000));
  commit(block);
  commit({
      chain.CallTx(alice, probe_a, "trap", "", kSmall),
      chain.CallTx(alice, probe_a, "divide", Divide(7, 0), kSmall),
      chain.CallTx(alice, probe_a, "divide", Divide(INT64_MIN, -1), kSmall),
      chain.CallTx(alice, probe_a, "recurse", Recurse(2000), 50'000'000),
      chain.CallTx(alice, probe_a, "recurse", Recurse(300), 20'000'000),
      // Frames of 1000 bytes: out of the stack's memory (a bounds trap).
      chain.CallTx(alice, probe_a, "recurse", Recurse(100, 1000), 20'000'000),
      chain.CallTx(alice, probe_a, "spin", "", 300'000),
      chain.CallTx(alice, probe_a, "store", "\x0a\x01k\x12\x01v", kSmall),
  });
  commit({
      chain.CallTx(alice, probe_a, "call",
                   ProbeCall(probe_b, "divide", Divide(1, 0)), 2 * kSmall),
      chain.CallTx(alice, probe_a, "call",
                   ProbeCall(probe_b, "recurse", Recurse(2000)), 50'000'000),
      chain.CallTx(alice, probe_a, "call", ProbeCall(probe_b, "spin", ""),
                   400'000),
      chain.CallTx(alice, probe_a, "call",
                   ProbeCall(probe_b, "recurse", Recurse(100, 1000)),
                   20'000'000),
      chain.CallTx(alice, probe_a, "call",
                   ProbeCall(token, "transfer", Transfer(probe_b, 1)),
                   2 * kSmall),
  });
  return out;
}

TEST(EnginesTest, TheSameBlocksOnTheInterpreterAndOnCompiledCode) {
  wasm::CompiledEngineOptions options;
  options.compile_low_priority = false;
  std::unique_ptr<wasm::Engine> compiled = wasm::NewCompiledEngine(options);
  // Compiled ahead, so that the chain surely runs native code: the engine
  // keeps an object while a module holds it, and the chain's runtime then
  // loads the same one.
  std::vector<std::shared_ptr<const wasm::CompiledModule>> hold;
  for (const char* name : {"token", "probe"}) {
    auto prepared = wasm::PrepareModule(ContractWasm(name), wasm::Limits());
    ASSERT_TRUE(prepared.ok());
    auto module = compiled->Compile(prepared->code);
    ASSERT_TRUE(module.ok() && wasm::RunsNativeCode(**module)) << name;
    hold.push_back(*module);
  }
  TestChain interp("engines");
  TestChain native("engines", 1, std::move(compiled));
  std::vector<std::string> a = RunScript(interp);
  std::vector<std::string> b = RunScript(native);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "block " << i;
  // The script does reach the failures it is about.
  EXPECT_NE(a[2].find("wasm trap: out of bounds memory access"),
            std::string::npos)
      << a[2];
  EXPECT_NE(a[2].find("wasm call depth over 1000 frames"), std::string::npos);
  EXPECT_NE(a[2].find("integer overflow"), std::string::npos);
}

}  // namespace
}  // namespace ballast::node
