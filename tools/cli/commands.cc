#include "tools/cli/commands.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "node/api/contract_interface.h"
#include "node/api/errors.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "node/api/views.h"
#include "tools/cli/output.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

// Above this many characters a JSON value is printed indented.
constexpr size_t kCompactJsonWidth = 100;

// A message as the JSON document the node sends for it.
json Doc(const google::protobuf::Message& message) {
  auto j = api::ProtoToJson(message);
  if (j.ok()) return *std::move(j);
  return json{{"render_error", std::string(j.status().message())}};
}

// A JSON value for a human: compact if it fits on a line, else indented.
std::string Readable(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string compact = api::DumpJson(value);
  if (compact.size() <= kCompactJsonWidth) return compact;
  return api::DumpJson(value, 2);
}
std::string Readable(const google::protobuf::Value& value) {
  return Readable(json::parse(api::JsonText(value), nullptr, false));
}

absl::StatusOr<std::string> ParseHash(std::string_view text) {
  auto raw = FromHex(text);
  if (!raw.ok() || raw->size() != kHashSize) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not a hash (64 hex digits, 0x optional)"));
  }
  return *raw;
}

std::string StatusName(ledger::ReceiptStatus status) {
  return ReceiptStatusName(ledger::ReceiptStatus_Name(status));
}

// "RECEIPT_STATUS_OUT_OF_GAS" -> "out_of_gas".
std::string ShortStatus(ledger::ReceiptStatus status) {
  std::string name = StatusName(status);
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
}

bool Succeeded(const api::ReceiptView& receipt) {
  return receipt.status() == ledger::RECEIPT_STATUS_SUCCESS;
}

std::string BlockPosition(const api::TransactionView& tx) {
  if (!tx.has_block_height()) return "";
  return StrCat(tx.block_height(), " (tx ", tx.tx_index(), ")");
}

// The events of a receipt or an events response, one per line:
//   TransferEvent  {"from":"0x..","to":"0x..","amount":"5"}
// with the emitting contract added when it is not `own_contract`.
std::string EventLines(
    const google::protobuf::RepeatedPtrField<api::EventView>& events,
    std::string_view own_contract, size_t indent) {
  if (events.empty()) return "";
  Table table({"EVENT", "ARGS"});
  for (const api::EventView& e : events) {
    std::string name = e.name();
    if (!own_contract.empty() && e.contract() != own_contract) {
      name += " (" + Hex0x(e.contract()) + ")";
    }
    table.AddRow({name, e.has_args() ? api::JsonText(e.args())
                                     : "data " + Hex0x(e.data())});
  }
  std::string rendered = table.Render(indent);
  // Drop the header row: the "events" field above already names the list.
  return rendered.substr(rendered.find('\n') + 1);
}

// The receipt's part of a human-readable transaction outcome.
void AddReceiptFields(Fields& f, const api::ReceiptView& receipt) {
  f.Add("status", StatusName(receipt.status()));
  f.Add("gas used", StrCat(receipt.gas_used()));
  f.AddIfSet("error", receipt.error());
  if (receipt.has_result()) f.Add("result", Readable(receipt.result()));
  f.AddIfSet("decode error", receipt.decode_error());
  f.Add("events", StrCat(receipt.events_size()));
}

// The flat document `deploy` and `call` print with --json.
json OutcomeDoc(const api::TransactionView& committed) {
  json full = Doc(committed);
  const api::ReceiptView& receipt = committed.receipt();
  json r = full.contains("receipt") ? full["receipt"] : json::object();
  return json{
      {"hash", Hex0x(committed.hash())},
      {"ok", Succeeded(receipt)},
      {"status", ShortStatus(receipt.status())},
      {"block_height", StrCat(committed.block_height())},
      {"tx_index", committed.tx_index()},
      {"block_hash", Hex0x(committed.block_hash())},
      {"gas_used", StrCat(receipt.gas_used())},
      {"error", receipt.error()},
      {"result", r.contains("result") ? r["result"] : json(nullptr)},
      {"events", r.contains("events") ? r["events"] : json::array()},
  };
}

