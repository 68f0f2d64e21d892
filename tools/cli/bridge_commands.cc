#include "tools/cli/bridge_commands.h"

#include <memory>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/channels.h"
#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proof.h"
#include "tools/cli/bridge_history.h"
#include "tools/cli/decimal.h"
#include "tools/cli/output.h"
#include "tools/cli/tx_options.h"
#include "tools/cli/vault_commands.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

// At most this many clients or channels are listed.
constexpr uint64_t kMaxListed = 1000;

// How many ids the counter `name` has handed out.
absl::StatusOr<uint64_t> Count(Session& s, std::string_view name,
                               std::optional<uint64_t>* height) {
  ASSIGN_OR_RETURN(auto values,
                   ReadBridge(s, {bridge::CounterKey(name)}, height));
  if (!values[0].has_value()) return 0;
  if (values[0]->size() != 8) {
    return absl::DataLossError(StrCat("bridge counter '", name, "' corrupt"));
  }
  return std::min<uint64_t>(DecodeBigEndian64(*values[0]), kMaxListed);
}

template <typename M>
absl::StatusOr<M> Parse(const std::optional<std::string>& bytes,
                        std::string_view what) {
  M m;
  if (!bytes.has_value() || !m.ParseFromString(*bytes)) {
    return absl::DataLossError(StrCat(what, ": missing or corrupt record"));
  }
  return m;
}

absl::Status Clients(Session& s, std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(uint64_t n, Count(s, "client", &height));
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < n; ++i) {
    keys.push_back(bridge::ClientKey(StrCat("client-", i)));
  }
  ASSIGN_OR_RETURN(auto values, ReadBridge(s, keys, &height));
  json list = json::array();
  std::string text;
  for (uint64_t i = 0; i < n; ++i) {
    const std::string id = StrCat("client-", i);
    ASSIGN_OR_RETURN(bridge::ClientState c,
                     Parse<bridge::ClientState>(values[i], id));
    json keys_json = json::array();
    for (const std::string& k : c.trusted_keys()) {
      keys_json.push_back("0x" + ToHex(k));
    }
    list.push_back({{"client", id},
                    {"chain_id", c.chain_id()},
                    {"trusted_keys", keys_json},
                    {"threshold", c.threshold()},
                    {"admin", "0x" + ToHex(c.admin())},
                    {"latest_height", StrCat(c.latest_height())},
                    {"latest_time_ms", StrCat(c.latest_time_ms())},
                    {"frozen", c.frozen()},
                    {"frozen_reason", c.frozen_reason()}});
    text += StrCat(
        id, ": chain ", c.chain_id(), ", ", c.threshold(), " of ",
        c.trusted_keys_size(), " keys, latest height ", c.latest_height(),
        c.frozen() ? StrCat(", FROZEN: ", c.frozen_reason()) : "", "\n");
  }
  if (text.empty()) text = "no light clients\n";
  s.Emit(json{{"height", StrCat(height.value_or(0))}, {"clients", list}},
         StrCat("at height ", height.value_or(0), ":\n", text));
  return absl::OkStatus();
}

