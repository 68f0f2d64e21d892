// Mempool: signed transactions accepted by the node and not yet in a block.
//
// Admission (Add) assumes the stateless checks already passed
// (Executor::CheckTransaction: size, chain id, signature, gas limit) and adds
// the nonce rules against the committed state:
//   - nonce below the sender's committed nonce, or taken by a different
//     pending transaction -> InvalidArgument "nonce N already used (next is
//     M)", M being the sender's next free nonce;
//   - the same transaction already pending or committed -> AlreadyExists;
//   - a nonce above the next one is a gap: the transaction waits until the
//     gap is filled (at most max_nonce_gap ahead, else InvalidArgument);
//     a sender may have at most `max_waiting_per_sender` such waiting
//     transactions -> InvalidArgument "... transactions waiting for nonce
//     N ...; send nonce N first" (waiting costs the sender nothing, so this
//     is what keeps one sender from filling the pool with them);
//   - the pool holds at most `capacity` transactions, `max_bytes` bytes of
//     signed transactions (tx + signature) and `max_per_sender` per sender
//     -> ResourceExhausted beyond that ("retry later").
// Select hands the block producer the transactions that can run now: for
// each sender the run of consecutive nonces from its committed nonce, senders
// interleaved in arrival order, within the block's count and gas limits.
// Committed transactions leave by Remove.
//
// The committed nonce is read from the store under the pool's lock; the
// store is only changed by the producer, which calls Remove after each commit.
//
// Thread-safety: all methods are thread-safe.

#ifndef BALLAST_NODE_MEMPOOL_H_
#define BALLAST_NODE_MEMPOOL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ballast.pb.h"
#include "ledger/store.h"
#include "node/executor.h"

namespace ballast::node {

struct MempoolOptions {
  size_t capacity = 50'000;  // transactions
  size_t max_per_sender = 10'000;
  uint64_t max_nonce_gap = 10'000;  // nonce - next nonce, for waiting txs
  // Bytes of all pending signed transactions (tx + signature): transactions
  // are up to 1 MiB each, so the count alone bounds nothing useful.
  size_t max_bytes = 64 << 20;
  // Transactions of one sender waiting for an earlier nonce (gapped).
  size_t max_waiting_per_sender = 64;
};

// A transaction in the pool.
struct PendingTx {
  ledger::SignedTransaction stx;
  CheckedTx checked;
  uint64_t seq = 0;  // arrival order
};

class Mempool {
 public:
  // `store` must outlive the pool.
  Mempool(ledger::Store* store, MempoolOptions options = {});

  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // REQUIRES: `checked` is CheckTransaction(stx)'s result.
  absl::Status Add(const ledger::SignedTransaction& stx, CheckedTx checked);

  // Transactions ready to run, at most `max_txs` with gas limits summing to
  // at most `max_gas`, in an order that keeps each sender's nonces
  // consecutive. They stay in the pool until Remove. Unavailable/DataLoss if
  // the store cannot be read.
  absl::StatusOr<std::vector<PendingTx>> Select(size_t max_txs,
                                                uint64_t max_gas);

  // Removes these transactions (by hash), e.g. after their block committed.
  void Remove(const std::vector<std::string>& hashes);

  // The pending transaction with this hash, if any.
  std::optional<ledger::SignedTransaction> Find(const std::string& hash);

  // The nonce the sender's next transaction should carry, counting its
  // consecutive pending transactions after `committed_nonce`.
  uint64_t NextNonce(const std::string& sender, uint64_t committed_nonce);

  size_t size();
  // Bytes of the pending signed transactions, as counted for max_bytes.
  size_t bytes();

 private:
  struct Sender {
    std::map<uint64_t, PendingTx> by_nonce;
  };

  uint64_t NextNonceLocked(const Sender& s, uint64_t committed) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the pending transaction `hash`, if there.
  void EraseLocked(const std::string& hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ledger::Store* const store_;
  const MempoolOptions options_;
  absl::Mutex mu_;
  std::map<std::string, Sender> senders_ ABSL_GUARDED_BY(mu_);
  // tx hash -> (sender, nonce)
  absl::flat_hash_map<std::string, std::pair<std::string, uint64_t>> by_hash_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_MEMPOOL_H_
