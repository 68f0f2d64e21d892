// `ballast chains up`: real ballastd chains on loopback ports, the registry
// the CLI and the relayer read, and a clean stop.

#include <filesystem>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/files.h"
#include "node/api/client.h"
#include "tests/testing/ballastd_process.h"
#include "tests/tools/cli_harness.h"
#include "tools/cli/chains_commands.h"

namespace ballast::test {
namespace {

using ::testing::HasSubstr;

class ChainsTest : public CliTest {};

TEST_F(ChainsTest, UpStartsSignedChainsWritesTheRegistryAndStopsCleanly) {
  const std::string registry = home_ + "/chains.json";
  ChildProcess up({BALLAST_CLI_BINARY, "chains", "up", "--count", "2",
                   "--signing-keys", "5", "--threshold", "3", "--dir",
                   dir_ + "/chains", "--ballastd", BallastdBinary()},
                  dir_ + "/up.log", {{"BALLAST_HOME", home_}});
  for (int i = 0; i < 600 && !std::filesystem::exists(registry); ++i) {
    ASSERT_TRUE(up.Running()) << ReadFile(dir_ + "/up.log").value_or("");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto chains = cli::LoadChainRegistry(registry);
  ASSERT_TRUE(chains.ok()) << chains.status();
  ASSERT_EQ(chains->size(), 2u);
  std::vector<std::string> urls;
  for (size_t i = 0; i < chains->size(); ++i) {
    const cli::ChainEntry& e = (*chains)[i];
    EXPECT_EQ(e.chain_id, i == 0 ? "chain-a" : "chain-b");
    EXPECT_EQ(e.threshold, 3u);
    // The registry's keys are exactly the keys that sign the chain's blocks.
    auto client = api::Client::Create(e.url);
    ASSERT_TRUE(client.ok());
    auto info = (*client)->Info();
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->chain_id(), e.chain_id);
    ASSERT_EQ(e.trusted_keys.size(), 5u);
    EXPECT_EQ(std::vector<std::string>(info->signing_pubkeys().begin(),
                                       info->signing_pubkeys().end()),
              e.trusted_keys);
    urls.push_back(e.url);
  }
  EXPECT_NE(urls[0], urls[1]);
  EXPECT_EQ(up.Stop(std::chrono::seconds(30)), 0);
  EXPECT_FALSE(std::filesystem::exists(registry));
  for (const std::string& url : urls) {
    EXPECT_FALSE((*api::Client::Create(url))->Info().ok()) << url;
  }
}

TEST_F(ChainsTest, ABadRegistryIsRefusedWithWhatIsWrong) {
  const std::string path = dir_ + "/chains.json";
  EXPECT_THAT(std::string(cli::LoadChainRegistry(path).status().message()),
              HasSubstr("ballast chains up"));
  auto refuse = [&](const std::string& text) {
    EXPECT_TRUE(WriteFileDurably(path, text).ok());
    return std::string(cli::LoadChainRegistry(path).status().message());
  };
  const std::string key = "\"0x" + std::string(64, 'a') + "\"";
  auto chain = [&](const std::string& keys, const std::string& threshold) {
    return "{\"chains\": [{\"chain_id\": \"a\", \"url\": \"http://x\", "
           "\"data_dir\": \"d\", \"trusted_keys\": [" +
           keys + "], \"threshold\": " + threshold + "}]}";
  };
  EXPECT_TRUE(
      cli::LoadChainRegistry((WriteFileDurably(path, chain(key, "1")), path))
          .ok());
  EXPECT_THAT(refuse("[]"), HasSubstr("expected {\"chains\""));
  EXPECT_THAT(refuse(chain(key, "2")), HasSubstr("threshold: 1..1"));
  EXPECT_THAT(refuse(chain(key, "0")), HasSubstr("threshold"));
  EXPECT_THAT(refuse(chain("\"0x12\"", "1")), HasSubstr("32-byte key"));
  EXPECT_THAT(refuse(chain("", "1")), HasSubstr("1 to 32 keys"));
  EXPECT_THAT(refuse("{\"chains\": [{\"url\": \"u\"}]}"),
              HasSubstr("chain_id: missing"));
}

}  // namespace
}  // namespace ballast::test
