// Command-line options shared by the commands that send transactions.

#ifndef BALLAST_TOOLS_CLI_TX_OPTIONS_H_
#define BALLAST_TOOLS_CLI_TX_OPTIONS_H_

#include "CLI/CLI.hpp"
#include "tools/cli/commands.h"

namespace ballast::cli {

// --gas and --timeout, for every transaction the command sends.
inline void AddGasAndTimeout(CLI::App* cmd, TxOptions& tx) {
  cmd->add_option("--gas", tx.gas, "Gas limit of each transaction")
      ->capture_default_str();
  cmd->add_option("--timeout", tx.timeout_seconds,
                  "Seconds to wait for each receipt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_TX_OPTIONS_H_
