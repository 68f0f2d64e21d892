// The executor: turns signed transactions into a block, running each one
// through the contract runtime on top of the ledger's head state. It never
// writes the store; it returns a BlockCommit that the caller commits (one
// WriteBatch) or drops.
//
//   Executor executor(store, runtime, "devnet-1");
//   ASSIGN_OR_RETURN(BlockCommit commit,
//                    executor.BuildBlock(txs, now_ms, producer_key));
//   RETURN_IF_ERROR(store->CommitBlock(commit));
//
// Transaction rules (checked before anything runs; a transaction breaking
// one is invalid and cannot be in a block at all):
//   - `tx` parses as a Transaction of at most kMaxTxBytes;
//   - chain_id equals the executor's; sender_pubkey is 32 bytes;
//   - the signature is the sender's ed25519 signature of the `tx` bytes;
//   - nonce equals the sender account's nonce (ordered, no replay);
//   - gas_limit is at most the block gas limit;
//   - it is a deploy, a call, or a bridge message that parses and names an
//     operation.
// A valid transaction always consumes its nonce, even if its execution
// fails; its receipt then says why, and none of its other writes persist.
//
// Gas of a transaction = kGasTxBase + kGasPerTxByte * |tx|
//                      (+ kGasPerDeployByte * |code| for a deploy)
//                      + the runtime's gas for the call (or init),
//                        or the bridge module's charges (bridge/core/gas.h).
//
// A bridge message runs in the bridge module (bridge/core/module.h) over the
// block's state; it writes only the bridge's own table. Refused, it gets a
// RECEIPT_STATUS_REFUSED receipt saying why and keeps the gas it was charged;
// out of gas, it uses its whole limit.
//
// Thread-safety: BuildBlock and Query may run concurrently with each other
// (they read the store, which is thread-safe); the caller serializes
// BuildBlock with committing its result.

#ifndef BALLAST_NODE_EXECUTOR_H_
#define BALLAST_NODE_EXECUTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ballast.pb.h"
#include "ledger/crypto.h"
#include "ledger/state_changes.h"
#include "ledger/store.h"
#include "wasm/host_abi.h"
#include "wasm/runtime.h"

namespace ballast::node {

inline constexpr uint64_t kGasTxBase = 20'000;
inline constexpr uint64_t kGasPerTxByte = 10;
inline constexpr uint64_t kGasPerDeployByte = 20;
inline constexpr size_t kMaxTxBytes = 1 << 20;
// Sized so that a block filled with the most expensive work per gas that the
// gas-fairness benchmark finds (GasFairness/*, FullBlock/* in tools/bench)
// executes within 2 s on the wabt interpreter; the measurement and the
// figure are in docs/gas.md ("Block gas limit") and BENCHMARKS.md.
inline constexpr uint64_t kDefaultBlockGasLimit = 100'000'000;

// A transaction decoded and checked by CheckTransaction.
struct CheckedTx {
  ledger::Transaction tx;
  std::string hash;    // TxHash
  std::string sender;  // 20-byte address
};

// A transaction BuildBlock left out of the block, and why.
struct RejectedTx {
  std::string hash;  // TxHash
  absl::Status status;
};

// Wall time spent in BuildBlock, by phase.
struct BuildStats {
  double check_ms = 0;   // CheckTransaction: decode, chain id, signature
  double run_ms = 0;     // the runtime: deploy preparation and calls
  double finish_ms = 0;  // tx root, state root, block signature
};

class Executor {
 public:
  // `store` and `runtime` must outlive the executor.
  Executor(ledger::Store* store, wasm::Runtime* runtime, std::string chain_id,
           uint64_t block_gas_limit = kDefaultBlockGasLimit);

  const std::string& chain_id() const { return chain_id_; }

  // The stateless checks (everything but the nonce): InvalidArgument
  // naming the problem, e.g. "wrong chain id 'x' (this chain is 'y')".
  absl::StatusOr<CheckedTx> CheckTransaction(
      const ledger::SignedTransaction& stx) const;

  // Executes `txs` in order on top of the head and returns the block
  // (signed by `producer`) with its receipts and state changes.
  // InvalidArgument if any transaction is invalid (the message names its
  // index), unless `rejected` is given: then each invalid transaction is
  // left out of the block and listed there with its reason, and the rest
  // still make the block (a producer must not lose a batch to one bad
  // transaction). Internal/DataLoss/Unavailable if the store fails.
  //
  // If `checked` is given, (*checked)[i] must be CheckTransaction(txs[i])'s
  // result (the mempool keeps it), and the stateless checks, signature
  // included, are not repeated. If `stats` is given, it receives where the
  // time went (measured with a clock that never reaches the block).
  absl::StatusOr<ledger::BlockCommit> BuildBlock(
      const std::vector<ledger::SignedTransaction>& txs, int64_t time_ms,
      const KeyPair& producer, BuildStats* stats = nullptr,
      const std::vector<CheckedTx>* checked = nullptr,
      std::vector<RejectedTx>* rejected = nullptr);

  // BuildBlock without the signature: the header names `producer_pubkey`
  // and the block has no signatures. For re-executing blocks another node
  // signed (chain_verify.h): when the header comes out the same, so does
  // its hash, and the original signatures hold.
  absl::StatusOr<ledger::BlockCommit> ExecuteBlock(
      const std::vector<ledger::SignedTransaction>& txs, int64_t time_ms,
      std::string_view producer_pubkey, BuildStats* stats = nullptr,
      const std::vector<CheckedTx>* checked = nullptr,
      std::vector<RejectedTx>* rejected = nullptr);

  // Runs a method on the state after block `at.height` (0: the empty state
  // before the first block), read through the state tree (ledger/state_at.h),
  // with nothing written, ever. The contract sees BlockHeight() ==
  // at.height and BlockTime() == at.time_ms (the caller passes that block's
  // time); a transaction in the next block would see a later height and
  // time. The call's own failure is in the outcome; a tree read that fails
  // (e.g. the height was pruned while the query ran: FailedPrecondition)
  // fails the call as wasm::FailureKind::kInternal with that message.
  // Past `deadline` (wall time) the call fails as wasm::FailureKind::
  // kDeadline. Only queries have one: BuildBlock never sets a deadline, so
  // that a block's outcome does not depend on the machine (wasm/gas.h).
  absl::StatusOr<wasm::CallOutcome> Query(
      const wasm::BlockInfo& at, const std::string& contract,
      const std::string& method, const std::string& input, uint64_t gas_limit,
      absl::Time deadline = absl::InfiniteFuture());

  // The same at the head (read once, so the query never straddles a
  // commit), at the head block's height and time. An error only if the head
  // cannot be read.
  absl::StatusOr<wasm::CallOutcome> Query(
      const std::string& contract, const std::string& method,
      const std::string& input, uint64_t gas_limit,
      absl::Time deadline = absl::InfiniteFuture());

 private:
  ledger::Store* store_;
  wasm::Runtime* runtime_;
  std::string chain_id_;
  uint64_t block_gas_limit_;
};

// Adds the contracts a successful call created (bl_instantiate) to
// `changes`: each runs its template's code, and names the deployed contract
// whose interface it has. Internal/DataLoss if a template has no record.
absl::Status AddCreatedContracts(
    ledger::Store& store, const std::vector<wasm::CreatedContract>& created,
    uint64_t height, ledger::StateChanges* changes);

// The receipt status for a runtime failure kind.
ledger::ReceiptStatus StatusFor(wasm::FailureKind kind);

}  // namespace ballast::node

#endif  // BALLAST_NODE_EXECUTOR_H_
