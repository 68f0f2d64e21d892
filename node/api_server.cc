#include "node/api_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/errors.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "spdlog/spdlog.h"

namespace ballast::node {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr char kJson[] = "application/json";

// -- The transport-free request and response the routes see.

struct Request {
  std::string method;
  std::string path;                                         // percent-decoded
  std::vector<std::pair<std::string, std::string>> params;  // decoded
  std::string content_type;
  std::string body;

  bool has_param(std::string_view key) const {
    return std::any_of(params.begin(), params.end(),
                       [&](const auto& p) { return p.first == key; });
  }
  // The first value of `key`; "" if absent.
  std::string get_param_value(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) return v;
    }
    return "";
  }
};

struct Response {
  int status = 200;
  std::string body;
  bool retry_after = false;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes (and '+' as a space in a query); a malformed escape stays as
// it is.
std::string DecodeUrl(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
        HexDigit(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "path?k=v&k2=v2" into the request's path and params.
void ParseTarget(std::string_view target, Request* req) {
  const size_t q = target.find('?');
  req->path = DecodeUrl(target.substr(0, q), false);
  if (q == std::string_view::npos) return;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    req->params.emplace_back(DecodeUrl(key, true), DecodeUrl(value, true));
  }
}

// -- Replies

void ReplyJson(Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.body = api::DumpJson(j) + "\n";
}

// The error table (node/api/errors.h) decides the HTTP status, unless
// `status` is given (transport refusals such as 431).
void ReplyError(Response& res, const absl::Status& s, int status = 0) {
  api::ErrorResponse body = api::ErrorResponseOf(s);
  if (status == 0) status = api::HttpStatusOf(s);
  res.retry_after = status == api::HttpStatusOf(api::ErrorKind::kBusy);
  auto j = api::ProtoToJson(body);
  ReplyJson(res, status, j.ok() ? *j : nlohmann::json{{"error", s.ToString()}});
}

void ReplyMessage(Response& res, int status,
                  const google::protobuf::Message& message) {
  auto j = api::ProtoToJson(message);
  if (!j.ok()) return ReplyError(res, j.status());
  ReplyJson(res, status, *j);
}

template <typename T>
void Reply(Response& res, const absl::StatusOr<T>& result) {
  if (!result.ok()) return ReplyError(res, result.status());
  ReplyMessage(res, 200, *result);
}

// -- Parsing what the routes take

// A request body as message type T.
template <typename T>
absl::StatusOr<T> ParseBody(const std::string& text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("request body is empty (expected JSON)");
  }
  ASSIGN_OR_RETURN(nlohmann::json j, api::ParseJson(text));
  T message;
  RETURN_IF_ERROR(api::JsonToProto(j, &message));
  return message;
}

// A 20- or 32-byte value from a path or query parameter, with or without
// "0x".
absl::StatusOr<std::string> ParseId(std::string_view text, size_t size,
                                    std::string_view what) {
  auto raw = FromHex(text);
  if (!raw.ok() || raw->size() != size) {
    return absl::InvalidArgumentError(StrCat(what, " must be ", size,
                                             " bytes of hex, got '",
                                             text.substr(0, 80), "'"));
  }
  return raw;
}

absl::StatusOr<uint64_t> ParseUint(std::string_view text,
                                   std::string_view what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError(
        StrCat(what, " must be a non-negative integer, got '",
               text.substr(0, 40), "'"));
  }
  return v;
}

