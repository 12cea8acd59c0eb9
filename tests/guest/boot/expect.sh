#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command, require exit status 0, every -e REGEX (grep -E) in its output (stdout and
# stderr together) and no "FAIL". Prints the output and the elapsed seconds.
# Usage: expect.sh [-e REGEX]... -- COMMAND [ARGS...]
set -u
pats=""
n=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    [ "$1" = "-e" ] || { echo "usage: expect.sh [-e REGEX]... -- CMD..." >&2; exit 2; }
    n=$((n + 1)); eval "pat$n=\$2"; shift 2
done
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
"$@" > "$out" 2>&1
status=$?
end=$(date +%s.%N)
cat "$out"
echo "--- exit status $status after $(echo "$end - $start" | bc) s"
[ $status -eq 0 ] || { echo "FAILED: exit status $status"; exit 1; }
i=1
while [ $i -le $n ]; do
    eval "p=\$pat$i"
    grep -Eq -- "$p" "$out" || { echo "FAILED: no match for: $p"; exit 1; }
    i=$((i + 1))
done
if grep -q "FAIL" "$out"; then echo "FAILED: the guest reported a failure"; exit 1; fi
exit 0
