#include "bridge/core/channels.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "bridge/core/keys.h"
#include "bridge/core/proof_check.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"

namespace ballast::bridge {
namespace {

absl::Status RequireState(std::string_view what, std::string_view id, State has,
                          State want) {
  if (has == want) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat(what, " ", id, " is ", StateName(has), ", not ", StateName(want)));
}

ConnectionEnd MakeConnection(std::string_view client, State state,
                             std::string_view counterparty_client,
                             std::string_view counterparty_connection) {
  ConnectionEnd end;
  end.set_client(std::string(client));
  end.set_state(state);
  end.set_counterparty_client(std::string(counterparty_client));
  end.set_counterparty_connection(std::string(counterparty_connection));
  return end;
}

ChannelEnd MakeChannel(std::string_view connection, State state,
                       std::string_view counterparty_port,
                       std::string_view counterparty_channel,
                       std::string_view version) {
  ChannelEnd end;
  end.set_connection(std::string(connection));
  end.set_state(state);
  end.set_counterparty_port(std::string(counterparty_port));
  end.set_counterparty_channel(std::string(counterparty_channel));
  end.set_version(std::string(version));
  return end;
}

template <typename M>
absl::StatusOr<std::optional<M>> Read(const BridgeStore& store,
                                      const std::string& key,
                                      std::string_view what) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(key));
  if (!bytes.has_value()) return std::optional<M>();
  M m;
  if (!m.ParseFromString(*bytes)) {
    return absl::DataLossError(StrCat(what, ": corrupt record"));
  }
  return std::optional<M>(std::move(m));
}

std::string Bytes(const google::protobuf::MessageLite& m) {
  return ledger::SerializeDeterministic(m);
}

