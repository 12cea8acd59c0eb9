#!/bin/sh
# SPDX-License-Identifier: MIT
# Stress variant of the Linux boot test (issue 17 item 3): the boot (run.sh, same checks)
# while two CPU-bound processes compete for the host's cores, so vCPU threads are
# preempted at arbitrary points, as under a loaded CI machine. The burners are bounded
# (timeout) and killed when this script ends, however it ends.
# Usage: stress.sh [-n RUNS] HV ENGINE [extra hv run args...]
#   -n RUNS: boot RUNS times in a row under the same load, stop at the first failure and
#   print "stress: P/RUNS passed" with each run's seconds (default 1).
set -eu
runs=1
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
here=$(cd "$(dirname "$0")" && pwd)
limit=${HV_STRESS_SECONDS:-3600}
burners=""
stop_burners() {
    for p in $burners; do kill "$p" 2>/dev/null || true; done
    burners=""
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT TERM
for i in 1 2; do
    timeout "$limit" sh -c 'while :; do :; done' &
    burners="$burners $!"
done
passed=0
times=""
i=1
while [ "$i" -le "$runs" ]; do
    start=$(date +%s.%N)
    rc=0
    sh "$here/run.sh" "$@" || rc=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    times="$times $secs"
    if [ "$rc" -ne 0 ]; then
        echo "stress: run $i failed (exit $rc) after $secs s"
        break
    fi
    passed=$((passed + 1))
    i=$((i + 1))
done
echo "stress: $passed/$runs passed under 2 CPU burners; seconds:$times"
[ "$passed" -eq "$runs" ]
