// Gas fairness (issue 7): nanoseconds per gas unit for adversarial kernels,
// each run through the real runtime (instrumented modules, the runtime's gas
// accounting), all in one run so that their ratios are comparable. A kernel
// is one method of contracts/bench/kernels.wat (or a call pattern over the
// contracts below), repeated n times in one call; n is chosen at start-up
// so that a call uses about the kernel's target gas under the gas model
// being measured. Each kernel runs on each engine tier asked for:
//   interp    wabt's interpreter, the reference;
//   compiled  the tiered engine as ballastd runs it (--engine auto), warmed
//             up: the kernels' modules have been compiled in the background
//             and run native code; a module called fewer times than the
//             engine's compile_after_calls (the cache variants below) runs
//             in the interpreter, as it would on the node.
//
// Contracts, in one BenchState:
//   K0..K9   gas_kernels.wasm at "KKK...K" + last byte 0..9; kernels that
//            call "the next contract" go from Ki to Ki+1
//   M        gas_bigmem.wasm: 32 initial pages (Limits::max_memory_pages)
//   C<i>     kCacheContracts variants of one generated module of about
//            kCacheModuleBytes of code, differing only in a data segment
//            (so each has its own code hash, and its own cache entry)
//
// --gas_table prints the results as markdown tables after the run, one per
// tier (kernel, gas per call, ns/gas, ratio to the tier's median ns/gas,
// note; the compiled tier's also the ratio to the interpreter's median);
// BENCHMARKS.md holds them.

#include "tools/bench/gas_fairness.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "tools/bench/engines.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"
#include "wasm/memory_chain_state.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace ballast::bench {
namespace {

constexpr int kKernelContracts = 10;
// More modules than the runtime's compiled-module cache holds (an LRU of
// wasm::kModuleCacheBytes of code): cycling through them misses every time.
constexpr size_t kCacheModuleBytes = 256 * 1024;
constexpr uint32_t kCacheContracts =
    wasm::kModuleCacheBytes / kCacheModuleBytes + 44;
constexpr std::string_view kCacheMarker = "BALLAST-CACHE-VARIANT-0000000000";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

std::string ReadContractFile(const std::string& file) {
  absl::StatusOr<std::string> contents =
      ReadFile(std::string(BALLAST_CONTRACTS_DIR) + "/" + file);
  if (!contents.ok()) Die(std::string(contents.status().message()));
  return *std::move(contents);
}

std::string KernelAddress(int i) {
  std::string a(kAddressSize, 'K');
  a.back() = static_cast<char>(i);
  return a;
}
const std::string kBigMem(kAddressSize, 'M');
const std::string kCachePrefix(kAddressSize - 4, 'C');
const std::string kSender(kAddressSize, 's');

void AppendLeb(std::string& out, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (v != 0);
}

void AppendSection(std::string& out, uint8_t id, const std::string& body) {
  out.push_back(static_cast<char>(id));
  AppendLeb(out, body.size());
  out += body;
}

// A module of about `bytes` bytes of code that does nothing when called,
// encoded here (tools may not use wabt): memory of 1 page (maximum 32),
// exports "memory", "ballast_abi_v1" and "noop", and functions of
// straight-line `i32.const 1, drop` pairs that are compiled on every cache
// miss and never run. Its data segment holds kCacheMarker.
std::string CacheModuleWasm(size_t bytes) {
  constexpr int kPairsPerFunction = 2000;  // 3 bytes each
  const size_t fillers = bytes / (3 * kPairsPerFunction) + 1;
  std::string wasm("\0asm\x01\0\0\0", 8);
  AppendSection(wasm, 1, std::string("\x01\x60\x00\x00", 4));  // () -> ()
  std::string functions;
  AppendLeb(functions, fillers + 2);
  functions.append(fillers + 2, '\0');  // all of type 0
  AppendSection(wasm, 3, functions);
  AppendSection(wasm, 5, std::string("\x01\x01\x01\x20", 4));  // 1..32 pages
  std::string exports;
  AppendLeb(exports, 3);
  for (const auto& [name, kind, index] :
       std::vector<std::tuple<std::string, char, char>>{
           {"memory", 2, 0}, {"ballast_abi_v1", 0, 0}, {"noop", 0, 1}}) {
    AppendLeb(exports, name.size());
    exports += name;
    exports.push_back(kind);
    exports.push_back(index);
  }
  AppendSection(wasm, 7, exports);
  std::string filler("\0", 1);  // no locals
  for (int i = 0; i < kPairsPerFunction; ++i) filler += "\x41\x01\x1a";
  filler += "\x0b";
  std::string code;
  AppendLeb(code, fillers + 2);
  code += std::string("\x02\x00\x0b\x02\x00\x0b", 6);  // two empty bodies
  for (size_t f = 0; f < fillers; ++f) {
    AppendLeb(code, filler.size());
    code += filler;
  }
  AppendSection(wasm, 10, code);
  std::string data("\x01\x00\x41\x00\x0b", 5);  // at i32.const 0
  AppendLeb(data, kCacheMarker.size());
  data += kCacheMarker;
  AppendSection(wasm, 11, data);
  return wasm;
}

// MemoryChainState plus the cache variants, made on demand from one
// prepared module by rewriting its marker (preparing 300 modules of 256 KiB
// would take most of the run).
class BenchState : public wasm::MemoryChainState {
 public:
  void SetCacheModule(std::string prepared) {
    marker_at_ = prepared.find(kCacheMarker);
    if (marker_at_ == std::string::npos) Die("marker lost in preparation");
    cache_code_ = std::move(prepared);
    for (uint32_t i = 0; i < kCacheContracts; ++i) {
      cache_hashes_.push_back(ballast::Sha256(CacheVariant(i)));
    }
  }

