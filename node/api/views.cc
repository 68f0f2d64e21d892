#include "node/api/views.h"

#include <google/protobuf/util/json_util.h>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

// Sets *value from decoded JSON text, or *error to why it could not.
void SetDecoded(const absl::StatusOr<std::string>& decoded,
                google::protobuf::Value* value, std::string* error) {
  absl::StatusOr<google::protobuf::Value> v =
      decoded.ok() ? JsonValue(*decoded) : decoded.status();
  if (v.ok()) {
    *value = *std::move(v);
  } else {
    *error = std::string(v.status().message());
  }
}

}  // namespace

absl::StatusOr<google::protobuf::Value> JsonValue(std::string_view json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        StrCat("not JSON: ", status.message().ToString()));
  }
  return value;
}

std::string JsonText(const google::protobuf::Value& value) {
  // Through ProtoToJson: object keys in sorted order (a Struct's own order
  // is a hash map's), so the same value always prints the same.
  auto j = ProtoToJson(value);
  return j.ok() ? DumpJson(*j) : "null";
}

TransactionView TransactionViewOf(const ledger::SignedTransaction& stx,
                                  const ContractInterface* iface) {
  TransactionView view;
  view.set_hash(ledger::TxHash(stx));
  view.set_signature(stx.signature());
  view.set_status("pending");
  ledger::Transaction tx;
  if (!tx.ParseFromString(stx.tx())) {
    view.set_decode_error("transaction bytes do not parse");
    return view;
  }
  view.set_sender(AddressFromPublicKey(tx.sender_pubkey()));
  TransactionBody* body = view.mutable_tx();
  body->set_chain_id(tx.chain_id());
  body->set_sender_pubkey(tx.sender_pubkey());
  body->set_nonce(tx.nonce());
  body->set_gas_limit(tx.gas_limit());
  if (tx.has_call()) {
    CallView* call = body->mutable_call();
    call->set_contract(tx.call().contract());
    call->set_method(tx.call().method());
    call->set_input(tx.call().input());
    if (iface != nullptr) {
      std::string error;
      SetDecoded(iface->DecodeRequest(tx.call().method(), tx.call().input()),
                 call->mutable_args(), &error);
      if (!error.empty()) call->set_decode_error(error);
    }
  } else if (tx.has_deploy()) {
    const ledger::Deploy& d = tx.deploy();
    DeployView* deploy = body->mutable_deploy();
    deploy->set_code_hash(Sha256(d.code()));
    deploy->set_code_size(static_cast<uint32_t>(d.code().size()));
    deploy->set_interface_size(static_cast<uint32_t>(d.interface().size()));
    deploy->set_init_input(d.init_input());
    if (!d.interface().empty()) {
      auto own = ContractInterface::FromDescriptorSet(d.interface());
      if (own.ok() && own->HasMethod("init")) {
        std::string error;
        SetDecoded(own->DecodeRequest("init", d.init_input()),
                   deploy->mutable_init_args(), &error);
        if (!error.empty()) deploy->set_decode_error(error);
      }
    }
  }
  return view;
}

EventView EventViewOf(const ledger::Event& event,
                      const ContractInterface* iface) {
  EventView view;
  view.set_contract(event.contract());
  view.set_name(event.name());
  view.set_data(event.data());
  view.set_block_height(event.block_height());
  view.set_tx_index(event.tx_index());
  view.set_event_index(event.event_index());
  if (iface != nullptr) {
    std::string error;
    SetDecoded(iface->DecodeEvent(event.name(), event.data()),
               view.mutable_args(), &error);
    if (!error.empty()) view.set_decode_error(error);
  }
  return view;
}

absl::StatusOr<ReceiptView> ReceiptViewOf(const ledger::Receipt& receipt,
                                          const InterfaceLookup* lookup,
                                          std::string_view contract,
                                          std::string_view method) {
  ReceiptView view;
  view.set_tx_hash(receipt.tx_hash());
  view.set_block_height(receipt.block_height());
  view.set_tx_index(receipt.tx_index());
  view.set_status(receipt.status());
  view.set_error(receipt.error());
  view.set_gas_used(receipt.gas_used());
  view.set_output(receipt.output());
  view.set_contract_address(receipt.contract_address());
  for (const ledger::Event& e : receipt.events()) {
    std::optional<ContractInterface> iface;
    if (lookup != nullptr) {
      ASSIGN_OR_RETURN(iface, (*lookup)(e.contract()));
    }
    *view.add_events() = EventViewOf(e, iface ? &*iface : nullptr);
  }
  if (lookup != nullptr && !contract.empty() && !method.empty() &&
      receipt.status() == ledger::RECEIPT_STATUS_SUCCESS) {
    ASSIGN_OR_RETURN(std::optional<ContractInterface> iface,
                     (*lookup)(contract));
    if (iface.has_value()) {
      std::string error;
      SetDecoded(iface->DecodeResponse(method, receipt.output()),
                 view.mutable_result(), &error);
      if (!error.empty()) view.set_decode_error(error);
    }
  }
  return view;
}

BlockView BlockViewOf(const ledger::Block& block) {
  BlockView view;
  view.set_hash(ledger::BlockHash(block.header()));
  *view.mutable_header() = block.header();
  *view.mutable_signatures() = block.signatures();
  for (const ledger::SignedTransaction& stx : block.txs()) {
    view.add_txs(ledger::TxHash(stx));
  }
  return view;
}

}  // namespace ballast::api
