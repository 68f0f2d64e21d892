// `ballast bridge doctor` and `ballast bridge audit` (bridge_commands.h):
// the two commands that read both ends of a channel.
//
// audit's identity, per path (a channel from chain A to chain B whose
// applications are transfer applications) and per token T native to A,
// with A read at height hA and then B at hB:
//
//   escrow_A(T) = supply_B(voucher of T)
//               + in flight A->B: sent on A by hA, not acknowledged at hA,
//                 not credited on B by hB
//               + in flight B->A: vouchers burnt on B by hB, not acknowledged
//                 at hB, not released on A by hA
//               - credited on B by hB but sent on A after hA
//
// Each term is exact at its height, and the last one covers the only event
// that can fall between the two reads (a packet sent and received between
// them); so the identity holds at any pair of heights read in that order,
// and a difference is a real one: tokens minted without a lock, or
// released twice.

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "tools/cli/bridge_commands.h"
#include "tools/cli/bridge_history.h"
#include "tools/cli/chains_commands.h"
#include "tools/cli/output.h"
#include "tools/cli/vault_commands.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

struct ProofTrustOf {
  api::ProofTrust trust;
  std::string source;  // where the keys came from, for the reader
};

// At most this many channels of a chain are audited.
constexpr uint64_t kMaxAuditedChannels = 1000;

template <typename M>
absl::StatusOr<std::optional<M>> Record(Session& s, const std::string& key,
                                        std::optional<uint64_t>* height) {
  ASSIGN_OR_RETURN(auto values, ReadBridge(s, {key}, height));
  if (!values[0].has_value()) return std::nullopt;
  M m;
  if (!m.ParseFromString(*values[0])) {
    return absl::DataLossError("a bridge record does not parse");
  }
  return m;
}

// One end of a channel: its port, the end's record, and the chain id its
// client follows.
struct End {
  std::string channel;
  std::string port;
  bridge::ChannelEnd end;
  std::string counterparty_chain;
};

absl::StatusOr<End> ReadEnd(Session& s, const std::string& channel,
                            std::optional<uint64_t>* height) {
  RETURN_IF_ERROR(bridge::CheckId("channel", channel));
  End e;
  e.channel = channel;
  ASSIGN_OR_RETURN(auto port,
                   ReadBridge(s, {bridge::ChannelPortKey(channel)}, height));
  if (!port[0].has_value()) {
    return absl::NotFoundError(
        StrCat("this chain has no channel '", channel, "'"));
  }
  e.port = *port[0];
  ASSIGN_OR_RETURN(auto end,
                   Record<bridge::ChannelEnd>(
                       s, bridge::ChannelKey(e.port, channel), height));
  if (!end.has_value()) {
    return absl::DataLossError(StrCat("channel '", channel, "' has no end"));
  }
  e.end = *end;
  ASSIGN_OR_RETURN(auto conn,
                   Record<bridge::ConnectionEnd>(
                       s, bridge::ConnectionKey(e.end.connection()), height));
  if (conn.has_value()) {
    ASSIGN_OR_RETURN(auto client,
                     Record<bridge::ClientState>(
                         s, bridge::ClientKey(conn->client()), height));
    if (client.has_value()) e.counterparty_chain = client->chain_id();
  }
  return e;
}

absl::StatusOr<uint64_t> Head(Session& s) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::BlockView head, node->LatestBlock());
  return head.header().height();
}

// The URL of chain `chain_id` from `explicit_url` or the registry.
std::optional<std::string> UrlOf(const std::string& chain_id,
                                 const std::string& explicit_url) {
  if (!explicit_url.empty()) return explicit_url;
  auto chains = LoadChainRegistry(ChainRegistryPath());
  if (!chains.ok()) return std::nullopt;
  for (const ChainEntry& e : *chains) {
    if (e.chain_id == chain_id) return e.url;
  }
  return std::nullopt;
}

