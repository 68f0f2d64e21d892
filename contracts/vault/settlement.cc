// Vault engine: emergency shutdown and global settlement (Maker's End, one
// position per call). Interface, the books at each step and the choices
// made: vault.proto (shutdown); internals: engine.h.

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
#include "vault/index.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {
namespace {

// a / c rounded down, as a U256 (the quotient may exceed 2^128).
// REQUIRES: c > 0.
U256 DivWide(const U256& a, u128 c) {
  u128 hi = a.hi / c;
  u128 lo = 0, rem = 0;
  // (a.hi % c) * 2^128 + a.lo over c fits 128 bits, as a.hi % c < c.
  DivRem(U256{a.hi % c, a.lo}, c, &lo, &rem);
  return U256{hi, lo};
}

// The collateral a holder's `amount` stable is worth after thaw:
// floor(amount * fix / RAY), at most the pool.
uint64_t CashOf(const Type& t, uint64_t amount) {
  U256 fix;
  if (!DecodeU256(t.rec.fix, &fix)) Abort("vault: storage: corrupt fix");
  u128 paid = Div(Mul(fix, u128{amount}, "cash: collateral"), kRay,
                  Round::kDown, "cash: collateral");
  if (paid > t.rec.pool) {
    Abort({"vault: pool of type ", t.rec.name, " is short: ", ToDecimal(paid),
           " > ", ToDecimal(uint64_t{t.rec.pool})});
  }
  return static_cast<uint64_t>(paid);
}

}  // namespace

ShutdownResponse Vault::shutdown(const ShutdownRequest&) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "shutdown");
  RequireLive(g, "shutdown");
  // Every price first: an unusable feed refuses the shutdown, naming it.
  u128 prices[kMaxTypes + 1] = {};
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    prices[id] = ReadPrice(g, LoadType(id, "shutdown"), "shutdown").current;
  }
  ShutdownEvent event;
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    Type t = LoadType(id, "shutdown");
    Drip(t);  // the rate freezes with end_price (AccruedRate)
    t.rec.end_price = EncodeU128(prices[id]);
    StoreType(t);
    event.prices.push_back(ToDecimal(prices[id]));
  }
  g.shut = true;
  StoreMessage(kGlobalKey, g);
  Emit(event);
  return {};
}

SkimResponse Vault::skim(const SkimRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireShut(g, "skim");
  PositionRecord p = LoadPosition(request.id, "skim");
  if (p.art == 0) {
    Abort({"skim: position ", ToDecimal(request.id), " has no debt to settle"});
  }
  Type t = LoadType(p.type, "skim");
  u128 price = RayField(t.rec.end_price);
  // The debt in collateral at the frozen price, rounded up; what the
  // collateral does not cover is bad debt.
  U256 debt = DebtRad(p.art, t.rate);
  std::optional<u128> owe = Div(debt, price, Round::kUp);
  uint64_t take = p.collateral;
  if (owe && *owe < take) take = static_cast<uint64_t>(*owe);
  U256 covered = Mul(u128{take}, price);
  U256 backed = covered < debt ? covered : debt;
  U256 bad = Sub(debt, backed, "skim: bad debt");

  PositionRecord after = p;
  after.art = 0;
  after.collateral = p.collateral - take;
  t.rec.art -= p.art;
  t.rec.collateral -= take;
  t.rec.pool = CheckedAdd(t.rec.pool, take, "skim: pool");
  SubRad(kDebtKey, debt);
  AddRad(kSettledKey, backed);
  if (bad != U256{}) RecordBadDebt(bad);
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  Emit(SkimEvent{.id = request.id,
                 .collateral = take,
                 .debt = ToDecimal(debt),
                 .bad_debt = ToDecimal(bad)});
  return {.collateral = take,
          .shortfall = static_cast<uint64_t>(
              Div(bad, kRay, Round::kUp, "skim: shortfall"))};
}

SnipResponse Vault::snip(const SnipRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireShut(g, "snip");
  Type t = LoadType(request.type, "snip");
  SaleRecord sale;
  if (!LoadMessage(SaleKey(t.id, request.sale), &sale)) {
    Abort({"snip: no sale ", ToDecimal(request.sale), " of type ", t.rec.name});
  }
  U256 debt;
  if (!DecodeU256(sale.debt, &debt)) Abort("vault: storage: corrupt sale");
  auction::YankResponse yanked =
      Must(auction::AuctionClient(ParseAddress(t.rec.auction, "vault: auction"))
               .yank({.sale = request.sale}),
           "snip: auction");
  // As skim does for a position: the collateral owed at the frozen price,
  // rounded up, at most the lot.
  u128 price = RayField(t.rec.end_price);
  std::optional<u128> owe = Div(debt, price, Round::kUp);
  uint64_t take = yanked.lot;
  if (owe && *owe < take) take = static_cast<uint64_t>(*owe);
  uint64_t returned = yanked.lot - take;
  U256 covered = Mul(u128{take}, price);
  U256 backed = covered < debt ? covered : debt;
  U256 bad = Sub(debt, backed, "snip: bad debt");

  SubRad(kAuctionDebtKey, debt);
  SetTypeAuctionDebt(t, Sub(TypeAuctionDebt(t), debt, "snip: debt"));
  AddRad(kSettledKey, backed);
  if (bad != U256{}) RecordBadDebt(bad);
  t.rec.dirt -= sale.tab < t.rec.dirt ? sale.tab : t.rec.dirt;
  g.dirt -= sale.tab < g.dirt ? sale.tab : g.dirt;
  t.rec.pool = CheckedAdd(t.rec.pool, take, "snip: pool");
  Remove(SaleKey(t.id, request.sale));
  StoreType(t);
  StoreMessage(kGlobalKey, g);
  if (returned != 0) {
    PushCollateral(t, ParseAddress(sale.owner, "vault: sale owner"), returned,
                   "snip");
  }
  Emit(SnipEvent{.type = t.id,
                 .sale = request.sale,
                 .collateral = take,
                 .returned = returned,
                 .debt = ToDecimal(debt),
                 .bad_debt = ToDecimal(bad)});
  return {.collateral = take, .returned = returned};
}

