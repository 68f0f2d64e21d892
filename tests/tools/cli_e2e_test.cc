// The real `ballast` binary against a real `ballastd` (automine) on a free
// loopback port: the token's whole life, in human and --json output, and the
// errors a user meets.

#include <fstream>
#include <memory>
#include <regex>

#include "gtest/gtest.h"
#include "tests/tools/cli_harness.h"

namespace ballast::test {
namespace {

bool IsHex(const std::string& s, size_t bytes) {
  return std::regex_match(
      s, std::regex("0x[0-9a-f]{" + std::to_string(2 * bytes) + "}"));
}

class CliE2ETest : public CliTest {
 protected:
  void SetUp() override {
    node_ = NewNode("cli-test");
    ASSERT_TRUE(node_->Start()) << node_->log();
    node_url_ = node_->url();
  }

  // Creates a key and returns its address.
  std::string NewKey(const std::string& name) {
    nlohmann::json key = CliJson({"keys", "new", name});
    return key.is_object() ? key["address"].get<std::string>() : "";
  }

  std::string TokenInit(const std::string& holder) {
    return R"({"name": "Test Token", "symbol": "TST", "decimals": 2,
               "minters": [")" +
           holder + R"("], "initial_holder": ")" + holder +
           R"(", "initial_supply": "1000000"})";
  }

  // Deploys the token with `from` holding the initial supply; returns its
  // address.
  std::string DeployToken(const std::string& from, const std::string& holder) {
    nlohmann::json doc = CliJson({"deploy", BALLAST_TOKEN_WASM, "--interface",
                                  BALLAST_TOKEN_PROTO, "--from", from, "--init",
                                  TokenInit(holder)});
    if (!doc.is_object() || !doc["contract"].is_string()) return "";
    return doc["contract"].get<std::string>();
  }

  std::unique_ptr<BallastdProcess> node_;
};