absl::Status Channels(Session& s, std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(uint64_t n, Count(s, "channel", &height));
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < n; ++i) {
    keys.push_back(bridge::ChannelPortKey(StrCat("channel-", i)));
  }
  ASSIGN_OR_RETURN(auto ports, ReadBridge(s, keys, &height));
  keys.clear();
  for (uint64_t i = 0; i < n; ++i) {
    if (!ports[i].has_value()) {
      return absl::DataLossError(StrCat("channel-", i, ": no port record"));
    }
    const std::string id = StrCat("channel-", i);
    keys.push_back(bridge::ChannelKey(*ports[i], id));
    keys.push_back(bridge::NextSendKey(*ports[i], id));
  }
  ASSIGN_OR_RETURN(auto values, ReadBridge(s, keys, &height));
  json list = json::array();
  std::string text;
  for (uint64_t i = 0; i < n; ++i) {
    const std::string id = StrCat("channel-", i);
    ASSIGN_OR_RETURN(bridge::ChannelEnd c,
                     Parse<bridge::ChannelEnd>(values[2 * i], id));
    const std::optional<std::string>& next = values[2 * i + 1];
    const uint64_t next_seq =
        next.has_value() && next->size() == 8 ? DecodeBigEndian64(*next) : 0;
    list.push_back({{"channel", id},
                    {"port", *ports[i]},
                    {"state", std::string(bridge::StateName(c.state()))},
                    {"connection", c.connection()},
                    {"counterparty_port", c.counterparty_port()},
                    {"counterparty_channel", c.counterparty_channel()},
                    {"version", c.version()},
                    {"next_sequence", StrCat(next_seq)}});
    text += StrCat(
        id, " of ", *ports[i], ": ", bridge::StateName(c.state()), " on ",
        c.connection(), ", to ", c.counterparty_port(), "/",
        c.counterparty_channel().empty() ? "?" : c.counterparty_channel(),
        ", version ", c.version(), ", next sequence ", next_seq, "\n");
  }
  if (text.empty()) text = "no channels\n";
  s.Emit(json{{"height", StrCat(height.value_or(0))}, {"channels", list}},
         StrCat("at height ", height.value_or(0), ":\n", text));
  return absl::OkStatus();
}

// The port of `channel` on the node's chain and its contract (the
// application bound to it).
struct ChannelApp {
  std::string port;
  std::string contract;
};
absl::StatusOr<ChannelApp> AppOfChannel(Session& s, const std::string& channel,
                                        std::optional<uint64_t>* height) {
  RETURN_IF_ERROR(bridge::CheckId("channel", channel));
  ASSIGN_OR_RETURN(auto ports,
                   ReadBridge(s, {bridge::ChannelPortKey(channel)}, height));
  if (!ports[0].has_value()) {
    return absl::NotFoundError(
        StrCat("this chain has no channel '", channel, "'"));
  }
  std::optional<std::string> contract = bridge::ContractOf(*ports[0]);
  if (!contract.has_value()) {
    return absl::FailedPreconditionError(
        StrCat("channel '", channel, "' is bound to port ", *ports[0],
               ", not a contract's"));
  }
  return ChannelApp{*ports[0], *contract};
}

absl::Status BridgeTransfer(Session& s, const BridgeTransferArgs& a) {
  // Everything is checked before the first transaction.
  ASSIGN_OR_RETURN(std::string token, ParseAddress(a.token));
  ASSIGN_OR_RETURN(std::string receiver, ParseAddress(a.recipient));
  ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(a.amount, "amount"));
  if (amount == 0) return absl::InvalidArgumentError("amount must be > 0");
  std::optional<uint64_t> height;
  ASSIGN_OR_RETURN(ChannelApp app, AppOfChannel(s, a.channel, &height));
  uint64_t timeout_height = a.timeout_height.value_or(0);
  int64_t timeout_ms = 0;
  if (!a.timeout_height.has_value() || !a.timeout.empty()) {
    ASSIGN_OR_RETURN(
        int64_t ms,
        ParseDurationMs(a.timeout.empty() ? std::string("10m") : a.timeout));
    if (ms <= 0) return absl::InvalidArgumentError("--timeout must be > 0");
    // From the later of now and the head's time: a chain that has been
    // idle has an old head, and a dev chain's clock may run ahead of ours.
    ASSIGN_OR_RETURN(api::Client * node, s.Node());
    ASSIGN_OR_RETURN(api::BlockView head, node->LatestBlock());
    timeout_ms =
        std::max(head.header().time_ms(), absl::ToUnixMillis(absl::Now())) + ms;
  }
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  RETURN_IF_ERROR(
      Transact(s, from, token, "approve",
               {{"spender", Hex0x(app.contract)}, {"amount", StrCat(amount)}},
               a.tx, "approve the transfer application")
          .status());
  std::string hash;
  ASSIGN_OR_RETURN(json result,
                   Transact(s, from, app.contract, "transfer",
                            {{"channel", a.channel},
                             {"token", Hex0x(token)},
                             {"amount", StrCat(amount)},
                             {"receiver", Hex0x(receiver)},
                             {"timeout_height", StrCat(timeout_height)},
                             {"timeout_ms", StrCat(timeout_ms)}},
                            a.tx, "transfer", &hash));
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::TransactionView view, node->Transaction(hash));
  bridge::Packet packet;
  for (const api::EventView& e : view.receipt().events()) {
    bridge::SendPacketEvent ev;
    if (e.contract() == bridge::kBridgeAddress &&
        e.name() == "SendPacketEvent" && ev.ParseFromString(e.data())) {
      packet = ev.packet();
    }
  }
  const std::string denom = AnswerText(result, "denom");
  ASSIGN_OR_RETURN(uint64_t sent, AnswerU64(result, "amount"));
  s.Emit(json{{"tx", Hex0x(hash)},
              {"channel", a.channel},
              {"sequence", StrCat(packet.sequence())},
              {"destination_port", packet.destination_port()},
              {"destination_channel", packet.destination_channel()},
              {"denom", denom},
              {"amount", StrCat(sent)},
              {"timeout_height", StrCat(timeout_height)},
              {"timeout_ms", StrCat(timeout_ms)}},
         StrCat("sent ", sent, " ", denom, " on ", a.channel, " as packet ",
                packet.sequence(), " (tx ", Hex0x(hash),
                "); `ballast bridge doctor ", a.channel, "/", packet.sequence(),
                "` follows it\n"));
  return absl::OkStatus();
}

