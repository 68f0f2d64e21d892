// ApiServer: the HTTP edge of the node's API (docs/api.md is the reference),
// over Boost.Beast. It only routes: a request's JSON becomes the typed
// request of node/api/api.proto, one NodeService call answers it, and the
// result becomes JSON again; an error becomes
//   {"error": {"code": "INVALID_ARGUMENT", "message": "..."}}
// with the HTTP status node/api/errors.h gives its kind. All logic lives in
// the service.
//
// Threads: one I/O thread (the one that calls Run) accepts, reads and writes
// every connection asynchronously, each read and write under a deadline;
// handlers run on a pool of `threads` workers, and POST /v1/tx?wait=true on
// a pool of its own of `max_waiters` threads, so waiting never holds a
// worker. A connection has at most one request in flight.
//
// What a client cannot do (each answered, then the connection closed):
//   - send a request head (request line and header fields) over
//     max_header_bytes or with more than max_header_fields fields: 431;
//   - send a body over max_body_bytes: 413;
//   - take longer than read_timeout to send a whole request, or stay idle
//     longer than that between requests: the connection is closed;
//   - take longer than write_timeout to read a response: closed;
//   - open more than max_connections connections: 503 and closed;
//   - have more than max_waiters ?wait=true requests waiting: 503 (decided
//     before the transaction is admitted; the client library then submits
//     without waiting and polls).
//
//   NodeService service(node.get());
//   ApiServer api(&service);
//   ASSIGN_OR_RETURN(int port, api.Bind("127.0.0.1", 0));
//   std::thread t([&] { api.Run(); });
//   ... api.Stop(); t.join();
//
// Thread-safety: Bind, then Run on one thread; Stop from any thread.

#ifndef BALLAST_NODE_API_SERVER_H_
#define BALLAST_NODE_API_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/executor.h"
#include "node/service.h"

namespace ballast::node {

inline constexpr char kDefaultListenHost[] = "127.0.0.1";
inline constexpr int kDefaultListenPort = 8545;

struct ApiOptions {
  // Request bodies above this get 413. A transaction of kMaxTxBytes is twice
  // that in hex.
  size_t max_body_bytes = 2 * kMaxTxBytes + (64 << 10);
  // The request line and header fields together, in bytes and in fields;
  // above either: 431.
  size_t max_header_bytes = 16 << 10;
  size_t max_header_fields = 100;
  size_t threads = 16;  // handler workers
  size_t max_connections = 512;
  size_t max_waiters = 64;  // concurrent POST /v1/tx?wait=true
  // The longest a client may take to send one whole request (and the
  // longest a connection may stay idle between requests).
  absl::Duration read_timeout = absl::Seconds(10);
  // The longest a client may take to read one whole response.
  absl::Duration write_timeout = absl::Seconds(10);
};

class ApiServer {
 public:
  // `service` must outlive the server.
  explicit ApiServer(NodeService* service, ApiOptions options = {});
  ~ApiServer();

  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds the listening socket; port 0 picks a free port. Returns the port.
  // Unavailable if the address cannot be bound.
  absl::StatusOr<int> Bind(const std::string& host, int port);
  // Serves requests until Stop. REQUIRES: Bind succeeded.
  void Run();
  // Returns once Run is serving (so that Stop cannot be missed).
  void WaitUntilRunning();
  // Stops accepting, closes idle connections and lets Run return after
  // in-flight requests finish.
  void Stop();

  class Impl;  // in api_server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_API_SERVER_H_