std::unique_ptr<Session> SessionAt(const Session& like,
                                   const std::string& url) {
  GlobalOptions o = like.options();
  o.node_url = url;
  static std::ostringstream sink;  // never written: only `like` emits
  return std::make_unique<Session>(o, sink);
}

// ---- doctor ----

absl::Status Doctor(Session& s, const std::string& what,
                    const std::string& other_url) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  std::optional<uint64_t> hs;
  ASSIGN_OR_RETURN(hs, Head(s));
  bridge::Packet packet;
  if (what.starts_with("0x") && what.size() == 66) {
    ASSIGN_OR_RETURN(std::string hash, FromHex(what.substr(2)));
    ASSIGN_OR_RETURN(api::TransactionView tx, node->Transaction(hash));
    bool found = false;
    for (const api::EventView& e : tx.receipt().events()) {
      bridge::SendPacketEvent ev;
      if (e.contract() == bridge::kBridgeAddress &&
          e.name() == "SendPacketEvent" && ev.ParseFromString(e.data())) {
        packet = ev.packet();
        found = true;
      }
    }
    if (!found) {
      return absl::NotFoundError(
          StrCat("transaction ", what, " sent no packet",
                 tx.status() == "pending" ? " (it is still pending)" : ""));
    }
  } else {
    const size_t slash = what.find('/');
    uint64_t seq = 0;
    if (slash == std::string::npos ||
        !absl::SimpleAtoi(what.substr(slash + 1), &seq)) {
      return absl::InvalidArgumentError(
          StrCat("'", what,
                 "': give a transaction hash (0x + 64 hex digits) or "
                 "CHANNEL/SEQUENCE"));
    }
    packet.set_source_channel(what.substr(0, slash));
    packet.set_sequence(seq);
  }
  ASSIGN_OR_RETURN(End src, ReadEnd(s, packet.source_channel(), &hs));
  ASSIGN_OR_RETURN(ChannelHistory hist,
                   ReadChannelHistory(*node, src.port, src.channel, *hs));
  auto it = hist.sent.find(packet.sequence());
  if (it == hist.sent.end()) {
    return absl::NotFoundError(StrCat("no packet ", packet.sequence(),
                                      " was sent on ", src.channel,
                                      " by height ", *hs));
  }
  const PacketRecord& r = it->second;
  packet = r.packet;
  json doc = {{"chain_id", info.chain_id()},
              {"channel", src.channel},
              {"sequence", StrCat(packet.sequence())},
              {"sent_height", StrCat(r.height)},
              {"destination_chain", src.counterparty_chain},
              {"destination_channel", packet.destination_channel()},
              {"timeout_height", StrCat(packet.timeout_height())},
              {"timeout_ms", StrCat(packet.timeout_ms())}};
  if (auto t = DecodeTransferData(packet.data()); t.has_value()) {
    doc["denom"] = t->denom;
    doc["amount"] = StrCat(t->amount);
  }
  const std::string relay =
      StrCat("ballast-relayer start --path ", info.chain_id(), ":", src.channel,
             ":", src.counterparty_chain);
  std::string state, next;
  if (r.done) {
    if (r.timed_out) {
      state = StrCat("timed out; refunded on ", info.chain_id(), " at height ",
                     r.done_height);
    } else if (std::optional<std::string> e = AckError(r.ack)) {
      state = StrCat("refused by ", src.counterparty_chain, " (", *e,
                     "); refunded on ", info.chain_id(), " at height ",
                     r.done_height);
    } else {
      state = StrCat("delivered; acknowledged on ", info.chain_id(),
                     " at height ", r.done_height);
    }
    next = "nothing: the packet's life is over";
  } else {
    std::optional<std::string> url = UrlOf(src.counterparty_chain, other_url);
    if (!url.has_value()) {
      state =
          StrCat("in flight (no acknowledgement on ", info.chain_id(), " yet)");
      next = StrCat("give --other URL of ", src.counterparty_chain,
                    " (or run where `ballast chains up` wrote the registry) "
                    "to see its side");
    } else {
      std::unique_ptr<Session> other = SessionAt(s, *url);
      ASSIGN_OR_RETURN(api::Client * dst, other->Node());
      ASSIGN_OR_RETURN(api::BlockView dh, dst->LatestBlock());
      std::optional<uint64_t> hd = dh.header().height();
      ASSIGN_OR_RETURN(
          auto v, ReadBridge(*other,
                             {bridge::ReceiptKey(packet.destination_port(),
                                                 packet.destination_channel(),
                                                 packet.sequence())},
                             &hd));
      doc["destination_height"] = StrCat(*hd);
      if (v[0].has_value()) {
        ASSIGN_OR_RETURN(ChannelHistory dhist,
                         ReadChannelHistory(*dst, packet.destination_port(),
                                            packet.destination_channel(), *hd));
        auto got = dhist.received.find(packet.sequence());
        std::string how = "accepted";
        if (got != dhist.received.end()) {
          if (auto e = AckError(got->second.ack)) how = "refused: " + *e;
          state = StrCat("received on ", src.counterparty_chain, " at height ",
                         got->second.height, " (", how,
                         "); its acknowledgement is not yet back on ",
                         info.chain_id());
        } else {
          state = StrCat("received on ", src.counterparty_chain,
                         "; its acknowledgement is not yet back");
        }
        next = StrCat("relay the ack: ", relay);
      } else if ((packet.timeout_height() != 0 &&
                  *hd >= packet.timeout_height()) ||
                 (packet.timeout_ms() > 0 &&
                  dh.header().time_ms() >= packet.timeout_ms())) {
        state = StrCat("timed out: ", src.counterparty_chain, " is at height ",
                       *hd, " and never received it");
        next = StrCat("submit the timeout to refund: ", relay);
      } else {
        state = StrCat("in flight: not yet received on ",
                       src.counterparty_chain, " (at height ", *hd, ")");
        next = StrCat("relay the packet: ", relay);
        if (packet.timeout_ms() > 0) {
          next += StrCat(" (it times out in ",
                         (packet.timeout_ms() - dh.header().time_ms()) / 1000,
                         " s)");
        }
      }
    }
  }
  doc["state"] = state;
  doc["next_action"] = next;
  s.Emit(doc, StrCat("packet ", src.channel, "/", packet.sequence(), " from ",
                     info.chain_id(), " to ", src.counterparty_chain, ":\n  ",
                     state, "\n  next: ", next, "\n"));
  return absl::OkStatus();
}

