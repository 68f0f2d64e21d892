// Test support: runs the real `ballast` binary with its own BALLAST_HOME, and
// (with ballastd) a real node on a free loopback port in the test's temp
// dir (tests/testing/ballastd_process.h).

#ifndef BALLAST_TESTS_TOOLS_CLI_HARNESS_H_
#define BALLAST_TESTS_TOOLS_CLI_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/base/subprocess.h"
#include "nlohmann/json.hpp"
#include "tests/testing/ballastd_process.h"
#include "tests/testing/temp_dir.h"

namespace ballast::test {

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliTest : public ::testing::Test {
 protected:
  CliTest();

  // Runs `ballast ARGS...` with BALLAST_HOME=<dir>/home and BALLAST_NODE set
  // to node_url_, BALLAST_PASSPHRASE unset, and `env` on top.
  RunResult Cli(const std::vector<std::string>& args,
                const std::string& stdin_text = "", const EnvChanges& env = {});
  // Runs `ballast --json ARGS...`, expects exit 0 and parses stdout (which
  // must be exactly one JSON document). Null on failure (with a test
  // failure recorded).
  nlohmann::json CliJson(const std::vector<std::string>& args);

  // A ballastd (not yet started) with data dir <dir>/data, chain `chain_id`,
  // `block_time_ms` (0: automine) and log level warn.
  std::unique_ptr<BallastdProcess> NewNode(const std::string& chain_id,
                                           int block_time_ms = 0);

  TempDir tmp_{"cli"};
  std::string dir_ = tmp_.path();
  std::string home_;
  std::string node_url_ = "http://127.0.0.1:1";  // nothing listens there
};

// The first line of `text` starting with `key` (after optional spaces),
// with the key and the padding after it removed; "" if there is none.
std::string FieldValue(const std::string& text, const std::string& key);

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TOOLS_CLI_HARNESS_H_