absl::Status CheckVersion(std::string_view version) {
  if (version.size() > kMaxVersionBytes) {
    return absl::InvalidArgumentError(
        StrCat("a version is at most ", kMaxVersionBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckPacketIds(const Packet& p) {
  RETURN_IF_ERROR(CheckId("source port", p.source_port()));
  RETURN_IF_ERROR(CheckId("source channel", p.source_channel()));
  RETURN_IF_ERROR(CheckId("destination port", p.destination_port()));
  return CheckId("destination channel", p.destination_channel());
}

std::string Where(const Packet& p) {
  return StrCat("packet ", p.sequence(), " of ", p.source_port(), "/",
                p.source_channel());
}

}  // namespace

std::string_view StateName(State s) {
  std::string_view name = State_Name(s);  // "STATE_OPEN"
  return name.substr(std::min(name.size(), std::string_view("STATE_").size()));
}

std::string PacketCommitment(const Packet& packet) {
  return Sha256(Bytes(packet));
}

std::string AckCommitment(const Acknowledgement& ack) {
  return Sha256(Bytes(ack));
}

Channels::Channels(BridgeStore* store, const LightClients* clients, Apps* apps,
                   ChargeFn charge, std::vector<BridgeEvent>* events)
    : store_(store),
      clients_(clients),
      apps_(apps),
      charge_(std::move(charge)),
      events_(events) {}

void Channels::Emit(std::string_view name,
                    const google::protobuf::Message& event) {
  events_->push_back(BridgeEvent{std::string(name), Bytes(event)});
}

void Channels::EmitHandshake(std::string_view connection, std::string_view port,
                             std::string_view channel, State state) {
  HandshakeEvent event;
  event.set_connection(std::string(connection));
  event.set_port(std::string(port));
  event.set_channel(std::string(channel));
  event.set_state(state);
  Emit("HandshakeEvent", event);
}

void Channels::WriteNewChannel(std::string_view port, const std::string& id,
                               const ChannelEnd& end) {
  store_->Put(ChannelKey(port, id), Bytes(end));
  store_->Put(NextSendKey(port, id), EncodeBigEndian64(1));
  store_->Put(ChannelPortKey(id), port);
  EmitHandshake(end.connection(), port, id, end.state());
}

absl::StatusOr<ConnectionEnd> Channels::Connection(std::string_view id) const {
  RETURN_IF_ERROR(CheckId("connection id", id));
  ASSIGN_OR_RETURN(std::optional<ConnectionEnd> c,
                   Read<ConnectionEnd>(*store_, ConnectionKey(id),
                                       StrCat("connection ", id)));
  if (!c.has_value()) {
    return absl::NotFoundError(StrCat("unknown connection '", id, "'"));
  }
  return *std::move(c);
}

absl::StatusOr<ChannelEnd> Channels::Channel(std::string_view port,
                                             std::string_view channel) const {
  RETURN_IF_ERROR(CheckId("port", port));
  RETURN_IF_ERROR(CheckId("channel id", channel));
  ASSIGN_OR_RETURN(std::optional<ChannelEnd> c,
                   Read<ChannelEnd>(*store_, ChannelKey(port, channel),
                                    StrCat("channel ", port, "/", channel)));
  if (!c.has_value()) {
    return absl::NotFoundError(
        StrCat("unknown channel '", channel, "' of port '", port, "'"));
  }
  return *std::move(c);
}

absl::StatusOr<ConnectionEnd> Channels::OpenConnection(
    std::string_view id) const {
  ASSIGN_OR_RETURN(ConnectionEnd c, Connection(id));
  RETURN_IF_ERROR(RequireState("connection", id, c.state(), STATE_OPEN));
  return c;
}

// ---- connections ----

absl::StatusOr<std::string> Channels::InitConnection(const ConnOpenInit& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "connection open init"));
  RETURN_IF_ERROR(CheckId("counterparty client", msg.counterparty_client()));
  ASSIGN_OR_RETURN(ClientState client, clients_->Client(msg.client()));
  if (client.frozen()) {
    return absl::FailedPreconditionError(
        StrCat("client ", msg.client(), " is frozen"));
  }
  ASSIGN_OR_RETURN(uint64_t n, NextId(*store_, "connection"));
  const std::string id = StrCat("connection-", n);
  const ConnectionEnd end =
      MakeConnection(msg.client(), STATE_INIT, msg.counterparty_client(), "");
  store_->Put(ConnectionKey(id), Bytes(end));
  EmitHandshake(id, "", "", STATE_INIT);
  return id;
}

absl::StatusOr<std::string> Channels::TryConnection(const ConnOpenTry& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "connection open try"));
  RETURN_IF_ERROR(CheckId("counterparty client", msg.counterparty_client()));
  RETURN_IF_ERROR(
      CheckId("counterparty connection", msg.counterparty_connection()));
  // The other side's record, exactly as it must be.
  const ConnectionEnd theirs =
      MakeConnection(msg.counterparty_client(), STATE_INIT, msg.client(), "");
  RETURN_IF_ERROR(
      VerifyCounterparty(*clients_, msg.client(), msg.proof_height(),
                         ConnectionKey(msg.counterparty_connection()),
                         Bytes(theirs), msg.proof(), charge_));
  ASSIGN_OR_RETURN(uint64_t n, NextId(*store_, "connection"));
  const std::string id = StrCat("connection-", n);
  const ConnectionEnd end =
      MakeConnection(msg.client(), STATE_TRYOPEN, msg.counterparty_client(),
                     msg.counterparty_connection());
  store_->Put(ConnectionKey(id), Bytes(end));
  EmitHandshake(id, "", "", STATE_TRYOPEN);
  return id;
}

absl::Status Channels::AckConnection(const ConnOpenAck& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "connection open ack"));
  RETURN_IF_ERROR(
      CheckId("counterparty connection", msg.counterparty_connection()));
  ASSIGN_OR_RETURN(ConnectionEnd end, Connection(msg.connection()));
  RETURN_IF_ERROR(
      RequireState("connection", msg.connection(), end.state(), STATE_INIT));
  const ConnectionEnd theirs = MakeConnection(
      end.counterparty_client(), STATE_TRYOPEN, end.client(), msg.connection());
  RETURN_IF_ERROR(
      VerifyCounterparty(*clients_, end.client(), msg.proof_height(),
                         ConnectionKey(msg.counterparty_connection()),
                         Bytes(theirs), msg.proof(), charge_));
  end.set_state(STATE_OPEN);
  end.set_counterparty_connection(msg.counterparty_connection());
  store_->Put(ConnectionKey(msg.connection()), Bytes(end));
  EmitHandshake(msg.connection(), "", "", STATE_OPEN);
  return absl::OkStatus();
}

