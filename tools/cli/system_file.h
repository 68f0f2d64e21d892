// The system file: the addresses of one deployed collateral system (vault
// engine, oracle, stable token, faucet and the collateral types), one file
// per chain at $BALLAST_HOME/systems/<chain-id>.json, written by
// `ballast system deploy` and read by every vault, oracle, faucet and
// reserves command (the node's /v1/info names the chain; --system FILE
// overrides). Format (addresses "0x" + 40 hex digits):
//
//   {"chain_id": "ballast-devnet", "engine": "0x..", "oracle": "0x..",
//    "stable": "0x..", "faucet": "0x.." (or ""), "stable_decimals": 6,
//    "types": [{"name": "tETH", "id": 0, "token": "0x..", "feed": "tETH",
//               "auction": "" (none yet), "decimals": 8}]}
//
// Parsing checks every field (type, form, range) and refuses unknown ones,
// so a hand-edited file fails with the field's name rather than later.

#ifndef BALLAST_TOOLS_CLI_SYSTEM_FILE_H_
#define BALLAST_TOOLS_CLI_SYSTEM_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ballast::cli {

struct SystemType {
  std::string name;
  uint32_t id = 0;      // the engine's type id
  std::string token;    // raw 20 bytes
  std::string feed;     // the oracle feed
  std::string auction;  // raw 20 bytes, or empty (none bound yet)
  int decimals = 0;     // the collateral token's
};

struct SystemFile {
  std::string chain_id;
  std::string engine;  // raw addresses
  std::string oracle;
  std::string stable;
  std::string faucet;  // empty: none
  int stable_decimals = 0;
  std::vector<SystemType> types;

  // A type by name, or by its id in decimal; NotFound naming the types.
  absl::StatusOr<const SystemType*> Type(std::string_view name_or_id) const;
  absl::StatusOr<const SystemType*> TypeById(uint32_t id) const;
  // The type whose feed is `feed`, or NotFound.
  absl::StatusOr<const SystemType*> TypeByFeed(std::string_view feed) const;
};

nlohmann::json SystemToJson(const SystemFile& system);
absl::StatusOr<SystemFile> SystemFromJson(std::string_view text);

// $BALLAST_HOME (default ~/.ballast).
std::string BallastHome();
// $BALLAST_HOME/systems/<chain_id>.json; InvalidArgument if the chain id
// cannot name a file (1..64 of [A-Za-z0-9._-], not starting with '.').
absl::StatusOr<std::string> SystemPath(std::string_view chain_id);

// Reads `path`; NotFound says to run `ballast system deploy` or give
// --system.
absl::StatusOr<SystemFile> LoadSystem(const std::string& path);
// Writes the file durably (creating $BALLAST_HOME/systems if needed).
absl::Status SaveSystem(const std::string& path, const SystemFile& system);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_SYSTEM_FILE_H_
