// Vault engine: liquidation (Maker's Dog) and the callbacks of the types'
// auction contracts (contracts/auction/). Interface and rules: vault.proto;
// internals: engine.h.
//
// Books: liquidating moves a position's debt D = dart * rate (rad) from
// "debt" to "auct" and records it in the sale's SaleRecord; each payment y
// burns y stable and takes min(y * RAY, D left) off "auct", the rest (the
// penalty) going to the surplus; a sale that ends with D left records it
// as bad debt. Keeper rewards are minted from the surplus (bad debt if it
// is short). Each step keeps supply * RAY + surplus = debt + auct + bad.
//
// Throttle (Maker's Hole/hole and Dirt/dirt): the tab (debt times penalty,
// amount) of running sales may not exceed the global `hole`, nor the
// type's; a liquidation takes the part of the position that fits.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auction/auction.ballast.h"
#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "token/token.ballast.h"
#include "vault/engine.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {
namespace {

uint64_t ToU64(u128 v, std::string_view what) {
  if (v > ~uint64_t{0}) Abort({what, ": overflow"});
  return static_cast<uint64_t>(v);
}

// The smallest tab a partial take may leave: dust * penalty (Maker's
// chost), rounded up.
uint64_t Chost(const Type& t) {
  return ToU64(MulDiv(t.rec.dust, t.penalty, kRay, Round::kUp, "chost"),
               "chost");
}

// tip + chip * tab (rounded down).
uint64_t KeeperReward(const Type& t, uint64_t tab) {
  u128 share = MulDiv(tab, t.chip, kRay, Round::kDown, "keeper reward");
  return ToU64(Add(u128{t.rec.tip}, share, "keeper reward"), "keeper reward");
}

// Mints `reward` of stable to the keeper, taken from the surplus; what the
// surplus lacks becomes bad debt (Maker's suck), so keepers are paid even
// at the start of a crash.
void PayReward(const GlobalRecord& g, const Type& t, uint64_t sale,
               const Address& keeper, uint64_t reward,
               std::string_view method) {
  if (reward == 0) return;
  U256 owed = AmountRad(reward);
  U256 surplus = LoadU256(kSurplusKey);
  U256 from_surplus = owed < surplus ? owed : surplus;
  U256 unbacked = Sub(owed, from_surplus, "keeper reward");
  StoreU256(kSurplusKey, Sub(surplus, from_surplus, "surplus"));
  if (unbacked != U256{}) RecordBadDebt(unbacked);
  Must(token::TokenClient(StableOf(g, method))
           .mint({.to = keeper.str(), .amount = reward}),
       method);
  Emit(KeeperPaidEvent{.type = t.id,
                       .sale = sale,
                       .keeper = keeper.str(),
                       .reward = reward,
                       .unbacked = ToDecimal(unbacked)});
}

// The type and the sale of a callback; the caller must be the type's
// auction.
struct SaleContext {
  Type t;
  SaleRecord sale;
  U256 debt;
};

SaleContext LoadSaleFromAuction(uint32_t type, uint64_t sale,
                                std::string_view method) {
  SaleContext c;
  c.t = LoadType(type, method);
  if (c.t.rec.auction.empty() || Caller().bytes() != c.t.rec.auction) {
    Abort({method, ": only the auction of type ", c.t.rec.name});
  }
  if (!LoadMessage(SaleKey(type, sale), &c.sale)) {
    Abort({method, ": no sale ", ToDecimal(sale), " of type ", c.t.rec.name});
  }
  if (!DecodeU256(c.sale.debt, &c.debt)) {
    Abort("vault: storage: corrupt sale debt");
  }
  return c;
}

}  // namespace

