// bench: how fast the runtime and the ledger are, each figure next to its
// baseline measured in the same run (these machines are shared and noisy:
// quote ratios). Run: build/default/tools/bench/bench
//
//   TokenTransfer/InMemory     token.wasm transfers through the runtime on a
//                              MemoryChainState (no ledger)
//   TokenTransfer/LevelDB/...  signed transfers through the executor, 100 per
//                              block, committed to LevelDB (synced or not)
//   Sha256_64KiB/Native        contracts/bench/sha256.h compiled by g++ -O2
//   Sha256_64KiB/Wasm          the same source compiled by em++ -O2, run in
//                              the runtime (instrumented for gas)
//   Sha256_64KiB/WasmNoGas     the same module before instrumentation, run on
//                              the same engine directly
//   HostCall/{Calls,Loop}      a loop of n bl_gas_left host calls, and the
//                              same loop without them: per-call cost is the
//                              difference divided by n
//   CallOverhead               one call of an empty method (instantiate,
//                              _initialize, call, tear down)
//   Ed25519/Verify             libsodium signature checks per second: the
//                              ceiling of a node that verifies every tx
//   GasFairness/<kernel>       ns per gas unit of adversarial kernels
//                              (gas_fairness.cc); --gas_table prints them
//                              as a markdown table
//   StateTree/{Update,Prove,Verify}  the state tree (state_tree.cc)
//   TokenQuery/...             query latency through the state tree at the
//                              head and an older height, against reading
//                              the store's records (query.cc)

#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>

#include "bench/sha256.h"
#include "contracts/token/token.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "tools/bench/gas_fairness.h"
#include "wasm/host_abi.h"
#include "wasm/memory_chain_state.h"
#include "wasm/wabt_engine.h"

