// A hostile collateral token, for the vault engine's tests: it implements
// the token interface (token/token.proto) with a plain balance table, but
// its transfer_from and transfer first call back into whoever called them
// (the engine) to try to withdraw or mint in the middle of the engine's
// operation. The runtime refuses the re-entry; the token then either fails
// with that refusal (mode "fail", so the engine's whole call fails) or
// ignores it and goes on (mode "ignore"). Either way the engine's books
// must come out exactly as without the attack.
//
// For the transfer application's tests it can also lie about deposits
// (Qubit's bridge credited a deposit that locked nothing): mode "lie"
// reports success from transfer_from and moves nothing; mode "fee" moves
// only half (the rest vanishes, as a fee-on-transfer token's would).
//
// Storage: "b" + owner balance (uint64 LE), "mode" (0 "ignore", 1 "fail",
// 2 "lie", 3 "fee"), "id" the position id to attack.

#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "token/token.ballast.h"
#include "vault/vault.ballast.h"

namespace ballast::token {
namespace {

std::string BalanceKey(const Address& owner) { return Key("b", owner); }

void Move(const Address& from, const Address& to, uint64_t amount) {
  uint64_t have = LoadU64(BalanceKey(from));
  Require(have >= amount, "reentrant: insufficient balance");
  StoreU64(BalanceKey(from), have - amount);
  StoreU64(BalanceKey(to),
           CheckedAdd(LoadU64(BalanceKey(to)), amount, "reentrant"));
}

// Calls back into the caller (the engine) while it is mid-call.
void Attack() {
  uint64_t id = LoadU64("id");
  vault::VaultClient engine(Caller());
  CallResult<vault::AmountResponse> withdraw =
      engine.withdraw({.id = id, .amount = 1});
  CallResult<vault::AmountResponse> mint = engine.mint({.id = id, .amount = 1});
  if (LoadU64("mode") == 1) {
    if (!withdraw.ok) Abort({"reentrant: ", withdraw.error});
    if (!mint.ok) Abort({"reentrant: ", mint.error});
  }
}

}  // namespace

// init: initial_holder gets initial_supply; name "fail" or "ignore" sets
// the mode; decimals is the position id to attack.
InitResponse Token::init(const InitRequest& request) {
  Address holder = ParseAddress(request.initial_holder, "init: holder");
  StoreU64(BalanceKey(holder), request.initial_supply);
  StoreU64("mode", request.name == "fail"  ? 1
                   : request.name == "lie" ? 2
                   : request.name == "fee" ? 3
                                           : 0);
  StoreU64("id", request.decimals);
  return {};
}

TransferResponse Token::transfer(const TransferRequest& request) {
  Attack();
  Move(Caller(), ParseAddress(request.to, "transfer: to"), request.amount);
  return {};
}

TransferFromResponse Token::transfer_from(const TransferFromRequest& request) {
  const uint64_t mode = LoadU64("mode");
  if (mode == 2) return {};  // "lie": success, nothing moved
  Attack();
  Address from = ParseAddress(request.from, "transfer_from: from");
  Address to = ParseAddress(request.to, "transfer_from: to");
  if (mode == 3) {  // "fee": half arrives, half vanishes
    Move(from, to, request.amount - request.amount / 2);
    Move(from, Address(), request.amount / 2);
    return {};
  }
  Move(from, to, request.amount);
  return {};
}

BalanceOfResponse Token::balance_of(const BalanceOfRequest& request) {
  return {.balance =
              LoadU64(BalanceKey(ParseAddress(request.owner, "balance_of")))};
}

NameResponse Token::name(const NameRequest&) { return {.name = "reentrant"}; }
SymbolResponse Token::symbol(const SymbolRequest&) { return {.symbol = "RE"}; }
DecimalsResponse Token::decimals(const DecimalsRequest&) {
  return {.decimals = 8};
}
TotalSupplyResponse Token::total_supply(const TotalSupplyRequest&) {
  return {};
}
AllowanceResponse Token::allowance(const AllowanceRequest&) { return {}; }
MintersResponse Token::minters(const MintersRequest&) { return {}; }
ApproveResponse Token::approve(const ApproveRequest&) { return {}; }
MintResponse Token::mint(const MintRequest&) { Abort("reentrant: no minting"); }
BurnResponse Token::burn(const BurnRequest&) { Abort("reentrant: no burning"); }

}  // namespace ballast::token
