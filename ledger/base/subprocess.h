// Runs programs as real child processes, with bounded waits, and always
// reaps them: the tests' ballastd and CLI runs, and `ballast simulate`'s
// node. Not thread-safe: one thread drives a ChildProcess.

#ifndef BALLAST_LEDGER_BASE_SUBPROCESS_H_
#define BALLAST_LEDGER_BASE_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ballast {

// Environment changes for a child: a value sets the variable, nullopt unsets
// it. The rest of the caller's environment is inherited.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal, timed out or not started
  bool timed_out = false;
  std::string error;  // why it could not be started (pipe, fork), if so
  std::string out;
  std::string err;
  std::string Describe() const;  // for assertion messages
};

// Runs argv[0] with the arguments, feeding `stdin_text`, and collects its
// output. A child still running after `timeout` is killed (timed_out).
RunResult Run(const std::vector<std::string>& argv, const EnvChanges& env = {},
              const std::string& stdin_text = "",
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A long-running child (a node) whose stdout and stderr are appended to
// `log_path` and whose stdin is /dev/null. The destructor stops it (Stop)
// and reaps it. Not thread-safe.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv,
               const std::string& log_path, const EnvChanges& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // Why it could not be started (open of the log, fork), if it was not.
  const std::string& error() const { return error_; }
  // True while the child has not exited (reaps it if it has).
  bool Running();
  // SIGTERM, then SIGKILL if it is still running after `grace`; reaps it.
  // Returns exit_code().
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL (as kill -9) and reap.
  void Kill();
  // The exit code once it exited; -1 while it runs, if a signal ended it,
  // or if it never started.
  int exit_code() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string error_;
};

}  // namespace ballast

#endif  // BALLAST_LEDGER_BASE_SUBPROCESS_H_
