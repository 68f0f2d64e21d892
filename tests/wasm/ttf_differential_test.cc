// A generated corpus of random valid modules, run on both engines: binaryen's
// translate-to-fuzz (wasm-opt -ttf) turns random bytes into a valid module
// full of control flow, calls, call_indirect, memory and global traffic,
// traps and floating point; every entry point of every module runs on the
// interpreter and on the compiled engine, and the outcomes must be equal
// byte for byte: the status (the trap's kind and text), the gas and depth
// counters left, and the whole linear memory.
//
// Contracts may not use floating point, but the engines must still agree on
// it, so the modules are prepared by PrepareModuleWithFloatsForTesting (the
// same checks and instrumentation, floats allowed). NaN bit patterns are
// the one thing wasm leaves to the machine, so the modules go through
// binaryen's --denan (every NaN becomes 0) and no result depends on them.
//
// The ctest run tries the first few seeds; BALLAST_TTF_MODULES=N and
// BALLAST_TTF_FIRST_SEED=S run more (docs/compiled-engine.md).

#include <cstdlib>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/subprocess.h"
#include "tests/testing/engine.h"
#include "tests/testing/temp_dir.h"
#include "wasm/compiled/compiled_engine.h"
#include "wasm/host_abi.h"
#include "wasm/prepare.h"
#include "wasm/wabt_engine.h"

namespace ballast::wasm {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10)
                                            : fallback;
}

// Turns -ttf's output (as wasm2wat prints it) into a module the deploy
// checks accept: its four logging imports become functions that fold their
// argument into the first 8 bytes of memory (if there is a page), only the
// "*_invoker" functions (each calls one function with constant arguments)
// and the memory stay exported, and the ABI marker is added.
std::string MakeContract(const std::string& wat) {
  static const std::regex import_re(
      R"re(\(import "fuzzing-support" "log-(i32|i64|f32|f64)" \(func \(;(\d+);\) \(type (\d+)\)\)\))re");
  static const std::regex export_re(R"re(^\s*\(export "([^"]*)" \((\w+) )re");
  std::istringstream in(wat);
  std::string out, line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, import_re)) {
      const std::string kind = m[1];
      const std::string value =
          kind == "i32"   ? "(i64.extend_i32_u (local.get 0))"
          : kind == "i64" ? "(local.get 0)"
          : kind == "f32"
              ? "(i64.extend_i32_u (i32.reinterpret_f32 (local.get 0)))"
              : "(i64.reinterpret_f64 (local.get 0))";
      out += "(func (;" + m[2].str() + ";) (type " + m[3].str() +
             ") (if (i32.ge_u (memory.size) (i32.const 1)) (then (i64.store "
             "(i32.const 0) (i64.add (i64.mul (i64.load (i32.const 0)) "
             "(i64.const 31)) " +
             value + ")))))\n";
      continue;
    }
    if (std::regex_search(line, m, export_re)) {
      const std::string name = m[1];
      const bool keep =
          m[2] == "memory" ? name == "memory"
                           : name.size() > 8 && name.compare(name.size() - 8, 8,
                                                             "_invoker") == 0;
      if (!keep) continue;
    }
    out += line + "\n";
  }
  // The module's closing parenthesis is the text's last one.
  size_t close = out.rfind(')');
  out.insert(close, "(func $ballast_marker) (export \"" +
                        std::string(kAbiMarkerExport) +
                        "\" (func $ballast_marker))\n");
  return out;
}

