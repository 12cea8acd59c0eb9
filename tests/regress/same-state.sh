#!/bin/sh
# SPDX-License-Identifier: MIT
# Run an `hv run` command twice, uncut and with --slice SLICE, and require the same exit
# status and final state hash. Usage: same-state.sh HV SLICE run ARGS...
set -u
hv=$1; slice=$2; shift 2
a=$("$hv" "$@" --state-hash 2>&1); sa=$?
b=$("$hv" "$@" --state-hash --slice "$slice" 2>&1); sb=$?
ha=$(echo "$a" | grep '^state-hash:'); hb=$(echo "$b" | grep '^state-hash:')
echo "uncut (exit $sa): $ha"
echo "slices of $slice (exit $sb): $hb"
[ -n "$ha" ] && [ "$ha" = "$hb" ] && [ $sa -eq $sb ] && echo "same state" && exit 0
echo "$a"; echo "$b"; exit 1
