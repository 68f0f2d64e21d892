// Wiring of the collateral system's commands (tools/cli/vault_commands.h)
// into the CLI11 app (main.cc calls AddVaultCommands once).

#ifndef BALLAST_TOOLS_CLI_VAULT_CLI_H_
#define BALLAST_TOOLS_CLI_VAULT_CLI_H_

#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/cli/commands.h"

namespace ballast::cli {

// Registers `cmd` under `name` with the action to run when it is chosen.
using OnCommand =
    std::function<void(CLI::App* cmd, std::string name,
                       std::function<absl::Status(Session&)> action)>;
// Adds system, vault, oracle, faucet and reserves. The returned object holds
// the parsed options and must outlive the run.
std::shared_ptr<void> AddVaultCommands(
    CLI::App& app, const OnCommand& on,
    const std::function<void(CLI::App*, TxOptions&)>& add_tx_options);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_VAULT_CLI_H_
