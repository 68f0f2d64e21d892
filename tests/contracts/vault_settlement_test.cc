// The vault engine's redemption and emergency shutdown, run as the chain
// runs them (vault_fixture.h: the real vault, oracle and token modules).
// After every successful step the books balance exactly, with the
// settlement term:
//   stable supply * RAY + surplus = debt + auction debt + bad debt + settled
// and the engine's collateral token balance is the positions' collateral
// plus the settlement pools.

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "contracts/oracle/oracle.pb.h"
#include "contracts/token/token.pb.h"
#include "contracts/vault/vault.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/contracts/contract_fixture.h"
#include "tests/contracts/vault_fixture.h"

namespace ballast::vault {
namespace {

using ::testing::ElementsAre;

class VaultSettlementTest : public VaultTest {
 protected:
  static RedeemRequest RedeemOf(uint32_t type, uint64_t amount,
                                uint32_t max_positions,
                                const std::string& max_fee = Ray("0.005")) {
    RedeemRequest req;
    req.set_type(type);
    req.set_amount(amount);
    req.set_max_positions(max_positions);
    req.set_max_fee(max_fee);
    return req;
  }

  RedeemResponse Redeem(const std::string& who, uint64_t amount,
                        uint32_t max_positions) {
    RedeemResponse out = Ok<RedeemResponse>(
        who, kVault, "redeem", RedeemOf(type_, amount, max_positions));
    // Kept: the checks' queries replace events().
    from_ = EventsOf<RedeemedFromEvent>();
    redeems_ = EventsOf<RedeemEvent>();
    ExpectBooksBalance();
    ExpectCollateralConserved();
    return out;
  }

  TypeView Type(uint32_t type) {
    TypeInfoRequest req;
    req.set_type(type);
    return Ok<TypeView>(kBob, kVault, "type_info", req);
  }

  GlobalView Global() {
    return Ok<GlobalView>(kBob, kVault, "global", GlobalRequest());
  }

  // The position's view, or nothing if it was deleted.
  std::optional<PositionView> Find(uint64_t id) {
    PositionRequest req;
    req.set_id(id);
    wasm::CallOutcome out = Run(kBob, kVault, "position", req);
    if (!out.status.ok()) return std::nullopt;
    PositionView v;
    EXPECT_TRUE(v.ParseFromString(out.output));
    return v;
  }

  // The engine holds exactly the positions' collateral plus the pools.
  void ExpectCollateralConserved() {
    GlobalView g = Global();
    Big positions = 0, counted = 0, pools = 0;
    for (uint64_t id = 1; id <= g.positions(); ++id) {
      if (std::optional<PositionView> v = Find(id)) {
        positions += v->collateral();
      }
    }
    for (uint32_t t = 1; t <= g.types(); ++t) {
      TypeView view = Type(t);
      pools += view.pool();
      counted += view.collateral();
    }
    EXPECT_EQ(counted, positions);
    EXPECT_EQ(Big(Balance(kColl, kVault)), positions + pools);
  }

  void Shutdown() {
    Ok(kAdmin, kVault, "shutdown", ShutdownRequest());
    ExpectBooksBalance();
  }

  SkimResponse Skim(uint64_t id) {
    SkimRequest req;
    req.set_id(id);
    SkimResponse out = Ok<SkimResponse>(kBob, kVault, "skim", req);
    ExpectBooksBalance();
    ExpectCollateralConserved();
    return out;
  }

  CashResponse Cash(const std::string& who, uint64_t amount) {
    CashRequest req;
    req.set_amount(amount);
    CashResponse out = Ok<CashResponse>(who, kVault, "cash", req);
    ExpectBooksBalance();
    ExpectCollateralConserved();
    return out;
  }

  std::vector<RedeemedFromEvent> from_;  // of the last Redeem()
  std::vector<RedeemEvent> redeems_;

  // A second type, ETH-B, on the same token and feed.
  uint32_t AddSecondType() {
    AddTypeRequest add;
    add.set_name("ETH-B");
    add.set_token(kColl);
    add.set_feed("ETH");
    *add.mutable_config() = StandardConfig();
    return Ok<AddTypeResponse>(kAdmin, kVault, "add_type", add).type();
  }