// A query parameter that must be one of `allowed`.
absl::Status CheckParams(const Request& req,
                         std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : req.params) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) {
        names += names.empty() ? "" : ", ";
        names += a;
      }
      return absl::InvalidArgumentError(
          StrCat("unknown parameter '", std::string_view(key).substr(0, 80),
                 "' (expected ", names, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<api::EventsRequest> EventsRequestOf(const Request& req) {
  RETURN_IF_ERROR(CheckParams(
      req, {"contract", "name", "from_block", "to_block", "limit"}));
  api::EventsRequest out;
  if (req.has_param("contract")) {
    ASSIGN_OR_RETURN(
        *out.mutable_contract(),
        ParseId(req.get_param_value("contract"), kAddressSize, "contract"));
  }
  out.set_name(req.get_param_value("name"));
  if (req.has_param("from_block")) {
    ASSIGN_OR_RETURN(uint64_t from, ParseUint(req.get_param_value("from_block"),
                                              "from_block"));
    out.set_from_block(from);
  }
  if (req.has_param("to_block")) {
    ASSIGN_OR_RETURN(uint64_t to,
                     ParseUint(req.get_param_value("to_block"), "to_block"));
    out.set_to_block(to);
  }
  if (req.has_param("limit")) {
    ASSIGN_OR_RETURN(uint64_t limit,
                     ParseUint(req.get_param_value("limit"), "limit"));
    if (limit == 0 || limit > kMaxEventLimit) {
      return absl::InvalidArgumentError(
          StrCat("limit must be 1..", kMaxEventLimit));
    }
    out.set_limit(static_cast<uint32_t>(limit));
  }
  return out;
}

// GET /v1/proof?account=0x..[&height=N] or
// ?contract=0x..&key=0x..[&key=0x..]...[&height=N] or
// ?bridge_key=0x..[&bridge_key=0x..]...[&height=N]. Keys are raw storage
// keys in hex ("0x" for the empty key), or raw keys of the bridge's table.
absl::StatusOr<api::ProofRequest> ProofRequestOf(const Request& req) {
  RETURN_IF_ERROR(
      CheckParams(req, {"account", "contract", "key", "bridge_key", "height"}));
  api::ProofRequest out;
  size_t keys = 0;
  for (const auto& [k, v] : req.params) {
    if ((k == "key" || k == "bridge_key") && ++keys > api::kMaxProofKeys) {
      return absl::InvalidArgumentError(
          StrCat("too many 'key' parameters: at most ", api::kMaxProofKeys,
                 " keys may be proved in one request"));
    }
  }
  if (req.has_param("account")) {
    ASSIGN_OR_RETURN(
        *out.mutable_account(),
        ParseId(req.get_param_value("account"), kAddressSize, "account"));
  }
  if (req.has_param("contract")) {
    ASSIGN_OR_RETURN(
        *out.mutable_contract(),
        ParseId(req.get_param_value("contract"), kAddressSize, "contract"));
  }
  for (const auto& [k, v] : req.params) {
    if (k == "key") {
      ASSIGN_OR_RETURN(std::string key,
                       api::ParseHexBytes(v, StrCat("key ", out.keys_size())));
      out.add_keys(std::move(key));
    } else if (k == "bridge_key") {
      ASSIGN_OR_RETURN(
          std::string key,
          api::ParseHexBytes(v, StrCat("bridge_key ", out.bridge_keys_size())));
      out.add_bridge_keys(std::move(key));
    }
  }
  if (req.has_param("height")) {
    ASSIGN_OR_RETURN(uint64_t height,
                     ParseUint(req.get_param_value("height"), "height"));
    out.set_height(height);
  }
  return out;
}

bool WantsWait(const Request& req) {
  std::string wait = req.get_param_value("wait");
  return !(wait.empty() || wait == "false" || wait == "0");
}

// ?wait=true[&timeout_ms=N]: how long POST /v1/tx waits; nullopt: it does
// not.
absl::StatusOr<std::optional<absl::Duration>> WaitOf(const Request& req,
                                                     absl::Duration max_wait) {
  RETURN_IF_ERROR(CheckParams(req, {"wait", "timeout_ms"}));
  if (!WantsWait(req)) return std::nullopt;
  absl::Duration d = max_wait;
  if (req.has_param("timeout_ms")) {
    ASSIGN_OR_RETURN(uint64_t ms, ParseUint(req.get_param_value("timeout_ms"),
                                            "timeout_ms"));
    d = std::min(d, absl::Milliseconds(std::min<uint64_t>(ms, INT64_MAX / 2)));
  }
  return d;
}

// The one path segment after `prefix` ("/v1/tx/" + "0xab.."), if `path` is
// exactly that.
std::optional<std::string> Segment(const std::string& path,
                                   std::string_view prefix) {
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix)) {
    return std::nullopt;
  }
  std::string rest = path.substr(prefix.size());
  if (rest.find('/') != std::string::npos) return std::nullopt;
  return rest;
}

bool IsWaitingSubmit(const Request& req) {
  return req.method == "POST" && req.path == "/v1/tx" && WantsWait(req);
}

