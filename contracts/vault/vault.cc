// Vault engine: collateral types, positions and queries. Interface, units
// and rules: vault.proto; internals and the storage layout: engine.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "token/token.ballast.h"
#include "vault/engine.h"
#include "vault/index.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {

// ---- Admin
// --------------------------------------------------------------------

InitResponse Vault::init(const InitRequest& request) {
  Require(!Load(kGlobalKey), "init: already initialized");
  GlobalRecord g{.admin = ParseAddress(request.admin, "init: admin").str(),
                 .oracle = ParseAddress(request.oracle, "init: oracle").str(),
                 .line = request.line,
                 .hole = request.hole};
  StoreMessage(kGlobalKey, g);
  StoreU256(kDebtKey, U256{});
  StoreU256(kAuctionDebtKey, U256{});
  StoreU256(kBadDebtKey, U256{});
  StoreU256(kSurplusKey, U256{});
  StoreU256(kSettledKey, U256{});
  Emit(AdminEvent{.admin = g.admin});
  Emit(GlobalChangedEvent{.line = g.line, .hole = g.hole});
  return {};
}

SetStableResponse Vault::set_stable(const SetStableRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "set_stable");
  if (!g.stable.empty()) Abort("set_stable: the stable token is already set");
  Address token = ParseAddress(request.token, "set_stable: token");
  token::TokenClient client(token);
  token::MintersResponse minters =
      Must(client.minters({}), "set_stable: token minters");
  if (minters.minters.size() != 1 || minters.minters[0] != Self().bytes()) {
    Abort("set_stable: the token's minters must be exactly this engine");
  }
  token::TotalSupplyResponse supply =
      Must(client.total_supply({}), "set_stable: token supply");
  if (supply.total_supply != 0) {
    Abort("set_stable: the token already has a supply");
  }
  g.stable = token.str();
  StoreMessage(kGlobalKey, g);
  Emit(StableSetEvent{.token = g.stable});
  return {};
}

AddTypeResponse Vault::add_type(const AddTypeRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "add_type");
  RequireLive(g, "add_type");
  if (g.types >= kMaxTypes) Abort("add_type: at most 16 collateral types");
  if (!ValidName(request.name, kMaxNameBytes)) {
    Abort("add_type: name must be 1 to 32 bytes of [A-Za-z0-9/_-]");
  }
  if (Load(NameKey(request.name))) {
    Abort({"add_type: a type named ", request.name, " exists"});
  }
  if (!ValidName(request.feed, kMaxFeedBytes)) {
    Abort("add_type: feed must be 1 to 32 bytes of [A-Za-z0-9/_-]");
  }
  Address token = ParseAddress(request.token, "add_type: token");
  std::string auction;
  if (!request.auction.empty()) {
    auction = ParseAddress(request.auction, "add_type: auction").str();
  }
  Config c = ParseConfig(request.config, "add_type");

  Type t;
  t.id = ++g.types;
  t.rec = TypeRecord{.name = request.name,
                     .token = token.str(),
                     .feed = request.feed,
                     .auction = auction,
                     .line = c.line,
                     .dust = c.dust,
                     .rho_s = NowSeconds()};
  ApplyConfig(c, t);
  t.rate = kRay;
  StoreType(t);
  Store(NameKey(request.name), BigEndian(t.id, 4));
  StoreMessage(kGlobalKey, g);
  Emit(TypeAddedEvent{.type = t.id,
                      .name = t.rec.name,
                      .token = t.rec.token,
                      .feed = t.rec.feed,
                      .auction = t.rec.auction,
                      .config = ConfigView(t)});
  return {.type = t.id};
}

SetTypeResponse Vault::set_type(const SetTypeRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "set_type");
  Type t = LoadType(request.type, "set_type");
  Config c = ParseConfig(request.config, "set_type");
  Drip(t);
  ApplyConfig(c, t);
  if (!request.auction.empty()) {
    t.rec.auction = ParseAddress(request.auction, "set_type: auction").str();
  }
  StoreType(t);
  Emit(TypeChangedEvent{
      .type = t.id, .config = ConfigView(t), .auction = t.rec.auction});
  return {};
}

SetGlobalResponse Vault::set_global(const SetGlobalRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "set_global");
  g.line = request.line;
  g.hole = request.hole;
  StoreMessage(kGlobalKey, g);
  Emit(GlobalChangedEvent{.line = g.line, .hole = g.hole});
  return {};
}

