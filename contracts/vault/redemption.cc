// Vault engine: redemption (Liquity's, per collateral type). Interface,
// units and the exact rule: vault.proto (redeem); internals: engine.h.

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
namespace {

inline constexpr uint32_t kMaxRedeemPositions = 32;

// A RAY fraction as a percentage: 0.005 -> "0.5%".
std::string Percent(u128 fraction) {
  return ToFixed(fraction * 100, 27, 4) + "%";
}

// What a redemption takes from one position.
struct Take {
  uint64_t amount = 0;  // stable applied to its debt
  uint64_t art = 0;     // art removed (rounded down)
  uint64_t coll = 0;    // collateral paid (rounded down)
};

// Up to `left` of position p's debt at `price`, never leaving 0 < debt <
// dust (vault.proto, redeem). All zero: skip the position.
Take TakeFrom(const Type& t, const PositionRecord& p, uint64_t left,
              u128 price) {
  Take take;
  DebtSlice slice = SliceOfDebt(t, p.art, left);
  take.art = slice.art;
  take.amount = slice.amount;
  if (take.art < p.art) {
    if (DebtRad(p.art - take.art, t.rate) < AmountRad(t.rec.dust)) {
      // Keep exactly the least art whose debt is not below dust.
      u128 keep = Div(AmountRad(t.rec.dust), t.rate, Round::kUp, "redeem: art");
      if (keep >= p.art) return Take{};
      take.art = p.art - static_cast<uint64_t>(keep);
      // ceil(art * rate / RAY) <= left, and its floor(x * RAY / rate) is
      // take.art again (rate >= RAY).
      take.amount = DebtAmount(take.art, t.rate);
    }
    if (take.art == 0) return Take{};
  }
  u128 coll =
      Div(AmountRad(take.amount), price, Round::kDown, "redeem: collateral");
  take.coll = coll < p.collateral ? static_cast<uint64_t>(coll) : p.collateral;
  return take;
}

}  // namespace

RedeemResponse Vault::redeem(const RedeemRequest& request) {
  if (request.amount == 0) Abort("redeem: amount must be positive");
  if (request.max_positions == 0 ||
      request.max_positions > kMaxRedeemPositions) {
    Abort("redeem: max_positions must be 1 to 32");
  }
  u128 max_fee = ParseU128(request.max_fee, "redeem: max_fee");
  GlobalRecord g = LoadGlobal();
  RequireLive(g, "redeem");
  Address stable = StableOf(g, "redeem");
  Type t = LoadType(request.type, "redeem");
  if (t.redemption_fee > max_fee) {
    Abort({"redeem: redemption fee ", Percent(t.redemption_fee),
           " above your maximum ", Percent(max_fee)});
  }
  Drip(t);
  Price price = ReadPrice(g, t, "redeem");
  if (price.next > price.current) {
    Abort({"redeem: feed ", t.rec.feed, " has a pending price ",
           ToFixed(price.next, 27, 6), " above the current ",
           ToFixed(price.current, 27, 6),
           ": redemption waits until it is current"});
  }

  u128 keep = kRay - t.redemption_fee;  // redemption_fee <= 0.1
  uint64_t left = static_cast<uint64_t>(
      MulDiv(request.amount, keep, kRay, Round::kDown, "redeem: amount"));
  if (left == 0) Abort("redeem: amount too small: nothing left after the fee");
  std::optional<u128> threshold = Threshold(t.rate, t.ratio, price.current);
  IndexStorage storage(t.id);
  OrderedIndex<IndexStorage> index(&storage);
  std::optional<IndexKey> key = index.FirstNotIn([&](const IndexKey& k) {
    return !SafeAt(k.coll, static_cast<uint64_t>(k.art), threshold);
  });

  // A position redeemed from moves up the order (its ratio rises), so the
  // walk may meet it again: `done` skips it without counting it.
  uint64_t done[kMaxRedeemPositions];
  uint32_t ndone = 0, looked = 0;
  uint64_t applied = 0, coll = 0, art = 0;
  RedeemedFromEvent from[kMaxRedeemPositions];
  while (key && left != 0 && looked < request.max_positions) {
    IndexKey at = *key;
    bool seen = false;
    for (uint32_t i = 0; i < ndone; ++i) seen = seen || done[i] == at.id;
    if (!seen) {
      ++looked;
      PositionRecord p = LoadPosition(at.id, "redeem");
      Take take = TakeFrom(t, p, left, price.current);
      if (take.art != 0) {
        PositionRecord after = p;
        after.art = p.art - take.art;
        after.collateral = p.collateral - take.coll;
        Reindex(at.id, p, after);
        StoreMessage(PositionKey(at.id), after);
        left -= take.amount;
        applied += take.amount;
        coll += take.coll;
        art += take.art;
        from[ndone] = RedeemedFromEvent{.id = at.id,
                                        .amount = take.amount,
                                        .collateral = take.coll,
                                        .art = after.art};
        done[ndone++] = at.id;
      }
    }
    key = index.Next(at);
  }
  if (applied == 0) {
    Abort({"redeem: no safe position of type ", t.rec.name,
           " can be redeemed from"});
  }
  if (coll == 0) {
    Abort({"redeem: ", ToDecimal(uint64_t{applied}),
           " stable would pay no collateral at price ",
           ToFixed(price.current, 27, 6), " (feed ", t.rec.feed, ")"});
  }
  uint64_t fee = static_cast<uint64_t>(
      MulDiv(applied, t.redemption_fee, keep, Round::kUp, "redeem: fee"));
  uint64_t burned = applied + fee;

  // Books: the debt falls by art * rate; the fee and the rounding (applied
  // * RAY - art * rate >= 0) go to the surplus.
  U256 removed = DebtRad(art, t.rate);
  SubRad(kDebtKey, removed);
  CreditSurplus(Add(Sub(AmountRad(applied), removed, "redeem: rounding"),
                    AmountRad(fee), "redeem: surplus"));
  t.rec.art -= art;
  t.rec.collateral -= coll;
  StoreType(t);
  Must(token::TokenClient(stable).burn(
           {.from = Caller().str(), .amount = burned}),
       "redeem: stable");
  PushCollateral(t, Caller(), coll, "redeem");
  for (uint32_t i = 0; i < ndone; ++i) Emit(from[i]);
  Emit(RedeemEvent{.type = t.id,
                   .redeemer = Caller().str(),
                   .redeemed = burned,
                   .fee = fee,
                   .collateral = coll,
                   .positions = ndone,
                   .price = ToDecimal(price.current)});
  return {
      .redeemed = burned, .fee = fee, .collateral = coll, .positions = ndone};
}

}  // namespace ballast::vault
