// The bridge module: the one entry point through which the node's executor
// runs a bridge transaction (a Msg, bridge.proto), as ibc-go is a module of
// its chain, and commits the packets contracts send. The executor gives it
// a store over the transaction's write overlay, a charge function over the
// transaction's gas and a way to call applications (host.h), so a message
// that fails writes nothing and keeps what it was charged.
//
//   Module module(&store, charge, &apps, &events);
//   ASSIGN_OR_RETURN(MsgResult result, module.Execute(msg, {sender, ...}));
//
// Errors say what was refused: InvalidArgument (a malformed or unproved
// message), NotFound (an unknown client, connection, channel or packet),
// AlreadyExists (a packet received before), DeadlineExceeded (a packet past
// its timeout), PermissionDenied (not the client's admin),
// FailedPrecondition (a frozen client, a handshake step out of order, an
// application that refused), the charge function's error when gas runs
// out, and the store's on a failed read (Unavailable, DataLoss).
//
// Not thread-safe (as its store).

#ifndef BALLAST_BRIDGE_CORE_MODULE_H_
#define BALLAST_BRIDGE_CORE_MODULE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/channels.h"
#include "bridge/core/gas.h"
#include "bridge/core/host.h"
#include "bridge/core/light_client.h"
#include "bridge/core/store.h"

namespace ballast::bridge {

class Module {
 public:
  // All must outlive the module; its events are appended to `events`.
  Module(BridgeStore* store, ChargeFn charge, Apps* apps,
         std::vector<BridgeEvent>* events);

  absl::StatusOr<MsgResult> Execute(const Msg& msg, const MsgContext& ctx);

  // Commits a packet that `contract` sent (Channels::Send).
  absl::StatusOr<Packet> SendPacket(std::string_view contract,
                                    std::string_view channel, std::string data,
                                    uint64_t timeout_height,
                                    int64_t timeout_ms) {
    return channels_.Send(contract, channel, std::move(data), timeout_height,
                          timeout_ms);
  }

  LightClients& clients() { return clients_; }
  Channels& channels() { return channels_; }

 private:
  LightClients clients_;
  Channels channels_;
};

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_MODULE_H_
