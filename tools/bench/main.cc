// bench: how fast the runtime and the ledger are, each figure next to its
// baseline measured in the same run (these machines are shared and noisy:
// quote ratios). Run: build/default/tools/bench/bench [--engine=E]
//
// --engine=interp|compiled|both (default both) picks the engines the wasm
// benchmarks run on; their names end in the engine, <e> below: "interp"
// (wabt's interpreter) or "compiled" (wasm/compiled: wasm2c + gcc, built
// once per module before the first timed call, with the compiler at normal
// priority; a module that falls back to the interpreter fails the
// benchmark instead of being measured). --cflags="-O1 ..." replaces the
// compiled engine's C compiler flags (default -O2), for experiments.
//
//   TokenTransfer/InMemory/<e> token.wasm transfers through the runtime on a
//                              MemoryChainState (no ledger)
//   TokenTransfer/LevelDB/<e>/sync:{1,0}  signed transfers through the
//                              executor, 100 per block, committed to LevelDB
//   Sha256_64KiB/Native        contracts/bench/sha256.h compiled by g++ -O2
//   Sha256_64KiB/Wasm/<e>      the same source compiled by em++ -O2, run in
//                              the runtime (instrumented for gas)
//   Sha256_64KiB/WasmGas/<e>   the instrumented module run on the engine
//                              directly (no runtime)
//   Sha256_64KiB/WasmNoGas/<e> the module before instrumentation, run on
//                              the engine directly: WasmGas / WasmNoGas is
//                              the instrumentation's cost
//   Kernel/<k>/{Gas,NoGas}/<e> methods of contracts/bench/kernels.wat
//                              (gas_kernels.wasm), instrumented and not, on
//                              the engine directly: recurse (direct calls
//                              998 deep), call_indirect, locals (calls of a
//                              function with 1000 locals), loop
//   HostCall/{Calls,Loop}/<e>  a loop of n bl_gas_left host calls, and the
//                              same loop without them: per-call cost is the
//                              difference divided by n
//   CallOverhead/<e>           one call of an empty method (instantiate,
//                              _initialize, call, tear down)
//   Compile/<contract>/<e>     a fresh engine's first Compile of the
//                              contract's instrumented module; for compiled:
//                              wasm2c, gcc and loading the object (and the
//                              interpreter's own compile, its fallback),
//                              wall time; so_bytes is the object's size
//   Compile/<contract>/wasm2c  the C generation alone (c_bytes: its size)
//   Compile/<contract>/from_disk  a restart's first Compile: the object
//                              read from the cache on disk and loaded
//   Ed25519/Verify             libsodium signature checks per second: the
//                              ceiling of a node that verifies every tx
//   GasFairness/<kernel>/<e>   ns per gas unit of adversarial kernels
//                              (gas_fairness.cc; on the compiled tier,
//                              the node's tiered engine, warmed up);
//                              --gas_table prints them as markdown tables
//   FullBlock/<kernel>/<e>     a block at the default gas limit, filled by
//                              one kernel (gas_fairness.cc)
//   StateTree/{Update,Prove,Verify}  the state tree (state_tree.cc)
//   TokenQuery/...             query latency through the state tree at the
//                              head and an older height, against reading
//                              the store's records (query.cc)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/sha256.h"
#include "contracts/token/token.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "tools/bench/engines.h"
#include "tools/bench/gas_fairness.h"
#include "wasm/compiled/c_source.h"
#include "wasm/compiled/compiled_engine.h"
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

// ---- Engines ---------------------------------------------------------------

enum class EngineKind { kInterp, kCompiled };

const char* EngineName(EngineKind kind) {
  return kind == EngineKind::kInterp ? "interp" : "compiled";
}

// Serves the three host functions that sha256_64k and the kernels use:
// the input goes wherever bl_input_read asks.
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
      // Any other host function, or a range outside memory: the kernels
      // measured here never ask for one.
      return absl::UnimplementedError(
          absl::StrCat("bench host: ", std::string(name),
                       " is not served here (or its range is "
                       "outside memory)"));
    }
    return absl::OkStatus();
  }
  std::string output;

 private:
  std::string input_;
};

