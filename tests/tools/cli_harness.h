// Test support: runs the real `ballast` binary with its own BALLAST_HOME, and
// (with ballastd) a real node on a free loopback port in a temp dir.

#ifndef BALLAST_TESTS_TOOLS_CLI_HARNESS_H_
#define BALLAST_TESTS_TOOLS_CLI_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/subprocess.h"

namespace ballast::testing_tools {

class CliTest : public ::testing::Test {
 protected:
  CliTest();
  ~CliTest() override;

  // Runs `ballast ARGS...` with BALLAST_HOME=<dir>/home and BALLAST_NODE set
  // to node_url_.
  RunResult Cli(const std::vector<std::string>& args,
                const std::string& stdin_text = "");
  // Runs `ballast --json ARGS...`, expects exit 0 and parses stdout (which
  // must be exactly one JSON document). Null on failure (with a test
  // failure recorded).
  nlohmann::json CliJson(const std::vector<std::string>& args);

  std::string dir_;
  std::string home_;
  std::string node_url_ = "http://127.0.0.1:1";  // nothing listens there
};

// A ballastd process on a free loopback port with a fresh data dir.
class DevNode {
 public:
  // Starts the node and waits (bounded) until /v1/health answers. On
  // failure, ok() is false and error() says why (with the node's log).
  // `block_time_ms` 0 is automine.
  DevNode(const std::string& binary, const std::string& dir,
          const std::string& chain_id, int block_time_ms = 0);
  ~DevNode();

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& url() const { return url_; }
  std::string Log() const;

 private:
  bool Start(const std::string& binary, const std::string& chain_id,
             int block_time_ms);

  std::string dir_;
  std::string url_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  bool ok_ = false;
  std::string error_;
};

// The first line of `text` starting with `key` (after optional spaces),
// with the key and the padding after it removed; "" if there is none.
std::string FieldValue(const std::string& text, const std::string& key);

}  // namespace ballast::testing_tools

#endif  // BALLAST_TESTS_TOOLS_CLI_HARNESS_H_
