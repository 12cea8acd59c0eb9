#!/bin/sh
# SPDX-License-Identifier: MIT
# hv bench --linux end to end, quickly (--quick: small operation counts, one run): every
# Linux row on full/jit (the unmodified kernel, built or reused by scripts/build-linux.sh)
# produced a time and exits per operation with its checksum matched, and so did para/jit
# (the para kernel on the para backend; n/a only when its Image is not built: the script
# builds the full one, scripts/build-linux.sh --para takes 10-20 minutes). Then the text
# table, JSON, CSV and plot all exist.
# Usage: bench-linux.sh HV BENCH_DIR OUT_DIR
set -eu
hv=$1 dir=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/scripts/build-linux.sh" > /dev/null
json=$out/bench-linux.json csv=$out/bench-linux.csv svg=$out/bench-linux.svg
rm -f "$json" "$csv" "$svg"
status=0
"$hv" bench --linux --quick --bench-dir "$dir" --json "$json" --csv "$csv" --plot "$svg" \
    > "$out/bench-linux.txt" || status=$?
cat "$out/bench-linux.txt"
[ $status -eq 0 ] || { echo "FAILED: hv bench exit status $status"; exit 1; }
python3 "$(dirname "$0")/check_bench_linux.py" "$json"
grep -q "^Linux workloads, per operation" "$out/bench-linux.txt"
grep -q '^linux-syscall,linux,full/jit,ok,' "$csv"
grep -q '<svg' "$svg"
echo "bench linux: ok"
