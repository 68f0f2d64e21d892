// `ballast redeem TYPE AMOUNT --from NAME [--max-fee 0.01]
// [--max-positions 32] [--system FILE]`: burns up to AMOUNT of the caller's
// stable (base units; the engine is approved for it first) for collateral
// of TYPE at the oracle price, less the type's redemption fee, taken from
// the least collateralized safe positions (contracts/vault/vault.proto,
// redeem). Refused by the engine if the fee is above --max-fee. Prints what
// was redeemed, the fee and the collateral received.

#ifndef BALLAST_TOOLS_CLI_REDEEM_COMMANDS_H_
#define BALLAST_TOOLS_CLI_REDEEM_COMMANDS_H_

#include "tools/cli/dev_commands.h"

namespace ballast::cli {

void RegisterRedeemCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_REDEEM_COMMANDS_H_
