#include "tools/cli/node_client.h"

#include <httplib.h>

#include <algorithm>
#include <regex>
#include <thread>

#include "absl/status/status.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"

namespace ballast::cli {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
constexpr int kIoTimeoutSeconds = 60;

// The node's error codes are absl's names (docs/api.md).
absl::StatusCode CodeFromName(std::string_view name, int http_status) {
  static constexpr std::pair<std::string_view, absl::StatusCode> kCodes[] = {
      {"CANCELLED", absl::StatusCode::kCancelled},
      {"UNKNOWN", absl::StatusCode::kUnknown},
      {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
      {"DEADLINE_EXCEEDED", absl::StatusCode::kDeadlineExceeded},
      {"NOT_FOUND", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
      {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied},
      {"RESOURCE_EXHAUSTED", absl::StatusCode::kResourceExhausted},
      {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
      {"ABORTED", absl::StatusCode::kAborted},
      {"OUT_OF_RANGE", absl::StatusCode::kOutOfRange},
      {"UNIMPLEMENTED", absl::StatusCode::kUnimplemented},
      {"INTERNAL", absl::StatusCode::kInternal},
      {"UNAVAILABLE", absl::StatusCode::kUnavailable},
      {"DATA_LOSS", absl::StatusCode::kDataLoss},
      {"UNAUTHENTICATED", absl::StatusCode::kUnauthenticated},
  };
  for (const auto& [n, code] : kCodes) {
    if (n == name) return code;
  }
  switch (http_status) {
    case 400:
    case 413:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      return http_status >= 500 ? absl::StatusCode::kInternal
                                : absl::StatusCode::kUnknown;
  }
}

std::string DescribeTransportError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection failed (is ballastd running there?)";
    case httplib::Error::ConnectionTimeout:
      return "timed out connecting";
    case httplib::Error::Read:
      return "connection lost while reading the response";
    case httplib::Error::Write:
      return "connection lost while sending the request";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
      return "TLS failure (" + httplib::to_string(error) + ")";
    default:
      return httplib::to_string(error);
  }
}

absl::StatusOr<nlohmann::json> FinishRequest(const std::string& url,
                                             std::string_view method,
                                             std::string_view path,
                                             const httplib::Result& result) {
  if (!result) {
    return absl::UnavailableError(
        StrCat("node: cannot reach ", url, ": ",
               DescribeTransportError(result.error())));
  }
  const int status = result->status;
  nlohmann::json body = nlohmann::json::parse(result->body, nullptr,
                                              /*allow_exceptions=*/false);
  if (status >= 200 && status < 300) {
    if (body.is_discarded()) {
      return absl::InternalError(StrCat("node: ", method, " ", path,
                                        ": response is not JSON (HTTP ", status,
                                        ")"));
    }
    return body;
  }
  std::string code, message;
  if (body.is_object() && body.contains("error")) {
    const nlohmann::json& err = body["error"];
    if (err.is_object()) {
      if (err.contains("code") && err["code"].is_string()) {
        code = err["code"].get<std::string>();
      }
      if (err.contains("message") && err["message"].is_string()) {
        message = err["message"].get<std::string>();
      }
    } else if (err.is_string()) {
      message = err.get<std::string>();
    }
  } else {
    message = result->body.substr(0, 200);
    if (message.empty()) message = StrCat(method, " ", path);
  }
  absl::StatusCode absl_code = CodeFromName(code, status);
  if (code.empty()) code = absl::StatusCodeToString(absl_code);
  return absl::Status(absl_code,
                      StrCat("node: ", status, " ", code, ": ", message));
}

}  // namespace

NodeClient::NodeClient(std::string url) : url_(std::move(url)) {}
NodeClient::~NodeClient() = default;

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Create(
    std::string_view url) {
  static const std::regex kUrl(
      R"(^(https?://)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$)");
  std::string u(url);
  std::smatch m;
  if (!std::regex_match(u, m, kUrl)) {
    return absl::InvalidArgumentError(StrCat(
        "--node: '", url, "' is not a node URL (expected http://HOST:PORT)"));
  }
  std::string normalized = m[1].matched ? m[1].str() : "http://";
  normalized += m[2].str();
  normalized += m[3].matched ? m[3].str() : ":8545";
  auto client = std::unique_ptr<NodeClient>(new NodeClient(normalized));
  client->http_ = std::make_unique<httplib::Client>(normalized);
  if (!client->http_->is_valid()) {
    return absl::InvalidArgumentError(StrCat("--node: cannot use '", url, "'"));
  }
  client->http_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  client->http_->set_read_timeout(kIoTimeoutSeconds, 0);
  client->http_->set_write_timeout(kIoTimeoutSeconds, 0);
  client->http_->set_keep_alive(true);
  // Without it Nagle and delayed ACKs add ~40 ms to each keep-alive request.
  client->http_->set_tcp_nodelay(true);
  return client;
}

absl::StatusOr<nlohmann::json> NodeClient::Get(std::string_view path) {
  std::string p(path);
  return FinishRequest(url_, "GET", path, http_->Get(p.c_str()));
}

absl::StatusOr<nlohmann::json> NodeClient::Post(std::string_view path,
                                                const nlohmann::json& body) {
  std::string p(path);
  return FinishRequest(url_, "POST", path,
                       http_->Post(p.c_str(), body.dump(), "application/json"));
}

absl::StatusOr<uint64_t> JsonUint64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value.get<int64_t>());
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 20 &&
        std::all_of(s.begin(), s.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      errno = 0;
      char* end = nullptr;
      unsigned long long v = std::strtoull(s.c_str(), &end, 10);
      if (errno == 0 && end == s.c_str() + s.size()) return v;
    }
  }
  return absl::InvalidArgumentError(
      StrCat("expected an unsigned 64-bit integer, got ", value.dump()));
}

