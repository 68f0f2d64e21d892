// A path: one channel between two chains, both of its ends, as the relayer
// carries it. `Link` opens a new one over the nodes' APIs (clients both
// ways, the connection and channel handshakes, as `hermes create channel`
// does); `Resolve` finds an existing one from one end's channel id by
// reading both chains' records.
//
// Not thread-safe.

#ifndef BALLAST_BRIDGE_RELAYER_PATH_H_
#define BALLAST_BRIDGE_RELAYER_PATH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/relayer/chain.h"

namespace ballast::relayer {

struct PathEnd {
  std::string chain_id;
  std::string client;  // this chain's client of the other chain
  std::string connection;
  std::string port;
  std::string channel;
};

struct Path {
  PathEnd end[2];
};

// The record at raw bridge key `key` of `chain` at `height` (nullopt if
// there is none), parsed as M; DataLoss if it does not parse.
template <typename M>
absl::StatusOr<std::optional<M>> ReadRecord(Chain& chain,
                                            const std::string& key,
                                            uint64_t height);

// Opens a channel between `port_a` on `a` and `port_b` on `b`. Clients are
// created both ways unless given (`client_a`: a's client of b).
absl::StatusOr<Path> Link(Chain& a, Chain& b, const std::string& port_a,
                          const std::string& port_b, const std::string& version,
                          std::string client_a = "", std::string client_b = "");

// The path of channel `channel_a` of chain `a`, whose other end is on `b`:
// an error unless both ends are open and bound to each other and each
// end's client follows the other chain.
absl::StatusOr<Path> Resolve(Chain& a, const std::string& channel_a, Chain& b);

}  // namespace ballast::relayer

#endif  // BALLAST_BRIDGE_RELAYER_PATH_H_
