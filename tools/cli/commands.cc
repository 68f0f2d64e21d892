#include "tools/cli/commands.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "node/api/contract_interface.h"
#include "ledger/crypto.h"
#include "node/api/proto_json.h"
#include "tools/cli/output.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

// Above this many characters a JSON value is printed indented.
constexpr size_t kCompactJsonWidth = 100;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return absl::NotFoundError(StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(StrCat("error reading ", path));
  return ss.str();
}

// A JSON value for a human: compact if it fits on a line, else indented.
std::string Readable(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string compact = api::DumpJson(value);
  if (compact.size() <= kCompactJsonWidth) return compact;
  return api::DumpJson(value, 2);
}

std::string Hex0x(std::string_view bytes) { return "0x" + ToHex(bytes); }

absl::StatusOr<std::string> ParseHash(std::string_view text) {
  auto raw = FromHex(text);
  if (!raw.ok() || raw->size() != kHashSize) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not a hash (64 hex digits, 0x optional)"));
  }
  return Hex0x(*raw);
}

// "RECEIPT_STATUS_OUT_OF_GAS" -> "out_of_gas".
std::string ShortStatus(const json& receipt) {
  std::string name = ReceiptStatusName(FieldOf(receipt, "status"));
  for (char& c : name) {
    if (c == ' ') c = '_';
  }
  return name.empty() ? "unknown" : name;
}

bool Succeeded(const json& receipt) {
  return FieldOf(receipt, "status") == "RECEIPT_STATUS_SUCCESS";
}

const json& Member(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string BlockPosition(const json& doc) {
  std::string height = FieldOf(doc, "block_height");
  if (height.empty()) return "";
  std::string index = FieldOf(doc, "tx_index");
  return StrCat(height, " (tx ", index.empty() ? "0" : index, ")");
}

// The events of a receipt or an events response, one per line:
//   TransferEvent  {"from":"0x..","to":"0x..","amount":"5"}
// with the emitting contract added when it is not `own_contract`.
std::string EventLines(const json& events, std::string_view own_contract,
                       size_t indent) {
  if (!events.is_array() || events.empty()) return "";
  Table table({"EVENT", "ARGS"});
  for (const json& e : events) {
    std::string name = FieldOf(e, "name");
    std::string contract = FieldOf(e, "contract");
    if (!own_contract.empty() && contract != own_contract) {
      name += " (" + contract + ")";
    }
    const json& args = Member(e, "args");
    table.AddRow({name, args.is_null() ? "data " + FieldOf(e, "data")
                                       : api::DumpJson(args)});
  }
  std::string rendered = table.Render(indent);
  // Drop the header row: the "events" field above already names the list.
  return rendered.substr(rendered.find('\n') + 1);
}

// The receipt's part of a human-readable transaction outcome.
void AddReceiptFields(Fields& f, const json& receipt) {
  f.Add("status", ReceiptStatusName(FieldOf(receipt, "status")));
  f.Add("gas used", FieldOf(receipt, "gas_used"));
  f.AddIfSet("error", FieldOf(receipt, "error"));
  if (const json& result = Member(receipt, "result"); !result.is_null()) {
    f.Add("result", Readable(result));
  }
  f.AddIfSet("decode error", FieldOf(receipt, "decode_error"));
  const json& events = Member(receipt, "events");
  f.Add("events", std::to_string(events.is_array() ? events.size() : 0));
}

// The flat document `deploy` and `call` print with --json.
json OutcomeDoc(const json& committed) {
  const json& receipt = Member(committed, "receipt");
  json doc = {
      {"hash", Member(committed, "hash")},
      {"ok", Succeeded(receipt)},
      {"status", ShortStatus(receipt)},
      {"block_height", Member(committed, "block_height")},
      {"tx_index", Member(committed, "tx_index")},
      {"block_hash", Member(committed, "block_hash")},
      {"gas_used", Member(receipt, "gas_used")},
      {"error", Member(receipt, "error")},
      {"result", Member(receipt, "result")},
      {"events", Member(receipt, "events").is_array()
                     ? Member(receipt, "events")
                     : json::array()},
  };
  return doc;
}

absl::Status FailedReceipt(const json& committed) {
  const json& receipt = Member(committed, "receipt");
  std::string error = FieldOf(receipt, "error");
  // The receipt's error names the status already ("...: aborted: ...").
  return absl::AbortedError(StrCat(
      "transaction ", FieldOf(committed, "hash"), " failed: ",
      error.empty() ? ReceiptStatusName(FieldOf(receipt, "status")) : error));
}

struct Sent {
  std::string hash;
  uint64_t nonce = 0;
  std::optional<json> committed;  // the GET /v1/tx response; none if async
};

// Fills in chain id, sender, nonce and gas, signs, submits and (unless
// async) waits for the receipt.
absl::StatusOr<Sent> SendTx(Session& s, const StoredKey& from,
                            ledger::Transaction tx, const TxOptions& options) {
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(std::string chain_id, node->ChainId());
  ASSIGN_OR_RETURN(uint64_t nonce, node->NextNonce(from.address));
  tx.set_chain_id(chain_id);
  tx.set_sender_pubkey(from.key.public_key);
  tx.set_nonce(nonce);
  tx.set_gas_limit(options.gas);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(from.key, stx.tx()));
  Sent sent;
  sent.nonce = nonce;
  ASSIGN_OR_RETURN(sent.hash, node->Submit(stx));
  if (options.async) return sent;
  auto timeout = std::chrono::milliseconds(
      static_cast<int64_t>(options.timeout_seconds * 1000));
  ASSIGN_OR_RETURN(sent.committed, node->WaitCommitted(sent.hash, timeout));
  return sent;
}

