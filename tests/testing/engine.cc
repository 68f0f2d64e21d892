#include "tests/testing/engine.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "wasm/wabt_engine.h"

namespace ballast::test {

std::string_view EngineUnderTestName() {
  const char* name = std::getenv("BALLAST_TEST_ENGINE");
  if (name == nullptr || std::string_view(name).empty()) return "interp";
  if (std::string_view(name) == "compiled") return "compiled";
  if (std::string_view(name) != "interp") {
    ADD_FAILURE() << "BALLAST_TEST_ENGINE=" << name
                  << ": expected interp or compiled";
  }
  return "interp";
}

wasm::CompiledEngineOptions CompiledEngineOptionsForTests() {
  wasm::CompiledEngineOptions options;
  options.compile_low_priority = false;
  options.cache_dir = BALLAST_TEST_OBJECT_CACHE;
  // Not the cache's own work dir, which an engine empties before its first
  // compile: other test processes compile at the same time.
  const char* tmp = std::getenv("TMPDIR");
  options.work_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  options.warn = [](std::string_view message) {
    // Test processes share the cache, so one may find an object another is
    // replacing: it compiles again (a warning, no failure).
    if (message.find("stays in the interpreter") == std::string_view::npos) {
      fprintf(stderr, "compiled engine: %.*s\n",
              static_cast<int>(message.size()), message.data());
      return;
    }
    ADD_FAILURE() << "the compiled engine: " << message;
  };
  return options;
}

std::unique_ptr<wasm::Engine> NewEngineUnderTest() {
  if (EngineUnderTestName() == "interp") {
    return wasm::NewWabtInterpreterEngine();
  }
  return wasm::NewCompiledEngine(CompiledEngineOptionsForTests());
}

std::string RenderOutcome(const wasm::CallOutcome& o) {
  std::string s = std::string(wasm::FailureKindName(o.failure)) +
                  " gas=" + std::to_string(o.gas_used) +
                  " out=" + ToHex(o.output) +
                  " msg=" + std::string(o.status.message());
  for (const auto& [key, value] : o.writes) {
    s += " w:" + ToHex(key.first) + "/" + ToHex(key.second) + "=" +
         (value ? ToHex(*value) : "deleted");
  }
  for (const auto& e : o.events) {
    s += " e:" + ToHex(e.contract) + "/" + e.name + "/" + ToHex(e.data);
  }
  for (const auto& p : o.packets) {
    s += " p:" + ToHex(p.contract) + "/" + ToHex(p.channel) + "/" +
         ToHex(p.data) + "/" + std::to_string(p.timeout_height) + "/" +
         std::to_string(p.timeout_ms);
  }
  for (const auto& c : o.created) {
    s += " c:" + ToHex(c.address) + "/" + ToHex(c.creator) + "/" +
         ToHex(c.template_address);
  }
  return s;
}

}  // namespace ballast::test
