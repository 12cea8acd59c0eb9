#!/bin/sh
# SPDX-License-Identifier: MIT
# The one initramfs of both Linux kernels (full: unmodified + OpenSBI + virtio; para: the
# para drivers): /init (tests/guest/linux/init.c: the boot checks, or hvlbench=NAME) and
# /hvlbench (guest/linux/bench/hvlbench.c: the benchmark program of hv bench --linux),
# both static riscv64-linux-gnu-gcc -O2 builds. Byte-identical every time (mtimes, inode
# numbers, gzip without a name or time): deterministic runs compare state hashes.
# Usage: mkinitramfs.sh OUT.gz
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc=${HV_LINUX_CC:-riscv64-linux-gnu-gcc}
"$cc" -static -O2 -Wall -o "$dir/init" "$root/tests/guest/linux/init.c"
"$cc" -static -O2 -Wall -pthread -o "$dir/hvlbench" "$here/hvlbench.c"
touch -d @0 "$dir/init" "$dir/hvlbench"
(cd "$dir" && printf 'init\nhvlbench\n' | cpio --quiet --reproducible -o -H newc | gzip -9n) \
    > "$out.tmp"
mv "$out.tmp" "$out"