absl::StatusOr<api::ContractInterface> FetchInterface(
    NodeClient& node, std::string_view address) {
  ASSIGN_OR_RETURN(json info,
                   node.Get(StrCat("/v1/contract/", Hex0x(address))));
  auto desc = api::ParseHexBytes(FieldOf(info, "interface"), "interface");
  if (!desc.ok()) return Annotate(desc.status(), "contract interface");
  auto iface = api::ContractInterface::FromDescriptorSet(*desc);
  if (!iface.ok()) return Annotate(iface.status(), "contract interface");
  return iface;
}

json KeyDoc(const StoredKey& key) {
  return {{"name", key.name},
          {"address", Hex0x(key.address)},
          {"public_key", Hex0x(key.key.public_key)}};
}

std::string KeyText(const StoredKey& key, std::string_view file = {}) {
  return Fields()
      .Add("name", key.name)
      .Add("address", Hex0x(key.address))
      .Add("public key", Hex0x(key.key.public_key))
      .AddIfSet("file", std::string(file))
      .Render();
}

}  // namespace

absl::StatusOr<std::string> ParseAddress(std::string_view text) {
  auto raw = FromHex(text);
  if (!raw.ok() || raw->size() != kAddressSize) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not an address (40 hex digits, 0x optional)"));
  }
  return *raw;
}

// ---- Session ----

Session::Session(GlobalOptions options, std::ostream& out)
    : options_(std::move(options)), out_(out) {}

absl::StatusOr<NodeClient*> Session::Node() {
  if (node_ == nullptr) {
    ASSIGN_OR_RETURN(node_, NodeClient::Create(options_.node_url));
  }
  return node_.get();
}

Keystore Session::Keys() const {
  return Keystore(options_.keys_dir.empty() ? Keystore::DefaultDir()
                                            : options_.keys_dir);
}

void Session::Emit(const nlohmann::json& doc, std::string_view text) {
  if (options_.json) {
    out_ << api::DumpJson(doc, 2) << "\n";
  } else {
    out_ << text;
  }
  out_.flush();
  emitted_ = true;
}

// ---- keys ----

absl::Status KeysNew(Session& s, const std::string& name) {
  Keystore keys = s.Keys();
  ASSIGN_OR_RETURN(StoredKey key, keys.Create(name));
  json doc = KeyDoc(key);
  doc["file"] = keys.PathOf(name);
  s.Emit(doc, KeyText(key, keys.PathOf(name)));
  return absl::OkStatus();
}

