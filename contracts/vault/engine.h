// The vault engine's internals, shared by its method files: vault.cc
// (types, positions, queries), liquidation.cc, redemption.cc and
// settlement.cc. Interface, units and rules: vault.proto.
//
// Storage layout (consensus-critical; every key is built here; no two
// prefixes share a first byte):
//   "G"                      GlobalRecord
//   "t" + type (4 bytes BE)  TypeRecord
//   "n" + name               type id of a name (4 bytes BE), for uniqueness
//   "p" + id (8 bytes BE)    PositionRecord
//   "o" + owner              the owner's newest position id (uint64 LE)
//   "i" + type + id          a node of the type's ordered index (index.h)
//   "r" + type               the root of the type's ordered index (uint64)
//   "A" + type + sale        SaleRecord of a sale the type's auction runs
//   "debt"                   rad, 32 bytes BE: sum of art * rate over types
//   "auct"                   rad: debt under auction
//   "bad"                    rad: recorded bad debt
//   "surp"                   rad: surplus
//   "end"                    rad: debt settled into the collateral pools
//                            after shutdown, the holders' claim on them
// The five rad figures are fixed-width big-endian so that a proof document
// shows them as numbers.
//
// Conventions: a method loads what it needs, checks every rule, then writes
// its records and only then calls token contracts (the runtime refuses
// re-entry anyway). Helpers that change a Type or a position change the
// in-memory copy; the method stores it. A failed call to a token or the
// oracle aborts the whole method with the callee's message (Must), so
// nothing partial is ever written. `method` arguments name the calling
// method in messages.

#ifndef BALLAST_CONTRACTS_VAULT_ENGINE_H_
#define BALLAST_CONTRACTS_VAULT_ENGINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "vault/index.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {

// ---- Keys -------------------------------------------------------------------

inline constexpr std::string_view kGlobalKey = "G";
inline constexpr std::string_view kDebtKey = "debt";
inline constexpr std::string_view kAuctionDebtKey = "auct";
inline constexpr std::string_view kBadDebtKey = "bad";
inline constexpr std::string_view kSurplusKey = "surp";
inline constexpr std::string_view kSettledKey = "end";
std::string BigEndian(uint64_t v, int bytes);
std::string TypeKey(uint32_t type);
std::string NameKey(std::string_view name);
std::string PositionKey(uint64_t id);
std::string OwnerKey(const Address& owner);
std::string IndexNodeKey(uint32_t type, uint64_t id);
std::string IndexRootKey(uint32_t type);
std::string SaleKey(uint32_t type, uint64_t sale);

// ---- Limits -----------------------------------------------------------------

inline constexpr uint32_t kMaxTypes = 16;
inline constexpr size_t kMaxNameBytes = 32;
inline constexpr size_t kMaxFeedBytes = 32;
inline constexpr uint32_t kMaxPage = 100;
inline constexpr u128 kMaxRatio = 10 * kRay;
inline constexpr u128 kMaxPenalty = 2 * kRay;
// About 2x a year: ln 2 / (365 * 24 * 3600 s) = 2.2e-8 per second.
inline constexpr u128 kMaxFee = kRay + 22 * Pow10(18);
inline constexpr u128 kMaxChip = kRay / 10;
inline constexpr u128 kMaxRedemptionFee = kRay / 10;

// ---- Records ----------------------------------------------------------------

// A 16-byte big-endian RAY field of a stored record.
inline u128 RayField(const std::string& bytes) {
  return DecodeU128(bytes, "vault: storage: RAY field");
}

GlobalRecord LoadGlobal();
void RequireAdmin(const GlobalRecord& g, std::string_view method);
// Aborts "<method>: system is shut down" after shutdown.
void RequireLive(const GlobalRecord& g, std::string_view method);
// Aborts "<method>: the system is not shut down" before shutdown.
void RequireShut(const GlobalRecord& g, std::string_view method);

// A type with its RAY fields decoded.
struct Type {
  uint32_t id = 0;
  TypeRecord rec;
  u128 ratio = 0;
  u128 penalty = 0;
  u128 fee = 0;
  u128 rate = 0;
  u128 chip = 0;
  u128 redemption_fee = 0;
};

Type LoadType(uint32_t id, std::string_view method);
void StoreType(Type& t);

PositionRecord LoadPosition(uint64_t id, std::string_view method);
// The position, which the caller must own.
PositionRecord LoadOwnPosition(uint64_t id, std::string_view method);

// ---- Books (rad) ------------------------------------------------------------

void AddRad(std::string_view key, const U256& v);
void SubRad(std::string_view key, const U256& v);
// Adds to the surplus, which first pays off any recorded bad debt.
void CreditSurplus(const U256& v);
// Records bad debt, which any surplus covers at once.
void RecordBadDebt(const U256& v);
// art * rate, exact.
U256 DebtRad(uint64_t art, u128 rate);
// ceil(art * rate / RAY): a debt in stable base units, rounded up.
uint64_t DebtAmount(uint64_t art, u128 rate);
U256 AmountRad(uint64_t amount);
// The type's position debt now under auction (rad), and setting it.
U256 TypeAuctionDebt(const Type& t);
void SetTypeAuctionDebt(Type& t, const U256& v);

// ---- Fees -------------------------------------------------------------------

