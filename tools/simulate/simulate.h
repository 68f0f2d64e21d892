// `ballast simulate`: runs a stress scenario (scenario.h) against a fresh
// chain, a `ballastd --dev --block-time manual` it starts itself on a
// temporary data dir, with the real contracts deployed by `ballast system
// deploy`'s code. The simulator is a client of that node like the CLI: it
// never executes contracts itself.
//
// Set-up (blocks mined as soon as transactions wait): keys for the
// admin (also the oracle's only reporter), the owners, the keepers and a
// market maker; the system with the scenario's collateral type ("tETH") and
// a reserve type ("tUSD", price 1) on which the market maker mints the
// stable it needs; the positions, opened with open_and_mint at ratios spread
// evenly over [ratio_min, ratio_max]; each keeper's capital.
//
// Then block k = 1..B, each mined with its time set exactly to start + k *
// block_seconds (more blocks at the same time while transactions still
// wait):
//   1. the reporter posts the market price of block k - lag (every
//      interval blocks);
//   2. each keeper sells the collateral it holds to the market maker at the
//      market price of block k times (1 - discount) (two transfers: this is
//      the external market);
//   3. each keeper that is online at k runs one step of the keeper
//      (tools/keeper/), which reads the state after block k-1 and submits;
//   4. the redemptions of block k are submitted (by the market maker);
//   5. the block is mined, then read at its height: a CSV row, the
//      invariants, and which positions are unsafe at the oracle price.
//
// Invariants checked after every block (a violation ends the run with an
// error naming the block):
//   - the engine's books: stable_supply * RAY + surplus = debt +
//     auction_debt + bad_debt + settled, exactly;
//   - collateral: per type, the token's balance of the engine equals the
//     type's collateral (plus its settlement pool), and the auction's
//     balance equals its running lots;
//   - only the engine mints the stable token.
//
// Files in the output directory: blocks.csv (one row per block),
// summary.json, keepers.log (the keepers' JSON lines), node.log, and
// chart.png (gnuplot) unless charts are off.
//
// Not thread-safe.

#ifndef BALLAST_TOOLS_SIMULATE_SIMULATE_H_
#define BALLAST_TOOLS_SIMULATE_SIMULATE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tools/simulate/scenario.h"

namespace ballast::simulate {

struct Options {
  std::string out_dir = ".";
  std::string ballastd;              // empty: $BALLASTD, else the build tree's
  std::string contracts_dir;         // empty: as `ballast system deploy`
  bool chart = true;                 // draw chart.png with gnuplot
  std::ostream* progress = nullptr;  // a line per block, if set
};

// What a run found; summary.json holds ToJson().
struct Summary {
  std::string scenario;
  uint32_t positions = 0;
  uint32_t blocks = 0;
  uint64_t starting_debt = 0;
  uint32_t liquidated = 0;     // positions liquidated (fully)
  uint32_t worst_delay = 0;    // blocks from unsafe to liquidated
  uint32_t late = 0;           // liquidated later than the target
  uint32_t still_unsafe = 0;   // unsafe at the end, past the target
  uint32_t unsafe_at_end = 0;  // unsafe at the end, however long
  uint64_t bad_debt = 0;       // at the end, stable base units
  std::string bad_debt_share;  // of the starting debt
  bool liquidation_target_met = false;
  bool bad_debt_target_met = false;
  std::vector<std::string> why;  // for each missed target
  uint32_t extra_blocks = 0;     // blocks mined because a block was full
  double setup_seconds = 0;
  double run_seconds = 0;

  bool targets_met() const {
    return liquidation_target_met && bad_debt_target_met;
  }
  nlohmann::json ToJson() const;
  std::string Text() const;
};

// Runs `scenario`; writes the files above into options.out_dir (created if
// need be). An error means the run could not be made (the node would not
// start, a set-up transaction failed) or an invariant broke.
absl::StatusOr<Summary> Run(const Scenario& scenario, const Options& options);

// Runs the scenario document once per value of the field at `param` (see
// SetField), each into out_dir/<param>=<value>/, then writes sweep.csv and
// (with charts) sweep.png into out_dir: bad debt and the worst liquidation
// delay against the value. `values` are at most 20.
struct SweepPoint {
  std::string value;
  Summary summary;
};
absl::StatusOr<std::vector<SweepPoint>> Sweep(
    const nlohmann::json& scenario_doc, const std::string& param,
    const std::vector<std::string>& values, const Options& options);

// The vault benchmark (BENCHMARKS.md): on a fresh node started as Run
// starts one, the end-to-end rate of the collateral system's operations,
// with token transfers measured the same way in the same run as the
// baseline. Each phase's transactions are signed ahead of time (not timed);
// the clock runs from the first submission until the last is committed,
// while blocks are mined as soon as transactions wait. Phases, `operations`
// each: open_and_mint (open, deposit and mint in one call), transfer (the
// stable token: the baseline), liquidate (after a 10% price drop makes
// every position unsafe) and take (each sale whole).
struct BenchOptions {
  uint32_t operations = 300;  // per phase, 8 .. 5000
  std::string out_dir = ".";  // node.log goes there
  std::string ballastd;
  std::string contracts_dir;
};
struct BenchPhase {
  std::string name;
  uint32_t ops = 0;
  double seconds = 0;
  double per_second = 0;
  uint64_t gas_per_op = 0;  // the node's gas used over the phase / ops
  uint64_t blocks = 0;
};
absl::StatusOr<std::vector<BenchPhase>> BenchVault(const BenchOptions& options);

}  // namespace ballast::simulate

#endif  // BALLAST_TOOLS_SIMULATE_SIMULATE_H_