absl::Status KeysImport(Session& s, const std::string& name, std::istream& in) {
  std::string text;
  std::getline(in, text);
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  auto raw = FromHex(text);
  if (!raw.ok() || (raw->size() != 32 && raw->size() != kSecretKeySize)) {
    return absl::InvalidArgumentError(
        "expected on stdin a hex ed25519 seed (32 bytes) or secret key (64 "
        "bytes)");
  }
  auto pair =
      raw->size() == 32 ? KeyPairFromSeed(*raw) : KeyPairFromSecret(*raw);
  RETURN_IF_ERROR(pair.status());
  Keystore keys = s.Keys();
  ASSIGN_OR_RETURN(StoredKey key, keys.Import(name, *pair));
  json doc = KeyDoc(key);
  doc["file"] = keys.PathOf(name);
  s.Emit(doc, KeyText(key, keys.PathOf(name)));
  return absl::OkStatus();
}

absl::Status KeysList(Session& s) {
  Keystore keys = s.Keys();
  ASSIGN_OR_RETURN(std::vector<StoredKey> all, keys.List());
  json list = json::array();
  Table table({"NAME", "ADDRESS"});
  for (const StoredKey& key : all) {
    list.push_back(KeyDoc(key));
    table.AddRow({key.name, Hex0x(key.address)});
  }
  std::string text = all.empty()
                         ? StrCat("no keys in ", keys.dir(),
                                  " (create one: ballast keys new NAME)\n")
                         : table.Render();
  s.Emit(json{{"dir", keys.dir()}, {"keys", list}}, text);
  return absl::OkStatus();
}

absl::Status KeysShow(Session& s, const std::string& name) {
  ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(name));
  s.Emit(KeyDoc(key), KeyText(key));
  return absl::OkStatus();
}

// ---- transactions ----

absl::Status Deploy(Session& s, const DeployArgs& a) {
  ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(std::string code, ReadFile(a.wasm_path));
  // A .proto is compiled here; anything else is taken to be a compiled
  // FileDescriptorSet (the build's contracts/<name>.desc).
  absl::StatusOr<std::string> desc =
      a.proto_path.ends_with(".proto")
          ? api::CompileInterface(a.proto_path, a.include_dirs)
          : ReadFile(a.proto_path);
  if (!desc.ok()) return Annotate(desc.status(), "interface");
  auto iface = api::ContractInterface::FromDescriptorSet(*desc);
  if (!iface.ok()) return Annotate(iface.status(), "interface");
  std::string init_input;
  if (iface->HasMethod("init")) {
    auto encoded = iface->EncodeRequest("init", a.init_json.value_or("{}"));
    if (!encoded.ok()) return Annotate(encoded.status(), "--init");
    init_input = *std::move(encoded);
  } else if (a.init_json.has_value()) {
    return absl::InvalidArgumentError(
        StrCat("--init: ", a.proto_path, " has no init method"));
  }

  ledger::Transaction tx;
  tx.mutable_deploy()->set_code(std::move(code));
  tx.mutable_deploy()->set_interface(*std::move(desc));
  tx.mutable_deploy()->set_init_input(std::move(init_input));
  ASSIGN_OR_RETURN(Sent sent, SendTx(s, key, std::move(tx), a.tx));
  // The address is known before the transaction runs (node/crypto.h).
  const std::string expected = Hex0x(ContractAddress(key.address, sent.nonce));
  if (!sent.committed.has_value()) {
    s.Emit(
        json{
            {"hash", sent.hash}, {"status", "pending"}, {"contract", expected}},
        Fields()
            .Add("tx", sent.hash + " (pending)")
            .Add("contract", expected)
            .Render());
    return absl::OkStatus();
  }
  const json& receipt = Member(*sent.committed, "receipt");
  json doc = OutcomeDoc(*sent.committed);
  std::string contract = FieldOf(receipt, "contract_address");
  doc["contract"] = Succeeded(receipt) ? json(contract) : json(nullptr);
  Fields f;
  if (Succeeded(receipt)) f.Add("contract", contract);
  f.Add("tx", FieldOf(*sent.committed, "hash"));
  f.Add("block", BlockPosition(*sent.committed));
  AddReceiptFields(f, receipt);
  s.Emit(doc, f.Render() + EventLines(Member(receipt, "events"), contract, 2));
  if (!Succeeded(receipt)) return FailedReceipt(*sent.committed);
  return absl::OkStatus();
}

