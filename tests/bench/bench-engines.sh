#!/bin/sh
# SPDX-License-Identifier: MIT
# hv bench with two engines: one short CPU workload on the interpreter and the translator,
# then the summary (ratios, geometric mean) and translation cost in JSON, CSV and text
# (check_bench_engines.py); --list names the -x10 variants (the real-program kernels' too);
# --cpu runs the translator suite in order and skips a member that is not built. --cpu
# uses a scratch bench dir of scale-1 ELFs under the suite's names, so it stays short.
# Usage: bench-engines.sh HV BENCH_DIR OUT
set -eu
hv=$1 dir=$(cd "$2" && pwd) out=$3
here=$(dirname "$0")
json=$out/engines.json csv=$out/engines.csv txt=$out/engines.txt
rm -f "$json" "$csv" "$txt"
"$hv" bench --runs 1 --backends full --engines interp,jit --bench-dir "$dir" \
    --json "$json" --csv "$csv" crc > "$txt"
python3 "$here/check_bench_engines.py" "$json" "$csv" "$txt" crc

"$hv" bench --list --bench-dir "$dir" > "$out/list.txt"
new="stackvm linklist lexer crc16 mac16 bintree qsortcb strops smallfn"
for n in intmix-x10 sort-x10 crc-x10 matmul-x10 bytecode-x10 ptrchase-x10 paging-x10 \
         $(for w in $new; do echo "$w-x10"; done); do
    grep -q "^  $n " "$out/list.txt" || { echo "--list misses $n"; exit 1; }
done
if grep -- '-x10 .*(not built)' "$out/list.txt"; then
    echo "an -x10 workload is not built"
    exit 1
fi

suite=$out/cpu-suite
rm -rf "$suite"
mkdir -p "$suite"
for n in intmix sort crc matmul $new; do
    ln -s "$dir/$n-full.elf" "$suite/$n-x10-full.elf"
done
ln -s "$dir/bytecode-full.elf" "$suite/bytecode-full.elf"
ln -s "$dir/ptrchase-full.elf" "$suite/ptrchase-full.elf"
# paging left out on purpose: skipped with a note
"$hv" bench --cpu --runs 1 --backends full --engines jit --bench-dir "$suite" \
    --json "$out/cpu.json" > "$out/cpu.txt" 2> "$out/cpu.err"
grep -q -- '--cpu: paging not built' "$out/cpu.err"
python3 - "$out/cpu.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
names = [w["name"] for w in doc["workloads"]]
want = ["intmix-x10", "sort-x10", "crc-x10", "matmul-x10", "bytecode", "ptrchase"] + [
    n + "-x10" for n in
    "stackvm linklist lexer crc16 mac16 bintree qsortcb strops smallfn".split()]
if names != want:
    sys.exit("--cpu workloads %r, expected %r" % (names, want))
for w in doc["workloads"]:
    r = w["results"][0]
    if r["status"] != "ok" or r["translate_ns"] <= 0 or \
            r["insns_translated"] < r["blocks_translated"] or r["blocks_translated"] <= 0:
        sys.exit("%s: %r" % (w["name"], r))
    if w["name"].endswith("-x10") and "(x10 work)" not in w["description"]:
        sys.exit("%s: description %r" % (w["name"], w["description"]))
t = doc["summary"]["translation"]
if len(t) != 1 or t[0]["workloads"] != len(want) or doc["summary"]["ratios"]:
    sys.exit("summary %r" % doc["summary"])
PY
# One engine, no QEMU: no ratio summary, but the translation cost block.
if grep '^summary: speedup' "$out/cpu.txt"; then
    echo "a ratio summary with one configuration"
    exit 1
fi
grep -q '^translation cost' "$out/cpu.txt"
echo "bench engines: ok"
