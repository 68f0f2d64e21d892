// Light clients of other chains (ICS-02 semantics), the base of every proof
// the bridge accepts. A client of chain X, kept on this chain:
//   - is created with X's chain id, a set of trusted producer keys and a
//     threshold k, and one header of X that k of them signed; its creator
//     becomes its admin, the only one who may change the keys;
//   - is updated by anyone with a newer header of X signed by k distinct
//     trusted keys (ledger/header_check.h, refusing any other key and any
//     repeat: the keys come from the client, never from the message);
//   - keeps X's state root, time and block hash by height; a zero root is
//     refused, so no default root is ever usable for a proof;
//   - freezes on evidence: two different valid headers of one height,
//     submitted by anyone (Misbehaviour) or found by an update. A frozen
//     client proves nothing.
//
// Work is charged before it is done: every signature a message carries is
// charged (kGasPerSignature) before the first is verified, and a header may
// carry at most kMaxHeaderSignatures. Every check runs before the first
// write, so a refused message changes nothing.
//
// Not thread-safe (as its store).

#ifndef BALLAST_BRIDGE_CORE_LIGHT_CLIENT_H_
#define BALLAST_BRIDGE_CORE_LIGHT_CLIENT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "bridge/core/gas.h"
#include "bridge/core/store.h"

namespace ballast::bridge {

class LightClients {
 public:
  // `store` and `charge` must outlive this object.
  LightClients(BridgeStore* store, ChargeFn charge);

  // Returns the new client's id ("client-N"). `sender` (20 bytes) becomes
  // its admin.
  absl::StatusOr<std::string> Create(const CreateClient& msg,
                                     std::string_view sender);
  // Stores a newer header's root. A header of a height the client already
  // holds is a no-op if it is the same block and freezes the client if it is
  // another (the two are misbehaviour evidence); an older height is refused.
  absl::Status Update(const UpdateClient& msg);
  absl::Status SubmitMisbehaviour(const Misbehaviour& msg);
  absl::Status SetKeys(const SetTrustedKeys& msg, std::string_view sender);

  absl::StatusOr<ClientState> Client(std::string_view client) const;
  // The consensus state `client` holds for `height`, for checking a proof:
  // FailedPrecondition if the client is frozen, NotFound if it holds no
  // such height.
  absl::StatusOr<ConsensusState> Consensus(std::string_view client,
                                           uint64_t height) const;

 private:
  // Checks `h` against the client's chain id and keys (charging its
  // signatures first) and returns its block hash.
  absl::StatusOr<std::string> CheckHeader(const ClientState& c,
                                          const SignedHeader& h);
  void Write(std::string_view client, const ClientState& state);

  BridgeStore* store_;
  ChargeFn charge_;
};

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_LIGHT_CLIENT_H_
