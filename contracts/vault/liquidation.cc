// TRANSIENT (branch i9-vault only, never merged to main as is): the liquidation
// methods, written in their own commit.

#include "ballast/contract.h"
#include "vault/vault.ballast.h"

namespace ballast::vault {

LiquidateResponse Vault::liquidate(const LiquidateRequest&) {
  Abort("liquidate: not written yet");
}
AuctionPaidResponse Vault::auction_paid(const AuctionPaidRequest&) {
  Abort("auction_paid: not written yet");
}
AuctionClosedResponse Vault::auction_closed(const AuctionClosedRequest&) {
  Abort("auction_closed: not written yet");
}
PayKeeperResponse Vault::pay_keeper(const PayKeeperRequest&) {
  Abort("pay_keeper: not written yet");
}

}  // namespace ballast::vault