  // A copy of the code, as a store read gives; the hash as stored with it.
  absl::StatusOr<std::optional<wasm::ContractCode>> GetCode(
      std::string_view contract) override {
    if (!cache_code_.empty() && contract.size() == kAddressSize &&
        contract.substr(0, kCachePrefix.size()) == kCachePrefix) {
      uint32_t index;
      std::memcpy(&index, contract.data() + kCachePrefix.size(), 4);
      if (index >= kCacheContracts) return std::nullopt;
      return wasm::ContractCode{cache_hashes_[index], CacheVariant(index)};
    }
    return MemoryChainState::GetCode(contract);
  }

 private:
  std::string CacheVariant(uint32_t index) const {
    std::string code = cache_code_;
    const std::string tag = absl::StrFormat("%010u", index);
    code.replace(marker_at_ + kCacheMarker.size() - tag.size(), tag.size(),
                 tag);
    return code;
  }

  std::string cache_code_;
  size_t marker_at_ = 0;
  std::vector<std::string> cache_hashes_;
};

// ---- Tiers ----------------------------------------------------------------

enum class Tier { kInterp, kCompiled };
constexpr Tier kTiers[] = {Tier::kInterp, Tier::kCompiled};

const char* TierName(Tier tier) {
  return tier == Tier::kInterp ? "interp" : "compiled";
}

// The compiled tier: one tiered engine for the process (so a module
// compiled for one runtime here is native in all of them), with the node's
// options but the compiler at normal priority. The modules of pinned code
// are kept alive here: on the node, a module the runtime's cache evicts
// goes back to the interpreter until it is called often enough again (then
// it loads from the object cache on disk); the benchmark measures the
// steady state, where the hot kernels run native code.
class TieredTier {
 public:
  static TieredTier& Get() {
    static auto* tier = new TieredTier;
    return *tier;
  }
  absl::StatusOr<std::shared_ptr<const wasm::CompiledModule>> Compile(
      std::string_view code) {
    return engine_->Compile(code);
  }
  // Keeps a module of `code` (its tiering state is the engine's, shared by
  // every module of the same code).
  void Pin(const std::string& code) {
    auto module = engine_->Compile(code);
    if (!module.ok()) Die(std::string(module.status().message()));
    std::lock_guard<std::mutex> lock(mu_);
    pinned_.emplace(code, *std::move(module));
  }
  // OK once every pinned module has been compiled, runs native code, and
  // its instances on this thread are native too.
  absl::Status PinnedNative() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [code, module] : pinned_) {
      absl::Status native = CheckNative(*module, code);
      if (!native.ok()) return native;
    }
    return absl::OkStatus();
  }

 private:
  // No object cache on disk: pinned modules stay loaded for the run.
  TieredTier() : engine_(wasm::NewTieredEngine(BenchCompiledOptions())) {}
  std::unique_ptr<wasm::Engine> engine_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const wasm::CompiledModule>> pinned_;
};

