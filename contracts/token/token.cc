// Token: a fungible token. Interface and rules: token.proto.
//
// Storage layout (consensus-critical; every key is built in "Keys" below):
//   "meta"                  TokenMeta: name, symbol, decimals, minters
//   "supply"                total supply, uint64 (8 bytes LE); absent = 0
//   "b" + owner             balance of owner, uint64; absent = 0
//   "a" + owner + spender   allowance of spender over owner's tokens, uint64;
//                           absent = 0
//   "m" + minter            "\x01" for each minter fixed at init
// Addresses in keys are 20 raw bytes, so keys with different one-byte
// prefixes never collide. Zero amounts are removed rather than stored.

#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "token/token.ballast.h"

namespace ballast::token {
namespace {

// ---- Keys -------------------------------------------------------------------

constexpr std::string_view kMetaKey = "meta";
constexpr std::string_view kSupplyKey = "supply";
std::string BalanceKey(const Address& owner) { return Key("b", owner); }
std::string AllowanceKey(const Address& owner, const Address& spender) {
  return Key("a", owner, spender);
}
std::string MinterKey(const Address& minter) { return Key("m", minter); }

// ---- Limits -----------------------------------------------------------------

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxSymbolBytes = 16;
constexpr uint32_t kMaxDecimals = 18;
constexpr size_t kMaxMinters = 16;

// ---- Helpers ----------------------------------------------------------------

// Stores an amount, removing the key when it is 0.
void StoreAmount(std::string_view key, uint64_t amount) {
  if (amount == 0) {
    Remove(key);
  } else {
    StoreU64(key, amount);
  }
}

TokenMeta Meta() {
  TokenMeta meta;
  if (!LoadMessage(kMetaKey, &meta)) Abort("token: not initialized");
  return meta;
}

void RequireMinter(const Address& caller, std::string_view method) {
  if (!Load(MinterKey(caller))) Abort({method, ": caller is not a minter"});
}

void Debit(const Address& owner, uint64_t amount, std::string_view method) {
  std::string key = BalanceKey(owner);
  uint64_t balance = LoadU64(key);
  if (balance < amount) {
    Abort({method, ": insufficient balance (have ", ToDecimal(balance),
           ", need ", ToDecimal(amount), ")"});
  }
  StoreAmount(key, balance - amount);
}

void Credit(const Address& owner, uint64_t amount) {
  std::string key = BalanceKey(owner);
  StoreAmount(key, CheckedAdd(LoadU64(key), amount, "balance"));
}

void SpendAllowance(const Address& owner, const Address& spender,
                    uint64_t amount, std::string_view method) {
  std::string key = AllowanceKey(owner, spender);
  uint64_t allowance = LoadU64(key);
  if (allowance < amount) {
    Abort({method, ": insufficient allowance (have ", ToDecimal(allowance),
           ", need ", ToDecimal(amount), ")"});
  }
  StoreAmount(key, allowance - amount);
}

void Move(const Address& from, const Address& to, uint64_t amount,
          std::string_view method) {
  Debit(from, amount, method);
  Credit(to, amount);
}

}  // namespace

InitResponse Token::init(const InitRequest& request) {
  Require(!Load(kMetaKey), "init: already initialized");
  if (request.name.empty() || request.name.size() > kMaxNameBytes) {
    Abort("init: name must be 1 to 64 bytes");
  }
  if (request.symbol.empty() || request.symbol.size() > kMaxSymbolBytes) {
    Abort("init: symbol must be 1 to 16 bytes");
  }
  Require(request.decimals <= kMaxDecimals,
          "init: decimals must be at most 18");
  Require(request.minters.size() <= kMaxMinters, "init: at most 16 minters");

  TokenMeta meta{.name = request.name,
                 .symbol = request.symbol,
                 .decimals = request.decimals};
  for (const std::string& bytes : request.minters) {
    Address minter = ParseAddress(bytes, "init: minters");
    std::string key = MinterKey(minter);
    Require(!Load(key), "init: duplicate minter");
    Store(key, "\x01");
    meta.minters.push_back(minter.str());
  }
  StoreMessage(kMetaKey, meta);

  if (request.initial_supply == 0) {
    Require(request.initial_holder.empty(),
            "init: initial_holder given without initial_supply");
    return {};
  }
  Address holder = ParseAddress(request.initial_holder, "init: initial_holder");
  StoreAmount(kSupplyKey, request.initial_supply);
  StoreAmount(BalanceKey(holder), request.initial_supply);
  Emit(MintEvent{.minter = Caller().str(),
                 .to = holder.str(),
                 .amount = request.initial_supply});
  return {};
}

NameResponse Token::name(const NameRequest&) { return {.name = Meta().name}; }

SymbolResponse Token::symbol(const SymbolRequest&) {
  return {.symbol = Meta().symbol};
}

DecimalsResponse Token::decimals(const DecimalsRequest&) {
  return {.decimals = Meta().decimals};
}

MintersResponse Token::minters(const MintersRequest&) {
  return {.minters = Meta().minters};
}

TotalSupplyResponse Token::total_supply(const TotalSupplyRequest&) {
  return {.total_supply = LoadU64(kSupplyKey)};
}

BalanceOfResponse Token::balance_of(const BalanceOfRequest& request) {
  Address owner = ParseAddress(request.owner, "balance_of: owner");
  return {.balance = LoadU64(BalanceKey(owner))};
}

AllowanceResponse Token::allowance(const AllowanceRequest& request) {
  Address owner = ParseAddress(request.owner, "allowance: owner");
  Address spender = ParseAddress(request.spender, "allowance: spender");
  return {.allowance = LoadU64(AllowanceKey(owner, spender))};
}

TransferResponse Token::transfer(const TransferRequest& request) {
  Address to = ParseAddress(request.to, "transfer: to");
  Address from = Caller();
  Move(from, to, request.amount, "transfer");
  Emit(TransferEvent{
      .from = from.str(), .to = to.str(), .amount = request.amount});
  return {};
}

ApproveResponse Token::approve(const ApproveRequest& request) {
  Address spender = ParseAddress(request.spender, "approve: spender");
  Address owner = Caller();
  StoreAmount(AllowanceKey(owner, spender), request.amount);
  Emit(ApprovalEvent{.owner = owner.str(),
                     .spender = spender.str(),
                     .amount = request.amount});
  return {};
}

TransferFromResponse Token::transfer_from(const TransferFromRequest& request) {
  Address from = ParseAddress(request.from, "transfer_from: from");
  Address to = ParseAddress(request.to, "transfer_from: to");
  SpendAllowance(from, Caller(), request.amount, "transfer_from");
  Move(from, to, request.amount, "transfer_from");
  Emit(TransferEvent{
      .from = from.str(), .to = to.str(), .amount = request.amount});
  return {};
}

MintResponse Token::mint(const MintRequest& request) {
  Address minter = Caller();
  RequireMinter(minter, "mint");
  Address to = ParseAddress(request.to, "mint: to");
  StoreAmount(kSupplyKey, CheckedAdd(LoadU64(kSupplyKey), request.amount,
                                     "mint: total supply"));
  Credit(to, request.amount);
  Emit(MintEvent{
      .minter = minter.str(), .to = to.str(), .amount = request.amount});
  return {};
}

BurnResponse Token::burn(const BurnRequest& request) {
  Address minter = Caller();
  RequireMinter(minter, "burn");
  Address from = ParseAddress(request.from, "burn: from");
  if (from != minter) SpendAllowance(from, minter, request.amount, "burn");
  Debit(from, request.amount, "burn");
  StoreAmount(kSupplyKey, CheckedSub(LoadU64(kSupplyKey), request.amount,
                                     "burn: total supply"));
  Emit(BurnEvent{
      .minter = minter.str(), .from = from.str(), .amount = request.amount});
  return {};
}

}  // namespace ballast::token
