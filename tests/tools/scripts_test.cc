// The example scripts of tools/scripts/ run as a user runs them (bash, the
// real `ballast` on PATH, jq) against a real `ballastd --dev` with the
// collateral system deployed: mint.sh opens and draws a position, keeper.sh
// runs one keeper step that liquidates it after a price drop, redeem.sh
// redeems stable for collateral.

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/system_harness.h"

namespace ballast::test {
namespace {

class ScriptsTest : public SystemE2ETest {
 protected:
  // Runs tools/scripts/NAME ARGS... with the CLI's environment and the
  // directory of the `ballast` binary first on PATH.
  RunResult Script(const std::string& name,
                   const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/bash",
                                     BALLAST_SCRIPTS_DIR "/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string bin = BALLAST_CLI_BINARY;
    bin = bin.substr(0, bin.rfind('/'));
    const char* path = std::getenv("PATH");
    return ballast::Run(argv,
                        {{"BALLAST_HOME", home_},
                         {"BALLAST_NODE", node_url_},
                         {"BALLAST_PASSPHRASE", std::nullopt},
                         {"PATH", bin + ":" + (path ? path : "/usr/bin:/bin")}},
                        "", std::chrono::seconds(60));
  }
};

TEST_F(ScriptsTest, MintThenKeeperLiquidates) {
  RunResult mint = Script("mint.sh", {"bob", "tETH", S(kEth), S(1200 * kUsd)});
  ASSERT_EQ(mint.exit_code, 0) << mint.Describe();
  json pos = json::parse(mint.out, nullptr, false);
  ASSERT_TRUE(pos.is_object()) << mint.Describe();
  EXPECT_EQ(pos["type"], "tETH");
  EXPECT_EQ(pos["collateral"], S(kEth));
  // The debt rounds up: the fee of the moment since the mint may add one.
  EXPECT_GE(U(pos["debt"]), 1200 * kUsd) << pos;
  EXPECT_LE(U(pos["debt"]), 1200 * kUsd + 1) << pos;
  const std::string id = pos["id"];
  EXPECT_EQ(Ok({"vault", "show", id})["safe"], true);
  // A second run opens another position (the faucet refuses a second drip
  // within its period; the script says so and goes on with the balance).
  RunResult more = Script("mint.sh", {"bob", "tETH", S(kEth), S(500 * kUsd)});
  ASSERT_EQ(more.exit_code, 0) << more.Describe();
  EXPECT_NE(more.err.find("no drip this time"), std::string::npos)
      << more.Describe();
  // Bad usage.
  EXPECT_EQ(Script("mint.sh", {"bob"}).exit_code, 2);

  Ok({"oracle", "post", "tETH", "1500", "--from", "alice"});
  RunResult keeper = Script("keeper.sh", {"keeper", "--once"});
  ASSERT_EQ(keeper.exit_code, 0) << keeper.Describe();
  EXPECT_NE(keeper.err.find("has 0 stable base units"), std::string::npos)
      << keeper.Describe();
  std::vector<json> liquidated = Actions(Lines(keeper.out), "liquidated");
  ASSERT_EQ(liquidated.size(), 1u) << keeper.Describe();
  EXPECT_EQ(liquidated[0]["position"], id);
  EXPECT_EQ(Ok({"vault", "show", id})["debt"], "0");
}

// redeem.sh: stable for collateral at the oracle price, less the fee, from
// the least collateralized safe position (here bob's own).
TEST_F(ScriptsTest, RedeemScript) {
  ASSERT_EQ(
      Script("mint.sh", {"bob", "tETH", S(kEth), S(1000 * kUsd)}).exit_code, 0);
  RunResult r = Script("redeem.sh", {"bob", "tETH", S(100 * kUsd), "0.01"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json doc = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.Describe();
  EXPECT_EQ(doc["type"], "tETH");
  EXPECT_EQ(doc["redeemed"], S(100 * kUsd));
  // 0.5% fee: 0.5 BUSD kept; 99.5 BUSD of tETH at 2000 = 0.04975 tETH.
  EXPECT_EQ(doc["fee"], S(kUsd / 2));
  EXPECT_NEAR(static_cast<double>(U(doc["collateral"])), 4'975'000, 1);
  EXPECT_EQ(Balance(sys_["stable"], bob_), 900 * kUsd);
  // A fee above the caller's maximum is refused.
  RunResult capped = Script("redeem.sh", {"bob", "tETH", S(kUsd), "0.001"});
  EXPECT_EQ(capped.exit_code, 1) << capped.Describe();
  EXPECT_EQ(Script("redeem.sh", {"bob"}).exit_code, 2);
}

}  // namespace
}  // namespace ballast::test
