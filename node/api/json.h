// Chain objects as JSON, the way the node's API serves them and the CLI
// prints them (docs/api.md is the reference). Built on node/proto_json.h:
// .proto field names, bytes as "0x" hex, 64-bit integers as strings.
//
// Where a contract interface is given, contract bytes are also decoded:
// a call's input as "args", a receipt's output as "result", an event's data
// as "args". A value that does not decode is left as hex only and the reason
// is put in "decode_error"; it never fails the whole object.
//
// Thread-safe: the functions are pure.

#ifndef BALLAST_NODE_API_JSON_H_
#define BALLAST_NODE_API_JSON_H_

#include <functional>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ballast.pb.h"
#include "nlohmann/json.hpp"
#include "node/api/contract_interface.h"

namespace ballast::api {

// {"hash", "sender", "signature", "tx": {chain_id, sender_pubkey, nonce,
// gas_limit, and "call": {contract, method, input[, args]} or "deploy":
// {code_hash, code_size, interface_size, init_input[, init_args]}}}.
// `iface` (may be null) is the called contract's interface; for a deploy the
// interface inside the transaction is used.
nlohmann::json TransactionJson(const ledger::SignedTransaction& stx,
                               const ContractInterface* iface = nullptr);

// Finds the interface of the contract at a 20-byte address; nullopt if
// unknown (or the contract has none).
using InterfaceLookup =
    std::function<std::optional<ContractInterface>(std::string_view address)>;

// The Receipt fields, with "status" as the enum name and events as
// EventJson. With `lookup`, each event is decoded with its contract's
// interface, and the output as "result" of `method` of `contract` (the
// called contract; for a deploy, the new contract and "init").
nlohmann::json ReceiptJson(const ledger::Receipt& receipt,
                           const InterfaceLookup* lookup = nullptr,
                           std::string_view contract = {},
                           std::string_view method = {});

// {"contract", "name", "data", "block_height", "tx_index", "event_index"[,
// "args"]}.
nlohmann::json EventJson(const ledger::Event& event,
                         const ContractInterface* iface = nullptr);

// {"hash", "header": {...}, "signature", "txs": ["0x<tx hash>", ...]}.
nlohmann::json BlockJson(const ledger::Block& block);

// The body of POST /v1/tx: {"tx": "0x<Transaction bytes>", "signature":
// "0x<64 bytes>"}.
nlohmann::json SubmitBody(const ledger::SignedTransaction& stx);
// Parses that body; InvalidArgument naming the bad field.
absl::StatusOr<ledger::SignedTransaction> ParseSubmitBody(
    const nlohmann::json& body);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_JSON_H_
