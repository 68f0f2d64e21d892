#include "bridge/core/proof_check.h"

#include "bridge/core/keys.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/state_proof.h"

namespace ballast::bridge {

absl::Status VerifyCounterparty(const LightClients& clients,
                                std::string_view client, uint64_t height,
                                std::string_view raw_key,
                                std::optional<std::string_view> value,
                                std::string_view proof,
                                const ChargeFn& charge) {
  if (proof.size() > kMaxProofBytes) {
    return absl::InvalidArgumentError(StrCat("a proof of ", proof.size(),
                                             " bytes exceeds the limit of ",
                                             kMaxProofBytes));
  }
  RETURN_IF_ERROR(charge(kGasPerProofByte * proof.size(), "the proof's bytes"));
  ASSIGN_OR_RETURN(ConsensusState cs, clients.Consensus(client, height));
  ASSIGN_OR_RETURN(ledger::StateProof parsed, ledger::ParseStateProof(proof));
  RETURN_IF_ERROR(
      charge(kGasPerProofNode * (parsed.siblings.size() + 1), "proof nodes"));
  return Annotate(
      ledger::VerifyStateProof(cs.state_root(), TreeKey(raw_key), value,
                               parsed),
      StrCat("proof against client ", client, " at height ", height));
}

}  // namespace ballast::bridge
