// Liquidation by Dutch auction: the vault engine's liquidate and the
// auction contract's kick, take and redo, on the real modules (vault,
// auction, oracle, two tokens). After every step the books balance and
// collateral is conserved: the engine holds what its positions hold, the
// auction what its running sales hold.

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/contracts/vault_fixture.h"

namespace ballast::vault {
namespace {

using ::testing::HasSubstr;

class LiquidationTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    // Bob mints stable to buy collateral with: 100 tETH, 60,000 stable.
    buyer_position_ = Open(kBob, 100 * kEth, 60'000 * kUsd);
  }

  LiquidateResponse Liquidate(uint64_t id) {
    LiquidateRequest req;
    req.set_id(id);
    req.set_keeper(kKeeper);
    LiquidateResponse resp =
        Ok<LiquidateResponse>(kKeeper, kVault, "liquidate", req);
    ExpectConserved();
    return resp;
  }

  auction::TakeResponse Take(uint64_t sale, uint64_t amount,
                             const std::string& max_price) {
    auction::TakeRequest req;
    req.set_sale(sale);
    req.set_amount(amount);
    req.set_max_price(max_price);
    return Ok<auction::TakeResponse>(kBob, kAuction, "take", req);
  }

  auction::TakeRequest TakeRequestOf(uint64_t sale, uint64_t amount,
                                     const std::string& max_price) {
    auction::TakeRequest req;
    req.set_sale(sale);
    req.set_amount(amount);
    req.set_max_price(max_price);
    return req;
  }

  auction::SaleView Sale(uint64_t sale) {
    auction::SaleRequest req;
    req.set_sale(sale);
    return Ok<auction::SaleView>(kBob, kAuction, "sale", req);
  }

  // Books balance; the engine's token balance is its positions'
  // collateral and the auction's is its running lots.
  void ExpectConserved() {
    ExpectBooksBalance();
    TypeInfoRequest info;
    info.set_type(type_);
    TypeView type = Ok<TypeView>(kBob, kVault, "type_info", info);
    EXPECT_EQ(Balance(kColl, kVault), type.collateral());
    auction::InfoResponse sales = Ok<auction::InfoResponse>(
        kBob, kAuction, "info", auction::InfoRequest());
    EXPECT_EQ(Balance(kColl, kAuction), sales.lot());
  }

