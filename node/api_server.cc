#include "node/api_server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <map>
#include <thread>

#include "absl/status/status.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "node/api/json.h"
#include "node/api/proto_json.h"
#include "spdlog/spdlog.h"

namespace ballast::node {
namespace {

using api::BlockJson;
using api::ContractInterface;
using api::DumpJson;
using api::EventJson;
using api::HexBytes;
using api::InterfaceLookup;
using api::ParseHexBytes;
using api::ParseJson;
using api::ParseSubmitBody;
using api::ReceiptJson;
using api::SubmitBody;
using api::TransactionJson;

using nlohmann::json;

constexpr char kJson[] = "application/json";
constexpr char kVersion[] = "0.1.0";
constexpr size_t kDefaultEventLimit = 100;
constexpr size_t kMaxEventLimit = 1000;
// A query's gas: the default, and the most a query may ask for.
constexpr uint64_t kDefaultQueryGas = 100'000'000;
constexpr uint64_t kMaxQueryGas = kDefaultQueryGas;

int HttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) {
    c = c == ' ' ? '_' : static_cast<char>(std::toupper(c));
  }
  return name;
}

json ErrorBody(absl::StatusCode code, absl::string_view message) {
  json error;
  error["code"] = CodeName(code);
  error["message"] = std::string(message);
  return json{{"error", std::move(error)}};
}

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(DumpJson(body) + "\n", kJson);
}

void ReplyError(httplib::Response& res, const absl::Status& s) {
  int status = HttpStatus(s.code());
  if (status == 503) res.set_header("Retry-After", "1");
  Reply(res, status, ErrorBody(s.code(), s.message()));
}

std::string Str(absl::string_view s) { return std::string(s); }
std::string Str(std::string_view s) { return std::string(s); }
std::string Str(const std::ssub_match& m) { return m.str(); }

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

absl::StatusOr<json> ParseBody(const std::string& body) {
  if (body.empty()) {
    return absl::InvalidArgumentError("request body is empty (expected JSON)");
  }
  return ParseJson(body);
}

// A JSON field that must be a string, if present.
absl::StatusOr<std::optional<std::string>> StringField(const json& body,
                                                       const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return absl::InvalidArgumentError(StrCat("field '", name,
                                             "' must be a string, got ",
                                             DumpJson(*it).substr(0, 40)));
  }
  return it->get<std::string>();
}

}  // namespace

