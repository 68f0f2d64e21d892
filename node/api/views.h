// Chain objects as the API shows them (node/api/api.proto): the typed views
// of a transaction, a receipt, an event and a block, built from the ledger's
// records. Where a contract interface is given, contract bytes are decoded
// too: a call's input as `args`, a deploy's init input as `init_args`, a
// receipt's output as `result`, an event's data as `args`. A value that does
// not decode keeps its hex and gets a `decode_error`; it never fails the
// whole view.
//
// Thread-safe: the functions are pure.

#ifndef BALLAST_NODE_API_VIEWS_H_
#define BALLAST_NODE_API_VIEWS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ballast.pb.h"
#include "node/api/api.pb.h"
#include "node/api/contract_interface.h"

namespace ballast::api {

// The interface of the contract at a 20-byte address; nullopt if there is
// no contract or it has none. An error if it could not be looked up.
using InterfaceLookup =
    std::function<absl::StatusOr<std::optional<ContractInterface>>(
        std::string_view address)>;

// `iface` (may be null) is the called contract's interface; a deploy uses
// the interface inside the transaction. The status is "pending"; callers
// fill in the position and receipt of a committed one.
TransactionView TransactionViewOf(const ledger::SignedTransaction& stx,
                                  const ContractInterface* iface = nullptr);

// With `lookup`, every event is decoded with its contract's interface, and
// a successful receipt's output as the response of `method` of `contract`
// (for a deploy: the new contract and "init"). A failed lookup is an error.
absl::StatusOr<ReceiptView> ReceiptViewOf(const ledger::Receipt& receipt,
                                          const InterfaceLookup* lookup,
                                          std::string_view contract = {},
                                          std::string_view method = {});

EventView EventViewOf(const ledger::Event& event,
                      const ContractInterface* iface = nullptr);

BlockView BlockViewOf(const ledger::Block& block);

// JSON text (from ContractInterface::Decode*) as a google.protobuf.Value.
absl::StatusOr<google::protobuf::Value> JsonValue(std::string_view json);
// A google.protobuf.Value as compact JSON text, object keys sorted.
std::string JsonText(const google::protobuf::Value& value);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_VIEWS_H_
