#!/bin/sh
# Build the Linux 6.1 guest kernel (arch/riscv Image) from Debian's linux-source-6.1 with a
# small config for libhv's virt board (serial 8250 + SBI console, virtio-mmio blk/net/rng,
# goldfish RTC, syscon poweroff, initramfs). The result is cached outside the source tree,
# keyed by the config's hash; prints the Image's path on stdout (build log on stderr).
# Usage: scripts/build-linux.sh [--print-path]   (--print-path: no build, path only)
set -eu

TARBALL=/usr/src/linux-source-6.1.tar.xz
CROSS=riscv64-linux-gnu-
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/libhv
JOBS=${HV_LINUX_JOBS:-2}

# Wanted options (all must be =y in the final .config).
WANT="ARCH_RV64I 64BIT MMU SOC_VIRT RISCV_ISA_C FPU SMP RISCV_SBI RISCV_SBI_V01 NONPORTABLE
PRINTK PRINTK_TIME TTY SERIAL_8250 SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM SERIAL_EARLYCON
HVC_RISCV_SBI SERIAL_EARLYCON_RISCV_SBI BLK_DEV_INITRD RD_GZIP BINFMT_ELF BINFMT_SCRIPT
PROC_FS SYSFS DEVTMPFS SHMEM TMPFS FUTEX POSIX_TIMERS MULTIUSER
POWER_RESET POWER_RESET_SYSCON POWER_RESET_SYSCON_POWEROFF
RTC_CLASS RTC_INTF_DEV RTC_INTF_SYSFS RTC_DRV_GOLDFISH
VIRTIO_MENU VIRTIO VIRTIO_MMIO BLOCK VIRTIO_BLK HW_RANDOM HW_RANDOM_VIRTIO
NET NETDEVICES NET_CORE VIRTIO_NET INET PACKET UNIX
SIFIVE_PLIC RISCV_TIMER"
# Unwanted options (must be off).
UNWANT="MODULES EFI RISCV_ISA_V ARCH_RV32I VT"

# The cache key: the option lists, the kernel source version and the compiler.
hash=$( (echo "$WANT $UNWANT"; dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null;
         ${CROSS}gcc --version 2>/dev/null | head -1) | sha256sum | cut -c1-12)
OUT=$CACHE/linux-$hash
IMAGE=$OUT/Image

if [ "${1:-}" = "--print-path" ]; then
    echo "$IMAGE"
    exit 0
fi
if [ -f "$IMAGE" ]; then
    echo "$IMAGE"
    exit 0
fi

log() { echo "build-linux: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$TARBALL" ] || die "$TARBALL not found (apt-get install linux-source-6.1)"
command -v ${CROSS}gcc >/dev/null || die "${CROSS}gcc not found (apt-get install gcc-riscv64-linux-gnu)"
for t in flex bison bc make; do
    command -v $t >/dev/null || die "$t not found (scripts/install-deps.sh)"
done

mkdir -p "$CACHE"
# One build at a time (parallel test runs): wait for the other, then reuse its result.
exec 9>"$CACHE/build.lock"
flock 9
if [ -f "$IMAGE" ]; then
    echo "$IMAGE"
    exit 0
fi
SRC=$CACHE/linux-source-6.1
if [ ! -f "$SRC/.extracted" ]; then
    log "extracting $TARBALL into $CACHE (once)"
    rm -rf "$SRC" "$SRC.tmp"
    mkdir -p "$SRC.tmp"
    tar -C "$SRC.tmp" -xf "$TARBALL"
    mv "$SRC.tmp/linux-source-6.1" "$SRC"
    rm -rf "$SRC.tmp"
    touch "$SRC/.extracted"
fi

BUILD=$OUT/build
mkdir -p "$BUILD"
K="make -s -C $SRC O=$BUILD ARCH=riscv CROSS_COMPILE=$CROSS"

log "configuring (tinyconfig + libhv options) in $BUILD"
$K tinyconfig >&2
args=""
for o in $WANT; do args="$args --enable $o"; done
for o in $UNWANT; do args="$args --disable $o"; done
"$SRC/scripts/config" --file "$BUILD/.config" $args
$K olddefconfig >&2
# A second pass: options whose dependencies only appeared after the first olddefconfig.
"$SRC/scripts/config" --file "$BUILD/.config" $args
$K olddefconfig >&2

bad=""
for o in $WANT; do
    if ! grep -q "^CONFIG_$o=y$" "$BUILD/.config"; then bad="$bad $o"; fi
done
for o in $UNWANT; do
    if grep -q "^CONFIG_$o=y$" "$BUILD/.config"; then bad="$bad !$o"; fi
done
[ -z "$bad" ] || die "options not as wanted in the final .config:$bad"

log "building Image with -j$JOBS (about 5-7 minutes on 2 cores)"
start=$(date +%s)
$K -j"$JOBS" Image >&2
log "built in $(( $(date +%s) - start )) s"
cp "$BUILD/arch/riscv/boot/Image" "$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
echo "$IMAGE"
