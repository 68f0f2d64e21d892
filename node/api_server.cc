#include "node/api_server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "absl/status/status.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"
#include "spdlog/spdlog.h"

namespace ballast::node {
namespace {

constexpr char kJson[] = "application/json";

void ReplyJson(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(api::DumpJson(j) + "\n", kJson);
}

// The error table (node/api/errors.h) decides the HTTP status.
void ReplyError(httplib::Response& res, const absl::Status& s) {
  api::ErrorResponse body;
  body.mutable_error()->set_code(api::StatusCodeName(s.code()));
  body.mutable_error()->set_message(std::string(s.message()));
  if (std::optional<std::string> failure = api::FailureOf(s)) {
    body.set_failure(*failure);
  }
  if (std::optional<uint64_t> gas = api::GasUsedOf(s)) body.set_gas_used(*gas);
  const int status = api::HttpStatusOf(s);
  if (status == api::HttpStatusOf(api::ErrorKind::kBusy)) {
    res.set_header("Retry-After", "1");
  }
  auto j = api::ProtoToJson(body);
  ReplyJson(res, status, j.ok() ? *j : nlohmann::json{{"error", s.ToString()}});
}

void ReplyMessage(httplib::Response& res, int status,
                  const google::protobuf::Message& message) {
  auto j = api::ProtoToJson(message);
  if (!j.ok()) return ReplyError(res, j.status());
  ReplyJson(res, status, *j);
}

template <typename T>
void Reply(httplib::Response& res, const absl::StatusOr<T>& result) {
  if (!result.ok()) return ReplyError(res, result.status());
  ReplyMessage(res, 200, *result);
}

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
absl::Status CheckParams(const httplib::Request& req,
                         std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : req.params) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) {
        names += names.empty() ? "" : ", ";
        names += a;
      }
      return absl::InvalidArgumentError(
          StrCat("unknown parameter '", key, "' (expected ", names, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<api::EventsRequest> EventsRequestOf(
    const httplib::Request& req) {
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

// ?wait=true[&timeout_ms=N]: how long POST /v1/tx waits; nullopt: it does
// not.
absl::StatusOr<std::optional<absl::Duration>> WaitOf(
    const httplib::Request& req, absl::Duration max_wait) {
  RETURN_IF_ERROR(CheckParams(req, {"wait", "timeout_ms"}));
  std::string wait = req.get_param_value("wait");
  if (wait.empty() || wait == "false" || wait == "0") return std::nullopt;
  absl::Duration d = max_wait;
  if (req.has_param("timeout_ms")) {
    ASSIGN_OR_RETURN(uint64_t ms, ParseUint(req.get_param_value("timeout_ms"),
                                            "timeout_ms"));
    d = std::min(d, absl::Milliseconds(std::min<uint64_t>(ms, INT64_MAX / 2)));
  }
  return d;
}

}  // namespace

ApiServer::ApiServer(NodeService* service, ApiOptions options)
    : service_(service),
      options_(options),
      server_(std::make_unique<httplib::Server>()) {
  size_t threads = options_.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_keep_alive_max_count(1000);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
  // and the peer's delayed ACK add ~40 ms to every response.
  server_->set_tcp_nodelay(true);
  Routes();
}

ApiServer::~ApiServer() = default;

absl::StatusOr<int> ApiServer::Bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
    if (bound < 0) bound = 0;
  } else if (!server_->bind_to_port(host, port)) {
    bound = 0;
  }
  if (bound <= 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", host, ":", port,
                                         " (address in use or invalid)"));
  }
  return bound;
}

void ApiServer::Run() { server_->listen_after_bind(); }

