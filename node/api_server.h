// ApiServer: the HTTP edge of the node's API (docs/api.md is the reference),
// over cpp-httplib. It only routes: a request's JSON becomes the typed
// request of node/api/api.proto, one NodeService call answers it, and the
// result becomes JSON again; an error becomes
//   {"error": {"code": "INVALID_ARGUMENT", "message": "..."}}
// with the HTTP status node/api/errors.h gives its kind. All logic lives in
// the service.
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

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/executor.h"
#include "node/service.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace ballast::node {

inline constexpr char kDefaultListenHost[] = "127.0.0.1";
inline constexpr int kDefaultListenPort = 8545;

struct ApiOptions {
  // Request bodies above this get 413. A transaction of kMaxTxBytes is twice
  // that in hex.
  size_t max_body_bytes = 2 * kMaxTxBytes + (64 << 10);
  size_t threads = 16;  // concurrent connections served
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
  // Stops accepting and lets Run return after in-flight requests finish.
  void Stop();

 private:
  void Routes();

  NodeService* const service_;
  const ApiOptions options_;
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_API_SERVER_H_
