// The keeper end to end: a real `ballastd --dev`, the collateral system
// deployed by `ballast system deploy`, positions opened at different ratios
// with the CLI, a price drop posted with `ballast oracle post`, and the
// keeper run as `ballast keeper`:
//   - one step liquidates exactly the positions unsafe at the new price;
//   - after `ballast dev mine --advance 10m` the auctions' price has decayed
//     below oracle * (1 - margin) and the next step buys, within the
//     keeper's capital; the engine's books balance and the reserves agree;
//   - a long-running keeper outlives a node restart (it backs off while the
//     node is down, then liquidates a position made unsafe after it).

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/system_harness.h"

namespace ballast::test {
namespace {

class KeeperE2ETest : public SystemE2ETest {
 protected:
  // `ballast keeper --once`: its JSON lines (the last is the step).
  std::vector<json> KeeperOnce(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"keeper", "--from", "keeper", "--once"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::vector<json> lines = Lines(r.out);
    EXPECT_FALSE(lines.empty()) << r.Describe();
    if (!lines.empty()) {
      EXPECT_EQ(lines.back()["action"], "step") << r.out;
    }
    return lines;
  }
};

TEST_F(KeeperE2ETest,
       LiquidatesExactlyTheUnsafeTakesAfterDecayAndSurvivesRestart) {
  const std::string tEth = sys_["types"][0]["token"];
  const std::string auction = sys_["types"][0]["auction"];
  Ok({"faucet", "drip", "tETH", "--from", "bob"});
  Ok({"faucet", "drip", "tETH", "--from", "keeper"});
  // At 2000: ratios 2.0, 1.667 and 2.5; at 1400: 1.4 and 1.167 (below the
  // liquidation ratio 1.5) and 1.75.
  const std::string p1 = Open(kEth, 1000 * kUsd, "bob");
  const std::string p2 = Open(kEth, 1200 * kUsd, "bob");
  const std::string p3 = Open(kEth, 800 * kUsd, "bob");
  // The keeper's capital: stable drawn against its own, safe, position
  // (5 tETH for 2500: ratio 2.8 at 1400, 2.2 at 1100).
  const std::string own = Open(5 * kEth, 2500 * kUsd, "keeper");

  // Nothing to do while everything is safe.
  std::vector<json> idle = KeeperOnce();
  EXPECT_EQ(idle.back()["liquidated"], 0) << idle.back();
  EXPECT_EQ(idle.back()["taken"], 0);

  Ok({"oracle", "post", "tETH", "1400", "--from", "alice"});
  std::vector<json> first = KeeperOnce();
  std::vector<json> liquidated = Actions(first, "liquidated");
  ASSERT_EQ(liquidated.size(), 2u) << json(first).dump(1);
  // Least collateralized first.
  EXPECT_EQ(liquidated[0]["position"], p2);
  EXPECT_EQ(liquidated[1]["position"], p1);
  EXPECT_EQ(liquidated[0]["collateral"], S(kEth));
  EXPECT_EQ(first.back()["taken"], 0);  // the sales start above the oracle
  EXPECT_EQ(Ok({"vault", "show", p1})["debt"], "0");
  EXPECT_EQ(Ok({"vault", "show", p2})["debt"], "0");
  json safe = Ok({"vault", "show", p3});
  EXPECT_NE(safe["debt"], "0");
  EXPECT_EQ(safe["collateral"], S(kEth));
  EXPECT_EQ(Ok({"vault", "show", own})["collateral"], S(5 * kEth));
  json reserves = Ok({"reserves"});
  EXPECT_EQ(reserves["types"][0]["in_auction"], S(2 * kEth)) << reserves;
  EXPECT_EQ(Balance(tEth, auction), 2 * kEth);
  ExpectBooksBalance();
  // A second step finds nothing new: the sales still cost more than
  // 1400 * 0.97.
  std::vector<json> again = KeeperOnce();
  EXPECT_EQ(again.back()["liquidated"], 0) << json(again).dump(1);
  EXPECT_EQ(again.back()["taken"], 0);

  // Ten minutes on the default curve (system deploy): 1.05 * 0.99^10 =
  // 0.95 of the oracle price, under 0.97.
  Ok({"dev", "mine", "--advance", "10m"});
  // The keeper's capital: what it drew plus its liquidation rewards
  // (tip 10 BUSD + chip 1 % of the tab, each).
  uint64_t rewards = 0;
  for (const json& l : liquidated) {
    EXPECT_EQ(U(l["reward"]), 10 * kUsd + U(l["tab"]) / 100) << l;
    rewards += U(l["reward"]);
  }
  const uint64_t stable_before = Balance(sys_["stable"], keeper_);
  ASSERT_EQ(stable_before, 2500 * kUsd + rewards);
  // With --max-capital 1000 BUSD it spends at most that in the step.
  std::vector<json> capped = KeeperOnce({"--max-capital", S(1000 * kUsd)});
  uint64_t capped_paid = 0;
  for (const json& t : Actions(capped, "taken")) capped_paid += U(t["paid"]);
  EXPECT_GT(capped_paid, 0u) << json(capped).dump(1);
  EXPECT_LE(capped_paid, 1000 * kUsd) << json(capped).dump(1);
  // Then with its whole balance.
  std::vector<json> buy = KeeperOnce();
  buy.insert(buy.begin(), capped.begin(), capped.end());
  std::vector<json> taken = Actions(buy, "taken");
  ASSERT_FALSE(taken.empty()) << json(buy).dump(1);
  uint64_t bought = 0, paid = 0;
  for (const json& t : taken) {
    bought += U(t["collateral"]);
    paid += U(t["paid"]);
  }
  for (const json& t : Actions(buy, "take")) {
    // Never above oracle * (1 - margin) (the default margin 0.03).
    EXPECT_TRUE(Big(t["price"]) * 100 <= Big(t["oracle"]) * 97) << t;
  }
  EXPECT_GT(bought, 0u);
  EXPECT_LE(paid, stable_before);  // within its capital
  EXPECT_EQ(Balance(sys_["stable"], keeper_), stable_before - paid);
  EXPECT_EQ(Balance(tEth, keeper_), 5 * kEth + bought);
  // The engine approved once for the take.
  EXPECT_EQ(Actions(buy, "approve").size(), 1u);
  // Collateral conserved: what the keeper bought left the auction (plus
  // what went back to the owner once a tab was raised).
  json after = Ok({"reserves"});
  EXPECT_LE(U(after["types"][0]["in_auction"]) + bought, 2 * kEth) << after;
  EXPECT_EQ(U(after["types"][0]["in_auction"]), Balance(tEth, auction));
  ExpectBooksBalance();

  // A long-running keeper, then the node restarts under it.
  const std::string log = dir_ + "/keeper.log";
  ChildProcess keeper({BALLAST_CLI_BINARY, "keeper", "--from", "keeper",
                       "--interval-ms", "200", "--max-backoff-ms", "800"},
                      log,
                      {{"BALLAST_HOME", home_},
                       {"BALLAST_NODE", node_url_},
                       {"BALLAST_PASSPHRASE", std::nullopt}});
  ASSERT_TRUE(keeper.started());
  auto wait_for = [&](const std::string& action, size_t count) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      if (Actions(Lines(text.str()), action).size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto log_text = [&] {
    std::stringstream text;
    text << std::ifstream(log).rdbuf();
    return text.str();
  };
  ASSERT_TRUE(wait_for("start", 1)) << log_text();
  node_->Terminate();
  ASSERT_TRUE(wait_for("step_error", 2)) << log_text();
  ASSERT_TRUE(keeper.Running()) << log_text();
  ASSERT_TRUE(node_->Start()) << node_->log();
  ASSERT_EQ(node_->url(), node_url_);
  // 1100: p3 (800 drawn against 1 tETH, ratio 1.375) becomes unsafe.
  Ok({"oracle", "post", "tETH", "1100", "--from", "alice"});
  const size_t before = Actions(Lines(log_text()), "liquidated").size();
  ASSERT_TRUE(wait_for("liquidated", before + 1)) << log_text();
  std::vector<json> lines = Lines(log_text());
  EXPECT_EQ(Actions(lines, "liquidated").back()["position"], p3);
  // The backoff doubled while the node was down, bounded by 800 ms.
  std::vector<json> errors = Actions(lines, "step_error");
  EXPECT_EQ(errors[0]["backoff_ms"], 200);
  EXPECT_EQ(errors[1]["backoff_ms"], 400);
  for (const json& e : errors) EXPECT_LE(e["backoff_ms"].get<int>(), 800);
  EXPECT_EQ(Ok({"vault", "show", p3})["debt"], "0");
  EXPECT_EQ(Ok({"vault", "show", own})["collateral"], S(5 * kEth));
  EXPECT_EQ(keeper.Stop(std::chrono::seconds(5)), 0) << log_text();
  ExpectBooksBalance();
}

TEST_F(KeeperE2ETest, RefusesABadMarginAndAMissingKey) {
  RunResult r = Cli({"keeper", "--from", "keeper", "--once", "--margin", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_NE(r.err.find("margin"), std::string::npos) << r.Describe();
  r = Cli({"keeper", "--from", "keeper", "--once", "--margin", "-0.1"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  r = Cli({"keeper", "--from", "nobody", "--once"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  r = Cli({"keeper", "--from", "keeper", "--once", "--max-capital", "1e3"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
}

}  // namespace
}  // namespace ballast::test