// -- The routes: each parses, calls one NodeService function and renders.

// /v1/dev/*: only on a dev node (ballastd --dev); refused on any other,
// whatever the method or the rest of the path.
void RouteDev(NodeService* service, const Request& req, Response& res) {
  if (!service->dev()) {
    return ReplyError(res, absl::FailedPreconditionError(
                               "dev routes need ballastd --dev (a development "
                               "chain whose clock and mining can be driven)"));
  }
  if (req.method == "POST" && req.path == "/v1/dev/mine") {
    auto request = ParseBody<api::DevMineRequest>(
        req.body.empty() ? std::string("{}") : req.body);
    if (!request.ok()) return ReplyError(res, request.status());
    return Reply(res, service->DevMine(*request));
  }
  ReplyError(res, absl::NotFoundError(
                      StrCat("no route ", req.method.substr(0, 20), " ",
                             req.path.substr(0, 200), " (see docs/api.md)")));
}

void Route(NodeService* service, const Request& req, Response& res) {
  const std::string& path = req.path;
  if (path.rfind("/v1/dev/", 0) == 0) return RouteDev(service, req, res);
  if (req.method == "GET") {
    if (path == "/v1/health") {
      auto health = service->Health();
      if (!health.ok()) return ReplyError(res, health.status());
      return ReplyMessage(
          res, health->ok() ? 200 : api::HttpStatusOf(api::ErrorKind::kBusy),
          *health);
    }
    if (path == "/v1/info") return Reply(res, service->Info());
    if (path == "/v1/stats") return ReplyMessage(res, 200, service->Stats());
    if (auto id = Segment(path, "/v1/tx/")) {
      auto hash = ParseId(*id, kHashSize, "transaction hash");
      if (!hash.ok()) return ReplyError(res, hash.status());
      return Reply(res, service->Transaction(*hash));
    }
    if (path == "/v1/block/latest") return Reply(res, service->LatestBlock());
    if (auto id = Segment(path, "/v1/block/hash/")) {
      auto hash = ParseId(*id, kHashSize, "block hash");
      if (!hash.ok()) return ReplyError(res, hash.status());
      return Reply(res, service->BlockByHash(*hash));
    }
    if (auto id = Segment(path, "/v1/block/")) {
      auto height = ParseUint(*id, "block height");
      if (!height.ok()) return ReplyError(res, height.status());
      return Reply(res, service->BlockAt(*height));
    }
    if (auto id = Segment(path, "/v1/contract/")) {
      auto address = ParseId(*id, kAddressSize, "address");
      if (!address.ok()) return ReplyError(res, address.status());
      return Reply(res, service->Contract(*address));
    }
    if (auto id = Segment(path, "/v1/account/")) {
      auto address = ParseId(*id, kAddressSize, "address");
      if (!address.ok()) return ReplyError(res, address.status());
      return Reply(res, service->Account(*address));
    }
    if (path == "/v1/proof") {
      auto request = ProofRequestOf(req);
      if (!request.ok()) return ReplyError(res, request.status());
      auto proof = service->Proof(*request);
      if (!proof.ok()) return ReplyError(res, proof.status());
      auto doc = api::ProofDocumentJson(*proof);
      if (!doc.ok()) return ReplyError(res, doc.status());
      return ReplyJson(res, 200, *doc);
    }
    if (path == "/v1/events") {
      auto request = EventsRequestOf(req);
      if (!request.ok()) return ReplyError(res, request.status());
      return Reply(res, service->Events(*request));
    }
  } else if (req.method == "POST" &&
             (path == "/v1/tx" || path == "/v1/txs" || path == "/v1/query")) {
    if (req.content_type.rfind("multipart/form-data", 0) == 0) {
      return ReplyError(
          res, absl::InvalidArgumentError("the body must be JSON, not a form"));
    }
    if (path == "/v1/tx") {
      auto stx = ParseBody<ledger::SignedTransaction>(req.body);
      if (!stx.ok()) return ReplyError(res, stx.status());
      auto wait = WaitOf(req, service->max_wait());
      if (!wait.ok()) return ReplyError(res, wait.status());
      if (!wait->has_value()) return Reply(res, service->Submit(*stx));
      return Reply(res, service->SubmitAndWait(*stx, **wait));
    }
    if (path == "/v1/txs") {
      auto batch = ParseBody<api::SubmitBatchRequest>(req.body);
      if (!batch.ok()) return ReplyError(res, batch.status());
      return Reply(res, service->SubmitBatch(*batch));
    }
    auto request = ParseBody<api::QueryRequest>(req.body);
    if (!request.ok()) return ReplyError(res, request.status());
    return Reply(res, service->Query(*request));
  }
  ReplyError(res, absl::NotFoundError(
                      StrCat("no route ", req.method.substr(0, 20), " ",
                             path.substr(0, 200), " (see docs/api.md)")));
}