// The error of a committed transaction whose call failed; its kind is
// "contract failed" (exit code 1).
absl::Status FailedReceipt(const api::TransactionView& committed) {
  const api::ReceiptView& receipt = committed.receipt();
  // The receipt's error names the status already ("...: aborted: ...").
  return api::FailedCall(
      absl::StatusCode::kAborted,
      StrCat("transaction ", Hex0x(committed.hash()), " failed: ",
             receipt.error().empty() ? StatusName(receipt.status())
                                     : receipt.error()),
      ShortStatus(receipt.status()), receipt.gas_used());
}

struct Sent {
  std::string hash;  // raw
  uint64_t nonce = 0;
  std::optional<api::TransactionView> committed;  // none if async
};

// Fills in chain id, sender, nonce and gas, signs, submits and (unless
// async) waits for the receipt.
absl::StatusOr<Sent> SendTx(Session& s, const StoredKey& from,
                            ledger::Transaction tx, const TxOptions& options) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  ASSIGN_OR_RETURN(uint64_t nonce, node->NextNonce(from.address));
  const ledger::SignedTransaction stx =
      SignTx(from, std::move(tx), info.chain_id(), nonce, options.gas);
  Sent sent;
  sent.nonce = nonce;
  if (options.async) {
    ASSIGN_OR_RETURN(sent.hash, node->Submit(stx));
    return sent;
  }
  ASSIGN_OR_RETURN(
      sent.committed,
      node->SubmitAndWait(stx, absl::Milliseconds(static_cast<int64_t>(
                                   options.timeout_seconds * 1000))));
  sent.hash = sent.committed->hash();
  return sent;
}

json KeyDoc(const StoredKey& key) {
  return {{"name", key.name},
          {"address", Hex0x(key.address)},
          {"public_key", Hex0x(key.key.public_key)},
          {"encrypted", key.encrypted}};
}

std::string KeyText(const StoredKey& key, std::string_view file = {}) {
  return Fields()
      .Add("name", key.name)
      .Add("address", Hex0x(key.address))
      .Add("public key", Hex0x(key.key.public_key))
      .Add("encrypted", key.encrypted ? "yes" : "no")
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

// ---- building blocks ----

absl::StatusOr<api::ContractInterface> FetchInterface(
    api::Client& node, std::string_view address) {
  ASSIGN_OR_RETURN(api::ContractView info, node.Contract(address));
  auto iface = api::ContractInterface::FromDescriptorSet(info.interface());
  if (!iface.ok()) return Annotate(iface.status(), "contract interface");
  return iface;
}

ledger::SignedTransaction SignTx(const StoredKey& from, ledger::Transaction tx,
                                 const std::string& chain_id, uint64_t nonce,
                                 uint64_t gas) {
  tx.set_chain_id(chain_id);
  tx.set_sender_pubkey(from.key.public_key);
  tx.set_nonce(nonce);
  tx.set_gas_limit(gas);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(from.key, stx.tx()));
  return stx;
}

absl::StatusOr<ledger::Transaction> CallTx(const api::ContractInterface& iface,
                                           std::string_view contract,
                                           std::string_view method,
                                           const json& args,
                                           std::string_view what) {
  auto input = iface.EncodeRequest(method, api::DumpJson(args));
  if (!input.ok()) return Annotate(input.status(), what);
  ledger::Transaction tx;
  tx.mutable_call()->set_contract(std::string(contract));
  tx.mutable_call()->set_method(std::string(method));
  tx.mutable_call()->set_input(*std::move(input));
  return tx;
}

