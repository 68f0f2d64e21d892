// The executor's side of the bridge module (bridge/core/module.h) for one
// transaction: the bridge's table over the block's changes, the
// transaction's remaining gas, and applications called through the
// runtime with the bridge as the caller. Nothing it does reaches the block
// until Commit, so a transaction that fails drops it whole.
//
//   BridgeTx btx(store, &changes, &state, runtime, block, gas_left);
//   absl::StatusOr<bridge::MsgResult> r = btx.Execute(msg, ctx);  // or:
//   absl::Status s = btx.Send(outcome.packets);
//   if (ok) btx.Commit(&changes, &events);
//
// Errors are the module's (bridge/core/module.h); IsStoreFailure tells a
// failure of the node (no block can be built) from a refused message.
//
// Not thread-safe: one transaction on one thread.

#ifndef BALLAST_NODE_BRIDGE_HOST_H_
#define BALLAST_NODE_BRIDGE_HOST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridge/core/host.h"
#include "bridge/core/module.h"
#include "bridge/core/store.h"
#include "ledger/state_changes.h"
#include "ledger/store.h"
#include "wasm/runtime.h"

namespace ballast::node {

// The bridge's table during one transaction: its writes, over the block's,
// over the store.
class TxBridgeStore final : public bridge::BridgeStore {
 public:
  TxBridgeStore(ledger::Store* store, const ledger::StateChanges* changes)
      : store_(store), changes_(changes) {}

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;

  // Hands the writes to the block.
  void Commit(ledger::StateChanges* changes);
  ledger::Store* store() const { return store_; }

 private:
  ledger::Store* store_;
  const ledger::StateChanges* changes_;
  std::map<std::string, std::optional<std::string>> writes_;
};

class BridgeTx final : public bridge::Apps {
 public:
  // All pointers must outlive this object. `state` is what applications
  // read (the block's state); `gas` what the bridge may charge.
  BridgeTx(ledger::Store* store, const ledger::StateChanges* changes,
           wasm::ChainState* state, wasm::Runtime* runtime,
           wasm::BlockInfo block, uint64_t gas);

  absl::StatusOr<bridge::MsgResult> Execute(const bridge::Msg& msg,
                                            const bridge::MsgContext& ctx);
  // Commits the packets a successful call asked to send, in order.
  absl::Status Send(const std::vector<wasm::PacketSend>& packets);

  // The gas charged so far (never more than the budget).
  uint64_t charged() const { return charged_; }

  // Adds everything to the block: the bridge's writes, the application's
  // writes, and the events (the application's, then the bridge's, from
  // bridge::kBridgeAddress).
  // Internal/DataLoss if the store fails.
  absl::Status Commit(ledger::StateChanges* changes,
                      std::vector<wasm::Event>* events);

  // bridge::Apps.
  absl::StatusOr<bridge::AppOutcome> Call(std::string_view contract,
                                          std::string_view method,
                                          std::string input) override;

 private:
  absl::Status Charge(uint64_t gas, std::string_view what);

  TxBridgeStore store_;
  wasm::ChainState* state_;
  wasm::Runtime* runtime_;
  wasm::BlockInfo block_;
  uint64_t budget_;
  uint64_t charged_ = 0;
  std::vector<bridge::BridgeEvent> events_;
  bridge::Module module_;
  // What the applications called did, kept for Commit.
  wasm::WriteSet app_writes_;
  std::vector<wasm::Event> app_events_;
  std::vector<wasm::CreatedContract> app_created_;
};

// True for the errors that mean the node failed (Unavailable, DataLoss,
// Internal), not the message.
bool IsStoreFailure(const absl::Status& s);

}  // namespace ballast::node

#endif  // BALLAST_NODE_BRIDGE_HOST_H_
