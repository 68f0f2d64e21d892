// The collateral system from the command line: `ballast system deploy` on a
// real ballastd (the real oracle, vault engine, token and faucet wasm), then
// the faucet, a position's whole life, a price drop and its health, the
// reserves (pinned to a height, and proved: `ballast proof verify` accepts
// the merged document and refuses a tampered one), and amounts the CLI
// refuses before anything is sent.

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/cli_harness.h"
#include "tests/tools/system_harness.h"

namespace ballast::test {
namespace {

using json = nlohmann::json;

// 1 tETH (8 decimals) and 1 BUSD (6 decimals) in base units.
constexpr uint64_t kEth = 100'000'000;
constexpr uint64_t kUsd = 1'000'000;


class VaultE2ETest : public CliTest {
 protected:
  void SetUp() override {
    node_ = NewNode("vault-test");
    ASSERT_TRUE(node_->Start()) << node_->log();
    node_url_ = node_->url();
    alice_ = CliJson({"keys", "new", "alice"})["address"].get<std::string>();
    bob_ = CliJson({"keys", "new", "bob"})["address"].get<std::string>();
  }

  // Deploys the default system as alice; returns the --json document.
  json Deploy() {
    json doc = CliJson({"system", "deploy", "--from", "alice"});
    EXPECT_TRUE(doc.is_object());
    return doc;
  }

  // Runs a --json command that must succeed.
  json Ok(const std::vector<std::string>& args) { return CliJson(args); }

  uint64_t StableBalance(const json& system, const std::string& owner) {
    json r = CliJson({"query", system["stable"].get<std::string>(),
                      "balance_of", R"({"owner": ")" + owner + R"("})"});
    return std::stoull(r["result"]["balance"].get<std::string>());
  }

