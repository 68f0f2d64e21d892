// ballastd as a real process, driven over HTTP: deploy the token, transfer,
// query, read events and blocks; every kind of bad input gets a 4xx with a
// message and changes nothing; a restarted node (after SIGTERM, or after each
// of repeated kill -9s under load) finds every transaction it reported
// committed, with no hole in any nonce sequence and the token's supply
// intact, and the crashed node's chain re-executes (ballastd verify) to the
// same roots at every height.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "contracts/testing/probe/probe.pb.h"
#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/base/subprocess.h"
#include "ledger/hashing.h"
#include "node/api/client.h"
#include "node/api/contract_interface.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/ballastd_process.h"
#include "tests/testing/temp_dir.h"
#include "wasm/gas.h"

namespace ballast::node {
namespace {

using ::ballast::api::Client;
using ::ballast::api::CompileInterface;
using ::ballast::api::DumpJson;
using ::ballast::api::HexBytes;
using ::ballast::api::ParseHexBytes;
using ::ballast::test::BallastdProcess;
using ::ballast::test::HttpResult;
using ::ballast::test::TempDir;

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kChain[] = "testnet";
constexpr uint64_t kSupply = 1'000'000;
constexpr uint64_t kCallGas = 5'000'000;

std::string Hex(std::string_view bytes) { return HexBytes(bytes); }

// A sender with its own nonce counter.
struct Wallet {
  KeyPair key;
  uint64_t nonce = 0;
  std::string address() const { return AddressOf(key); }

  ledger::SignedTransaction Sign(ledger::Transaction tx,
                                 std::string chain = kChain) {
    tx.set_chain_id(chain);
    tx.set_nonce(nonce++);
    if (tx.gas_limit() == 0) tx.set_gas_limit(kCallGas);
    return SignTx(key, tx);
  }
  ledger::SignedTransaction DeployToken(
      const std::vector<std::string>& holders = {}) {
    token::InitRequest init;
    init.set_name("Test Token");
    init.set_symbol("TT");
    init.set_decimals(2);
    init.add_minters(address());
    init.set_initial_holder(address());
    init.set_initial_supply(kSupply);
    ledger::Transaction tx;
    tx.set_gas_limit(100'000'000);
    tx.mutable_deploy()->set_code(ContractWasm("token"));
    tx.mutable_deploy()->set_interface(ContractDescriptor("token"));
    tx.mutable_deploy()->set_init_input(init.SerializeAsString());
    return Sign(tx);
  }
  ledger::SignedTransaction Transfer(const std::string& token,
                                     const std::string& to, uint64_t amount) {
    token::TransferRequest req;
    req.set_to(to);
    req.set_amount(amount);
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(token);
    tx.mutable_call()->set_method("transfer");
    tx.mutable_call()->set_input(req.SerializeAsString());
    return Sign(tx);
  }
};

class BallastdTest : public ::testing::Test {
 protected:
  // Starts a node on dir_/chain with `args` (after --chain-id).
  std::unique_ptr<BallastdProcess> StartNode(
      std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--chain-id", kChain});
    auto node = std::make_unique<BallastdProcess>(dir_.path() + "/chain", args);
    EXPECT_TRUE(node->Start()) << "exit " << node->exit_code() << "\n"
                               << node->log();
    return node;
  }

