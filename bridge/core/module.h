// The bridge module: the one entry point through which the node's executor
// runs a bridge transaction (a Msg, bridge.proto), as ibc-go is a module of
// its chain. The executor gives it a store over the transaction's write
// overlay and a charge function over the transaction's gas, so a message
// that fails writes nothing and keeps what it was charged.
//
//   Module module(&store, charge);
//   ASSIGN_OR_RETURN(MsgResult result, module.Execute(msg, {sender, ...}));
//
// Errors say what was refused: InvalidArgument (a malformed or unproved
// message), NotFound (an unknown client), PermissionDenied (not the
// client's admin), FailedPrecondition (a frozen client), the charge
// function's error when gas runs out, and the store's on a failed read.
//
// Not thread-safe (as its store).

#ifndef BALLAST_BRIDGE_CORE_MODULE_H_
#define BALLAST_BRIDGE_CORE_MODULE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/gas.h"
#include "bridge/core/light_client.h"
#include "bridge/core/store.h"

namespace ballast::bridge {

// The transaction a message arrives in.
struct MsgContext {
  std::string sender;   // 20-byte address of the transaction's sender
  uint64_t height = 0;  // the block being built
  int64_t time_ms = 0;  // its time
};

class Module {
 public:
  // `store` must outlive the module.
  Module(BridgeStore* store, ChargeFn charge);

  absl::StatusOr<MsgResult> Execute(const Msg& msg, const MsgContext& ctx);

  LightClients& clients() { return clients_; }

 private:
  LightClients clients_;
};

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_MODULE_H_