absl::Status Channels::ConfirmConnection(const ConnOpenConfirm& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "connection open confirm"));
  ASSIGN_OR_RETURN(ConnectionEnd end, Connection(msg.connection()));
  RETURN_IF_ERROR(
      RequireState("connection", msg.connection(), end.state(), STATE_TRYOPEN));
  const ConnectionEnd theirs = MakeConnection(
      end.counterparty_client(), STATE_OPEN, end.client(), msg.connection());
  RETURN_IF_ERROR(
      VerifyCounterparty(*clients_, end.client(), msg.proof_height(),
                         ConnectionKey(end.counterparty_connection()),
                         Bytes(theirs), msg.proof(), charge_));
  end.set_state(STATE_OPEN);
  store_->Put(ConnectionKey(msg.connection()), Bytes(end));
  EmitHandshake(msg.connection(), "", "", STATE_OPEN);
  return absl::OkStatus();
}

// ---- channels ----

// The contract bound to `port`.
static absl::StatusOr<std::string> AppOf(std::string_view port) {
  std::optional<std::string> contract = ContractOf(port);
  if (!contract.has_value()) {
    return absl::InvalidArgumentError(
        StrCat("port '", port, "' is not a contract's port (", kPortPrefix,
               "<40 lowercase hex digits of its address>)"));
  }
  return *std::move(contract);
}

absl::Status Channels::Consent(std::string_view port,
                               const ChannelOpenCallback& cb) {
  ASSIGN_OR_RETURN(std::string contract, AppOf(port));
  ASSIGN_OR_RETURN(AppOutcome out,
                   apps_->Call(contract, kOnChannelOpen, Bytes(cb)));
  if (!out.ok) {
    return absl::FailedPreconditionError(
        StrCat("the application of port ", port,
               " refused the channel: ", out.output));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Channels::InitChannel(const ChanOpenInit& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "channel open init"));
  RETURN_IF_ERROR(CheckId("port", msg.port()));
  RETURN_IF_ERROR(CheckId("counterparty port", msg.counterparty_port()));
  RETURN_IF_ERROR(CheckVersion(msg.version()));
  RETURN_IF_ERROR(OpenConnection(msg.connection()).status());
  ASSIGN_OR_RETURN(uint64_t n, NextId(*store_, "channel"));
  const std::string id = StrCat("channel-", n);
  ChannelOpenCallback cb;
  cb.set_port(msg.port());
  cb.set_channel(id);
  cb.set_counterparty_port(msg.counterparty_port());
  cb.set_version(msg.version());
  RETURN_IF_ERROR(Consent(msg.port(), cb));
  const ChannelEnd end = MakeChannel(
      msg.connection(), STATE_INIT, msg.counterparty_port(), "", msg.version());
  WriteNewChannel(msg.port(), id, end);
  return id;
}

absl::StatusOr<std::string> Channels::TryChannel(const ChanOpenTry& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "channel open try"));
  RETURN_IF_ERROR(CheckId("port", msg.port()));
  RETURN_IF_ERROR(CheckId("counterparty port", msg.counterparty_port()));
  RETURN_IF_ERROR(CheckId("counterparty channel", msg.counterparty_channel()));
  RETURN_IF_ERROR(CheckVersion(msg.version()));
  ASSIGN_OR_RETURN(ConnectionEnd conn, OpenConnection(msg.connection()));
  const ChannelEnd theirs =
      MakeChannel(conn.counterparty_connection(), STATE_INIT, msg.port(), "",
                  msg.version());
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      ChannelKey(msg.counterparty_port(), msg.counterparty_channel()),
      Bytes(theirs), msg.proof(), charge_));
  ASSIGN_OR_RETURN(uint64_t n, NextId(*store_, "channel"));
  const std::string id = StrCat("channel-", n);
  ChannelOpenCallback cb;
  cb.set_port(msg.port());
  cb.set_channel(id);
  cb.set_counterparty_port(msg.counterparty_port());
  cb.set_counterparty_channel(msg.counterparty_channel());
  cb.set_version(msg.version());
  RETURN_IF_ERROR(Consent(msg.port(), cb));
  const ChannelEnd end =
      MakeChannel(msg.connection(), STATE_TRYOPEN, msg.counterparty_port(),
                  msg.counterparty_channel(), msg.version());
  WriteNewChannel(msg.port(), id, end);
  return id;
}