// ---- audit ----

absl::StatusOr<uint64_t> QueryU64(Session& s, const std::string& contract,
                                  const std::string& method, const json& args,
                                  const std::string& field, uint64_t height) {
  ASSIGN_OR_RETURN(api::QueryResponse r,
                   QueryMethod(s, contract, method, args, height));
  ASSIGN_OR_RETURN(json doc, QueryResult(r));
  return AnswerU64(doc, field);
}

// What a chain's proof must show: the storage key and the figure the audit
// read there by query.
struct Proved {
  std::vector<ProofKey> keys;
  std::vector<uint64_t> figures;
};

// The keys a light client of `chain_id` would trust: the registry's (the
// user's own configuration) if it names the chain, else the node's own
// signing keys, all of them (said in the output).
ProofTrustOf TrustOf(const api::InfoResponse& info) {
  ProofTrustOf t;
  t.trust.chain_id = info.chain_id();
  if (auto chains = LoadChainRegistry(ChainRegistryPath()); chains.ok()) {
    for (const ChainEntry& e : *chains) {
      if (e.chain_id == info.chain_id()) {
        t.trust.producers = e.trusted_keys;
        t.trust.threshold = e.threshold;
        t.source = "the chain registry";
        return t;
      }
    }
  }
  t.trust.producers.assign(info.signing_pubkeys().begin(),
                           info.signing_pubkeys().end());
  t.trust.threshold = t.trust.producers.size();
  t.source = "the node's own signing keys (no registry entry)";
  return t;
}

