#include "tools/cli/bridge_commands.h"

#include <memory>

#include "CLI/CLI.hpp"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/channels.h"
#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proof.h"
#include "tools/cli/output.h"
#include "tools/cli/tx_options.h"

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
}

}  // namespace ballast::cli
