// `ballast simulate SCENARIO.json`: runs a stress scenario against a fresh
// `ballastd --dev` it starts itself (tools/simulate/simulate.h), writes
// blocks.csv, summary.json and chart.png into --out, and prints the summary
// (with --json, summary.json's document). With --sweep PARAM=V1,V2,... it
// runs the scenario once per value into --out/PARAM=V/ and charts bad debt
// and the worst liquidation delay against the value (sweep.csv, sweep.png).
// Exit code 0 when the run completes, also with a missed target, unless
// --require-targets; an invariant broken or a run that cannot be made is an
// error.

#ifndef BALLAST_TOOLS_CLI_SIMULATE_COMMANDS_H_
#define BALLAST_TOOLS_CLI_SIMULATE_COMMANDS_H_

#include "tools/cli/dev_commands.h"

namespace ballast::cli {

void RegisterSimulateCommands(CLI::App& app, const CommandHook& on);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_SIMULATE_COMMANDS_H_
