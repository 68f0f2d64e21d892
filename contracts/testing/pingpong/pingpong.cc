// Ping-pong: a test application of the bridge. Interface: pingpong.proto.
//
// Storage: "c" Counters, "d" the last received data, "a" the last result
// acknowledgement, "e" the last error acknowledgement.

#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "testing/pingpong/pingpong.ballast.h"

namespace ballast::pingpong {
namespace {

constexpr std::string_view kCountersKey = "c";
constexpr std::string_view kDataKey = "d";
constexpr std::string_view kAckKey = "a";
constexpr std::string_view kErrorKey = "e";

Counters Counts() {
  Counters c;
  LoadMessage(kCountersKey, &c);
  return c;
}

void RequireBridge(std::string_view method) {
  if (!CalledByBridge()) Abort({method, ": only the bridge may call this"});
}

}  // namespace

PingResponse PingPong::ping(const PingRequest& request) {
  const uint32_t count = request.count == 0 ? 1 : request.count;
  for (uint32_t i = 0; i < count; ++i) {
    SendPacket(request.channel, request.data, request.timeout_height,
               request.timeout_ms);
  }
  return {};
}

StateResponse PingPong::state(const StateRequest&) {
  Counters c = Counts();
  StateResponse out;
  out.received = c.received;
  out.acked = c.acked;
  out.errors = c.errors;
  out.timeouts = c.timeouts;
  out.last_data = Load(kDataKey).value_or("");
  out.last_ack = Load(kAckKey).value_or("");
  out.last_error = Load(kErrorKey).value_or("");
  return out;
}

Empty PingPong::bridge_channel_open(const ChannelOpenCallback& request) {
  RequireBridge("bridge_channel_open");
  if (request.version != "ping-1") {
    Abort({"pingpong: version must be ping-1, got '", request.version, "'"});
  }
  return {};
}

Pong PingPong::bridge_packet(const PacketCallback& request) {
  RequireBridge("bridge_packet");
  if (!request.packet.has_value()) Abort("bridge_packet: no packet");
  const std::string& data = request.packet->data;
  if (data == "fail") Abort("pingpong: asked to fail");
  Counters c = Counts();
  ++c.received;
  StoreMessage(kCountersKey, c);
  Store(kDataKey, data);
  return Pong{.reply = "pong:" + data};
}

Empty PingPong::bridge_ack(const PacketDoneCallback& request) {
  RequireBridge("bridge_ack");
  Counters c = Counts();
  const Acknowledgement ack =
      request.acknowledgement.value_or(Acknowledgement{});
  if (!ack.error.empty()) {
    ++c.errors;
    Store(kErrorKey, ack.error);
  } else {
    ++c.acked;
    Store(kAckKey, ack.result);
  }
  StoreMessage(kCountersKey, c);
  return {};
}

Empty PingPong::bridge_timeout(const PacketDoneCallback&) {
  RequireBridge("bridge_timeout");
  Counters c = Counts();
  ++c.timeouts;
  StoreMessage(kCountersKey, c);
  return {};
}

}  // namespace ballast::pingpong