namespace {

// Annotate, keeping the payloads (a failed call's kind and gas, which decide
// the exit code).
absl::Status WithContext(const absl::Status& status, std::string_view what) {
  absl::Status out = Annotate(status, what);
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

// A call transaction of `method` on `contract` with JSON `args`, encoded
// through the interface the node holds for it (kept, to decode the answer).
struct PreparedCall {
  api::ContractInterface iface;
  ledger::Transaction tx;
};

absl::StatusOr<PreparedCall> PrepareCall(api::Client& node,
                                         std::string_view contract,
                                         std::string_view method,
                                         const json& args,
                                         std::string_view what) {
  ASSIGN_OR_RETURN(api::ContractInterface iface,
                   FetchInterface(node, contract));
  ASSIGN_OR_RETURN(ledger::Transaction tx,
                   CallTx(iface, contract, method, args, what));
  return PreparedCall{std::move(iface), std::move(tx)};
}

}  // namespace

absl::StatusOr<json> Transact(Session& s, const StoredKey& from,
                              std::string_view contract,
                              std::string_view method, const json& args,
                              const TxOptions& options, std::string_view what,
                              std::string* tx_hash) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(PreparedCall call,
                   PrepareCall(*node, contract, method, args, what));
  TxOptions wait = options;
  wait.async = false;
  auto sent = SendTx(s, from, std::move(call.tx), wait);
  if (!sent.ok()) return WithContext(sent.status(), what);
  const api::TransactionView& committed = *sent->committed;
  if (tx_hash != nullptr) *tx_hash = committed.hash();
  const api::ReceiptView& receipt = committed.receipt();
  if (!Succeeded(receipt)) return WithContext(FailedReceipt(committed), what);
  auto decoded = call.iface.DecodeResponse(method, receipt.output());
  if (!decoded.ok()) return Annotate(decoded.status(), what);
  return json::parse(*decoded, nullptr, false);
}

absl::StatusOr<std::string> TransactAsync(Session& s, const StoredKey& from,
                                          std::string_view contract,
                                          std::string_view method,
                                          const json& args,
                                          const TxOptions& options,
                                          std::string_view what) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(PreparedCall call,
                   PrepareCall(*node, contract, method, args, what));
  TxOptions submit = options;
  submit.async = true;
  auto sent = SendTx(s, from, std::move(call.tx), submit);
  if (!sent.ok()) return WithContext(sent.status(), what);
  return sent->hash;
}

absl::StatusOr<std::string> DeployCode(Session& s, const StoredKey& from,
                                       std::string code, std::string desc,
                                       const json& init_args,
                                       const TxOptions& options,
                                       std::string_view what) {
  auto iface = api::ContractInterface::FromDescriptorSet(desc);
  if (!iface.ok()) return Annotate(iface.status(), what);
  std::string init_input;
  if (iface->HasMethod("init")) {
    auto encoded = iface->EncodeRequest("init", api::DumpJson(init_args));
    if (!encoded.ok()) return Annotate(encoded.status(), what);
    init_input = *std::move(encoded);
  }
  ledger::Transaction tx;
  tx.mutable_deploy()->set_code(std::move(code));
  tx.mutable_deploy()->set_interface(std::move(desc));
  tx.mutable_deploy()->set_init_input(std::move(init_input));
  TxOptions wait = options;
  wait.async = false;
  auto sent = SendTx(s, from, std::move(tx), wait);
  if (!sent.ok()) return WithContext(sent.status(), what);
  const api::TransactionView& committed = *sent->committed;
  if (!Succeeded(committed.receipt())) {
    return WithContext(FailedReceipt(committed), what);
  }
  return committed.receipt().contract_address();
}

absl::StatusOr<api::QueryResponse> QueryMethod(Session& s,
                                               std::string_view contract,
                                               std::string_view method,
                                               const json& args,
                                               std::optional<uint64_t> height) {
  api::QueryRequest request;
  request.set_contract(std::string(contract));
  request.set_method(std::string(method));
  if (height.has_value()) request.set_height(*height);
  auto value = api::JsonValue(api::DumpJson(args));
  if (!value.ok()) return value.status();
  *request.mutable_args() = *std::move(value);
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  return node->Query(request);
}

absl::StatusOr<json> QueryResult(const api::QueryResponse& r) {
  if (!r.has_result()) {
    return absl::InternalError(StrCat(
        "the node did not decode the query's result: ", r.decode_error()));
  }
  return json::parse(api::JsonText(r.result()), nullptr, false);
}

// ---- Session ----

Session::Session(GlobalOptions options, std::ostream& out)
    : options_(std::move(options)), out_(out) {}

