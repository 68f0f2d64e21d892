// The host function table (wasm/host_functions.h): every entry is complete,
// its gas rule is the documented one, host_abi.h describes exactly its
// functions, and every function dispatches by index through the table to a
// handler that takes its charge before any work. Handlers run against
// FakeContext, a HostContext over plain memory that records what they do.

#include "wasm/host_functions.h"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "tests/testing/files.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"

namespace ballast::wasm {
namespace {

using ::testing::ElementsAreArray;
using ::testing::StartsWith;

// Bytes as a test reads them: quoted if printable, else hex.
std::string Show(std::string_view bytes) {
  for (char c : bytes) {
    if (c < 0x20 || c > 0x7e) return ToHex(bytes);
  }
  return StrCat("\"", bytes, "\"");
}

// A HostContext over a 256-byte memory that records every effect, in order,
// as a short line.
class FakeContext : public HostContext {
 public:
  FakeContext() : memory(256, '\0') {}

  absl::Status Charge(int64_t gas) override {
    trace.push_back(StrCat("charge ", gas));
    gas_ -= gas;
    if (gas_ < 0) return Fail(FailureKind::kOutOfGas, "gas");
    return absl::OkStatus();
  }
  int64_t GasLeft() const override { return std::max<int64_t>(gas_, 0); }
  absl::Status Fail(FailureKind kind, std::string_view reason) override {
    trace.push_back(StrCat("fail ", FailureKindName(kind), ": ", reason));
    return absl::Status(StatusCodeOf(kind), ToAbsl(reason));
  }
  const Limits& limits() const override { return limits_; }

  absl::StatusOr<std::string_view> ReadGuest(uint64_t ptr,
                                             uint64_t len) override {
    if (ptr > memory.size() || len > memory.size() - ptr) {
      return Fail(FailureKind::kTrap, "out of bounds");
    }
    trace.push_back(StrCat("read [", ptr, ",", ptr + len, ")"));
    return std::string_view(memory).substr(ptr, len);
  }
  absl::Status WriteGuest(uint64_t ptr, std::string_view bytes) override {
    if (ptr > memory.size() || bytes.size() > memory.size() - ptr) {
      return Fail(FailureKind::kTrap, "out of bounds");
    }
    trace.push_back(StrCat("write ", ptr, " ", Show(bytes)));
    memory.replace(ptr, bytes.size(), bytes);
    return absl::OkStatus();
  }

  std::string_view Input() const override { return "in"; }
  void SetOutput(std::string bytes) override {
    trace.push_back(StrCat("output ", Show(bytes)));
  }
  std::string_view Caller() const override { return caller_; }
  std::string_view Origin() const override { return origin_; }
  std::string_view Self() const override { return self_; }
  uint64_t BlockHeight() const override { return 42; }
  int64_t BlockTime() const override { return 1700; }

  absl::StatusOr<std::optional<std::string>> ReadStorage(
      std::string_view key) override {
    trace.push_back(StrCat("storage read ", Show(key)));
    auto it = storage.find(std::string(key));
    if (it == storage.end()) return std::nullopt;
    return it->second;
  }
  void WriteStorage(std::string_view key,
                    std::optional<std::string> value) override {
    trace.push_back(value
                        ? StrCat("storage write ", Show(key), "=", Show(*value))
                        : StrCat("storage remove ", Show(key)));
  }
  size_t EventCount() const override { return 0; }
  void EmitEvent(std::string name, std::string data) override {
    trace.push_back(StrCat("event ", name, " ", Show(data)));
  }
  absl::StatusOr<uint32_t> Instantiate(std::string template_addr,
                                       std::string init, std::string salt,
                                       std::string* address) override {
    trace.push_back(StrCat("instantiate ", Show(template_addr), " ", Show(init),
                           " ", Show(salt)));
    *address = std::string(20, 'n');
    return 0;
  }
  size_t PacketCount() const override { return 0; }
  void SendPacket(std::string channel, std::string data,
                  uint64_t timeout_height, int64_t timeout_ms) override {
    trace.push_back(StrCat("packet ", channel, " ", Show(data), " ",
                           timeout_height, " ", timeout_ms));
  }
  absl::StatusOr<uint32_t> CallContract(std::string target, std::string method,
                                        std::string input) override {
    trace.push_back(
        StrCat("call ", Show(target), " ", method, " ", Show(input)));
    return 0;
  }
  std::string_view ReturnData() const override { return "ret"; }
  void Log(std::string_view message) override {
    trace.push_back(StrCat("log ", Show(message)));
  }