absl::Status Channels::AckChannel(const ChanOpenAck& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "channel open ack"));
  RETURN_IF_ERROR(CheckId("counterparty channel", msg.counterparty_channel()));
  ASSIGN_OR_RETURN(ChannelEnd end, Channel(msg.port(), msg.channel()));
  RETURN_IF_ERROR(
      RequireState("channel", msg.channel(), end.state(), STATE_INIT));
  ASSIGN_OR_RETURN(ConnectionEnd conn, OpenConnection(end.connection()));
  const ChannelEnd theirs =
      MakeChannel(conn.counterparty_connection(), STATE_TRYOPEN, msg.port(),
                  msg.channel(), end.version());
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      ChannelKey(end.counterparty_port(), msg.counterparty_channel()),
      Bytes(theirs), msg.proof(), charge_));
  end.set_state(STATE_OPEN);
  end.set_counterparty_channel(msg.counterparty_channel());
  store_->Put(ChannelKey(msg.port(), msg.channel()), Bytes(end));
  EmitHandshake(end.connection(), msg.port(), msg.channel(), STATE_OPEN);
  return absl::OkStatus();
}

absl::Status Channels::ConfirmChannel(const ChanOpenConfirm& msg) {
  RETURN_IF_ERROR(charge_(kGasPerMessage, "channel open confirm"));
  ASSIGN_OR_RETURN(ChannelEnd end, Channel(msg.port(), msg.channel()));
  RETURN_IF_ERROR(
      RequireState("channel", msg.channel(), end.state(), STATE_TRYOPEN));
  ASSIGN_OR_RETURN(ConnectionEnd conn, OpenConnection(end.connection()));
  const ChannelEnd theirs =
      MakeChannel(conn.counterparty_connection(), STATE_OPEN, msg.port(),
                  msg.channel(), end.version());
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      ChannelKey(end.counterparty_port(), end.counterparty_channel()),
      Bytes(theirs), msg.proof(), charge_));
  end.set_state(STATE_OPEN);
  store_->Put(ChannelKey(msg.port(), msg.channel()), Bytes(end));
  EmitHandshake(end.connection(), msg.port(), msg.channel(), STATE_OPEN);
  return absl::OkStatus();
}

// ---- packets ----

absl::StatusOr<Packet> Channels::Send(std::string_view contract,
                                      std::string_view channel,
                                      std::string data, uint64_t timeout_height,
                                      int64_t timeout_ms) {
  RETURN_IF_ERROR(
      charge_(kGasPerMessage + kGasPerHashedByte * data.size(), "send packet"));
  const std::string port = PortOf(contract);
  if (data.size() > kMaxPacketDataBytes) {
    return absl::InvalidArgumentError(StrCat("packet data of ", data.size(),
                                             " bytes exceeds the limit of ",
                                             kMaxPacketDataBytes));
  }
  if (timeout_height == 0 && timeout_ms <= 0) {
    return absl::InvalidArgumentError(
        "a packet needs a timeout height or a timeout time");
  }
  ASSIGN_OR_RETURN(ChannelEnd end, Channel(port, channel));
  if (end.state() != STATE_OPEN) {
    return absl::FailedPreconditionError(
        StrCat("channel ", channel, " of port ", port, " is ",
               StateName(end.state()), ", not OPEN"));
  }
  RETURN_IF_ERROR(OpenConnection(end.connection()).status());
  const std::string next_key = NextSendKey(port, channel);
  ASSIGN_OR_RETURN(std::optional<std::string> next, store_->Get(next_key));
  if (!next.has_value() || next->size() != 8) {
    return absl::DataLossError(
        StrCat("channel ", port, "/", channel, ": corrupt sequence record"));
  }
  Packet p;
  p.set_sequence(DecodeBigEndian64(*next));
  p.set_source_port(port);
  p.set_source_channel(std::string(channel));
  p.set_destination_port(end.counterparty_port());
  p.set_destination_channel(end.counterparty_channel());
  p.set_data(std::move(data));
  p.set_timeout_height(timeout_height);
  p.set_timeout_ms(timeout_ms);
  store_->Put(next_key, EncodeBigEndian64(p.sequence() + 1));
  store_->Put(CommitmentKey(port, channel, p.sequence()), PacketCommitment(p));
  SendPacketEvent event;
  *event.mutable_packet() = p;
  Emit("SendPacketEvent", event);
  return p;
}

