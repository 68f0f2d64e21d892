// Every key of the bridge's table, built here and nowhere else. The table
// is the ledger's 'g' table (docs/formats.md 10.1), part of the
// authenticated state, so the other chain proves these records.
//
//   "c" client                                ClientState
//   "cs" client 0x00 height(8)                ConsensusState at `height`
//   "k" connection                            ConnectionEnd
//   "h" port 0x00 channel                     ChannelEnd
//   "i" channel                               the channel's port (an index)
//   "q" port 0x00 channel                     next sequence to send (8)
//   "p" port 0x00 channel 0x00 sequence(8)    packet commitment (32)
//   "r" port 0x00 channel 0x00 sequence(8)    receipt ("\x01")
//   "a" port 0x00 channel 0x00 sequence(8)    acknowledgement commitment
//   "n" name                                  a counter (NextId, store.h)
//
// Numbers are big-endian. Identifiers (clients, connections, ports,
// channels) are checked by CheckId before any key is built from them: 1..64
// bytes of [a-z0-9.-], so none contains 0x00 and no key of one kind can
// be built from the identifiers of another. Client ids ("client-N") start
// with 'c' and connection ids are "connection-N", channel ids "channel-N".
//
// A contract's port is "wasm." followed by its 20-byte address in lowercase
// hex (as CosmWasm names ports): a port is bound to its contract by its
// name, so no registry can be raced or hijacked.
//
// Thread-safe: pure functions.

#ifndef BALLAST_BRIDGE_CORE_KEYS_H_
#define BALLAST_BRIDGE_CORE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ballast::bridge {

inline constexpr size_t kMaxIdBytes = 64;
inline constexpr std::string_view kPortPrefix = "wasm.";

// OK if `id` is an identifier (above); else InvalidArgument naming `what`.
absl::Status CheckId(std::string_view what, std::string_view id);

std::string ClientKey(std::string_view client);
std::string ConsensusKey(std::string_view client, uint64_t height);
std::string ConnectionKey(std::string_view connection);
std::string ChannelKey(std::string_view port, std::string_view channel);
std::string ChannelPortKey(std::string_view channel);
std::string NextSendKey(std::string_view port, std::string_view channel);
std::string CommitmentKey(std::string_view port, std::string_view channel,
                          uint64_t sequence);
std::string ReceiptKey(std::string_view port, std::string_view channel,
                       uint64_t sequence);
std::string AckKey(std::string_view port, std::string_view channel,
                   uint64_t sequence);
std::string CounterKey(std::string_view name);

// The tree key of a record of the bridge's table: SHA-256('g' || key), as
// docs/formats.md 10.1 defines it (the ledger's StateTreeKey computes the
// same; a test pins the two together).
std::string TreeKey(std::string_view raw_key);

// The port of a contract (20 bytes), and the contract of a port (nullopt if
// `port` is not a contract's port).
std::string PortOf(std::string_view contract);
std::optional<std::string> ContractOf(std::string_view port);

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_KEYS_H_
