// ballast-check-module, the contract build's post-link check, run as the
// build runs it: it refuses what PrepareModule refuses, with PrepareModule's
// own message and a non-zero exit; it holds SDK-built modules to a declared
// memory maximum; and --expect-refusal proves that a module is refused.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wasm/test_state.h"
#include "wasm/limits.h"
#include "wasm/prepare.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs ballast-check-module with `args` (already quoted for the shell).
Result Check(const std::string& args) {
  std::string command =
      std::string("'") + BALLAST_CHECK_MODULE + "' " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    r.output.append(buf.data(), n);
  }
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Corpus(const std::string& name) {
  return std::string("'") + BALLAST_CORPUS_DIR + "/" + name + ".wasm'";
}
std::string Contract(const std::string& name) {
  return std::string("'") + BALLAST_CONTRACTS_DIR + "/" + name + ".wasm'";
}

TEST(CheckModuleTest, RefusesWithPrepareModulesOwnMessage) {
  for (const char* name : {"too_much_memory", "float_op", "unknown_import",
                           "wasi_import", "no_abi_marker", "start_function"}) {
    SCOPED_TRACE(name);
    auto prepared = PrepareModule(CorpusModule(name), Limits());
    ASSERT_FALSE(prepared.ok());
    Result r = Check(Corpus(name));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.output, std::string(BALLAST_CORPUS_DIR) + "/" + name +
                            ".wasm: refused at deploy: " +
                            std::string(prepared.status().message()) + "\n");
  }
  EXPECT_THAT(Check(Corpus("too_much_memory")).output,
              HasSubstr("memory of 64 initial pages exceeds the limit of 32 "
                        "pages"));
}

TEST(CheckModuleTest, AcceptsTheBuiltContracts) {
  for (const char* name : {"token", "probe", "bench"}) {
    Result r = Check(Contract(name));
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_EQ(r.output, "") << name;
  }
}

TEST(CheckModuleTest, RequiresADeclaredMemoryMaximumWithinTheLimit) {
  // handmade.wat declares no maximum: fine for PrepareModule (it clamps),
  // not for a contract built by the SDK.
  ASSERT_TRUE(PrepareModule(CorpusModule("handmade"), Limits()).ok());
  Result r = Check(Corpus("handmade"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output,
              HasSubstr("handmade.wasm: memory without a maximum: a contract "
                        "must declare a maximum of at most the runtime's 32 "
                        "pages"));
}

TEST(CheckModuleTest, ExpectRefusalProvesTheRefusal) {
  const std::string floating =
      "--expect-refusal 'floating point is not allowed' ";
  Result r = Check(floating + Contract("float"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");

  r = Check(floating + Contract("token"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("token.wasm: accepted, but it must be "
                                  "refused at deploy with \"floating point "
                                  "is not allowed\""));

  r = Check("--expect-refusal 'no such reason' " + Contract("float"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output,
              HasSubstr("float.wasm: refused at deploy, but not with \"no "
                        "such reason\": function "));
}

TEST(CheckModuleTest, WritesTheInstrumentedModuleThatPasses) {
  std::string out = testing::TempDir() + "/token.instrumented.wasm";
  std::remove(out.c_str());
  Result r = Check("--write-instrumented '" + out + "' " + Contract("token"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto prepared = PrepareModule(ContractModule("token"), Limits());
  ASSERT_TRUE(prepared.ok());
  EXPECT_EQ(ReadFileOrDie(out), prepared->code);

  // A refused module writes nothing.
  std::string refused = testing::TempDir() + "/float.instrumented.wasm";
  std::remove(refused.c_str());
  r = Check("--write-instrumented '" + refused + "' " + Contract("float"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(std::ifstream(refused).good());
  EXPECT_EQ(Check("--write-instrumented '' " + Contract("token")).exit_code, 2);
}

TEST(CheckModuleTest, BadUsageAndUnreadableFiles) {
  EXPECT_EQ(Check("").exit_code, 2);
  EXPECT_EQ(Check("--expect-refusal").exit_code, 2);
  EXPECT_EQ(Check("--expect-refusal '' " + Contract("float")).exit_code, 2);
  Result r = Check("/no/such/file.wasm");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "NOT_FOUND: open /no/such/file.wasm: No such file or directory\n");
}

}  // namespace
}  // namespace ballast::wasm