int64_t NowSeconds();
// The type's rate accrued to now, rounded up (never understates debt).
// Frozen once the system is shut down.
u128 AccruedRate(const Type& t);
// Accrues the type's fee to now: the debt grows by art * (rate' - rate) and
// so does the surplus (Maker's fold). DripEvent if the rate moved.
void Drip(Type& t);

// ---- Prices and safety ------------------------------------------------------

struct Price {
  u128 current = 0;
  // The lower of the current and the newest pending (delayed) price:
  // withdrawing and minting must be safe at both.
  u128 worst = 0;
  // The newest pending price, 0 if none.
  u128 next = 0;
};

// The type's price, or the oracle's message (which names the feed and why
// it is unusable) in *error.
std::optional<Price> TryReadPrice(const GlobalRecord& g, const Type& t,
                                  std::string* error);
Price ReadPrice(const GlobalRecord& g, const Type& t, std::string_view method);

// ceil(rate * ratio / price): a position is safe when coll * RAY >= art *
// threshold. nullopt when it does not fit 128 bits (a price so low that no
// indebted position is safe).
std::optional<u128> Threshold(u128 rate, u128 ratio, u128 price);
bool SafeAt(uint64_t coll, uint64_t art, const std::optional<u128>& threshold);
// Collateral value / debt at `price` (RAY, truncated); nullopt without debt.
std::optional<u128> Ratio(uint64_t coll, uint64_t art, u128 rate, u128 price);
std::string RatioText(uint64_t coll, uint64_t art, u128 rate, u128 price);
// The price below which the position is unsafe (RAY, rounded up), or "".
std::string LiquidationPriceText(uint64_t coll, uint64_t art, u128 rate,
                                 u128 ratio);
// Aborts naming the ratio, the limit, the price and the feed unless the
// position would be safe at `price`.
void RequireSafe(const Type& t, uint64_t id, uint64_t coll, uint64_t art,
                 u128 price, std::string_view method);

// ---- Ordered index ----------------------------------------------------------

// One type's index in this contract's storage.
class IndexStorage {
 public:
  explicit IndexStorage(uint32_t type) : type_(type) {}

  bool LoadNode(uint64_t id, IndexNode* node);
  void StoreNode(uint64_t id, const IndexNode& node);
  void RemoveNode(uint64_t id);
  uint64_t LoadRoot();
  void StoreRoot(uint64_t id);
  [[noreturn]] void Corrupt(const char* what);

 private:
  uint32_t type_;
};

IndexKey KeyOf(uint64_t id, const PositionRecord& p);
// Moves a position in its type's index after a change from `before` to
// `after`. Positions without debt are not indexed.
void Reindex(uint64_t id, const PositionRecord& before,
             const PositionRecord& after);

// ---- Owner lists ------------------------------------------------------------

// Links a new position at the head of its owner's list (newest first).
void LinkOwner(uint64_t id, PositionRecord& p, const Address& owner);
void UnlinkOwner(const PositionRecord& p);

// ---- Configuration ----------------------------------------------------------

struct Config {
  u128 ratio = 0;
  u128 penalty = 0;
  u128 fee = 0;
  uint64_t line = 0;
  uint64_t dust = 0;
  uint64_t hole = 0;
  uint64_t tip = 0;
  u128 chip = 0;
  u128 redemption_fee = 0;
};

Config ParseConfig(const std::optional<TypeConfig>& config,
                   std::string_view method);
void ApplyConfig(const Config& c, Type& t);
TypeConfig ConfigView(const Type& t);
bool ValidName(std::string_view name, size_t max);

// ---- Calls ------------------------------------------------------------------

Address StableOf(const GlobalRecord& g, std::string_view method);
// Collateral in and out of the engine (token transfer_from / transfer).
void PullCollateral(const Type& t, uint64_t amount, std::string_view method);
void PushCollateral(const Type& t, const Address& to, uint64_t amount,
                    std::string_view method);

// ---- Position changes (in memory; the methods store) ------------------------

// Aborts with the dust rule unless art is 0 or its debt is at least dust.
void CheckDust(const Type& t, uint64_t art, std::string_view method);

uint64_t OpenPosition(GlobalRecord& g, Type& t);

// Mints `amount` against position `id`: every rule, then the books. Returns
// the new art. The caller stores the records and calls the stable token.
uint64_t DrawDebt(const GlobalRecord& g, Type& t, uint64_t id,
                  const PositionRecord& p, uint64_t amount,
                  std::string_view method);

// Up to `amount` of a debt of `art` at the type's rate: all of it (its
// amount rounded up) if `amount` covers that, else the art `amount` pays
// off, rounded down (then below `art`). The shared arithmetic of repay and
// redemption; each applies its own dust rule to what is left.
struct DebtSlice {
  uint64_t art = 0;     // art removed
  uint64_t amount = 0;  // stable it costs
};
DebtSlice SliceOfDebt(const Type& t, uint64_t art, uint64_t amount);

struct Wipe {
  uint64_t art = 0;     // art removed
  uint64_t burned = 0;  // stable to burn
};
// Repays up to `amount` of position debt (never more than the debt).
Wipe WipeDebt(Type& t, const PositionRecord& p, uint64_t amount,
              std::string_view method);

PositionView ViewOf(uint64_t id, const PositionRecord& p, const Type& t,
                    u128 rate, const std::optional<Price>& price,
                    const std::string& price_error);

uint32_t PageLimit(uint32_t limit);

}  // namespace ballast::vault

#endif  // BALLAST_CONTRACTS_VAULT_ENGINE_H_
