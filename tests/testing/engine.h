// The wasm engine the runtime's and the contracts' tests run on. ctest runs
// wasm_test's runtime suites and contracts_test's contract suites twice:
// once on wabt's interpreter (the reference) and once, as "compiled.*"
// with BALLAST_TEST_ENGINE=compiled, on the compiled engine
// (wasm/compiled/compiled_engine.h) in its synchronous form, so every
// module is native code from its first call.
//
// The compiled objects go to one cache dir shared by a build's test
// processes (<build>/test-objects), so each module is
// compiled once per build, not once per test. A compile that fails, or a
// module the engine keeps in the interpreter, fails the running test: a
// "compiled" run that silently interpreted would prove nothing.
//
// Thread-safe: yes (the engine returned is the engine's own).

#ifndef BALLAST_TESTS_TESTING_ENGINE_H_
#define BALLAST_TESTS_TESTING_ENGINE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/engine.h"
#include "wasm/runtime.h"

namespace ballast::test {

// "interp" or "compiled", from BALLAST_TEST_ENGINE (default "interp").
std::string_view EngineUnderTestName();

// A new engine of that kind.
std::unique_ptr<wasm::Engine> NewEngineUnderTest();

// The options of the compiled engine in tests: the compiler at normal
// priority (ctest keeps both cores busy, an idle-priority compile could
// starve), the build's shared object cache, and a module kept in the
// interpreter failing the running test.
wasm::CompiledEngineOptions CompiledEngineOptionsForTests();

// Everything a caller or a block can observe of a call, as one line: the
// failure kind, gas used, output, message, writes, events, packets and
// contracts created. Two engines agree on a call if these are equal.
std::string RenderOutcome(const wasm::CallOutcome& outcome);

// A host that serves nothing: for modules that import nothing, or calls
// that must not reach the host (each call fails as an internal error).
class NoHost final : public wasm::HostDispatcher {
 public:
  absl::Status Invoke(int, wasm::Instance&, absl::Span<const uint64_t>,
                      uint64_t*) override {
    return absl::InternalError("no host functions");
  }
};

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TESTING_ENGINE_H_
