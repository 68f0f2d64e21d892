// Test support: a real `ballastd` process on a free loopback port with a
// given data directory, and raw HTTP requests to it (tests also send
// malformed ones on purpose). Every wait is bounded; the process is always
// reaped (the destructor kills it if needed). Not thread-safe, except that
// the HTTP methods may be called from several threads while it runs.

#ifndef BALLAST_TESTS_TESTING_BALLASTD_PROCESS_H_
#define BALLAST_TESTS_TESTING_BALLASTD_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "ledger/ballast.pb.h"
#include "ledger/base/subprocess.h"
#include "nlohmann/json.hpp"
#include "node/api/client.h"

namespace ballast::test {

struct HttpResult {
  int status = 0;       // 0: no response (connection failed or timed out)
  nlohmann::json body;  // discarded (is_discarded()) if not JSON
  std::string text;
};

// The ballastd binary the tests run.
const char* BallastdBinary();

class BallastdProcess {
 public:
  // Runs `ballastd --data-dir DATA_DIR --listen 127.0.0.1:0 ARGS...`; its
  // output is appended to DATA_DIR.log.
  BallastdProcess(std::string data_dir, std::vector<std::string> args);
  ~BallastdProcess();  // kills and reaps a running process

  // Starts it and waits (bounded) until it has written DATA_DIR/api.addr
  // and answers GET /v1/health. False if it exited first (exit_code() and
  // log() tell why) or did not get ready in time (then it is killed).
  // After Terminate or Kill, Start runs it again on the same data dir.
  bool Start();
  // SIGTERM, then waits (bounded; SIGKILL after). Returns the exit code, or
  // -1 if it had to be killed.
  int Terminate();
  // SIGKILL and reap, as kill -9.
  void Kill();
  bool running();
  // Later Starts listen on the port the last Start got (instead of any
  // free one), so a client that keeps its URL finds the node again after
  // a restart (the node sets SO_REUSEADDR).
  void KeepPort() { keep_port_ = true; }
  int exit_code() const { return exit_code_; }
  std::string log() const;  // its stdout and stderr so far, every run

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string url() const;  // "http://HOST:PORT"

  // The typed API client (node/api/client.h) on a connection of its own:
  // what a real consumer of the node uses. Raw Get/Post below are for
  // requests a client would never send (malformed bodies, odd headers).
  std::unique_ptr<api::Client> Client() const;

  HttpResult Get(const std::string& path) const;
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/json") const;
  HttpResult Post(const std::string& path, const nlohmann::json& body) const {
    return Post(path, body.dump());
  }
  // POST /v1/tx of `stx`; SubmitAndWait adds ?wait=true.
  HttpResult Submit(const ledger::SignedTransaction& stx) const;
  HttpResult SubmitAndWait(const ledger::SignedTransaction& stx) const;

 private:
  std::string data_dir_;
  std::vector<std::string> args_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> child_;
  int exit_code_ = -1;
  std::string host_;
  int port_ = 0;
  bool keep_port_ = false;
};

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TESTING_BALLASTD_PROCESS_H_