// Compiles each distinct code once per engine kind for the whole process
// (a compiled module takes seconds, and Google Benchmark runs a benchmark
// function several times), and refuses what would not run native code.
absl::StatusOr<std::shared_ptr<const wasm::CompiledModule>> CompileShared(
    EngineKind kind, std::string_view code) {
  static std::mutex mu;
  static auto* engines =
      new std::map<EngineKind, std::unique_ptr<wasm::Engine>>;
  static auto* modules =
      new std::map<std::pair<EngineKind, std::string>,
                   absl::StatusOr<std::shared_ptr<const wasm::CompiledModule>>>;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(kind, std::string(code));
  if (auto it = modules->find(key); it != modules->end()) return it->second;
  std::unique_ptr<wasm::Engine>& engine = (*engines)[kind];
  if (engine == nullptr) {
    engine = kind == EngineKind::kInterp
                 ? wasm::NewWabtInterpreterEngine()
                 : wasm::NewCompiledEngine(bench::BenchCompiledOptions());
  }
  auto module = engine->Compile(code);
  if (module.ok() && kind == EngineKind::kCompiled) {
    if (absl::Status native = bench::CheckNative(**module, code); !native.ok())
      module = native;
  }
  return modules->emplace(std::move(key), std::move(module)).first->second;
}

// Prepared modules: the module as built -> as deployed (instrumented), and
// back, for the runtime benchmarks that run contracts uninstrumented.
struct PreparedModules {
  std::mutex mu;
  std::map<std::string, std::string> prepared;  // raw -> prepared
  std::map<std::string, std::string> raw;       // prepared -> raw
};
PreparedModules& ThePrepared() {
  static auto* modules = new PreparedModules;
  return *modules;
}

// The module a deploy of `wasm` stores: prepared (instrumented) with the
// runtime's default limits.
const std::string& Prepared(const std::string& wasm) {
  PreparedModules& m = ThePrepared();
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto it = m.prepared.find(wasm); it != m.prepared.end())
    return it->second;
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  absl::StatusOr<wasm::PreparedModule> module = runtime.Prepare(wasm);
  if (!module.ok()) {
    std::fprintf(stderr, "bench: prepare: %s\n",
                 std::string(module.status().message()).c_str());
    std::exit(1);
  }
  m.raw[module->code] = wasm;
  return m.prepared.emplace(wasm, std::move(module->code)).first->second;
}

// The module that Prepared turned into `prepared`, if it did.
std::optional<std::string> RawModule(std::string_view prepared) {
  PreparedModules& m = ThePrepared();
  std::lock_guard<std::mutex> lock(m.mu);
  auto it = m.raw.find(std::string(prepared));
  if (it == m.raw.end()) return std::nullopt;
  return it->second;
}

const std::string& PreparedContract(const std::string& file) {
  return Prepared(ReadContract(file));
}

// What the runtime benchmarks give their Runtime: a handle on the shared
// modules of CompileShared. `uninstrumented`: the runtime's prepared code
// is swapped for the module it was prepared from (registered by Prepared),
// so that contracts run without gas and depth counters; the runtime then
// sees Gas() == INT64_MAX and its gas figures mean nothing.
class SharedEngine : public wasm::Engine {
 public:
  SharedEngine(EngineKind kind, bool uninstrumented)
      : kind_(kind), uninstrumented_(uninstrumented) {}
  std::string_view Name() const override { return EngineName(kind_); }
  absl::StatusOr<std::shared_ptr<const wasm::CompiledModule>> Compile(
      std::string_view code) const override {
    if (!uninstrumented_) return CompileShared(kind_, code);
    std::optional<std::string> raw = RawModule(code);
    if (!raw.has_value())
      return absl::NotFoundError("bench: no uninstrumented module");
    return CompileShared(kind_, *raw);
  }

