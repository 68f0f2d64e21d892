// The collateral system's commands (issue 9): `ballast system deploy|show`,
// `vault open|deposit|withdraw|mint|repay|close|show|list|health`,
// `oracle post|show`, `faucet drip` and `reserves [--prove]`. They talk to
// the contracts through the interfaces the node holds (no contract headers:
// this is the client layer), find the contracts in the system file of the
// node's chain (tools/cli/system_file.h, or --system FILE), take amounts as
// integer strings of base units and prices and ratios as decimal strings
// (tools/cli/decimal.h), and print amounts as integer strings and prices
// and ratios as decimal strings, also with --json.
//
// Read-only commands take a height (pinned queries: the state after that
// block, at its time). Commands that move tokens first approve the engine
// for what they move (collateral for deposit, stable for repay and close).

#ifndef BALLAST_TOOLS_CLI_VAULT_COMMANDS_H_
#define BALLAST_TOOLS_CLI_VAULT_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/cli/commands.h"
#include "tools/cli/system_file.h"

namespace ballast::cli {

// The system file at `path`, or (empty `path`) the one of the node's chain,
// checked to be for that chain. Shared with the keeper (tools/keeper/).
absl::StatusOr<SystemFile> System(Session& s, const std::string& path);

struct SystemDeployArgs {
  std::string config_file;    // empty: the default configuration
  std::string contracts_dir;  // empty: $BALLAST_CONTRACTS, else the build's
  std::string system_file;    // empty: $BALLAST_HOME/systems/<chain>.json
  TxOptions tx;
};
// Deploys oracle, engine, stable token, faucet and per collateral type a
// test token (unless the config names one), the type's feed with an initial
// price and the type; writes the system file. docs/cli.md has the config.
// Fields of the JSON a contract answers: a uint64 (proto JSON writes them
// as strings; absent is 0) and a string (absent is "").
absl::StatusOr<uint64_t> AnswerU64(const nlohmann::json& doc,
                                   std::string_view field);
std::string AnswerText(const nlohmann::json& doc, std::string_view field);

absl::Status SystemDeploy(Session& s, const SystemDeployArgs& args);
absl::Status SystemShow(Session& s, const std::string& system_file);

// `system`: --system FILE, or empty for the node's chain's file.
struct VaultTxArgs {
  std::string system;
  TxOptions tx;
};
absl::Status VaultOpen(Session& s, const VaultTxArgs& a,
                       const std::string& type);
// action: deposit, withdraw, mint or repay.
absl::Status VaultAmount(Session& s, const VaultTxArgs& a,
                         const std::string& action, const std::string& id,
                         const std::string& amount);
absl::Status VaultClose(Session& s, const VaultTxArgs& a,
                        const std::string& id);
absl::Status VaultShow(Session& s, const std::string& system,
                       const std::string& id, std::optional<uint64_t> height);
// `owner`: an address or a key name.
absl::Status VaultList(Session& s, const std::string& system,
                       const std::string& owner,
                       std::optional<uint64_t> height);
absl::Status VaultHealth(Session& s, const std::string& system,
                         const std::string& id, const std::string& price,
                         std::optional<uint64_t> height);

// `feed`'s price in stable per collateral token ("2000"), converted with
// the decimals of the type reading the feed.
absl::Status OraclePost(Session& s, const VaultTxArgs& a,
                        const std::string& feed, const std::string& price);
absl::Status OracleShow(Session& s, const std::string& system,
                        const std::string& feed,
                        std::optional<uint64_t> height);

// `token`: a type's name or a token address.
absl::Status FaucetDrip(Session& s, const VaultTxArgs& a,
                        const std::string& token);

struct ReservesArgs {
  std::string system;
  std::optional<uint64_t> height;
  bool prove = false;
  std::string out;  // --prove: where the proof document goes
};
absl::Status Reserves(Session& s, const ReservesArgs& args);

// One proof document from several of the same header: refused (Aborted,
// naming what differs) unless chain id, height, block hash, header and
// signatures are byte-for-byte equal; entries concatenated in order.
absl::StatusOr<api::ProofResponse> MergeProofDocuments(
    std::vector<api::ProofResponse> docs);

// A storage key to prove and what it means, for the reader.
struct ProofKey {
  std::string contract;
  std::string key;
  std::string label;  // "tETH balance of the engine"
};
// Fetches the keys (grouped per contract, at `height`) and merges the
// documents into one (MergeProofDocuments).
absl::StatusOr<api::ProofResponse> ProveAll(Session& s,
                                            const std::vector<ProofKey>& keys,
                                            uint64_t height);
// A token's uint64 storage value (8 bytes little-endian; absent = 0).
absl::StatusOr<uint64_t> TokenU64(const std::optional<std::string>& value,
                                  std::string_view what);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_VAULT_COMMANDS_H_
