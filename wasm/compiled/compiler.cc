// Why fork() and not posix_spawn: the child must set its rlimits, priority
// and scheduling class before exec, and posix_spawn has no attribute for
// them. After fork() in a multithreaded process the child may call only
// async-signal-safe functions, so everything it needs (argv, envp, fds, the
// limits) is prepared before the fork, and the child only makes syscalls.
//
// The child reports a failure before exec (which step, errno) on a CLOEXEC
// pipe and exits 127. A program that exits 127 by itself has closed the pipe
// at exec without writing to it, so the two are told apart.

#include "wasm/compiled/compiler.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ballast::wasm {
namespace {

constexpr size_t kLogTailBytes = 2048;

enum Step : int { kSetup, kChdir, kExec };
struct ChildFailure {
  int step;
  int err;
};

struct Limit {
  int resource;
  rlimit value;
};

// Everything the child reads; all of it prepared before fork().
struct ChildPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  const char* dir;
  int stdin_fd, log_fd, report_fd, max_fd;
  Limit limits[4];
  bool low_priority;
  pid_t parent;
};

// Closes a fd when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string ErrnoText(int err) {
  char buf[128];
  return strerror_r(err, buf, sizeof(buf));  // the GNU one: returns the text
}

// Soft and hard limits, lowered to the node's own hard limit if needed (an
// unprivileged process cannot raise it, and the child must not run unlimited
// because setrlimit failed).
rlimit Clamp(int resource, rlim_t soft, rlim_t hard) {
  rlimit now;
  if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY) {
    soft = std::min(soft, now.rlim_max);
    hard = std::min(hard, now.rlim_max);
  }
  return {soft, hard};
}

// Moves fd 0, 1 or 2 (if the node closed its stdio) above 2, where the
// child's dup2 onto 0-2 cannot clobber it.
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return high;
}

// Only async-signal-safe calls from here to execve.
[[noreturn]] void RunChild(const ChildPlan& p) {
  auto fail = [&p](Step step) {
    ChildFailure f{step, errno};
    (void)!write(p.report_fd, &f, sizeof(f));
    _exit(127);
  };
  // First of all, let go of every fd of the node but the report pipe
  // (close-on-exec): a lock the node holds (its data dir's flock) must not
  // outlive the node in a child that has not reached execve yet, which, at
  // idle priority on a busy machine, can take a long time.
  if (dup2(p.stdin_fd, 0) < 0 || dup2(p.log_fd, 1) < 0 ||
      dup2(p.log_fd, 2) < 0) {
    fail(kSetup);
  }
  if (syscall(SYS_close_range, 3u, static_cast<unsigned>(p.report_fd - 1),
              0u) != 0 ||
      syscall(SYS_close_range, static_cast<unsigned>(p.report_fd + 1), ~0u,
              0u) != 0) {
    for (int fd = 3; fd < p.max_fd; ++fd) {
      if (fd != p.report_fd) close(fd);
    }
  }
  // Dies with the node (a kill -9 included) instead of compiling on for
  // nobody; checked once more in case the node died before this line.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != p.parent) _exit(127);
  // None of the node's handlers may run here, and signals it ignores or
  // blocks (SIGPIPE, SIGXFSZ...) must act normally in the compiler.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Its own group, so that cc1, as and ld are killed with it.
  if (setpgid(0, 0) != 0) fail(kSetup);
  // The node's threads always come first. SCHED_IDLE may be refused (e.g.
  // by a container); nice 19 still holds.
  if (p.low_priority) {
    setpriority(PRIO_PROCESS, 0, 19);
    sched_param param = {};
    sched_setscheduler(0, SCHED_IDLE, &param);
  }
  for (const Limit& limit : p.limits) {
    if (setrlimit(limit.resource, &limit.value) != 0) fail(kSetup);
  }
  if (chdir(p.dir) != 0) fail(kChdir);
  execve(p.program, p.argv, p.envp);
  fail(kExec);
  _exit(127);  // not reached
}

std::string LogTail(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return "";
  const off_t from = std::max<off_t>(0, st.st_size - off_t{kLogTailBytes});
  std::string text(static_cast<size_t>(st.st_size - from), '\0');
  ssize_t n;
  do {
    n = pread(fd, text.data(), text.size(), from);
  } while (n < 0 && errno == EINTR);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  absl::string_view tail = absl::StripAsciiWhitespace(text);
  return tail.empty() ? "" : absl::StrCat(": ", tail);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? absl::StrCat("SIG", abbrev)
                           : absl::StrCat("signal ", sig);
}