  void Put(size_t offset, std::string_view bytes) {
    memory.replace(offset, bytes.size(), bytes);
  }
  void set_gas(int64_t gas) { gas_ = gas; }

  std::string memory;
  std::vector<std::string> trace;
  std::map<std::string, std::string> storage;

 private:
  int64_t gas_ = 1'000'000;
  Limits limits_;
  std::string caller_ = std::string(20, 'c');
  std::string origin_ = std::string(20, 'o');
  std::string self_ = std::string(20, 's');
};

// Memory for the cases: "abc" at 0, "xy" at 16, "Evt" at 32, an address of
// 20 'T's at 64; results go to 100.
void FillMemory(FakeContext& ctx) {
  ctx.Put(0, "abc");
  ctx.Put(16, "xy");
  ctx.Put(32, "Evt");
  ctx.Put(64, std::string(20, 'T'));
  ctx.storage["abc"] = "value";
}

struct Case {
  std::string name;
  std::vector<uint64_t> args;
  std::string trace;  // what the call does, "; "-separated
  uint64_t result = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
};

const std::string kSha256OfAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// One call of every host function: the trace shows the order of work
// (charge first), the gas of each step and the effect.
std::vector<Case> Cases() {
  return {
      {"bl_input_len", {}, "charge 40", 2},
      {"bl_input_read", {100}, "charge 40; charge 1; write 100 \"in\""},
      {"bl_output_write",
       {0, 3},
       "charge 40; read [0,3); charge 1; read [0,3); output \"abc\""},
      {"bl_storage_read",
       {0, 3, 100, 8},
       "charge 1040; read [0,3); charge 1; read [0,3); storage read \"abc\"; "
       "charge 1; write 100 \"value\"",
       5},
      {"bl_storage_write",
       {0, 3, 16, 2},
       "charge 1040; read [0,3); read [16,18); charge 15; read [0,3); "
       "read [16,18); storage write \"abc\"=\"xy\""},
      {"bl_storage_remove",
       {0, 3},
       "charge 540; read [0,3); charge 9; read [0,3); storage remove \"abc\""},
      {"bl_emit_event",
       {32, 3, 16, 2},
       "charge 340; read [32,35); read [16,18); charge 5; read [32,35); "
       "read [16,18); event Evt \"xy\""},
      {"bl_send_packet",
       {32, 3, 16, 2, 7, 9},
       "charge 2040; read [32,35); read [16,18); charge 5; read [32,35); "
       "read [16,18); packet Evt \"xy\" 7 9"},
      {"bl_abort",
       {0, 3},
       "charge 40; read [0,3); charge 1; read [0,3); fail aborted: abc",
       0,
       absl::StatusCode::kFailedPrecondition},
      {"bl_caller",
       {100},
       "charge 43; read [100,120); write 100 \"cccccccccccccccccccc\""},
      {"bl_origin",
       {100},
       "charge 43; read [100,120); write 100 \"oooooooooooooooooooo\""},
      {"bl_self",
       {100},
       "charge 43; read [100,120); write 100 \"ssssssssssssssssssss\""},
      {"bl_block_height", {}, "charge 40", 42},
      {"bl_block_time", {}, "charge 40", 1700},
      {"bl_call",
       {64, 0, 3, 16, 2},
       "charge 1043; read [64,84); read [0,3); read [16,18); charge 2; "
       "read [64,84); read [0,3); read [16,18); "
       "call \"TTTTTTTTTTTTTTTTTTTT\" abc \"xy\"",
       0},
      {"bl_instantiate",
       {64, 0, 3, 16, 2, 100},
       "charge 20045; read [64,84); read [0,3); read [16,18); read "
       "[100,120); charge 2; read [64,84); read [0,3); read [16,18); "
       "instantiate \"TTTTTTTTTTTTTTTTTTTT\" \"abc\" \"xy\"; write 100 "
       "\"nnnnnnnnnnnnnnnnnnnn\""},
      {"bl_return_len", {}, "charge 40", 3},
      {"bl_return_read", {100}, "charge 40; charge 1; write 100 \"ret\""},
      {"bl_sha256",
       {0, 3, 100},
       "charge 140; read [0,3); read [100,132); charge 1; read [0,3); "
       "write 100 " +
           kSha256OfAbc},
      {"bl_gas_left", {}, "charge 40", 1'000'000 - 40},
      {"bl_log",
       {0, 3},
       "charge 40; read [0,3); charge 1; read [0,3); log \"abc\""},
  };
}

TEST(HostFunctionTableTest, EveryEntryIsComplete) {
  std::set<std::string_view> names;
  for (const HostFunction& f : kHostFunctions) {
    SCOPED_TRACE(f.name);
    EXPECT_THAT(std::string(f.name), StartsWith("bl_"));
    EXPECT_TRUE(names.insert(f.name).second) << "listed twice";
    EXPECT_NE(f.handler, nullptr);
    EXPECT_GE(f.gas.base, kGasHostCall);
    EXPECT_EQ(FindHostFunction(f.name), &f - kHostFunctions.data());
    bool writes_guest = false;
    std::set<std::string_view> params;
    for (const HostParam& p : f.Params()) {
      EXPECT_FALSE(p.name.empty());
      EXPECT_TRUE(params.insert(p.name).second) << p.name << " twice";
      writes_guest |= p.kind == ParamKind::kGuestOut;
    }
    for (const ByteTerm& t : f.gas.per_arg_byte) {
      if (t.param < 0) continue;
      ASSERT_LT(t.param, f.num_params);
      EXPECT_EQ(f.params[t.param].kind, ParamKind::kLength);
      EXPECT_GT(t.rate.gas, 0);
      EXPECT_GT(t.rate.bytes, 0);
    }
    if (f.gas.produced_rate.gas != 0) {
      EXPECT_TRUE(writes_guest) << "produced bytes go to a guest pointer";
      EXPECT_FALSE(f.gas.produced.empty());
    }
  }
  EXPECT_EQ(FindHostFunction("bl_launch_missiles"), -1);
  EXPECT_EQ(names.size(), 21u);
}

// Known answers, written from the cost model in gas.h: a change of a host
// function's price shows up here.
TEST(HostFunctionTableTest, GasRulesAreTheDocumentedOnes) {
  std::vector<std::string> rules;
  for (const HostFunction& f : kHostFunctions) {
    rules.push_back(StrCat(f.name, ": ", DescribeGas(f)));
  }
  EXPECT_THAT(
      rules,
      ElementsAreArray({
          "bl_input_len: 40",
          "bl_input_read: 40 + 1 per 8 bytes of the input",
          "bl_output_write: 40 + 1 per 8 bytes of len",
          "bl_storage_read: 1040 + 1 per 64 bytes of key_len + 1 per 64 "
          "bytes of the stored value (all of it, also past cap)",
          "bl_storage_write: 1040 + 3 per byte of key_len + 3 per byte of "
          "val_len",
          "bl_storage_remove: 540 + 3 per byte of key_len",
          "bl_emit_event: 340 + 1 per byte of name_len + 1 per byte of "
          "data_len",
          "bl_send_packet: 2040 + 1 per 8 bytes of chan_len + 2 per byte of "
          "data_len",
          "bl_abort: 40 + 1 per 8 bytes of msg_len (at most 1024)",
          "bl_caller: 43",
          "bl_origin: 43",
          "bl_self: 43",
          "bl_block_height: 40",
          "bl_block_time: 40",
          "bl_call: 1043 + 1 per 8 bytes of method_len + 1 per 8 bytes of "
          "input_len",
          "bl_instantiate: 20045 + 1 per 8 bytes of init_len + 1 per 8 "
          "bytes of salt_len",
          "bl_return_len: 40",
          "bl_return_read: 40 + 1 per 8 bytes of the call's result",
          "bl_sha256: 140 + 1 per 3 bytes of len",
          "bl_gas_left: 40",
          "bl_log: 40 + 1 per 8 bytes of msg_len",
      }));
  const HostFunction& abort = kHostFunctions[FindHostFunction("bl_abort")];
  EXPECT_EQ(abort.gas.Upfront(std::vector<uint64_t>{0, 5000}), 40 + 1024 / 8);
  const HostFunction& write =
      kHostFunctions[FindHostFunction("bl_storage_write")];
  EXPECT_EQ(write.gas.Upfront(std::vector<uint64_t>{0, 3, 0, 0xffffffff}),
            1040 + 9 + 3 * int64_t{0xffffffff});
}

// host_abi.h, the ABI in words, names each function with its parameters
// ("//   bl_x(a, b) -> i32"): the same functions, parameters and results as
// the table, in the same order.
TEST(HostFunctionTableTest, HostAbiTextDescribesExactlyTheTable) {
  std::string text =
      test::ReadFileOrDie(std::string(BALLAST_SOURCE_DIR) + "/wasm/host_abi.h");
  std::regex line(R"re(\n//   (bl_\w+)\(([^)]*)\) -> (\(\)|i32|i64))re");
  std::vector<std::string> documented;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line);
       it != std::sregex_iterator(); ++it) {
    documented.push_back(
        StrCat((*it)[1].str(), "(", (*it)[2].str(), ") -> ", (*it)[3].str()));
  }
  std::vector<std::string> table;
  for (const HostFunction& f : kHostFunctions) {
    std::vector<std::string> params;
    for (const HostParam& p : f.Params()) params.emplace_back(p.name);
    std::optional<ValType> r = WasmTypeOf(f.result);
    table.push_back(StrCat(f.name, "(", absl::StrJoin(params, ", "), ") -> ",
                           !r                    ? "()"
                           : *r == ValType::kI32 ? "i32"
                                                 : "i64"));
  }
  EXPECT_THAT(documented, ElementsAreArray(table));
}