  std::string Save(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::unique_ptr<BallastdProcess> node_;
  std::string alice_, bob_;
};

TEST_F(VaultE2ETest, DeployFaucetAndAPositionsWholeLife) {
  json sys = Deploy();
  ASSERT_EQ(sys["types"].size(), 2u) << sys.dump();
  EXPECT_EQ(sys["chain_id"], "vault-test");
  EXPECT_EQ(sys["types"][0]["name"], "tETH");
  EXPECT_EQ(sys["types"][0]["decimals"], 8);
  EXPECT_EQ(sys["types"][1]["name"], "tBTC");
  EXPECT_EQ(sys["stable_decimals"], 6);
  // The file of the chain holds the same addresses.
  const std::string file = home_ + "/systems/vault-test.json";
  EXPECT_EQ(sys["file"], file);
  std::ifstream in(file);
  json saved = json::parse(in);
  EXPECT_EQ(saved["engine"], sys["engine"]);
  EXPECT_EQ(saved["types"][1]["token"], sys["types"][1]["token"]);
  // The engine is the stable token's only minter.
  json minters =
      CliJson({"query", sys["stable"].get<std::string>(), "minters"});
  ASSERT_EQ(minters["result"]["minters"].size(), 1u);
  EXPECT_EQ(minters["result"]["minters"][0], sys["engine"]);
  // The feed is usable at the initial price.
  json feed = Ok({"oracle", "show", "tETH"});
  EXPECT_EQ(feed["price"], "2000");
  EXPECT_EQ(feed["usable"], true);

  json drip = Ok({"faucet", "drip", "tETH", "--from", "bob"});
  EXPECT_EQ(drip["amount"], S(10 * kEth));
  EXPECT_EQ(Ok({"faucet", "drip", "tBTC", "--from", "bob"})["amount"], S(kEth));
  // Once per period.
  RunResult again = Cli({"faucet", "drip", "tETH", "--from", "bob"});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_TRUE(Contains(again.err, "next drip")) << again.Describe();

  json opened = Ok({"vault", "open", "tETH", "--from", "bob"});
  const std::string id = opened["id"];
  EXPECT_EQ(id, "1");
  json dep = Ok({"vault", "deposit", id, S(kEth), "--from", "bob"});
  EXPECT_EQ(dep["position"]["collateral"], S(kEth));
  json mint = Ok({"vault", "mint", id, S(1000 * kUsd), "--from", "bob"});
  EXPECT_EQ(mint["amount"], S(1000 * kUsd));
  EXPECT_EQ(StableBalance(sys, bob_), 1000 * kUsd);

  json show = Ok({"vault", "show", id});
  EXPECT_EQ(show["type"], "tETH");
  EXPECT_EQ(show["owner"], bob_);
  // 2000 per tETH, 1000 BUSD of debt (and the fee of a second or two).
  EXPECT_NEAR(std::stod(show["ratio"].get<std::string>()), 2.0, 1e-6) << show;
  EXPECT_EQ(show["safe"], true);
  // Unsafe below 1.5 * debt / collateral.
  EXPECT_NEAR(std::stod(show["liquidation_price"].get<std::string>()), 1500,
              1e-3)
      << show;
  RunResult human = Cli({"vault", "show", id});
  ASSERT_EQ(human.exit_code, 0) << human.Describe();
  EXPECT_EQ(FieldValue(human.out, "type"), "tETH") << human.out;
  EXPECT_EQ(FieldValue(human.out, "safe"), "yes") << human.out;

  // Withdrawing what would leave it unsafe is refused by the engine.
  RunResult greedy =
      Cli({"vault", "withdraw", id, S(kEth / 2), "--from", "bob"});
  EXPECT_EQ(greedy.exit_code, 1) << greedy.Describe();
  json out = Ok({"vault", "withdraw", id, S(kEth / 10), "--from", "bob"});
  EXPECT_EQ(out["position"]["collateral"], S(kEth - kEth / 10));

  // Oracle moves: a drop to 1000 makes it unsafe; health answers what-ifs.
  json posted = Ok({"oracle", "post", "tETH", "1000", "--from", "alice"});
  EXPECT_EQ(posted["price_ray"], "10" + std::string(27, '0'));
  EXPECT_EQ(Ok({"oracle", "show", "tETH"})["price"], "1000");
  EXPECT_EQ(Ok({"vault", "show", id})["safe"], false);
  json health = Ok({"vault", "health", id, "--price", "3000"});
  EXPECT_EQ(health["safe"], true);
  EXPECT_NEAR(std::stod(health["ratio"].get<std::string>()), 2.7, 1e-6)
      << health;
  EXPECT_NEAR(std::stod(health["liquidation_price"].get<std::string>()),
              1666.67, 0.01)
      << health;
  json sick = Ok({"vault", "health", id, "--price", "1000.5"});
  EXPECT_EQ(sick["safe"], false);
  EXPECT_EQ(sick["max_mint"], "0");
  // A key made after the deploy is no reporter (the default reporters are
  // the deployer and the keys there were).
  CliJson({"keys", "new", "mallory"});
  RunResult stranger =
      Cli({"oracle", "post", "tETH", "5", "--from", "mallory"});
  EXPECT_EQ(stranger.exit_code, 1) << stranger.Describe();
  EXPECT_TRUE(Contains(stranger.err, "not a reporter")) << stranger.Describe();
  Ok({"oracle", "post", "tETH", "2000", "--from", "alice"});

  // A second position (tBTC) funds the fees the first accrued; list shows
  // both; repay, then close returns all collateral.
  json second = Ok({"vault", "open", "tBTC", "--from", "bob"});
  Ok({"vault", "deposit", second["id"], S(kEth / 10), "--from", "bob"});
  Ok({"vault", "mint", second["id"], S(200 * kUsd), "--from", "bob"});
  json list = Ok({"vault", "list", "bob"});
  ASSERT_EQ(list["positions"].size(), 2u) << list;
  EXPECT_EQ(list["positions"][0]["type"], "tBTC");
  json repaid = Ok({"vault", "repay", id, S(500 * kUsd), "--from", "bob"});
  EXPECT_EQ(repaid["amount"], S(500 * kUsd));
  json closed = Ok({"vault", "close", id, "--from", "bob"});
  EXPECT_EQ(closed["collateral"], S(kEth - kEth / 10));
  const uint64_t debt_paid = std::stoull(closed["repaid"].get<std::string>());
  EXPECT_GE(debt_paid, 500 * kUsd);
  EXPECT_LT(debt_paid, 500 * kUsd + kUsd);
  EXPECT_EQ(StableBalance(sys, bob_), 700 * kUsd - debt_paid);
  EXPECT_EQ(Ok({"vault", "list", "bob"})["positions"].size(), 1u);
  RunResult gone = Cli({"vault", "show", id});
  EXPECT_NE(gone.exit_code, 0) << gone.Describe();
}

TEST_F(VaultE2ETest, ReservesAtAHeightAndProvedAgainstOneHeader) {
  json sys = Deploy();
  Ok({"faucet", "drip", "tETH", "--from", "bob"});
  json opened = Ok({"vault", "open", "tETH", "--from", "bob"});
  Ok({"vault", "deposit", opened["id"], S(2 * kEth), "--from", "bob"});
  const std::string before = CliJson({"status"})["height"].get<std::string>();
  Ok({"vault", "mint", opened["id"], S(1500 * kUsd), "--from", "bob"});

  json r = Ok({"reserves"});
  ASSERT_EQ(r["types"].size(), 2u) << r;
  const json& eth = r["types"][0];
  EXPECT_EQ(eth["type"], "tETH");
  EXPECT_EQ(eth["collateral"], S(2 * kEth));
  EXPECT_EQ(eth["value"], S(4000 * kUsd));
  EXPECT_EQ(eth["price"], "2000");
  EXPECT_GE(std::stoull(eth["debt"].get<std::string>()), 1500 * kUsd);
  EXPECT_NEAR(std::stod(eth["ratio"].get<std::string>()), 4000.0 / 1500, 1e-6)
      << eth;
  EXPECT_EQ(r["types"][1]["ratio"], "");  // no debt
  EXPECT_EQ(r["stable_supply"], S(1500 * kUsd));
  EXPECT_EQ(r["total_debt"], eth["debt"]);
  EXPECT_EQ(r["system_ratio"], eth["ratio"]);
  EXPECT_EQ(r["surplus"], "0");
  EXPECT_EQ(r["bad_debt"], "0");

  // Pinned: before the mint there was collateral and no supply.
  json then = Ok({"reserves", "--height", before});
  EXPECT_EQ(then["height"], before);
  EXPECT_EQ(then["stable_supply"], "0");
  EXPECT_EQ(then["types"][0]["collateral"], S(2 * kEth));
  EXPECT_EQ(then["system_ratio"], "");
  json shown = Ok({"vault", "show", opened["id"], "--height", before});
  EXPECT_EQ(shown["debt"], "0");

  // Proved: one document, every entry against one signed header.
  const std::string proof_file = dir_ + "/reserves-proof.json";
  json proved = Ok({"reserves", "--prove", "--out", proof_file});
  EXPECT_EQ(proved["proof"]["height"], proved["height"]);
  // Per type the engine's and the auction's balance, the supply, 4 books.
  EXPECT_EQ(proved["proof"]["entries"].size(), 9u) << proved;  // 2*2+1+4
  std::ifstream in(proof_file);
  json doc = json::parse(in);
  ASSERT_EQ(doc["entries"].size(), 9u);
  EXPECT_EQ(doc["entries"][0]["contract"], sys["types"][0]["token"]);
  EXPECT_EQ(doc["entries"][1]["contract"], sys["types"][0]["token"]);
  EXPECT_EQ(doc["entries"][4]["contract"], sys["stable"]);
  EXPECT_EQ(doc["entries"][5]["contract"], sys["engine"]);
  const std::string producer =
      CliJson({"status"})["producer_pubkey"].get<std::string>();
  RunResult ok = Cli({"proof", "verify", proof_file, "--producer", producer});
  ASSERT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_TRUE(Contains(ok.out, "verified: chain vault-test")) << ok.out;

  // Tamper with the stable supply's value: refused.
  json forged = doc;
  std::string& value = forged["entries"][4]["value"].get_ref<std::string&>();
  value[2] = value[2] == '0' ? '1' : '0';
  RunResult bad = Cli({"proof", "verify", Save("forged.json", forged.dump(2)),
                       "--producer", producer});
  EXPECT_NE(bad.exit_code, 0) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "NOT VERIFIED")) << bad.Describe();
}

TEST_F(VaultE2ETest, DeployFromAConfigWithAnExistingToken) {
  // A token of 2 decimals, deployed by hand, as the only collateral.
  json gold = CliJson(
      {"deploy", BALLAST_TOKEN_WASM, "--interface", BALLAST_TOKEN_PROTO,
       "--from", "alice", "--init",
       R"({"name": "Gold", "symbol": "GLD", "decimals": 2, "minters": [],
           "initial_holder": ")" +
           bob_ + R"(", "initial_supply": "100000"})"});
  ASSERT_TRUE(gold["contract"].is_string()) << gold;
  const std::string token = gold["contract"];
  const json config = {
      {"stable",
       {{"name", "Gold Dollar"}, {"symbol", "GUSD"}, {"decimals", 6}}},
      {"line", "1000000000000"},
      {"hole", "100000000000"},
      {"oracle", {{"reporters", {"alice"}}, {"max_age_s", 600}}},
      {"types",
       {{{"name", "GOLD"},
         {"feed", "XAU"},
         {"token", token},
         {"price", "1500.25"},
         {"liquidation_ratio", "1.25"},
         {"liquidation_penalty", "1.1"},
         {"line", "1000000000000"},
         {"dust", "10000000"},
         {"fee", "1"},
         {"hole", "100000000000"},
         {"tip", "0"},
         {"chip", "0"},
         {"redemption_fee", "0.01"}}}}};
  const std::string file = Save("gold.json", config.dump());
  const std::string system_file = dir_ + "/gold-system.json";
  json sys = CliJson({"system", "deploy", "--from", "alice", "--config", file,
                      "--system", system_file});
  ASSERT_EQ(sys["types"].size(), 1u) << sys;
  EXPECT_EQ(sys["types"][0]["token"], token);
  EXPECT_EQ(sys["types"][0]["decimals"], 2);
  EXPECT_EQ(sys["types"][0]["feed"], "XAU");
  EXPECT_EQ(sys["file"], system_file);
  json feed = CliJson({"oracle", "show", "XAU", "--system", system_file});
  EXPECT_EQ(feed["price"], "1500.25");
  ASSERT_EQ(feed["reports"].size(), 1u);  // alice only
  // bob locks 10 GOLD (1000 base units) and mints 10000 GUSD: ratio 1.5.
  json opened = CliJson(
      {"vault", "open", "GOLD", "--from", "bob", "--system", system_file});
  CliJson({"vault", "deposit", opened["id"], "1000", "--from", "bob",
           "--system", system_file});
  CliJson({"vault", "mint", opened["id"], S(10000 * kUsd), "--from", "bob",
           "--system", system_file});
  json r = CliJson({"reserves", "--system", system_file});
  EXPECT_EQ(r["types"][0]["value"], "15002500000");
  EXPECT_EQ(r["types"][0]["ratio"], "1.50025");
  // No file for this chain was written.
  EXPECT_NE(Cli({"reserves"}).exit_code, 0);
}

TEST_F(VaultE2ETest, ABadConfigIsRefusedBeforeAnythingIsDeployed) {
  struct Case {
    json config;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"line", "-5"}, {"hole", "0"}, {"types", json::array()}},
       "config: line: '-5' is not an amount"},
      {{{"line", "1"}, {"hole", "0"}, {"types", json::array()}},
       "config: types: must be an array of 1 to 16 types"},
      {{{"line", "1"},
        {"hole", "0"},
        {"types",
         {{{"name", "X"}, {"token", {{"decimals", 8}}}, {"price", "1e3"}}}}},
       "config: types[0].liquidation_ratio: missing"},
      {{{"line", "1"}, {"hole", "0"}, {"typo", 1}}, "config: typo: unknown"},
  };
  for (const Case& c : cases) {
    RunResult r = Cli({"system", "deploy", "--from", "alice", "--config",
                       Save("bad.json", c.config.dump())});
    EXPECT_EQ(r.exit_code, 3) << r.Describe();
    EXPECT_TRUE(Contains(r.err, c.message)) << r.Describe();
  }
  json ok_but_bad_price = json::parse(R"({"line": "1", "hole": "0",
    "types": [{"name": "X", "token": {"decimals": 8}, "price": "-1",
      "liquidation_ratio": "1.5", "liquidation_penalty": "1.1", "line": "1",
      "dust": "0", "fee": "1", "hole": "0", "tip": "0", "chip": "0",
      "redemption_fee": "0"}]})");
  RunResult r = Cli({"system", "deploy", "--from", "alice", "--config",
                     Save("bad.json", ok_but_bad_price.dump())});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "config: X.price: '-1' is not a decimal"))
      << r.Describe();
  EXPECT_EQ(CliJson({"account", "alice"})["pending_nonce"], "0");
}

