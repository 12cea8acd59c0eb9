#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the Linux 6.1 guest kernel (arch/riscv Image) from Debian's linux-source-6.1, in one
# of two configurations; prints the Image's path on stdout (build log on stderr).
#
#  full (default): a small config for libhv's virt board (serial 8250 + SBI console,
#    virtio-mmio blk/net/rng, goldfish RTC, syscon poweroff, initramfs), built from the
#    extracted source. Cached outside the source tree, keyed by the config's hash.
#  --para: the para kernel: the same source plus the project's own para drivers
#    (guest/linux/drivers/libhv-para: event-channel irqchip, hvc console, blk-mq and NAPI
#    front-ends, WALLCLOCK RTC) added as a new directory with one hook line each in
#    drivers/Kconfig and drivers/Makefile. No emulated-device drivers. Built in its own
#    hard-linked copy of the source tree (the shared extracted tree is never modified) and
#    a persistent build directory (editing a driver rebuilds only what changed); the Image
#    is cached keyed by the config, the driver sources and include/hv/para.h.
#
# Usage: scripts/build-linux.sh [--para] [--print-path]   (--print-path: no build, path only)
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

# The para configuration: no 8250, no virtio, no PLIC/goldfish/syscon board drivers; the
# SBI early console (earlycon=sbi) until hvc0 (the console ring) registers.
WANT_PARA="ARCH_RV64I 64BIT MMU RISCV_ISA_C FPU SMP RISCV_SBI RISCV_SBI_V01 NONPORTABLE
PRINTK PRINTK_TIME TTY SERIAL_EARLYCON_RISCV_SBI BLK_DEV_INITRD RD_GZIP BINFMT_ELF
BINFMT_SCRIPT PROC_FS SYSFS DEVTMPFS SHMEM TMPFS FUTEX POSIX_TIMERS MULTIUSER
RTC_CLASS RTC_INTF_DEV RTC_INTF_SYSFS RTC_HCTOSYS BLOCK NET NETDEVICES NET_CORE INET PACKET
UNIX RISCV_TIMER HVC_DRIVER HVC_IRQ
LIBHV_PARA LIBHV_PARA_CONSOLE LIBHV_PARA_BLK LIBHV_PARA_NET LIBHV_PARA_RTC"
UNWANT_PARA="MODULES EFI RISCV_ISA_V ARCH_RV32I VT SERIAL_8250 VIRTIO HVC_RISCV_SBI SOC_VIRT
SIFIVE_PLIC RTC_DRV_GOLDFISH"
# The hook lines added to Linux's own files (the only change to them).
HOOK_KCONFIG='source "drivers/libhv-para/Kconfig"'
HOOK_MAKEFILE='obj-$(CONFIG_LIBHV_PARA)	+= libhv-para/'

MODE=full
PRINT=0
for arg in "$@"; do
    case $arg in
    --print-path) PRINT=1 ;;
    --para) MODE=para ;;
    *) echo "usage: $0 [--para] [--print-path]" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DRV=$ROOT/guest/linux/drivers/libhv-para
ABI=$ROOT/include/hv/para.h

if [ $MODE = full ]; then
    # The cache key: the option lists, the kernel source version and the compiler.
    hash=$( (echo "$WANT $UNWANT"; dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null;
             ${CROSS}gcc --version 2>/dev/null | head -1) | sha256sum | cut -c1-12)
    OUT=$CACHE/linux-$hash
else
    # The same inputs, plus the hook lines, every driver source and the ABI header.
    hash=$( (echo "para $WANT_PARA $UNWANT_PARA"; echo "$HOOK_KCONFIG"; echo "$HOOK_MAKEFILE"
             dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null
             ${CROSS}gcc --version 2>/dev/null | head -1
             cd "$DRV" && find . -type f | LC_ALL=C sort | xargs sha256sum
             sha256sum < "$ABI") | sha256sum | cut -c1-12)
    OUT=$CACHE/linux-para-$hash
    WANT=$WANT_PARA
    UNWANT=$UNWANT_PARA
