#!/bin/sh
# SPDX-License-Identifier: MIT
# hv bench end to end: a quick single run of one CPU and one device workload (with a disk
# image) on both backends, then check the JSON report's structure and that every checksum
# matched. Usage: bench-json.sh HV BENCH_DIR OUT_DIR
set -eu
hv=$1 dir=$2 out=$3
json=$out/bench.json csv=$out/bench.csv svg=$out/bench.svg
rm -f "$json" "$csv" "$svg"
"$hv" bench --quick --runs 1 --bench-dir "$dir" --json "$json" --csv "$csv" --plot "$svg" \
    --disk-size 48M crc hypercall blk-seq-1m
python3 "$(dirname "$0")/check_bench_json.py" "$json" crc hypercall blk-seq-1m
test "$(wc -l < "$csv")" -eq 7
grep -q '^blk-seq-1m,io,para,ok,1,1,' "$csv"
grep -q '<svg' "$svg"
echo "bench json: ok"