  uint64_t OpenOf(const std::string& owner, uint32_t type, uint64_t coll,
                  uint64_t amount) {
    OpenAndMintRequest req;
    req.set_type(type);
    req.set_collateral(coll);
    req.set_amount(amount);
    uint64_t id = Ok<OpenResponse>(owner, kVault, "open_and_mint", req).id();
    ExpectBooksBalance();
    return id;
  }

  // The feed ETH as in SetUpOracle, with an OSM delay.
  void SetDelay(uint64_t delay_s) {
    oracle::SetConfigRequest req;
    req.set_feed("ETH");
    oracle::FeedConfig* config = req.mutable_config();
    config->add_reporters(kReporter);
    config->set_quorum(1);
    config->set_max_age_s(3600);
    config->set_max_step("0");
    config->set_delay_s(delay_s);
    config->set_min_price("1");
    config->set_max_price(Ray("1000000"));
    Ok(kAdmin, kOracle, "set_config", req);
  }
};

// ---- Redemption -------------------------------------------------------------

TEST_F(VaultSettlementTest, RedeemsFromTheLeastCollateralizedSafePositions) {
  uint64_t a = Open(kAlice, 10 * kEth, 12'900 * kUsd);  // 1.55
  uint64_t b = Open(kAlice, 10 * kEth, 12'000 * kUsd);  // 1.67
  uint64_t c = Open(kAlice, 10 * kEth, 11'000 * kUsd);  // 1.82
  uint64_t d = Open(kAlice, 10 * kEth, 10'000 * kUsd);  // 2.0
  uint64_t e = Open(kBob, 50 * kEth, 20'000 * kUsd);    // 5.0
  // At $1,900 a is unsafe (1.47): it must be liquidated, not redeemed.
  Post("1900");
  Big surplus(Books().surplus());

  // 15,000 is applied (0.995 of the amount): all of b, then 3,000 of c.
  RedeemResponse r = Redeem(kBob, 15'075'376'885, 32);
  EXPECT_EQ(r.redeemed(), 15'075'376'885u);
  EXPECT_EQ(r.fee(), 75'376'885u);
  // At 19 stable base units per collateral base unit, rounded down.
  EXPECT_EQ(r.collateral(), 631'578'947u + 157'894'736u);
  EXPECT_EQ(r.positions(), 2u);
  const std::vector<RedeemedFromEvent>& from = from_;
  ASSERT_EQ(from.size(), 2u);
  EXPECT_EQ(from[0].id(), b);
  EXPECT_EQ(from[0].amount(), 12'000 * kUsd);
  EXPECT_EQ(from[0].collateral(), 631'578'947u);
  EXPECT_EQ(from[0].art(), 0u);
  EXPECT_EQ(from[1].id(), c);
  EXPECT_EQ(from[1].amount(), 3'000 * kUsd);
  EXPECT_EQ(from[1].collateral(), 157'894'736u);
  ASSERT_EQ(redeems_.size(), 1u);
  EXPECT_EQ(redeems_[0].redeemer(), kBob);
  EXPECT_EQ(redeems_[0].price(), PriceOf("1900"));

  EXPECT_EQ(Position(a).debt(), 12'900 * kUsd);
  EXPECT_EQ(Position(a).collateral(), 10 * kEth);
  EXPECT_EQ(Position(b).debt(), 0u);
  EXPECT_EQ(Position(b).collateral(), 10 * kEth - 631'578'947);
  EXPECT_EQ(Position(c).debt(), 8'000 * kUsd);
  EXPECT_EQ(Position(c).collateral(), 10 * kEth - 157'894'736);
  EXPECT_EQ(Position(d).debt(), 10'000 * kUsd);
  EXPECT_EQ(Balance(kStable, kBob), 20'000 * kUsd - 15'075'376'885);
  EXPECT_EQ(Balance(kColl, kBob), 50 * kEth + 789'473'683);
  // The fee is surplus (no rounding at rate 1).
  EXPECT_EQ(Big(Books().surplus()) - surplus, Big(75'376'885) * kRayBig);

  // c's ratio rose above d's: the index moved it.
  PositionsByRatioRequest list;
  list.set_type(type_);
  list.set_limit(10);
  PositionsResponse ordered =
      Ok<PositionsResponse>(kBob, kVault, "positions_by_ratio", list);
  std::vector<uint64_t> ids;
  for (const PositionView& v : ordered.positions()) ids.push_back(v.id());
  EXPECT_THAT(ids, ElementsAre(a, d, c, e));
}

TEST_F(VaultSettlementTest, TheFeeIsCappedByMaxFeeAndRequestsAreChecked) {
  Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Open(kBob, 50 * kEth, 10'000 * kUsd);
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4, Ray("0.003")),
          "redeem: redemption fee 0.5% above your maximum 0.3%");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 0),
          "redeem: max_positions must be 1 to 32");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 33),
          "redeem: max_positions must be 1 to 32");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 0, 4),
          "redeem: amount must be positive");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 1, 4),
          "redeem: amount too small: nothing left after the fee");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4, "0.5"),
          "redeem: max_fee: not a canonical non-negative integer");
  Refused(kBob, kVault, "redeem", RedeemOf(9, 100 * kUsd, 4),
          "redeem: no collateral type 9");
  // 19 base units at 20 per collateral unit buy nothing.
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 20, 4),
          "redeem: 19 stable would pay no collateral at price 20 (feed ETH)");
  // A maximum equal to the fee is enough.
  RedeemResponse r = Ok<RedeemResponse>(kBob, kVault, "redeem",
                                        RedeemOf(type_, 100 * kUsd, 4));
  EXPECT_EQ(r.redeemed(), 100 * kUsd);
  EXPECT_EQ(r.fee(), 500'000u);
  ExpectBooksBalance();
}

TEST_F(VaultSettlementTest, RedemptionNeverLeavesDust) {
  uint64_t p3 = Open(kAlice, 8'000'000, 100 * kUsd);    // debt = dust, 1.6
  uint64_t p1 = Open(kAlice, kEth, 1'000 * kUsd);       // 2.0
  uint64_t p2 = Open(kAlice, 10 * kEth, 5'000 * kUsd);  // 4.0
  Open(kBob, 50 * kEth, 10'000 * kUsd);                 // 10.0

  // 50 applied: p3 would keep 50 < dust, so it is skipped, and it counts.
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 50'251'257, 1),
          "redeem: no safe position of type ETH-A can be redeemed from");
  RedeemResponse r = Redeem(kBob, 50'251'257, 2);
  EXPECT_EQ(r.redeemed(), 50'251'257u);
  EXPECT_EQ(r.positions(), 1u);
  ASSERT_EQ(from_.size(), 1u);
  EXPECT_EQ(from_[0].id(), p1);
  EXPECT_EQ(Position(p3).debt(), 100 * kUsd);
  EXPECT_EQ(Position(p1).debt(), 950 * kUsd);

  // 1,000 applied: all of p3 (100); of p1 (950) only 850, since 900 would
  // leave 50; the last 50 from p2.
  r = Redeem(kBob, 1'005'025'126, 32);
  EXPECT_EQ(r.redeemed(), 1'005'025'126u);
  EXPECT_EQ(r.fee(), 5'025'126u);
  EXPECT_EQ(r.collateral(), 5'000'000u + 42'500'000u + 2'500'000u);
  EXPECT_EQ(r.positions(), 3u);
  EXPECT_EQ(Position(p3).debt(), 0u);
  EXPECT_EQ(Position(p1).debt(), 100 * kUsd);
  EXPECT_EQ(Position(p2).debt(), 4'950 * kUsd);
}

TEST_F(VaultSettlementTest, RedemptionStopsWhenPositionsRunOut) {
  uint32_t other = AddSecondType();
  OpenOf(kBob, other, 50 * kEth, 20'000 * kUsd);
  uint64_t p1 = Open(kAlice, 10 * kEth, 1'000 * kUsd);
  uint64_t p2 = Open(kAlice, 10 * kEth, 2'000 * kUsd);
  uint64_t p3 = Open(kAlice, 10 * kEth, 3'000 * kUsd);

  // max_positions 1: only p3 (the least collateralized).
  RedeemResponse r = Redeem(kBob, 10'000 * kUsd, 1);
  EXPECT_EQ(r.positions(), 1u);
  EXPECT_EQ(r.redeemed(), 3'000 * kUsd + 15'075'377);
  EXPECT_EQ(Position(p3).debt(), 0u);
  // Then the type runs out: 3,000 of ETH-A debt against 9,950 asked.
  uint64_t before = Balance(kStable, kBob);
  r = Redeem(kBob, 10'000 * kUsd, 32);
  EXPECT_EQ(r.positions(), 2u);
  EXPECT_EQ(r.fee(), 15'075'377u);
  EXPECT_EQ(r.redeemed(), 3'000 * kUsd + 15'075'377);
  EXPECT_EQ(Balance(kStable, kBob), before - r.redeemed());
  EXPECT_EQ(Position(p1).debt(), 0u);
  EXPECT_EQ(Position(p2).debt(), 0u);
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 10'000 * kUsd, 32),
          "redeem: no safe position of type ETH-A can be redeemed from");
  EXPECT_EQ(Type(other).debt(), 20'000 * kUsd);
}

TEST_F(VaultSettlementTest, UnusableOrPendingHigherPricesBlockRedemption) {
  Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Open(kBob, 50 * kEth, 10'000 * kUsd);
  Advance(3601);
  EXPECT_THAT(
      std::string(Refused(kBob, kVault, "redeem",
                          RedeemOf(type_, 100 * kUsd, 4),
                          "feed ETH: no quorum: 0 fresh reports, 1 required")
                      .status.message()),
      ::testing::HasSubstr("method redeem: aborted: redeem: "));
  Post("2000");
  SetDelay(600);
  // A higher price is pending: the current one undervalues the collateral.
  Post("2100");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4),
          "redeem: feed ETH has a pending price 21 above the current 20: "
          "redemption waits until it is current");
  Advance(600);
  Post("1900");  // 21 is current now, 19 pending: the redeemer's risk
  RedeemResponse r = Redeem(kBob, 100 * kUsd, 4);
  EXPECT_EQ(redeems_[0].price(), PriceOf("2100"));
  EXPECT_EQ(r.collateral(), 99'500'000u / 21);
}

TEST_F(VaultSettlementTest, NothingPartialWhenTheBurnFails) {
  Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Open(kBob, 50 * kEth, 10'000 * kUsd);
  Approve(kStable, kBob, kVault, 0);
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4),
          "redeem: stable: contract " + ToHex(kStable) +
              " method burn: aborted: burn: insufficient allowance");
  // More than the redeemer holds: the burn fails, nothing is written.
  Approve(kStable, kBob, kVault, ~uint64_t{0});
  Transfer(kStable, kBob, kAlice, 9'950 * kUsd);
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4),
          "burn: insufficient balance");
}

TEST_F(VaultSettlementTest, GasOfARedemptionOver32Positions) {
  Open(kBob, 100 * kEth, 70'000 * kUsd);  // 2.86: after all of alice's
  // The index's walks and updates dominate: the cost grows with the
  // tree's height. (At 400 indebted positions 32 no longer fit the CLI's
  // default 10,000,000: redeemers pass a smaller max_positions.)
  for (int n : {40, 100}) {
    while (Type(type_).indebted() < static_cast<uint64_t>(n)) {
      // Ratios 2.0 and up, debt 1,000 each.
      uint64_t i = Type(type_).indebted();
      Open(kAlice, kEth + i * 10'000, 1'000 * kUsd);
    }
    wasm::CallOutcome out =
        Ok(kBob, kVault, "redeem", RedeemOf(type_, 32'160'804'021, 32));
    RedeemResponse r;
    ASSERT_TRUE(r.ParseFromString(out.output));
    EXPECT_EQ(r.positions(), 32u);
    EXPECT_EQ(EventsOf<RedeemedFromEvent>().size(), 32u);
    ExpectBooksBalance();
    std::cout << "redeem over 32 positions of " << n << " indebted: gas "
              << out.gas_used << "\n";
    RecordProperty("redeem32_gas_n" + std::to_string(n),
                   std::to_string(out.gas_used));
    EXPECT_LT(out.gas_used, 10'000'000u);
  }
}

// ---- Shutdown ---------------------------------------------------------------

TEST_F(VaultSettlementTest, ShutdownIsTheAdminsAndStopsEveryChange) {
  SetFee(Ray("1.000000001"));
  uint64_t id = Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Open(kBob, 50 * kEth, 10'000 * kUsd);
  Refused(kBob, kVault, "shutdown", ShutdownRequest(),
          "shutdown: not the admin");
  Advance(3601);
  EXPECT_THAT(
      std::string(Refused(kAdmin, kVault, "shutdown", ShutdownRequest(),
                          "feed ETH: no quorum: 0 fresh reports, 1 required")
                      .status.message()),
      ::testing::HasSubstr("method shutdown: aborted: shutdown: "));
  Post("2000");
  Ok(kAdmin, kVault, "shutdown", ShutdownRequest());
  ASSERT_EQ(EventsOf<ShutdownEvent>().size(), 1u);
  EXPECT_THAT(EventsOf<ShutdownEvent>()[0].prices(),
              ElementsAre(PriceOf("2000")));
  ExpectBooksBalance();
  EXPECT_TRUE(Global().shut());
  EXPECT_EQ(Type(type_).end_price(), PriceOf("2000"));

  OpenRequest open;
  open.set_type(type_);
  Refused(kAlice, kVault, "open", open, "open: system is shut down");
  for (const char* method : {"deposit", "withdraw", "mint", "repay"}) {
    Refused(kAlice, kVault, method, Amount(id, 1),
            std::string(method) + ": system is shut down");
  }
  CloseRequest close;
  close.set_id(id);
  Refused(kAlice, kVault, "close", close, "close: system is shut down");
  OpenAndMintRequest om;
  om.set_type(type_);
  om.set_collateral(kEth);
  om.set_amount(100 * kUsd);
  Refused(kAlice, kVault, "open_and_mint", om,
          "open_and_mint: system is shut down");
  Refused(kBob, kVault, "redeem", RedeemOf(type_, 100 * kUsd, 4),
          "redeem: system is shut down");
  LiquidateRequest liquidate;
  liquidate.set_id(id);
  Refused(kBob, kVault, "liquidate", liquidate,
          "liquidate: system is shut down");
  Refused(kAdmin, kVault, "shutdown", ShutdownRequest(),
          "shutdown: system is shut down");
  AddTypeRequest add;
  add.set_name("ETH-B");
  add.set_token(kColl);
  add.set_feed("ETH");
  *add.mutable_config() = StandardConfig();
  Refused(kAdmin, kVault, "add_type", add, "add_type: system is shut down");

  // The rate is frozen: a day later the debt and the books are the same.
  AccountingView books = Books();
  std::string rate = Type(type_).rate();
  Advance(24 * 3600);
  DripRequest drip;
  drip.set_type(type_);
  Ok(kBob, kVault, "drip", drip);
  EXPECT_EQ(Type(type_).rate(), rate);
  EXPECT_EQ(Books().debt(), books.debt());
  EXPECT_EQ(Books().surplus(), books.surplus());
}

TEST_F(VaultSettlementTest, SkimThawAndCashSettleEveryone) {
  uint64_t a = Open(kAlice, 10 * kEth, 10'000 * kUsd);  // 2.0
  uint64_t b = Open(kBob, 10 * kEth, 13'000 * kUsd);    // 1.54
  OpenRequest open;
  open.set_type(type_);
  uint64_t c = Ok<OpenResponse>(kAlice, kVault, "open", open).id();
  Ok(kAlice, kVault, "deposit", Amount(c, 5 * kEth));  // no debt

  SkimRequest skim;
  skim.set_id(a);
  FreeRequest free;
  free.set_id(c);
  Refused(kBob, kVault, "skim", skim, "skim: the system is not shut down");
  Refused(kAlice, kVault, "free", free, "free: the system is not shut down");
  Refused(kBob, kVault, "thaw", ThawRequest(),
          "thaw: the system is not shut down");

  // Frozen at $1,200: a's 10,000 owes 833,333,333.3 base units (rounded
  // up); b's 13,000 is covered only up to 12,000 by its 10 ETH.
  Post("1200");
  Shutdown();
  CashRequest cash;
  cash.set_amount(kUsd);
  Refused(kAlice, kVault, "cash", cash, "cash: the system is not thawed yet");
  Refused(kBob, kVault, "thaw", ThawRequest(),
          "thaw: type ETH-A still has 2 positions with debt: skim them first");
  free.set_id(a);
  Refused(kAlice, kVault, "free", free,
          "free: position 1 still has debt: skim it first");

  SkimResponse sa = Skim(a);
  EXPECT_EQ(sa.collateral(), 833'333'334u);
  EXPECT_EQ(sa.shortfall(), 0u);
  Refused(kBob, kVault, "skim", skim, "skim: position 1 has no debt to settle");
  skim.set_id(c);
  Refused(kBob, kVault, "skim", skim, "skim: position 3 has no debt to settle");
  Refused(kBob, kVault, "thaw", ThawRequest(),
          "thaw: type ETH-A still has 1 positions with debt");
  SkimResponse sb = Skim(b);
  EXPECT_EQ(sb.collateral(), 10 * kEth);
  EXPECT_EQ(sb.shortfall(), 1'000 * kUsd);
  AccountingView books = Books();
  EXPECT_EQ(books.debt(), "0");
  EXPECT_EQ(Big(books.bad_debt()), Big(1'000 * kUsd) * kRayBig);
  EXPECT_EQ(Big(books.settled()), Big(22'000 * kUsd) * kRayBig);
  uint64_t pool = 833'333'334 + 10 * kEth;
  EXPECT_EQ(Type(type_).pool(), pool);

  // The owners take what the settlement left them.
  free.set_id(a);
  Refused(kBob, kVault, "free", free, "free: not the owner of position 1");
  EXPECT_EQ(Ok<FreeResponse>(kAlice, kVault, "free", free).collateral(),
            10 * kEth - 833'333'334);
  Refused(kAlice, kVault, "free", free, "free: no position 1");
  free.set_id(c);
  EXPECT_EQ(Ok<FreeResponse>(kAlice, kVault, "free", free).collateral(),
            5 * kEth);
  ExpectCollateralConserved();

  Ok(kBob, kVault, "thaw", ThawRequest());
  ExpectBooksBalance();
  Refused(kBob, kVault, "thaw", ThawRequest(), "thaw: already thawed");
  // The bad debt is a haircut: 23,000 stable share the pool.
  books = Books();
  EXPECT_EQ(books.bad_debt(), "0");
  EXPECT_EQ(Big(books.settled()), Big(23'000 * kUsd) * kRayBig);
  Big fix = Big(pool) * kRayBig / Big(23'000 * kUsd);
  EXPECT_EQ(Type(type_).fix(), fix.str());

  cash.set_amount(30'000 * kUsd);
  Refused(kAlice, kVault, "cash", cash,
          "cash: 30000000000 is more than the stable outstanding");
  Big paid = 0;
  CashResponse alice = Cash(kAlice, 10'000 * kUsd);
  ASSERT_EQ(alice.collateral_size(), 1);
  EXPECT_EQ(Big(alice.collateral(0)), Big(10'000 * kUsd) * fix / kRayBig);
  paid += alice.collateral(0);
  // Every holder gets the same per unit.
  CashResponse bob1 = Cash(kBob, 6'500 * kUsd);
  cash.set_amount(1);
  Refused(kAlice, kVault, "cash", cash, "burn: insufficient balance");
  CashResponse bob2 = Cash(kBob, 6'500 * kUsd);
  EXPECT_EQ(bob1.collateral(0), bob2.collateral(0));
  EXPECT_EQ(Big(bob1.collateral(0)), Big(6'500 * kUsd) * fix / kRayBig);
  paid += bob1.collateral(0) + bob2.collateral(0);
  Refused(kBob, kVault, "cash", cash,
          "cash: 1 is more than the stable outstanding");
  EXPECT_LE(paid, Big(pool));
  EXPECT_EQ(Big(Type(type_).pool()), Big(pool) - paid);
  EXPECT_LE(Type(type_).pool(), 3u);  // rounding dust only
  EXPECT_EQ(Books().settled(), "0");
  EXPECT_EQ(Books().stable_supply(), 0u);
}

// Random opens, mints, repays, deposits, withdrawals, price moves, time and
// redemptions, then shutdown, skims in random order, frees, thaw and cash:
// after every step the books balance and the collateral is conserved.
TEST_F(VaultSettlementTest, RandomSequencesKeepTheBooksAndTheCollateral) {
  SetFee(Ray("1.000000001"));
  std::mt19937_64 rng(20261204);
  const std::string users[] = {kAlice, kBob};
  std::vector<uint64_t> ids;
  auto pick = [&](uint64_t n) { return rng() % n; };
  auto attempt = [&](const std::string& who, const std::string& method,
                     const google::protobuf::Message& req) {
    if (!Run(who, kVault, method, req).status.ok()) return false;
    Ok(who, kVault, method, req);
    return true;
  };
  int redeemed = 0;
  for (int step = 0; step < 70; ++step) {
    const std::string& who = users[pick(2)];
    switch (pick(7)) {
      case 0: {
        OpenAndMintRequest req;
        req.set_type(type_);
        req.set_collateral((1 + pick(20)) * kEth / 2);
        req.set_amount((100 + pick(10'000)) * kUsd);
        wasm::CallOutcome out = Run(who, kVault, "open_and_mint", req);
        if (out.status.ok()) {
          ids.push_back(
              Ok<OpenResponse>(who, kVault, "open_and_mint", req).id());
        }
        break;
      }
      case 1:
      case 2: {
        if (ids.empty()) break;
        uint64_t id = ids[pick(ids.size())];
        std::optional<PositionView> v = Find(id);
        const char* methods[] = {"mint", "repay", "deposit", "withdraw"};
        const char* method = methods[pick(4)];
        attempt(v->owner(), method, Amount(id, 1 + pick(3'000 * kUsd)));
        break;
      }
      case 3:
        Post(std::to_string(1'500 + pick(1'000)));
        break;
      case 4:
        Advance(static_cast<int64_t>(pick(7 * 24 * 3600)));
        Post(std::to_string(1'500 + pick(1'000)));
        break;
      default: {
        uint64_t have = Balance(kStable, who);
        if (have == 0) break;
        if (attempt(who, "redeem",
                    RedeemOf(type_, 1 + pick(have), 1 + pick(8)))) {
          ++redeemed;
        }
      }
    }
    ExpectBooksBalance();
    ExpectCollateralConserved();
    if (HasFatalFailure() || HasFailure()) FAIL() << "step " << step;
  }
  EXPECT_GT(redeemed, 0);

  Post(std::to_string(1'200 + pick(800)));
  Shutdown();
  ExpectCollateralConserved();
  std::shuffle(ids.begin(), ids.end(), rng);
  for (uint64_t id : ids) {
    std::optional<PositionView> v = Find(id);
    if (v && v->art() != 0) Skim(id);
    if (HasFailure()) FAIL() << "skim " << id;
  }
  for (uint64_t id : ids) {
    std::optional<PositionView> v = Find(id);
    if (!v) continue;
    FreeRequest free;
    free.set_id(id);
    Ok(v->owner(), kVault, "free", free);
    ExpectCollateralConserved();
  }
  Ok(kBob, kVault, "thaw", ThawRequest());
  ExpectBooksBalance();
  ExpectCollateralConserved();
  uint64_t pool = Type(type_).pool();
  Big paid = 0;
  for (const std::string& who : users) {
    uint64_t have = Balance(kStable, who);
    // In two pieces: rounding down twice never pays more.
    uint64_t half = have / 2;
    if (half != 0) paid += Cash(who, half).collateral(0);
    if (have - half != 0) paid += Cash(who, have - half).collateral(0);
  }
  EXPECT_LE(paid, Big(pool));
  EXPECT_EQ(Big(Type(type_).pool()), Big(pool) - paid);
  EXPECT_EQ(Books().stable_supply(), 0u);
  EXPECT_EQ(Books().settled(), "0");
}

}  // namespace
}  // namespace ballast::vault