// What a Runtime of the compiled tier holds: a handle on TieredTier.
class TieredHandle : public wasm::Engine {
 public:
  std::string_view Name() const override { return "tiered"; }
  absl::StatusOr<std::shared_ptr<const wasm::CompiledModule>> Compile(
      std::string_view code) const override {
    return TieredTier::Get().Compile(code);
  }
};

std::unique_ptr<wasm::Engine> NewTierEngine(Tier tier) {
  if (tier == Tier::kInterp) return wasm::NewWabtInterpreterEngine();
  return std::make_unique<TieredHandle>();
}

struct Kernel {
  std::string name;
  std::string contract;  // called at top level
  std::string method;
  uint32_t arg = 0;     // u32 at input offset 4
  std::string address;  // at input offset 8 (20 bytes), optional
  int64_t target_gas;   // per call; n is sized to it
  uint32_t max_n;       // n's upper bound (a limit of the runtime)
  std::string what;
  uint32_t n = 1;      // set by SizeKernels
  uint32_t cycle = 0;  // u32 at offset 28, advanced by n per call
};

std::string Input(const Kernel& k) {
  std::string in(8, '\0');
  std::memcpy(in.data(), &k.n, 4);
  std::memcpy(in.data() + 4, &k.arg, 4);
  if (!k.address.empty()) {
    in += k.address;
    in.append(4, '\0');
    std::memcpy(in.data() + 28, &k.cycle, 4);
  }
  return in;
}

struct Setup {
  std::unique_ptr<wasm::Runtime> runtime;
  BenchState state;
  std::vector<Kernel> kernels;
};

wasm::CallOutcome Run(Setup& s, Kernel& k) {
  wasm::CallRequest req;
  req.contract = k.contract;
  req.method = k.method;
  req.input = Input(k);
  req.sender = kSender;
  req.gas_limit = 10'000'000'000;
  req.block = {1, 1'700'000'000'000};
  wasm::CallOutcome out = s.runtime->Call(req, s.state);
  k.cycle += k.n;
  return out;
}

// Picks each kernel's n from the gas of n = 1 and n = 2 (the difference is
// one repetition, whatever the gas model charges for it).
void SizeKernels(Setup& s) {
  for (Kernel& k : s.kernels) {
    k.n = 1;
    wasm::CallOutcome one = Run(s, k);
    k.n = 2;
    wasm::CallOutcome two = Run(s, k);
    if (!one.status.ok() || !two.status.ok()) {
      Die(absl::StrCat("kernel ", k.name, ": ",
                       (one.status.ok() ? two : one).status.message()));
    }
    const int64_t each =
        std::max<int64_t>(1, static_cast<int64_t>(two.gas_used - one.gas_used));
    k.n = static_cast<uint32_t>(
        std::clamp<int64_t>(k.target_gas / each, 1, k.max_n));
  }
}

