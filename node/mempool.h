// Mempool: signed transactions accepted by the node and not yet in a block.
//
// Admission (Add) assumes the stateless checks already passed
// (Executor::CheckTransaction: size, chain id, signature, gas limit) and adds
// the nonce rules against the committed state:
//   - nonce below the sender's committed nonce, or taken by a different
//     pending transaction -> InvalidArgument "nonce N already used (next is
//     M)", M being the sender's next free nonce (a pending transaction is
//     never replaced);
//   - the same transaction already pending or committed -> AlreadyExists;
//   - a nonce more than max_nonce_gap above the next one -> InvalidArgument.
//
// Admission policy. Ballast has no fees and keys are free, so fairness comes
// from these rules alone (docs/api.md, "Mempool policy", says the same):
//   - A sender's transactions are *ready* from its committed nonce on, as
//     long as their nonces are consecutive; the rest are *waiting* (gapped):
//     they cannot run until the gap is filled.
//   - Waiting transactions are capped: at most max_waiting_per_sender (64)
//     per sender (InvalidArgument "... send nonce N first"), and
//     max_waiting (1024) transactions and max_waiting_bytes (a quarter of
//     max_bytes) in all. When the waiting caps are full, a new waiting
//     transaction evicts one of the sender holding the most waiting bytes if
//     that sender holds more than the newcomer's sender would; else it is
//     refused (ResourceExhausted).
//   - A waiting transaction expires waiting_lifetime (10 min) after it
//     arrived, and leaves the pool.
//   - Waiting transactions are evicted before any ready one is refused: a
//     ready transaction that does not fit the pool's limits (capacity
//     transactions, max_bytes bytes, max_gas_blocks blocks' worth of gas
//     limits) evicts waiting ones, of the sender holding the most waiting
//     bytes first, highest nonce first (so no new gap opens). Only when no
//     waiting transaction is left is it refused (ResourceExhausted, "retry
//     later"). Ready transactions are never evicted.
//   - No sender holds more than max_sender_bytes (a quarter of max_bytes) or
//     max_per_sender transactions (ResourceExhausted); a ready newcomer first
//     evicts its own sender's waiting transactions.
//   - Select serves ready transactions in arrival order (of each sender's
//     next one) within the block's count and gas limits.
//
// Waiting bound. A ready transaction H with gas limit g <= block_gas_limit/2
// is selected within ceil(N / max_block_txs) + ceil(2 G / block_gas_limit)
// + 1 blocks of its admission, N and G being the count and the gas limits of
// the transactions in the pool when H arrived (transactions arriving later
// are served after H; a waiting transaction whose gap a later one fills runs
// after that one). In each earlier block either max_block_txs transactions
// ahead of H were taken, or H did not fit, so more than block_gas_limit / 2
// gas of them was taken. With the defaults (N < 50,000, 5,000 per block,
// G <= 64 blocks' worth) that is at most 10 + 128 + 1 = 139 blocks.
// Admission itself is first come, first served: while the pool is full of
// ready transactions, new ones get "retry later" until blocks drain it.
//
// The committed nonce is read from the store under the pool's lock; the
// store is only changed by the producer, which calls Remove after each commit.
//
// Thread-safety: all methods are thread-safe.

#ifndef BALLAST_NODE_MEMPOOL_H_
#define BALLAST_NODE_MEMPOOL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
  // Waiting transactions of all senders, and their bytes (0: max_bytes / 4).
  size_t max_waiting = 1024;
  size_t max_waiting_bytes = 0;
  // Bytes one sender may hold, ready and waiting (0: max_bytes / 4).
  size_t max_sender_bytes = 0;
  // How long a transaction may wait for its gap to be filled.
  absl::Duration waiting_lifetime = absl::Minutes(10);
  // The gas limits of all pending transactions sum to at most
  // max_gas_blocks * block_gas_limit (the node sets block_gas_limit to its
  // own), which bounds how many blocks a ready transaction waits.
  uint64_t block_gas_limit = kDefaultBlockGasLimit;
  uint64_t max_gas_blocks = 64;
  // The clock for waiting_lifetime; null means absl::Now. Tests inject one.
  std::function<absl::Time()> clock = nullptr;
};

// A transaction in the pool.
struct PendingTx {
  ledger::SignedTransaction stx;
  CheckedTx checked;
  uint64_t seq = 0;  // arrival order
  absl::Time arrived;
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
  // Waiting (gapped) transactions, as counted for max_waiting.
  size_t waiting();

  // How many pending transactions the pool has walked to count its
  // senders' ready runs, for the tests that bound admission's work.
  size_t WalkedForTesting();

 private:
  struct Sender {
    std::map<uint64_t, PendingTx> by_nonce;
    uint64_t committed = 0;  // its committed nonce, as last read
    uint64_t next = 0;       // end of its ready run (RecountLocked)
    size_t bytes = 0;        // of all its pending transactions
    size_t waiting = 0;      // its waiting transactions
    size_t waiting_bytes = 0;
  };

  uint64_t NextNonceLocked(const Sender& s, uint64_t committed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recounts which of the sender's transactions wait, after its
  // transactions or its committed nonce changed: walks all of them.
  void RecountLocked(const std::string& sender, Sender& s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts the sender's new transaction at `nonce` (of `size` bytes), the
  // rest being counted already: it waits, or it extends the ready run and
  // takes in the waiting ones the run now reaches. Walks only those, so a
  // sender's transactions added in order cost constant time each (a
  // recount each would make a run of k cost k^2).
  void CountAddedLocked(const std::string& sender, Sender& s, uint64_t nonce,
                        size_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the pending transaction `hash`, if there.
  void EraseLocked(const std::string& hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops waiting transactions older than waiting_lifetime (sweeping at
  // most once a second).
  void ExpireLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Evicts the highest-nonce waiting transaction of `sender` if given, else
  // of the sender with the most waiting bytes. False if there is none.
  bool EvictWaitingLocked(const std::string* sender)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time Now() const;

  ledger::Store* const store_;
  const MempoolOptions options_;
  absl::Mutex mu_;
  std::map<std::string, Sender> senders_ ABSL_GUARDED_BY(mu_);
  // tx hash -> (sender, nonce)
  absl::flat_hash_map<std::string, std::pair<std::string, uint64_t>> by_hash_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t gas_ ABSL_GUARDED_BY(mu_) = 0;  // sum of gas limits
  size_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  size_t waiting_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Pending transactions walked to count senders' runs (WalkedForTesting).
  size_t walked_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Senders with waiting transactions (at most max_waiting of them).
  absl::flat_hash_set<std::string> waiting_senders_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_MEMPOOL_H_
