// `ballast chains up`: real ballastd chains on loopback ports, the registry
// the CLI and the relayer read, and a clean stop.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "bridge/core/bridge.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/files.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "node/api/client.h"
#include "tests/testing/ballastd_process.h"
#include "tests/tools/cli_harness.h"
#include "tools/cli/chains_commands.h"
#include "tools/cli/commands.h"

namespace ballast::test {
namespace {

using ::testing::HasSubstr;

class ChainsTest : public CliTest {
 protected:
  // `ballast chains up`: two chains whose blocks five keys sign (three
  // suffice), once the registry is written; null (and a test failure) if
  // it stopped first.
  std::unique_ptr<ChildProcess> Up() {
    auto up = std::make_unique<ChildProcess>(
        std::vector<std::string>{BALLAST_CLI_BINARY, "chains", "up", "--count",
                                 "2", "--signing-keys", "5", "--threshold", "3",
                                 "--dir", dir_ + "/chains", "--ballastd",
                                 BallastdBinary()},
        dir_ + "/up.log", EnvChanges{{"BALLAST_HOME", home_}});
    const std::string registry = home_ + "/chains.json";
    for (int i = 0; i < 600 && !std::filesystem::exists(registry); ++i) {
      if (!up->Running()) {
        ADD_FAILURE() << ReadFile(dir_ + "/up.log").value_or("");
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return up;
  }
};

TEST_F(ChainsTest, UpStartsSignedChainsWritesTheRegistryAndStopsCleanly) {
  const std::string registry = home_ + "/chains.json";
  std::unique_ptr<ChildProcess> started = Up();
  ASSERT_NE(started, nullptr);
  ChildProcess& up = *started;
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

// Issue 10's light client on real chains: chain B follows chain A, whose
// blocks five keys sign (three suffice), through headers fetched from A's
// API and bridge transactions submitted to B's; `ballast bridge clients`
// shows it.
TEST_F(ChainsTest, ALightClientOnBFollowsAsThreeOfFiveHeadersOverTheApi) {
  const std::string registry = home_ + "/chains.json";
  std::unique_ptr<ChildProcess> started = Up();
  ASSERT_NE(started, nullptr);
  ChildProcess& up = *started;
  auto chains = cli::LoadChainRegistry(registry);
  ASSERT_TRUE(chains.ok()) << chains.status();
  const cli::ChainEntry& a = (*chains)[0];
  const cli::ChainEntry& b = (*chains)[1];
  auto node_a = api::Client::Create(a.url);
  auto node_b = api::Client::Create(b.url);
  ASSERT_TRUE(node_a.ok() && node_b.ok());
  cli::StoredKey relayer;
  relayer.name = "relayer";
  relayer.key = *KeyPairFromSeed(std::string(32, 'r'));
  relayer.address = AddressFromPublicKey(relayer.key.public_key);

  auto submit = [&](api::Client& node, const std::string& chain_id,
                    ledger::Transaction tx) {
    auto nonce = node.NextNonce(relayer.address);
    EXPECT_TRUE(nonce.ok()) << nonce.status();
    auto view = node.SubmitAndWait(cli::SignTx(relayer, std::move(tx), chain_id,
                                               nonce.value_or(0), 10'000'000),
                                   absl::Seconds(30));
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? view->receipt() : api::ReceiptView();
  };
  // Some state on A (an empty chain's root is all zero, never trusted).
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(
      ReadFile(std::string(BALLAST_CONTRACTS_DIR) + "/pingpong.wasm")
          .value_or(""));
  ASSERT_EQ(submit(**node_a, a.chain_id, deploy).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  ASSERT_EQ(submit(**node_b, b.chain_id, deploy).status(),  // B: a first block
            ledger::RECEIPT_STATUS_SUCCESS);

  uint64_t followed = 0;
  uint64_t create_height = 0;
  for (int step = 0; step < 4; ++step) {
    if (step > 0) {  // a newer block of A
      ASSERT_EQ(submit(**node_a, a.chain_id, deploy).status(),
                ledger::RECEIPT_STATUS_SUCCESS);
    }
    auto block = (*node_a)->LatestBlock();
    ASSERT_TRUE(block.ok()) << block.status();
    ASSERT_EQ(block->signatures_size(), 5);
    bridge::SignedHeader header;
    *header.mutable_header() = block->header();
    // Three of the five signatures, a different three each time.
    for (int k : {step % 5, (step + 1) % 5, (step + 3) % 5}) {
      *header.add_signatures() = block->signatures(k);
    }
    bridge::Msg msg;
    if (step == 0) {
      bridge::CreateClient* create = msg.mutable_create_client();
      create->set_chain_id(a.chain_id);
      for (const std::string& k : a.trusted_keys) create->add_trusted_keys(k);
      create->set_threshold(a.threshold);
      *create->mutable_header() = header;
    } else {
      msg.mutable_update_client()->set_client("client-0");
      *msg.mutable_update_client()->mutable_header() = header;
    }
    ledger::Transaction tx;
    tx.set_bridge(msg.SerializeAsString());
    api::ReceiptView r = submit(**node_b, b.chain_id, tx);
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    if (step == 0) create_height = r.block_height();
    followed = block->header().height();
  }
  // Two signatures are not enough.
  ASSERT_EQ(submit(**node_a, a.chain_id, deploy).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  auto block = (*node_a)->LatestBlock();
  ASSERT_TRUE(block.ok());
  bridge::Msg msg;
  msg.mutable_update_client()->set_client("client-0");
  *msg.mutable_update_client()->mutable_header()->mutable_header() =
      block->header();
  *msg.mutable_update_client()->mutable_header()->add_signatures() =
      block->signatures(0);
  *msg.mutable_update_client()->mutable_header()->add_signatures() =
      block->signatures(4);
  ledger::Transaction tx;
  tx.set_bridge(msg.SerializeAsString());
  api::ReceiptView refused = submit(**node_b, b.chain_id, tx);
  EXPECT_EQ(refused.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(refused.error(), HasSubstr("the threshold is 3"));

  node_url_ = b.url;
  nlohmann::json clients = CliJson({"bridge", "clients"});
  ASSERT_EQ(clients["clients"].size(), 1u) << clients.dump();
  const nlohmann::json& c = clients["clients"][0];
  EXPECT_EQ(c["client"], "client-0");
  EXPECT_EQ(c["chain_id"], a.chain_id);
  EXPECT_EQ(c["threshold"], 3);
  EXPECT_EQ(c["trusted_keys"].size(), 5u);
  EXPECT_EQ(c["latest_height"], StrCat(followed));
  EXPECT_EQ(c["frozen"], false);
  RunResult text = Cli({"bridge", "clients"});
  EXPECT_THAT(text.out, HasSubstr("client-0: chain chain-a, 3 of 5 keys"));
  EXPECT_TRUE(CliJson({"bridge", "channels"})["channels"].empty());
  // At an earlier height, the client did not exist yet.
  nlohmann::json before =
      CliJson({"bridge", "clients", "--height", StrCat(create_height - 1)});
  EXPECT_TRUE(before["clients"].empty()) << before.dump();
  EXPECT_EQ(up.Stop(std::chrono::seconds(30)), 0);
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
  ASSERT_TRUE(WriteFileDurably(path, chain(key, "1")).ok());
  EXPECT_TRUE(cli::LoadChainRegistry(path).ok());
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
