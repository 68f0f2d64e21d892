// Fuzz target "prepare": deploy-time preparation (wasm/prepare.h) of the
// input as a contract module, and, for a module it accepts, execution: the
// module is installed in a MemoryChainState and "init" (if exported) and up
// to four of its methods are called on the wabt interpreter with a small gas
// limit. Invariants: preparation is deterministic, and the prepared code is
// accepted again by preparation's own checks; a call never reports more gas
// used than its limit.
//
// With BALLAST_FUZZ_STATS=1 it prints, at exit, how many inputs reached
// instrumentation (prepared) and execution (at least one call run): the
// share docs/fuzzing.md reports.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.h"
#include "wasm/memory_chain_state.h"
#include "wasm/prepare.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace {

using namespace ballast::wasm;  // NOLINT

constexpr uint64_t kGasPerCall = 200'000;
constexpr size_t kMaxCalls = 4;

struct Stats {
  uint64_t inputs = 0, prepared = 0, executed = 0, calls_ok = 0;
  ~Stats() {
    const char* env = std::getenv("BALLAST_FUZZ_STATS");
    if (env == nullptr || std::string_view(env) != "1") return;
    std::fprintf(
        stderr,
        "prepare stats: %llu inputs, %llu prepared (%.1f%%), %llu "
        "executed (%.1f%%), %llu calls succeeded\n",
        (unsigned long long)inputs, (unsigned long long)prepared,
        inputs ? 100.0 * prepared / inputs : 0.0, (unsigned long long)executed,
        inputs ? 100.0 * executed / inputs : 0.0, (unsigned long long)calls_ok);
  }
};
Stats stats;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ++stats.inputs;
  const std::string_view wasm(reinterpret_cast<const char*>(data), size);
  Runtime runtime(NewWabtInterpreterEngine());
  auto prepared = runtime.Prepare(wasm);
  if (!prepared.ok()) {
    FUZZ_CHECK(prepared.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  ++stats.prepared;
  auto again = runtime.Prepare(wasm);
  FUZZ_CHECK(again.ok() && again->code == prepared->code &&
             again->methods == prepared->methods);

  MemoryChainState state;
  const std::string contract(20, '\x01');
  const std::string sender(20, '\x02');
  FUZZ_CHECK(state.Install(runtime, contract, wasm).ok());
  std::vector<std::string> methods;
  if (prepared->has_init) methods.push_back("init");
  for (const std::string& m : prepared->methods) {
    if (methods.size() == kMaxCalls) break;
    methods.push_back(m);
  }
  if (!methods.empty()) ++stats.executed;
  for (const std::string& m : methods) {
    CallRequest req;
    req.contract = contract;
    req.method = m;
    req.input = std::string(wasm.substr(0, 64));
    req.sender = sender;
    req.gas_limit = kGasPerCall;
    req.block = BlockInfo{.height = 1, .time_ms = 1000};
    req.is_deploy = m == "init";
    CallOutcome out = runtime.Call(req, state);
    FUZZ_CHECK(out.gas_used <= kGasPerCall);
    if (out.status.ok()) {
      ++stats.calls_ok;
      state.Apply(out);
    }
  }
  return 0;
}
