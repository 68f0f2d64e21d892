// The compiled engine (wasm/compiled/) against the interpreter, the
// reference: the same calls on both must give the same outcome byte for
// byte (kind, message, gas, output, writes, events), on one thread and on
// several; and every way compiling can fail leaves the interpreter running
// with a warning.

#include "wasm/compiled/compiled_engine.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/testing/engine.h"
#include "tests/wasm/test_state.h"
#include "wasm/compiled/c_source.h"
#include "wasm/prepare.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace ballast::wasm {
namespace {

using ::ballast::test::RenderOutcome;
using ::testing::HasSubstr;

std::string Varint(uint64_t v) {
  std::string out;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v) byte |= 0x80;
    out += static_cast<char>(byte);
  } while (v);
  return out;
}

std::string Field(int number, const std::string& value) {
  return std::string(1, static_cast<char>(number << 3 | 2)) +
         Varint(value.size()) + value;
}

// probe's CallRequest: contract, method, input.
std::string ProbeCall(char to, const std::string& method,
                      const std::string& input) {
  return Field(1, Addr(to)) + Field(2, method) + Field(3, input);
}

struct Case {
  std::string contract;  // 20 bytes
  std::string method;
  std::string input;
  uint64_t gas;
};

// Options for the tests that make the engine compile, fail or cache on
// purpose: the compiler at normal priority (as in
// test::CompiledEngineOptionsForTests), no shared cache, warnings to stderr.
CompiledEngineOptions TestOptions() {
  CompiledEngineOptions options;
  options.compile_low_priority = false;
  return options;
}

// One engine per process, over the build's object cache: each module
// compiles once per build.
Engine& SharedCompiledEngine() {
  static Engine* engine =
      NewCompiledEngine(test::CompiledEngineOptionsForTests()).release();
  return *engine;
}

// A runtime over the shared compiled engine: Runtime owns its engine, so
// this one forwards.
class ForwardingEngine final : public Engine {
 public:
  explicit ForwardingEngine(Engine& engine) : engine_(engine) {}
  std::string_view Name() const override { return engine_.Name(); }
  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::string_view code) const override {
    return engine_.Compile(code);
  }

 private:
  Engine& engine_;
};

// Installs `modules` (address byte -> module) on both engines, checks the
// compiled engine really runs them natively, and returns the outcomes of
// `cases` on each.
class Differential {
 public:
  explicit Differential(
      const std::vector<std::pair<char, std::string>>& modules)
      : interp_(NewWabtInterpreterEngine()),
        compiled_(std::make_unique<ForwardingEngine>(SharedCompiledEngine())) {
    for (const auto& [address, wasm] : modules) {
      EXPECT_TRUE(interp_state_.Install(interp_, Addr(address), wasm).ok());
      EXPECT_TRUE(compiled_state_.Install(compiled_, Addr(address), wasm).ok());
      auto prepared = PrepareModule(wasm, Limits());
      EXPECT_TRUE(prepared.ok()) << prepared.status();
      auto module = SharedCompiledEngine().Compile(prepared->code);
      EXPECT_TRUE(module.ok() && RunsNativeCode(**module))
          << "module at " << address << " is not running natively";
    }
  }

  std::string Run(Runtime& runtime, MemoryChainState& state, const Case& c) {
    CallRequest req{c.contract, c.method,           c.input, Addr('s'),
                    c.gas,      {7, 1700000000000}, false};
    return RenderOutcome(runtime.Call(req, state));
  }

  // Compares every case; returns the number that differ.
  int Compare(const std::vector<Case>& cases) {
    int differ = 0;
    for (const Case& c : cases) {
      std::string a = Run(interp_, interp_state_, c);
      std::string b = Run(compiled_, compiled_state_, c);
      if (a != b) {
        ++differ;
        ADD_FAILURE() << c.method << " (gas " << c.gas
                      << ")\n  interpreter: " << a << "\n  compiled:    " << b;
      }
    }
    return differ;
  }

  Runtime& compiled() { return compiled_; }

