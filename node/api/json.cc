#include "node/api/json.h"

#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "ledger/crypto.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

using nlohmann::json;

// ProtoToJson cannot fail for the ledger's own messages unless a string
// field holds invalid UTF-8; then the object says so instead of throwing.
json Render(const google::protobuf::Message& msg) {
  auto j = ProtoToJson(msg);
  if (j.ok()) return *std::move(j);
  return json{{"render_error", std::string(j.status().message())}};
}

// Adds `key` (decoded JSON) or "decode_error" to `out`.
void AddDecoded(json& out, const char* key,
                const absl::StatusOr<std::string>& decoded) {
  if (decoded.ok()) {
    auto parsed = ParseJson(*decoded);
    if (parsed.ok()) {
      out[key] = *std::move(parsed);
      return;
    }
    out["decode_error"] = std::string(parsed.status().message());
    return;
  }
  out["decode_error"] = std::string(decoded.status().message());
}

}  // namespace

json TransactionJson(const ledger::SignedTransaction& stx,
                     const ContractInterface* iface) {
  json out;
  out["hash"] = HexBytes(ledger::TxHash(stx));
  out["signature"] = HexBytes(stx.signature());
  ledger::Transaction tx;
  if (!tx.ParseFromString(stx.tx())) {
    out["tx"] = nullptr;
    out["decode_error"] = "transaction bytes do not parse";
    return out;
  }
  out["sender"] = HexBytes(AddressFromPublicKey(tx.sender_pubkey()));
  ledger::Transaction head = tx;
  head.clear_kind();
  json t = Render(head);
  if (tx.has_call()) {
    json call = Render(tx.call());
    if (iface != nullptr) {
      AddDecoded(call, "args",
                 iface->DecodeRequest(tx.call().method(), tx.call().input()));
    }
    t["call"] = std::move(call);
  } else if (tx.has_deploy()) {
    const ledger::Deploy& d = tx.deploy();
    json deploy;
    deploy["code_hash"] = HexBytes(Sha256(d.code()));
    deploy["code_size"] = d.code().size();
    deploy["interface_size"] = d.interface().size();
    deploy["init_input"] = HexBytes(d.init_input());
    if (!d.interface().empty()) {
      auto own = ContractInterface::FromDescriptorSet(d.interface());
      if (own.ok() && own->HasMethod("init")) {
        AddDecoded(deploy, "init_args",
                   own->DecodeRequest("init", d.init_input()));
      }
    }
    t["deploy"] = std::move(deploy);
  }
  out["tx"] = std::move(t);
  return out;
}

json EventJson(const ledger::Event& event, const ContractInterface* iface) {
  json out = Render(event);
  if (iface != nullptr) {
    AddDecoded(out, "args", iface->DecodeEvent(event.name(), event.data()));
  }
  return out;
}

json ReceiptJson(const ledger::Receipt& receipt, const InterfaceLookup* lookup,
                 std::string_view contract, std::string_view method) {
  ledger::Receipt head = receipt;
  head.clear_events();
  json out = Render(head);
  json events = json::array();
  for (const ledger::Event& e : receipt.events()) {
    std::optional<ContractInterface> iface;
    if (lookup != nullptr) iface = (*lookup)(e.contract());
    events.push_back(EventJson(e, iface ? &*iface : nullptr));
  }
  out["events"] = std::move(events);
  if (lookup != nullptr && !contract.empty() && !method.empty() &&
      receipt.status() == ledger::RECEIPT_STATUS_SUCCESS) {
    std::optional<ContractInterface> iface = (*lookup)(contract);
    if (iface.has_value()) {
      AddDecoded(out, "result",
                 iface->DecodeResponse(method, receipt.output()));
    }
  }
  return out;
}

json BlockJson(const ledger::Block& block) {
  json out;
  out["hash"] = HexBytes(ledger::BlockHash(block.header()));
  out["header"] = Render(block.header());
  out["signature"] = HexBytes(block.signature());
  json txs = json::array();
  for (const ledger::SignedTransaction& stx : block.txs()) {
    txs.push_back(HexBytes(ledger::TxHash(stx)));
  }
  out["txs"] = std::move(txs);
  return out;
}

json SubmitBody(const ledger::SignedTransaction& stx) {
  return json{{"tx", HexBytes(stx.tx())},
              {"signature", HexBytes(stx.signature())}};
}

absl::StatusOr<ledger::SignedTransaction> ParseSubmitBody(const json& body) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError(
        "body must be a JSON object {\"tx\": \"0x..\", \"signature\": "
        "\"0x..\"}");
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "tx" && key != "signature") {
      return absl::InvalidArgumentError("unknown field '" + key +
                                        "' (expected tx, signature)");
    }
  }
  ledger::SignedTransaction stx;
  for (const char* field : {"tx", "signature"}) {
    auto it = body.find(field);
    if (it == body.end() || !it->is_string()) {
      return absl::InvalidArgumentError(std::string("field '") + field +
                                        "' must be a 0x-prefixed hex string");
    }
    auto raw = ParseHexBytes(it->get_ref<const std::string&>(),
                             std::string("field '") + field + "'");
    if (!raw.ok()) return raw.status();
    if (std::string_view(field) == "tx") {
      stx.set_tx(*std::move(raw));
    } else {
      stx.set_signature(*std::move(raw));
    }
  }
  return stx;
}

}  // namespace ballast::api
