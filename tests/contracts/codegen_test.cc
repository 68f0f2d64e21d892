// protoc-gen-ballast run through protoc on small interfaces: what it writes
// for a service, and what it refuses, with which message.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/files.h"

namespace {

namespace fs = std::filesystem;

struct PluginRun {
  int status = -1;
  std::string output;  // protoc's stdout and stderr
  fs::path dir;        // where the proto and the generated files are
};

// Writes `proto` as x.proto into a fresh directory and runs protoc with the
// plugin on it.
PluginRun Generate(const std::string& proto, const std::string& options = "") {
  PluginRun run;
  run.dir =
      fs::temp_directory_path() /
      ("ballast_codegen_" +
       std::string(
           testing::UnitTest::GetInstance()->current_test_info()->name()) +
       "_" + std::to_string(getpid()));
  fs::remove_all(run.dir);
  fs::create_directories(run.dir);
  std::ofstream(run.dir / "x.proto") << proto;
  std::string command =
      std::string(BALLAST_PROTOC) +
      " --plugin=protoc-gen-ballast=" BALLAST_PLUGIN " --ballast_out=" +
      run.dir.string() + (options.empty() ? "" : " --ballast_opt=" + options) +
      " -I" + run.dir.string() + " x.proto 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) run.output.append(buf, n);
  run.status = pclose(pipe);
  return run;
}

std::string Read(const fs::path& path) {
  return ballast::test::ReadFileOrDie(path.string());
}

constexpr char kHeader[] = "syntax = \"proto3\";\npackage t;\n";

TEST(CodegenTest, ServiceGetsHandlersClientAndExports) {
  PluginRun run = Generate(std::string(kHeader) + R"(
    service Bank {
      rpc init(Req) returns (Resp);
      rpc deposit(Req) returns (Resp);
    }
    message Req { uint64 amount = 1; }
    message Resp {}
    message DepositEvent { uint64 amount = 1; }
  )");
  ASSERT_EQ(run.status, 0) << run.output;
  std::string header = Read(run.dir / "x.ballast.h");
  EXPECT_NE(header.find("struct Bank {"), std::string::npos);
  EXPECT_NE(header.find("static Resp deposit(const Req& request);"),
            std::string::npos);
  EXPECT_NE(header.find("class BankClient {"), std::string::npos);
  EXPECT_EQ(header.find("Call<Resp>(address_, \"init\""), std::string::npos)
      << "init is not callable";
  EXPECT_NE(header.find("static constexpr bool kIsEvent = true;"),
            std::string::npos);
  std::string exports = Read(run.dir / "x.ballast.cc");
  EXPECT_NE(exports.find("BALLAST_METHOD(init)"), std::string::npos);
  EXPECT_NE(exports.find("BALLAST_METHOD(deposit)"), std::string::npos);
  EXPECT_NE(exports.find("\"method deposit: malformed input\""),
            std::string::npos);
}

TEST(CodegenTest, HeadersOnlyWritesNoExports) {
  PluginRun run =
      Generate(std::string(kHeader) +
                   "service S { rpc go(M) returns (M); }\nmessage M {}\n",
               "headers_only");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(fs::exists(run.dir / "x.ballast.h"));
  EXPECT_FALSE(fs::exists(run.dir / "x.ballast.cc"));
}

TEST(CodegenTest, FileWithoutServiceHasNoExports) {
  PluginRun run =
      Generate(std::string(kHeader) + "message M { bool b = 1; }\n");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(fs::exists(run.dir / "x.ballast.h"));
  EXPECT_FALSE(fs::exists(run.dir / "x.ballast.cc"));
}

struct Refusal {
  const char* name;
  std::string proto;
  std::string options;
  std::string message;
};

class CodegenRefusalTest : public testing::TestWithParam<Refusal> {};

TEST_P(CodegenRefusalTest, RefusesWithMessage) {
  PluginRun run = Generate(GetParam().proto, GetParam().options);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find(GetParam().message), std::string::npos)
      << run.output;
}

std::string P3(const std::string& body) { return kHeader + body; }

INSTANTIATE_TEST_SUITE_P(
    Interfaces, CodegenRefusalTest,
    testing::Values(
        Refusal{"Proto2",
                "syntax = \"proto2\";\nmessage M { optional int32 a = 1; }\n",
                "", "only proto3 is supported"},
        Refusal{"Double", P3("message M { double d = 1; }"), "",
                "field t.M.d: float and double are not allowed"},
        Refusal{"Float", P3("message M { repeated float f = 1; }"), "",
                "float and double are not allowed"},
        Refusal{"Oneof", P3("message M { oneof o { int32 a = 1; } }"), "",
                "oneof is not supported"},
        Refusal{"Map", P3("message M { map<string, int32> m = 1; }"), "",
                "map fields are not supported"},
        Refusal{"Recursive",
                P3("message A { B b = 1; }\nmessage B { repeated A a = 1; }"),
                "", "recursive messages are not supported"},
        Refusal{"ReservedMember", P3("message M { int32 Encode = 1; }"), "",
                "reserved by the generated struct"},
        Refusal{"TwoServices",
                P3("message M {}\nservice A { rpc a(M) returns (M); }\n"
                   "service B { rpc b(M) returns (M); }"),
                "", "at most one service"},
        Refusal{"CamelCaseRpc",
                P3("message M {}\nservice S { rpc Transfer(M) returns (M); }"),
                "", "rpc names are lower_snake_case"},
        Refusal{
            "ReservedPrefixRpc",
            P3("message M {}\nservice S { rpc stack_push(M) returns (M); }"),
            "", "reserved by the host ABI"},
        Refusal{"MemoryRpc",
                P3("message M {}\nservice S { rpc memory(M) returns (M); }"),
                "", "reserved by the host ABI"},
        Refusal{"BallastPrefixRpc",
                P3("message M {}\nservice S { rpc ballast_x(M) returns (M); }"),
                "", "reserved by the host ABI"},
        Refusal{"KeywordRpc",
                P3("message M {}\nservice S { rpc delete(M) returns (M); }"),
                "", "C++ keyword"},
        Refusal{"StreamingRpc",
                P3("message M {}\nservice S { rpc s(stream M) returns (M); }"),
                "", "streaming is not supported"},
        Refusal{"UnknownOption", P3("message M {}"), "fancy",
                "unknown parameter 'fancy'"}),
    [](const testing::TestParamInfo<Refusal>& info) {
      return std::string(info.param.name);
    });

}  // namespace
