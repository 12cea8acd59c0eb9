#!/bin/sh
# The main job on the bundled default guest: build libhv and the guest, then run the same
# guest source on each available backend, side by side, with timing and statistics.
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
