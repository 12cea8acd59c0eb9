#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one SDK example built for both flavours on both backends: each run must exit 0 and
# the two outputs must be byte-identical.
# usage: compare.sh [--disk SIZE] [--expect-disk REGEX COUNT] [--expect FILE] HV PARA_ELF
#                   FULL_ELF [HV RUN ARGS...]
#   --disk SIZE         give each run a fresh raw disk of SIZE (truncate syntax)
#   --expect FILE       the output must also equal FILE byte for byte
#   --expect-disk R N   after each run, the disk must hold N lines matching R (grep -a -c):
#                       the guest's FLUSH reached the file
set -e
disk_size=; expect_re=; expect_n=; expect_file=
while :; do
    case "$1" in
    --expect) expect_file=$2; shift 2 ;;
    --disk) disk_size=$2; shift 2 ;;
    --expect-disk) expect_re=$2; expect_n=$3; shift 3 ;;
    *) break ;;
    esac
done
hv=$1; para=$2; full=$3; shift 3
tmp=${TMPDIR:-/tmp}/hv-compare-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

run() {     # run BACKEND ELF OUT [backend args...]
    backend=$1; elf=$2; out=$3; shift 3
    disk_args=
    if [ -n "$disk_size" ]; then
        rm -f "$tmp/disk-$backend.img"
        truncate -s "$disk_size" "$tmp/disk-$backend.img"
        disk_args="--disk $tmp/disk-$backend.img"
    fi
    status=0
    "$hv" run --backend "$backend" "$@" --kernel "$elf" $disk_args > "$out" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "$backend: exit status $status; output:"; cat "$out"
        exit 1
    fi
    if [ -n "$expect_re" ]; then
        n=$(grep -a -c "$expect_re" "$tmp/disk-$backend.img" || true)
        if [ "$n" != "$expect_n" ]; then
            echo "$backend: disk holds $n lines matching '$expect_re', expected $expect_n"
            exit 1
        fi
    fi
}

run para "$para" "$tmp/para.out" "$@"
run full "$full" "$tmp/full.out" --bios none "$@"
if ! cmp "$tmp/para.out" "$tmp/full.out"; then
    echo "outputs differ:"; diff "$tmp/para.out" "$tmp/full.out" || true
    exit 1
fi
test -s "$tmp/para.out"
cat "$tmp/para.out"
if [ -n "$expect_file" ] && ! cmp "$tmp/para.out" "$expect_file"; then
    echo "output differs from $expect_file:"; diff "$expect_file" "$tmp/para.out" || true
    exit 1
fi
echo "identical output on both backends ($(wc -c < "$tmp/para.out") bytes)"