 private:
  EngineKind kind_;
  bool uninstrumented_;
};

std::unique_ptr<wasm::Engine> NewEngine(EngineKind kind,
                                        bool uninstrumented = false) {
  return std::make_unique<SharedEngine>(kind, uninstrumented);
}

// ---- Token transfers -------------------------------------------------------

void BM_TokenTransfer_InMemory(benchmark::State& state, EngineKind kind,
                               bool uninstrumented) {
  const std::string code = ReadContract("token.wasm");
  if (uninstrumented) Prepared(code);  // registers the raw module
  wasm::Runtime runtime(NewEngine(kind, uninstrumented));
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kToken, code).ok()) {
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
  wasm::CallOutcome deployed = runtime.Call(req, chain);
  if (!deployed.status.ok()) {
    state.SkipWithError(std::string(deployed.status.message()).c_str());
    return;
  }
  chain.Apply(deployed);
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
  if (!uninstrumented)
    state.counters["gas_per_transfer"] = static_cast<double>(gas);
}

void BM_TokenTransfer_LevelDB(benchmark::State& state, EngineKind kind) {
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
  wasm::Runtime runtime(NewEngine(kind));
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
  if (!block.ok() || !(*store)->CommitBlock(*block).ok() ||
      block->receipts[0].contract_address().empty()) {
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
    if (!b->receipts.empty() && !b->receipts.back().error().empty()) {
      state.SkipWithError(b->receipts.back().error().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerBlock);
  store->reset();
  std::filesystem::remove_all(dir);
}

// ---- SHA-256: native, wasm with gas, wasm without gas ----------------------

constexpr uint32_t kRounds = 4;  // 64 KiB hashed kRounds times per call

std::string NativeDigest() {
  static uint8_t buf[64 * 1024];
  uint8_t digest[32];
  bench::HashRounds(buf, sizeof(buf), kRounds, digest);
  return std::string(reinterpret_cast<char*>(digest), 32);
}

void BM_Sha256_Native(benchmark::State& state) {
  static uint8_t buf[64 * 1024];
  uint8_t out[32];
  for (auto _ : state) {
    bench::HashRounds(buf, sizeof(buf), kRounds, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * kRounds * sizeof(buf));
}

void BM_Sha256_Wasm(benchmark::State& state, EngineKind kind) {
  wasm::Runtime runtime(NewEngine(kind));
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kBench, ReadContract("bench.wasm")).ok()) {
    state.SkipWithError("install bench");
    return;
  }
  const std::string native = NativeDigest();
  // One call before timing: the runtime compiles the module on first use.
  Check(runtime.Call(Request(kBench, "sha256_64k", U32(1), kAlice), chain),
        state);
  uint64_t gas = 0;
  for (auto _ : state) {
    wasm::CallOutcome out = runtime.Call(
        Request(kBench, "sha256_64k", U32(kRounds), kAlice), chain);
    Check(out, state);
    if (out.output != native) {
      state.SkipWithError("wasm digest differs from native");
      break;
    }
    gas = out.gas_used;
  }
  state.SetBytesProcessed(state.iterations() * kRounds * 64 * 1024);
  state.counters["gas"] = static_cast<double>(gas);
}

// ---- One method on the engine directly, instrumented or not ----------------

struct DirectRun {
  std::string wasm;  // the module as built (before instrumentation)
  std::string method;
  std::string input;
  bool initialize = false;  // call _initialize first
  std::string output;       // expected, if not empty
};

// Each iteration: a fresh instance, (_initialize,) the method, teardown.
// The instrumented module is the one a deploy stores; the raw one is the
// module as built. Host functions cost nothing here on either.
void RunDirect(benchmark::State& state, EngineKind kind, bool instrumented,
               const DirectRun& run) {
  const std::string& code = instrumented ? Prepared(run.wasm) : run.wasm;
  auto module = CompileShared(kind, code);
  if (!module.ok()) {
    state.SkipWithError(std::string(module.status().message()).c_str());
    return;
  }
  constexpr int64_t kGas = int64_t{1} << 60;
  int64_t gas_used = 0;
  for (auto _ : state) {
    RawHost host(run.input);
    auto instance = (*module)->Instantiate(&host);
    absl::Status s = instance.status();
    if (s.ok()) {
      wasm::Instance& i = **instance;
      if (instrumented) {
        i.SetGas(kGas);
      } else if (i.Gas() != INT64_MAX) {
        s = absl::InternalError("an uninstrumented module has a gas counter");
      }
      if (s.ok() && run.initialize) s = i.Call("_initialize");
      if (s.ok()) s = i.Call(run.method);
      if (s.ok() && !run.output.empty() && host.output != run.output)
        s = absl::InternalError("wrong output");
      gas_used = kGas - i.Gas();
    }
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
  }
  if (instrumented) state.counters["gas"] = static_cast<double>(gas_used);
}

DirectRun Sha256Run() {
  return {ReadContract("bench.wasm"), "sha256_64k", U32(kRounds), true,
          NativeDigest()};
}

// The kernels of gas_kernels.wasm: input n (repetitions), then an argument.
// Their uninstrumented forms have no observable effect: gcc may delete the
// work (recurse, locals and loop), which is then not measured.
struct KernelSpec {
  const char* name;
  uint32_t n;
  uint32_t arg;
};
constexpr KernelSpec kKernels[] = {
    {"recurse", 200, 998},  // 998 deep, as GasFairness/recursion
    {"call_indirect", 200'000, 0},
    {"locals", 20'000, 0},
    {"loop", 2'000'000, 0},
};

DirectRun KernelRun(const KernelSpec& k) {
  return {ReadContract("gas_kernels.wasm"), k.name, U32(k.n) + U32(k.arg),
          false, ""};
}

// A call-heavy kernel whose result is observed, so that no compiler can
// drop the calls: "fib" reads n and writes the u32 fib(n), computed by
// naive recursion (2 fib(n + 1) - 1 calls of $fib). The module, encoded
// here (tools do not use wabt):
//   (import "env" "bl_input_read" (func (param i32)))              ;; 0
//   (import "env" "bl_output_write" (func (param i32 i32)))        ;; 1
//   (memory (export "memory") 1 32)
//   (func (export "ballast_abi_v1"))                               ;; 2
//   (func $fib (param i32) (result i32)                            ;; 3
//     (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
//       (then (local.get 0))
//       (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
//                      (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
//   (func (export "fib")                                           ;; 4
//     (call 0 (i32.const 0))
//     (i32.store (i32.const 0) (call $fib (i32.load (i32.const 0))))
//     (call 1 (i32.const 0) (i32.const 4)))
std::string FibModuleWasm() {
  auto section = [](std::string& out, char id, const std::string& body) {
    out.push_back(id);
    out.push_back(static_cast<char>(body.size()));  // all under 128 bytes
    out += body;
  };
  auto bytes = [](std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s.push_back(static_cast<char>(c));
    return s;
  };
  auto name = [](std::string_view n) {
    return std::string(1, static_cast<char>(n.size())) + std::string(n);
  };
  std::string wasm("\0asm\x01\0\0\0", 8);
  section(wasm, 1,
          bytes({4, 0x60, 0, 0,              // () -> ()
                 0x60, 1, 0x7f, 0,           // (i32) -> ()
                 0x60, 1, 0x7f, 1, 0x7f,     // (i32) -> i32
                 0x60, 2, 0x7f, 0x7f, 0}));  // (i32, i32) -> ()
  section(wasm, 2,
          bytes({2}) + name("env") + name("bl_input_read") + bytes({0, 1}) +
              name("env") + name("bl_output_write") + bytes({0, 3}));
  section(wasm, 3, bytes({3, 0, 2, 0}));
  section(wasm, 5, bytes({1, 1, 1, 32}));
  section(wasm, 7,
          bytes({3}) + name("memory") + bytes({2, 0}) + name("ballast_abi_v1") +
              bytes({0, 2}) + name("fib") + bytes({0, 4}));
  const std::string abi = bytes({0, 0x0b});
  const std::string fib =
      bytes({0,                                   // no locals
             0x20, 0,    0x41, 2, 0x49,           // n < 2
             0x04, 0x7f,                          // if (result i32)
             0x20, 0,                             //   n
             0x05,                                // else
             0x20, 0,    0x41, 1, 0x6b, 0x10, 3,  //   fib(n - 1)
             0x20, 0,    0x41, 2, 0x6b, 0x10, 3,  //   fib(n - 2)
             0x6a,                                //   +
             0x0b, 0x0b});                        // end if, end
  const std::string run =
      bytes({0,                             // no locals
             0x41, 0, 0x10, 0,              // bl_input_read(0)
             0x41, 0, 0x41, 0, 0x28, 2, 0,  // 0, load(0)
             0x10, 3, 0x36, 2, 0,           // store(0, fib(...))
             0x41, 0, 0x41, 4, 0x10, 1,     // bl_output_write(0, 4)
             0x0b});
  std::string code = bytes({3});
  for (const std::string* body : {&abi, &fib, &run}) {
    code += std::string(1, static_cast<char>(body->size())) + *body;
  }
  section(wasm, 10, code);
  return wasm;
}

constexpr uint32_t kFibN = 25;  // 242,785 calls of $fib

DirectRun FibRun() {
  uint32_t a = 0, b = 1;
  for (uint32_t i = 0; i < kFibN; ++i) b = std::exchange(a, b) + b;
  return {FibModuleWasm(), "fib", U32(kFibN), false, U32(a)};
}

// ---- Host calls and per-call overhead --------------------------------------

void RunBenchMethod(benchmark::State& state, EngineKind kind,
                    const std::string& method, uint32_t n) {
  wasm::Runtime runtime(NewEngine(kind));
  wasm::MemoryChainState chain;
  if (!chain.Install(runtime, kBench, ReadContract("bench.wasm")).ok()) {
    state.SkipWithError("install bench");
    return;
  }
  // One call before timing: the runtime compiles the module on first use.
  Check(runtime.Call(Request(kBench, method, U32(0), kAlice), chain), state);
  for (auto _ : state) {
    Check(runtime.Call(Request(kBench, method, U32(n), kAlice), chain), state);
  }
  state.counters["n"] = n;
}

constexpr uint32_t kHostCalls = 100'000;

// ---- Compile time per contract ---------------------------------------------

// The contracts of the tree whose compile time is measured.
const char* const kTreeContracts[] = {"token",    "vault",  "auction", "oracle",
                                      "transfer", "faucet", "probe"};

// A fresh engine each iteration, so nothing is reused: the first Compile of
// the contract's instrumented module, in wall time (gcc runs in a child).
void BM_Compile(benchmark::State& state, EngineKind kind,
                const std::string& file) {
  const std::string& code = PreparedContract(file);
  size_t so_bytes = 0;
  for (auto _ : state) {
    std::unique_ptr<wasm::Engine> engine =
        kind == EngineKind::kInterp
            ? wasm::NewWabtInterpreterEngine()
            : wasm::NewCompiledEngine(bench::BenchCompiledOptions());
    auto module = engine->Compile(code);
    if (!module.ok()) {
      state.SkipWithError(std::string(module.status().message()).c_str());
      break;
    }
    if (kind == EngineKind::kCompiled) {
      state.PauseTiming();
      absl::Status native = bench::CheckNative(**module, code);
      auto interpreted = wasm::NewWabtInterpreterEngine()->Compile(code);
      if (native.ok() && interpreted.ok()) {
        so_bytes = (*module)->MemoryBytes() - (*interpreted)->MemoryBytes();
      }
      state.ResumeTiming();
      if (!native.ok()) {
        state.SkipWithError(std::string(native.message()).c_str());
        break;
      }
    }
  }
  state.counters["code_bytes"] = static_cast<double>(code.size());
  if (so_bytes != 0) state.counters["so_bytes"] = static_cast<double>(so_bytes);
}

// A restart's first Compile: a fresh compiled engine each iteration over an
// object cache on disk that already holds the contract (filled before the
// clock starts), so Compile reads, verifies and loads the object instead
// of running gcc.
void BM_CompileFromDisk(benchmark::State& state, const std::string& file) {
  const std::string& code = PreparedContract(file);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      absl::StrCat("ballast-bench-cache-", ::getpid());
  std::filesystem::remove_all(dir);
  wasm::CompiledEngineOptions options = bench::BenchCompiledOptions();
  options.cache_dir = dir.string();
  if (auto warm = wasm::NewCompiledEngine(options)->Compile(code);
      !warm.ok() || !wasm::RunsNativeCode(**warm)) {
    state.SkipWithError("the first compile did not give native code");
    std::filesystem::remove_all(dir);
    return;
  }
  for (auto _ : state) {
    auto module = wasm::NewCompiledEngine(options)->Compile(code);
    if (!module.ok() || !wasm::RunsNativeCode(**module)) {
      state.SkipWithError("the cached object was not loaded");
      break;
    }
  }
  std::filesystem::remove_all(dir);
}

void BM_WriteC(benchmark::State& state, const std::string& file) {
  const std::string& code = PreparedContract(file);
  size_t c_bytes = 0;
  for (auto _ : state) {
    auto source = wasm::GenerateCSource(
        code, bench::BenchCompiledOptions().max_c_source_bytes);
    if (!source.ok()) {
      state.SkipWithError(std::string(source.status().message()).c_str());
      break;
    }
    c_bytes = source->c.size() + source->h.size() + source->glue.size();
  }
  state.counters["c_bytes"] = static_cast<double>(c_bytes);
}

// ---- Registration per engine -----------------------------------------------

// Repetitions also report their minimum: on a loaded machine the fastest
// repetition is the one least disturbed by other processes.
benchmark::internal::Benchmark* WithMin(benchmark::internal::Benchmark* b) {
  return b->ComputeStatistics("min", [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
  });
}

// Each wasm benchmark once per engine of `kinds`, next to each other (the
// load of a shared machine drifts), after its native baseline if any.
void RegisterEngineBenchmarks(const std::vector<EngineKind>& kinds) {
  auto add = [&kinds](const std::string& prefix, auto fn) {
    std::vector<benchmark::internal::Benchmark*> added;
    for (EngineKind kind : kinds) {
      added.push_back(WithMin(benchmark::RegisterBenchmark(
          (prefix + EngineName(kind)).c_str(),
          [fn, kind](benchmark::State& st) { fn(st, kind); })));
    }
    return added;
  };
  auto unit = [](const std::vector<benchmark::internal::Benchmark*>& added,
                 benchmark::TimeUnit unit) {
    for (auto* b : added) b->Unit(unit);
    return added;
  };
  for (bool gas : {true, false}) {
    add(gas ? "TokenTransfer/InMemory/" : "TokenTransfer/InMemoryNoGas/",
        [gas](benchmark::State& st, EngineKind kind) {
          BM_TokenTransfer_InMemory(st, kind, !gas);
        });
  }
  for (auto* b : add("TokenTransfer/LevelDB/", BM_TokenTransfer_LevelDB)) {
    b->ArgName("sync")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
  }
  WithMin(benchmark::RegisterBenchmark("Sha256_64KiB/Native", BM_Sha256_Native))
      ->Unit(benchmark::kMillisecond);
  unit(add("Sha256_64KiB/Wasm/", BM_Sha256_Wasm), benchmark::kMillisecond);
  for (bool gas : {true, false}) {
    unit(add(gas ? "Sha256_64KiB/WasmGas/" : "Sha256_64KiB/WasmNoGas/",
             [gas](benchmark::State& st, EngineKind kind) {
               RunDirect(st, kind, gas, Sha256Run());
               st.SetBytesProcessed(st.iterations() * kRounds * 64 * 1024);
             }),
         benchmark::kMillisecond);
  }
  for (bool gas : {true, false}) {
    unit(add(gas ? "Kernel/fib/Gas/" : "Kernel/fib/NoGas/",
             [gas](benchmark::State& st, EngineKind kind) {
               RunDirect(st, kind, gas, FibRun());
               st.counters["n"] = kFibN;
             }),
         benchmark::kMillisecond);
  }
  for (const KernelSpec& k : kKernels) {
    for (bool gas : {true, false}) {
      unit(add(absl::StrCat("Kernel/", k.name, gas ? "/Gas/" : "/NoGas/"),
               [gas, k](benchmark::State& st, EngineKind kind) {
                 RunDirect(st, kind, gas, KernelRun(k));
                 st.counters["n"] = k.n;
               }),
           benchmark::kMillisecond);
    }
  }
  unit(add("HostCall/Calls/",
           [](benchmark::State& st, EngineKind kind) {
             RunBenchMethod(st, kind, "host_calls", kHostCalls);
           }),
       benchmark::kMillisecond);
  unit(add("HostCall/Loop/",
           [](benchmark::State& st, EngineKind kind) {
             RunBenchMethod(st, kind, "loop_only", kHostCalls);
           }),
       benchmark::kMillisecond);
  unit(add("CallOverhead/",
           [](benchmark::State& st, EngineKind kind) {
             RunBenchMethod(st, kind, "loop_only", 0);
           }),
       benchmark::kMicrosecond);
  const bool compiled = std::find(kinds.begin(), kinds.end(),
                                  EngineKind::kCompiled) != kinds.end();
  for (const char* contract : kTreeContracts) {
    const std::string file = absl::StrCat(contract, ".wasm");
    if (compiled) {
      WithMin(benchmark::RegisterBenchmark(
                  absl::StrCat("Compile/", contract, "/wasm2c").c_str(),
                  [file](benchmark::State& st) { BM_WriteC(st, file); }))
          ->Unit(benchmark::kMillisecond);
    }
    for (auto* b : add(absl::StrCat("Compile/", contract, "/"),
                       [file](benchmark::State&st, EngineKind kind) {
                         BM_Compile(st, kind, file);
                       })) {
      b->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    if (compiled) {
      WithMin(
          benchmark::RegisterBenchmark(
              absl::StrCat("Compile/", contract, "/from_disk").c_str(),
              [file](benchmark::State& st) { BM_CompileFromDisk(st, file); }))
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

// ---- Signatures: the ceiling for a node that checks every one --------------

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

// --engine=interp|compiled|both and --cflags="FLAGS" (the compiled engine's
// C compiler flags, space-separated; default the engine's, -O2) are ours;
// every other flag goes on to Google Benchmark (and --gas_table to
// gas_fairness.cc).
int main(int argc, char** argv) {
  using ballast::EngineKind;
  std::string engine = "both";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--engine=", 9) == 0) {
      engine = argv[i] + 9;
    } else if (std::strncmp(argv[i], "--cflags=", 9) == 0) {
      ballast::bench::CFlags() =
          absl::StrSplit(argv[i] + 9, ' ', absl::SkipEmpty());
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (engine != "interp" && engine != "compiled" && engine != "both") {
    std::fprintf(stderr, "bench: --engine=interp|compiled|both, not %s\n",
                 engine.c_str());
    return 1;
  }
  benchmark::AddCustomContext(
      "compiled_cflags",
      absl::StrJoin(ballast::bench::BenchCompiledOptions().cflags, " "));
  std::vector<EngineKind> kinds;
  if (engine != "compiled") kinds.push_back(EngineKind::kInterp);
  if (engine != "interp") kinds.push_back(EngineKind::kCompiled);
  ballast::RegisterEngineBenchmarks(kinds);
  ballast::bench::RegisterGasFairness(engine != "compiled", engine != "interp");
  return ballast::bench::RunBenchmarks(argc, argv);
}
