#!/usr/bin/env bash
# Redeem stable for collateral at the oracle price, less the redemption fee:
#   tools/scripts/redeem.sh KEY TYPE AMOUNT [MAX_FEE]
# AMOUNT is stable base units (10^6 per BUSD); MAX_FEE a fraction (default
# 0.01): the engine refuses if its fee is higher. Prints what was redeemed
# and the collateral received, and the balances after.
set -euo pipefail
ballast=${BALLAST:-ballast}
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 KEY TYPE AMOUNT [MAX_FEE]" >&2
  exit 2
fi
key=$1 type=$2 amount=$3 max_fee=${4:-0.01}

"$ballast" --json redeem "$type" "$amount" --max-fee "$max_fee" --from "$key" |
  jq -c 'if .error then .error else {type, redeemed, fee, collateral, positions} end'