absl::StatusOr<std::string> NodeClient::ChainId() {
  auto info = Get("/v1/info");
  if (!info.ok()) return info.status();
  auto it = info->find("chain_id");
  if (it == info->end() || !it->is_string()) {
    return absl::InternalError("node: /v1/info has no chain_id");
  }
  return it->get<std::string>();
}

absl::StatusOr<uint64_t> NodeClient::NextNonce(std::string_view address) {
  auto account = Get(StrCat("/v1/account/0x", ToHex(address)));
  if (!account.ok()) return account.status();
  for (const char* field : {"pending_nonce", "nonce"}) {
    auto it = account->find(field);
    if (it == account->end() || it->is_null()) continue;
    auto nonce = JsonUint64(*it);
    if (!nonce.ok()) {
      return absl::InternalError(
          StrCat("node: account ", field, ": ", nonce.status().message()));
    }
    return *nonce;
  }
  return uint64_t{0};  // proto3 JSON omits zero
}

absl::StatusOr<std::string> NodeClient::Submit(
    const ledger::SignedTransaction& stx) {
  nlohmann::json body = {{"tx", "0x" + ToHex(stx.tx())},
                         {"signature", "0x" + ToHex(stx.signature())}};
  auto response = Post("/v1/tx", body);
  if (!response.ok()) return response.status();
  auto it = response->find("hash");
  if (it == response->end() || !it->is_string()) {
    return absl::InternalError("node: POST /v1/tx: response has no hash");
  }
  return it->get<std::string>();
}

absl::StatusOr<nlohmann::json> NodeClient::WaitCommitted(
    std::string_view hash, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto delay = std::chrono::milliseconds(5);
  const std::string path = StrCat("/v1/tx/", hash);
  std::string last_state = "unknown to the node";
  while (true) {
    auto tx = Get(path);
    if (tx.ok()) {
      auto status = tx->find("status");
      if (status != tx->end() && *status == "committed") return tx;
      last_state = "still pending";
    } else if (!absl::IsNotFound(tx.status())) {
      return tx.status();
    }
    if (Clock::now() + delay > deadline) break;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(250));
  }
  return absl::DeadlineExceededError(
      StrCat("transaction ", hash, " not committed after ",
             std::chrono::duration<double>(timeout).count(), "s (", last_state,
             "); look it up later with: ballast tx ", hash));
}

}  // namespace ballast::cli
