// Auction: Dutch auctions of one collateral type's liquidated collateral.
// Interface, price curve and rules: auction.proto.
//
// Storage layout (consensus-critical; every key is built in "Keys" below):
//   "S"                      State: configuration and running totals
//   "s" + sale (8 bytes BE)  SaleRecord of a running sale (removed when it
//                            ends), linked oldest first for list()
//
// Calls: take → engine.auction_paid (which burns the buyer's stable) →
// token.transfer to the buyer → (end) token.transfer of the rest to the
// owner and engine.auction_closed. The engine calls kick only; nothing here
// calls the engine from kick, so no call ever re-enters a contract.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auction/auction.ballast.h"
#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "oracle/oracle.ballast.h"
#include "token/token.ballast.h"
#include "vault/vault.ballast.h"

namespace ballast::auction {
namespace {

// ---- Keys -------------------------------------------------------------------

constexpr std::string_view kStateKey = "S";
std::string SaleKey(uint64_t sale) {
  std::string key = "s";
  for (int i = 7; i >= 0; --i) {
    key.push_back(static_cast<char>((sale >> (8 * i)) & 0xff));
  }
  return key;
}

// ---- Limits -----------------------------------------------------------------

constexpr u128 kMaxBuf = 2 * kRay;
constexpr u128 kMinCut = kRay / 2;
constexpr uint32_t kMaxPage = 100;

// ---- Records ----------------------------------------------------------------

u128 RayField(const std::string& bytes) {
  return DecodeU128(bytes, "auction: storage: RAY field");
}

State LoadState() {
  State s;
  if (!LoadMessage(kStateKey, &s)) Abort("auction: not initialized");
  return s;
}

std::optional<SaleRecord> FindSale(uint64_t id) {
  SaleRecord sale;
  if (!LoadMessage(SaleKey(id), &sale)) return std::nullopt;
  return sale;
}

// ---- Configuration ----------------------------------------------------------

void ApplyConfig(const std::optional<AuctionConfig>& config, State& s,
                 std::string_view method) {
  if (!config) Abort({method, ": config is required"});
  std::string m(method);
  u128 buf = ParseU128(config->buf, m + ": buf");
  u128 cusp = ParseU128(config->cusp, m + ": cusp");
  u128 cut = ParseU128(config->cut, m + ": cut");
  if (buf < kRay || buf > kMaxBuf) Abort({method, ": buf must be 1 to 2"});
  if (cusp == 0 || cusp >= kRay) {
    Abort({method, ": cusp must be above 0 and below 1"});
  }
  if (cut < kMinCut || cut >= kRay) {
    Abort({method, ": cut must be at least 0.5 and below 1"});
  }
  if (config->step == 0) Abort({method, ": step must be at least 1 s"});
  if (config->tail < config->step) {
    Abort({method, ": tail must be at least one step"});
  }
  s.buf = EncodeU128(buf);
  s.cusp = EncodeU128(cusp);
  s.cut = EncodeU128(cut);
  s.tail = config->tail;
  s.step = config->step;
}

AuctionConfig ConfigView(const State& s) {
  return AuctionConfig{.buf = ToDecimal(RayField(s.buf)),
                       .tail = s.tail,
                       .cusp = ToDecimal(RayField(s.cusp)),
                       .step = s.step,
                       .cut = ToDecimal(RayField(s.cut))};
}

// ---- Price curve
// --------------------------------------------------------------

// Seconds since the sale's (re)start; 0 if the clock is behind.
uint64_t Elapsed(const SaleRecord& sale) {
  int64_t ms = BlockTime() - sale.tic_ms;
  return ms <= 0 ? 0 : static_cast<uint64_t>(ms / 1000);
}

// top * cut ^ floor(elapsed / step), truncated.
u128 PriceNow(const State& s, const SaleRecord& sale) {
  uint64_t steps = Elapsed(sale) / s.step;
  std::optional<u128> factor = RPow(RayField(s.cut), steps, kRay, Round::kDown);
  // So many steps that the factor underflows to 0 (or cannot be computed)
  // means a price of 0, which needs a reset anyway.
  if (!factor) return 0;
  return MulDiv(RayField(sale.top), *factor, kRay, Round::kDown, "price");
}

// Why the sale needs a reset, or "" if it does not.
std::string ResetReason(const State& s, const SaleRecord& sale, u128 price) {
  uint64_t elapsed = Elapsed(sale);
  if (elapsed > s.tail) {
    return "ran " + ToDecimal(elapsed) + " s > tail " + ToDecimal(s.tail) +
           " s";
  }
  u128 floor = MulDiv(RayField(sale.top), RayField(s.cusp), kRay, Round::kUp,
                      "cusp price");
  if (price < floor) {
    return "price " + ToFixed(price, 27, 6) + " fell below cusp " +
           ToFixed(floor, 27, 6);
  }
  return "";
}

SaleView ViewOf(const State& s, uint64_t id, const SaleRecord& sale) {
  u128 price = PriceNow(s, sale);
  return SaleView{.sale = id,
                  .tab = sale.tab,
                  .lot = sale.lot,
                  .owner = sale.owner,
                  .top = ToDecimal(RayField(sale.top)),
                  .tic_ms = sale.tic_ms,
                  .price = ToDecimal(price),
                  .needs_redo = !ResetReason(s, sale, price).empty(),
                  .chost = sale.chost};
}

// ---- Running list
// -------------------------------------------------------------

void Unlink(State& s, const SaleRecord& sale) {
  if (sale.prev == 0) {
    s.first = sale.next;
  } else {
    SaleRecord prev = *FindSale(sale.prev);
    prev.next = sale.next;
    StoreMessage(SaleKey(sale.prev), prev);
  }
  if (sale.next == 0) {
    s.last = sale.prev;
  } else {
    SaleRecord next = *FindSale(sale.next);
    next.prev = sale.prev;
    StoreMessage(SaleKey(sale.next), next);
  }
}

}  // namespace

// ---- Methods
// ------------------------------------------------------------------

InitResponse Auction::init(const InitRequest& request) {
  Require(!Load(kStateKey), "init: already initialized");
  if (request.type == 0) Abort("init: type must be positive");
  if (request.feed.empty() || request.feed.size() > 32) {
    Abort("init: feed must be 1 to 32 bytes");
  }
  State s{.engine = ParseAddress(request.engine, "init: engine").str(),
          .type = request.type,
          .token = ParseAddress(request.token, "init: token").str(),
          .oracle = ParseAddress(request.oracle, "init: oracle").str(),
          .feed = request.feed,
          .admin = ParseAddress(request.admin, "init: admin").str()};
  ApplyConfig(request.config, s, "init");
  StoreMessage(kStateKey, s);
  Emit(ConfigEvent{.config = ConfigView(s)});
  return {};
}

SetConfigResponse Auction::set_config(const SetConfigRequest& request) {
  State s = LoadState();
  if (Caller().bytes() != s.admin) Abort("set_config: not the admin");
  ApplyConfig(request.config, s, "set_config");
  StoreMessage(kStateKey, s);
  Emit(ConfigEvent{.config = ConfigView(s)});
  return {};
}

KickResponse Auction::kick(const KickRequest& request) {
  State s = LoadState();
  if (Caller().bytes() != s.engine) Abort("kick: only the engine");
  if (request.tab == 0 || request.lot == 0) {
    Abort("kick: tab and lot must be positive");
  }
  Address owner = ParseAddress(request.owner, "kick: owner");
  u128 price = ParseU128(request.price, "kick: price");
  if (price == 0) Abort("kick: price must be positive");
  u128 top = MulDiv(price, RayField(s.buf), kRay, Round::kUp, "kick: top");

  uint64_t id = CheckedAdd(s.sales, 1, "kick: sales");
  SaleRecord sale{.tab = request.tab,
                  .lot = request.lot,
                  .owner = owner.str(),
                  .top = EncodeU128(top),
                  .tic_ms = BlockTime(),
                  .chost = request.chost,
                  .prev = s.last};
  if (s.last != 0) {
    SaleRecord last = *FindSale(s.last);
    last.next = id;
    StoreMessage(SaleKey(s.last), last);
  } else {
    s.first = id;
  }
  s.last = id;
  s.sales = id;
  s.running += 1;
  s.lot = CheckedAdd(s.lot, request.lot, "kick: lot");
  StoreMessage(SaleKey(id), sale);
  StoreMessage(kStateKey, s);
  Emit(KickEvent{.sale = id,
                 .tab = request.tab,
                 .lot = request.lot,
                 .owner = sale.owner,
                 .keeper = request.keeper,
                 .top = ToDecimal(top)});
  return {.sale = id};
}

TakeResponse Auction::take(const TakeRequest& request) {
  State s = LoadState();
  std::optional<SaleRecord> found = FindSale(request.sale);
  if (!found) {
    Abort({"take: auction not running: sale ", ToDecimal(request.sale)});
  }
  SaleRecord sale = *found;
  u128 max_price = ParseU128(request.max_price, "take: max_price");
  Address receiver = request.receiver.empty()
                         ? Caller()
                         : ParseAddress(request.receiver, "take: receiver");
  u128 price = PriceNow(s, sale);
  std::string reset = ResetReason(s, sale, price);
  if (!reset.empty()) {
    Abort({"take: sale ", ToDecimal(request.sale), " needs a reset (", reset,
           ")"});
  }
  if (price > max_price) {
    Abort({"take: price above your maximum: current ", ToFixed(price, 27, 6),
           " > max ", ToFixed(max_price, 27, 6)});
  }
  if (request.amount == 0) Abort("take: amount must be positive");

  // Collateral and the stable it costs (rounded up).
  uint64_t slice = request.amount < sale.lot ? request.amount : sale.lot;
  u128 owe = Div(Mul(u128{slice}, price), kRay, Round::kUp, "take: owe");
  if (owe > sale.tab) {
    // More than the tab: buy only what raises the tab (rounded down).
    owe = sale.tab;
    u128 fit = MulDiv(owe, kRay, price, Round::kDown, "take: slice");
    if (fit < slice) slice = static_cast<uint64_t>(fit);
  } else if (owe < sale.tab && slice < sale.lot &&
             sale.tab - owe < sale.chost) {
    // Never leave a tab too small to sell: leave exactly chost instead.
    if (sale.tab <= sale.chost) {
      Abort({"take: dust: the tab left (", ToDecimal(sale.tab),
             ") is at most chost (", ToDecimal(sale.chost),
             "); take the whole lot"});
    }
    owe = sale.tab - sale.chost;
    slice = static_cast<uint64_t>(
        MulDiv(owe, kRay, price, Round::kDown, "take: slice"));
  }
  if (slice == 0 || owe == 0) {
    Abort("take: nothing to buy: the amount is worth less than one unit");
  }
  uint64_t paid = static_cast<uint64_t>(owe);

  sale.lot -= slice;
  sale.tab -= paid;
  s.lot -= slice;
  bool done = sale.tab == 0 || sale.lot == 0;
  uint64_t returned = sale.tab == 0 ? sale.lot : 0;
  uint64_t unpaid = sale.tab;
  if (done) {
    Unlink(s, sale);
    Remove(SaleKey(request.sale));
    s.running -= 1;
    s.lot -= returned;
  } else {
    StoreMessage(SaleKey(request.sale), sale);
  }
  StoreMessage(kStateKey, s);

  Address engine = ParseAddress(s.engine, "auction: engine");
  Address token = ParseAddress(s.token, "auction: token");
  Must(vault::VaultClient(engine).auction_paid({.type = s.type,
                                                .sale = request.sale,
                                                .payer = Caller().str(),
                                                .amount = paid}),
       "take: payment");
  Must(token::TokenClient(token).transfer(
           {.to = receiver.str(), .amount = slice}),
       "take: collateral");
  Emit(TakeEvent{.sale = request.sale,
                 .taker = Caller().str(),
                 .collateral = slice,
                 .paid = paid,
                 .price = ToDecimal(price),
                 .tab = sale.tab,
                 .lot = sale.lot});
  if (done) {
    if (returned != 0) {
      Must(token::TokenClient(token).transfer(
               {.to = sale.owner, .amount = returned}),
           "take: return to owner");
    }
    Must(vault::VaultClient(engine).auction_closed(
             {.type = s.type, .sale = request.sale}),
         "take: close");
    Emit(SaleClosedEvent{
        .sale = request.sale, .returned = returned, .unpaid = unpaid});
  }
  return {.collateral = slice, .paid = paid, .price = ToDecimal(price)};
}

RedoResponse Auction::redo(const RedoRequest& request) {
  State s = LoadState();
  std::optional<SaleRecord> found = FindSale(request.sale);
  if (!found) {
    Abort({"redo: auction not running: sale ", ToDecimal(request.sale)});
  }
  SaleRecord sale = *found;
  if (ResetReason(s, sale, PriceNow(s, sale)).empty()) {
    Abort({"redo: sale ", ToDecimal(request.sale), " does not need a reset"});
  }
  Address keeper = request.keeper.empty()
                       ? Caller()
                       : ParseAddress(request.keeper, "redo: keeper");
  oracle::PriceResponse quote =
      Must(oracle::OracleClient(ParseAddress(s.oracle, "auction: oracle"))
               .price({.feed = s.feed}),
           "redo");
  u128 price = ParseU128(quote.price, "redo: oracle price");
  u128 top = MulDiv(price, RayField(s.buf), kRay, Round::kUp, "redo: top");
  sale.top = EncodeU128(top);
  sale.tic_ms = BlockTime();
  StoreMessage(SaleKey(request.sale), sale);
  // The reward goes only to a reset of a sale worth selling (Maker's
  // rule), so that small sales cannot be farmed.
  u128 value = Div(Mul(u128{sale.lot}, price), kRay, Round::kDown, "value");
  if (sale.tab >= sale.chost && value >= sale.chost) {
    Must(
        vault::VaultClient(ParseAddress(s.engine, "auction: engine"))
            .pay_keeper(
                {.type = s.type, .sale = request.sale, .keeper = keeper.str()}),
        "redo: keeper reward");
  }
  Emit(RedoEvent{
      .sale = request.sale, .keeper = keeper.str(), .top = ToDecimal(top)});
  return {.top = ToDecimal(top)};
}

YankResponse Auction::yank(const YankRequest& request) {
  State s = LoadState();
  if (Caller().bytes() != s.engine) Abort("yank: only the engine");
  std::optional<SaleRecord> found = FindSale(request.sale);
  if (!found) {
    Abort({"yank: auction not running: sale ", ToDecimal(request.sale)});
  }
  SaleRecord sale = *found;
  Unlink(s, sale);
  Remove(SaleKey(request.sale));
  s.running -= 1;
  s.lot -= sale.lot;
  StoreMessage(kStateKey, s);
  Must(token::TokenClient(ParseAddress(s.token, "auction: token"))
           .transfer({.to = s.engine, .amount = sale.lot}),
       "yank: collateral");
  Emit(YankEvent{.sale = request.sale, .lot = sale.lot, .tab = sale.tab});
  return {.lot = sale.lot, .tab = sale.tab};
}

SaleView Auction::sale(const SaleRequest& request) {
  State s = LoadState();
  std::optional<SaleRecord> found = FindSale(request.sale);
  if (!found) {
    Abort({"sale: auction not running: sale ", ToDecimal(request.sale)});
  }
  return ViewOf(s, request.sale, *found);
}

ListResponse Auction::list(const ListRequest& request) {
  if (request.limit == 0 || request.limit > kMaxPage) {
    Abort("list: limit must be 1 to 100");
  }
  State s = LoadState();
  uint64_t id = s.first;
  if (request.after != 0) {
    std::optional<SaleRecord> after = FindSale(request.after);
    if (!after) {
      Abort({"list: auction not running: sale ", ToDecimal(request.after)});
    }
    id = after->next;
  }
  ListResponse out;
  while (id != 0 && out.sales.size() < request.limit) {
    std::optional<SaleRecord> sale = FindSale(id);
    if (!sale) Abort("auction: storage: broken sale list");
    out.sales.push_back(ViewOf(s, id, *sale));
    id = sale->next;
  }
  out.next = id == 0 ? 0 : out.sales.back().sale;
  return out;
}

InfoResponse Auction::info(const InfoRequest&) {
  State s = LoadState();
  return InfoResponse{.engine = s.engine,
                      .type = s.type,
                      .token = s.token,
                      .oracle = s.oracle,
                      .feed = s.feed,
                      .admin = s.admin,
                      .config = ConfigView(s),
                      .running = s.running,
                      .lot = s.lot,
                      .sales = s.sales};
}

}  // namespace ballast::auction