SetAdminResponse Vault::set_admin(const SetAdminRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireAdmin(g, "set_admin");
  g.admin = ParseAddress(request.admin, "set_admin: admin").str();
  StoreMessage(kGlobalKey, g);
  Emit(AdminEvent{.admin = g.admin});
  return {};
}

// ---- Positions
// ----------------------------------------------------------------

OpenResponse Vault::open(const OpenRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "open");
  Type t = LoadType(request.type, "open");
  uint64_t id = OpenPosition(g, t);
  StoreType(t);
  StoreMessage(kGlobalKey, g);
  return {.id = id};
}

AmountResponse Vault::deposit(const AmountRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "deposit");
  if (request.amount == 0) Abort("deposit: amount must be positive");
  RequireLive(LoadGlobal(), "deposit");
  Type t = LoadType(p.type, "deposit");
  PositionRecord after = p;
  after.collateral =
      CheckedAdd(p.collateral, request.amount, "deposit: collateral");
  t.rec.collateral =
      CheckedAdd(t.rec.collateral, request.amount, "deposit: collateral");
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  PullCollateral(t, request.amount, "deposit");
  Emit(DepositEvent{.id = request.id,
                    .amount = request.amount,
                    .collateral = after.collateral});
  return {.amount = request.amount};
}

AmountResponse Vault::withdraw(const AmountRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "withdraw");
  if (request.amount == 0) Abort("withdraw: amount must be positive");
  if (request.amount > p.collateral) {
    Abort({"withdraw: position ", ToDecimal(request.id), " holds only ",
           ToDecimal(p.collateral)});
  }
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "withdraw");
  Type t = LoadType(p.type, "withdraw");
  Drip(t);
  PositionRecord after = p;
  after.collateral = p.collateral - request.amount;
  if (after.art != 0) {
    Price price = ReadPrice(g, t, "withdraw");
    RequireSafe(t, request.id, after.collateral, after.art, price.current,
                "withdraw");
    RequireSafe(t, request.id, after.collateral, after.art, price.worst,
                "withdraw");
  }
  t.rec.collateral -= request.amount;
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  PushCollateral(t, Caller(), request.amount, "withdraw");
  Emit(WithdrawEvent{.id = request.id,
                     .amount = request.amount,
                     .collateral = after.collateral});
  return {.amount = request.amount};
}

AmountResponse Vault::mint(const AmountRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "mint");
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "mint");
  Address stable = StableOf(g, "mint");
  Type t = LoadType(p.type, "mint");
  Drip(t);
  PositionRecord after = p;
  after.art = DrawDebt(g, t, request.id, p, request.amount, "mint");
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  Must(token::TokenClient(stable).mint(
           {.to = Caller().str(), .amount = request.amount}),
       "mint: stable");
  Emit(DrawEvent{.id = request.id, .amount = request.amount, .art = after.art});
  return {.amount = request.amount};
}

AmountResponse Vault::repay(const AmountRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "repay");
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "repay");
  Address stable = StableOf(g, "repay");
  Type t = LoadType(p.type, "repay");
  Drip(t);
  if (p.art == 0) {
    Abort({"repay: position ", ToDecimal(request.id), " has no debt"});
  }
  PositionRecord after = p;
  Wipe w = WipeDebt(t, p, request.amount, "repay");
  after.art = p.art - w.art;
  Reindex(request.id, p, after);
  StoreMessage(PositionKey(request.id), after);
  StoreType(t);
  Must(token::TokenClient(stable).burn(
           {.from = Caller().str(), .amount = w.burned}),
       "repay: stable");
  Emit(RepayEvent{.id = request.id, .amount = w.burned, .art = after.art});
  return {.amount = w.burned};
}

CloseResponse Vault::close(const CloseRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "close");
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "close");
  Type t = LoadType(p.type, "close");
  Drip(t);
  Wipe w;
  if (p.art != 0) w = WipeDebt(t, p, ~uint64_t{0}, "close");
  PositionRecord after = p;
  after.art = 0;
  after.collateral = 0;
  Reindex(request.id, p, after);
  UnlinkOwner(p);
  Remove(PositionKey(request.id));
  t.rec.collateral -= p.collateral;
  t.rec.positions -= 1;
  StoreType(t);
  if (w.burned != 0) {
    Must(token::TokenClient(StableOf(g, "close"))
             .burn({.from = Caller().str(), .amount = w.burned}),
         "close: stable");
  }
  if (p.collateral != 0) PushCollateral(t, Caller(), p.collateral, "close");
  Emit(CloseEvent{
      .id = request.id, .repaid = w.burned, .collateral = p.collateral});
  return {.repaid = w.burned, .collateral = p.collateral};
}

