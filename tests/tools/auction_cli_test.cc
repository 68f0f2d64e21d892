// Liquidation, auctions and emergency shutdown from the command line, on a
// real `ballastd --dev` with the system `ballast system deploy` made:
// `ballast liquidate` refuses a safe position and starts a sale of an
// unsafe one; `ballast auction list` shows it; `ballast auction take`
// refuses a price above the buyer's maximum and buys once the price has
// fallen; `ballast shutdown` is the admin's; `ballast settle skim|snip|
// thaw|cash` settle everything. The engine's books balance after each step.

#include <string>

#include "gtest/gtest.h"
#include "tests/tools/system_harness.h"

namespace ballast::test {
namespace {

using AuctionCliTest = SystemE2ETest;

TEST_F(AuctionCliTest, LiquidateTakeShutdownAndSettle) {
  Ok({"faucet", "drip", "tETH", "--from", "bob"});
  Ok({"faucet", "drip", "tETH", "--from", "keeper"});
  // At 2000: ratio 1.667; at 1400: 1.167, below the liquidation ratio 1.5.
  const std::string unsafe = Open(2 * kEth, 2400 * kUsd, "bob");
  const std::string own = Open(5 * kEth, 3000 * kUsd, "keeper");

  RunResult safe = Cli({"liquidate", unsafe, "--from", "keeper"});
  EXPECT_EQ(safe.exit_code, 1) << safe.Describe();
  EXPECT_NE(safe.err.find("is safe"), std::string::npos) << safe.Describe();

  Ok({"oracle", "post", "tETH", "1400", "--from", "alice"});
  json liquidated = Ok({"liquidate", unsafe, "--from", "keeper"});
  EXPECT_EQ(liquidated["sale"], "1") << liquidated;
  EXPECT_EQ(liquidated["collateral"], S(2 * kEth));
  ExpectBooksBalance();

  json list = Ok({"auction", "list", "tETH"});
  ASSERT_EQ(list["sales"].size(), 1u) << list;
  EXPECT_EQ(list["sales"][0]["price_decimal"], "1470");  // 1400 * buf 1.05
  RunResult dear = Cli({"auction", "take", "tETH", "1", S(kEth), "--max-price",
                        "1400", "--from", "keeper"});
  EXPECT_EQ(dear.exit_code, 1) << dear.Describe();
  EXPECT_NE(dear.err.find("price above your maximum"), std::string::npos)
      << dear.Describe();

  // Ten minutes: 1470 * 0.99^10 = 1329.5.
  Ok({"dev", "mine", "--advance", "10m"});
  Ok({"oracle", "post", "tETH", "1400", "--from", "alice"});  // keep it fresh
  json take = Ok({"auction", "take", "tETH", "1", S(kEth), "--max-price",
                  "1400", "--from", "keeper"});
  EXPECT_EQ(take["collateral"], S(kEth)) << take;
  EXPECT_LT(std::stoull(take["paid"].get<std::string>()), 1400 * kUsd);
  ExpectBooksBalance();

  RunResult not_admin = Cli({"shutdown", "--from", "bob"});
  EXPECT_EQ(not_admin.exit_code, 1) << not_admin.Describe();
  EXPECT_NE(not_admin.err.find("not the admin"), std::string::npos);
  Ok({"shutdown", "--from", "alice"});
  RunResult closed = Cli({"vault", "mint", own, S(kUsd), "--from", "keeper"});
  EXPECT_NE(closed.err.find("system is shut down"), std::string::npos)
      << closed.Describe();
  Ok({"settle", "skim", own, "--from", "bob"});
  Ok({"settle", "snip", "tETH", "1", "--from", "bob"});  // the running sale
  ExpectBooksBalance();
  Ok({"settle", "thaw", "--from", "bob"});
  json cash = Ok({"settle", "cash", S(100 * kUsd), "--from", "keeper"});
  ASSERT_EQ(cash["collateral"].size(), 2u) << cash;  // tETH and tBTC
  EXPECT_NE(cash["collateral"][0], "0");
  ExpectBooksBalance();
}

}  // namespace
}  // namespace ballast::test
