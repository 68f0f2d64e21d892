#include "bridge/relayer/relayer.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proto_json.h"

namespace ballast::relayer {
namespace {

using nlohmann::json;

// Events read per request (the API's maximum).
constexpr uint32_t kEventPage = 1000;
// The gas limits a message kind starts with. After each round a kind's
// limit becomes twice the most one of its messages used in that round (the
// block's gas limit counts limits, not use, so a tight limit packs more
// messages in a block); it doubles after one runs out of gas.
constexpr uint64_t kStartGas[] = {1'000'000, 4'000'000, 2'000'000, 2'000'000};
constexpr uint64_t kMinGas = 100'000;
constexpr uint64_t kMaxGas = 50'000'000;  // half a default block

}  // namespace

absl::StatusOr<Chaos> ParseChaos(std::string_view text) {
  Chaos c;
  if (text.empty()) return c;
  for (const std::string& part :
       std::vector<std::string>(absl::StrSplit(std::string(text), ','))) {
    const size_t eq = part.find('=');
    const std::string name = part.substr(0, eq);
    double p = 0;
    if (eq == std::string::npos || !absl::SimpleAtod(part.substr(eq + 1), &p) ||
        !(p >= 0 && p <= 1)) {
      return absl::InvalidArgumentError(
          StrCat("chaos: '", part, "': a probability in [0, 1] is expected"));
    }
    if (name == "drop") {
      c.drop = p;
    } else if (name == "dup") {
      c.dup = p;
    } else if (name == "delay") {
      c.delay = p;
    } else if (name == "reorder") {
      c.reorder = p;
    } else {
      return absl::InvalidArgumentError(StrCat(
          "chaos: unknown '", name, "' (drop, dup, delay and reorder are)"));
    }
  }
  return c;
}

// ---- Progress ----

json Progress::ToJson() const {
  json scan = json::object();
  for (const auto& [chain, h] : scan_from) scan[chain] = h;
  return {{"version", 1},
          {"scan_from", scan},
          {"rounds", rounds},
          {"received", received},
          {"acknowledged", acknowledged},
          {"timed_out", timed_out},
          {"updates", updates},
          {"refused", refused},
          {"dropped", dropped},
          {"pending", pending},
          {"awaiting_ack", awaiting_ack},
          {"latency_count", latency_count},
          {"latency_sum_ms", latency_sum_ms},
          {"latency_max_ms", latency_max_ms},
          {"gas_limits",
           {gas_limits[0], gas_limits[1], gas_limits[2], gas_limits[3]}},
          {"scan_ms", scan_ms},
          {"decide_ms", decide_ms},
          {"submit_ms", submit_ms},
          {"last_error", last_error}};
}

absl::StatusOr<Progress> Progress::FromJson(const json& doc) {
  Progress p;
  if (!doc.is_object() || doc.value("version", 0) != 1) {
    return absl::DataLossError("relayer progress: not a version 1 document");
  }
  auto u64 = [&](const char* name, uint64_t* out) -> absl::Status {
    auto it = doc.find(name);
    if (it == doc.end()) return absl::OkStatus();
    if (!it->is_number_unsigned()) {
      return absl::DataLossError(
          StrCat("relayer progress: '", name, "' is not a count"));
    }
    *out = it->get<uint64_t>();
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(u64("rounds", &p.rounds));
  RETURN_IF_ERROR(u64("received", &p.received));
  RETURN_IF_ERROR(u64("acknowledged", &p.acknowledged));
  RETURN_IF_ERROR(u64("timed_out", &p.timed_out));
  RETURN_IF_ERROR(u64("updates", &p.updates));
  RETURN_IF_ERROR(u64("refused", &p.refused));
  RETURN_IF_ERROR(u64("dropped", &p.dropped));
  RETURN_IF_ERROR(u64("pending", &p.pending));
  RETURN_IF_ERROR(u64("awaiting_ack", &p.awaiting_ack));
  RETURN_IF_ERROR(u64("latency_count", &p.latency_count));
  RETURN_IF_ERROR(u64("latency_sum_ms", &p.latency_sum_ms));
  RETURN_IF_ERROR(u64("latency_max_ms", &p.latency_max_ms));
  RETURN_IF_ERROR(u64("scan_ms", &p.scan_ms));
  RETURN_IF_ERROR(u64("decide_ms", &p.decide_ms));
  RETURN_IF_ERROR(u64("submit_ms", &p.submit_ms));
  if (auto it = doc.find("gas_limits"); it != doc.end()) {
    if (!it->is_array() || it->size() != 4) {
      return absl::DataLossError(
          "relayer progress: 'gas_limits' is not 4 limits");
    }
    for (size_t k = 0; k < 4; ++k) {
      if (!(*it)[k].is_number_unsigned()) {
        return absl::DataLossError(
            "relayer progress: a gas limit is not a count");
      }
      p.gas_limits[k] = (*it)[k].get<uint64_t>();
    }
  }
  if (auto it = doc.find("last_error"); it != doc.end() && it->is_string()) {
    p.last_error = it->get<std::string>();
  }
  if (auto it = doc.find("scan_from"); it != doc.end()) {
    if (!it->is_object()) {
      return absl::DataLossError("relayer progress: 'scan_from' is not a map");
    }
    for (const auto& [chain, h] : it->items()) {
      if (!h.is_number_unsigned()) {
        return absl::DataLossError(StrCat("relayer progress: scan_from of '",
                                          chain, "' is not a height"));
      }
      p.scan_from[chain] = h.get<uint64_t>();
    }
  }
  return p;
}

absl::StatusOr<Progress> Progress::Load(const std::string& path) {
  ReadFileOptions options;
  options.max_bytes = 1 << 20;
  ASSIGN_OR_RETURN(std::optional<std::string> text,
                   ReadFileIfExists(path, options));
  if (!text.has_value()) return Progress();
  ASSIGN_OR_RETURN(json doc, api::ParseJson(*text));
  return FromJson(doc);
}

absl::Status Progress::Save(const std::string& path) const {
  return WriteFileDurably(path, ToJson().dump(2) + "\n");
}

// ---- Relayer ----

Relayer::Relayer(std::map<std::string, Chain*> chains, std::vector<Path> paths,
                 Options options, Progress progress)
    : chains_(std::move(chains)),
      paths_(std::move(paths)),
      options_(std::move(options)),
      progress_(std::move(progress)),
      rng_(options_.seed) {
  for (int k = 0; k < kKinds; ++k) {
    const uint64_t learnt = progress_.gas_limits[k];
    gas_[k] = learnt == 0 ? kStartGas[k] : std::clamp(learnt, kMinGas, kMaxGas);
  }
  for (const auto& [id, chain] : chains_) {
    auto it = progress_.scan_from.find(id);
    scanned_[id] = it == progress_.scan_from.end() ? 1 : it->second;
  }
}

void Relayer::See(const std::string& chain_id, const api::EventView& e) {
  if (e.name() == "SendPacketEvent") {
    bridge::SendPacketEvent ev;
    if (!ev.ParseFromString(e.data())) return;
    const bridge::Packet& p = ev.packet();
    for (size_t i = 0; i < paths_.size(); ++i) {
      for (int from = 0; from < 2; ++from) {
        const PathEnd& end = paths_[i].end[from];
        if (end.chain_id == chain_id && end.port == p.source_port() &&
            end.channel == p.source_channel()) {
          Open& o = open_[PacketId(i, from, p.sequence())];
          o.packet = p;
          o.sent_height = e.block_height();
        }
      }
    }
  } else if (e.name() == "WriteAckEvent") {
    bridge::WriteAckEvent ev;
    if (!ev.ParseFromString(e.data())) return;
    const bridge::Packet& p = ev.packet();
    for (size_t i = 0; i < paths_.size(); ++i) {
      for (int to = 0; to < 2; ++to) {
        const PathEnd& end = paths_[i].end[to];
        if (end.chain_id == chain_id && end.port == p.destination_port() &&
            end.channel == p.destination_channel()) {
          Open& o = open_[PacketId(i, 1 - to, p.sequence())];
          if (o.sent_height == 0) o.packet = p;  // its send was before
          o.have_ack = true;
          o.ack = ev.acknowledgement();
          o.ack_height = e.block_height();
        }
      }
    }
  }
}

absl::Status Relayer::Scan(const std::string& chain_id, uint64_t to_height) {
  Chain& chain = *chains_.at(chain_id);
  uint64_t from = scanned_[chain_id];
  while (from <= to_height) {
    // A window small enough that one page holds it: halved while full, down
    // to one block, whose events are then read transaction by transaction.
    uint64_t to = to_height;
    for (;;) {
      api::EventsRequest req;
      req.set_contract(std::string(bridge::kBridgeAddress));
      req.set_from_block(from);
      req.set_to_block(to);
      req.set_limit(kEventPage);
      ASSIGN_OR_RETURN(api::EventsResponse page, chain.node().Events(req));
      if (page.events_size() < static_cast<int>(kEventPage)) {
        for (const api::EventView& e : page.events()) See(chain_id, e);
        break;
      }
      if (to > from) {
        to = from + (to - from) / 2;
        continue;
      }
      ASSIGN_OR_RETURN(api::BlockView block, chain.node().BlockAt(from));
      for (const std::string& hash : block.txs()) {
        ASSIGN_OR_RETURN(api::TransactionView tx,
                         chain.node().Transaction(hash));
        for (const api::EventView& e : tx.receipt().events()) {
          if (e.contract() == bridge::kBridgeAddress) {
            api::EventView with_height = e;
            with_height.set_block_height(from);
            See(chain_id, with_height);
          }
        }
      }
      break;
    }
    from = to + 1;
    scanned_[chain_id] = from;
  }
  return absl::OkStatus();
}

absl::Status Relayer::Decide(
    const std::map<std::string, Head>& heads,
    std::map<std::string, std::vector<Pending>>* batches) {
  // What to read on each chain: keys, and which packet each belongs to.
  struct Read {
    std::vector<std::string> keys;
    std::vector<std::pair<PacketId, int>> of;  // 0 commitment, 1 receipt,
                                               // 2 ack
  };
  std::map<std::string, Read> reads;
  for (const auto& [id, o] : open_) {
    const Path& path = paths_[std::get<0>(id)];
    const PathEnd& src = path.end[std::get<1>(id)];
    const PathEnd& dst = path.end[1 - std::get<1>(id)];
    const uint64_t seq = std::get<2>(id);
    Read& rs = reads[src.chain_id];
    rs.keys.push_back(bridge::CommitmentKey(src.port, src.channel, seq));
    rs.of.push_back({id, 0});
    Read& rd = reads[dst.chain_id];
    rd.keys.push_back(bridge::ReceiptKey(dst.port, dst.channel, seq));
    rd.of.push_back({id, 1});
    rd.keys.push_back(bridge::AckKey(dst.port, dst.channel, seq));
    rd.of.push_back({id, 2});
  }
  // The proof documents, and each chain's clients (of the others), at the
  // heads.
  struct State {
    bool committed = false, received = false;
    std::string commitment_proof, receipt_proof, ack_proof;
  };
  std::map<PacketId, State> states;
  std::map<std::string, api::ProofResponse> docs;
  for (auto& [chain_id, r] : reads) {
    // The clients this chain holds of the paths' other chains.
    std::vector<std::string> client_keys;
    for (const Path& path : paths_) {
      for (int e = 0; e < 2; ++e) {
        if (path.end[e].chain_id == chain_id) {
          client_keys.push_back(bridge::ClientKey(path.end[e].client));
        }
      }
    }
    std::vector<std::string> keys = r.keys;
    keys.insert(keys.end(), client_keys.begin(), client_keys.end());
    ASSIGN_OR_RETURN(
        api::ProofResponse doc,
        chains_.at(chain_id)->Prove(keys, heads.at(chain_id).height));
    for (size_t k = 0; k < r.keys.size(); ++k) {
      const api::ProofEntry& e = doc.entries(static_cast<int>(k));
      State& s = states[r.of[k].first];
      switch (r.of[k].second) {
        case 0:
          s.committed = e.has_value();
          s.commitment_proof = e.proof();
          break;
        case 1:
          s.received = e.has_value();
          s.receipt_proof = e.proof();
          break;
        default:
          s.ack_proof = e.proof();
      }
    }
    docs[chain_id] = std::move(doc);
  }
  // Client heights, from the tails of the documents: (chain, its client of
  // another chain) -> the client's latest height.
  std::map<std::pair<std::string, std::string>, uint64_t> client_height;
  for (const auto& [chain_id, doc] : docs) {
    const size_t n = reads[chain_id].keys.size();
    size_t k = n;
    for (const Path& path : paths_) {
      for (int e = 0; e < 2; ++e) {
        if (path.end[e].chain_id != chain_id) continue;
        const api::ProofEntry& entry = doc.entries(static_cast<int>(k++));
        bridge::ClientState c;
        if (!entry.has_value() || !c.ParseFromString(entry.value())) {
          return absl::FailedPreconditionError(
              StrCat(chain_id, " has no client '", path.end[e].client, "'"));
        }
        if (c.frozen()) {
          return absl::FailedPreconditionError(
              StrCat(chain_id, "'s client '", path.end[e].client,
                     "' is frozen: ", c.frozen_reason()));
        }
        client_height[{chain_id, path.end[e].client}] = c.latest_height();
      }
    }
  }

  std::map<std::string, std::vector<Pending>> msgs;
  // The clients this round updates: (chain, client).
  std::set<std::pair<std::string, std::string>> updating;
  auto need_update = [&](const std::string& on, const std::string& of,
                         const std::string& client) {
    const uint64_t h = heads.at(of).height;
    const uint64_t have = client_height[{on, client}];
    if (have > h) return false;  // moved past our read: next round
    if (have < h && updating.insert({on, client}).second) {
      Pending u;
      u.msg = Chain::UpdateOf(client, docs.at(of));
      u.kind = kUpdate;
      msgs[on].insert(msgs[on].begin(), std::move(u));
    }
    return true;
  };
  uint64_t pending = 0, awaiting_ack = 0;
  for (auto it = open_.begin(); it != open_.end();) {
    const auto& [id, o] = *it;
    const State& s = states[id];
    const Path& path = paths_[std::get<0>(id)];
    const PathEnd& src = path.end[std::get<1>(id)];
    const PathEnd& dst = path.end[1 - std::get<1>(id)];
    if (!s.committed) {  // done at its source (by anyone)
      it = open_.erase(it);
      continue;
    }
    ++pending;
    const Head& dh = heads.at(dst.chain_id);
    Pending m;
    m.id = id;
    if (s.received) {
      ++awaiting_ack;
      if (!o.have_ack) {  // its event is past the scan: next round
        ++it;
        continue;
      }
      if (!need_update(src.chain_id, dst.chain_id, src.client)) {
        ++it;
        continue;
      }
      bridge::AcknowledgePacket* a = m.msg.mutable_acknowledge_packet();
      *a->mutable_packet() = o.packet;
      *a->mutable_acknowledgement() = o.ack;
      a->set_proof_height(dh.height);
      a->set_proof(s.ack_proof);
      m.kind = kAck;
      msgs[src.chain_id].push_back(std::move(m));
    } else if ((o.packet.timeout_height() != 0 &&
                dh.height >= o.packet.timeout_height()) ||
               (o.packet.timeout_ms() > 0 &&
                dh.time_ms >= o.packet.timeout_ms())) {
      if (!need_update(src.chain_id, dst.chain_id, src.client)) {
        ++it;
        continue;
      }
      bridge::TimeoutPacket* t = m.msg.mutable_timeout_packet();
      *t->mutable_packet() = o.packet;
      t->set_proof_height(dh.height);
      t->set_proof(s.receipt_proof);
      m.kind = kTimeout;
      msgs[src.chain_id].push_back(std::move(m));
    } else {
      if (!need_update(dst.chain_id, src.chain_id, dst.client)) {
        ++it;
        continue;
      }
      bridge::RecvPacket* r = m.msg.mutable_recv_packet();
      *r->mutable_packet() = o.packet;
      r->set_proof_height(heads.at(src.chain_id).height);
      r->set_proof(s.commitment_proof);
      m.kind = kRecv;
      if (o.sent_height != 0) {
        auto t = chains_.at(src.chain_id)->BlockTime(o.sent_height);
        if (t.ok()) m.sent_time_ms = *t;
      }
      msgs[dst.chain_id].push_back(std::move(m));
    }
    ++it;
  }
  progress_.pending = pending;
  progress_.awaiting_ack = awaiting_ack;
  for (auto& [chain_id, list] : msgs) {
    // The update first, then at most max_batch messages.
    if (list.size() > options_.max_batch + 1) {
      list.resize(options_.max_batch + 1);
    }
    std::vector<Pending>& out = (*batches)[chain_id];
    for (Pending& m : list) out.push_back(std::move(m));
  }
  return absl::OkStatus();
}

absl::Status Relayer::Submit(const std::string& chain_id,
                             std::vector<Pending> batch) {
  Chain& chain = *chains_.at(chain_id);
  const Chaos& chaos = options_.chaos;
  std::uniform_real_distribution<double> u(0, 1);
  const int round = static_cast<int>(progress_.rounds);
  // Released from an earlier round's delay.
  std::vector<Pending>& held = held_[chain_id];
  std::vector<Pending> now;
  for (auto it = held.begin(); it != held.end();) {
    if (it->release_round <= round) {
      now.push_back(std::move(*it));
      it = held.erase(it);
    } else {
      ++it;
    }
  }
  for (Pending& m : batch) {
    if (chaos.drop > 0 && u(rng_) < chaos.drop) {
      ++progress_.dropped;
      continue;
    }
    if (chaos.delay > 0 && u(rng_) < chaos.delay) {
      m.release_round = round + 1 + static_cast<int>(rng_() % 3);
      held.push_back(std::move(m));
      continue;
    }
    if (chaos.dup > 0 && u(rng_) < chaos.dup) now.push_back(m);
    now.push_back(std::move(m));
  }
  if (chaos.reorder > 0 && u(rng_) < chaos.reorder) {
    std::shuffle(now.begin(), now.end(), rng_);
  }
  if (now.empty()) return absl::OkStatus();
  std::vector<bridge::Msg> msgs;
  std::vector<uint64_t> gas;
  for (const Pending& m : now) {
    msgs.push_back(m.msg);
    gas.push_back(gas_[m.kind]);
  }
  std::vector<Outcome> outcomes = chain.SubmitAll(msgs, gas, options_.wait);
  uint64_t most_used[kKinds] = {};
  bool out_of_gas[kKinds] = {};
  for (size_t i = 0; i < now.size(); ++i) {
    const Outcome& o = outcomes[i];
    const Kind kind = now[i].kind;
    if (o.status == ledger::RECEIPT_STATUS_SUCCESS) {
      most_used[kind] = std::max(most_used[kind], o.gas_used);
      switch (kind) {
        case kUpdate:
          ++progress_.updates;
          break;
        case kRecv: {
          ++progress_.received;
          auto t = chain.BlockTime(o.block_height);
          if (t.ok() && now[i].sent_time_ms > 0 && *t >= now[i].sent_time_ms) {
            const uint64_t ms = *t - now[i].sent_time_ms;
            ++progress_.latency_count;
            progress_.latency_sum_ms += ms;
            progress_.latency_max_ms = std::max(progress_.latency_max_ms, ms);
          }
          break;
        }
        case kAck:
          ++progress_.acknowledged;
          break;
        default:
          ++progress_.timed_out;
      }
      continue;
    }
    if (o.status == ledger::RECEIPT_STATUS_OUT_OF_GAS) out_of_gas[kind] = true;
    ++progress_.refused;
  }
  for (int k = 0; k < kKinds; ++k) {
    if (out_of_gas[k]) {
      gas_[k] = std::min(kMaxGas, 2 * gas_[k]);
    } else if (most_used[k] > 0) {
      gas_[k] = std::clamp<uint64_t>(2 * most_used[k], kMinGas, kMaxGas);
    }
    progress_.gas_limits[k] = gas_[k];
  }
  return absl::OkStatus();
}

void Relayer::SaveProgress() {
  // Events must be read again from the oldest open packet's height on each
  // chain (its send on the source, its ack on the destination).
  std::map<std::string, uint64_t> from = scanned_;
  for (const auto& [id, o] : open_) {
    const Path& path = paths_[std::get<0>(id)];
    const std::string& src = path.end[std::get<1>(id)].chain_id;
    const std::string& dst = path.end[1 - std::get<1>(id)].chain_id;
    if (o.sent_height != 0) from[src] = std::min(from[src], o.sent_height);
    if (o.have_ack) from[dst] = std::min(from[dst], o.ack_height);
  }
  progress_.scan_from = from;
  if (options_.progress_file.empty()) return;
  if (absl::Status s = progress_.Save(options_.progress_file); !s.ok()) {
    std::cerr << "ballast-relayer: saving progress: " << s << "\n";
  }
}

absl::Status Relayer::Step() {
  ++progress_.rounds;
  absl::Status status = [&]() -> absl::Status {
    auto ms_since = [](absl::Time t) {
      return static_cast<uint64_t>(absl::ToInt64Milliseconds(absl::Now() - t));
    };
    absl::Time t = absl::Now();
    std::map<std::string, Head> heads;
    for (const auto& [id, chain] : chains_) {
      ASSIGN_OR_RETURN(heads[id], chain->ReadHead());
    }
    for (const auto& [id, head] : heads) RETURN_IF_ERROR(Scan(id, head.height));
    progress_.scan_ms += ms_since(t);
    t = absl::Now();
    std::map<std::string, std::vector<Pending>> batches;
    RETURN_IF_ERROR(Decide(heads, &batches));
    progress_.decide_ms += ms_since(t);
    t = absl::Now();
    for (auto& [id, chain] : chains_) {
      RETURN_IF_ERROR(Submit(id, std::move(batches[id])));
    }
    progress_.submit_ms += ms_since(t);
    return absl::OkStatus();
  }();
  progress_.last_error = status.ok() ? "" : std::string(status.message());
  SaveProgress();
  return status;
}

}  // namespace ballast::relayer
