// `ballast proof` end to end: documents fetched from a real ballastd, saved,
// and verified offline by the real binary with the node stopped; then each
// forgery of a saved document fails with a message naming what failed and a
// non-zero exit.

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "node/api/proof.h"
#include "tests/testing/files.h"
#include "tests/tools/cli_harness.h"

namespace ballast::test {
namespace {

using json = nlohmann::json;

// Flips the lowest bit of the last hex digit of a "0x.." string.
std::string FlipBit(const std::string& hex) {
  std::string out = hex;
  char& c = out.back();
  const std::string digits = "0123456789abcdef";
  c = digits[digits.find(c) ^ 1];
  return out;
}

class ProofE2ETest : public CliTest {
 protected:
  void SetUp() override {
    node_ = NewNode("proof-test");
    ASSERT_TRUE(node_->Start()) << node_->log();
    node_url_ = node_->url();
    alice_ = CliJson({"keys", "new", "alice"})["address"].get<std::string>();
    bob_ = CliJson({"keys", "new", "bob"})["address"].get<std::string>();
    carol_ = CliJson({"keys", "new", "carol"})["address"].get<std::string>();
    json deployed = CliJson(
        {"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
         "--from", "alice", "--init",
         R"({"name": "T", "symbol": "T", "decimals": 2, "minters": [")" +
             alice_ + R"("], "initial_holder": ")" + alice_ +
             R"(", "initial_supply": "1000000"})"});
    ASSERT_TRUE(deployed["contract"].is_string()) << deployed.dump();
    token_ = deployed["contract"].get<std::string>();
    Transfer(bob_, 250);
    producer_ = CliJson({"status"})["producer_pubkey"].get<std::string>();
  }

