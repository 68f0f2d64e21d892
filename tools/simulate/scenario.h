// A stress scenario for `ballast simulate` (tools/simulate/simulate.h): the
// positions at the start, the market's price path, how the oracle follows
// it, the keepers and the redemptions, the collateral type's parameters and
// the targets. docs/simulate.md describes the JSON; ParseScenario checks it
// strictly (unknown or missing fields, malformed decimals and every value
// outside its bounds are refused with the field's path), since a scenario
// file is input like any other.
//
// Amounts are integer strings of base units of the stable token (6
// decimals); prices are decimal strings of stable per whole collateral token
// (8 decimals); ratios and shares are decimal strings.

#ifndef BALLAST_TOOLS_SIMULATE_SCENARIO_H_
#define BALLAST_TOOLS_SIMULATE_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ballast::simulate {

// Bounds of a scenario: a file cannot ask for unbounded work.
inline constexpr uint32_t kMaxPositions = 10'000;
inline constexpr uint32_t kMaxBlocks = 5'000;
inline constexpr uint32_t kMaxKeepers = 8;
inline constexpr uint32_t kMaxOwners = 1'000;
inline constexpr uint32_t kMaxPathSegments = 100;
inline constexpr uint32_t kMaxRedemptions = 1'000;

// The fraction digits at which ratios, shares and prices are read (a
// scenario's decimals may have at most this many).
inline constexpr int kDecimalScale = 18;

// The decimals of the simulated tokens.
inline constexpr int kStableDecimals = 6;
inline constexpr int kCollateralDecimals = 8;

struct PriceSegment {
  uint32_t blocks = 0;  // >= 1
  std::string to;       // the price at the segment's last block
};

struct KeeperSpec {
  std::string capital;         // share of the starting debt, in stable
  std::string margin;          // takes at price <= oracle * (1 - margin)
  uint32_t every_blocks = 1;   // reaction time: acts at blocks k % n == 0
  uint32_t offline_until = 0;  // acts only at blocks k > offline_until
  uint32_t max_liquidations = 20;
};

struct Redemption {
  uint32_t block = 0;
  std::string amount;  // share of the starting debt
};

struct Scenario {
  std::string name;
  uint32_t positions = 0;
  uint32_t owners = 1;
  uint64_t debt = 0;      // stable base units per position
  std::string ratio_min;  // start collateralization, spread evenly:
  std::string ratio_max;  // position i of N at min + (max-min)(i+1)/N
  uint32_t block_seconds = 12;
  std::string start_price;
  std::vector<PriceSegment> path;  // linear pieces from start_price
  // Oracle: in block k the reporter posts the market price of block
  // k - lag_blocks (every interval_blocks blocks); delay_s is the oracle's
  // own delay (Maker's OSM) before a posted median becomes current.
  uint32_t lag_blocks = 0;
  uint32_t interval_blocks = 1;
  uint32_t delay_s = 0;
  uint32_t max_age_s = 3600;
  std::string max_step = "0";  // circuit breaker; "0": off
  // External market: keepers sell what they buy at market * (1 - discount).
  std::string discount;
  std::vector<KeeperSpec> keepers;
  std::vector<Redemption> redemptions;
  // The collateral type (engine config) and its auction's curve.
  std::string liquidation_ratio;
  std::string liquidation_penalty;
  uint64_t dust = 0;
  std::string fee = "1";  // per second, RAY-style decimal
  std::string hole;       // share of the starting debt (type and global)
  uint64_t tip = 0;
  std::string chip = "0";
  std::string redemption_fee = "0.005";
  std::string buf;
  uint32_t tail_s = 0;
  std::string cusp;
  uint32_t step_s = 0;
  std::string cut;
  // Targets.
  uint32_t target_liquidation_blocks = 10;
  std::string target_bad_debt;  // share of the starting debt

  // The number of blocks the price path spans.
  uint32_t blocks() const;
};

// Parses and checks a scenario document.
absl::StatusOr<Scenario> ParseScenario(const nlohmann::json& doc);
// Reads a scenario file as JSON: at most 1 MiB, nested at most
// api::kMaxJsonDepth deep, not yet checked as a scenario.
absl::StatusOr<nlohmann::json> ReadScenarioDocument(const std::string& path);
// ReadScenarioDocument, then ParseScenario.
absl::StatusOr<Scenario> LoadScenario(const std::string& path);

// Sets the field at a dotted path ("oracle.lag_blocks", "keepers.0.capital")
// of a scenario document to `value` (a JSON number if it is an integer, else
// a string). NotFound if the path names no existing field.
absl::Status SetField(nlohmann::json& doc, const std::string& path,
                      const std::string& value);

}  // namespace ballast::simulate

#endif  // BALLAST_TOOLS_SIMULATE_SCENARIO_H_
