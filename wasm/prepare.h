// Deploy-time preparation of a contract module: every check the ABI demands
// (host_abi.h, with imports checked against kHostFunctions) and the gas and
// call-depth instrumentation (gas.h). The output is the module the node
// stores and every engine runs; nothing is executed here. The contract
// build runs the same checks on every module it links (ballast-check-module,
// wasm/tools/), so a module that would be refused at deploy fails the build.
//
// Thread-safe: PrepareModule is a pure function of its arguments.

#ifndef BALLAST_WASM_PREPARE_H_
#define BALLAST_WASM_PREPARE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "wasm/limits.h"

namespace ballast::wasm {

// Names of the globals the instrumentation adds and exports. The runtime
// sets and reads them around every call; contracts cannot export these
// names themselves ("ballast_" is a reserved prefix).
inline constexpr std::string_view kGasGlobalExport = "ballast_gas";
inline constexpr std::string_view kDepthGlobalExport = "ballast_depth";

struct PreparedModule {
  std::string code;                  // the instrumented wasm binary
  std::vector<std::string> methods;  // callable methods, sorted; no "init"
  bool has_init = false;             // exports "init" (run once, at deploy)
  uint32_t instrumenter_version = 0;
  // The memory maximum the module itself declares, before PrepareModule
  // clamps it to Limits::max_memory_pages (nullopt: none declared). The
  // runtime never needs it; ballast-check-module holds contracts built by
  // the SDK to it, so that they do not expect memory they cannot get.
  std::optional<uint64_t> declared_max_memory_pages;
};

// Checks `wasm` against the ABI and `limits` and returns it instrumented.
// Every refusal is InvalidArgument with a message that names what is wrong
// (and, where it applies, the function or export), e.g.
//   "function 12 ($sqrt): floating point is not allowed (f64.sqrt)".
absl::StatusOr<PreparedModule> PrepareModule(std::string_view wasm,
                                             const Limits& limits);

// PrepareModule with floating point allowed, for the engines' differential
// tests only: the modules binaryen's translate-to-fuzz generates are full
// of it (tests/wasm/ttf_differential_test.cc). Nothing outside tests/ may
// call it (tests/layers checks): a contract with floating point is refused.
absl::StatusOr<PreparedModule> PrepareModuleWithFloatsForTesting(
    std::string_view wasm, const Limits& limits);

// Returns true if `name` is an export name the ABI reserves (Emscripten's
// and the runtime's own exports); such exports are never callable methods.
bool IsReservedExportName(std::string_view name);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_PREPARE_H_