// Proves `p`'s keys on `s` at `height`, verifies the document offline
// against `info`'s trusted keys, checks every proved figure against the
// query's, and writes the document into `dir`. Returns its path.
absl::StatusOr<json> ProveFigures(Session& s, const api::InfoResponse& info,
                                  const Proved& p, uint64_t height,
                                  const std::string& dir) {
  ASSIGN_OR_RETURN(api::ProofResponse doc, ProveAll(s, p.keys, height));
  const ProofTrustOf t = TrustOf(info);
  ASSIGN_OR_RETURN(api::ProvedDocument proved,
                   api::VerifyProofDocument(doc, t.trust));
  for (size_t i = 0; i < p.keys.size(); ++i) {
    const api::ProvedEntry* e = nullptr;
    for (const api::ProvedEntry& pe : proved.entries) {
      if (pe.contract == p.keys[i].contract && pe.key == p.keys[i].key) e = &pe;
    }
    if (e == nullptr) {
      return absl::DataLossError(
          StrCat("the proof of ", info.chain_id(), " lacks ", p.keys[i].label));
    }
    ASSIGN_OR_RETURN(uint64_t v, TokenU64(e->value, p.keys[i].label));
    if (v != p.figures[i]) {
      return absl::DataLossError(
          StrCat(info.chain_id(), ": proved ", p.keys[i].label, " ", v,
                 " differs from the query's ", p.figures[i]));
    }
  }
  ASSIGN_OR_RETURN(json doc_json, api::ProofDocumentJson(doc));
  const std::string path =
      StrCat(dir, "/audit-", info.chain_id(), "-", height, ".json");
  RETURN_IF_ERROR(WriteFileDurably(path, api::DumpJson(doc_json, 2) + "\n"));
  return json{{"file", path},
              {"height", StrCat(height)},
              {"entries", p.keys.size()},
              {"trusted_keys_from", t.source}};
}

