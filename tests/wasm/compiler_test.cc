#include "wasm/compiled/compiler.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ballast::wasm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGcc[] = "/usr/bin/gcc";

// True once `pid` no longer runs, within a few seconds. A killed grandchild
// is reparented; if nobody reaps it (PID 1 in a container may not), it
// stays a zombie, which has stopped running too.
bool Gone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() &&
        line[paren + 2] == 'Z') {
      return true;
    }
    usleep(10 * 1000);
  }
  return false;
}

// The whole status as one string, for matchers and failure messages.
std::string Text(const absl::Status& s) { return s.ToString(); }

// Normal priority: ctest keeps both cores busy, and an idle-priority child
// (the default, compiler.h) could wait seconds for a turn.
CompilerLimits Quick() {
  CompilerLimits limits;
  limits.low_priority = false;
  return limits;
}

class CompilerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "compiler_test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
  }
  std::string Read(const std::string& name) const {
    std::stringstream text;
    text << std::ifstream(Path(name)).rdbuf();
    return text.str();
  }
  absl::Status Sh(const std::string& script, CompilerLimits limits = Quick()) {
    return RunCompiler({"/bin/sh", {"-c", script}, dir_}, limits);
  }

  std::string dir_;
};

TEST_F(CompilerTest, CompilesAnObject) {
  Write("add.c", "int add(int a, int b) { return a + b; }\n");
  EXPECT_TRUE(
      RunCompiler({kGcc, {"-c", "add.c", "-o", "add.o"}, dir_}, Quick()).ok());
  EXPECT_TRUE(std::filesystem::exists(Path("add.o")));
}

TEST_F(CompilerTest, SyntaxErrorReportsTheLog) {
  Write("bad.c", "int f( {\n");
  absl::Status s = RunCompiler({kGcc, {"-c", "bad.c"}, dir_}, Quick());
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Text(s), HasSubstr("compiler exited with status 1"));
  EXPECT_THAT(Text(s), HasSubstr("bad.c:1:"));
  EXPECT_THAT(Text(s), HasSubstr("error:"));
  EXPECT_THAT(Read("compiler.log"), HasSubstr("error:"));
}

TEST_F(CompilerTest, LogTailIsBounded) {
  absl::Status s =
      Sh("i=0; while [ $i -lt 1000 ]; do echo line $i >&2; i=$((i+1)); done; "
         "exit 3");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Text(s), HasSubstr("status 3: "));
  EXPECT_THAT(Text(s), HasSubstr("line 998\nline 999"));
  EXPECT_THAT(Text(s), Not(HasSubstr("line 10\n")));
  EXPECT_LT(s.message().size(), 2200u) << s;
}

TEST_F(CompilerTest, MissingProgramIsNotFound) {
  absl::Status s = RunCompiler({"/nonexistent/cc", {}, dir_}, Quick());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(Text(s), HasSubstr("/nonexistent/cc"));
}