absl::StatusOr<Acknowledgement> Channels::Recv(const RecvPacket& msg,
                                               const MsgContext& ctx) {
  const Packet& p = msg.packet();
  RETURN_IF_ERROR(charge_(kGasPerMessage + kGasPerHashedByte * p.ByteSizeLong(),
                          "receive packet"));
  RETURN_IF_ERROR(CheckPacketIds(p));
  if (p.data().size() > kMaxPacketDataBytes) {
    return absl::InvalidArgumentError(StrCat("packet data of ", p.data().size(),
                                             " bytes exceeds the limit of ",
                                             kMaxPacketDataBytes));
  }
  ASSIGN_OR_RETURN(ChannelEnd end,
                   Channel(p.destination_port(), p.destination_channel()));
  if (end.state() != STATE_OPEN) {
    return absl::FailedPreconditionError(
        StrCat("channel ", p.destination_channel(), " is ",
               StateName(end.state()), ", not OPEN"));
  }
  if (p.source_port() != end.counterparty_port() ||
      p.source_channel() != end.counterparty_channel()) {
    return absl::InvalidArgumentError(
        StrCat(Where(p), " does not come from the channel's counterparty ",
               end.counterparty_port(), "/", end.counterparty_channel()));
  }
  ASSIGN_OR_RETURN(ConnectionEnd conn, OpenConnection(end.connection()));
  if (p.timeout_height() != 0 && ctx.height >= p.timeout_height()) {
    return absl::DeadlineExceededError(
        StrCat(Where(p), " timed out at height ", p.timeout_height()));
  }
  if (p.timeout_ms() > 0 && ctx.time_ms >= p.timeout_ms()) {
    return absl::DeadlineExceededError(
        StrCat(Where(p), " timed out at time ", p.timeout_ms()));
  }
  const std::string receipt =
      ReceiptKey(p.destination_port(), p.destination_channel(), p.sequence());
  ASSIGN_OR_RETURN(std::optional<std::string> held, store_->Get(receipt));
  if (held.has_value()) {
    return absl::AlreadyExistsError(StrCat(Where(p), " was already received"));
  }
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      CommitmentKey(p.source_port(), p.source_channel(), p.sequence()),
      PacketCommitment(p), msg.proof(), charge_));

  // Proved: record it, then hand it to the application.
  store_->Put(receipt, std::string(1, '\x01'));
  PacketCallback cb;
  *cb.mutable_packet() = p;
  ASSIGN_OR_RETURN(std::string contract, AppOf(p.destination_port()));
  ASSIGN_OR_RETURN(AppOutcome out, apps_->Call(contract, kOnPacket, Bytes(cb)));
  Acknowledgement ack;
  if (!out.ok) {
    ack.set_error(out.output);
  } else if (out.output.size() > kMaxAckBytes) {
    return absl::InvalidArgumentError(
        StrCat("the application's acknowledgement of ", out.output.size(),
               " bytes exceeds the limit of ", kMaxAckBytes));
  } else {
    ack.set_result(out.output);
  }
  RETURN_IF_ERROR(charge_(kGasPerHashedByte * ack.ByteSizeLong(),
                          "acknowledgement commitment"));
  store_->Put(
      AckKey(p.destination_port(), p.destination_channel(), p.sequence()),
      AckCommitment(ack));
  WriteAckEvent event;
  *event.mutable_packet() = p;
  *event.mutable_acknowledgement() = ack;
  Emit("WriteAckEvent", event);
  return ack;
}