absl::StatusOr<api::Client*> Session::Node() {
  if (node_ == nullptr) {
    auto client = api::Client::Create(options_.node_url);
    if (!client.ok()) return Annotate(client.status(), "--node");
    node_ = *std::move(client);
  }
  return node_.get();
}

Keystore Session::Keys() const {
  return Keystore(
      options_.keys_dir.empty() ? Keystore::DefaultDir() : options_.keys_dir,
      PassphraseFromEnvOrTerminal);
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

absl::Status KeysNew(Session& s, const std::string& name, bool encrypt) {
  Keystore keys = s.Keys();
  ASSIGN_OR_RETURN(StoredKey key, keys.Create(name, encrypt));
  json doc = KeyDoc(key);
  doc["file"] = keys.PathOf(name);
  s.Emit(doc, KeyText(key, keys.PathOf(name)));
  return absl::OkStatus();
}

absl::Status KeysImport(Session& s, const std::string& name, std::istream& in,
                        bool encrypt) {
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
  ASSIGN_OR_RETURN(StoredKey key, keys.Import(name, *pair, encrypt));
  json doc = KeyDoc(key);
  doc["file"] = keys.PathOf(name);
  s.Emit(doc, KeyText(key, keys.PathOf(name)));
  return absl::OkStatus();
}

absl::Status KeysList(Session& s) {
  Keystore keys = s.Keys();
  ASSIGN_OR_RETURN(std::vector<StoredKey> all, keys.List());
  json list = json::array();
  Table table({"NAME", "ADDRESS", "ENCRYPTED"});
  for (const StoredKey& key : all) {
    list.push_back(KeyDoc(key));
    table.AddRow({key.name, Hex0x(key.address), key.encrypted ? "yes" : "no"});
  }
  std::string text = all.empty()
                         ? StrCat("no keys in ", keys.dir(),
                                  " (create one: ballast keys new NAME)\n")
                         : table.Render();
  s.Emit(json{{"dir", keys.dir()}, {"keys", list}}, text);
  return absl::OkStatus();
}

absl::Status KeysShow(Session& s, const std::string& name) {
  ASSIGN_OR_RETURN(StoredKey key, s.Keys().LoadPublic(name));
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
  // The address is known before the transaction runs (ledger/crypto.h).
  const std::string expected = Hex0x(ContractAddress(key.address, sent.nonce));
  if (!sent.committed.has_value()) {
    s.Emit(json{{"hash", Hex0x(sent.hash)},
                {"status", "pending"},
                {"contract", expected}},
           Fields()
               .Add("tx", Hex0x(sent.hash) + " (pending)")
               .Add("contract", expected)
               .Render());
    return absl::OkStatus();
  }
  const api::TransactionView& committed = *sent.committed;
  const api::ReceiptView& receipt = committed.receipt();
  const std::string contract = Hex0x(receipt.contract_address());
  json doc = OutcomeDoc(committed);
  doc["contract"] = Succeeded(receipt) ? json(contract) : json(nullptr);
  Fields f;
  if (Succeeded(receipt)) f.Add("contract", contract);
  f.Add("tx", Hex0x(committed.hash()));
  f.Add("block", BlockPosition(committed));
  AddReceiptFields(f, receipt);
  s.Emit(doc, f.Render() +
                  EventLines(receipt.events(), receipt.contract_address(), 2));
  if (!Succeeded(receipt)) return FailedReceipt(committed);
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
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::ContractInterface iface,
                   FetchInterface(*node, contract));
  auto input = iface.EncodeRequest(a.method, a.args_json);
  if (!input.ok()) {
    // An unknown method is the caller's mistake, as in a query (400).
    return absl::InvalidArgumentError(
        StrCat("contract ", Hex0x(contract), ": ", input.status().message()));
  }

  ledger::Transaction tx;
  tx.mutable_call()->set_contract(contract);
  tx.mutable_call()->set_method(a.method);
  tx.mutable_call()->set_input(*std::move(input));
  ASSIGN_OR_RETURN(Sent sent, SendTx(s, key, std::move(tx), a.tx));
  if (!sent.committed.has_value()) {
    s.Emit(json{{"hash", Hex0x(sent.hash)}, {"status", "pending"}},
           Fields().Add("tx", Hex0x(sent.hash) + " (pending)").Render());
    return absl::OkStatus();
  }
  api::TransactionView& committed = *sent.committed;
  api::ReceiptView& receipt = *committed.mutable_receipt();
  // The node decodes the result when it knows the interface; if it did not,
  // decode here.
  if (Succeeded(receipt) && !receipt.has_result()) {
    auto decoded = iface.DecodeResponse(a.method, receipt.output());
    if (decoded.ok()) {
      if (auto v = api::JsonValue(*decoded); v.ok()) {
        *receipt.mutable_result() = *std::move(v);
      }
    }
  }
  Fields f;
  f.Add("tx", Hex0x(committed.hash()));
  f.Add("block", BlockPosition(committed));
  AddReceiptFields(f, receipt);
  s.Emit(OutcomeDoc(committed),
         f.Render() + EventLines(receipt.events(), contract, 2));
  if (!Succeeded(receipt)) return FailedReceipt(committed);
  return absl::OkStatus();
}

