#!/bin/sh
# SPDX-License-Identifier: MIT
# The main job on the bundled default guests: build libhv and the guests, run the hello
# guest on each backend (same source, same output), then a short side-by-side benchmark of
# the bundled workloads on both backends (`hv bench --quick`): the table shows time, guest
# instructions, MIPS, MMIO traps vs hypercalls, TLB misses, throughput and exits per
# operation. docs/BENCHMARKS.md explains the columns and the full results.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
hv=build/bin/hv
for backend in full para; do
    elf=build/guest/examples/hello-$backend.elf
    [ -f "$elf" ] || { echo "== $backend: guest flavour not built yet, skipped"; continue; }
    echo "== backend $backend: $hv run --backend $backend --bios none --kernel $elf"
    start=$(date +%s.%N)
    status=0
    $hv run --backend "$backend" --bios none --kernel "$elf" --stats || status=$?
    end=$(date +%s.%N)
    echo "== backend $backend: exit status $status, $(awk "BEGIN{printf \"%.3f\", $end - $start}") s"
done
echo
echo "== $hv bench --quick --backends full,para   (JSON and plot in build/bench-quick.*)"
$hv bench --quick --backends full,para --json build/bench-quick.json --plot build/bench-quick.svg
