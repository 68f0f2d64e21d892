#include "tests/tools/cli_harness.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

namespace ballast::testing_tools {

CliTest::CliTest() : dir_(MakeTempDir("cli")), home_(dir_ + "/home") {}

CliTest::~CliTest() { std::filesystem::remove_all(dir_); }

RunResult CliTest::Cli(const std::vector<std::string>& args,
                       const std::string& stdin_text) {
  std::vector<std::string> argv = {BALLAST_CLI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing_tools::Run(
      argv, {{"BALLAST_HOME", home_}, {"BALLAST_NODE", node_url_}}, stdin_text);
}

nlohmann::json CliTest::CliJson(const std::vector<std::string>& args) {
  std::vector<std::string> with_json = {"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  RunResult r = Cli(with_json);
  std::string command;
  for (const std::string& a : args) command += a + " ";
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.Describe();
  nlohmann::json doc =
      nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << command << ": not one JSON document\n"
                                   << r.Describe();
  if (r.exit_code != 0 || doc.is_discarded()) return nullptr;
  return doc;
}

DevNode::DevNode(const std::string& binary, const std::string& dir,
                 const std::string& chain_id, int block_time_ms)
    : dir_(dir), log_path_(dir + "/ballastd.log") {
  ok_ = Start(binary, chain_id, block_time_ms);
}

DevNode::~DevNode() {
  if (process_) process_->Stop();
}

std::string DevNode::Log() const { return ReadFileOrEmpty(log_path_); }

bool DevNode::Start(const std::string& binary, const std::string& chain_id,
                    int block_time_ms) {
  // Port 0: the node binds any free port and writes HOST:PORT to
  // <data-dir>/api.addr once it listens.
  const std::string data_dir = dir_ + "/data";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--data-dir", data_dir, "--chain-id",
                               chain_id, "--listen", "127.0.0.1:0",
                               "--block-time", std::to_string(block_time_ms),
                               "--log-level", "warn"},
      log_path_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::unique_ptr<httplib::Client> client;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->Running()) {
      error_ = "ballastd exited during start-up; log:\n" + Log();
      return false;
    }
    if (client == nullptr) {
      std::string addr = ReadFileOrEmpty(data_dir + "/api.addr");
      while (!addr.empty() &&
             std::isspace(static_cast<unsigned char>(addr.back()))) {
        addr.pop_back();
      }
      if (!addr.empty()) {
        url_ = "http://" + addr;
        client = std::make_unique<httplib::Client>(url_);
        client->set_connection_timeout(0, 200'000);
        client->set_read_timeout(2, 0);
      }
    }
    if (client != nullptr) {
      if (auto res = client->Get("/v1/health"); res && res->status == 200) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  error_ = "ballastd did not become healthy within 15s; log:\n" + Log();
  process_->Stop();
  return false;
}

std::string FieldValue(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    if (line.compare(start, key.size(), key) != 0) continue;
    size_t after = start + key.size();
    if (after < line.size() && line[after] != ' ') continue;
    size_t value = line.find_first_not_of(' ', after);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

}  // namespace ballast::testing_tools
