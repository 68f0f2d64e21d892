// Test support: a real `ballastd` process on a free loopback port in a temp
// data directory, and a small JSON-over-HTTP client for it. Every wait is
// bounded; a process is always reaped (the destructor kills it if needed).

#ifndef BALLAST_TESTS_NODE_NODE_PROCESS_H_
#define BALLAST_TESTS_NODE_NODE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "ledger/ballast.pb.h"
#include "nlohmann/json.hpp"

namespace ballast::node {

// A made temp directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct HttpResult {
  int status = 0;  // 0: no response (connection failed or timed out)
  nlohmann::json body;
  std::string text;
};

class NodeProcess {
 public:
  // `data_dir` is passed as --data-dir; `args` are added after it.
  NodeProcess(std::string data_dir, std::vector<std::string> args);
  ~NodeProcess();  // kills and reaps a running process

  // Starts ballastd with --listen 127.0.0.1:0 and waits (bounded) until it
  // has written DIR/api.addr. False if it exited first or timed out; then
  // exit_code() and log() tell why.
  bool Start();
  // SIGTERM, then waits (bounded; SIGKILL after). Returns the exit code, or
  // -1 if it had to be killed.
  int Terminate();
  // SIGKILL and reap.
  void Kill();
  bool running() const { return pid_ > 0; }
  int exit_code() const { return exit_code_; }
  std::string log() const;  // its stdout and stderr so far

  HttpResult Get(const std::string& path) const;
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/json") const;
  HttpResult Post(const std::string& path, const nlohmann::json& body) const {
    return Post(path, body.dump());
  }
  // POST /v1/tx?wait=true of `stx`.
  HttpResult SubmitAndWait(const ledger::SignedTransaction& stx) const;
  HttpResult Submit(const ledger::SignedTransaction& stx) const;

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  bool Reap(int timeout_ms);

  std::string data_dir_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string host_;
  int port_ = 0;
};

}  // namespace ballast::node

#endif  // BALLAST_TESTS_NODE_NODE_PROCESS_H_