ApiServer::ApiServer(Node* node, ApiOptions options)
    : node_(node),
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
  Node* node = node_;

  // Errors that no handler wrote a body for: unknown routes, 413, ...
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        absl::StatusCode code = absl::StatusCode::kInvalidArgument;
        if (res.status == 404) {
          code = absl::StatusCode::kNotFound;
          message = StrCat("no route ", req.method, " ", req.path,
                           " (see docs/api.md)");
        } else if (res.status == 413) {
          code = absl::StatusCode::kResourceExhausted;
          message = "request body exceeds the size limit";
        } else {
          message = StrCat("HTTP ", res.status);
        }
        res.set_content(DumpJson(ErrorBody(code, message)) + "\n", kJson);
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
    Reply(res, 500,
          ErrorBody(absl::StatusCode::kInternal,
                    StrCat("internal error: ", what)));
  });

  // POST handlers read the body themselves: for a body sent as
  // application/x-www-form-urlencoded (what `curl -d` sends unless told
  // otherwise) httplib would parse it as a form and refuse it above 8 KiB.
  using BodyHandler = std::function<void(
      const httplib::Request&, const std::string&, httplib::Response&)>;
  auto post = [&s, max = options_.max_body_bytes](const std::string& pattern,
                                                  BodyHandler handler) {
    s.Post(pattern, [handler, max](const httplib::Request& req,
                                   httplib::Response& res,
                                   const httplib::ContentReader& reader) {
      if (req.is_multipart_form_data()) {
        return ReplyError(res, absl::InvalidArgumentError(
                                   "the body must be JSON, not a form"));
      }
      std::string body;
      bool too_big = false;
      bool ok = reader([&](const char* data, size_t len) {
        if (body.size() + len > max) {
          too_big = true;
          return false;
        }
        body.append(data, len);
        return true;
      });
      if (too_big || res.status == 413) {
        Reply(res, 413,
              ErrorBody(absl::StatusCode::kResourceExhausted,
                        StrCat("request body exceeds the size limit of ", max,
                               " bytes")));
        return;
      }
      if (!ok) {
        return ReplyError(
            res, absl::InvalidArgumentError("could not read the request body"));
      }
      handler(req, body, res);
    });
  };

  s.Get("/v1/health", [node](const httplib::Request&, httplib::Response& res) {
    auto head = node->store().GetHead();
    if (!head.ok()) return ReplyError(res, head.status());
    uint64_t height = head->has_value() ? (*head)->height : 0;
    bool ok = node->healthy();
    Reply(res, ok ? 200 : 503,
          json{{"ok", ok}, {"height", std::to_string(height)}});
  });

  s.Get("/v1/info", [node, this](const httplib::Request&,
                                 httplib::Response& res) {
    auto head = node->store().GetHead();
    if (!head.ok()) return ReplyError(res, head.status());
    const NodeOptions& o = node->options();
    json info{
        {"chain_id", node->chain_id()},
        {"height", std::to_string(head->has_value() ? (*head)->height : 0)},
        {"head_hash", head->has_value() ? HexBytes((*head)->hash) : ""},
        {"producer_pubkey", HexBytes(node->producer().public_key)},
        {"producer_address",
         HexBytes(AddressFromPublicKey(node->producer().public_key))},
        {"block_time_ms", o.block_time_ms},
        {"mempool_size", node->mempool().size()},
        {"mempool_bytes", node->mempool().bytes()},
        {"healthy", node->healthy()},
        {"version", kVersion},
        {"limits",
         {{"max_tx_bytes", kMaxTxBytes},
          {"max_body_bytes", options_.max_body_bytes},
          {"block_gas_limit", std::to_string(o.block_gas_limit)},
          {"max_block_txs", o.max_block_txs},
          {"query_gas_limit", std::to_string(kMaxQueryGas)},
          {"mempool_capacity", o.mempool.capacity},
          {"mempool_max_bytes", o.mempool.max_bytes},
          {"mempool_max_per_sender", o.mempool.max_per_sender},
          {"mempool_max_waiting_per_sender",
           o.mempool.max_waiting_per_sender}}}};
    Reply(res, 200, info);
  });

  s.Get("/v1/stats", [node](const httplib::Request&, httplib::Response& res) {
    NodeStats st = node->stats();
    json out;
    out["admitted"] = st.admitted;
    out["refused"] = st.refused;
    out["admit_ms"] = st.admit_ms;
    out["blocks"] = st.blocks;
    out["txs"] = st.txs;
    out["gas_used"] = std::to_string(st.gas_used);
    out["select_ms"] = st.select_ms;
    out["check_ms"] = st.check_ms;
    out["run_ms"] = st.run_ms;
    out["finish_ms"] = st.finish_ms;
    out["commit_ms"] = st.commit_ms;
    out["mempool_size"] = node->mempool().size();
    Reply(res, 200, out);
  });

  // The JSON of a committed or pending transaction; NotFound otherwise.
  auto tx_view = [node](const std::string& hash) -> absl::StatusOr<json> {
    ASSIGN_OR_RETURN(std::optional<ledger::TxRecord> record,
                     node->store().GetTransaction(hash));
    std::optional<ledger::SignedTransaction> stx;
    if (record.has_value()) {
      stx = record->tx();
    } else {
      stx = node->mempool().Find(hash);
    }
    if (!stx.has_value()) {
      // It may have been committed between the two reads.
      ASSIGN_OR_RETURN(record, node->store().GetTransaction(hash));
      if (!record.has_value()) {
        return absl::NotFoundError(StrCat("no transaction 0x", ToHex(hash),
                                          " (neither committed "
                                          "nor pending)"));
      }
      stx = record->tx();
    }
    ledger::Transaction tx;
    tx.ParseFromString(stx->tx());
    std::string contract, method;
    if (tx.has_call()) {
      contract = tx.call().contract();
      method = tx.call().method();
    }
    std::optional<ContractInterface> iface;
    if (!contract.empty()) iface = node->Interface(contract);
    json out = TransactionJson(*stx, iface ? &*iface : nullptr);
    if (!record.has_value()) {
      out["status"] = "pending";
      return out;
    }
    out["status"] = "committed";
    out["block_height"] = std::to_string(record->block_height());
    out["tx_index"] = record->tx_index();
    out["block_hash"] = HexBytes(record->block_hash());
    if (tx.has_deploy()) {
      // A deploy's output is init's response, if the interface has an init
      // at all; otherwise there is nothing to decode.
      contract = record->receipt().contract_address();
      std::optional<ContractInterface> own;
      if (!contract.empty()) own = node->Interface(contract);
      if (own.has_value() && own->HasMethod("init")) method = "init";
    }
    InterfaceLookup lookup = [node](std::string_view address) {
      return node->Interface(address);
    };
    out["receipt"] = ReceiptJson(record->receipt(), &lookup, contract, method);
    return out;
  };

  post("/v1/tx",
       [node, tx_view, this](const httplib::Request& req,
                             const std::string& text, httplib::Response& res) {
         auto body = ParseBody(text);
         if (!body.ok()) return ReplyError(res, body.status());
         auto stx = ParseSubmitBody(*body);
         if (!stx.ok()) return ReplyError(res, stx.status());
         auto hash = node->Submit(*stx);
         if (!hash.ok()) return ReplyError(res, hash.status());
         std::string wait = req.get_param_value("wait");
         if (wait.empty() || wait == "false" || wait == "0") {
           return Reply(res, 200, json{{"hash", HexBytes(*hash)}});
         }
         node->WaitCommitted(*hash, absl::Milliseconds(options_.max_wait_ms));
         auto view = tx_view(*hash);
         if (!view.ok()) return ReplyError(res, view.status());
         Reply(res, 200, *view);
       });

  s.Get(R"(/v1/tx/([^/]+))", [tx_view](const httplib::Request& req,
                                       httplib::Response& res) {
    auto hash = ParseId(Str(req.matches[1]), kHashSize, "transaction hash");
    if (!hash.ok()) return ReplyError(res, hash.status());
    auto view = tx_view(*hash);
    if (!view.ok()) return ReplyError(res, view.status());
    Reply(res, 200, *view);
  });

  auto reply_block = [](httplib::Response& res,
                        const absl::StatusOr<std::optional<ledger::Block>>& b,
                        const std::string& what) {
    if (!b.ok()) return ReplyError(res, b.status());
    if (!b->has_value()) {
      return ReplyError(res, absl::NotFoundError(StrCat("no block ", what)));
    }
    Reply(res, 200, BlockJson(**b));
  };
  s.Get("/v1/block/latest",
        [node, reply_block](const httplib::Request&, httplib::Response& res) {
          auto head = node->store().GetHead();
          if (!head.ok()) return ReplyError(res, head.status());
          if (!head->has_value()) {
            return ReplyError(res, absl::NotFoundError("no blocks yet"));
          }
          reply_block(res, node->store().GetBlockByHeight((*head)->height),
                      std::to_string((*head)->height));
        });
  s.Get(
      R"(/v1/block/hash/([^/]+))",
      [node, reply_block](const httplib::Request& req, httplib::Response& res) {
        auto hash = ParseId(Str(req.matches[1]), kHashSize, "block hash");
        if (!hash.ok()) return ReplyError(res, hash.status());
        reply_block(res, node->store().GetBlockByHash(*hash),
                    StrCat("with hash 0x", ToHex(*hash)));
      });
  s.Get(R"(/v1/block/([^/]+))", [node, reply_block](const httplib::Request& req,
                                                    httplib::Response& res) {
    auto height = ParseUint(Str(req.matches[1]), "block height");
    if (!height.ok()) return ReplyError(res, height.status());
    reply_block(res, node->store().GetBlockByHeight(*height),
                std::to_string(*height));
  });

  post("/v1/query", [node](const httplib::Request&, const std::string& text,
                           httplib::Response& res) {
    auto run = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(json body, ParseBody(text));
      if (!body.is_object()) {
        return absl::InvalidArgumentError("body must be a JSON object");
      }
      for (const auto& [key, value] : body.items()) {
        if (key != "contract" && key != "method" && key != "args" &&
            key != "input" && key != "gas_limit") {
          return absl::InvalidArgumentError(
              StrCat("unknown field '", key,
                     "' (expected contract, method, args, input, gas_limit)"));
        }
      }
      ASSIGN_OR_RETURN(std::optional<std::string> contract_hex,
                       StringField(body, "contract"));
      ASSIGN_OR_RETURN(std::optional<std::string> method,
                       StringField(body, "method"));
      if (!contract_hex || !method) {
        return absl::InvalidArgumentError(
            "fields 'contract' and 'method' are required");
      }
      ASSIGN_OR_RETURN(std::string contract,
                       ParseHexBytes(*contract_hex, "field 'contract'"));
      if (contract.size() != kAddressSize) {
        return absl::InvalidArgumentError(StrCat("field 'contract' must be ",
                                                 kAddressSize, " bytes, got ",
                                                 contract.size()));
      }
      uint64_t gas = kDefaultQueryGas;
      if (auto it = body.find("gas_limit"); it != body.end()) {
        if (it->is_number_unsigned()) {
          gas = it->get<uint64_t>();
        } else if (it->is_string()) {
          ASSIGN_OR_RETURN(
              gas, ParseUint(it->get<std::string>(), "field 'gas_limit'"));
        } else {
          return absl::InvalidArgumentError(
              "field 'gas_limit' must be a non-negative integer");
        }
        if (gas > kMaxQueryGas) {
          return absl::InvalidArgumentError(
              StrCat("field 'gas_limit': ", gas,
                     " exceeds the query gas limit ", kMaxQueryGas));
        }
      }
      ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> info,
                       node->store().GetContract(contract));
      if (!info.has_value()) {
        return absl::NotFoundError(
            StrCat("no contract at 0x", ToHex(contract)));
      }
      std::optional<ContractInterface> iface = node->Interface(contract);
      std::string input;
      ASSIGN_OR_RETURN(std::optional<std::string> input_hex,
                       StringField(body, "input"));
      if (input_hex.has_value()) {
        if (body.contains("args")) {
          return absl::InvalidArgumentError(
              "give either 'args' (JSON) or 'input' (hex), not both");
        }
        ASSIGN_OR_RETURN(input, ParseHexBytes(*input_hex, "field 'input'"));
      } else if (iface.has_value()) {
        const json& args = body.contains("args") && !body["args"].is_null()
                               ? body["args"]
                               : json::object();
        auto encoded = iface->EncodeRequest(*method, DumpJson(args));
        if (!encoded.ok()) {
          // An unknown method is the caller's mistake: 400, not 404.
          return absl::InvalidArgumentError(encoded.status().message());
        }
        input = *std::move(encoded);
      } else if (body.contains("args")) {
        return absl::InvalidArgumentError(
            StrCat("contract 0x", ToHex(contract),
                   " has no interface: pass 'input' as hex instead of 'args'"));
      }
      wasm::CallOutcome out =
          node->executor().Query(contract, *method, input, gas);
      json reply{{"gas_used", std::to_string(out.gas_used)},
                 {"output", HexBytes(out.output)}};
      if (!out.status.ok()) {
        int status = 422;
        if (out.failure == wasm::FailureKind::kInvalid) status = 400;
        if (out.failure == wasm::FailureKind::kInternal) status = 500;
        json err = ErrorBody(out.status.code(), out.status.message());
        err["failure"] = Str(wasm::FailureKindName(out.failure));
        err["gas_used"] = std::to_string(out.gas_used);
        Reply(res, status, err);
        return absl::OkStatus();
      }
      if (iface.has_value()) {
        auto decoded = iface->DecodeResponse(*method, out.output);
        absl::StatusOr<json> result =
            decoded.ok() ? ParseJson(*decoded) : decoded.status();
        if (result.ok()) {
          reply["result"] = *std::move(result);
        } else {
          reply["decode_error"] = Str(result.status().message());
        }
      }
      Reply(res, 200, reply);
      return absl::OkStatus();
    };
    absl::Status s = run();
    if (!s.ok()) ReplyError(res, s);
  });

  s.Get(R"(/v1/contract/([^/]+))", [node](const httplib::Request& req,
                                          httplib::Response& res) {
    auto address = ParseId(Str(req.matches[1]), kAddressSize, "address");
    if (!address.ok()) return ReplyError(res, address.status());
    auto info = node->store().GetContract(*address);
    if (!info.ok()) return ReplyError(res, info.status());
    if (!info->has_value()) {
      return ReplyError(res, absl::NotFoundError(
                                 StrCat("no contract at 0x", ToHex(*address))));
    }
    std::optional<ContractInterface> iface = node->Interface(*address);
    json out;
    out["address"] = HexBytes(*address);
    out["code_hash"] = HexBytes((*info)->code_hash());
    out["creator"] = HexBytes((*info)->creator());
    out["created_height"] = std::to_string((*info)->created_height());
    out["methods"] = iface ? iface->Methods() : std::vector<std::string>{};
    out["events"] = iface ? iface->Events() : std::vector<std::string>{};
    out["interface"] = HexBytes((*info)->interface());
    Reply(res, 200, out);
  });

  s.Get("/v1/events", [node](const httplib::Request& req,
                             httplib::Response& res) {
    auto run = [&]() -> absl::StatusOr<json> {
      for (const auto& [key, value] : req.params) {
        if (key != "contract" && key != "name" && key != "from_block" &&
            key != "to_block" && key != "limit") {
          return absl::InvalidArgumentError(StrCat(
              "unknown parameter '", key,
              "' (expected contract, name, from_block, to_block, limit)"));
        }
      }
      ledger::EventFilter filter;
      filter.limit = kDefaultEventLimit;
      if (req.has_param("contract")) {
        ASSIGN_OR_RETURN(
            filter.contract,
            ParseId(req.get_param_value("contract"), kAddressSize, "contract"));
      }
      if (!req.get_param_value("name").empty()) {
        filter.name = req.get_param_value("name");
      }
      if (req.has_param("from_block")) {
        ASSIGN_OR_RETURN(
            filter.from_height,
            ParseUint(req.get_param_value("from_block"), "from_block"));
      }
      if (req.has_param("to_block")) {
        ASSIGN_OR_RETURN(
            filter.to_height,
            ParseUint(req.get_param_value("to_block"), "to_block"));
      }
      if (req.has_param("limit")) {
        ASSIGN_OR_RETURN(uint64_t limit,
                         ParseUint(req.get_param_value("limit"), "limit"));
        if (limit == 0 || limit > kMaxEventLimit) {
          return absl::InvalidArgumentError(
              StrCat("limit must be 1..", kMaxEventLimit));
        }
        filter.limit = limit;
      }
      if (filter.from_height > filter.to_height) {
        return absl::InvalidArgumentError(
            StrCat("from_block ", filter.from_height, " is after to_block ",
                   filter.to_height));
      }
      ASSIGN_OR_RETURN(std::vector<ledger::Event> events,
                       node->store().QueryEvents(filter));
      std::map<std::string, std::optional<ContractInterface>> ifaces;
      json list = json::array();
      for (const ledger::Event& e : events) {
        auto it = ifaces.find(e.contract());
        if (it == ifaces.end()) {
          it =
              ifaces.emplace(e.contract(), node->Interface(e.contract())).first;
        }
        list.push_back(EventJson(e, it->second ? &*it->second : nullptr));
      }
      return json{{"events", std::move(list)}};
    };
    auto out = run();
    if (!out.ok()) return ReplyError(res, out.status());
    Reply(res, 200, *out);
  });

  s.Get(R"(/v1/account/([^/]+))", [node](const httplib::Request& req,
                                         httplib::Response& res) {
    auto address = ParseId(Str(req.matches[1]), kAddressSize, "address");
    if (!address.ok()) return ReplyError(res, address.status());
    auto account = node->store().GetAccount(*address);
    if (!account.ok()) return ReplyError(res, account.status());
    uint64_t pending = node->mempool().NextNonce(*address, account->nonce());
    json out;
    out["address"] = HexBytes(*address);
    out["nonce"] = std::to_string(account->nonce());
    out["pending_nonce"] = std::to_string(pending);
    Reply(res, 200, out);
  });
}

}  // namespace ballast::node
