// The ctest fixture of the compiled.* runs (tests/CMakeLists.txt,
// COMPILED_SETUP): compiles every contract module of the build into the
// tests' object cache before any compiled.* test starts, on two threads.
// Without it the first tests to need the vault would each hold a ctest slot
// while one of them compiles it (tens of seconds); with it they find it
// cached. It is a test too: every contract the deploy rules accept must
// compile to native code (a fallback fails it, test::CompiledEngineOptions
// ForTests).

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/contracts/contract_fixture.h"
#include "tests/testing/engine.h"
#include "tests/testing/files.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/limits.h"
#include "wasm/prepare.h"

namespace ballast::test {
namespace {

TEST(CompiledObjects, EveryContractCompilesToNativeCode) {
  std::vector<std::string> modules;
  for (const char* dir : {BALLAST_CONTRACTS_DIR, BALLAST_WASM_CORPUS_DIR}) {
    for (const auto& file : std::filesystem::directory_iterator(dir)) {
      if (file.path().extension() != ".wasm") continue;
      auto prepared =
          wasm::PrepareModule(ReadFileOrDie(file.path()), wasm::Limits());
      if (prepared.ok()) modules.push_back(std::move(prepared->code));
    }
  }
  ASSERT_GE(modules.size(), 8u);  // token, oracle, vault, auction, ...
  // Largest first, so the two threads end together.
  std::sort(modules.begin(), modules.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  std::atomic<size_t> next{0};
  std::atomic<int> native{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      // An engine per thread: an engine compiles one module at a time.
      std::unique_ptr<wasm::Engine> engine =
          wasm::NewCompiledEngine(CompiledEngineOptionsForTests());
      for (size_t i; (i = next++) < modules.size();) {
        auto module = engine->Compile(modules[i]);
        if (module.ok() && wasm::RunsNativeCode(**module)) ++native;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(native.load(), static_cast<int>(modules.size()));
}

}  // namespace
}  // namespace ballast::test
