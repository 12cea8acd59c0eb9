#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 17 item 9 regression: runs virtio_legacy.elf (a virtio-blk driver that never
# selects feature word 1) on a fresh disk whose sector 1 holds a known string, under an
# instruction budget; then checks what the guest wrote to sector 2.
# Usage: run-virtio.sh HV ELF ENGINE
set -eu
hv=$1; elf=$2; engine=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
disk=$work/disk.img
truncate -s 64K "$disk"
printf 'QEMU-STYLE-VIRTIO-NEGOTIATION' | dd of="$disk" bs=512 seek=1 conv=notrunc status=none
rc=0
"$hv" run --engine "$engine" --bios none --kernel "$elf" --disk "$disk" --budget 50000000 \
    > "$work/out" 2>&1 || rc=$?
cat "$work/out"
[ "$rc" = 0 ] || { echo "run-virtio.sh: hv run exited $rc"; exit 1; }
grep -q "compat-virtio: 3 requests, .* ok" "$work/out" || { echo "run-virtio.sh: no ok line"; exit 1; }
got=$(dd if="$disk" bs=512 skip=2 count=1 status=none | head -c 28)
[ "$got" = "written-by-the-legacy-driver" ] || { echo "run-virtio.sh: sector 2 holds '$got'"; exit 1; }
echo "run-virtio.sh: sector 2 written"
