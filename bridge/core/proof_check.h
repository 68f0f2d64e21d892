// The one way the bridge believes anything about another chain: a state
// proof of a record of that chain's bridge table, against the state root
// this chain's light client holds for one of its heights.
//
// Thread-safe: a pure function over its arguments (reads the client).

#ifndef BALLAST_BRIDGE_CORE_PROOF_CHECK_H_
#define BALLAST_BRIDGE_CORE_PROOF_CHECK_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "bridge/core/gas.h"
#include "bridge/core/light_client.h"

namespace ballast::bridge {

// OK only if the other chain's bridge table, at `height` as client `client`
// holds it, had `value` at `raw_key` (or, with nullopt, nothing there).
// Charges the proof's bytes before parsing it and its nodes before hashing
// them. InvalidArgument if the proof does not establish the claim;
// NotFound if the client holds no such height; FailedPrecondition if the
// client is frozen.
absl::Status VerifyCounterparty(const LightClients& clients,
                                std::string_view client, uint64_t height,
                                std::string_view raw_key,
                                std::optional<std::string_view> value,
                                std::string_view proof, const ChargeFn& charge);

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_PROOF_CHECK_H_
