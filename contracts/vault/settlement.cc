// TRANSIENT (branch i9-vault only, never merged to main as is): the settlement
// methods, written in their own commit.

#include "ballast/contract.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {

ShutdownResponse Vault::shutdown(const ShutdownRequest&) {
  Abort("shutdown: not written yet");
}
SkimResponse Vault::skim(const SkimRequest&) { Abort("skim: not written yet"); }
FreeResponse Vault::free(const FreeRequest&) { Abort("free: not written yet"); }
ThawResponse Vault::thaw(const ThawRequest&) { Abort("thaw: not written yet"); }
CashResponse Vault::cash(const CashRequest&) { Abort("cash: not written yet"); }

}  // namespace ballast::vault