LiquidateResponse Vault::liquidate(const LiquidateRequest& request) {
  constexpr std::string_view kMethod = "liquidate";
  GlobalRecord g = LoadGlobal();
  RequireLive(g, kMethod);
  PositionRecord p = LoadPosition(request.id, kMethod);
  Type t = LoadType(p.type, kMethod);
  if (t.rec.auction.empty()) {
    Abort({"liquidate: type ", t.rec.name, " has no auction contract"});
  }
  Address keeper = request.keeper.empty()
                       ? Caller()
                       : ParseAddress(request.keeper, "liquidate: keeper");
  Drip(t);
  if (p.art == 0) {
    Abort({"liquidate: position ", ToDecimal(request.id), " has no debt"});
  }
  Price price = ReadPrice(g, t, kMethod);
  if (SafeAt(p.collateral, p.art, Threshold(t.rate, t.ratio, price.current))) {
    Abort(
        {"liquidate: position ", ToDecimal(request.id), " is safe: ratio ",
         ToFixed(Ratio(p.collateral, p.art, t.rate, price.current).value_or(0),
                 27, 4),
         " >= ", ToFixed(t.ratio, 27, 4), " at price ",
         ToFixed(price.current, 27, 6),
         " (liquidation is only possible below the liquidation ratio)"});
  }

  // How much tab may still go to auction.
  uint64_t global_room = g.hole > g.dirt ? g.hole - g.dirt : 0;
  uint64_t type_room = t.rec.hole > t.rec.dirt ? t.rec.hole - t.rec.dirt : 0;
  uint64_t room = global_room < type_room ? global_room : type_room;
  uint64_t debt = DebtAmount(p.art, t.rate);
  u128 full_tab = MulDiv(debt, t.penalty, kRay, Round::kUp, "liquidate: tab");
  uint64_t dart = p.art;
  if (full_tab > room) {
    // Partial: the debt whose tab fits, as art (rounded down).
    u128 fits = MulDiv(room, kRay, t.penalty, Round::kDown, "liquidate");
    dart = ToU64(Div(AmountRad(ToU64(fits, "liquidate")), t.rate, Round::kDown,
                     "liquidate"),
                 "liquidate");
    if (dart == 0 || DebtRad(dart, t.rate) < AmountRad(t.rec.dust)) {
      Abort({"liquidate: throttled: tab under auction ", ToDecimal(g.dirt),
             " of the global cap ", ToDecimal(g.hole), ", ",
             ToDecimal(t.rec.dirt), " of type ", t.rec.name, "'s cap ",
             ToDecimal(t.rec.hole)});
    }
    if (DebtRad(p.art - dart, t.rate) < AmountRad(t.rec.dust)) {
      Abort(
          {"liquidate: dust: a partial liquidation would leave debt below "
           "the floor ",
           ToDecimal(t.rec.dust), " (wait for running auctions to clear)"});
    }
  }
  uint64_t dink =
      dart == p.art
          ? p.collateral
          : ToU64(MulDiv(p.collateral, dart, p.art, Round::kUp, "liquidate"),
                  "liquidate");
  U256 moved = DebtRad(dart, t.rate);
  uint64_t tab = ToU64(MulDiv(Div(moved, kRay, Round::kUp, "liquidate: debt"),
                              t.penalty, kRay, Round::kUp, "liquidate: tab"),
                       "liquidate: tab");
  uint64_t chost = Chost(t);

  // Books and records.
  SubRad(kDebtKey, moved);
  AddRad(kAuctionDebtKey, moved);
  SetTypeAuctionDebt(t, Add(TypeAuctionDebt(t), moved, "auction debt"));
  t.rec.art -= dart;
  t.rec.collateral -= dink;
  t.rec.dirt = CheckedAdd(t.rec.dirt, tab, "liquidate: dirt");
  g.dirt = CheckedAdd(g.dirt, tab, "liquidate: dirt");
  PositionRecord after = p;
  after.art -= dart;
  after.collateral -= dink;
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  StoreMessage(kGlobalKey, g);

  // The collateral goes to the auction, which starts the sale.
  Address auction = ParseAddress(t.rec.auction, "vault: auction");
  PushCollateral(t, auction, dink, kMethod);
  uint64_t sale = Must(auction::AuctionClient(auction).kick(
                           {.tab = tab,
                            .lot = dink,
                            .owner = p.owner,
                            .keeper = keeper.str(),
                            .price = ToDecimal(price.current),
                            .chost = chost}),
                       "liquidate: auction")
                      .sale;
  if (Load(SaleKey(t.id, sale))) Abort("liquidate: the auction reused a sale");
  StoreMessage(
      SaleKey(t.id, sale),
      SaleRecord{.debt = EncodeU256(moved), .tab = tab, .owner = p.owner});
  Emit(LiquidateEvent{.id = request.id,
                      .type = t.id,
                      .sale = sale,
                      .collateral = dink,
                      .debt = DebtAmount(dart, t.rate),
                      .tab = tab,
                      .keeper = keeper.str()});
  uint64_t reward = tab >= chost ? KeeperReward(t, tab) : 0;
  PayReward(g, t, sale, keeper, reward, kMethod);
  return {.sale = sale,
          .collateral = dink,
          .debt = DebtAmount(dart, t.rate),
          .tab = tab,
          .reward = reward};
}

