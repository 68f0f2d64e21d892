#include "tools/cli/simulate_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/base/status_macros.h"
#include "tools/simulate/simulate.h"

namespace ballast::cli {
namespace {

using absl::StrCat;
using nlohmann::json;

struct SimulateArgs {
  std::string scenario;
  std::string out = ".";
  std::string sweep;  // PARAM=V1,V2,...
  std::string ballastd;
  std::string contracts;
  bool no_chart = false;
  bool quiet = false;
  bool require_targets = false;
};

absl::Status RunSimulate(Session& s, const SimulateArgs& a) {
  simulate::Options options;
  options.out_dir = a.out;
  options.ballastd = a.ballastd;
  options.contracts_dir = a.contracts;
  options.chart = !a.no_chart;
  if (!a.quiet) options.progress = &std::cerr;
  if (a.sweep.empty()) {
    ASSIGN_OR_RETURN(simulate::Scenario scenario,
                     simulate::LoadScenario(a.scenario));
    ASSIGN_OR_RETURN(simulate::Summary summary,
                     simulate::Run(scenario, options));
    s.Emit(summary.ToJson(), summary.Text());
    if (a.require_targets && !summary.targets_met()) {
      return absl::FailedPreconditionError("a target was missed");
    }
    return absl::OkStatus();
  }
  const size_t eq = a.sweep.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == a.sweep.size()) {
    return absl::InvalidArgumentError(
        "--sweep: expected PARAM=V1,V2,... (e.g. oracle.lag_blocks=0,1,2,4)");
  }
  const std::string param = a.sweep.substr(0, eq);
  const std::vector<std::string> values =
      absl::StrSplit(a.sweep.substr(eq + 1), ',');
  // The document is read once and checked as a whole first, then once per
  // value.
  ASSIGN_OR_RETURN(json scenario, simulate::ReadScenarioDocument(a.scenario));
  if (auto base = simulate::ParseScenario(scenario); !base.ok()) {
    return absl::InvalidArgumentError(
        StrCat(a.scenario, ": ", base.status().message()));
  }
  ASSIGN_OR_RETURN(std::vector<simulate::SweepPoint> points,
                   simulate::Sweep(scenario, param, values, options));
  json doc = json::array();
  std::string lines = StrCat("sweep of ", param, " (", a.out, "/sweep.csv):\n");
  bool met = true;
  for (const simulate::SweepPoint& p : points) {
    doc.push_back({{"value", p.value}, {"summary", p.summary.ToJson()}});
    absl::StrAppend(&lines, "  ", param, "=", p.value, ": bad debt ",
                    p.summary.bad_debt_share, " of the starting debt, worst ",
                    "delay ", p.summary.worst_delay, " blocks, targets ",
                    p.summary.targets_met() ? "met" : "MISSED", "\n");
    met = met && p.summary.targets_met();
  }
  s.Emit(json{{"param", param}, {"points", doc}}, lines);
  if (a.require_targets && !met) {
    return absl::FailedPreconditionError("a target was missed");
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterSimulateCommands(CLI::App& app, const CommandHook& on) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Run a stress scenario on a fresh ballastd --dev: CSV per block, "
      "invariants, a chart and a summary (docs/simulate.md)");
  cmd->add_option("scenario", args->scenario, "Scenario file (JSON)")
      ->required();
  cmd->add_option("--out", args->out, "Directory for the output files")
      ->capture_default_str();
  cmd->add_option("--sweep", args->sweep,
                  "Vary one field: PARAM=V1,V2,... (e.g. "
                  "oracle.lag_blocks=0,1,2,4)");
  cmd->add_option("--ballastd", args->ballastd,
                  "ballastd binary (default $BALLASTD, else the build's)");
  cmd->add_option("--contracts", args->contracts,
                  "Directory of the contracts' .wasm and .desc");
  cmd->add_flag("--no-chart", args->no_chart, "Do not run gnuplot");
  cmd->add_flag("--quiet", args->quiet, "No progress line per block");
  cmd->add_flag("--require-targets", args->require_targets,
                "Exit non-zero when a target is missed");
  on(cmd, "simulate", [args](Session& s) { return RunSimulate(s, *args); });
}

}  // namespace ballast::cli
