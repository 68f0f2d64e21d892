// Deploy-time checks: every refusal names what is wrong, and a good module
// comes out instrumented, valid and byte-for-byte reproducible.

#include "wasm/prepare.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wasm/test_state.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;

struct Rejection {
  const char* module;
  const char* message;
};

class RejectTest : public ::testing::TestWithParam<Rejection> {};

TEST_P(RejectTest, RefusedWithClearMessage) {
  auto prepared = PrepareModule(CorpusModule(GetParam().module), Limits());
  ASSERT_FALSE(prepared.ok()) << GetParam().module << " was accepted";
  EXPECT_EQ(prepared.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(prepared.status().message()),
              HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, RejectTest,
    ::testing::Values(
        Rejection{"float_op",
                  "function 1 ($average): floating point is not "
                  "allowed (float constant)"},
        Rejection{"float_load",
                  "function 1 ($read_price): floating point is "
                  "not allowed (f32.load)"},
        Rejection{"float_local",
                  "($keeps_float): floating point is not "
                  "allowed (float parameter, result or local)"},
        Rejection{"start_function", "a start function is not allowed"},
        Rejection{"unknown_import",
                  "import env.bl_launch_missiles: not a host function of ABI "
                  "v1"},
        Rejection{"wasi_import",
                  "import wasi_snapshot_preview1.fd_write: only "
                  "module \"env\" can be imported"},
        Rejection{"wrong_signature",
                  "import env.bl_input_len: signature () -> (i64) does not "
                  "match ABI v1 () -> (i32)"},
        Rejection{"imported_memory",
                  "import env.memory: only functions may be imported"},
        Rejection{"no_memory_export", "missing required export \"memory\""},
        Rejection{"no_abi_marker",
                  "missing required export \"ballast_abi_v1\""},
        Rejection{"too_much_memory",
                  "memory of 64 initial pages exceeds the limit of 32 pages"},
        Rejection{"method_with_params",
                  "export 'transfer': a method takes no parameters"},
        Rejection{"reserved_export",
                  "export 'ballast_gas': the name is reserved"},
        Rejection{"exported_global", "export 'price': only functions"},
        Rejection{"bad_initialize",
                  "export '_initialize' must be a function of type () -> ()"},
        Rejection{"initialize_not_function",
                  "export '_initialize' must be a function of type () -> ()"},
        Rejection{"table_too_big",
                  "table of 5000 elements exceeds the limit of 4096"},
        Rejection{"too_many_locals",
                  "($hoarder): 1025 locals exceed the limit of 1024"},
        Rejection{"multi_result", "multiple result values are not supported"},
        Rejection{"segment_oob",
                  "data segment 0 ([65530, 65540)) does not fit the initial "
                  "memory of 65536 bytes"},
        Rejection{"elem_oob",
                  "element segment 0 ([1, 3)) does not fit the initial table "
                  "of 2 elements"},
        Rejection{"simd", "malformed module"},
        Rejection{"invalid_types", "invalid module"}),
    [](const auto& info) { return std::string(info.param.module); });

TEST(PrepareTest, MalformedBytes) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "malformed module"},
      {"not wasm at all", "malformed module"},
      {std::string("\0asm\x01\0\0\0\x01", 9), "malformed module"},
      {std::string("\0asm\x02\0\0\0", 8), "malformed module"},
  };
  for (const auto& [bytes, message] : cases) {
    auto prepared = PrepareModule(bytes, Limits());
    ASSERT_FALSE(prepared.ok());
    EXPECT_EQ(prepared.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(prepared.status().message()), HasSubstr(message));
  }
}

// The offsets where `wasm`'s sections end: a module cut there is a shorter
// valid module (only the custom name section is missing, say).
std::set<size_t> SectionEnds(const std::string& wasm) {
  std::set<size_t> ends;
  size_t pos = 8;  // magic and version
  while (pos < wasm.size()) {
    ++pos;  // section id
    uint64_t size = 0;
    for (int shift = 0; pos < wasm.size(); shift += 7) {
      uint8_t byte = static_cast<uint8_t>(wasm[pos++]);
      size |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) break;
    }
    pos += size;
    ends.insert(pos);
  }
  return ends;
}

TEST(PrepareTest, TruncatedModulesAreRefusedNotCrashed) {
  std::string good = CorpusModule("handmade");
  std::set<size_t> ends = SectionEnds(good);
  for (size_t n = 0; n < good.size(); n += 7) {
    auto prepared = PrepareModule(good.substr(0, n), Limits());
    if (ends.count(n)) continue;
    EXPECT_FALSE(prepared.ok()) << "accepted a module cut at " << n;
  }
}

TEST(PrepareTest, CodeSizeLimit) {
  Limits limits;
  limits.max_code_bytes = 100;
  auto prepared = PrepareModule(CorpusModule("handmade"), limits);
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(std::string(prepared.status().message()),
              HasSubstr("exceeds the limit of 100 bytes"));
}

TEST(PrepareTest, GoodModuleListsMethodsAndIsReproducible) {
  std::string wasm = CorpusModule("handmade");
  auto a = PrepareModule(wasm, Limits());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_THAT(
      a->methods,
      ::testing::ElementsAre(
          "abort_input", "divide_by_zero", "echo", "fill", "fill_oob", "grow",
          "grow_one", "host_oob", "indirect_null", "indirect_oob",
          "indirect_type", "many_returns", "oob", "output_max",
          "output_too_big", "overflow", "recurse", "spin", "trap"));
  EXPECT_FALSE(a->has_init);
  EXPECT_GT(a->code.size(), wasm.size());
  auto b = PrepareModule(wasm, Limits());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->code, b->code);
  // The instrumented module passes the checks again except for the names
  // the instrumenter itself reserved.
  auto again = PrepareModule(a->code, Limits());
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.status().message()),
              HasSubstr("'ballast_gas': the name is reserved"));
}

}  // namespace
}  // namespace ballast::wasm
