// TRANSIENT (branch i9-vault only, never merged to main as is): the redemption
// methods, written in their own commit.

#include "ballast/contract.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {

RedeemResponse Vault::redeem(const RedeemRequest&) {
  Abort("redeem: not written yet");
}

}  // namespace ballast::vault