AuctionPaidResponse Vault::auction_paid(const AuctionPaidRequest& request) {
  constexpr std::string_view kMethod = "auction_paid";
  SaleContext c = LoadSaleFromAuction(request.type, request.sale, kMethod);
  if (request.amount == 0 || request.amount > c.sale.tab) {
    Abort({"auction_paid: amount must be 1 to the tab left (",
           ToDecimal(c.sale.tab), ")"});
  }
  GlobalRecord g = LoadGlobal();
  Address payer = ParseAddress(request.payer, "auction_paid: payer");
  U256 paid = AmountRad(request.amount);
  U256 covered = paid < c.debt ? paid : c.debt;
  SubRad(kAuctionDebtKey, covered);
  SetTypeAuctionDebt(c.t, Sub(TypeAuctionDebt(c.t), covered, "auction debt"));
  CreditSurplus(Sub(paid, covered, "auction_paid"));
  c.debt = Sub(c.debt, covered, "auction_paid");
  c.sale.debt = EncodeU256(c.debt);
  c.sale.tab -= request.amount;
  c.t.rec.dirt -= request.amount < c.t.rec.dirt ? request.amount : c.t.rec.dirt;
  g.dirt -= request.amount < g.dirt ? request.amount : g.dirt;
  StoreMessage(SaleKey(c.t.id, request.sale), c.sale);
  StoreType(c.t);
  StoreMessage(kGlobalKey, g);
  Must(token::TokenClient(StableOf(g, kMethod))
           .burn({.from = payer.str(), .amount = request.amount}),
       "auction_paid: stable");
  Emit(AuctionPaidEvent{.type = c.t.id,
                        .sale = request.sale,
                        .payer = payer.str(),
                        .amount = request.amount,
                        .tab = c.sale.tab});
  return {.tab = c.sale.tab};
}

AuctionClosedResponse Vault::auction_closed(
    const AuctionClosedRequest& request) {
  SaleContext c =
      LoadSaleFromAuction(request.type, request.sale, "auction_closed");
  GlobalRecord g = LoadGlobal();
  // What the sale did not raise: its debt becomes bad debt; its tab leaves
  // the throttle.
  SubRad(kAuctionDebtKey, c.debt);
  SetTypeAuctionDebt(c.t, Sub(TypeAuctionDebt(c.t), c.debt, "auction debt"));
  RecordBadDebt(c.debt);
  c.t.rec.dirt -= c.sale.tab < c.t.rec.dirt ? c.sale.tab : c.t.rec.dirt;
  g.dirt -= c.sale.tab < g.dirt ? c.sale.tab : g.dirt;
  Remove(SaleKey(c.t.id, request.sale));
  StoreType(c.t);
  StoreMessage(kGlobalKey, g);
  Emit(AuctionClosedEvent{
      .type = c.t.id, .sale = request.sale, .bad_debt = ToDecimal(c.debt)});
  return {.bad_debt = ToDecimal(c.debt)};
}

PayKeeperResponse Vault::pay_keeper(const PayKeeperRequest& request) {
  SaleContext c = LoadSaleFromAuction(request.type, request.sale, "pay_keeper");
  GlobalRecord g = LoadGlobal();
  Address keeper = ParseAddress(request.keeper, "pay_keeper: keeper");
  uint64_t reward = KeeperReward(c.t, c.sale.tab);
  PayReward(g, c.t, request.sale, keeper, reward, "pay_keeper");
  return {.reward = reward};
}

}  // namespace ballast::vault
