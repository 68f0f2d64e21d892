#include "tools/bench/engines.h"

#include <memory>
#include <typeinfo>

#include "absl/strings/str_cat.h"
#include "wasm/wabt_engine.h"

namespace ballast::bench {
namespace {

// Instantiation asks the host for nothing; a call would be refused.
class NoHost : public wasm::HostDispatcher {
 public:
  absl::Status Invoke(int index, wasm::Instance&, absl::Span<const uint64_t>,
                      uint64_t*) override {
    return absl::UnimplementedError(absl::StrCat("bench: host function ", index,
                                                 " called while checking ",
                                                 "an instance's engine"));
  }
};

}  // namespace

std::optional<std::vector<std::string>>& CFlags() {
  static std::optional<std::vector<std::string>> cflags;
  return cflags;
}

wasm::CompiledEngineOptions BenchCompiledOptions() {
  wasm::CompiledEngineOptions options;
  options.compile_low_priority = false;
  if (CFlags().has_value()) options.cflags = *CFlags();
  return options;
}

absl::Status CheckNative(const wasm::CompiledModule& module,
                         std::string_view code) {
  if (!wasm::RunsNativeCode(module)) {
    return absl::FailedPreconditionError(
        "the compiled engine fell back to the interpreter (see its warning)");
  }
  static const std::unique_ptr<wasm::Engine> interp =
      wasm::NewWabtInterpreterEngine();
  auto reference = interp->Compile(code);
  if (!reference.ok()) return reference.status();
  NoHost host;
  auto native = module.Instantiate(&host);
  auto interpreted = (*reference)->Instantiate(&host);
  if (!native.ok()) return native.status();
  if (!interpreted.ok()) return interpreted.status();
  const wasm::Instance& a = **native;
  const wasm::Instance& b = **interpreted;
  if (typeid(a) == typeid(b)) {
    return absl::FailedPreconditionError(
        "the compiled module's instances run in the interpreter (the "
        "thread's stack is too small for its deepest recursion)");
  }
  return absl::OkStatus();
}

}  // namespace ballast::bench
