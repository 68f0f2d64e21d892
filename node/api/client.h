// Client: the one client library of a node's HTTP API (docs/api.md). Every
// call sends or receives the typed messages of node/api/api.proto; the CLI,
// the load generator, the test harnesses and the relayer all use it.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Client> node,
//                    Client::Create("http://127.0.0.1:8545"));
//   ASSIGN_OR_RETURN(InfoResponse info, node->Info());
//   ASSIGN_OR_RETURN(TransactionView tx,
//                    node->SubmitAndWait(stx, absl::Seconds(30)));
//
// Errors: an error response becomes the status it describes, rebuilt with
// api::StatusFromResponse (so KindOf/ExitCodeOf in errors.h apply, and a
// failed contract call keeps its failure name and gas); the message is
// prefixed "node: " (with the HTTP status and code name). A node that cannot
// be reached is Unavailable ("node: cannot reach http://...: ..."). A
// response that is not the expected message is Internal.
//
// Thread-compatible: one keep-alive connection, used by one thread at a
// time; make one Client per thread.

#ifndef BALLAST_NODE_API_CLIENT_H_
#define BALLAST_NODE_API_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ballast.pb.h"
#include "node/api/api.pb.h"

namespace httplib {
class Client;
}

namespace ballast::api {

inline constexpr char kDefaultNodeUrl[] = "http://127.0.0.1:8545";

class Client {
 public:
  // `url` is [http://|https://]HOST[:PORT][/] (port 8545 if omitted).
  // InvalidArgument for anything else. Nothing is sent until the first call.
  static absl::StatusOr<std::unique_ptr<Client>> Create(std::string_view url);
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& url() const { return url_; }

  absl::StatusOr<HealthResponse> Health();
  absl::StatusOr<InfoResponse> Info();
  absl::StatusOr<StatsResponse> Stats();

  // POST /v1/tx: the hash once the mempool took the transaction.
  absl::StatusOr<std::string> Submit(const ledger::SignedTransaction& stx);
  // The POST /v1/tx body of `stx`, and the POST of a body rendered ahead of
  // time (a load generator renders its bodies before the clock starts).
  static std::string SubmitBody(const ledger::SignedTransaction& stx);
  absl::StatusOr<std::string> SubmitRendered(const std::string& body);
  // POST /v1/txs of transactions whose POST /v1/tx bodies (SubmitBody) are
  // `bodies`: each one's hash, or the status it was refused with, in order.
  // Fails as a whole only if the batch did (none was then submitted).
  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> SubmitBatchRendered(
      const std::vector<const std::string*>& bodies);
  // Submits and waits until the transaction is committed or `timeout`
  // passed (DeadlineExceeded, naming the hash). It asks the node to wait
  // (?wait=true); when the node declines (busy) or answers before the commit,
  // it falls back to polling GET /v1/tx.
  absl::StatusOr<TransactionView> SubmitAndWait(
      const ledger::SignedTransaction& stx, absl::Duration timeout);
  // Polls GET /v1/tx/{hash} until committed (DeadlineExceeded after
  // `timeout`).
  absl::StatusOr<TransactionView> WaitCommitted(std::string_view hash,
                                                absl::Duration timeout);

  // `hash` is 32 raw bytes; addresses are 20 raw bytes.
  absl::StatusOr<TransactionView> Transaction(std::string_view hash);
  absl::StatusOr<BlockView> LatestBlock();
  absl::StatusOr<BlockView> BlockAt(uint64_t height);
  absl::StatusOr<BlockView> BlockByHash(std::string_view hash);
  // POST /v1/query, at request.height if set (else the node's head); the
  // answer names the height and block time the query ran at.
  absl::StatusOr<QueryResponse> Query(const QueryRequest& request);
  absl::StatusOr<ContractView> Contract(std::string_view address);
  absl::StatusOr<AccountView> Account(std::string_view address);
  absl::StatusOr<EventsResponse> Events(const EventsRequest& request);
  // GET /v1/proof: a proof document (node/api/proof.h), unverified.
  absl::StatusOr<ProofResponse> Proof(const ProofRequest& request);

  // POST /v1/dev/mine (a node started with --dev; others refuse it with
  // FailedPrecondition).
  absl::StatusOr<DevMineResponse> DevMine(const DevMineRequest& request);

  // The nonce a new transaction from `address` must carry (pending_nonce).
  absl::StatusOr<uint64_t> NextNonce(std::string_view address);

 private:
  explicit Client(std::string url);

  // Polls until `deadline`; `timeout` is what the caller asked for (for
  // the message).
  absl::StatusOr<TransactionView> WaitUntil(std::string_view hash,
                                            absl::Time deadline,
                                            absl::Duration timeout);
  // GET or POST (when `body` is given) `path`; parses a 2xx body into `out`.
  absl::Status Call(std::string_view path, const std::string* body,
                    google::protobuf::Message* out);

  std::string url_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_CLIENT_H_
