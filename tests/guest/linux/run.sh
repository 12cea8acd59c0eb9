#!/bin/sh
# Linux boot test: builds (or reuses the cached) Linux 6.1 Image with scripts/build-linux.sh,
# an initramfs whose /init is init.c (static, riscv64-linux-gnu-gcc) and a disk with a known
# pattern, then boots them on the full backend: OpenSBI (default fw_dynamic, or --bios) +
# Image + initrd, virtio blk/rng/net, goldfish RTC. Passes when /init reports every check
# passed and the VM powers off with exit status 0. With ENGINE lockstep the translator is
# checked against the interpreter after every block of the whole boot, and the run must
# also log that every block agreed.
# Usage: run.sh HV ENGINE [extra hv run args...]
set -eu
hv=$1; engine=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
image=$("$root/scripts/build-linux.sh" | tail -n 1)
[ -f "$image" ] || { echo "run.sh: no kernel Image"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
riscv64-linux-gnu-gcc -static -O2 -Wall -o "$work/init" "$here/init.c"
# Byte-identical every time (mtime, inode numbers): deterministic runs compare state hashes.
touch -d @0 "$work/init"
(cd "$work" && echo init | cpio --quiet --reproducible -o -H newc | gzip -9n) > "$work/initrd.gz"
extra=""
if [ "$engine" = lockstep ]; then
    extra="instructions agree"
    set -- -v "$@"
fi
printf 'LIBHV-LINUX-DISK' > "$work/disk.img"
truncate -s 4M "$work/disk.img"
exec sh "$root/tests/guest/boot/expect.sh" \
    -e "Linux version 6\.1" -e "init: reached /init" -e "init: vda: pattern found" \
    -e "init: cpuinfo: .*rv64imafdc" -e "init: rtc0: 20" -e "init: hwrng: " \
    -e "init: all checks passed" -e "${extra:-all checks passed}" \
    -- "$hv" run --engine "$engine" --kernel "$image" --initrd "$work/initrd.gz" \
       --append "console=ttyS0 earlycon=sbi" --mem 256M --disk "$work/disk.img" --rng \
       --net loopback "$@"
