#!/bin/sh
# SPDX-License-Identifier: MIT
# The same SDK guest built for both flavours must print the same bytes on both backends.
# usage: compare-hello.sh HV HELLO_PARA_ELF HELLO_FULL_ELF
set -e
hv=$1; para=$2; full=$3
tmp=${TMPDIR:-/tmp}/hv-compare-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
"$hv" run --backend para --kernel "$para" > "$tmp/para.out"
"$hv" run --backend full --bios none --kernel "$full" > "$tmp/full.out"
if ! cmp "$tmp/para.out" "$tmp/full.out"; then
    echo "outputs differ:"; diff "$tmp/para.out" "$tmp/full.out" || true
    exit 1
fi
test -s "$tmp/para.out"
echo "identical output ($(wc -c < "$tmp/para.out") bytes)"
