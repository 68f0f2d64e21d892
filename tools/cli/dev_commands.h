// `ballast dev ...`: the dev routes of a node started with ballastd --dev
// (docs/api.md, "Dev routes"): mine blocks now and move the block clock,
// as anvil's evm_mine / evm_increaseTime and Hardhat's time.increase do.
//
//   ballast dev mine [N] [--advance 1h | --at TIME_MS] [--json]
//
// A node without --dev refuses with "dev routes need ballastd --dev" (exit
// 5). Thread-compatible, as the Session it runs in.

#ifndef BALLAST_TOOLS_CLI_DEV_COMMANDS_H_
#define BALLAST_TOOLS_CLI_DEV_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/cli/commands.h"

namespace CLI {
class App;
}

namespace ballast::cli {

// A duration as milliseconds: one or more <digits><unit> with unit ms, s, m,
// h or d, e.g. "90s", "15m", "1h", "2d", "1h30m", "250ms". Nothing else: no
// sign, no spaces, no fractions, no bare number. InvalidArgument naming the
// text for anything else, and for a total beyond int64 milliseconds.
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

struct DevMineArgs {
  int64_t blocks = 1;
  std::string advance;           // a duration (ParseDurationMs); "" = none
  std::optional<int64_t> at_ms;  // the first block's exact time
};
// dev mine: POST /v1/dev/mine; prints the blocks mined (height, time, txs),
// the transactions still pending and the dev clock's offset.
absl::Status DevMine(Session& s, const DevMineArgs& args);

// How main records the command a parse selected: on(cmd, name, action).
using CommandHook = std::function<void(CLI::App*, std::string,
                                       std::function<absl::Status(Session&)>)>;
// Adds `dev` and its subcommands to `app`; their arguments live as long as
// the callbacks that `on` keeps.
void RegisterDevCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_DEV_COMMANDS_H_
