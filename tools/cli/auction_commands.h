// Liquidation, auctions and emergency shutdown from the command line
// (contracts/vault/vault.proto, contracts/auction/auction.proto):
//
//   ballast liquidate ID --from NAME          (the keeper reward goes to NAME)
//   ballast auction list TYPE [--height N]
//   ballast auction take TYPE SALE AMOUNT --max-price P --from NAME
//   ballast shutdown --from NAME                       (the engine's admin)
//   ballast settle skim ID | snip TYPE SALE | free ID | thaw | cash AMOUNT
//
// Prices are decimals in stable per collateral token, as `oracle post`
// takes them; amounts are integers of base units. `auction take` approves
// the engine for the sale's tab first (the engine burns the payment) and
// `settle cash` for the amount. Every command takes --system and --json.

#ifndef BALLAST_TOOLS_CLI_AUCTION_COMMANDS_H_
#define BALLAST_TOOLS_CLI_AUCTION_COMMANDS_H_

#include "tools/cli/dev_commands.h"

namespace ballast::cli {

void RegisterAuctionCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_AUCTION_COMMANDS_H_