TEST(HostFunctionDispatchTest, EveryFunctionDispatchesThroughTheTable) {
  std::set<std::string> covered;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    int index = FindHostFunction(c.name);
    ASSERT_GE(index, 0);
    FakeContext ctx;
    FillMemory(ctx);
    uint64_t result = 12345;
    absl::Status s = InvokeHostFunction(index, ctx, c.args, &result);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_EQ(absl::StrJoin(ctx.trace, "; "), c.trace);
    if (s.ok()) {
      EXPECT_EQ(result, c.result);
    }
    covered.insert(c.name);
  }
  for (const HostFunction& f : kHostFunctions) {
    EXPECT_TRUE(covered.count(std::string(f.name))) << f.name << " untested";
  }
}

TEST(HostFunctionDispatchTest, ChargeIsTakenBeforeAnyWork) {
  // One gas short of the base: the call fails as out of gas having done
  // nothing else. One gas short of the whole upfront charge: it has only
  // checked its guest ranges, and nothing else, whatever the function.
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    int index = FindHostFunction(c.name);
    const int64_t base = kHostFunctions[index].gas.base;
    const int64_t upfront = kHostFunctions[index].gas.Upfront(c.args);
    for (int64_t gas : {base - 1, upfront - 1}) {
      if (gas < base - 1) continue;
      FakeContext ctx;
      FillMemory(ctx);
      const std::string memory = ctx.memory;
      ctx.set_gas(gas);
      uint64_t result = 12345;
      absl::Status s = InvokeHostFunction(index, ctx, c.args, &result);
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
      ASSERT_FALSE(ctx.trace.empty());
      EXPECT_EQ(ctx.trace.front(), StrCat("charge ", base));
      EXPECT_EQ(ctx.trace.back(), "fail out of gas: gas");
      if (gas >= base) {
        ASSERT_GE(ctx.trace.size(), 3u);
        EXPECT_EQ(ctx.trace[ctx.trace.size() - 2],
                  StrCat("charge ", upfront - base));
        for (size_t i = 1; i + 2 < ctx.trace.size(); ++i) {
          EXPECT_TRUE(ctx.trace[i].starts_with("read [")) << ctx.trace[i];
        }
      } else {
        EXPECT_EQ(ctx.trace.size(), 2u);
      }
      EXPECT_EQ(ctx.memory, memory);
      EXPECT_EQ(result, 12345u);
    }
  }
}