void ApiServer::WaitUntilRunning() {
  for (int i = 0; i < 10'000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ApiServer::Stop() { server_->stop(); }

void ApiServer::Routes() {
  httplib::Server& s = *server_;
  NodeService* service = service_;
  const size_t max_body = options_.max_body_bytes;

  // Errors that no handler wrote a body for: unknown routes, 413, ...
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (res.status == 404) {
          ReplyError(
              res, absl::NotFoundError(StrCat("no route ", req.method, " ",
                                              req.path, " (see docs/api.md)")));
        } else if (res.status == 413) {
          ReplyError(res, api::TooLarge(
                              StrCat("request body exceeds the size limit of ",
                                     max_body, " bytes")));
        } else {
          int status = res.status;
          ReplyError(res, absl::InvalidArgumentError(StrCat("HTTP ", status)));
          res.status = status;
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler([](const httplib::Request& req,
                             httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: {}", req.method, req.path, what);
    ReplyError(res, absl::InternalError(StrCat("internal error: ", what)));
  });

  // POST handlers read the body themselves: for a body sent as
  // application/x-www-form-urlencoded (what `curl -d` sends unless told
  // otherwise) httplib would parse it as a form and refuse it above 8 KiB.
  using BodyHandler = std::function<void(
      const httplib::Request&, const std::string&, httplib::Response&)>;
  auto post = [&s, max_body](const std::string& pattern, BodyHandler handler) {
    s.Post(pattern, [handler, max_body](const httplib::Request& req,
                                        httplib::Response& res,
                                        const httplib::ContentReader& reader) {
      if (req.is_multipart_form_data()) {
        return ReplyError(res, absl::InvalidArgumentError(
                                   "the body must be JSON, not a form"));
      }
      std::string body;
      bool too_big = false;
      bool ok = reader([&](const char* data, size_t len) {
        if (body.size() + len > max_body) {
          too_big = true;
          return false;
        }
        body.append(data, len);
        return true;
      });
      if (too_big || res.status == 413) {
        return ReplyError(
            res, api::TooLarge(StrCat("request body exceeds the size limit of ",
                                      max_body, " bytes")));
      }
      if (!ok) {
        return ReplyError(
            res, absl::InvalidArgumentError("could not read the request body"));
      }
      handler(req, body, res);
    });
  };
  auto param = [](const httplib::Request& req) { return req.matches[1].str(); };

  s.Get(
      "/v1/health", [service](const httplib::Request&, httplib::Response& res) {
        auto health = service->Health();
        if (!health.ok()) return ReplyError(res, health.status());
        ReplyMessage(
            res, health->ok() ? 200 : api::HttpStatusOf(api::ErrorKind::kBusy),
            *health);
      });
  s.Get("/v1/info", [service](const httplib::Request&, httplib::Response& res) {
    Reply(res, service->Info());
  });
  s.Get("/v1/stats",
        [service](const httplib::Request&, httplib::Response& res) {
          ReplyMessage(res, 200, service->Stats());
        });

  post("/v1/tx", [service](const httplib::Request& req, const std::string& text,
                           httplib::Response& res) {
    auto stx = ParseBody<ledger::SignedTransaction>(text);
    if (!stx.ok()) return ReplyError(res, stx.status());
    auto wait = WaitOf(req, service->max_wait());
    if (!wait.ok()) return ReplyError(res, wait.status());
    if (!wait->has_value()) return Reply(res, service->Submit(*stx));
    Reply(res, service->SubmitAndWait(*stx, **wait));
  });
  s.Get(R"(/v1/tx/([^/]+))",
        [service, param](const httplib::Request& req, httplib::Response& res) {
          auto hash = ParseId(param(req), kHashSize, "transaction hash");
          if (!hash.ok()) return ReplyError(res, hash.status());
          Reply(res, service->Transaction(*hash));
        });

  s.Get("/v1/block/latest",
        [service](const httplib::Request&, httplib::Response& res) {
          Reply(res, service->LatestBlock());
        });
  s.Get(R"(/v1/block/hash/([^/]+))",
        [service, param](const httplib::Request& req, httplib::Response& res) {
          auto hash = ParseId(param(req), kHashSize, "block hash");
          if (!hash.ok()) return ReplyError(res, hash.status());
          Reply(res, service->BlockByHash(*hash));
        });
  s.Get(R"(/v1/block/([^/]+))",
        [service, param](const httplib::Request& req, httplib::Response& res) {
          auto height = ParseUint(param(req), "block height");
          if (!height.ok()) return ReplyError(res, height.status());
          Reply(res, service->BlockAt(*height));
        });

  post("/v1/query", [service](const httplib::Request&, const std::string& text,
                              httplib::Response& res) {
    auto request = ParseBody<api::QueryRequest>(text);
    if (!request.ok()) return ReplyError(res, request.status());
    Reply(res, service->Query(*request));
  });

  s.Get(R"(/v1/contract/([^/]+))",
        [service, param](const httplib::Request& req, httplib::Response& res) {
          auto address = ParseId(param(req), kAddressSize, "address");
          if (!address.ok()) return ReplyError(res, address.status());
          Reply(res, service->Contract(*address));
        });
  s.Get(R"(/v1/account/([^/]+))",
        [service, param](const httplib::Request& req, httplib::Response& res) {
          auto address = ParseId(param(req), kAddressSize, "address");
          if (!address.ok()) return ReplyError(res, address.status());
          Reply(res, service->Account(*address));
        });
  s.Get("/v1/events",
        [service](const httplib::Request& req, httplib::Response& res) {
          auto request = EventsRequestOf(req);
          if (!request.ok()) return ReplyError(res, request.status());
          Reply(res, service->Events(*request));
        });
}

}  // namespace ballast::node