absl::Status Call(Session& s, const CallArgs& a) {
  ASSIGN_OR_RETURN(std::string contract, ParseAddress(a.contract));
  if (a.method == "init") {
    return absl::InvalidArgumentError(
        "'init' is the constructor: it runs once, at deploy (--init)");
  }
  ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(a.tx.from));
  if (auto parsed = api::ParseJson(a.args_json.empty() ? "{}" : a.args_json);
      !parsed.ok()) {
    return Annotate(parsed.status(), "args");
  }
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(api::ContractInterface iface,
                   FetchInterface(*node, contract));
  auto input = iface.EncodeRequest(a.method, a.args_json);
  if (!input.ok()) {
    return Annotate(input.status(), StrCat("contract ", Hex0x(contract)));
  }

  ledger::Transaction tx;
  tx.mutable_call()->set_contract(contract);
  tx.mutable_call()->set_method(a.method);
  tx.mutable_call()->set_input(*std::move(input));
  ASSIGN_OR_RETURN(Sent sent, SendTx(s, key, std::move(tx), a.tx));
  if (!sent.committed.has_value()) {
    s.Emit(json{{"hash", sent.hash}, {"status", "pending"}},
           Fields().Add("tx", sent.hash + " (pending)").Render());
    return absl::OkStatus();
  }
  json& committed = *sent.committed;
  json& receipt = committed["receipt"];
  // The node decodes the result when it knows the interface; if it did not,
  // decode here.
  if (Succeeded(receipt) && Member(receipt, "result").is_null()) {
    auto output = api::ParseHexBytes(FieldOf(receipt, "output"), "output");
    if (output.ok()) {
      auto decoded = iface.DecodeResponse(a.method, *output);
      if (decoded.ok()) {
        if (auto j = api::ParseJson(*decoded); j.ok()) receipt["result"] = *j;
      }
    }
  }
  Fields f;
  f.Add("tx", FieldOf(committed, "hash"));
  f.Add("block", BlockPosition(committed));
  AddReceiptFields(f, receipt);
  s.Emit(
      OutcomeDoc(committed),
      f.Render() + EventLines(Member(receipt, "events"), Hex0x(contract), 2));
  if (!Succeeded(receipt)) return FailedReceipt(committed);
  return absl::OkStatus();
}

absl::Status Query(Session& s, const std::string& contract_text,
                   const std::string& method, const std::string& args_json) {
  ASSIGN_OR_RETURN(std::string contract, ParseAddress(contract_text));
  auto args = api::ParseJson(args_json.empty() ? "{}" : args_json);
  if (!args.ok()) return Annotate(args.status(), "args");
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json response,
                   node->Post("/v1/query", json{{"contract", Hex0x(contract)},
                                                {"method", method},
                                                {"args", *args}}));
  s.Emit(response, Fields()
                       .Add("result", Readable(Member(response, "result")))
                       .Add("gas used", FieldOf(response, "gas_used"))
                       .Render());
  return absl::OkStatus();
}

// ---- reading the chain ----

