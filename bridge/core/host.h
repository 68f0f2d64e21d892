// What the bridge needs from the chain that hosts it (the node's executor):
// the transaction a message arrives in, a way to call the applications
// bound to ports, and a place for the bridge's events.
//
// Applications are contracts. A port is bound to its contract by name
// (keys.h PortOf), and the bridge calls the contract's callback methods
// below with the bridge's own address (kBridgeAddress) as the caller. The
// runtime lets nobody else call a method whose name starts with "bridge_"
// (wasm/host_abi.h), so a relayed message can reach these methods only,
// and only through a proof (Poly Network's lesson).

#ifndef BALLAST_BRIDGE_CORE_HOST_H_
#define BALLAST_BRIDGE_CORE_HOST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ballast::bridge {

// The bridge module's address: the emitter of its events and the caller of
// every callback. No key and no deploy can produce it (both are hashes).
inline constexpr std::string_view kBridgeAddress =
    std::string_view("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x0b\x1d", 20);

// The callbacks (bridge.proto names their inputs).
inline constexpr std::string_view kOnChannelOpen = "bridge_channel_open";
inline constexpr std::string_view kOnPacket = "bridge_packet";
inline constexpr std::string_view kOnAck = "bridge_ack";
inline constexpr std::string_view kOnTimeout = "bridge_timeout";

// The transaction a message arrives in.
struct MsgContext {
  std::string sender;   // 20-byte address of the transaction's sender
  uint64_t height = 0;  // the block being built
  int64_t time_ms = 0;  // its time
};

// What an application answered: `ok` false if it aborted or trapped (its
// writes are then dropped); `output` its result bytes or its error message.
struct AppOutcome {
  bool ok = false;
  std::string output;
};

class Apps {
 public:
  virtual ~Apps() = default;
  // Calls `method` of `contract` with the bridge as the caller, on the
  // transaction's remaining gas. An error fails the whole message: out of
  // gas (ResourceExhausted), no contract there or no such method
  // (InvalidArgument), a store failure (Unavailable, DataLoss, Internal).
  virtual absl::StatusOr<AppOutcome> Call(std::string_view contract,
                                          std::string_view method,
                                          std::string input) = 0;
};

// An event of the bridge module: a message name of bridge.proto and its
// serialization.
struct BridgeEvent {
  std::string name;
  std::string data;
};

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_HOST_H_
