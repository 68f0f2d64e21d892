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
//   "r" + token(20) + channel    RateLimitRecord: the outflow limit of token
//                                through channel and its current window;
//                                absent = no limit
//   "c" + channel                ChannelRecord: paused?, why, epoch;
//                                absent = never paused (epoch 0)

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
std::string RateLimitKey(const Address& token, std::string_view channel) {
  return Key("r", token) + std::string(channel);
}
std::string ChannelKey(std::string_view channel) {
  return "c" + std::string(channel);
}

// ---- Limits -----------------------------------------------------------------

constexpr std::string_view kVersion = "ballast-transfer-1";
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxDenomBytes = 512;
constexpr size_t kMaxReasonBytes = 256;
constexpr uint32_t kBpsDenominator = 10'000;
constexpr uint64_t kMaxWindowSeconds = 365 * 24 * 3600;

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

void RequireAdmin(std::string_view method) {
  std::optional<std::string> admin = Load(kAdminKey);
  if (!admin.has_value()) Abort({method, ": not initialized"});
  if (Caller().bytes() != *admin) {
    Abort({method, ": only the admin may call this"});
  }
}

void RequireChannelId(std::string_view channel, std::string_view method) {
  if (channel.empty() || channel.size() > kMaxIdBytes) {
    Abort({method, ": channel must be 1..64 bytes"});
  }
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

// ---- Pause and rate limit ---------------------------------------------------

ChannelRecord LoadChannel(std::string_view channel) {
  ChannelRecord rec;
  LoadMessage(ChannelKey(channel), &rec);
  return rec;
}

// What a paused channel's refusals say.
std::string PausedMessage(std::string_view channel, const ChannelRecord& c) {
  return "channel " + std::string(channel) + " is paused: " + c.reason +
         "; an admin must resume it";
}

// floor(amount * bps / 10000), exactly and without overflow.
uint64_t ShareOf(uint64_t amount, uint32_t bps) {
  return amount / kBpsDenominator * bps +
         amount % kBpsDenominator * bps / kBpsDenominator;
}

// "10%", "0.25%", "12.5%".
std::string Percent(uint32_t bps) {
  std::string out = ToDecimal(bps / 100);
  const uint32_t frac = bps % 100;
  if (frac != 0) {
    out += ".";
    out += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
  }
  return out + "%";
}

// The window of `rec` a release at `now` falls in: the stored one if it is
// still running and belongs to the channel's current epoch, else a fresh
// one starting now with the escrow `held` now.
void CurrentWindow(RateLimitRecord* rec, const ChannelRecord& channel,
                   int64_t now, uint64_t held) {
  const int64_t window_ms = static_cast<int64_t>(rec->window_seconds) * 1000;
  const bool running = rec->open && rec->epoch == channel.epoch &&
                       now - rec->window_start_ms < window_ms;
  if (running) return;
  rec->open = true;
  rec->window_start_ms = now;
  rec->escrow_at_start = held;
  rec->released = 0;
  rec->epoch = channel.epoch;
}

// Counts a release of `amount` of `token` through `channel` against its
// limit (if any). Within the quota: the window is updated and the empty
// string returned. Over it: the channel is paused, and the reason is
// returned (nothing else is written).
std::string CountRelease(const Address& token, std::string_view channel,
                         uint64_t amount) {
  RateLimitRecord rec;
  if (!LoadMessage(RateLimitKey(token, channel), &rec)) return "";
  ChannelRecord ch = LoadChannel(channel);
  CurrentWindow(&rec, ch, BlockTime(), LoadU64(EscrowKey(token, channel)));
  const uint64_t quota = ShareOf(rec.escrow_at_start, rec.max_share_bps);
  const uint64_t released =
      CheckedAdd(rec.released, amount, "transfer: rate limit");
  if (released <= quota) {
    rec.released = released;
    StoreMessage(RateLimitKey(token, channel), rec);
    return "";
  }
  ch.paused = true;
  ch.reason = "rate limit: releasing " + ToDecimal(amount) + " of " +
              DenomOfNative(token) + " would exceed " +
              Percent(rec.max_share_bps) + " of the escrow (" +
              ToDecimal(rec.escrow_at_start) + ") per " +
              ToDecimal(rec.window_seconds) + " s window (released " +
              ToDecimal(rec.released) + ", quota " + ToDecimal(quota) + ")";
  StoreMessage(ChannelKey(channel), ch);
  Emit(
      ChannelPausedEvent{.channel = std::string(channel), .reason = ch.reason});
  return PausedMessage(channel, ch);
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
  RequireChannelId(request.channel, "transfer");
  if (ChannelRecord ch = LoadChannel(request.channel); ch.paused) {
    Abort({"transfer: ", PausedMessage(request.channel, ch)});
  }
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

Empty Transfer::set_rate_limit(const SetRateLimitRequest& request) {
  RequireAdmin("set_rate_limit");
  RequireChannelId(request.channel, "set_rate_limit");
  Address token = ParseAddress(request.token, "set_rate_limit: token");
  if (request.max_share_bps > kBpsDenominator) {
    Abort({"set_rate_limit: max_share_bps must be at most 10000, got ",
           ToDecimal(request.max_share_bps)});
  }
  const std::string key = RateLimitKey(token, request.channel);
  if (request.max_share_bps == 0) {
    Remove(key);
  } else {
    if (request.window_seconds < 1 ||
        request.window_seconds > kMaxWindowSeconds) {
      Abort({"set_rate_limit: window_seconds must be 1..",
             ToDecimal(kMaxWindowSeconds), " (365 days), got ",
             ToDecimal(request.window_seconds)});
    }
    // A fresh window starts at the next release.
    StoreMessage(key, RateLimitRecord{.window_seconds = request.window_seconds,
                                      .max_share_bps = request.max_share_bps});
  }
  Emit(RateLimitSetEvent{.channel = request.channel,
                         .token = token.str(),
                         .window_seconds = request.window_seconds,
                         .max_share_bps = request.max_share_bps});
  return {};
}

Empty Transfer::pause(const PauseRequest& request) {
  RequireAdmin("pause");
  RequireChannelId(request.channel, "pause");
  if (request.reason.empty() || request.reason.size() > kMaxReasonBytes) {
    Abort("pause: reason must be 1..256 bytes");
  }
  ChannelRecord ch = LoadChannel(request.channel);
  if (ch.paused) {
    Abort({"pause: ", PausedMessage(request.channel, ch)});
  }
  ch.paused = true;
  ch.reason = request.reason;
  StoreMessage(ChannelKey(request.channel), ch);
  Emit(ChannelPausedEvent{.channel = request.channel,
                          .reason = request.reason,
                          .by = Caller().str()});
  return {};
}

Empty Transfer::resume(const ResumeRequest& request) {
  RequireAdmin("resume");
  RequireChannelId(request.channel, "resume");
  ChannelRecord ch = LoadChannel(request.channel);
  if (!ch.paused)
    Abort({"resume: channel ", request.channel, " is not paused"});
  // A new epoch ends every window of the channel's limits: each starts
  // afresh at its next release, with the escrow held then.
  StoreMessage(
      ChannelKey(request.channel),
      ChannelRecord{.epoch = CheckedAdd(ch.epoch, 1, "resume: epoch")});
  Emit(ChannelResumedEvent{.channel = request.channel, .by = Caller().str()});
  return {};
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

RateLimitResponse Transfer::rate_limit(const RateLimitRequest& request) {
  RequireChannelId(request.channel, "rate_limit");
  const ChannelRecord ch = LoadChannel(request.channel);
  RateLimitResponse out{.paused = ch.paused, .reason = ch.reason};
  if (request.token.empty()) return out;
  Address token = ParseAddress(request.token, "rate_limit: token");
  out.escrowed = LoadU64(EscrowKey(token, request.channel));
  RateLimitRecord rec;
  if (!LoadMessage(RateLimitKey(token, request.channel), &rec)) {
    out.remaining = out.escrowed;
    return out;
  }
  CurrentWindow(&rec, ch, BlockTime(), out.escrowed);
  const uint64_t quota = ShareOf(rec.escrow_at_start, rec.max_share_bps);
  out.window_seconds = rec.window_seconds;
  out.max_share_bps = rec.max_share_bps;
  out.window_start_ms = rec.window_start_ms;
  out.escrow_at_start = rec.escrow_at_start;
  out.released = rec.released;
  out.remaining = quota > rec.released ? quota - rec.released : 0;
  return out;
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
  // A paused channel refuses every packet with an application-level error
  // acknowledgement (the sender is refunded) and changes nothing.
  if (ChannelRecord ch = LoadChannel(p.destination_channel); ch.paused) {
    return {.error = PausedMessage(p.destination_channel, ch)};
  }
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
    // Over the channel's outflow limit: the channel is now paused, and the
    // answer an error acknowledgement, not an abort (which would drop the
    // pause).
    std::string refused =
        CountRelease(credited, p.destination_channel, data.amount);
    if (!refused.empty()) return {.error = std::move(refused)};
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
  if (!request.acknowledgement.has_value()) return {};
  const Acknowledgement& ack = *request.acknowledgement;
  if (!ack.error.empty()) {
    Refund(*request.packet, ack.error);
    return {};
  }
  // The application's own refusal (a paused channel) is an error
  // acknowledgement too. Result bytes that are not a TransferAck credit
  // nothing here, as before.
  TransferAck result;
  if (result.Decode(ack.result) && !result.error.empty()) {
    Refund(*request.packet, result.error);
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