// The compiled tier's warm-up: calls the kernels that touch the hot
// modules (the kernels', the big-memory one, the cached 256 KiB one) until
// each was instantiated more than the tiered engine's compile_after_calls,
// then waits for their background compiles.
void WarmUp(Setup& s) {
  const std::string k0 = KernelAddress(0);
  const std::string cached_module = kCachePrefix + std::string(4, '\0');
  for (const std::string& address : {k0, kBigMem, cached_module}) {
    absl::StatusOr<std::optional<wasm::ContractCode>> code =
        s.state.GetCode(address);
    if (!code.ok() || !code->has_value()) Die("warm-up: no code");
    TieredTier::Get().Pin((*code)->code);
  }
  Kernel noop{"warm-up", k0, "call_noop", 0, kBigMem, 0, 1, ""};
  Kernel cached{"warm-up", k0, "call_noop", 1, cached_module, 0, 1, ""};
  const uint32_t calls = wasm::CompiledEngineOptions().compile_after_calls + 1;
  for (uint32_t i = 0; i < calls; ++i) {
    for (Kernel* k : {&noop, &cached}) {
      if (!Run(s, *k).status.ok()) Die("warm-up call failed");
    }
  }
  std::fprintf(stderr,
               "bench: GasFairness: waiting for the compiled tier to compile "
               "the kernels' modules\n");
  absl::Status native;
  for (int tries = 0; tries < 3000; ++tries) {  // 300 s
    native = TieredTier::Get().PinnedNative();
    if (native.ok()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die(absl::StrCat("warm-up: ", native.message()));
}

Setup& TheSetup(Tier tier) {
  static Setup* setups[2] = {nullptr, nullptr};
  Setup*& setup = setups[static_cast<int>(tier)];
  if (setup != nullptr) return *setup;
  setup = [tier] {
    auto* s = new Setup;
    s->runtime = std::make_unique<wasm::Runtime>(NewTierEngine(tier));
    const wasm::Limits& limits = s->runtime->limits();
    const std::string kernels = ReadContractFile("gas_kernels.wasm");
    for (int i = 0; i < kKernelContracts; ++i) {
      if (!s->state.Install(*s->runtime, KernelAddress(i), kernels).ok())
        Die("install gas_kernels");
    }
    if (!s->state
             .Install(*s->runtime, kBigMem, ReadContractFile("gas_bigmem.wasm"))
             .ok())
      Die("install gas_bigmem");
    absl::StatusOr<wasm::PreparedModule> cache =
        s->runtime->Prepare(CacheModuleWasm(kCacheModuleBytes));
    if (!cache.ok()) Die(std::string(cache.status().message()));
    s->state.SetCacheModule(cache->code);

    const std::string k0 = KernelAddress(0);
    constexpr int64_t kGas = 4'000'000;
    const uint32_t kMaxN = 1'000'000'000;
    s->kernels = {
        {"loop", k0, "loop", 0, "", kGas, kMaxN,
         "tight loop: decrement, branch"},
        {"locals", k0, "locals", 0, "", kGas, kMaxN,
         "calls of a function with 1000 i64 locals"},
        {"call_indirect", k0, "call_indirect", 0, "", kGas, kMaxN,
         "call_indirect of an empty function"},
        {"recursion", k0, "recurse", limits.max_call_depth - 2, "", kGas, kMaxN,
         "recursion to the call-depth limit and back"},
        {"memory_fill", k0, "fill", 0, "", kGas, kMaxN, "memory.fill of 2 MiB"},
        {"memory_copy", k0, "copy", 0, "", kGas, kMaxN, "memory.copy of 1 MiB"},
        {"sha256", k0, "sha256", 0, "", kGas, kMaxN,
         "bl_sha256 of 2 MiB - 32 bytes"},
        {"nested_failing_sha256", k0, "nested_fail", 0, "", kGas, kMaxN,
         "nested calls that grow to 2 MiB and call bl_sha256 of 2 MiB "
         "with an out-of-bounds dst (the callee traps, the caller goes on)"},
        {"nested_sha256_then_trap", k0, "nested_fail", 1, "", kGas, kMaxN,
         "nested calls that grow to 2 MiB, bl_sha256 2 MiB, then trap"},
        {"storage_write", k0, "storage_write", 0, "", kGas, kMaxN,
         "bl_storage_write, 256-byte key, 64 KiB value, new key each"},
        {"storage_read", k0, "storage_read", 0, "", kGas, kMaxN,
         "bl_storage_read of a 64 KiB value (256-byte key)"},
        {"events", k0, "events", 0, "", kGas, limits.max_events,
         "bl_emit_event, 64-byte name, 16 KiB data"},
        {"call_chain", k0, "chain_loop", limits.max_contract_depth - 2, "",
         kGas, kMaxN, "chains of nested calls to the contract-depth limit"},
        {"instantiate_max_memory", k0, "call_noop", 0, kBigMem, kGas, kMaxN,
         "nested calls of a module with 32 initial pages"},
        {"module_cache_hit", k0, "call_noop", 1,
         kCachePrefix + std::string(4, '\0'), kGas, kMaxN,
         "nested calls of one 256 KiB module (cached)"},
        {"module_cache_miss", k0, "call_noop", kCacheContracts,
         kCachePrefix + std::string(4, '\0'), kGas / 8, kMaxN,
         absl::StrCat("nested calls cycling through ", kCacheContracts,
                      " modules of 256 KiB (more than the cache holds)")},
    };
    // storage_read reads what one storage_write left.
    Kernel write_one = *std::find_if(
        s->kernels.begin(), s->kernels.end(),
        [](const Kernel& k) { return k.name == "storage_write"; });
    write_one.n = 1;
    wasm::CallOutcome out = Run(*s, write_one);
    if (!out.status.ok()) Die(std::string(out.status.message()));
    s->state.Apply(out);
    if (tier == Tier::kCompiled) WarmUp(*s);
    SizeKernels(*s);
    // Runs the cache kernel once through the whole cycle, so that its
    // measured calls all find the cache full of other modules.
    Kernel& miss = s->kernels.back();
    const uint32_t n = miss.n;
    miss.n = kCacheContracts;
    Run(*s, miss);
    miss.n = n;
    return s;
  }();
  return *setup;
}

void RunKernel(benchmark::State& state, Tier tier, size_t index) {
  Setup& s = TheSetup(tier);
  Kernel& k = s.kernels[index];
  uint64_t gas = 0;
  for (auto _ : state) {
    wasm::CallOutcome out = Run(s, k);
    if (!out.status.ok()) {
      state.SkipWithError(std::string(out.status.message()).c_str());
      return;
    }
    gas = out.gas_used;
  }
  state.counters["gas"] = static_cast<double>(gas);
  state.counters["n"] = k.n;
}

// ---- Through the executor, committed to LevelDB ---------------------------
// Storage and events persist: a block's cost includes writing them to the
// store (synced, as ballastd does). These kernels run one transaction per
// block through node::Executor (signature, nonce, runtime, receipts) and
// commit it; ns/gas is the block's time over its gas.

struct Committed {
  std::string dir;
  std::unique_ptr<ledger::Store> store;
  std::unique_ptr<wasm::Runtime> runtime;
  std::unique_ptr<node::Executor> executor;
  KeyPair producer = *KeyPairFromSeed(std::string(32, 'p'));
  KeyPair sender = *KeyPairFromSeed(std::string(32, 's'));
  uint64_t nonce = 0;
  int64_t time_ms = 1'700'000'000'000;
  std::string address;  // gas_kernels, deployed
  uint64_t tx_gas = 0;  // every transaction's gas limit

  ledger::SignedTransaction Sign(ledger::Transaction tx) {
    tx.set_chain_id("bench");
    tx.set_sender_pubkey(sender.public_key);
    tx.set_nonce(nonce++);
    tx.set_gas_limit(tx_gas);
    ledger::SignedTransaction stx;
    stx.set_tx(ledger::SerializeDeterministic(tx));
    stx.set_signature(ballast::Sign(sender, stx.tx()));
    return stx;
  }
  // Builds and commits a block of `tx`; its receipt.
  absl::StatusOr<ledger::Receipt> Block(ledger::Transaction tx) {
    auto block =
        executor->BuildBlock({Sign(std::move(tx))}, time_ms++, producer);
    if (!block.ok()) return block.status();
    absl::Status committed = store->CommitBlock(*block);
    if (!committed.ok()) return committed;
    if (block->receipts.size() != 1) return absl::InternalError("no receipt");
    return block->receipts[0];
  }
};

// A store in a temporary directory, an executor over it with
// `block_gas_limit`, gas_kernels deployed and the entry storage_read reads
// written.
Committed* MakeCommitted(Tier tier, uint64_t block_gas_limit, uint64_t tx_gas) {
  // The compiled tier's kernels module is native once its setup warmed up.
  if (tier == Tier::kCompiled) TheSetup(tier);
  static int count = 0;
  auto* c = new Committed;
  c->tx_gas = tx_gas;
  c->dir = std::filesystem::temp_directory_path() /
           absl::StrCat("ballast-bench-gas-", ::getpid(), "-", count++);
  std::filesystem::remove_all(c->dir);
  ledger::StoreOptions options;
  options.sync = true;
  auto store = ledger::Store::Open(c->dir, options);
  if (!store.ok()) Die(std::string(store.status().message()));
  c->store = *std::move(store);
  c->runtime = std::make_unique<wasm::Runtime>(NewTierEngine(tier));
  c->executor = std::make_unique<node::Executor>(
      c->store.get(), c->runtime.get(), "bench", block_gas_limit);
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(ReadContractFile("gas_kernels.wasm"));
  auto receipt = c->Block(deploy);
  if (!receipt.ok() || receipt->contract_address().empty())
    Die("deploy gas_kernels through the executor");
  c->address = receipt->contract_address();
  ledger::Transaction write;
  write.mutable_call()->set_contract(c->address);
  write.mutable_call()->set_method("storage_write");
  write.mutable_call()->set_input(std::string("\x01\0\0\0\0\0\0\0", 8));
  receipt = c->Block(write);
  if (!receipt.ok() || !receipt->error().empty()) Die("storage_write n=1");
  return c;
}

// A block gas limit far above any kernel's, so that the default limit
// (what this benchmark sizes) does not bound what it measures.
Committed& TheCommitted(Tier tier) {
  static Committed* committed[2] = {nullptr, nullptr};
  Committed*& c = committed[static_cast<int>(tier)];
  if (c == nullptr) c = MakeCommitted(tier, 100'000'000'000, 1'000'000'000);
  return *c;
}

void RunCommitted(benchmark::State& state, Tier tier, const std::string& method,
                  uint32_t n) {
  Committed& c = TheCommitted(tier);
  std::string input(8, '\0');
  std::memcpy(input.data(), &n, 4);
  uint64_t gas = 0;
  for (auto _ : state) {
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(c.address);
    tx.mutable_call()->set_method(method);
    tx.mutable_call()->set_input(input);
    auto receipt = c.Block(tx);
    if (!receipt.ok() || !receipt->error().empty()) {
      state.SkipWithError(receipt.ok() ? receipt->error().c_str()
                                       : "block failed");
      return;
    }
    gas = receipt->gas_used();
  }
  state.counters["gas"] = static_cast<double>(gas);
  state.counters["n"] = n;
}

// ---- A full block --------------------------------------------------------
// FullBlock/<kernel>: one block under the default block gas limit
// (node::kDefaultBlockGasLimit) holding one transaction whose gas limit is
// the whole block's, running the kernel without end (n = 2^32 - 1) until it
// runs out of gas: the attacker's cheapest way to fill a block. Measures
// what a block costs the producer, build and synced commit.
void RunFullBlock(benchmark::State& state, Tier tier, const std::string& method,
                  uint32_t arg) {
  static Committed* committed[2] = {nullptr, nullptr};
  Committed*& c = committed[static_cast<int>(tier)];
  if (c == nullptr) {
    c = MakeCommitted(tier, node::kDefaultBlockGasLimit,
                      node::kDefaultBlockGasLimit);
  }
  std::string input(8, '\0');
  const uint32_t n = 0xffffffff;
  std::memcpy(input.data(), &n, 4);
  std::memcpy(input.data() + 4, &arg, 4);
  uint64_t gas = 0;
  for (auto _ : state) {
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(c->address);
    tx.mutable_call()->set_method(method);
    tx.mutable_call()->set_input(input);
    auto receipt = c->Block(tx);
    if (!receipt.ok()) {
      state.SkipWithError(std::string(receipt.status().message()).c_str());
      return;
    }
    gas = receipt->gas_used();
  }
  state.counters["block_gas"] = static_cast<double>(gas);
}

// The kernels' names without constructing the setup (registration happens
// before flags are parsed; the setup is built by the first kernel that runs).
const std::vector<std::string>& KernelNames() {
  // clang-format off
  static const std::vector<std::string> names = {
      "loop", "locals", "call_indirect", "recursion", "memory_fill",
      "memory_copy", "sha256", "nested_failing_sha256",
      "nested_sha256_then_trap", "storage_write", "storage_read", "events",
      "call_chain", "instantiate_max_memory", "module_cache_hit",
      "module_cache_miss",
      // Through the executor (RunCommitted), registered separately.
      "storage_write_committed", "storage_read_committed",
      "events_committed"};
  // clang-format on
  return names;
}

}  // namespace

void RegisterGasFairness(bool interp, bool compiled) {
  std::vector<Tier> tiers;
  if (interp) tiers.push_back(Tier::kInterp);
  if (compiled) tiers.push_back(Tier::kCompiled);
  const auto& names = KernelNames();
  auto name_of = [](const std::string& kernel, Tier tier) {
    return absl::StrCat("GasFairness/", kernel, "/", TierName(tier));
  };
  for (size_t i = 0; i < names.size() - 3; ++i) {
    for (Tier tier : tiers) {
      benchmark::RegisterBenchmark(
          name_of(names[i], tier).c_str(),
          [tier, i](benchmark::State& st) { RunKernel(st, tier, i); })
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (const auto& [name, method, n] :
       std::vector<std::tuple<std::string, std::string, uint32_t>>{
           {"storage_write_committed", "storage_write", 6},
           {"storage_read_committed", "storage_read", 60},
           {"events_committed", "events", 60}}) {
    for (Tier tier : tiers) {
      benchmark::RegisterBenchmark(name_of(name, tier).c_str(),
                                   [tier, method, n](benchmark::State& st) {
                                     RunCommitted(st, tier, method, n);
                                   })
          ->Unit(benchmark::kMillisecond);
    }
  }
  const uint32_t depth = wasm::Limits().max_call_depth - 2;
  for (const auto& [name, method, arg] :
       std::vector<std::tuple<std::string, std::string, uint32_t>>{
           {"loop", "loop", 0},
           {"locals", "locals", 0},
           {"call_indirect", "call_indirect", 0},
           {"recursion", "recurse", depth},
           {"memory_fill", "fill", 0},
           {"memory_copy", "copy", 0}}) {
    for (Tier tier : tiers) {
      benchmark::RegisterBenchmark(
          absl::StrCat("FullBlock/", name, "/", TierName(tier)).c_str(),
          [tier, method, arg](benchmark::State& st) {
            RunFullBlock(st, tier, method, arg);
          })
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1);
    }
  }
}

namespace {

std::string What(Tier tier, const std::string& name) {
  if (name == "storage_write_committed")
    return "6 storage writes as storage_write, one transaction per block "
           "through the executor, committed (synced)";
  if (name == "storage_read_committed")
    return "60 storage reads as storage_read, through the executor (from "
           "LevelDB), one transaction per block, committed (synced)";
  if (name == "events_committed")
    return "60 events as events, one transaction per block through the "
           "executor, committed (synced)";
  for (const Kernel& k : TheSetup(tier).kernels) {
    if (k.name == name) return k.what;
  }
  return "";
}

// Console output as usual, and the GasFairness runs kept for the tables.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string name = run.benchmark_name();
      if (run.run_type != Run::RT_Iteration || run.error_occurred ||
          name.rfind("GasFairness/", 0) != 0 || run.iterations == 0)
        continue;
      auto gas = run.counters.find("gas");
      if (gas == run.counters.end() || gas->second.value <= 0) continue;
      // GasFairness/<kernel>/<tier>
      const std::string rest = name.substr(std::strlen("GasFairness/"));
      const size_t slash = rest.find('/');
      if (slash == std::string::npos) continue;
      const Tier tier =
          rest.substr(slash + 1) == "interp" ? Tier::kInterp : Tier::kCompiled;
      Sample& s = samples_[static_cast<int>(tier)][rest.substr(0, slash)];
      s.gas = gas->second.value;
      const double per_call =
          1e9 / static_cast<double>(run.iterations) / gas->second.value;
      s.ns_per_gas.push_back(run.cpu_accumulated_time * per_call);
      s.wall_ns_per_gas.push_back(run.real_accumulated_time * per_call);
    }
  }

  // Runtime-only halves of the *_committed kernels: they time the copy
  // into the call's write set, not the resource's work (the commit), so
  // they are shown but are not kernels of the target.
  static const char* PartOf(const std::string& name) {
    if (name == "storage_write") return "storage_write_committed";
    if (name == "storage_read") return "storage_read_committed";
    if (name == "events") return "events_committed";
    return nullptr;
  }

  // One table per tier. The target is every kernel within 4x of the
  // tier's median. The compiled tier's table also compares each kernel
  // with the interpreter's median, when both ran: gas limits are set for
  // the interpreter, so a kernel within 4x of that median cannot make a
  // block slower than the interpreter's blocks may be.
  void PrintTables() const {
    const double interp_median = MedianOf(Tier::kInterp);
    for (Tier tier : kTiers) {
      const auto& samples = samples_[static_cast<int>(tier)];
      if (samples.empty()) continue;
      const double median = MedianOf(tier);
      const bool against_interp = tier == Tier::kCompiled && interp_median > 0;
      int kernels = 0;
      int within = 0;
      int within_interp = 0;
      std::printf(
          "\n%s:\n\n| kernel | what | gas per call | ns/gas | ratio "
          "to median |%s wall ns/gas | note |\n|---|---|---:|---:|"
          "---:|%s---:|---|\n",
          TierName(tier),
          against_interp ? " ratio to the interpreter's median |" : "",
          against_interp ? "---:|" : "");
      for (const std::string& name : KernelNames()) {
        auto it = samples.find(name);
        if (it == samples.end()) continue;
        const double ns = Median(it->second.ns_per_gas);
        const double ratio = ns / median;
        std::string note = ratio > 4      ? "**misses: underpriced**"
                           : ratio < 0.25 ? "**misses: overpriced**"
                                          : "within 4x";
        std::string vs_interp;
        if (const char* whole = PartOf(name)) {
          note = std::string("part of ") + whole + ", not in the median";
        } else {
          ++kernels;
          if (ratio <= 4 && ratio >= 0.25) ++within;
          if (against_interp && ns / interp_median <= 4) ++within_interp;
        }
        if (against_interp) {
          vs_interp = absl::StrFormat(" %.3f |", ns / interp_median);
        }
        std::printf("| %s | %s | %.0f | %.3f | %.3f |%s %.3f | %s |\n",
                    name.c_str(), What(tier, name).c_str(), it->second.gas, ns,
                    ratio, vs_interp.c_str(),
                    Median(it->second.wall_ns_per_gas), note.c_str());
      }
      std::printf(
          "\nns/gas: CPU time (the ratios use it); wall ns/gas also counts "
          "waiting (fsync, a loaded machine). Median %.3f ns/gas over the %d "
          "kernels, %d of them within 4x; each figure is the median of the "
          "repetitions.\n",
          median, kernels, within);
      if (against_interp) {
        std::printf(
            "Against the interpreter's median (%.3f ns/gas, same run): %d of "
            "the %d kernels within 4x of it or cheaper.\n",
            interp_median, within_interp, kernels);
      }
    }
  }

 private:
  struct Sample {
    double gas = 0;
    std::vector<double> ns_per_gas;       // CPU time
    std::vector<double> wall_ns_per_gas;  // wall time
  };
  static double Median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  // The median ns/gas of a tier's kernels (0 if it did not run).
  double MedianOf(Tier tier) const {
    std::vector<double> all;
    for (const auto& [name, s] : samples_[static_cast<int>(tier)]) {
      if (PartOf(name) == nullptr) all.push_back(Median(s.ns_per_gas));
    }
    return Median(all);
  }
  std::map<std::string, Sample> samples_[2];
};

}  // namespace

int RunBenchmarks(int argc, char** argv) {
  bool table = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--gas_table") == 0) {
      table = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (table) reporter.PrintTables();
  benchmark::Shutdown();
  return 0;
}

}  // namespace ballast::bench