// The state of a packet at its source, in words.
std::string SourceState(const PacketRecord& r) {
  if (!r.done) return "in flight";
  if (r.timed_out) return "timed out (refunded)";
  if (std::optional<std::string> e = AckError(r.ack); e.has_value()) {
    return "refunded (error acknowledgement: " + *e + ")";
  }
  return "acknowledged";
}

absl::Status BridgePackets(Session& s, const std::string& channel,
                           std::optional<uint64_t> height) {
  std::vector<std::string> channels;
  if (!channel.empty()) {
    channels.push_back(channel);
  } else {
    ASSIGN_OR_RETURN(uint64_t n, Count(s, "channel", &height));
    for (uint64_t i = 0; i < n; ++i) channels.push_back(StrCat("channel-", i));
  }
  if (!height.has_value()) {
    ASSIGN_OR_RETURN(api::Client * node, s.Node());
    ASSIGN_OR_RETURN(api::BlockView head, node->LatestBlock());
    height = head.header().height();
  }
  json list = json::array();
  std::string text;
  std::map<std::string, uint64_t> counts;
  for (const std::string& ch : channels) {
    ASSIGN_OR_RETURN(ChannelApp app, AppOfChannel(s, ch, &height));
    ASSIGN_OR_RETURN(api::Client * node, s.Node());
    ASSIGN_OR_RETURN(ChannelHistory h,
                     ReadChannelHistory(*node, app.port, ch, *height));
    for (const auto& [seq, r] : h.sent) {
      const std::string state = SourceState(r);
      ++counts[state.substr(0, state.find(' ', 3))];
      json doc = {{"channel", ch},
                  {"sequence", StrCat(seq)},
                  {"direction", "sent"},
                  {"state", state},
                  {"height", StrCat(r.height)},
                  {"destination_channel", r.packet.destination_channel()}};
      std::string what;
      if (auto t = DecodeTransferData(r.packet.data()); t.has_value()) {
        doc["denom"] = t->denom;
        doc["amount"] = StrCat(t->amount);
        what = StrCat(" ", t->amount, " ", t->denom);
      }
      list.push_back(doc);
      text += StrCat(ch, "/", seq, " sent at height ", r.height, what, ": ",
                     state, "\n");
    }
    for (const auto& [seq, r] : h.received) {
      std::optional<std::string> e = AckError(r.ack);
      json doc = {{"channel", ch},
                  {"sequence", StrCat(seq)},
                  {"direction", "received"},
                  {"state", e.has_value() ? "refused: " + *e : "received"},
                  {"height", StrCat(r.height)},
                  {"source_channel", r.packet.source_channel()}};
      list.push_back(doc);
      text += StrCat(ch, "/", seq, " received at height ", r.height, ": ",
                     std::string(doc["state"]), "\n");
    }
  }
  if (text.empty()) text = "no packets\n";
  s.Emit(json{{"height", StrCat(*height)}, {"packets", list}},
         StrCat("at height ", *height, ":\n", text));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::optional<std::string>>> ReadBridge(
    Session& s, const std::vector<std::string>& keys,
    std::optional<uint64_t>* height) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  std::vector<std::optional<std::string>> out;
  for (size_t start = 0; start < keys.size(); start += api::kMaxProofKeys) {
    api::ProofRequest request;
    for (size_t i = start; i < keys.size() && i < start + api::kMaxProofKeys;
         ++i) {
      request.add_bridge_keys(keys[i]);
    }
    if (height->has_value()) request.set_height(**height);
    ASSIGN_OR_RETURN(api::ProofResponse doc, node->Proof(request));
    *height = doc.height();
    for (const api::ProofEntry& e : doc.entries()) {
      out.push_back(e.has_value() ? std::optional<std::string>(e.value())
                                  : std::nullopt);
    }
  }
  return out;
}