TEST_F(CliE2ETest, TokenLifeInHumanOutput) {
  RunResult r = Cli({"keys", "new", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string alice = FieldValue(r.out, "address");
  const std::string bob = NewKey("bob");

  r = Cli({"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
           "--from", "alice", "--init", TokenInit(alice)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string token = FieldValue(r.out, "contract");
  EXPECT_TRUE(IsHex(token, 20)) << r.out;
  EXPECT_EQ(FieldValue(r.out, "status"), "success") << r.out;
  EXPECT_FALSE(FieldValue(r.out, "gas used").empty());
  EXPECT_TRUE(Contains(r.out, "MintEvent")) << r.out;

  // The address may be given without 0x.
  r = Cli({"call", token.substr(2), "transfer",
           R"({"to": ")" + bob + R"(", "amount": 250})", "--from", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string tx_hash = FieldValue(r.out, "tx");
  EXPECT_TRUE(IsHex(tx_hash, 32)) << r.out;
  EXPECT_EQ(FieldValue(r.out, "status"), "success");
  EXPECT_EQ(FieldValue(r.out, "result"), "{}");
  EXPECT_EQ(FieldValue(r.out, "events"), "1");
  EXPECT_TRUE(Contains(r.out, "TransferEvent  {\"amount\":\"250\",\"from\":\"" +
                                  alice + "\",\"to\":\"" + bob + "\"}"))
      << r.out;

  r = Cli({"query", token, "balance_of", R"({"owner": ")" + bob + R"("})"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "result"), R"({"balance":"250"})") << r.out;
  r = Cli({"query", token, "total_supply"});  // arguments default to {}
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "result"), R"({"total_supply":"1000000"})");

  r = Cli({"events", "--contract", token, "--name", "TransferEvent"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "BLOCK  TX  #  EVENT          ARGS\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "TransferEvent  {\"amount\":\"250\"")) << r.out;
  EXPECT_FALSE(Contains(r.out, "MintEvent")) << r.out;
  r = Cli({"events"});
  EXPECT_TRUE(Contains(r.out, "MintEvent")) << r.out;
  EXPECT_TRUE(Contains(r.out, "CONTRACT")) << r.out;

  r = Cli({"tx", tx_hash});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "status"), "committed") << r.out;
  EXPECT_EQ(FieldValue(r.out, "from"), alice);
  EXPECT_EQ(FieldValue(r.out, "nonce"), "1");
  EXPECT_EQ(FieldValue(r.out, "call"), token + " transfer");
  EXPECT_TRUE(Contains(FieldValue(r.out, "args"), "\"amount\":\"250\""));
  EXPECT_TRUE(Contains(r.out, "receipt\n  status")) << r.out;

  r = Cli({"block"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string height = FieldValue(r.out, "height");
  EXPECT_EQ(FieldValue(r.out, "txs"), "1") << r.out;
  EXPECT_TRUE(Contains(r.out, "\n  " + tx_hash + "\n")) << r.out;
  EXPECT_EQ(FieldValue(r.out, "chain id"), "cli-test");
  r = Cli({"block", height});
  EXPECT_EQ(FieldValue(r.out, "height"), height);
  const std::string hash = FieldValue(r.out, "hash");
  r = Cli({"block", hash});
  EXPECT_EQ(FieldValue(r.out, "height"), height) << r.Describe();

  r = Cli({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "node"), node_url_);
  EXPECT_EQ(FieldValue(r.out, "chain id"), "cli-test");
  EXPECT_EQ(FieldValue(r.out, "height"), height);

  r = Cli({"account", "alice"});
  EXPECT_EQ(FieldValue(r.out, "nonce"), "2") << r.Describe();
  r = Cli({"contract", token});
  EXPECT_TRUE(Contains(FieldValue(r.out, "methods"), "transfer")) << r.out;
  EXPECT_EQ(FieldValue(r.out, "creator"), alice);
}

TEST_F(CliE2ETest, TokenLifeInJsonOutput) {
  const std::string alice = NewKey("alice");
  const std::string bob = NewKey("bob");
  nlohmann::json deployed = CliJson(
      {"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
       "--from", "alice", "--init", TokenInit(alice), "--gas", "50000000"});
  ASSERT_TRUE(deployed.is_object());
  EXPECT_EQ(deployed["ok"], true);
  EXPECT_EQ(deployed["status"], "success");
  const std::string token = deployed["contract"];
  EXPECT_TRUE(IsHex(token, 20)) << deployed;
  EXPECT_TRUE(IsHex(deployed["hash"], 32)) << deployed;
  EXPECT_EQ(deployed["events"][0]["name"], "MintEvent");
  EXPECT_EQ(deployed["events"][0]["args"]["amount"], "1000000");

  nlohmann::json call = CliJson({"call", token, "transfer",
                                 R"({"to": ")" + bob + R"(", "amount": "250"})",
                                 "--from", "alice"});
  ASSERT_TRUE(call.is_object());
  EXPECT_EQ(call["ok"], true);
  EXPECT_EQ(call["result"], nlohmann::json::object());
  ASSERT_EQ(call["events"].size(), 1u) << call;
  EXPECT_EQ(call["events"][0]["name"], "TransferEvent");
  EXPECT_EQ(call["events"][0]["contract"], token);
  EXPECT_EQ(call["events"][0]["args"]["from"], alice);
  EXPECT_EQ(call["events"][0]["args"]["to"], bob);
  EXPECT_EQ(call["events"][0]["args"]["amount"], "250");
  EXPECT_GT(std::stoull(call["gas_used"].get<std::string>()), 0u);
  const std::string tx_hash = call["hash"];

  nlohmann::json query = CliJson(
      {"query", token, "balance_of", R"({"owner": ")" + alice + R"("})"});
  EXPECT_EQ(query["result"]["balance"], "999750") << query;

  nlohmann::json events = CliJson({"events", "--contract", token, "--name",
                                   "TransferEvent", "--from-block", "1"});
  ASSERT_EQ(events["events"].size(), 1u) << events;
  EXPECT_EQ(events["events"][0]["args"]["amount"], "250");
  EXPECT_EQ(events["events"][0]["block_height"], call["block_height"]);
  nlohmann::json none =
      CliJson({"events", "--contract", token, "--to-block", "0"});
  EXPECT_TRUE(none["events"].empty()) << none;

  nlohmann::json tx = CliJson({"tx", tx_hash});
  EXPECT_EQ(tx["status"], "committed");
  EXPECT_EQ(tx["hash"], tx_hash);
  EXPECT_EQ(tx["sender"], alice);
  EXPECT_EQ(tx["tx"]["call"]["method"], "transfer");
  EXPECT_EQ(tx["tx"]["call"]["args"]["amount"], "250");
  EXPECT_EQ(tx["receipt"]["status"], "RECEIPT_STATUS_SUCCESS");

  nlohmann::json block = CliJson({"block", "latest"});
  EXPECT_EQ(block["header"]["height"], call["block_height"]);
  EXPECT_EQ(block["txs"][0], tx_hash);
  EXPECT_EQ(CliJson({"block", call["block_height"]})["hash"], block["hash"]);

  nlohmann::json status = CliJson({"status"});
  EXPECT_EQ(status["chain_id"], "cli-test");
  EXPECT_EQ(status["height"], call["block_height"]);
  EXPECT_EQ(status["node"], node_url_);

  nlohmann::json account = CliJson({"account", alice});
  EXPECT_EQ(account["nonce"], "2");
  nlohmann::json contract = CliJson({"contract", token});
  EXPECT_EQ(contract["creator"], alice);
}

// query --height: the state and block time of that height; outside what
// the node keeps, a clear 4xx.
TEST_F(CliE2ETest, QueriesAtAPinnedHeight) {
  const std::string alice = NewKey("alice");
  const std::string bob = NewKey("bob");
  const std::string token = DeployToken("alice", alice);  // height 1
  const std::string to_bob = R"({"to": ")" + bob + R"(", "amount": 250})";
  ASSERT_EQ(
      Cli({"call", token, "transfer", to_bob, "--from", "alice"}).exit_code,
      0);  // 2
  ASSERT_EQ(
      Cli({"call", token, "transfer", to_bob, "--from", "alice"}).exit_code,
      0);  // 3
  const std::string owner = R"({"owner": ")" + bob + R"("})";
  nlohmann::json at2 =
      CliJson({"query", token, "balance_of", owner, "--height", "2"});
  EXPECT_EQ(at2["result"]["balance"], "250") << at2;
  EXPECT_EQ(at2["height"], "2") << at2;
  nlohmann::json block2 = CliJson({"block", "2"});
  EXPECT_EQ(at2["time_ms"], block2["header"]["time_ms"]) << block2;
  nlohmann::json head = CliJson({"query", token, "balance_of", owner});
  EXPECT_EQ(head["result"]["balance"], "500") << head;
  EXPECT_EQ(head["height"], "3") << head;

  RunResult r = Cli({"query", token, "balance_of", owner, "--height", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "result"), R"({"balance":"0"})") << r.out;
  EXPECT_TRUE(Contains(FieldValue(r.out, "at"), "block 1, time ")) << r.out;

  r = Cli({"query", token, "balance_of", owner, "--height", "4"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err,
                       "height 4 cannot be queried: the node keeps the state "
                       "of heights 1..3 (the head is the newest)"))
      << r.Describe();
  r = Cli({"query", token, "balance_of", owner, "--height", "-1"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  r = Cli({"query", token, "balance_of", owner, "--height", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(CliE2ETest, UnknownMethodNamesTheKnownOnes) {
  const std::string alice = NewKey("alice");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  RunResult r = Cli({"call", token, "steal", "{}", "--from", "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(Contains(
      r.err, "ballast: call: contract " + token + ": no method 'steal'"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "transfer")) << r.err;
  r = Cli({"query", token, "steal"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: query: node: 4")) << r.err;
  EXPECT_TRUE(Contains(r.err, "steal")) << r.err;
  r = Cli({"call", token, "init", "{}", "--from", "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: call: 'init' is the constructor"))
      << r.err;
  // Nothing was sent: alice's nonce is still 1 (the deploy).
  EXPECT_EQ(CliJson({"account", "alice"})["nonce"], "1");
}

TEST_F(CliE2ETest, MalformedOrMistypedArgumentsAreRefused) {
  const std::string alice = NewKey("alice");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  struct Case {
    std::string args;
    std::string error;
  } cases[] = {
      {R"({"to": )", "args: malformed JSON"},
      {R"({"to": ")" + alice + R"(", "amount": "lots"})", "amount"},
      {R"({"to": "not hex", "amount": 1})", "to"},
      {R"({"to": ")" + alice + R"(", "colour": "red"})", "colour"},
      {R"([1, 2])", "transfer"},
  };
  for (const Case& c : cases) {
    RunResult r = Cli({"call", token, "transfer", c.args, "--from", "alice"});
    EXPECT_EQ(r.exit_code, 3) << c.args << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.err, "ballast: call: ")) << r.err;
    EXPECT_TRUE(Contains(r.err, c.error)) << c.args << ": " << r.err;
    r = Cli({"query", token, "transfer", c.args});
    EXPECT_EQ(r.exit_code, 3) << c.args << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.err, c.error)) << c.args << ": " << r.err;
  }
  RunResult r =
      Cli({"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
           "--from", "alice", "--init", R"({"name": 5})"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: deploy: --init: ")) << r.err;
  EXPECT_EQ(CliJson({"account", "alice"})["nonce"], "1");
}

TEST_F(CliE2ETest, FailedCallPrintsItsReceiptAndExitsNonZero) {
  const std::string alice = NewKey("alice");
  const std::string bob = NewKey("bob");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  // bob has nothing to transfer.
  const std::string args = R"({"to": ")" + alice + R"(", "amount": 1})";
  RunResult r = Cli({"call", token, "transfer", args, "--from", "bob"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(FieldValue(r.out, "status"), "aborted") << r.out;
  EXPECT_FALSE(FieldValue(r.out, "error").empty()) << r.out;
  EXPECT_TRUE(Contains(r.err, "ballast: call: transaction 0x")) << r.err;
  EXPECT_TRUE(Contains(r.err, "insufficient balance")) << r.err;

  r = Cli({"--json", "call", token, "transfer", args, "--from", "bob"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.Describe();
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["status"], "aborted");
  EXPECT_TRUE(doc["events"].empty());
  // Failed transactions still use their nonces.
  EXPECT_EQ(CliJson({"account", "bob"})["nonce"], "2");
}

TEST_F(CliE2ETest, FailingQueryIsAnError) {
  const std::string alice = NewKey("alice");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  RunResult r = Cli({"query", token, "balance_of", R"({"owner": "0x01"})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "ballast: query: node: 422 ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "20 bytes")) << r.err;
}

TEST_F(CliE2ETest, UnknownObjectsAreNotFound) {
  const std::string zero_hash = "0x" + std::string(64, '0');
  const std::string zero_address = std::string(40, '0');
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"tx", zero_hash},
                                             {"block", "999"},
                                             {"block", zero_hash},
                                             {"contract", zero_address},
                                             {"query", zero_address, "x"}}) {
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 4) << args[0] << "\n" << r.Describe();
    EXPECT_TRUE(
        Contains(r.err, "ballast: " + args[0] + ": node: 404 NOT_FOUND: "))
        << r.err;
  }
  ASSERT_FALSE(NewKey("alice").empty());
  RunResult r =
      Cli({"call", zero_address, "transfer", "{}", "--from", "alice"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(Contains(r.err, "ballast: call: node: 404 NOT_FOUND: ")) << r.err;
}

TEST_F(CliE2ETest, AsyncSubmitThenLookUp) {
  const std::string alice = NewKey("alice");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  nlohmann::json sent = CliJson({"call", token, "transfer",
                                 R"({"to": ")" + alice + R"(", "amount": 1})",
                                 "--from", "alice", "--async"});
  ASSERT_TRUE(IsHex(sent["hash"], 32)) << sent;
  // Automine commits it shortly; look it up until then (bounded).
  nlohmann::json tx;
  for (int i = 0; i < 200; ++i) {
    tx = CliJson({"tx", sent["hash"]});
    if (tx.is_object() && tx["status"] == "committed") break;
  }
  EXPECT_EQ(tx["status"], "committed");
  EXPECT_EQ(tx["receipt"]["status"], "RECEIPT_STATUS_SUCCESS");
}

TEST_F(CliE2ETest, ConsecutiveTransactionsUseConsecutiveNonces) {
  const std::string alice = NewKey("alice");
  const std::string token = DeployToken("alice", alice);
  ASSERT_FALSE(token.empty());
  for (int i = 0; i < 3; ++i) {
    nlohmann::json call = CliJson({"call", token, "transfer",
                                   R"({"to": ")" + alice + R"(", "amount": 1})",
                                   "--from", "alice"});
    EXPECT_EQ(call["ok"], true) << call;
  }
  EXPECT_EQ(CliJson({"account", "alice"})["nonce"], "4");
}

// A node that makes a block only every minute: the CLI's wait for a receipt
// is bounded and says what to do next.
TEST_F(CliE2ETest, DeployTakesACompiledInterfaceAndReportsBadOnes) {
  const std::string alice = NewKey("alice");
  nlohmann::json deployed =
      CliJson({"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_DESC,
               "--from", "alice", "--init", TokenInit(alice)});
  EXPECT_EQ(deployed["ok"], true) << deployed;

  const std::string broken = dir_ + "/broken.proto";
  std::ofstream(broken) << "syntax = \"proto3\";\nmessage X { int32 a = ; }\n";
  RunResult r = Cli(
      {"deploy", BALLAST_TOKEN_WASM, "--interface", broken, "--from", "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: deploy: interface: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "broken.proto:2:")) << r.err;

  const std::string no_service = dir_ + "/plain.proto";
  std::ofstream(no_service) << "syntax = \"proto3\";\nmessage X {}\n";
  r = Cli({"deploy", BALLAST_TOKEN_WASM, "--interface", no_service, "--from",
           "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: deploy: interface: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "service")) << r.err;
  EXPECT_EQ(CliJson({"account", "alice"})["nonce"], "1");
}

using CliSlowNodeTest = CliTest;

TEST_F(CliSlowNodeTest, WaitingForAReceiptTimesOutClearly) {
  auto node = NewNode("slow-chain", /*block_time_ms=*/60'000);
  ASSERT_TRUE(node->Start()) << node->log();
  node_url_ = node->url();
  ASSERT_EQ(Cli({"keys", "new", "alice"}).exit_code, 0);
  RunResult r = Cli({"deploy", BALLAST_TOKEN_WASM, "--interface",
                     BALLAST_TOKEN_PROTO, "--from", "alice", "--init",
                     R"({"name": "T", "symbol": "T"})", "--timeout", "0.3"});
  EXPECT_EQ(r.exit_code, 7) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "ballast: deploy: transaction 0x")) << r.err;
  EXPECT_TRUE(Contains(r.err, "not committed after 0.3s (still pending)"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "ballast tx 0x")) << r.err;
  // It is in the mempool: the next transaction takes the next nonce.
  nlohmann::json account = CliJson({"account", "alice"});
  EXPECT_EQ(account["nonce"], "0");
  EXPECT_EQ(account["pending_nonce"], "1");
}

}  // namespace
}  // namespace ballast::test
