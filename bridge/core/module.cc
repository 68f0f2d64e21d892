#include "bridge/core/module.h"

#include <utility>

#include "ledger/base/status_macros.h"

namespace ballast::bridge {

Module::Module(BridgeStore* store, ChargeFn charge, Apps* apps,
               std::vector<BridgeEvent>* events)
    : clients_(store, charge),
      channels_(store, &clients_, apps, std::move(charge), events) {}

absl::StatusOr<MsgResult> Module::Execute(const Msg& msg,
                                          const MsgContext& ctx) {
  MsgResult result;
  switch (msg.kind_case()) {
    case Msg::kCreateClient: {
      ASSIGN_OR_RETURN(std::string id,
                       clients_.Create(msg.create_client(), ctx.sender));
      result.set_client(std::move(id));
      return result;
    }
    case Msg::kUpdateClient:
      RETURN_IF_ERROR(clients_.Update(msg.update_client()));
      return result;
    case Msg::kMisbehaviour:
      RETURN_IF_ERROR(clients_.SubmitMisbehaviour(msg.misbehaviour()));
      return result;
    case Msg::kSetTrustedKeys:
      RETURN_IF_ERROR(clients_.SetKeys(msg.set_trusted_keys(), ctx.sender));
      return result;
    case Msg::kConnOpenInit: {
      ASSIGN_OR_RETURN(std::string id,
                       channels_.InitConnection(msg.conn_open_init()));
      result.set_connection(std::move(id));
      return result;
    }
    case Msg::kConnOpenTry: {
      ASSIGN_OR_RETURN(std::string id,
                       channels_.TryConnection(msg.conn_open_try()));
      result.set_connection(std::move(id));
      return result;
    }
    case Msg::kConnOpenAck:
      RETURN_IF_ERROR(channels_.AckConnection(msg.conn_open_ack()));
      return result;
    case Msg::kConnOpenConfirm:
      RETURN_IF_ERROR(channels_.ConfirmConnection(msg.conn_open_confirm()));
      return result;
    case Msg::kChanOpenInit: {
      ASSIGN_OR_RETURN(std::string id,
                       channels_.InitChannel(msg.chan_open_init()));
      result.set_channel(std::move(id));
      return result;
    }
    case Msg::kChanOpenTry: {
      ASSIGN_OR_RETURN(std::string id,
                       channels_.TryChannel(msg.chan_open_try()));
      result.set_channel(std::move(id));
      return result;
    }
    case Msg::kChanOpenAck:
      RETURN_IF_ERROR(channels_.AckChannel(msg.chan_open_ack()));
      return result;
    case Msg::kChanOpenConfirm:
      RETURN_IF_ERROR(channels_.ConfirmChannel(msg.chan_open_confirm()));
      return result;
    case Msg::kRecvPacket: {
      ASSIGN_OR_RETURN(Acknowledgement ack,
                       channels_.Recv(msg.recv_packet(), ctx));
      *result.mutable_acknowledgement() = std::move(ack);
      return result;
    }
    case Msg::kAcknowledgePacket:
      RETURN_IF_ERROR(channels_.Acknowledge(msg.acknowledge_packet()));
      return result;
    case Msg::kTimeoutPacket:
      RETURN_IF_ERROR(channels_.Timeout(msg.timeout_packet()));
      return result;
    case Msg::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("the bridge message names no operation");
}

}  // namespace ballast::bridge
