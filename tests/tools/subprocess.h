// Test support: runs programs as real child processes, with bounded waits,
// and always reaps them.

#ifndef BALLAST_TESTS_TOOLS_SUBPROCESS_H_
#define BALLAST_TESTS_TOOLS_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ballast::testing_tools {

// Environment changes for a child: a value sets the variable, nullopt unsets
// it. The rest of the test's environment is inherited.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string Describe() const;  // for assertion messages
};

// Runs argv[0] with the arguments, feeding `stdin_text`, and collects its
// output. A child still running after `timeout` is killed (timed_out).
RunResult Run(const std::vector<std::string>& argv, const EnvChanges& env = {},
              const std::string& stdin_text = "",
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A long-running child (a node) whose stdout and stderr go to `log_path`.
// The destructor stops it (SIGTERM, then SIGKILL) and reaps it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv,
               const std::string& log_path, const EnvChanges& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // True while the child has not exited (reaps it if it has).
  bool Running();
  // SIGTERM, then SIGKILL after `grace`; returns the exit status as
  // waitpid() reported it (-1 if it was already reaped).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// A fresh directory under the test temp dir; removed by the caller.
std::string MakeTempDir(const std::string& prefix);

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace ballast::testing_tools

#endif  // BALLAST_TESTS_TOOLS_SUBPROCESS_H_
