// NodeService: every operation of the node's API as one C++ call that
// returns StatusOr of a typed result (node/api/api.proto). The HTTP edge
// (node/api_server.h) only routes, maps JSON to and from these messages and
// maps a status to its HTTP status (node/api/errors.h); nothing here knows
// HTTP, so the transport can change without touching this file, and tests
// drive the API without a socket.
//
// Errors follow node/api/errors.h: bad input is InvalidArgument naming the
// field; an unknown object NotFound; a contract call that ran and failed in
// a query is api::FailedCall (its failure name and gas as payloads); the
// node's own failures (store I/O) keep their codes.
//
// Thread-safety: all methods are thread-safe.

#ifndef BALLAST_NODE_SERVICE_H_
#define BALLAST_NODE_SERVICE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/ballast.pb.h"
#include "node/api/api.pb.h"
#include "node/api/contract_interface.h"
#include "node/node.h"

namespace ballast::node {

// A query's gas: the default, and the most a query may ask for.
inline constexpr uint64_t kDefaultQueryGas = 100'000'000;
inline constexpr uint64_t kMaxQueryGas = kDefaultQueryGas;
// Events per answer: the default, and the most one may ask for.
inline constexpr uint32_t kDefaultEventLimit = 100;
inline constexpr uint32_t kMaxEventLimit = 1000;

// Most transactions in one POST /v1/txs (the body limit bounds its bytes).
inline constexpr size_t kMaxBatchTxs = 1000;

struct ServiceOptions {
  // The longest SubmitAndWait waits.
  absl::Duration max_wait = absl::Seconds(30);
  // Reported in Info: the HTTP edge's body limit.
  uint32_t max_body_bytes = 0;
  // The longest a query may run (wall time; gas bounds it too). Past it the
  // query fails as "deadline exceeded" (ResourceExhausted).
  absl::Duration query_timeout = absl::Seconds(2);
};

class NodeService {
 public:
  // `node` must outlive the service.
  explicit NodeService(Node* node, ServiceOptions options = {});

  absl::Duration max_wait() const { return options_.max_wait; }
  // Whether the node serves the dev routes (ballastd --dev).
  bool dev() const { return node_->options().dev; }

  NodeService(const NodeService&) = delete;
  NodeService& operator=(const NodeService&) = delete;

  // ok is false once a store write failed.
  absl::StatusOr<api::HealthResponse> Health();
  absl::StatusOr<api::InfoResponse> Info();
  api::StatsResponse Stats();

  // Checks and queues `stx` (Node::Submit); its hash.
  absl::StatusOr<api::SubmitResponse> Submit(
      const ledger::SignedTransaction& stx);
  // Submit for each transaction of `request`, in order: a result for each,
  // its hash or why it was refused (a refusal does not stop the rest). The
  // batch itself must hold 1..kMaxBatchTxs transactions (else
  // InvalidArgument, nothing submitted).
  absl::StatusOr<api::SubmitBatchResponse> SubmitBatch(
      const api::SubmitBatchRequest& request);
  // Submit, then wait at most min(`wait`, max_wait) for the commit: the
  // transaction, "committed" or still "pending".
  absl::StatusOr<api::TransactionView> SubmitAndWait(
      const ledger::SignedTransaction& stx, absl::Duration wait);

  // `hash` is 32 raw bytes, addresses 20 (else InvalidArgument).
  absl::StatusOr<api::TransactionView> Transaction(std::string_view hash);
  absl::StatusOr<api::BlockView> LatestBlock();
  absl::StatusOr<api::BlockView> BlockAt(uint64_t height);
  absl::StatusOr<api::BlockView> BlockByHash(std::string_view hash);
  // Runs a method on the state after block `request.height` (default: the
  // head, read once), at that block's height and time, looking the
  // contract up there too; never writes. Bounded by the gas limit and by
  // options.query_timeout. A height outside the retained range of the
  // state tree (also one pruned while the query ran) is OutOfRange naming
  // the range, as Proof's.
  absl::StatusOr<api::QueryResponse> Query(const api::QueryRequest& request);
  absl::StatusOr<api::ContractView> Contract(std::string_view address);
  absl::StatusOr<api::AccountView> Account(std::string_view address);
  absl::StatusOr<api::EventsResponse> Events(const api::EventsRequest& request);
  // A proof document (node/api/proof.h) of an account, or of up to
  // api::kMaxProofKeys storage keys of one contract, at `request.height`
  // (default: the head). A height outside the retained range of the state
  // tree is OutOfRange naming the range.
  absl::StatusOr<api::ProofResponse> Proof(const api::ProofRequest& request);

  // POST /v1/dev/mine: Node::DevMine, then the blocks and the transactions
  // still pending. FailedPrecondition "dev routes need ballastd --dev" on a
  // node that is not dev.
  absl::StatusOr<api::DevMineResponse> DevMine(
      const api::DevMineRequest& request);

  // The interface the deploy of the contract at `address` carried; nullopt
  // if there is no contract there or it has none (or an invalid one).
  // Cached: a committed contract's interface never changes.
  absl::StatusOr<std::optional<api::ContractInterface>> Interface(
      std::string_view address);

 private:
  Node* const node_;
  const ServiceOptions options_;

  absl::Mutex iface_mu_;
  // contract address -> interface (nullopt: the contract has none)
  std::map<std::string, std::optional<api::ContractInterface>> interfaces_
      ABSL_GUARDED_BY(iface_mu_);
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_SERVICE_H_
