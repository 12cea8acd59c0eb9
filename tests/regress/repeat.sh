#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command N times; every run must exit with status 0. Prints the statuses.
# Usage: repeat.sh N CMD [ARGS...]
n=$1; shift
bad=0; all=""
i=0
while [ $i -lt "$n" ]; do
    "$@" > /dev/null 2>&1
    s=$?
    all="$all $s"
    [ $s -eq 0 ] || bad=$((bad + 1))
    i=$((i + 1))
done
echo "exit statuses:$all"
[ $bad -eq 0 ] && echo "all $n runs exited 0" && exit 0
echo "FAILED: $bad of $n runs"; exit 1