TEST_F(VaultE2ETest, BadAmountsAreRefusedBeforeAnythingIsSent) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"vault", "deposit", "1", "-1"}, "amount: '-1' is not an amount"},
      {{"vault", "mint", "1", "18446744073709551616"},
       "amount: 18446744073709551616 is too large"},
      {{"vault", "repay", "1", "1e3"}, "amount: '1e3' is not an amount"},
      {{"vault", "withdraw", "1", "1.0"}, "amount: '1.0' is not an amount"},
      {{"vault", "deposit", "1", ""}, "amount: '' is not an amount"},
      {{"vault", "deposit", "x", "5"}, "position id: 'x' is not an amount"},
      {{"vault", "close", "-3"}, "position id: '-3' is not an amount"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--from", "alice"});
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 3) << r.Describe();
    EXPECT_TRUE(Contains(r.err, c.message)) << r.Describe();
  }
  // Prices too, with --json's error document.
  RunResult price = Cli({"--json", "vault", "health", "1", "--price", "-5"});
  EXPECT_EQ(price.exit_code, 3) << price.Describe();
  EXPECT_EQ(json::parse(price.out)["error"]["code"], "INVALID_ARGUMENT");
  // Nothing was sent.
  EXPECT_EQ(CliJson({"account", "alice"})["pending_nonce"], "0");
}

}  // namespace
}  // namespace ballast::test