namespace ballast {
namespace {

std::string ReadContract(const std::string& file) {
  absl::StatusOr<std::string> contents =
      ReadFile(std::string(BALLAST_CONTRACTS_DIR) + "/" + file);
  if (!contents.ok()) {
    std::fprintf(stderr, "bench: %s\n",
                 std::string(contents.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(contents);
}

std::string U32(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

void Check(const wasm::CallOutcome& out, benchmark::State& state) {
  if (!out.status.ok())
    state.SkipWithError(std::string(out.status.message()).c_str());
}

const std::string kToken = std::string(kAddressSize, 't');
const std::string kBench = std::string(kAddressSize, 'b');
const std::string kAlice = std::string(kAddressSize, 'a');

wasm::CallRequest Request(const std::string& contract,
                          const std::string& method, const std::string& input,
                          const std::string& sender) {
  wasm::CallRequest req;
  req.contract = contract;
  req.method = method;
  req.input = input;
  req.sender = sender;
  req.gas_limit = 10'000'000'000;
  req.block = {1, 1'700'000'000'000};
  return req;
}

// ---- Token transfers --------------------------------------------------------

void BM_TokenTransfer_InMemory(benchmark::State& state) {
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kToken, ReadContract("token.wasm")).ok()) {
    state.SkipWithError("install token");
    return;
  }
  token::InitRequest init;
  init.set_name("Bench");
  init.set_symbol("B");
  init.set_initial_holder(kAlice);
  init.set_initial_supply(1'000'000'000'000);
  wasm::CallRequest req =
      Request(kToken, "init", init.SerializeAsString(), kAlice);
  req.is_deploy = true;
  chain.Apply(runtime.Call(req, chain));
  uint64_t gas = 0;
  uint32_t i = 0;
  for (auto _ : state) {
    token::TransferRequest t;
    t.set_to(std::string(kAddressSize, static_cast<char>('0' + i++ % 64)));
    t.set_amount(1);
    wasm::CallOutcome out = runtime.Call(
        Request(kToken, "transfer", t.SerializeAsString(), kAlice), chain);
    Check(out, state);
    chain.Apply(out);
    gas = out.gas_used;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["gas_per_transfer"] = static_cast<double>(gas);
}
BENCHMARK(BM_TokenTransfer_InMemory)->Name("TokenTransfer/InMemory");

void BM_TokenTransfer_LevelDB(benchmark::State& state) {
  const bool sync = state.range(0) != 0;
  constexpr int kPerBlock = 100;
  std::string dir = std::filesystem::temp_directory_path() /
                    ("ballast-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ledger::StoreOptions options;
  options.sync = sync;
  auto store = ledger::Store::Open(dir, options);
  if (!store.ok()) {
    state.SkipWithError("open store");
    return;
  }
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  node::Executor executor(store->get(), &runtime, "bench");
  KeyPair producer = *KeyPairFromSeed(std::string(32, 'p'));
  KeyPair alice = *KeyPairFromSeed(std::string(32, 'a'));
  uint64_t nonce = 0;
  int64_t time_ms = 1'700'000'000'000;
  auto sign = [&](ledger::Transaction tx, uint64_t gas) {
    tx.set_chain_id("bench");
    tx.set_sender_pubkey(alice.public_key);
    tx.set_nonce(nonce++);
    tx.set_gas_limit(gas);
    ledger::SignedTransaction stx;
    stx.set_tx(ledger::SerializeDeterministic(tx));
    stx.set_signature(Sign(alice, stx.tx()));
    return stx;
  };
  token::InitRequest init;
  init.set_name("Bench");
  init.set_symbol("B");
  init.set_initial_holder(AddressFromPublicKey(alice.public_key));
  init.set_initial_supply(1'000'000'000'000);
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(ReadContract("token.wasm"));
  deploy.mutable_deploy()->set_interface(ReadContract("token.desc"));
  deploy.mutable_deploy()->set_init_input(init.SerializeAsString());
  auto block =
      executor.BuildBlock({sign(deploy, 100'000'000)}, time_ms++, producer);
  if (!block.ok() || !(*store)->CommitBlock(*block).ok()) {
    state.SkipWithError("deploy");
    return;
  }
  std::string token_addr = block->receipts[0].contract_address();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<ledger::SignedTransaction> txs;
    for (int i = 0; i < kPerBlock; ++i) {
      token::TransferRequest t;
      t.set_to(std::string(kAddressSize, static_cast<char>('0' + i % 64)));
      t.set_amount(1);
      ledger::Transaction tx;
      tx.mutable_call()->set_contract(token_addr);
      tx.mutable_call()->set_method("transfer");
      tx.mutable_call()->set_input(t.SerializeAsString());
      txs.push_back(sign(tx, 500'000));  // 100 of them fit 1e8
    }
    state.ResumeTiming();
    auto b = executor.BuildBlock(txs, time_ms++, producer);
    if (!b.ok() || !(*store)->CommitBlock(*b).ok()) {
      state.SkipWithError("block");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerBlock);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TokenTransfer_LevelDB)
    ->Name("TokenTransfer/LevelDB")
    ->ArgName("sync")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);

// ---- SHA-256: native, wasm with gas, wasm without gas ----------------------

constexpr uint32_t kRounds = 4;  // 64 KiB hashed kRounds times per call

void BM_Sha256_Native(benchmark::State& state) {
  static uint8_t buf[64 * 1024];
  uint8_t out[32];
  for (auto _ : state) {
    bench::HashRounds(buf, sizeof(buf), kRounds, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * kRounds * sizeof(buf));
}
BENCHMARK(BM_Sha256_Native)
    ->Name("Sha256_64KiB/Native")
    ->Unit(benchmark::kMicrosecond);

void BM_Sha256_Wasm(benchmark::State& state) {
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kBench, ReadContract("bench.wasm")).ok()) {
    state.SkipWithError("install bench");
    return;
  }
  uint8_t native[32];
  static uint8_t buf[64 * 1024];
  bench::HashRounds(buf, sizeof(buf), kRounds, native);
  uint64_t gas = 0;
  for (auto _ : state) {
    wasm::CallOutcome out = runtime.Call(
        Request(kBench, "sha256_64k", U32(kRounds), kAlice), chain);
    Check(out, state);
    if (out.output != std::string(reinterpret_cast<char*>(native), 32)) {
      state.SkipWithError("wasm digest differs from native");
      break;
    }
    gas = out.gas_used;
  }
  state.SetBytesProcessed(state.iterations() * kRounds * 64 * 1024);
  state.counters["gas"] = static_cast<double>(gas);
}
BENCHMARK(BM_Sha256_Wasm)
    ->Name("Sha256_64KiB/Wasm")
    ->Unit(benchmark::kMillisecond);

// Serves the three host functions the raw module's sha256_64k uses.
class RawHost : public wasm::HostDispatcher {
 public:
  explicit RawHost(std::string input) : input_(std::move(input)) {}
  absl::Status Invoke(int index, wasm::Instance& caller,
                      absl::Span<const uint64_t> args,
                      uint64_t* result) override {
    std::string_view name = wasm::kHostFunctions[index].name;
    absl::Span<uint8_t> mem = caller.Memory();
    if (name == "bl_input_len") {
      *result = input_.size();
    } else if (name == "bl_input_read" &&
               args[0] + input_.size() <= mem.size()) {
      std::memcpy(mem.data() + args[0], input_.data(), input_.size());
    } else if (name == "bl_output_write" && args[0] + args[1] <= mem.size()) {
      output.assign(reinterpret_cast<char*>(mem.data() + args[0]), args[1]);
    } else {
      return absl::UnimplementedError(std::string(name.data(), name.size()));
    }
    return absl::OkStatus();
  }
  std::string output;

 private:
  std::string input_;
};

void BM_Sha256_WasmNoGas(benchmark::State& state) {
  auto engine = wasm::NewWabtInterpreterEngine();
  auto module = engine->Compile(ReadContract("bench.wasm"));
  if (!module.ok()) {
    state.SkipWithError(std::string(module.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    RawHost host(U32(kRounds));
    auto instance = (*module)->Instantiate(&host);
    absl::Status s =
        instance.ok() ? (*instance)->Call("_initialize") : instance.status();
    if (s.ok()) s = (*instance)->Call("sha256_64k");
    if (!s.ok() || host.output.size() != 32) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * kRounds * 64 * 1024);
}
BENCHMARK(BM_Sha256_WasmNoGas)
    ->Name("Sha256_64KiB/WasmNoGas")
    ->Unit(benchmark::kMillisecond);

// ---- Host calls and per-call overhead ---------------------------------------

void RunBenchMethod(benchmark::State& state, const std::string& method,
                    uint32_t n) {
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kBench, ReadContract("bench.wasm")).ok()) {
    state.SkipWithError("install bench");
    return;
  }
  for (auto _ : state) {
    Check(runtime.Call(Request(kBench, method, U32(n), kAlice), chain), state);
  }
  state.counters["n"] = n;
}

constexpr uint32_t kHostCalls = 100'000;
void BM_HostCalls(benchmark::State& state) {
  RunBenchMethod(state, "host_calls", kHostCalls);
}
void BM_HostLoop(benchmark::State& state) {
  RunBenchMethod(state, "loop_only", kHostCalls);
}
void BM_CallOverhead(benchmark::State& state) {
  RunBenchMethod(state, "loop_only", 0);
}
BENCHMARK(BM_HostCalls)->Name("HostCall/Calls")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HostLoop)->Name("HostCall/Loop")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CallOverhead)->Name("CallOverhead")->Unit(benchmark::kMicrosecond);

// ---- Signatures: the ceiling for a node that checks every one ---------------

void BM_Ed25519Verify(benchmark::State& state) {
  KeyPair key = *KeyPairFromSeed(std::string(32, 'k'));
  std::string message(200, 'm');  // about a transfer transaction's size
  std::string signature = Sign(key, message);
  for (auto _ : state) {
    benchmark::DoNotOptimize(Verify(key.public_key, message, signature));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify)->Name("Ed25519/Verify");

}  // namespace
}  // namespace ballast

int main(int argc, char** argv) {
  return ballast::bench::RunBenchmarks(argc, argv);
}