OpenResponse Vault::open_and_mint(const OpenAndMintRequest& request) {
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "open_and_mint");
  Address stable = StableOf(g, "open_and_mint");
  if (request.collateral == 0) {
    Abort("open_and_mint: collateral must be positive");
  }
  Type t = LoadType(request.type, "open_and_mint");
  Drip(t);
  uint64_t id = OpenPosition(g, t);
  PositionRecord p = LoadPosition(id, "open_and_mint");
  PositionRecord after = p;
  after.collateral = request.collateral;
  t.rec.collateral = CheckedAdd(t.rec.collateral, request.collateral,
                                "open_and_mint: collateral");
  after.art = DrawDebt(g, t, id, after, request.amount, "open_and_mint");
  Reindex(id, p, after);
  StoreMessage(PositionKey(id), after);
  StoreType(t);
  StoreMessage(kGlobalKey, g);
  PullCollateral(t, request.collateral, "open_and_mint");
  Must(token::TokenClient(stable).mint(
           {.to = Caller().str(), .amount = request.amount}),
       "open_and_mint: stable");
  Emit(DepositEvent{
      .id = id, .amount = request.collateral, .collateral = after.collateral});
  Emit(DrawEvent{.id = id, .amount = request.amount, .art = after.art});
  return {.id = id};
}

DripResponse Vault::drip(const DripRequest& request) {
  Type t = LoadType(request.type, "drip");
  Drip(t);
  StoreType(t);
  return {.rate = ToDecimal(t.rate)};
}

// ---- Queries
// ------------------------------------------------------------------

PositionView Vault::position(const PositionRequest& request) {
  PositionRecord p = LoadPosition(request.id, "position");
  GlobalRecord g = LoadGlobal();
  Type t = LoadType(p.type, "position");
  std::string error;
  std::optional<Price> price = TryReadPrice(g, t, &error);
  return ViewOf(request.id, p, t, AccruedRate(t), price, error);
}

PositionsResponse Vault::positions_of(const PositionsOfRequest& request) {
  Address owner = ParseAddress(request.owner, "positions_of: owner");
  uint32_t limit = PageLimit(request.limit);
  GlobalRecord g = LoadGlobal();
  uint64_t id = LoadU64(OwnerKey(owner));
  if (request.after != 0) {
    PositionRecord after = LoadPosition(request.after, "positions_of");
    if (after.owner != owner.bytes()) {
      Abort("positions_of: `after` is not a position of this owner");
    }
    id = after.next;
  }
  PositionsResponse out;
  // Prices and rates per type, read once.
  struct Seen {
    uint32_t type = 0;
    Type t;
    u128 rate = 0;
    std::optional<Price> price;
    std::string error;
  };
  std::optional<Seen> seen[kMaxTypes + 1];
  while (id != 0 && out.positions.size() < limit) {
    PositionRecord p = LoadPosition(id, "positions_of");
    if (p.type == 0 || p.type > kMaxTypes) Abort("vault: corrupt position");
    std::optional<Seen>& s = seen[p.type];
    if (!s) {
      s.emplace();
      s->t = LoadType(p.type, "positions_of");
      s->rate = AccruedRate(s->t);
      s->price = TryReadPrice(g, s->t, &s->error);
    }
    out.positions.push_back(ViewOf(id, p, s->t, s->rate, s->price, s->error));
    id = p.next;
  }
  out.next = id == 0 ? 0 : out.positions.back().id;
  return out;
}

