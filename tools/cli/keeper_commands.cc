#include "tools/cli/keeper_commands.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "ledger/base/status_macros.h"
#include "tools/cli/decimal.h"
#include "tools/cli/tx_options.h"
#include "tools/cli/vault_commands.h"
#include "tools/keeper/keeper.h"

namespace ballast::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

struct KeeperArgs {
  TxOptions tx;
  std::string margin = "0.03";
  int64_t interval_ms = 1000;
  int64_t max_backoff_ms = 10'000;
  std::string max_capital;  // "" = the whole balance
  uint32_t max_liquidations = 20;
  bool once = false;
  std::string system;
};

absl::Status RunKeeper(Session& s, const KeeperArgs& a) {
  keeper::KeeperOptions options;
  options.margin = a.margin;
  if (!a.max_capital.empty()) {
    ASSIGN_OR_RETURN(options.max_capital,
                     ParseAmount(a.max_capital, "max capital"));
  }
  options.max_liquidations = a.max_liquidations;
  options.tx = a.tx;
  options.interval = absl::Milliseconds(a.interval_ms);
  options.max_backoff = absl::Milliseconds(a.max_backoff_ms);
  ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(a.tx.from));
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  // The system file is found through the node's chain id: a long-running
  // keeper started before its node waits for it as it would later.
  absl::StatusOr<SystemFile> sys = System(s, a.system);
  for (absl::Duration backoff = options.interval;
       !a.once && !g_stop && absl::IsUnavailable(sys.status());
       backoff = std::min(backoff * 2, options.max_backoff)) {
    std::cout << nlohmann::json{{"action", "step_error"},
                                {"error", std::string(sys.status().message())},
                                {"backoff_ms",
                                 absl::ToInt64Milliseconds(backoff)}}
                     .dump()
              << std::endl;
    absl::SleepFor(backoff);
    sys = System(s, a.system);
  }
  if (!sys.ok()) return sys.status();
  ASSIGN_OR_RETURN(keeper::Keeper k,
                   keeper::Keeper::Create(&s, std::move(key), *std::move(sys),
                                          options, &std::cout));
  if (a.once) {
    ASSIGN_OR_RETURN(keeper::StepReport r, k.Step());
    std::cout << nlohmann::json{{"action", "step"},
                                {"height", r.height},
                                {"liquidated", r.liquidated},
                                {"taken", r.taken},
                                {"redone", r.redone},
                                {"refused", r.refused}}
                     .dump()
              << std::endl;
    return absl::OkStatus();
  }
  k.Run([] { return g_stop.load(); });
  return absl::OkStatus();
}

}  // namespace

void RegisterKeeperCommands(CLI::App& app, const CommandHook& on) {
  auto args = std::make_shared<KeeperArgs>();
  CLI::App* cmd = app.add_subcommand(
      "keeper",
      "Liquidate unsafe positions, buy auctioned collateral below the oracle "
      "price and reset stale sales (one JSON line per action)");
  cmd->add_option("--from", args->tx.from, "Name of the keeper's key")
      ->required();
  cmd->add_option("--margin", args->margin,
                  "Take only at price <= oracle * (1 - margin)")
      ->capture_default_str();
  cmd->add_option("--interval-ms", args->interval_ms,
                  "Pause between steps (ms)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-backoff-ms", args->max_backoff_ms,
                  "Longest pause while the node is unreachable (ms)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-capital", args->max_capital,
                  "Most stable (base units) to spend per step; default: the "
                  "whole balance");
  cmd->add_option("--max-liquidations", args->max_liquidations,
                  "Most liquidations per step")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--once", args->once, "Run one step and exit");
  cmd->add_option("--system", args->system,
                  "System file (default: the node's chain's)");
  AddGasAndTimeout(cmd, args->tx);
  on(cmd, "keeper", [args](Session& s) { return RunKeeper(s, *args); });
}

}  // namespace ballast::cli
