// Runs the C compiler (or any program) as a limited child process. The C it
// compiles comes from a contract, so compiling must not become a lever
// against the node: the child runs at the lowest priority, under CPU, memory
// and file-size limits and a wall-clock deadline, in its own process group
// (so cc1, as and ld die with it), with a fixed environment and no fds but
// stdin (/dev/null), stdout and stderr (both dir/compiler.log).
//
// Thread-safe: each call is independent, and several threads may run one at
// once, each in its own dir (the log is dir/compiler.log). REQUIRES: the
// process does not ignore SIGCHLD and nothing else reaps its children
// (waitpid(-1, ...)), or the child's status is lost.

#ifndef BALLAST_WASM_COMPILED_COMPILER_H_
#define BALLAST_WASM_COMPILED_COMPILER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ballast::wasm {

// Each limit is applied to the child and inherited by everything it runs;
// one the node's own hard limit does not allow is lowered to that limit.
struct CompilerLimits {
  // Wall clock; at the deadline the whole process group is killed. Also
  // bounds CPU time per process (RLIMIT_CPU, rounded up to seconds, +1).
  absl::Duration timeout = absl::Seconds(120);
  uint64_t memory_bytes = uint64_t{2} << 30;    // RLIMIT_AS
  uint64_t output_bytes = uint64_t{256} << 20;  // RLIMIT_FSIZE, per file
  // nice 19 and SCHED_IDLE: the compiler gets only CPU time nothing else
  // wants. On a busy machine it may then not finish within the timeout;
  // tests and benchmarks that wait for it turn this off.
  bool low_priority = true;
};

struct CompilerRun {
  std::string program;            // absolute path, not searched in PATH
  std::vector<std::string> args;  // argv[1..]
  // The working directory, which must exist. stdout and stderr go to
  // dir/compiler.log (truncated first); TMPDIR is dir.
  std::string dir;
  // If set and it becomes true, the compiler is killed and RunCompiler
  // returns Cancelled (the node is stopping). Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

// Runs `run.program` and waits for it; OK if it exited with status 0.
// Otherwise the status says what happened, for a log:
//   InvalidArgument    program is not an absolute path, or the timeout is
//                      not in (0, 24h]
//   FailedPrecondition dir/compiler.log cannot be created
//   NotFound           the program does not exist or cannot be executed
//   DeadlineExceeded   killed at the timeout
//   Cancelled          killed because *run.cancel became true
//   ResourceExhausted  killed by SIGXCPU, SIGXFSZ or SIGKILL (a limit), or
//                      fork failed
//   Internal           it exited with a nonzero status or was killed by
//                      another signal (the message ends with the last ~2 KB
//                      of compiler.log), or the child could not be set up
//                      (chdir, setrlimit, a pipe)
absl::Status RunCompiler(const CompilerRun& run, const CompilerLimits& limits);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_COMPILED_COMPILER_H_
