// `ballast chains up`: several local chains for a developer or a test of
// cross-chain flows (issue 10). Each chain is a real ballastd with its own
// chain id, data dir and producer key(s), on a loopback port. The command
// writes one chain registry, $BALLAST_HOME/chains.json, which the CLI and
// the relayer read:
//
//   {"chains": [{"chain_id": "chain-a", "url": "http://127.0.0.1:PORT",
//                "trusted_keys": ["0x..", ...], "threshold": 3,
//                "data_dir": "..."}, ...]}
//
// `trusted_keys` are the keys that sign each of the chain's blocks (from its
// /v1/info), and `threshold` the k a light client of it should require. It
// runs until SIGINT or SIGTERM, then stops every node cleanly and removes
// the registry. Data dirs are kept: `up` again continues the same chains.

#ifndef BALLAST_TOOLS_CLI_CHAINS_COMMANDS_H_
#define BALLAST_TOOLS_CLI_CHAINS_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cli/dev_commands.h"

namespace ballast::cli {

struct ChainEntry {
  std::string chain_id;
  std::string url;
  std::vector<std::string> trusted_keys;  // raw 32-byte keys
  uint32_t threshold = 1;
  std::string data_dir;
};

// $BALLAST_HOME/chains.json.
std::string ChainRegistryPath();
// Reads a registry (at most 1 MiB), checking every field.
absl::StatusOr<std::vector<ChainEntry>> LoadChainRegistry(
    const std::string& path);

void RegisterChainsCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_CHAINS_COMMANDS_H_
