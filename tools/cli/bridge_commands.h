// The bridge's state from the command line (bridge/README.md):
//
//   ballast bridge clients  [--height N]   light clients of other chains
//   ballast bridge channels [--height N]   channels and their next sequence
//   ballast bridge transfer --channel CH TOKEN AMOUNT RECIPIENT --from NAME
//                           [--timeout 10m | --timeout-height N]
//   ballast bridge packets  [--channel CH] [--height N]
//   ballast bridge doctor   TX_HASH | CHANNEL/SEQUENCE   (bridge_audit.cc)
//   ballast bridge audit    --chain-a URL --chain-b URL  (bridge_audit.cc)
//
// Records are read through GET /v1/proof?bridge_key= (so what they show is
// what a relayer would prove), packets from the bridge's events, at one
// height per chain. All take --json.

#ifndef BALLAST_TOOLS_CLI_BRIDGE_COMMANDS_H_
#define BALLAST_TOOLS_CLI_BRIDGE_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cli/commands.h"
#include "tools/cli/dev_commands.h"

namespace ballast::cli {

// The records at `keys` of the bridge's table, at `height` (nullopt: the
// head; set to the height read), nullopt where there is none. Any number of
// keys, read api::kMaxProofKeys at a time at one height.
absl::StatusOr<std::vector<std::optional<std::string>>> ReadBridge(
    Session& s, const std::vector<std::string>& keys,
    std::optional<uint64_t>* height);

struct BridgeTransferArgs {
  std::string channel;
  std::string token;
  std::string amount;
  std::string recipient;
  std::string timeout;  // a duration; "" = 10m
  std::optional<uint64_t> timeout_height;
  TxOptions tx;
};

void RegisterBridgeCommands(CLI::App& app, const CommandHook& on);
// `doctor` and `audit` (bridge_audit.cc), under `bridge`.
void RegisterBridgeDoctorAndAudit(CLI::App* bridge, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_BRIDGE_COMMANDS_H_