absl::Status ShowTx(Session& s, const std::string& hash_text) {
  ASSIGN_OR_RETURN(std::string hash, ParseHash(hash_text));
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json doc, node->Get(StrCat("/v1/tx/", hash)));
  const json& tx = Member(doc, "tx");
  Fields f;
  f.Add("hash", FieldOf(doc, "hash"));
  f.Add("status", FieldOf(doc, "status"));
  f.AddIfSet("block", BlockPosition(doc));
  f.AddIfSet("block hash", FieldOf(doc, "block_hash"));
  f.Add("from", FieldOf(doc, "sender"));
  f.Add("nonce", FieldOf(tx, "nonce"));
  f.Add("gas limit", FieldOf(tx, "gas_limit"));
  std::string contract;
  if (const json& call = Member(tx, "call"); !call.is_null()) {
    contract = FieldOf(call, "contract");
    f.Add("call", StrCat(contract, " ", FieldOf(call, "method")));
    const json& args = Member(call, "args");
    f.Add("args", args.is_null() ? FieldOf(call, "input") : Readable(args));
  } else if (const json& deploy = Member(tx, "deploy"); !deploy.is_null()) {
    f.Add("deploy",
          StrCat(FieldOf(deploy, "code_size"), " bytes of wasm, code hash ",
                 FieldOf(deploy, "code_hash")));
    const json& args = Member(deploy, "init_args");
    if (!args.is_null()) f.Add("init args", Readable(args));
  }
  const json& receipt = Member(doc, "receipt");
  std::string events;
  if (!receipt.is_null()) {
    if (std::string created = FieldOf(receipt, "contract_address");
        !created.empty() && created != "0x") {
      f.Add("contract", created);
      contract = created;
    }
    f.Add("receipt", "");
    Fields r;
    AddReceiptFields(r, receipt);
    events = r.Render(2) + EventLines(Member(receipt, "events"), contract, 4);
  }
  std::string text = f.Render();
  // "receipt" is a heading: its fields follow, indented.
  s.Emit(doc, text + events);
  return absl::OkStatus();
}

absl::Status ShowBlock(Session& s, const std::string& which) {
  std::string path;
  if (which.empty() || which == "latest") {
    path = "/v1/block/latest";
  } else if (which.size() > 20 || which.starts_with("0x")) {
    ASSIGN_OR_RETURN(std::string hash, ParseHash(which));
    path = "/v1/block/hash/" + hash;
  } else if (std::all_of(which.begin(), which.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    path = "/v1/block/" + which;
  } else {
    return absl::InvalidArgumentError(StrCat(
        "'", which, "' is not a block (a height, latest, or a 0x block hash)"));
  }
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json doc, node->Get(path));
  const json& header = Member(doc, "header");
  const json& txs = Member(doc, "txs");
  Fields f;
  f.Add("height", FieldOf(header, "height"));
  f.Add("hash", FieldOf(doc, "hash"));
  f.Add("parent", FieldOf(header, "parent_hash"));
  f.Add("time", FormatTimeMs(FieldOf(header, "time_ms")));
  f.Add("chain id", FieldOf(header, "chain_id"));
  f.Add("producer", FieldOf(header, "producer_pubkey"));
  f.Add("tx root", FieldOf(header, "tx_root"));
  f.Add("state root", FieldOf(header, "state_root"));
  f.Add("txs", std::to_string(txs.is_array() ? txs.size() : 0));
  std::string text = f.Render();
  if (txs.is_array()) {
    for (const json& h : txs) text += "  " + Scalar(h) + "\n";
  }
  s.Emit(doc, text);
  return absl::OkStatus();
}

absl::Status Events(Session& s, const EventsArgs& a) {
  std::vector<std::string> params;
  std::string contract;
  if (!a.contract.empty()) {
    ASSIGN_OR_RETURN(std::string raw, ParseAddress(a.contract));
    contract = Hex0x(raw);
    params.push_back("contract=" + contract);
  }
  if (!a.name.empty()) {
    for (char c : a.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' &&
          c != '.') {
        return absl::InvalidArgumentError(
            StrCat("--name: '", a.name, "' is not an event name"));
      }
    }
    params.push_back("name=" + a.name);
  }
  if (a.from_block) params.push_back(StrCat("from_block=", *a.from_block));
  if (a.to_block) params.push_back(StrCat("to_block=", *a.to_block));
  if (a.limit) params.push_back(StrCat("limit=", *a.limit));
  std::string path = "/v1/events";
  for (size_t i = 0; i < params.size(); ++i) {
    path += (i == 0 ? "?" : "&") + params[i];
  }
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json doc, node->Get(path));
  const json& events = Member(doc, "events");
  std::string text;
  if (!events.is_array() || events.empty()) {
    text = "no events\n";
  } else {
    std::vector<std::string> header = {"BLOCK", "TX", "#"};
    if (contract.empty()) header.push_back("CONTRACT");
    header.insert(header.end(), {"EVENT", "ARGS"});
    Table table(header);
    for (const json& e : events) {
      std::vector<std::string> row = {FieldOf(e, "block_height"),
                                      FieldOf(e, "tx_index"),
                                      FieldOf(e, "event_index")};
      if (contract.empty()) row.push_back(FieldOf(e, "contract"));
      const json& args = Member(e, "args");
      row.push_back(FieldOf(e, "name"));
      row.push_back(args.is_null() ? "data " + FieldOf(e, "data")
                                   : api::DumpJson(args));
      table.AddRow(std::move(row));
    }
    text = table.Render();
  }
  s.Emit(doc, text);
  return absl::OkStatus();
}