absl::Status Query(Session& s, const std::string& contract_text,
                   const std::string& method, const std::string& args_json,
                   std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(std::string contract, ParseAddress(contract_text));
  if (auto parsed = api::ParseJson(args_json.empty() ? "{}" : args_json);
      !parsed.ok()) {
    return Annotate(parsed.status(), "args");
  }
  api::QueryRequest request;
  request.set_contract(contract);
  request.set_method(method);
  if (height.has_value()) request.set_height(*height);
  auto args = api::JsonValue(args_json.empty() ? "{}" : args_json);
  if (!args.ok()) return Annotate(args.status(), "args");
  *request.mutable_args() = *std::move(args);
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::QueryResponse response, node->Query(request));
  s.Emit(Doc(response),
         Fields()
             .Add("result", response.has_result() ? Readable(response.result())
                                                  : Hex0x(response.output()))
             .AddIfSet("decode error", response.decode_error())
             .Add("gas used", StrCat(response.gas_used()))
             .Add("at", StrCat("block ", response.height(), ", time ",
                               response.time_ms(), " ms"))
             .Render());
  return absl::OkStatus();
}

// ---- reading the chain ----

absl::Status ShowTx(Session& s, const std::string& hash_text) {
  ASSIGN_OR_RETURN(std::string hash, ParseHash(hash_text));
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::TransactionView view, node->Transaction(hash));
  const api::TransactionBody& tx = view.tx();
  Fields f;
  f.Add("hash", Hex0x(view.hash()));
  f.Add("status", view.status());
  f.AddIfSet("block", BlockPosition(view));
  if (view.has_block_hash()) f.Add("block hash", Hex0x(view.block_hash()));
  f.Add("from", Hex0x(view.sender()));
  f.Add("nonce", StrCat(tx.nonce()));
  f.Add("gas limit", StrCat(tx.gas_limit()));
  std::string contract;
  if (tx.has_call()) {
    contract = tx.call().contract();
    f.Add("call", StrCat(Hex0x(contract), " ", tx.call().method()));
    f.Add("args", tx.call().has_args() ? Readable(tx.call().args())
                                       : Hex0x(tx.call().input()));
  } else if (tx.has_deploy()) {
    f.Add("deploy",
          StrCat(tx.deploy().code_size(), " bytes of wasm, code hash ",
                 Hex0x(tx.deploy().code_hash())));
    if (tx.deploy().has_init_args()) {
      f.Add("init args", Readable(tx.deploy().init_args()));
    }
  }
  std::string events;
  if (view.has_receipt()) {
    const api::ReceiptView& receipt = view.receipt();
    if (!receipt.contract_address().empty()) {
      f.Add("contract", Hex0x(receipt.contract_address()));
      contract = receipt.contract_address();
    }
    f.Add("receipt", "");
    Fields r;
    AddReceiptFields(r, receipt);
    events = r.Render(2) + EventLines(receipt.events(), contract, 4);
  }
  // "receipt" is a heading: its fields follow, indented.
  s.Emit(Doc(view), f.Render() + events);
  return absl::OkStatus();
}

