#!/bin/sh
# SPDX-License-Identifier: MIT
# A/B check of two builds: interleaved `hv bench --quick --json` rounds of build A and build
# B (each run from its own source tree, so each finds its own bench ELFs), then per cell the
# median and minimum wall time and B/A, and the geometric means of both.
# Usage: scripts/bench-ab.sh SRC_A SRC_B [ROUNDS]   (SRC_x/build/bin/hv must exist)
# HV_BENCH_ARGS replaces --quick, e.g. HV_BENCH_ARGS="--cpu --backends full,para --engines jit
# --runs 1" for the translator's CPU suite.
set -eu
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=${3:-15}
args=${HV_BENCH_ARGS:---quick}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=1
while [ $i -le "$rounds" ]; do
    # shellcheck disable=SC2086
    (cd "$a" && build/bin/hv bench $args --json "$out/a-$i.json" > /dev/null 2>&1)
    # shellcheck disable=SC2086
    (cd "$b" && build/bin/hv bench $args --json "$out/b-$i.json" > /dev/null 2>&1)
    i=$((i + 1))
done
python3 - "$out" "$rounds" <<'PY'
import json, math, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(tag):
    cells = {}
    for r in range(1, rounds + 1):
        for w in json.load(open(f"{out}/{tag}-{r}.json"))["workloads"]:
            for c in w["results"]:
                if c.get("status") == "ok":
                    cells.setdefault((w["name"], c["config"]), []).append(c["wall_ms"]["median"])
    return {k: (statistics.median(v), min(v)) for k, v in cells.items()}
A, B = load("a"), load("b")
med, mins = [], []
for k in sorted(set(A) & set(B)):
    med.append(B[k][0] / A[k][0]); mins.append(B[k][1] / A[k][1])
    print(f"{k[0]:18s} {k[1]:6s} median {A[k][0]:8.2f} -> {B[k][0]:8.2f} ms ({med[-1]:.3f})"
          f"   min {A[k][1]:8.2f} -> {B[k][1]:8.2f} ms ({mins[-1]:.3f})")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"geomean B/A over {len(med)} cells: medians {g(med):.3f}, minima {g(mins):.3f}")
PY