TEST(HostFunctionDispatchTest, ABadPointerPaysOnlyTheBase) {
  // The attack of issue 7, the other way round: bl_sha256 of 1000 bytes
  // into a digest that would end past memory traps before the per-byte
  // charge, since no hashing happens.
  FakeContext ctx;
  uint64_t result;
  absl::Status s =
      InvokeHostFunction(FindHostFunction("bl_sha256"), ctx,
                         std::vector<uint64_t>{0, 200, 250}, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 140; read [0,200); fail trapped: out of bounds");
}

TEST(HostFunctionDispatchTest, ProducedBytesAreChargedBeforeTheyAreWritten) {
  // The input ("in") and the return data ("ret") are charged before the
  // write that would copy them.
  const std::pair<const char*, const char*> cases[] = {
      {"bl_input_read", "charge 40; charge 1; fail out of gas: gas"},
      {"bl_return_read", "charge 40; charge 1; fail out of gas: gas"},
  };
  for (const auto& [name, trace] : cases) {
    FakeContext ctx;
    ctx.set_gas(40);
    uint64_t result;
    EXPECT_EQ(InvokeHostFunction(FindHostFunction(name), ctx,
                                 std::vector<uint64_t>{100}, &result)
                  .code(),
              absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(absl::StrJoin(ctx.trace, "; "), trace);
  }
  FakeContext ctx;
  FillMemory(ctx);
  ctx.set_gas(1041);
  uint64_t result;
  EXPECT_FALSE(InvokeHostFunction(FindHostFunction("bl_storage_read"), ctx,
                                  std::vector<uint64_t>{0, 3, 100, 8}, &result)
                   .ok());
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 1040; read [0,3); charge 1; read [0,3); storage read "
            "\"abc\"; charge 1; fail out of gas: gas");
}

TEST(HostFunctionDispatchTest, RefusedArgumentsAreChargedFirst) {
  // The upfront charge stands whatever the handler then refuses.
  FakeContext ctx;
  ctx.memory.assign(70'000, '\0');
  uint64_t result;
  absl::Status s =
      InvokeHostFunction(FindHostFunction("bl_output_write"), ctx,
                         std::vector<uint64_t>{0, 64 * 1024 + 1}, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 40; read [0,65537); charge 8193; fail limit exceeded: "
            "output of 65537 bytes exceeds the limit of 65536");
  ctx.trace.clear();
  ctx.memory.assign(256, '\0');
  // A range past memory: the base only (no per-byte work was done).
  s = InvokeHostFunction(FindHostFunction("bl_log"), ctx,
                         std::vector<uint64_t>{250, 10}, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 40; fail trapped: out of bounds");
  ctx.trace.clear();
  ctx.Put(0, "1x");
  s = InvokeHostFunction(FindHostFunction("bl_emit_event"), ctx,
                         std::vector<uint64_t>{0, 2, 0, 0}, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 340; read [0,2); read [0,0); charge 2; read [0,2); "
            "read [0,0); fail trapped: bl_emit_event: event name '1x' is not "
            "an identifier");
}

TEST(HostFunctionDispatchTest, AbsentKeyReadsAsMinusOneWithoutValueCharge) {
  FakeContext ctx;
  ctx.Put(0, "nope");
  uint64_t result;
  ASSERT_TRUE(InvokeHostFunction(FindHostFunction("bl_storage_read"), ctx,
                                 std::vector<uint64_t>{0, 4, 100, 8}, &result)
                  .ok());
  EXPECT_EQ(result, 0xffffffffu);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "charge 1040; read [0,4); charge 1; read [0,4); storage read "
            "\"nope\"");
}

TEST(HostFunctionDispatchTest, WrongArityIsAnInternalError) {
  FakeContext ctx;
  uint64_t result;
  absl::Status s = InvokeHostFunction(FindHostFunction("bl_log"), ctx,
                                      std::vector<uint64_t>{1, 2, 3}, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(absl::StrJoin(ctx.trace, "; "),
            "fail internal: host function 20 called with 3 arguments");
  EXPECT_EQ(InvokeHostFunction(-1, ctx, {}, &result).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(InvokeHostFunction(static_cast<int>(kHostFunctions.size()), ctx, {},
                               &result)
                .code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace ballast::wasm