// The status for a child that ran and ended with `status`.
absl::Status Outcome(const CompilerRun& run, int status, int report_fd,
                     int log_fd) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  ChildFailure f;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
      read(report_fd, &f, sizeof(f)) == sizeof(f)) {
    std::string what = absl::StrCat("cannot run ", run.program, ": ");
    if (f.step == kExec) {
      return f.err == ENOENT || f.err == ENOTDIR || f.err == EACCES ||
                     f.err == ENOEXEC || f.err == ELOOP || f.err == EPERM
                 ? absl::NotFoundError(what + ErrnoText(f.err))
                 : absl::InternalError(what + ErrnoText(f.err));
    }
    return absl::InternalError(absl::StrCat(
        what, f.step == kChdir ? "chdir " + run.dir : "child setup", ": ",
        ErrnoText(f.err)));
  }
  if (WIFEXITED(status)) {
    return absl::InternalError(absl::StrCat(
        "compiler exited with status ", WEXITSTATUS(status), LogTail(log_fd)));
  }
  const int sig = WTERMSIG(status);
  std::string text = absl::StrCat("compiler killed by ", SignalName(sig));
  // SIGKILL not from the deadline: the CPU hard limit, or the OOM killer.
  if (sig == SIGXCPU || sig == SIGXFSZ || sig == SIGKILL) {
    return absl::ResourceExhaustedError(
        absl::StrCat(text, " (a limit)", LogTail(log_fd)));
  }
  return absl::InternalError(text + LogTail(log_fd));
}

}  // namespace

absl::Status RunCompiler(const CompilerRun& run, const CompilerLimits& limits) {
  if (run.program.empty() || run.program[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("compiler path is not absolute: ", run.program));
  }
  if (limits.timeout <= absl::ZeroDuration() ||
      limits.timeout > absl::Hours(24)) {
    return absl::InvalidArgumentError("compiler timeout not in (0, 24h]");
  }
  // Everything the child needs, built before fork: it may not allocate.
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C",
                                  "TMPDIR=" + run.dir};
  std::vector<char*> argv = {const_cast<char*>(run.program.c_str())};
  for (const std::string& a : run.args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::string log_path = run.dir + "/compiler.log";
  Fd log{AboveStdio(
      open(log_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))};
  if (log.fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", log_path, ": ", ErrnoText(errno)));
  }
  Fd null_in{AboveStdio(open("/dev/null", O_RDONLY | O_CLOEXEC))};
  int pipe_fds[2];
  if (null_in.fd < 0 || pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(
        absl::StrCat("compiler setup: ", ErrnoText(errno)));
  }
  Fd report{AboveStdio(pipe_fds[0])}, report_w{AboveStdio(pipe_fds[1])};
  if (report.fd < 0 || report_w.fd < 0) {
    return absl::InternalError(
        absl::StrCat("compiler setup: ", ErrnoText(errno)));
  }

  const rlim_t cpu_seconds =
      absl::ToInt64Seconds(absl::Ceil(limits.timeout, absl::Seconds(1))) + 1;
  rlimit nofile;
  ChildPlan plan = {
      run.program.c_str(),
      argv.data(),
      envp.data(),
      run.dir.c_str(),
      null_in.fd,
      log.fd,
      report_w.fd,
      getrlimit(RLIMIT_NOFILE, &nofile) == 0
          ? static_cast<int>(std::min<rlim_t>(nofile.rlim_cur, 1 << 16))
          : 1024,
      {// A backstop for the deadline, per process: it holds even if the node
       // dies mid-compile and nobody kills the group. SIGXCPU at the soft
       // limit, SIGKILL a second later.
       {RLIMIT_CPU, Clamp(RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)},
       // A module can make the optimizer want gigabytes; the OOM killer must
       // not get to choose between the compiler and the node.
       {RLIMIT_AS, Clamp(RLIMIT_AS, limits.memory_bytes, limits.memory_bytes)},
       // Every file it writes (object, temporaries, this log) is capped, so a
       // module cannot fill the node's disk.
       {RLIMIT_FSIZE,
        Clamp(RLIMIT_FSIZE, limits.output_bytes, limits.output_bytes)},
       // A crashing compiler leaves no core of gigabytes behind.
       {RLIMIT_CORE, {0, 0}}},
      limits.low_priority,
      getpid()};

  // Signals stay blocked across fork(), so that no handler of the node runs
  // in the child before it resets them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(report_w.fd);
  report_w.fd = -1;
  if (pid < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot fork the compiler: ", ErrnoText(fork_errno)));
  }
  // Also here, so the group exists before any kill below. Fails with EACCES
  // once the child has exec'd, by when it has done it itself.
  setpgid(pid, pid);

  // Poll without reaping (WNOWAIT): while the child is unreaped its pid, and
  // so its group id, cannot be reused, and kill(-pid) hits only its group.
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoNanoseconds(limits.timeout);
  absl::Duration nap = absl::Milliseconds(1);
  bool timed_out = false;
  bool cancelled = false;
  while (true) {
    siginfo_t info = {};
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          absl::StrCat("lost the compiler process: ", ErrnoText(errno)));
    }
    if (info.si_pid == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    if (run.cancel != nullptr && run.cancel->load(std::memory_order_relaxed)) {
      cancelled = true;
      break;
    }
    absl::SleepFor(nap);
    nap = std::min(nap * 2, absl::Milliseconds(20));
  }
  // At the deadline this kills the compiler; after a normal exit, anything
  // it left running (cc1, as, a background job). ESRCH: nothing was left.
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cancelled) return absl::CancelledError("compile cancelled");
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrFormat("compiler timed out after %.1fs",
                        absl::ToDoubleSeconds(limits.timeout)));
  }
  return Outcome(run, status, report.fd, log.fd);
}

}  // namespace ballast::wasm
