#!/usr/bin/env bash
# Run a keeper against the devnet (or $BALLAST_NODE): it liquidates unsafe
# positions, buys auctioned collateral 3% (--margin) under the oracle price
# with its stable, resets stale sales, and logs one JSON line per action.
#   tools/scripts/keeper.sh KEY [ballast keeper options, e.g. --once]
# Stop it with Ctrl-C. Shows the keeper's stable balance first (its capital).
set -euo pipefail
ballast=${BALLAST:-ballast}
if [ $# -lt 1 ]; then
  echo "usage: $0 KEY [--once] [--margin 0.03] [--max-capital AMOUNT] ..." >&2
  exit 2
fi
key=$1
shift

system=$("$ballast" --json system show)
stable=$(jq -r .stable <<<"$system")
address=$("$ballast" --json keys show "$key" | jq -r .address)
balance=$("$ballast" --json query "$stable" balance_of "{\"owner\": \"$address\"}" |
  jq -r '.result.balance // "0"')
echo "keeper.sh: $key ($address) has $balance stable base units" >&2

exec "$ballast" keeper --from "$key" "$@"