  uint64_t buyer_position_ = 0;
};

TEST_F(LiquidationTest, OnlyAnUnsafePositionCanBeLiquidated) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  LiquidateRequest req;
  req.set_id(id);
  Refused(kKeeper, kVault, "liquidate", req,
          "liquidate: position 2 is safe: ratio 1.5384 >= 1.5 at price 20 "
          "(liquidation is only possible below the liquidation ratio)");
  Post("1900");  // 19,000 / 13,000 = 1.46
  LiquidateResponse liq = Liquidate(id);
  EXPECT_EQ(liq.sale(), 1u);
  EXPECT_EQ(liq.collateral(), 10 * kEth);
  EXPECT_EQ(liq.debt(), 13'000 * kUsd);
  EXPECT_EQ(liq.tab(), 14'690 * kUsd);  // times the 1.13 penalty
  // tip 10 + chip 1% of the tab.
  EXPECT_EQ(liq.reward(), 10 * kUsd + 146'900'000);
  EXPECT_EQ(Balance(kStable, kKeeper), liq.reward());
  // The surplus was empty: the reward is recorded as bad debt.
  EXPECT_EQ(Big(Books().bad_debt()), Big(liq.reward()) * kRayBig);
  PositionView after = Position(id);
  EXPECT_EQ(after.collateral(), 0u);
  EXPECT_EQ(after.debt(), 0u);
  Refused(kKeeper, kVault, "liquidate", req,
          "liquidate: position 2 has no debt");
  auction::SaleView sale = Sale(1);
  EXPECT_EQ(sale.tab(), 14'690 * kUsd);
  EXPECT_EQ(sale.lot(), 10 * kEth);
  EXPECT_EQ(sale.owner(), kAlice);
  EXPECT_EQ(sale.price(), PriceOf("1995"));  // 1,900 * buf 1.05
}

TEST_F(LiquidationTest, TakesRaiseTheTabAndReturnTheRestToTheOwner) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  LiquidateResponse liq = Liquidate(id);
  uint64_t alice_before = Balance(kColl, kAlice);
  uint64_t bob_stable = Balance(kStable, kBob);

  auction::TakeResponse first = Take(liq.sale(), 5 * kEth, PriceOf("2000"));
  ExpectConserved();
  EXPECT_EQ(first.collateral(), 5 * kEth);
  EXPECT_EQ(first.paid(), 9'975 * kUsd);  // 5 * 1,995
  EXPECT_EQ(Sale(liq.sale()).tab(), 4'715 * kUsd);

  // Ten minutes later the price is 1,995 * 0.99^10 = 1,804.27...
  Advance(600);
  Refused(kBob, kAuction, "take",
          TakeRequestOf(liq.sale(), 5 * kEth, PriceOf("1800")),
          "take: price above your maximum: current 18.042");
  auction::TakeResponse second = Take(liq.sale(), 5 * kEth, PriceOf("1900"));
  EXPECT_EQ(EventsOf<auction::SaleClosedEvent>().size(), 1u);
  EXPECT_EQ(second.paid(), 4'715 * kUsd);  // the tab left, not more
  EXPECT_LT(second.collateral(), 5 * kEth);
  EXPECT_EQ(Balance(kColl, kAlice),
            alice_before + 5 * kEth - second.collateral());
  EXPECT_EQ(Balance(kStable, kBob), bob_stable - 14'690 * kUsd);
  ExpectConserved();
  Refused(kBob, kAuction, "take", TakeRequestOf(liq.sale(), 1, PriceOf("1900")),
          "take: auction not running: sale 1");
  // The penalty paid the keeper's reward back and the rest is surplus.
  AccountingView books = Books();
  EXPECT_EQ(books.bad_debt(), "0");
  EXPECT_EQ(books.auction_debt(), "0");
  EXPECT_EQ(Big(books.surplus()), Big(1'690 * kUsd - liq.reward()) * kRayBig);
}

TEST_F(LiquidationTest, ALotSoldBelowTheTabLeavesRecordedBadDebt) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1300");  // the collateral is worth 13,000: the tab cannot be raised
  LiquidateResponse liq = Liquidate(id);
  Advance(60 * 30);  // 1,365 * 0.99^30 = 1,009.7
  Post("1300");
  Take(liq.sale(), 10 * kEth, PriceOf("1300"));
  auto closed = EventsOf<AuctionClosedEvent>(kVault);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_NE(closed[0].bad_debt(), "0");
  ExpectConserved();
  EXPECT_EQ(Balance(kColl, kAuction), 0u);
  AccountingView books = Books();
  EXPECT_EQ(books.auction_debt(), "0");
  EXPECT_NE(books.bad_debt(), "0");
}

TEST_F(LiquidationTest, AStaleSaleMustBeResetBeforeItCanBeTaken) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  LiquidateResponse liq = Liquidate(id);
  auction::RedoRequest redo;
  redo.set_sale(liq.sale());
  Refused(kKeeper, kAuction, "redo", redo,
          "redo: sale 1 does not need a reset");
  Advance(3601);
  Refused(kBob, kAuction, "take",
          TakeRequestOf(liq.sale(), kEth, PriceOf("5000")),
          "take: sale 1 needs a reset (ran 3601 s > tail 3600 s)");
  Post("1800");
  uint64_t keeper_before = Balance(kStable, kKeeper);
  Ok(kKeeper, kAuction, "redo", redo);
  EXPECT_EQ(Sale(liq.sale()).price(), PriceOf("1890"));  // 1,800 * 1.05
  EXPECT_GT(Balance(kStable, kKeeper), keeper_before);
  ExpectConserved();
  Take(liq.sale(), 10 * kEth, PriceOf("1890"));
  ExpectConserved();
}

TEST_F(LiquidationTest, TheCapOnDebtUnderAuctionThrottlesLiquidations) {
  SetGlobalRequest global;
  global.set_line(50'000'000 * kUsd);
  global.set_hole(10'000 * kUsd);
  Ok(kAdmin, kVault, "set_global", global);
  uint64_t a = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  uint64_t b = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  // Only 10,000 of tab fits: 8,849.55 of debt (10,000 / 1.13).
  LiquidateResponse part = Liquidate(a);
  EXPECT_LE(part.tab(), 10'000 * kUsd);
  EXPECT_GE(part.tab(), 9'999 * kUsd);
  EXPECT_GT(Position(a).debt(), 4'000 * kUsd);
  LiquidateRequest req;
  req.set_id(b);
  Refused(kKeeper, kVault, "liquidate", req,
          "liquidate: throttled: tab under auction");
  // Selling the first sale frees room.
  Take(part.sale(), 10 * kEth, PriceOf("2000"));
  ExpectConserved();
  Liquidate(b);
}

TEST_F(LiquidationTest, APartialLiquidationMayNotLeaveDust) {
  SetGlobalRequest global;
  global.set_line(50'000'000 * kUsd);
  global.set_hole(14'640 * kUsd);  // covers 12,955 of 13,000
  Ok(kAdmin, kVault, "set_global", global);
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  LiquidateRequest req;
  req.set_id(id);
  Refused(kKeeper, kVault, "liquidate", req,
          "liquidate: dust: a partial liquidation would leave debt below "
          "the floor 100000000");
}

TEST_F(LiquidationTest, OnlyTheEngineAndItsAuctionCallEachOther) {
  auction::KickRequest kick;
  kick.set_tab(1);
  kick.set_lot(1);
  kick.set_owner(kBob);
  kick.set_price("1");
  Refused(kBob, kAuction, "kick", kick, "kick: only the engine");
  AuctionPaidRequest paid;
  paid.set_type(type_);
  paid.set_sale(1);
  paid.set_payer(kBob);
  paid.set_amount(1);
  Refused(kBob, kVault, "auction_paid", paid,
          "auction_paid: only the auction of type ETH-A");
  AuctionClosedRequest closed;
  closed.set_type(type_);
  closed.set_sale(1);
  Refused(kBob, kVault, "auction_closed", closed,
          "auction_closed: only the auction of type ETH-A");
  PayKeeperRequest pay;
  pay.set_type(type_);
  pay.set_sale(1);
  pay.set_keeper(kBob);
  Refused(kBob, kVault, "pay_keeper", pay,
          "pay_keeper: only the auction of type ETH-A");
}

TEST_F(LiquidationTest, ATakeNeverLeavesATabTooSmallToSell) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  LiquidateResponse liq = Liquidate(id);
  // 14,690 of tab at 1,995 per tETH: buying 7.36 tETH (14,683.2) would
  // leave 6.8 < chost 113 (dust 100 * 1.13): the take leaves 113 instead.
  auction::TakeResponse take = Take(liq.sale(), 736'000'000, PriceOf("2000"));
  ExpectConserved();
  EXPECT_EQ(take.paid(), 14'690 * kUsd - 113 * kUsd);
  EXPECT_EQ(Sale(liq.sale()).tab(), 113 * kUsd);
}

// After an emergency shutdown a running sale is settled like a position
// (snip): the collateral owed for its unpaid debt at the frozen price goes
// to the pool, the rest back to the owner; then thaw can proceed.
TEST_F(LiquidationTest, SnipSettlesARunningSaleAfterShutdown) {
  uint64_t id = Open(kAlice, 10 * kEth, 13'000 * kUsd);
  Post("1900");
  LiquidateResponse liq = Liquidate(id);
  SnipRequest snip;
  snip.set_type(type_);
  snip.set_sale(liq.sale());
  Refused(kBob, kVault, "snip", snip, "snip: the system is not shut down");
  Ok(kAdmin, kVault, "shutdown", ShutdownRequest());
  Refused(kBob, kVault, "thaw", ThawRequest(),
          "still under auction: snip the auctions first");
  uint64_t alice_before = Balance(kColl, kAlice);
  SnipResponse snipped = Ok<SnipResponse>(kBob, kVault, "snip", snip);
  // 13,000 of debt at 1,900 is 6.84210527 tETH (rounded up).
  EXPECT_EQ(snipped.collateral(), 684'210'527u);
  EXPECT_EQ(snipped.returned(), 10 * kEth - 684'210'527u);
  EXPECT_EQ(Balance(kColl, kAlice), alice_before + snipped.returned());
  EXPECT_EQ(Balance(kColl, kAuction), 0u);
  ExpectBooksBalance();
  Refused(kBob, kVault, "snip", snip, "snip: no sale 1 of type ETH-A");
  auction::TakeRequest take = TakeRequestOf(liq.sale(), kEth, PriceOf("5000"));
  Refused(kBob, kAuction, "take", take, "take: auction not running: sale 1");
  // Only the engine may end a sale.
  auction::YankRequest yank;
  yank.set_sale(1);
  Refused(kBob, kAuction, "yank", yank, "yank: only the engine");
  SkimRequest skim;
  skim.set_id(buyer_position_);
  Ok(kBob, kVault, "skim", skim);
  Ok(kBob, kVault, "thaw", ThawRequest());
  ExpectBooksBalance();
}

// Gas of the main operations, printed for BENCHMARKS.md and bounded by the
// CLI's default transaction gas (10,000,000). Most of it is instantiating
// the modules a call touches (2 gas per byte of code, docs/gas.md).
TEST_F(LiquidationTest, GasOfTheMainOperations) {
  Open(kAlice, 10 * kEth, 1'000 * kUsd);
  uint64_t open = 0;
  {
    OpenAndMintRequest req;
    req.set_type(type_);
    req.set_collateral(10 * kEth);
    req.set_amount(13'000 * kUsd);
    Ok(kAlice, kVault, "open_and_mint", req);
    open = last_gas();
  }
  Post("1900");
  LiquidateRequest liq;
  liq.set_id(3);
  liq.set_keeper(kKeeper);
  Ok(kKeeper, kVault, "liquidate", liq);
  uint64_t liquidate = last_gas();
  Ok(kBob, kAuction, "take", TakeRequestOf(1, 5 * kEth, PriceOf("2000")));
  uint64_t take = last_gas();
  Ok(kBob, kAuction, "take", TakeRequestOf(1, 5 * kEth, PriceOf("2000")));
  uint64_t take_last = last_gas();
  std::printf(
      "gas: open_and_mint %llu, liquidate %llu, take %llu, closing take "
      "%llu\n",
      static_cast<unsigned long long>(open),
      static_cast<unsigned long long>(liquidate),
      static_cast<unsigned long long>(take),
      static_cast<unsigned long long>(take_last));
  for (uint64_t gas : {open, liquidate, take, take_last}) {
    EXPECT_LT(gas, 10'000'000u);
  }
}

}  // namespace
}  // namespace ballast::vault