FreeResponse Vault::free(const FreeRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "free");
  RequireShut(LoadGlobal(), "free");
  if (p.art != 0) {
    Abort({"free: position ", ToDecimal(request.id),
           " still has debt: skim it first"});
  }
  Type t = LoadType(p.type, "free");
  UnlinkOwner(p);
  Remove(PositionKey(request.id));
  t.rec.collateral -= p.collateral;
  t.rec.positions -= 1;
  StoreType(t);
  if (p.collateral != 0) PushCollateral(t, Caller(), p.collateral, "free");
  Emit(FreeEvent{.id = request.id, .collateral = p.collateral});
  return {.collateral = p.collateral};
}

ThawResponse Vault::thaw(const ThawRequest&) {
  GlobalRecord g = LoadGlobal();
  RequireShut(g, "thaw");
  if (g.thawed) Abort("thaw: already thawed");
  U256 auct = LoadU256(kAuctionDebtKey);
  if (auct != U256{}) {
    Abort({"thaw: ", ToDecimal(auct),
           " rad of debt is still under auction: snip the auctions first"});
  }
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    Type t = LoadType(id, "thaw");
    IndexStorage storage(id);
    uint64_t indebted = OrderedIndex<IndexStorage>(&storage).Size();
    if (indebted != 0) {
      Abort({"thaw: type ", t.rec.name, " still has ", ToDecimal(indebted),
             " positions with debt: skim them first"});
    }
  }
  uint64_t supply =
      Must(token::TokenClient(StableOf(g, "thaw")).total_supply({}),
           "thaw: stable supply")
          .total_supply;
  // With no debt and no auction debt, supply * RAY + surplus = bad +
  // settled: fold the surplus and the bad debt into the settled figure.
  U256 claims = AmountRad(supply);
  U256 books =
      Sub(Add(LoadU256(kSettledKey), LoadU256(kBadDebtKey), "vault: books"),
          LoadU256(kSurplusKey), "vault: books");
  if (books != claims || LoadU256(kDebtKey) != U256{}) {
    Abort("vault: books do not balance at thaw");
  }
  StoreU256(kSettledKey, claims);
  StoreU256(kSurplusKey, U256{});
  StoreU256(kBadDebtKey, U256{});

  ThawEvent event{.supply = supply};
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    Type t = LoadType(id, "thaw");
    U256 fix = supply == 0 ? U256{} : DivWide(AmountRad(t.rec.pool), supply);
    t.rec.fix = EncodeU256(fix);
    StoreType(t);
    event.fix.push_back(ToDecimal(fix));
  }
  g.thawed = true;
  StoreMessage(kGlobalKey, g);
  Emit(event);
  return {};
}

CashResponse Vault::cash(const CashRequest& request) {
  GlobalRecord g = LoadGlobal();
  if (!g.thawed) {
    Abort(
        "cash: the system is not thawed yet (shutdown, skim every "
        "position, then thaw)");
  }
  if (request.amount == 0) Abort("cash: amount must be positive");
  Address stable = StableOf(g, "cash");
  // settled = the supply * RAY after thaw; a larger amount cannot be burned.
  U256 settled = LoadU256(kSettledKey);
  if (AmountRad(request.amount) > settled) {
    Abort({"cash: ", ToDecimal(uint64_t{request.amount}),
           " is more than the stable outstanding"});
  }
  CashResponse out;
  Type types[kMaxTypes + 1];
  uint64_t paid[kMaxTypes + 1] = {};
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    types[id] = LoadType(id, "cash");
    paid[id] = CashOf(types[id], request.amount);
    types[id].rec.pool -= paid[id];
    StoreType(types[id]);
    out.collateral.push_back(paid[id]);
  }
  StoreU256(kSettledKey,
            Sub(settled, AmountRad(request.amount), "vault: settled"));
  Must(token::TokenClient(stable).burn(
           {.from = Caller().str(), .amount = request.amount}),
       "cash: stable");
  for (uint32_t id = 1; id <= g.types && id <= kMaxTypes; ++id) {
    if (paid[id] != 0) PushCollateral(types[id], Caller(), paid[id], "cash");
  }
  Emit(CashEvent{.holder = Caller().str(),
                 .amount = request.amount,
                 .collateral = out.collateral});
  return out;
}

}  // namespace ballast::vault
