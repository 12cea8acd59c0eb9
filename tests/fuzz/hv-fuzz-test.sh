#!/bin/sh
# SPDX-License-Identifier: MIT
# hv fuzz classifies the known crashing input of the fuzzme example as a crash and clean
# inputs as clean, on both backends and every engine, repeatedly in one process (rollback
# must undo the crash's corruption: the clean input after it is clean again).
# usage: hv-fuzz-test.sh HV GUEST_DIR INPUT_DIR
set -u
hv=$1 guests=$2 inputs=$3
fail=0
check() {   # expected-status backend engine files...
    want=$1 backend=$2 engine=$3
    shift 3
    out=$("$hv" fuzz --backend "$backend" --engine "$engine" \
        --kernel "$guests/fuzzme-$backend.elf" --start fuzz_start --end fuzz_end \
        --input fuzz_input --input-len fuzz_input_len "$@")
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $backend/$engine $*: exit $got, want $want"; echo "$out"; fail=1
    else
        echo "ok: $backend/$engine $* -> $got"
    fi
}
for b in full para; do
    engines="interp jit"
    [ "$b" = full ] && engines="interp jit lockstep"
    for e in $engines; do
        check 0 "$b" "$e" "$inputs/clean-copy" "$inputs/clean-sum"
        check 1 "$b" "$e" "$inputs/crash-copy"
        # crash, then clean ones: each line must say what it is
        out=$("$hv" fuzz --backend "$b" --engine "$e" --kernel "$guests/fuzzme-$b.elf" \
            --start fuzz_start --end fuzz_end --input fuzz_input --input-len fuzz_input_len \
            "$inputs/crash-copy" "$inputs/clean-copy" "$inputs/crash-copy" "$inputs/clean-sum")
        n=$(printf '%s\n' "$out" | grep -c ': crash (')
        m=$(printf '%s\n' "$out" | grep -c ': ok (')
        if [ "$n" != 2 ] || [ "$m" != 2 ]; then
            echo "FAIL: $b/$e mixed sequence:"; echo "$out"; fail=1
        fi
    done
done
# a hang: a budget too small to reach the end point
"$hv" fuzz --kernel "$guests/fuzzme-full.elf" --start fuzz_start --end fuzz_end \
    --input fuzz_input --input-len fuzz_input_len --budget 10 "$inputs/clean-copy"
[ $? = 2 ] || { echo "FAIL: budget 10 is not a hang"; fail=1; }
# a missing symbol is an error, not a crash
"$hv" fuzz --kernel "$guests/fuzzme-full.elf" --start no_such_symbol "$inputs/clean-copy" 2>/dev/null
[ $? = 125 ] || { echo "FAIL: a missing symbol must exit 125"; fail=1; }
exit $fail
