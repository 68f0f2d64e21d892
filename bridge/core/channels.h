// Connections, channels and packets (ICS-03 and ICS-04 semantics), over the
// light clients (light_client.h) and the proofs they anchor
// (proof_check.h).
//
// Connections pair this chain's client of the other chain with the other
// chain's client of this one, in four steps (init on A, try on B, ack on A,
// confirm on B); each step after the first proves the other side's record
// exactly as this side expects it, so both ends are bound to each other.
// Channels do the same between two ports over an open connection, and each
// side's application consents (its kOnChannelOpen callback).
//
// Packets. The sender's contract asks (Send); the bridge commits SHA-256 of
// the packet under its channel and sequence. The receiver accepts it only
// (Recv):
//   - on an open channel whose counterparty is the packet's source, over an
//     open connection whose client holds the proof's height, not frozen;
//   - with a proof of that exact commitment in the source's state;
//   - once (a receipt), and before its timeout height or time;
// then calls its application (kOnPacket) and commits the acknowledgement.
// The source then deletes its commitment and calls its application with the
// proved acknowledgement (Acknowledge, kOnAck), or, against a proof that
// the destination holds no receipt at a height or time past the timeout,
// with the timeout (Timeout, kOnTimeout).
//
// Every check runs before the first write; every message is charged
// (gas.h) before its work. Not thread-safe (as its store).

#ifndef BALLAST_BRIDGE_CORE_CHANNELS_H_
#define BALLAST_BRIDGE_CORE_CHANNELS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/gas.h"
#include "bridge/core/host.h"
#include "bridge/core/light_client.h"
#include "bridge/core/store.h"

namespace ballast::bridge {

// "INIT", "TRYOPEN", "OPEN" (the enum's name without its prefix).
std::string_view StateName(State s);

// The commitment of a packet and of an acknowledgement.
std::string PacketCommitment(const Packet& packet);
std::string AckCommitment(const Acknowledgement& ack);

class Channels {
 public:
  // All must outlive this object; events are appended to `events`.
  Channels(BridgeStore* store, const LightClients* clients, Apps* apps,
           ChargeFn charge, std::vector<BridgeEvent>* events);

  absl::StatusOr<std::string> InitConnection(const ConnOpenInit& msg);
  absl::StatusOr<std::string> TryConnection(const ConnOpenTry& msg);
  absl::Status AckConnection(const ConnOpenAck& msg);
  absl::Status ConfirmConnection(const ConnOpenConfirm& msg);

  absl::StatusOr<std::string> InitChannel(const ChanOpenInit& msg);
  absl::StatusOr<std::string> TryChannel(const ChanOpenTry& msg);
  absl::Status AckChannel(const ChanOpenAck& msg);
  absl::Status ConfirmChannel(const ChanOpenConfirm& msg);

  // A packet from `contract` (20 bytes) on `channel` of its own port.
  absl::StatusOr<Packet> Send(std::string_view contract,
                              std::string_view channel, std::string data,
                              uint64_t timeout_height, int64_t timeout_ms);
  absl::StatusOr<Acknowledgement> Recv(const RecvPacket& msg,
                                       const MsgContext& ctx);
  absl::Status Acknowledge(const AcknowledgePacket& msg);
  absl::Status Timeout(const TimeoutPacket& msg);

  absl::StatusOr<ConnectionEnd> Connection(std::string_view id) const;
  absl::StatusOr<ChannelEnd> Channel(std::string_view port,
                                     std::string_view channel) const;

 private:
  // The connection `id`, which must be OPEN, and its client not frozen.
  absl::StatusOr<ConnectionEnd> OpenConnection(std::string_view id) const;
  // The checks Acknowledge and Timeout share: the packet's channel here,
  // its destination the channel's counterparty, its commitment in flight.
  // Returns the channel's connection.
  absl::StatusOr<ConnectionEnd> InFlight(const Packet& p);
  absl::Status Consent(std::string_view port, const ChannelOpenCallback& cb);
  void Emit(std::string_view name, const google::protobuf::Message& event);
  // A HandshakeEvent (port and channel empty for a connection step).
  void EmitHandshake(std::string_view connection, std::string_view port,
                     std::string_view channel, State state);
  // A new channel end: its record, its first sequence (1), the index of its
  // port, its handshake event.
  void WriteNewChannel(std::string_view port, const std::string& id,
                       const ChannelEnd& end);

  BridgeStore* store_;
  const LightClients* clients_;
  Apps* apps_;
  ChargeFn charge_;
  std::vector<BridgeEvent>* events_;
};

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_CHANNELS_H_
