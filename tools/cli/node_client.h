// NodeClient: the CLI's view of a node's v1 HTTP JSON API (docs/api.md).
//
// Every call returns the response body as JSON, or a status whose message
// starts with "node: ": for an error response, the HTTP status, the error's
// code and message ("node: 400 INVALID_ARGUMENT: wrong chain id ..."), with
// the code mapped to the matching absl code; for a node that cannot be
// reached, Unavailable ("node: cannot reach http://...: Connection").
//
// Thread-compatible (one HTTP connection, used by one thread at a time).

#ifndef BALLAST_TOOLS_CLI_NODE_CLIENT_H_
#define BALLAST_TOOLS_CLI_NODE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ballast.pb.h"
#include "nlohmann/json.hpp"

namespace httplib {
class Client;
}

namespace ballast::cli {

class NodeClient {
 public:
  // `url` is [http://|https://]HOST[:PORT] (a trailing '/' is allowed).
  // InvalidArgument for anything else.
  static absl::StatusOr<std::unique_ptr<NodeClient>> Create(
      std::string_view url);
  ~NodeClient();

  const std::string& url() const { return url_; }

  absl::StatusOr<nlohmann::json> Get(std::string_view path);
  absl::StatusOr<nlohmann::json> Post(std::string_view path,
                                      const nlohmann::json& body);

  // The chain id from GET /v1/info.
  absl::StatusOr<std::string> ChainId();
  // The nonce a new transaction from `address` (raw) must carry: the
  // account's pending_nonce if the node reports one, else its nonce.
  absl::StatusOr<uint64_t> NextNonce(std::string_view address);
  // POST /v1/tx; returns the transaction hash as the node reports it (0x-hex).
  absl::StatusOr<std::string> Submit(const ledger::SignedTransaction& stx);
  // Polls GET /v1/tx/{hash} until the transaction is committed and returns
  // that response. DeadlineExceeded after `timeout`.
  absl::StatusOr<nlohmann::json> WaitCommitted(
      std::string_view hash, std::chrono::milliseconds timeout);

 private:
  explicit NodeClient(std::string url);

  std::string url_;
  std::unique_ptr<httplib::Client> http_;
};

// Reads a JSON value that holds an unsigned 64-bit integer, written either as
// a number or as a decimal string (protobuf's JSON mapping writes strings).
absl::StatusOr<uint64_t> JsonUint64(const nlohmann::json& value);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_NODE_CLIENT_H_