  void Transfer(const std::string& to, int amount) {
    RunResult r = Cli(
        {"call", token_, "transfer",
         R"({"to": ")" + to + R"(", "amount": )" + std::to_string(amount) + "}",
         "--from", "alice"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // The token's storage keys, as the CLI takes them.
  static std::string BalanceKey(const std::string& owner) {
    return "0x62" + owner.substr(2);  // "b" + address
  }
  static constexpr char kSupplyKey[] = "0x737570706c79";  // "supply"

  std::string Save(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  RunResult Verify(const std::string& path,
                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"proof", "verify", path, "--producer",
                                     producer_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args);
  }

  // Applies `forge` to a copy of `doc`, saves it and verifies it: expects a
  // failure whose message contains `why`.
  void ExpectForgeryFails(const std::string& what, const json& doc,
                          const std::function<void(json&)>& forge,
                          const std::string& why,
                          const std::vector<std::string>& extra = {}) {
    json forged = doc;
    forge(forged);
    RunResult r = Verify(Save("forged.json", forged.dump(2)), extra);
    EXPECT_NE(r.exit_code, 0) << what << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, why))
        << what << ": expected '" << why << "' in: " << r.Describe();
    EXPECT_FALSE(Contains(r.out, "verified:")) << what;
  }

  std::unique_ptr<BallastdProcess> node_;
  std::string alice_, bob_, carol_, token_, producer_;
};

TEST_F(ProofE2ETest, DocumentsVerifyOfflineWithTheNodeStopped) {
  RunResult account = Cli({"--json", "proof", "account", "alice"});
  ASSERT_EQ(account.exit_code, 0) << account.Describe();
  RunResult storage =
      Cli({"--json", "proof", "storage", token_, kSupplyKey, BalanceKey(alice_),
           BalanceKey(bob_), BalanceKey(carol_), "0x00"});
  ASSERT_EQ(storage.exit_code, 0) << storage.Describe();
  json doc = json::parse(storage.out);
  EXPECT_EQ(doc["chain_id"], "proof-test");
  EXPECT_EQ(doc["height"], "2");
  EXPECT_EQ(doc["header"]["height"], "2");
  EXPECT_EQ(doc["signatures"].size(), 1u);
  ASSERT_EQ(doc["entries"].size(), 5u);
  EXPECT_EQ(doc["entries"][1]["contract"], token_);
  EXPECT_EQ(doc["entries"][1]["key"], BalanceKey(alice_));
  EXPECT_TRUE(doc["entries"][3]["value"].is_null()) << storage.out;
  EXPECT_EQ(json::parse(account.out)["entries"][0]["nonce"], "2");

  // The human form says what it holds, and that it is not verified.
  RunResult human = Cli({"proof", "storage", token_, BalanceKey(bob_)});
  ASSERT_EQ(human.exit_code, 0) << human.Describe();
  EXPECT_TRUE(
      Contains(human.out, "key " + BalanceKey(bob_) + ": 0xfa00000000000000"))
      << human.out;
  EXPECT_TRUE(Contains(human.out, "Not verified here")) << human.out;

  const std::string account_file = Save("account.json", account.out);
  const std::string storage_file = Save("storage.json", storage.out);
  node_->Terminate();
  ASSERT_FALSE(node_->running());

  RunResult r = Verify(account_file, {"--chain-id", "proof-test"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "verified: chain proof-test, height 2")) << r.out;
  EXPECT_TRUE(Contains(r.out, "account " + alice_ + ": nonce 2")) << r.out;

  r = Verify(storage_file);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // 1000000 = 0x0f4240, 999750 = 0x0f4146, 250 = 0xfa (8 bytes LE).
  EXPECT_TRUE(Contains(
      r.out, "key " + std::string(kSupplyKey) + ": 0x40420f0000000000"))
      << r.out;
  EXPECT_TRUE(
      Contains(r.out, "key " + BalanceKey(alice_) + ": 0x46410f0000000000"))
      << r.out;
  EXPECT_TRUE(
      Contains(r.out, "key " + BalanceKey(bob_) + ": 0xfa00000000000000"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "key " + BalanceKey(carol_) + ": absent"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "key 0x00: absent")) << r.out;

  r = Cli({"--json", "proof", "verify", storage_file, "--producer", producer_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json verified = json::parse(r.out);
  EXPECT_EQ(verified["verified"], true);
  EXPECT_TRUE(verified["entries"][3]["value"].is_null());
  EXPECT_EQ(verified["entries"][2]["value"], "0xfa00000000000000");
}

TEST_F(ProofE2ETest, EachForgeryFailsWithAClearMessage) {
  RunResult storage =
      Cli({"--json", "proof", "storage", token_, kSupplyKey, BalanceKey(alice_),
           BalanceKey(bob_), BalanceKey(carol_)});
  ASSERT_EQ(storage.exit_code, 0) << storage.Describe();
  const json doc = json::parse(storage.out);
  node_->Terminate();
  ASSERT_EQ(Verify(Save("good.json", storage.out)).exit_code, 0);

  ExpectForgeryFails(
      "a flipped bit in a proof", doc,
      [](json& d) {
        d["entries"][2]["proof"] =
            FlipBit(d["entries"][2]["proof"].get<std::string>());
      },
      "entries[2]");
  ExpectForgeryFails(
      "a flipped bit in a value", doc,
      [](json& d) {
        d["entries"][2]["value"] =
            FlipBit(d["entries"][2]["value"].get<std::string>());
      },
      "entries[2] (contract " + token_ + " key " + BalanceKey(bob_) +
          "): the proof does not hold");
  ExpectForgeryFails(
      "an absent key claimed present", doc,
      [](json& d) { d["entries"][3]["value"] = "0x01"; }, "entries[3]");
  ExpectForgeryFails(
      "a present key claimed absent", doc,
      [](json& d) { d["entries"][1]["value"] = nullptr; }, "entries[1]");
  ExpectForgeryFails(
      "a flipped bit in the state root", doc,
      [](json& d) {
        d["header"]["state_root"] =
            FlipBit(d["header"]["state_root"].get<std::string>());
      },
      "is not the hash of the header's fields");
  ExpectForgeryFails(
      "a flipped state root with the block hash recomputed to match", doc,
      [](json& d) {
        d["header"]["state_root"] =
            FlipBit(d["header"]["state_root"].get<std::string>());
        // Recomputing needs the whole header: parse the forged document.
        auto parsed = api::ParseProofDocument(d.dump());
        ASSERT_TRUE(parsed.ok()) << parsed.status();
        d["block_hash"] = "0x" + ToHex(ledger::BlockHash(parsed->header()));
      },
      "is not valid for block hash");
  ExpectForgeryFails(
      "a tree key swapped for another key's", doc,
      [](json& d) {
        d["entries"][0]["tree_key"] = d["entries"][2]["tree_key"];
      },
      "entries[0] (contract " + token_ + " key " + kSupplyKey + "): tree_key");
  ExpectForgeryFails(
      "another key's value and proof under this key", doc,
      [](json& d) {
        d["entries"][3]["value"] = d["entries"][2]["value"];
        d["entries"][3]["proof"] = d["entries"][2]["proof"];
      },
      "entries[3]");
  ExpectForgeryFails(
      "an entry renamed to another key", doc,
      [&](json& d) { d["entries"][2]["key"] = BalanceKey(carol_); },
      "entries[2]");
  {  // A wrong producer key; then a threshold above the signatures.
    const std::string other(64, 'a');
    RunResult r = Cli({"proof", "verify", Save("d.json", doc.dump()),
                       "--producer", "0x" + other});
    EXPECT_EQ(r.exit_code, 3) << r.Describe();
    EXPECT_TRUE(Contains(r.err, "by 0 of the 1 trusted")) << r.Describe();
    r = Cli({"proof", "verify", Save("d.json", doc.dump()), "--producer",
             producer_, "--producer", "0x" + other, "--threshold", "2"});
    EXPECT_EQ(r.exit_code, 3) << r.Describe();
    EXPECT_TRUE(Contains(r.err,
                         "by 1 of the 2 trusted producer keys; the "
                         "threshold is 2"))
        << r.Describe();
  }
  ExpectForgeryFails("a threshold above the trusted keys", doc, [](json&) {},
                     "threshold 2 must be 1..1", {"--threshold", "2"});
  ExpectForgeryFails("a wrong chain id", doc, [](json&) {},
                     "wrong chain id: the header is of chain 'proof-test', "
                     "expected 'other'",
                     {"--chain-id", "other"});
  ExpectForgeryFails(
      "a document claiming another chain", doc,
      [](json& d) { d["chain_id"] = "other"; }, "is not its header's chain id");
  ExpectForgeryFails(
      "an unknown field", doc, [](json& d) { d["trusted"] = true; },
      "unknown field 'trusted'");
  ExpectForgeryFails(
      "a signature dropped", doc,
      [](json& d) { d["signatures"] = json::array(); },
      "valid signatures by 0 of the 1");
}

TEST_F(ProofE2ETest, MalformedFilesAndMissingTrustAreRefused) {
  RunResult storage =
      Cli({"--json", "proof", "storage", token_, BalanceKey(bob_)});
  ASSERT_EQ(storage.exit_code, 0) << storage.Describe();
  node_->Terminate();

  RunResult r = Cli({"proof", "verify", Save("d.json", storage.out)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "give at least one trusted --producer key"))
      << r.Describe();

  r = Verify(Save("t.json", storage.out.substr(0, storage.out.size() / 2)));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "proof document: malformed JSON"))
      << r.Describe();

  std::string big = storage.out;
  big.insert(1, std::string(api::kMaxProofDocumentBytes, ' '));
  r = Verify(Save("big.json", big));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "larger than 4194304 bytes")) << r.Describe();

  r = Verify(Save("empty.json", ""));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "proof document is empty")) << r.Describe();

  r = Verify(Save("array.json", "[1, 2]"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "expected a JSON object")) << r.Describe();

  r = Verify(dir_ + "/missing.json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "missing.json")) << r.Describe();

  r = Cli(
      {"proof", "verify", Save("d.json", storage.out), "--producer", "0x1234"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "is not an ed25519 public key")) << r.Describe();
}

