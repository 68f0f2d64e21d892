// Command-line options shared by the commands: --gas and --timeout for
// those that send transactions, --height for those that read.

#ifndef BALLAST_TOOLS_CLI_TX_OPTIONS_H_
#define BALLAST_TOOLS_CLI_TX_OPTIONS_H_

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/cli/commands.h"

namespace ballast::cli {

// A decimal integer that fits uint64_t. CLI11's own conversion takes "-1"
// for an unsigned option and wraps it to 2^64 - 1.
inline CLI::Validator Uint64() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v.empty() || v.size() > 20 ||
            v.find_first_not_of("0123456789") != std::string::npos ||
            (v.size() == 20 && v > "18446744073709551615")) {
          return "must be an integer from 0 to 2^64-1, got '" + v + "'";
        }
        return "";
      },
      "UINT64");
}

// --height: read the state after that block, at its time.
inline void AddHeight(CLI::App* cmd, std::optional<uint64_t>& height) {
  cmd->add_option("--height", height,
                  "Read the state after this block, at its time (default: "
                  "the head)")
      ->check(Uint64());
}

// --gas and --timeout, for every transaction the command sends.
inline void AddGasAndTimeout(CLI::App* cmd, TxOptions& tx) {
  cmd->add_option("--gas", tx.gas, "Gas limit of each transaction")
      ->capture_default_str()
      ->check(Uint64());
  cmd->add_option("--timeout", tx.timeout_seconds,
                  "Seconds to wait for each receipt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_TX_OPTIONS_H_
