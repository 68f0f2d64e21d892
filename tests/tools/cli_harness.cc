#include "tests/tools/cli_harness.h"

#include <sstream>

namespace ballast::test {

CliTest::CliTest() : home_(dir_ + "/home") {}

RunResult CliTest::Cli(const std::vector<std::string>& args,
                       const std::string& stdin_text, const EnvChanges& env) {
  std::vector<std::string> argv = {BALLAST_CLI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  EnvChanges all = {{"BALLAST_HOME", home_},
                    {"BALLAST_NODE", node_url_},
                    {"BALLAST_PASSPHRASE", std::nullopt}};
  for (const auto& [name, value] : env) all[name] = value;
  return ballast::Run(argv, all, stdin_text);
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

std::unique_ptr<BallastdProcess> CliTest::NewNode(const std::string& chain_id,
                                                  int block_time_ms) {
  return std::make_unique<BallastdProcess>(
      dir_ + "/data",
      std::vector<std::string>{"--chain-id", chain_id, "--block-time",
                               std::to_string(block_time_ms), "--log-level",
                               "warn"});
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

}  // namespace ballast::test
