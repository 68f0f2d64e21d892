#include "tools/cli/bridge_history.h"

#include <algorithm>
#include <tuple>

#include "bridge/core/host.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/unknown_field_set.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast::cli {
namespace {

constexpr uint32_t kPage = 1000;  // the API's largest page

// The length-delimited field `number` of a message read without its schema.
std::optional<std::string> Field(const google::protobuf::UnknownFieldSet& set,
                                 int number) {
  for (int i = 0; i < set.field_count(); ++i) {
    const google::protobuf::UnknownField& f = set.field(i);
    if (f.number() == number &&
        f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      return f.length_delimited();
    }
  }
  return std::nullopt;
}

}  // namespace

void AddBridgeEvent(ChannelHistory* h, const std::string& port,
                    const std::string& channel, std::string_view name,
                    const std::string& data, uint64_t height,
                    uint32_t tx_index) {
  if (name == "SendPacketEvent") {
    bridge::SendPacketEvent ev;
    if (!ev.ParseFromString(data) || ev.packet().source_port() != port ||
        ev.packet().source_channel() != channel) {
      return;
    }
    PacketRecord& r = h->sent[ev.packet().sequence()];
    r.packet = ev.packet();
    r.height = height;
    r.tx_index = tx_index;
  } else if (name == "PacketDoneEvent") {
    bridge::PacketDoneEvent ev;
    if (!ev.ParseFromString(data) || ev.packet().source_port() != port ||
        ev.packet().source_channel() != channel) {
      return;
    }
    PacketRecord& r = h->sent[ev.packet().sequence()];
    r.packet = ev.packet();
    r.done = true;
    r.timed_out = ev.timed_out();
    r.done_height = height;
    r.ack = ev.acknowledgement();
  } else if (name == "WriteAckEvent") {
    bridge::WriteAckEvent ev;
    if (!ev.ParseFromString(data) || ev.packet().destination_port() != port ||
        ev.packet().destination_channel() != channel) {
      return;
    }
    PacketRecord& r = h->received[ev.packet().sequence()];
    r.packet = ev.packet();
    r.height = height;
    r.tx_index = tx_index;
    r.ack = ev.acknowledgement();
  }
}

absl::StatusOr<ChannelHistory> ReadChannelHistory(api::Client& node,
                                                  const std::string& port,
                                                  const std::string& channel,
                                                  uint64_t to_height) {
  ChannelHistory h;
  uint64_t from = 0;
  std::tuple<uint64_t, uint32_t, uint32_t> last{0, 0, 0};
  bool any = false;
  for (;;) {
    api::EventsRequest req;
    req.set_contract(std::string(bridge::kBridgeAddress));
    req.set_from_block(from);
    req.set_to_block(to_height);
    req.set_limit(kPage);
    ASSIGN_OR_RETURN(api::EventsResponse page, node.Events(req));
    for (const api::EventView& e : page.events()) {
      const auto at =
          std::make_tuple(e.block_height(), e.tx_index(), e.event_index());
      if (any && at <= last) continue;  // read on the page before
      any = true;
      last = at;
      AddBridgeEvent(&h, port, channel, e.name(), e.data(), e.block_height(),
                     e.tx_index());
    }
    if (page.events_size() < static_cast<int>(kPage)) break;
    const uint64_t next = std::get<0>(last);
    if (next == from) {
      return absl::ResourceExhaustedError(
          StrCat("block ", from, " holds more than ", kPage,
                 " bridge events; read it with the relayer"));
    }
    from = next;
  }
  return h;
}

std::optional<TransferData> DecodeTransferData(const std::string& data) {
  google::protobuf::UnknownFieldSet set;
  if (!set.ParseFromString(data)) return std::nullopt;
  TransferData t;
  bool has_amount = false;
  for (int i = 0; i < set.field_count(); ++i) {
    const google::protobuf::UnknownField& f = set.field(i);
    using F = google::protobuf::UnknownField;
    if (f.number() == 2 && f.type() == F::TYPE_VARINT) {
      t.amount = f.varint();
      has_amount = true;
    } else if (f.type() == F::TYPE_LENGTH_DELIMITED) {
      if (f.number() == 1) t.denom = f.length_delimited();
      if (f.number() == 3) t.sender = f.length_delimited();
      if (f.number() == 4) t.receiver = f.length_delimited();
    }
  }
  if (t.denom.empty() || !has_amount) return std::nullopt;
  return t;
}

std::optional<std::string> AckError(const bridge::Acknowledgement& ack) {
  if (ack.response_case() == bridge::Acknowledgement::kError) {
    return ack.error().empty() ? "error" : ack.error();
  }
  if (ack.response_case() != bridge::Acknowledgement::kResult) {
    return "no acknowledgement";
  }
  google::protobuf::UnknownFieldSet set;
  if (set.ParseFromString(ack.result())) {
    if (auto e = Field(set, 2); e.has_value() && !e->empty()) return *e;
  }
  return std::nullopt;
}

PathBalance BalancePath(const ChannelHistory& a, const ChannelHistory& b,
                        const std::string& denom, const std::string& prefix,
                        uint64_t escrow_a, uint64_t supply_b) {
  // Sums of at most 2^64 amounts each below 2^64 fit 128 bits.
  unsigned __int128 in_ab = 0, in_ba = 0, late = 0;
  for (const auto& [seq, r] : a.sent) {
    std::optional<TransferData> t = DecodeTransferData(r.packet.data());
    if (!t || t->denom != denom || r.done) continue;
    auto got = b.received.find(seq);
    const bool credited =
        got != b.received.end() && !AckError(got->second.ack).has_value();
    if (!credited) in_ab += t->amount;
  }
  for (const auto& [seq, r] : b.received) {
    std::optional<TransferData> t = DecodeTransferData(r.packet.data());
    if (!t || t->denom != denom || AckError(r.ack).has_value()) continue;
    if (!a.sent.count(seq)) late += t->amount;
  }
  for (const auto& [seq, r] : b.sent) {
    std::optional<TransferData> t = DecodeTransferData(r.packet.data());
    if (!t || t->denom != prefix + denom || r.done) continue;
    auto got = a.received.find(seq);
    const bool released =
        got != a.received.end() && !AckError(got->second.ack).has_value();
    if (!released) in_ba += t->amount;
  }
  constexpr unsigned __int128 kMax = ~uint64_t{0};
  PathBalance out;
  out.escrow_a = escrow_a;
  out.supply_b = supply_b;
  out.in_flight_a_to_b = static_cast<uint64_t>(std::min(in_ab, kMax));
  out.in_flight_b_to_a = static_cast<uint64_t>(std::min(in_ba, kMax));
  out.sent_after_a = static_cast<uint64_t>(std::min(late, kMax));
  out.ok = late <= static_cast<unsigned __int128>(supply_b) + in_ab + in_ba &&
           static_cast<unsigned __int128>(supply_b) + in_ab + in_ba - late ==
               escrow_a;
  return out;
}

}  // namespace ballast::cli
