#!/bin/sh
# SPDX-License-Identifier: MIT
# The SDK is built for plain RV64GC (docs/GUESTS.md): every given ELF or archive must carry
# .riscv.attributes (the ISA it needs, kept by guest/link.ld) naming no extension beyond
# G and C (no Zba/Zbb/Zbc/Zbs).
# usage: check-isa.sh READELF FILE...
set -eu
readelf=$1; shift
for f in "$@"; do
    arch=$("$readelf" -A "$f" | sed -n 's/.*Tag_RISCV_arch: "\(.*\)"/\1/p' | sort -u)
    if [ -z "$arch" ]; then
        echo "$f: no .riscv.attributes"; exit 1
    fi
    for a in $arch; do
        case "$a" in
        rv64i*_m*_a*_f*_d*_c*) ;;
        *) echo "$f: not rv64gc: $a"; exit 1 ;;
        esac
        if echo "$a" | grep -q "_zb"; then
            echo "$f: needs a bit-manipulation extension: $a"; exit 1
        fi
    done
    echo "$f: $arch"
done