TEST_F(ProofE2ETest, OldHeightsStayProvableAndPastTheHeadIsA4xx) {
  Transfer(bob_, 5);  // height 3: bob has 255
  RunResult old = Cli({"--json", "proof", "storage", token_, BalanceKey(bob_),
                       "--height", "2"});
  ASSERT_EQ(old.exit_code, 0) << old.Describe();
  RunResult first = Cli({"--json", "proof", "storage", token_, BalanceKey(bob_),
                         "--height", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  RunResult r = Verify(Save("old.json", old.out));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "height 2")) << r.out;
  EXPECT_TRUE(Contains(r.out, ": 0xfa00000000000000")) << r.out;
  r = Verify(Save("first.json", first.out));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, ": absent")) << r.out;

  r = Cli({"proof", "account", "alice", "--height", "4"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "the node keeps the state of heights 1..3"))
      << r.Describe();

  // More keys than one request may prove: the node names the bound.
  std::vector<std::string> args = {"proof", "storage", token_};
  for (size_t i = 0; i <= api::kMaxProofKeys; ++i) args.push_back("0x01");
  r = Cli(args);
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "at most 64 keys")) << r.Describe();
  r = Cli({"proof", "storage", token_, "0x" + std::string(514, '0')});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "storage keys are at most 256 bytes"))
      << r.Describe();
}