PositionsResponse Vault::positions_by_ratio(
    const PositionsByRatioRequest& request) {
  uint32_t limit = PageLimit(request.limit);
  GlobalRecord g = LoadGlobal();
  Type t = LoadType(request.type, "positions_by_ratio");
  u128 rate = AccruedRate(t);
  std::string error;
  std::optional<Price> price = TryReadPrice(g, t, &error);
  IndexStorage storage(t.id);
  OrderedIndex<IndexStorage> index(&storage);
  PositionsResponse out;
  std::optional<IndexKey> key = index.At(request.rank);
  uint64_t rank = request.rank;
  while (key && out.positions.size() < limit) {
    PositionRecord p = LoadPosition(key->id, "positions_by_ratio");
    out.positions.push_back(ViewOf(key->id, p, t, rate, price, error));
    key = index.Next(*key);
    ++rank;
  }
  out.next = key ? rank : 0;
  return out;
}

UnsafeCountResponse Vault::unsafe_count(const UnsafeCountRequest& request) {
  GlobalRecord g = LoadGlobal();
  Type t = LoadType(request.type, "unsafe_count");
  Price price = ReadPrice(g, t, "unsafe_count");
  std::optional<u128> threshold =
      Threshold(AccruedRate(t), t.ratio, price.current);
  IndexStorage storage(t.id);
  OrderedIndex<IndexStorage> index(&storage);
  uint64_t unsafe = index.CountPrefix([&](const IndexKey& key) {
    return !SafeAt(key.coll, static_cast<uint64_t>(key.art), threshold);
  });
  return {.unsafe = unsafe,
          .indebted = index.Size(),
          .price = ToDecimal(price.current)};
}

TypeView Vault::type_info(const TypeInfoRequest& request) {
  Type t = LoadType(request.type, "type_info");
  u128 rate = AccruedRate(t);
  IndexStorage storage(t.id);
  OrderedIndex<IndexStorage> index(&storage);
  U256 fix;
  if (!t.rec.fix.empty() && !DecodeU256(t.rec.fix, &fix)) {
    Abort("vault: storage: corrupt fix");
  }
  return TypeView{.type = t.id,
                  .name = t.rec.name,
                  .token = t.rec.token,
                  .feed = t.rec.feed,
                  .auction = t.rec.auction,
                  .config = ConfigView(t),
                  .rate = ToDecimal(rate),
                  .art = t.rec.art,
                  .debt = DebtAmount(t.rec.art, rate),
                  .collateral = t.rec.collateral,
                  .positions = t.rec.positions,
                  .indebted = index.Size(),
                  .end_price = t.rec.end_price.empty()
                                   ? ""
                                   : ToDecimal(RayField(t.rec.end_price)),
                  .pool = t.rec.pool,
                  .fix = t.rec.fix.empty() ? "" : ToDecimal(fix)};
}

GlobalView Vault::global(const GlobalRequest&) {
  GlobalRecord g = LoadGlobal();
  return GlobalView{.admin = g.admin,
                    .oracle = g.oracle,
                    .stable = g.stable,
                    .line = g.line,
                    .types = g.types,
                    .positions = g.next_position,
                    .hole = g.hole,
                    .dirt = g.dirt,
                    .shut = g.shut,
                    .thawed = g.thawed};
}

AccountingView Vault::accounting(const AccountingRequest&) {
  GlobalRecord g = LoadGlobal();
  uint64_t supply = 0;
  if (!g.stable.empty()) {
    supply =
        Must(token::TokenClient(StableOf(g, "accounting")).total_supply({}),
             "accounting: stable supply")
            .total_supply;
  }
  return AccountingView{.stable_supply = supply,
                        .debt = ToDecimal(LoadU256(kDebtKey)),
                        .auction_debt = ToDecimal(LoadU256(kAuctionDebtKey)),
                        .bad_debt = ToDecimal(LoadU256(kBadDebtKey)),
                        .surplus = ToDecimal(LoadU256(kSurplusKey)),
                        .settled = ToDecimal(LoadU256(kSettledKey))};
}

namespace {

uint64_t ClampU64(u128 v) {
  return v > ~uint64_t{0} ? ~uint64_t{0} : static_cast<uint64_t>(v);
}

uint64_t BalanceOf(const std::string& token, const std::string& owner,
                   std::string_view what) {
  if (owner.empty()) return 0;
  return Must(token::TokenClient(ParseAddress(token, what))
                  .balance_of({.owner = owner}),
              what)
      .balance;
}

}  // namespace