absl::Status Audit(Session& s, const std::string& url_a,
                   const std::string& url_b, const std::string& prove_dir) {
  std::unique_ptr<Session> a = SessionAt(s, url_a);
  std::unique_ptr<Session> b = SessionAt(s, url_b);
  ASSIGN_OR_RETURN(api::Client * na, a->Node());
  ASSIGN_OR_RETURN(api::Client * nb, b->Node());
  ASSIGN_OR_RETURN(api::InfoResponse ia, na->Info());
  ASSIGN_OR_RETURN(api::InfoResponse ib, nb->Info());
  // A first, then B (see the top of this file).
  std::optional<uint64_t> ha;
  ASSIGN_OR_RETURN(ha, Head(*a));
  std::optional<uint64_t> hb;
  ASSIGN_OR_RETURN(hb, Head(*b));
  ASSIGN_OR_RETURN(auto count,
                   ReadBridge(*a, {bridge::CounterKey("channel")}, &ha));
  uint64_t n = count[0].has_value() && count[0]->size() == 8
                   ? DecodeBigEndian64(*count[0])
                   : 0;
  n = std::min(n, kMaxAuditedChannels);
  json paths = json::array();
  std::string text;
  bool all_ok = true;
  Proved proved_a, proved_b;
  for (uint64_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(End ea, ReadEnd(*a, StrCat("channel-", i), &ha));
    if (ea.counterparty_chain != ib.chain_id() ||
        ea.end.state() != bridge::STATE_OPEN) {
      continue;
    }
    ASSIGN_OR_RETURN(End eb, ReadEnd(*b, ea.end.counterparty_channel(), &hb));
    std::optional<std::string> app_a = bridge::ContractOf(ea.port);
    std::optional<std::string> app_b = bridge::ContractOf(eb.port);
    if (!app_a || !app_b) continue;
    ASSIGN_OR_RETURN(ChannelHistory ha_hist,
                     ReadChannelHistory(*na, ea.port, ea.channel, *ha));
    ASSIGN_OR_RETURN(ChannelHistory hb_hist,
                     ReadChannelHistory(*nb, eb.port, eb.channel, *hb));
    const std::string prefix = StrCat(eb.port, "/", eb.channel, "/");
    // The tokens of A that crossed: what A sent natively, and what B got.
    std::map<std::string, bool> tokens;
    // A denomination that does not start with A's own end of the channel
    // leaves A into escrow (a token of A's, or a voucher A holds of another
    // path); one that does is a voucher of B's coming home (ICS-20).
    const std::string own = StrCat(ea.port, "/", ea.channel, "/");
    auto escrowed_here =
        [&](const PacketRecord& r) -> std::optional<std::string> {
      auto t = DecodeTransferData(r.packet.data());
      if (!t || t->denom.starts_with(own)) return std::nullopt;
      return t->denom;
    };
    for (const auto& [seq, r] : ha_hist.sent) {
      if (auto d = escrowed_here(r)) tokens[*d] = true;
    }
    for (const auto& [seq, r] : hb_hist.received) {
      if (auto d = escrowed_here(r)) tokens[*d] = true;
    }
    for (const auto& [denom, unused] : tokens) {
      // The token A escrows: itself, or A's voucher of that denomination.
      std::string escrow_token = denom;
      if (!denom.starts_with("0x")) {
        ASSIGN_OR_RETURN(
            api::QueryResponse ar,
            QueryMethod(*a, *app_a, "voucher", {{"denom", denom}}, *ha));
        ASSIGN_OR_RETURN(json v, QueryResult(ar));
        if (!v.value("exists", false)) {
          return absl::DataLossError(StrCat(ia.chain_id(), " sent ", denom,
                                            " but holds no voucher of it"));
        }
        escrow_token = AnswerText(v, "token");
      }
      ASSIGN_OR_RETURN(uint64_t escrow, QueryU64(*a, *app_a, "escrowed",
                                                 {{"channel", ea.channel},
                                                  {"token", escrow_token}},
                                                 "amount", *ha));
      ASSIGN_OR_RETURN(
          api::QueryResponse vr,
          QueryMethod(*b, *app_b, "voucher", {{"denom", prefix + denom}}, *hb));
      ASSIGN_OR_RETURN(json voucher, QueryResult(vr));
      uint64_t supply = 0;
      const std::string vtoken = AnswerText(voucher, "token");
      if (voucher.value("exists", false)) {
        ASSIGN_OR_RETURN(std::string raw, ParseAddress(vtoken));
        ASSIGN_OR_RETURN(supply, QueryU64(*b, raw, "total_supply",
                                          json::object(), "total_supply", *hb));
      }
      const PathBalance pb =
          BalancePath(ha_hist, hb_hist, denom, prefix, escrow, supply);
      // The storage behind the two figures (contracts/transfer/transfer.cc
      // and contracts/token/token.cc: "e" + token + channel, "supply").
      ASSIGN_OR_RETURN(std::string escrow_raw, ParseAddress(escrow_token));
      proved_a.keys.push_back(
          {*app_a, "e" + escrow_raw + ea.channel,
           StrCat("escrow of ", denom, " on ", ea.channel)});
      proved_a.figures.push_back(escrow);
      if (voucher.value("exists", false)) {
        ASSIGN_OR_RETURN(std::string raw, ParseAddress(vtoken));
        proved_b.keys.push_back(
            {raw, "supply", StrCat("supply of the voucher of ", denom)});
        proved_b.figures.push_back(supply);
      }
      const bool ok = pb.ok;
      all_ok = all_ok && ok;
      auto u = [](uint64_t v) { return StrCat(v); };
      const uint64_t in_ab = pb.in_flight_a_to_b, in_ba = pb.in_flight_b_to_a,
                     late = pb.sent_after_a;
      paths.push_back({{"chain_a", ia.chain_id()},
                       {"channel_a", ea.channel},
                       {"chain_b", ib.chain_id()},
                       {"channel_b", eb.channel},
                       {"token", denom},
                       {"voucher", vtoken},
                       {"escrow_a", StrCat(escrow)},
                       {"voucher_supply_b", StrCat(supply)},
                       {"in_flight_a_to_b", u(in_ab)},
                       {"in_flight_b_to_a", u(in_ba)},
                       {"sent_after_a_read", u(late)},
                       {"ok", ok}});
      text += StrCat(ia.chain_id(), ":", ea.channel, " -> ", ib.chain_id(), ":",
                     eb.channel, "  ", denom, "\n  escrow on A ", escrow, " ",
                     ok ? "==" : "!=", " vouchers on B ", supply,
                     " + in flight A->B ", u(in_ab), " + in flight B->A ",
                     u(in_ba), " - sent after A was read ", u(late),
                     ok ? "  ok\n" : "  MISMATCH\n");
    }
  }
  if (text.empty()) text = "no transfer paths between the two chains\n";
  json doc = {{"height_a", StrCat(*ha)},
              {"height_b", StrCat(*hb)},
              {"ok", all_ok},
              {"paths", paths}};
  if (!prove_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(prove_dir, ec);
    json proofs = json::array();
    if (!proved_a.keys.empty()) {
      ASSIGN_OR_RETURN(json pa, ProveFigures(*a, ia, proved_a, *ha, prove_dir));
      proofs.push_back(pa);
    }
    if (!proved_b.keys.empty()) {
      ASSIGN_OR_RETURN(json pb, ProveFigures(*b, ib, proved_b, *hb, prove_dir));
      proofs.push_back(pb);
    }
    for (const json& p : proofs) {
      text += StrCat("proved ", p["entries"].get<size_t>(),
                     " figures at height ", p["height"].get<std::string>(),
                     " (keys from ", p["trusted_keys_from"].get<std::string>(),
                     "): ", p["file"].get<std::string>(), "\n");
    }
    doc["proofs"] = proofs;
  }
  s.Emit(doc, StrCat(ia.chain_id(), " at height ", *ha, ", ", ib.chain_id(),
                     " at height ", *hb, ":\n", text));
  if (!all_ok) {
    return absl::DataLossError(
        "the escrow and the vouchers do not match (see above)");
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterBridgeDoctorAndAudit(CLI::App* bridge, const CommandHook& on) {
  auto what = std::make_shared<std::string>();
  auto other = std::make_shared<std::string>();
  CLI::App* doctor = bridge->add_subcommand(
      "doctor",
      "Where is my transfer: a packet's state on both chains and the next "
      "action it needs");
  doctor
      ->add_option("packet", *what,
                   "The sending transaction's hash, or CHANNEL/SEQUENCE")
      ->required();
  doctor->add_option("--other", *other,
                     "API URL of the destination chain (default: from "
                     "$BALLAST_HOME/chains.json)");
  on(doctor, "bridge doctor",
     [what, other](Session& s) { return Doctor(s, *what, *other); });

  auto url_a = std::make_shared<std::string>();
  auto prove = std::make_shared<std::string>();
  auto url_b = std::make_shared<std::string>();
  CLI::App* audit = bridge->add_subcommand(
      "audit",
      "Per path from A to B: the escrow on A against the vouchers on B and "
      "the packets in flight; exits 1 on any mismatch");
  audit->add_option("--chain-a", *url_a, "API URL of the escrowing chain")
      ->required();
  audit->add_option("--chain-b", *url_b, "API URL of the voucher chain")
      ->required();
  audit->add_option("--prove", *prove,
                    "Prove every escrow and voucher supply with state "
                    "proofs, verify them offline against the registry's "
                    "keys, and write the documents into this directory");
  on(audit, "bridge audit", [url_a, url_b, prove](Session& s) {
    return Audit(s, *url_a, *url_b, *prove);
  });
}

}  // namespace ballast::cli
