#!/bin/sh
# SPDX-License-Identifier: MIT
# Deterministic mode: the Linux boot run through hv_vcpu_run calls of SLICE instructions
# each is the same run as the uncut one: run.sh's checks pass both times and the final
# state hashes (registers, CSRs, instret, RAM, devices) are equal.
# Usage: slices.sh HV ENGINE SLICE [--para]   (--para: the para kernel, run.sh --para)
set -eu
hv=$1; engine=$2; slice=$3; para=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for run in uncut sliced; do
    set -- --deterministic --state-hash
    [ $run = sliced ] && set -- "$@" --slice "$slice"
    sh "$here/run.sh" "$hv" "$engine" $para "$@" > "$log" 2>&1 ||
        { cat "$log"; echo "FAILED: the $run boot"; exit 1; }
    h=$(grep '^state-hash:' "$log" | tail -n 1)
    [ -n "$h" ] || { cat "$log"; echo "FAILED: no state hash"; exit 1; }
    echo "$run: $h"
    eval "hash_$run=\$h"
done
[ "$hash_uncut" = "$hash_sliced" ] || { echo "FAILED: the sliced run differs"; exit 1; }
echo "sliced run identical (slices of $slice instructions)"
