#include "node/api/client.h"

#include <httplib.h>

#include <regex>
#include <thread>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
// Above the node's longest wait (30 s for ?wait=true).
constexpr int kIoTimeoutSeconds = 60;

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
    default:
      return httplib::to_string(error);
  }
}

// The status an error response describes.
absl::Status ErrorFromResponse(int http_status, const std::string& body) {
  ErrorResponse err;
  auto parsed = ParseJson(body);
  bool typed = parsed.ok() && JsonToProto(*parsed, &err).ok() &&
               !err.error().code().empty();
  std::string code = typed ? err.error().code() : "";
  std::string message = typed ? err.error().message() : body.substr(0, 200);
  if (message.empty()) message = StrCat("HTTP ", http_status);
  err.mutable_error()->set_code(code);
  err.mutable_error()->set_message(message);
  absl::Status s = StatusOfErrorResponse(http_status, err);
  // Keep the kind and payloads; say where the error came from.
  absl::Status out(
      s.code(),
      StrCat("node: ", http_status, " ",
             code.empty() ? StatusCodeName(s.code()) : code, ": ", message));
  s.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace

Client::Client(std::string url) : url_(std::move(url)) {}
Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Create(std::string_view url) {
  static const std::regex kUrl(
      R"(^(https?://)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$)");
  std::string u(url);
  std::smatch m;
  if (!std::regex_match(u, m, kUrl)) {
    return absl::InvalidArgumentError(
        StrCat("'", url, "' is not a node URL (expected http://HOST:PORT)"));
  }
  std::string normalized = (m[1].matched ? m[1].str() : "http://") + m[2].str();
  normalized += m[3].matched ? m[3].str() : ":8545";
  auto client = std::unique_ptr<Client>(new Client(normalized));
  client->http_ = std::make_unique<httplib::Client>(normalized);
  if (!client->http_->is_valid()) {
    return absl::InvalidArgumentError(
        StrCat("cannot use node URL '", url, "'"));
  }
  client->http_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  client->http_->set_read_timeout(kIoTimeoutSeconds, 0);
  client->http_->set_write_timeout(kIoTimeoutSeconds, 0);
  client->http_->set_keep_alive(true);
  // Without it Nagle and delayed ACKs add ~40 ms to each keep-alive request.
  client->http_->set_tcp_nodelay(true);
  return client;
}

absl::Status Client::Call(std::string_view path, const std::string* body,
                          google::protobuf::Message* out) {
  std::string p(path);
  httplib::Result result =
      body == nullptr ? http_->Get(p.c_str())
                      : http_->Post(p.c_str(), *body, "application/json");
  if (!result) {
    return absl::UnavailableError(
        StrCat("node: cannot reach ", url_, ": ",
               DescribeTransportError(result.error())));
  }
  if (result->status < 200 || result->status >= 300) {
    return ErrorFromResponse(result->status, result->body);
  }
  auto parsed = ParseJson(result->body);
  absl::Status s = parsed.ok() ? JsonToProto(*parsed, out) : parsed.status();
  if (!s.ok()) {
    return absl::InternalError(StrCat("node: ", body ? "POST " : "GET ", path,
                                      ": unexpected response: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<HealthResponse> Client::Health() {
  HealthResponse out;
  RETURN_IF_ERROR(Call("/v1/health", nullptr, &out));
  return out;
}

absl::StatusOr<InfoResponse> Client::Info() {
  InfoResponse out;
  RETURN_IF_ERROR(Call("/v1/info", nullptr, &out));
  return out;
}

absl::StatusOr<StatsResponse> Client::Stats() {
  StatsResponse out;
  RETURN_IF_ERROR(Call("/v1/stats", nullptr, &out));
  return out;
}

std::string Client::SubmitBody(const ledger::SignedTransaction& stx) {
  return DumpJson(nlohmann::json{{"tx", HexBytes(stx.tx())},
                                 {"signature", HexBytes(stx.signature())}});
}

absl::StatusOr<std::string> Client::Submit(
    const ledger::SignedTransaction& stx) {
  return SubmitRendered(SubmitBody(stx));
}

absl::StatusOr<std::string> Client::SubmitRendered(const std::string& body) {
  SubmitResponse out;
  RETURN_IF_ERROR(Call("/v1/tx", &body, &out));
  return out.hash();
}

absl::StatusOr<std::vector<absl::StatusOr<std::string>>>
Client::SubmitBatchRendered(const std::vector<const std::string*>& bodies) {
  std::string body = "{\"txs\": [";
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (i > 0) body += ",";
    body += *bodies[i];
  }
  body += "]}";
  SubmitBatchResponse out;
  RETURN_IF_ERROR(Call("/v1/txs", &body, &out));
  if (static_cast<size_t>(out.results_size()) != bodies.size()) {
    return absl::InternalError(StrCat("node: ", out.results_size(),
                                      " results for ", bodies.size(),
                                      " transactions"));
  }
  std::vector<absl::StatusOr<std::string>> results;
  for (const SubmitBatchResult& r : out.results()) {
    if (r.has_error()) {
      results.push_back(
          StatusOfErrorResponse(static_cast<int>(r.status()), r.error()));
    } else {
      results.push_back(r.hash());
    }
  }
  return results;
}

absl::StatusOr<TransactionView> Client::SubmitAndWait(
    const ledger::SignedTransaction& stx, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string text = SubmitBody(stx);
  const int64_t wait_ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout));
  TransactionView view;
  absl::Status s =
      Call(StrCat("/v1/tx?wait=true&timeout_ms=", wait_ms), &text, &view);
  if (KindOf(s) == ErrorKind::kBusy && !absl::IsUnavailable(s)) {
    // The node declined to wait (too many waiters) or its mempool is full:
    // submit plainly (which says which) and poll.
    SubmitResponse submitted;
    RETURN_IF_ERROR(Call("/v1/tx", &text, &submitted));
    return WaitUntil(submitted.hash(), deadline, timeout);
  }
  RETURN_IF_ERROR(s);
  if (view.status() == "committed") return view;
  return WaitUntil(view.hash(), deadline, timeout);
}

absl::StatusOr<TransactionView> Client::WaitCommitted(std::string_view hash,
                                                      absl::Duration timeout) {
  return WaitUntil(hash, absl::Now() + timeout, timeout);
}

absl::StatusOr<TransactionView> Client::WaitUntil(std::string_view hash,
                                                  absl::Time deadline,
                                                  absl::Duration timeout) {
  absl::Duration delay = absl::Milliseconds(5);
  std::string last_state = "unknown to the node";
  while (true) {
    absl::StatusOr<TransactionView> tx = Transaction(hash);
    if (tx.ok()) {
      if (tx->status() == "committed") return tx;
      last_state = "still pending";
    } else if (!absl::IsNotFound(tx.status())) {
      return tx.status();
    }
    if (absl::Now() + delay > deadline) break;
    absl::SleepFor(delay);
    delay = std::min(delay * 2, absl::Milliseconds(250));
  }
  return absl::DeadlineExceededError(
      StrCat("transaction 0x", ToHex(hash), " not committed after ",
             absl::ToDoubleSeconds(timeout), "s (", last_state,
             "); look it up later with: ballast tx 0x", ToHex(hash)));
}

absl::StatusOr<TransactionView> Client::Transaction(std::string_view hash) {
  TransactionView out;
  RETURN_IF_ERROR(Call(StrCat("/v1/tx/0x", ToHex(hash)), nullptr, &out));
  return out;
}

absl::StatusOr<BlockView> Client::LatestBlock() {
  BlockView out;
  RETURN_IF_ERROR(Call("/v1/block/latest", nullptr, &out));
  return out;
}

absl::StatusOr<BlockView> Client::BlockAt(uint64_t height) {
  BlockView out;
  RETURN_IF_ERROR(Call(StrCat("/v1/block/", height), nullptr, &out));
  return out;
}

absl::StatusOr<BlockView> Client::BlockByHash(std::string_view hash) {
  BlockView out;
  RETURN_IF_ERROR(
      Call(StrCat("/v1/block/hash/0x", ToHex(hash)), nullptr, &out));
  return out;
}

absl::StatusOr<QueryResponse> Client::Query(const QueryRequest& request) {
  ASSIGN_OR_RETURN(nlohmann::json body, ProtoToJson(request));
  // Send only what is set: the node refuses `args` and `input` together.
  if (!request.has_args()) body.erase("args");
  if (request.input().empty()) body.erase("input");
  if (request.gas_limit() == 0) body.erase("gas_limit");
  if (!request.has_height()) body.erase("height");
  const std::string text = DumpJson(body);
  QueryResponse out;
  RETURN_IF_ERROR(Call("/v1/query", &text, &out));
  return out;
}

absl::StatusOr<DevMineResponse> Client::DevMine(const DevMineRequest& request) {
  ASSIGN_OR_RETURN(nlohmann::json body, ProtoToJson(request));
  if (!request.has_blocks()) body.erase("blocks");
  if (request.advance_ms() == 0) body.erase("advance_ms");
  if (!request.has_time_ms()) body.erase("time_ms");
  const std::string text = DumpJson(body);
  DevMineResponse out;
  RETURN_IF_ERROR(Call("/v1/dev/mine", &text, &out));
  return out;
}

absl::StatusOr<ContractView> Client::Contract(std::string_view address) {
  ContractView out;
  RETURN_IF_ERROR(
      Call(StrCat("/v1/contract/0x", ToHex(address)), nullptr, &out));
  return out;
}

absl::StatusOr<AccountView> Client::Account(std::string_view address) {
  AccountView out;
  RETURN_IF_ERROR(
      Call(StrCat("/v1/account/0x", ToHex(address)), nullptr, &out));
  return out;
}

absl::StatusOr<EventsResponse> Client::Events(const EventsRequest& request) {
  std::string path = "/v1/events?";
  if (!request.contract().empty()) {
    path += StrCat("contract=0x", ToHex(request.contract()), "&");
  }
  if (!request.name().empty()) {
    path += StrCat("name=", httplib::detail::encode_query_param(request.name()),
                   "&");
  }
  if (request.from_block() != 0) {
    path += StrCat("from_block=", request.from_block(), "&");
  }
  if (request.has_to_block()) {
    path += StrCat("to_block=", request.to_block(), "&");
  }
  if (request.limit() != 0) path += StrCat("limit=", request.limit(), "&");
  path.pop_back();  // the last '&' or '?'
  EventsResponse out;
  RETURN_IF_ERROR(Call(path, nullptr, &out));
  return out;
}

absl::StatusOr<ProofResponse> Client::Proof(const ProofRequest& request) {
  std::string path = "/v1/proof?";
  if (!request.account().empty()) {
    path += StrCat("account=0x", ToHex(request.account()), "&");
  }
  if (!request.contract().empty()) {
    path += StrCat("contract=0x", ToHex(request.contract()), "&");
  }
  for (const std::string& key : request.keys()) {
    path += StrCat("key=0x", ToHex(key), "&");
  }
  for (const std::string& key : request.bridge_keys()) {
    path += StrCat("bridge_key=0x", ToHex(key), "&");
  }
  if (request.has_height()) path += StrCat("height=", request.height(), "&");
  path.pop_back();  // the last '&' or '?'
  ProofResponse out;
  RETURN_IF_ERROR(Call(path, nullptr, &out));
  return out;
}

absl::StatusOr<uint64_t> Client::NextNonce(std::string_view address) {
  ASSIGN_OR_RETURN(AccountView account, Account(address));
  return account.pending_nonce();
}

}  // namespace ballast::api
