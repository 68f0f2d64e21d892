// The compiled engine: a prepared module goes through wabt's C writer
// (c_source.h), the system C compiler builds it into a shared object with
// our own runtime (ballast_rt.c), and the node loads it from memory. Gas
// is the interpreter's by construction: the instrumentation is in the
// module. Traps, limits and memory behave as in the interpreter, which the
// differential tests check byte for byte (tests/wasm/compiled_engine_test).
//
// Memory safety: every linear-memory access is bounds-checked in the
// generated code (no guard pages, no signal handler); a trap is a longjmp
// to the innermost call of the same thread. Compiled recursion runs on the
// native stack: a module whose deepest possible recursion (the depth limit
// times its largest frame, from gcc's -fstack-usage) does not fit the
// calling thread's remaining stack is instantiated in the interpreter
// instead, with the same result.
//
// This engine never fails where the interpreter would not: if the compiler
// is missing, fails, times out or the module is too large, Compile warns
// once and returns the interpreter's module.
//
// Thread-safe: Compile may be called from several threads (compiles run one
// at a time); modules are immutable; an Instance belongs to one thread.

#ifndef BALLAST_WASM_COMPILED_COMPILED_ENGINE_H_
#define BALLAST_WASM_COMPILED_COMPILED_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wasm/engine.h"

namespace ballast::wasm {

struct CompiledEngineOptions {
  std::string cc = "/usr/bin/gcc";
  std::vector<std::string> cflags = {"-O2"};
  // Where compiles happen (a fresh directory under it each time, removed
  // afterwards). Empty: <cache_dir>/work if there is a cache dir (emptied
  // before the engine's first compile, so a compile cut short by a crash
  // leaves nothing behind for long), else $TMPDIR or /tmp. Creating an
  // engine touches nothing on disk.
  std::string work_dir;
  absl::Duration compile_timeout = absl::Seconds(120);
  // The compiler at nice 19 and SCHED_IDLE (compiler.h); tests turn it off.
  bool compile_low_priority = true;
  uint64_t compile_memory_bytes = uint64_t{2} << 30;
  size_t max_c_source_bytes = size_t{48} << 20;
  // A module with a native frame larger than this, or of unbounded size,
  // stays in the interpreter.
  size_t max_frame_bytes = size_t{16} << 10;
  // Where compiled objects are kept across restarts (object_cache.h);
  // empty: in memory only. ballastd uses <data-dir>/compiled.
  std::string cache_dir;
  size_t cache_bytes = size_t{256} << 20;
  // The runtime's Limits::max_call_depth: sizes the native stack a call
  // may need.
  uint32_t max_call_depth = 1000;
  // Tiered engine only: a module is queued for compiling at its Nth
  // instantiation (0: as soon as it is loaded).
  uint32_t compile_after_calls = 1000;
  // Where warnings go (one line each); default: stderr.
  std::function<void(std::string_view)> warn;
};

// A synchronous compiled engine: Compile builds (or reuses, for code it
// compiled before and still holds) the native object before it returns.
std::unique_ptr<Engine> NewCompiledEngine(CompiledEngineOptions options = {});

// The tiered engine (ballastd --engine auto): Compile returns at once with
// the interpreter's module; after compile_after_calls instantiations the
// module is compiled in the background (one compile at a time, on one
// thread, at low priority), and instantiations switch to native code once it
// is loaded. Destroying the engine kills a compile in progress.
std::unique_ptr<Engine> NewTieredEngine(CompiledEngineOptions options = {});

// "interp" (wabt's interpreter), "compiled" (NewCompiledEngine) or "auto"
// (NewTieredEngine); InvalidArgument naming the choices otherwise.
absl::StatusOr<std::unique_ptr<Engine>> NewEngine(
    std::string_view name, CompiledEngineOptions options = {});

// True if `module` runs native code now: it came from NewCompiledEngine
// (and did not fall back to the interpreter), or from NewTieredEngine and
// its compiled code is loaded. For tests and benchmarks.
bool RunsNativeCode(const CompiledModule& module);

// The native stack one contract level needs for the deepest recursion a
// module the engine compiles may make: max_call_depth + 2 frames of
// max_frame_bytes, and the reserve kept below them for the glue, the host
// functions and the C++ frames of that level. An instantiation on a thread
// with less stack left gets the interpreter (the same results, slower).
size_t NativeStackPerLevel(const CompiledEngineOptions& options);

// The thread's stack left below the caller's frame, in bytes. Exposed for
// tests.
size_t RemainingNativeStack();

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_COMPILED_COMPILED_ENGINE_H_
