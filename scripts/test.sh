#!/bin/sh
# SPDX-License-Identifier: MIT
# The test command: install dependencies, build with warnings as errors, run every test
# tier that is not labelled slow. With --asan, the same in an ASan+UBSan build (build-asan).
# With --slow, also run the slow tier (Linux boot, long fuzzing).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dir=build; extra=""; labels="-LE slow"
for a in "$@"; do
    case $a in
    --asan) dir=build-asan; extra="-DHV_SANITIZE=ON";;
    --slow) labels="";;
    *) echo "usage: scripts/test.sh [--asan] [--slow]" >&2; exit 2;;
    esac
done
scripts/build.sh -B"$dir" $extra
# ASan reserves a huge shadow; allow our 64 GiB address-space reservations next to it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
ctest --test-dir "$dir" $labels --output-on-failure -j2
