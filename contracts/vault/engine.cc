// The vault engine's internals: engine.h.

#include "vault/engine.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "oracle/oracle.ballast.h"
#include "token/token.ballast.h"

namespace ballast::vault {

// ---- Keys -------------------------------------------------------------------

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string TypeKey(uint32_t type) { return "t" + BigEndian(type, 4); }
std::string NameKey(std::string_view name) { return "n" + std::string(name); }
std::string PositionKey(uint64_t id) { return "p" + BigEndian(id, 8); }
std::string OwnerKey(const Address& owner) { return Key("o", owner); }
std::string IndexNodeKey(uint32_t type, uint64_t id) {
  return "i" + BigEndian(type, 4) + BigEndian(id, 8);
}
std::string IndexRootKey(uint32_t type) { return "r" + BigEndian(type, 4); }
std::string SaleKey(uint32_t type, uint64_t sale) {
  return "A" + BigEndian(type, 4) + BigEndian(sale, 8);
}

// ---- Records ----------------------------------------------------------------

GlobalRecord LoadGlobal() {
  GlobalRecord g;
  if (!LoadMessage(kGlobalKey, &g)) Abort("vault: not initialized");
  return g;
}

void RequireAdmin(const GlobalRecord& g, std::string_view method) {
  if (Caller().bytes() != g.admin) Abort({method, ": not the admin"});
}

void RequireLive(const GlobalRecord& g, std::string_view method) {
  if (g.shut) Abort({method, ": system is shut down"});
}

void RequireShut(const GlobalRecord& g, std::string_view method) {
  if (!g.shut) Abort({method, ": the system is not shut down"});
}

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
  t.chip = RayField(t.rec.chip);
  t.redemption_fee = RayField(t.rec.redemption_fee);
  return t;
}

