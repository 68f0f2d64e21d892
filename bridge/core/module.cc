#include "bridge/core/module.h"

#include <utility>

#include "ledger/base/status_macros.h"

namespace ballast::bridge {

Module::Module(BridgeStore* store, ChargeFn charge)
    : clients_(store, std::move(charge)) {}

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
    case Msg::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("the bridge message names no operation");
}

}  // namespace ballast::bridge