absl::Status ShowBlock(Session& s, const std::string& which) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  absl::StatusOr<api::BlockView> block;
  if (which.empty() || which == "latest") {
    block = node->LatestBlock();
  } else if (which.size() > 20 || which.starts_with("0x")) {
    ASSIGN_OR_RETURN(std::string hash, ParseHash(which));
    block = node->BlockByHash(hash);
  } else if (std::all_of(which.begin(), which.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    block = node->BlockAt(std::stoull(which));
  } else {
    return absl::InvalidArgumentError(StrCat(
        "'", which, "' is not a block (a height, latest, or a 0x block hash)"));
  }
  RETURN_IF_ERROR(block.status());
  const ledger::BlockHeader& header = block->header();
  Fields f;
  f.Add("height", StrCat(header.height()));
  f.Add("hash", Hex0x(block->hash()));
  f.Add("parent", Hex0x(header.parent_hash()));
  f.Add("time", FormatTimeMs(StrCat(header.time_ms())));
  f.Add("chain id", header.chain_id());
  f.Add("producer", Hex0x(header.producer_pubkey()));
  f.Add("tx root", Hex0x(header.tx_root()));
  f.Add("state root", Hex0x(header.state_root()));
  f.Add("txs", StrCat(block->txs_size()));
  std::string text = f.Render();
  for (const std::string& h : block->txs()) text += "  " + Hex0x(h) + "\n";
  s.Emit(Doc(*block), text);
  return absl::OkStatus();
}

absl::Status Events(Session& s, const EventsArgs& a) {
  api::EventsRequest request;
  if (!a.contract.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_contract(), ParseAddress(a.contract));
  }
  if (!a.name.empty()) {
    for (char c : a.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' &&
          c != '.') {
        return absl::InvalidArgumentError(
            StrCat("--name: '", a.name, "' is not an event name"));
      }
    }
    request.set_name(a.name);
  }
  if (a.from_block) request.set_from_block(*a.from_block);
  if (a.to_block) request.set_to_block(*a.to_block);
  if (a.limit) {
    if (*a.limit == 0 || *a.limit > UINT32_MAX) {
      return absl::InvalidArgumentError(
          StrCat("--limit: ", *a.limit, " is out of range"));
    }
    request.set_limit(static_cast<uint32_t>(*a.limit));
  }
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::EventsResponse response, node->Events(request));
  std::string text;
  if (response.events().empty()) {
    text = "no events\n";
  } else {
    const bool any_contract = request.contract().empty();
    std::vector<std::string> header = {"BLOCK", "TX", "#"};
    if (any_contract) header.push_back("CONTRACT");
    header.insert(header.end(), {"EVENT", "ARGS"});
    Table table(header);
    for (const api::EventView& e : response.events()) {
      std::vector<std::string> row = {StrCat(e.block_height()),
                                      StrCat(e.tx_index()),
                                      StrCat(e.event_index())};
      if (any_contract) row.push_back(Hex0x(e.contract()));
      row.push_back(e.name());
      row.push_back(e.has_args() ? api::JsonText(e.args())
                                 : "data " + Hex0x(e.data()));
      table.AddRow(std::move(row));
    }
    text = table.Render();
  }
  s.Emit(Doc(response), text);
  return absl::OkStatus();
}