Response Handle(NodeService* service, const Request& req) {
  Response res;
  try {
    Route(service, req, res);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", req.method, req.path, e.what());
    ReplyError(res, absl::InternalError(StrCat("internal error: ", e.what())));
  } catch (...) {
    spdlog::error("{} {}: unknown exception", req.method, req.path);
    ReplyError(res, absl::InternalError("internal error: unknown exception"));
  }
  return res;
}

std::chrono::milliseconds Ms(absl::Duration d) {
  return std::chrono::milliseconds(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

// -- The server. Everything below runs on the I/O thread unless it says
// otherwise.

class Session;

class ApiServer::Impl {
 public:
  Impl(NodeService* service, ApiOptions options)
      : service_(service),
        options_(options),
        ioc_(1),
        acceptor_(ioc_),
        workers_(std::max<size_t>(1, options.threads)),
        waiters_(std::max<size_t>(1, options.max_waiters)) {}

  absl::StatusOr<int> Bind(const std::string& host, int port);
  void Run();
  void WaitUntilRunning();
  void Stop();

  NodeService* service() const { return service_; }
  const ApiOptions& options() const { return options_; }
  asio::io_context& ioc() { return ioc_; }
  bool stopping() const { return stopping_; }

  // Runs `job` on a worker, or on the waiter pool if `waiting`; `done` gets
  // its result back on the I/O thread.
  void Dispatch(Request req, bool waiting, std::function<void(Response)> done);
  // Whether a waiter may start; counts it if so. I/O thread.
  bool TryStartWaiter() {
    if (waiting_ >= options_.max_waiters) return false;
    ++waiting_;
    return true;
  }

  void Register(Session* s, std::weak_ptr<Session> w);
  void Unregister(Session* s);

 private:
  void Accept();
  void OnAccept(const ErrorCode& ec, tcp::socket socket);
  // Answers a connection over the cap with 503 and closes it, without a
  // session: the write is one non-blocking send of a short response.
  void RefuseConnection(tcp::socket socket);

  NodeService* const service_;
  const ApiOptions options_;
  // Before ioc_: sessions unregister as its pending handlers are destroyed.
  absl::Mutex mu_;
  std::map<Session*, std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  asio::thread_pool waiters_;
  std::optional<asio::steady_timer> accept_retry_;
  bool stopping_ = false;  // I/O thread
  size_t waiting_ = 0;     // I/O thread
  std::atomic<bool> running_{false};
};

// One connection: read a request (under the read deadline), run it off the
// I/O thread, write the response (under the write deadline), repeat.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ApiServer::Impl* server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {}
  ~Session() { server_->Unregister(this); }

  void Start() {
    server_->Register(this, weak_from_this());
    ReadRequest();
  }

  // On Stop: a connection waiting for its next request is closed; one with
  // a request in flight closes after its response.
  void CloseIfIdle() {
    if (idle_) Close();
  }

 private:
  const ApiOptions& options() const { return server_->options(); }

  void ReadRequest() {
    if (server_->stopping()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(options().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(options().max_body_bytes);
    idle_ = true;
    // One deadline for the whole request, head and body.
    stream_.expires_after(Ms(options().read_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const ErrorCode& ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(const ErrorCode& ec) {
    idle_ = false;
    if (ec == http::error::header_limit) {
      return Refuse(431, absl::ResourceExhaustedError(StrCat(
                             "request head (request line and header fields) "
                             "exceeds ",
                             options().max_header_bytes, " bytes")));
    }
    // A Content-Length over the limit fails the head already.
    if (ec == http::error::body_limit) return RefuseTooLarge();
    if (ec) return OnReadError(ec);
    const auto& head = parser_->get();
    const size_t fields =
        static_cast<size_t>(std::distance(head.begin(), head.end()));
    if (fields > options().max_header_fields) {
      return Refuse(431, absl::ResourceExhaustedError(StrCat(
                             "request has ", fields, " header fields (at most ",
                             options().max_header_fields, ")")));
    }
    if (parser_->content_length().has_value() &&
        *parser_->content_length() > options().max_body_bytes) {
      return RefuseTooLarge();
    }
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(
          stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
          [self = shared_from_this()](const ErrorCode& ec, size_t) {
            if (ec) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const ErrorCode& ec, size_t) {
                       self->OnRequest(ec);
                     });
  }

  void OnReadError(const ErrorCode& ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      spdlog::debug(
          "http: closed a connection that sent no whole request "
          "within {} ms",
          absl::ToInt64Milliseconds(options().read_timeout));
      return Close();
    }
    Refuse(400, absl::InvalidArgumentError(
                    StrCat("malformed HTTP request: ", ec.message())));
  }

  void OnRequest(const ErrorCode& ec) {
    if (ec == http::error::body_limit) return RefuseTooLarge();
    if (ec) return OnReadError(ec);
    http::request<http::string_body> msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request req;
    req.method = std::string(msg.method_string());
    ParseTarget(std::string_view(msg.target().data(), msg.target().size()),
                &req);
    req.content_type = std::string(msg[http::field::content_type]);
    req.body = std::move(msg.body());
    // The handler's time is not the client's: no deadline until the write.
    stream_.expires_never();
    const bool waiting = IsWaitingSubmit(req);
    if (waiting && !server_->TryStartWaiter()) {
      Response res;
      ReplyError(res, absl::ResourceExhaustedError(StrCat(
                          "too many requests waiting for a commit (at most ",
                          options().max_waiters,
                          "): submit without wait=true and poll GET "
                          "/v1/tx/{hash}")));
      return Write(std::move(res), keep_alive_);
    }
    server_->Dispatch(std::move(req), waiting,
                      [self = shared_from_this()](Response res) {
                        self->Write(std::move(res), self->keep_alive_);
                      });
  }

  void RefuseTooLarge() {
    Refuse(0, api::TooLarge(StrCat("request body exceeds the size limit of ",
                                   options().max_body_bytes, " bytes")));
  }

  // Answers `s` and closes the connection (its remaining input is not read
  // as requests).
  void Refuse(int status, const absl::Status& s) {
    Response res;
    ReplyError(res, s, status);
    Write(std::move(res), false);
  }

  void Write(Response res, bool keep_alive) {
    response_ = {};
    response_.version(version_ == 10 ? 10 : 11);
    response_.result(static_cast<unsigned>(res.status));
    response_.set(http::field::content_type, kJson);
    if (res.retry_after) response_.set(http::field::retry_after, "1");
    response_.body() = std::move(res.body);
    response_.keep_alive(keep_alive && !server_->stopping());
    response_.prepare_payload();
    stream_.expires_after(Ms(options().write_timeout));
    http::async_write(stream_, response_,
                      [self = shared_from_this()](const ErrorCode& ec, size_t) {
                        self->OnWrite(ec);
                      });
  }

  void OnWrite(const ErrorCode& ec) {
    if (ec) {
      if (ec == beast::error::timeout) {
        spdlog::debug(
            "http: closed a connection that read no response "
            "within {} ms",
            absl::ToInt64Milliseconds(options().write_timeout));
      }
      return Close();
    }
    if (!response_.keep_alive()) return Linger();
    ReadRequest();
  }

  // After a refusal: stop sending, then read and drop what the client still
  // sends (bounded in time and bytes) before closing, so that closing with
  // unread input does not reset the connection before the client has read
  // the answer.
  void Linger() {
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(
        std::min(Ms(options().read_timeout), std::chrono::milliseconds(2000)));
    lingered_ = 0;
    Drain();
  }

  void Drain() {
    stream_.async_read_some(
        asio::buffer(scratch_),
        [self = shared_from_this()](const ErrorCode& ec, size_t n) {
          self->lingered_ += n;
          if (ec || self->lingered_ > 4 * self->options().max_body_bytes) {
            return self->Close();
          }
          self->Drain();
        });
  }

  void Close() {
    idle_ = false;
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  ApiServer::Impl* const server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool idle_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  size_t lingered_ = 0;
  std::array<char, 16 << 10> scratch_;
};

void ApiServer::Impl::Register(Session* s, std::weak_ptr<Session> w) {
  absl::MutexLock lock(&mu_);
  sessions_.emplace(s, std::move(w));
}

void ApiServer::Impl::Unregister(Session* s) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(s);
}

absl::StatusOr<int> ApiServer::Impl::Bind(const std::string& host, int port) {
  auto fail = [&](const ErrorCode& ec) {
    return absl::UnavailableError(
        StrCat("cannot listen on ", host, ":", port, " (", ec.message(), ")"));
  };
  ErrorCode ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return fail(ec);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return fail(ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  return static_cast<int>(acceptor_.local_endpoint().port());
}

void ApiServer::Impl::Run() {
  asio::post(ioc_, [this] { Accept(); });
  running_ = true;
  ioc_.run();
  // Every request in flight held the I/O context open until its response
  // was written; the pools are idle now.
  workers_.join();
  waiters_.join();
}

void ApiServer::Impl::WaitUntilRunning() {
  for (int i = 0; i < 10'000 && !running_.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ApiServer::Impl::Stop() {
  asio::post(ioc_, [this] {
    stopping_ = true;
    ErrorCode ignored;
    acceptor_.close(ignored);
    if (accept_retry_.has_value()) accept_retry_->cancel();
    std::vector<std::shared_ptr<Session>> live;
    {
      absl::MutexLock lock(&mu_);
      for (auto& [raw, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseIfIdle();
  });
}

void ApiServer::Impl::Accept() {
  if (stopping_) return;
  acceptor_.async_accept([this](const ErrorCode& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ApiServer::Impl::OnAccept(const ErrorCode& ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors, typically: try again shortly rather than
    // spin.
    spdlog::warn("http: accept: {}", ec.message());
    accept_retry_.emplace(ioc_, std::chrono::milliseconds(50));
    accept_retry_->async_wait([this](const ErrorCode& e) {
      if (!e) Accept();
    });
    return;
  }
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  size_t open;
  {
    absl::MutexLock lock(&mu_);
    open = sessions_.size();
  }
  if (open >= options_.max_connections) {
    RefuseConnection(std::move(socket));
  } else {
    std::make_shared<Session>(this, std::move(socket))->Start();
  }
  Accept();
}

void ApiServer::Impl::RefuseConnection(tcp::socket socket) {
  Response res;
  ReplyError(res, absl::UnavailableError(
                      StrCat("too many connections (at most ",
                             options_.max_connections, "); retry later")));
  const std::string text =
      StrCat("HTTP/1.1 503 Service Unavailable\r\nContent-Type: ", kJson,
             "\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: ",
             res.body.size(), "\r\n\r\n", res.body);
  ErrorCode ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(text), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void ApiServer::Impl::Dispatch(Request req, bool waiting,
                               std::function<void(Response)> done) {
  // The guard keeps Run from returning while the job is out.
  auto job = [this, req = std::move(req), done = std::move(done), waiting,
              guard = asio::make_work_guard(ioc_)]() mutable {
    Response res = Handle(service_, req);  // on a pool thread
    asio::post(ioc_, [this, res = std::move(res), done = std::move(done),
                      waiting]() mutable {
      if (waiting) --waiting_;
      done(std::move(res));
    });
  };
  if (waiting) {
    asio::post(waiters_, std::move(job));
  } else {
    asio::post(workers_, std::move(job));
  }
}

ApiServer::ApiServer(NodeService* service, ApiOptions options)
    : impl_(std::make_unique<Impl>(service, options)) {}

ApiServer::~ApiServer() = default;

absl::StatusOr<int> ApiServer::Bind(const std::string& host, int port) {
  return impl_->Bind(host, port);
}

void ApiServer::Run() { impl_->Run(); }

void ApiServer::WaitUntilRunning() { impl_->WaitUntilRunning(); }

void ApiServer::Stop() { impl_->Stop(); }

}  // namespace ballast::node