absl::Status Status(Session& s) {
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json info, node->Get("/v1/info"));
  json doc = info;
  doc["node"] = node->url();
  const json& limits = Member(info, "limits");
  std::string block_time = FieldOf(info, "block_time_ms");
  std::string blocks = block_time == "0" ? "automine"
                       : block_time.empty()
                           ? ""
                           : StrCat("every ", block_time, " ms");
  std::string mempool = FieldOf(info, "mempool_size");
  if (std::string cap = FieldOf(limits, "mempool_capacity"); !cap.empty()) {
    mempool += " of " + cap;
  }
  Fields f;
  f.Add("node", node->url());
  f.Add("chain id", FieldOf(info, "chain_id"));
  f.AddIfSet("version", FieldOf(info, "version"));
  f.Add("height", FieldOf(info, "height"));
  f.AddIfSet("head hash", FieldOf(info, "head_hash"));
  f.AddIfSet("healthy", FieldOf(info, "healthy"));
  f.AddIfSet("blocks", blocks);
  f.AddIfSet("mempool", mempool);
  f.AddIfSet("producer", FieldOf(info, "producer_address"));
  f.AddIfSet("producer key", FieldOf(info, "producer_pubkey"));
  f.AddIfSet("block gas limit", FieldOf(limits, "block_gas_limit"));
  f.AddIfSet("max tx bytes", FieldOf(limits, "max_tx_bytes"));
  s.Emit(doc, f.Render());
  return absl::OkStatus();
}

absl::Status Account(Session& s, const std::string& who) {
  std::string address;
  if (auto raw = ParseAddress(who); raw.ok()) {
    address = *raw;
  } else if (ValidateKeyName(who).ok()) {
    ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(who));
    address = key.address;
  } else {
    return raw.status();
  }
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json doc, node->Get(StrCat("/v1/account/", Hex0x(address))));
  Fields f;
  f.Add("address", Hex0x(address));
  f.Add("nonce", FieldOf(doc, "nonce").empty() ? "0" : FieldOf(doc, "nonce"));
  f.AddIfSet("pending nonce", FieldOf(doc, "pending_nonce"));
  s.Emit(doc, f.Render());
  return absl::OkStatus();
}

absl::Status Contract(Session& s, const std::string& address_text) {
  ASSIGN_OR_RETURN(std::string address, ParseAddress(address_text));
  ASSIGN_OR_RETURN(NodeClient * node, s.Node());
  ASSIGN_OR_RETURN(json doc,
                   node->Get(StrCat("/v1/contract/", Hex0x(address))));
  auto join = [](const json& list) {
    std::string out;
    if (!list.is_array()) return out;
    for (const json& item : list)
      out += (out.empty() ? "" : ", ") + Scalar(item);
    return out;
  };
  Fields f;
  f.Add("address", FieldOf(doc, "address"));
  f.Add("code hash", FieldOf(doc, "code_hash"));
  f.Add("creator", FieldOf(doc, "creator"));
  f.Add("created at", FieldOf(doc, "created_height"));
  f.Add("methods", join(Member(doc, "methods")));
  f.Add("events", join(Member(doc, "events")));
  s.Emit(doc, f.Render());
  return absl::OkStatus();
}

}  // namespace ballast::cli