absl::StatusOr<ConnectionEnd> Channels::InFlight(const Packet& p) {
  RETURN_IF_ERROR(CheckPacketIds(p));
  ASSIGN_OR_RETURN(ChannelEnd end,
                   Channel(p.source_port(), p.source_channel()));
  if (p.destination_port() != end.counterparty_port() ||
      p.destination_channel() != end.counterparty_channel()) {
    return absl::InvalidArgumentError(
        StrCat(Where(p), " does not go to the channel's counterparty ",
               end.counterparty_port(), "/", end.counterparty_channel()));
  }
  ASSIGN_OR_RETURN(ConnectionEnd conn, OpenConnection(end.connection()));
  ASSIGN_OR_RETURN(std::optional<std::string> commitment,
                   store_->Get(CommitmentKey(
                       p.source_port(), p.source_channel(), p.sequence())));
  if (!commitment.has_value()) {
    return absl::NotFoundError(
        StrCat(Where(p),
               " is not in flight (never sent, or already "
               "acknowledged or timed out)"));
  }
  if (*commitment != PacketCommitment(p)) {
    return absl::InvalidArgumentError(
        StrCat(Where(p), " is not the packet that was sent"));
  }
  return conn;
}

absl::Status Channels::Acknowledge(const AcknowledgePacket& msg) {
  const Packet& p = msg.packet();
  RETURN_IF_ERROR(
      charge_(kGasPerMessage + kGasPerHashedByte * msg.ByteSizeLong(),
              "acknowledge packet"));
  ASSIGN_OR_RETURN(ConnectionEnd conn, InFlight(p));
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      AckKey(p.destination_port(), p.destination_channel(), p.sequence()),
      AckCommitment(msg.acknowledgement()), msg.proof(), charge_));
  store_->Delete(
      CommitmentKey(p.source_port(), p.source_channel(), p.sequence()));
  PacketDoneCallback cb;
  *cb.mutable_packet() = p;
  *cb.mutable_acknowledgement() = msg.acknowledgement();
  ASSIGN_OR_RETURN(std::string contract, AppOf(p.source_port()));
  ASSIGN_OR_RETURN(AppOutcome out, apps_->Call(contract, kOnAck, Bytes(cb)));
  if (!out.ok) {
    return absl::FailedPreconditionError(StrCat(
        "the application of port ", p.source_port(),
        " failed on the acknowledgement of ", Where(p), ": ", out.output));
  }
  PacketDoneEvent event;
  *event.mutable_packet() = p;
  *event.mutable_acknowledgement() = msg.acknowledgement();
  Emit("PacketDoneEvent", event);
  return absl::OkStatus();
}

absl::Status Channels::Timeout(const TimeoutPacket& msg) {
  const Packet& p = msg.packet();
  RETURN_IF_ERROR(charge_(kGasPerMessage + kGasPerHashedByte * p.ByteSizeLong(),
                          "time out packet"));
  ASSIGN_OR_RETURN(ConnectionEnd conn, InFlight(p));
  ASSIGN_OR_RETURN(ConsensusState cs,
                   clients_->Consensus(conn.client(), msg.proof_height()));
  const bool by_height =
      p.timeout_height() != 0 && msg.proof_height() >= p.timeout_height();
  const bool by_time = p.timeout_ms() > 0 && cs.time_ms() >= p.timeout_ms();
  if (!by_height && !by_time) {
    return absl::FailedPreconditionError(
        StrCat(Where(p), " has not timed out at the destination's height ",
               msg.proof_height(), " (time ", cs.time_ms(), ")"));
  }
  // Absent at a height past the timeout: never received, and never will be.
  RETURN_IF_ERROR(VerifyCounterparty(
      *clients_, conn.client(), msg.proof_height(),
      ReceiptKey(p.destination_port(), p.destination_channel(), p.sequence()),
      std::nullopt, msg.proof(), charge_));
  store_->Delete(
      CommitmentKey(p.source_port(), p.source_channel(), p.sequence()));
  PacketDoneCallback cb;
  *cb.mutable_packet() = p;
  ASSIGN_OR_RETURN(std::string contract, AppOf(p.source_port()));
  ASSIGN_OR_RETURN(AppOutcome out,
                   apps_->Call(contract, kOnTimeout, Bytes(cb)));
  if (!out.ok) {
    return absl::FailedPreconditionError(
        StrCat("the application of port ", p.source_port(),
               " failed on the timeout of ", Where(p), ": ", out.output));
  }
  PacketDoneEvent event;
  *event.mutable_packet() = p;
  event.set_timed_out(true);
  Emit("PacketDoneEvent", event);
  return absl::OkStatus();
}

}  // namespace ballast::bridge
