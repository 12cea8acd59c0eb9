#!/bin/sh
# SPDX-License-Identifier: MIT
# hv CLI behaviour: version, help, xml --check (good and bad, error names the line), run
# argument errors. Prints "N passed, M failed".
hv=$1; data=$2
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check() {  # check NAME EXPECTED_STATUS PATTERN -- command...
    name=$1; want=$2; pat=$3; shift 4
    "$@" >"$tmp/out" 2>&1; got=$?
    if [ "$got" -ne "$want" ] && ! { [ "$want" = nonzero ] && [ "$got" -ne 0 ]; }; then
        echo "FAIL $name: exit $got, wanted $want"; sed 's/^/  | /' "$tmp/out"; fail=$((fail+1)); return
    fi
    if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/out"; then
        echo "FAIL $name: output lacks /$pat/"; sed 's/^/  | /' "$tmp/out"; fail=$((fail+1)); return
    fi
    echo "ok   $name"; pass=$((pass+1))
}
check version 0 '^hv [0-9]+\.[0-9]+\.[0-9]+ \(libhv [0-9]+\.[0-9]+\.[0-9]+' -- "$hv" version
check help 0 'usage: hv' -- "$hv" --help
check run-help 0 '--kernel' -- "$hv" run --help
check xml-help 0 '--check' -- "$hv" xml --help
check unknown-command 2 'unknown command' -- "$hv" frobnicate
check xml-good 0 'ok' -- "$hv" xml --check "$data/minimal-full.xml"
check xml-bad-names-line 1 'line [0-9]+' -- "$hv" xml --check "$data/bad-unknown-element.xml"
check xml-missing-file 1 'nonexistent' -- "$hv" xml --check "$tmp/nonexistent.xml"
printf '<domain type="hv"><name>x</name>\n<memory>1' > "$tmp/trunc.xml"
check xml-truncated 1 'line [0-9]+' -- "$hv" xml --check "$tmp/trunc.xml"
check xml-dump 0 '<domain' -- "$hv" xml --dump "$data/minimal-full.xml"
check run-nothing 2 'nothing to run' -- "$hv" run
check run-bad-backend 2 'invalid value' -- "$hv" run --backend nope --kernel x
check run-bad-mem 2 'invalid value' -- "$hv" run --mem lots --kernel x
# Issue 17, item 8: a RAM size past the guest-physical window names the size asked for.
check run-huge-mem 125 '18446744073709547520 bytes is too large' -- "$hv" run --mem 18446744073709547520 --bios none --kernel x --serial null
check run-bad-escape 2 "invalid value 'bad' for --escape" -- "$hv" run --escape bad --kernel x
check run-monitor-with-gdb 2 'cannot be combined' -- "$hv" run --gdb 0 --monitor "$tmp/m" --kernel x
check run-missing-kernel 125 'nonexistent.elf' -- "$hv" run --bios none --kernel "$tmp/nonexistent.elf" --serial null
# A misspelt option followed by a value is an unknown option, not "malformed XML".
check run-typo-option 2 "unknown option '--kernal'" -- "$hv" run --kernal x.elf
check run-missing-value 2 "option '--kernel' needs a value" -- "$hv" run --kernel
# Numbers parse strictly: no sign, no wrap-around, no trailing junk, no blanks.
check run-budget-negative 2 "invalid value '-5' for --budget" -- "$hv" run --budget -5 --kernel x
check run-budget-junk 2 "invalid value '5x' for --budget" -- "$hv" run --budget 5x --kernel x
check run-budget-wraps 2 'invalid value .* for --budget' -- "$hv" run --budget 18446744073709551616 --kernel x
check run-budget-blank 2 'invalid value .* for --budget' -- "$hv" run --budget ' 5' --kernel x
check run-smp-plus 2 "invalid value '\+1' for --smp" -- "$hv" run --smp +1 --kernel x
check run-seed-negative 2 'invalid value .* for --deterministic' -- "$hv" run --deterministic=-1 --kernel x
check run-snapshot-at-negative 2 'invalid value .* for --snapshot-at' -- "$hv" run --snapshot-at -1 --kernel x
check run-net-hub-negative 2 'bad hub id' -- "$hv" run --net hub:-1 --kernel x
check run-escape-plus 2 'invalid value .* for --escape' -- "$hv" run --escape +29 --kernel x
check run-slice-negative 2 'invalid value .* for --slice' -- "$hv" run --slice -100 --kernel x
check run-hugepages-bad 2 'invalid value .* for --hugepages' -- "$hv" run --hugepages maybe --kernel x
check bench-runs-negative 2 'invalid value|usage' -- "$hv" bench --runs -1
# --bios none with a non-ELF kernel: the real fault (at the image's first instruction, not a
# secondary one at pc 0) and a note that the file is not an ELF.
printf 'this is not a RISC-V program\n' > "$tmp/notelf.bin"
check run-not-elf-fault 125 'fault: cause [0-9]+ \([a-z ]+\) tval 0x[0-9a-f]+ at pc 0x80000000' -- "$hv" run --bios none --kernel "$tmp/notelf.bin" --serial null
check run-not-elf-note 125 'is not an ELF file' -- "$hv" run --bios none --kernel "$tmp/notelf.bin" --serial null
check run-not-elf-para 125 'is not an ELF file' -- "$hv" run --backend para --kernel "$tmp/notelf.bin" --serial null
check run-net-fwd-not-loopback 2 'only loopback host addresses' -- "$hv" run --kernel x --net "user,hostfwd=tcp:0.0.0.0:8080-:80"
check run-net-fwd-malformed 2 'hostfwd: bad guest port' -- "$hv" run --kernel x --net "user,hostfwd=tcp::8080-:http"
check run-net-bad-option 2 'unknown user network option' -- "$hv" run --kernel x --net "user,restrict=yes"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