void StoreType(Type& t) {
  t.rec.ratio = EncodeU128(t.ratio);
  t.rec.penalty = EncodeU128(t.penalty);
  t.rec.fee = EncodeU128(t.fee);
  t.rec.rate = EncodeU128(t.rate);
  t.rec.chip = EncodeU128(t.chip);
  t.rec.redemption_fee = EncodeU128(t.redemption_fee);
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

void RecordBadDebt(const U256& v) {
  AddRad(kBadDebtKey, v);
  CreditSurplus(U256{});
}

// art * rate, exact.
U256 DebtRad(uint64_t art, u128 rate) { return Mul(u128{art}, rate); }

// ceil(art * rate / RAY): a debt in stable base units, rounded up.
uint64_t DebtAmount(uint64_t art, u128 rate) {
  u128 debt = Div(DebtRad(art, rate), kRay, Round::kUp, "vault: debt");
  if (debt > ~uint64_t{0}) Abort("vault: debt: overflow");
  return static_cast<uint64_t>(debt);
}

U256 TypeAuctionDebt(const Type& t) {
  U256 v;
  if (!t.rec.auction_debt.empty() && !DecodeU256(t.rec.auction_debt, &v)) {
    Abort("vault: storage: corrupt auction debt");
  }
  return v;
}

void SetTypeAuctionDebt(Type& t, const U256& v) {
  t.rec.auction_debt = EncodeU256(v);
}

U256 AmountRad(uint64_t amount) { return Mul(u128{amount}, kRay); }

// ---- Fees -------------------------------------------------------------------

int64_t NowSeconds() { return BlockTime() / 1000; }

// The type's rate accrued to now, rounded up (never understates debt).
u128 AccruedRate(const Type& t) {
  if (!t.rec.end_price.empty()) return t.rate;  // shut down
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
    p.next = ParsePrice(result.value.next_price, t.rec.feed);
    if (p.next < p.worst) p.worst = p.next;
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

bool IndexStorage::LoadNode(uint64_t id, IndexNode* node) {
  std::optional<std::string> bytes = Load(IndexNodeKey(type_, id));
  if (!bytes) return false;
  if (!DecodeIndexNode(*bytes, node)) Corrupt("undecodable node");
  return true;
}

void IndexStorage::StoreNode(uint64_t id, const IndexNode& node) {
  Store(IndexNodeKey(type_, id), EncodeIndexNode(node));
}

void IndexStorage::RemoveNode(uint64_t id) { Remove(IndexNodeKey(type_, id)); }

uint64_t IndexStorage::LoadRoot() { return LoadU64(IndexRootKey(type_)); }

void IndexStorage::StoreRoot(uint64_t id) {
  if (id == 0) {
    Remove(IndexRootKey(type_));
  } else {
    StoreU64(IndexRootKey(type_), id);
  }
}

void IndexStorage::Corrupt(const char* what) {
  Abort({"vault: corrupt index of type ", ToDecimal(uint64_t{type_}), ": ",
         what});
}

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

Config ParseConfig(const std::optional<TypeConfig>& config,
                   std::string_view method) {
  if (!config) Abort({method, ": config is required"});
  Config c;
  std::string m(method);
  c.ratio = ParseU128(config->liquidation_ratio, m + ": liquidation_ratio");
  c.penalty =
      ParseU128(config->liquidation_penalty, m + ": liquidation_penalty");
  c.fee = ParseU128(config->fee, m + ": fee");
  c.chip = ParseU128(config->chip, m + ": chip");
  c.redemption_fee = ParseU128(config->redemption_fee, m + ": redemption_fee");
  c.hole = config->hole;
  c.tip = config->tip;
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
  if (c.chip > kMaxChip) Abort({method, ": chip must be at most 0.1"});
  if (c.redemption_fee > kMaxRedemptionFee) {
    Abort({method, ": redemption_fee must be at most 0.1"});
  }
  // Self-liquidation must not pay: for the smallest liquidation (debt =
  // dust) the reward tip + chip * tab stays below the penalty collected,
  // (penalty - 1) * dust. In rad: (tip * RAY + chip * tab) < (penalty -
  // RAY) * dust, with tab = dust * penalty / RAY (rounded up).
  u128 tab = MulDiv(c.dust, c.penalty, kRay, Round::kUp, "config: tab");
  U256 reward = Add(AmountRad(c.tip), Mul(c.chip, tab), "config: reward");
  U256 penalty = Mul(c.penalty - kRay, u128{c.dust});
  if (c.dust != 0 && !(reward < penalty)) {
    Abort({method,
           ": keeper reward tip + chip * tab must stay below the penalty on "
           "a dust-sized liquidation"});
  }
  return c;
}

void ApplyConfig(const Config& c, Type& t) {
  t.ratio = c.ratio;
  t.penalty = c.penalty;
  t.fee = c.fee;
  t.chip = c.chip;
  t.redemption_fee = c.redemption_fee;
  t.rec.line = c.line;
  t.rec.dust = c.dust;
  t.rec.hole = c.hole;
  t.rec.tip = c.tip;
}

TypeConfig ConfigView(const Type& t) {
  return TypeConfig{.liquidation_ratio = ToDecimal(t.ratio),
                    .liquidation_penalty = ToDecimal(t.penalty),
                    .line = t.rec.line,
                    .dust = t.rec.dust,
                    .fee = ToDecimal(t.fee),
                    .hole = t.rec.hole,
                    .tip = t.rec.tip,
                    .chip = ToDecimal(t.chip),
                    .redemption_fee = ToDecimal(t.redemption_fee)};
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

DebtSlice SliceOfDebt(const Type& t, uint64_t art, uint64_t amount) {
  uint64_t debt = DebtAmount(art, t.rate);
  if (amount >= debt) return {.art = art, .amount = debt};
  // amount < debt <= art * rate / RAY + 1, so the art removed is below art.
  return {.art = static_cast<uint64_t>(
              Div(AmountRad(amount), t.rate, Round::kDown, "vault: repay")),
          .amount = amount};
}

// Repays up to `amount` of position debt (never more than the debt).
Wipe WipeDebt(Type& t, const PositionRecord& p, uint64_t amount,
              std::string_view method) {
  if (amount == 0) Abort({method, ": amount must be positive"});
  Wipe w;
  if (p.art == 0) return w;
  DebtSlice slice = SliceOfDebt(t, p.art, amount);
  w.art = slice.art;
  w.burned = slice.amount;
  if (w.art < p.art) CheckDust(t, p.art - w.art, method);
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

}  // namespace ballast::vault
