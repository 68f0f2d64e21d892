// Chain verification: re-executes every block of a store from genesis into
// a fresh store and checks that each header's roots come out the same, as
// bitcoind's -reindex-chainstate and geth's import do. `ballastd verify`
// runs it on a data dir; the crash tests run it on a node killed under load.
//
// Each block's transactions run through the same Executor a producer uses,
// with the block's own time and producer key; the rebuilt header must match
// the stored one field for field (tx_root, receipts_root, state_root). The
// stored signatures are then attached unchanged (same header, same hash) and
// the block is committed to the replica, which checks them like any block.
// After the head block, the source's state (accounts, contracts, code and
// storage) must be byte for byte the replica's (Store::StateDigest).
//
// The replica runs on this binary's runtime: a source store recorded under
// another instrumenter version is refused when it is opened, before any
// block runs (ledger/store.h), because this binary could not reproduce it.
//
// Thread-safety: VerifyChain uses the source store only for reads; nothing
// else may write it meanwhile (ballastd verify holds the data dir's lock).

#ifndef BALLAST_NODE_CHAIN_VERIFY_H_
#define BALLAST_NODE_CHAIN_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/store.h"

namespace ballast::node {

// The first place the replica differs from the source.
struct Divergence {
  uint64_t height = 0;
  // "tx_root", "receipts_root", "state_root", "transaction" (a
  // transaction the source committed is invalid on re-execution), or
  // "state" (every header matched, but the source's state after its head
  // block is not the replica's).
  std::string what;
  // Human-readable: the two roots, and the first differing receipt field
  // or state key (with both values) where it can be named.
  std::string detail;
};

struct VerifyReport {
  uint64_t blocks_verified = 0;  // blocks whose roots matched
  std::optional<Divergence> divergence;
};

struct VerifyOptions {
  // The replica's directory: created, must not exist yet. The caller
  // removes it afterwards.
  std::string replica_dir;
  // Called after each verified block (progress output); may be empty.
  std::function<void(uint64_t height)> on_block;
};

// Re-executes `source`'s blocks 1..head into a fresh store at
// options.replica_dir and compares roots. An error (not a divergence) if
// a store cannot be read or written.
absl::StatusOr<VerifyReport> VerifyChain(ledger::Store& source,
                                         const VerifyOptions& options);

}  // namespace ballast::node

#endif  // BALLAST_NODE_CHAIN_VERIFY_H_