// Seed -> a contract-shaped module, or why there is none.
absl::StatusOr<std::string> Generate(uint64_t seed, const std::string& dir) {
  std::mt19937_64 rng(seed);
  std::string bytes(2048 + (seed % 8) * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  const std::string base = dir + "/" + std::to_string(seed);
  if (absl::Status s = WriteFileDurably(base + ".dat", bytes); !s.ok()) {
    return s;
  }
  RunResult ttf = Run({BALLAST_WASM_OPT, base + ".dat", "-ttf", "--denan", "-o",
                       base + ".ttf.wasm"});
  if (ttf.exit_code != 0) {
    return absl::InternalError("wasm-opt: " + ttf.Describe());
  }
  RunResult wat = Run({BALLAST_WASM2WAT, base + ".ttf.wasm"});
  if (wat.exit_code != 0) {
    return absl::InternalError("wasm2wat: " + wat.Describe());
  }
  if (absl::Status s = WriteFileDurably(base + ".wat", MakeContract(wat.out));
      !s.ok()) {
    return s;
  }
  RunResult wasm = Run({BALLAST_WAT2WASM, base + ".wat", "-o", base + ".wasm"});
  if (wasm.exit_code != 0) {
    return absl::InternalError("wat2wasm: " + wasm.Describe());
  }
  return ReadFile(base + ".wasm");
}

// Everything a caller can observe of one call on a fresh instance.
std::string Outcome(const CompiledModule& module, const std::string& method,
                    int64_t gas) {
  test::NoHost host;  // the generated modules import nothing
  absl::StatusOr<std::unique_ptr<Instance>> instance =
      module.Instantiate(&host);
  if (!instance.ok()) return "instantiate: " + instance.status().ToString();
  (*instance)->SetGas(gas);
  absl::Status status = (*instance)->Call(method);
  std::string out = status.ToString() +
                    " gas=" + std::to_string((*instance)->Gas()) +
                    " depth=" + std::to_string((*instance)->Depth());
  if (status.ok()) {
    absl::Span<uint8_t> memory = (*instance)->Memory();
    out += " memory=" + std::to_string(memory.size()) + "/" +
           ToHex(Sha256(std::string_view(
               reinterpret_cast<const char*>(memory.data()), memory.size())));
  }
  return out;
}

TEST(TtfDifferentialTest, GeneratedModulesRunTheSameOnBothEngines) {
  const uint64_t first = EnvOr("BALLAST_TTF_FIRST_SEED", 1);
  const uint64_t count = EnvOr("BALLAST_TTF_MODULES", 6);
  test::TempDir dir("ttf");
  std::unique_ptr<Engine> interp = NewWabtInterpreterEngine();
  std::unique_ptr<Engine> compiled =
      NewCompiledEngine(test::CompiledEngineOptionsForTests());
  int modules = 0, calls = 0, traps = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    absl::StatusOr<std::string> wasm = Generate(seed, dir.path());
    ASSERT_TRUE(wasm.ok()) << wasm.status();
    absl::StatusOr<PreparedModule> prepared =
        PrepareModuleWithFloatsForTesting(*wasm, Limits());
    // A module the checks refuse (too many locals, say) is not a case.
    if (!prepared.ok()) {
      std::fprintf(stderr, "seed %llu: %s\n",
                   static_cast<unsigned long long>(seed),
                   std::string(prepared.status().message()).c_str());
      continue;
    }
    auto a = interp->Compile(prepared->code);
    auto b = compiled->Compile(prepared->code);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(RunsNativeCode(**b));
    ++modules;
    for (const std::string& method : prepared->methods) {
      // To the end (or the module's own trap), and out of gas part way.
      for (int64_t gas : {int64_t{20'000'000}, int64_t{2'000}}) {
        std::string x = Outcome(**a, method, gas);
        std::string y = Outcome(**b, method, gas);
        EXPECT_EQ(x, y) << method << " at gas " << gas;
        ++calls;
        traps += x.find("wasm trap") != std::string::npos;
      }
    }
  }
  std::fprintf(stderr, "%d modules, %d calls, %d traps\n", modules, calls,
               traps);
  // Most seeds give a module the checks accept, with entry points to call.
  EXPECT_GE(modules * 2, static_cast<int>(count));
  EXPECT_GT(calls, 0);
}

}  // namespace
}  // namespace ballast::wasm
