// Transfer: tokens across chains through the bridge (ICS-20 semantics).
// Interface and rules: transfer.proto.
//
// Storage layout (consensus-critical; every key is built in "Keys" below):
//   "A"                          admin address (20 bytes)
//   "T"                          voucher template address (20 bytes)
//   "v" + voucher(20)            VoucherRecord: its denomination, decimals
//   "d" + SHA-256(denom)         the voucher (20 bytes) of a denomination
//   "e" + token(20) + channel    escrowed amount of token for channel
//                                (uint64 LE); absent = 0

#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "token/token.ballast.h"
#include "transfer/transfer.ballast.h"

namespace ballast::transfer {
namespace {

// ---- Keys -------------------------------------------------------------------

constexpr std::string_view kAdminKey = "A";
constexpr std::string_view kTemplateKey = "T";
std::string VoucherKey(const Address& voucher) { return Key("v", voucher); }
std::string DenomKey(std::string_view denom) {
  return "d" + std::string(AsBytes(Sha256(denom)));
}
std::string EscrowKey(const Address& token, std::string_view channel) {
  return Key("e", token) + std::string(channel);
}

// ---- Limits -----------------------------------------------------------------

constexpr std::string_view kVersion = "ballast-transfer-1";
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxDenomBytes = 512;

// ---- Helpers ----------------------------------------------------------------

std::string Hex(std::string_view bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    uint8_t b = static_cast<uint8_t>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// The token of a denomination "0x" + 40 lowercase hex digits, if it is one.
std::optional<Address> NativeToken(std::string_view denom) {
  if (denom.size() != 42 || !denom.starts_with("0x")) return std::nullopt;
  Address a;
  for (size_t i = 0; i < 20; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = denom[2 + 2 * i + k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                     : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    a.data()[i] = static_cast<uint8_t>(v);
  }
  return a;
}

std::string DenomOfNative(const Address& token) {
  return "0x" + Hex(token.bytes());
}

std::string Port() { return "wasm." + Hex(Self().bytes()); }

void RequireBridge(std::string_view method) {
  if (!CalledByBridge()) Abort({method, ": only the bridge may call this"});
}

std::optional<VoucherRecord> LoadVoucher(const Address& token) {
  VoucherRecord rec;
  if (!LoadMessage(VoucherKey(token), &rec)) return std::nullopt;
  return rec;
}

std::optional<Address> VoucherOf(std::string_view denom) {
  std::optional<std::string> v = Load(DenomKey(denom));
  if (!v.has_value()) return std::nullopt;
  return Address::FromBytes(*v);
}

// The token of this chain a denomination names: a native token or a
// voucher this application minted.
Address LocalToken(std::string_view denom, std::string_view what) {
  if (std::optional<Address> native = NativeToken(denom)) return *native;
  std::optional<Address> voucher = VoucherOf(denom);
  if (!voucher.has_value()) Abort({what, ": unknown denomination ", denom});
  return *voucher;
}

uint64_t BalanceOfSelf(const Address& token) {
  return Must(token::TokenClient(token).balance_of({.owner = Self().str()}),
              "transfer: balance")
      .balance;
}

void AddEscrow(const Address& token, std::string_view channel,
               uint64_t amount) {
  const std::string key = EscrowKey(token, channel);
  StoreU64(key, CheckedAdd(LoadU64(key), amount, "transfer: escrow"));
}

// Takes `amount` out of the channel's escrow of `token` (never more than
// it holds: no channel releases another's escrow).
void TakeEscrow(const Address& token, std::string_view channel, uint64_t amount,
                std::string_view what) {
  const std::string key = EscrowKey(token, channel);
  const uint64_t held = LoadU64(key);
  if (amount > held) {
    Abort({what, ": ", ToDecimal(amount), " is more than channel ", channel,
           " escrowed (", ToDecimal(held), ")"});
  }
  if (held == amount) {
    Remove(key);
  } else {
    StoreU64(key, held - amount);
  }
}

FungibleTokenPacketData DecodeData(const Packet& p, std::string_view what) {
  FungibleTokenPacketData data;
  if (!data.Decode(p.data)) Abort({what, ": malformed packet data"});
  return data;
}

// Gives the sender of a packet that failed its tokens back.
void Refund(const Packet& p, std::string_view reason) {
  FungibleTokenPacketData data = DecodeData(p, "refund");
  Address sender = ParseAddress(data.sender, "refund: sender");
  const std::string home = p.source_port + "/" + p.source_channel + "/";
  if (data.denom.starts_with(home)) {
    // A voucher that was going home was burned: mint it again.
    std::optional<Address> voucher = VoucherOf(data.denom);
    if (!voucher.has_value()) Abort("refund: voucher unknown");
    Must(token::TokenClient(*voucher).mint(
             {.to = sender.str(), .amount = data.amount}),
         "refund: mint");
  } else {
    Address token = LocalToken(data.denom, "refund");
    TakeEscrow(token, p.source_channel, data.amount, "refund");
    Must(token::TokenClient(token).transfer(
             {.to = sender.str(), .amount = data.amount}),
         "refund: release");
  }
  Emit(TransferRefundedEvent{.channel = p.source_channel,
                             .denom = data.denom,
                             .amount = data.amount,
                             .sender = sender.str(),
                             .reason = std::string(reason)});
}

}  // namespace

InitResponse Transfer::init(const InitRequest& request) {
  Require(!Load(kAdminKey), "init: already initialized");
  Address admin = ParseAddress(request.admin, "init: admin");
  Address tmpl = ParseAddress(request.voucher_template, "init: template");
  Store(kAdminKey, admin.bytes());
  Store(kTemplateKey, tmpl.bytes());
  return {};
}

TransferResponse Transfer::transfer(const TransferRequest& request) {
  Address token = ParseAddress(request.token, "transfer: token");
  Address receiver = ParseAddress(request.receiver, "transfer: receiver");
  Require(request.amount > 0, "transfer: amount must be positive");
  Require(!request.channel.empty() && request.channel.size() <= kMaxIdBytes,
          "transfer: channel must be 1..64 bytes");
  const Address sender = Caller();
  std::optional<VoucherRecord> voucher = LoadVoucher(token);
  const std::string home = Port() + "/" + request.channel + "/";
  FungibleTokenPacketData data{.amount = request.amount,
                               .sender = sender.str(),
                               .receiver = receiver.str()};
  if (voucher.has_value() && voucher->denom.starts_with(home)) {
    // Going home through the channel it came by: burn it.
    Must(token::TokenClient(token).burn(
             {.from = sender.str(), .amount = request.amount}),
         "transfer: burn");
    data.denom = voucher->denom;
    data.decimals = voucher->decimals;
  } else {
    // Escrow what actually arrives.
    const uint64_t before = BalanceOfSelf(token);
    Must(token::TokenClient(token).transfer_from({.from = sender.str(),
                                                  .to = Self().str(),
                                                  .amount = request.amount}),
         "transfer: escrow");
    const uint64_t after = BalanceOfSelf(token);
    Require(after > before, "transfer: the token credited nothing");
    data.amount = after - before;
    AddEscrow(token, request.channel, data.amount);
    if (voucher.has_value()) {
      data.denom = voucher->denom;
      data.decimals = voucher->decimals;
    } else {
      data.denom = DenomOfNative(token);
      data.decimals =
          Must(token::TokenClient(token).decimals({}), "transfer: decimals")
              .decimals;
    }
  }
  std::string encoded;
  data.Encode(&encoded);
  SendPacket(request.channel, encoded, request.timeout_height,
             request.timeout_ms);
  Emit(TransferSentEvent{.channel = request.channel,
                         .denom = data.denom,
                         .amount = data.amount,
                         .sender = sender.str(),
                         .receiver = receiver.str()});
  return {.denom = data.denom, .amount = data.amount};
}

VoucherResponse Transfer::voucher(const VoucherRequest& request) {
  VoucherResponse out;
  if (!request.token.empty()) {
    Address token = ParseAddress(request.token, "voucher: token");
    std::optional<VoucherRecord> rec = LoadVoucher(token);
    out.token = token.str();
    out.exists = rec.has_value();
    if (rec.has_value()) out.denom = rec->denom;
    return out;
  }
  out.denom = request.denom;
  std::optional<Address> v = VoucherOf(request.denom);
  out.exists = v.has_value();
  if (v.has_value()) out.token = v->str();
  return out;
}

EscrowedResponse Transfer::escrowed(const EscrowedRequest& request) {
  Address token = ParseAddress(request.token, "escrowed: token");
  return {.amount = LoadU64(EscrowKey(token, request.channel))};
}

InfoResponse Transfer::info(const InfoRequest&) {
  return {.admin = Load(kAdminKey).value_or(""),
          .voucher_template = Load(kTemplateKey).value_or(""),
          .port = Port()};
}

Empty Transfer::bridge_channel_open(const ChannelOpenCallback& request) {
  RequireBridge("bridge_channel_open");
  if (request.version != kVersion) {
    Abort({"transfer: version must be ", kVersion, ", got '", request.version,
           "'"});
  }
  return {};
}

TransferAck Transfer::bridge_packet(const PacketCallback& request) {
  RequireBridge("bridge_packet");
  if (!request.packet.has_value()) Abort("transfer: no packet");
  const Packet& p = *request.packet;
  FungibleTokenPacketData data = DecodeData(p, "transfer");
  Address receiver = ParseAddress(data.receiver, "transfer: receiver");
  Require(data.amount > 0, "transfer: amount must be positive");
  Require(!data.denom.empty() && data.denom.size() <= kMaxDenomBytes,
          "transfer: denomination must be 1..512 bytes");
  const std::string source = p.source_port + "/" + p.source_channel + "/";
  Address credited;
  if (data.denom.starts_with(source)) {
    // Coming home: release what this channel escrowed.
    const std::string base = data.denom.substr(source.size());
    credited = LocalToken(base, "transfer");
    TakeEscrow(credited, p.destination_channel, data.amount, "transfer");
    Must(token::TokenClient(credited).transfer(
             {.to = receiver.str(), .amount = data.amount}),
         "transfer: release");
  } else {
    // Arriving: the voucher of this channel and denomination.
    const std::string denom =
        p.destination_port + "/" + p.destination_channel + "/" + data.denom;
    Require(denom.size() <= kMaxDenomBytes, "transfer: denomination too long");
    std::optional<Address> voucher = VoucherOf(denom);
    if (!voucher.has_value()) {
      const std::string id = Hex(AsBytes(Sha256(denom)));
      token::InitRequest init{.name = "Bridged " + id.substr(0, 16),
                              .symbol = "b" + id.substr(0, 8),
                              .decimals = data.decimals,
                              .minters = {Self().str()}};
      std::string encoded;
      init.Encode(&encoded);
      Address tmpl =
          ParseAddress(Load(kTemplateKey).value_or(""), "transfer: template");
      InstantiateResult created =
          Instantiate(tmpl, encoded, AsBytes(Sha256(denom)));
      if (!created.ok) Abort({"transfer: voucher: ", created.error});
      voucher = created.address;
      Store(DenomKey(denom), voucher->bytes());
      StoreMessage(VoucherKey(*voucher),
                   VoucherRecord{.denom = denom, .decimals = data.decimals});
    }
    credited = *voucher;
    Must(token::TokenClient(credited).mint(
             {.to = receiver.str(), .amount = data.amount}),
         "transfer: mint");
  }
  Emit(TransferReceivedEvent{.channel = p.destination_channel,
                             .denom = data.denom,
                             .amount = data.amount,
                             .receiver = receiver.str(),
                             .token = credited.str()});
  return {.token = credited.str()};
}

Empty Transfer::bridge_ack(const PacketDoneCallback& request) {
  RequireBridge("bridge_ack");
  if (!request.packet.has_value()) Abort("transfer: no packet");
  if (request.acknowledgement.has_value() &&
      !request.acknowledgement->error.empty()) {
    Refund(*request.packet, request.acknowledgement->error);
  }
  return {};
}

Empty Transfer::bridge_timeout(const PacketDoneCallback& request) {
  RequireBridge("bridge_timeout");
  if (!request.packet.has_value()) Abort("transfer: no packet");
  Refund(*request.packet, "timed out");
  return {};
}

}  // namespace ballast::transfer
