#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check.sh deterministic|restore HV BACKEND ELF [SNAP_AT PHASE]
#   deterministic: two --deterministic runs with the same input print byte-identical
#                  console output and the same final-state hash (--state-hash).
#   restore:       a run saves a snapshot during the guest's timer ticks and exits; a new
#                  `hv run --restore` types commands into the restored guest; the outputs
#                  of the two runs put together equal one uninterrupted run's, and the
#                  final state equals that run's. Restoring twice gives identical results.
set -e
mode=$1; hv=$2; backend=$3; elf=$4
at=${5:-150000}     # restore: vCPU 0's instruction count at the snapshot
phase=${6:-ticks}   # where that falls: ticks (timers pending) or input (waiting for input)
tmp=${TMPDIR:-/tmp}/hv-snapcheck-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
args="--backend $backend --kernel $elf --mem 64M --deterministic=42 --serial stdio --state-hash"
[ "$backend" = full ] && args="$args --bios none --rng"
printf 'hello snapshot\nls\nquit\n' > "$tmp/input"

run() {     # run NAME [extra args...] < input: stdout to NAME.out, hash to NAME.hash
    name=$1; shift
    status=0
    "$hv" run $args "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "$name: exit status $status"; cat "$tmp/$name.out" "$tmp/$name.err"; exit 1
    fi
    sed -n 's/^state-hash: //p' "$tmp/$name.err" > "$tmp/$name.hash"
}

same() {    # same A B WHAT
    if ! cmp -s "$1" "$2"; then
        echo "$3 differ:"; diff "$1" "$2" || true; exit 1
    fi
}

run ref < "$tmp/input"
grep -q '^echo: hello snapshot$' "$tmp/ref.out" || { echo "no echo in:"; cat "$tmp/ref.out"; exit 1; }
[ -s "$tmp/ref.hash" ] || { echo "no state hash"; cat "$tmp/ref.err"; exit 1; }

case $mode in
deterministic)
    run again < "$tmp/input"
    same "$tmp/ref.out" "$tmp/again.out" "outputs of two deterministic runs"
    same "$tmp/ref.hash" "$tmp/again.hash" "final-state hashes of two deterministic runs"
    ;;
restore)
    # Snapshot during the ticks (or while the guest waits for input), no input given yet.
    run save --snapshot-at "$at" --snapshot-file "$tmp/s.snap" --snapshot-exit < /dev/null
    grep -q '^tick 0 ' "$tmp/save.out" || { echo "snapshot too early:"; cat "$tmp/save.out"; exit 1; }
    if [ "$phase" = ticks ] && grep -q '^ready' "$tmp/save.out"; then
        echo "snapshot too late:"; cat "$tmp/save.out"; exit 1
    fi
    if [ "$phase" = input ] && ! grep -q '^ready' "$tmp/save.out"; then
        echo "snapshot too early:"; cat "$tmp/save.out"; exit 1
    fi
    run restored --restore "$tmp/s.snap" < "$tmp/input"
    cat "$tmp/save.out" "$tmp/restored.out" > "$tmp/joined.out"
    same "$tmp/ref.out" "$tmp/joined.out" "uninterrupted and saved+restored outputs"
    run restored2 --restore "$tmp/s.snap" < "$tmp/input"
    same "$tmp/restored.out" "$tmp/restored2.out" "outputs of two restores"
    same "$tmp/restored.hash" "$tmp/restored2.hash" "final-state hashes of two restores"
    ;;
*)
    echo "unknown mode $mode"; exit 2 ;;
esac
echo "guest/snapshot/$backend/$mode: ok"