absl::Status Status(Session& s) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  json doc = Doc(info);
  doc["node"] = node->url();
  const api::Limits& limits = info.limits();
  Fields f;
  f.Add("node", node->url());
  f.Add("chain id", info.chain_id());
  f.AddIfSet("version", info.version());
  f.Add("height", StrCat(info.height()));
  if (!info.head_hash().empty()) f.Add("head hash", Hex0x(info.head_hash()));
  f.Add("healthy", info.healthy() ? "true" : "false");
  f.Add("blocks", info.block_time_ms() == 0
                      ? "automine"
                      : StrCat("every ", info.block_time_ms(), " ms"));
  f.Add("mempool",
        StrCat(info.mempool_size(), " of ", limits.mempool_capacity()));
  f.Add("producer", Hex0x(info.producer_address()));
  f.Add("producer key", Hex0x(info.producer_pubkey()));
  f.Add("block gas limit", StrCat(limits.block_gas_limit()));
  f.Add("max tx bytes", StrCat(limits.max_tx_bytes()));
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
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::AccountView account, node->Account(address));
  s.Emit(Doc(account),
         Fields()
             .Add("address", Hex0x(address))
             .Add("nonce", StrCat(account.nonce()))
             .Add("pending nonce", StrCat(account.pending_nonce()))
             .Render());
  return absl::OkStatus();
}

absl::Status Contract(Session& s, const std::string& address_text) {
  ASSIGN_OR_RETURN(std::string address, ParseAddress(address_text));
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::ContractView contract, node->Contract(address));
  auto join = [](const google::protobuf::RepeatedPtrField<std::string>& list) {
    std::string out;
    for (const std::string& item : list)
      out += (out.empty() ? "" : ", ") + item;
    return out;
  };
  s.Emit(Doc(contract),
         Fields()
             .Add("address", Hex0x(contract.address()))
             .Add("code hash", Hex0x(contract.code_hash()))
             .Add("executable", StrCat(Hex0x(contract.executable_hash()),
                                       " (instrumenter version ",
                                       contract.instrumenter_version(), ")"))
             .Add("creator", Hex0x(contract.creator()))
             .Add("created at", StrCat(contract.created_height()))
             .Add("methods", join(contract.methods()))
             .Add("events", join(contract.events()))
             .Render());
  return absl::OkStatus();
}

// ---- proofs ----

namespace {

// "account 0x.." or "contract 0x.. key 0x..".
std::string EntryName(std::string_view account, std::string_view contract,
                      std::string_view key) {
  if (!account.empty()) return StrCat("account ", Hex0x(account));
  return StrCat("contract ", Hex0x(contract), " key ", Hex0x(key));
}

// A value for people: an account's nonce, else the bytes; or "absent".
std::string ValueText(std::string_view account,
                      const std::optional<std::string>& value) {
  if (!value.has_value()) return "absent";
  if (!account.empty()) {
    ledger::Account record;
    if (record.ParseFromString(*value)) {
      return StrCat("nonce ", record.nonce(), " (value ", Hex0x(*value), ")");
    }
  }
  return Hex0x(*value);
}

absl::Status EmitProof(Session& s, const api::ProofRequest& request) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::ProofResponse doc, node->Proof(request));
  ASSIGN_OR_RETURN(json j, api::ProofDocumentJson(doc));
  Fields f;
  f.Add("chain", doc.chain_id())
      .Add("height", StrCat(doc.height()))
      .Add("block hash", Hex0x(doc.block_hash()))
      .Add("state root", Hex0x(doc.header().state_root()))
      .Add("signatures", StrCat(doc.signatures_size()));
  std::string text = f.Render();
  for (const api::ProofEntry& e : doc.entries()) {
    std::optional<std::string> value;
    if (e.has_value()) value = e.value();
    text += StrCat(EntryName(e.account(), e.contract(), e.key()), ": ",
                   ValueText(e.account(), value), " (proof ", e.proof().size(),
                   " bytes)\n");
  }
  text +=
      "Not verified here: save it with --json and check it offline with "
      "'ballast proof verify FILE --producer PUBKEY'.\n";
  s.Emit(j, text);
  return absl::OkStatus();
}

}  // namespace

absl::Status ProveAccount(Session& s, const std::string& who,
                          std::optional<uint64_t> height) {
  api::ProofRequest request;
  if (auto raw = ParseAddress(who); raw.ok()) {
    request.set_account(*raw);
  } else if (ValidateKeyName(who).ok()) {
    ASSIGN_OR_RETURN(StoredKey key, s.Keys().Load(who));
    request.set_account(key.address);
  } else {
    return raw.status();
  }
  if (height.has_value()) request.set_height(*height);
  return EmitProof(s, request);
}

