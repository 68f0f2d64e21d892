// Vault engine: collateral types, positions, stability fees and the books.
// Interface, units and rules: vault.proto.
//
// Storage layout (consensus-critical; every key is built in "Keys" below;
// no two prefixes share a first byte):
//   "G"                      GlobalRecord
//   "t" + type (4 bytes BE)  TypeRecord
//   "n" + name               type id of a name (4 bytes BE), for uniqueness
//   "p" + id (8 bytes BE)    PositionRecord
//   "o" + owner              the owner's newest position id (uint64 LE)
//   "i" + type + id          a node of the type's ordered index (index.h)
//   "r" + type               the root of the type's ordered index (uint64)
//   "debt"                   rad, 32 bytes BE: sum of art * rate over types
//   "auct"                   rad: debt under auction
//   "bad"                    rad: recorded bad debt
//   "surp"                   rad: surplus
// The four rad figures are fixed-width big-endian so that a proof document
// shows them as numbers.
//
// Each method loads what it needs, checks every rule, then writes its records
// and only then calls token contracts (the runtime refuses re-entry anyway).
// A failed call to a token or the oracle aborts the whole method with the
// callee's message, so nothing partial is ever written.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "oracle/oracle.ballast.h"
#include "token/token.ballast.h"
#include "vault/index.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {
namespace {

// ---- Keys -------------------------------------------------------------------

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

constexpr std::string_view kGlobalKey = "G";
constexpr std::string_view kDebtKey = "debt";
constexpr std::string_view kAuctionDebtKey = "auct";
constexpr std::string_view kBadDebtKey = "bad";
constexpr std::string_view kSurplusKey = "surp";
std::string TypeKey(uint32_t type) { return "t" + BigEndian(type, 4); }
std::string NameKey(std::string_view name) { return "n" + std::string(name); }
std::string PositionKey(uint64_t id) { return "p" + BigEndian(id, 8); }
std::string OwnerKey(const Address& owner) { return Key("o", owner); }
std::string IndexNodeKey(uint32_t type, uint64_t id) {
  return "i" + BigEndian(type, 4) + BigEndian(id, 8);
}
std::string IndexRootKey(uint32_t type) { return "r" + BigEndian(type, 4); }

// ---- Limits -----------------------------------------------------------------

constexpr uint32_t kMaxTypes = 16;
constexpr size_t kMaxNameBytes = 32;
constexpr size_t kMaxFeedBytes = 32;
constexpr uint32_t kMaxPage = 100;
constexpr u128 kMaxRatio = 10 * kRay;
constexpr u128 kMaxPenalty = 2 * kRay;
// About 2x a year: ln 2 / (365 * 24 * 3600 s) = 2.2e-8 per second.
constexpr u128 kMaxFee = kRay + 22 * Pow10(18);

// ---- Records ----------------------------------------------------------------

u128 RayField(const std::string& bytes) {
  u128 v = 0;
  if (!DecodeU128(bytes, &v)) Abort("vault: storage: corrupt RAY field");
  return v;
}

GlobalRecord LoadGlobal() {
  GlobalRecord g;
  if (!LoadMessage(kGlobalKey, &g)) Abort("vault: not initialized");
  return g;
}

void RequireAdmin(const GlobalRecord& g, std::string_view method) {
  if (Caller().bytes() != g.admin) Abort({method, ": not the admin"});
}

// A type with its RAY fields decoded.
struct Type {
  uint32_t id = 0;
  TypeRecord rec;
  u128 ratio = 0;
  u128 penalty = 0;
  u128 fee = 0;
  u128 rate = 0;
};

Type LoadType(uint32_t id, std::string_view method) {
  Type t;
  t.id = id;
  if (!LoadMessage(TypeKey(id), &t.rec)) {
    Abort({method, ": no collateral type ", ToDecimal(uint64_t{id})});
  }
  t.ratio = RayField(t.rec.ratio);
  t.penalty = RayField(t.rec.penalty);
  t.fee = RayField(t.rec.fee);
  t.rate = RayField(t.rec.rate);
  return t;
}

void StoreType(Type& t) {
  t.rec.ratio = EncodeU128(t.ratio);
  t.rec.penalty = EncodeU128(t.penalty);
  t.rec.fee = EncodeU128(t.fee);
  t.rec.rate = EncodeU128(t.rate);
  StoreMessage(TypeKey(t.id), t.rec);
}

PositionRecord LoadPosition(uint64_t id, std::string_view method) {
  PositionRecord p;
  if (!LoadMessage(PositionKey(id), &p)) {
    Abort({method, ": no position ", ToDecimal(id)});
  }
  return p;
}

// The position, which the caller must own.
PositionRecord LoadOwnPosition(uint64_t id, std::string_view method) {
  PositionRecord p = LoadPosition(id, method);
  if (Caller().bytes() != p.owner) {
    Abort({method, ": not the owner of position ", ToDecimal(id)});
  }
  return p;
}

// ---- Books (rad)
// --------------------------------------------------------------

void AddRad(std::string_view key, const U256& v) {
  StoreU256(key, Add(LoadU256(key), v, "vault: books"));
}

void SubRad(std::string_view key, const U256& v) {
  StoreU256(key, Sub(LoadU256(key), v, "vault: books"));
}

// Adds to the surplus, which first pays off any recorded bad debt.
void CreditSurplus(const U256& v) {
  U256 surplus = Add(LoadU256(kSurplusKey), v, "vault: surplus");
  U256 bad = LoadU256(kBadDebtKey);
  U256 healed = surplus < bad ? surplus : bad;
  StoreU256(kSurplusKey, Sub(surplus, healed, "vault: surplus"));
  StoreU256(kBadDebtKey, Sub(bad, healed, "vault: bad debt"));
}

// art * rate, exact.
U256 DebtRad(uint64_t art, u128 rate) { return Mul(u128{art}, rate); }

// ceil(art * rate / RAY): a debt in stable base units, rounded up.
uint64_t DebtAmount(uint64_t art, u128 rate) {
  u128 debt = Div(DebtRad(art, rate), kRay, Round::kUp, "vault: debt");
  if (debt > ~uint64_t{0}) Abort("vault: debt: overflow");
  return static_cast<uint64_t>(debt);
}

U256 AmountRad(uint64_t amount) { return Mul(u128{amount}, kRay); }

// ---- Fees -------------------------------------------------------------------

int64_t NowSeconds() { return BlockTime() / 1000; }

// The type's rate accrued to now, rounded up (never understates debt).
u128 AccruedRate(const Type& t) {
  int64_t now = NowSeconds();
  if (now <= t.rec.rho_s || t.fee == kRay) return t.rate;
  uint64_t dt = static_cast<uint64_t>(now - t.rec.rho_s);
  u128 factor = RPow(t.fee, dt, kRay, Round::kUp, "vault: fee accrual");
  return MulDiv(t.rate, factor, kRay, Round::kUp, "vault: rate");
}

// Accrues the type's fee to now: the debt grows by art * (rate' - rate) and
// so does the surplus (Maker's fold). The caller stores the type.
void Drip(Type& t) {
  u128 rate = AccruedRate(t);
  int64_t now = NowSeconds();
  if (now > t.rec.rho_s) t.rec.rho_s = now;
  if (rate == t.rate) return;
  U256 added = DebtRad(t.rec.art, rate - t.rate);
  t.rate = rate;
  AddRad(kDebtKey, added);
  CreditSurplus(added);
  Emit(DripEvent{.type = t.id,
                 .rate = ToDecimal(rate),
                 .surplus_added = ToDecimal(added)});
}

// ---- Prices and safety ------------------------------------------------------

struct Price {
  u128 current = 0;
  // The lower of the current and the newest pending (delayed) price:
  // withdrawing and minting must be safe at both.
  u128 worst = 0;
};

u128 ParsePrice(std::string_view text, std::string_view feed) {
  u128 v = 0;
  if (!ParseU128(text, &v) || v == 0) {
    Abort({"vault: oracle returned a malformed price for feed ", feed});
  }
  return v;
}

// The type's price, or the oracle's message (which names the feed and why
// it is unusable) in *error.
std::optional<Price> TryReadPrice(const GlobalRecord& g, const Type& t,
                                  std::string* error) {
  std::optional<Address> oracle = Address::FromBytes(g.oracle);
  auto result = oracle::OracleClient(*oracle).price(
      oracle::PriceRequest{.feed = t.rec.feed});
  if (!result.ok) {
    *error = result.error;
    return std::nullopt;
  }
  Price p;
  p.current = ParsePrice(result.value.price, t.rec.feed);
  p.worst = p.current;
  if (!result.value.next_price.empty()) {
    u128 next = ParsePrice(result.value.next_price, t.rec.feed);
    if (next < p.worst) p.worst = next;
  }
  return p;
}

Price ReadPrice(const GlobalRecord& g, const Type& t, std::string_view method) {
  std::string error;
  std::optional<Price> p = TryReadPrice(g, t, &error);
  if (!p) Abort({method, ": ", error});
  return *p;
}

// ceil(rate * ratio / price): a position is safe when coll * RAY >= art *
// threshold. nullopt when it does not fit 128 bits (a price so low that no
// indebted position is safe).
std::optional<u128> Threshold(u128 rate, u128 ratio, u128 price) {
  return MulDiv(rate, ratio, price, Round::kUp);
}

bool SafeAt(uint64_t coll, uint64_t art, const std::optional<u128>& threshold) {
  if (art == 0) return true;
  if (!threshold) return false;
  return Mul(u128{coll}, kRay) >= Mul(u128{art}, *threshold);
}

// Collateral value / debt at `price` (RAY, truncated); nullopt without debt
// (or if it does not fit).
std::optional<u128> Ratio(uint64_t coll, uint64_t art, u128 rate, u128 price) {
  if (art == 0) return std::nullopt;
  u128 value = Div(Mul(u128{coll}, price), kRay, Round::kDown, "vault: value");
  return MulDiv(value, kRay, DebtAmount(art, rate), Round::kDown);
}

std::string RatioText(uint64_t coll, uint64_t art, u128 rate, u128 price) {
  std::optional<u128> ratio = Ratio(coll, art, rate, price);
  return ratio ? ToDecimal(*ratio) : "";
}

// The price below which the position is unsafe (RAY, rounded up), or "".
std::string LiquidationPriceText(uint64_t coll, uint64_t art, u128 rate,
                                 u128 ratio) {
  if (art == 0) return "";
  if (coll == 0) return "never safe";
  u128 debt = Div(DebtRad(art, rate), kRay, Round::kUp, "vault: debt");
  std::optional<u128> p = MulDiv(debt, ratio, coll, Round::kUp);
  return p ? ToDecimal(*p) : "overflow";
}

void RequireSafe(const Type& t, uint64_t id, uint64_t coll, uint64_t art,
                 u128 price, std::string_view method) {
  if (SafeAt(coll, art, Threshold(t.rate, t.ratio, price))) return;
  Abort({method, ": position ", ToDecimal(id),
         " would be below the liquidation ratio: ratio ",
         ToFixed(Ratio(coll, art, t.rate, price).value_or(0), 27, 4), " < ",
         ToFixed(t.ratio, 27, 4), " at price ", ToFixed(price, 27, 6),
         " (feed ", t.rec.feed, ")"});
}

// ---- Ordered index ----------------------------------------------------------

class IndexStorage {
 public:
  explicit IndexStorage(uint32_t type) : type_(type) {}