void RegisterBridgeCommands(CLI::App& app, const CommandHook& on) {
  auto height = std::make_shared<std::optional<uint64_t>>();
  CLI::App* bridge = app.add_subcommand(
      "bridge", "The bridge's state: light clients and channels");
  bridge->require_subcommand(1);
  CLI::App* clients =
      bridge->add_subcommand("clients", "Light clients of other chains");
  AddHeight(clients, *height);
  on(clients, "bridge clients",
     [height](Session& s) { return Clients(s, *height); });
  CLI::App* channels = bridge->add_subcommand(
      "channels", "Channels, their ends and their next sequence");
  AddHeight(channels, *height);
  on(channels, "bridge channels",
     [height](Session& s) { return Channels(s, *height); });

  auto t = std::make_shared<BridgeTransferArgs>();
  CLI::App* transfer = bridge->add_subcommand(
      "transfer",
      "Send TOKEN AMOUNT to RECIPIENT on the other end of --channel through "
      "the transfer application bound to it");
  transfer->add_option("--channel", t->channel, "Channel id here")->required();
  transfer->add_option("token", t->token, "Token address")->required();
  transfer->add_option("amount", t->amount, "Integer amount")->required();
  transfer->add_option("recipient", t->recipient, "Address on the other chain")
      ->required();
  transfer->add_option("--from", t->tx.from, "Name of the signing key")
      ->required();
  transfer->add_option("--timeout", t->timeout,
                       "The packet's timeout from now, in the destination's "
                       "block time (e.g. 10m, 1h; default 10m)");
  transfer
      ->add_option("--timeout-height", t->timeout_height,
                   "The destination's height at which it times out")
      ->check(Uint64());
  transfer->add_option("--gas", t->tx.gas, "Gas limit of each transaction")
      ->capture_default_str()
      ->check(Uint64());
  transfer
      ->add_option("--wait", t->tx.timeout_seconds,
                   "Seconds to wait for each receipt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  on(transfer, "bridge transfer",
     [t](Session& s) { return BridgeTransfer(s, *t); });

  auto channel = std::make_shared<std::string>();
  CLI::App* packets = bridge->add_subcommand(
      "packets",
      "Packets sent and received here: in flight, acknowledged, refunded, "
      "timed out");
  packets->add_option("--channel", *channel, "Only this channel");
  AddHeight(packets, *height);
  on(packets, "bridge packets", [channel, height](Session& s) {
    return BridgePackets(s, *channel, *height);
  });

  RegisterBridgeDoctorAndAudit(bridge, on);
}

}  // namespace ballast::cli