fi
IMAGE=$OUT/Image

if [ $PRINT = 1 ]; then
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

# Install src/dst only if it differs (unchanged files keep their mtime: incremental builds).
install_file() {
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2.tmp.$$"
        mv "$2.tmp.$$" "$2"
    fi
}

if [ $MODE = full ]; then
    BUILD=$OUT/build
else
    # The para tree: hard links to the extracted source (cheap; nothing writes into a
    # source tree during an O= build), where the files we change are replaced by new
    # files, never edited in place, so the shared tree stays pristine.
    PSRC=$CACHE/linux-para/src
    # Relinked when the extracted tree is a new one (another linux-source-6.1 version).
    srcid=$(stat -c %i "$SRC/Makefile")
    if [ "$(cat "$PSRC/.linked" 2>/dev/null)" != "$srcid" ]; then
        log "linking a para source tree in $PSRC"
        rm -rf "$PSRC" "$PSRC.tmp"
        mkdir -p "$CACHE/linux-para"
        cp -al "$SRC" "$PSRC.tmp"
        rm -f "$PSRC.tmp/.extracted"
        mv "$PSRC.tmp" "$PSRC"
        echo "$srcid" > "$PSRC/.linked"
    fi
    # Hook lines: Kconfig before drivers/Kconfig's final endmenu, Makefile at the end.
    if ! grep -qF "$HOOK_KCONFIG" "$PSRC/drivers/Kconfig"; then
        awk -v hook="$HOOK_KCONFIG" '{ l[NR] = $0 } /^endmenu/ { last = NR }
            END { for (i = 1; i <= NR; i++) { if (i == last) print hook "\n"; print l[i] } }' \
            "$SRC/drivers/Kconfig" > "$PSRC/drivers/Kconfig.tmp"
        mv "$PSRC/drivers/Kconfig.tmp" "$PSRC/drivers/Kconfig"
    fi
    if ! grep -qF "$HOOK_MAKEFILE" "$PSRC/drivers/Makefile"; then
        { cat "$SRC/drivers/Makefile"; echo "$HOOK_MAKEFILE"; } > "$PSRC/drivers/Makefile.tmp"
        mv "$PSRC/drivers/Makefile.tmp" "$PSRC/drivers/Makefile"
    fi
    # The drivers and the ABI header they include; files gone from the project go too.
    dst=$PSRC/drivers/libhv-para
    mkdir -p "$dst/include/hv"
    (cd "$DRV" && find . -type d) | while read -r d; do mkdir -p "$dst/$d"; done
    (cd "$DRV" && find . -type f) | while read -r f; do install_file "$DRV/$f" "$dst/$f"; done
    install_file "$ABI" "$dst/include/hv/para.h"
    (cd "$dst" && find . -type f) | while read -r f; do
        [ -f "$DRV/$f" ] || [ "$f" = ./include/hv/para.h ] || rm -f "$dst/$f"
    done
    SRC=$PSRC
    BUILD=$CACHE/linux-para/build
fi
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
if [ $MODE = full ]; then
    $K -j"$JOBS" Image >&2
else
    # Keep the log: the para drivers must build without a warning (they use -Werror; this
    # also catches what reaches them from headers).
    mkdir -p "$OUT"
    { $K -j"$JOBS" Image 2>&1; echo $? > "$OUT/build.status"; } | tee "$OUT/build.log.tmp" >&2
    status=$(cat "$OUT/build.status"); rm -f "$OUT/build.status"
    [ "$status" = 0 ] || die "the build failed (see the log above)"
    mv "$OUT/build.log.tmp" "$OUT/build.log"
    if grep -n "libhv-para.*warning" "$OUT/build.log" >&2; then
        die "warnings in the para drivers (above; log in $OUT/build.log)"
    fi
    cp "$BUILD/System.map" "$OUT/System.map"
fi
log "built in $(( $(date +%s) - start )) s"
cp "$BUILD/arch/riscv/boot/Image" "$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
echo "$IMAGE"