  bool LoadNode(uint64_t id, IndexNode* node) {
    std::optional<std::string> bytes = Load(IndexNodeKey(type_, id));
    if (!bytes) return false;
    if (!DecodeIndexNode(*bytes, node)) Corrupt("undecodable node");
    return true;
  }
  void StoreNode(uint64_t id, const IndexNode& node) {
    Store(IndexNodeKey(type_, id), EncodeIndexNode(node));
  }
  void RemoveNode(uint64_t id) { Remove(IndexNodeKey(type_, id)); }
  uint64_t LoadRoot() { return LoadU64(IndexRootKey(type_)); }
  void StoreRoot(uint64_t id) {
    if (id == 0) {
      Remove(IndexRootKey(type_));
    } else {
      StoreU64(IndexRootKey(type_), id);
    }
  }
  [[noreturn]] void Corrupt(const char* what) {
    Abort({"vault: corrupt index of type ", ToDecimal(uint64_t{type_}), ": ",
           what});
  }

 private:
  uint32_t type_;
};

IndexKey KeyOf(uint64_t id, const PositionRecord& p) {
  return IndexKey{.coll = p.collateral, .art = p.art, .id = id};
}

// Moves a position in its type's index after a change from `before` to
// `after`. Positions without debt are not indexed.
void Reindex(uint64_t id, const PositionRecord& before,
             const PositionRecord& after) {
  if (before.collateral == after.collateral && before.art == after.art) return;
  IndexStorage storage(before.type);
  OrderedIndex<IndexStorage> index(&storage);
  if (before.art != 0) index.Erase(KeyOf(id, before));
  if (after.art != 0) index.Insert(KeyOf(id, after));
}

// ---- Owner lists
// --------------------------------------------------------------

// Links a new position at the head of its owner's list (newest first).
void LinkOwner(uint64_t id, PositionRecord& p, const Address& owner) {
  std::string head_key = OwnerKey(owner);
  uint64_t head = LoadU64(head_key);
  p.prev = 0;
  p.next = head;
  if (head != 0) {
    PositionRecord old = LoadPosition(head, "vault: owner list");
    old.prev = id;
    StoreMessage(PositionKey(head), old);
  }
  StoreU64(head_key, id);
}

void UnlinkOwner(const PositionRecord& p) {
  Address owner = ParseAddress(p.owner, "vault: owner");
  if (p.prev == 0) {
    if (p.next == 0) {
      Remove(OwnerKey(owner));
    } else {
      StoreU64(OwnerKey(owner), p.next);
    }
  } else {
    PositionRecord prev = LoadPosition(p.prev, "vault: owner list");
    prev.next = p.next;
    StoreMessage(PositionKey(p.prev), prev);
  }
  if (p.next != 0) {
    PositionRecord next = LoadPosition(p.next, "vault: owner list");
    next.prev = p.prev;
    StoreMessage(PositionKey(p.next), next);
  }
}

// ---- Configuration ----------------------------------------------------------

struct Config {
  u128 ratio = 0;
  u128 penalty = 0;
  u128 fee = 0;
  uint64_t line = 0;
  uint64_t dust = 0;
};

Config ParseConfig(const std::optional<TypeConfig>& config,
                   std::string_view method) {
  if (!config) Abort({method, ": config is required"});
  Config c;
  std::string m(method);
  c.ratio = ParseU128(config->liquidation_ratio, m + ": liquidation_ratio");
  c.penalty =
      ParseU128(config->liquidation_penalty, m + ": liquidation_penalty");
  c.fee = ParseU128(config->fee, m + ": fee");
  c.line = config->line;
  c.dust = config->dust;
  if (c.ratio <= kRay || c.ratio > kMaxRatio) {
    Abort({method, ": liquidation_ratio must be above 1 and at most 10"});
  }
  if (c.penalty < kRay || c.penalty > kMaxPenalty) {
    Abort({method, ": liquidation_penalty must be between 1 and 2"});
  }
  if (c.fee < kRay || c.fee > kMaxFee) {
    Abort({method, ": fee must be between 1 and 1.000000022 per second"});
  }
  if (c.dust > c.line) Abort({method, ": dust must not exceed line"});
  return c;
}

TypeConfig ConfigView(const Type& t) {
  return TypeConfig{.liquidation_ratio = ToDecimal(t.ratio),
                    .liquidation_penalty = ToDecimal(t.penalty),
                    .line = t.rec.line,
                    .dust = t.rec.dust,
                    .fee = ToDecimal(t.fee)};
}

bool ValidName(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// ---- Token calls ------------------------------------------------------------

template <class Resp>
Resp Must(CallResult<Resp> result, std::string_view what) {
  if (!result.ok) Abort({what, ": ", result.error});
  return std::move(result.value);
}

Address StableOf(const GlobalRecord& g, std::string_view method) {
  if (g.stable.empty()) Abort({method, ": the stable token is not set yet"});
  return ParseAddress(g.stable, "vault: stable");
}

// ---- Position changes (in memory; the methods store) ------------------------

void CheckDust(const Type& t, uint64_t art, std::string_view method) {
  if (art == 0) return;
  if (DebtRad(art, t.rate) < AmountRad(t.rec.dust)) {
    Abort({method, ": dust: position debt ", ToDecimal(DebtAmount(art, t.rate)),
           " would be below the floor ", ToDecimal(t.rec.dust),
           " (repay all or keep at least ", ToDecimal(t.rec.dust), ")"});
  }
}

// Mints `amount` against position `id`: every rule, then the books. Returns
// the new art. The caller stores the records and calls the stable token.
uint64_t DrawDebt(const GlobalRecord& g, Type& t, uint64_t id,
                  const PositionRecord& p, uint64_t amount,
                  std::string_view method) {
  if (amount == 0) Abort({method, ": amount must be positive"});
  u128 dart128 =
      Div(AmountRad(amount), t.rate, Round::kUp, "vault: normalized debt");
  if (dart128 > ~uint64_t{0}) Abort({method, ": amount too large"});
  uint64_t dart = static_cast<uint64_t>(dart128);
  uint64_t art = CheckedAdd(p.art, dart, "vault: position debt");
  uint64_t type_art = CheckedAdd(t.rec.art, dart, "vault: type debt");
  U256 added = DebtRad(dart, t.rate);

  CheckDust(t, art, method);
  if (DebtRad(type_art, t.rate) > AmountRad(t.rec.line)) {
    Abort({method, ": type ", t.rec.name,
           " debt ceiling exceeded: ", ToDecimal(DebtAmount(t.rec.art, t.rate)),
           " + ", ToDecimal(amount), " > ", ToDecimal(t.rec.line)});
  }
  U256 total = Add(LoadU256(kDebtKey), added, "vault: debt");
  if (total > AmountRad(g.line)) {
    Abort({method, ": global debt ceiling exceeded: ",
           ToDecimal(Div(LoadU256(kDebtKey), kRay, Round::kUp, "vault: debt")),
           " + ", ToDecimal(amount), " > ", ToDecimal(g.line)});
  }
  Price price = ReadPrice(g, t, method);
  RequireSafe(t, id, p.collateral, art, price.current, method);
  RequireSafe(t, id, p.collateral, art, price.worst, method);

  StoreU256(kDebtKey, total);
  CreditSurplus(Sub(added, AmountRad(amount), "vault: rounding"));
  t.rec.art = type_art;
  return art;
}

struct Wipe {
  uint64_t art = 0;     // art removed
  uint64_t burned = 0;  // stable to burn
};

// Repays up to `amount` of position debt (never more than the debt).
Wipe WipeDebt(Type& t, const PositionRecord& p, uint64_t amount,
              std::string_view method) {
  if (amount == 0) Abort({method, ": amount must be positive"});
  Wipe w;
  if (p.art == 0) return w;
  uint64_t debt = DebtAmount(p.art, t.rate);
  if (amount >= debt) {
    w.art = p.art;
    w.burned = debt;
  } else {
    w.art = static_cast<uint64_t>(
        Div(AmountRad(amount), t.rate, Round::kDown, "vault: repay"));
    w.burned = amount;
    CheckDust(t, p.art - w.art, method);
  }
  U256 removed = DebtRad(w.art, t.rate);
  SubRad(kDebtKey, removed);
  CreditSurplus(Sub(AmountRad(w.burned), removed, "vault: rounding"));
  t.rec.art -= w.art;
  return w;
}

PositionView ViewOf(uint64_t id, const PositionRecord& p, const Type& t,
                    u128 rate, const std::optional<Price>& price,
                    const std::string& price_error) {
  PositionView v{.id = id,
                 .owner = p.owner,
                 .type = p.type,
                 .collateral = p.collateral,
                 .art = p.art,
                 .debt = DebtAmount(p.art, rate),
                 .liquidation_price =
                     LiquidationPriceText(p.collateral, p.art, rate, t.ratio),
                 .price_error = price_error};
  if (price) {
    v.ratio = RatioText(p.collateral, p.art, rate, price->current);
    v.safe =
        SafeAt(p.collateral, p.art, Threshold(rate, t.ratio, price->current));
  } else {
    v.safe = p.art == 0;
  }
  return v;
}

uint32_t PageLimit(uint32_t limit) {
  if (limit == 0 || limit > kMaxPage) Abort("limit must be 1 to 100");
  return limit;
}

}  // namespace

// ---- Admin
// --------------------------------------------------------------------

InitResponse Vault::init(const InitRequest& request) {
  Require(!Load(kGlobalKey), "init: already initialized");
  GlobalRecord g{.admin = ParseAddress(request.admin, "init: admin").str(),
                 .oracle = ParseAddress(request.oracle, "init: oracle").str(),
                 .line = request.line};
  StoreMessage(kGlobalKey, g);
  StoreU256(kDebtKey, U256{});
  StoreU256(kAuctionDebtKey, U256{});
  StoreU256(kBadDebtKey, U256{});
  StoreU256(kSurplusKey, U256{});
  Emit(AdminEvent{.admin = g.admin});
  Emit(GlobalChangedEvent{.line = g.line});
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
  t.ratio = c.ratio;
  t.penalty = c.penalty;
  t.fee = c.fee;
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
  t.ratio = c.ratio;
  t.penalty = c.penalty;
  t.fee = c.fee;
  t.rec.line = c.line;
  t.rec.dust = c.dust;
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
  StoreMessage(kGlobalKey, g);
  Emit(GlobalChangedEvent{.line = g.line});
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

namespace {

uint64_t OpenPosition(GlobalRecord& g, Type& t) {
  uint64_t id = ++g.next_position;
  PositionRecord p{.owner = Caller().str(), .type = t.id};
  LinkOwner(id, p, Caller());
  StoreMessage(PositionKey(id), p);
  t.rec.positions = CheckedAdd(t.rec.positions, 1, "vault: positions");
  Emit(OpenEvent{.id = id, .owner = p.owner, .type = t.id});
  return id;
}

void PullCollateral(const Type& t, uint64_t amount, std::string_view method) {
  Address token = ParseAddress(t.rec.token, "vault: token");
  Must(token::TokenClient(token).transfer_from(
           {.from = Caller().str(), .to = Self().str(), .amount = amount}),
       method);
}

void PushCollateral(const Type& t, const Address& to, uint64_t amount,
                    std::string_view method) {
  Address token = ParseAddress(t.rec.token, "vault: token");
  Must(token::TokenClient(token).transfer({.to = to.str(), .amount = amount}),
       method);
}

}  // namespace

OpenResponse Vault::open(const OpenRequest& request) {
  GlobalRecord g = LoadGlobal();
  Type t = LoadType(request.type, "open");
  uint64_t id = OpenPosition(g, t);
  StoreType(t);
  StoreMessage(kGlobalKey, g);
  return {.id = id};
}

AmountResponse Vault::deposit(const AmountRequest& request) {
  PositionRecord p = LoadOwnPosition(request.id, "deposit");
  if (request.amount == 0) Abort("deposit: amount must be positive");
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
                  .indebted = index.Size()};
}

GlobalView Vault::global(const GlobalRequest&) {
  GlobalRecord g = LoadGlobal();
  return GlobalView{.admin = g.admin,
                    .oracle = g.oracle,
                    .stable = g.stable,
                    .line = g.line,
                    .types = g.types,
                    .positions = g.next_position};
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
                        .surplus = ToDecimal(LoadU256(kSurplusKey))};
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