 private:
  Runtime interp_;
  Runtime compiled_;
  MemoryChainState interp_state_;
  MemoryChainState compiled_state_;
};

std::vector<Case> ProbeCases() {
  const std::string a = Addr('A');
  std::vector<Case> cases = {
      {a, "echo", "hello", 1'000'000},
      {a, "noop", "", 1'000'000},
      {a, "trap", "", 1'000'000},
      {a, "spin", "", 200'000},
      {a, "divide", "\x08\x0e", 1'000'000},
      {a, "divide", "\x08" + Varint(~0ull) + "\x10\x01", 1'000'000},
      {a, "divide", "\x08\x0e\x10\x04", 1'000'000},
      {a, "recurse", "\x08" + Varint(2000), 50'000'000},
      {a, "recurse", "\x08" + Varint(300), 50'000'000},
      {a, "recurse", "\x08" + Varint(100) + "\x10" + Varint(1000), 50'000'000},
      {a, "grow", "\x08" + Varint(40), 10'000'000},
      {a, "grow", "\x08" + Varint(5), 10'000'000},
      {a, "hash", "abc", 1'000'000},
      {a, "abort_with", "bye", 1'000'000},
      {a, "store", "\x0a\x01k\x12\x01v", 1'000'000},
      {a, "emit", "\x0a\x02hi\x10\x03", 1'000'000},
      {a, "call", ProbeCall('B', "trap", ""), 5'000'000},
      {a, "call", ProbeCall('B', "divide", "\x08\x0e"), 5'000'000},
      {a, "call", ProbeCall('B', "spin", ""), 2'000'000},
      {a, "call", ProbeCall('B', "recurse", "\x08" + Varint(2000)), 50'000'000},
      {a, "call", ProbeCall('B', "echo", "nested"), 5'000'000},
      {a, "call",
       ProbeCall('B', "recurse", "\x08" + Varint(100) + "\x10" + Varint(1000)),
       50'000'000},
      {a, "no_such", "", 1'000'000},
      {a, "_initialize", "", 1'000'000},
  };
  // Out of gas at every point of a call, near enough: a sweep of limits.
  for (uint64_t gas = 0; gas < 9000; gas += 97) {
    cases.push_back({a, "echo", "hello", gas});
  }
  return cases;
}

TEST(CompiledEngineTest, ProbeMatchesTheInterpreterOnOneAndFourThreads) {
  std::string probe = ContractModule("probe");
  Differential diff({{'A', probe}, {'B', probe}});
  std::vector<Case> cases = ProbeCases();
  EXPECT_EQ(diff.Compare(cases), 0);

  // The same calls on four threads at once (traps, out of gas, the depth
  // limit, nested calls): each thread unwinds to its own caller.
  std::vector<std::string> expected;
  {
    MemoryChainState state;
    ASSERT_TRUE(state.Install(diff.compiled(), Addr('A'), probe).ok());
    ASSERT_TRUE(state.Install(diff.compiled(), Addr('B'), probe).ok());
    for (size_t i = 0; i < 24; ++i) {
      expected.push_back(diff.Run(diff.compiled(), state, cases[i]));
    }
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      MemoryChainState state;
      if (!state.Install(diff.compiled(), Addr('A'), probe).ok() ||
          !state.Install(diff.compiled(), Addr('B'), probe).ok()) {
        ++mismatches;
        return;
      }
      for (int i = 0; i < 60; ++i) {
        size_t k = (t * 7 + i) % 24;
        // "store" and "emit" change the state a later call sees.
        if (cases[k].method == "store" || cases[k].method == "emit") continue;
        if (diff.Run(diff.compiled(), state, cases[k]) != expected[k]) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The hostile corpus (tests/wasm/corpus): every module the deploy rules
// accept runs every method with a few inputs, to the end and out of gas
// part way, on both engines.
TEST(CompiledEngineTest, EveryDeployableCorpusModuleMatchesTheInterpreter) {
  int deployable = 0;
  for (const auto& file :
       std::filesystem::directory_iterator(BALLAST_CORPUS_DIR)) {
    if (file.path().extension() != ".wasm") continue;
    const std::string name = file.path().stem().string();
    std::string wasm = CorpusModule(name);
    auto prepared = PrepareModule(wasm, Limits());
    if (!prepared.ok()) continue;
    ++deployable;
    SCOPED_TRACE(name);
    Differential diff({{'h', wasm}});
    std::vector<Case> cases;
    for (const std::string& method : prepared->methods) {
      for (const char* input : {"", "x", "abcdefgh"}) {
        for (uint64_t gas : {1'000'000, 5'000, 500}) {
          cases.push_back({Addr('h'), method, input, gas});
        }
      }
    }
    EXPECT_EQ(diff.Compare(cases), 0);
  }
  // handmade, gas, relay, deep_frames at least.
  EXPECT_GE(deployable, 4);
}

TEST(CompiledEngineTest, ADeadlineStopsAPureLoop) {
  // handmade's "spin" is `loop br` with no memory access: gcc would keep the
  // gas counter in a register through it unless the counter is volatile,
  // and the watchdog's write would never be seen: the call would run until
  // its 2^36 gas were spent (seconds) and end out of gas.
  std::string handmade = CorpusModule("handmade");
  Runtime runtime(std::make_unique<ForwardingEngine>(SharedCompiledEngine()));
  MemoryChainState state;
  ASSERT_TRUE(state.Install(runtime, Addr('h'), handmade).ok());
  auto prepared = PrepareModule(handmade, Limits());
  ASSERT_TRUE(prepared.ok());
  auto module = SharedCompiledEngine().Compile(prepared->code);
  ASSERT_TRUE(module.ok() && RunsNativeCode(**module));
  // Loaded before the clock starts: a deadline that passed while compiling
  // would end the call at its first charge, before the loop.
  CallRequest warm{Addr('h'), "echo", "", Addr('s'), 100'000, {}, false};
  ASSERT_TRUE(runtime.Call(warm, state).status.ok());
  CallRequest req{Addr('h'),         "spin", "",   Addr('s'),
                  uint64_t{1} << 36, {},     false};
  req.deadline = absl::Now() + absl::Milliseconds(100);
  absl::Time start = absl::Now();
  CallOutcome out = runtime.Call(req, state);
  EXPECT_EQ(out.failure, FailureKind::kDeadline) << out.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Runs `fn` on a thread with a stack of `bytes`.
void RunOnStack(size_t bytes, void (*fn)(void*), void* arg) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t thread;
  struct Start {
    void (*fn)(void*);
    void* arg;
  } start{fn, arg};
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* p) -> void* {
                  auto* s = static_cast<Start*>(p);
                  s->fn(s->arg);
                  return nullptr;
                },
                &start),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(CompiledEngineTest, AShortNativeStackRunsTheInterpreterInstead) {
  // 900 levels of a function that keeps 96 i64 values across each call:
  // ~720 KB of native stack compiled. On a thread of 512 KiB the
  // engine must see that the recursion might not fit and use the
  // interpreter (whose wasm frames live on the heap): without that check
  // the node would die of a stack overflow.
  std::string wasm = CorpusModule("deep_frames");
  struct Run {
    std::string wasm;
    std::string result;
    size_t remaining = 0;
  };
  auto call = [](void* p) {
    auto* run = static_cast<Run*>(p);
    run->remaining = RemainingNativeStack();
    Runtime runtime(std::make_unique<ForwardingEngine>(SharedCompiledEngine()));
    MemoryChainState state;
    if (!state.Install(runtime, Addr('d'), run->wasm).ok()) return;
    CallRequest req{Addr('d'),   "deep", "123456789", Addr('s'),
                    100'000'000, {},     false};
    run->result = RenderOutcome(runtime.Call(req, state));
  };
  Run big{wasm, "", 0}, small{wasm, "", 0};
  call(&big);  // the test's own thread: 8 MiB
  RunOnStack(size_t{512} << 10, call, &small);
  EXPECT_THAT(big.result, HasSubstr("ok gas="));
  EXPECT_EQ(small.result, big.result);
  EXPECT_LT(small.remaining, size_t{512} << 10);
  EXPECT_GT(small.remaining, size_t{256} << 10);

  Runtime interp(NewWabtInterpreterEngine());
  MemoryChainState state;
  ASSERT_TRUE(state.Install(interp, Addr('d'), wasm).ok());
  CallRequest req{Addr('d'),   "deep", "123456789", Addr('s'),
                  100'000'000, {},     false};
  EXPECT_EQ(RenderOutcome(interp.Call(req, state)), big.result);
}

// A compiled engine whose compiles go wrong in the given way: each must
// warn and leave the interpreter running the module, with the same result.
void ExpectFallback(CompiledEngineOptions options, const std::string& why) {
  std::vector<std::string> warnings;
  options.warn = [&](std::string_view line) { warnings.emplace_back(line); };
  std::unique_ptr<Engine> engine = NewCompiledEngine(options);
  std::string handmade = CorpusModule("handmade");
  auto prepared = PrepareModule(handmade, Limits());
  ASSERT_TRUE(prepared.ok());
  auto module = engine->Compile(prepared->code);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(RunsNativeCode(**module));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("stays in the interpreter"));
  EXPECT_THAT(warnings[0], HasSubstr(why));
  // Not retried: a second compile neither warns nor compiles again.
  ASSERT_TRUE(engine->Compile(prepared->code).ok());
  EXPECT_EQ(warnings.size(), 1u);

  Runtime runtime(std::move(engine));
  Runtime interp(NewWabtInterpreterEngine());
  MemoryChainState a, b;
  ASSERT_TRUE(a.Install(runtime, Addr('h'), handmade).ok());
  ASSERT_TRUE(b.Install(interp, Addr('h'), handmade).ok());
  for (const char* method : {"echo", "oob", "many_returns"}) {
    CallRequest req{Addr('h'), method, "hi", Addr('s'), 10'000'000, {}, false};
    EXPECT_EQ(RenderOutcome(runtime.Call(req, a)),
              RenderOutcome(interp.Call(req, b)))
        << method;
  }
}

TEST(CompiledEngineTest, EveryCompileFailureFallsBackToTheInterpreter) {
  std::string dir = testing::TempDir() + "/compiled-fallback";
  std::filesystem::create_directories(dir);
  std::string slow = dir + "/slow-cc";
  std::ofstream(slow) << "#!/bin/sh\nsleep 30\n";
  std::filesystem::permissions(slow, std::filesystem::perms::owner_all);

  CompiledEngineOptions missing = TestOptions();
  missing.cc = "/nonexistent/cc";
  ExpectFallback(missing, "/nonexistent/cc");

  CompiledEngineOptions failing = TestOptions();
  failing.cc = "/bin/false";
  ExpectFallback(failing, "exit");

  CompiledEngineOptions timeout = TestOptions();
  timeout.cc = slow;
  timeout.compile_timeout = absl::Milliseconds(300);
  ExpectFallback(timeout, "timed out");

  CompiledEngineOptions too_much_c = TestOptions();
  too_much_c.max_c_source_bytes = 1000;
  ExpectFallback(too_much_c, "over the limit of 1000");

  CompiledEngineOptions big_frames = TestOptions();
  big_frames.max_frame_bytes = 1;
  ExpectFallback(big_frames, "native frame of");
}

TEST(TieredEngineTest, CallsSwitchToCompiledCodeOnceItIsReady) {
  CompiledEngineOptions options = TestOptions();
  options.compile_after_calls = 3;
  std::unique_ptr<Engine> engine = NewTieredEngine(options);
  std::string handmade = CorpusModule("handmade");
  auto prepared = PrepareModule(handmade, Limits());
  ASSERT_TRUE(prepared.ok());
  auto module = engine->Compile(prepared->code);
  ASSERT_TRUE(module.ok());
  EXPECT_FALSE(RunsNativeCode(**module));

  Runtime runtime(std::make_unique<ForwardingEngine>(*engine));
  Runtime interp(NewWabtInterpreterEngine());
  MemoryChainState a, b;
  ASSERT_TRUE(a.Install(runtime, Addr('h'), handmade).ok());
  ASSERT_TRUE(b.Install(interp, Addr('h'), handmade).ok());
  auto same = [&](const char* method) {
    CallRequest req{Addr('h'), method, "hi", Addr('s'), 1'000'000, {}, false};
    return RenderOutcome(runtime.Call(req, a)) ==
           RenderOutcome(interp.Call(req, b));
  };
  // Two calls: not yet queued; nothing compiles.
  EXPECT_TRUE(same("echo"));
  EXPECT_TRUE(same("oob"));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(RunsNativeCode(**module));
  // The third queues it; calls go on in the interpreter meanwhile, with the
  // same results, and switch once it is loaded.
  absl::Time give_up = absl::Now() + absl::Seconds(120);
  int calls = 0;
  while (!RunsNativeCode(**module) && absl::Now() < give_up) {
    EXPECT_TRUE(same(calls % 2 ? "echo" : "divide_by_zero"));
    ++calls;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(RunsNativeCode(**module));
  for (const char* method : {"echo", "oob", "trap", "many_returns"}) {
    EXPECT_TRUE(same(method)) << method;
  }
}

TEST(TieredEngineTest, StoppingKillsACompileInProgress) {
  std::string dir = testing::TempDir() + "/tiered-stop";
  std::filesystem::create_directories(dir);
  std::string slow = dir + "/slow-cc";
  std::ofstream(slow) << "#!/bin/sh\nsleep 60\n";
  std::filesystem::permissions(slow, std::filesystem::perms::owner_all);
  CompiledEngineOptions options = TestOptions();
  options.cc = slow;
  options.compile_after_calls = 0;  // at once
  std::vector<std::string> warnings;
  options.warn = [&](std::string_view line) { warnings.emplace_back(line); };
  std::unique_ptr<Engine> engine = NewTieredEngine(options);
  auto prepared = PrepareModule(CorpusModule("handmade"), Limits());
  ASSERT_TRUE(prepared.ok());
  ASSERT_TRUE(engine->Compile(prepared->code).ok());
  absl::SleepFor(absl::Milliseconds(300));  // the compiler is running
  absl::Time start = absl::Now();
  engine.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(warnings.empty());  // a cancelled compile is no failure
}

TEST(TieredEngineTest, EngineNames) {
  EXPECT_EQ((*NewEngine("interp"))->Name(), "wabt-interp");
  EXPECT_EQ((*NewEngine("compiled"))->Name(), "wasm2c");
  EXPECT_EQ((*NewEngine("auto"))->Name(), "tiered");
  absl::StatusOr<std::unique_ptr<Engine>> bad = NewEngine("jit");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown engine 'jit' (interp, compiled or auto)");
}

TEST(CompiledEngineTest, ModulesLoadedAtOnceEachRunTheirOwnCode) {
  // Each object is loaded from its own memory file; a path reused while the
  // first is loaded would hand back the first object.
  std::vector<std::shared_ptr<const CompiledModule>> held;
  for (const char* name : {"handmade", "deep_frames", "gas"}) {
    auto prepared = PrepareModule(CorpusModule(name), Limits());
    ASSERT_TRUE(prepared.ok()) << name;
    auto module = SharedCompiledEngine().Compile(prepared->code);
    ASSERT_TRUE(module.ok() && RunsNativeCode(**module)) << name;
    held.push_back(*module);
  }
  Differential diff(
      {{'h', CorpusModule("handmade")}, {'d', CorpusModule("deep_frames")}});
  EXPECT_EQ(diff.Compare({{Addr('h'), "echo", "abc", 1'000'000},
                          {Addr('d'), "deep", "12", 10'000'000},
                          {Addr('d'), "echo", "", 1'000'000}}),
            0);
}

// Compiles corpus module `name` on a fresh engine with `options`; returns
// whether it runs natively, and appends the engine's warnings.
bool CompileFresh(CompiledEngineOptions options, const std::string& name,
                  std::vector<std::string>* warnings) {
  options.warn = [&](std::string_view line) { warnings->emplace_back(line); };
  auto prepared = PrepareModule(CorpusModule(name), Limits());
  auto module = NewCompiledEngine(options)->Compile(prepared->code);
  return module.ok() && RunsNativeCode(**module);
}

std::vector<std::string> CachedObjects(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() == ".so") names.push_back(f.path().string());
  }
  return names;
}

TEST(ObjectCacheTest, ARestartLoadsTheObjectAndACorruptOneIsRebuilt) {
  std::string dir = testing::TempDir() + "/object-cache";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // gcc, counting the compiles (not the identity queries).
  std::string cc = dir + "-cc", count = dir + "-count";
  std::ofstream(cc) << "#!/bin/sh\ncase \"$1\" in -dump*) ;; *) echo >> "
                    << count << ";; esac\nexec /usr/bin/gcc \"$@\"\n";
  std::filesystem::permissions(cc, std::filesystem::perms::owner_all);
  std::filesystem::remove(count);
  auto compiles = [&] {
    std::ifstream in(count);
    return std::count(std::istreambuf_iterator<char>(in),
                      std::istreambuf_iterator<char>(), '\n');
  };
  CompiledEngineOptions options = TestOptions();
  options.cc = cc;
  options.cache_dir = dir;
  // What a compile cut short by a crash left behind goes when an engine
  // starts on the cache.
  std::filesystem::create_directories(dir + "/work/ballast-cc-crashed");
  std::ofstream(dir + "/work/ballast-cc-crashed/c.c") << "int x;";
  std::vector<std::string> warnings;
  ASSERT_TRUE(CompileFresh(options, "handmade", &warnings));
  EXPECT_FALSE(std::filesystem::exists(dir + "/work/ballast-cc-crashed"));
  EXPECT_TRUE(std::filesystem::is_empty(dir + "/work"));
  ASSERT_EQ(CachedObjects(dir).size(), 1u);
  EXPECT_EQ(compiles(), 1);

  // A new engine (a restarted node) loads it without compiling.
  EXPECT_TRUE(CompileFresh(options, "handmade", &warnings));
  EXPECT_EQ(compiles(), 1);
  EXPECT_TRUE(warnings.empty());

  // One flipped byte: discarded with a warning, never loaded, rebuilt.
  std::string so = CachedObjects(dir)[0];
  std::string bytes = ReadFileOrDie(so);
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(so, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_TRUE(CompileFresh(options, "handmade", &warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("discarded: the object does not match"));
  EXPECT_EQ(compiles(), 2);
  EXPECT_NE(ReadFileOrDie(CachedObjects(dir)[0]), bytes);
}

TEST(ObjectCacheTest, TheCacheKeepsTheMostRecentWithinItsCap) {
  std::string dir = testing::TempDir() + "/object-cache-cap";
  std::filesystem::remove_all(dir);
  CompiledEngineOptions options = TestOptions();
  options.cache_dir = dir;
  options.cache_bytes = 1;  // room for the newest only
  std::vector<std::string> warnings;
  ASSERT_TRUE(CompileFresh(options, "handmade", &warnings));
  ASSERT_TRUE(CompileFresh(options, "deep_frames", &warnings));
  EXPECT_EQ(CachedObjects(dir).size(), 1u);
  EXPECT_TRUE(warnings.empty());
}

TEST(CompiledEngineTest, NamesAreMangledAsWasm2cDoes) {
  EXPECT_EQ(MangleCName("transfer"), "transfer");
  EXPECT_EQ(MangleCName("_x__y"), "_x__y");
  EXPECT_EQ(MangleCName("aZb"), "aZ5Ab");
  EXPECT_EQ(MangleCName("a.b-c"), "aZ2EbZ2Dc");
  EXPECT_EQ(MangleCName("\xc3\xa9t\xc3\xa9"), "ZC3ZA9tZC3ZA9");
}

}  // namespace
}  // namespace ballast::wasm