ReservesView Vault::reserves(const ReservesRequest&) {
  GlobalRecord g = LoadGlobal();
  ReservesView out;
  u128 total_value = 0;
  U256 total_debt;
  bool all_priced = true;
  for (uint32_t id = 1; id <= g.types; ++id) {
    Type t = LoadType(id, "reserves");
    u128 rate = AccruedRate(t);
    TypeReserves r{
        .type = id,
        .name = t.rec.name,
        .token = t.rec.token,
        .collateral = BalanceOf(t.rec.token, Self().str(), "reserves: token"),
        .in_auction = BalanceOf(t.rec.token, t.rec.auction, "reserves: token"),
        .debt = DebtAmount(t.rec.art, rate)};
    U256 auction_rad = TypeAuctionDebt(t);
    r.auction_debt = ClampU64(Div(auction_rad, kRay, Round::kUp, "reserves"));
    U256 debt = Add(DebtRad(t.rec.art, rate), auction_rad, "reserves: debt");
    total_debt = Add(total_debt, debt, "reserves: debt");
    std::string error;
    std::optional<Price> price = TryReadPrice(g, t, &error);
    if (price) {
      r.price = ToDecimal(price->current);
      u128 held = u128{r.collateral} + r.in_auction;
      u128 value =
          Div(Mul(held, price->current), kRay, Round::kDown, "reserves: value");
      r.value = ToDecimal(value);
      total_value = Add(total_value, value, "reserves: value");
      u128 debt_amount = Div(debt, kRay, Round::kUp, "reserves: debt");
      if (debt_amount != 0) {
        std::optional<u128> ratio =
            MulDiv(value, kRay, debt_amount, Round::kDown);
        if (ratio) r.ratio = ToDecimal(*ratio);
      }
    } else {
      r.price_error = error;
      all_priced = false;
    }
    out.types.push_back(std::move(r));
  }
  if (!g.stable.empty()) {
    out.stable_supply =
        Must(token::TokenClient(StableOf(g, "reserves")).total_supply({}),
             "reserves: stable supply")
            .total_supply;
  }
  u128 debt_amount = Div(total_debt, kRay, Round::kUp, "reserves: debt");
  out.total_debt = ClampU64(debt_amount);
  if (all_priced && debt_amount != 0) {
    std::optional<u128> ratio =
        MulDiv(total_value, kRay, debt_amount, Round::kDown);
    if (ratio) out.system_ratio = ToDecimal(*ratio);
  }
  out.surplus = ClampU64(
      Div(LoadU256(kSurplusKey), kRay, Round::kDown, "reserves: surplus"));
  out.bad_debt = ClampU64(
      Div(LoadU256(kBadDebtKey), kRay, Round::kUp, "reserves: bad debt"));
  out.auction_debt = ClampU64(Div(LoadU256(kAuctionDebtKey), kRay, Round::kUp,
                                  "reserves: auction debt"));
  return out;
}

HealthView Vault::health(const HealthRequest& request) {
  PositionRecord p = LoadPosition(request.id, "health");
  Type t = LoadType(p.type, "health");
  u128 price = ParseU128(request.price, "health: price");
  if (price == 0) Abort("health: price must be positive");
  u128 rate = AccruedRate(t);
  std::optional<u128> threshold = Threshold(rate, t.ratio, price);
  HealthView v{.debt = DebtAmount(p.art, rate),
               .collateral = p.collateral,
               .ratio = RatioText(p.collateral, p.art, rate, price),
               .safe = SafeAt(p.collateral, p.art, threshold),
               .liquidation_price =
                   LiquidationPriceText(p.collateral, p.art, rate, t.ratio)};
  if (!threshold) return v;
  // Largest art with coll * RAY >= art * threshold, then its debt (down).
  U256 cover = Mul(u128{p.collateral}, kRay);
  u128 max_art = Div(cover, *threshold, Round::kDown, "health: art");
  if (max_art > p.art) {
    u128 room =
        Div(Mul(max_art - p.art, rate), kRay, Round::kDown, "health: room");
    v.max_mint =
        room > ~uint64_t{0} ? ~uint64_t{0} : static_cast<uint64_t>(room);
  }
  // Smallest collateral with coll * RAY >= art * threshold.
  u128 need =
      Div(Mul(u128{p.art}, *threshold), kRay, Round::kUp, "health: collateral");
  if (need < p.collateral) {
    v.max_withdraw = p.collateral - static_cast<uint64_t>(need);
  }
  return v;
}

}  // namespace ballast::vault
