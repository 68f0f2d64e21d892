// The vault engine's rules, run as the chain runs them: the real vault.wasm
// with the real oracle.wasm and two instances of token.wasm (the stable
// token, minted only by the engine, and a collateral token) in the runtime.
// After every successful step the books must balance exactly:
//   stable supply * RAY + surplus = debt + debt under auction + bad debt.

#include <boost/multiprecision/cpp_int.hpp>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "contracts/oracle/oracle.pb.h"
#include "contracts/token/token.pb.h"
#include "contracts/vault/vault.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/contracts/vault_fixture.h"

namespace ballast::vault {
namespace {

using test::Addr;
using ::testing::HasSubstr;

TEST_F(VaultTest, OpenDepositMintRepayWithdrawClose) {
  OpenRequest open;
  open.set_type(type_);
  uint64_t id = Ok<OpenResponse>(kAlice, kVault, "open", open).id();
  EXPECT_EQ(id, 1u);
  EXPECT_THAT(EventNames(), ::testing::ElementsAre("OpenEvent"));

  Ok(kAlice, kVault, "deposit", Amount(id, 10 * kEth));
  EXPECT_EQ(Balance(kColl, kVault), 10 * kEth);
  // $20,000 of collateral at 150% carries at most $13,333.33.
  Ok(kAlice, kVault, "mint", Amount(id, 13'000 * kUsd));
  EXPECT_EQ(EventsOf<DrawEvent>().size(), 1u);
  EXPECT_EQ(EventsOf<token::MintEvent>(kStable).at(0).minter(), kVault);
  EXPECT_EQ(Balance(kStable, kAlice), 13'000 * kUsd);
  ExpectBooksBalance();

  PositionView view = Position(id);
  EXPECT_EQ(view.collateral(), 10 * kEth);
  EXPECT_EQ(view.debt(), 13'000 * kUsd);
  EXPECT_TRUE(view.safe());
  // 20,000 / 13,000 = 1.538...
  EXPECT_EQ(view.ratio().substr(0, 5), "15384");
  EXPECT_EQ(view.ratio().size(), 28u);

  Ok(kAlice, kVault, "repay", Amount(id, 3'000 * kUsd));
  EXPECT_EQ(Balance(kStable, kAlice), 10'000 * kUsd);
  ExpectBooksBalance();
  Ok(kAlice, kVault, "withdraw", Amount(id, 2 * kEth));
  EXPECT_EQ(Balance(kColl, kVault), 8 * kEth);

  CloseRequest close;
  close.set_id(id);
  CloseResponse closed = Ok<CloseResponse>(kAlice, kVault, "close", close);
  EXPECT_EQ(closed.repaid(), 10'000 * kUsd);
  EXPECT_EQ(closed.collateral(), 8 * kEth);
  EXPECT_EQ(Balance(kStable, kAlice), 0u);
  EXPECT_EQ(Balance(kColl, kVault), 0u);
  EXPECT_EQ(Balance(kColl, kAlice), 900 * kEth);
  ExpectBooksBalance();
  PositionRequest gone;
  gone.set_id(id);
  Refused(kAlice, kVault, "position", gone, "position: no position 1");
}

TEST_F(VaultTest, MintAndWithdrawMustLeaveThePositionSafe) {
  uint64_t id = Open(kAlice, 10 * kEth, 10'000 * kUsd);
  Refused(kAlice, kVault, "mint", Amount(id, 3'400 * kUsd),
          "mint: position 1 would be below the liquidation ratio: ratio "
          "1.4925 < 1.5 at price 20 (feed ETH)");
  Ok(kAlice, kVault, "mint", Amount(id, 3'333 * kUsd));
  Refused(kAlice, kVault, "withdraw", Amount(id, 1'000'000),
          "withdraw: position 1 would be below the liquidation ratio");
  // Deposit and repay only make a position safer: always allowed.
  Ok(kAlice, kVault, "deposit", Amount(id, kEth));
  Ok(kAlice, kVault, "withdraw", Amount(id, kEth / 2));
}

TEST_F(VaultTest, OnlyTheOwnerMovesAPosition) {
  uint64_t id = Open(kAlice, 10 * kEth, 1'000 * kUsd);
  for (const char* method : {"deposit", "withdraw", "mint", "repay"}) {
    Refused(kBob, kVault, method, Amount(id, 1),
            std::string(method) + ": not the owner of position 1");
  }
  CloseRequest close;
  close.set_id(id);
  Refused(kBob, kVault, "close", close, "close: not the owner of position 1");
}

TEST_F(VaultTest, CeilingsAndDust) {
  Refused(
      kAlice, kVault, "open_and_mint",
      [&] {
        OpenAndMintRequest req;
        req.set_type(type_);
        req.set_collateral(10 * kEth);
        req.set_amount(50 * kUsd);
        return req;
      }(),
      "open_and_mint: dust: position debt 50000000 would be below the "
      "floor 100000000");
  SetLine(20'000 * kUsd);
  uint64_t id = Open(kAlice, 100 * kEth, 19'000 * kUsd);
  Refused(kAlice, kVault, "mint", Amount(id, 2'000 * kUsd),
          "mint: type ETH-A debt ceiling exceeded: 19000000000 + 2000000000 "
          "> 20000000000");
  SetGlobalRequest global;
  global.set_line(15'000 * kUsd);
  Ok(kAdmin, kVault, "set_global", global);
  Refused(kAlice, kVault, "mint", Amount(id, 100 * kUsd),
          "mint: global debt ceiling exceeded");
  // Repaying may not leave dust either; repaying everything may.
  Refused(kAlice, kVault, "repay", Amount(id, 18'950 * kUsd),
          "repay: dust: position debt 50000000 would be below the floor");
  Ok(kAlice, kVault, "repay", Amount(id, 20'000 * kUsd));
  EXPECT_EQ(Position(id).debt(), 0u);
  EXPECT_EQ(Balance(kStable, kAlice), 0u);
  ExpectBooksBalance();
}

TEST_F(VaultTest, AStalePriceBlocksMintingAndWithdrawalNotRepayment) {
  uint64_t id = Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Advance(3601);
  // The one report is older than the feed's max age.
  Refused(kAlice, kVault, "mint", Amount(id, 100 * kUsd),
          "feed ETH: no quorum: 0 fresh reports, 1 required");
  Refused(kAlice, kVault, "withdraw", Amount(id, kEth),
          "feed ETH: no quorum: 0 fresh reports, 1 required");
  Ok(kAlice, kVault, "deposit", Amount(id, kEth));
  Ok(kAlice, kVault, "repay", Amount(id, 100 * kUsd));
  // A position without debt needs no price to withdraw.
  uint64_t empty = Ok<OpenResponse>(kBob, kVault, "open",
                                    [&] {
                                      OpenRequest r;
                                      r.set_type(type_);
                                      return r;
                                    }())
                       .id();
  Ok(kBob, kVault, "deposit", Amount(empty, kEth));
  Ok(kBob, kVault, "withdraw", Amount(empty, kEth));
  Post("2000");
  Ok(kAlice, kVault, "mint", Amount(id, 100 * kUsd));
}

TEST_F(VaultTest, FeesCompoundIntoDebtAndSurplus) {
  // 5% a year.
  SetFee("1000000001547125957863212448");
  uint64_t id = Open(kAlice, 100 * kEth, 100'000 * kUsd);
  Advance(365 * 24 * 3600);
  Post("2000");
  DripRequest drip;
  drip.set_type(type_);
  Ok(kBob, kVault, "drip", drip);
  ExpectBooksBalance();
  PositionView view = Position(id);
  // 105,000 within a cent, never below.
  EXPECT_GE(view.debt(), 105'000 * kUsd);
  EXPECT_LE(view.debt(), 105'000 * kUsd + 10'000);
  Big surplus(Books().surplus());
  EXPECT_GE(surplus, Big(4'999 * kUsd) * kRayBig);
  // Repaying all costs the accrued debt: alice needs 5,000 more than she
  // minted.
  CloseRequest close;
  close.set_id(id);
  Refused(kAlice, kVault, "close", close, "insufficient balance");
}

TEST_F(VaultTest, SetStableAcceptsOnlyATokenThisEngineAloneMints) {
  // A fresh engine whose stable token has another minter too.
  const std::string other_vault = Addr('W');
  const std::string bad_stable = Addr('X');
  Install(other_vault, "vault");
  Install(bad_stable, "token");
  InitRequest init;
  init.set_admin(kAdmin);
  init.set_oracle(kOracle);
  init.set_line(1);
  Deploy(kAdmin, other_vault, init);
  token::InitRequest t;
  t.set_name("Bad");
  t.set_symbol("BAD");
  t.add_minters(other_vault);
  t.add_minters(kAdmin);
  Deploy(kAdmin, bad_stable, t);
  SetStableRequest set;
  set.set_token(bad_stable);
  Refused(kAdmin, other_vault, "set_stable", set,
          "set_stable: the token's minters must be exactly this engine");
  Refused(kBob, other_vault, "set_stable", set, "set_stable: not the admin");
  set.set_token(kStable);
  Refused(kAdmin, kVault, "set_stable", set,
          "set_stable: the stable token is already set");
}

TEST_F(VaultTest, ConfigurationIsValidated) {
  AddTypeRequest add;
  add.set_name("ETH-B");
  add.set_token(kColl);
  add.set_feed("ETH");
  struct Case {
    std::function<void(TypeConfig*)> change;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](TypeConfig* c) { c->set_liquidation_ratio(Ray("1")); },
       "liquidation_ratio must be above 1"},
      {[](TypeConfig* c) { c->set_liquidation_ratio("-1"); },
       "liquidation_ratio: not a canonical non-negative integer"},
      {[](TypeConfig* c) { c->set_liquidation_ratio("1.5"); },
       "liquidation_ratio: not a canonical non-negative integer"},
      {[](TypeConfig* c) { c->set_liquidation_penalty(Ray("0.9")); },
       "liquidation_penalty must be between 1 and 2"},
      {[](TypeConfig* c) { c->set_fee(Ray("1.1")); },
       "fee must be between 1 and 1.000000022 per second"},
      {[](TypeConfig* c) { c->set_fee(std::string(40, '9')); },
       "fee: not a canonical non-negative integer below 2^128"},
      {[](TypeConfig* c) { c->set_dust(c->line() + 1); },
       "dust must not exceed line"},
  };
  for (const Case& c : cases) {
    *add.mutable_config() = StandardConfig();
    c.change(add.mutable_config());
    Refused(kAdmin, kVault, "add_type", add, "add_type: " + c.message);
  }
  *add.mutable_config() = StandardConfig();
  add.set_name("ETH-A");
  Refused(kAdmin, kVault, "add_type", add, "a type named ETH-A exists");
  add.set_name("bad name");
  Refused(kAdmin, kVault, "add_type", add, "name must be 1 to 32 bytes");
  add.set_name("ETH-B");
  Refused(kBob, kVault, "add_type", add, "add_type: not the admin");
}

TEST_F(VaultTest, TheIndexCountsUnsafePositionsAfterAPriceDrop) {
  // Ratios 2.0, 1.8, 1.6 at $2,000.
  uint64_t a = Open(kAlice, 10 * kEth, 10'000 * kUsd);
  uint64_t b = Open(kAlice, 9 * kEth, 10'000 * kUsd);
  uint64_t c = Open(kBob, 8 * kEth, 10'000 * kUsd);
  UnsafeCountRequest count;
  count.set_type(type_);
  EXPECT_EQ(
      Ok<UnsafeCountResponse>(kBob, kVault, "unsafe_count", count).unsafe(),
      0u);
  // At $1,750: 1.75, 1.575, 1.4: one unsafe. At $1,600: two.
  Post("1750");
  EXPECT_EQ(
      Ok<UnsafeCountResponse>(kBob, kVault, "unsafe_count", count).unsafe(),
      1u);
  Post("1600");
  UnsafeCountResponse two =
      Ok<UnsafeCountResponse>(kBob, kVault, "unsafe_count", count);
  EXPECT_EQ(two.unsafe(), 2u);
  EXPECT_EQ(two.indebted(), 3u);
  PositionsByRatioRequest list;
  list.set_type(type_);
  list.set_limit(10);
  PositionsResponse ordered =
      Ok<PositionsResponse>(kBob, kVault, "positions_by_ratio", list);
  ASSERT_EQ(ordered.positions_size(), 3);
  EXPECT_EQ(ordered.positions(0).id(), c);
  EXPECT_EQ(ordered.positions(1).id(), b);
  EXPECT_EQ(ordered.positions(2).id(), a);
  EXPECT_FALSE(ordered.positions(0).safe());
  EXPECT_TRUE(ordered.positions(2).safe());
  // Repaying moves a position up the order.
  Ok(kBob, kVault, "repay", Amount(c, 5'000 * kUsd));
  ordered = Ok<PositionsResponse>(kBob, kVault, "positions_by_ratio", list);
  EXPECT_EQ(ordered.positions(2).id(), c);

  PositionsOfRequest mine;
  mine.set_owner(kAlice);
  mine.set_limit(1);
  PositionsResponse page =
      Ok<PositionsResponse>(kBob, kVault, "positions_of", mine);
  ASSERT_EQ(page.positions_size(), 1);
  EXPECT_EQ(page.positions(0).id(), b);  // newest first
  mine.set_after(page.next());
  page = Ok<PositionsResponse>(kBob, kVault, "positions_of", mine);
  EXPECT_EQ(page.positions(0).id(), a);
  EXPECT_EQ(page.next(), 0u);
}

TEST_F(VaultTest, HealthNamesTheThresholdPrices) {
  uint64_t id = Open(kAlice, 10 * kEth, 10'000 * kUsd);
  HealthRequest req;
  req.set_id(id);
  req.set_price(PriceOf("1400"));
  HealthView at_1400 = Ok<HealthView>(kBob, kVault, "health", req);
  EXPECT_FALSE(at_1400.safe());
  EXPECT_EQ(at_1400.max_mint(), 0u);
  // Unsafe below $1,500: 10,000 * 1.5 / 10 ETH, as a price per base unit.
  EXPECT_EQ(at_1400.liquidation_price(), PriceOf("1500"));
  req.set_price(PriceOf("3000"));
  HealthView at_3000 = Ok<HealthView>(kBob, kVault, "health", req);
  EXPECT_TRUE(at_3000.safe());
  EXPECT_EQ(at_3000.max_mint(), 10'000 * kUsd);
  EXPECT_EQ(at_3000.max_withdraw(), 5 * kEth);
}

TEST_F(VaultTest, ReservesShowWhatBacksTheStableToken) {
  Open(kAlice, 10 * kEth, 10'000 * kUsd);
  Open(kBob, 5 * kEth, 2'000 * kUsd);
  ReservesView r =
      Ok<ReservesView>(kBob, kVault, "reserves", ReservesRequest());
  ASSERT_EQ(r.types_size(), 1);
  EXPECT_EQ(r.types(0).name(), "ETH-A");
  EXPECT_EQ(r.types(0).collateral(), 15 * kEth);
  EXPECT_EQ(r.types(0).value(), std::to_string(30'000 * kUsd));
  EXPECT_EQ(r.types(0).debt(), 12'000 * kUsd);
  EXPECT_EQ(r.types(0).ratio(), Ray("2.5"));
  EXPECT_EQ(r.stable_supply(), 12'000 * kUsd);
  EXPECT_EQ(r.total_debt(), 12'000 * kUsd);
  EXPECT_EQ(r.system_ratio(), Ray("2.5"));
  EXPECT_EQ(r.surplus(), 0u);
  EXPECT_EQ(r.bad_debt(), 0u);
  // A stale feed shows why instead of failing the query.
  Advance(3601);
  r = Ok<ReservesView>(kBob, kVault, "reserves", ReservesRequest());
  EXPECT_EQ(r.types(0).value(), "");
  EXPECT_THAT(r.types(0).price_error(), HasSubstr("feed ETH: no quorum"));
  EXPECT_EQ(r.system_ratio(), "");
  EXPECT_EQ(r.total_debt(), 12'000 * kUsd);
}

// A collateral token is any contract the admin names, so the engine must
// stay whole when one calls back into it mid-operation: the runtime refuses
// the re-entry, and whether the token then fails or carries on, the books
// and the position come out exactly as without the attack.
TEST_F(VaultTest, AHostileTokenCannotReenterTheEngine) {
  const std::string fails = Addr('F');
  const std::string ignores = Addr('I');
  uint32_t types[2];
  for (int i = 0; i < 2; ++i) {
    const std::string& addr = i == 0 ? fails : ignores;
    Install(addr, "reentrant");
    token::InitRequest init;
    init.set_name(i == 0 ? "fail" : "ignore");
    init.set_decimals(i + 1);  // the position it attacks: 1, then 2
    init.set_initial_holder(kAlice);
    init.set_initial_supply(100 * kEth);
    Deploy(kAdmin, addr, init);
    AddTypeRequest add;
    add.set_name(i == 0 ? "RE-FAIL" : "RE-IGNORE");
    add.set_token(addr);
    add.set_feed("ETH");
    *add.mutable_config() = StandardConfig();
    types[i] = Ok<AddTypeResponse>(kAdmin, kVault, "add_type", add).type();
  }
  OpenRequest open;
  open.set_type(types[0]);
  uint64_t first = Ok<OpenResponse>(kAlice, kVault, "open", open).id();
  Refused(kAlice, kVault, "deposit", Amount(first, 10 * kEth),
          "re-entrancy refused");

  open.set_type(types[1]);
  uint64_t second = Ok<OpenResponse>(kAlice, kVault, "open", open).id();
  ASSERT_EQ(second, 2u);
  Ok(kAlice, kVault, "deposit", Amount(second, 10 * kEth));
  PositionView view = Position(second);
  EXPECT_EQ(view.collateral(), 10 * kEth);
  EXPECT_EQ(view.debt(), 0u);
  EXPECT_EQ(Balance(ignores, kVault), 10 * kEth);
  EXPECT_EQ(Books().stable_supply(), 0u);
  ExpectBooksBalance();
}

TEST_F(VaultTest, NothingPartialWhenATokenCallFails) {
  Approve(kColl, kAlice, kVault, 0);
  OpenAndMintRequest req;
  req.set_type(type_);
  req.set_collateral(10 * kEth);
  req.set_amount(1'000 * kUsd);
  Refused(kAlice, kVault, "open_and_mint", req,
          "method transfer_from: aborted: transfer_from: insufficient "
          "allowance (have 0, need 1000000000)");
  Approve(kColl, kAlice, kVault, ~uint64_t{0});
  uint64_t id = Open(kAlice, 10 * kEth, 1'000 * kUsd);
  Approve(kStable, kAlice, kVault, 0);
  Refused(kAlice, kVault, "repay", Amount(id, 500 * kUsd),
          "repay: stable: contract " + ToHex(kStable) +
              " method burn: aborted: burn: insufficient allowance");
}

// Random mints, repays and time steps with a fee: the books balance exactly
// after every step, no position owes less than it minted minus what it
// repaid, and the surplus never shrinks.
TEST_F(VaultTest, RoundingAlwaysFavoursTheSystem) {
  SetFee(Ray("1.000000001"));
  uint64_t id = Open(kAlice, 500 * kEth, 1'000 * kUsd);
  Big minted = 1'000 * kUsd, repaid = 0;
  Big surplus(Books().surplus());
  std::mt19937_64 rng(20261203);
  auto amount = [&] {
    // Amounts from 1 base unit to 50,000 stable, log-uniform.
    uint64_t digits = rng() % 11;
    uint64_t v = 1 + rng() % 10;
    for (uint64_t i = 0; i < digits; ++i) v *= 10;
    return v;
  };
  for (int step = 0; step < 60; ++step) {
    switch (rng() % 3) {
      case 0: {
        uint64_t a = amount();
        if (Run(kAlice, kVault, "mint", Amount(id, a)).status.ok()) {
          Ok(kAlice, kVault, "mint", Amount(id, a));
          minted += a;
        }
        break;
      }
      case 1: {
        uint64_t a = amount();
        if (Run(kAlice, kVault, "repay", Amount(id, a)).status.ok()) {
          AmountResponse burned;
          ASSERT_TRUE(burned.ParseFromString(
              Ok(kAlice, kVault, "repay", Amount(id, a)).output));
          repaid += burned.amount();
        }
        break;
      }
      default:
        Advance(static_cast<int64_t>(rng() % (30 * 24 * 3600)));
        Post("2000");
    }
    ExpectBooksBalance();
    Big now_surplus(Books().surplus());
    ASSERT_GE(now_surplus, surplus) << "step " << step;
    surplus = now_surplus;
    ASSERT_GE(Big(Position(id).debt()), minted - repaid) << "step " << step;
  }
  EXPECT_GT(minted, 1'000 * kUsd);
  EXPECT_GT(repaid, 0);
}

}  // namespace
}  // namespace ballast::vault
