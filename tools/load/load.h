// Load generation for benchmarks: end-to-end signed token transfers against
// a running node over its HTTP API (client -> HTTP -> mempool -> block ->
// LevelDB), and the machine's raw ed25519 verification rate, the ceiling of
// a node that checks every signature on one core.
//
// RunTransferLoad deploys a fresh token, funds `senders` accounts (keys
// derived from `key_seed`, so reruns on the same chain continue their
// nonces), signs all transfers up front (not timed), then submits them over
// `connections` keep-alive HTTP connections without waiting, and stops the
// clock when the node reports every sender's last nonce committed. The node's
// /v1/stats before and after give the breakdown.
//
// Thread-safety: the functions may be called from any thread; each call uses
// its own connections.

#ifndef BALLAST_TOOLS_LOAD_LOAD_H_
#define BALLAST_TOOLS_LOAD_LOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ballast::load {

struct LoadOptions {
  std::string node = "http://127.0.0.1:8545";  // the node's API
  std::string token_wasm;                      // path of token.wasm
  std::string token_desc;                      // path of token.desc
  size_t txs = 10'000;                         // transfers to send
  size_t senders = 8;
  size_t connections = 4;
  // Transactions per request: 1 sends each as POST /v1/tx; more send
  // batches of up to `batch` as POST /v1/txs.
  size_t batch = 1;
  uint64_t gas_limit = 200'000;  // per transfer
  std::string key_seed = "ballast-load";
  int timeout_s = 300;  // for the whole run
};

struct LoadReport {
  size_t txs = 0;       // transfers committed
  size_t refused = 0;   // submissions the node refused
  double submit_s = 0;  // first submit -> last submit answered
  double total_s = 0;   // first submit -> last transfer committed
  double tx_per_s = 0;  // txs / total_s
  uint64_t first_block = 0, last_block = 0;
  double verify_per_s = 0;    // raw ed25519 verifications/s, one core
  nlohmann::json node_stats;  // /v1/stats delta over the run
};

absl::StatusOr<LoadReport> RunTransferLoad(const LoadOptions& options);

// The POST /v1/tx body of a token deploy signed by the first load key
// (`key_seed`/0) with the node's chain id and that key's next nonce: a
// ready-made transaction for examples. Initial supply 1000000 to the key.
absl::StatusOr<std::string> TokenDeployBody(const LoadOptions& options);

// Verifies one transfer-sized signed message `n` times on this thread and
// returns verifications per second.
double MeasureVerifyRate(int n = 5'000);

// The report as JSON, and as a few readable lines.
nlohmann::json LoadReportJson(const LoadReport& report);
std::string LoadReportText(const LoadReport& report);

}  // namespace ballast::load

#endif  // BALLAST_TOOLS_LOAD_LOAD_H_
