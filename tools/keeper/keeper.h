// A keeper of the collateral system (issue 9): liquidates unsafe positions,
// buys collateral from the liquidation auctions when their price is far
// enough under the oracle's, and resets sales that need it.
//
// It is a client of a node like the CLI: it reads and writes the contracts
// only through api::Client and the interfaces the node holds for them (JSON,
// via the CLI's Transact and QueryMethod in tools/cli/commands.h), finds
// them in the system file (tools/cli/system_file.h), and signs with a key of
// the keystore.
//
// One Step reads the head height H and makes every read at H (pinned
// queries), so all it decides from agrees with one state:
//   1. per collateral type, `unsafe_count`, then the first of them by
//      `positions_by_ratio` (least collateralized first), each liquidated
//      (at most `max_liquidations` per step in all);
//   2. per type with an auction, the running sales (`list`): a sale that
//      needs a reset is redone; one whose price is at most
//      oracle price * (1 - margin) is taken, as much of its lot as the
//      keeper's capital pays for (its stable balance at H, at most
//      max_capital), with max_price = the price at H (the next block is
//      later, so the price at execution is never higher).
// Transactions are awaited one by one (the nonce is read from the node for
// each, so a restart or a failure never leaves a stale nonce). A refused
// transaction (another keeper was first, the price moved) is logged and the
// step goes on; a failed read ends the step with that error.
//
// Every action is one JSON line on the log:
//   {"time": "2026-12-03T14:40:00.123Z", "height": 12, "action": "liquidate",
//    "type": "tETH", "position": "3", "sale": "1", "collateral": "...",
//    "debt": "...", "tab": "...", "tx": "0x..", "ok": true}
// and a refusal has "ok": false and "error". Run logs "start" first, and
// "step_error" lines (with the backoff) while the node is unreachable.
//
// Not thread-safe: one thread drives a Keeper.

#ifndef BALLAST_TOOLS_KEEPER_KEEPER_H_
#define BALLAST_TOOLS_KEEPER_KEEPER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tools/cli/commands.h"
#include "tools/cli/system_file.h"

namespace ballast::keeper {

struct KeeperOptions {
  // Take only at price <= oracle * (1 - margin); a decimal in [0, 1) with
  // at most 18 fraction digits.
  std::string margin = "0.03";
  // Most stable spent per take (the balance is the other bound).
  std::optional<uint64_t> max_capital;
  // Most liquidations submitted per step (all types together).
  uint32_t max_liquidations = 20;
  // Gas and receipt timeout of the keeper's transactions.
  cli::TxOptions tx;
  // False: a step only submits its transactions (with consecutive nonces)
  // and returns without awaiting their receipts, for a driver that mines
  // the blocks itself (`ballast simulate`). Its log then says "submitted"
  // instead of "ok", has no result lines ("liquidated", "taken"), and a
  // take spends the most it can cost (amount * price at H, rounded up).
  bool await_receipts = true;
  // Run: the pause between steps, and the bound of the backoff while the
  // node cannot be read (doubling from `interval`).
  absl::Duration interval = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(10);
};

// What one step did.
struct StepReport {
  uint64_t height = 0;
  int liquidated = 0;
  int taken = 0;
  int redone = 0;
  int refused = 0;  // submitted and refused
};

class Keeper {
 public:
  // `session` and `log` must outlive the keeper. Refuses a malformed margin.
  static absl::StatusOr<Keeper> Create(cli::Session* session,
                                       cli::StoredKey key,
                                       cli::SystemFile system,
                                       KeeperOptions options,
                                       std::ostream* log);

  // One pass at the head (see the file comment). An error means the node
  // could not be read; actions already taken are logged.
  absl::StatusOr<StepReport> Step();

  // Steps every `interval` until `stop()` (checked between steps and
  // during pauses) returns true. Errors are logged and retried after a
  // backoff that doubles up to max_backoff and resets after a good step.
  // `sleep` is the pause (a seam for tests; default: absl::SleepFor).
  void Run(const std::function<bool()>& stop,
           std::function<void(absl::Duration)> sleep = nullptr);

 private:
  Keeper(cli::Session* session, cli::StoredKey key, cli::SystemFile system,
         KeeperOptions options, std::ostream* log, uint64_t margin);

  absl::Status Liquidate(const cli::SystemType& type, uint64_t height,
                         int* budget, StepReport& report);
  absl::Status Auctions(const cli::SystemType& type, uint64_t height,
                        uint64_t* capital, StepReport& report);
  // Approves the engine for the stable token if its allowance at `height`
  // is below `amount`.
  absl::Status EnsureAllowance(uint64_t height, uint64_t amount);
  // Submits and (if await_receipts) waits; logs `entry` with the outcome.
  // False if refused; `result` is set only when the receipt was awaited.
  bool Submit(nlohmann::json entry, std::string_view contract,
              std::string_view method, const nlohmann::json& args,
              nlohmann::json* result);
  void Log(nlohmann::json entry);

  cli::Session* session_;
  cli::StoredKey key_;
  cli::SystemFile system_;
  KeeperOptions options_;
  std::ostream* log_;
  uint64_t margin_;      // scaled by 10^18
  uint64_t height_ = 0;  // of the current step, for the log
  // This keeper approved the engine for the stable token (cleared when a
  // take is refused, so the allowance is read again).
  bool approved_ = false;
};

// Exact arithmetic of the take decision, exposed for tests. Prices are RAY
// integers (below 2^128, as the contracts write them), margin is scaled by
// 10^18.
bool PriceWithinMargin(unsigned __int128 price, unsigned __int128 oracle,
                       uint64_t margin);
// The most collateral (at most `lot`) whose cost ceil(amount * price / RAY)
// is at most `capital`.
uint64_t AffordableAmount(unsigned __int128 price, uint64_t capital,
                          uint64_t lot);
// What buying `amount` at `price` costs at most: ceil(amount * price / RAY)
// (at most `capital` when AffordableAmount chose the amount).
uint64_t TakeCost(unsigned __int128 price, uint64_t amount);
// A canonical integer string below 2^128; InvalidArgument otherwise.
absl::StatusOr<unsigned __int128> ParseU128(std::string_view text,
                                            std::string_view what);

}  // namespace ballast::keeper

#endif  // BALLAST_TOOLS_KEEPER_KEEPER_H_
