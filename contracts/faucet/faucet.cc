// Faucet: test tokens for the devnet, a fixed amount per caller per period.
// Interface and rules: faucet.proto.
//
// Storage layout (consensus-critical; every key is built in "Keys" below):
//   "A"                     admin address (20 bytes)
//   "T"                     FaucetTokens: the tokens, amounts and periods
//   "d" + token + account   block time (ms, uint64 LE) from which account
//                           may drip token again; absent = 0 (now). A
//                           later change of the period applies from the
//                           next drip on.
// Addresses in keys are 20 raw bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "faucet/faucet.ballast.h"
#include "token/token.ballast.h"

namespace ballast::faucet {
namespace {

// ---- Keys -------------------------------------------------------------------

constexpr std::string_view kAdminKey = "A";
constexpr std::string_view kTokensKey = "T";
std::string DripKey(const Address& token, const Address& account) {
  return Key("d", token, account);
}

// ---- Limits -----------------------------------------------------------------

constexpr size_t kMaxTokens = 16;
constexpr uint64_t kMaxPeriodS = 31'536'000;  // a year

// ---- Helpers ----------------------------------------------------------------

// "0x" and 40 lowercase hex digits, for messages.
std::string Hex(const Address& address) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (char c : address.bytes()) {
    uint8_t b = static_cast<uint8_t>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// Checks one token entry of a request; returns its address.
Address CheckToken(const FaucetToken& entry, std::string_view what) {
  Address token = ParseAddress(entry.token, std::string(what) + ": token");
  if (entry.amount == 0) Abort({what, ": amount must be positive"});
  if (entry.period_s < 1 || entry.period_s > kMaxPeriodS) {
    Abort({what, ": period_s must be 1 to 31536000, got ",
           ToDecimal(entry.period_s)});
  }
  return token;
}

FaucetTokens Tokens() {
  FaucetTokens tokens;
  if (!LoadMessage(kTokensKey, &tokens)) Abort("faucet: not initialized");
  return tokens;
}

const FaucetToken* Find(const FaucetTokens& tokens, const Address& token) {
  for (const FaucetToken& entry : tokens.tokens) {
    if (entry.token == token.bytes()) return &entry;
  }
  return nullptr;
}

// The block time from which `account` may drip `token` (0: any time).
int64_t NextDrip(const Address& token, const Address& account) {
  return int64_t(LoadU64(DripKey(token, account)));
}

uint64_t WaitSeconds(int64_t next_ms, int64_t now) {
  if (next_ms <= now) return 0;
  return (uint64_t(next_ms - now) + 999) / 1000;
}

}  // namespace

InitResponse Faucet::init(const InitRequest& request) {
  Require(!Load(kAdminKey), "init: already initialized");
  Address admin = ParseAddress(request.admin, "init: admin");
  Require(request.tokens.size() <= kMaxTokens, "init: at most 16 tokens");
  FaucetTokens tokens;
  for (const FaucetToken& entry : request.tokens) {
    Address token = CheckToken(entry, "init: tokens");
    Require(Find(tokens, token) == nullptr, "init: duplicate token");
    tokens.tokens.push_back(entry);
  }
  Store(kAdminKey, admin.bytes());
  StoreMessage(kTokensKey, tokens);
  for (const FaucetToken& entry : tokens.tokens) {
    Emit(TokenSetEvent{.token = entry.token,
                       .amount = entry.amount,
                       .period_s = entry.period_s});
  }
  return {};
}

DripResponse Faucet::drip(const DripRequest& request) {
  Address token = ParseAddress(request.token, "drip: token");
  FaucetTokens tokens = Tokens();
  const FaucetToken* entry = Find(tokens, token);
  if (entry == nullptr)
    Abort({"faucet: ", Hex(token), " is not a faucet token"});
  Address to = Caller();
  int64_t now = BlockTime();
  int64_t next = NextDrip(token, to);
  if (now < next) {
    Abort({"faucet: next drip for ", Hex(token), " in ",
           ToDecimal(WaitSeconds(next, now)), " s"});
  }
  next = now + int64_t(entry->period_s) * 1000;
  StoreU64(DripKey(token, to), uint64_t(next));
  CallResult<token::MintResponse> minted = token::TokenClient(token).mint(
      token::MintRequest{.to = to.str(), .amount = entry->amount});
  if (!minted.ok) {
    Abort({"faucet: mint of ", Hex(token), " failed: ", minted.error});
  }
  Emit(
      DripEvent{.token = token.str(), .to = to.str(), .amount = entry->amount});
  return {.amount = entry->amount, .next_drip_ms = next};
}

SetTokenResponse Faucet::set_token(const SetTokenRequest& request) {
  std::optional<std::string> admin = Load(kAdminKey);
  if (!admin) Abort("faucet: not initialized");
  if (Caller().bytes() != *admin) Abort("set_token: not the admin");
  if (!request.token) Abort("set_token: token: missing");
  const FaucetToken& entry = *request.token;
  Address token = CheckToken(entry, "set_token");
  FaucetTokens tokens = Tokens();
  FaucetToken* existing = nullptr;
  for (FaucetToken& e : tokens.tokens) {
    if (e.token == token.bytes()) existing = &e;
  }
  if (existing != nullptr) {
    *existing = entry;
  } else {
    Require(tokens.tokens.size() < kMaxTokens, "set_token: at most 16 tokens");
    tokens.tokens.push_back(entry);
  }
  StoreMessage(kTokensKey, tokens);
  Emit(TokenSetEvent{.token = entry.token,
                     .amount = entry.amount,
                     .period_s = entry.period_s});
  return {};
}

InfoResponse Faucet::info(const InfoRequest&) {
  std::optional<std::string> admin = Load(kAdminKey);
  if (!admin) Abort("faucet: not initialized");
  return {.admin = *admin, .tokens = Tokens().tokens};
}

NextDripResponse Faucet::next_drip(const NextDripRequest& request) {
  Address account = ParseAddress(request.account, "next_drip: account");
  Address token = ParseAddress(request.token, "next_drip: token");
  FaucetTokens tokens = Tokens();
  const FaucetToken* entry = Find(tokens, token);
  if (entry == nullptr)
    Abort({"faucet: ", Hex(token), " is not a faucet token"});
  int64_t next = NextDrip(token, account);
  return {.next_drip_ms = next,
          .wait_s = WaitSeconds(next, BlockTime()),
          .amount = entry->amount};
}

}  // namespace ballast::faucet
