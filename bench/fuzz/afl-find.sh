#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not a test): afl-fuzz against `hv fuzz` on the fuzzme example guest. Prints the
# seconds until the first saved crash and afl's execs/s, per run. Machine should be idle.
# usage: bench/fuzz/afl-find.sh [full|para] [RUNS] [MAX_SECONDS] [jit|interp] [AFL_T_MS] [BUDGET]
# A hang costs afl-fuzz's whole time-out (-t): hv fuzz reports it when afl-fuzz's timer has
# fired (see docs/FUZZING.md), so the default pairs a short -t with a budget well below it.
# env: HV (default build/bin/hv), GUESTS (default build/guest/examples)
set -u
backend=${1:-full} runs=${2:-3} max=${3:-300} engine=${4:-jit} tms=${5:-200} budget=${6:-2000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
hv=${HV:-$root/build/bin/hv}
guests=${GUESTS:-$root/build/guest/examples}
work=$(mktemp -d)
mkdir -p "$work/in"
printf 'HVS12' > "$work/in/seed"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
for r in $(seq 1 "$runs"); do
    out="$work/out$r"
    start=$(date +%s.%N)
    timeout "$max" afl-fuzz -i "$work/in" -o "$out" -t "$tms" -- "$hv" fuzz --backend "$backend" \
        --engine "$engine" --budget "$budget" --kernel "$guests/fuzzme-$backend.elf" --start fuzz_start \
        --end fuzz_end --input fuzz_input --input-len fuzz_input_len >"$work/log$r" 2>&1 &
    pid=$!
    found=""
    while kill -0 "$pid" 2>/dev/null; do
        if ls "$out/default/crashes/" 2>/dev/null | grep -q '^id:'; then
            found=$(echo "$(date +%s.%N) - $start" | bc)
            sleep 1           # let fuzzer_stats catch up
            kill -INT "$pid"
            break
        fi
        sleep 0.2
    done
    wait "$pid" 2>/dev/null
    eps=$(grep '^execs_per_sec' "$out/default/fuzzer_stats" 2>/dev/null | awk '{print $3}')
    done_=$(grep '^execs_done' "$out/default/fuzzer_stats" 2>/dev/null | awk '{print $3}')
    echo "run $r: backend=$backend engine=$engine t=${tms}ms budget=$budget crash_after_s=${found:-none(>$max)} execs_per_sec=${eps:-?} execs_done=${done_:-?}"
done
rm -rf "$work"