  // Deploys the token from alice_ and returns its address. The body goes as
  // `curl -d` sends it (form-urlencoded), which must not matter.
  std::string DeployToken(const BallastdProcess& node) {
    HttpResult r =
        node.Post("/v1/tx?wait=true", Client::SubmitBody(alice_.DeployToken()),
                  "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["status"], "committed") << r.text;
    EXPECT_EQ(r.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
    auto addr = ParseHexBytes(
        r.body["receipt"]["contract_address"].get<std::string>(), "address");
    EXPECT_TRUE(addr.ok());
    return *addr;
  }

  uint64_t Balance(const BallastdProcess& node, const std::string& token,
                   const std::string& owner) {
    HttpResult r =
        node.Post("/v1/query", json{{"contract", Hex(token)},
                                    {"method", "balance_of"},
                                    {"args", {{"owner", Hex(owner)}}}});
    EXPECT_EQ(r.status, 200) << r.text;
    if (r.status != 200) return 0;
    return std::stoull(r.body["result"]["balance"].get<std::string>());
  }

  uint64_t Height(const BallastdProcess& node) {
    HttpResult r = node.Get("/v1/health");
    EXPECT_EQ(r.status, 200) << r.text;
    return r.status == 200 ? std::stoull(r.body["height"].get<std::string>())
                           : 0;
  }

  // Token holders other than alice_ and bob_: the senders' recipients.
  static std::vector<std::string> Recipients() {
    std::vector<std::string> out;
    for (char c = 'c'; c <= 'f'; ++c) out.push_back(AddressOf(DevKey(c)));
    return out;
  }

  // Puts `node` under load, then kills it (kill -9) mid-load. alice_ and
  // bob_ (both holding `token`) each send transfers to Recipients() one at
  // a time, waiting for the receipt, and record what the node reported
  // committed; `flooder` submits transfers without waiting (those may or
  // may not survive). The kill comes once `receipts` transfers were
  // reported committed. Returns those: tx hash -> block height.
  std::map<std::string, uint64_t> KillUnderLoad(BallastdProcess& node,
                                                const std::string& token,
                                                Wallet& flooder, int receipts) {
    const std::vector<std::string> to = Recipients();
    std::mutex mu;
    std::map<std::string, uint64_t> reported;
    std::atomic<bool> stop{false};
    std::atomic<int> count{0};
    auto sender = [&](Wallet* w, int salt) {
      for (int i = 0; i < 2000 && !stop; ++i) {
        ledger::SignedTransaction stx =
            w->Transfer(token, to[(i + salt) % to.size()], 1 + i % 7);
        HttpResult r = node.SubmitAndWait(stx);
        if (r.status != 200 || r.body["status"] != "committed") break;
        std::lock_guard<std::mutex> lock(mu);
        reported[Hex(ledger::TxHash(stx))] =
            std::stoull(r.body["block_height"].get<std::string>());
        ++count;
      }
    };
    // Enough to fill blocks while it lasts, not so many that the senders
    // starve (the sanitizer build runs contracts several times slower) or
    // that the checks (a request per committed transaction) grow slow.
    auto flood = [&] {
      for (int i = 0; i < 150 && !stop; ++i) {
        if (node.Submit(flooder.Transfer(token, alice_.address(), 1)).status !=
            200) {
          break;
        }
      }
    };
    std::thread a(sender, &alice_, 0), b(sender, &bob_, 1), f(flood);
    for (int i = 0; i < 2000 && count < receipts; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(count, receipts) << "the node stalled:\n" << node.log();
    node.Kill();
    stop = true;
    a.join();
    b.join();
    f.join();
    std::lock_guard<std::mutex> lock(mu);
    return reported;
  }

  // Each of `reported` (tx hash -> block height) is committed at its height.
  void ExpectReportedCommitted(
      const BallastdProcess& node,
      const std::map<std::string, uint64_t>& reported) {
    std::unique_ptr<Client> client = node.Client();
    for (const auto& [hash, height] : reported) {
      auto tx = client->Transaction(*FromHex(hash));
      ASSERT_TRUE(tx.ok()) << hash
                           << " was reported committed: " << tx.status();
      EXPECT_EQ(tx->status(), "committed") << hash;
      EXPECT_EQ(tx->block_height(), height) << hash;
    }
  }

  // The hashes of blocks 1..head.
  std::vector<std::string> BlockHashes(const BallastdProcess& node) {
    std::unique_ptr<Client> client = node.Client();
    std::vector<std::string> out;
    for (uint64_t h = 1, head = Height(node); h <= head; ++h) {
      auto block = client->BlockAt(h);
      EXPECT_TRUE(block.ok()) << block.status();
      if (!block.ok()) break;
      out.push_back(block->hash());
    }
    return out;
  }

  // Sets w's next nonce to its account's on `node` (after a crash, the
  // transactions it had in the mempool are gone, and their nonces free).
  void SyncNonce(const BallastdProcess& node, Wallet* w) {
    auto account = node.Client()->Account(w->address());
    ASSERT_TRUE(account.ok()) << account.status();
    w->nonce = account->nonce();
  }

  TempDir dir_;
  Wallet alice_{DevKey('a')};
  Wallet bob_{DevKey('b')};
};

TEST_F(BallastdTest, DeployTransferQueryAndReadEvents) {
  auto node = StartNode();
  HttpResult info = node->Get("/v1/info");
  ASSERT_EQ(info.status, 200) << info.text;
  EXPECT_EQ(info.body["chain_id"], kChain);
  EXPECT_EQ(info.body["height"], "0");
  EXPECT_EQ(info.body["limits"]["query_gas_limit"], "100000000");

  std::string token = DeployToken(*node);
  HttpResult contract = node->Get("/v1/contract/" + Hex(token));
  ASSERT_EQ(contract.status, 200) << contract.text;
  EXPECT_THAT(contract.body["methods"].get<std::vector<std::string>>(),
              ::testing::Contains("transfer"));
  EXPECT_EQ(contract.body["events"][0], "TransferEvent");
  EXPECT_EQ(contract.body["creator"], Hex(alice_.address()));
  EXPECT_EQ(contract.body["interface"], Hex(ContractDescriptor("token")));

  ledger::SignedTransaction stx = alice_.Transfer(token, bob_.address(), 250);
  HttpResult r = node->SubmitAndWait(stx);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["hash"], Hex(ledger::TxHash(stx)));
  EXPECT_EQ(r.body["tx"]["call"]["args"]["amount"], "250");
  const json& receipt = r.body["receipt"];
  EXPECT_EQ(receipt["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
  EXPECT_GT(std::stoull(receipt["gas_used"].get<std::string>()), kGasTxBase);
  ASSERT_EQ(receipt["events"].size(), 1u);
  EXPECT_EQ(receipt["events"][0]["name"], "TransferEvent");
  EXPECT_EQ(receipt["events"][0]["args"]["to"], Hex(bob_.address()));
  EXPECT_EQ(receipt["result"], json::object());

  EXPECT_EQ(Balance(*node, token, bob_.address()), 250u);
  EXPECT_EQ(Balance(*node, token, alice_.address()), kSupply - 250);
  // A query's gas_limit: up to the cap (number or string); too little is
  // the contract running out of gas (422).
  HttpResult at_cap = node->Post("/v1/query", json{{"contract", Hex(token)},
                                                   {"method", "total_supply"},
                                                   {"gas_limit", 100'000'000}});
  EXPECT_EQ(at_cap.status, 200) << at_cap.text;
  HttpResult starved = node->Post("/v1/query", json{{"contract", Hex(token)},
                                                    {"method", "total_supply"},
                                                    {"gas_limit", "10"}});
  EXPECT_EQ(starved.status, 422) << starved.text;
  EXPECT_EQ(starved.body["failure"], "out of gas") << starved.text;

  // The same transaction, read back; its block by height and by hash.
  HttpResult tx = node->Get("/v1/tx/" + Hex(ledger::TxHash(stx)));
  ASSERT_EQ(tx.status, 200);
  EXPECT_EQ(tx.body, r.body);
  std::string height = tx.body["block_height"];
  HttpResult block = node->Get("/v1/block/" + height);
  ASSERT_EQ(block.status, 200) << block.text;
  EXPECT_EQ(block.body["txs"][0], Hex(ledger::TxHash(stx)));
  EXPECT_EQ(block.body["hash"], tx.body["block_hash"]);
  EXPECT_EQ(
      node->Get("/v1/block/hash/" + block.body["hash"].get<std::string>()).body,
      block.body);
  EXPECT_EQ(node->Get("/v1/block/latest").body, block.body);

  HttpResult events = node->Get("/v1/events?contract=" + Hex(token) +
                                "&name=TransferEvent&from_block=1");
  ASSERT_EQ(events.status, 200) << events.text;
  ASSERT_EQ(events.body["events"].size(), 1u);
  EXPECT_EQ(events.body["events"][0]["args"]["amount"], "250");
  EXPECT_EQ(node->Get("/v1/events?name=MintEvent").body["events"].size(), 1u);
  EXPECT_EQ(node->Get("/v1/events?to_block=1&name=TransferEvent")
                .body["events"]
                .size(),
            0u);

  HttpResult account = node->Get("/v1/account/" + Hex(alice_.address()));
  EXPECT_EQ(account.body["nonce"], "2");
  EXPECT_EQ(node->Terminate(), 0) << node->log();
  EXPECT_THAT(node->log(), HasSubstr("SIGTERM: shutting down"));
}

TEST_F(BallastdTest, BadInputGetsA4xxWithAMessageAndWritesNothing) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  uint64_t height = Height(*node);
  std::string state_before = node->Get("/v1/block/latest").text;

  struct Case {
    std::string what;
    HttpResult result;
    int status;
    std::string message;
  };
  std::vector<Case> cases;
  auto post = [&](const std::string& path, const std::string& body) {
    return node->Post(path, body);
  };
  cases.push_back(
      {"malformed JSON", post("/v1/tx", "{\"tx\": "), 400, "malformed JSON"});
  cases.push_back({"empty body", post("/v1/tx", ""), 400, "body is empty"});
  cases.push_back({"wrong field type",
                   post("/v1/tx", R"({"tx": 5, "signature": "0x"})"), 400,
                   "field 'tx': bytes must be a 0x-prefixed hex string"});
  cases.push_back({"base64 bytes",
                   post("/v1/tx", R"({"tx": "AQI=", "signature": "0x"})"), 400,
                   "bytes must be 0x-prefixed hex"});
  cases.push_back(
      {"unknown route", node->Get("/v1/nothing"), 404, "no route GET"});
  cases.push_back({"unknown method",
                   node->Post("/v1/query", json{{"contract", Hex(token)},
                                                {"method", "steal"}}),
                   400, "no method 'steal' (methods: init, name"});
  cases.push_back({"unknown argument",
                   node->Post("/v1/query", json{{"contract", Hex(token)},
                                                {"method", "balance_of"},
                                                {"args", {{"own", "0x"}}}}),
                   400, "balance_of request"});
  cases.push_back({"wrong argument type",
                   node->Post("/v1/query", json{{"contract", Hex(token)},
                                                {"method", "balance_of"},
                                                {"args", {{"owner", 7}}}}),
                   400, "field 'owner': bytes must be"});
  cases.push_back(
      {"unknown contract",
       node->Post("/v1/query", json{{"contract", Hex(std::string(20, 'x'))},
                                    {"method", "name"}}),
       404, "no contract at 0x"});
  cases.push_back({"contract aborts in a query",
                   node->Post("/v1/query", json{{"contract", Hex(token)},
                                                {"method", "balance_of"},
                                                {"args", {{"owner", "0x01"}}}}),
                   422, "address must be 20 bytes"});
  cases.push_back(
      {"query gas limit above the cap",
       node->Post("/v1/query", json{{"contract", Hex(token)},
                                    {"method", "total_supply"},
                                    {"gas_limit", "100000001"}}),
       400,
       "field 'gas_limit': 100000001 exceeds the query gas limit 100000000"});
  cases.push_back({"oversize body", post("/v1/tx", std::string(3 << 20, ' ')),
                   413, "exceeds the size limit"});
  cases.push_back({"unknown tx",
                   node->Get("/v1/tx/" + Hex(std::string(32, 'z'))), 404,
                   "no transaction"});
  cases.push_back({"bad hash", node->Get("/v1/tx/0x1234"), 400,
                   "transaction hash must be 32 bytes"});
  cases.push_back(
      {"no such block", node->Get("/v1/block/99999"), 404, "no block 99999"});
  cases.push_back({"bad height", node->Get("/v1/block/-1"), 400,
                   "block height must be a non-negative integer"});
  cases.push_back({"bad event filter",
                   node->Get("/v1/events?from_block=5&to_block=2"), 400,
                   "from_block 5 is after to_block 2"});
  cases.push_back({"event name no event can have",
                   node->Get("/v1/events?name=" + std::string(256, 'E')), 400,
                   "an event name is 1..255 bytes, got 256"});

  // Transactions refused by the mempool.
  ledger::SignedTransaction bad_sig = bob_.Transfer(token, alice_.address(), 1);
  bob_.nonce--;
  bad_sig.mutable_signature()->at(0) ^= 1;
  cases.push_back(
      {"bad signature", node->Submit(bad_sig), 400, "bad signature"});
  ledger::Transaction other;
  other.mutable_call()->set_contract(token);
  other.mutable_call()->set_method("name");
  ledger::SignedTransaction wrong_chain = bob_.Sign(other, "otherchain");
  bob_.nonce--;
  cases.push_back({"wrong chain id", node->Submit(wrong_chain), 400,
                   "wrong chain id 'otherchain' (this chain is 'testnet')"});
  Wallet replay{alice_.key, 0};
  cases.push_back({"replayed nonce",
                   node->Submit(replay.Transfer(token, bob_.address(), 5)), 400,
                   "nonce 0 already used (next is 1)"});
  ledger::Transaction greedy = other;
  greedy.set_gas_limit(kDefaultBlockGasLimit + 1);
  cases.push_back({"gas limit above the block's",
                   node->Submit(bob_.Sign(greedy)), 400,
                   "exceeds the block gas limit"});
  bob_.nonce--;
  // A gapped nonce waits; submitting it again is a duplicate.
  Wallet gapped{bob_.key, 5};
  ledger::SignedTransaction waiting =
      gapped.Transfer(token, alice_.address(), 1);
  HttpResult accepted = node->Submit(waiting);
  EXPECT_EQ(accepted.status, 200) << accepted.text;
  cases.push_back({"duplicate pending tx", node->Submit(waiting), 409,
                   "is already pending"});
  Wallet again{alice_.key, 0};
  cases.push_back({"duplicate committed tx", node->Submit(again.DeployToken()),
                   409, "is already committed in block 1"});

  for (const Case& c : cases) {
    EXPECT_EQ(c.result.status, c.status) << c.what << ": " << c.result.text;
    ASSERT_TRUE(c.result.body.is_object()) << c.what << ": " << c.result.text;
    EXPECT_THAT(c.result.body["error"]["message"].get<std::string>(),
                HasSubstr(c.message))
        << c.what;
    EXPECT_FALSE(c.result.body["error"]["code"].get<std::string>().empty());
  }

  // Nothing was written, and the node is still up.
  EXPECT_EQ(Height(*node), height);
  EXPECT_EQ(node->Get("/v1/block/latest").text, state_before);
  HttpResult pending = node->Get("/v1/tx/" + Hex(ledger::TxHash(waiting)));
  EXPECT_EQ(pending.body["status"], "pending");
  HttpResult acct = node->Get("/v1/account/" + Hex(bob_.address()));
  EXPECT_EQ(acct.body["nonce"], "0");
  EXPECT_EQ(acct.body["pending_nonce"], "0");
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// JSON nested 200k levels deep once overflowed the stack of the thread
// that printed it back in an error message: now every body is refused at
// parse time, deeper than 64 levels, and the node stays up.
// GET /v1/proof over HTTP: the document's JSON shape (null for absence, each
// entry only its own fields), and each bad parameter a 400 naming it.
TEST_F(BallastdTest, ProofDocumentsAndTheirBadParameters) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  const std::string supply = "0x737570706c79";
  HttpResult r =
      node->Get("/v1/proof?contract=" + Hex(token) + "&key=" + supply +
                "&key=0x62" + ToHex(bob_.address()));
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["chain_id"], kChain);
  EXPECT_EQ(r.body["height"], "1");
  EXPECT_EQ(r.body["header"]["height"], "1");
  ASSERT_EQ(r.body["entries"].size(), 2u);
  EXPECT_EQ(r.body["entries"][0]["key"], supply);
  EXPECT_TRUE(r.body["entries"][0]["value"].is_string());
  EXPECT_TRUE(r.body["entries"][1]["value"].is_null()) << r.text;
  EXPECT_FALSE(r.body["entries"][1].contains("account")) << r.text;
  EXPECT_EQ(r.body["signatures"][0]["pubkey"],
            node->Get("/v1/info").body["producer_pubkey"]);

  r = node->Get("/v1/proof?account=" + Hex(alice_.address()) + "&height=1");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["entries"][0]["nonce"], "1");
  EXPECT_FALSE(r.body["entries"][0].contains("contract")) << r.text;

  std::string many = "/v1/proof?contract=" + Hex(token);
  for (int i = 0; i < 65; ++i) many += "&key=0x01";
  struct Case {
    std::string path;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {many, 400, "too many 'key' parameters: at most 64"},
      {"/v1/proof?contract=" + Hex(token) + "&key=0xzz", 400,
       "key 0: bytes must be 0x-prefixed hex"},
      {"/v1/proof?contract=" + Hex(token) + "&key=0x01&height=x", 400,
       "height must be a non-negative integer"},
      {"/v1/proof?contract=" + Hex(token) + "&key=0x01&height=2", 400,
       "the node keeps the state of heights 1..1"},
      {"/v1/proof?contract=" + Hex(token), 400, "at least one 'key'"},
      {"/v1/proof?account=0x01", 400, "account must be 20 bytes of hex"},
      {"/v1/proof?owner=0x01", 400, "unknown parameter 'owner'"},
      {"/v1/proof", 400, "give 'account', or 'contract'"},
  };
  for (const Case& c : cases) {
    HttpResult bad = node->Get(c.path);
    EXPECT_EQ(bad.status, c.status)
        << c.path.substr(0, 100) << ": " << bad.text;
    EXPECT_NE(bad.text.find(c.message), std::string::npos)
        << c.path.substr(0, 100) << ": " << bad.text;
  }
}

TEST_F(BallastdTest, DeeplyNestedJsonGetsA400AndTheNodeStaysUp) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  auto nested = [](int levels, std::string_view open, std::string_view close) {
    std::string text;
    for (int i = 0; i < levels; ++i) text += open;
    text += "1";
    for (int i = 0; i < levels; ++i) text += close;
    return text;
  };
  const std::string contract = "\"contract\": \"" + Hex(token) + "\"";
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"/v1/query",
       "{" + contract + ", \"method\": " + nested(200'000, "[", "]") + "}"},
      {"/v1/query", "{" + contract + R"(, "method": "balance_of", "args": )" +
                        nested(200'000, "{\"a\":", "}") + "}"},
      {"/v1/query", "{" + contract + R"(, "method": "balance_of", "args": )" +
                        nested(65, "[", "]") + "}"},
      {"/v1/tx", "{\"tx\": " + nested(200'000, "[", "]") + "}"},
      {"/v1/tx", "{\"x\": " + nested(200'000, "{\"x\": ", "}") + "}"},
  };
  for (const auto& [path, body] : requests) {
    HttpResult r = node->Post(path, body);
    ASSERT_EQ(r.status, 400)
        << path << " " << body.substr(0, 120) << ": " << r.text << "\n"
        << node->log();
    EXPECT_EQ(r.body["error"]["code"], "INVALID_ARGUMENT");
    EXPECT_EQ(r.body["error"]["message"], "JSON nested deeper than 64 levels");
  }
  // Still up, and 64 levels is still fine (the args are refused, but for
  // what they are, not for their depth).
  EXPECT_EQ(Balance(*node, token, alice_.address()), kSupply);
  HttpResult ok_depth = node->Post(
      "/v1/query", "{" + contract + R"(, "method": "balance_of", "args": )" +
                       nested(63, "[", "]") + "}");
  EXPECT_EQ(ok_depth.status, 400) << ok_depth.text;
  EXPECT_THAT(ok_depth.text, ::testing::Not(HasSubstr("nested deeper")));
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// The same wasm deployed twice with different interfaces: each contract
// answers with its own methods (the interface once sat on the shared code
// record, and the second deploy overwrote the first's).
TEST_F(BallastdTest, SameWasmDeployedTwiceKeepsEachContractsInterface) {
  auto node = StartNode();
  auto deploy = [&](const std::string& interface) {
    probe::InitRequest init;
    init.set_data("stored at init");
    ledger::Transaction tx;
    tx.set_gas_limit(100'000'000);
    tx.mutable_deploy()->set_code(ContractWasm("probe"));
    tx.mutable_deploy()->set_interface(interface);
    tx.mutable_deploy()->set_init_input(init.SerializeAsString());
    HttpResult r = node->SubmitAndWait(alice_.Sign(tx));
    EXPECT_EQ(r.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
    return r.body["receipt"]["contract_address"].get<std::string>();
  };
  auto methods = [&](const std::string& contract) {
    HttpResult r = node->Get("/v1/contract/" + contract);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body["methods"].get<std::vector<std::string>>();
  };
  auto load = [&](const std::string& contract) {
    return node->Post("/v1/query", json{{"contract", contract},
                                        {"method", "load"},
                                        {"args", {{"key", Hex("init")}}}});
  };
  std::string probe = deploy(ContractDescriptor("probe"));
  // Read (and cache) the first contract's interface before the second
  // deploy.
  HttpResult before = load(probe);
  ASSERT_EQ(before.status, 200) << before.text;
  EXPECT_EQ(before.body["result"]["value"], Hex("stored at init"));

  std::string as_token = deploy(ContractDescriptor("token"));
  HttpResult first = node->Get("/v1/contract/" + probe);
  HttpResult second = node->Get("/v1/contract/" + as_token);
  EXPECT_EQ(first.body["code_hash"], second.body["code_hash"]);
  EXPECT_EQ(first.body["interface"], Hex(ContractDescriptor("probe")));
  EXPECT_EQ(second.body["interface"], Hex(ContractDescriptor("token")));
  EXPECT_THAT(methods(probe), ::testing::Contains("load"));
  EXPECT_THAT(methods(probe), ::testing::Not(::testing::Contains("transfer")));
  EXPECT_THAT(methods(as_token), ::testing::Contains("transfer"));
  EXPECT_THAT(methods(as_token), ::testing::Not(::testing::Contains("load")));
  EXPECT_EQ(load(probe).status, 200);
  HttpResult wrong = load(as_token);
  EXPECT_EQ(wrong.status, 400) << wrong.text;
  EXPECT_THAT(wrong.text, HasSubstr("no method 'load'"));

  // A node started afresh (empty caches) reads the same from the store.
  EXPECT_EQ(node->Terminate(), 0) << node->log();
  node = StartNode();
  EXPECT_THAT(methods(as_token), ::testing::Contains("transfer"));
  EXPECT_THAT(methods(probe), ::testing::Contains("load"));
  EXPECT_EQ(load(probe).body["result"]["value"], Hex("stored at init"));
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// A deploy's output is decoded as init's response only when the interface
// has an init: without one, the receipt has no "result" and no
// "decode_error" (ballast deploy printed "decode error no method 'init'").
TEST_F(BallastdTest, DeployWithoutInitHasNoDecodeError) {
  auto node = StartNode();
  const std::string proto = dir_.path() + "/no_init.proto";
  {
    std::ofstream out(proto);
    out << R"(syntax = "proto3";
package noinit;
service NoInit { rpc load(LoadRequest) returns (LoadResponse); }
message LoadRequest { bytes key = 1; }
message LoadResponse { bool found = 1; bytes value = 2; }
)";
  }
  auto desc = CompileInterface(proto, {});
  ASSERT_TRUE(desc.ok()) << desc.status();
  ledger::Transaction tx;
  tx.set_gas_limit(100'000'000);
  tx.mutable_deploy()->set_code(ContractWasm("probe"));
  tx.mutable_deploy()->set_interface(*desc);
  HttpResult r = node->SubmitAndWait(alice_.Sign(tx));
  ASSERT_EQ(r.status, 200) << r.text;
  const json& receipt = r.body["receipt"];
  EXPECT_EQ(receipt["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
  EXPECT_FALSE(receipt.contains("decode_error")) << r.text;
  EXPECT_FALSE(receipt.contains("result")) << r.text;
  EXPECT_FALSE(r.body["tx"]["deploy"].contains("decode_error")) << r.text;
  // A deploy with an init still has its result decoded.
  HttpResult token = node->SubmitAndWait(alice_.DeployToken());
  EXPECT_EQ(token.body["receipt"]["result"], json::object()) << token.text;
  EXPECT_FALSE(token.body["receipt"].contains("decode_error")) << token.text;
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// A contract that traps: a query gets a 422 naming the failure, a
// transaction is committed with status TRAPPED, and the node stays up.
TEST_F(BallastdTest, AContractThatTrapsGetsA4xxAndATrappedReceipt) {
  auto node = StartNode();
  probe::InitRequest init;
  ledger::Transaction deploy;
  deploy.set_gas_limit(100'000'000);
  deploy.mutable_deploy()->set_code(ContractWasm("probe"));
  deploy.mutable_deploy()->set_interface(ContractDescriptor("probe"));
  deploy.mutable_deploy()->set_init_input(init.SerializeAsString());
  HttpResult deployed = node->SubmitAndWait(alice_.Sign(deploy));
  ASSERT_EQ(deployed.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS")
      << deployed.text;
  const std::string probe =
      deployed.body["receipt"]["contract_address"].get<std::string>();

  HttpResult query = node->Post(
      "/v1/query", json{{"contract", probe},
                        {"method", "divide"},
                        {"args", {{"dividend", 7}, {"divisor", 0}}}});
  EXPECT_EQ(query.status, 422) << query.text;
  EXPECT_EQ(query.body["failure"], "trapped") << query.text;
  EXPECT_FALSE(query.body["error"]["message"].get<std::string>().empty());
  EXPECT_GT(std::stoull(query.body["gas_used"].get<std::string>()), 0u);

  probe::DivideRequest div;
  div.set_dividend(7);
  ledger::Transaction call;
  call.mutable_call()->set_contract(*ParseHexBytes(probe, "probe"));
  call.mutable_call()->set_method("divide");
  call.mutable_call()->set_input(div.SerializeAsString());
  HttpResult trapped = node->SubmitAndWait(bob_.Sign(call));
  ASSERT_EQ(trapped.status, 200) << trapped.text;
  EXPECT_EQ(trapped.body["status"], "committed");
  EXPECT_EQ(trapped.body["receipt"]["status"], "RECEIPT_STATUS_TRAPPED")
      << trapped.text;
  EXPECT_FALSE(trapped.body["receipt"]["error"].get<std::string>().empty());
  EXPECT_EQ(node->Get("/v1/account/" + Hex(bob_.address())).body["nonce"], "1");

  // Still up: a good division goes through, as a query and as a transaction.
  HttpResult ok = node->Post("/v1/query",
                             json{{"contract", probe},
                                  {"method", "divide"},
                                  {"args", {{"dividend", 7}, {"divisor", 2}}}});
  EXPECT_EQ(ok.status, 200) << ok.text;
  EXPECT_EQ(ok.body["result"]["quotient"], "3");
  EXPECT_EQ(node->Get("/v1/health").status, 200);
  div.set_divisor(7);
  call.mutable_call()->set_input(div.SerializeAsString());
  HttpResult fine = node->SubmitAndWait(bob_.Sign(call));
  EXPECT_EQ(fine.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS")
      << fine.text;
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

TEST_F(BallastdTest, AFailingTransactionIsCommittedWithItsReason) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  // bob has nothing: the contract aborts; the receipt says why, the nonce is
  // used, no balance moves.
  HttpResult r =
      node->SubmitAndWait(bob_.Transfer(token, alice_.address(), 10));
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["receipt"]["status"], "RECEIPT_STATUS_ABORTED");
  EXPECT_THAT(r.body["receipt"]["error"].get<std::string>(),
              HasSubstr("insufficient"));
  EXPECT_EQ(r.body["receipt"]["events"].size(), 0u);
  EXPECT_FALSE(r.body["receipt"].contains("result"));
  EXPECT_EQ(Balance(*node, token, alice_.address()), kSupply);
  EXPECT_EQ(node->Get("/v1/account/" + Hex(bob_.address())).body["nonce"], "1");
}

TEST_F(BallastdTest, GappedNoncesWaitAndIntervalBlocksKeepComing) {
  auto node = StartNode({"--block-time", "50"});
  std::string token = DeployToken(*node);
  ledger::SignedTransaction t0 = alice_.Transfer(token, bob_.address(), 1);
  ledger::SignedTransaction t1 = alice_.Transfer(token, bob_.address(), 2);
  ASSERT_EQ(node->Submit(t1).status, 200);  // nonce 2 before nonce 1
  EXPECT_EQ(
      node->Get("/v1/account/" + Hex(alice_.address())).body["pending_nonce"],
      "1");
  HttpResult r = node->SubmitAndWait(t0);
  ASSERT_EQ(r.body["status"], "committed") << r.text;
  HttpResult r1;
  for (int i = 0; i < 200; ++i) {  // bounded: 200 * 50 ms
    r1 = node->Get("/v1/tx/" + Hex(ledger::TxHash(t1)));
    if (r1.body["status"] == "committed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r1.body["status"], "committed");
  EXPECT_EQ(Balance(*node, token, bob_.address()), 3u);
  // Empty blocks keep coming on the interval.
  uint64_t h = Height(*node);
  for (int i = 0; i < 200 && Height(*node) < h + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(Height(*node), h + 2);
  EXPECT_EQ(node->Terminate(), 0);
}

TEST_F(BallastdTest, BlocksCutByGasStillDrainTheMempool) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  // Three of these fill a block's gas limit; all twenty must get through
  // without any new arrival to wake the producer.
  std::vector<ledger::SignedTransaction> txs;
  for (int i = 0; i < 20; ++i) {
    ledger::Transaction tx;
    tx.set_gas_limit(kDefaultBlockGasLimit / 3);
    tx.mutable_call()->set_contract(token);
    tx.mutable_call()->set_method("total_supply");
    txs.push_back(alice_.Sign(tx));
  }
  for (size_t i = txs.size(); i-- > 0;) {  // last nonce first: all wait
    ASSERT_EQ(node->Submit(txs[i]).status, 200);
  }
  HttpResult last =
      node->Post("/v1/tx?wait=true",
                 Client::SubmitBody(txs.back()));  // already pending: 409
  EXPECT_EQ(last.status, 409);
  HttpResult r;
  for (int i = 0; i < 200; ++i) {  // bounded: 200 * 50 ms
    r = node->Get("/v1/tx/" + Hex(ledger::TxHash(txs.back())));
    if (r.body["status"] == "committed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.body["status"], "committed") << node->log();
  HttpResult block =
      node->Get("/v1/block/" + r.body["block_height"].get<std::string>());
  EXPECT_LE(block.body["txs"].size(), 3u);
}

TEST_F(BallastdTest, FullMempoolRefusesWithRetryLater) {
  auto node = StartNode({"--mempool-size", "2"});
  std::string token = DeployToken(*node);
  Wallet gapped{bob_.key, 10};
  EXPECT_EQ(node->Submit(gapped.Transfer(token, alice_.address(), 1)).status,
            200);
  EXPECT_EQ(node->Submit(gapped.Transfer(token, alice_.address(), 1)).status,
            200);
  HttpResult full = node->Submit(gapped.Transfer(token, alice_.address(), 1));
  EXPECT_EQ(full.status, 503) << full.text;
  EXPECT_THAT(full.text, HasSubstr("mempool is full"));
}

// POST /v1/txs: each transaction is admitted or refused on its own, as by
// POST /v1/tx, and answered in its place; a refusal does not stop the rest.
TEST_F(BallastdTest, ABatchAnswersEachTransactionInItsPlace) {
  auto node = StartNode();
  std::string token = DeployToken(*node);
  const std::string carol = AddressOf(DevKey('c'));
  ledger::SignedTransaction first = alice_.Transfer(token, carol, 5);
  ledger::SignedTransaction forged = alice_.Transfer(token, carol, 1000);
  forged.mutable_signature()->at(0) ^= 1;
  --alice_.nonce;  // the forged one never counts
  ledger::SignedTransaction second = alice_.Transfer(token, carol, 7);
  std::vector<std::string> bodies = {
      Client::SubmitBody(first), Client::SubmitBody(forged),
      Client::SubmitBody(second), Client::SubmitBody(first)};
  std::vector<const std::string*> refs;
  for (const std::string& b : bodies) refs.push_back(&b);
  auto results = node->Client()->SubmitBatchRendered(refs);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[0].value_or(""), ledger::TxHash(first));
  EXPECT_EQ(api::KindOf((*results)[1].status()), api::ErrorKind::kBadRequest)
      << (*results)[1].status();
  EXPECT_THAT((*results)[1].status().message(), HasSubstr("signature"));
  EXPECT_EQ((*results)[2].value_or(""), ledger::TxHash(second));
  EXPECT_EQ(api::KindOf((*results)[3].status()), api::ErrorKind::kConflict)
      << (*results)[3].status();
  // Both accepted transfers commit, in order.
  auto done =
      node->Client()->WaitCommitted(ledger::TxHash(second), absl::Seconds(30));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(Balance(*node, token, carol), 12u);

  // The raw answer: 200, one result each, the refusal's HTTP status.
  HttpResult raw =
      node->Post("/v1/txs", "{\"txs\": [" + Client::SubmitBody(forged) + "]}");
  EXPECT_EQ(raw.status, 200) << raw.text;
  EXPECT_EQ(raw.body["results"][0]["status"], 400) << raw.text;
  EXPECT_EQ(raw.body["results"][0]["error"]["error"]["code"],
            "INVALID_ARGUMENT")
      << raw.text;

  // A malformed batch is refused whole, naming what is wrong.
  struct Bad {
    std::string body, message;
  };
  std::string many = "{\"txs\": [";
  for (int i = 0; i <= 1000; ++i) {
    many += std::string(i ? "," : "") + R"({"tx": "0x01", "signature": "0x"})";
  }
  many += "]}";
  for (const Bad& bad : std::vector<Bad>{
           {"{\"txs\": []}", "field 'txs': 0 transactions, expected 1..1000"},
           {"{}", "field 'txs': 0 transactions"},
           {many, "field 'txs': 1001 transactions, expected 1..1000"},
           {"{\"txs\": 5}", "txs"},
           {"{\"txs\": [", "malformed JSON"}}) {
    HttpResult r = node->Post("/v1/txs", bad.body);
    EXPECT_EQ(r.status, 400) << r.text;
    EXPECT_THAT(r.text, HasSubstr(bad.message));
  }
  EXPECT_EQ(Balance(*node, token, carol), 12u);  // nothing else committed
}

TEST_F(BallastdTest, MempoolByteBudgetAndWaitingCapAreEnforced) {
  Wallet gapped{bob_.key, 10};
  std::string token(20, 't');  // never called: these only wait
  ledger::SignedTransaction first = gapped.Transfer(token, alice_.address(), 1);
  const size_t one = first.tx().size() + first.signature().size();
  // Waiting transactions may take a quarter of the pool's bytes
  // (node/mempool.h): here two of them.
  auto node = StartNode({"--mempool-bytes", std::to_string(8 * one + 10)});
  HttpResult info = node->Get("/v1/info");
  EXPECT_EQ(info.body["limits"]["mempool_max_bytes"], 8 * one + 10);
  EXPECT_EQ(info.body["limits"]["mempool_max_waiting_per_sender"], 64);
  EXPECT_EQ(node->Submit(first).status, 200);
  EXPECT_EQ(node->Submit(gapped.Transfer(token, alice_.address(), 1)).status,
            200);
  EXPECT_EQ(node->Get("/v1/info").body["mempool_bytes"], 2 * one);
  HttpResult full = node->Submit(gapped.Transfer(token, alice_.address(), 1));
  EXPECT_EQ(full.status, 503) << full.text;
  EXPECT_THAT(full.text,
              HasSubstr("mempool is full of transactions waiting for earlier "
                        "nonces"));
  EXPECT_EQ(node->Terminate(), 0) << node->log();

  // 64 transactions may wait for a sender's missing nonce; the 65th is
  // refused with what to do.
  node = StartNode();
  Wallet carol{DevKey('c'), 1};
  for (int i = 0; i < 64; ++i) {
    HttpResult r = node->Submit(carol.Transfer(token, alice_.address(), 1));
    ASSERT_EQ(r.status, 200) << i << ": " << r.text;
  }
  HttpResult capped = node->Submit(carol.Transfer(token, alice_.address(), 1));
  EXPECT_EQ(capped.status, 400) << capped.text;
  EXPECT_THAT(capped.body["error"]["message"].get<std::string>(),
              HasSubstr("64 transactions waiting for nonce 0 (at most 64); "
                        "send nonce 0 first"));
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// A wrong --log-level once silently turned logging off; it is a usage error.
// The state tree flags reach the store: a retention of 2 heights prunes
// (a proof of height 1 is refused once the chain is past it), and a cache
// of 1 MiB still serves proofs. Out-of-range values are usage errors.
TEST_F(BallastdTest, StateTreeFlagsReachTheStore) {
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"--state-cache-mb", "0"},
        std::vector<std::string>{"--state-retain-heights", "0"}}) {
    std::vector<std::string> args = {"--chain-id", kChain};
    args.insert(args.end(), bad.begin(), bad.end());
    BallastdProcess p(dir_.path() + "/bad", args);
    EXPECT_FALSE(p.Start());
    EXPECT_NE(p.exit_code(), 0);
    EXPECT_THAT(p.log(), HasSubstr(bad[0]));
  }

  auto node = StartNode({"--state-cache-mb", "1", "--state-retain-heights", "2",
                         "--state-retain-hours", "0"});
  std::string token = DeployToken(*node);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(node->SubmitAndWait(alice_.Transfer(token, bob_.address(), 1))
                  .body["status"],
              "committed");
  }
  HttpResult old =
      node->Get("/v1/proof?account=" + Hex(alice_.address()) + "&height=1");
  EXPECT_EQ(old.status, 400) << old.text;
  EXPECT_THAT(old.text, HasSubstr("(older heights are pruned)"));
  HttpResult now = node->Get("/v1/proof?account=" + Hex(alice_.address()));
  EXPECT_EQ(now.status, 200) << now.text;
  EXPECT_EQ(now.body["entries"][0]["nonce"], "4");  // deploy + 3
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// Dev routes on real processes: refused without --dev (any method, any
// path under /v1/dev/), served with it; bad bodies get clear 400s.
TEST_F(BallastdTest, DevRoutesAreRefusedWithoutDev) {
  auto node = StartNode({"--log-level", "warn"});
  for (const auto& r :
       {node->Post("/v1/dev/mine", json{{"blocks", 1}}),
        node->Post("/v1/dev/mine", std::string("")), node->Get("/v1/dev/mine"),
        node->Get("/v1/dev/anything")}) {
    EXPECT_EQ(r.status, 409) << r.text;
    EXPECT_EQ(r.body["error"]["code"], "FAILED_PRECONDITION") << r.text;
    EXPECT_THAT(r.body["error"]["message"].get<std::string>(),
                HasSubstr("dev routes need ballastd --dev"));
  }
  HttpResult info = node->Get("/v1/info");
  EXPECT_EQ(info.body["dev"], false) << info.text;
  EXPECT_EQ(Height(*node), 0u);

  BallastdProcess bad(dir_.path() + "/manual",
                      {"--chain-id", kChain, "--block-time", "manual"});
  EXPECT_FALSE(bad.Start());
  EXPECT_NE(bad.exit_code(), 0);
  EXPECT_THAT(bad.log(), HasSubstr("--block-time manual needs --dev"));
  BallastdProcess worse(dir_.path() + "/worse",
                        {"--chain-id", kChain, "--block-time", "soon"});
  EXPECT_FALSE(worse.Start());
  EXPECT_THAT(worse.log(), HasSubstr("or manual"));
}

TEST_F(BallastdTest, DevMineWithManualMiningAndTheClock) {
  auto node = StartNode({"--dev", "--block-time", "manual"});
  HttpResult info = node->Get("/v1/info");
  EXPECT_EQ(info.body["dev"], true) << info.text;
  EXPECT_EQ(info.body["manual_mining"], true) << info.text;

  // A transaction waits for a mine.
  HttpResult sent = node->Submit(alice_.DeployToken());
  ASSERT_EQ(sent.status, 200) << sent.text;
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Height(*node), 0u);
  HttpResult mined = node->Post("/v1/dev/mine", std::string(""));  // {}
  ASSERT_EQ(mined.status, 200) << mined.text;
  ASSERT_EQ(mined.body["blocks"].size(), 1u) << mined.text;
  EXPECT_EQ(mined.body["blocks"][0]["height"], "1");
  EXPECT_EQ(mined.body["blocks"][0]["txs"], 1);
  EXPECT_EQ(mined.body["pending"], 0);
  const int64_t t1 =
      std::stoll(mined.body["blocks"][0]["time_ms"].get<std::string>());

  // An hour later, twice.
  mined = node->Post("/v1/dev/mine",
                     json{{"blocks", 2}, {"advance_ms", 3'600'000}});
  ASSERT_EQ(mined.status, 200) << mined.text;
  ASSERT_EQ(mined.body["blocks"].size(), 2u) << mined.text;
  EXPECT_GE(std::stoll(mined.body["blocks"][0]["time_ms"].get<std::string>()),
            t1 + 3'600'000);
  EXPECT_EQ(mined.body["dev_clock_offset_ms"], "3600000");
  EXPECT_EQ(node->Get("/v1/info").body["dev_clock_offset_ms"], "3600000");

  struct Case {
    std::string body;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"blocks":)", "malformed JSON"},
           {R"({"blocks": 0})", "field 'blocks': 0 is not in 1..1000"},
           {R"({"blocks": 5000})", "field 'blocks': 5000 is not in 1..1000"},
           {R"({"advance_ms": -1})", "is negative"},
           {R"({"advance_ms": "1h"})", "advance_ms"},
           {R"({"advance_ms": 1e300})", "advance_ms"},
           {R"({"advance_ms": 4000000000000})", "more than 100 years"},
           {R"({"time_ms": 5})", "is before the head block's time"},
           {R"({"advance_ms": 1, "time_ms": 5})", "not both"},
           {R"({"blok": 1})", "blok"},
       }) {
    HttpResult r = node->Post("/v1/dev/mine", c.body);
    EXPECT_EQ(r.status, 400) << c.body << ": " << r.text;
    EXPECT_THAT(r.body["error"]["message"].get<std::string>(),
                HasSubstr(c.message))
        << c.body;
  }
  EXPECT_EQ(Height(*node), 3u);  // nothing more was mined
  EXPECT_EQ(node->Get("/v1/dev/nothing").status, 404);
}

TEST_F(BallastdTest, AWrongLogLevelIsAUsageError) {
  BallastdProcess bad(dir_.path() + "/chain",
                      {"--chain-id", kChain, "--log-level", "verbose"});
  EXPECT_FALSE(bad.Start());
  EXPECT_NE(bad.exit_code(), 0);
  EXPECT_THAT(bad.log(), HasSubstr("--log-level"));
  EXPECT_THAT(bad.log(), HasSubstr("verbose"));

  auto node = StartNode({"--log-level", "warn"});
  DeployToken(*node);
  EXPECT_EQ(node->Terminate(), 0) << node->log();
  EXPECT_THAT(node->log(), ::testing::Not(HasSubstr("info block 1")));
}

TEST_F(BallastdTest, RestartFindsTheSameChainAndContinuesIt) {
  std::string token, head, transfer_hash, producer;
  {
    auto node = StartNode();
    token = DeployToken(*node);
    for (int i = 0; i < 3; ++i) {
      ledger::SignedTransaction stx =
          alice_.Transfer(token, bob_.address(), 100);
      ASSERT_EQ(node->SubmitAndWait(stx).body["status"], "committed");
      transfer_hash = Hex(ledger::TxHash(stx));
    }
    head = node->Get("/v1/block/latest").text;
    producer = node->Get("/v1/info").body["producer_pubkey"];
    EXPECT_EQ(node->Terminate(), 0) << node->log();
  }
  // Another chain id on the same data dir is refused.
  BallastdProcess wrong(dir_.path() + "/chain", {"--chain-id", "otherchain"});
  EXPECT_FALSE(wrong.Start());
  EXPECT_EQ(wrong.exit_code(), 1);
  EXPECT_THAT(wrong.log(),
              HasSubstr("holds chain 'testnet', not 'otherchain'"));

  auto node = StartNode();
  EXPECT_EQ(node->Get("/v1/block/latest").text, head);
  EXPECT_EQ(node->Get("/v1/info").body["producer_pubkey"], producer);
  EXPECT_EQ(node->Get("/v1/tx/" + transfer_hash).body["status"], "committed");
  EXPECT_EQ(Balance(*node, token, bob_.address()), 300u);
  HttpResult r = node->SubmitAndWait(alice_.Transfer(token, bob_.address(), 1));
  EXPECT_EQ(r.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
  EXPECT_EQ(Balance(*node, token, bob_.address()), 301u);
  EXPECT_EQ(node->Terminate(), 0);
}

// Rounds of load and kill -9 on one data dir. After each restart, every
// transaction reported committed in any round is there at its reported
// height, the blocks before the crash are unchanged and the chain has grown;
// no nonce sequence has a hole and the token's supply is intact. The data
// dir as the last kill left it re-executes from genesis to the same tx,
// receipts and state roots at every height, and to the same state.
TEST_F(BallastdTest, RepeatedKillDashNineLosesNothingThatWasReportedCommitted) {
  constexpr int kRounds = 3;
  auto node = StartNode();
  std::string token = DeployToken(*node);
  // Fund bob so that two senders run concurrently.
  ASSERT_EQ(node->SubmitAndWait(alice_.Transfer(token, bob_.address(), 500'000))
                .body["status"],
            "committed");
  Wallet carol{DevKey('c')};  // has nothing at first: its transfers abort
  std::map<std::string, uint64_t> reported;  // tx hash -> block height
  std::vector<std::string> blocks;           // block hashes, heights 1..
  RunResult verify;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE(StrCat("round ", round));
    std::map<std::string, uint64_t> now =
        KillUnderLoad(*node, token, carol, 25);
    ASSERT_FALSE(now.empty()) << "nothing was reported committed";
    reported.insert(now.begin(), now.end());
    if (round == kRounds) {
      // The crashed node's data dir, exactly as kill -9 left it.
      verify = ballast::Run({test::BallastdBinary(), "verify", "--data-dir",
                             dir_.path() + "/chain"},
                            {}, "", std::chrono::seconds(240));
    }

    node = StartNode();
    ExpectReportedCommitted(*node, reported);
    std::vector<std::string> before = std::move(blocks);
    blocks = BlockHashes(*node);
    ASSERT_GT(blocks.size(), before.size()) << "the chain did not grow";
    for (size_t i = 0; i < before.size(); ++i) {
      ASSERT_EQ(Hex(blocks[i]), Hex(before[i])) << "block " << i + 1;
    }
    for (Wallet* w : {&alice_, &bob_, &carol}) SyncNonce(*node, w);
  }

  // The re-executed replica equals the crashed node at every height up to
  // its head, the head the restarted node found.
  const uint64_t head = Height(*node);
  EXPECT_EQ(head, blocks.size());
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  EXPECT_THAT(verify.out,
              ::testing::StartsWith(StrCat("verified ", head, " blocks:")))
      << verify.Describe();

  // Every sender's committed nonces are 0, 1, 2, ... in chain order, and
  // the account's nonce is the next one.
  std::unique_ptr<Client> client = node->Client();
  std::map<std::string, uint64_t> next_nonce;
  for (uint64_t h = 1; h <= head; ++h) {
    auto block = client->BlockAt(h);
    ASSERT_TRUE(block.ok()) << block.status();
    for (const std::string& tx_hash : block->txs()) {
      auto tx = client->Transaction(tx_hash);
      ASSERT_TRUE(tx.ok()) << tx.status();
      EXPECT_EQ(tx->tx().nonce(), next_nonce[tx->sender()]) << "block " << h;
      ++next_nonce[tx->sender()];
    }
  }
  for (const Wallet* w : {&alice_, &bob_, &carol}) {
    EXPECT_EQ(client->Account(w->address())->nonce(), next_nonce[w->address()]);
  }
  // No token was created or lost.
  HttpResult supply = node->Post(
      "/v1/query", json{{"contract", Hex(token)}, {"method", "total_supply"}});
  EXPECT_EQ(supply.body["result"]["total_supply"], std::to_string(kSupply));
  uint64_t sum = Balance(*node, token, alice_.address()) +
                 Balance(*node, token, bob_.address());
  for (const std::string& r : Recipients()) sum += Balance(*node, token, r);
  EXPECT_EQ(sum, kSupply);
  // The chain goes on from its last block.
  HttpResult r = node->SubmitAndWait(alice_.Transfer(token, bob_.address(), 1));
  EXPECT_EQ(r.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS") << r.text;
  EXPECT_EQ(Height(*node), head + 1);
  EXPECT_EQ(node->Terminate(), 0);
}

// A data dir written by other versions (here: contract code instrumented by
// another instrumenter version) is refused before anything is served, with
// both versions and what to do.
TEST_F(BallastdTest, ADataDirOfAnotherVersionIsRefusedWithWhatToDo) {
  const std::string data_dir = dir_.path() + "/chain";
  const uint32_t other = wasm::kInstrumenterVersion + 1;
  {
    std::filesystem::create_directories(data_dir);
    ledger::StoreOptions options;
    options.instrumenter_version = other;
    auto store = ledger::Store::Open(data_dir + "/ledger", options);
    ASSERT_TRUE(store.ok()) << store.status();
  }
  BallastdProcess node(data_dir, {"--chain-id", kChain});
  EXPECT_FALSE(node.Start());
  EXPECT_EQ(node.exit_code(), 1) << node.log();
  EXPECT_THAT(node.log(),
              HasSubstr(StrCat("was written by data format ",
                               ledger::kDataFormatVersion,
                               " with instrumenter version ", other)));
  EXPECT_THAT(node.log(),
              HasSubstr(StrCat(
                  "this binary uses data format ", ledger::kDataFormatVersion,
                  " with instrumenter version ", wasm::kInstrumenterVersion)));
  EXPECT_THAT(node.log(), HasSubstr("bash tools/devnet --reset"));
  EXPECT_THAT(node.log(), HasSubstr("another --data-dir"));
}

// -- The HTTP edge under hostile clients (node/api_server.h). Raw sockets
// send what no client library would.

// A raw TCP connection to 127.0.0.1:port. Every read is bounded in time.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr),
                                     sizeof(addr)) == 0;
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // False once the peer has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Everything the peer sends until it closes the connection, or until
  // `timeout` passed (then *closed is false).
  std::string ReadUntilClosed(std::chrono::milliseconds timeout,
                              bool* closed = nullptr) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (poll(&p, 1, std::max<int>(1, static_cast<int>(left.count()))) <= 0) {
        continue;
      }
      char buf[16384];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        eof = true;
      } else {
        out.append(buf, static_cast<size_t>(n));
      }
    }
    if (closed != nullptr) *closed = eof;
    return out;
  }

  // Whether the peer has closed the connection (without waiting).
  bool PeerClosed() {
    char c;
    ssize_t n = recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// "GET /v1/health" with `fields` header fields in all (Host included), each
// `value_bytes` long.
std::string HealthRequest(int fields, size_t value_bytes = 1) {
  std::string req = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 1; i < fields; ++i) {
    req += StrCat("X-Field-", i, ": ", std::string(value_bytes, 'v'), "\r\n");
  }
  return req + "\r\n";
}

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

TEST_F(BallastdTest, TooManyHeaderFieldsGet431AndTheNodeStaysUp) {
  auto node = StartNode();
  {
    RawConnection c(node->port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send(HealthRequest(100)));  // at the limit: served
    std::string ok = c.ReadUntilClosed(std::chrono::milliseconds(300));
    EXPECT_EQ(StatusOf(ok), 200) << ok;
  }
  for (int fields : {101, 500}) {
    RawConnection c(node->port());
    ASSERT_TRUE(c.connected());
    c.Send(HealthRequest(fields));
    bool closed = false;
    std::string r = c.ReadUntilClosed(std::chrono::seconds(5), &closed);
    EXPECT_EQ(StatusOf(r), 431) << fields << ": " << r.substr(0, 300);
    EXPECT_THAT(r, HasSubstr(StrCat("request has ", fields,
                                    " header fields (at most 100)")));
    EXPECT_TRUE(closed);
  }
  EXPECT_EQ(node->Get("/v1/health").status, 200);
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

TEST_F(BallastdTest, AnOversizedRequestHeadGets431) {
  auto node = StartNode();
  for (size_t value : {size_t{17} << 10, size_t{1} << 20}) {
    RawConnection c(node->port());
    ASSERT_TRUE(c.connected());
    c.Send(HealthRequest(2, value));  // one field of `value` bytes
    bool closed = false;
    std::string r = c.ReadUntilClosed(std::chrono::seconds(5), &closed);
    EXPECT_EQ(StatusOf(r), 431) << value << ": " << r.substr(0, 300);
    EXPECT_THAT(r, HasSubstr("exceeds 16384 bytes"));
    EXPECT_TRUE(closed);
  }
  // Many fields, each small, that add up past the byte limit.
  RawConnection c(node->port());
  c.Send(HealthRequest(90, 200));
  std::string r = c.ReadUntilClosed(std::chrono::seconds(5));
  EXPECT_EQ(StatusOf(r), 431) << r.substr(0, 300);
  EXPECT_EQ(node->Get("/v1/health").status, 200);
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

TEST_F(BallastdTest, ASlowClientIsDisconnectedWhileOthersAreServed) {
  auto node = StartNode({"--http-read-timeout-ms", "500"});
  RawConnection slow(node->port());
  ASSERT_TRUE(slow.connected());
  // A request head that never ends: one byte every 50 ms.
  ASSERT_TRUE(slow.Send("GET /v1/health HTTP/1.1\r\nX-Slow: "));
  const auto start = std::chrono::steady_clock::now();
  int served = 0;
  bool closed = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    if (!slow.Send("a") || slow.PeerClosed()) {
      closed = true;
      break;
    }
    HttpResult health = node->Get("/v1/health");
    EXPECT_EQ(health.status, 200);
    served += health.status == 200;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(closed) << "still open after " << took.count() << " ms";
  EXPECT_GE(took.count(), 400);
  EXPECT_LT(took.count(), 5000);
  EXPECT_GE(served, 3);

  // An idle connection is closed after the same time; a request that came
  // whole was served.
  RawConnection idle(node->port());
  ASSERT_TRUE(idle.Send(HealthRequest(1)));
  bool idle_closed = false;
  std::string r = idle.ReadUntilClosed(std::chrono::seconds(5), &idle_closed);
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_TRUE(idle_closed);
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

TEST_F(BallastdTest, ConnectionsBeyondTheCapGet503) {
  auto node = StartNode(
      {"--http-max-connections", "3", "--http-read-timeout-ms", "20000"});
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawConnection>(node->port()));
    ASSERT_TRUE(open.back()->connected());
  }
  // Let the node accept them (and close the harness's own connections).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RawConnection extra(node->port());
  bool closed = false;
  std::string r = extra.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_EQ(StatusOf(r), 503) << r;
  EXPECT_THAT(r, HasSubstr("too many connections (at most 3)"));
  EXPECT_TRUE(closed);
  // The open ones are still served.
  ASSERT_TRUE(open[0]->Send(HealthRequest(1)));
  std::string first = open[0]->ReadUntilClosed(std::chrono::milliseconds(500));
  EXPECT_EQ(StatusOf(first), 200) << first;
  // Once one closes, a new one is served.
  open[1]->Close();
  HttpResult health;
  for (int i = 0; i < 50 && health.status != 200; ++i) {  // bounded: 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    health = node->Get("/v1/health");
  }
  EXPECT_EQ(health.status, 200) << health.text;
  open.clear();
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

TEST_F(BallastdTest, WaitersAreBoundedAndHoldNoWorker) {
  // One worker thread: were a waiter to hold it, nothing else would be
  // served while two wait.
  auto node = StartNode({"--max-waiters", "2", "--http-threads", "1"});
  Wallet gapped{bob_.key, 5};  // nonces 5.. wait for 0..4 forever
  const std::string nowhere(20, 't');
  std::vector<ledger::SignedTransaction> txs;
  for (int i = 0; i < 4; ++i) {
    txs.push_back(gapped.Transfer(nowhere, alice_.address(), 1));
  }
  auto wait_path = [](int ms) {
    return StrCat("/v1/tx?wait=true&timeout_ms=", ms);
  };
  std::atomic<int> finished = 0;
  std::vector<HttpResult> waited(2);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&, i] {
      waited[i] = node->Post(wait_path(6000), Client::SubmitBody(txs[i]));
      ++finished;
    });
  }
  // Both admitted, so both hold a waiter slot.
  for (int i = 0; i < 2; ++i) {
    HttpResult r;
    for (int t = 0; t < 100 && r.status != 200; ++t) {  // bounded: 5 s
      r = node->Get("/v1/tx/" + Hex(ledger::TxHash(txs[i])));
      if (r.status != 200) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    EXPECT_EQ(r.body["status"], "pending") << r.text;
  }
  // The one worker still serves, while both wait.
  EXPECT_EQ(node->Get("/v1/health").status, 200);
  EXPECT_EQ(node->Post("/v1/query",
                       json{{"contract", Hex(nowhere)}, {"method", "name"}})
                .status,
            404);
  // A third waiter is refused before admission.
  HttpResult third = node->Post(wait_path(6000), Client::SubmitBody(txs[2]));
  EXPECT_EQ(finished.load(), 0) << "the waiters returned too early";
  EXPECT_EQ(third.status, 503) << third.text;
  EXPECT_THAT(third.text,
              HasSubstr("too many requests waiting for a commit (at most 2)"));
  EXPECT_EQ(node->Get("/v1/tx/" + Hex(ledger::TxHash(txs[2]))).status, 404);
  for (std::thread& t : waiters) t.join();
  for (const HttpResult& r : waited) {
    EXPECT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["status"], "pending") << r.text;
  }
  // The slots are free again.
  HttpResult later = node->Post(wait_path(50), Client::SubmitBody(txs[2]));
  EXPECT_EQ(later.status, 200) << later.text;
  EXPECT_EQ(later.body["status"], "pending") << later.text;
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// A client that pipelines requests and never reads the answers is
// disconnected after the write timeout instead of holding the connection.
TEST_F(BallastdTest, AClientThatDoesNotReadIsDisconnected) {
  auto node = StartNode({"--http-write-timeout-ms", "300"});
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  timeval send_timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(node->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // 20000 requests for /v1/info (about 40 bytes each) fit in the node's
  // receive buffer; their answers (about 700 bytes each) fill its send
  // buffer (4 MiB at most) long before the last one.
  constexpr size_t kRequests = 20'000;
  std::string requests;
  for (size_t i = 0; i < kRequests; ++i) {
    requests += "GET /v1/info HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  ssize_t sent = send(fd, requests.data(), requests.size(), MSG_NOSIGNAL);
  ASSERT_GT(sent, 0);
  const size_t sent_requests =
      static_cast<size_t>(sent) / (requests.size() / kRequests);
  // Read nothing until the node gives up on the connection (its FIN or
  // RST is seen without reading, POLLRDHUP): reading earlier would drain
  // its send buffer and let a slow (sanitizer) build keep writing.
  bool closed_by_node = false;
  const auto wait_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - wait_start <
         std::chrono::seconds(60)) {
    pollfd p{fd, POLLRDHUP, 0};
    if (poll(&p, 1, 500) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
      closed_by_node = true;
      break;
    }
  }
  EXPECT_TRUE(closed_by_node) << "the node kept the connection open";
  // Read everything that was sent before the node closed the connection.
  size_t responses = 0;
  bool eof = false;
  std::string tail;
  const auto read_start = std::chrono::steady_clock::now();
  while (!eof && std::chrono::steady_clock::now() - read_start <
                     std::chrono::seconds(20)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof = true;
      break;
    }
    // `tail` keeps the last 11 bytes, too few to hold a whole match: no
    // response is counted twice.
    tail.append(buf, static_cast<size_t>(n));
    for (size_t at = 0;
         (at = tail.find("HTTP/1.1 200", at)) != std::string::npos; ++at) {
      ++responses;
    }
    tail = tail.substr(tail.size() > 11 ? tail.size() - 11 : 0);
  }
  close(fd);
  EXPECT_TRUE(eof) << "the node kept the connection open";
  EXPECT_LT(responses, sent_requests);
  EXPECT_EQ(node->Get("/v1/health").status, 200);
  EXPECT_EQ(node->Terminate(), 0) << node->log();
}

// As ssh refuses a private key others may read, ballastd refuses to start
// with a producer key file accessible by group or others, or a symbolic
// link in its place, and says what to do.
// A chain of several signing keys: every block carries the producer's and
// each co-signer's signature over its hash; the number is fixed with the
// data dir.
TEST_F(BallastdTest, EveryBlockIsSignedByEachSigningKey) {
  auto node = StartNode({"--signing-keys", "3"});
  std::string token = DeployToken(*node);
  HttpResult block = node->Get("/v1/block/latest");
  ASSERT_EQ(block.status, 200) << block.text;
  const std::string hash = *FromHex(block.body["hash"].get<std::string>());
  const json& sigs = block.body["signatures"];
  ASSERT_EQ(sigs.size(), 3u) << block.text;
  std::set<std::string> signers;
  for (const json& sig : sigs) {
    const std::string pubkey = *FromHex(sig["pubkey"].get<std::string>());
    EXPECT_TRUE(
        Verify(pubkey, hash, *FromHex(sig["signature"].get<std::string>())));
    signers.insert(pubkey);
  }
  EXPECT_EQ(signers.size(), 3u);
  EXPECT_EQ(Hex(*FromHex(sigs[0]["pubkey"].get<std::string>())),
            block.body["header"]["producer_pubkey"]);
  // /v1/info names the same keys, the producer's first.
  const json info_keys = node->Get("/v1/info").body["signing_pubkeys"];
  ASSERT_EQ(info_keys.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(info_keys[i], sigs[i]["pubkey"]);
  EXPECT_EQ(node->Terminate(), 0);

  // The number is the data dir's: kept without the flag, refused if other.
  {
    BallastdProcess other(dir_.path() + "/chain",
                          {"--chain-id", kChain, "--signing-keys", "2"});
    EXPECT_FALSE(other.Start());
    EXPECT_EQ(other.exit_code(), 1) << other.log();
    EXPECT_THAT(other.log(), HasSubstr("holds 3 signing keys, not the 2"));
  }
  node = StartNode();
  ASSERT_EQ(node->SubmitAndWait(alice_.Transfer(token, bob_.address(), 1))
                .body["status"],
            "committed");
  EXPECT_EQ(node->Get("/v1/block/latest").body["signatures"].size(), 3u);
  EXPECT_EQ(node->Terminate(), 0);
}

TEST_F(BallastdTest, AProducerKeyOthersCanReadIsRefused) {
  const std::string key_file = dir_.path() + "/chain/producer.key";
  {
    auto node = StartNode();
    EXPECT_EQ(node->Terminate(), 0);
  }
  ASSERT_EQ(::chmod(key_file.c_str(), 0644), 0);
  {
    BallastdProcess node(dir_.path() + "/chain", {"--chain-id", kChain});
    EXPECT_FALSE(node.Start());
    EXPECT_EQ(node.exit_code(), 1) << node.log();
    EXPECT_THAT(node.log(),
                HasSubstr(key_file + " is accessible by group or others"));
    EXPECT_THAT(node.log(), HasSubstr("chmod 600 " + key_file));
  }
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  const std::string moved = dir_.path() + "/elsewhere.key";
  ASSERT_EQ(::rename(key_file.c_str(), moved.c_str()), 0);
  ASSERT_EQ(::symlink(moved.c_str(), key_file.c_str()), 0);
  {
    BallastdProcess node(dir_.path() + "/chain", {"--chain-id", kChain});
    EXPECT_FALSE(node.Start());
    EXPECT_EQ(node.exit_code(), 1) << node.log();
    EXPECT_THAT(node.log(), HasSubstr(key_file + " is a symbolic link"));
  }
  ASSERT_EQ(::unlink(key_file.c_str()), 0);
  ASSERT_EQ(::rename(moved.c_str(), key_file.c_str()), 0);
  auto node = StartNode();
  EXPECT_EQ(node->Terminate(), 0);
}

}  // namespace
}  // namespace ballast::node
