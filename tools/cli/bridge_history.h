// What a chain's bridge events say about the packets of its channel ends:
// the building block of `ballast bridge packets`, `doctor` and `audit`
// (bridge_commands.h). Read through GET /v1/events of the bridge's address,
// a page at a time, up to a pinned height.

#ifndef BALLAST_TOOLS_CLI_BRIDGE_HISTORY_H_
#define BALLAST_TOOLS_CLI_BRIDGE_HISTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "node/api/client.h"

namespace ballast::cli {

struct PacketRecord {
  bridge::Packet packet;
  uint64_t height = 0;  // sent (at the source) or received (at the dest.)
  uint32_t tx_index = 0;
  // At the source: acknowledged or timed out (PacketDoneEvent).
  bool done = false;
  bool timed_out = false;
  uint64_t done_height = 0;
  // The acknowledgement: at the source once done (unless timed out), at the
  // destination as written.
  bridge::Acknowledgement ack;
};

struct ChannelHistory {
  std::map<uint64_t, PacketRecord> sent;      // by sequence
  std::map<uint64_t, PacketRecord> received;  // by sequence
};

// Adds one event of the bridge's address to the history of channel
// `channel` of `port` (events of other channels and kinds are ignored).
void AddBridgeEvent(ChannelHistory* h, const std::string& port,
                    const std::string& channel, std::string_view name,
                    const std::string& data, uint64_t height,
                    uint32_t tx_index);

// The history of channel `channel` of `port` on `node`, from its events up
// to `to_height` (inclusive).
absl::StatusOr<ChannelHistory> ReadChannelHistory(api::Client& node,
                                                  const std::string& port,
                                                  const std::string& channel,
                                                  uint64_t to_height);

// An ICS-20 packet's data (contracts/transfer, FungibleTokenPacketData),
// decoded without the contract's generated code; nullopt if it is not one.
struct TransferData {
  std::string denom;
  uint64_t amount = 0;
  std::string sender;
  std::string receiver;
};
std::optional<TransferData> DecodeTransferData(const std::string& data);

// Whether an acknowledgement says the application accepted the packet: a
// result, whose bytes (a transfer application's TransferAck) carry no
// error (its field 2). The error otherwise.
std::optional<std::string> AckError(const bridge::Acknowledgement& ack);

// The audit's identity (bridge_audit.cc) for one denomination chain A escrows
// on one path: `a` is A's end read at hA, `b` B's end read after it at hB,
// `prefix` is "PORT_B/CHANNEL_B/" (what B's vouchers of `denom` carry).
struct PathBalance {
  uint64_t escrow_a = 0;
  uint64_t supply_b = 0;
  uint64_t in_flight_a_to_b = 0;  // sent by hA, unsettled, not credited on B
  uint64_t in_flight_b_to_a = 0;  // burnt by hB, unsettled, not released on A
  uint64_t sent_after_a = 0;      // credited on B, sent on A after hA
  bool ok = false;  // escrow_a == supply_b + in flight - sent_after_a
};
PathBalance BalancePath(const ChannelHistory& a, const ChannelHistory& b,
                        const std::string& denom, const std::string& prefix,
                        uint64_t escrow_a, uint64_t supply_b);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_BRIDGE_HISTORY_H_
