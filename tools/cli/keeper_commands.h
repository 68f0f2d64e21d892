// `ballast keeper`: runs the keeper of the collateral system
// (tools/keeper/keeper.h) with a key of the keystore, against the system
// of the node's chain (or --system FILE). It prints one JSON line per action
// on stdout (also without --json: the log is for machines and people alike)
// and, with --once, a last line {"action": "step", ...} with what the step
// did. Without --once it runs until SIGINT or SIGTERM, backing off while
// the node is unreachable.

#ifndef BALLAST_TOOLS_CLI_KEEPER_COMMANDS_H_
#define BALLAST_TOOLS_CLI_KEEPER_COMMANDS_H_

#include "tools/cli/dev_commands.h"

namespace ballast::cli {

void RegisterKeeperCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_KEEPER_COMMANDS_H_