TEST_F(CompilerTest, NonExecutableProgramIsNotFound) {
  Write("plain.txt", "not a program\n");
  absl::Status s = RunCompiler({Path("plain.txt"), {}, dir_}, Quick());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

TEST_F(CompilerTest, ProgramThatExits127IsNotNotFound) {
  absl::Status s = Sh("exit 127");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_THAT(Text(s), HasSubstr("exited with status 127"));
}

TEST_F(CompilerTest, RelativeProgramIsInvalid) {
  EXPECT_EQ(RunCompiler({"gcc", {}, dir_}, Quick()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CompilerTest, MissingDirIsAPrecondition) {
  EXPECT_EQ(RunCompiler({kGcc, {}, Path("missing")}, Quick()).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(CompilerTest, KilledAtTheDeadline) {
  CompilerLimits limits = Quick();
  limits.timeout = absl::Milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  absl::Status s = Sh("sleep 30", limits);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(std::string(s.message()), "compiler timed out after 0.2s");
}

TEST_F(CompilerTest, DeadlineKillsGrandchildren) {
  // The child runs at SCHED_IDLE: on a busy machine it may not reach the
  // `echo` before a short deadline, so the deadline grows until it does.
  pid_t grandchild = 0;
  for (int ms : {200, 1000, 4000}) {
    if (grandchild > 0) break;
    CompilerLimits limits = Quick();
    limits.timeout = absl::Milliseconds(ms);
    absl::Status s = Sh("sleep 30 & echo $! > pid; wait", limits);
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    grandchild = std::atoi(Read("pid").c_str());
  }
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(Gone(grandchild));
}

TEST_F(CompilerTest, ExitKillsWhatItLeftRunning) {
  EXPECT_TRUE(Sh("sleep 30 & echo $! > pid").ok());
  pid_t grandchild = std::atoi(Read("pid").c_str());
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(Gone(grandchild));
}

// mmap does not touch the pages: without the limit this succeeds cheaply.
constexpr char kMap1GiB[] = "import mmap; mmap.mmap(-1, 1 << 30)";

TEST_F(CompilerTest, MemoryLimit) {
  CompilerLimits limits = Quick();
  limits.memory_bytes = uint64_t{256} << 20;
  absl::Status s =
      RunCompiler({"/usr/bin/python3", {"-c", kMap1GiB}, dir_}, limits);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(Text(s), HasSubstr("Cannot allocate memory"));
  EXPECT_TRUE(
      RunCompiler({"/usr/bin/python3", {"-c", kMap1GiB}, dir_}, Quick()).ok());
}

TEST_F(CompilerTest, OutputLimit) {
  CompilerLimits limits = Quick();
  limits.output_bytes = uint64_t{1} << 20;
  // As a node might: SIGXFSZ ignored and blocked. The child must not
  // inherit either, or it would get EFBIG instead of being stopped.
  struct sigaction ignore = {}, old_action;
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &old_action);
  sigset_t xfsz, old_mask;
  sigemptyset(&xfsz);
  sigaddset(&xfsz, SIGXFSZ);
  pthread_sigmask(SIG_BLOCK, &xfsz, &old_mask);
  // exec: head itself is the child, and SIGXFSZ kills it.
  absl::Status s = Sh("exec head -c 10000000 /dev/zero > big", limits);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGXFSZ, &old_action, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(Text(s), HasSubstr("SIGXFSZ"));
  EXPECT_LE(std::filesystem::file_size(Path("big")), uint64_t{1} << 20);
}

TEST_F(CompilerTest, FixedEnvironment) {
  setenv("FOO", "from the node", 1);
  absl::Status s = Sh("echo \"$PATH|$LANG|$TMPDIR|$FOO\" > env.txt");
  unsetenv("FOO");
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("env.txt"), "/usr/bin:/bin|C|" + dir_ + "|\n");
}

TEST_F(CompilerTest, NoInheritedFds) {
  int fd =
      open(Path("secret").c_str(), O_WRONLY | O_CREAT, 0600);  // no CLOEXEC
  ASSERT_GE(fd, 3);
  absl::Status s = Sh(absl::StrCat(
      "if [ -e /proc/$$/fd/", fd, " ]; then echo open; else echo closed; fi",
      " > fd.txt; readlink /proc/$$/fd/0 >> fd.txt"));
  close(fd);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("fd.txt"), "closed\n/dev/null\n");
}

TEST_F(CompilerTest, RunsAtTheLowestPriorityUnlessTold) {
  ASSERT_TRUE(Sh("nice > nice.txt; chrt -p $$ > policy.txt", {}).ok());
  EXPECT_EQ(Read("nice.txt"), "19\n");
  EXPECT_THAT(Read("policy.txt"), HasSubstr("SCHED_IDLE"));
  ASSERT_TRUE(Sh("nice > nice.txt; chrt -p $$ > policy.txt").ok());
  EXPECT_EQ(Read("nice.txt"), "0\n");
  EXPECT_THAT(Read("policy.txt"), HasSubstr("SCHED_OTHER"));
}

TEST_F(CompilerTest, ConcurrentCompiles) {
  std::vector<std::thread> threads;
  std::vector<std::vector<absl::Status>> results(4);
  for (int t = 0; t < 4; ++t) {
    std::string dir = Path(absl::StrCat("t", t));
    std::filesystem::create_directory(dir);
    threads.emplace_back([dir, t, &results] {
      for (int i = 0; i < 2; ++i) {
        std::string name = absl::StrCat("f", t, "_", i);
        std::ofstream(dir + "/" + name + ".c")
            << "int " << name << "(int x) { return x * " << i << "; }\n";
        results[t].push_back(RunCompiler(
            {kGcc, {"-c", name + ".c", "-o", name + ".o"}, dir}, Quick()));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(results[t].size(), 2u);
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(results[t][i].ok()) << results[t][i];
      EXPECT_TRUE(std::filesystem::exists(
          Path(absl::StrCat("t", t, "/f", t, "_", i, ".o"))));
    }
  }
}

}  // namespace
}  // namespace ballast::wasm
