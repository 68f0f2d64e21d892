// The whole collateral system under random use: positions opened, topped
// up, drawn on, repaid and withdrawn by two users, prices moving, time
// passing, keepers liquidating and buyers taking auctions, all on the real
// modules. After every step (issue 9's invariants):
//   (a) the books balance exactly: supply * RAY + surplus = debt + auction
//       debt + bad debt;
//   (b) no action but a price move makes a safe position unsafe;
//   (c) a liquidation succeeds only on a position unsafe at the price;
//   (d) collateral is conserved: the engine holds its positions', the
//       auction its running lots, and users, engine and auction together
//       hold the token's whole supply;
//   (e) only the engine mints the stable token.
// Failed steps must change nothing (the fixture's Run applies nothing;
// every successful step is re-run through Ok, which applies it).

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/contracts/vault_fixture.h"

namespace ballast::vault {
namespace {

class VaultSystemTest : public VaultTest {
 protected:
  // Runs a step; if it succeeds, applies it and returns true.
  bool Try(const std::string& sender, const std::string& contract,
           const std::string& method,
           const google::protobuf::Message& request) {
    wasm::CallOutcome out = Run(sender, contract, method, request);
    if (!out.status.ok()) {
      last_error_ = std::string(out.status.message());
      return false;
    }
    Ok(sender, contract, method, request);
    // (e): every stable mint in the step is the engine's.
    for (const token::MintEvent& mint : EventsOf<token::MintEvent>(kStable)) {
      EXPECT_EQ(mint.minter(), kVault) << method;
    }
    return true;
  }

  std::map<uint64_t, bool> SafeNow() {
    std::map<uint64_t, bool> safe;
    for (uint64_t id : ids_) {
      PositionRequest req;
      req.set_id(id);
      if (!Run(kBob, kVault, "position", req).status.ok()) continue;
      PositionView view = Position(id);
      safe[id] = view.safe();
    }
    return safe;
  }

  void CheckInvariants() {
    ExpectBooksBalance();
    TypeInfoRequest info;
    info.set_type(type_);
    TypeView type = Ok<TypeView>(kBob, kVault, "type_info", info);
    auction::InfoResponse sales = Ok<auction::InfoResponse>(
        kBob, kAuction, "info", auction::InfoRequest());
    ASSERT_EQ(Balance(kColl, kVault), type.collateral());
    ASSERT_EQ(Balance(kColl, kAuction), sales.lot());
    uint64_t held = 0;
    for (const std::string& who : {kAlice, kBob, kKeeper, kVault, kAuction}) {
      held += Balance(kColl, who);
    }
    ASSERT_EQ(held, 1000 * kEth);
    token::MintersResponse minters = Ok<token::MintersResponse>(
        kBob, kStable, "minters", token::MintersRequest());
    ASSERT_THAT(minters.minters(), ::testing::ElementsAre(kVault));
  }

  std::vector<uint64_t> ids_;
  std::string last_error_;
};

TEST_F(VaultSystemTest, RandomUseKeepsEveryInvariant) {
  std::mt19937_64 rng(9);
  auto pick = [&](uint64_t n) { return rng() % n; };
  uint64_t usd = 2000;
  int liquidations = 0, takes = 0, refusals = 0;
  for (int step = 0; step < 120; ++step) {
    const std::string& user = pick(2) == 0 ? kAlice : kBob;
    std::map<uint64_t, bool> before = SafeNow();
    bool price_moved = false;
    int action = static_cast<int>(pick(9));
    uint64_t id = ids_.empty() ? 0 : ids_[pick(ids_.size())];
    switch (action) {
      case 0: {  // open at a ratio between 1.4 and 2.5 of the limit
        OpenAndMintRequest req;
        req.set_type(type_);
        uint64_t coll = (1 + pick(10)) * kEth;
        req.set_collateral(coll);
        uint64_t value = coll / 100 * usd;  // stable base units
        req.set_amount(value * 10 / (14 + pick(12)));
        if (Try(user, kVault, "open_and_mint", req)) {
          ids_.push_back(EventsOf<OpenEvent>(kVault).at(0).id());
        } else {
          ++refusals;
        }
        break;
      }
      case 1:
      case 2: {  // mint, repay, deposit or withdraw a random amount
        if (id == 0) break;
        const char* methods[] = {"mint", "repay", "deposit", "withdraw"};
        const char* method = methods[pick(4)];
        bool coll = method[0] == 'd' || method[0] == 'w';
        AmountRequest req;
        req.set_id(id);
        req.set_amount(coll ? 1 + pick(3 * kEth) : 1 + pick(5'000 * kUsd));
        PositionView owner_view = Position(id);
        if (!Try(owner_view.owner(), kVault, method, req)) ++refusals;
        break;
      }
      case 3:
      case 4: {  // the market moves up to 8% either way
        usd = usd * (92 + pick(17)) / 100;
        if (usd < 200) usd = 200;
        Post(std::to_string(usd));
        price_moved = true;
        break;
      }
      case 5:
      case 6: {  // a keeper liquidates a random position
        if (id == 0) break;
        bool was_unsafe = before.count(id) && !before[id];
        LiquidateRequest req;
        req.set_id(id);
        bool ok = Try(kKeeper, kVault, "liquidate", req);
        ASSERT_TRUE(!ok || was_unsafe)  // (c)
            << "step " << step << ": liquidated safe position " << id;
        if (ok) ++liquidations;
        if (!ok && was_unsafe) {
          EXPECT_THAT(last_error_,
                      ::testing::AnyOf(::testing::HasSubstr("throttled"),
                                       ::testing::HasSubstr("dust"),
                                       ::testing::HasSubstr("no debt")));
        }
        break;
      }
      case 7: {  // a buyer takes part of the oldest sale at market
        auction::ListRequest list;
        list.set_limit(1);
        auto running = Ok<auction::ListResponse>(kBob, kAuction, "list", list);
        if (running.sales_size() == 0) break;
        auction::TakeRequest req;
        req.set_sale(running.sales(0).sale());
        req.set_amount(1 + pick(10 * kEth));
        req.set_max_price(PriceOf(std::to_string(usd)));
        if (Try(user, kAuction, "take", req)) {
          ++takes;
        } else {
          auction::RedoRequest redo;
          redo.set_sale(running.sales(0).sale());
          Try(kKeeper, kAuction, "redo", redo);
        }
        break;
      }
      default:  // time passes; the reporter keeps the feed fresh
        Advance(static_cast<int64_t>(pick(600)));
        Post(std::to_string(usd));
        break;
    }
    CheckInvariants();
    if (HasFatalFailure()) return;
    if (!price_moved) {
      // (b): fees are off in this type, so only prices change safety.
      std::map<uint64_t, bool> after = SafeNow();
      for (const auto& [pid, safe] : before) {
        if (safe && after.count(pid)) {
          ASSERT_TRUE(after[pid]) << "step " << step << " (action " << action
                                  << ") made position " << pid << " unsafe";
        }
      }
    }
  }
  // The run exercised what it claims to.
  EXPECT_GT(ids_.size(), 5u);
  EXPECT_GT(liquidations, 0);
  EXPECT_GT(takes, 0);
  EXPECT_GT(refusals, 0);
}

}  // namespace
}  // namespace ballast::vault
