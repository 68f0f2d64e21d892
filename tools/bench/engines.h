// The compiled engine as the bench uses it, shared by main.cc and
// gas_fairness.cc: its options (--cflags, the compiler at normal priority)
// and the check that a compiled module really runs native code.

#ifndef BALLAST_TOOLS_BENCH_ENGINES_H_
#define BALLAST_TOOLS_BENCH_ENGINES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/engine.h"

namespace ballast::bench {

// --cflags: the C compiler's flags instead of the engine's default.
std::optional<std::vector<std::string>>& CFlags();

// The compiled engine's defaults, but the compiler at normal priority: at
// nice 19 and SCHED_IDLE on a loaded machine a compile may reach its
// deadline and fall back. The generated code is the same.
wasm::CompiledEngineOptions BenchCompiledOptions();

// Fails unless `module`, from the compiled or tiered engine, runs native
// code on this thread: the engine falls back to the interpreter when it
// cannot compile, and an instance falls back when the thread's stack might
// not hold the module's deepest recursion. The second is seen by comparing
// the instance's type with the interpreter's instance of the same code
// (checked here, at about the depth of the calls measured).
absl::Status CheckNative(const wasm::CompiledModule& module,
                         std::string_view code);

}  // namespace ballast::bench

#endif  // BALLAST_TOOLS_BENCH_ENGINES_H_