// A chain whose blocks carry three signatures (ballastd --signing-keys 3):
// k of the trusted keys must have signed.
TEST_F(CliTest, ProofVerifyCountsKOfNTrustedSigners) {
  BallastdProcess node(
      dir_ + "/multi",
      {"--chain-id", "multi", "--signing-keys", "3", "--log-level", "warn"});
  ASSERT_TRUE(node.Start()) << node.log();
  node_url_ = node.url();
  const std::string alice =
      CliJson({"keys", "new", "alice"})["address"].get<std::string>();
  // Alice's first transaction makes a block; prove her account in it.
  json deployed =
      CliJson({"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
               "--from", "alice", "--init",
               R"({"name": "T", "symbol": "T", "initial_holder": ")" + alice +
                   R"(", "initial_supply": "1"})"});
  ASSERT_TRUE(deployed.is_object());
  RunResult proof = Cli({"--json", "proof", "account", alice});
  ASSERT_EQ(proof.exit_code, 0) << proof.Describe();
  const json doc = json::parse(proof.out);
  ASSERT_EQ(doc["signatures"].size(), 3u) << proof.out;
  std::vector<std::string> keys;
  for (const json& sig : doc["signatures"]) {
    keys.push_back(sig["pubkey"].get<std::string>());
  }
  node.Terminate();
  const std::string path = dir_ + "/multi.json";
  std::ofstream(path) << proof.out;
  auto verify = [&](std::vector<std::string> trusted, std::string k) {
    std::vector<std::string> args = {"proof", "verify", path, "--threshold", k};
    for (const std::string& t : trusted) {
      args.push_back("--producer");
      args.push_back(t);
    }
    return Cli(args);
  };
  RunResult r = verify(keys, "3");
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "signed by 3 trusted keys (threshold 3)"))
      << r.out;
  r = verify({keys[1], keys[2]}, "2");  // the co-signers alone
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  const std::string stranger = "0x" + std::string(64, '5');
  r = verify({keys[0], keys[1], stranger}, "3");
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err,
                       "by 2 of the 3 trusted producer keys; the "
                       "threshold is 3"))
      << r.Describe();
  r = verify({keys[0], keys[1]}, "3");
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "threshold 3 must be 1..2")) << r.Describe();
}

}  // namespace
}  // namespace ballast::test
