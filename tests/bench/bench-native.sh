#!/bin/sh
# SPDX-License-Identifier: MIT
# hv bench --native: every CPU workload that has a native build (the real-program kernels
# and crc) on both backends and both engines, at scale 1, next to its x86-64 build run as
# a process. check_bench_native.py checks every cell passed its own checksum, that all
# columns computed the same checksum as native, and the fraction-of-native ratios and
# summary in JSON, CSV and text. Usage: bench-native.sh HV BENCH_DIR OUT
set -eu
hv=$1 dir=$2 out=$3
here=$(dirname "$0")
names="crc stackvm linklist lexer crc16 mac16 bintree qsortcb strops smallfn"
json=$out/native.json csv=$out/native.csv txt=$out/native.txt
rm -f "$json" "$csv" "$txt"
# shellcheck disable=SC2086
"$hv" bench --runs 1 --backends full,para --engines interp,jit --native --bench-dir "$dir" \
    --json "$json" --csv "$csv" $names > "$txt"
# shellcheck disable=SC2086
python3 "$here/check_bench_native.py" "$json" "$csv" "$txt" $names

# A native build that computes something else is caught: a scratch bench dir whose
# "native" crc16 is the native lexer.
bad=$out/native-bad
rm -rf "$bad"
mkdir -p "$bad/native"
ln -s "$(cd "$dir" && pwd)/crc16-full.elf" "$bad/crc16-full.elf"
ln -s "$(cd "$dir" && pwd)/native/lexer" "$bad/native/crc16"
if "$hv" bench --runs 1 --backends full --engines jit --native --bench-dir "$bad" crc16 \
        > "$out/native-bad.txt" 2> "$out/native-bad.err"; then
    echo "a checksum that differs from native was not a failure"
    exit 1
fi
grep -q 'crc16 on native: checksum' "$out/native-bad.err"
echo "bench native: ok"
