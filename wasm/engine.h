// The engine interface: the only way the runtime runs wasm. An engine
// compiles a prepared (instrumented) module and instantiates it against the
// host ABI; nothing outside an engine's own .cc sees the engine's types.
// wabt's interpreter (wabt_engine.h) is the first engine and the reference;
// a compiled engine can come in behind the same interface.
//
// Thread-safety: Engine and CompiledModule are immutable after creation and
// may be shared across threads. An Instance belongs to one thread.

#ifndef BALLAST_WASM_ENGINE_H_
#define BALLAST_WASM_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ballast::wasm {

class Instance;

// Receives the calls a contract makes to host functions.
class HostDispatcher {
 public:
  virtual ~HostDispatcher() = default;
  // `index` is the host function's position in kHostFunctions
  // (host_functions.h); `args` hold
  // the i32/i64 arguments zero-extended to 64 bits. A non-ok status ends the
  // wasm call: Instance::Call returns exactly that status.
  virtual absl::Status Invoke(int index, Instance& caller,
                              absl::Span<const uint64_t> args,
                              uint64_t* result) = 0;
};

// One instantiated contract module.
class Instance {
 public:
  virtual ~Instance() = default;
  // Calls the exported function `name` of type () -> (). Returns OK, the
  // status a host function failed with, or AbortedError("wasm trap: ...")
  // when the module trapped. After a failure the instance must not be used.
  virtual absl::Status Call(std::string_view name) = 0;
  // The linear memory. Valid until the next Call (memory.grow moves it).
  virtual absl::Span<uint8_t> Memory() = 0;
  // The instrumentation's counters (see prepare.h). A module that was not
  // prepared (only benchmarks run one) has none: Gas() is INT64_MAX.
  virtual int64_t Gas() const = 0;
  virtual void SetGas(int64_t gas) = 0;
  virtual uint32_t Depth() const = 0;
  // Sets the gas counter to min(counter, 0) from ANOTHER thread while Call
  // may be running: the runtime's wall-time watchdog (runtime.h). The write
  // races with the running code's own updates of the counter; the caller
  // repeats it until the call ends, so one lost write does no harm.
  virtual void ExhaustGasFromOtherThread() = 0;
};

// A validated module ready to instantiate.
class CompiledModule {
 public:
  virtual ~CompiledModule() = default;
  // A fresh instance with zeroed counters; its host imports go to `host`,
  // which must outlive the instance. Does not run "_initialize".
  virtual absl::StatusOr<std::unique_ptr<Instance>> Instantiate(
      HostDispatcher* host) const = 0;
  // Pages of linear memory an instance starts with (zero-filled by
  // Instantiate).
  virtual uint32_t InitialMemoryPages() const = 0;
  // About how much memory this compiled module holds (for cache bounds).
  virtual size_t MemoryBytes() const = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view Name() const = 0;
  // REQUIRES: `code` was produced by PrepareModule.
  virtual absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::string_view code) const = 0;
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_ENGINE_H_
