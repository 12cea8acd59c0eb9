#!/bin/sh
# SPDX-License-Identifier: MIT
# GDB stub test: run a guest under `hv run --gdb 0 --gdb-wait`, drive it with gdb-multiarch
# in batch mode (a session script), and check both gdb's and the guest's output.
# usage: gdb-test.sh HV GDB ELF BACKEND SESSION.gdb WORKDIR [ENGINE]
set -u
HV=$1 GDB=$2 ELF=$3 BACKEND=$4 SESSION=$5 WORK=$6 ENGINE=${7:-default}
mkdir -p "$WORK"
out="$WORK/guest.out" err="$WORK/hv.err" log="$WORK/gdb.out"
rm -f "$out" "$err" "$log"
bios=""
[ "$BACKEND" = full ] && bios="--bios none"
"$HV" run --backend "$BACKEND" --engine "$ENGINE" $bios --kernel "$ELF" --serial stdio \
    --gdb 0 --gdb-wait \
    >"$out" 2>"$err" &
hv=$!
port=""
for i in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$err")
    [ -n "$port" ] && break
    sleep 0.1
done
fail() { echo "FAIL: $*"; echo "--- gdb"; cat "$log"; echo "--- hv stderr"; cat "$err";
         echo "--- guest"; cat "$out"; kill "$hv" 2>/dev/null; exit 1; }
[ -n "$port" ] || fail "the stub did not report its port"
sed "s/@PORT@/$port/" "$SESSION" >"$WORK/session.gdb"
timeout 60 "$GDB" -nx -batch -ex "file $ELF" -x "$WORK/session.gdb" >"$log" 2>&1
timeout 30 sh -c "while kill -0 $hv 2>/dev/null; do sleep 0.1; done" || fail "hv did not exit"
wait "$hv"
status=$?
expect() { grep -q -- "$1" "$log" || fail "gdb output lacks: $1"; }
expect_guest() { grep -q -- "$1" "$out" || fail "guest output lacks: $1"; }
case "$(basename "$SESSION")" in
gdb-session-a.gdb)
    expect '^pc  *0x8'
    expect 'Breakpoint 1 at 0x8'
    expect 'Breakpoint 1, add_numbers (a=a@entry=1, b=b@entry=2)'
    grep -A1 MARK-counter "$log" | grep -q '= 5$' || fail "counter is not 5 at the breakpoint"
    expect '"gdb-can-read-this"'
    grep -A1 MARK-a0 "$log" | grep -q '= 40$' || fail "a0 was not set"
    expect 'STEPPED-FORWARD'
    grep -A1 MARK-mstatus "$log" | grep -q '= 0x[0-9a-f]' || fail "mstatus not readable"
    expect 'Thread 1'
    expect 'exited normally'
    expect_guest 'result=122 counter=6 gdb-can-read-this'
    ;;
gdb-session-b.gdb)
    expect 'Breakpoint 1, add_numbers (a=a@entry=1, b=b@entry=2)'
    expect '^a0  *0x1[^0-9a-f]'
    expect '^a1  *0x2[^0-9a-f]'
    expect '"gdb-can-read-this"'
    expect_guest 'result=5 counter=6 gdb-can-read-this'
    ;;
gdb-session-c.gdb)
    expect 'hart 0: pc'
    expect '  ra 0'
    expect 'hart 0: instructions'
    expect 'checkpoint taken'
    expect 'rolled back'
    h=$(sed -n 's/^state hash //p' "$log" | sort -u | wc -l)
    [ "$h" = 1 ] || fail "the state hash differs after the rollback"
    expect 'Hardware read watchpoint 1: counter'
    expect 'Value = 5'
    expect 'Hardware watchpoint 2: counter'
    expect 'Old value = 5'
    expect 'New value = 6'
    expect 'Hardware access (read/write) watchpoint 3: counter'
    expect 'Value = 6'
    expect 'exited normally'
    expect_guest 'result=5 counter=6 gdb-can-read-this'
    ;;
esac
[ "$status" -eq 0 ] || fail "hv exited with $status"
echo "PASS"