absl::Status ProveStorage(Session& s, const std::string& contract,
                          const std::vector<std::string>& keys,
                          std::optional<uint64_t> height) {
  api::ProofRequest request;
  ASSIGN_OR_RETURN(*request.mutable_contract(), ParseAddress(contract));
  for (const std::string& k : keys) {
    auto raw = FromHex(k);
    if (!raw.ok()) {
      return absl::InvalidArgumentError(
          StrCat("key '", std::string_view(k).substr(0, 80),
                 "' is not hex (a raw storage key, 0x optional)"));
    }
    request.add_keys(*std::move(raw));
  }
  if (height.has_value()) request.set_height(*height);
  return EmitProof(s, request);
}

absl::Status VerifyProof(Session& s, const VerifyProofArgs& args) {
  api::ProofTrust trust;
  for (const std::string& p : args.producers) {
    auto raw = FromHex(p);
    if (!raw.ok() || raw->size() != kPublicKeySize) {
      return absl::InvalidArgumentError(
          StrCat("--producer '", std::string_view(p).substr(0, 80),
                 "' is not an ed25519 public key (64 hex digits)"));
    }
    trust.producers.push_back(*std::move(raw));
  }
  trust.threshold = args.threshold;
  trust.chain_id = args.chain_id;
  // Refuse before reading anything: without a trusted key nothing is proved.
  if (trust.producers.empty()) {
    return absl::InvalidArgumentError(
        "give at least one trusted --producer key: a header is signed by "
        "keys it names itself, so without a trusted key it proves nothing");
  }
  ReadFileOptions read;
  read.max_bytes = api::kMaxProofDocumentBytes;
  absl::StatusOr<std::string> text = ReadFile(args.file, read);
  if (absl::IsResourceExhausted(text.status())) {
    return api::TooLarge(StrCat(args.file, " is larger than ",
                                api::kMaxProofDocumentBytes,
                                " bytes, the limit of a proof document"));
  }
  if (!text.ok()) return text.status();
  ASSIGN_OR_RETURN(api::ProofResponse doc, api::ParseProofDocument(*text));
  absl::StatusOr<api::ProvedDocument> proved =
      api::VerifyProofDocument(doc, trust);
  if (!proved.ok()) {
    return absl::InvalidArgumentError(
        StrCat("NOT VERIFIED: ", proved.status().message()));
  }
  json entries = json::array();
  std::string lines;
  for (const api::ProvedEntry& e : proved->entries) {
    json entry;
    if (!e.bridge_key.empty()) {
      entry["bridge_key"] = Hex0x(e.bridge_key);
    } else if (!e.account.empty()) {
      entry["account"] = Hex0x(e.account);
    } else {
      entry["contract"] = Hex0x(e.contract);
      entry["key"] = Hex0x(e.key);
    }
    entry["value"] = e.value.has_value() ? json(Hex0x(*e.value)) : json();
    entries.push_back(std::move(entry));
    lines += StrCat("  ",
                    e.bridge_key.empty()
                        ? EntryName(e.account, e.contract, e.key)
                        : StrCat("bridge record ", Hex0x(e.bridge_key)),
                    ": ", ValueText(e.account, e.value), "\n");
  }
  json signed_by = json::array();
  for (const std::string& k : proved->signed_by) signed_by.push_back(Hex0x(k));
  json doc_out = {{"verified", true},
                  {"chain_id", proved->chain_id},
                  {"height", StrCat(proved->height)},
                  {"block_hash", Hex0x(proved->block_hash)},
                  {"state_root", Hex0x(proved->state_root)},
                  {"signed_by", signed_by},
                  {"entries", entries}};
  s.Emit(doc_out,
         StrCat("verified: chain ", proved->chain_id, ", height ",
                proved->height, ", block ", Hex0x(proved->block_hash),
                ", signed by ", proved->signed_by.size(), " trusted key",
                proved->signed_by.size() == 1 ? "" : "s", " (threshold ",
                args.threshold, ")\n", lines));
  return absl::OkStatus();
}

}  // namespace ballast::cli
