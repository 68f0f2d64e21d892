#!/usr/bin/env bash
# Mint stable against collateral: take test collateral from the faucet, open
# a position, deposit and mint.
#   tools/scripts/mint.sh KEY TYPE COLLATERAL DEBT
# COLLATERAL and DEBT are base units (tETH: 10^8 per token, BUSD: 10^6).
# Example: tools/scripts/mint.sh bob tETH 100000000 1000000000
# Uses the node of $BALLAST_NODE and the system `ballast system deploy` wrote;
# $BALLAST names the CLI (default: ballast on PATH).
set -euo pipefail
ballast=${BALLAST:-ballast}
if [ $# -ne 4 ]; then
  echo "usage: $0 KEY TYPE COLLATERAL DEBT" >&2
  exit 2
fi
key=$1 type=$2 collateral=$3 debt=$4

# The faucet gives once per period; a refusal (already dripped) is fine.
"$ballast" --json faucet drip "$type" --from "$key" >/dev/null ||
  echo "mint.sh: no drip this time (see above); using the balance" >&2

id=$("$ballast" --json vault open "$type" --from "$key" | jq -r .id)
"$ballast" --json vault deposit "$id" "$collateral" --from "$key" >/dev/null
"$ballast" --json vault mint "$id" "$debt" --from "$key" |
  jq -c '{id: .position.id, type: .position.type, collateral: .position.collateral,
          debt: .position.debt, ratio: .position.ratio}'
